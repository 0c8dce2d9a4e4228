"""Incremental re-crawls: each run fetches what is new, and little else.

- A story page fetched by an earlier run is not downloaded again (unless it was
  published within the spider's ``recheck_hours``, to catch edits).
- A listing (category or topic) is followed page after page only until it reaches
  stories already known: after ``NEWSBOT_INCREMENTAL_PAGES_PAST`` more pages whose
  stories were all known, its pagination is not followed further. New stories come
  at the top, so the first page with nothing new is where the new ground ends.
- Pagination walks: a listing's next page is followed only while the page it is on held
  something new (page 1 of a category included), never all its page numbers at once.
- A story page that came empty or cut off (``RETRIED``: a failed fetch, not a verdict)
  is asked again by the next run, up to ``NEWSBOT_FAILED_FETCH_RUNS`` runs; then it is
  given up: remembered as seen, and a ``given_up`` drop on record. At the real site's
  scale, dead stories asked for ever would cost thousands of requests every hour. A run
  counts its failures only when the site served it story pages whole, at least as many
  as the pages that failed for the first time (``_counts_failures``): a CDN or proxy
  answering every story page empty for a few hours is the site failing, not its stories
  dying, and counted it would give up every story published meanwhile, for good.
- A date window (spider arguments ``since``/``until``): a story published outside it is
  neither emitted nor remembered as seen, so a later run without the window still
  fetches it.

Which topic pages a run opens is the topic policy's decision (``topics.py``).

The spider argument ``full=1`` turns all of it off for one run (a full re-crawl; the
dedupe memory still keeps emitted stories from being written twice). The memory is
the state store's ``seen_stories`` and ``topics``, keyed by spider, not by run.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from newsbot.config import NewsbotConfig
from newsbot.extensions.state import state_store
from newsbot.items import Story
from newsbot.keys import (
    INCREMENTAL,
    KNOWN_PAGES,
    PAGES,
    PUBLISHED_AT,
    RECHECK,
    ROLE,
    RUN_IS_KNOWN,
    WINDOW,
    count,
)
from newsbot.site.pages.story import RETRIED, Rejected
from newsbot.site.urls import story_id
from newsbot.state.base import StateStore
from newsbot.text.normalize import SITE_TZ

logger = logging.getLogger(__name__)

#: The drop reason of a story page that failed (``RETRIED``) in too many runs.
GIVEN_UP = "given_up"
#: Story pages failed in a run that came too few pages whole: not counted.
FAILURES_NOT_COUNTED = PAGES + "failures_not_counted"


@dataclass
class _Page:
    """What one listing page held: its story links, how many known, its pagination."""

    stories: int = 0
    known: int = 0
    pagination: list[Request] = field(default_factory=list)

    @property
    def all_known(self) -> bool:
        """Nothing new here: every story on the page was known before this crawl."""
        return self.known == self.stories


@dataclass(frozen=True)
class IncrementalConfig:
    enabled: bool
    pages_past: int
    recheck_hours: float
    since: date | None = None
    until: date | None = None


class IncrementalMiddleware:
    """Spider middleware: skip known stories, cut listings at known ground, revisit topics."""

    def __init__(self, crawler: Crawler, state: StateStore, config: NewsbotConfig):
        self.crawler = crawler
        self.state = state
        self.project_config = config
        self._config: IncrementalConfig | None = None
        #: This run's story pages that came whole (any verdict but a failed fetch) ...
        self._whole = 0
        #: ... those that failed for the first time ...
        self._first_failures = 0
        #: ... and the failed ones to count at the end, if the run counts (id -> url).
        self._failed: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        middleware = cls(crawler, state_store(crawler), NewsbotConfig.from_crawler(crawler))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    @property
    def config(self) -> IncrementalConfig:
        """Read once, when the spider (and its arguments) exists."""
        if self._config is None:
            spider = self.crawler.spider
            self._config = IncrementalConfig(
                enabled=not getattr(spider, "full_crawl", False),
                pages_past=self.project_config.incremental_pages_past,
                recheck_hours=float(getattr(spider, "recheck_hours", 0) or 0),
                since=getattr(spider, "since", None),
                until=getattr(spider, "until", None),
            )
        return self._config

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        """Pass or skip each output; the listing's pagination last, once its page is judged.

        Async, no sync twin: see ``newsbot.spidermiddlewares``.
        """
        page = _Page()
        async for output in result:
            passed = self._classify(response, output, page)
            if passed is not None:
                yield passed
        for request in self._pagination(response, page):
            yield request

    # --- decisions ------------------------------------------------------------------------
    def _classify(self, response: Response, output: Any, page: _Page) -> Any:
        """Pass, hold (pagination) or skip one output of a response, noting what it was."""
        if isinstance(output, Story) and not self._in_window(output.published_at):
            count(self.crawler, WINDOW + "outside")
            logger.debug("Outside the date window, not emitted: %s", response.url)
            response.meta[PUBLISHED_AT] = output.published_at
            return None
        if isinstance(output, (Story, Rejected)):
            return self._remember_story(response, output)
        if not isinstance(output, Request):
            return output
        role = output.meta.get(ROLE)
        if role == "listing" and response.meta.get(ROLE) in ("category", "listing", "topic"):
            page.pagination.append(output)
            return None
        if role == "story" and self.config.enabled:
            page.stories += 1
            passed, known_before = self._story(output, response.meta.get(RUN_IS_KNOWN, False))
            page.known += known_before
            return passed
        return output

    def _story(self, request: Request, run_is_known: bool) -> tuple[Request | None, bool]:
        """Skip a story fetched before; say if it is known ground (listing cut)."""
        sid = story_id(request.url)
        if sid is None:
            return request, False
        fetched_at, published_at = self.state.story_seen(sid)
        if fetched_at is None:
            return request, False
        # Stories this very crawl fetched (before a kill) are skipped but are no sign
        # that the listing reached known ground.
        known_before = run_is_known or fetched_at < self.state.crawl_started_at()
        if known_before and self._within_recheck(published_at):
            count(self.crawler, INCREMENTAL + "rechecked")
            request.meta[RECHECK] = True
            # Not known ground for this run: its listing is walked on to the older stories.
            return request, False
        count(self.crawler, INCREMENTAL + "known_story_skipped")
        logger.debug("Known story, not fetched again: %s", request.url)
        return None, known_before

    def _pagination(self, response: Response, page: _Page) -> Iterator[Request]:
        """Follow the listing unless it went past ``pages_past`` pages of known stories."""
        known_pages = response.meta.get(KNOWN_PAGES, 0) + int(page.all_known)
        if self.config.enabled and known_pages > self.config.pages_past:
            if page.pagination:
                count(self.crawler, INCREMENTAL + "listing_stopped")
                logger.debug("Listing reached known stories, stopped at %s", response.url)
            return
        for request in page.pagination:
            request.meta[KNOWN_PAGES] = known_pages
            if response.meta.get(RUN_IS_KNOWN):
                request.meta[RUN_IS_KNOWN] = True
            yield request

    def _in_window(self, published_at: str | None) -> bool:
        """Inside the spider's ``since``/``until`` (both days included; no window: True)."""
        since, until = self.config.since, self.config.until
        if since is None and until is None:
            return True
        try:
            day = datetime.fromisoformat(published_at or "").astimezone(SITE_TZ).date()
        except ValueError:
            return True  # undated: the parser rejects it with its own reason
        return (since is None or day >= since) and (until is None or day <= until)

    def _within_recheck(self, published_at: str | None) -> bool:
        if not self.config.recheck_hours or not published_at:
            return False
        try:
            published = datetime.fromisoformat(published_at)
        except ValueError:
            return False
        return published >= datetime.now(SITE_TZ) - timedelta(hours=self.config.recheck_hours)

    def _remember_story(self, response: Response, story: Story | Rejected) -> Story | Rejected:
        if isinstance(story, Rejected) and story.reason in RETRIED:
            return self._failed_fetch(response, story)
        self._whole += 1
        sid = story.article_id or story_id(response.url)
        published_at = story.published_at if isinstance(story, Story) else None
        if sid:
            self.state.remember_story_seen(sid, published_at)
        response.meta[PUBLISHED_AT] = published_at
        return story

    def _failed_fetch(self, response: Response, story: Rejected) -> Rejected:
        """A failed fetch (empty, cut off): the next run asks again, up to
        ``NEWSBOT_FAILED_FETCH_RUNS`` runs; then it is given up (seen, a ``given_up`` drop).

        A story already seen (a recheck, ``full=1``) keeps what it was: only stories
        never fetched whole are counted, and only in a run that counts
        (``_counts_failures``): the count is taken at the run's end (``spider_closed``).
        """
        sid = story.article_id or story_id(response.url)
        if not sid or self.state.story_seen(sid)[0] is not None:
            return story
        before = self.state.story_failures(sid)
        if before == 0:
            self._first_failures += 1
        failures = before + 1
        limit = self.project_config.failed_fetch_runs
        if failures < limit or not self._counts_failures():
            # Counted at the end, if the run counts; a run failing so far (an outage
            # begun) gives nothing up: the next healthy run does.
            self._failed[sid] = response.url
            return story
        self.state.story_failed(sid)
        logger.warning(
            "Gave up on %s: its page came %s in %d runs; not asked again "
            "(NEWSBOT_FAILED_FETCH_RUNS=%d)",
            response.url,
            story.reason,
            failures,
            limit,
        )
        count(self.crawler, PAGES + GIVEN_UP)
        self.state.remember_story_seen(sid, None)
        return replace(story, reason=GIVEN_UP)

    def _counts_failures(self) -> bool:
        """Whether this run's failed fetches count towards giving their stories up: the
        site served story pages whole, at least as many as failed for the first time.

        Pages that failed in earlier runs are left out of the balance: dead stories
        piling up must not stop their own counting. An order-free verdict, so it is
        taken at the end of the run.
        """
        return self._first_failures <= self._whole

    def spider_closed(self, spider: Spider) -> None:
        """Count the run's failed fetches in the state, or say why they are not counted."""
        if not self._failed:
            return
        if self._counts_failures():
            for sid in self._failed:
                self.state.story_failed(sid)
            return
        logger.warning(
            "%d story pages came empty or cut off in this run (first: %s) and %d came "
            "whole: the site or a proxy failing, not its stories; not counted towards "
            "NEWSBOT_FAILED_FETCH_RUNS, the next runs ask for them again",
            len(self._failed),
            next(iter(self._failed.values())),
            self._whole,
        )
        count(self.crawler, FAILURES_NOT_COUNTED, len(self._failed))
