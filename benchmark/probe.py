"""A benchmark probe: the crawl's own clock, CPU, memory and progress, sampled.

Enabled by ``NEWSBOT_BENCH_PROBE=<path>`` (the benchmark sets it; off otherwise). Every
``NEWSBOT_BENCH_PROBE_INTERVAL`` seconds it appends one JSON line: seconds since the
spider opened, process CPU seconds, resident memory (MB), responses received, story
pages among them, stories staged and items scraped. The last line, at ``spider_closed``,
adds the peak RSS. Measured inside the crawler process, so the figures are the crawler's alone.
"""

from __future__ import annotations

import json
import os
import resource
import time
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newsbot.keys import PAGES, STAGED

#: Story pages fetched, as ``urdupoint`` counts them and as the bare spider does (``bare.py``):
#: the two crawls' page sets are compared on this.
STORY_PAGES_STATS = (PAGES + "story", "bare/pages/story")

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def rss_mb() -> float:
    """This process's resident set size now, in MB (Linux ``/proc``)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE_MB


def peak_rss_mb() -> float:
    """The most this process ever had resident, in MB.

    ``VmHWM`` of this process's own memory: ``ru_maxrss`` would not do, as Linux carries
    it over ``exec`` from the parent that forked us (the benchmark, after building a site).
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class BenchProbe:
    """Extension: samples the crawl into a JSON Lines file."""

    def __init__(self, crawler: Crawler, path: Path, interval: float):
        self.crawler = crawler
        self.path = path
        self.interval = interval
        self.started = time.monotonic()
        self.cpu_at_start = cpu_seconds()
        self._file: Any = None
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BenchProbe:
        path = crawler.settings.get("NEWSBOT_BENCH_PROBE")
        if not path:
            raise NotConfigured("NEWSBOT_BENCH_PROBE is not set")
        interval = crawler.settings.getfloat("NEWSBOT_BENCH_PROBE_INTERVAL", 0.5)
        probe = cls(crawler, Path(path), interval)
        crawler.signals.connect(probe.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(probe.spider_closed, signal=signals.spider_closed)
        return probe

    def spider_opened(self, spider: Spider) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("w", encoding="utf-8")
        self.started = time.monotonic()
        self.cpu_at_start = cpu_seconds()
        self._loop = task.LoopingCall(self.sample)
        self._loop.start(self.interval, now=True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.sample(final={"peak_rss_mb": round(peak_rss_mb(), 1), "reason": reason})
        self._file.close()

    def sample(self, final: dict[str, Any] | None = None) -> None:
        stats = self.crawler.stats
        assert stats is not None
        row = {
            "t": round(time.monotonic() - self.started, 3),
            "cpu": round(cpu_seconds() - self.cpu_at_start, 3),
            "rss_mb": round(rss_mb(), 1),
            "responses": stats.get_value("response_received_count", 0),
            "story_pages": sum(stats.get_value(key, 0) for key in STORY_PAGES_STATS),
            "staged": stats.get_value(STAGED, 0),
            "items": stats.get_value("item_scraped_count", 0),
            **(final or {}),
        }
        self._file.write(json.dumps(row) + "\n")
        self._file.flush()
