"""The crawl never leaves the site: a redirect to another host is refused, on record.

Scrapy drops such a redirect quietly (a DEBUG line in its offsite middleware); here it
fails the request with a reason, so the spider's errback logs the URL and counts it.

A story URL redirected to *another story* (a merged or replaced story) is not followed
either: followed, the first story has no record at all and the second is fetched twice
(once from its own link, once through the redirect, past the frontier's dedupe). It
fails with ``RedirectedToStory``; the spider records the first as a drop naming the
second, which is fetched from its own link.
"""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from newsbot.keys import ROLE
from newsbot.site.urls import story_id


class RedirectedToStory(IgnoreRequest):
    """A story URL answered a redirect to another story (``target``)."""

    def __init__(self, target: str):
        super().__init__(f"redirected to another story ({target})")
        self.target = target


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
            if request.meta.get(ROLE) == "story":
                moved_to = story_id(target)
                if moved_to is not None and moved_to != story_id(request.url):
                    raise RedirectedToStory(target)
            return response
        raise IgnoreRequest(f"redirected to another host ({target}), not followed")
