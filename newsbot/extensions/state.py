"""The crawl's one state store, owned by one extension.

Every component that needs the crawler's memory (the spider middlewares, the dedupe and
boilerplate pipelines, the drops record, the scale-out crew) asks ``state_store(crawler)``
for it, and gets the same store: the one this extension opened, of the class named by
``NEWSBOT_STATE_STORE`` (as Scrapy picks ``HTTPCACHE_STORAGE``). It is closed once, at
``engine_stopped``: after ``spider_closed``, when the feed exporters have closed their
files, so a release is settled only once its stories are on disk.

Extensions are built before the engine's middlewares and pipelines, so those can call
``state_store`` in ``from_crawler``; another extension calls it once the extensions are
built (at ``spider_opened``).
"""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler, load_object

from newsbot.config import NewsbotConfig
from newsbot.state.base import StateStore


class StateExtension:
    """Extension: opens the crawl's ``StateStore`` when built, closes it when the engine stops."""

    def __init__(self, store: StateStore):
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StateExtension:
        path = NewsbotConfig.from_crawler(crawler).state_store
        store = build_from_crawler(load_object(path), crawler)
        if not isinstance(store, StateStore):
            raise TypeError(f"NEWSBOT_STATE_STORE {path} does not implement StateStore")
        extension = cls(store)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        self.store.close()


def state_store(crawler: Crawler) -> StateStore:
    """The crawl's store, from its ``StateExtension`` (which must be enabled)."""
    extension = crawler.get_extension(StateExtension)
    if extension is None:
        raise RuntimeError(
            "newsbot.extensions.state.StateExtension is not in EXTENSIONS: "
            "the crawl has no state store"
        )
    return extension.store
