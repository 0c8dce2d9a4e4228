"""One crawl of the benchmark: a real process, sampled by the probe, summed up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmark.server import BenchServer

REPO = Path(__file__).resolve().parents[1]
#: Politeness off: the benchmark's server is our own, on loopback.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "LOG_LEVEL": "INFO",
    "TELNETCONSOLE_ENABLED": "False",
}


@dataclass
class CrawlResult:
    name: str
    returncode: int
    samples: list[dict[str, Any]] = field(default_factory=list)
    server_cpu_s: float = 0.0
    stories: int = 0
    wall_s: float = 0.0  # process start to exit, measured outside

    @property
    def final(self) -> dict[str, Any]:
        return self.samples[-1] if self.samples else {}

    @property
    def seconds(self) -> float:
        return float(self.final.get("t", 0.0))

    @property
    def pages(self) -> int:
        return int(self.final.get("responses", 0))

    @property
    def story_pages(self) -> int:
        """Story pages among ``pages`` (see ``probe.STORY_PAGES_STATS``)."""
        return int(self.final.get("story_pages", 0))

    @property
    def cpu_s(self) -> float:
        return float(self.final.get("cpu", 0.0))

    @property
    def peak_rss_mb(self) -> float:
        return float(self.final.get("peak_rss_mb", 0.0))

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def stories_per_s(self) -> float:
        return self.stories / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_s / self.pages if self.pages else 0.0

    @property
    def cpu_ms_per_story(self) -> float:
        return 1000 * self.cpu_s / self.stories if self.stories else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "returncode": self.returncode,
            "pages": self.pages,
            "story_pages": self.story_pages,
            "stories": self.stories,
            "seconds": round(self.seconds, 2),
            "pages_per_s": round(self.pages_per_s, 1),
            "stories_per_s": round(self.stories_per_s, 1),
            "cpu_s": round(self.cpu_s, 2),
            "cpu_ms_per_page": round(self.cpu_ms_per_page, 2),
            "cpu_ms_per_story": round(self.cpu_ms_per_story, 2),
            "peak_rss_mb": self.peak_rss_mb,
            "server_cpu_s": round(self.server_cpu_s, 2),
            "wall_s": round(self.wall_s, 2),
        }


def run_process(
    name: str, command: list[str], work: Path, server: BenchServer, probe: Path
) -> CrawlResult:
    """Run one crawl command, with the server's CPU measured around it."""
    env = _crawl_env()
    server_before = server.cpu_seconds()
    print(f"benchmark: {name}: {' '.join(command[2:])}", flush=True)
    started = time.monotonic()
    with (work / f"{name}.log").open("w") as log:
        proc = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, check=False
        )
    result = CrawlResult(name, proc.returncode, server_cpu_s=server.cpu_seconds() - server_before)
    result.wall_s = time.monotonic() - started
    result.samples = _samples(probe)
    if proc.returncode != 0:
        print(f"benchmark: {name} exited with {proc.returncode}; see {work / (name + '.log')}")
    return result


def urdupoint_command(
    base_url: str, work: Path, run: str, concurrency: int, extra: dict[str, str] | None = None
) -> tuple[list[str], Path]:
    """``scrapy crawl urdupoint`` with politeness off and every output under ``work``."""
    probe = work / f"{run}.probe.jsonl"
    settings = {
        **FAST_SETTINGS,
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "NEWSBOT_STATE_DIR": str(work / "state"),
        "NEWSBOT_FEED": str(work / "urdupoint.jsonl"),
        "NEWSBOT_DROPPED_FEED": str(work / "urdupoint.dropped.jsonl"),
        "NEWSBOT_REPORT": str(work / f"{run}.report.json"),
        "NEWSBOT_BENCH_PROBE": str(probe),
        **(extra or {}),
    }
    command = [
        sys.executable, "-m", "scrapy", "crawl", "urdupoint",
        "-a", f"base_url={base_url}", "-a", "max_pages=1000000",
    ]  # fmt: skip
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    return command, probe


def run_urdupoint(
    name: str, base_url: str, work: Path, server: BenchServer, concurrency: int
) -> CrawlResult:
    """One ``urdupoint`` crawl (``urdupoint_command``), its stories read from its report."""
    command, probe = urdupoint_command(base_url, work, name, concurrency)
    result = run_process(name, command, work, server, probe)
    report_file = work / f"{name}.report.json"
    if report_file.exists():
        result.stories = json.loads(report_file.read_text()).get("stories_emitted", 0)
    return result


def run_bare(
    name: str, base_url: str, work: Path, server: BenchServer, concurrency: int
) -> CrawlResult:
    """One crawl of the bare Scrapy spider (``bare_command``)."""
    command, probe = bare_command(base_url, work, concurrency, name)
    return run_process(name, command, work, server, probe)


def bare_command(
    base_url: str, work: Path, concurrency: int, run: str = "bare"
) -> tuple[list[str], Path]:
    """The bare Scrapy spider (``bare.py``) as its own process, probed into ``work``."""
    probe = work / f"{run}.probe.jsonl"
    command = [
        sys.executable, "-m", "benchmark.bare", base_url, str(probe), str(concurrency),
    ]  # fmt: skip
    return command, probe


def run_parallel(
    name: str,
    commands: list[tuple[list[str], Path]],
    work: Path,
    server: BenchServer,
) -> tuple[float, list[CrawlResult]]:
    """Run crawl processes at once (the scale-out workers); wall seconds and each result."""
    env = _crawl_env()
    server_before = server.cpu_seconds()
    print(f"benchmark: {name}: {len(commands)} processes", flush=True)
    started = time.monotonic()
    procs = []
    for index, (command, _) in enumerate(commands, start=1):
        workdir = work / f"{name}-{index}"
        workdir.mkdir(parents=True, exist_ok=True)
        log = (work / f"{name}-{index}.log").open("w")
        procs.append(
            (
                subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                    command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
                ),
                log,
            )
        )
    for proc, log in procs:
        proc.wait()
        log.close()
    wall = time.monotonic() - started
    server_cpu = server.cpu_seconds() - server_before
    results = []
    for index, ((proc, _), (_, probe)) in enumerate(zip(procs, commands, strict=True), start=1):
        result = CrawlResult(f"{name}-{index}", proc.returncode, server_cpu_s=server_cpu)
        result.samples = _samples(probe)
        results.append(result)
    return wall, results


def _crawl_env() -> dict[str, str]:
    """The environment of a crawl process: this project importable, its settings and the probe."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "SCRAPY_SETTINGS_MODULE": "benchmark.settings",
    }


def _samples(probe: Path) -> list[dict[str, Any]]:
    """The probe's samples of one crawl (none if it never started)."""
    if not probe.exists():
        return []
    with probe.open() as rows:
        return [json.loads(line) for line in rows if line.strip()]
