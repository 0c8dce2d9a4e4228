"""The shared request dupefilter of a scale-out crawl (``DUPEFILTER_CLASS`` in Redis mode)."""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy_redis.dupefilter import RFPDupeFilter


class StoryDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared dupefilter, with the project's request fingerprints.

    scrapy-redis fingerprints requests its own way; ours fingerprint a story by its id,
    so a story is fetched once across the workers whatever URL variant links it.
    """

    fingerprinter: Any = None

    @classmethod
    def from_spider(cls, spider: Spider) -> StoryDupeFilter:
        dupefilter: StoryDupeFilter = super().from_spider(spider)
        dupefilter.fingerprinter = spider.crawler.request_fingerprinter
        return dupefilter

    def request_fingerprint(self, request: Request) -> str:
        return str(self.fingerprinter.fingerprint(request).hex())
