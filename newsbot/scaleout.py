"""Scale-out: several crawler processes, on any machines, on one crawl (scrapy-redis).

Off unless ``NEWSBOT_REDIS_URL`` is set; then ``RedisAddon`` moves to Redis:

- the scheduler queue and the request dupefilter (scrapy-redis's, keyed
  ``<prefix>:<spider>:requests`` and ``:dupefilter``; the dupefilter uses the project's
  fingerprints, so a story is fetched once whatever URL links it);
- the crawler's own memory (``NEWSBOT_STATE_STORE`` is ``state.redis.RedisStateStore``):
  staged, emitted and seen stories, topics, templates, boilerplate counts.

The SQLite frontier is off: the Redis queue is the crawl's frontier.

A crawl is a *round*. Every worker that starts joins the current round, or begins a new
one. It stages the stories it parses in Redis, like a single process does. The round
ends when the shared queue is empty and no live worker holds a request: a worker takes
a request only through ``SharedScheduler``, which counts it first. The first idle
worker that sees the end takes the release lock and releases every staged story, in
publication order, through its pipelines into its own feed. It then closes the round:
the dupefilter is cleared, so the next round's listings are fetched again. The other
workers stop when they see the end.

So each worker writes its own feed file (``NEWSBOT_FEED`` on its machine). A round's
stories all go to the feed of the worker that released it. Every story is emitted once
across all the feeds, because the emitted-story store is shared: the union of the
workers' feeds is the corpus.

scrapy-redis traps handled here:

- ``SCHEDULER_PERSIST`` is forced on: with it off, a worker that stops flushes the
  shared queue and dupefilter while the others still work.
- Workers stop by themselves when the round is done; they do not idle forever like a
  ``RedisSpider``.
- Requests stay serializable: callbacks are spider methods and meta holds plain data.

A worker killed mid-crawl loses the requests it held, at most ``CONCURRENT_REQUESTS``.
Its heartbeat expires after ``HEARTBEAT_TTL`` seconds and the others stop waiting
for it. The next round finds those stories again from the listings.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from newsbot.addons import default_feed
from newsbot.extensions.state import state_store
from newsbot.state.redis import redis_namespace

logger = logging.getLogger(__name__)

#: Seconds after which a silent worker is taken for dead.
HEARTBEAT_TTL = 30
HEARTBEAT_EVERY = 5
#: The release lock outlives a dead releaser by this many seconds at most.
RELEASE_LOCK_TTL = 60


class RedisAddon:
    """With ``NEWSBOT_REDIS_URL`` set, switch the crawl to the shared Redis components."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("NEWSBOT_REDIS_URL")
        if not url:
            return
        prefix = settings.get("NEWSBOT_REDIS_PREFIX") or "newsbot"
        priority = SETTINGS_PRIORITIES["addon"]
        if settings.get("SCHEDULER_PERSIST") is not None and not settings.getbool(
            "SCHEDULER_PERSIST"
        ):
            logger.warning(
                "SCHEDULER_PERSIST=False ignored: a worker that stops would wipe the queue "
                "and dupefilter the other workers share (rounds end by themselves here)"
            )
        for name, value in {
            "REDIS_URL": url,
            "SCHEDULER": "newsbot.scaleout.SharedScheduler",
            "DUPEFILTER_CLASS": "newsbot.scaleout.StoryDupeFilter",
            "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_PERSIST": True,  # never let one worker flush the shared queue
            "SCHEDULER_FLUSH_ON_START": False,
            "NEWSBOT_FRONTIER_ENABLED": False,  # the Redis queue is the frontier
            "NEWSBOT_STATE_STORE": "newsbot.state.redis.RedisStateStore",
        }.items():
            settings.set(name, value, priority=max(priority, settings.getpriority(name) or 0))
        extensions = settings.getdict("EXTENSIONS")
        extensions.setdefault("newsbot.scaleout.Crew", 400)
        settings.set(
            "EXTENSIONS",
            extensions,
            priority=max(priority, settings.getpriority("EXTENSIONS") or 0),
        )


class StoryDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared dupefilter, with the project's request fingerprints."""

    fingerprinter: Any = None

    @classmethod
    def from_spider(cls, spider: Spider) -> StoryDupeFilter:
        dupefilter = super().from_spider(spider)
        dupefilter.fingerprinter = spider.crawler.request_fingerprinter
        return dupefilter

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()


#: Request meta key: the request stays in this process (the staged stories' release).
LOCAL = "newsbot_local"


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler; a worker says it holds a request before taking it.

    Counting first, then popping, leaves no moment when a request is neither in the
    queue nor counted: another worker never sees the round as over while this one
    still has work that may yield more. Requests marked ``LOCAL`` (the release) never
    enter the shared queue: only this worker may answer them.
    """

    crew: Crew | None = None
    _local: list[Request]

    def open(self, spider: Spider) -> None:
        self._local = []
        super().open(spider)

    def enqueue_request(self, request: Request) -> bool:
        if request.meta.get(LOCAL):
            self._local.append(request)
            return True
        return bool(super().enqueue_request(request))

    def has_pending_requests(self) -> bool:
        return bool(self._local) or bool(super().has_pending_requests())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.persist = True  # never flush the shared queue (see RedisAddon)
        if scheduler.stats is not None:
            scheduler.stats = _StatsWithoutSpider(scheduler.stats)
        scheduler.crew = Crew.for_crawler(crawler)
        return scheduler

    def next_request(self) -> Request | None:
        if self._local:
            return self._local.pop(0)
        assert self.crew is not None
        self.crew.taking()
        request = super().next_request()
        if request is None:
            self.crew.took_nothing()
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
            "spider": crawler.spidercls.name  # type: ignore[union-attr]
        }
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self._heartbeat: task.LoopingCall | None = None
        self.releasing = False
        self.round = ""  # the start time of the round this worker joined

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> Crew:
        crew = getattr(crawler, "newsbot_crew", None)
        if crew is None:
            from scrapy_redis import connection

            settings = crawler.settings
            name = crawler.spidercls.name  # type: ignore[union-attr]
            crew = cls(
                crawler,
                connection.from_settings(settings),
                redis_namespace(settings, name),
                settings.get("SCHEDULER_QUEUE_KEY") % {"spider": name},
            )
            crawler.newsbot_crew = crew  # type: ignore[attr-defined]
        return crew

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Crew:
        """As an extension: join the round when the spider opens, leave when it closes."""
        if not crawler.settings.get("NEWSBOT_REDIS_URL"):
            raise NotConfigured("NEWSBOT_REDIS_URL is not set")
        crew = cls.for_crawler(crawler)
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
        feed = default_feed(self.crawler.settings)
        if feed and str(feed) in self.crawler.settings.getdict("FEEDS"):
            state.watch_feed(feed)  # this machine's feed: settle what a kill left
            settled = state.reconcile_feed()
            if settled:
                logger.info("Feed reconciled: %d stories written by an interrupted run", settled)
        state.begin_crawl()  # a new round, unless one is in progress: then join it
        self.state = state
        self.round = state.crawl_started_at()
        self.server.hset(self._workers, self.worker, 0)
        self._beat()
        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.start(HEARTBEAT_EVERY, now=False)
        logger.info("Worker %s joined the crawl %s", self.worker, self.namespace)
        self._inc("newsbot/scaleout/joined")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        if self.releasing and reason == "finished":
            self._finish_round()
        self.server.hdel(self._workers, self.worker)
        self.server.delete(self._alive(self.worker))
        logger.info("Worker %s left the crawl %s (%s)", self.worker, self.namespace, reason)

    def _beat(self) -> None:
        self.server.set(self._alive(self.worker), 1, ex=HEARTBEAT_TTL)
        if self.releasing:
            self.server.expire(self._release, RELEASE_LOCK_TTL)

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
            self._inc("newsbot/scaleout/waited")
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

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
