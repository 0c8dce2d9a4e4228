"""The site changed under a crawler with a history: each change survived, or the run is loud.

The sample site is crawled once, healthy, to learn its baseline (``newsbot.baseline``),
as an hourly job would have. Then one piece of markup is changed at a time and the site
crawled again from a fresh state that keeps only that baseline. Each run must either
write every story with every field right (exit 0), or exit 3 (``site_layout_changed``)
or 7 (``degraded``) with a report that names what broke: never exit 0 with a story
missing or a field wrong.

The browser is off: these pages are not challenged, and an empty body would otherwise
be fetched again in Chromium for every story (its circuit breaker is tested elsewhere).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from newsbot.exitcodes import describe
from tests.conftest import CrawlRun, SampleSite, build_and_serve, read_jsonl, run_crawl

pytestmark = pytest.mark.e2e

SETTINGS = {"NEWSBOT_BROWSER_ENABLED": "False"}
VOLATILE = ("crawled_at", "content_hash")
LOUD = {3: "site_layout_changed", 7: "degraded"}
JSONLD = re.compile(r'<script type="application/ld\+json">.*?</script>', re.S)
RELATED_TOPICS = re.compile(r'<div class="related_topics[^"]*">.*?</ul></div>', re.S)
DATELINE = re.compile(r", \(([^()]*?) - \d{1,2}(?:st|nd|rd|th) \w{3}, \d{4} \) :")


def story_pages(site: SampleSite) -> list[Path]:
    return [
        page
        for page in site.build.docroot.glob("en/*/*.html")
        if page.parent.name not in ("news", "topics", "team")
    ]


def listing_pages(site: SampleSite) -> list[Path]:
    return [
        *site.build.docroot.glob("en/news/*.html"),
        *site.build.docroot.glob("en/topics/*.html"),
    ]


def rewrite(pages: list[Path], change: Callable[[str], str]) -> None:
    for page in pages:
        page.write_text(change(page.read_text(encoding="utf-8")), encoding="utf-8")


def move_jsonld_to_body_end(html: str) -> str:
    scripts = JSONLD.findall(html)
    return JSONLD.sub("", html).replace("</body>", "".join(scripts) + "</body>")


#: name -> (pages changed, the change)
CHANGES: dict[str, tuple[Callable[[SampleSite], list[Path]], Callable[[str], str]]] = {
    "body-class-renamed": (story_pages, lambda h: h.replace('"detail_txt"', '"story-text"')),
    "byline-class-renamed": (story_pages, lambda h: h.replace('"article-date"', '"byline-part"')),
    "jsonld-removed": (story_pages, lambda h: JSONLD.sub("", h)),
    "jsonld-moved-to-body-end": (story_pages, move_jsonld_to_body_end),
    "dateline-format": (story_pages, lambda h: DATELINE.sub(r" (\1):", h)),
    "related-topics-heading-h2": (
        story_pages,
        lambda h: h.replace(
            '<h3 class="sec_title">Related Topics</h3>', '<h2 class="sec_title">Related Topics</h2>'
        ),
    ),
    "related-topics-removed": (story_pages, lambda h: RELATED_TOPICS.sub("", h)),
    "listing-cards-class-renamed": (listing_pages, lambda h: h.replace('"txt_box"', '"card"')),
    "listing-links-in-script": (
        listing_pages,
        lambda h: h.replace('<a href="/en/', '<a data-href="/en/').replace(
            ' href="/en/', ' data-href="/en/'
        ),
    ),
}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The baseline a healthy crawl of the sample site learns."""
    root = tmp_path_factory.mktemp("healthy")
    site = build_and_serve(root / "sample")
    try:
        run = run_crawl(root, "-a", f"base_url={site.base_url}", settings=SETTINGS)
    finally:
        site.server.stop()
    assert run.returncode == 0, run.log[-3000:]
    return root / "output" / "state" / "urdupoint.baseline.json"


def crawl_changed(name: str, baseline: Path, tmp_path: Path) -> tuple[CrawlRun, SampleSite]:
    site = build_and_serve(tmp_path / "sample")
    pages, change = CHANGES[name]
    try:
        changed = pages(site)
        assert changed
        before = [p.read_text(encoding="utf-8") for p in changed]
        rewrite(changed, change)
        assert [p.read_text(encoding="utf-8") for p in changed] != before, "nothing changed"
        state = tmp_path / "output" / "state"
        state.mkdir(parents=True)
        shutil.copy(baseline, state / baseline.name)
        run = run_crawl(tmp_path, "-a", f"base_url={site.base_url}", settings=SETTINGS)
    finally:
        site.server.stop()
    return run, site


