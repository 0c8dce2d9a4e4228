"""Nothing lost under faults and operator mistakes: a full disk under the feed or the
state, a feed path that cannot be opened, a second writer on a feed, the demo beside the
real crawl, a damaged state file. Each case: the fault stops the run with one line naming
the file and its own exit status, and after the fault plus one rerun (and the repair the
line asks for) the feed holds every story of the ground truth exactly once, no torn line.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from newsbot.exitcodes import MEANINGS, ExitCode
from newsbot.sample_site import build_site
from tests.conftest import (
    CrawlRun,
    SampleSite,
    build_and_serve,
    crawl_command,
    crawl_env,
    read_jsonl,
    run_crawl,
)

pytestmark = pytest.mark.e2e

FEED_UNWRITABLE = 6
STATE_UNUSABLE = 5


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A small tmpfs mounted on ``path``: a disk that fills up. Needs root (CI runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs (a disk that fills up) needs root")
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def grow(path: Path, size: str) -> None:
    """Free space: the operator's fix after a full disk."""
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def check_exactly_once(feed: Path, site: SampleSite) -> None:
    """Every story of the ground truth exactly once, no other line, no torn line."""
    raw = feed.read_text(encoding="utf-8")
    assert raw.endswith("\n"), "torn last line"
    items = [json.loads(line) for line in raw.splitlines()]  # a torn line fails here
    ids = [item["article_id"] for item in items]
    repeated = sorted({aid for aid in ids if ids.count(aid) > 1})
    assert not repeated, f"written twice: {repeated}"
    truth = {row["article_id"] for row in site.ground_truth()}
    assert set(ids) == truth, (
        f"missing {sorted(truth - set(ids))[:10]}, extra {sorted(set(ids) - truth)[:10]}"
    )


def error_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "] ERROR: " in line]


