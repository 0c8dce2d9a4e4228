"""Request fingerprints that know a story by its id.

The same story is linked under several URLs (another slug, ``http``/``https``,
``www`` or not, tracking queries). Fingerprinting story GETs by host and story id
lets Scrapy's dupefilter (and JOBDIR's ``requests.seen``) fetch each story once.

A fingerprint is asked for every link a page yields (the frontier's duplicate test),
and most links repeat: the same topic is named by hundreds of stories, each a new
``Request``, so Scrapy's own cache (per request object) never hits, and each time
``canonicalize_url`` ran again (30-40 us). A body-less GET's fingerprint depends on its
URL alone, so it is kept by URL, in a bounded dict.
"""

from __future__ import annotations

import hashlib

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.request import RequestFingerprinter

from newsbot.site.urls import bare_host, story_id

#: URLs whose fingerprint is kept (about 250 bytes each); the cache starts afresh when full.
CACHE_SIZE = 20_000


class StoryIdFingerprinter(RequestFingerprinter):
    """Scrapy's default fingerprinter, except story GETs are keyed by their id."""

    def __init__(self, crawler: Crawler | None = None):
        super().__init__(crawler)
        self._by_url: dict[str, bytes] = {}

    def fingerprint(self, request: Request) -> bytes:
        cacheable = (
            request.method == "GET" and not request.body and not request.meta.get("verbatim_url")
        )
        if not cacheable:
            return self._fingerprint_of(request)
        found = self._by_url.get(request.url)
        if found is None:
            found = self._fingerprint_of(request)
            if len(self._by_url) >= CACHE_SIZE:
                self._by_url.clear()
            self._by_url[request.url] = found
        return found

    def _fingerprint_of(self, request: Request) -> bytes:
        sid = story_id(request.url) if request.method == "GET" else None
        if sid is None or request.meta.get("verbatim_url"):
            return super().fingerprint(request)
        host = bare_host(request.url.split("/", 3)[2])
        return hashlib.sha1(f"story:{host}:{sid}".encode()).digest()  # noqa: S324
