"""Stories are held until the crawl is idle, then released in publication order.

Why: which of two duplicates wins, which story starts a template series, and which
paragraphs are site boilerplate all depend on the order stories are seen in, and a
concurrent crawl sees them in a different order every time. Holding parsed stories
in the state store (``staged``) and releasing them oldest first makes every decision
deterministic (the earliest published story wins; ties go to the lower id), and lets
the boilerplate learner count a paragraph over the whole run before the first story
that carries it is written. Staged stories survive an interrupted run and are
released by the next one.

Release goes through Scrapy's normal item path: on ``spider_idle`` a ``data:``
request is scheduled, and this middleware answers it with the staged stories, so
pipelines, feed exports (``-o``/``-O``, Scrapyd's ``items_dir``) all see them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response

from newsbot.extensions.state import state_store
from newsbot.items import Story
from newsbot.keys import LOCAL, RELEASE, STAGED, count
from newsbot.scaleout.crew import Crew
from newsbot.signals import record_broken
from newsbot.state.base import StateStore

logger = logging.getLogger(__name__)

RELEASE_URL = "data:,newsbot-release-staged-stories"


class StagingMiddleware:
    """Spider middleware: stage ``Story`` output; release it when the crawl is idle."""

    def __init__(self, crawler: Crawler, state: StateStore, crew: Crew | None = None):
        self.crawler = crawler
        self.state = state
        #: This worker among others (Redis mode); None for a crawl in one process.
        self.crew = crew
        self._released_at: int | None = None
        #: From the first release on, the store holds its writes until it closes, after the
        #: feed exporters closed their files: committing earlier could record as written a
        #: story still in an exporter's buffer, lost if the process is killed then.
        self._releasing = False
        #: A feed or the state cannot be written (``record_broken``): release nothing more.
        self._halted = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StagingMiddleware:
        middleware = cls(crawler, state_store(crawler), _crew(crawler))
        crawler.signals.connect(middleware.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(middleware.record_broken, signal=record_broken)
        return middleware

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        """Stage stories, pass the rest; answer the release request with the staged stories.

        Async, no sync twin: see ``newsbot.spidermiddlewares``.
        """
        if response.meta.get(RELEASE):
            for item in self._release():
                yield item
            return
        async for output in result:
            if isinstance(output, Story):
                if self.state.stage(output):
                    count(self.crawler, STAGED)
            else:
                yield output

    def _release(self) -> Iterator[Story]:
        self._releasing = True
        self.state.begin_release()
        for item in self.state.staged_items():
            if self._halted:
                return
            yield item

    def record_broken(self, **kwargs: Any) -> None:
        """The record broke: stop releasing, and keep nothing this release recorded.

        The feed is the truth: the next run settles the stories whose lines are whole
        in it (``reconcile_feed``) and releases the others, still staged.
        """
        self._halted = True
        if self._releasing:
            self.state.abandon_release()

    def spider_idle(self, spider: Spider) -> None:
        """Schedule one release while stories wait; stop if a release settled nothing.

        With several workers (``newsbot.scaleout``), only when the whole crawl is idle,
        and only by the one worker that took the release.
        """
        if self._halted:
            return
        if not self._releasing:
            self.state.commit()
        engine = self.crawler.engine if self.crawler.crawling else None
        if engine is not None and not engine.spider_is_idle():
            # Another component scheduled more work at this idle (the topic plan): the
            # release waits for the next one, so its stories are in publication order too.
            raise DontCloseSpider
        if self.crew is not None:
            verdict = self.crew.on_idle()
            if verdict == "busy":
                raise DontCloseSpider  # other workers may still yield requests for us
            if verdict == "done":
                return  # another worker releases the staged stories
        waiting = self.state.staged_count()
        if not waiting or waiting == self._released_at:
            if waiting:
                logger.error(
                    "%d staged stories could not be settled; kept for the next run", waiting
                )
            return
        self._released_at = waiting
        logger.info("Crawl idle: releasing %d staged stories in publication order", waiting)
        request = Request(
            RELEASE_URL,
            callback=self._released,
            # Answered here, by this process: never put in a shared (Redis) queue.
            meta={RELEASE: True, "allow_offsite": True, LOCAL: True},
            dont_filter=True,
        )
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(request)
        raise DontCloseSpider

    @staticmethod
    def _released(response: Response) -> Iterable[Any]:
        """The release response's callback: the middleware supplies the output."""
        return ()


def _crew(crawler: Crawler) -> Crew | None:
    """The ``Crew`` extension in Redis mode; None in one process, or before extensions exist."""
    try:
        return crawler.get_extension(Crew)
    except RuntimeError:  # a crawler built by hand (tests): no extensions, no crew
        return None
