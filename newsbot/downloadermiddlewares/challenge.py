"""A real browser (scrapy-playwright, headless Chromium) exactly where plain HTTP fails.

- ``newsbot.addons.BrowserAddon`` wires scrapy-playwright in only when Chromium is installed (the
  path is ``NEWSBOT_CHROMIUM_PATH``, or the environment variable of that name, by
  default Debian's ``/usr/bin/chromium``). Chromium itself starts at the first page
  that needs it, never before.
- ``ChallengeMiddleware`` sends a URL to the browser when its answer is a challenge
  ("Just a moment...", HTTP 403/503, ``cf-mitigated: challenge``), waits there until
  the real page replaced the interstitial, and hands the cookie the browser earned to
  Scrapy's cookie jar, so later plain requests pass without a browser. A story page
  whose body is empty in the raw HTML is sent to the browser once by the spider.
- The browser never leaves the crawled host: every request a page makes (scripts,
  frames, navigations) to another host is aborted (``newsbot/browser/blocked_offsite``;
  a challenge's own scripts are served from the site's host), popups are closed, and a
  page whose final URL is on another host is refused, never parsed.
- Requests only carry a JSON flag (``newsbot.keys.BROWSER``); the Playwright options are
  added at download time, so requests stay serializable for JOBDIR and the frontier.
- Without a browser the crawl goes on: each challenged URL gets one error line, a
  ``newsbot/blocked/challenge`` count and a drop record; the summary gives the total.
"""

from __future__ import annotations

import logging
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from newsbot.addons import BrowserAddon
from newsbot.keys import (
    BLOCKED_CHALLENGE,
    BROWSER,
    BROWSER_STATS,
    EMPTY_BODY_RETRY,
    count,
)
from newsbot.site.challenge import PASSED_JS, is_challenge

logger = logging.getLogger(__name__)

#: Signal (sent by the spider): the browser retry of empty bodies stopped helping; the
#: retries still queued are not sent to the browser.
browser_retry_off = object()
#: The cookies the page earned; "" on a page that has none to give (Chromium's error page).
READ_COOKIES_JS = "() => { try { return document.cookie; } catch (e) { return ''; } }"


class BrowserLeftSite(IgnoreRequest):
    """A browser page whose final URL is on another host: refused, a drop on record."""


class BrowserRetrySkipped(IgnoreRequest):
    """An empty-body retry still queued when the circuit breaker opened: not fetched."""


class ChallengeMiddleware:
    """Downloader middleware: a challenged URL goes through the browser, once."""

    def __init__(self, crawler: Crawler, ready: bool, path: str):
        self.crawler = crawler
        self.ready = ready
        self.path = path
        self.empty_body_retry_off = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChallengeMiddleware:
        addon = crawler.get_addon(BrowserAddon)
        ready = addon is not None and addon.ready
        path = addon.chromium_path if addon is not None else "no BrowserAddon in ADDONS"
        middleware = cls(crawler, ready, path)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(middleware.retry_off, signal=browser_retry_off)
        return middleware

    def retry_off(self) -> None:
        self.empty_body_retry_off = True

    def process_request(self, request: Request) -> None:
        if request.meta.get(EMPTY_BODY_RETRY) and self.empty_body_retry_off:
            count(self.crawler, BROWSER_STATS + "retry_skipped")
            raise BrowserRetrySkipped("the browser retry of empty bodies is off (circuit breaker)")
        if request.meta.get(BROWSER) and self.ready:
            from scrapy_playwright.page import PageMethod

            request.meta["playwright"] = True
            request.meta["playwright_page_init_callback"] = self.confine_page
            request.meta["playwright_page_methods"] = [
                PageMethod("wait_for_function", PASSED_JS, timeout=20_000),
                PageMethod("evaluate", READ_COOKIES_JS),
            ]

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("playwright"):
            return self._from_browser(request, response)
        if not is_challenge(response):
            return response
        if not self.ready:
            request.meta["dont_retry"] = True  # one line per URL, not one per retry
            count(self.crawler, BLOCKED_CHALLENGE)
            logger.error(
                "Blocked by a challenge, and no browser is installed (%s; see the README): %s",
                self.path,
                response.url,
            )
            return response
        count(self.crawler, BROWSER_STATS + "challenged")
        logger.info("Challenge at %s: fetching it with the browser", response.url)
        return request.replace(meta={**request.meta, BROWSER: True}, dont_filter=True)

    async def confine_page(self, page: Any, request: Request) -> None:
        """``playwright_page_init_callback``: the page loads from the request's host only.

        Registered after scrapy-playwright's own route, so it is asked first; a request
        on the host falls back to scrapy-playwright's (which drops images and fonts).
        A hostile page's scripts, frames and navigations to other hosts never leave.
        """
        home = _origin(request.url)

        async def route(route: Any) -> None:
            url = route.request.url
            if _origin(url) == home or url.startswith(("data:", "blob:", "about:")):
                await route.fallback()
                return
            count(self.crawler, BROWSER_STATS + "blocked_offsite")
            logger.debug("Browser request to another host blocked: %s (page %s)", url, home)
            # The page stays unloaded: a blocked navigation of the page itself ends on
            # Chromium's error page, which _from_browser refuses (never a hang, never
            # the other host's page).
            await route.abort("blockedbyclient")

        await page.route("**", route)
        page.on("popup", _close_popup)

    def _from_browser(self, request: Request, response: Response) -> Response:
        """The browser's answer: the real page (status 200) and its cookies, or still blocked."""
        count(self.crawler, BROWSER_STATS + "pages")
        if _origin(response.url) != _origin(request.url):
            count(self.crawler, BROWSER_STATS + "left_site")
            raise BrowserLeftSite(
                f"the page left the crawled host in the browser (it ended on {response.url})"
            )
        still_blocked = isinstance(response, TextResponse) and is_challenge(
            response.replace(headers={})
        )
        if still_blocked:
            count(self.crawler, BLOCKED_CHALLENGE)
            logger.error("The browser did not get past the challenge at %s", response.url)
            return response
        headers = response.headers.copy()
        headers.pop(b"cf-mitigated", None)
        for name, value in _cookies(request).items():
            headers.appendlist(b"Set-Cookie", f"{name}={value}; Path=/".encode())
        return response.replace(status=200, headers=headers)

    def spider_closed(self, spider: Spider) -> None:
        stats = self.crawler.stats
        blocked = stats.get_value(BLOCKED_CHALLENGE, 0) if stats else 0
        if blocked:
            logger.warning("%d pages were blocked by a challenge and not crawled", blocked)


def _origin(url: str) -> tuple[str, int | None]:
    """Host and port: what "the same host" means for the browser (scheme aside)."""
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.port


async def _close_popup(popup: Any) -> None:
    await popup.close()


def _cookies(request: Request) -> dict[str, str]:
    """The cookies the page's script set (the result of the last page method)."""
    methods = request.meta.get("playwright_page_methods") or []
    raw = getattr(methods[-1], "result", None) if methods else None
    if not isinstance(raw, str):
        return {}
    jar = SimpleCookie()
    jar.load(raw)
    return {name: morsel.value for name, morsel in jar.items()}
