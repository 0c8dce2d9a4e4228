"""Hourly runs end to end (issue 16): the topic budget holds in a real crawl, date windows."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsbot.state.sqlite import SqliteStateStore
from tests.conftest import SampleSite, build_and_serve, read_jsonl, run_crawl

pytestmark = pytest.mark.e2e

TOPIC_GET_RE = re.compile(r"DEBUG: Crawled \(\d+\) <GET \S+/en/topics/\S+>")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[SampleSite]:
    served = build_and_serve(tmp_path / "sample")
    try:
        yield served
    finally:
        served.server.stop()


def test_a_later_run_opens_no_more_topic_pages_than_its_budget(
    site: SampleSite, tmp_path: Path
) -> None:
    args = ("-a", f"base_url={site.base_url}")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-2000:]
    assert first.stat("newsbot/pages/topic"), "the first run (a backfill) opens every topic"

    from newsbot.sample_site import build_site

    site.build = build_site(site.build.root, site.base_url, edition=2)
    budget = {"NEWSBOT_TOPIC_BUDGET": "3", "LOG_LEVEL": "DEBUG"}
    second = run_crawl(tmp_path, *args, settings=budget)
    assert second.returncode == 0, second.log[-2000:]
    topic_pages = TOPIC_GET_RE.findall(second.log)
    assert 1 <= len(topic_pages) <= 3, topic_pages
    assert second.stat("newsbot/topics/requests") == len(topic_pages)
    report = json.loads((tmp_path / "output" / "urdupoint.report.json").read_text())
    topics = report["topics"]
    assert topics["budget"] == 3
    assert topics["planned"] <= 3 and topics["skipped"] >= 17 - topics["planned"]
    assert topics["priority/highest"] >= topics["priority/lowest_planned"]
    assert "Topic plan (run 2):" in second.log
    # Every new story listed in a category or the feed is still emitted.
    feed = read_jsonl(tmp_path / "output" / "urdupoint.jsonl")
    truth = {row["article_id"] for row in site.ground_truth()}
    assert {row["article_id"] for row in feed} <= truth
    assert len(feed) == len({row["article_id"] for row in feed}), "no story twice"


def test_a_date_window_emits_only_its_stories_and_records_no_others(
    site: SampleSite, tmp_path: Path
) -> None:
    day = "2026-11-23"
    args = ("-a", f"base_url={site.base_url}")
    windowed = run_crawl(tmp_path, *args, "-a", f"since={day}", "-a", f"until={day}")
    assert windowed.returncode == 0, windowed.log[-2000:]
    feed = tmp_path / "output" / "urdupoint.jsonl"
    emitted = read_jsonl(feed)
    truth = site.ground_truth()
    inside = {row["article_id"] for row in truth if row["published_at"].startswith(day)}
    assert all(row["published_at"].startswith(day) for row in emitted), "none outside"
    # The window's own first of a series (a template or copy whose original is older than
    # the window) is the first the window's corpus has: it is emitted too.
    truth_ids = {row["article_id"] for row in truth}
    firsts_in_window = {
        row["article_id"]
        for row in site.expected_drops()
        if row["duplicate_of"] and row["duplicate_of"] not in inside
    }
    assert inside <= {row["article_id"] for row in emitted} <= inside | firsts_in_window
    assert windowed.stat("newsbot/window/outside")

    # Stories outside the window were neither recorded as emitted nor remembered as
    # fetched: a later run without the window still fetches and emits them.
    state = SqliteStateStore(tmp_path / "output" / "state" / "urdupoint.sqlite3")
    try:
        outside = truth_ids - {row["article_id"] for row in emitted}
        assert outside
        assert not [a for a in outside if state.was_emitted(a)]
        assert not [a for a in outside if state.story_seen(a)[0] is not None]
        assert all(state.was_emitted(a) for a in inside)
    finally:
        state.close()


def test_a_bad_date_stops_the_run_with_one_line(site: SampleSite, tmp_path: Path) -> None:
    run = run_crawl(tmp_path, "-a", f"base_url={site.base_url}", "-a", "since=yesterday")
    assert run.returncode != 0
    assert "bad argument since: 'yesterday' is not an ISO date" in run.log
