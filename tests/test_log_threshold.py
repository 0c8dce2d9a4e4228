"""LogThreshold with two crawls in one process (CrawlerProcess): the loggers are the
process's, so each engine start or stop recomputes their levels from the handlers then
installed (a first crawl at ERROR once left Scrapy's logger at ERROR for a second crawl at
WARNING, whose warnings went nowhere: found by an adversarial review).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from newsbot.extensions.loglevel import LogThreshold


class Recorder(logging.Handler):
    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def clean_root() -> Iterator[None]:
    """Only this test's handlers (pytest's own capture handler, at NOTSET, would mask it)."""
    saved_level, saved_handlers = logging.root.level, list(logging.root.handlers)
    for handler in saved_handlers:
        logging.root.removeHandler(handler)
    logging.root.setLevel(logging.NOTSET)
    try:
        yield
    finally:
        for handler in list(logging.root.handlers):
            logging.root.removeHandler(handler)
        for handler in saved_handlers:
            logging.root.addHandler(handler)
        logging.root.setLevel(saved_level)


def test_a_second_crawl_sees_its_warnings_while_the_first_runs() -> None:
    with clean_root():
        _two_crawls()


def _two_crawls() -> None:
    scrapy_logger = logging.getLogger("scrapy")
    saved_scrapy_level = scrapy_logger.level
    scrapy_logger.setLevel(logging.DEBUG)  # configure_logging does this, once per process
    first_handler = Recorder(logging.ERROR)  # crawl A: LOG_LEVEL=ERROR
    logging.root.addHandler(first_handler)
    first = LogThreshold()
    first.engine_started()
    # crawl B (LOG_LEVEL=WARNING) starts: Scrapy swaps the root handler for one at
    # WARNING and sets the root logger to NOTSET (install_scrapy_root_handler)
    logging.root.removeHandler(first_handler)
    logging.root.setLevel(logging.NOTSET)
    second_handler = Recorder(logging.WARNING)
    logging.root.addHandler(second_handler)
    second = LogThreshold()
    second.engine_started()
    logging.getLogger("newsbot.adversarial").warning("a story was dropped")
    logging.getLogger("scrapy.core.scraper").warning("Dropped: a story")
    try:
        assert [r.getMessage() for r in second_handler.records] == [
            "a story was dropped",
            "Dropped: a story",
        ], (
            "crawl B's WARNING from Scrapy was discarded: the 'scrapy' logger is still at "
            "ERROR, where crawl A's LogThreshold raised it"
        )
    finally:
        first.engine_stopped()
        second.engine_stopped()
        scrapy_logger.setLevel(saved_scrapy_level)
