"""The end-of-crawl validation report, and a loud failure when the site changed under us.

A redesign does not break a crawler with an exception: it makes fields empty. So at
the end of every crawl the report (logged, and written by the run's record,
``extensions/summary.py``, to ``<state_dir>/reports/<spider>/<run>.json``) gives the
stories emitted, the coverage of each field, drops by reason, errors by kind and the
crawl's rate. When a required field is missing from more than
``1 - NEWSBOT_MIN_FIELD_COVERAGE`` of the story pages (at least
``NEWSBOT_REPORT_MIN_PAGES`` of them), the crawl ends with the finish reason
``site_layout_changed`` and ``scrapy crawl`` exits with status 3, so cron and
Scrapyd users are told.
"""

from __future__ import annotations

import json
import logging
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from newsbot.config import NewsbotConfig
from newsbot.items import Story
from newsbot.keys import DROPPED, ERRORS, PAGES
from newsbot.signals import report_built

logger = logging.getLogger(__name__)

LAYOUT_CHANGED = "site_layout_changed"
#: Fields without which a story page yields no story: dropped with this reason.
REQUIRED = {"title": "missing_title", "published_at": "missing_published_at"}
#: Parse outcomes that mean "this story page no longer looks like one".
PARSE_FAILURES = ("missing_title", "missing_published_at", "not_article", "parse_error")


class ValidationReport:
    """Extension: field coverage and outcome of the crawl; a distinct failure on a redesign."""

    def __init__(self, crawler: Crawler, min_coverage: float, min_pages: int):
        self.crawler = crawler
        self.min_coverage = min_coverage
        self.min_pages = min_pages
        self.emitted = 0
        self.filled = dict.fromkeys((f.name for f in fields(Story)), 0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidationReport:
        config = NewsbotConfig.from_crawler(crawler)
        report = cls(
            crawler,
            config.min_field_coverage,
            config.report_min_pages,
        )
        crawler.signals.connect(report.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(report.spider_closed, signal=signals.spider_closed)
        return report

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, Story):
            self.emitted += 1
            for name in self.filled:
                if getattr(item, name) not in (None, "", []):
                    self.filled[name] += 1

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        report = self.build(stats, reason)
        if report["problems"] and reason == "finished":
            report["finish_reason"] = LAYOUT_CHANGED
            if self.crawler.stats is not None:
                self.crawler.stats.set_value("finish_reason", LAYOUT_CHANGED)
            logger.error("The site probably changed its layout: %s", "; ".join(report["problems"]))
        logger.info("Validation report: %s", json.dumps(report, ensure_ascii=False))
        self.crawler.signals.send_catch_log(signal=report_built, report=report)

    def build(self, stats: dict[str, Any], reason: str) -> dict[str, Any]:
        """The report as a dict; ``problems`` lists what points at a changed site."""
        drops = _prefixed(stats, DROPPED)
        errors = _prefixed(stats, ERRORS)
        story_pages = int(stats.get(PAGES + "story", 0))
        problems = []
        required = {}
        for name, drop in REQUIRED.items():
            share = 1 - drops.get(drop, 0) / story_pages if story_pages else 1.0
            required[name] = round(share, 4)
            if story_pages >= self.min_pages and share < self.min_coverage:
                problems.append(f"{name} found on {share:.0%} of {story_pages} story pages")
        failed = sum(drops.get(reason_, 0) for reason_ in PARSE_FAILURES)
        if story_pages >= self.min_pages and self.emitted == 0 and failed * 2 >= story_pages:
            problems.append(f"no story emitted from {story_pages} story pages")
        elapsed = float(stats.get("elapsed_time_seconds", 0) or 0)
        return {
            "finish_reason": reason,
            "stories_emitted": self.emitted,
            "story_pages": story_pages,
            "coverage_of_story_pages": required,
            "coverage_of_emitted": {
                name: round(count / self.emitted, 4) if self.emitted else None
                for name, count in self.filled.items()
            },
            "dropped": drops,
            "errors": errors,
            "requests": stats.get("downloader/request_count", 0),
            "elapsed_seconds": round(elapsed, 1),
            "stories_per_minute": round(self.emitted * 60 / elapsed, 1) if elapsed else None,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "problems": problems,
        }


def _prefixed(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {key[len(prefix) :]: value for key, value in stats.items() if key.startswith(prefix)}
