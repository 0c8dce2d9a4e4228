"""No LogRecord is built for a line that no handler would print.

Scrapy puts ``LOG_LEVEL`` on its handler, not on the loggers: it sets the root logger to
``NOTSET``, so every ``logger.debug`` passes the logger's own test and builds a
``LogRecord`` (a caller look-up through the stack, a dict of attributes), which the
handler then throws away. A crawl at ``INFO`` built five or six such records a response
(``Crawled (200)``, ``Scraped from``, the frontier's duplicates, the known stories
skipped), about 5% of its CPU, for lines nobody read.

So, once the crawl is running (every handler installed: Scrapy's, ``LogCount``'s, a test's
``caplog``), this extension raises the root logger, and any logger set below it (Scrapy
sets ``scrapy`` to ``DEBUG``), to the lowest level any handler prints. Nothing that a
handler would print is lost: a record below every handler's level is printed nowhere,
whatever the loggers' levels; a handler at ``NOTSET`` (``caplog``) or ``LOG_LEVEL=DEBUG``
leaves everything as it was. The levels are restored when the engine stops.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler


def lowest_printed_level() -> int | None:
    """The lowest level a handler reached through the root logger prints (None: no handler).

    The handlers of every logger count, not only the root's: a record stopped at the root
    would never reach a child logger's handler either. A ``NullHandler`` (the one libraries
    add so as not to print anything themselves) prints nothing, so it does not count.
    """
    handlers = list(logging.root.handlers)
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            handlers.extend(logger.handlers)
    levels = [h.level for h in handlers if not isinstance(h, logging.NullHandler)]
    return min(levels) if levels else None


#: The crawls of this process whose engine runs, and the levels the loggers had before
#: the first of them raised any: one record for the process, since the loggers are too.
_running: list[LogThreshold] = []
_saved: dict[logging.Logger, int] = {}


def _raise_to_handlers() -> None:
    """Put every logger back as it was, then raise it to the handlers' lowest level now."""
    for logger, level in _saved.items():
        logger.setLevel(level)
    _saved.clear()
    threshold = lowest_printed_level()
    if threshold is None:
        return
    for found in [logging.root, *logging.root.manager.loggerDict.values()]:
        if not isinstance(found, logging.Logger):
            continue  # a placeholder: its children's level is their own
        logger = found
        if logger is logging.root or logger.level != logging.NOTSET:
            if logger.level < threshold:
                _saved[logger] = logger.level
                logger.setLevel(threshold)


class LogThreshold:
    """Extension: the root logger at the lowest level a handler prints, while the engine runs.

    Several crawls in one process (``CrawlerProcess``) share the loggers: each start or
    stop recomputes the level from the handlers then installed, and the last stop puts
    the loggers back as they were.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LogThreshold:
        extension = cls()
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        """Every handler is in place by now (``LogCount`` adds its own at ``spider_opened``)."""
        _running.append(self)
        _raise_to_handlers()

    def engine_stopped(self) -> None:
        if self in _running:
            _running.remove(self)
        if _running:
            _raise_to_handlers()
            return
        for logger, level in _saved.items():
            logger.setLevel(level)
        _saved.clear()
