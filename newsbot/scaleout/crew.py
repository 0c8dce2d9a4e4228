"""This worker among the workers of a scale-out crawl: heartbeat, counts, the round's end.

See ``newsbot.scaleout`` for rounds and what each worker writes.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any
from urllib.parse import urlsplit

import redis
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy_redis import connection
from twisted.internet import task

from newsbot.config import NewsbotConfig
from newsbot.extensions.state import state_store
from newsbot.keys import SCALEOUT, count
from newsbot.signals import record_broken
from newsbot.state.base import reconciled

logger = logging.getLogger(__name__)

#: Seconds after which a silent worker is taken for dead.
HEARTBEAT_TTL = 30
HEARTBEAT_EVERY = 5
#: The release lock outlives a dead releaser by this many seconds at most.
RELEASE_LOCK_TTL = 60
#: The finish reason of a crawl whose Redis server stopped answering (exit status 12).
REDIS_UNREACHABLE = "redis_unreachable"


class Crew:
    """This worker's place among the workers of a crawl: heartbeat, counts, round's end.

    Keys (``N`` is the namespace): ``N:workers`` hash worker -> requests taken since its
    last idle moment; ``N:alive:<worker>`` heartbeat with a TTL; ``N:release`` the lock
    of the worker that releases the round.
    """

    def __init__(self, crawler: Crawler, server: Any, namespace: str, queue_key: str):
        self.crawler = crawler
        self.server = server
        self.namespace = namespace
        self.queue_key = queue_key
        self.dupefilter_key = crawler.settings.get("SCHEDULER_DUPEFILTER_KEY") % {
            "spider": crawler.spidercls.name
        }
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.redis_url = ""
        self.lost = False
        self._heartbeat: task.LoopingCall | None = None
        self.releasing = False
        self.round = ""  # the start time of the round this worker joined

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Crew:
        """As an extension: join the round when the spider opens, leave when it closes.

        The scheduler and the staging middleware find it with
        ``crawler.get_extension(Crew)``.
        """
        config = NewsbotConfig.from_crawler(crawler)
        if not config.redis_url:
            raise NotConfigured("NEWSBOT_REDIS_URL is not set")
        settings = crawler.settings
        name = crawler.spidercls.name
        crew = cls(
            crawler,
            connection.from_settings(settings),
            config.redis_namespace(name),
            settings.get("SCHEDULER_QUEUE_KEY") % {"spider": name},
        )
        crew.redis_url = config.redis_url
        crawler.signals.connect(crew.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(crew.spider_closed, signal=signals.spider_closed)
        return crew

    # --- keys ---------------------------------------------------------------------------
    @property
    def _workers(self) -> str:
        return f"{self.namespace}:workers"

    def _alive(self, worker: str) -> str:
        return f"{self.namespace}:alive:{worker}"

    @property
    def _release(self) -> str:
        return f"{self.namespace}:release"

    # --- lifecycle ----------------------------------------------------------------------
    def spider_opened(self, spider: Spider) -> None:
        state = state_store(self.crawler)
        feed = NewsbotConfig.from_crawler(self.crawler).feed_path
        if feed and str(feed) in self.crawler.settings.getdict("FEEDS"):
            state.watch_feed(feed)  # this machine's feed: settle what a kill left
            new = state.feed_is_new()
            settled = state.reconcile_feed()
            if settled:
                logger.info("%s", reconciled(settled, feed, new))
        state.begin_crawl()  # a new round, unless one is in progress: then join it
        self.state = state
        self.round = state.crawl_started_at()
        self.server.hset(self._workers, self.worker, 0)
        self._beat()
        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.start(HEARTBEAT_EVERY, now=False)
        logger.info("Worker %s joined the crawl %s", self.worker, self.namespace)
        count(self.crawler, SCALEOUT + "joined")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        if self.lost:
            return  # nothing to tell a server that does not answer
        try:
            if self.releasing and reason == "finished":
                self._finish_round()
            self.server.hdel(self._workers, self.worker)
            self.server.delete(self._alive(self.worker))
        except redis.RedisError as exc:
            self.redis_failed(exc)
            return
        logger.info("Worker %s left the crawl %s (%s)", self.worker, self.namespace, reason)

    def redis_failed(self, exc: Exception) -> None:
        """The Redis server stopped answering: stop this worker, loudly, losing nothing.

        Going on (as scrapy-redis does) gave a traceback a request, a dead heartbeat, and
        a round left with exit status 0 and nothing written. Stopping is safe: what this
        run released is in its feed (the next run reads it back), what it had staged is
        fetched again by the next round, and a story in the feed is never written twice.
        """
        if self.lost:
            return
        self.lost = True
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        message = (
            f"the Redis server {_redacted(self.redis_url)} stopped answering "
            f"({type(exc).__name__}: {exc}); run again once it is back"
        )
        self.crawler.signals.send_catch_log(
            record_broken, reason=REDIS_UNREACHABLE, message=message
        )

    def _beat(self) -> None:
        try:
            self.server.set(self._alive(self.worker), 1, ex=HEARTBEAT_TTL)
            if self.releasing:
                self.server.expire(self._release, RELEASE_LOCK_TTL)
        except redis.RedisError as exc:
            self.redis_failed(exc)

    # --- counting requests --------------------------------------------------------------
    def taking(self) -> None:
        self.server.hincrby(self._workers, self.worker, 1)

    def took_nothing(self) -> None:
        self.server.hincrby(self._workers, self.worker, -1)

    # --- the round's end ------------------------------------------------------------------
    def on_idle(self) -> str:
        """This worker has nothing in hand: ``"busy"``, ``"release"`` or ``"done"``.

        ``busy``: requests are queued or held by live workers; wait for more work.
        ``release``: the round is over and this worker releases the staged stories.
        ``done``: the round is over and another worker releases (or released) them.
        """
        self.server.hset(self._workers, self.worker, 0)  # everything taken is finished
        if self.releasing:
            return "release"
        if not self.state.crawl_in_progress() or self.state.crawl_started_at() != self.round:
            return "done"  # another worker released this round and closed it
        if self._others_working():
            count(self.crawler, SCALEOUT + "waited")
            return "busy"
        if self.server.set(self._release, self.worker, nx=True, ex=RELEASE_LOCK_TTL):
            self.releasing = True
            logger.info("The crawl is done: worker %s releases the staged stories", self.worker)
            return "release"
        return "done"

    def _others_working(self) -> bool:
        if self.server.zcard(self.queue_key):
            return True
        for worker, taken in self.server.hgetall(self._workers).items():
            name = worker.decode() if isinstance(worker, bytes) else worker
            if int(taken) > 0 and name != self.worker and self.server.exists(self._alive(name)):
                return True
        return False

    def _finish_round(self) -> None:
        """The round's stories are out: forget its requests so the next round starts anew."""
        state_store(self.crawler).finish_crawl()
        self.server.delete(self.dupefilter_key, self._release)
        self.releasing = False
        logger.info("Round finished by worker %s", self.worker)


def _redacted(url: str) -> str:
    """The URL without its password, fit for a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)
