"""The run's record, and the summary a person reads first.

A crawl's log is about 160 lines; what an operator wants is at its end. So when the
engine stops (after the feeds closed, the state settled and the stats were dumped),
this extension:

- writes the run's validation report (``newsbot.signals.report_built``) to
  ``<state_dir>/reports/<spider>/<run>.json``, with the run id, the final finish reason
  and the exit status, and a copy to ``NEWSBOT_REPORT`` when that is set (the latest
  run's, whichever it was);
- adds the run to the index of recent runs (``runs.jsonl``), counts what the run
  appended to the default feed into the corpus tally, and writes ``runs.html``
  (``newsbot.runs``, ``newsbot.report_html``);
- says, at the start, what became of the default feed since the last run when it no
  longer holds the stories counted in it (``newsbot.runs.feed_change``): rotated (INFO,
  where to), or lost (one WARNING naming the feed and the state, a counter, and a
  problem in the run's record): the state still remembers those stories as written;
- logs the run summary: a few INFO lines at the end of the log (stories written and
  where, drops by reason, errors, where the report is). ``scrapy crawl``
  (``commands/crawl.py``) follows them with the log's last line, the exit status it
  exits with and what it means: Scrapyd shows a job's exit status nowhere but there.

A record that cannot be written (disk full, permissions) is one ERROR line naming the
directory; the summary is logged anyway and the exit status is the crawl's.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from scrapy import signals
from scrapy.crawler import Crawler
from w3lib.url import file_uri_to_path

from newsbot.config import NewsbotConfig
from newsbot.exitcodes import REFUSED, ExitCode, describe, exit_code_for
from newsbot.keys import (
    BODY_DIFFERS,
    DROPPED,
    ERRORS,
    FEED_LOST,
    FEED_ROTATED,
    UNCHANGED,
    count,
)
from newsbot.report_html import render_page
from newsbot.runs import (
    INDEX,
    PAGE,
    TALLY,
    CorpusTally,
    FeedChange,
    append_run,
    feed_change,
    locked,
    run_id,
    write_atomic,
    write_json,
)
from newsbot.signals import report_built

logger = logging.getLogger(__name__)

#: What the index keeps of each report (the rest is in the run's own file).
INDEX_FIELDS = (
    "run",
    "spider",
    "started_at",
    "finished_at",
    "finish_reason",
    "exit_status",
    "stories_emitted",
    "requests",
    "elapsed_seconds",
    "dropped",
    "errors",
    "coverage_of_emitted",
    "problems",
    "report",
    "refused",
)


class RunSummary:
    """Extension: the run's report, index, corpus tally and page; the closing summary."""

    def __init__(self, crawler: Crawler, config: NewsbotConfig, spider: str, feed: Path | None):
        self.crawler = crawler
        self.spider = spider
        self.runs_dir = config.runs_dir(spider)
        self.latest = config.latest_report_path(spider)
        self.dropped_feed = config.dropped_path(spider)
        self.feed = feed
        self.report: dict[str, Any] | None = None
        self.state = (
            f"in Redis ({config.redis_namespace(spider)})"
            if config.redis_url
            else str(config.state_path(spider))
        )
        self.state_dir = config.state_dir
        #: What became of the feed since the last run (before this run writes to it).
        self.feed_change: FeedChange | None = None
        if feed is not None:
            self.feed_change = feed_change(CorpusTally.load(self.runs_dir / TALLY, feed), feed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        config = NewsbotConfig.from_crawler(crawler)
        summary = cls(crawler, config, crawler.spidercls.name, config.feed_path)
        crawler.signals.connect(summary.report_built, signal=report_built)
        crawler.signals.connect(summary.engine_started, signal=signals.engine_started)
        return summary

    def report_built(self, report: dict[str, Any]) -> None:
        self.report = report

    def engine_started(self) -> None:
        # Connected now, after the downloader's handlers (created with the engine) hooked
        # their own closing: so the summary is logged after theirs, as the log's end.
        self.crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)
        change = self.feed_change
        if change is None:
            return
        if change.rotated_to is not None:
            logger.info(
                "The feed %s was rotated since the last run: its %d stories are in %s; "
                "this run's new stories start a new %s",
                change.feed,
                change.stories,
                change.rotated_to,
                change.feed.name,
            )
            count(self.crawler, FEED_ROTATED)
            return
        logger.warning(
            "The feed %s no longer holds the %d stories earlier runs wrote to it (deleted, "
            "emptied or moved out of its directory): the state %s remembers them as written "
            "and will not write them again; this run's new stories start a new feed. If that "
            "was a mistake, put the file back; for a new corpus from scratch, move the state "
            "directory %s aside too",
            change.feed,
            change.stories,
            self.state,
            self.state_dir,
        )
        count(self.crawler, FEED_LOST, change.stories)

    def engine_stopped(self) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        record = self.record(run_id(self.crawler), stats)
        report_path = self.runs_dir / record["report"]
        page = self.runs_dir / PAGE
        lines = summary_lines(
            record,
            feeds=self._feeds(),
            dropped_feed=self.dropped_feed,
            report=report_path,
            page=page,
            error_lines=int(stats.get("log_count/ERROR", 0)),
        )
        try:
            self.write(record, lines)
        except (OSError, ValueError, TypeError) as exc:  # the summary is logged whatever
            logger.error("Could not write the run's record in %s: %s", self.runs_dir, exc)
            count(self.crawler, ERRORS + "run_record")
        for line in lines:
            logger.info("%s", line)

    def record(self, run: str, stats: dict[str, Any]) -> dict[str, Any]:
        """The run's report, completed with its identity and final outcome."""
        report = dict(self.report or _report_from_stats(stats))
        change = self.feed_change
        judged = any(row.get("check") == "corpus" for row in report.get("alarms") or [])
        if change is not None and change.rotated_to is None and not judged:
            report["problems"] = [
                *(report.get("problems") or []),
                f"the feed {change.feed} lost the {change.stories} stories earlier runs wrote "
                "to it (the state remembers them as written: see the WARNING at the start)",
            ]
        finish_reason = stats.get("finish_reason") or report.get("finish_reason") or "finished"
        started = stats.get("start_time")
        return {
            "run": run,
            "spider": self.spider,
            "started_at": started.isoformat(timespec="seconds")
            if isinstance(started, datetime)
            else None,
            **report,
            "finish_reason": finish_reason,
            "exit_status": int(exit_code_for(finish_reason)),
            "stories_unchanged": int(stats.get(UNCHANGED, 0) or 0),
            "stories_refetched_body_differs": int(stats.get(BODY_DIFFERS, 0) or 0),
            "report": f"{run}.json",
        }

    def write(self, record: dict[str, Any], lines: list[str]) -> None:
        write_record(self.runs_dir, self.spider, record, lines, feed=self.feed, latest=self.latest)

    def _feeds(self) -> list[str]:
        """Where this run's stories went: the default feed first, then -o/-O, Scrapyd's."""
        feeds = [
            str(uri)
            for uri in self.crawler.settings.getdict("FEEDS")
            if str(uri) == str(self.feed) or not _unwritten_file(str(uri))
        ]
        if self.feed is not None and str(self.feed) in feeds:
            feeds.remove(str(self.feed))
            feeds.insert(0, str(self.feed))
        return feeds