def wrong_stories(run: CrawlRun, site: SampleSite) -> list[str]:
    """What differs from the ground truth: missing, extra and wrong stories."""
    feed = run.cwd / "output" / "urdupoint.jsonl"
    items = read_jsonl(feed) if feed.exists() else []
    truth = {row["article_id"]: row for row in site.ground_truth()}
    found = {item["article_id"]: item for item in items}
    wrong = [f"missing {i}" for i in sorted(set(truth) - set(found))]
    wrong += [f"extra {i}" for i in sorted(set(found) - set(truth))]
    for article_id, item in found.items():
        expected = truth.get(article_id)
        if expected is None:
            continue
        fields = [k for k in expected if k not in VOLATILE and item.get(k) != expected[k]]
        if fields:
            wrong.append(f"{item['url']}: {', '.join(fields)}")
    return wrong


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_changed_site_is_survived_or_fails_loudly(
    name: str, baseline: Path, tmp_path: Path
) -> None:
    run, site = crawl_changed(name, baseline, tmp_path)
    wrong = wrong_stories(run, site)
    report = json.loads((tmp_path / "output" / "urdupoint.report.json").read_text("utf-8"))
    if run.returncode == 0:
        assert not wrong, f"exit 0 with {len(wrong)} stories wrong: {wrong[:5]}"
        assert report["exit_status"] == 0 and not report["alarms"]
        return
    assert run.returncode in LOUD, run.log[-3000:]
    assert report["finish_reason"] == LOUD[run.returncode]
    assert report["exit_status"] == run.returncode
    assert report["problems"], "a loud run says why"
    assert run.log.splitlines()[-1].endswith(describe(run.returncode, LOUD[run.returncode]))
    for alarm in report["alarms"]:
        assert alarm["subject"] and alarm["message"]
        if alarm["check"] in ("coverage", "drop_rate"):
            assert 1 <= len(alarm["examples"]) <= 3, alarm
            assert all(url.startswith(site.base_url) for url in alarm["examples"])
        if alarm["check"] == "signal":
            assert alarm["signal"] and 1 <= len(alarm["examples"]) <= 3, alarm


@pytest.mark.parametrize(
    ("name", "field", "usual", "instead"),
    [
        ("body-class-renamed", "body", "container", "structure"),
        ("byline-class-renamed", "author", "byline", "jsonld"),
    ],
)
def test_a_field_read_from_its_second_signal_is_right_and_flagged_degraded(
    name: str, field: str, usual: str, instead: str, baseline: Path, tmp_path: Path
) -> None:
    """The issue's first two rows (0 stories; authors wrong on 82%, both exit 0): every story
    is now right from the field's second signal, and the run says its usual signal failed."""
    run, site = crawl_changed(name, baseline, tmp_path)
    assert not wrong_stories(run, site)
    assert run.returncode == 7, run.log[-3000:]
    report = json.loads((tmp_path / "output" / "urdupoint.report.json").read_text("utf-8"))
    alarm = next(a for a in report["alarms"] if a["subject"] == field)
    assert (alarm["check"], alarm["signal"]) == ("signal", usual), alarm
    assert f"its usual signal {usual} failed on 100% of the " in alarm["message"]
    assert f"{instead} filled it instead" in alarm["message"]
    assert len(alarm["examples"]) == 3
    assert all(url.startswith(site.base_url) for url in alarm["examples"])


def test_a_field_lost_beside_its_usual_coverage_is_degraded(baseline: Path, tmp_path: Path) -> None:
    """Exit 7: stories still written, but a field the site usually gives is gone."""
    run, _ = crawl_changed("related-topics-removed", baseline, tmp_path)
    assert run.returncode == 7, run.log[-3000:]
    report = json.loads((tmp_path / "output" / "urdupoint.report.json").read_text("utf-8"))
    assert report["finish_reason"] == "degraded" and report["stories_emitted"] > 0
    alarm = next(a for a in report["alarms"] if a["subject"] == "related_topics")
    assert alarm["check"] == "coverage" and alarm["value"] == 0.0 and alarm["expected"] > 0.3
    assert len(alarm["examples"]) == 3
    assert "Run degraded: related_topics filled on 0% of" in run.log
    assert run.log.splitlines()[-1].endswith(
        "INFO: exit status 7: the run is degraded: a field, a drop rate or the feed is far "
        "from usual (see the problems above)"
    )
