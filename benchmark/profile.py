"""One crawl under cProfile, with the counts a flat profile hides.

Run as its own process, in place of ``python -m scrapy``::

    python -m benchmark.profile OUT.txt crawl urdupoint -a ... -s ...

It runs Scrapy's command line in this process under ``cProfile`` and writes to ``OUT.txt``:

- the top functions by own time (``tottime``) and by cumulative time;
- the ``asyncio`` tasks created (``BaseEventLoop.create_task`` calls: a task per coroutine
  wrapped into a Deferred, so async middlewares show here) and ``call_soon`` calls;
- the ``LogRecord`` objects built, by logger and level, against the records a handler
  actually emitted: a record built for a level nobody prints is pure cost;
- everything per request (``downloader/request_count``).

``OUT.txt.prof`` keeps the raw profile (``python -m pstats``). The crawl's own exit status
is this process's.
"""

from __future__ import annotations

import cProfile
import io
import logging
import pstats
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

#: Rows of each pstats table in the summary.
TOP = 25


class RecordCounter:
    """Counts every ``LogRecord`` built (the record factory) and every one emitted."""

    def __init__(self) -> None:
        self.built: Counter[tuple[str, str]] = Counter()
        self.emitted = 0
        self._factory: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def install(self) -> None:
        factory = self._factory

        def counting(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = factory(*args, **kwargs)
            self.built[(record.name, record.levelname)] += 1
            return record

        logging.setLogRecordFactory(counting)
        counter = self

        class _Emitted(logging.Filter):
            def filter(self, record: logging.LogRecord) -> bool:
                counter.emitted += 1
                return True

        self._filter = _Emitted()

    def attach_to_handlers(self) -> None:
        """Count what the root handlers (Scrapy's log output) let through."""
        for handler in logging.root.handlers:
            if self._filter not in handler.filters:
                handler.addFilter(self._filter)


def _requests_from(crawler_stats: dict[str, Any]) -> int:
    return int(crawler_stats.get("downloader/request_count", 0))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m benchmark.profile OUT.txt crawl SPIDER [scrapy args]")
        return 2
    out = Path(argv[0])
    records = RecordCounter()
    records.install()
    stats_seen: dict[str, Any] = {}

    original_init = Crawler.__init__

    def crawler_init(self: Crawler, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)

        def opened(spider: Any) -> None:
            records.attach_to_handlers()  # Scrapy's handler exists once the crawl starts

        def closed(spider: Any, reason: str) -> None:
            assert self.stats is not None
            stats_seen.update(self.stats.get_stats())

        self.signals.connect(opened, signal=signals.spider_opened, weak=False)
        self.signals.connect(closed, signal=signals.spider_closed, weak=False)

    Crawler.__init__ = crawler_init  # type: ignore[method-assign]
    from scrapy.cmdline import execute

    profiler = cProfile.Profile()
    code = 0
    sys.argv = ["scrapy", *argv[1:]]
    profiler.enable()
    try:
        execute()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        profiler.disable()
        Crawler.__init__ = original_init  # type: ignore[method-assign]
    profiler.dump_stats(str(out) + ".prof")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(summary(profiler, records, _requests_from(stats_seen), " ".join(argv[1:])))
    return code


def _calls(stats: pstats.Stats, file_suffix: str, function: str) -> int:
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    return sum(
        row[1]
        for (filename, _, name), row in raw.items()
        if name == function and filename.endswith(file_suffix)
    )


def area_of(filename: str, function: str) -> str:
    """A profile row's area: our module, a third-party package, a stdlib module or a built-in."""
    if filename == "~":
        return "built-in " + re.sub(r" at 0x[0-9a-f]+", "", function)
    path = Path(filename)
    parts = path.parts
    for root in ("newsbot", "benchmark"):
        if root in parts:
            index = len(parts) - 1 - parts[::-1].index(root)
            return "/".join(parts[index:]).removesuffix(".py")
    if "site-packages" in parts:  # the package and its module: scrapy/core/scraper
        inner = parts[parts.index("site-packages") + 1 :]
        return "/".join(inner[:3]).removesuffix(".py").removesuffix("/__init__")
    if not path.parent.name:
        return f"other {filename}"
    return f"stdlib {path.stem if path.parent.name.startswith('python') else path.parent.name}"


def by_area(stats: pstats.Stats) -> dict[str, float]:
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    areas: dict[str, float] = {}
    for (filename, _, function), row in raw.items():
        area = area_of(filename, function)
        areas[area] = areas.get(area, 0.0) + row[2]
    return areas


def summary(profiler: cProfile.Profile, records: RecordCounter, requests: int, what: str) -> str:
    """The text written to ``OUT.txt``: counts per request first, then the two tables."""
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    tasks = _calls(stats, "asyncio/base_events.py", "create_task")
    call_soon = _calls(stats, "asyncio/base_events.py", "call_soon")
    built = sum(records.built.values())
    per = max(requests, 1)
    lines = [
        f"cProfile of: scrapy {what}",
        f"profiled {total:.1f} s; {requests} requests (downloader/request_count)",
        f"asyncio tasks created: {tasks} ({tasks / per:.1f} a request); "
        f"call_soon: {call_soon} ({call_soon / per:.1f} a request)",
        f"LogRecords built: {built} ({built / per:.1f} a request); emitted by a handler: "
        f"{records.emitted}",
        "LogRecords built, by logger and level (most first):",
    ]
    for (name, level), count in records.built.most_common(12):
        lines.append(f"  {count:8d}  {level:8s} {name}")
    lines += ["", "Own time by area (tottime summed; built-ins by their name):"]
    for area, seconds in sorted(by_area(stats).items(), key=lambda kv: -kv[1])[:TOP]:
        lines.append(f"  {seconds:8.2f} s  {100 * seconds / max(total, 1e-9):5.1f}%  {area}")
    for key, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats(key).print_stats(TOP)
        body = buffer.getvalue()
        start = body.find("   ncalls")
        lines += ["", f"Top {TOP} by {title} ({key}):", body[start:].rstrip()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
