"""A real browser (scrapy-playwright, headless Chromium) exactly where plain HTTP fails.

- ``BrowserAddon`` wires scrapy-playwright in only when Chromium is installed (the
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
- Requests only carry a JSON flag (``newsbot_browser``); the Playwright options are
  added at download time, so requests stay serializable for JOBDIR and the frontier.
- Without a browser the crawl goes on: each challenged URL gets one error line, a
  ``newsbot/blocked/challenge`` count and a drop record; the summary gives the total.
"""

from __future__ import annotations

import logging
import os
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings

from newsbot.site.pages.story import is_challenge

logger = logging.getLogger(__name__)

BROWSER_FLAG = "newsbot_browser"
#: Request meta: a story page sent to the browser because its raw HTML had no body.
EMPTY_BODY_RETRY = "newsbot_empty_body_retry"
#: Signal (sent by the spider): the browser retry of empty bodies stopped helping; the
#: retries still queued are not sent to the browser.
browser_retry_off = object()
DEFAULT_CHROMIUM = "/usr/bin/chromium"
#: Chromium flags for a closed network and a container (see the README).
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
#: What a page needs to become the real story: not these.
ABORTED_RESOURCES = frozenset({"image", "font", "media"})
#: True once the interstitial was replaced by the page it guarded.
PASSED_JS = "() => !/just a moment|attention required|checking your browser/i.test(document.title)"
#: The cookies the page earned; "" on a page that has none to give (Chromium's error page).
READ_COOKIES_JS = "() => { try { return document.cookie; } catch (e) { return ''; } }"
PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"


def chromium_path(settings: BaseSettings) -> str:
    return (
        settings.get("NEWSBOT_CHROMIUM_PATH")
        or os.environ.get("NEWSBOT_CHROMIUM_PATH")
        or DEFAULT_CHROMIUM
    )


def should_abort_request(request: Any) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: no images, fonts or media in the browser."""
    return request.resource_type in ABORTED_RESOURCES


class BrowserLeftSite(IgnoreRequest):
    """A browser page whose final URL is on another host: refused, a drop on record."""


class BrowserRetrySkipped(IgnoreRequest):
    """An empty-body retry still queued when the circuit breaker opened: not fetched."""


class BrowserAddon:
    """Use scrapy-playwright for browser requests when Chromium is installed."""

    def update_settings(self, settings: BaseSettings) -> None:
        path = chromium_path(settings)
        ready = settings.getbool("NEWSBOT_BROWSER_ENABLED", True) and os.access(path, os.X_OK)
        settings.set("NEWSBOT_BROWSER_READY", ready, priority="addon")
        if not ready:
            return
        handlers = settings.getdict("DOWNLOAD_HANDLERS")
        handlers.update({"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER})
        settings.set("DOWNLOAD_HANDLERS", handlers, priority="addon")
        args = [*CHROMIUM_ARGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
        launch = {"executable_path": path, "headless": True, "args": args}
        defaults = {
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": launch,
            "PLAYWRIGHT_ABORT_REQUEST": f"{__name__}.should_abort_request",
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
        }
        for key, value in defaults.items():
            if settings.getpriority(key) in (None, 0):  # the user's own values win
                settings.set(key, value, priority="addon")


class ChallengeMiddleware:
    """Downloader middleware: a challenged URL goes through the browser, once."""

    def __init__(self, crawler: Crawler, ready: bool, path: str):
        self.crawler = crawler
        self.ready = ready
        self.path = path
        self.empty_body_retry_off = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChallengeMiddleware:
        settings = crawler.settings
        middleware = cls(
            crawler, settings.getbool("NEWSBOT_BROWSER_READY"), chromium_path(settings)
        )
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(middleware.retry_off, signal=browser_retry_off)
        return middleware

    def retry_off(self) -> None:
        self.empty_body_retry_off = True

    def process_request(self, request: Request) -> None:
        if request.meta.get(EMPTY_BODY_RETRY) and self.empty_body_retry_off:
            self._inc("newsbot/browser/retry_skipped")
            raise BrowserRetrySkipped("the browser retry of empty bodies is off (circuit breaker)")
        if request.meta.get(BROWSER_FLAG) and self.ready:
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
            self._inc("newsbot/blocked/challenge")
            logger.error(
                "Blocked by a challenge, and no browser is installed (%s; see the README): %s",
                self.path,
                response.url,
            )
            return response
        self._inc("newsbot/browser/challenged")
        logger.info("Challenge at %s: fetching it with the browser", response.url)
        return request.replace(meta={**request.meta, BROWSER_FLAG: True}, dont_filter=True)

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
            self._inc("newsbot/browser/blocked_offsite")
            logger.debug("Browser request to another host blocked: %s (page %s)", url, home)
            # The page stays unloaded: a blocked navigation of the page itself ends on
            # Chromium's error page, which _from_browser refuses (never a hang, never
            # the other host's page).
            await route.abort("blockedbyclient")

        await page.route("**", route)
        page.on("popup", _close_popup)

    def _from_browser(self, request: Request, response: Response) -> Response:
        """The browser's answer: the real page (status 200) and its cookies, or still blocked."""
        self._inc("newsbot/browser/pages")
        if _origin(response.url) != _origin(request.url):
            self._inc("newsbot/browser/left_site")
            raise BrowserLeftSite(
                f"the page left the crawled host in the browser (it ended on {response.url})"
            )
        still_blocked = isinstance(response, TextResponse) and is_challenge(
            response.replace(headers={})
        )
        if still_blocked:
            self._inc("newsbot/blocked/challenge")
            logger.error("The browser did not get past the challenge at %s", response.url)
            return response
        headers = response.headers.copy()
        headers.pop(b"cf-mitigated", None)
        for name, value in _cookies(request).items():
            headers.appendlist(b"Set-Cookie", f"{name}={value}; Path=/".encode())
        return response.replace(status=200, headers=headers)

    def spider_closed(self, spider: Spider) -> None:
        stats = self.crawler.stats
        blocked = stats.get_value("newsbot/blocked/challenge", 0) if stats else 0
        if blocked:
            logger.warning("%d pages were blocked by a challenge and not crawled", blocked)

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)


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
