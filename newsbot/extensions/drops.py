"""Every dropped story on record: one log line, one stats counter, one JSON line.

Each line says when (``dropped_at``, UTC) and in which run (``run``, the run id that
names the run's report, ``newsbot.runs``), so an audit can tie a drop to its run.

A story dropped again for the same reason (a ``full=1`` re-crawl fetches every template
and stub again) is not written again: the file already has it on record, with the run
that first dropped it, and each re-crawl would otherwise append the same lines. It is
still counted under ``newsbot/dropped/<reason>`` (the run's drop rates feed the alarms)
and as ``newsbot/drops/already_recorded``. The file's (site, story, reason) keys
(``drop_key``) are read once, at the run's first drop.

Each row is flushed as it is written, before the state's commit that settles its story:
a kill -9 loses no drop.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure

from newsbot.config import NewsbotConfig
from newsbot.extensions.state import state_store
from newsbot.keys import (
    ALREADY_RECORDED,
    BODY_DIFFERS,
    DROPPED,
    DROPS_TORN_LINE,
    UNCHANGED,
    count,
)
from newsbot.runs import run_id
from newsbot.site.urls import bare_host
from newsbot.state.base import StateStore

logger = logging.getLogger(__name__)


class StoryDropped(DropItem):
    """Why a story is not emitted; ``duplicate_of`` names the story it repeats."""

    def __init__(self, reason: str, duplicate_of: str | None = None):
        detail = f"{reason} (duplicate of {duplicate_of})" if duplicate_of else reason
        super().__init__(detail, log_level="INFO")
        self.reason = reason
        self.duplicate_of = duplicate_of


class AlreadyEmitted(DropItem):
    """A story an earlier run emitted, fetched again and not changed: not written again.

    Not a drop: the story is in the feed, so it is neither a drop record nor a
    ``newsbot/dropped/`` count (a full re-crawl filled the drops file with every known
    story as ``duplicate_id``); it is counted as ``newsbot/stories/unchanged`` when its
    body hash is the one emitted (``unchanged``), else as
    ``newsbot/stories/refetched_body_differs``: not written, and not called unchanged.
    """

    def __init__(self, article_id: str, *, unchanged: bool = True):
        how = "unchanged" if unchanged else "its body differs, not rechecked"
        super().__init__(f"already emitted, {how} ({article_id})", log_level="DEBUG")
        self.article_id = article_id
        self.unchanged = unchanged


class DropLogFormatter(LogFormatter):
    """One short INFO line per dropped story: ``Dropped <url>: <reason>``."""

    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        if isinstance(exception, AlreadyEmitted):
            return {
                "level": logging.DEBUG,
                "msg": "Not written %(url)s: %(why)s",
                "args": {"url": ItemAdapter(item).get("url"), "why": exception.args[0]},
            }
        if not isinstance(exception, StoryDropped):
            return super().dropped(item, exception, response, spider)
        return {
            "level": logging.INFO,
            "msg": "Dropped %(url)s: %(reason)s",
            "args": {"url": ItemAdapter(item).get("url"), "reason": exception.args[0]},
        }


class DropRecord:
    """Extension: counts each drop and appends it to the drops file; settles its story.

    A story already emitted (``AlreadyEmitted``) is only counted and settled.
    """

    def __init__(self, crawler: Crawler, path: Path | None, state: StateStore | None):
        self.crawler = crawler
        self.path = path
        self.state = state
        self._file: IO[str] | None = None
        self.run: str | None = None
        self._on_record: set[tuple[str, str, str]] | None = None  # read at the first drop

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DropRecord:
        config = NewsbotConfig.from_crawler(crawler)
        path = config.dropped_path(crawler.spidercls.name)
        record = cls(crawler, path, None)  # the store: at spider_opened (``spider_opened``)
        crawler.signals.connect(record.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(record.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(record.spider_closed, signal=signals.spider_closed)
        return record

    def spider_opened(self) -> None:
        """The crawl's store, from its owner: an extension too, so not before they all exist."""
        self.state = state_store(self.crawler)

    def item_dropped(self, item: Any, exception: BaseException, **kwargs: Any) -> None:
        adapter = ItemAdapter(item)
        assert self.state is not None, "a story dropped before the spider opened"
        if isinstance(exception, AlreadyEmitted):
            count(self.crawler, UNCHANGED if exception.unchanged else BODY_DIFFERS)
            self.state.unstage(adapter.get("article_id"))
            return
        if self.run is None:  # the crawl's start time is set by now
            self.run = run_id(self.crawler)
        reason = exception.reason if isinstance(exception, StoryDropped) else "other"
        count(self.crawler, DROPPED + reason)
        row = {
            "url": adapter.get("url"),
            "article_id": adapter.get("article_id"),
            "title": adapter.get("title"),
            "reason": reason,
            "duplicate_of": getattr(exception, "duplicate_of", None),
            "dropped_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "run": self.run,
        }
        key = drop_key(row)
        if key in self._recorded():
            count(self.crawler, ALREADY_RECORDED)
        else:
            self._write(row)
            self._recorded().add(key)
        self.state.unstage(row["article_id"])

    def _recorded(self) -> set[tuple[str, str, str]]:
        """The drops the file holds, by ``drop_key``."""
        if self._on_record is None:
            self._on_record = set()
            if self.path is not None and self.path.is_file():
                with self.path.open(encoding="utf-8", errors="replace") as handle:
                    for line in handle:
                        try:
                            old = json.loads(line)
                            key = drop_key(old)
                        except (ValueError, KeyError, TypeError, AttributeError):
                            continue  # a torn or foreign line: nothing to compare with
                        self._on_record.add(key)
        return self._on_record

    def _write(self, row: dict[str, Any]) -> None:
        if self.path is None:
            return
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._cut_torn_line(self.path)
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(json.dumps(row, ensure_ascii=False) + "\n")
        # Now, not at close: the story is settled ("seen") by the state's next commit, so
        # a row still in our buffer at a kill -9 would be a drop lost for good. A flush
        # hands it to the OS, which keeps it through a process kill (drops are rare: one
        # write each costs nothing). No fsync per row: the state's commit does not fsync
        # either, so a power loss can lose both alike, and a row would cost a disk sync.
        self._file.flush()

    def _cut_torn_line(self, path: Path) -> None:
        """Cut a last line without its newline (a full disk or a kill in mid-write left
        it), as the feed's is (``StateStore.reconcile_feed``): the next record appended to
        it would make one line that is no JSON, and ``jq`` fails on the whole file."""
        if not path.is_file():
            return
        with path.open("r+b") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            # Read back from the end, a block at a time, to the last newline.
            end = size
            while end > 0:
                start = max(0, end - 65536)
                handle.seek(start)
                block = handle.read(end - start)
                newline = block.rfind(b"\n")
                if newline >= 0:
                    keep = start + newline + 1
                    break
                end = start
            else:
                keep = 0
            handle.truncate(keep)
        logger.warning("Cut a torn last line (%d bytes) off the drops file %s", size - keep, path)
        count(self.crawler, DROPS_TORN_LINE)

    def spider_closed(self, spider: Spider) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None


def drop_key(row: dict[str, Any]) -> tuple[str, str, str]:
    """What makes two drop rows the same drop: the site, the story (its URL without an
    id) and the reason.

    Why the site: two crawls of different hosts may share one drops file (a state and
    feed of their own, the drops file left at its default), and their story ids overlap:
    without the host, the other site's drops would hide this one's as already recorded.
    """
    url = str(row.get("url") or "")
    try:
        host = bare_host(urlsplit(url).hostname or "")
    except ValueError:  # a foreign line's URL that does not parse
        host = ""
    return host, str(row.get("article_id") or url), str(row["reason"])
