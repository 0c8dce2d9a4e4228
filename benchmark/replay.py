"""Our parse + pipelines, alone: the stored pages replayed in-process, CPU-timed.

The crawl's CPU also pays for Scrapy (downloads, scheduling, the middleware chain);
this isolates what is ours. Each story page is read from the docroot, parsed with
``parse_story`` (building the HTML tree included), staged in a fresh state store,
and released through the project's item pipelines in publication order, exactly as
a crawl does, without the network or the engine.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler, get_reactor_settings

from newsbot.extensions.state import state_store
from newsbot.items import Story
from newsbot.site.pages.story import parse_story
from newsbot.site.urls import Site
from newsbot.spiders.urdupoint import UrdupointSpider


@dataclass
class ReplayResult:
    pages: int
    stories_emitted: int
    parse_cpu_s: float
    pipelines_cpu_s: float

    @property
    def parse_ms_per_page(self) -> float:
        return 1000 * self.parse_cpu_s / max(self.pages, 1)

    @property
    def pipelines_ms_per_page(self) -> float:
        return 1000 * self.pipelines_cpu_s / max(self.pages, 1)

    @property
    def total_ms_per_page(self) -> float:
        return self.parse_ms_per_page + self.pipelines_ms_per_page


def page_path(docroot: Path, url: str) -> Path:
    """The docroot file a sample-site URL is served from."""
    return docroot / urlsplit(url).path.lstrip("/")


def load_pages(docroot: Path, urls: Iterable[str]) -> list[tuple[str, bytes]]:
    return [(url, page_path(docroot, url).read_bytes()) for url in urls]


def replay(pages: list[tuple[str, bytes]], base_url: str, state_dir: Path) -> ReplayResult:
    """Parse, stage and release ``pages`` (``(url, html)``) the way a crawl does."""
    settings = get_project_settings().copy()
    settings.set("NEWSBOT_STATE_DIR", str(state_dir), priority="cmdline")
    settings.set("NEWSBOT_DROPPED_FEED", "", priority="cmdline")
    # The crawl's components that matter here: the store's owner and the pipelines.
    settings.set("ADDONS", {}, priority="cmdline")
    settings.set("EXTENSIONS_BASE", {}, priority="cmdline")
    settings.set("EXTENSIONS", {"newsbot.extensions.state.StateExtension": 0}, priority="cmdline")
    settings.update(get_reactor_settings(), priority="cmdline")  # no reactor runs here
    crawler = get_crawler(UrdupointSpider, settings.copy_to_dict())
    state = state_store(crawler)
    pipelines = [
        build_from_crawler(load_object(path), crawler)
        for path, _ in sorted(settings.getdict("ITEM_PIPELINES").items(), key=lambda kv: kv[1])
    ]
    site = Site.from_base_url(base_url)

    parse_cpu = 0.0
    started = time.thread_time()
    for url, body in pages:
        response = HtmlResponse(url=url, body=body, encoding="utf-8")
        result = parse_story(response, site)
        if result.item is not None:
            state.stage(result.item)
    parse_cpu = time.thread_time() - started

    started = time.thread_time()
    state.begin_release()
    emitted = 0
    for item in state.staged_items():
        emitted += _through(pipelines, item)
    for pipeline in pipelines:
        if hasattr(pipeline, "close_spider"):
            pipeline.close_spider()
    state.close()
    pipelines_cpu = time.thread_time() - started
    return ReplayResult(len(pages), emitted, parse_cpu, pipelines_cpu)


def _through(pipelines: list[object], item: Story) -> int:
    try:
        for pipeline in pipelines:
            item = pipeline.process_item(item)  # type: ignore[attr-defined]
    except DropItem:
        return 0
    return 1