def test_feed_on_a_full_disk_stops_the_crawl_and_the_rerun_writes_the_rest(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """Case 1: the feed alone on a full disk (the state elsewhere)."""
    disk = tmp_path / "feed-disk"
    feed = disk / "urdupoint.jsonl"
    args = ("-a", f"base_url={sample_site.base_url}")
    settings = {"NEWSBOT_FEED": str(feed)}
    with tmpfs(disk, "128k"):
        first = run_crawl(tmp_path, *args, settings=settings)
        assert first.returncode == FEED_UNWRITABLE, first.log[-3000:]
        errors = error_lines(first.log)
        assert len(errors) == 1, errors
        assert f"cannot write the feed {feed}" in errors[0]
        assert "Traceback" not in first.log
        written = len(feed.read_bytes().splitlines())
        assert 0 < written < len(sample_site.ground_truth()), "the disk was not full"

        grow(disk, "8m")
        second = run_crawl(tmp_path, *args, settings=settings)
        assert second.returncode == 0, second.log[-3000:]
        check_exactly_once(feed, sample_site)


def test_state_on_a_full_disk_stops_the_crawl_and_the_resume_gets_everything(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """Case 2: the state alone on a full disk; the crawl never ended, the resume lost 9."""
    disk = tmp_path / "state-disk"
    args = ("-a", f"base_url={sample_site.base_url}")
    settings = {"NEWSBOT_STATE_DIR": str(disk)}
    with tmpfs(disk, "192k"):
        first = run_crawl(tmp_path, *args, settings=settings)
        assert first.returncode == STATE_UNUSABLE, first.log[-3000:]
        errors = error_lines(first.log)
        assert errors and f"the state {disk / 'urdupoint.sqlite3'} cannot be written" in errors[0]
        assert len(first.log.splitlines()) < 2000, "the crawl did not stop at once"
        assert first.log.count("Traceback") <= 2, first.log[-5000:]

        grow(disk, "16m")
        second = run_crawl(tmp_path, *args, settings=settings)
        assert second.returncode == 0, second.log[-3000:]
        check_exactly_once(tmp_path / "output" / "urdupoint.jsonl", sample_site)


@pytest.mark.parametrize(
    ("removed", "moment"),
    [("directory", 40), ("database", "Scraped from")],
    ids=["state-directory-mid-fetch", "database-file-mid-release"],
)
def test_the_state_deleted_while_the_crawl_runs_fails_loudly(
    tmp_path: Path, removed: str, moment: int | str
) -> None:
    """A clean-up job (or an operator starting afresh) removes the state directory, or the
    database file alone, while an hourly crawl runs: SQLite writes on into the unlinked
    file, the run said ``exit status 0: the crawl finished`` and everything it recorded
    vanished with the file. Now: one ERROR line naming the state's path, the counter
    ``newsbot/halted/state_unusable``, exit status 5; the next run, the same command, brings
    every story exactly once."""
    site = build_and_serve(tmp_path / "sample", delay=0.03)
    try:
        args = ["-a", f"base_url={site.base_url}"]
        settings = {
            "CONCURRENT_REQUESTS": "4",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
            "LOG_LEVEL": "DEBUG",
        }
        state_dir = tmp_path / "output" / "state"
        database = state_dir / "urdupoint.sqlite3"
        proc = subprocess.Popen(
            crawl_command(*args, settings=settings),
            cwd=tmp_path,
            env=crawl_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        log, responses, done = [], 0, False
        for line in proc.stderr:
            log.append(line)
            responses += "] DEBUG: Crawled (" in line
            now = moment in line if isinstance(moment, str) else responses >= moment
            if now and not done:
                if removed == "directory":
                    shutil.rmtree(state_dir)
                else:
                    database.unlink()
                done = True
        proc.stderr.close()
        proc.wait(timeout=300)
        first = "".join(log)
        assert done, "the crawl ended before the moment came"
        assert proc.returncode == STATE_UNUSABLE, first[-3000:]
        errors = error_lines(first)
        assert len(errors) == 1, errors
        assert f"the state {database} was deleted" in errors[0], errors[0]
        assert "'newsbot/halted/state_unusable': 1" in first
        assert "Traceback" not in first, first[-3000:]

        second = run_crawl(tmp_path, *args)
        assert second.returncode == 0, second.log[-3000:]
        check_exactly_once(tmp_path / "output" / "urdupoint.jsonl", site)
    finally:
        site.server.stop()


def test_an_extra_feed_that_cannot_be_opened_stops_the_run_before_any_fetch(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """Case 4: ``-O`` under a file: the default feed got nothing, the state recorded all."""
    (tmp_path / "afile").write_text("not a directory\n")
    args = ("-a", f"base_url={sample_site.base_url}")
    bad = run_crawl(tmp_path, *args, "-O", "afile/stories.jsonl")
    assert bad.returncode == FEED_UNWRITABLE, bad.log[-3000:]
    errors = error_lines(bad.log)
    assert len(errors) == 1 and "afile/stories.jsonl" in errors[0], errors
    assert "Traceback" not in bad.log
    assert "Crawled (" not in bad.log, "fetched before the feed was checked"

    again = run_crawl(tmp_path, *args, "-O", "stories.jsonl")
    assert again.returncode == 0, again.log[-3000:]
    check_exactly_once(tmp_path / "output" / "urdupoint.jsonl", sample_site)
    check_exactly_once(tmp_path / "stories.jsonl", sample_site)


def test_an_extra_feed_failing_mid_run_never_decides_what_is_recorded(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """Case 4, later: an extra feed on a full disk stops the run; the default feed decides."""
    disk = tmp_path / "extra-disk"
    args = ("-a", f"base_url={sample_site.base_url}")
    with tmpfs(disk, "128k"):
        first = run_crawl(tmp_path, *args, "-o", str(disk / "extra.jsonl"))
        assert first.returncode == FEED_UNWRITABLE, first.log[-3000:]
        assert "Traceback" not in first.log
    second = run_crawl(tmp_path, *args)
    assert second.returncode == 0, second.log[-3000:]
    check_exactly_once(tmp_path / "output" / "urdupoint.jsonl", sample_site)


def test_a_feed_has_one_writer(sample_site: SampleSite, tmp_path: Path) -> None:
    """Case 6: a second process on a feed in use (two Redis workers on one machine) does not
    start; it used to append to it and reconcile the first one's lines as its own."""
    feed = tmp_path / "output" / "urdupoint.jsonl"
    args = ("-a", f"base_url={sample_site.base_url}")
    sample_site.server.pause()  # the first crawl holds the feed until the site answers
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
        for line in first.stderr:
            if "Spider opened" in line:
                break
        other_state = {"NEWSBOT_STATE_DIR": str(tmp_path / "other-state")}
        second = run_crawl(tmp_path, *args, settings=other_state)
    finally:
        sample_site.server.resume()
        assert first.stderr is not None
        first.stderr.read()
        first.stderr.close()
        first.wait(timeout=600)
    assert second.returncode == FEED_UNWRITABLE, second.log[-3000:]
    errors = error_lines(second.log)
    assert len(errors) == 1, errors
    assert f"(pid {first.pid}) is writing the feed {feed}" in errors[0]
    assert "Crawled (" not in second.log
    assert first.returncode == 0
    check_exactly_once(feed, sample_site)


@pytest.mark.parametrize("workers", [2])
def test_redis_workers_on_one_machine_write_a_feed_each(
    tmp_path: Path, redis_server: str, redis_namespace: str, workers: int
) -> None:
    """Case 6: the README's two Redis workers, one directory: both wrote output/urdupoint.jsonl
    and both "reconciled" the other's lines as an interrupted run's."""
    from tests.conftest import build_and_serve
    from tests.test_scaleout import run_workers

    site = build_and_serve(tmp_path / "sample", delay=0.02)
    machine = tmp_path / "machine"
    try:
        runs = run_workers([machine] * workers, site, redis_server, redis_namespace, [{}] * workers)
        for run in runs:
            assert run.returncode == 0, run.log[-3000:]
            assert "Feed reconciled" not in run.log
        output = machine / "output"
        feeds = [output / "urdupoint.jsonl", output / "urdupoint.2.jsonl"]
        feeds = [feed for feed in feeds if feed.exists()]  # the idle worker may write nothing
        assert feeds
        union = machine / "union.jsonl"
        union.write_bytes(b"".join(feed.read_bytes() for feed in feeds))
        check_exactly_once(union, site)
        assert sum("this one writes" in run.log for run in runs) == 1
    finally:
        site.server.stop()


def test_the_demo_never_touches_the_real_crawl(tmp_path: Path) -> None:
    """Case 5: the demo shared output/urdupoint.jsonl and output/state with the real crawl."""
    feed = tmp_path / "output" / "urdupoint.jsonl"
    feed.parent.mkdir(parents=True)
    feed.write_text('{"article_id": "1"}\n')
    state = tmp_path / "output" / "state"
    state.mkdir()
    (state / "urdupoint.sqlite3").write_bytes(b"the real crawl's state")
    for _ in range(2):
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
    assert feed.read_text() == '{"article_id": "1"}\n'
    assert sorted(p.name for p in state.iterdir()) == ["urdupoint.sqlite3"]
    assert (state / "urdupoint.sqlite3").read_bytes() == b"the real crawl's state"
    assert not (tmp_path / "output" / "urdupoint.dropped.jsonl").exists()
    demo_feed = tmp_path / "output" / "demo" / "urdupoint.jsonl"
    assert len(read_jsonl(demo_feed)) == 136


def _damage_one_page(path: Path) -> None:
    """Overwrite one page of the SQLite file (a bad sector, a stray write): the root page of
    the emitted stories' table, a page in use whatever the file's layout (a page in the
    middle of the file was sometimes a free one, which no check can call damaged)."""
    with closing(sqlite3.connect(path)) as db:
        (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'emitted'").fetchone()
        (page,) = db.execute("PRAGMA page_size").fetchone()
    with path.open("r+b") as handle:
        handle.seek((root - 1) * page)
        handle.write(os.urandom(page))


@pytest.mark.parametrize("damage", ["one page overwritten", "not a database"])
def test_a_damaged_state_stops_the_run_and_is_rebuilt_from_the_feed(
    sample_site: SampleSite, tmp_path: Path, damage: str
) -> None:
    """Case 8: 50 tracebacks a run, exit 0, and the 12 new stories never emitted."""
    args = ("-a", f"base_url={sample_site.base_url}")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-3000:]
    state = tmp_path / "output" / "state" / "urdupoint.sqlite3"
    if damage == "not a database":
        state.write_bytes(os.urandom(3 * 4096))
    else:
        _damage_one_page(state)

    # The site gains 12 stories at the top of its listings.
    build = build_site(sample_site.build.root, sample_site.base_url, edition=2)
    sample_site.build = build

    bad = run_crawl(tmp_path, *args)
    assert bad.returncode == STATE_UNUSABLE, bad.log[-3000:]
    errors = error_lines(bad.log)
    assert len(errors) == 1, errors
    assert f"the state {state} is damaged" in errors[0]
    assert "scrapy rebuild-state urdupoint" in errors[0]
    assert "Traceback" not in bad.log
    assert "Crawled (" not in bad.log

    rebuild = subprocess.run(
        [sys.executable, "-m", "scrapy", "rebuild-state", "urdupoint"],
        cwd=tmp_path,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert rebuild.returncode == 0, (rebuild.stdout + rebuild.stderr)[-3000:]
    assert list(state.parent.glob("urdupoint.sqlite3.damaged-*")), "the bad file was not kept"

    again = run_crawl(tmp_path, *args, settings={"LOG_LEVEL": "DEBUG"})
    assert again.returncode == 0, again.log[-3000:]
    check_exactly_once(tmp_path / "output" / "urdupoint.jsonl", sample_site)
    drops = read_jsonl(tmp_path / "output" / "urdupoint.dropped.jsonl")
    assert not [d for d in drops if d["reason"] == "duplicate_id"], "known stories fetched again"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"NEWSBOT_FEED": "feed-dir"}, "feed-dir"),  # the default feed is a directory
        ({"NEWSBOT_DROPPED_FEED": "drops-dir"}, "drops-dir"),  # so is the drops file
        ({"NEWSBOT_FEED": ""}, "no feed"),  # an unset shell variable: no feed at all
    ],
)
def test_a_record_that_cannot_be_written_stops_the_run_before_any_fetch(
    sample_site: SampleSite, tmp_path: Path, settings: dict[str, str], named: str
) -> None:
    """Found by an adversary: each of these exited 0; the empty feed lost all 136 stories
    for good (remembered as written, in no file), the directories fetched nothing forever
    or dropped every drop record."""
    (tmp_path / "feed-dir").mkdir()
    (tmp_path / "drops-dir").mkdir()
    run = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}", settings=settings)
    assert run.returncode == FEED_UNWRITABLE, run.log[-3000:]
    errors = error_lines(run.log)
    assert len(errors) == 1 and named in errors[0], errors
    assert "Crawled (" not in run.log, "fetched before the feed was checked"


def test_a_torn_last_line_of_the_drops_file_is_cut_not_glued_to_the_next_record(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """A full disk (or a kill -9 in mid-write) leaves the drops file with a torn last
    line; the next run appended its first record right after the fragment: one line that
    is no JSON, and ``jq`` / ``pandas.read_json(lines=True)`` failed on the whole file.
    The feed's torn line is cut at start; the drops file's must be too."""
    drops = tmp_path / "output" / "urdupoint.dropped.jsonl"
    drops.parent.mkdir(parents=True)
    whole = '{"url": "http://127.0.0.1/en/business/x-0.html", "reason": "too_short"}\n'
    drops.write_text(whole + '{"url": "http://127.0.0.1/en/business/x-1.html", "art', "utf-8")
    run = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}")
    assert run.returncode == 0, run.log[-2000:]
    lines = drops.read_text(encoding="utf-8").splitlines()
    assert lines[0] == whole.strip()  # what was whole is kept
    records = [json.loads(line) for line in lines]  # no fragment left, none glued on
    assert len(records) == 1 + len(sample_site.expected_drops())


def warning_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "] WARNING: " in line]


