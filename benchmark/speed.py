"""``python -m benchmark speed``: urdupoint against bare Scrapy, as ratios measured in one run.

Issue 18's instrument. Absolute speeds on a shared machine change from day to day; the
figures here are ratios of things measured together, with the machine's speed beside them.

1. Two sites, each served by nginx on loopback (``server.py``): the benchmark's sample
   site (``--stories``) and a site of real-scale topics (``newsbot.sample_site.scale``:
   a 10,000-name vocabulary, 12-18 topics a story, thousands of topic pages), its first
   ``--scale-days`` days as one static edition.
2. On each site, ``--rounds`` rounds of two crawls, alternated (bare, urdupoint; then
   urdupoint, bare; ...), each its own process on a fresh state: the bare Scrapy spider
   (``bare.py``: the same links, found as cheaply as Scrapy allows, no items) and
   ``urdupoint`` with every feature on (frontier, staging, incremental, dedupe, report),
   politeness off. The best pages/s of each is kept; the ratio urdupoint / bare is the
   figure. Pages, story pages and CPU seconds of every crawl show both did the same work.
3. CPU per story page in this process, on ``--cpu-pages`` pages of the benchmark site:
   our parse + pipelines (``replay.py``) against ``lxml.html.fromstring`` and
   ``trafilatura.extract`` of the same pages, interleaved, best of ``--cpu-repeats``.
4. A fixed pure-Python reference loop (``ratios.py``), before and after: the machine's
   speed during this run, so that absolute figures of two runs can be compared.
5. ``results.md`` and ``results.json`` in ``--out``, each target a ratio with PASS/FAIL.
   ``--profile`` adds ``profile.txt``: one more urdupoint crawl of the benchmark site under
   cProfile (``profile.py``).

It takes 4 to 11 minutes at the defaults on a 2-core machine (the more loaded, the longer) and
needs nginx (apt-get install nginx-light): the Python fallback server costs far more
CPU than the crawlers and blurs the ratios. Exit status 1 when a crawl failed or
fetched nothing (the figures would mean nothing), 0 otherwise, targets met or not.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmark import HelpFormatter, at_least, common_options, ratios, report
from benchmark.replay import compare_cpu, load_pages
from benchmark.runs import (
    CrawlResult,
    _crawl_env,
    run_bare,
    run_urdupoint,
    urdupoint_command,
)
from benchmark.server import BenchServer
from newsbot.sample_site import build_site
from newsbot.sample_site.scale import TOPICS_PER_STORY, ScaleSite, ScaleSpec, write_edition

#: The two sites, in the order they are measured: (key, title, the target on their ratio).
SITES = (
    ("bench", "benchmark site", ratios.THROUGHPUT_BENCH),
    ("scale", "real-scale-topics site", ratios.THROUGHPUT_SCALE),
)


@dataclass
class SiteRuns:
    """Every crawl of one site, in the order they ran."""

    key: str
    title: str
    description: str
    runs: list[CrawlResult] = field(default_factory=list)

    def of(self, spider: str) -> list[CrawlResult]:
        return [run for run in self.runs if run.name.startswith(spider)]

    def best(self, spider: str) -> CrawlResult | None:
        """The fastest crawl of ``spider`` (best of N: the least disturbed by the machine)."""
        done = [run for run in self.of(spider) if run.returncode == 0 and run.pages]
        return max(done, key=lambda run: run.pages_per_s, default=None)

    @property
    def ratio(self) -> float:
        ours, bare = self.best("urdupoint"), self.best("bare")
        if ours is None or bare is None:
            return 0.0
        return ratios.ratio(ours.pages_per_s, bare.pages_per_s)

    @property
    def cpu_ratio(self) -> float:
        """Pages per CPU second, urdupoint / bare, each at its least CPU per page.

        Companion to ``ratio``: on a machine shared with other work, a crawl's wall time
        varies far more than its CPU time; when both crawls are CPU-bound, this is what
        ``ratio`` would be on an idle machine.
        """
        ours, bare = self._least_cpu("urdupoint"), self._least_cpu("bare")
        return ratios.ratio(bare, ours) if ours and bare else 0.0

    def _least_cpu(self, spider: str) -> float:
        done = [r.cpu_ms_per_page for r in self.of(spider) if r.returncode == 0 and r.pages]
        return min(done, default=0.0)

    @property
    def failed(self) -> list[CrawlResult]:
        return [run for run in self.runs if run.returncode != 0 or not run.pages]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmark speed",
        description=(__doc__ or "").replace("``", ""),
        formatter_class=HelpFormatter,
        parents=[common_options("output/bench-speed")],
    )
    parser.add_argument(
        "--stories",
        type=at_least(100),
        default=3000,
        help="benchmark site size (stories generated)",
    )
    parser.add_argument(
        "--scale-days",
        type=at_least(1),
        default=2,
        help="real-scale site: days of stories (each naming 12-18 topics)",
    )
    parser.add_argument(
        "--scale-stories-per-day",
        type=at_least(1),
        default=450,
        help="real-scale site: stories a day",
    )
    parser.add_argument(
        "--vocabulary",
        type=at_least(TOPICS_PER_STORY[1]),
        default=10_000,
        help=f"real-scale site: topic names (a story names up to {TOPICS_PER_STORY[1]})",
    )
    parser.add_argument(
        "--rounds",
        type=at_least(1),
        default=3,
        help="rounds of (bare, urdupoint) per site; best kept",
    )
    parser.add_argument(
        "--cpu-pages", type=at_least(1), default=1000, help="story pages in the CPU comparison"
    )
    parser.add_argument(
        "--cpu-repeats",
        type=at_least(1),
        default=3,
        help="repetitions of the CPU comparison; best kept",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile one urdupoint crawl of the benchmark site (profile.txt)",
    )
    args = parser.parse_args(argv)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="newsbot-speed-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    work = work.resolve()
    out = args.out.resolve()
    started = datetime.now(UTC)
    reference_before = ratios.reference_loop_ms()
    print(f"speed: reference loop {reference_before} ms; work in {work}", flush=True)

    sites: list[SiteRuns] = []
    cpu: dict[str, Any] = {}
    profile: str | None = None
    server_kind = ""
    for key, title, _ in SITES:
        server = BenchServer(work / key / "site", work / key, kind=args.server)
        server_kind = server.kind
        if server.kind != "nginx":
            print(
                "speed: nginx not found; the Python server costs far more CPU than the "
                "crawlers and blurs the ratios (apt-get install -y nginx-light)",
                file=sys.stderr,
            )
        (work / key).mkdir(parents=True, exist_ok=True)
        site = SiteRuns(key, title, build(key, server, work / key, args))
        server.start()
        try:
            for round_ in range(1, args.rounds + 1):
                order = ("bare", "urdupoint") if round_ % 2 else ("urdupoint", "bare")
                for spider in order:
                    site.runs.append(crawl(spider, round_, server, work / key, args.concurrency))
            if key == "bench" and args.profile:
                profile = profile_crawl(server, work / key, args.concurrency, out)
        finally:
            server.stop()
        sites.append(site)
        if key == "bench":
            cpu = cpu_comparison(work / key, server.base_url, args)

    reference_after = ratios.reference_loop_ms()
    results = summarize(sites, cpu, args, server_kind, started, (reference_before, reference_after))
    if profile:
        results["profile"] = profile
    write(results, out)
    print((out / "results.md").read_text())
    print(f"speed: wrote {out / 'results.md'} and {out / 'results.json'}")
    failed = [run.name for site in sites for run in site.failed]
    if failed:
        print(f"speed: crawls that failed or fetched nothing: {', '.join(failed)}; see {work}")
    return 1 if failed else 0


def build(key: str, server: BenchServer, root: Path, args: argparse.Namespace) -> str:
    """Write one site's pages under ``root/site``; a line saying what it is."""
    if key == "bench":
        print(f"speed: building the benchmark site, {args.stories} stories", flush=True)
        built = build_site(root, server.base_url, stories=args.stories)
        return (
            f"`build_site(stories={args.stories})`: {built.story_count} stories to emit, "
            f"{len(built.expected_drop_rows())} pages dropped by design, "
            f"{len(built.categories)} categories"
        )
    spec = ScaleSpec(
        stories_per_day=args.scale_stories_per_day,
        vocabulary=args.vocabulary,
        days=1,
        history_days=args.scale_days,
    )
    edition = ScaleSite(spec).at(0)  # hour 0: the history days, all published
    print(f"speed: building the real-scale site, {len(edition.stories)} stories", flush=True)
    pages = write_edition(edition, root / "site", server.base_url)
    topics = {topic for story in edition.stories for topic in story.topics}
    return (
        f"`newsbot.sample_site.scale`, {args.scale_days} day(s): {len(edition.stories)} stories "
        f"naming {len(topics)} of {args.vocabulary:,} topics "
        f"({spec.topics_per_story[0]}-{spec.topics_per_story[1]} a story), {pages} pages"
    )


