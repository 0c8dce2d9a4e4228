"""429 Too Many Requests: wait as long as the server asks (``Retry-After``), then retry.

Scrapy's RetryMiddleware retries a 429 at once, which a rate-limiting server answers
with another 429. Here the response's request waits ``Retry-After`` seconds (capped at
``NEWSBOT_RETRY_AFTER_MAX``) before it is retried, at most ``RETRY_TIMES`` times; other
requests go on meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from newsbot.config import NewsbotConfig
from newsbot.keys import RATE_LIMIT_WAITS, RATE_LIMITED, count

logger = logging.getLogger(__name__)


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler, max_wait: float, max_times: int):
        self.crawler = crawler
        self.max_wait = max_wait
        self.max_times = max_times

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(
            crawler,
            NewsbotConfig.from_crawler(crawler).retry_after_max,
            crawler.settings.getint("RETRY_TIMES"),
        )

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status != 429:
            return response
        waits = request.meta.get(RATE_LIMIT_WAITS, 0)
        if waits >= self.max_times:
            logger.warning(
                "Still rate limited (429) after %d waits, giving up: %s", waits, request.url
            )
            return response
        delay = min(_retry_after(response), self.max_wait)
        count(self.crawler, RATE_LIMITED)
        logger.info("Rate limited (429) at %s: retrying in %.0f s", request.url, delay)
        await asyncio.sleep(delay)
        return request.replace(meta={**request.meta, RATE_LIMIT_WAITS: waits + 1}, dont_filter=True)


def _retry_after(response: Response) -> float:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date); 5 when absent."""
    value = (response.headers.get(b"Retry-After") or b"").decode("latin-1").strip()
    if value.isascii() and value.isdigit():  # "\xb2" decodes to "²", a digit to isdigit
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 5.0
    if when.tzinfo is None:  # "-0000": UTC, said without naming the sender's own zone
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
