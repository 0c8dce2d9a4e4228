"""Scrapy add-ons of the project (enabled in ``ADDONS``)."""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from newsbot.config import project_path

#: Options of the default feed: JSON Lines, UTF-8 as text, appended, never empty.
DEFAULT_FEED_OPTIONS = {
    "format": "jsonlines",
    "encoding": "utf8",
    "overwrite": False,
    "store_empty": False,
}


class DefaultFeed:
    """Always write ``NEWSBOT_FEED`` (``output/urdupoint.jsonl``), beside any other feed.

    Other feeds (``-o``/``-O``, Scrapyd's ``items_dir``) are added to it, as Scrapy adds
    them to a project's ``FEEDS``. The default feed is the crawl's record: the state
    store reconciles with it after a crash. ``-s NEWSBOT_FEED=`` turns it off. A relative
    path is taken from the project root (``newsbot.config.project_path``).
    """

    def update_settings(self, settings: BaseSettings) -> None:
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
