"""Scrapy add-ons of the project (enabled in ``ADDONS``)."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from newsbot import __version__
from newsbot.config import NewsbotConfig, project_path

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
        priority = max(settings.getpriority("FEEDS") or 0, SETTINGS_PRIORITIES["addon"])
        settings.set("FEEDS", feeds, priority=priority)


def default_feed(settings: BaseSettings) -> Path | None:
    """The default feed's absolute path (its key in ``FEEDS``), or None when it is off."""
    path = settings.get("NEWSBOT_FEED")
    return project_path(path) if path else None


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
        contact = NewsbotConfig.from_settings(self.crawler.settings).contact
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
