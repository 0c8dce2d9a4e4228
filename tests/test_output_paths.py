"""Output paths an operator can get wrong: every file the crawl writes has one role and one writer.

A report, drops file or ``-O`` feed that names the feed (or the state) would replace or
pollute the corpus, and the state would still remember every story as written; a feed
reached through a symlink is still one file with one writer; an empty state directory
(an unset shell variable) is refused like an empty feed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SampleSite, run_crawl


def test_newsbot_report_naming_the_feed_must_not_overwrite_the_stories(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """``-s NEWSBOT_REPORT=output/urdupoint.jsonl`` (a copy-paste slip): the run writes its
    stories, then replaces the whole feed with its JSON report. Every story of the corpus
    is gone, the state says they were written, and the run exits 0. (Naming the state file
    instead destroys the state: the next run is exit 5.)"""
    args = ("-a", f"base_url={sample_site.base_url}")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-2000:]
    feed = tmp_path / "output" / "urdupoint.jsonl"
    before = feed.read_text(encoding="utf-8")
    run = run_crawl(tmp_path, *args, settings={"NEWSBOT_REPORT": "output/urdupoint.jsonl"})
    after = feed.read_text(encoding="utf-8")
    if run.returncode == 2:
        assert "NEWSBOT_REPORT" in run.log
    assert after.startswith(before), (run.returncode, after[:300])


def test_drops_file_naming_the_feed_must_not_put_drop_records_in_the_feed(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """``NEWSBOT_DROPPED_FEED`` equal to ``NEWSBOT_FEED``: drop records (``reason``,
    ``dropped_at``, no body) are appended into the stories' feed among the stories, and the
    run exits 0. A reader of the feed gets 14 lines that are no stories."""
    run = run_crawl(
        tmp_path,
        "-a",
        f"base_url={sample_site.base_url}",
        settings={"NEWSBOT_DROPPED_FEED": "output/urdupoint.jsonl"},
    )
    feed = tmp_path / "output" / "urdupoint.jsonl"
    lines = feed.read_text(encoding="utf-8").splitlines() if feed.exists() else []
    if run.returncode == 2:
        assert "NEWSBOT_DROPPED_FEED" in run.log
    assert not [line for line in lines if '"reason"' in line and '"body"' not in line]


def test_a_feed_reached_through_a_symlink_still_has_one_writer(tmp_path: Path) -> None:
    """Two crawls, each with its own state (a backfill beside the hourly crawl), whose feeds
    are one file: ``b/feed.jsonl`` is a symlink to ``a/feed.jsonl`` (a feed kept on a data
    disk). The feed's lock is ``<path>.lock`` of the path as given, not of the file, so both
    take "their" lock, both write every new story, both exit 0: each new story twice in the
    feed (seen: 352 lines, 244 stories). The same path spelt the same way is refused (exit 6)."""
    import shutil
    import subprocess

    from tests.conftest import build_and_serve, crawl_command, crawl_env

    def settings(name: str) -> dict[str, str]:
        return {
            "NEWSBOT_STATE_DIR": str(tmp_path / name / "state"),
            "NEWSBOT_FEED": str(tmp_path / name / "feed.jsonl"),
            "NEWSBOT_DROPPED_FEED": str(tmp_path / name / "drops.jsonl"),
            "NEWSBOT_REPORT": str(tmp_path / name / "report.json"),
            "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
        }

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = build_and_serve(tmp_path / "site1")
    try:
        run = run_crawl(tmp_path, "-a", f"base_url={first.base_url}", settings=settings("a"))
        assert run.returncode == 0, run.log[-2000:]
    finally:
        first.server.stop()
    shutil.copytree(tmp_path / "a" / "state", tmp_path / "b" / "state")
    (tmp_path / "b" / "feed.jsonl").symlink_to(tmp_path / "a" / "feed.jsonl")
    later = build_and_serve(tmp_path / "site10", delay=0.01, edition=10)
    try:
        procs = [
            subprocess.Popen(
                crawl_command("-a", f"base_url={later.base_url}", settings=settings(name)),
                cwd=tmp_path,
                env=crawl_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name in ("a", "b")
        ]
        codes = [proc.wait(timeout=300) for proc in procs]
    finally:
        later.server.stop()
    lines = (tmp_path / "a" / "feed.jsonl").read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["article_id"] for line in lines]
    assert len(ids) == len(set(ids)), (codes, len(ids), len(set(ids)))
    assert sorted(codes) == [0, 6], codes  # the second writer is refused as for a feed in use


def test_an_empty_state_dir_is_refused_like_an_empty_feed(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """``-s NEWSBOT_STATE_DIR=$STATE`` with ``STATE`` unset: the state (sqlite, lock,
    ``.site``, baseline, ``reports/``) is written silently into the project root (the
    repository, or Scrapyd's working directory), exit 0. An empty ``NEWSBOT_FEED`` is
    refused for this very reason (exit 6, "an unset shell variable?")."""
    run = run_crawl(
        tmp_path,
        "-a",
        f"base_url={sample_site.base_url}",
        settings={"NEWSBOT_STATE_DIR": ""},
    )
    from tests.conftest import REPO

    homes = [str(where) for where in (REPO, tmp_path) if (where / "urdupoint.sqlite3").exists()]
    assert not homes, (run.returncode, f"the state went to {homes}")
    assert run.returncode == 2 and "NEWSBOT_STATE_DIR" in run.log, run.log[-1500:]


def test_dash_capital_o_on_the_feed_path_must_not_truncate_the_corpus(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """``-O output/urdupoint.jsonl`` (the default feed's own path; the README shows
    ``-O stories.jsonl``): Scrapy's overwrite flag lands on the default feed's entry, the
    feed is truncated, and only this run's new stories remain. The state has every earlier
    story as written, so they never come again: the corpus is lost, exit 0. (``-o`` on the
    same path is fine: each story once.)"""
    args = ("-a", f"base_url={sample_site.base_url}")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-2000:]
    feed = tmp_path / "output" / "urdupoint.jsonl"
    before = feed.read_text(encoding="utf-8")
    from tests.conftest import build_and_serve

    later = build_and_serve(tmp_path / "edition2", edition=2)  # 12 new stories
    try:
        run = run_crawl(
            tmp_path, "-a", f"base_url={later.base_url}", "-O", "output/urdupoint.jsonl"
        )
    finally:
        later.server.stop()
    after = feed.read_text(encoding="utf-8") if feed.exists() else ""
    assert run.returncode == 6 and "-O" in run.log, run.log[-1500:]
    assert after.startswith(before), (run.returncode, len(before), len(after))


@pytest.mark.parametrize(
    "report",
    [
        "output/state/urdupoint.sqlite3",
        "output/urdupoint.dropped.jsonl",
        "output/../output/x.jsonl",
    ],
    ids=["state-database", "drops-file", "an-o-feed"],
)
def test_a_report_naming_another_file_of_the_crawl_is_a_bad_setting(
    sample_site: SampleSite, tmp_path: Path, report: str
) -> None:
    """A report over the state's database destroys the state (the next run is exit 5); over
    the drops file or an ``-o`` feed, it replaces their records. Refused before anything is
    fetched, exit 2, the line naming NEWSBOT_REPORT; the state and files are as they were."""
    args = ("-a", f"base_url={sample_site.base_url}")
    first = run_crawl(tmp_path, *args, "-o", "output/x.jsonl")
    assert first.returncode == 0, first.log[-2000:]
    files = [tmp_path / "output" / name for name in ("urdupoint.dropped.jsonl", "x.jsonl")]
    files.append(tmp_path / "output" / "state" / "urdupoint.sqlite3")
    before = [path.read_bytes() for path in files]
    run = run_crawl(tmp_path, *args, "-o", "output/x.jsonl", settings={"NEWSBOT_REPORT": report})
    assert run.returncode == 2 and "NEWSBOT_REPORT" in run.log, run.log[-1500:]
    assert [path.read_bytes() for path in files] == before
    assert run_crawl(tmp_path, *args).returncode == 0


@pytest.mark.parametrize(
    ("setting", "path"),
    [
        ("NEWSBOT_FEED", "output/state/urdupoint.sqlite3"),
        ("NEWSBOT_FEED", "output/state/urdupoint.sqlite3-wal"),
        ("NEWSBOT_DROPPED_FEED", "output/state/urdupoint.sqlite3"),
        ("-o", "output/state/../state/urdupoint.sqlite3:jsonlines"),
    ],
    ids=["feed", "feed-on-the-wal", "drops-file", "an-o-feed"],
)
def test_a_feed_naming_the_state_database_is_refused_naming_the_collision(
    sample_site: SampleSite, tmp_path: Path, setting: str, path: str
) -> None:
    """``NEWSBOT_FEED`` on the state's database (a slip between two settings): the run was
    refused as if "another process (pid N) is writing the feed" (the feed's lock is the
    state's own lock file), which sends the operator looking for a process that does not
    exist; a drops file or ``-o`` there appended JSON lines into the database. Refused
    before anything is fetched, exit 6, one line naming the setting and the state's
    database; the state is as it was and the next run goes on."""
    args = ("-a", f"base_url={sample_site.base_url}")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-2000:]
    state = tmp_path / "output" / "state" / "urdupoint.sqlite3"
    before = state.read_bytes()
    extra = ("-o", path) if setting == "-o" else ()
    settings = {} if setting == "-o" else {setting: path}
    run = run_crawl(tmp_path, *args, *extra, settings=settings)
    errors = [line for line in run.log.splitlines() if "] ERROR: " in line]
    assert run.returncode == 6, run.log[-1500:]
    assert len(errors) == 1, errors
    assert "another process" not in errors[0], errors[0]
    assert setting in errors[0] and "the state's database" in errors[0], errors[0]
    assert str(state) in errors[0], errors[0]
    assert state.read_bytes() == before
    assert run_crawl(tmp_path, *args).returncode == 0


def test_a_report_beside_the_run_records_is_no_collision(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """``NEWSBOT_REPORT=<state>/reports/urdupoint.report.json``: the latest report kept
    beside each spider's record of runs, a file no run writes. It was refused (exit 2,
    every hour) with "its files each run replaces or appends to", though nothing there is
    a run's: the runs' files are in ``reports/<spider>/``. It is written, exit 0; the
    record's own directory is still refused (the case above)."""
    report = tmp_path / "output" / "state" / "reports" / "urdupoint.report.json"
    args = ("-a", f"base_url={sample_site.base_url}", "-a", "categories=world")
    run = run_crawl(tmp_path, *args, settings={"NEWSBOT_REPORT": str(report)})
    assert run.returncode == 0, run.log[-1500:]
    assert json.loads(report.read_text(encoding="utf-8"))["exit_status"] == 0
    again = run_crawl(tmp_path, *args, settings={"NEWSBOT_REPORT": str(report)})
    assert again.returncode == 0, again.log[-1500:]
    runs = tmp_path / "output" / "state" / "reports" / "urdupoint" / "runs.jsonl"
    assert len(runs.read_text(encoding="utf-8").splitlines()) == 2


@pytest.mark.parametrize(
    ("setting", "path", "code"),
    [
        ("NEWSBOT_FEED", "output/state/urdupoint.baseline.json", 6),
        ("NEWSBOT_FEED", "output/state/reports/urdupoint/runs.jsonl", 6),
        ("NEWSBOT_DROPPED_FEED", "output/state/reports/urdupoint/drops.jsonl", 6),
        ("-o", "output/state/reports/urdupoint/x.jsonl:jsonlines", 6),
        ("NEWSBOT_REPORT", "output/state/reports/urdupoint/runs.jsonl", 2),
        ("NEWSBOT_REPORT", "output/state/urdupoint.baseline.json", 2),
    ],
    ids=[
        "feed-on-baseline",
        "feed-on-runs-index",
        "drops-in-reports",
        "o-in-reports",
        "report-on-runs-index",
        "report-on-baseline",
    ],
)
def test_a_path_on_the_baseline_or_in_the_run_record_is_refused(
    sample_site: SampleSite, tmp_path: Path, setting: str, path: str, code: int
) -> None:
    """A feed on the baseline cut its last ``}`` as a "torn line" and exited 0 (the next
    run ignored the baseline); a feed on ``reports/<spider>/runs.jsonl`` appended stories
    into the runs index; a report there cut the run history to one row. Refused before
    anything is fetched (exit 6 for a feed, 2 for the report), the record as it was."""
    args = ("-a", f"base_url={sample_site.base_url}", "-a", "categories=world")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-2000:]
    state = tmp_path / "output" / "state"
    kept = [state / "urdupoint.baseline.json", state / "reports" / "urdupoint" / "runs.jsonl"]
    before = [file.read_bytes() for file in kept]
    extra = ("-o", path) if setting == "-o" else ()
    settings = {} if setting == "-o" else {setting: path}
    run = run_crawl(tmp_path, *args, *extra, settings=settings)
    assert run.returncode == code, run.log[-1500:]
    errors = [line for line in run.log.splitlines() if "] ERROR: " in line]
    assert len(errors) == 1 and setting.split(":")[0] in errors[0], errors
    assert [file.read_bytes()[: len(old)] for file, old in zip(kept, before, strict=True)] == before
    assert len((state / "reports" / "urdupoint" / "runs.jsonl").read_text().splitlines()) >= 1
