"""Where a run's files go, one report per run, the closing summary, the runs page.

Two real crawls of the sample site, started (as a user might) from a ``tests/``
subdirectory of a project whose ``scrapy.cfg`` is one level up: the first a plain run,
the second a Scrapyd-like job (``-a _job=...``) on the site's next edition. The page is
checked in Debian's headless Chromium: its charts must hold the reports' figures.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsbot.config import project_path
from newsbot.exitcodes import describe
from newsbot.extensions.summary import summary_lines
from newsbot.report_html import render_page
from newsbot.runs import KEEP_RUNS, CorpusTally, append_run, locked, make_run_id, read_runs
from newsbot.sample_site import build_site
from tests.conftest import CrawlRun, SampleSite, build_and_serve, read_jsonl, run_crawl

CHROMIUM = Path("/usr/bin/chromium")
JOB = "0f3c2a9e9a1b11ef8d2e00163e3b5c1d"  # what a Scrapyd job id looks like


@dataclass
class TwoRuns:
    project: Path
    subdir: Path
    first: CrawlRun
    second: CrawlRun
    truth_1: list[dict]
    truth_2: list[dict]

    @property
    def output(self) -> Path:
        return self.project / "output"

    @property
    def reports(self) -> Path:
        return self.output / "state" / "reports" / "urdupoint"

    def report(self, run: str) -> dict:
        return json.loads((self.reports / f"{run}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoRuns]:
    root = tmp_path_factory.mktemp("run-record")
    site: SampleSite = build_and_serve(root / "sample")
    project = root / "project"
    subdir = project / "tests"
    subdir.mkdir(parents=True)
    (project / "scrapy.cfg").write_text("[settings]\ndefault = newsbot.settings\n")
    try:
        truth_1 = site.ground_truth()
        first = run_crawl(subdir, "-a", f"base_url={site.base_url}")
        site.build = build_site(site.build.root, site.base_url, edition=2)
        second = run_crawl(subdir, "-a", f"base_url={site.base_url}", "-a", f"_job={JOB}")
        yield TwoRuns(project, subdir, first, second, truth_1, site.ground_truth())
    finally:
        site.server.stop()


def run_ids(runs: TwoRuns) -> list[str]:
    return [entry["run"] for entry in read_runs(runs.reports / "runs.jsonl")]


# --- where files go -------------------------------------------------------------------


@pytest.mark.e2e
def test_a_crawl_started_in_a_subdirectory_writes_under_the_project_root(
    two_runs: TwoRuns,
) -> None:
    assert two_runs.first.returncode == 0, two_runs.first.log[-3000:]
    assert two_runs.second.returncode == 0, two_runs.second.log[-3000:]
    out = two_runs.output
    assert (out / "state" / "urdupoint.sqlite3").exists()
    assert len(read_jsonl(out / "urdupoint.jsonl")) == len(two_runs.truth_2)
    assert (out / "urdupoint.dropped.jsonl").exists()
    assert (out / "urdupoint.report.json").exists()
    assert not (two_runs.subdir / "output").exists(), "a second state in the subdirectory"


def test_project_path_is_taken_from_the_closest_scrapy_cfg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    (project / "a" / "b").mkdir(parents=True)
    (project / "scrapy.cfg").write_text("[settings]\ndefault = newsbot.settings\n")
    monkeypatch.chdir(project / "a" / "b")
    assert project_path("output/state") == project / "output" / "state"
    assert project_path("/srv/data/feed.jsonl") == Path("/srv/data/feed.jsonl")
    # Under Scrapyd there is no scrapy.cfg: the current directory, as before.
    elsewhere = tmp_path / "scrapyd-home"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert project_path("output/state") == elsewhere / "output" / "state"


# --- one report per run, and the index ---------------------------------------------------


@pytest.mark.e2e
def test_each_run_keeps_its_own_report_and_the_index_lists_both(two_runs: TwoRuns) -> None:
    first_id, second_id = run_ids(two_runs)
    assert re.fullmatch(r"\d{8}T\d{6}Z-\d+", first_id), first_id
    assert second_id == JOB, "a Scrapyd job is named by its job id"
    reports = sorted(p.name for p in two_runs.reports.glob("*.json") if p.name != "corpus.json")
    assert reports == sorted([f"{first_id}.json", f"{second_id}.json"])

    first, second = two_runs.report(first_id), two_runs.report(second_id)
    assert first["stories_emitted"] == len(two_runs.truth_1)
    assert second["stories_emitted"] == len(two_runs.truth_2) - len(two_runs.truth_1) > 0
    assert (first["run"], second["run"]) == (first_id, second_id)
    assert first["exit_status"] == second["exit_status"] == 0
    index = read_runs(two_runs.reports / "runs.jsonl")
    for entry, report in zip(index, (first, second), strict=True):
        for key in ("stories_emitted", "requests", "dropped", "errors", "finish_reason"):
            assert entry[key] == report[key], key
    # NEWSBOT_REPORT keeps a copy of the latest run's report.
    latest = json.loads((two_runs.output / "urdupoint.report.json").read_text(encoding="utf-8"))
    assert latest == second


def test_the_index_keeps_the_last_runs_only(tmp_path: Path) -> None:
    index = tmp_path / "runs.jsonl"
    for number in range(KEEP_RUNS + 5):
        runs = append_run(index, {"run": f"r{number}"})
    assert len(runs) == KEEP_RUNS
    assert [run["run"] for run in read_runs(index)] == [f"r{n}" for n in range(5, KEEP_RUNS + 5)]


def test_a_run_leaving_the_index_takes_its_report_file_with_it(tmp_path: Path) -> None:
    """Hourly runs must not leave a report file a run for ever (~8,760 a year): the
    reports of runs that left the index are deleted, the others and the rest are kept."""
    for number in range(KEEP_RUNS + 3):
        (tmp_path / f"r{number}.json").write_text("{}")
        entry = {"run": f"r{number}", "report": f"r{number}.json"}
        if number == 1:
            del entry["report"]  # an older index line without the field: named by its run
        append_run(tmp_path / "runs.jsonl", entry)
    (tmp_path / "unindexed.json").write_text("{}")  # another worker's, not indexed yet
    append_run(tmp_path / "runs.jsonl", {"run": "evil", "report": "../corpus.json"})
    reports = sorted(p.name for p in tmp_path.glob("*.json"))
    expected = sorted([*(f"r{n}.json" for n in range(4, KEEP_RUNS + 3)), "unindexed.json"])
    assert reports == expected


def _append_many(directory: str, worker: int) -> None:
    for number in range(25):
        with locked(Path(directory)):
            append_run(Path(directory) / "runs.jsonl", {"run": f"w{worker}-{number}"})


def test_processes_appending_at_once_lose_no_run(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(tmp_path), w)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    runs = [run["run"] for run in read_runs(tmp_path / "runs.jsonl")]
    assert sorted(runs) == sorted(f"w{w}-{n}" for w in range(4) for n in range(25))


def test_run_ids_are_job_ids_or_times_and_never_leave_the_reports_directory() -> None:
    started = datetime(2026, 11, 29, 16, 0, 5, tzinfo=UTC)
    assert make_run_id(job=None, started=started, pid=42, worker=None) == "20261129T160005Z-42"
    assert make_run_id(job=JOB, started=started, pid=42, worker=None) == JOB
    # Redis mode: the worker is part of the id, so two workers never share a report.
    assert (
        make_run_id(job=None, started=started, pid=42, worker="host-42")
        == "20261129T160005Z-host-42"
    )
    assert make_run_id(job=JOB, started=started, pid=7, worker="h-7") == f"{JOB}-h-7"
    hostile = make_run_id(job="../../etc/passwd", started=started, pid=42, worker=None)
    assert "/" not in hostile and not hostile.startswith(".")
    assert make_run_id(job="../", started=started, pid=42, worker=None) == "run-42"


# --- the summary ---------------------------------------------------------------------------


@pytest.mark.e2e
def test_the_log_ends_with_a_summary_and_the_exit_status(two_runs: TwoRuns) -> None:
    first_id, _ = run_ids(two_runs)
    report = two_runs.report(first_id)
    messages = [
        line.split("] INFO: ", 1)[1] if "] INFO: " in line else line
        for line in two_runs.first.log.strip().splitlines()
        if "[scrapy-playwright]" not in line  # the browser's handlers close in between
    ]
    start = max(i for i, message in enumerate(messages) if message.startswith("Run summary:"))
    tail = messages[start:]
    assert len(tail) == 7, tail
    assert tail[0].startswith(f"Run summary: urdupoint run {first_id}, "), tail
    assert f"{report['requests']} requests" in tail[0]
    feed = two_runs.output / "urdupoint.jsonl"
    assert tail[1] == f"  stories written: {len(two_runs.truth_1)}, to {feed}"
    drops = [row for row in read_jsonl(two_runs.output / "urdupoint.dropped.jsonl")]
    by_reason = Counter(row["reason"] for row in drops if row["run"] == first_id)
    assert by_reason == Counter(report["dropped"]) and by_reason
    assert tail[2].startswith(f"  dropped: {sum(by_reason.values())} (")
    for reason, count in by_reason.items():
        assert f"{reason} {count}" in tail[2]
    assert tail[3] == "  errors: none"
    assert tail[4] == f"  report: {two_runs.reports / (first_id + '.json')}"
    assert tail[5] == f"  runs page: {two_runs.reports / 'runs.html'}"
    assert tail[-1] == "exit status 0: the crawl finished"


@pytest.mark.parametrize(
    ("counted", "lines", "said"),
    [
        ({}, 1, "  errors: 1 ERROR line in this log"),
        ({}, 3, "  errors: 3 ERROR lines in this log"),
        ({"http_500": 1}, 2, "  errors: 1 (http_500 1); 2 ERROR lines in this log"),
    ],
)
def test_the_errors_line_does_not_say_none_beside_an_error_line(
    counted: dict[str, int], lines: int, said: str
) -> None:
    """An ERROR line without a counter said ``errors: none; 1 ERROR lines in this log``:
    "none" contradicted by its own next words, and "1 lines"."""
    record = {"run": "r1", "spider": "urdupoint", "errors": counted, "finish_reason": "finished"}
    text = summary_lines(
        record,
        feeds=["/data/urdupoint.jsonl"],
        dropped_feed=None,
        report=Path("/data/r1.json"),
        page=Path("/data/runs.html"),
        error_lines=lines,
    )
    assert said in text, text


def test_summary_of_a_failed_run_names_the_problem_and_the_status() -> None:
    record = {
        "run": "r1",
        "spider": "urdupoint",
        "elapsed_seconds": 3.0,
        "requests": 40,
        "stories_emitted": 0,
        "dropped": {"missing_title": 30},
        "errors": {"http_404": 2},
        "problems": ["title found on 0% of 30 story pages"],
        "finish_reason": "site_layout_changed",
    }
    lines = summary_lines(
        record,
        feeds=["/data/urdupoint.jsonl", "file:///scrapyd/items/j.jl"],
        dropped_feed=Path("/data/urdupoint.dropped.jsonl"),
        report=Path("/data/state/reports/urdupoint/r1.json"),
        page=Path("/data/state/reports/urdupoint/runs.html"),
        error_lines=1,
    )
    text = "\n".join(lines)
    assert "stories written: 0, to /data/urdupoint.jsonl (also file:///scrapyd/items/j.jl)" in text
    assert "dropped: 30 (missing_title 30), on record in /data/urdupoint.dropped.jsonl" in text
    assert "errors: 2 (http_404 2); 1 ERROR line in this log" in text
    assert "problems: title found on 0% of 30 story pages" in text
    assert describe(3, "site_layout_changed") == (
        "exit status 3: the site probably changed its layout"
    )
    assert describe(0, "shutdown").startswith("exit status 0: the crawl was stopped")


# --- drop records ---------------------------------------------------------------------------


@pytest.mark.e2e
def test_drop_records_say_when_and_in_which_run(two_runs: TwoRuns) -> None:
    ids = run_ids(two_runs)
    rows = read_jsonl(two_runs.output / "urdupoint.dropped.jsonl")
    assert rows and {row["run"] for row in rows} <= set(ids)
    for run in ids:
        report = two_runs.report(run)
        mine = [row for row in rows if row["run"] == run]
        assert len(mine) == sum(report["dropped"].values())
        started = datetime.fromisoformat(report["started_at"])
        finished = datetime.fromisoformat(report["finished_at"])
        for row in mine:
            dropped_at = datetime.fromisoformat(row["dropped_at"])
            assert dropped_at.utcoffset() is not None and dropped_at.utcoffset().seconds == 0
            assert started <= dropped_at <= finished, row


# --- the corpus tally -------------------------------------------------------------------------


def _story(day: str, category: str) -> str:
    """A feed line, in the feed's field order; its body quotes a field name, as text may."""
    story = {
        "title": 'Says "category": "Decoy"',
        "published_at": f"{day}T10:00:00+05:00",
        "category": category,
        "body": '"published_at": "1999-01-01" and "category": "Decoy"',
    }
    return json.dumps(story, ensure_ascii=False) + "\n"


