"""``python -m benchmark freshness``: a simulated week of hourly runs at the real site's scale.

The hourly incremental run is the product's main mode. Its cost must follow the number
of new stories, not the number of topics the site has named lately. This replays it:

1. A real-scale sample site (``newsbot.sample_site.scale``: 450 stories a day, a
   10,000-topic vocabulary drawn Zipf-like, 12-18 topics a story, 3% of stories reachable
   only through topic pages) is served on loopback, one hourly edition at a time.
2. Hour 0 is the first run on an empty state (the backfill of the history before the
   week); then one ``scrapy crawl urdupoint`` process per hour, each on the state the
   last one left, with politeness off (loopback) and otherwise the default settings.
3. Per run: requests, *polite minutes* (requests x ``--delay``, the ``DOWNLOAD_DELAY``
   of a real run), new stories, the topic plan. Over the week: the lag from a story's
   publication to the first run that emitted it (listed stories, and topic-only ones),
   stories missed, stories emitted twice. Optionally a date-window backfill on the last
   edition checks that nothing outside ``since``/``until`` is emitted.
4. ``results.md``, ``results.json`` and ``freshness.png`` go to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmark import HelpFormatter, at_least, common_options
from newsbot.sample_site.scale import TOPICS_PER_STORY, ScaleSite, ScaleSiteServer, ScaleSpec

REPO = Path(__file__).resolve().parents[1]
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "TELNETCONSOLE_ENABLED": "False",
    "LOG_LEVEL": "INFO",
}
TARGETS = {
    "p95_requests": 200,
    "median_requests": 120,
    "listed_first_run": 0.99,
    "topic_only_24h": 0.95,
}


def share(text: str) -> float:
    """An argparse ``type``: a fraction within 0..1 (the error says so in one line)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"within 0..1, not {value}")
    return value


def non_negative(text: str) -> float:
    """An argparse ``type``: a number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0.0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"at least 0, not {value}")
    return value


def setting(text: str) -> tuple[str, str]:
    """An argparse ``type``: ``NAME=VALUE`` (a clean error, not a traceback, without ``=``)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"NAME=VALUE, not {text!r}")
    return name.strip(), value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmark freshness",
        description=(__doc__ or "").replace("``", ""),
        formatter_class=HelpFormatter,
        parents=[common_options("output/bench/freshness", concurrency=8, server=False)],
    )
    parser.add_argument("--hours", type=at_least(1), default=168, help="hourly runs after hour 0")
    parser.add_argument(
        "--stories-per-day", type=at_least(1), default=450, help="new stories a day on the site"
    )
    parser.add_argument(
        "--vocabulary",
        type=at_least(TOPICS_PER_STORY[1]),
        default=10_000,
        help=f"topic names (a story names {TOPICS_PER_STORY[0]}-{TOPICS_PER_STORY[1]} of them)",
    )
    parser.add_argument(
        "--history-days",
        type=at_least(0),
        default=2,
        help="days of stories before hour 0 (the first run's backfill)",
    )
    parser.add_argument(
        "--topic-only-share",
        type=share,
        default=0.03,
        help="share of stories reachable only through topic pages (0..1)",
    )
    parser.add_argument(
        "--delay",
        type=non_negative,
        default=1.0,
        help="DOWNLOAD_DELAY of a real run, in seconds: polite minutes = requests x delay",
    )
    parser.add_argument(
        "-s",
        "--setting",
        type=setting,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting for every run (repeatable)",
    )
    parser.add_argument(
        "--no-window-check",
        action="store_true",
        help="skip the date-window backfill on the last edition (since/until)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    extra = dict(args.setting)
    spec = ScaleSpec(
        stories_per_day=args.stories_per_day,
        vocabulary=args.vocabulary,
        days=math.ceil(args.hours / 24),
        history_days=args.history_days,
        topic_only_share=args.topic_only_share,
    )
    work = args.work or Path(tempfile.mkdtemp(prefix="newsbot-freshness-"))
    shutil.rmtree(work, ignore_errors=True)  # a state left by another run would skew every figure
    work.mkdir(parents=True)
    print(f"freshness: work in {work} (kept afterwards)", flush=True)
    results = simulate(spec, args.hours, work, args.concurrency, extra, args.delay)
    if not args.no_window_check:
        results["window_check"] = window_check(spec, args.hours, work, args.concurrency)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(render_markdown(results))
    plot(results, args.out / "freshness.png")
    print(render_markdown(results))
    print(f"freshness: results in {args.out}")
    return 0 if all(results["targets"].values()) else 1


def crawl(
    base_url: str, work: Path, name: str, concurrency: int, settings: dict[str, str], *args: str
) -> dict[str, Any]:
    """One ``scrapy crawl urdupoint`` process; its end-of-crawl report (and exit status)."""
    report = work / "reports" / f"{name}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    merged = {
        **FAST,
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "NEWSBOT_STATE_DIR": str(work / "state"),
        "NEWSBOT_FEED": str(work / "urdupoint.jsonl"),
        "NEWSBOT_DROPPED_FEED": str(work / "urdupoint.dropped.jsonl"),
        "NEWSBOT_REPORT": str(report),
        **settings,
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "urdupoint", "-a", f"base_url={base_url}"]
    command += list(args)
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "SCRAPY_SETTINGS_MODULE": "newsbot.settings"}
    (work / "logs").mkdir(exist_ok=True)
    with (work / "logs" / f"{name}.log").open("w") as log:
        proc = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, check=False
        )
    data: dict[str, Any] = json.loads(report.read_text()) if report.exists() else {}
    data["returncode"] = proc.returncode
    return data


