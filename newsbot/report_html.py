"""The runs page: how the last runs went, at a glance, in one static HTML file.

Written after each run beside the reports (``<state_dir>/reports/<spider>/runs.html``).
Operators open it from disk or any static file server: no script, no external CSS or
fonts, charts in inline SVG. Every bar or cell carries its figure in ``data-*``
attributes and a ``<title>`` (the tooltip), so a test or a script can read the numbers
the page shows. Pure: the runs index and the corpus tally in, HTML out. Every text
that comes from the site (categories) or from a request (job ids) is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from newsbot.exitcodes import describe

WIDTH = 960
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
#: Days of the corpus drawn by publication day, and categories listed.
CORPUS_DAYS = 90
CORPUS_CATEGORIES = 25
RUNS_LISTED = 30

CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
pre { background: #f6f6f6; padding: 10px; white-space: pre-wrap; }
table { border-collapse: collapse; font-size: 13px; }
td, th { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
td:first-child, th:first-child, td.l, th.l { text-align: left; }
td { white-space: nowrap; }
.ok { color: #2e7d32; } .warn { color: #b26a00; } .bad { color: #c62828; font-weight: bold; }
.legend span { display: inline-block; margin-right: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
svg text { font: 11px system-ui, sans-serif; fill: #555; }
"""


def outcome(run: dict[str, Any]) -> str:
    """``exit status N: meaning`` of a run in the index."""
    return describe(int(run.get("exit_status") or 0), run.get("finish_reason"))


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def status_class(code: int) -> str:
    return "ok" if code == 0 else "warn" if code == 7 else "bad"


def _status_color(code: int) -> str:
    return {"ok": "#59a14f", "warn": "#edc948", "bad": "#e15759"}[status_class(code)]


def _svg(chart_id: str, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg id="{_attr(chart_id)}" role="img" aria-label="{_attr(label)}" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'xmlns="http://www.w3.org/2000/svg">' + "".join(body) + "</svg>"
    )


def run_bars(
    chart_id: str, label: str, runs: Sequence[dict[str, Any]], key: str, attr: str = "run"
) -> str:
    """One bar per run (oldest left) for the number ``run[key]``; ``data-<attr>`` names it."""
    height, top, bottom, left = 150, 14, 20, 40
    plot_h, plot_w = height - top - bottom, WIDTH - left - 10
    values = [int(run.get(key) or 0) for run in runs]
    peak = max(values, default=0) or 1
    step = plot_w / max(len(runs), 1)
    body = [
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{peak}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - 10}" y2="{top + plot_h}" '
        'stroke="#999"/>',
    ]
    for index, (run, value) in enumerate(zip(runs, values, strict=True)):
        bar_h = plot_h * value / peak
        x = left + index * step
        body.append(
            f'<rect class="bar" data-{attr}="{_attr(run.get("run", ""))}" data-value="{value}" '
            f'x="{x + step * 0.1:.1f}" y="{top + plot_h - bar_h:.1f}" '
            f'width="{max(step * 0.8, 1):.1f}" height="{bar_h:.1f}" fill="{PALETTE[0]}">'
            f"<title>{escape(str(run.get('run', '')))}: {value} {escape(label)}</title></rect>"
        )
    body += _run_axis(runs, left, top + plot_h + 14)
    return _svg(chart_id, height, body, label)


def _run_axis(runs: Sequence[dict[str, Any]], left: int, y: int) -> list[str]:
    if not runs:
        return [f'<text x="{left}" y="{y}">no runs yet</text>']
    first, last = runs[0].get("finished_at", ""), runs[-1].get("finished_at", "")
    return [
        f'<text x="{left}" y="{y}">{escape(str(first))}</text>',
        f'<text x="{WIDTH - 10}" y="{y}" text-anchor="end">{escape(str(last))}</text>',
    ]