def test_the_corpus_is_counted_from_the_feed_once_and_only_what_is_new(tmp_path: Path) -> None:
    feed, kept = tmp_path / "feed.jsonl", tmp_path / "corpus.json"
    feed.write_text(_story("2026-11-27", "World") * 3 + _story("2026-11-28", 'Sports "Été"'))
    tally = CorpusTally.load(kept, feed)
    assert tally.count(feed) == 4
    tally.save(kept)
    with feed.open("a") as handle:  # a run appends two stories, and a third being written
        handle.write(_story("2026-11-28", "World") * 2 + _story("2026-11-29", "World")[:20])
    tally = CorpusTally.load(kept, feed)
    assert tally.count(feed) == 2, "only the complete new lines are counted"
    assert tally.by_day == {"2026-11-27": 3, "2026-11-28": 3}
    assert tally.by_category == {"World": 5, 'Sports "Été"': 1}
    with feed.open("a") as handle:
        handle.write(_story("2026-11-29", "World")[20:] + "not json\n")
    assert tally.count(feed) == 1 and tally.unreadable == 1
    feed.write_text(_story("2026-11-30", "Business"))  # replaced (-O): counted afresh
    assert tally.count(feed) == 1
    assert (tally.stories, tally.by_category) == (1, {"Business": 1})


