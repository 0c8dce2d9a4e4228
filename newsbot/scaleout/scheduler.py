"""The shared scheduler of a scale-out crawl (``SCHEDULER`` in Redis mode)."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import redis
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.statscollectors import StatsCollector
from scrapy_redis.scheduler import Scheduler

from newsbot.keys import LOCAL
from newsbot.scaleout.crew import Crew

logger = logging.getLogger(__name__)


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler; a worker says it holds a request before taking it.

    Counting first, then popping, leaves no moment when a request is neither in the
    queue nor counted: another worker never sees the round as over while this one
    still has work that may yield more. Requests marked ``LOCAL`` (the release) never
    enter the shared queue: only this worker may answer them.
    """

    crew: Crew
    _local: list[Request]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        scheduler: SharedScheduler = super().from_crawler(crawler)
        scheduler.persist = True  # never flush the shared queue (see RedisAddon)
        if scheduler.stats is not None:
            scheduler.stats = _StatsWithoutSpider(scheduler.stats)
        crew = crawler.get_extension(Crew)
        if crew is None:
            raise RuntimeError(
                "SharedScheduler needs the newsbot.scaleout.crew.Crew extension "
                "(newsbot.addons.RedisAddon enables both)"
            )
        scheduler.crew = crew
        return scheduler

    def open(self, spider: Spider) -> None:
        """scrapy-redis's ``open``, whose one log line goes through our logger.

        A worker that joins a crawl already under way finds requests in the shared
        queue, and scrapy-redis 0.9.1 says so with ``spider.log(...)``, which Scrapy
        2.13+ deprecates: a ``ScrapyDeprecationWarning`` in the log of every worker
        that joins late. That one warning is silenced here and the line logged as INFO.
        """
        self._local = []
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore",
                message=r"Spider\.log\(\) is deprecated",
                category=ScrapyDeprecationWarning,
            )
            super().open(spider)
        waiting = len(self.queue)
        if waiting:
            logger.info("Joining a crawl under way: %d requests in the shared queue", waiting)

    def enqueue_request(self, request: Request) -> bool:
        if request.meta.get(LOCAL):
            self._local.append(request)
            return True
        try:
            return bool(super().enqueue_request(request))
        except redis.RedisError as exc:  # the crawl stops; the next round finds it again
            self.crew.redis_failed(exc)
            return False

    def has_pending_requests(self) -> bool:
        if self._local:
            return True
        if self.crew.lost:
            return False
        try:
            return bool(super().has_pending_requests())
        except redis.RedisError as exc:
            self.crew.redis_failed(exc)
            return False

    def next_request(self) -> Request | None:
        if self._local:
            return self._local.pop(0)
        if self.crew.lost:
            return None
        try:
            self.crew.taking()
            request: Request | None = super().next_request()
            if request is None:
                self.crew.took_nothing()
        except redis.RedisError as exc:
            self.crew.redis_failed(exc)
            return None
        return request


class _StatsWithoutSpider:
    """The crawl's stats, taking and dropping the ``spider`` argument of ``inc_value``.

    scrapy-redis 0.9.1's scheduler counts every enqueued and dequeued request with
    ``stats.inc_value(key, spider=spider)``, which Scrapy 2.13+ deprecates: each worker's
    log got two ``ScrapyDeprecationWarning`` lines. Dropping the argument here silences
    exactly those two calls; any other deprecation still shows.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self._stats = stats

    def inc_value(self, key: str, count: int = 1, start: int = 0, spider: Any = None) -> None:
        self._stats.inc_value(key, count, start)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stats, name)