def write_record(
    runs_dir: Path,
    spider: str,
    record: dict[str, Any],
    lines: list[str],
    *,
    feed: Path | None,
    latest: Path | None,
    count_feed: bool = True,
) -> None:
    """The run's report, its line in the index, the corpus tally and the page, in ``runs_dir``.

    ``count_feed`` off (a run refused before it wrote anything) keeps the tally as it is
    and only shows it.
    """
    write_json(runs_dir / record["report"], record)
    if latest is not None:
        write_json(latest, record)
    with locked(runs_dir):
        runs = append_run(runs_dir / INDEX, {k: record.get(k) for k in INDEX_FIELDS})
        tally = None
        if feed is not None:
            tally = CorpusTally.load(runs_dir / TALLY, feed)
            if count_feed:
                counted = tally.count(feed)
                if counted > 1000:
                    logger.info("Counted %d stories of the corpus in %s", counted, feed)
                tally.save(runs_dir / TALLY)
        outcome = describe(record["exit_status"], record["finish_reason"])
        page = render_page(spider, runs, vars(tally) if tally else None, [*lines, outcome])
        write_atomic(runs_dir / PAGE, page)


def record_refused(
    config: NewsbotConfig, spider: str, run: str, code: ExitCode, reason: str
) -> Path | None:
    """Put a run refused before its crawl started in the runs index and page.

    Only where the state directory already exists: a refused run creates nothing (an
    operator's first run with a typo must not leave a state behind), so without one the
    log is the only record. ``reason`` is the line that refused it. Returns the page
    written, or None.
    """
    runs_dir = config.runs_dir(spider)
    if not config.state_dir.is_dir():
        return None
    now = datetime.now(UTC).isoformat(timespec="seconds")
    finish_reason = REFUSED.get(code, "error")
    record = {
        "run": run,
        "spider": spider,
        "started_at": now,
        "finished_at": now,
        "refused": True,
        "finish_reason": finish_reason,
        "exit_status": int(code),
        "stories_emitted": 0,
        "requests": 0,
        "elapsed_seconds": 0.0,
        "dropped": {},
        "errors": {},
        "problems": [reason],
        "report": f"{run}.json",
    }
    try:
        write_record(
            runs_dir, spider, record, [reason], feed=config.feed_path, latest=None, count_feed=False
        )
    except (OSError, ValueError, TypeError) as exc:
        logger.error("Could not write the run's record in %s: %s", runs_dir, exc)
        return None
    return runs_dir / PAGE