def test_a_feed_emptied_in_place_and_refilled_past_its_offset_is_counted_afresh(
    tmp_path: Path,
) -> None:
    """logrotate's ``copytruncate`` empties the feed in place (same inode); a backfill run
    then writes more than the old feed held. The tally read on from the old offset: it
    kept the old stories and skipped the new feed's first ones (or began mid-line)."""
    feed, kept = tmp_path / "feed.jsonl", tmp_path / "corpus.json"
    feed.write_text(_story("2026-11-27", "World") * 2)
    tally = CorpusTally.load(kept, feed)
    assert tally.count(feed) == 2
    tally.save(kept)
    with feed.open("r+") as handle:  # copied aside, then truncated: the same file
        handle.truncate(0)
        handle.write(_story("2026-11-29", "Business") * 5)
    tally = CorpusTally.load(kept, feed)
    tally.count(feed)
    assert (tally.stories, tally.by_category) == (5, {"Business": 5})


def test_the_page_escapes_what_comes_from_the_site(tmp_path: Path) -> None:
    run = {"run": "r1", "finished_at": "t", "stories_emitted": 1, "exit_status": 0}
    tally = {"feed": "f", "stories": 1, "by_day": {"2026-11-29": 1}}
    tally["by_category"] = {"<script>alert(1)</script>": 1}
    page = render_page("urdupoint", [run], tally, ["summary <b>"])
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "summary &lt;b&gt;" in page