@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_a_feed_deleted_between_runs_is_said_not_silent(
    sample_site: SampleSite, tmp_path: Path, how: str
) -> None:
    """The feed deleted (or emptied, ``: > feed``) between two hourly runs, the state
    kept: the state remembers every story as written, so none comes again, and the next
    run said ``stories written: 12`` and nothing else: the corpus was gone without a word.
    Now the run goes on as after a rotation (the new stories go to a new feed: nothing
    more is lost), with one WARNING naming the feed, the state and the stories it lost,
    the counter ``newsbot/corpus/feed_lost_stories``, and the run summary's problems."""
    args = ("-a", f"base_url={sample_site.base_url}")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-2000:]
    feed = tmp_path / "output" / "urdupoint.jsonl"
    before = len(feed.read_text(encoding="utf-8").splitlines())
    if how == "deleted":
        feed.unlink()
    else:
        feed.write_bytes(b"")
    sample_site.build = build_site(sample_site.build.root, sample_site.base_url, edition=2)
    second = run_crawl(tmp_path, *args)
    # An alarm (degraded, exit 7: the monitors' alert actions run), not exit 0.
    assert second.returncode == 7, second.log[-2000:]
    assert "Keeping the corpus/The feed still holds the stories" in second.log
    assert second.log.splitlines()[-1].endswith("exit status 7: " + MEANINGS[ExitCode(7)])
    lost = [line for line in warning_lines(second.log) if str(feed) in line]
    assert len(lost) == 1, warning_lines(second.log)
    state = tmp_path / "output" / "state" / "urdupoint.sqlite3"
    assert str(state) in lost[0] and f"{before} stories" in lost[0], lost[0]
    assert second.stat("newsbot/corpus/feed_lost_stories") == before
    assert "problems: " in second.log and f"lost the {before} stories" in second.log
    new = [json.loads(line)["article_id"] for line in feed.read_text().splitlines()]
    assert new and len(new) < before  # the new edition's stories: the run went on

    third = run_crawl(tmp_path, *args)  # said once: the feed is counted afresh
    assert third.returncode == 0, third.log[-2000:]
    assert not [line for line in warning_lines(third.log) if str(feed) in line]


