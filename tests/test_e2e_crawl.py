"""End to end: serve the sample site on loopback, crawl it for real, compare with truth."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import SampleSite, read_jsonl, run_crawl

pytestmark = pytest.mark.e2e

#: Fields that depend on the crawl, not the page; checked for form, not value.
VOLATILE = ("crawled_at", "content_hash")
#: A log line at WARNING or above (Scrapy's format: ``date [logger] LEVEL: message``).
LOUD = re.compile(r"\] (WARNING|ERROR|CRITICAL): ")


def test_crawl_emits_every_story_once_with_every_field_right(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    run = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}")
    assert run.returncode == 0, run.log[-3000:]
    assert "Traceback" not in run.log, run.log
    items = read_jsonl(tmp_path / "output" / "urdupoint.jsonl")
    truth = {row["article_id"]: row for row in sample_site.ground_truth()}

    ids = [item["article_id"] for item in items]
    assert len(ids) == len(set(ids)), "a story was emitted twice"
    assert set(ids) == set(truth), (
        f"missing {sorted(set(truth) - set(ids))}, extra {sorted(set(ids) - set(truth))}"
    )
    for item in items:
        for key in VOLATILE:
            assert item.pop(key), f"{key} empty in {item['url']}"
        expected = truth[item["article_id"]]
        assert {k: item[k] for k in expected} == expected, item["url"]
        assert set(item) == set(expected), "unexpected fields"


def test_a_crawl_of_the_sample_site_logs_no_warning_or_error(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """A clean run is quiet: a WARNING line must mean something the operator should read."""
    run = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}")
    assert run.returncode == 0, run.log[-3000:]
    loud = [line for line in run.log.splitlines() if LOUD.search(line)]
    assert loud == [], "\n".join(loud)
    assert run.stat("log_count/WARNING") is None
    assert run.stat("log_count/ERROR") is None


def test_every_drop_is_logged_counted_and_recorded_with_its_reason(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    run = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}")
    expected = sample_site.expected_drops()
    assert expected, "the sample site must hold pages that are not stories"
    recorded = read_jsonl(tmp_path / "output" / "urdupoint.dropped.jsonl")
    by_url = {row["url"]: row for row in recorded}
    assert len(by_url) == len(recorded), "a drop recorded twice"
    for drop in expected:
        row = by_url.get(drop["url"])
        assert row is not None, f"no record for {drop}"
        assert (row["reason"], row["duplicate_of"]) == (drop["reason"], drop.get("duplicate_of"))
        assert f"Dropped {drop['url']}: {drop['reason']}" in run.log
    assert len(recorded) == len(expected), "a story was dropped that should not have been"
    for reason in {d["reason"] for d in expected}:
        count = sum(1 for d in expected if d["reason"] == reason)
        assert run.stat(f"newsbot/dropped/{reason}") == count


def test_a_second_crawl_of_the_same_site_emits_nothing_new(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    first = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}")
    assert first.returncode == 0
    feed = tmp_path / "output" / "urdupoint.jsonl"
    emitted = len(read_jsonl(feed))
    assert emitted == len(sample_site.ground_truth())
    second = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}")
    assert second.returncode == 0
    assert len(read_jsonl(feed)) == emitted
    assert second.stat("item_scraped_count") is None


def test_feed_appends_across_runs_and_is_not_created_empty(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    base = ("-a", f"base_url={sample_site.base_url}", "-a", "max_pages=1")
    feed = tmp_path / "output" / "urdupoint.jsonl"

    nothing = run_crawl(tmp_path, *base, "-a", "categories=nope")
    assert nothing.returncode == 11, "an unknown category is start_not_found (issue 15)"
    assert not feed.exists(), "empty feed written"

    run_crawl(tmp_path, *base, "-a", "categories=sports")
    sports = len(read_jsonl(feed))
    assert sports > 0
    assert "\\u" not in feed.read_text(encoding="utf-8"), "text must be UTF-8, not escaped"

    run_crawl(tmp_path, *base, "-a", "categories=world")
    both = len(read_jsonl(feed))
    assert both > sports, "a second run appends"

    again = run_crawl(tmp_path, *base, "-a", "categories=sports,world", "-a", "full=1")
    assert len(read_jsonl(feed)) == both, "a second crawl of the same pages emits nothing new"
    assert again.stat("newsbot/stories/unchanged") == both, "full=1 fetched them all again"
    assert again.stat("newsbot/dropped/duplicate_id") is None, "a story in the feed is no drop"
    drops = read_jsonl(tmp_path / "output" / "urdupoint.dropped.jsonl")
    assert not [row for row in drops if row["reason"] == "duplicate_id"]
    assert f"stories written: 0, to {feed}; {both} fetched again were there already" in again.log

    fresh = {"NEWSBOT_STATE_DIR": str(tmp_path / "other-state"), "NEWSBOT_FEED": ""}
    run_crawl(tmp_path, *base, "-a", "categories=sports", "-O", "other.jsonl", settings=fresh)
    assert len(read_jsonl(tmp_path / "other.jsonl")) == sports, "-O works as in any project"
    assert len(read_jsonl(feed)) == both, "NEWSBOT_FEED= turns the default feed off"

    run_crawl(tmp_path, *base, "-a", "categories=technology", "-o", "more.jsonl")
    more = read_jsonl(tmp_path / "more.jsonl")
    assert more, "-o adds a feed"
    assert read_jsonl(feed)[both:] == more, "beside the default feed, as in any project"
