"""End to end: serve the sample site on loopback, crawl it for real, compare with truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SampleSite, read_jsonl, run_crawl

pytestmark = pytest.mark.e2e

#: Fields that depend on the crawl, not the page; checked for form, not value.
VOLATILE = ("crawled_at", "content_hash")


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


def test_pages_that_are_not_stories_are_counted_and_logged(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    run = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}")
    drops = sample_site.expected_drops()
    assert drops, "the sample site must hold pages that are not stories"
    for drop in drops:
        assert f"Dropped {drop['url']}: {drop['reason']}" in run.log
    reasons = {d["reason"] for d in drops}
    for reason in reasons:
        expected = sum(1 for d in drops if d["reason"] == reason)
        assert run.stat(f"newsbot/dropped/{reason}") == expected


def test_feed_appends_across_runs_and_is_not_created_empty(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    nothing = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}", "-a", "categories=nope")
    assert nothing.returncode == 0
    assert not (tmp_path / "output" / "urdupoint.jsonl").exists(), "empty feed written"

    args = (
        "-a",
        f"base_url={sample_site.base_url}",
        "-a",
        "categories=sports",
        "-a",
        "max_pages=1",
    )
    first = run_crawl(tmp_path, *args)
    feed = tmp_path / "output" / "urdupoint.jsonl"
    count = len(read_jsonl(feed))
    assert first.returncode == 0 and count > 0
    text = feed.read_text(encoding="utf-8")
    assert "\\u" not in text, "non-ASCII text must be written as UTF-8, not escaped"
    run_crawl(tmp_path, *args, "-O", "other.jsonl")
    assert len(read_jsonl(tmp_path / "other.jsonl")) == count, "-O works as in any project"
    assert len(read_jsonl(feed)) == count, "-O replaces the default feed, not adds to it"
