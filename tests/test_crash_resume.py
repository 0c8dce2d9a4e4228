"""Job persistence: Ctrl-C and SIGKILL at random moments, then the same command again.

The site is served with a small delay per answer so that a crawl lasts long enough
to be interrupted anywhere: while listings and stories are fetched, or while staged
stories are being written to the feed. A kill moment is "after the Nth response" (or
"as the release starts"), drawn from a fixed seed, read off the crawl's debug log.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import (
    SampleSite,
    build_and_serve,
    crawl_command,
    crawl_env,
    read_jsonl,
    run_crawl,
)

pytestmark = pytest.mark.e2e

SLOW = {"CONCURRENT_REQUESTS": "4", "CONCURRENT_REQUESTS_PER_DOMAIN": "4", "LOG_LEVEL": "DEBUG"}


@pytest.fixture
def slow_site(tmp_path: Path) -> Iterator[SampleSite]:
    site = build_and_serve(tmp_path / "sample", delay=0.03)
    try:
        yield site
    finally:
        site.server.stop()


def interrupt(
    cwd: Path,
    args: list[str],
    settings: dict[str, str],
    after: int | str,
    sig: int,
    command: list[str] | None = None,
) -> bool:
    """Start a crawl (``command``, else ``crawl_command``) and send ``sig`` after ``after``
    responses (or a log marker).

    Returns False when the crawl ended before the moment came.
    """
    proc = subprocess.Popen(
        command or crawl_command(*args, settings=settings),
        cwd=cwd,
        env=crawl_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    responses, sent = 0, False
    for line in proc.stderr:
        responses += "] DEBUG: Crawled (" in line
        moment = after in line if isinstance(after, str) else responses >= after
        if moment and not sent:
            proc.send_signal(sig)
            sent = True
            if sig == signal.SIGKILL:
                break
    proc.stderr.close()
    proc.wait(timeout=120)
    return sent


def check_feed(cwd: Path, site: SampleSite) -> None:
    """Every story exactly once, every field right, no other line, no torn line."""
    raw = (cwd / "output" / "urdupoint.jsonl").read_text(encoding="utf-8")
    assert raw.endswith("\n")
    items = [json.loads(line) for line in raw.splitlines()]  # a torn line fails here
    ids = [item["article_id"] for item in items]
    truth = {row["article_id"]: row for row in site.ground_truth()}
    assert len(ids) == len(set(ids)), "a story was written twice"
    assert set(ids) == set(truth), f"lost {sorted(set(truth) - set(ids))}"
    for item in items:
        expected = truth[item["article_id"]]
        assert {k: item[k] for k in expected} == expected


def test_scrapy_jobdir_alone_loses_the_rest_of_a_killed_crawl(
    slow_site: SampleSite, tmp_path: Path
) -> None:
    """The trap this project avoids, reproduced with our frontier turned off."""
    args = ["-a", f"base_url={slow_site.base_url}"]
    plain_scrapy = {
        **SLOW,
        "JOBDIR": str(tmp_path / "job"),
        "NEWSBOT_FRONTIER_ENABLED": "False",
        "DUPEFILTER_CLASS": "scrapy.dupefilters.RFPDupeFilter",
    }
    assert interrupt(tmp_path, args, plain_scrapy, after=60, sig=signal.SIGKILL)
    resumed = run_crawl(tmp_path, *args, settings=plain_scrapy)
    assert resumed.returncode == 0
    feed = tmp_path / "output" / "urdupoint.jsonl"
    emitted = len(feed.read_text(encoding="utf-8").splitlines()) if feed.exists() else 0
    assert emitted < len(slow_site.ground_truth()), "Scrapy's JOBDIR alone lost nothing?"


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_sigkill_at_random_moments_then_the_same_command_finishes_the_crawl(
    slow_site: SampleSite, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    settings = dict(SLOW)
    if seed % 2 == 0:  # half the runs under Scrapy's own job persistence
        settings["JOBDIR"] = str(tmp_path / "job")
    args = ["-a", f"base_url={slow_site.base_url}"]
    moments: list[int | str] = [rng.randint(5, 180) for _ in range(2)]
    if seed in (3, 6):
        moments.append("releasing")  # killed while writing the feed
    kills = sum(interrupt(tmp_path, args, settings, after=m, sig=signal.SIGKILL) for m in moments)
    assert kills >= 1
    final = run_crawl(tmp_path, *args, settings=settings)
    assert final.returncode == 0, final.log[-2000:]
    check_feed(tmp_path, slow_site)


def test_ctrl_c_then_the_same_command_resumes_under_jobdir(
    slow_site: SampleSite, tmp_path: Path
) -> None:
    settings = {**SLOW, "JOBDIR": str(tmp_path / "job")}
    args = ["-a", f"base_url={slow_site.base_url}"]
    assert interrupt(tmp_path, args, settings, after=50, sig=signal.SIGINT)
    assert not (tmp_path / "output" / "urdupoint.jsonl").exists(), "stopped before release"
    final = run_crawl(tmp_path, *args, settings=settings)
    assert final.returncode == 0
    assert "Resuming an interrupted crawl" in final.log
    check_feed(tmp_path, slow_site)


def test_a_second_crawl_on_the_same_state_does_not_start(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """An hourly job that overruns its hour: the next one must not crawl beside it."""
    args = ["-a", f"base_url={sample_site.base_url}"]
    sample_site.server.pause()  # the first crawl waits on its first answers, lock held
    first = subprocess.Popen(
        crawl_command(*args),
        cwd=tmp_path,
        env=crawl_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stderr is not None
        for line in first.stderr:  # up to the first request sent: it holds the lock
            if "Spider opened" in line:
                break
        # Were it to crawl, it would wait on the paused site: a short timeout ends that.
        second = run_crawl(tmp_path, *args, settings={"DOWNLOAD_TIMEOUT": "5"})
    finally:
        sample_site.server.resume()
    first.communicate(timeout=600)
    assert first.returncode == 0
    assert second.returncode == 4, second.log[-2000:]
    state = tmp_path / "output" / "state" / "urdupoint.sqlite3"
    assert f"Not crawling: another crawl (pid {first.pid}) is using the state" in second.log
    assert str(state.relative_to(tmp_path)) in second.log
    assert "Spider opened" not in second.log, "the second crawl started"
    feed = read_jsonl(tmp_path / "output" / "urdupoint.jsonl")
    assert len(feed) == len(sample_site.ground_truth()), "the first crawl was disturbed"

    third = run_crawl(tmp_path, *args)  # the lock went with the first process
    assert third.returncode == 0, third.log[-2000:]
    assert "Not crawling" not in third.log


#: ``scrapy crawl`` with the state committed every 40 changes (a few responses' worth), so
#: that a kill falls between batches: some committed, the last one not.
SMALL_BATCHES = (
    "import sys, newsbot.state.sqlite as store; store.COMMIT_EVERY = 40; "
    "sys.argv[0] = 'scrapy'; from scrapy.cmdline import execute; execute()"
)


def committed_done(cwd: Path) -> int:
    """Requests the state file has as done: what a kill left of the crawl's batches."""
    state = cwd / "output" / "state" / "urdupoint.sqlite3"
    with closing(sqlite3.connect(state)) as db:
        return int(db.execute("SELECT COUNT(*) FROM frontier WHERE done = 1").fetchone()[0])