def crawl(
    spider: str, round_: int, server: BenchServer, root: Path, concurrency: int
) -> CrawlResult:
    """One crawl in a directory of its own: a fresh state, log, probe and report."""
    name = f"{spider}-{round_}"
    work = root / name
    work.mkdir(parents=True)
    run = run_bare if spider == "bare" else run_urdupoint
    result = run(name, server.base_url, work, server, concurrency)
    print(
        f"speed: {root.name} {name}: {result.pages} pages ({result.story_pages} story pages) "
        f"in {result.seconds:.1f} s = {result.pages_per_s:.1f} pages/s, CPU {result.cpu_s:.1f} s",
        flush=True,
    )
    return result


def profile_crawl(server: BenchServer, root: Path, concurrency: int, out: Path) -> str:
    """One more urdupoint crawl, under cProfile (``profile.py``); the summary's path."""
    work = root / "profile"
    work.mkdir(parents=True)
    command, _ = urdupoint_command(server.base_url, work, "profile", concurrency)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "profile.txt"
    command = [sys.executable, "-m", "benchmark.profile", str(target), *command[3:]]
    print("speed: profiling one urdupoint crawl", flush=True)
    with (work / "profile.log").open("w") as log:
        subprocess.run(  # noqa: S603 - our own interpreter and arguments
            command, cwd=work, env=_crawl_env(), stdout=log, stderr=subprocess.STDOUT, check=False
        )
    return str(target)


