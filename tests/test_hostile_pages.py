"""Hostile story pages (issue 14, cases 9-12) on the sample site, crawled twice for real.

Each case is one story page of the sample site rewritten on disk before the crawl. After
the crawl and one rerun, the feed must hold every ground-truth story exactly once, every
field as the truth says (or as the case says, where the page itself changed it), and no
field that is not plain text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SampleSite, build_and_serve, read_jsonl, run_crawl

pytestmark = pytest.mark.e2e

VOLATILE = ("crawled_at", "content_hash")


def _path(site: SampleSite, row: dict[str, Any]) -> Path:
    return site.build.docroot / row["url"].removeprefix(site.base_url + "/")


def _edit(site: SampleSite, row: dict[str, Any], change: Any) -> None:
    page = _path(site, row)
    page.write_text(change(page.read_text(encoding="utf-8")), encoding="utf-8")


def _edit_jsonld(html: str, change: Any) -> str:
    def rewrite(match: re.Match[str]) -> str:
        data = json.loads(match.group(1))
        if data.get("@type") == "NewsArticle":
            change(data)
        return f'<script type="application/ld+json">{json.dumps(data)}</script>'

    return re.sub(r'<script type="application/ld\+json">(.*?)</script>', rewrite, html)


def _deep(html: str) -> str:
    start = html.index('<div class="detail_txt">')
    end = html.index('</div>\n<div class="social_sharer">', start) + len("</div>")
    return html[:start] + "<div>" * 10_000 + html[start:end] + "</div>" * 10_000 + html[end:]


class Hostile:
    """The sample site with one story page per case rewritten; what the feed must hold."""

    def __init__(self, site: SampleSite):
        self.site = site
        self.truth = {row["article_id"]: row for row in site.ground_truth()}
        rows = sorted(self.truth.values(), key=lambda r: r["article_id"])
        with_ld = [r for r in rows if r["image_url"] and r["author"]]
        modified = [r for r in with_ld if r["modified_at"]]
        self.replaced, self.canonical = with_ld[0], with_ld[1]  # case 9
        self.zero = with_ld[2]  # case 10
        self.scripts, self.entities = with_ld[3], with_ld[4]  # case 11
        self.deep_ld, self.deep_body = with_ld[5], with_ld[6]  # case 12
        self.far_modified = next(r for r in modified if r not in with_ld[:7])
        self.expected = {k: dict(v) for k, v in self.truth.items()}
        self._rewrite()

    def _rewrite(self) -> None:
        site = self.site
        # 9. A page declaring another story's URL as canonical.
        other = self.canonical["url"]
        _edit(
            site,
            self.replaced,
            lambda h: re.sub(
                r'<link rel="canonical" href="[^"]*">', f'<link rel="canonical" href="{other}">', h
            ),
        )
        # 10. A story linked only with a leading zero in its id.
        path = self.zero["url"].removeprefix(site.base_url)
        zero_path = re.sub(r"-(\d+)\.html$", r"-0\1.html", path)
        own = _path(site, self.zero)
        for page in site.build.docroot.rglob("*.html"):
            if page != own:
                text = page.read_text(encoding="utf-8")
                if path in text:
                    page.write_text(text.replace(path, zero_path), encoding="utf-8")
        own.rename(site.build.docroot / zero_path.lstrip("/"))
        # 11. Script and style text inside fields, a javascript: image, entities shown as text.
        _edit(
            site,
            self.scripts,
            lambda h: _edit_jsonld(
                h.replace("</h1>", "<script>evil()</script></h1>", 1)
                .replace(
                    '<span class="article-date"><a',
                    '<span class="article-date"><script>evil()</script><a',
                    1,
                )
                .replace("</h2>", "<style>.evil{}</style></h2>", 1),
                lambda d: d.update(
                    image={"@type": "ImageObject", "url": "javascript:alert(1)//.jpg"}
                ),
            ),
        )
        self.expected[self.scripts["article_id"]]["image_url"] = None
        _edit(
            site,
            self.entities,
            lambda h: re.sub(r"(<h1[^>]*>)", r"\1&amp;lt;b&amp;gt; ", h, count=1),
        )
        entities = self.expected[self.entities["article_id"]]
        entities["title"] = "&lt;b&gt; " + entities["title"]
        # 12. One bad secondary part: deep JSON-LD, an out-of-range dateModified, deep nesting.
        deep = '<script type="application/ld+json">' + "[" * 50_000 + "]" * 50_000 + "</script>"
        _edit(site, self.deep_ld, lambda h: h.replace("</head>", deep + "\n</head>", 1))
        _edit(
            site,
            self.far_modified,
            lambda h: _edit_jsonld(h, lambda d: d.update(dateModified="9999-12-31T23:59:59-12:00")),
        )
        self.expected[self.far_modified["article_id"]]["modified_at"] = None
        _edit(site, self.deep_body, _deep)


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Hostile]:
    site = build_and_serve(tmp_path / "sample")
    try:
        yield Hostile(site)
    finally:
        site.server.stop()


def test_hostile_pages_neither_replace_corrupt_nor_lose_a_story(
    hostile: Hostile, tmp_path: Path
) -> None:
    args = ("-a", f"base_url={hostile.site.base_url}")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-3000:]
    second = run_crawl(tmp_path, *args)
    assert second.returncode == 0, second.log[-3000:]
    for run in (first, second):
        assert "Traceback" not in run.log and "Could not parse" not in run.log

    items = read_jsonl(tmp_path / "output" / "urdupoint.jsonl")
    ids = [item["article_id"] for item in items]
    assert sorted(ids) == sorted(hostile.expected), (
        f"missing {sorted(set(hostile.expected) - set(ids))}, "
        f"extra {sorted(set(ids) - set(hostile.expected))}, repeated {len(ids) - len(set(ids))}"
    )
    for item in items:
        for key in VOLATILE:
            assert item.pop(key)
        expected = hostile.expected[item["article_id"]]
        assert {k: item[k] for k in expected} == expected, item["url"]
        text = json.dumps(item)
        assert "evil" not in text and "javascript:" not in text, item["url"]

    # Each case on record: a warning naming the URL and a counter.
    assert first.stat("newsbot/canonical/disagree") == 1
    assert first.stat("newsbot/fields/image_url/invalid") == 1
    assert first.stat("newsbot/jsonld/invalid") == 1
    assert first.stat("newsbot/fields/modified_at/invalid") == 1
    assert first.stat("newsbot/html/too_deep") == 1
    assert first.stat("newsbot/fields/title/disagree") == 1
    for row, words in (
        (hostile.replaced, "Ignored rel=canonical"),
        (hostile.scripts, "Ignored image URL"),
        (hostile.deep_ld, "Ignored a JSON-LD script"),
        (hostile.far_modified, "Ignored modified_at"),
        (hostile.deep_body, "Removed runs of 64 or more nested wrapper tags"),
    ):
        assert any(
            words in line and row["url"].rsplit("/", 1)[-1] in line
            for line in first.log.splitlines()
            if "WARNING" in line
        ), f"no warning names {row['url']}"