def test_sigkill_with_a_batch_uncommitted_redoes_it_and_writes_every_story_once(
    slow_site: SampleSite, tmp_path: Path
) -> None:
    args = ["-a", f"base_url={slow_site.base_url}"]
    command = crawl_command(*args, settings=SLOW)
    assert command[1:3] == ["-m", "scrapy"]
    command[1:3] = ["-c", SMALL_BATCHES]
    done_before = 0
    for after in (40, 90):
        assert interrupt(tmp_path, args, SLOW, after=after, sig=signal.SIGKILL, command=command)
        done = committed_done(tmp_path)
        assert done > done_before, "no batch was committed before the kill"
        assert done - done_before < after, "every response fetched was committed as done"
        done_before = done
    final = run_crawl(tmp_path, *args, settings=SLOW)
    assert final.returncode == 0, final.log[-2000:]
    assert "Resuming an interrupted crawl" in final.log
    check_feed(tmp_path, slow_site)


def test_sigkill_after_some_drops_loses_none_of_them(slow_site: SampleSite, tmp_path: Path) -> None:
    """The drops file was written through a buffer flushed only at close, while the
    state's commits settled those stories: a kill -9 lost the rows, and the next run,
    seeing the stories settled, never dropped them again."""
    args = ["-a", f"base_url={slow_site.base_url}"]
    command = crawl_command(*args, settings=SLOW)
    command[1:3] = ["-c", SMALL_BATCHES]
    expected = slow_site.expected_drops()
    assert len(expected) >= 4
    after_drops = len(expected) // 2
    proc = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=crawl_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    drops = 0
    for line in proc.stderr:
        drops += "] INFO: Dropped " in line
        if drops >= after_drops:
            proc.send_signal(signal.SIGKILL)
            break
    proc.stderr.close()
    proc.wait(timeout=120)
    assert drops >= after_drops, "the crawl ended before the kill"

    final = run_crawl(tmp_path, *args, settings=SLOW)
    assert final.returncode == 0, final.log[-2000:]
    recorded = read_jsonl(tmp_path / "output" / "urdupoint.dropped.jsonl")
    keys = [(row["url"], row["reason"]) for row in recorded]
    assert len(keys) == len(set(keys)), "a drop recorded twice"
    assert set(keys) == {(row["url"], row["reason"]) for row in expected}
