"""The ``urdupoint`` spider: routing only.

RSS feed and category listings -> story pages -> their "Related Topics" pages -> more
story pages. Listings are walked one page at a time (the next page only).
What a page contains is decided in ``newsbot.parsing``; what a URL is, in
``newsbot.site.urls``. This module only decides which callback a link goes to.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsbot.addons import BrowserAddon
from newsbot.config import NewsbotConfig
from newsbot.downloadermiddlewares.challenge import (
    BrowserLeftSite,
    BrowserRetrySkipped,
    browser_retry_off,
)
from newsbot.downloadermiddlewares.failures import failure_reason
from newsbot.downloadermiddlewares.offsite import RedirectedAway, RedirectedToStory
from newsbot.downloadermiddlewares.robotstxt import ForbiddenByRobots
from newsbot.items import Story
from newsbot.keys import (
    BROWSER,
    EMPTY_BODY_RETRY,
    FAILURE_REASON,
    FIELDS,
    LISTING_DIGEST,
    OWN_META_PREFIX,
    ROLE,
    STATS,
    count,
)
from newsbot.site.challenge import is_challenge
from newsbot.site.pages.listing import parse_listing
from newsbot.site.pages.rss import MalformedFeed, parse_feed
from newsbot.site.pages.story import SIGNAL_ORDER, FieldReport, Rejected, parse_story
from newsbot.site.urls import Site, bare_host, story_id, story_section
from newsbot.spiders import arguments as spider_arguments
from newsbot.spiders.arguments import DEFAULT_CATEGORIES as DEFAULT_CATEGORIES

logger = logging.getLogger(__name__)

#: The site's feed of its latest stories (REAL), read first by every run.
FEED_PATH = "/en/sitemap/news.rss"
#: Example URLs kept per field whose signals disagreed (for the end-of-crawl report).
DISAGREE_SAMPLES = 5
#: Above the listings' and stories' own: a browser retry is fetched soon after its page,
#: so few are queued when the circuit breaker opens.
BROWSER_RETRY_PRIORITY = 100
#: HTTP statuses of a story link that is dead for good: remembered, not fetched again.
DEAD_STATUSES = (404, 410)


class UrdupointSpider(scrapy.Spider):
    """English news of urdupoint.com.

    Arguments (``-a name=value``, or Scrapyd's ``schedule.json``):
      base_url    site root; start URLs and the allowed host follow it
      categories  comma-separated category slugs (``pakistan,world``; ``pakistan/crime``)
      max_pages   listing pages followed per category or topic
      full        1/true: a full re-crawl, ignoring what earlier runs fetched
      recheck_hours  fetch again stories published this recently; emit a new
                  version (same article_id, modified_at set) when the body changed
      since, until   a date window (ISO dates, both ends included): stories published
                  outside it are not emitted, and a listing stops at a page whose
                  stories are all older than ``since``
    """

    name = "urdupoint"
    config: NewsbotConfig

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> UrdupointSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = NewsbotConfig.from_crawler(crawler)
        return spider

    def __init__(self, **kwargs: Any):
        # Every argument is declared and checked in one place (and before the crawl, by
        # the crawl command): an unknown or bad one is an ArgumentError naming it.
        arguments = self.check_arguments(kwargs)
        scrapyd = {k: v for k, v in kwargs.items() if k not in type(arguments).model_fields}
        super().__init__(**scrapyd)
        self.site = Site.from_base_url(arguments.base_url)
        self.categories = arguments.categories
        self.max_pages = arguments.max_pages
        self.full_crawl = arguments.full
        self.recheck_hours = arguments.recheck_hours
        #: Feed entries kept: stories of the chosen categories' sections (all, by default), so
        #: nodes given their own share of the categories do not all take the whole feed.
        self.feed_sections = (
            None
            if "categories" not in kwargs
            else frozenset(slug.split("/", 1)[0] for slug in self.categories)
        )
        self.since = arguments.since
        self.until = arguments.until
        self.allowed_domains = [bare_host(self.site.host)]
        # Circuit breaker of the browser retry of empty bodies (see ``_retry_in_browser``).
        self._browser_misses = 0
        self._browser_retry_off = False

    @classmethod
    def check_arguments(cls, given: dict[str, Any]) -> spider_arguments.CrawlArguments:
        """The parsed arguments, or ``ArgumentError`` naming the first unknown or bad one."""
        return spider_arguments.check_arguments(cls.name, given)

    # --- routing ------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        # The cheapest fresh sources first: the feed, then each category's first page.
        yield scrapy.Request(
            self.site.url(FEED_PATH),
            callback=self.parse_feed,
            errback=self.on_error,
            meta={ROLE: "feed"},
        )
        for slug in self.categories:
            url = self.site.url(f"/en/news/{slug}.html")
            yield self._listing_request(url, "category", 1, role="category")

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        """The RSS feed: its entries routed like listing cards; a broken feed is one warning."""
        count(self.crawler, STATS + "pages/feed")
        try:
            links = parse_feed(response, self.site)
        except MalformedFeed as exc:
            count(self.crawler, STATS + "feed/malformed")
            logger.warning("Malformed feed %s: %s; going on with the listings", response.url, exc)
            return
        if links.recovered is not None:
            count(self.crawler, STATS + "feed/recovered")
            logger.warning(
                "Feed %s is not well-formed XML (%s); read what could be recovered: %d stories",
                response.url,
                links.recovered,
                len(links.stories),
            )
        if links.ignored:
            count(self.crawler, STATS + "feed/ignored_entries")
            logger.info(
                "Feed %s: %d entries not stories of this site, ignored", response.url, links.ignored
            )
        wanted = [
            url
            for url in links.stories
            if self.feed_sections is None or story_section(url) in self.feed_sections
        ]
        for url in self._bounded(
            wanted, self.config.max_links_per_listing, "feed_links", response.url
        ):
            yield self.story_request(url)

    def parse_listing(self, response: Response, kind: str, page: int) -> Iterator[scrapy.Request]:
        """A category or topic page: its stories, then its next page (one), up to ``max_pages``.

        Page 1 links many page numbers; only the next one is followed, and the incremental
        middleware follows it only while this page held something new.
        """
        count(self.crawler, STATS + f"pages/{kind}")
        if response.meta.get(ROLE) == "category":
            count(self.crawler, STATS + "start/ok")
        if isinstance(response, TextResponse) and not isinstance(response, HtmlResponse):
            count(self.crawler, STATS + "pages/listing_not_labelled_html")
            logger.warning(
                "Listing %s is labelled %s, not HTML: read as HTML",
                response.url,
                (response.headers.get(b"Content-Type") or b"no Content-Type").decode("latin-1"),
            )
        links = parse_listing(response, self.site)
        if not links.stories:
            count(self.crawler, STATS + f"empty_listing/{kind}")
            logger.info("Listing without stories: %s", response.url)
        for url in self._bounded(
            links.stories, self.config.max_links_per_listing, "listing_links", response.url
        ):
            yield self.story_request(url)
        if self.since and links.newest and links.newest < self.since:
            count(self.crawler, STATS + "window/listing_stopped")
            logger.debug("Listing older than since=%s, stopped at %s", self.since, response.url)
            return
        digest = zlib.crc32("\n".join(links.stories).encode()) if links.stories else None
        if page > 1 and digest is not None and digest == response.meta.get(LISTING_DIGEST):
            # A server ignoring ?page=N, a page whose "next" is itself under another URL:
            # each page the same stories, fetched up to max_pages times per listing.
            count(self.crawler, STATS + "limits/listing_repeats")
            logger.warning(
                "Listing page %s shows the stories of the page before it: not followed further",
                response.url,
            )
            return
        link = links.next_page(page)
        if link is not None and page + 1 <= self.max_pages:
            request = self._listing_request(link.url, kind, page + 1, role="listing")
            if digest is not None:
                request.meta[LISTING_DIGEST] = digest
            yield request

    def parse_story(self, response: Response) -> Iterator[Story | Rejected | scrapy.Request]:
        """A story page: its item (or the reason it has none), then its Related Topics."""
        count(self.crawler, STATS + "pages/story")
        try:
            result = parse_story(response, self.site)
        except Exception as exc:  # parse_story never raises for a page; a bug, then
            count(self.crawler, STATS + "errors/parse")
            logger.error("Could not parse %s: %s: %s", response.url, type(exc).__name__, exc)
            yield Rejected("parse_error", response.url, article_id=story_id(response.url))
            return
        self._record_fields(response.url, result.report)
        if result.item and self._retry_in_browser(response, bool(result.item.body)):
            # Empty in the raw HTML: the body may be rendered by JavaScript. Once, in the browser.
            # Only our own meta keys go along: Scrapy's (download_latency, retry_times...)
            # describe this response's download, not the next one's.
            own = {k: v for k, v in response.meta.items() if k.startswith(OWN_META_PREFIX)}
            request = response.request
            assert request is not None
            yield request.replace(
                meta={**own, BROWSER: True, EMPTY_BODY_RETRY: True},
                priority=request.priority + BROWSER_RETRY_PRIORITY,
            )
            return
        # A rejection goes to the pipelines too, so it is logged and recorded like any drop.
        outcome = result.rejected or result.item
        if outcome is not None:
            yield outcome
        topics = self._bounded(
            result.topic_urls, self.config.max_topics_per_story, "story_topics", response.url
        )
        for url in topics:
            normalized = self.site.normalize(url)
            if normalized:
                yield self.topic_request(normalized)

    def on_error(self, failure: Failure) -> Iterator[Rejected]:
        """One clear line and a counter for a story URL that could not be fetched."""
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy, not Twisted
        error = failure.value
        start = request.meta.get(ROLE) == "category"
        if isinstance(error, HttpError) and is_challenge(error.response):
            # Blocked (ChallengeMiddleware logged it): on record like any other drop.
            if start:
                count(self.crawler, STATS + "start/http_error")
            yield Rejected("challenge", request.url, article_id=story_id(request.url))
            return
        if isinstance(error, HttpError):
            status = error.response.status
            count(self.crawler, STATS + f"errors/http_{status}")
            if start:  # the fate of a start URL decides the run's exit status
                count(
                    self.crawler,
                    STATS + ("start/not_found" if status == 404 else "start/http_error"),
                )
            if request.meta.get(ROLE) == "story":  # judged apart: the feed's 404 is no story's
                count(self.crawler, STATS + "pages/story_http_error")
            logger.warning("HTTP %s for %s", status, request.url)
            if status in DEAD_STATUSES and request.meta.get(ROLE) == "story":
                # A dead story link, on record; the incremental middleware remembers the
                # story as seen, so later runs do not fetch it again.
                yield Rejected("not_found", request.url, article_id=story_id(request.url))
        elif isinstance(error, BrowserRetrySkipped):
            # Queued for the browser when the breaker opened: its raw HTML had no body.
            yield Rejected("stub", request.url, article_id=story_id(request.url))
            return
        elif isinstance(error, RedirectedToStory):
            # On record, naming the story it became, which is fetched from its own link
            # (an errback's requests would pass no spider middleware: not the frontier's
            # dedupe, so a second fetch of it).
            count(self.crawler, STATS + "pages/redirected_to_story")
            logger.warning("Story %s redirected to another story: %s", request.url, error.target)
            yield Rejected(
                "redirected_to_story",
                request.url,
                article_id=story_id(request.url),
                duplicate_of=error.target,
            )
            return
        elif isinstance(error, RedirectedAway):  # asked again by the next run (offsite.py)
            count(self.crawler, STATS + "pages/redirected_away")
            logger.warning(
                "Story %s redirected to a page that is no story (%s): for now; asked again "
                "next run",
                request.url,
                error.target,
            )
            return
        elif isinstance(error, BrowserLeftSite):
            count(self.crawler, STATS + "errors/browser_left_site")
            logger.warning("Failed %s: %s", request.url, failure.getErrorMessage())
            yield Rejected("offsite", request.url, article_id=story_id(request.url))  # on record
        elif isinstance(error, ForbiddenByRobots):
            if start:
                count(self.crawler, STATS + "start/ignored")
            return  # the robots.txt middleware logged and counted it
        else:
            count(self.crawler, STATS + f"errors/{type(error).__name__}")
            if start:  # the fate of a start URL decides the run's exit status
                ignored = isinstance(error, IgnoreRequest)
                count(self.crawler, STATS + ("start/ignored" if ignored else "start/failed"))
            reason = request.meta.get(FAILURE_REASON) or (
                failure_reason(error, 0, 0) if error is not None else "unknown"
            )
            logger.warning("Failed %s: %s", request.url, reason)
        if request.meta.get(EMPTY_BODY_RETRY):
            self._browser_missed(request.url)  # a browser that fails does not help either

    def _retry_in_browser(self, response: Response, has_body: bool) -> bool:
        """Send a story page with an empty body to the browser? Once per URL, and not
        after ``NEWSBOT_BROWSER_RETRY_BREAKER`` pages in a row that the browser did not help
        (a renamed body class, say: every page would be fetched twice for nothing)."""
        if response.meta.get(EMPTY_BODY_RETRY):  # the browser's answer: count the outcome
            if has_body:
                self._browser_misses = 0
            else:
                self._browser_missed(response.url)
            return False
        return (
            not has_body
            and not self._browser_retry_off
            and not response.meta.get(BROWSER)
            and self._browser_ready()
        )

    def _browser_missed(self, url: str) -> None:
        """The browser retry gave no body (or failed): the breaker opens after N in a row."""
        if self._browser_retry_off:
            return
        self._browser_misses += 1
        count(self.crawler, STATS + "browser/empty_body_misses")
        if self._browser_misses >= self.config.browser_retry_breaker:
            self._browser_retry_off = True
            count(self.crawler, STATS + "browser/retry_breaker_open")
            self.crawler.signals.send_catch_log(signal=browser_retry_off)
            logger.warning(
                "The browser found no body on %d story pages in a row (the last %s): "
                "empty bodies are no longer retried in the browser for this crawl",
                self._browser_misses,
                url,
            )

    def _bounded(self, urls: list[str], limit: int, what: str, page_url: str) -> list[str]:
        """At most ``limit`` links from one page: a hostile page costs no more than that."""
        if len(urls) <= limit:
            return urls
        count(self.crawler, STATS + f"limits/{what}")
        logger.warning(
            "%s links on %s, more than the %d taken (%s); the rest are not followed",
            len(urls),
            page_url,
            limit,
            "NEWSBOT_MAX_TOPICS_PER_STORY"
            if what == "story_topics"
            else "NEWSBOT_MAX_LINKS_PER_LISTING",
        )
        return urls[:limit]

    # --- requests, with their role for the middlewares (spidermiddlewares.incremental) ---
    def story_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_story, errback=self.on_error, meta={ROLE: "story"}
        )

    def topic_request(self, url: str) -> scrapy.Request:
        return self._listing_request(url, "topic", 1, role="topic")

    def _listing_request(
        self, url: str, kind: str, page: int, role: str = "listing"
    ) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.on_error,
            cb_kwargs={"kind": kind, "page": page},
            meta={ROLE: role},
        )

    def _record_fields(self, url: str, report: FieldReport) -> None:
        """Stats of how the page's fields were read, and a warning per problem.

        ``newsbot/fields/<field>/<signal>`` counts where each value came from;
        ``newsbot/fields/<field>/disagree`` counts pages whose signals differed, and
        ``newsbot/fields/<field>/disagree_urls`` keeps the first few for the report;
        ``newsbot/fields/<field>/fallback_urls`` the first few read from a signal other
        than the field's first (the examples of the report's "usual signal failed" alarm).
        """
        stats = self.crawler.stats
        if stats is None:
            return
        for name, signal in report.sources.items():
            stats.inc_value(f"{FIELDS}{name}/{signal}")
            if signal != SIGNAL_ORDER.get(name, (signal,))[0]:
                key = f"{FIELDS}{name}/fallback_urls"
                samples = stats.get_value(key) or []
                if len(samples) < DISAGREE_SAMPLES:
                    stats.set_value(key, [*samples, url])
        for name, signals in report.disagreements.items():
            stats.inc_value(f"{FIELDS}{name}/disagree")
            samples = stats.get_value(f"{FIELDS}{name}/disagree_urls") or []
            if len(samples) < DISAGREE_SAMPLES:
                sample = f"{url} ({', '.join(signals)} differ from {report.sources[name]})"
                stats.set_value(f"{FIELDS}{name}/disagree_urls", [*samples, sample])
        for problem in report.problems:
            stats.inc_value(STATS + problem.key)
            if problem.key == "errors/parse":
                logger.error("%s", problem.message)
            else:
                logger.warning("%s", problem.message)

    def _browser_ready(self) -> bool:
        """Whether pages can go to the browser: the ``BrowserAddon`` decided it, once."""
        addon = self.crawler.get_addon(BrowserAddon)
        return addon is not None and addon.ready
