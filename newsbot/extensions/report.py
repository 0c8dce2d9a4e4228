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

Beyond those two fields, every alarm of ``newsbot.alarms`` (nothing fetched, every page
an HTTP error, robots.txt closed, a start URL 404, any field's coverage, a field's usual
signal failing, a surge of stubs or challenges, against the ``newsbot.baseline`` learned
from earlier good runs) sets the finish reason, hence the exit status, and is in the
report with the field, the signal and example URLs; the report says ``exit_status``.

The same alarms run as Spidermon monitors (``newsbot.monitors``), whose actions (e-mail,
Slack, an HTML report...) are settings. This extension keeps what Spidermon cannot do:
the finish reason must be set in the stats before ``spider_closed`` ends, whatever
monitors or actions are configured (Spidermon records results, it does not end runs);
the baseline is learned only from runs without alarms and shared by Redis workers
(Spidermon's stats history is a pickle per machine that keeps every run); and the
example URLs come from the items, which Spidermon's monitors never see (stats only).
"""

from __future__ import annotations

import json
import logging
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from newsbot import baseline as baselines
from newsbot.alarms import SEVERITY, Alarm, evaluate, figures
from newsbot.config import NewsbotConfig
from newsbot.exitcodes import exit_code_for
from newsbot.extensions.drops import StoryDropped
from newsbot.items import Story
from newsbot.keys import COVERAGE, DROPPED, ERRORS, FEED, FIELDS, PAGES, TOPICS, WINDOW, count
from newsbot.signals import report_built

logger = logging.getLogger(__name__)

LAYOUT_CHANGED = "site_layout_changed"
#: Stories were released, every one raised in the pipelines, none was written.
RELEASE_FAILED = "release_failed"
#: Fields without which a story page yields no story: dropped with this reason.
REQUIRED = {"title": "missing_title", "published_at": "missing_published_at"}
#: Parse outcomes that mean "this story page no longer looks like one".
PARSE_FAILURES = ("missing_title", "missing_published_at", "not_article", "parse_error")
#: A required field must be missing from at least this many pages to point at a redesign:
#: one undated story among the 15 of an hourly run is 93%, and no sign of a new layout.
MIN_MISSING = 3
#: Example URLs kept for each field missing, and each drop reason.
EXAMPLES = 3


class ValidationReport:
    """Extension: field coverage and outcome of the crawl; a distinct failure on a redesign."""

    def __init__(self, crawler: Crawler, min_coverage: float, min_pages: int):
        self.crawler = crawler
        self.min_coverage = min_coverage
        self.min_pages = min_pages
        self.emitted = 0
        #: Stories that raised in the pipelines (Scrapy logs each with its traceback).
        self.failed = 0
        self.filled = dict.fromkeys((f.name for f in fields(Story)), 0)
        self.config = NewsbotConfig.from_crawler(crawler)
        #: ("coverage", field) or ("drop_rate", reason) -> the first few URLs concerned.
        self.examples: dict[tuple[str, str], list[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidationReport:
        config = NewsbotConfig.from_crawler(crawler)
        report = cls(
            crawler,
            config.min_field_coverage,
            config.report_min_pages,
        )
        crawler.signals.connect(report.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(report.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(report.item_error, signal=signals.item_error)
        crawler.signals.connect(report.spider_closed, signal=signals.spider_closed)
        return report

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, Story):
            self.emitted += 1
            for name in self.filled:
                if getattr(item, name) not in (None, "", []):
                    self.filled[name] += 1
                    count(self.crawler, COVERAGE + name)  # read by the alarms (newsbot.alarms)
                else:
                    self._example(("coverage", name), item.url)

    def item_error(self, item: Any) -> None:
        if isinstance(item, Story):
            self.failed += 1

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(exception, StoryDropped):
            self._example(("drop_rate", exception.reason), getattr(item, "url", None))

    def _example(self, key: tuple[str, str], url: str | None) -> None:
        urls = self.examples.setdefault(key, [])
        if url and len(urls) < EXAMPLES:
            urls.append(url)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        store = baselines.for_crawler(self.crawler)
        usual = _load(self.crawler)
        alarms = evaluate(stats, usual, self.config.thresholds()) if reason == "finished" else []
        report = self.build(stats, reason, alarms)
        if reason == "finished":
            reasons = [alarm.reason for alarm in alarms]
            if len(report["problems"]) > len(alarms):  # build()'s required-field checks
                reasons.append(LAYOUT_CHANGED)
            final = min(reasons, key=SEVERITY.index) if reasons else reason
            if final == reason and self.failed and not self.emitted:
                # Every story released raised in the pipelines (a bug, a value that breaks
                # them): nothing written, a traceback each. Not a finished run.
                final = RELEASE_FAILED
                report["problems"].append(
                    f"no story written: {self.failed} raised an error in the pipelines"
                )
            report["finish_reason"] = final
            if final != reason and self.crawler.stats is not None:
                self.crawler.stats.set_value("finish_reason", final)
            if final == LAYOUT_CHANGED:
                logger.error(
                    "The site probably changed its layout: %s", "; ".join(report["problems"])
                )
            elif final != reason:
                logger.error("Run %s: %s", final, "; ".join(report["problems"]))
            elif self._teaches(stats):
                self._learn(store, usual, stats)
        report["exit_status"] = int(exit_code_for(report["finish_reason"]))
        logger.info("Validation report: %s", json.dumps(report, ensure_ascii=False))
        self.crawler.signals.send_catch_log(signal=report_built, report=report)

    def _teaches(self, stats: dict[str, Any]) -> bool:
        """A run teaches the baseline only with enough stories to be a fair sample."""
        run = figures(stats)
        return run.emitted >= self.min_pages and run.story_pages >= self.min_pages

    def _learn(self, store: baselines.BaselineStore, usual: Any, stats: dict[str, Any]) -> None:
        try:
            store.save(baselines.blend(usual, figures(stats), self.config.baseline_weight))
        except Exception as exc:  # a baseline not saved costs a comparison, not the run
            logger.warning("Could not save the baseline: %s: %s", type(exc).__name__, exc)

    def build(
        self, stats: dict[str, Any], reason: str, alarms: list[Alarm] | None = None
    ) -> dict[str, Any]:
        """The report as a dict; ``problems`` lists what points at a changed site."""
        drops = _prefixed(stats, DROPPED)
        errors = _prefixed(stats, ERRORS)
        story_pages = int(stats.get(PAGES + "story", 0))
        problems = []
        required = {}
        for name, drop in REQUIRED.items():
            share = 1 - drops.get(drop, 0) / story_pages if story_pages else 1.0
            required[name] = round(share, 4)
            missing = drops.get(drop, 0)
            if (
                story_pages >= self.min_pages
                and share < self.min_coverage
                and missing >= MIN_MISSING
            ):
                problems.append(f"{name} found on {share:.0%} of {story_pages} story pages")
        failed = sum(drops.get(reason_, 0) for reason_ in PARSE_FAILURES)
        if story_pages >= self.min_pages and self.emitted == 0 and failed * 2 >= story_pages:
            problems.append(f"no story emitted from {story_pages} story pages")
        alarm_rows = []
        for alarm in alarms or []:
            problems.append(alarm.message)
            row = alarm.as_dict()
            examples = self.examples.get((alarm.check, alarm.subject), [])
            if alarm.check == "signal":  # pages read from another signal (the spider's),
                # else stories left without the field
                fallback = stats.get(f"{FIELDS}{alarm.subject}/fallback_urls")
                examples = list(fallback or self.examples.get(("coverage", alarm.subject), []))
            row["examples"] = examples[:EXAMPLES]
            alarm_rows.append(row)
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
            # The topic policy: budget, plan by reason, priorities, what was left for later.
            "topics": _prefixed(stats, TOPICS),
            "date_window": _prefixed(stats, WINDOW),
            "feed": _prefixed(stats, FEED),
            "elapsed_seconds": round(elapsed, 1),
            "stories_per_minute": round(self.emitted * 60 / elapsed, 1) if elapsed else None,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "problems": problems,
            "alarms": alarm_rows,
            "exit_status": int(exit_code_for(reason)),
        }


def _prefixed(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {key[len(prefix) :]: value for key, value in stats.items() if key.startswith(prefix)}


def _load(crawler: Crawler) -> Any:
    try:
        return baselines.usual_for(crawler)  # as the monitors read it: one warning a run
    except Exception as exc:  # no baseline: the first-run thresholds apply
        logger.warning("Could not read the baseline: %s: %s", type(exc).__name__, exc)
        return None