# --- the runs page, in a real browser -------------------------------------------------------

PAGE_FIGURES = """() => {
  const rects = (sel) => [...document.querySelectorAll(sel)].map((r) => ({
    ...Object.fromEntries(Object.entries(r.dataset)),
    height: r.getBoundingClientRect().height,
    width: r.getBoundingClientRect().width,
  }));
  return {
    stories: rects('svg#stories rect'),
    requests: rects('svg#requests rect'),
    drops: rects('svg#drops rect'),
    coverage: rects('svg#coverage rect'),
    status: rects('svg#exit-status rect'),
    days: rects('svg#corpus-by-day rect'),
    categories: rects('svg#corpus-by-category rect'),
    latest: document.querySelector('#latest-status').textContent.trim(),
    summary: document.querySelector('#summary').textContent,
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    tableRight: Math.max(...[...document.querySelectorAll('table')].map(
      (t) => t.getBoundingClientRect().right)),
    xticks: [...document.querySelectorAll('svg#stories text.xtick')].map((t) => {
      const box = t.getBoundingClientRect();
      return {text: t.textContent, left: box.left, right: box.right};
    }),
    yticks: [...document.querySelectorAll('svg#stories text.ytick')].map((t) => t.dataset.value),
    statusFill: [...document.querySelectorAll('svg#exit-status rect')].map((r) => ({
      run: r.dataset.run, label: r.dataset.label, fill: r.getAttribute('fill')})),
    rows: [...document.querySelectorAll('table tr')].slice(1).map((tr) => tr.textContent),
    title: document.querySelector('h1').textContent,
    statusLegend: [...document.querySelectorAll('svg#exit-status + p.legend span')].map(
      (span) => ({label: span.textContent, fill: span.querySelector('i').style.background})),
  };
}"""


