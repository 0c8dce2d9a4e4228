"""The report's redesign rule on small runs: a few odd pages are no new layout."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from newsbot.extensions.report import ValidationReport
from newsbot.spiders.urdupoint import UrdupointSpider


def report() -> ValidationReport:
    return ValidationReport(get_crawler(UrdupointSpider), min_coverage=0.95, min_pages=10)


@pytest.mark.parametrize(
    ("pages", "undated", "flagged"),
    [(15, 1, False), (12, 2, False), (15, 3, True), (150, 150, True)],
)
def test_a_required_field_missing_from_a_few_pages_of_a_small_run_is_no_redesign(
    pages: int, undated: int, flagged: bool
) -> None:
    """Found by an adversary: one undated story among an hourly run's 15 ended it with exit 3."""
    stats = {"newsbot/pages/story": pages, "newsbot/dropped/missing_published_at": undated}
    problems = report().build(stats, "finished")["problems"]
    assert any("published_at found on" in p for p in problems) is flagged
