"""Our parse + pipelines, alone: the stored pages replayed in-process, CPU-timed.

The crawl's CPU also pays for Scrapy (downloads, scheduling, the middleware chain);
this isolates what is ours. Each story page is read from the docroot, parsed with
``parse_story`` (building the HTML tree included), staged in a fresh state store,
and released through the project's item pipelines in publication order, exactly as
a crawl does, without the network or the engine.

``compare_cpu`` puts that CPU beside two yardsticks measured in the same process, on the
same pages, interleaved: ``lxml.html.fromstring`` (building the tree, the least any
parser pays) and ``trafilatura.extract`` (a generic extractor). Their ratios are what
the benchmark's CPU targets are stated in (``ratios.py``): absolute times on a shared
machine vary from day to day, ratios measured together much less.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler, get_reactor_settings

from benchmark.ratios import ratio
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
    started = time.process_time()
    for url, body in pages:
        response = HtmlResponse(url=url, body=body, encoding="utf-8")
        result = parse_story(response, site)
        if result.item is not None:
            state.stage(result.item)
    parse_cpu = time.process_time() - started

    started = time.process_time()
    state.begin_release()
    emitted = 0
    for item in state.staged_items():
        emitted += _through(pipelines, item)
    for pipeline in pipelines:
        if hasattr(pipeline, "close_spider"):
            pipeline.close_spider()
    state.close()
    pipelines_cpu = time.process_time() - started
    return ReplayResult(len(pages), emitted, parse_cpu, pipelines_cpu)


@dataclass
class CpuComparison:
    """CPU per story page (ms, best of ``repeats``): ours, and the two yardsticks."""

    pages: int
    repeats: int
    parse_ms: float
    pipelines_ms: float
    lxml_ms: float
    trafilatura_ms: float
    trafilatura_version: str

    @property
    def ours_ms(self) -> float:
        return self.parse_ms + self.pipelines_ms

    @property
    def vs_trafilatura(self) -> float:
        return ratio(self.ours_ms, self.trafilatura_ms)

    @property
    def vs_lxml(self) -> float:
        return ratio(self.ours_ms, self.lxml_ms)

    def summary(self) -> dict[str, object]:
        return {
            "pages": self.pages,
            "repeats": self.repeats,
            "ours_ms": round(self.ours_ms, 3),
            "parse_ms": round(self.parse_ms, 3),
            "pipelines_ms": round(self.pipelines_ms, 3),
            "lxml_ms": round(self.lxml_ms, 3),
            "trafilatura_ms": round(self.trafilatura_ms, 3),
            "trafilatura_version": self.trafilatura_version,
            "ours_vs_trafilatura": self.vs_trafilatura,
            "ours_vs_lxml": self.vs_lxml,
        }


def compare_cpu(
    pages: list[tuple[str, bytes]], base_url: str, work: Path, repeats: int = 3
) -> CpuComparison:
    """Our parse + pipelines, ``lxml.html.fromstring`` and trafilatura on the same pages.

    Each repetition runs the three one after the other (interleaved, so a slow spell of
    the machine hits all three alike); each keeps its best repetition. Ours runs on a
    fresh state every time, so every repetition does a first crawl's work.
    """
    import lxml.html

    from benchmark.quality import trafilatura_extractor

    extract, version = trafilatura_extractor()

    def lxml_tree(url: str, html: bytes) -> object:
        return lxml.html.fromstring(html)

    best = {"parse": float("inf"), "pipelines": float("inf"), "lxml": float("inf")}
    best["trafilatura"] = float("inf")
    for repeat in range(repeats):
        state_dir = work / f"cpu-{repeat}"
        shutil.rmtree(state_dir, ignore_errors=True)
        ours = replay(pages, base_url, state_dir)
        best["parse"] = min(best["parse"], ours.parse_cpu_s)
        best["pipelines"] = min(best["pipelines"], ours.pipelines_cpu_s)
        best["lxml"] = min(best["lxml"], _cpu_of(lxml_tree, pages))
        best["trafilatura"] = min(best["trafilatura"], _cpu_of(extract, pages))
    per_page = {name: 1000 * seconds / max(len(pages), 1) for name, seconds in best.items()}
    return CpuComparison(
        pages=len(pages),
        repeats=repeats,
        parse_ms=per_page["parse"],
        pipelines_ms=per_page["pipelines"],
        lxml_ms=per_page["lxml"],
        trafilatura_ms=per_page["trafilatura"],
        trafilatura_version=version,
    )


def _cpu_of(extract: Callable[[str, bytes], object], pages: list[tuple[str, bytes]]) -> float:
    """CPU seconds of ``extract`` over every page (one clock around the loop)."""
    started = time.process_time()
    for url, html in pages:
        extract(url, html)
    return time.process_time() - started


def _through(pipelines: list[object], item: Story) -> int:
    try:
        for pipeline in pipelines:
            item = pipeline.process_item(item)  # type: ignore[attr-defined]
    except DropItem:
        return 0
    return 1
