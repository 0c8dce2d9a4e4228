"""robots.txt obeyed for every request, not only the first one that waited for it.

Scrapy 2.19's ``RobotsTxtMiddleware`` keeps one ``Deferred`` per host while robots.txt
downloads, and every request that arrives meanwhile awaits it. Awaiting a Deferred
consumes its result: the first waiter gets the parser, the others get ``None``, which
the middleware reads as "no robots.txt, everything allowed". So with ``Disallow: /``,
the start URLs scheduled together with the first one were fetched anyway (3 of 5 in
our trial). Upstream: scrapy/scrapy PR #6802. This subclass, in Scrapy's place in
``DOWNLOADER_MIDDLEWARES``, reads the parser the middleware stored for the host when a
waiter was handed ``None``; drop it once the fixed Scrapy is pinned.

A forbidden URL also gets a warning naming it and ``newsbot/robots/forbidden``
(Scrapy logs it at DEBUG only): a crawl that robots.txt stops says so.
"""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)


class RobotsFailureLine(logging.Filter):
    """Scrapy's line for a robots.txt that could not be fetched, as one line naming it.

    Why: Scrapy logs it as ``Error downloading <the page that waited>`` with a traceback,
    beside the spider's own ``Failed <page>`` line: two lines (and a traceback) for one
    problem, naming a page that is not the one that failed. The record is rewritten, not
    dropped: the failure stays on record, once, at ERROR.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.msg == "Error downloading %(request)s: %(f_exception)s" and isinstance(
            args, dict
        ):
            request = args.get("request")
            url = urlparse_cached(request) if isinstance(request, Request) else None
            robots = f"{url.scheme}://{url.netloc}/robots.txt" if url else "robots.txt"
            record.msg = "Could not fetch %(robots)s (%(reason)s): crawling as if it allowed all"
            record.args = {"robots": robots, "reason": args.get("f_exception")}
            record.exc_info = record.exc_text = None
        return True


_SCRAPY_ROBOTS_LOGGER = logging.getLogger(RobotsTxtMiddleware.__module__)
if not any(isinstance(f, RobotsFailureLine) for f in _SCRAPY_ROBOTS_LOGGER.filters):
    _SCRAPY_ROBOTS_LOGGER.addFilter(RobotsFailureLine())


class ForbiddenByRobots(IgnoreRequest):
    """A request robots.txt forbids (logged here; the spider's errback stays quiet)."""


class SafeRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's middleware, without the race that lets concurrent first requests through."""

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        if parser is None:
            # A waiter on the shared Deferred gets None whatever robots.txt said
            # (scrapy/scrapy#6802); what the middleware stored for the host is the truth.
            stored = self._parsers.get(urlparse_cached(request).netloc)
            if not isinstance(stored, Deferred):
                parser = stored
        return parser

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            self._stats.inc_value("newsbot/robots/forbidden")
            logger.warning("Forbidden by robots.txt, not fetched: %s", request.url)
            raise ForbiddenByRobots("Forbidden by robots.txt") from None
