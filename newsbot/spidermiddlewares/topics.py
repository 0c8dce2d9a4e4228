"""Related Topics pages under a per-run request budget, in the policy's priority order.

A story page names its topics; the spider yields a request for each. Opening them all
at once is what made an hourly run cost thousands of requests on the real site (15
topics a story, thousands of topics a week). Here they are held instead:

1. While the run reads its cheap fresh sources (feed, category listings, the stories
   they lead to), every topic a story names is remembered in the state store (how
   often it is named, in which run) and not requested.
2. When the crawl is first idle, one plan is made (``topic_policy.plan_topics``): the
   candidates are the topics named within ``NEWSBOT_TOPIC_REVISIT_DAYS``; the best
   ``first_pages`` of them (the budget less a share for later pages) are requested.
   The plan is answered through a ``data:`` request, so the topic requests go through
   the frontier like any other (a crash after the plan resumes them).
3. A topic page's later pages are followed (one at a time, while the page held
   something new: ``incremental.py``) until the budget ``NEWSBOT_TOPIC_BUDGET`` is spent.
4. Each visit is recorded with the new stories it led to: the topic's own yield, which
   ranks it in later runs.

A full re-crawl (``full=1``) and the first run that finds topics (a backfill: no history to
rank by, and a topic walk cut by the budget would never be resumed, because later visits
stop at its known first page) request every topic at once, with no budget.
Budget, plan and skips are in the stats (``newsbot/topics/...``) and the report.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response

from newsbot.config import NewsbotConfig, TopicPolicyConfig
from newsbot.extensions.state import state_store
from newsbot.keys import LOCAL, PUBLISHED_AT, ROLE, RUN_IS_KNOWN, TOPIC_PLAN, TOPICS, count
from newsbot.site.urls import listing_stem
from newsbot.state.base import StateStore
from newsbot.topic_policy import plan_topics

logger = logging.getLogger(__name__)

PLAN_URL = "data:,newsbot-topic-plan"
PLAN_META = TOPIC_PLAN
STATS = TOPICS.rstrip("/")


class TopicPolicyMiddleware:
    """Spider middleware: hold topic requests, plan them once, keep to the budget."""

    def __init__(self, crawler: Crawler, state: StateStore, config: TopicPolicyConfig):
        self.crawler = crawler
        self.state = state
        self.config = config
        self.run = state.topic_run() + 1
        #: No topic known yet (a new state, or only runs that found nothing): a backfill,
        #: not budgeted.
        self.initial = not state.topic_histories(config.window_days)
        self._planned = False
        self._used = 0
        #: listing stem -> the topic's first-page URL, for its later pages.
        self._topics: dict[str, str] = {}
        #: story URLs already credited to a topic this run (two topics, one new story).
        self._credited: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TopicPolicyMiddleware:
        config = NewsbotConfig.from_crawler(crawler).topic_policy()
        middleware = cls(crawler, state_store(crawler), config)
        crawler.signals.connect(middleware.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    @property
    def budgeted(self) -> bool:
        """Off for a full re-crawl and a first run: every topic is requested at once."""
        return not self.initial and not getattr(self.crawler.spider, "full_crawl", False)

    def spider_opened(self, spider: Spider) -> None:
        if self.budgeted:
            self._set("budget", self.config.budget)
        else:
            self.run = self.state.begin_topic_run()  # later runs count their waits from here
            self._set("budget", "unlimited (first run or full=1)")

    # --- output of each response --------------------------------------------------------
    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        """Hold topic requests for the plan; answer the plan request with the planned visits.

        Async, no sync twin: see ``newsbot.spidermiddlewares``.
        """
        if response.meta.get(PLAN_META):
            for request in self._plan():
                yield request
            return
        visit = _Visit(self._topic_of(response))
        async for output in result:
            passed = self._sort(response, output, visit)
            if passed is not None:
                yield passed
        self._record(response, visit)

    def _sort(self, response: Response, output: Any, visit: _Visit) -> Any:
        if not isinstance(output, Request):
            return output
        role = output.meta.get(ROLE)
        if role == "topic":
            self.state.topic_named(output.url, response.meta.get(PUBLISHED_AT), self.run)
            self._topics[listing_stem(output.url)] = output.url
            if self.budgeted:
                return None  # held for the plan
            return output
        if role == "listing" and output.cb_kwargs.get("kind") == "topic" and self.budgeted:
            if self._used >= self.config.budget:
                self._inc("pages_over_budget")
                logger.debug("Topic budget spent: not following %s", output.url)
                return None
            self._used += 1
            self._inc("requests")
        elif role == "story" and visit.topic and output.url not in self._credited:
            self._credited.add(output.url)
            visit.new_stories += 1
        return output

    def _topic_of(self, response: Response) -> str | None:
        """The first-page URL of the topic this response is a page of (None: not a topic)."""
        if response.meta.get(ROLE) == "topic":
            return str(response.url)
        if response.request is not None and response.request.cb_kwargs.get("kind") == "topic":
            return self._topics.get(listing_stem(response.url))
        return None

    def _record(self, response: Response, visit: _Visit) -> None:
        if visit.topic is None:
            return
        first_page = response.meta.get(ROLE) == "topic"
        self.state.topic_visited(visit.topic, self.run, visit.new_stories, first_page)
        if visit.new_stories:
            self._inc("new_stories", visit.new_stories)

    # --- the plan -----------------------------------------------------------------------
    def spider_idle(self, spider: Spider) -> None:
        """Once, when the fresh sources are done: schedule the plan (answered locally)."""
        if self._planned or not self.budgeted:
            return
        self._planned = True
        request = Request(
            PLAN_URL,
            callback=self._answered,
            meta={PLAN_META: True, "allow_offsite": True, LOCAL: True},
            dont_filter=True,
        )
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _plan(self) -> Iterator[Request]:
        spider = self.crawler.spider
        assert spider is not None
        self.run = self.state.begin_topic_run()
        candidates = self.state.topic_histories(self.config.window_days)
        slots = min(self.config.first_pages, self.config.budget - self._used)
        plan = plan_topics(candidates, self.run, slots, self.config.max_wait_runs)
        self._set("run", self.run)
        self._set("candidates", len(candidates))
        self._set("planned", len(plan.chosen))
        for reason in ("overdue", "fresh", "revisit"):
            self._set(f"planned/{reason}", plan.count(reason))
        self._set("skipped", len(plan.skipped))
        self._set("skipped/overdue", sum(1 for s in plan.skipped if s.reason == "overdue"))
        if plan.chosen:
            self._set("priority/highest", plan.chosen[0].score)
            self._set("priority/lowest_planned", plan.chosen[-1].score)
        if plan.skipped:
            self._set("priority/highest_skipped", max(s.score for s in plan.skipped))
        logger.info(
            "Topic plan (run %d): %d of %d candidate topics within a budget of %d requests "
            "(%d overdue, %d named this run, %d revisits); %d left for later runs",
            self.run,
            len(plan.chosen),
            len(candidates),
            self.config.budget,
            plan.count("overdue"),
            plan.count("fresh"),
            plan.count("revisit"),
            len(plan.skipped),
        )
        for choice in plan.chosen:
            self._used += 1
            self._inc("requests")
            self._topics[listing_stem(choice.url)] = choice.url
            request = spider.topic_request(choice.url)  # type: ignore[attr-defined]
            # Planned after the fresh sources: what this run found is known ground here.
            request.meta[RUN_IS_KNOWN] = True
            yield request

    @staticmethod
    def _answered(response: Response) -> Iterable[Any]:
        """The plan response's callback: this middleware supplies the output."""
        return ()

    def _inc(self, key: str, by: int = 1) -> None:
        count(self.crawler, f"{STATS}/{key}", by)

    def _set(self, key: str, value: Any) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(f"{STATS}/{key}", value)


class _Visit:
    """One topic page's response: which topic, and how many new stories it led to."""

    __slots__ = ("new_stories", "topic")

    def __init__(self, topic: str | None):
        self.topic = topic
        self.new_stories = 0