def _feed_ids(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line)["article_id"] for line in fh if line.strip()]


def simulate(
    spec: ScaleSpec,
    hours: int,
    work: Path,
    concurrency: int,
    settings: dict[str, str],
    delay: float,
) -> dict[str, Any]:
    site = ScaleSite(spec)
    truth = {str(s.article_id): s for s in site.stories}
    feed = work / "urdupoint.jsonl"
    first_emitted: dict[str, int] = {}
    runs: list[dict[str, Any]] = []
    started = time.monotonic()
    with ScaleSiteServer(site) as server:
        for hour in range(hours + 1):
            server.set_hour(hour)
            before = len(_feed_ids(feed))
            report = crawl(server.base_url, work, f"run-{hour:03d}", concurrency, settings)
            ids = _feed_ids(feed)
            for article_id in ids[before:]:
                first_emitted.setdefault(article_id, hour)
            topics = report.get("topics", {})
            runs.append(
                {
                    "hour": hour,
                    "returncode": report["returncode"],
                    "requests": int(report.get("requests", 0)),
                    "polite_minutes": round(int(report.get("requests", 0)) * delay / 60, 2),
                    "new_stories": len(ids) - before,
                    "topic_requests": int(topics.get("requests", 0)),
                    "topics_planned": int(topics.get("planned", 0)),
                    "topics_skipped": int(topics.get("skipped", 0)),
                    "topic_new_stories": int(topics.get("new_stories", 0)),
                }
            )
            print(
                f"freshness: hour {hour:3d}: {runs[-1]['requests']:5d} requests, "
                f"{runs[-1]['new_stories']:4d} new stories, exit {report['returncode']}",
                flush=True,
            )
    ids = _feed_ids(feed)
    duplicates = sum(count - 1 for count in Counter(ids).values() if count > 1)
    week_start = site.moment(0)
    end = site.moment(hours)
    lags: dict[str, list[float]] = {"listed": [], "topic_only": []}
    first_run: dict[str, list[bool]] = {"listed": [], "topic_only": []}
    missed: dict[str, int] = {"listed": 0, "topic_only": 0}
    unknown = sum(1 for article_id in set(ids) if article_id not in truth)
    for article_id, story in truth.items():
        if not week_start < story.published <= end:
            continue  # the history (backfilled at hour 0) or not yet published
        group = "listed" if story.on_listing else "topic_only"
        emitted_at = first_emitted.get(article_id)
        if emitted_at is None:
            missed[group] += 1
            continue
        lag = (site.moment(emitted_at) - story.published) / timedelta(hours=1)
        lags[group].append(round(lag, 3))
        first_run[group].append(emitted_at == _first_run_after(story.published, week_start))
    hourly = [r for r in runs if r["hour"] > 0]
    requests = [r["requests"] for r in hourly]
    summary = {
        "runs": len(hourly),
        "requests_median": statistics.median(requests),
        "requests_p95": _percentile(requests, 95),
        "requests_max": max(requests),
        "polite_minutes_p95": round(_percentile(requests, 95) * delay / 60, 2),
        "new_stories_per_run": round(statistics.mean(r["new_stories"] for r in hourly), 1),
        "failed_runs": sum(1 for r in runs if r["returncode"] != 0),
        "duplicates": duplicates,
        "not_in_site": unknown,
    }
    for group in ("listed", "topic_only"):
        total = len(lags[group]) + missed[group]
        within = [lag for lag in lags[group] if lag <= 24]
        summary[group] = {
            "stories": total,
            "missed": missed[group],
            "first_run_share": _share(sum(first_run[group]), total),
            "within_24h_share": _share(len(within), total),
            "emitted_share": _share(len(lags[group]), total),
            "lag_hours_median": statistics.median(lags[group]) if lags[group] else None,
            "lag_hours_p95": _percentile(lags[group], 95) if lags[group] else None,
            "lag_hours_max": max(lags[group]) if lags[group] else None,
        }
    targets = {
        "p95 requests per run <= 200": summary["requests_p95"] <= TARGETS["p95_requests"],
        "median requests per run <= 120": summary["requests_median"] <= TARGETS["median_requests"],
        ">= 99% of listed stories at the first run after publication": summary["listed"][
            "first_run_share"
        ]
        >= TARGETS["listed_first_run"],
        "every listed story within 24 h": summary["listed"]["within_24h_share"] == 1.0,
        ">= 95% of topic-only stories within 24 h": summary["topic_only"]["within_24h_share"]
        >= TARGETS["topic_only_24h"],
        "every topic-only story within 7 days": summary["topic_only"]["emitted_share"] == 1.0,
        "0 duplicates": duplicates == 0,
    }
    return {
        "spec": {
            "stories_per_day": spec.stories_per_day,
            "vocabulary": spec.vocabulary,
            "topics_per_story": list(spec.topics_per_story),
            "topic_only_share": spec.topic_only_share,
            "history_days": spec.history_days,
            "hours": hours,
            "stories_in_week": sum(1 for s in truth.values() if week_start < s.published <= end),
            "topics_named_in_week": len(
                {t for s in truth.values() if week_start < s.published <= end for t in s.topics}
            ),
            "settings": settings,
            "delay": delay,
        },
        "first_run": runs[0],
        "runs": runs,
        "lags": lags,
        "summary": summary,
        "targets": targets,
        "wall_seconds": round(time.monotonic() - started, 1),
        "measured_at": datetime.now().astimezone().isoformat(timespec="minutes"),
    }


