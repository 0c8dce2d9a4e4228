"""The site changes its markup under us: crawls of sample-site variants, end to end.

Two renames broke whole crawls before each field had redundant signals: the body's
container class (0 stories, exit 0: every body empty, every story dropped as a stub) and
the byline spans' class (author wrong on 82%). Each variant changes one piece of markup on
every story page; the crawl must give the ground truth, and its stats must say which
signal carried the field. ``test_fields.py`` checks every variant in-process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SampleSite, build_and_serve, read_jsonl, run_crawl

pytestmark = pytest.mark.e2e

VOLATILE = ("crawled_at", "content_hash")


@pytest.fixture(params=["body_class", "byline_class"])
def changed_site(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, SampleSite]]:
    site = build_and_serve(tmp_path / "sample", variant=request.param)
    try:
        yield request.param, site
    finally:
        site.server.stop()


def test_a_renamed_class_costs_a_signal_not_the_field(
    changed_site: tuple[str, SampleSite], tmp_path: Path
) -> None:
    variant, site = changed_site
    run = run_crawl(tmp_path, "-a", f"base_url={site.base_url}")
    assert run.returncode == 0, run.log[-3000:]
    items = read_jsonl(tmp_path / "output" / "urdupoint.jsonl")
    truth = {row["article_id"]: row for row in site.ground_truth()}
    ids = [item["article_id"] for item in items]
    assert sorted(ids) == sorted(truth), f"{len(ids)} stories of {len(truth)}"
    for item in items:
        for key in VOLATILE:
            assert item.pop(key)
        assert item == truth[item["article_id"]], item["url"]

    stories = len(truth)
    if variant == "body_class":
        # body_class: every body came from the page's structure, none from the container.
        assert run.stat("newsbot/fields/body/container") is None
        assert run.stat("newsbot/fields/body/structure") >= stories
    else:
        # byline_class: the byline spans gave nothing; JSON-LD and the visible text did.
        assert run.stat("newsbot/fields/author/byline") is None
        assert (run.stat("newsbot/fields/author/jsonld") or 0) + (
            run.stat("newsbot/fields/author/byline_text") or 0
        ) >= sum(1 for row in truth.values() if row["author"])
    assert run.stat("newsbot/dropped/stub") == 3, "only the video stubs"
