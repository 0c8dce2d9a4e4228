"""Scale-out: two crawler processes share one crawl through a real Redis server."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.conftest import (
    CrawlRun,
    SampleSite,
    build_and_serve,
    crawl_command,
    crawl_env,
    read_jsonl,
)
from tests.test_incremental import build_and_serve_again

pytestmark = pytest.mark.e2e


@pytest.fixture
def slow_site(tmp_path: Path) -> Iterator[SampleSite]:
    """The sample site, each answer 20 ms late: a crawl long enough for two workers."""
    served = build_and_serve(tmp_path / "sample", delay=0.02)
    try:
        yield served
    finally:
        served.server.stop()


def run_workers(
    dirs: list[Path], site: SampleSite, redis_url: str, prefix: str, extra: list[dict[str, str]]
) -> list[CrawlRun]:
    """Start one ``scrapy crawl urdupoint`` per directory; wait for all.

    The site holds its answers until every worker has signed in to the crew: a worker that
    starts a few seconds late on a slow machine would otherwise find the round already done.
    """
    procs = []
    site.server.pause()
    try:
        for workdir, settings in zip(dirs, extra, strict=True):
            workdir.mkdir(parents=True, exist_ok=True)
            command = crawl_command(
                "-a", f"base_url={site.base_url}",
                settings={
                    "NEWSBOT_REDIS_URL": redis_url,
                    "NEWSBOT_REDIS_PREFIX": prefix,
                    "CONCURRENT_REQUESTS": "4",
                    "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
                    **settings,
                },
            )  # fmt: skip
            procs.append(
                subprocess.Popen(
                    command,
                    cwd=workdir,
                    env=crawl_env(),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        wait_for_workers(redis_url, f"{prefix}:urdupoint:workers", procs)
    finally:
        site.server.resume()
    runs = []
    for proc, workdir in zip(procs, dirs, strict=True):
        out, _ = proc.communicate(timeout=600)
        runs.append(CrawlRun(proc.returncode, out, workdir))
    return runs


def wait_for_workers(redis_url: str, key: str, procs: list[subprocess.Popen[str]]) -> None:
    """Return once every process has signed in under ``key`` (or one has exited)."""
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 120
    while client.hlen(key) < len(procs):
        if any(proc.poll() is not None for proc in procs):
            return  # its log says why; the caller's return-code check reports it
        if time.monotonic() > deadline:
            raise AssertionError(f"only {client.hlen(key)} of {len(procs)} workers signed in")
        time.sleep(0.1)


def feed_ids(workdir: Path) -> list[str]:
    feed = workdir / "output" / "urdupoint.jsonl"
    return [row["article_id"] for row in read_jsonl(feed)] if feed.exists() else []


def test_two_workers_share_the_crawl_and_write_every_story_once(
    slow_site: SampleSite, tmp_path: Path, redis_server: str
) -> None:
    prefix = f"newsbot-test:{uuid.uuid4().hex}"  # the shape every test namespace has
    dirs = [tmp_path / "worker1", tmp_path / "worker2"]
    # The second worker asks for the scrapy-redis trap; it must be refused, not obeyed.
    first = run_workers(dirs, slow_site, redis_server, prefix, [{}, {"SCHEDULER_PERSIST": "False"}])
    for run in first:
        assert run.returncode == 0, run.log[-3000:]
        assert (run.stat("newsbot/pages/story") or 0) >= 10, "a worker did (almost) nothing"
    assert "SCHEDULER_PERSIST=False ignored" in first[1].log
    for run in first:  # scrapy-redis's calls that Scrapy deprecates are wrapped
        assert "Warning:" not in run.log, run.log[-3000:]

    truth = {row["article_id"] for row in slow_site.ground_truth()}
    written = feed_ids(dirs[0]) + feed_ids(dirs[1])
    assert sorted(written) == sorted(truth), "the union must be every story exactly once"
    assert sum("releases the staged stories" in run.log for run in first) == 1

    client = redis.Redis.from_url(redis_server)
    assert not client.exists(f"{prefix}:urdupoint:requests"), "the shared queue is not empty"
    assert not client.exists(f"{prefix}:urdupoint:dupefilter"), "the round was not closed"
    assert not client.hlen(f"{prefix}:urdupoint:workers"), "a worker did not sign off"

    # Round two, on a site that gained 12 stories: both workers, only the new stories.
    before = [len(feed_ids(d)) for d in dirs]
    grown = {row["article_id"] for row in build_and_serve_again(slow_site, edition=2)}
    second = run_workers(dirs, slow_site, redis_server, prefix, [{}, {}])
    for run in second:
        assert run.returncode == 0, run.log[-3000:]
        assert (run.stat("response_received_count") or 0) > 0
    added = feed_ids(dirs[0])[before[0] :] + feed_ids(dirs[1])[before[1] :]
    assert sorted(added) == sorted(grown - truth)
    assert len(grown - truth) == 12


def test_a_redis_that_dies_mid_crawl_stops_the_worker_loudly_and_the_rerun_loses_nothing(
    slow_site: SampleSite, tmp_path: Path
) -> None:
    """Issue: with Redis killed mid-crawl the heartbeat died in a traceback and the worker
    left the round with exit 0 and nothing written. Now: exit 12 with one line naming the
    server; after it restarts empty, one rerun writes every story exactly once."""
    from tests.conftest import REDIS_SERVER, _free_port, _redis_answers

    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"

    def start_redis() -> subprocess.Popen[bytes]:
        server = subprocess.Popen(
            [str(REDIS_SERVER), "--bind", "127.0.0.1", "--port", str(port), "--save", "",
             "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not _redis_answers(url):
            assert server.poll() is None and time.monotonic() < deadline, "redis did not start"
            time.sleep(0.05)
        return server

    workdir = tmp_path / "worker"
    workdir.mkdir()
    command = crawl_command(
        "-a", f"base_url={slow_site.base_url}",
        settings={"NEWSBOT_REDIS_URL": url, "CONCURRENT_REQUESTS": "2",
                  "CONCURRENT_REQUESTS_PER_DOMAIN": "2"},
    )  # fmt: skip
    server = start_redis()
    try:
        worker = subprocess.Popen(
            command, cwd=workdir, env=crawl_env(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        feed = workdir / "output" / "urdupoint.jsonl"
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 120
        while not client.hlen("newsbot:urdupoint:workers"):  # signed in: crawling
            assert worker.poll() is None and time.monotonic() < deadline, "worker never joined"
            time.sleep(0.1)
        time.sleep(2)  # some pages fetched, some stories staged
        server.kill()
        server.wait()
        out, _ = worker.communicate(timeout=300)
    finally:
        if server.poll() is None:
            server.kill()
    assert worker.returncode == 12, out[-3000:]
    assert f"the Redis server {url} stopped answering" in out
    assert "exit status 12" in out

    server = start_redis()  # back, and empty (no persistence, as in the README)
    try:
        again = subprocess.run(
            command, cwd=workdir, env=crawl_env(), capture_output=True, text=True, timeout=600,
            check=False,
        )  # fmt: skip
    finally:
        server.kill()
        server.wait()
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    ids = [row["article_id"] for row in read_jsonl(feed)]
    assert len(ids) == len(set(ids)), "a story written twice"
    assert set(ids) == {row["article_id"] for row in slow_site.ground_truth()}


def test_a_worker_joining_a_crawl_under_way_logs_no_deprecation(
    redis_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    """scrapy-redis 0.9.1 says "Resuming crawl" through the deprecated ``Spider.log``
    when the shared queue already holds requests (a worker that joins late): under the
    tests' warnings-as-errors, ``open`` raised; in a crawl, a warning in the log."""
    from scrapy import Spider

    from newsbot.scaleout.scheduler import SharedScheduler

    server = redis.from_url(redis_server)
    key = f"newsbot-test:{uuid.uuid4().hex}:%(spider)s:requests"
    server.zadd(key % {"spider": "late"}, {b"a request": 0})
    scheduler = SharedScheduler(
        server, persist=True, queue_key=key, dupefilter=object(), idle_before_close=0
    )
    with caplog.at_level("INFO", logger="newsbot.scaleout.scheduler"):
        scheduler.open(Spider(name="late"))
    assert "Joining a crawl under way: 1 requests in the shared queue" in caplog.text
