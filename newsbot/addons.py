"""Scrapy add-ons of the project (enabled in ``ADDONS``)."""

from __future__ import annotations

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

#: Options of the default feed: JSON Lines, UTF-8 as text, appended, never empty.
DEFAULT_FEED_OPTIONS = {
    "format": "jsonlines",
    "encoding": "utf8",
    "overwrite": False,
    "store_empty": False,
}


class DefaultFeed:
    """Write ``NEWSBOT_FEED`` (``output/urdupoint.jsonl``) unless a feed was asked for.

    Scrapy merges ``-o``/``-O`` with a ``FEEDS`` dict from ``settings.py``, so a
    project-level ``FEEDS`` would be written even by ``-O other.jsonl``. Adding the
    default feed here, only when nothing on the command line set ``FEEDS``, makes
    ``-o`` and ``-O`` behave as users expect: their file, and only theirs.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        priority = settings.getpriority("FEEDS") or 0
        if priority >= SETTINGS_PRIORITIES["cmdline"] or settings.getdict("FEEDS"):
            return
        path = settings.get("NEWSBOT_FEED")
        if path:
            settings.set("FEEDS", {path: dict(DEFAULT_FEED_OPTIONS)}, priority="addon")