def window_check(spec: ScaleSpec, hours: int, work: Path, concurrency: int) -> dict[str, Any]:
    """A backfill with ``since``/``until`` on the last edition, from an empty state."""
    site = ScaleSite(spec)
    edition = site.at(hours)
    day = (site.moment(hours) - timedelta(days=1)).date()
    window = work / "window"
    window.mkdir(exist_ok=True)
    with ScaleSiteServer(site, hour=hours) as server:
        report = crawl(
            server.base_url, window, "window", concurrency, {}, "-a", f"since={day}",
            "-a", f"until={day}",
        )  # fmt: skip
    truth = {str(s.article_id): s for s in edition.stories}
    ids = _feed_ids(window / "urdupoint.jsonl")
    inside = {a for a, s in truth.items() if s.published.date() == day}
    outside = [a for a in ids if truth[a].published.date() != day]
    listed_inside = {a for a in inside if truth[a].on_listing}
    return {
        "since": str(day),
        "until": str(day),
        "returncode": report["returncode"],
        "requests": report.get("requests", 0),
        "emitted": len(ids),
        "outside_window": len(outside),
        "stories_in_window": len(inside),
        "listed_in_window_emitted": len(listed_inside & set(ids)),
        "listed_in_window": len(listed_inside),
    }


def _first_run_after(published: datetime, week_start: datetime) -> int:
    return math.ceil((published - week_start) / timedelta(hours=1))


def _percentile(values: list[float] | list[int], pct: int) -> float:
    ordered = sorted(values)
    rank = max(0, math.ceil(pct / 100 * len(ordered)) - 1)
    return float(ordered[rank])


