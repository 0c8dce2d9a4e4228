"""Every field from redundant signals: the sample site with one piece of markup changed at a
time, parsed page by page and compared with its ground truth; what each page's report says.

These run in-process (no crawl): every story page of each variant goes through
``parse_story``, as the spider would call it. ``test_site_changes.py`` crawls two of the
variants end to end.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newsbot.fingerprinter import StoryIdFingerprinter
from newsbot.sample_site import build_site
from newsbot.sample_site.model import BOILERPLATE_LINES
from newsbot.sample_site.render import VARIANTS
from newsbot.site.pages import story as story_module
from newsbot.site.pages.story import Rejected, StoryPage, parse_story
from newsbot.site.urls import Site, story_id

BASE = "http://127.0.0.1:8000"
GOLDEN = Path(__file__).parent / "golden" / "article"


def parse_variant(tmp_path: Path, variant: str | None) -> tuple[list[str], Counter[str]]:
    """Every ground-truth story page of the variant parsed; mismatches and signal counts."""
    build = build_site(tmp_path / "site", BASE, variant=variant)
    site = Site.from_base_url(BASE)
    wrong: list[str] = []
    sources: Counter[str] = Counter()
    for truth in build.ground_truth_rows():
        html = (build.docroot / truth["url"].removeprefix(BASE + "/")).read_bytes()
        result = parse_story(HtmlResponse(url=truth["url"], body=html, encoding="utf-8"), site)
        sources.update(f"{name}/{signal}" for name, signal in result.report.sources.items())
        if result.item is None:
            wrong.append(f"{truth['url']}: rejected {result.rejected}")
            continue
        got: dict[str, Any] = asdict(result.item)
        # The pipelines strip the site's boilerplate lines later; the parser keeps them.
        got["body"] = "\n\n".join(
            p for p in got["body"].split("\n\n") if p not in BOILERPLATE_LINES
        )
        got["word_count"] = len(got["body"].split())
        for key, value in truth.items():
            if got[key] != value:
                wrong.append(f"{truth['url']}: {key} is {got[key]!r}, not {value!r}")
    return wrong, sources


@pytest.mark.parametrize("variant", [None, *VARIANTS])
def test_a_markup_change_at_a_time_leaves_every_field_right(
    tmp_path: Path, variant: str | None
) -> None:
    wrong, sources = parse_variant(tmp_path, variant)
    assert not wrong, "\n".join(wrong[:10])
    assert sources["title/h1"] > 100
    if variant == "body_class":
        assert sources["body/structure"] > 100 and not sources["body/container"]
    if variant == "byline_class":
        assert not sources["author/byline"] and not sources["published_at/byline"]
        assert sources["published_at/byline_text"] > 10, "stories without JSON-LD"
        assert sources["author/jsonld"] + sources["author/byline_text"] > 80
    if variant == "no_jsonld":  # the information is gone: no field claims to come from it
        assert not [key for key in sources if key.endswith("/jsonld")]
        assert not sources["image_url/og"], "og:image is the logo: never an image"


#: Golden pages of hostile or changed markup -> the problem each must report (or None).
GOLDEN_PROBLEMS = {
    "canonical-names-another-story": "canonical/disagree",
    "javascript-image-url": "fields/image_url/invalid",
    "jsonld-nested-too-deep": "jsonld/invalid",
    "date-modified-out-of-range": "fields/modified_at/invalid",
    "body-in-10000-nested-divs": "html/too_deep",
    "body-class-renamed": None,
    "leading-zero-id": None,
}


@pytest.mark.parametrize("name", sorted(GOLDEN_PROBLEMS))
def test_each_golden_fault_is_reported_once(name: str) -> None:
    spec = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    body = (GOLDEN / f"{name}.html").read_bytes()
    result = parse_story(HtmlResponse(url=spec["fetched_url"], body=body, encoding="utf-8"))
    keys = [problem.key for problem in result.report.problems]
    expected = GOLDEN_PROBLEMS[name]
    assert keys == ([expected] if expected else []), result.report.problems
    assert all(spec["fetched_url"] in problem.message for problem in result.report.problems)


def golden(name: str) -> HtmlResponse:
    spec = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    body = (GOLDEN / f"{name}.html").read_bytes()
    return HtmlResponse(url=spec["fetched_url"], body=body, encoding="utf-8")


def test_disagreeing_signals_are_reported_and_the_page_wins() -> None:
    result = parse_story(golden("entities-decoded-once"))
    assert result.item is not None
    assert result.item.title.startswith("&lt;b&gt; <script>alert(1)</script> Central Bank")
    assert result.report.sources["title"] == "h1"
    assert result.report.disagreements == {"title": ["jsonld", "og", "title_tag"]}


def test_provenance_of_a_healthy_page() -> None:
    result = parse_story(golden("pakistan"))
    assert result.report.sources == {
        "title": "h1",
        "summary": "h2",
        "author": "byline",
        "author_handle": "byline",
        "published_at": "byline",
        "category": "more_stories",
        "dateline_place": "dateline",
        "source_agency": "dateline",
        "body": "container",
        "related_topics": "heading",
        "image_url": "jsonld",
    }
    assert result.report.disagreements == {} and result.report.problems == []


def test_author_falls_back_to_the_visible_byline_without_its_class_or_jsonld() -> None:
    result = parse_story(golden("byline-class-renamed-no-jsonld"))
    assert result.item is not None
    assert (result.item.author, result.item.author_handle) == ("Zainab Rasheed", "@ZainabRashee93")
    assert result.report.sources["author"] == "byline_text"


def test_a_page_nobody_can_parse_is_a_parse_error_rejection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: StoryPage) -> None:
        raise ZeroDivisionError("a bug the parser did not foresee")

    monkeypatch.setattr(story_module.StoryPage, "rejection", broken)
    result = parse_story(golden("pakistan"))
    assert result.item is None
    assert result.rejected == Rejected("parse_error", golden("pakistan").url)
    assert [p.key for p in result.report.problems] == ["errors/parse"]


def test_a_leading_zero_names_the_same_story_everywhere() -> None:
    plain = f"{BASE}/en/world/some-story-2190058.html"
    zero = f"{BASE}/en/world/some-story-02190058.html"
    assert story_id(zero) == story_id(plain) == "2190058"
    fingerprinter = StoryIdFingerprinter.from_crawler(get_crawler())
    assert fingerprinter.fingerprint(Request(zero)) == fingerprinter.fingerprint(Request(plain))


def _spider_on(golden_name: str) -> tuple[Any, list[Any]]:
    from newsbot.spiders.urdupoint import UrdupointSpider

    spec = json.loads((GOLDEN / f"{golden_name}.json").read_text(encoding="utf-8"))
    url = spec["fetched_url"]
    crawler = get_crawler(UrdupointSpider)
    spider = UrdupointSpider.from_crawler(crawler, base_url="https://www.urdupoint.com")
    crawler.stats.open_spider()
    body = (GOLDEN / f"{golden_name}.html").read_bytes()
    response = HtmlResponse(url=url, body=body, encoding="utf-8", request=Request(url))
    return crawler.stats, list(spider.parse_story(response))


def test_the_spider_counts_each_field_by_signal_and_samples_disagreements() -> None:
    stats, out = _spider_on("entities-decoded-once")
    assert any(getattr(o, "article_id", None) == "2190111" for o in out)
    assert stats.get_value("newsbot/fields/title/h1") == 1
    assert stats.get_value("newsbot/fields/body/container") == 1
    assert stats.get_value("newsbot/fields/title/disagree") == 1
    [sample] = stats.get_value("newsbot/fields/title/disagree_urls")
    assert sample.startswith("https://www.urdupoint.com/en/pakistan/") and "from h1" in sample


def test_the_spider_warns_and_counts_a_bad_optional_field(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stats, out = _spider_on("date-modified-out-of-range")
    assert any(getattr(o, "article_id", None) == "2190111" for o in out), "the story is kept"
    assert stats.get_value("newsbot/fields/modified_at/invalid") == 1
    assert any("Ignored modified_at" in r.getMessage() for r in caplog.records)


def test_the_spider_puts_an_unparseable_page_on_record(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self: StoryPage) -> None:
        raise ZeroDivisionError("a bug the parser did not foresee")

    monkeypatch.setattr(story_module.StoryPage, "rejection", broken)
    stats, out = _spider_on("pakistan")
    assert [o.reason for o in out if isinstance(o, Rejected)] == ["parse_error"]
    assert stats.get_value("newsbot/errors/parse") == 1
    assert any("Could not parse" in r.getMessage() for r in caplog.records)
