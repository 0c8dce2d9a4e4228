"""Every failed download gets a reason a person can act on.

Scrapy's exceptions for two common failures carry no message: a connection reset in the
middle of a body (``ResponseDataLossError()``) and a chunked body that grew past
``DOWNLOAD_MAXSIZE`` (a cancelled download), so the spider's ``Failed <url>: `` line
ended empty. This middleware counts the body bytes each request received (the
``bytes_received`` signal) and, when the download fails for good, writes the reason
into the request's meta (``newsbot_failure``): ``connection reset after 12 kB``,
``body larger than DOWNLOAD_MAXSIZE (5 MB)``. The spider's errback logs it. It sits
first in ``DOWNLOADER_MIDDLEWARES`` (lowest order), so it sees an exception only after
the retry middleware has given up on it.
"""

from __future__ import annotations

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, DownloadFailedError, ResponseDataLossError
from twisted.internet.defer import CancelledError
from twisted.internet.error import ConnectionAborted, ConnectionDone, ConnectionLost
from twisted.web._newclient import ResponseFailed, _DataLoss  # type: ignore[attr-defined]

from newsbot.keys import BYTES_RECEIVED, FAILURE_REASON

_RESETS = (ConnectionLost, ConnectionDone, ConnectionAborted, _DataLoss, ResponseDataLossError)


class FailureReasonMiddleware:
    """Downloader middleware: the reason a download failed, in plain words, in its meta."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureReasonMiddleware:
        middleware = cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def process_request(self, request: Request) -> None:
        request.meta[BYTES_RECEIVED] = 0  # a retry starts over

    def bytes_received(self, data: bytes, request: Request) -> None:
        request.meta[BYTES_RECEIVED] = request.meta.get(BYTES_RECEIVED, 0) + len(data)

    def process_exception(self, request: Request, exception: Exception) -> None:
        maxsize = request.meta.get("download_maxsize", self.maxsize)
        reason = failure_reason(exception, request.meta.get(BYTES_RECEIVED, 0), maxsize)
        request.meta[FAILURE_REASON] = reason
        # None: the exception goes on to the errback unchanged (its type is the stats key).


def failure_reason(exception: BaseException, received: int, maxsize: int) -> str:
    """Why a download failed, for a log line: never empty."""
    if _is_oversize(exception, received, maxsize):
        return f"body larger than DOWNLOAD_MAXSIZE ({_size(maxsize)})"
    if _is_reset(exception):
        if received:
            return f"connection reset after {_size(received)}"
        return "connection reset before the page arrived"
    return str(exception).strip() or type(exception).__name__


def _is_oversize(exception: BaseException, received: int, maxsize: int) -> bool:
    if not isinstance(exception, (DownloadCancelledError, CancelledError)):
        return False
    return bool(maxsize and received > maxsize) or "larger than download max size" in str(exception)


def _is_reset(exception: BaseException) -> bool:
    """A connection closed under the download, however Twisted and Scrapy wrapped it."""
    seen: set[int] = set()
    pending: list[BaseException] = [exception]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _RESETS):
            return True
        if isinstance(current, ResponseFailed):
            pending += [reason.value for reason in current.reasons]
        if current.__cause__ is not None:
            pending.append(current.__cause__)
        if isinstance(current, DownloadFailedError) and current.__context__ is not None:
            pending.append(current.__context__)
    return False


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.3g} MB"
    if count >= 1024:
        return f"{count / 1024:.0f} kB"
    return f"{count} bytes"
