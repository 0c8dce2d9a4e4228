"""Scrapy add-ons of the project (enabled in ``ADDONS``): the wiring that depends on settings.

- ``DefaultFeed``: always write ``NEWSBOT_FEED``, beside any other feed.
- ``Identity``: the User-Agent names the operator's contact (``NEWSBOT_CONTACT``).
- ``BrowserAddon``: scrapy-playwright for challenged pages, when Chromium is installed.
- ``RedisAddon``: several processes on one crawl, when ``NEWSBOT_REDIS_URL`` is set.

An add-on changes Scrapy's settings (feeds, handlers, scheduler, components) and never
writes a ``NEWSBOT_*`` one: those are the user's, read by ``newsbot.config``. A
decision other components need (is the browser ready?) is kept on the add-on, which
they ask for with ``crawler.get_addon(...)``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from newsbot import __version__
from newsbot.config import REDIS_STATE_STORE, NewsbotConfig

logger = logging.getLogger(__name__)

#: The site this project is for: crawling it needs the operator's contact.
REAL_SITE = "urdupoint.com"

#: Options of the default feed: JSON Lines, UTF-8 as text, appended, never empty.
DEFAULT_FEED_OPTIONS = {
    "format": "jsonlines",
    "encoding": "utf8",
    "overwrite": False,
    "store_empty": False,
}
#: Every local feed (the default one, ``-o``/``-O``, Scrapyd's ``items_dir``) goes through
#: the project's storage: a feed that cannot be opened or written stops the crawl.
GUARDED_STORAGE = "newsbot.feeds.GuardedFeedStorage"

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
PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"

FRONTIER_MIDDLEWARE = "newsbot.spidermiddlewares.frontier.FrontierMiddleware"


def _set_at_least_addon(settings: BaseSettings, name: str, value: Any) -> None:
    """Set ``name`` at the add-on priority, or at the priority it already has if higher."""
    priority = max(SETTINGS_PRIORITIES["addon"], settings.getpriority(name) or 0)
    settings.set(name, value, priority=priority)


class DefaultFeed:
    """Always write ``NEWSBOT_FEED`` (``output/urdupoint.jsonl``), beside any other feed.

    Other feeds (``-o``/``-O``, Scrapyd's ``items_dir``) are added to it, as Scrapy adds
    them to a project's ``FEEDS``. The default feed is the crawl's record: the state
    store reconciles with it after a crash. ``-s NEWSBOT_FEED=`` turns it off. A relative
    path is taken from the project root (``newsbot.config.project_path``).

    Every local feed is written by ``newsbot.feeds.GuardedFeedStorage`` (unless
    ``FEED_STORAGES`` names another storage for plain paths).
    """

    def update_settings(self, settings: BaseSettings) -> None:
        storages = settings.getdict("FEED_STORAGES")
        for scheme in ("", "file"):
            storages.setdefault(scheme, GUARDED_STORAGE)
        priority = max(settings.getpriority("FEED_STORAGES") or 0, SETTINGS_PRIORITIES["addon"])
        settings.set("FEED_STORAGES", storages, priority=priority)
        path = default_feed(settings)
        if path is None:
            return
        feeds = settings.getdict("FEEDS")
        feeds.setdefault(str(path), dict(DEFAULT_FEED_OPTIONS))
        _set_at_least_addon(settings, "FEEDS", feeds)


class Identity:
    """Say who crawls: ``USER_AGENT`` is ``newsbot/<version> (+<NEWSBOT_CONTACT>)``.

    A site's operators can only reach the one running the crawler through the
    User-Agent, so it names the operator's contact (an e-mail or URL), not the
    project's authors. Set at the add-on's priority: a ``USER_AGENT`` given anywhere
    else (``-s``, a spider, ``settings.py``) wins. Crawling the real site without a
    contact logs one warning when the spider opens; the sample site needs none.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Identity:
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        contact = NewsbotConfig.from_settings(settings).contact
        settings.set("USER_AGENT", user_agent(contact), priority="addon")

    def spider_opened(self, spider: Spider) -> None:
        contact = NewsbotConfig.from_crawler(self.crawler).contact
        # allowed_domains is Scrapy's own attribute: the host the spider crawls.
        domains = getattr(spider, "allowed_domains", None) or []
        if contact is None and any(_is_real_site(domain) for domain in domains):
            logger.warning(
                "NEWSBOT_CONTACT is not set: the site's operators cannot tell who crawls "
                "them (User-Agent %r). Set it to your e-mail or URL: -s NEWSBOT_CONTACT=...",
                self.crawler.settings.get("USER_AGENT"),
            )


def user_agent(contact: str | None) -> str:
    """``newsbot/0.1.0 (+mailto:you@example.org)``; without a contact, ``newsbot/0.1.0``."""
    return f"newsbot/{__version__} (+{contact})" if contact else f"newsbot/{__version__}"


def _is_real_site(domain: str) -> bool:
    return domain == REAL_SITE or domain.endswith("." + REAL_SITE)


def default_feed(settings: BaseSettings) -> Path | None:
    """The default feed's absolute path (its key in ``FEEDS``), or None when it is off."""
    return NewsbotConfig.from_settings(settings).feed_path


def should_abort_request(request: Any) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: no images, fonts or media in the browser."""
    return request.resource_type in ABORTED_RESOURCES


class BrowserAddon:
    """Use scrapy-playwright for browser requests when Chromium is installed.

    Whether it is (``ready``) is decided here, once, when the settings are applied; the
    ``ChallengeMiddleware`` and the spider ask this add-on (``crawler.get_addon``), so
    the three never disagree. Chromium itself starts at the first page that needs it.
    """

    def __init__(self) -> None:
        self.ready = False
        self.chromium_path = ""

    def update_settings(self, settings: BaseSettings) -> None:
        config = NewsbotConfig.from_settings(settings)
        self.chromium_path = config.chromium_path
        self.ready = config.browser_enabled and os.access(config.chromium_path, os.X_OK)
        if not self.ready:
            return
        handlers = settings.getdict("DOWNLOAD_HANDLERS")
        handlers.update({"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER})
        settings.set("DOWNLOAD_HANDLERS", handlers, priority="addon")
        args = [*CHROMIUM_ARGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
        launch = {"executable_path": config.chromium_path, "headless": True, "args": args}
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


class RedisAddon:
    """With ``NEWSBOT_REDIS_URL`` set, switch the crawl to the shared Redis components.

    scrapy-redis's scheduler and dupefilter (``newsbot.scaleout``), the ``Crew``
    extension, and no SQLite frontier: the Redis queue is the crawl's frontier. The
    frontier middleware is taken out of ``SPIDER_MIDDLEWARES`` rather than told to
    disable itself, so no "Disabled" warning names a setting the user never set.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        config = NewsbotConfig.from_settings(settings)
        if not config.redis_url:
            return
        prefix = config.redis_prefix
        if settings.get("SCHEDULER_PERSIST") is not None and not settings.getbool(
            "SCHEDULER_PERSIST"
        ):
            logger.warning(
                "SCHEDULER_PERSIST=False ignored: a worker that stops would wipe the queue "
                "and dupefilter the other workers share (rounds end by themselves here)"
            )
        for name, value in {
            "REDIS_URL": config.redis_url,
            "SCHEDULER": "newsbot.scaleout.scheduler.SharedScheduler",
            "DUPEFILTER_CLASS": "newsbot.scaleout.dupefilter.StoryDupeFilter",
            "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_PERSIST": True,  # never let one worker flush the shared queue
            "SCHEDULER_FLUSH_ON_START": False,
            "NEWSBOT_STATE_STORE": REDIS_STATE_STORE,  # the workers share one state
        }.items():
            _set_at_least_addon(settings, name, value)
        middlewares = settings.getdict("SPIDER_MIDDLEWARES")
        middlewares[FRONTIER_MIDDLEWARE] = None  # the Redis queue is the frontier
        _set_at_least_addon(settings, "SPIDER_MIDDLEWARES", middlewares)
        extensions = settings.getdict("EXTENSIONS")
        extensions.setdefault("newsbot.scaleout.crew.Crew", 400)
        _set_at_least_addon(settings, "EXTENSIONS", extensions)