def test_a_rotated_feed_is_told_from_a_deleted_one(sample_site: SampleSite, tmp_path: Path) -> None:
    """The feed moved aside between runs (``mv urdupoint.jsonl urdupoint.jsonl.1``, what
    logrotate does): its stories are all there, in the other file. The next run says where
    (INFO, ``newsbot/corpus/feed_rotated``), no warning, and starts a new feed."""
    args = ("-a", f"base_url={sample_site.base_url}")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-2000:]
    feed = tmp_path / "output" / "urdupoint.jsonl"
    rotated = feed.with_name("urdupoint.jsonl.1")
    feed.rename(rotated)
    sample_site.build = build_site(sample_site.build.root, sample_site.base_url, edition=2)
    second = run_crawl(tmp_path, *args)
    assert_rotation_said(second, feed, rotated)
    assert second.stat("newsbot/corpus/feed_rotated") == 1
    assert second.stat("newsbot/corpus/feed_lost_stories") is None


def assert_rotation_said(run: CrawlRun, feed: Path, rotated: Path) -> None:
    """A run after a rotation: exit 0, no warning naming the feed, one INFO naming the copy."""
    assert run.returncode == 0, run.log[-2000:]
    assert not [line for line in warning_lines(run.log) if str(feed) in line]
    said = [line for line in run.log.splitlines() if "] INFO: " in line and "was rotated" in line]
    assert len(said) == 1 and str(rotated) in said[0], said


