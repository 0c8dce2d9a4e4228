"""A crash-safe frontier: a crawl killed at any moment resumes with the same command.

Scrapy's ``JOBDIR`` writes its pending queue only on a clean shutdown while
``requests.seen`` grows as it goes, so after SIGKILL a resumed crawl finds an empty
queue and everything seen: the rest of the crawl is lost silently. Here the state
store keeps the crawl's frontier instead:

- every request the spider yields is written as *pending* (and is dropped if this
  crawl already has it: the frontier is the crawl's dupefilter, which is why
  ``DUPEFILTER_CLASS`` is Scrapy's no-op one);
- a response's request is marked *done* only after all its output went through, so
  in the same transaction as the stories it staged and the links it found;
- a run that finds a crawl in progress (the last one did not finish) re-schedules
  the pending requests instead of the start URLs;
- before anything, stories that a killed run had already written to the feed are
  settled and a torn last line is removed (``StateStore.reconcile_feed``).

It needs a store that keeps a frontier (``state.base.Frontier``: the SQLite store); in
Redis mode the shared scheduler queue is the frontier, and this middleware is off.

Ctrl-C (with or without ``JOBDIR``) leaves the crawl in progress too: the next run
continues it (from Scrapy's own queue when ``JOBDIR`` was stopped cleanly). After a
kill, Scrapy's ``JOBDIR`` queue is stale or torn, so it is discarded. A crawl that
finished forgets its frontier.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.job import job_dir
from scrapy.utils.request import request_from_dict

from newsbot.config import NewsbotConfig
from newsbot.extensions.state import state_store
from newsbot.keys import BROWSER, FRONTIER, count
from newsbot.state.base import Frontier, reconciled

logger = logging.getLogger(__name__)

#: Request attributes that survive a crash (the spider's requests use no others).
_KEPT = ("url", "callback", "errback", "cb_kwargs", "priority", "meta")
#: Meta values JSON takes as they are, known without encoding them.
_SCALARS = frozenset({str, int, float, bool, type(None)})
#: Compact JSON: no spaces, keys in the order written (nothing compares the text).
_encode = json.JSONEncoder(separators=(",", ":")).encode


def dump_request(request: Request, spider: Spider) -> str:
    """The request as compact JSON, enough to rebuild it after a crash.

    Written for every new request, so it avoids ``Request.to_dict`` (which looks the
    callback up among all the spider's members each time), keeps only what differs from
    a default ``Request``, and tests a meta value by encoding it only when it is no
    plain scalar.
    """
    kept: dict[str, Any] = {"url": request.url}
    for name in ("callback", "errback"):
        method = getattr(request, name)
        if method is not None:
            if getattr(method, "__self__", None) is not spider:
                return _encode(_to_dict(request, spider))
            kept[name] = method.__name__
    if request.cb_kwargs:
        kept["cb_kwargs"] = request.cb_kwargs
    if request.priority:
        kept["priority"] = request.priority
    meta = {k: v for k, v in request.meta.items() if type(v) in _SCALARS or _is_json(v)}
    if meta:
        kept["meta"] = meta
    return _encode(kept)


def _to_dict(request: Request, spider: Spider) -> dict[str, Any]:
    """Scrapy's own serialization, for a callback that is not a spider method."""
    data = request.to_dict(spider=spider)
    kept = {key: data[key] for key in _KEPT if data.get(key)}
    kept["meta"] = {k: v for k, v in (data.get("meta") or {}).items() if _is_json(v)}
    return kept


def load_request(raw: str, spider: Spider) -> Request:
    return request_from_dict(json.loads(raw), spider=spider)


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


class FrontierMiddleware:
    """Spider middleware: the crawl's requests, pending or done, in the state store."""

    def __init__(self, crawler: Crawler, state: Frontier):
        self.crawler = crawler
        self.state = state
        self.fingerprint = crawler.request_fingerprinter.fingerprint
        self.jobdir = job_dir(crawler.settings)
        self.last_run_was_killed = state.crawl_in_progress() and not state.shut_down_cleanly()
        if self.last_run_was_killed and self.jobdir:
            self._discard_scrapy_queue(Path(self.jobdir))
        state.mark_running()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierMiddleware:
        config = NewsbotConfig.from_crawler(crawler)
        if not config.frontier_enabled:
            raise NotConfigured("NEWSBOT_FRONTIER_ENABLED is off")  # the user said so
        state = state_store(crawler)
        if not isinstance(state, Frontier):
            raise NotConfigured(f"{type(state).__name__} keeps no frontier")
        middleware = cls(crawler, state)
        feed = config.feed_path
        if feed and str(feed) in crawler.settings.getdict("FEEDS"):
            middleware.state.watch_feed(feed)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        new = self.state.feed_is_new()
        settled = self.state.reconcile_feed()
        if settled:
            feed = NewsbotConfig.from_crawler(self.crawler).feed_path
            logger.info("%s", reconciled(settled, feed, new))
        spider = self.crawler.spider
        assert spider is not None
        if self.state.crawl_in_progress():
            if self.jobdir and not self.last_run_was_killed:
                # Stopped cleanly under JOBDIR: Scrapy restores its own queue exactly.
                logger.info("Resuming an interrupted crawl from JOBDIR %s", self.jobdir)
                return
            pending = self.state.frontier_pending()
            logger.info("Resuming an interrupted crawl: %d pending requests", len(pending))
            count(self.crawler, FRONTIER + "resumed", len(pending))
            for raw in pending:
                yield load_request(raw, spider)
            return
        self.state.begin_crawl()
        started = []
        async for output in start:
            if not isinstance(output, Request) or self._admit(output, spider):
                started.append(output)
        self.state.start_recorded()  # the crawl exists on disk with all its roots
        for output in started:
            yield output

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        """Admit new requests; the response's request is done after all its output.

        Async, no sync twin: see ``newsbot.spidermiddlewares``.
        """
        spider = self.crawler.spider
        async for output in result:
            if not isinstance(output, Request) or self._admit(output, spider):
                yield output
        if response.request is not None:  # always, for a response Scrapy downloaded
            self.state.frontier_done(self.fingerprint(response.request))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if reason == "finished":
            self.state.finish_crawl()
        self.state.mark_stopped()

    @staticmethod
    def _discard_scrapy_queue(jobdir: Path) -> None:
        """After a kill, Scrapy's on-disk queue is stale or torn: the frontier replaces it."""
        queue = jobdir / "requests.queue"
        if queue.exists():
            logger.warning(
                "The last run was killed: discarding Scrapy's queue in %s (not written on a "
                "kill) and resuming from the crawl's frontier instead",
                queue,
            )
            shutil.rmtree(queue)

    def _admit(self, request: Request, spider: Spider | None) -> bool:
        """Record a new request as pending; False for one this crawl already has."""
        if request.url.startswith("data:") or request.meta.get(BROWSER):
            return True  # the release, or a page retried once in the browser
        assert spider is not None
        serialized = partial(dump_request, request, spider)
        if self.state.frontier_add(self.fingerprint(request), serialized):
            return True
        count(self.crawler, FRONTIER + "duplicate")
        logger.debug("Already in the frontier: %s", request.url)
        return False
