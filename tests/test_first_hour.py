"""What a newcomer met in the first hour, following the README word for word (issue 17).

Each case is a real ``scrapy crawl`` (or ``python -m newsbot.sample_site``) process, as a
user runs it; none fetches anything but from loopback servers the test starts.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CrawlRun, SampleSite, crawl_command, crawl_env, run_crawl

pytestmark = pytest.mark.e2e

NOWHERE = "base_url=http://127.0.0.1:9"  # nothing listens there: a fetch would say "Failed"


def last_lines(run: CrawlRun, count: int = 2) -> list[str]:
    return [line for line in run.log.splitlines() if line.strip()][-count:]


def errors(run: CrawlRun) -> list[str]:
    return [line for line in run.log.splitlines() if " ERROR: " in line]


def test_a_state_dir_under_a_file_is_one_line_and_exit_5(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("a file\n")
    run = run_crawl(tmp_path, "-a", NOWHERE, settings={"NEWSBOT_STATE_DIR": "README.md/state"})
    assert run.returncode == 5, run.log[-3000:]
    assert "Traceback" not in run.log
    (line,) = errors(run)
    assert "README.md/state" in line and f"{tmp_path / 'README.md'} is a file" in line
    assert last_lines(run)[-1].endswith(
        "exit status 5: the state store is corrupt, cannot be written, or was deleted"
    )


def test_a_feed_under_a_file_names_the_file_not_file_exists(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("a file\n")
    run = run_crawl(tmp_path, "-a", NOWHERE, "-O", "README.md/x.jsonl")
    assert run.returncode == 6, run.log[-3000:]
    (line,) = errors(run)
    assert "cannot open the feed README.md/x.jsonl: Not a directory: README.md is a file" in line
    assert "File exists" not in run.log


def test_a_misspelt_spider_name_is_one_line_with_the_closest_one(tmp_path: Path) -> None:
    cmd = crawl_command("-a", NOWHERE)
    cmd[cmd.index("urdupoint")] = "urdupiont"
    proc = subprocess.run(
        cmd, cwd=tmp_path, env=crawl_env(), capture_output=True, text=True, check=False
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 2, log[-3000:]
    assert "Traceback" not in log and "KeyError" not in log
    (line,) = [entry for entry in log.splitlines() if " ERROR: " in entry]
    assert "no spider named 'urdupiont'; did you mean urdupoint? known: urdupoint" in line
    assert not (tmp_path / "output").exists(), "a refused run creates nothing"


@pytest.mark.parametrize(
    ("setting", "value", "line"),
    [
        ("NEWSBOT_MIN_WORDS", "many", "bad setting NEWSBOT_MIN_WORDS: 'many' does not parse"),
        ("NEWSBOT_TOPIC_BUDGET", "-5", "bad setting NEWSBOT_TOPIC_BUDGET must be 0 or more"),
    ],
)
def test_a_bad_setting_value_is_on_the_runs_page_like_a_misspelt_name(
    tmp_path: Path, setting: str, value: str, line: str
) -> None:
    reports = tmp_path / "output" / "state" / "reports" / "urdupoint"
    (tmp_path / "output" / "state").mkdir(parents=True)
    run = run_crawl(tmp_path, "-a", NOWHERE, settings={setting: value})
    assert run.returncode == 2, run.log[-3000:]
    (error,) = errors(run)
    assert line in error
    index = [json.loads(entry) for entry in (reports / "runs.jsonl").read_text().splitlines()]
    assert [(e["exit_status"], e["finish_reason"], e["refused"]) for e in index] == [
        (2, "bad_argument", True)
    ]
    assert index[0]["problems"][0] in error
    assert line.split(": ")[0] in (reports / "runs.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("scale", [[], ["--scale", "real"]], ids=["sample", "real-scale"])
def test_serving_on_a_busy_port_is_one_line_before_building(
    tmp_path: Path, scale: list[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        serve = ["serve", str(tmp_path / "site"), "--port", str(port), *scale]
        proc = subprocess.run(
            [sys.executable, "-m", "newsbot.sample_site", *serve],
            env=crawl_env(),
            capture_output=True,
            text=True,
            check=False,
        )
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"cannot serve on 127.0.0.1:{port}: Address already in use (another server there? "
        "pick another --port, or 0 for a free one)"
    ]
    assert not (tmp_path / "site").exists(), "nothing built for a server that cannot start"


def test_a_state_of_another_host_is_refused_before_fetching(tmp_path: Path) -> None:
    """The README's "browse it" crawl of the sample site once wrote into the default state:
    the real crawl after it skipped every real story sharing an id with a sample one."""
    first = run_crawl(tmp_path, "-a", NOWHERE)  # a crawl of 127.0.0.1 makes the state
    assert first.returncode == 8, first.log[-3000:]
    state = tmp_path / "output" / "state" / "urdupoint.sqlite3"
    assert state.exists()
    other_port = run_crawl(tmp_path, "-a", "base_url=http://127.0.0.1:10")
    assert other_port.returncode == 8, "the same host on another port is the same site"

    other = run_crawl(tmp_path, "-a", "base_url=http://0.0.0.0:9")  # not loopback's name
    assert other.returncode == 2, other.log[-3000:]
    assert "Spider opened" not in other.log and "Traceback" not in other.log
    (line,) = errors(other)
    assert f"the state {state} holds a crawl of 127.0.0.1, not of 0.0.0.0 (base_url)" in line
    marker = state.with_suffix(".site")
    assert f"To crawl 0.0.0.0 on this state on purpose, write 0.0.0.0 in {marker}" in line
    assert (
        "its own NEWSBOT_STATE_DIR, NEWSBOT_FEED, NEWSBOT_DROPPED_FEED and NEWSBOT_REPORT "
        "(exit status 2)"
    ) in line
    index = (state.parent / "reports" / "urdupoint" / "runs.jsonl").read_text().splitlines()
    assert json.loads(index[-1])["exit_status"] == 2, "the refusal is on the runs page"

    # Its own state, as the README says: the other host crawls (and fails to fetch) there.
    apart = run_crawl(
        tmp_path,
        "-a",
        "base_url=http://0.0.0.0:9",
        settings={"NEWSBOT_STATE_DIR": "output/other/state", "NEWSBOT_FEED": "output/other.jsonl"},
    )
    assert apart.returncode == 8, apart.log[-3000:]


def test_a_full_recrawl_neither_repeats_drops_nor_names_a_feed_it_did_not_write(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    base = ("-a", f"base_url={sample_site.base_url}")
    first = run_crawl(tmp_path, *base)
    assert first.returncode == 0, first.log[-3000:]
    dropped = tmp_path / "output" / "urdupoint.dropped.jsonl"
    on_record = dropped.read_text(encoding="utf-8")
    drops = len(on_record.splitlines())
    assert drops > 0

    # As under Scrapyd (its items file beside the feed): a run with no new story.
    again = run_crawl(tmp_path, *base, "-a", "full=1", "-o", "items.jsonl")
    assert again.returncode == 0, again.log[-3000:]
    assert dropped.read_text(encoding="utf-8") == on_record, "the same drops written again"
    assert again.stat("newsbot/drops/already_recorded") == drops
    assert sum(again.stat(f"newsbot/dropped/{row['reason']}") or 0 for row in _reasons(dropped)) > 0
    assert not (tmp_path / "items.jsonl").exists()
    feed = tmp_path / "output" / "urdupoint.jsonl"
    (line,) = [entry for entry in again.log.splitlines() if "stories written: " in entry]
    assert line.endswith(
        f"stories written: 0, to {feed}; 136 fetched again were there already, unchanged"
    )


def _reasons(dropped: Path) -> list[dict]:
    """One row per reason in the drops file."""
    rows = [json.loads(line) for line in dropped.read_text(encoding="utf-8").splitlines()]
    return list({row["reason"]: row for row in rows}.values())


def test_the_demo_ends_with_its_exit_status_like_every_crawl(tmp_path: Path) -> None:
    (tmp_path / "scrapy.cfg").write_text("[settings]\ndefault = newsbot.settings\n")
    demo = subprocess.run(
        [sys.executable, "-m", "scrapy", "demo"],
        cwd=tmp_path,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert demo.returncode == 0, (demo.stdout + demo.stderr)[-3000:]
    assert "0 missing, 0 extra, 0 repeated, 0 with a wrong field" in demo.stdout
    last = [line for line in demo.stderr.splitlines() if line.strip()][-1]
    assert last.endswith("[newsbot.commands.demo] INFO: exit status 0: the crawl finished"), last


def test_a_page_that_cannot_be_fetched_is_one_line(tmp_path: Path) -> None:
    """Each start URL got Scrapy's "Gave up retrying" ERROR and the project's "Failed"."""
    run = run_crawl(
        tmp_path, "-a", NOWHERE, "-a", "categories=world", settings={"RETRY_TIMES": "1"}
    )
    assert run.returncode == 8, run.log[-3000:]
    for url in ("/en/sitemap/news.rss", "/en/news/world.html"):
        lines = [
            line
            for line in run.log.splitlines()
            if f"127.0.0.1:9{url}" in line and (" ERROR: " in line or " WARNING: " in line)
        ]
        assert len(lines) == 1 and " WARNING: Failed " in lines[0], lines
