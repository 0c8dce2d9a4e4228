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

from newsbot.exitcodes import INTERRUPTED, describe

WIDTH = 960
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
#: Days of the corpus drawn by publication day, and categories listed.
CORPUS_DAYS = 90
CORPUS_CATEGORIES = 25
RUNS_LISTED = 30

#: The page fits its width (1200 px windows and narrower): charts scale down, and the
#: table's text columns wrap (long run ids and paths anywhere) instead of scrolling sideways.
CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
pre { background: #f6f6f6; padding: 10px; white-space: pre-wrap; overflow-wrap: anywhere; }
svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 13px; width: 100%; table-layout: fixed; }
td, th { border-bottom: 1px solid #ddd; padding: 3px 6px; text-align: right; vertical-align: top; }
td:first-child, th:first-child, td.l, th.l { text-align: left; }
td { white-space: nowrap; }
td.l { white-space: normal; overflow-wrap: anywhere; }
td small { color: #555; font-weight: normal; }
.ok { color: #2e7d32; } .warn { color: #b26a00; } .bad { color: #c62828; font-weight: bold; }
.stopped { color: #1f5fa8; } .skipped { color: #666; }
.legend span { display: inline-block; margin-right: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
svg text { font: 11px system-ui, sans-serif; fill: #555; }
"""


def outcome(run: dict[str, Any]) -> str:
    """``exit status N: meaning`` of a run in the index."""
    return describe(int(run.get("exit_status") or 0), run.get("finish_reason"))


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


#: A run's kind on the page: (label, CSS class, colour), by ``status_class``.
KINDS = {
    "ok": ("finished", "#59a14f"),
    "stopped": ("interrupted", "#4e79a7"),
    "warn": ("degraded", "#edc948"),
    "skipped": ("refused: another crawl runs", "#bab0ac"),
    "bad": ("failed", "#e15759"),
}


def status_class(code: int, reason: str | None = None) -> str:
    """How a run went, at a glance: finished, interrupted (Ctrl-C, a cancelled job: exit 0
    but not complete), degraded (7), refused because another crawl holds the state (4:
    nothing wrong, the next run goes ahead), or failed."""
    if code == 0:
        return "stopped" if reason in INTERRUPTED else "ok"
    return "warn" if code == 7 else "skipped" if code == 4 else "bad"


def run_class(run: dict[str, Any]) -> str:
    return status_class(int(run.get("exit_status") or 0), run.get("finish_reason"))


def run_label(run: dict[str, Any]) -> str:
    """``finished``, ``interrupted``, ``degraded``, ``failed``; ``refused`` before a crawl."""
    kind = run_class(run)
    if run.get("refused") and kind != "skipped":
        return "refused"
    return KINDS[kind][0]


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
    peak = nice_peak(max(values, default=0))
    step = plot_w / max(len(runs), 1)
    body = value_axis(peak, left, top, plot_h)
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


#: Labels on a chart's axis of runs or days at most: one every ~100 px, so none overlap.
X_TICKS = 9
Y_TICKS = 4


def nice_peak(value: int) -> int:
    """The top of a value axis: ``value`` rounded up so that ``Y_TICKS`` steps are round."""
    if value <= 0:
        return 1
    raw = value / Y_TICKS
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= raw and float(step).is_integer():
            return int(step * Y_TICKS)
    return int(10 * magnitude * Y_TICKS)


def value_axis(peak: int, left: int, top: int, plot_h: int) -> list[str]:
    """The value axis: ``Y_TICKS`` + 1 labelled ticks from 0 to ``peak``, with grid lines."""
    body = []
    for tick in range(Y_TICKS + 1):
        value = peak * tick / Y_TICKS
        y = top + plot_h - plot_h * tick / Y_TICKS
        shown = f"{value:g}"
        body.append(
            f'<text class="ytick" data-value="{shown}" x="{left - 4}" y="{y + 4:.1f}" '
            f'text-anchor="end">{shown}</text>'
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - 10}" y2="{y:.1f}" '
            f'stroke="{"#999" if tick == 0 else "#eee"}"/>'
        )
    return body


def _short_time(value: object) -> str:
    """``2026-11-29T15:37:31+00:00`` as ``11-29 15:37``; a day stays as it is."""
    text = str(value or "")
    if len(text) >= 16 and text[10] == "T":
        return f"{text[5:10]} {text[11:16]}"
    return text


def _tick_labels(runs: Sequence[dict[str, Any]], picks: list[int]) -> list[str]:
    """The labels of the picked runs, none the same as another.

    Why: runs minutes apart (a first hour of trying things) gave ``11-29 18:40`` under
    every tick. On one day the day is said once, at the first tick, and the others give
    the time; labels still equal get their seconds; any still equal are left out ("").
    """
    times = [str(runs[index].get("finished_at", "") or "") for index in picks]
    iso = all(len(text) >= 19 and text[10] == "T" for text in times)
    if not iso:
        labels = [_short_time(text) for text in times]
    else:
        one_day = len({text[:10] for text in times}) == 1
        end = 16 if len({text[:16] for text in times}) == len(times) else 19
        labels = [
            f"{text[5:10]} {text[11:end]}" if not one_day or position == 0 else text[11:end]
            for position, text in enumerate(times)
        ]
    seen: set[str] = set()
    unique = []
    for label in labels:
        unique.append("" if label in seen else label)
        seen.add(label)
    return unique


#: Width of a tick label's character at the page's 14 px font, a little generous: ticks
#: that would come closer than this are not drawn.
CHAR_PX = 8


def _run_axis(runs: Sequence[dict[str, Any]], left: int, y: int) -> list[str]:
    """Labels under the bars: every k-th run's time (or day), the first and last included,
    none on top of another."""
    if not runs:
        return [f'<text x="{left}" y="{y}">no runs yet</text>']
    step = (WIDTH - left - 10) / len(runs)
    count = min(len(runs), X_TICKS)
    picks = sorted({round(i * (len(runs) - 1) / max(count - 1, 1)) for i in range(count)})
    body = []
    placed: list[tuple[float, float]] = []
    labelled = list(zip(picks, _tick_labels(runs, picks), strict=True))
    ends_first = [labelled[0], *labelled[-1:][: len(labelled) - 1], *labelled[1:-1]]
    for index, label in ends_first:  # the first and last run always have their label
        if not label:
            continue
        width = CHAR_PX * len(label)
        if index == 0:  # the ends flush with the plot, the others under their bar
            x, anchor, start = float(left), "start", float(left)
        elif index == len(runs) - 1:
            x, anchor, start = float(WIDTH - 10), "end", WIDTH - 10 - width
        else:
            x, anchor = left + (index + 0.5) * step, "middle"
            start = x - width / 2
        if any(start < right and start + width > begin for begin, right in placed):
            continue
        placed.append((start, start + width))
        body.append(
            f'<text class="xtick" x="{x:.1f}" y="{y}" text-anchor="{anchor}">{escape(label)}</text>'
        )
    return body


def drop_bars(runs: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """Drops per run, stacked by reason; and the legend of the reasons' colours."""
    height, top, bottom, left = 170, 14, 20, 40
    plot_h, plot_w = height - top - bottom, WIDTH - left - 10
    reasons = sorted({reason for run in runs for reason in (run.get("dropped") or {})})
    colors = {reason: PALETTE[i % len(PALETTE)] for i, reason in enumerate(reasons)}
    totals = [sum((run.get("dropped") or {}).values()) for run in runs]
    peak = nice_peak(max(totals, default=0))
    step = plot_w / max(len(runs), 1)
    body = value_axis(peak, left, top, plot_h)
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


def status_strip(runs: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """Exit status per run, coloured by kind (``status_class``); and the colours' legend."""
    left, height = 40, 30
    step = (WIDTH - left - 10) / max(len(runs), 1)
    body = []
    for index, run in enumerate(runs):
        code = int(run.get("exit_status") or 0)
        kind = run_class(run)
        body.append(
            f'<rect class="status {kind}" data-run="{_attr(run.get("run", ""))}" '
            f'data-value="{code}" data-reason="{_attr(run.get("finish_reason", ""))}" '
            f'data-label="{_attr(run_label(run))}" '
            f'x="{left + index * step:.1f}" y="4" width="{max(step - 1, 1):.1f}" height="18" '
            f'fill="{KINDS[kind][1]}"><title>{escape(str(run.get("run", "")))}: '
            f"{escape(run_label(run))}, {escape(outcome(run))}</title></rect>"
        )
    # Every label the strip uses, with its colour: "refused" is red like "failed".
    shown = dict.fromkeys((run_label(run), KINDS[run_class(run)][1]) for run in runs)
    order = [label for label, _ in KINDS.values()] + ["refused"]
    legend = "".join(
        f'<span class="kind"><i style="background:{colour}"></i>{escape(label)}</span>'
        for label, colour in sorted(shown, key=lambda pair: order.index(pair[0]))
    )
    return _svg("exit-status", height, body, "exit status per run"), (
        f'<p class="legend">{legend}</p>'
    )


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


def _table_time(value: object) -> str:
    """``2026-11-29T15:37:31+00:00`` as ``2026-11-29 15:37`` (the full time is its tooltip)."""
    text = str(value or "")
    return f"{text[:10]} {text[11:16]}" if len(text) >= 16 and text[10] == "T" else text


def runs_table(runs: Sequence[dict[str, Any]]) -> str:
    head = (
        "<colgroup><col style='width:10.5em'><col style='width:26%'><col>"
        + "<col style='width:5.2em'>" * 5
        + "</colgroup>"
        "<tr><th>finished (UTC)</th><th class='l'>run</th><th class='l'>exit status</th>"
        "<th>stories</th><th>requests</th><th>drops</th><th>errors</th><th>seconds</th></tr>"
    )
    rows = []
    for run in reversed(runs[-RUNS_LISTED:]):
        name = str(run.get("run", ""))
        link = (
            f'<a href="{_attr(run["report"])}">{escape(name)}</a>'
            if run.get("report")
            else escape(name)
        )
        rows.append(
            f"<tr><td title='{_attr(run.get('finished_at', ''))}'>"
            f"{escape(_table_time(run.get('finished_at', '')))}</td><td class='l'>{link}</td>"
            f"<td class='{run_class(run)} l'><b>{escape(run_label(run))}</b>: "
            f"{escape(outcome(run))}{_reason(run)}</td>"
            f"<td>{int(run.get('stories_emitted') or 0)}</td>"
            f"<td>{int(run.get('requests') or 0)}</td>"
            f"<td>{sum((run.get('dropped') or {}).values())}</td>"
            f"<td>{sum((run.get('errors') or {}).values())}</td>"
            f"<td>{escape(str(run.get('elapsed_seconds', '')))}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _reason(run: dict[str, Any]) -> str:
    """A refused run's one line (why it did not start), under its status."""
    problems = run.get("problems") or []
    if not run.get("refused") or not problems:
        return ""
    return f"<br><small>{escape(str(problems[0]))}</small>"


def _last_runs(count: int) -> str:
    return "the last run" if count == 1 else f"the last {count} runs"


def render_page(
    spider: str,
    runs: Sequence[dict[str, Any]],
    tally: dict[str, Any] | None,
    summary: Sequence[str],
) -> str:
    """The whole page: the latest run's summary, charts over ``runs``, the corpus."""
    latest = runs[-1] if runs else {}
    code = int(latest.get("exit_status") or 0)
    status_svg, status_legend = status_strip(runs)
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
<h1>newsbot: {_last_runs(len(runs))} of <code>{escape(spider)}</code></h1>
<p id="latest-status" class="{run_class(latest)}" data-value="{code}">
Latest run {escape(str(latest.get("run", "")))} ({escape(run_label(latest))}):
{escape(outcome(latest))}</p>
<pre id="summary">{escape(chr(10).join(summary))}</pre>
<h2>Exit status</h2>{status_svg}{status_legend}
<h2>New stories per run</h2>{run_bars("stories", "stories", runs, "stories_emitted")}
<h2>Requests per run</h2>{run_bars("requests", "requests", runs, "requests")}
<h2>Drops by reason</h2>{drops_svg}{drops_legend}
<h2>Field coverage of the stories written</h2>{coverage_cells(runs)}
<h2>Recent runs</h2>{runs_table(runs)}
<h2>The corpus</h2>{corpus}
</body></html>
"""