def drop_bars(runs: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """Drops per run, stacked by reason; and the legend of the reasons' colours."""
    height, top, bottom, left = 170, 14, 20, 40
    plot_h, plot_w = height - top - bottom, WIDTH - left - 10
    reasons = sorted({reason for run in runs for reason in (run.get("dropped") or {})})
    colors = {reason: PALETTE[i % len(PALETTE)] for i, reason in enumerate(reasons)}
    totals = [sum((run.get("dropped") or {}).values()) for run in runs]
    peak = max(totals, default=0) or 1
    step = plot_w / max(len(runs), 1)
    body = [
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{peak}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - 10}" y2="{top + plot_h}" '
        'stroke="#999"/>',
    ]
    for index, run in enumerate(runs):
        base = float(top + plot_h)
        for reason in reasons:
            value = int((run.get("dropped") or {}).get(reason, 0))
            if not value:
                continue
            bar_h = plot_h * value / peak
            base -= bar_h
            body.append(
                f'<rect class="bar" data-run="{_attr(run.get("run", ""))}" '
                f'data-reason="{_attr(reason)}" data-value="{value}" '
                f'x="{left + index * step + step * 0.1:.1f}" y="{base:.1f}" '
                f'width="{max(step * 0.8, 1):.1f}" height="{bar_h:.1f}" fill="{colors[reason]}">'
                f"<title>{escape(str(run.get('run', '')))}: {value} {escape(reason)}</title></rect>"
            )
    body += _run_axis(runs, left, top + plot_h + 14)
    legend = "".join(
        f'<span><i style="background:{colors[r]}"></i>{escape(r)}</span>' for r in reasons
    )
    return _svg("drops", height, body, "drops by reason"), f'<p class="legend">{legend}</p>'


def coverage_cells(runs: Sequence[dict[str, Any]]) -> str:
    """Field coverage of the stories written: a row per field, a cell per run (darker: more).

    The latest run's share is written at the end of each row.
    """
    fields: list[str] = []
    for run in runs:
        for name in run.get("coverage_of_emitted") or {}:
            if name not in fields:
                fields.append(name)
    left, right, row_h, top = 130, 50, 14, 4
    height = top + row_h * len(fields) + 6
    step = (WIDTH - left - right) / max(len(runs), 1)
    latest = (runs[-1].get("coverage_of_emitted") or {}) if runs else {}
    body = []
    for row, name in enumerate(fields):
        y = top + row * row_h
        body.append(f'<text x="{left - 6}" y="{y + 10}" text-anchor="end">{escape(name)}</text>')
        if latest.get(name) is not None:  # the latest run's figure, in words
            body.append(f'<text x="{WIDTH - right + 6}" y="{y + 10}">{latest[name]:.0%}</text>')
        for index, run in enumerate(runs):
            value = (run.get("coverage_of_emitted") or {}).get(name)
            if value is None:
                fill, shown = "#eee", "no stories"
            else:
                fill, shown = f"rgba(78,121,167,{0.08 + 0.92 * float(value):.2f})", f"{value:.0%}"
            body.append(
                f'<rect class="cell" data-run="{_attr(run.get("run", ""))}" '
                f'data-field="{_attr(name)}" data-value="{"" if value is None else value}" '
                f'x="{left + index * step:.1f}" y="{y}" width="{max(step - 1, 1):.1f}" '
                f'height="{row_h - 2}" fill="{fill}">'
                f"<title>{escape(str(run.get('run', '')))}: {escape(name)} {shown}</title></rect>"
            )
    return _svg("coverage", max(height, 20), body, "field coverage of emitted stories")


def status_strip(runs: Sequence[dict[str, Any]]) -> str:
    """Exit status per run: green 0, amber 7 (degraded), red otherwise."""
    left, height = 40, 30
    step = (WIDTH - left - 10) / max(len(runs), 1)
    body = []
    for index, run in enumerate(runs):
        code = int(run.get("exit_status") or 0)
        body.append(
            f'<rect class="status" data-run="{_attr(run.get("run", ""))}" data-value="{code}" '
            f'data-reason="{_attr(run.get("finish_reason", ""))}" '
            f'x="{left + index * step:.1f}" y="4" width="{max(step - 1, 1):.1f}" height="18" '
            f'fill="{_status_color(code)}"><title>{escape(str(run.get("run", "")))}: '
            f"{escape(outcome(run))}</title></rect>"
        )
    return _svg("exit-status", height, body, "exit status per run")


def corpus_by_day(by_day: dict[str, int]) -> str:
    days = sorted(by_day)[-CORPUS_DAYS:]
    return run_bars(
        "corpus-by-day",
        "stories",
        [{"run": day, "finished_at": day, "count": by_day[day]} for day in days],
        "count",
        attr="day",
    )


