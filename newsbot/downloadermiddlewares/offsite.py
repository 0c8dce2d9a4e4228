"""The crawl never leaves the site: a redirect to another host is refused, on record.

Scrapy drops such a redirect quietly (a DEBUG line in its offsite middleware); here it
fails the request with a reason, so the spider's errback logs the URL and counts it.
"""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response


class OffsiteRedirectMiddleware:
    """Downloader middleware, before RedirectMiddleware: no redirect off the site."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffsiteRedirectMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        site = getattr(self.crawler.spider, "site", None)
        if not (300 <= response.status < 400 and location and site):
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        if site.owns(target):
            return response
        raise IgnoreRequest(f"redirected to another host ({target}), not followed")