def cpu_comparison(root: Path, base_url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Ours vs lxml vs trafilatura on a seeded sample of the benchmark site's story pages."""
    rows = [json.loads(line) for line in (root / "ground_truth.jsonl").open()]
    rows += [json.loads(line) for line in (root / "expected_drops.jsonl").open()]
    urls = [row["url"] for row in rows]
    random.Random(7).shuffle(urls)
    pages = load_pages(root / "site", urls[: args.cpu_pages])
    print(
        f"speed: CPU per story page, {len(pages)} pages x {args.cpu_repeats}: "
        "ours, lxml.html.fromstring, trafilatura",
        flush=True,
    )
    return compare_cpu(pages, base_url, root / "cpu", args.cpu_repeats).summary()


def summarize(
    sites: list[SiteRuns],
    cpu: dict[str, Any],
    args: argparse.Namespace,
    server: str,
    started: datetime,
    reference: tuple[float, float],
) -> dict[str, Any]:
    targets = [target.row(site.ratio) for site, (_, _, target) in zip(sites, SITES, strict=True)]
    targets.append(ratios.CPU_VS_TRAFILATURA.row(cpu.get("ours_vs_trafilatura", 0.0)))
    targets.append(ratios.CPU_VS_LXML.row(cpu.get("ours_vs_lxml", 0.0)))
    return {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "minutes": round((datetime.now(UTC) - started).total_seconds() / 60, 1),
        "machine": report.machine(),
        "reference_loop_ms": {"before": reference[0], "after": reference[1]},
        "server": server,
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "sites": {
            site.key: {
                "title": site.title,
                "description": site.description,
                "ratio": site.ratio,
                "cpu_ratio": site.cpu_ratio,
                "best": {
                    spider: best.summary()
                    for spider in ("bare", "urdupoint")
                    if (best := site.best(spider)) is not None
                },
                "runs": [run.summary() for run in site.runs],
            }
            for site in sites
        },
        "cpu": cpu,
        "targets": targets,
    }


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    reference = results["reference_loop_ms"]
    lines = [
        "# newsbot speed: urdupoint against bare Scrapy, in one run",
        "",
        f"{results['date']}, {results['minutes']} min; {m['cpu']}, {m['cores']} cores, "
        f"{m['memory_gb']} GB, Python {m['python']}, Scrapy {m['scrapy']}; "
        f"served by {results['server']} on loopback, {results['concurrency']} concurrent "
        f"requests, politeness off. Machine speed: reference loop **{reference['before']} ms** "
        f"before, {reference['after']} ms after (`benchmark/ratios.py`; lower is faster).",
        "",
        "## Targets (issue 18), as ratios measured in this run",
        "",
        "| target | ratio | |",
        "|---|---:|---|",
    ]
    by_key = {row["key"]: row for row in results["targets"]}
    for target in (
        ratios.THROUGHPUT_BENCH,
        ratios.THROUGHPUT_SCALE,
        ratios.CPU_VS_TRAFILATURA,
        ratios.CPU_VS_LXML,
    ):
        lines.append(target.markdown(by_key[target.key]["ratio"]))
    for site in results["sites"].values():
        lines += [
            "",
            f"## {site['title'][0].upper()}{site['title'][1:]}: urdupoint / bare = "
            f"**{site['ratio']:.2f}x**",
            "",
            site["description"] + f". Best of {results['rounds']} alternated rounds, each crawl "
            "its own process on a fresh state. Pages per CPU second, urdupoint / bare: "
            f"{site['cpu_ratio']:.2f}x (steadier than wall time on a shared machine; what the "
            "ratio would be on an idle one, were both crawls CPU-bound; CPU busy says whether "
            "they were):",
            "",
            "| crawl | pages | story pages | stories emitted | seconds | pages/s | CPU s | "
            "CPU ms/page | CPU busy | exit |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        best = {run["name"] for run in site["best"].values()}
        for run in site["runs"]:
            name = f"**{run['name']}**" if run["name"] in best else run["name"]
            lines.append(
                f"| {name} | {run['pages']} | {run['story_pages']} | "
                f"{run['stories'] if run['name'].startswith('urdupoint') else '-'} | "
                f"{run['seconds']} | {run['pages_per_s']} | {run['cpu_s']} | "
                f"{run['cpu_ms_per_page']} | {_busy(run)} | {run['returncode']} |"
            )
    cpu = results["cpu"]
    if cpu:
        lines += [
            "",
            f"## CPU per story page, in one process ({cpu['pages']} pages of the benchmark "
            f"site, best of {cpu['repeats']}, interleaved)",
            "",
            "| | CPU ms per page | ours / this |",
            "|---|---:|---:|",
            f"| ours: parse + pipelines | {cpu['ours_ms']:.3f} "
            f"(parse {cpu['parse_ms']:.3f} + pipelines {cpu['pipelines_ms']:.3f}) | 1.00 |",
            f"| `lxml.html.fromstring` | {cpu['lxml_ms']:.3f} | {cpu['ours_vs_lxml']:.2f}x |",
            f"| `trafilatura.extract` {cpu['trafilatura_version']} | "
            f"{cpu['trafilatura_ms']:.3f} | {cpu['ours_vs_trafilatura']:.2f}x |",
        ]
    lines += [
        "",
        "Absolute figures are context: compare two runs' only with their reference loops. "
        "`bare` is `benchmark/bare.py` (the same links as urdupoint, found with one XPath "
        "and a path filter, Scrapy's defaults, no items); `urdupoint` runs with every feature "
        "on (frontier, staging, incremental, dedupe, report).",
    ]
    if results.get("profile"):
        lines += ["", f"cProfile of one more urdupoint crawl: `{Path(results['profile']).name}`."]
    return "\n".join(lines) + "\n"


def _busy(run: dict[str, Any]) -> str:
    """CPU seconds per wall second of a crawl: under 100%, it waited (on the network, on
    its own scheduling, or on a machine busy with other work)."""
    return f"{run['cpu_s'] / run['seconds']:.0%}" if run["seconds"] else "-"


def write(results: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "results.md").write_text(markdown(results))