@pytest.mark.parametrize("suffix", [".xz", ".bz2"])
def test_a_feed_rotated_and_compressed_by_xz_or_bzip2_is_no_loss(
    sample_site: SampleSite, tmp_path: Path, suffix: str
) -> None:
    """logrotate's ``compress`` with ``compresscmd xz`` (or ``bzip2``; ``compressext``
    ``.xz``): the rotated copy ``urdupoint.jsonl.1.xz`` holds every story, yet only a
    ``.gz`` copy was read, so each rotation was a lost feed: the WARNING, exit status 7
    and the alert actions. Read as ``.gz`` is: one INFO naming it, exit 0."""
    args = ("-a", f"base_url={sample_site.base_url}")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-2000:]
    feed = tmp_path / "output" / "urdupoint.jsonl"
    rotated = feed.with_name("urdupoint.jsonl.1" + suffix)
    pack = lzma.compress if suffix == ".xz" else bz2.compress
    rotated.write_bytes(pack(feed.read_bytes()))
    feed.unlink()
    sample_site.build = build_site(sample_site.build.root, sample_site.base_url, edition=2)
    second = run_crawl(tmp_path, *args)
    assert not [line for line in warning_lines(second.log) if str(feed) in line]
    said = [
        line for line in second.log.splitlines() if "] INFO: " in line and "was rotated" in line
    ]
    assert len(said) == 1 and str(rotated) in said[0], said
    assert second.stat("newsbot/corpus/feed_lost_stories") is None
    assert second.returncode == 0, second.log[-2000:]


