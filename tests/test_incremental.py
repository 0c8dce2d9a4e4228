"""Incremental re-crawls: the second run brings only what is new, cheaply."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SampleSite, build_and_serve, read_jsonl, run_crawl

pytestmark = pytest.mark.e2e

CRAWLED_RE = re.compile(r"DEBUG: Crawled \(\d+\) <GET (\S+)>")
STORY_ID_RE = re.compile(r"-(\d{5,9})\.html$")
DEBUG = {"LOG_LEVEL": "DEBUG"}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[SampleSite]:
    served = build_and_serve(tmp_path / "sample")
    try:
        yield served
    finally:
        served.server.stop()


def fetched_story_ids(log: str) -> list[str]:
    urls = CRAWLED_RE.findall(log)
    return [m.group(1) for m in (STORY_ID_RE.search(u) for u in urls) if m]


def test_second_run_emits_exactly_the_new_stories_without_refetching_known_ones(
    site: SampleSite, tmp_path: Path
) -> None:
    args = ("-a", f"base_url={site.base_url}")
    first = run_crawl(tmp_path, *args, settings=DEBUG)
    feed = tmp_path / "output" / "urdupoint.jsonl"
    before = {row["article_id"] for row in site.ground_truth()}
    assert {item["article_id"] for item in read_jsonl(feed)} == before

    grown = build_and_serve_again(site, edition=2)
    truth = {row["article_id"]: row for row in grown}
    new_ids = set(truth) - before
    assert len(new_ids) == 12

    second = run_crawl(tmp_path, *args, settings=DEBUG)
    assert second.returncode == 0, second.log[-2000:]
    added = read_jsonl(feed)[len(before) :]
    assert sorted(item["article_id"] for item in added) == sorted(new_ids)
    for item in added:
        expected = truth[item["article_id"]]
        assert {k: item[k] for k in expected} == expected
    refetched = set(fetched_story_ids(second.log)) & before
    assert not refetched, f"known story pages downloaded again: {sorted(refetched)}"
    drops = {row["article_id"]: row["reason"] for row in site.expected_drops()}
    new_drops = [r for r in read_jsonl(tmp_path / "output" / "urdupoint.dropped.jsonl")
                 if r["article_id"] in drops and r["article_id"] not in before]  # fmt: skip
    assert {r["reason"] for r in new_drops} >= {"template", "duplicate_body"}
    requests_1 = first.stat("downloader/request_count")
    requests_2 = second.stat("downloader/request_count")
    assert requests_1 and requests_2
    print(f"run 1: {requests_1} requests; run 2 (12 new stories): {requests_2} requests")
    assert requests_2 < requests_1 / 2


def build_and_serve_again(site: SampleSite, edition: int) -> list[dict]:
    """Rebuild the served site in place as a later edition; its ground truth."""
    from newsbot.sample_site import build_site

    build = build_site(site.build.root, site.base_url, edition=edition)
    site.build = build
    return read_jsonl(build.ground_truth)


def test_full_recrawl_and_recheck_of_recent_stories(site: SampleSite, tmp_path: Path) -> None:
    args = ("-a", f"base_url={site.base_url}")
    run_crawl(tmp_path, *args)
    feed = tmp_path / "output" / "urdupoint.jsonl"
    emitted = len(read_jsonl(feed))

    full = run_crawl(tmp_path, *args, "-a", "full=1")
    assert full.stat("newsbot/pages/story") == 150, "full=1 fetches every story again"
    assert len(read_jsonl(feed)) == emitted, "and still writes none twice"

    # The site edits one story: a recheck finds it and emits a new version.
    target = next(row for row in site.ground_truth() if row["modified_at"] is None)
    page = site.build.docroot / target["url"].split("/", 3)[3]
    html = page.read_text(encoding="utf-8")
    update = "<p>Update: the ministry later confirmed the figures.</p>"
    edited = html.replace(
        '</div>\n<div class="social_sharer">', update + '</div>\n<div class="social_sharer">'
    )
    assert edited != html
    page.write_text(edited, encoding="utf-8")

    recheck = run_crawl(tmp_path, *args, "-a", "recheck_hours=100000")
    assert (recheck.stat("newsbot/pages/story") or 0) >= len(site.ground_truth()), "rechecked"
    items = read_jsonl(feed)
    assert len(items) == emitted + 1
    new_version = items[-1]
    assert new_version["article_id"] == target["article_id"]
    assert new_version["body"].endswith("\n\nUpdate: the ministry later confirmed the figures.")
    assert new_version["modified_at"] and new_version["modified_at"].endswith("+05:00")

    quiet = run_crawl(tmp_path, *args)
    assert quiet.stat("newsbot/pages/story") is None, "no recheck unless asked"


def test_bad_incremental_arguments_are_refused(site: SampleSite, tmp_path: Path) -> None:
    run = run_crawl(tmp_path, "-a", f"base_url={site.base_url}", "-a", "recheck_hours=soon")
    assert run.returncode != 0
    assert "bad argument recheck_hours" in run.log


@pytest.mark.slow
def test_unchanged_site_of_10000_stories_costs_at_most_2_percent_of_a_full_crawl(
    tmp_path: Path,
) -> None:
    big = build_and_serve(tmp_path / "big", stories=10_000)
    try:
        args = ("-a", f"base_url={big.base_url}", "-a", "max_pages=1000")
        full = run_crawl(tmp_path, *args)
        assert full.returncode == 0
        emitted = len(read_jsonl(tmp_path / "output" / "urdupoint.jsonl"))
        assert emitted == len(big.ground_truth())
        again = run_crawl(tmp_path, *args)
    finally:
        big.server.stop()
    assert len(read_jsonl(tmp_path / "output" / "urdupoint.jsonl")) == emitted
    full_requests = full.stat("downloader/request_count")
    incremental_requests = again.stat("downloader/request_count")
    assert full_requests and incremental_requests
    share = incremental_requests / full_requests
    report = {"full": full_requests, "incremental": incremental_requests, "share": share}
    (tmp_path / "figures.json").write_text(json.dumps(report))
    print(f"10,000 stories: full crawl {full_requests} requests, unchanged re-crawl "
          f"{incremental_requests} requests ({share:.2%})")  # fmt: skip
    assert share <= 0.02


def test_a_lost_state_beside_its_feed_writes_no_story_twice(
    site: SampleSite, tmp_path: Path
) -> None:
    """The README's advice (delete the state to start over) and a Redis that restarted empty.

    The feed is the truth about what was emitted: the next run reads it, and a story fetched
    again, not learned as boilerplate-free yet, is no "new version" (issue: 41 of 136 were
    written twice, with the promo paragraph the first run stripped and a made-up
    ``modified_at``).
    """
    args = ("-a", f"base_url={site.base_url}")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-3000:]
    feed = tmp_path / "output" / "urdupoint.jsonl"
    before = read_jsonl(feed)
    assert len(before) == len(site.ground_truth())

    shutil.rmtree(tmp_path / "output" / "state")
    again = run_crawl(tmp_path, *args)
    assert again.returncode == 0, again.log[-3000:]
    after = read_jsonl(feed)
    ids = [row["article_id"] for row in after]
    assert len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} stories written twice"
    assert after == before
    assert not any("WhatsApp" in row["body"] for row in after)
    # Said for what happened: a new state took the feed's stories as written; none was
    # written by an interrupted run, nor is any a drop.
    assert "interrupted run" not in again.log
    assert f"New state: {len(before)} stories already in the feed {feed} were taken as written" in (
        again.log
    )
    # Each counted once: unchanged when its body hash is the feed's, apart when it is not
    # (a new state has not learned the boilerplate yet): neither is written.
    unchanged = again.stat("newsbot/stories/unchanged") or 0
    differs = again.stat("newsbot/stories/refetched_body_differs") or 0
    assert unchanged + differs == len(before)
    assert again.stat("newsbot/dropped/duplicate_id") is None