def _share(part: int, total: int) -> float:
    return round(part / total, 4) if total else 1.0


def render_markdown(results: dict[str, Any]) -> str:
    spec, summary = results["spec"], results["summary"]
    lines = [
        f"{summary['runs']} hourly runs on a real-scale sample site: {spec['stories_per_day']} "
        f"stories a day, {spec['vocabulary']:,} topic names (Zipf), "
        f"{spec['topics_per_story'][0]}-{spec['topics_per_story'][1]} topics a story, "
        f"{spec['topic_only_share']:.0%} topic-only; {spec['stories_in_week']} stories and "
        f"{spec['topics_named_in_week']:,} topics named in the week. Hour 0 (the first run, "
        f"a backfill of {spec['history_days']} days) made {results['first_run']['requests']} "
        f"requests. Polite minutes = requests x {spec['delay']} s. Replayed in "
        f"{results['wall_seconds'] / 60:.1f} min ({results['measured_at']}).",
        "",
        "| per hourly run | median | p95 | max |",
        "|---|---:|---:|---:|",
    ]
    runs = [r for r in results["runs"] if r["hour"] > 0]
    for key, label in (
        ("requests", "requests"),
        ("polite_minutes", "polite minutes"),
        ("new_stories", "new stories"),
        ("topic_requests", "topic page requests"),
    ):
        values = [r[key] for r in runs]
        lines.append(
            f"| {label} | {statistics.median(values):g} | {_percentile(values, 95):g} "
            f"| {max(values):g} |"
        )
    lines += [
        "",
        "| stories of the week | count | first run after publication | within 24 h "
        "| emitted by the end | lag median h | lag p95 h | lag max h | missed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for group, label in (("listed", "listed (category or feed)"), ("topic_only", "topic-only")):
        g = summary[group]
        lines.append(
            f"| {label} | {g['stories']} | {g['first_run_share']:.2%} | "
            f"{g['within_24h_share']:.2%} | {g['emitted_share']:.2%} | {g['lag_hours_median']} | "
            f"{g['lag_hours_p95']} | {g['lag_hours_max']} | {g['missed']} |"
        )
    lines += [
        "",
        f"Duplicates: {summary['duplicates']}. Runs that failed: {summary['failed_runs']}.",
    ]
    check = results.get("window_check")
    if check:
        lines.append(
            f"Date window (`since={check['since']}`, `until={check['until']}`, empty state, "
            f"last edition): {check['emitted']} emitted, {check['outside_window']} outside the "
            f"window; {check['listed_in_window_emitted']} of {check['listed_in_window']} listed "
            f"stories of the window; {check['requests']} requests."
        )
    lines += ["", "| target | met |", "|---|---|"]
    lines += [
        f"| {name} | {'met' if ok else '**not met**'} |" for name, ok in results["targets"].items()
    ]
    return "\n".join(lines) + "\n"


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [r for r in results["runs"] if r["hour"] > 0]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7))
    hours = [r["hour"] for r in runs]
    top.bar(
        hours, [r["requests"] - r["topic_requests"] for r in runs], label="feed, listings, stories"
    )
    top.bar(
        hours,
        [r["topic_requests"] for r in runs],
        bottom=[r["requests"] - r["topic_requests"] for r in runs],
        label="topic pages",
    )
    top.axhline(TARGETS["p95_requests"], color="red", linestyle="--", label="p95 target (200)")
    top.set_xlabel("hour of the simulated week")
    top.set_ylabel("requests per run")
    top.legend(loc="upper right", fontsize=8)
    lags = results["lags"]
    bins = [0, 1, 2, 3, 6, 12, 24, 48, 96, 168]
    bottom.hist(
        [lags["listed"], lags["topic_only"]],
        bins=bins,
        label=["listed", "topic-only"],
        density=False,
    )
    bottom.set_xscale("symlog", linthresh=1)
    bottom.set_xticks(bins)
    bottom.set_xticklabels([str(b) for b in bins])
    bottom.set_yscale("log")
    bottom.set_xlabel("lag from publication to the first run that emitted it (hours)")
    bottom.set_ylabel("stories")
    bottom.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