def _report_from_stats(stats: dict[str, Any]) -> dict[str, Any]:
    """What the stats alone say, when the validation report is turned off."""
    elapsed = float(stats.get("elapsed_time_seconds", 0) or 0)
    return {
        "stories_emitted": int(stats.get("item_scraped_count", 0)),
        "dropped": _prefixed(stats, DROPPED),
        "errors": _prefixed(stats, ERRORS),
        "requests": stats.get("downloader/request_count", 0),
        "elapsed_seconds": round(elapsed, 1),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "problems": [],
    }


def _unwritten_file(uri: str) -> bool:
    """A local feed file that does not exist: a run with no new story writes none (Scrapyd's
    items file), and the summary must not send anyone to a file that is not there."""
    scheme = urlparse(uri).scheme
    if scheme not in ("", "file") or "%(" in uri:
        return False  # s3://, ftp://...; or a name only the feed storage knew
    return not Path(file_uri_to_path(uri) if scheme == "file" else uri).exists()


def _prefixed(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {key[len(prefix) :]: value for key, value in stats.items() if key.startswith(prefix)}


def _counts(counts: dict[str, int]) -> str:
    """``14 (stub 3, duplicate_body 2, ...)``, largest first; ``none`` when empty."""
    total = sum(counts.values())
    if not total:
        return "none"
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return f"{total} (" + ", ".join(f"{name} {count}" for name, count in ranked) + ")"


def summary_lines(
    record: dict[str, Any],
    *,
    feeds: list[str],
    dropped_feed: Path | None,
    report: Path,
    page: Path,
    error_lines: int,
) -> list[str]:
    """The run summary, plain text (the exit status line is the crawl command's)."""
    stories = int(record.get("stories_emitted") or 0)
    where = feeds[0] if feeds else "no feed (NEWSBOT_FEED is off and no -o)"
    also = f" (also {', '.join(feeds[1:])})" if len(feeds) > 1 else ""
    if unchanged := int(record.get("stories_unchanged") or 0):  # full=1, a lost state
        also += f"; {unchanged} fetched again were there already, unchanged"
    if differs := int(record.get("stories_refetched_body_differs") or 0):
        also += (
            f"; {differs} fetched again were there already with another body, not written "
            "(not rechecked: recheck_hours)"
        )
    drops = record.get("dropped") or {}
    drops_where = f", on record in {dropped_feed}" if drops and dropped_feed else ""
    counted = record.get("errors") or {}
    errors = _counts(counted)
    if error_lines:
        # An ERROR line without a counter (a refused path, a lost record) is still an error:
        # "none" beside it would contradict it.
        said = f"{error_lines} ERROR line{'' if error_lines == 1 else 's'} in this log"
        errors = f"{errors}; {said}" if sum(counted.values()) else said
    problems = record.get("problems") or []
    lines = [
        f"Run summary: {record['spider']} run {record['run']}, "
        f"{record.get('elapsed_seconds', 0)} s, {record.get('requests', 0)} requests",
        f"  stories written: {stories}, to {where}{also}",
        f"  dropped: {_counts(drops)}{drops_where}",
        f"  errors: {errors}",
    ]
    if problems:
        lines.append(f"  problems: {'; '.join(problems)}")
    lines += [
        f"  report: {report}",
        f"  runs page: {page}",
    ]
    return lines
