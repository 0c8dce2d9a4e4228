"""``python -m benchmark``: speed, memory and extraction quality, in one run.

1. Build a sample site of ``--stories`` stories (with its ground truth) and serve it
   with nginx on loopback (``server.py``).
2. Crawl it with a bare Scrapy spider (``bare.py``), then with ``urdupoint``, then
   again with ``urdupoint`` on the same state (an incremental re-crawl). Each crawl is
   its own process, sampled by ``probe.py``; the server's CPU is measured around it.
3. Score the feed against the ground truth (body F1 on every story), and extract a
   sample of the same pages with our parser, trafilatura and newspaper4k.
4. Replay every story page through our parser and pipelines in-process (``replay.py``),
   and compare its CPU on the sample with ``lxml.html.fromstring`` and trafilatura on the
   same pages (interleaved, best of 3): the CPU targets are these ratios.
5. Time a fixed reference loop before and after (``ratios.py``): the machine's speed in
   this run, beside the absolute figures. Throughput is stated as urdupoint / bare.
6. Write ``results.md``, ``results.json`` and ``bench.png`` to ``--out``.

It takes about 20 minutes (18 to 23 on a 2-core machine at 20,000 stories) and needs
nginx (``apt-get install nginx-light``; without it a Python server is used and the
server's figures mean little) and redis-server for the two-worker run. The README
quotes the results kept in ``docs/benchmark/``: ``--out docs/benchmark`` replaces them.

``python -m benchmark freshness`` replays a simulated week of hourly runs instead
(``freshness.py``); ``python -m benchmark speed`` measures urdupoint against bare Scrapy
on two sites, as ratios in one run (``speed.py``, 4 to 11 minutes).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmark import HelpFormatter, at_least, common_options, quality, ratios, report
from benchmark.redis_server import RedisServer
from benchmark.replay import compare_cpu, load_pages, replay
from benchmark.runs import (
    CrawlResult,
    run_bare,
    run_parallel,
    run_urdupoint,
    urdupoint_command,
)
from benchmark.server import BenchServer
from newsbot.sample_site import build_site

#: ``--help``'s text: the docstring without its reST markup.
DESCRIPTION = (__doc__ or "").replace("``", "")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["freshness"]:  # its own subcommand: a week of hourly runs
        from benchmark import freshness

        return freshness.main(argv[1:])
    if argv[:1] == ["speed"]:  # its own subcommand: urdupoint vs bare Scrapy, as ratios
        from benchmark import speed

        return speed.main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m benchmark",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
        parents=[common_options("output/bench")],
    )
    parser.add_argument(
        "--stories", type=at_least(100), default=20_000, help="sample site size (stories)"
    )
    parser.add_argument(
        "--sample",
        type=at_least(1),
        default=1000,
        help="story pages given to every extractor (quality table)",
    )
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    work = work.resolve()
    server = BenchServer(work / "site" / "site", work, kind=args.server)
    if server.kind != "nginx":
        print(
            "benchmark: nginx not found; using the Python sample-site server, which "
            "costs far more CPU (apt-get install -y nginx-light)",
            file=sys.stderr,
        )
    reference_before = ratios.reference_loop_ms()
    try:
        print(f"benchmark: building {args.stories} stories into {work / 'site'}", flush=True)
        site = build_site(work / "site", server.base_url, stories=args.stories)
        server.start()
        runs = crawl_all(server, work, args.concurrency)
        two = scale_out(server, work, args.concurrency)
        results = summarize(runs, site, server, work, args)
        results["scale_out"] = two
        results["reference_loop_ms"] = {
            "before": reference_before,
            "after": ratios.reference_loop_ms(),
        }
        if two:
            results["scale_out"]["speedup"] = round(runs["urdupoint"].wall_s / two["wall_s"], 2)
    finally:
        server.stop()
    table = report.write(results, list(runs.values()), args.out)
    print(table.read_text())
    print(f"benchmark: wrote {table}, {args.out / 'bench.png'}, {args.out / 'results.json'}")
    return 0 if all(run.returncode == 0 for run in runs.values()) else 1


def crawl_all(server: BenchServer, work: Path, concurrency: int) -> dict[str, CrawlResult]:
    runs: dict[str, CrawlResult] = {}
    runs["bare"] = run_bare("bare", server.base_url, work, server, concurrency)
    for name in ("urdupoint", "incremental"):
        runs[name] = run_urdupoint(name, server.base_url, work, server, concurrency)
    return runs


def scale_out(server: BenchServer, work: Path, concurrency: int) -> dict[str, Any] | None:
    """Two ``urdupoint`` workers on one crawl through Redis (``newsbot.scaleout``), fresh state."""
    redis = RedisServer(work / "redis").start()
    if redis is None:
        print(
            "benchmark: redis-server not found: no scale-out run (apt-get install -y redis-server)",
            file=sys.stderr,
        )
        return None
    try:
        commands = [
            urdupoint_command(
                server.base_url,
                work / f"scaleout-{index}",
                f"scaleout-{index}",
                concurrency,
                extra={"NEWSBOT_REDIS_URL": redis.url, "NEWSBOT_REDIS_PREFIX": "bench"},
            )
            for index in (1, 2)
        ]
        for index in (1, 2):
            (work / f"scaleout-{index}").mkdir(parents=True, exist_ok=True)
        wall, results = run_parallel("scaleout", commands, work, server)
    finally:
        redis.stop()
    stories = sum(len(_read_jsonl(work / f"scaleout-{i}" / "urdupoint.jsonl")) for i in (1, 2))
    return {
        "workers": 2,
        "wall_s": round(wall, 2),
        "pages": [r.pages for r in results],
        "stories": stories,
        "returncodes": [r.returncode for r in results],
        "peak_rss_mb": [r.peak_rss_mb for r in results],
    }


def summarize(
    runs: dict[str, CrawlResult],
    site: Any,
    server: BenchServer,
    work: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    ours, bare, again = runs["urdupoint"], runs["bare"], runs["incremental"]
    truth = {row["article_id"]: row for row in site.ground_truth_rows()}
    emitted = _read_jsonl(work / "urdupoint.jsonl")
    emitted_f1 = [
        quality.body_f1(r.get("body") or "", truth[r["article_id"]]["body"])
        for r in emitted
        if r.get("article_id") in truth
    ]
    emitted_ids = {r.get("article_id") for r in emitted}

    sample_ids = sorted(truth)
    random.Random(7).shuffle(sample_ids)
    sample = [
        (truth[i]["url"], html, truth[i]["body"])
        for i, (_, html) in zip(
            sample_ids[: args.sample],
            load_pages(site.docroot, [truth[i]["url"] for i in sample_ids[: args.sample]]),
            strict=True,
        )
    ]
    print(f"benchmark: extracting {len(sample)} story pages with each extractor", flush=True)
    scores = [
        quality.ExtractorScore("newsbot (emitted)", "", emitted_f1),
        quality.score("newsbot parser", "", quality.newsbot_parser(server.base_url), sample),
    ]
    for name, make in quality.GENERIC.items():
        try:
            extract, version = make()
        except ImportError as exc:
            scores.append(quality.ExtractorScore(name, "", error=f"not installed ({exc.name})"))
            continue
        scores.append(quality.score(name, version, extract, sample))

    story_urls = [row["url"] for row in site.ground_truth_rows()]
    story_urls += [row["url"] for row in site.expected_drop_rows()]
    print(
        f"benchmark: replaying {len(story_urls)} story pages through parse + pipelines", flush=True
    )
    replayed = replay(load_pages(site.docroot, story_urls), server.base_url, work / "replay")
    print(f"benchmark: CPU of {len(sample)} pages: ours, lxml, trafilatura (x3)", flush=True)
    cpu = compare_cpu([(url, html) for url, html, _ in sample], server.base_url, work / "cpu")
    throughput = ratios.ratio(ours.pages_per_s, bare.pages_per_s)

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": report.machine(),
        "server": server.kind,
        "concurrency": args.concurrency,
        "stories": site.story_count,
        "story_pages": len(story_urls),
        "crawls": {name: run.summary() for name, run in runs.items()},
        "throughput_ratio": throughput,
        "incremental_share": again.pages / ours.pages if ours.pages else 0.0,
        "server_cpu_share": ours.server_cpu_s / ours.seconds if ours.seconds else 0.0,
        "rss_growth_mb": _rss_growth(ours),
        "replay": {
            "pages": replayed.pages,
            "parse_ms": round(replayed.parse_ms_per_page, 2),
            "pipelines_ms": round(replayed.pipelines_ms_per_page, 2),
            "total_ms": round(replayed.total_ms_per_page, 2),
        },
        "cpu": cpu.summary(),
        "targets": [
            ratios.THROUGHPUT_BENCH.row(throughput),
            ratios.CPU_VS_TRAFILATURA.row(cpu.vs_trafilatura),
            ratios.CPU_VS_LXML.row(cpu.vs_lxml),
        ],
        "quality_pages": len(sample),
        "quality": report.quality_rows(scores),
        "emitted_quality": {
            "expected": len(truth),
            "emitted": len(emitted),
            "missing": len(set(truth) - emitted_ids),
            "extra": len(emitted_ids - set(truth)),
            "min_f1": min(emitted_f1, default=0.0),
        },
    }


def _rss_growth(run: CrawlResult) -> float:
    """RSS at the end of parsing minus RSS at 10% of the stories: per-story memory shows."""
    staged = [s for s in run.samples if s["staged"]]
    if not staged:
        return 0.0
    total = staged[-1]["staged"]
    early = next(s for s in staged if s["staged"] >= total * 0.1)
    return max(s["rss_mb"] for s in run.samples) - early["rss_mb"]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as rows:
        return [json.loads(line) for line in rows if line.strip()]


if __name__ == "__main__":
    raise SystemExit(main())
