"""The framework's own ceiling: a bare Scrapy spider that only follows links.

It starts where ``urdupoint`` starts (the category pages) and follows every link to a
page of the kinds ``urdupoint`` fetches (category and topic listings, story pages),
with Scrapy's default components: no parsing beyond finding links, no items, no
pipelines, no state. Run as its own process, with plain Scrapy settings (not the
project's) plus the same concurrency as the benchmark's ``urdupoint`` run::

    python -m benchmark.bare BASE_URL PROBE_PATH [CONCURRENCY]
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

from newsbot.spiders.arguments import DEFAULT_CATEGORIES

#: Listing pages (categories, topics, their later pages) and story pages.
FOLLOWED_PATH_RE = re.compile(r"^/en/(?:news|topics)/[^/]+\.html$|^/en/[\w-]+/[\w-]+-\d+\.html$")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base_url: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc

    async def start(self) -> Any:
        for slug in DEFAULT_CATEGORIES:
            yield scrapy.Request(f"{self.base_url}/en/news/{slug}.html")

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href)
            parts = urlsplit(url)
            if parts.netloc == self.host and FOLLOWED_PATH_RE.match(parts.path):
                yield scrapy.Request(url.split("#", 1)[0])


def main(argv: list[str]) -> int:
    base_url, probe = argv[0], argv[1]
    concurrency = int(argv[2]) if len(argv) > 2 else 32
    process = CrawlerProcess(
        settings={
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            "ROBOTSTXT_OBEY": True,
            "LOG_LEVEL": "INFO",
            "TELNETCONSOLE_ENABLED": False,
            "EXTENSIONS": {"benchmark.probe.BenchProbe": 0},
            "NEWSBOT_BENCH_PROBE": probe,
        }
    )
    process.crawl(BareSpider, base_url=base_url)
    process.start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
