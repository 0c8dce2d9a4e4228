"""The crawl never leaves the site: a redirect to another host is refused, on record.

Scrapy drops such a redirect quietly (a DEBUG line in its offsite middleware); here it
fails the request with a reason, so the spider's errback logs the URL and counts it.

A story URL redirected to *another story* (a merged or replaced story) is not followed
either: followed, the first story has no record at all and the second is fetched twice
(once from its own link, once through the redirect, past the frontier's dedupe). It
fails with ``RedirectedToStory``; the spider records the first as a drop naming the
second, which is fetched from its own link.

A story URL redirected to a page of the site that is *no story* (the home page, its
section: what sites answer for a removed story, or for one they cannot serve just now)
is not followed either: followed, the page it became was parsed as the story and dropped
under its own URL, the story itself had no record, and every run asked for it again, two
requests each time. It fails with ``RedirectedAway``: one warning naming both URLs, a
counter, and the next run asks again (one request), whatever the status: a 301 says
"for good", but a site's hiccup (a database down, a maintenance page) answers so for an
hour too, and a story taken as removed on one answer was lost for good. It is asked only
while a listing or the feed still links it.
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


class RedirectedAway(IgnoreRequest):
    """A story URL answered a redirect to a page of the site that is no story."""

    def __init__(self, target: str):
        super().__init__(f"redirected to a page that is no story ({target})")
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
        target = location.decode("latin-1")
        try:
            target = urljoin(request.url, target)
            # the scheme's own port written out (":443") is this site too, as to a browser
            owned = site.owns(target) or site.normalize(target) is not None
        except ValueError:  # "http://[bad": no URL (urljoin raised out of here before)
            raise IgnoreRequest(f"redirected to no URL ({target[:200]!r}), not followed") from None
        if owned:
            if request.meta.get(ROLE) == "story":
                moved_to = story_id(target)
                if moved_to is None:
                    raise RedirectedAway(target)
                if moved_to != story_id(request.url):
                    raise RedirectedToStory(target)
            return response
        raise IgnoreRequest(f"redirected to another host ({target}), not followed")