def page_figures(path: Path, screenshot: Path | None = None) -> dict:
    """The runs page at ``path`` read back in headless Chromium, 1200 px wide."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1600})
            page.goto(path.as_uri())
            figures = page.evaluate(PAGE_FIGURES)
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return figures


@pytest.mark.e2e
def test_the_runs_page_renders_the_reports_figures_in_chromium(two_runs: TwoRuns) -> None:
    page_path = two_runs.reports / "runs.html"
    figures = page_figures(page_path, two_runs.reports / "runs.png")

    reports = [two_runs.report(run) for run in run_ids(two_runs)]
    for chart, key in (("stories", "stories_emitted"), ("requests", "requests")):
        shown = {bar["run"]: int(bar["value"]) for bar in figures[chart]}
        assert shown == {r["run"]: r[key] for r in reports}, chart
    drops = {(bar["run"], bar["reason"]): int(bar["value"]) for bar in figures["drops"]}
    assert drops == {(r["run"], k): v for r in reports for k, v in r["dropped"].items()}
    body = {cell["run"]: cell["value"] for cell in figures["coverage"] if cell["field"] == "body"}
    assert {run: float(value) for run, value in body.items()} == {
        r["run"]: r["coverage_of_emitted"]["body"] for r in reports
    }
    assert {bar["run"]: int(bar["value"]) for bar in figures["status"]} == {
        r["run"]: 0 for r in reports
    }
    # Drawn, and to scale: the first run wrote more stories than the second.
    heights = {bar["run"]: bar["height"] for bar in figures["stories"]}
    first, second = reports
    assert heights[first["run"]] > heights[second["run"]] > 0
    assert all(bar["width"] > 0 for bar in figures["status"])

    feed = read_jsonl(two_runs.output / "urdupoint.jsonl")
    by_category = Counter(story["category"] for story in feed)
    shown = {bar["category"]: int(bar["value"]) for bar in figures["categories"]}
    assert shown == dict(by_category)
    by_day = Counter(story["published_at"][:10] for story in feed)
    assert {bar["day"]: int(bar["value"]) for bar in figures["days"]} == dict(by_day)
    assert figures["latest"].endswith("exit status 0: the crawl finished")
    assert f"stories written: {second['stories_emitted']}" in figures["summary"]
    assert figures["scrollWidth"] <= figures["clientWidth"], "the page scrolls sideways"
    assert figures["tableRight"] <= figures["clientWidth"]
    assert len(figures["yticks"]) >= 3, "the value axis is labelled"


@pytest.mark.e2e
def test_two_redis_workers_on_one_machine_keep_a_report_each(
    tmp_path: Path, redis_server: str, redis_namespace: str
) -> None:
    from tests.test_scaleout import run_workers

    site = build_and_serve(tmp_path / "sample", delay=0.02)
    shared = tmp_path / "machine"  # one state directory, one feed: the reports' old trap
    try:
        runs = run_workers([shared, shared], site, redis_server, redis_namespace, [{}, {}])
    finally:
        site.server.stop()
    for run in runs:
        assert run.returncode == 0, run.log[-3000:]
    reports_dir = shared / "output" / "state" / "reports" / "urdupoint"
    index = read_runs(reports_dir / "runs.jsonl")
    assert len(index) == 2 and index[0]["run"] != index[1]["run"]
    for entry in index:
        assert re.fullmatch(r"\d{8}T\d{6}Z-.+-\d+", entry["run"]), "the worker is in the id"
        assert (reports_dir / f"{entry['run']}.json").exists()
    emitted = sorted(entry["stories_emitted"] for entry in index)
    assert emitted == [0, len(site.ground_truth())], "the releasing worker's report has them"
    for run in runs:  # each worker's summary gives its own figures
        entry = next(e for e in index if f"Run summary: urdupoint run {e['run']}," in run.log)
        assert f"stories written: {entry['stories_emitted']}, to " in run.log


def _runs_of_a_week(count: int) -> list[dict]:
    """``count`` hourly runs as the index keeps them; Scrapyd job ids with a worker (long)."""
    runs = []
    for hour in range(count):
        runs.append(
            {
                "run": f"{JOB}{hour:04d}-crawler-node-{hour}.example.internal-{40000 + hour}",
                "finished_at": f"2026-11-{1 + hour // 24:02d}T{hour % 24:02d}:05:00+00:00",
                "finish_reason": "finished",
                "exit_status": 0,
                "stories_emitted": 10 + hour % 7,
                "requests": 100 + hour,
                "dropped": {"stub": 1, "template": hour % 3},
                "errors": {},
                "coverage_of_emitted": {"body": 1.0, "author": 0.5},
                "elapsed_seconds": 120.5,
                "report": f"r{hour}.json",
            }
        )
    runs[-4].update(finish_reason="shutdown")  # Ctrl-C: exit 0, not complete
    runs[-3].update(finish_reason="degraded", exit_status=7)
    long_path = "/srv/newsbot-data/" + "a-very-long-directory-name/" * 6 + "urdupoint.dropped.jsonl"
    runs[-2].update(
        finish_reason="feed_unwritable",
        exit_status=6,
        refused=True,
        stories_emitted=0,
        requests=0,
        dropped={},
        problems=[f"Not crawling: cannot open the feed {long_path}: Is a directory"],
    )
    runs[-1].update(
        finish_reason="state_in_use",
        exit_status=4,
        refused=True,
        stories_emitted=0,
        requests=0,
        dropped={},
        problems=["Not crawling: another crawl (pid 4242) is using the state ..."],
    )
    return runs


@pytest.mark.e2e
def test_the_runs_page_fits_1200px_labels_its_axes_and_tells_interrupted_and_refused_runs(
    tmp_path: Path,
) -> None:
    runs = _runs_of_a_week(60)
    tally = {"feed": "f", "stories": 3, "by_day": {"2026-11-01": 3}, "by_category": {"W": 3}}
    path = tmp_path / "runs.html"
    path.write_text(render_page("urdupoint", runs, tally, ["summary"]), encoding="utf-8")
    figures = page_figures(path, tmp_path / "runs.png")

    assert figures["scrollWidth"] <= figures["clientWidth"], "the page scrolls sideways"
    assert figures["tableRight"] <= figures["clientWidth"], "the table is wider than the window"
    # Enough labelled ticks to read a bar's run and value, and none on top of another.
    assert len(figures["xticks"]) >= 6, figures["xticks"]
    ticks = sorted(figures["xticks"], key=lambda tick: tick["left"])
    assert all(a["right"] <= b["left"] for a, b in itertools.pairwise(ticks)), "labels overlap"
    assert ticks[0]["text"] == "11-01 00:05" and ticks[-1]["text"] == "11-03 11:05"
    assert len(figures["yticks"]) >= 3 and figures["yticks"][0] == "0"
    # Each kind of run has its own label and colour; refused runs are on the page.
    by_run = {bar["run"]: bar for bar in figures["statusFill"]}
    assert len(by_run) == len(runs)
    labels = [by_run[run["run"]]["label"] for run in runs[-5:]]
    assert labels == [
        "finished",
        "interrupted",
        "degraded",
        "refused",
        "refused: another crawl runs",
    ]
    fills = {by_run[run["run"]]["fill"] for run in runs[-5:]}
    assert len(fills) == 5, "two kinds of run share a colour"
    assert "refused: Not crawling: cannot open the feed /srv/" not in figures["rows"][1]
    assert figures["rows"][1].startswith("2026-11-03 10:05")
    assert "refused" in figures["rows"][1] and "exit status 6" in figures["rows"][1]
    assert "cannot open the feed /srv/newsbot-data/" in figures["rows"][1], "its reason"
    assert "interrupted" in figures["rows"][3] and "the crawl was stopped" in figures["rows"][3]


def _refused(cwd: Path, *args: str, settings: dict[str, str] | None = None) -> CrawlRun:
    run = run_crawl(cwd, "-a", "base_url=http://127.0.0.1:9", *args, settings=settings)
    assert "Spider opened" not in run.log, "the crawl started"
    return run


@pytest.mark.e2e
def test_refused_runs_are_on_record_beside_an_existing_state_and_create_no_state(
    tmp_path: Path,
) -> None:
    from newsbot.state.lock import lock_state

    project = tmp_path / "project"
    project.mkdir()
    (project / "scrapy.cfg").write_text("[settings]\ndefault = newsbot.settings\n")
    (project / "drops-dir").mkdir()
    # A first run refused on a fresh project leaves no state directory (nor output/) behind.
    for args, settings, code in (
        (("-a", "max_pages=many"), None, 2),
        ((), {"NEWSBOT_DROPPED_FEED": "drops-dir"}, 6),
    ):
        run = _refused(project, *args, settings=settings)
        assert run.returncode == code, run.log[-2000:]
        assert not (project / "output").exists(), f"exit {code} left {list(project.rglob('*'))}"

    state_dir = project / "output" / "state"
    state_dir.mkdir(parents=True)
    (state_dir / "urdupoint.sqlite3").write_bytes(b"not a database" * 100)
    damaged = _refused(project)
    (state_dir / "urdupoint.sqlite3").unlink()
    bad = _refused(project, "-a", "max_pages=many", "-a", f"_job={JOB}")
    unwritable = _refused(project, settings={"NEWSBOT_DROPPED_FEED": "drops-dir"})
    held = lock_state(state_dir / "urdupoint.sqlite3")  # a crawl in progress on the state
    try:
        in_use = _refused(project)
    finally:
        held.close()
    broken = _refused(project, settings={"NEWSBOT_STATE_STORE": "builtins.dict"})
    assert [r.returncode for r in (damaged, bad, unwritable, in_use, broken)] == [5, 2, 6, 4, 1]
    assert "its own NEWSBOT_STATE_DIR and its own NEWSBOT_FEED" in in_use.log
    assert str(project / "output" / "urdupoint.jsonl") in in_use.log.split("Not crawling")[1]

    reports = state_dir / "reports" / "urdupoint"
    index = read_runs(reports / "runs.jsonl")
    assert [(e["exit_status"], e["finish_reason"]) for e in index] == [
        (5, "state_unusable"),
        (2, "bad_argument"),
        (6, "feed_unwritable"),
        (4, "state_in_use"),
        (1, "error"),
    ]
    assert index[1]["run"] == JOB
    for entry, run in zip(index, (damaged, bad, unwritable, in_use, broken), strict=True):
        assert entry["refused"] is True and entry["requests"] == 0
        (reason,) = entry["problems"]
        assert reason in run.log, "the record holds the run's one ERROR line"
        assert (reports / f"{entry['run']}.json").exists()
    page = (reports / "runs.html").read_text(encoding="utf-8")
    assert "max_pages: &#x27;many&#x27; is not a number" in page
    assert "refused" in page


def _run_at(run: str, time: str, code: int, reason: str, *, refused: bool = False) -> dict:
    return {
        "run": run,
        "finished_at": f"2026-11-29T{time}+00:00",
        "finish_reason": reason,
        "exit_status": code,
        "refused": refused,
        "stories_emitted": 0 if refused else 3,
        "requests": 0 if refused else 9,
        "dropped": {},
        "errors": {},
        "report": f"{run}.json",
    }


@pytest.mark.e2e
def test_a_first_hour_of_runs_minutes_apart_reads_right(tmp_path: Path) -> None:
    """Issue 17: runs minutes apart all read ``11-29 18:40`` under the bars, refused runs
    were red with only "failed" in the legend, and one run was "the last 1 runs"."""
    runs = [
        _run_at("a", "18:40:05", 0, "finished"),
        _run_at("b", "18:40:20", 2, "bad_argument", refused=True),
        _run_at("c", "18:40:50", 8, "nothing_fetched"),
        _run_at("d", "18:41:10", 0, "shutdown"),
        _run_at("e", "18:41:30", 4, "state_in_use", refused=True),
    ]
    for count in (1, 2, 5):
        path = tmp_path / f"runs{count}.html"
        path.write_text(render_page("urdupoint", runs[:count], None, ["summary"]), "utf-8")
        figures = page_figures(path)
        title = "the last run of" if count == 1 else f"the last {count} runs of"
        assert title in figures["title"], figures["title"]
        ticks = sorted(figures["xticks"], key=lambda tick: tick["left"])
        texts = [tick["text"] for tick in ticks]
        assert len(texts) == len(set(texts)), f"two ticks say the same: {texts}"
        assert all(a["right"] <= b["left"] for a, b in itertools.pairwise(ticks)), texts
        assert texts[0] == "11-29 18:40:05" if count > 1 else texts == ["11-29 18:40"]
        # Every label the strip uses is in its legend, with the colour it is drawn in.
        legend = {(entry["label"], entry["fill"]) for entry in figures["statusLegend"]}
        used = {(bar["label"], bar["fill"]) for bar in figures["statusFill"]}
        normalise = {(label, _rgb(fill)) for label, fill in used}
        assert normalise == {(label, _rgb(fill)) for label, fill in legend}, (used, legend)
    assert {label for label, _ in legend} == {
        "finished", "refused", "failed", "interrupted", "refused: another crawl runs"
    }  # fmt: skip


def _rgb(colour: str) -> str:
    """``#e15759`` or ``rgb(225, 87, 89)`` as ``225,87,89``."""
    if colour.startswith("#"):
        return ",".join(str(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return colour.removeprefix("rgb(").removesuffix(")").replace(" ", "")
