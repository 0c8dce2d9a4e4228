"""Stop the crawl at once when its record cannot be kept, with an exit status that says so.

Why: a crawl whose feed or state cannot be written achieves nothing that lasts. Going
on (as Scrapy does: a traceback per item or per request, then ``finished`` and exit
status 0) filled logs by the megabyte, recorded as written stories that were not, and
never ended when the state could not remember its requests. One ``record_broken``
signal (``newsbot.signals``) from the feeds (``newsbot.feeds``) or the state store
(``newsbot.state.guard``) gives one ERROR line naming the file, a counter
(``newsbot/halted/<reason>``), and closes the spider with that finish reason, so
``scrapy crawl`` exits with its status (``newsbot.exitcodes``: 5 for the state, 6 for
a feed).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.utils.defer import deferred_from_coro

from newsbot.exitcodes import exit_code_for
from newsbot.extensions.state import state_store
from newsbot.signals import record_broken
from newsbot.state.sqlite import SqliteStateStore

logger = logging.getLogger(__name__)

STATE_UNUSABLE = "state_unusable"


class Halt:
    """Extension: on the first ``record_broken``, log it and close the spider with its reason."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.reason: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Halt:
        halt = cls(crawler)
        crawler.signals.connect(halt.record_broken, signal=record_broken)
        crawler.signals.connect(halt.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(halt.spider_closed, signal=signals.spider_closed)
        # After the store's own engine_stopped handler (StateExtension is built first):
        # a failure while it closes still decides the exit status.
        crawler.signals.connect(halt.engine_stopped, signal=signals.engine_stopped)
        return halt

    def state_failed(self, message: str) -> None:
        self.crawler.signals.send_catch_log(record_broken, reason=STATE_UNUSABLE, message=message)

    def record_broken(self, reason: str, message: str, **kwargs: Any) -> None:
        first = self.reason is None
        if first:
            self.reason = reason
        logger.error("Stopping the crawl: %s (exit status %d)", message, exit_code_for(reason))
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newsbot/halted/{reason}")
        engine = self.crawler.engine
        if first and engine is not None and engine.spider is not None:
            deferred_from_coro(_close_spider(self.crawler, reason))

    def spider_opened(self, spider: Spider) -> None:
        # The store's owner is an extension too: its store is reachable once all are built.
        store = state_store(self.crawler)
        if isinstance(store, SqliteStateStore):  # the Redis store's failures are the server's
            store.on_failure(self.state_failed)  # at once if it failed while opening
        if self.reason is not None:  # broken before the spider opened: fetch nothing
            raise CloseSpider(self.reason)

    def spider_closed(self, spider: Spider) -> None:
        # A state file deleted under the crawl is caught at its next commit; the last one
        # is at engine_stopped, after the stats are dumped: check it now too.
        store = state_store(self.crawler)
        if isinstance(store, SqliteStateStore):
            store.check_file()

    def engine_stopped(self) -> None:
        if self.reason is not None and self.crawler.stats is not None:
            self.crawler.stats.set_value("finish_reason", self.reason)


async def _close_spider(crawler: Crawler, reason: str) -> None:
    engine = crawler.engine
    try:
        if engine is not None and engine.spider is not None:
            await engine.close_spider_async(reason=reason)
    except RuntimeError:
        pass  # it closed in the meantime; engine_stopped still sets the finish reason
