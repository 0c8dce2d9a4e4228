"""Deploy to a real Scrapyd (loopback, basic auth) and run scheduled incremental crawls.

The test starts ``scrapyd`` in a temporary home, deploys a copy of this project with
``scrapyd-deploy`` (the README's command, with the test's port), schedules ``urdupoint``
against the sample site, changes the site and schedules again.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsbot.sample_site import build_site
from tests.conftest import REPO, SampleSite, build_and_serve, read_jsonl

pytestmark = pytest.mark.e2e

USER, PASSWORD = "operator", "s3cret-for-tests"
BIN = Path(sys.executable).parent
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "output", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Scrapyd:
    url: str
    home: Path
    process: subprocess.Popen

    def call(
        self, endpoint: str, data: dict[str, str] | list | None = None, auth: bool = True
    ) -> dict:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(f"{self.url}/{endpoint}", data=body)  # noqa: S310
        if auth:
            token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return json.loads(answer.read())

    def wait_finished(self, job: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.call("listjobs.json?project=newsbot")
            if any(entry["id"] == job for entry in jobs["finished"]):
                return
            time.sleep(0.5)
        raise AssertionError(f"job {job} did not finish; log: {self.log(job)[-3000:]}")

    def log(self, job: str) -> str:
        path = self.home / "logs" / "newsbot" / "urdupoint" / f"{job}.log"
        return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[Scrapyd]:
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        "eggs_dir = eggs\nlogs_dir = logs\nitems_dir = items\ndbs_dir = dbs\n"
        "poll_interval = 0.5\nmax_proc = 1\n",
        encoding="utf-8",
    )
    env = {**os.environ, "SCRAPYD_USERNAME": USER, "SCRAPYD_PASSWORD": PASSWORD}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    errors = (home / "scrapyd.err").open("w")
    process = subprocess.Popen(
        [str(BIN / "scrapyd")], cwd=home, env=env, stdout=subprocess.DEVNULL, stderr=errors
    )
    daemon = Scrapyd(f"http://127.0.0.1:{port}", home, process)
    deadline = time.monotonic() + 30
    while True:
        try:
            daemon.call("daemonstatus.json")
            break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline or process.poll() is not None:
                errors.close()
                raise AssertionError((home / "scrapyd.err").read_text()) from None
            time.sleep(0.3)
    try:
        yield daemon
    finally:
        process.terminate()
        process.wait(timeout=30)
        errors.close()


def deploy(daemon: Scrapyd, project: Path) -> subprocess.CompletedProcess[str]:
    """``scrapyd-deploy`` as the README says, from a copy of the project pointed at ``daemon``."""
    config = project / "scrapy.cfg"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("http://127.0.0.1:6800/", daemon.url + "/"), encoding="utf-8")
    env = {**os.environ, "SCRAPYD_USERNAME": USER, "SCRAPYD_PASSWORD": PASSWORD}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return subprocess.run(
        [str(BIN / "scrapyd-deploy")], cwd=project, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture
def site(tmp_path: Path) -> Iterator[SampleSite]:
    served = build_and_serve(tmp_path / "sample")
    try:
        yield served
    finally:
        served.server.stop()


def test_deploy_schedule_and_incremental_jobs_on_a_real_scrapyd(
    scrapyd: Scrapyd, site: SampleSite, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(REPO, project, ignore=COPY_IGNORE)
    deployed = deploy(scrapyd, project)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert '"status": "ok"' in deployed.stdout + deployed.stderr
    assert scrapyd.call("listspiders.json?project=newsbot")["spiders"] == ["urdupoint"]

    state = tmp_path / "persistent"  # where an operator keeps the crawler's memory
    schedule = [
        ("project", "newsbot"),
        ("spider", "urdupoint"),
        ("base_url", site.base_url),
        ("max_pages", "50"),
        ("setting", "DOWNLOAD_DELAY=0"),
        ("setting", "AUTOTHROTTLE_ENABLED=False"),
        ("setting", "CONCURRENT_REQUESTS_PER_DOMAIN=16"),
        ("setting", f"NEWSBOT_STATE_DIR={state / 'state'}"),
        ("setting", f"NEWSBOT_FEED={state / 'urdupoint.jsonl'}"),
        ("setting", f"NEWSBOT_DROPPED_FEED={state / 'urdupoint.dropped.jsonl'}"),
    ]
    first = scrapyd.call("schedule.json", schedule)["jobid"]
    scrapyd.wait_finished(first)
    items_1 = read_jsonl(scrapyd.home / "items" / "newsbot" / "urdupoint" / f"{first}.jl")
    truth_1 = {row["article_id"] for row in site.ground_truth()}
    assert sorted(item["article_id"] for item in items_1) == sorted(truth_1), scrapyd.log(first)
    assert "Traceback" not in scrapyd.log(first)

    grown = build_site(site.build.root, site.base_url, edition=2)
    truth_2 = {row["article_id"] for row in read_jsonl(grown.ground_truth)}
    second = scrapyd.call("schedule.json", schedule)["jobid"]
    assert second != first
    scrapyd.wait_finished(second)
    items_2 = read_jsonl(scrapyd.home / "items" / "newsbot" / "urdupoint" / f"{second}.jl")
    assert sorted(item["article_id"] for item in items_2) == sorted(truth_2 - truth_1)
    # The operator's own feed, beside Scrapyd's items: every story once.
    feed = [item["article_id"] for item in read_jsonl(state / "urdupoint.jsonl")]
    assert sorted(feed) == sorted(truth_2)


def test_requests_without_credentials_are_refused(scrapyd: Scrapyd) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        scrapyd.call("daemonstatus.json", auth=False)
    assert refused.value.code == 401
    refused.value.close()
    assert scrapyd.call("daemonstatus.json")["status"] == "ok"


def test_deploying_a_broken_build_shows_the_real_error(scrapyd: Scrapyd, tmp_path: Path) -> None:
    project = tmp_path / "broken"
    shutil.copytree(REPO, project, ignore=COPY_IGNORE)
    spider = project / "newsbot" / "spiders" / "urdupoint.py"
    spider.write_text(spider.read_text(encoding="utf-8") + "\nimport newsbot_missing_module\n")
    deployed = deploy(scrapyd, project)
    output = deployed.stdout + deployed.stderr
    assert deployed.returncode != 0 or '"status": "error"' in output
    assert "newsbot_missing_module" in output, output
