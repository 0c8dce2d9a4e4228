"""The framework's own ceiling: the leanest honest Scrapy spider that follows urdupoint's links.

It starts where ``urdupoint`` starts (the category pages) and follows every link to a
page of the kinds ``urdupoint`` fetches (category and topic listings and their later
pages, story pages), found as cheaply as Scrapy allows, so that ``urdupoint / bare`` is
what our features cost and nothing else:

- one compiled XPath (``//a/@href``) on the tree Scrapy already built for the response
  (``response.selector.root``), returning plain strings: no ``Selector`` per link;
- a cheap path filter: the site's links are root-relative or absolute on the site's own
  origin, so a prefix test and a string slice stand in for ``response.urljoin`` (links in
  any other form, relative or on another host, are not followed: the site has none that
  lead to pages ``urdupoint`` fetches); the query and fragment are cut, as ``urdupoint``
  does for story URLs;
- each link once per page (a set), and Scrapy's default dupefilter across pages;
- story pages counted (one regex on the URL: ``bare/pages/story``), so that the page sets
  of the two crawls can be compared;
- robots.txt obeyed, no items, no pipelines, no state; plain Scrapy settings (not the
  project's) with the benchmark's concurrency and ``urdupoint``'s log level.

It does not read the RSS feed (one page for ``urdupoint``). Run as its own process::

    python -m benchmark.bare BASE_URL PROBE_PATH [CONCURRENCY]
"""

from __future__ import annotations

import re
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from lxml import etree
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response, TextResponse

from benchmark.probe import STORY_PAGES_STATS
from benchmark.runs import FAST_SETTINGS
from newsbot.spiders.arguments import DEFAULT_CATEGORIES

#: Listing pages (categories, topics, their later pages) and story pages, by path.
FOLLOWED_PATH_RE = re.compile(r"^/en/(?:news|topics)/[^/]+\.html$|^/en/[\w-]+/[\w-]+-\d+\.html$")
#: A story page's URL from its path on (``urdupoint``'s story shape; listings are not stories).
STORY_PATH_RE = re.compile(r"/en/(?!news/|topics/)[\w-]+/[\w-]+-\d+\.html$")
#: Every link's target, as plain strings (no smart strings: nothing asks for their parent).
HREFS = etree.XPath("//a/@href", smart_strings=False)
#: Where a link's path ends: its query or its fragment.
PATH_END_RE = re.compile(r"[?#]")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base_url: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for slug in DEFAULT_CATEGORIES:
            yield scrapy.Request(f"{self.base_url}/en/news/{slug}.html")

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        base = self.base_url
        cut = len(base)
        if STORY_PATH_RE.match(response.url, cut):  # counted for the page-set comparison
            self.crawler.stats.inc_value(STORY_PAGES_STATS[1])
        match = FOLLOWED_PATH_RE.match
        seen: set[str] = set()
        assert isinstance(response, TextResponse)  # the site's pages are HTML
        for href in HREFS(response.selector.root):
            if href.startswith("/"):
                path = href
            elif href.startswith(base):
                path = href[cut:]
            else:
                continue
            end = PATH_END_RE.search(path)
            if end is not None:
                path = path[: end.start()]
            if path not in seen and match(path):
                seen.add(path)
                yield scrapy.Request(base + path)


def settings(probe: str, concurrency: int) -> dict[str, Any]:
    """Scrapy's defaults, plus what makes the comparison fair (and the probe)."""
    return {
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": True,
        "LOG_LEVEL": FAST_SETTINGS["LOG_LEVEL"],  # the same as urdupoint's run
        "TELNETCONSOLE_ENABLED": False,
        "EXTENSIONS": {"benchmark.probe.BenchProbe": 0},
        "NEWSBOT_BENCH_PROBE": probe,
    }


def main(argv: list[str]) -> int:
    base_url, probe = argv[0], argv[1]
    concurrency = int(argv[2]) if len(argv) > 2 else 32
    process = CrawlerProcess(settings=settings(probe, concurrency))
    process.crawl(BareSpider, base_url=base_url)
    process.start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
