"""The benchmark's results as Markdown (``results.md``), JSON and a PNG chart."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from benchmark import ratios
from benchmark.quality import ExtractorScore
from benchmark.runs import CrawlResult

#: The benchmark's targets on memory, quality and incremental runs (issue 8). Its speed
#: targets are ratios measured in the same run (issue 18): ``ratios.py``.
TARGET_PEAK_RSS_MB = 300.0
TARGET_F1 = 0.99
TARGET_INCREMENTAL_SHARE = 0.02


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    import scrapy

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        # Which build runs matters as much as the version: a distribution's interpreter is
        # built with profile-guided optimization, a pyenv one by default is not (our Python-
        # heavy parse and dedupe then cost ~7% more; lxml's C parse does not move).
        "python": f"{platform.python_version()} ({os.path.realpath(sys.executable)})",
        "scrapy": scrapy.__version__,
    }


def _mark(ok: bool) -> str:
    return "met" if ok else "**not met**"


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    crawls = results["crawls"]
    ours, again = crawls["urdupoint"], crawls["incremental"]
    ratio = results["throughput_ratio"]
    lines = [
        "# newsbot benchmark",
        "",
        f"{results['stories']} stories generated ({results['story_pages']} story pages), served "
        f"by {results['server']} on loopback; {results['concurrency']} concurrent requests, "
        "politeness off. Measured on "
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}, "
        f"Scrapy {m['scrapy']}, {results['date']}.{_reference(results)}",
        "",
        "## Crawls",
        "",
        "| run | pages | stories | seconds | pages/s | stories/s | CPU ms/page | "
        "CPU ms/story | peak RSS MB | server CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in crawls.values():
        lines.append(
            f"| {run['name']} | {run['pages']} | {run['stories']} | {run['seconds']} | "
            f"{run['pages_per_s']} | {run['stories_per_s']} | {run['cpu_ms_per_page']} | "
            f"{run['cpu_ms_per_story']} | {run['peak_rss_mb']} | {run['server_cpu_s']} |"
        )
    lines += [
        "",
        "`bare` is plain Scrapy following the same links (no parsing, items or pipelines): "
        "the framework's ceiling here. `incremental` is `urdupoint` again on the unchanged "
        "site, with the state of the first run.",
        "",
        f"- Throughput, pages/s, urdupoint / bare: **{ratio:.2f}x** (same run).",
        f"- Incremental re-crawl: {again['pages']} requests = "
        f"**{results['incremental_share']:.2%}** of the full crawl's, in "
        f"{again['seconds'] / ours['seconds']:.1%} of its time.",
        f"- Server CPU during the urdupoint crawl: {ours['server_cpu_s']} s "
        f"({results['server_cpu_share']:.1%} of the crawl's wall time): not the bottleneck.",
        "",
        *_scale_out_lines(results),
        "## Parse + pipelines alone (in-process replay of every story page)",
        "",
        "| part | CPU ms per story page |",
        "|---|---:|",
        f"| parse (HTML tree included) + staging | {results['replay']['parse_ms']} |",
        f"| pipelines (release in publication order) | {results['replay']['pipelines_ms']} |",
        f"| **total** | **{results['replay']['total_ms']}** |",
        "",
        *_cpu_lines(results),
        f"## Body text against the ground truth ({results['quality_pages']} story pages)",
        "",
        "| extractor | version | pages | mean F1 | min F1 | pages with F1 >= 0.99 | CPU ms/page |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in results["quality"]:
        if row.get("error"):
            lines.append(f"| {row['name']} | - | - | not run: {row['error']} | | | |")
            continue
        ms = f"{row['ms_per_page']:.2f}" if row["ms_per_page"] else "-"
        lines.append(
            f"| {row['name']} | {row['version'] or '-'} | {row['pages']} | {row['mean_f1']:.4f} | "
            f"{row['min_f1']:.4f} | {row['share_at_least_099']:.1%} | {ms} |"
        )
    emitted = results["emitted_quality"]
    lines += [
        "",
        "`newsbot (emitted)` is the feed the crawl wrote (parser and pipelines, boilerplate "
        "stripped), over every story; the other rows extract the same sample of pages. "
        f"The crawl emitted {emitted['emitted']} of {emitted['expected']} stories "
        f"({emitted['missing']} missing, {emitted['extra']} not in the ground truth).",
        "",
        "## Targets",
        "",
        "| target | figure | |",
        "|---|---|---|",
        *_ratio_targets(results),
        f"| peak RSS < 300 MB | {ours['peak_rss_mb']} MB | "
        f"{_mark(ours['peak_rss_mb'] < TARGET_PEAK_RSS_MB)} |",
        f"| RSS flat as stories grow | {results['rss_growth_mb']:+.1f} MB from 10% to 100% of "
        f"the stories | {_mark(results['rss_growth_mb'] < 20)} |",
        f"| body F1 >= 0.99 on every story | min {emitted['min_f1']:.4f} | "
        f"{_mark(emitted['min_f1'] >= TARGET_F1)} |",
        f"| incremental <= 2% of the full crawl's requests | {results['incremental_share']:.2%} "
        f"| {_mark(results['incremental_share'] <= TARGET_INCREMENTAL_SHARE)} |",
        "",
        "![throughput and memory](bench.png)",
        "",
    ]
    return "\n".join(lines)


def _reference(results: dict[str, Any]) -> str:
    """The machine's speed in this run (the reference loop), for comparing absolute figures."""
    reference = results.get("reference_loop_ms")
    if not reference:
        return ""
    return (
        f" Machine speed: reference loop {reference['before']} ms before, "
        f"{reference['after']} ms after (`benchmark/ratios.py`; lower is faster)."
    )


