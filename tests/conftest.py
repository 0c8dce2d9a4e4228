"""Shared fixtures: a sample site on loopback, and a way to run real crawls."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsbot.sample_site import BuildResult, SampleSiteServer, build_site

REPO = Path(__file__).resolve().parent.parent

#: Politeness off for loopback crawls: tests override settings, never edit defaults.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "LOG_LEVEL": "INFO",
}


@dataclass
class SampleSite:
    server: SampleSiteServer
    build: BuildResult

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def ground_truth(self) -> list[dict]:
        return read_jsonl(self.build.ground_truth)

    def expected_drops(self) -> list[dict]:
        return read_jsonl(self.build.expected_drops)


@pytest.fixture
def sample_site(tmp_path: Path) -> Iterator[SampleSite]:
    """The default sample site, built and served on a free loopback port."""
    site = build_and_serve(tmp_path / "sample")
    try:
        yield site
    finally:
        site.server.stop()


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@dataclass
class CrawlRun:
    returncode: int
    log: str
    cwd: Path

    def stat(self, key: str) -> int | None:
        """A number from the crawl's final stats dump (``'key': value``)."""
        marker = f"'{key}': "
        for line in self.log.splitlines():
            stripped = line.strip()
            if stripped.startswith(marker):
                return int(stripped[len(marker) :].rstrip(",}"))
        return None


def crawl_command(*args: str, settings: dict[str, str] | None = None) -> list[str]:
    """``scrapy crawl urdupoint ARGS -s ...`` with politeness off."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "urdupoint", *args]
    for key, value in {**FAST_SETTINGS, **(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def crawl_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "SCRAPY_SETTINGS_MODULE": "newsbot.settings"}


def run_crawl(cwd: Path, *args: str, settings: dict[str, str] | None = None) -> CrawlRun:
    """``scrapy crawl urdupoint ARGS`` in ``cwd``, as a user runs it (a real process)."""
    proc = subprocess.run(
        crawl_command(*args, settings=settings),
        cwd=cwd,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return CrawlRun(proc.returncode, proc.stdout + proc.stderr, cwd)


def build_and_serve(
    root: Path, *, delay: float = 0.0, challenged: tuple[str, ...] = (), **build_args: object
) -> SampleSite:
    """A sample site (any size or edition) served on loopback; stop ``.server`` after."""
    server = SampleSiteServer(root / "site", delay=delay, challenged=challenged)
    build = build_site(root, server.base_url, **build_args)  # type: ignore[arg-type]
    server.start()
    return SampleSite(server, build)


# --- a private Redis server, for the Redis state store ---------------------------------

REDIS_SERVER = Path("/usr/bin/redis-server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_answers(url: str) -> bool:
    import redis  # only the Redis tests need the client

    with redis.Redis.from_url(url, socket_timeout=1) as client:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server on a free loopback port (no persistence); yields its URL."""
    if not REDIS_SERVER.exists():
        pytest.fail(
            f"{REDIS_SERVER} is missing: the Redis state tests need it "
            "(apt-get install redis-server)"
        )
    workdir = tmp_path_factory.mktemp("redis")
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    command = [
        str(REDIS_SERVER),
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--dir", str(workdir),
    ]  # fmt: skip
    with (workdir / "redis.log").open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not _redis_answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                log_text = (workdir / "redis.log").read_text(errors="replace")
                pytest.fail(f"redis-server did not start on port {port}:\n{log_text}")
            time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def redis_namespace() -> str:
    """A namespace of its own for each test: tests never see each other's keys."""
    return f"newsbot-test:{uuid.uuid4().hex}"