def test_a_feed_copied_back_or_moved_to_another_disk_is_no_loss(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """The data directory copied to a new disk (``cp -a``, ``rsync``) or the feed restored
    from a backup, as the lost-feed WARNING itself asks ("put the file back"): every story
    is in the feed, byte for byte, but it is another inode (or device). The next run took
    that for a lost feed: the WARNING, exit status 7 and the alert actions, an operator
    paged for a copy. Its first bytes and its size say it holds what was counted: no
    WARNING, nothing counted as lost, exit 0."""
    args = ("-a", f"base_url={sample_site.base_url}")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-2000:]
    output = tmp_path / "output"
    feed = output / "urdupoint.jsonl"
    inode = feed.stat().st_ino
    moved = tmp_path / "new-disk"
    shutil.copytree(output, moved)  # the new disk: every file a new inode
    shutil.rmtree(output)
    moved.rename(output)
    assert feed.stat().st_ino != inode
    sample_site.build = build_site(sample_site.build.root, sample_site.base_url, edition=2)
    second = run_crawl(tmp_path, *args)
    assert not [line for line in warning_lines(second.log) if str(feed) in line]
    assert second.stat("newsbot/corpus/feed_lost_stories") is None
    assert second.returncode == 0, second.log[-2000:]
    check_exactly_once(feed, sample_site)


@pytest.mark.parametrize("how", ["copytruncate", "compress", "dateext"])
def test_a_feed_rotated_by_copy_or_compressed_is_no_loss(
    sample_site: SampleSite, tmp_path: Path, how: str
) -> None:
    """logrotate's two other usual ways: ``copytruncate`` (the feed copied to
    ``urdupoint.jsonl.1``, then emptied in place: same inode) and ``compress`` (moved
    aside, then gzipped: ``urdupoint.jsonl.1.gz``, a new inode). Every story is in the
    copy (``urdupoint-20261130.jsonl`` with ``dateext`` and ``extension .jsonl``), yet the
    next run warned the feed lost them all (a false alarm at every
    rotation, in a run the operator is told to check). The copy is now found by its
    first bytes: one INFO naming it, no WARNING, nothing counted as lost. A copy that
    holds other stories is no rotation (still the WARNING)."""
    args = ("-a", f"base_url={sample_site.base_url}")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-2000:]
    feed = tmp_path / "output" / "urdupoint.jsonl"
    content = feed.read_bytes()
    if how in ("copytruncate", "dateext"):
        name = "urdupoint.jsonl.1" if how == "copytruncate" else "urdupoint-20261130.jsonl"
        rotated = feed.with_name(name)
        rotated.write_bytes(content)
        with feed.open("r+b") as handle:
            handle.truncate(0)
    else:
        rotated = feed.with_name("urdupoint.jsonl.1.gz")
        rotated.write_bytes(gzip.compress(content))
        feed.unlink()
    sample_site.build = build_site(sample_site.build.root, sample_site.base_url, edition=2)
    second = run_crawl(tmp_path, *args)
    assert_rotation_said(second, feed, rotated)
    assert second.stat("newsbot/corpus/feed_lost_stories") is None

    # Not any file beside it: a copy of other stories does not hide a loss.
    rotated.unlink()
    other = feed.with_name("urdupoint.jsonl.2")
    other.write_bytes(feed.read_bytes()[::-1])
    feed.unlink()
    third = run_crawl(tmp_path, *args)
    assert len([line for line in warning_lines(third.log) if str(feed) in line]) == 1