def corpus_by_category(by_category: dict[str, int]) -> str:
    ranked = sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))[:CORPUS_CATEGORIES]
    left, row_h = 200, 16
    peak = max((count for _, count in ranked), default=0) or 1
    plot_w = WIDTH - left - 60
    body = []
    for row, (name, count) in enumerate(ranked):
        y = 4 + row * row_h
        width = plot_w * count / peak
        body.append(
            f'<text x="{left - 6}" y="{y + 11}" text-anchor="end">{escape(name[:40])}</text>'
            f'<rect class="bar" data-category="{_attr(name)}" data-value="{count}" x="{left}" '
            f'y="{y}" width="{width:.1f}" height="{row_h - 3}" fill="{PALETTE[4]}">'
            f"<title>{escape(name)}: {count} stories</title></rect>"
            f'<text x="{left + width + 4:.1f}" y="{y + 11}">{count}</text>'
        )
    return _svg("corpus-by-category", 8 + row_h * len(ranked), body, "stories by category")


def runs_table(runs: Sequence[dict[str, Any]]) -> str:
    head = (
        "<tr><th>finished (UTC)</th><th class='l'>run</th><th class='l'>exit status</th>"
        "<th>stories</th><th>requests</th><th>drops</th><th>errors</th><th>seconds</th></tr>"
    )
    rows = []
    for run in reversed(runs[-RUNS_LISTED:]):
        code = int(run.get("exit_status") or 0)
        name = str(run.get("run", ""))
        link = (
            f'<a href="{_attr(run["report"])}">{escape(name)}</a>'
            if run.get("report")
            else escape(name)
        )
        rows.append(
            f"<tr><td>{escape(str(run.get('finished_at', '')))}</td><td class='l'>{link}</td>"
            f"<td class='{status_class(code)} l'>{escape(outcome(run))}</td>"
            f"<td>{int(run.get('stories_emitted') or 0)}</td>"
            f"<td>{int(run.get('requests') or 0)}</td>"
            f"<td>{sum((run.get('dropped') or {}).values())}</td>"
            f"<td>{sum((run.get('errors') or {}).values())}</td>"
            f"<td>{escape(str(run.get('elapsed_seconds', '')))}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def render_page(
    spider: str,
    runs: Sequence[dict[str, Any]],
    tally: dict[str, Any] | None,
    summary: Sequence[str],
) -> str:
    """The whole page: the latest run's summary, charts over ``runs``, the corpus."""
    latest = runs[-1] if runs else {}
    code = int(latest.get("exit_status") or 0)
    drops_svg, drops_legend = drop_bars(runs)
    if tally and tally.get("stories"):
        corpus = (
            f"<p>{int(tally['stories'])} stories in <code>{escape(str(tally['feed']))}</code>"
            f" (last {CORPUS_DAYS} publication days shown).</p>"
            f"<h3>By publication day</h3>{corpus_by_day(tally.get('by_day') or {})}"
            f"<h3>By category</h3>{corpus_by_category(tally.get('by_category') or {})}"
        )
    else:
        corpus = "<p>No stories counted yet (the default feed, NEWSBOT_FEED, is empty or off).</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>newsbot: {escape(spider)} runs</title>
<style>{CSS}</style></head>
<body>
<h1>newsbot: the last {len(runs)} runs of <code>{escape(spider)}</code></h1>
<p id="latest-status" class="{status_class(code)}" data-value="{code}">
Latest run {escape(str(latest.get("run", "")))}: {escape(outcome(latest))}</p>
<pre id="summary">{escape(chr(10).join(summary))}</pre>
<h2>Exit status</h2>{status_strip(runs)}
<h2>New stories per run</h2>{run_bars("stories", "stories", runs, "stories_emitted")}
<h2>Requests per run</h2>{run_bars("requests", "requests", runs, "requests")}
<h2>Drops by reason</h2>{drops_svg}{drops_legend}
<h2>Field coverage of the stories written</h2>{coverage_cells(runs)}
<h2>Recent runs</h2>{runs_table(runs)}
<h2>The corpus</h2>{corpus}
</body></html>
"""
