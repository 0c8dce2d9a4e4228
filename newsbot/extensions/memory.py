"""Memory back to the system after big pages, so RSS stays flat with pages near DOWNLOAD_MAXSIZE.

A story page of 4.9 MB becomes, for a moment, its body, its decoded text, an lxml tree
of a hundred thousand nodes and, at release, a list of half a million words. Two things
kept that memory after the page was done (measured: a crawl of 40 such pages stood at
600-800 MB RSS): the response, its selector and its tree form a reference cycle, freed
only when Python's full collection happens to run; and glibc's allocator keeps freed
heap pages, fragmented between live objects, instead of returning them. So, once a page
or a story at least ``DOWNLOAD_WARNSIZE`` large is done (the next page arrived, the
crawl is idle, the story left the pipelines), this extension runs ``gc.collect()`` and
``malloc_trim(0)`` (``newsbot/memory/trims``; some ms each). On a crawl of ordinary
pages it never runs; where there is no glibc it is off. See also ``CONCURRENT_ITEMS``
and ``MEMUSAGE_CHECK_INTERVAL_SECONDS`` in ``settings.py``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
        return trim
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return None


class MemoryTrim:
    """Extension: give freed heap memory back to the system after big pages."""

    def __init__(self, crawler: Crawler, threshold: int, trim: Callable[[int], int]):
        self.crawler = crawler
        self.threshold = threshold
        self.trim = trim
        self.big_page_pending = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MemoryTrim:
        trim = _malloc_trim()
        if trim is None:
            raise NotConfigured("malloc_trim is not available (not glibc)")
        threshold = crawler.settings.getint("DOWNLOAD_WARNSIZE") or 1024 * 1024
        extension = cls(crawler, threshold, trim)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.item_done, signal=signals.item_scraped)
        crawler.signals.connect(extension.item_done, signal=signals.item_dropped)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        return extension

    def response_received(self, response: Response) -> None:
        """A big page was parsed since the last answer came in: its memory is free now."""
        if self.big_page_pending:
            self._trim()
        if len(response.body) >= self.threshold:
            self.big_page_pending = True

    def item_done(self, item: Any) -> None:
        """A big story went through the pipelines (the release runs without a pause)."""
        body = getattr(item, "body", None)
        if isinstance(body, str) and len(body) >= self.threshold // 2:
            self._trim()

    def spider_idle(self, spider: Spider) -> None:
        if self.big_page_pending:
            self._trim()

    def _trim(self) -> None:
        self.big_page_pending = False
        gc.collect()  # the page's response, selector and lxml tree are a cycle: only gc frees them
        self.trim(0)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("newsbot/memory/trims")
