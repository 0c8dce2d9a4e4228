"""Request fingerprints that know a story by its id.

The same story is linked under several URLs (another slug, ``http``/``https``,
``www`` or not, tracking queries). Fingerprinting story GETs by host and story id
lets Scrapy's dupefilter (and JOBDIR's ``requests.seen``) fetch each story once.
"""

from __future__ import annotations

import hashlib

from scrapy import Request
from scrapy.utils.request import RequestFingerprinter

from newsbot.site.urls import bare_host, story_id


class StoryIdFingerprinter(RequestFingerprinter):
    """Scrapy's default fingerprinter, except story GETs are keyed by their id."""

    def fingerprint(self, request: Request) -> bytes:
        sid = story_id(request.url) if request.method == "GET" else None
        if sid is None or request.meta.get("verbatim_url"):
            return super().fingerprint(request)
        host = bare_host(request.url.split("/", 3)[2])
        return hashlib.sha1(f"story:{host}:{sid}".encode()).digest()  # noqa: S324