def _cpu_lines(results: dict[str, Any]) -> list[str]:
    """Our CPU per story page against two yardsticks on the same pages, in this process."""
    cpu = results.get("cpu")
    if not cpu:
        return []
    return [
        f"The same CPU against yardsticks, on the {cpu['pages']} sampled pages in this "
        f"process (interleaved, best of {cpu['repeats']}): ours {cpu['ours_ms']:.3f} ms, "
        f"`lxml.html.fromstring` {cpu['lxml_ms']:.3f} ms (**{cpu['ours_vs_lxml']:.2f}x**), "
        f"trafilatura {cpu['trafilatura_ms']:.3f} ms (**{cpu['ours_vs_trafilatura']:.2f}x**).",
        "",
    ]


def _ratio_targets(results: dict[str, Any]) -> list[str]:
    """Issue 18's targets, each a ratio measured in this run (``ratios.py``)."""
    rows = {row["key"]: row for row in results.get("targets", [])}
    return [
        target.markdown(rows[target.key]["ratio"])
        for target in (ratios.THROUGHPUT_BENCH, ratios.CPU_VS_TRAFILATURA, ratios.CPU_VS_LXML)
        if target.key in rows
    ]


def _scale_out_lines(results: dict[str, Any]) -> list[str]:
    two = results.get("scale_out")
    one = results["crawls"]["urdupoint"]
    if not two:
        return ["Scale-out: not measured (redis-server not installed).", ""]
    return [
        "## Scale-out: two worker processes, one crawl, through Redis",
        "",
        "| run | processes | wall seconds | pages | stories written | speed-up |",
        "|---|---:|---:|---:|---:|---:|",
        f"| urdupoint | 1 | {one['wall_s']} | {one['pages']} | {one['stories']} | 1.00 |",
        f"| urdupoint + Redis | 2 | {two['wall_s']} | {' + '.join(map(str, two['pages']))} | "
        f"{two['stories']} | {two['speedup']:.2f} |",
        "",
        f"Both from a fresh state; wall time from process start to exit. This machine has "
        f"{results['machine']['cores']} cores, shared with nginx and Redis.",
        "",
    ]


def chart(runs: list[CrawlResult], path: Path) -> None:
    """Pages fetched over time, and RSS as the crawl's stories grow."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for run in runs:
        t = [s["t"] for s in run.samples]
        pages = [s["responses"] for s in run.samples]
        left.plot(t, pages, label=run.name)
        right.plot(pages, [s["rss_mb"] for s in run.samples], label=run.name)
    left.set(title="Throughput", xlabel="seconds", ylabel="pages fetched")
    right.set(title="Memory", xlabel="pages fetched", ylabel="RSS, MB", ylim=(0, None))
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def quality_rows(scores: list[ExtractorScore]) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "version": s.version,
            "pages": s.pages,
            "mean_f1": s.mean_f1,
            "min_f1": s.min_f1,
            "share_at_least_099": s.share_at_least_099,
            "ms_per_page": s.ms_per_page,
            "error": s.error,
        }
        for s in scores
    ]


def write(results: dict[str, Any], runs: list[CrawlResult], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    chart(runs, out / "bench.png")
    table = out / "results.md"
    table.write_text(markdown(results))
    return table
