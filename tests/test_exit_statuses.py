"""A run that goes wrong says so: one exit status per way, in the report and the last log line.

Each case is a real ``scrapy crawl`` against a loopback server the test starts, a port
nothing listens on, or a ``.invalid`` host (which never resolves). The arguments cases
must stop before anything is fetched: no crawler, no request.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsbot.exitcodes import FINISH_REASONS, ExitCode, describe
from tests.conftest import CrawlRun, SampleSite, _free_port, crawl_env, run_crawl

pytestmark = pytest.mark.e2e


def last_line(run: CrawlRun) -> str:
    return [line for line in run.log.splitlines() if line.strip()][-1]


def report(run: CrawlRun) -> dict:
    return json.loads((run.cwd / "output" / "urdupoint.report.json").read_text("utf-8"))


def assert_exit(run: CrawlRun, code: ExitCode, *, with_report: bool = True) -> None:
    assert run.returncode == int(code), run.log[-3000:]
    reason = next((r for r, c in FINISH_REASONS.items() if c == code), code.name.lower())
    assert last_line(run).endswith(describe(int(code), reason)), last_line(run)
    closing = run.log.split("Closing spider", 1)[-1]
    assert "Traceback" not in closing, closing[-3000:]
    if with_report:
        written = report(run)
        assert written["exit_status"] == int(code)
        assert written["finish_reason"] == reason
        assert written["problems"], "the report says what went wrong"


class _Answers500(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><body>Internal error</body></html>"
        self.send_response(500)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server_500() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers500)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_name_that_does_not_resolve_is_nothing_fetched(tmp_path: Path) -> None:
    run = run_crawl(tmp_path, "-a", "base_url=http://newsbot-test.invalid", "-a", "categories=a")
    assert_exit(run, ExitCode.NOTHING_FETCHED)
    assert "none of the 1 start URLs could be fetched" in run.log


def test_a_refused_connection_is_nothing_fetched(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    run = run_crawl(tmp_path, "-a", f"base_url={url}", "-a", "categories=a,b")
    assert_exit(run, ExitCode.NOTHING_FETCHED)


def test_every_page_an_http_error_is_http_errors(server_500: str, tmp_path: Path) -> None:
    run = run_crawl(tmp_path, "-a", f"base_url={server_500}", "-a", "categories=a,b")
    assert_exit(run, ExitCode.HTTP_ERRORS)


def test_robots_txt_denying_the_start_urls_is_robots_denied(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    (sample_site.build.docroot / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    run = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}")
    assert_exit(run, ExitCode.ROBOTS_DENIED)
    assert run.stat("robotstxt/forbidden")


def test_an_unknown_category_is_start_not_found(sample_site: SampleSite, tmp_path: Path) -> None:
    run = run_crawl(
        tmp_path, "-a", f"base_url={sample_site.base_url}", "-a", "categories=nonexistent"
    )
    assert_exit(run, ExitCode.START_NOT_FOUND)
    assert "1 of 1 start URLs answered 404" in run.log


def test_an_unknown_category_among_known_ones_is_start_not_found_too(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    args = ("-a", f"base_url={sample_site.base_url}", "-a", "categories=world,nonexistent")
    run = run_crawl(tmp_path, *args)
    assert_exit(run, ExitCode.START_NOT_FOUND)
    assert report(run)["stories_emitted"] > 0, "the known category was crawled all the same"


def test_an_unreachable_redis_is_one_line_naming_it_before_fetching(tmp_path: Path) -> None:
    url = f"redis://:hunter2@127.0.0.1:{_free_port()}/0"
    run = run_crawl(tmp_path, settings={"NEWSBOT_REDIS_URL": url})
    assert_exit(run, ExitCode.REDIS_UNREACHABLE, with_report=False)
    assert f"the Redis server at redis://:***@127.0.0.1:{url.rsplit(':', 1)[1]}" in run.log
    assert "hunter2" not in run.log
    assert "downloader/request_count" not in run.log


def test_a_healthy_run_says_exit_status_0_last(sample_site: SampleSite, tmp_path: Path) -> None:
    run = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}")
    assert run.returncode == 0, run.log[-3000:]
    assert last_line(run).endswith("INFO: exit status 0: the crawl finished")
    written = report(run)
    assert written["exit_status"] == 0 and not written["alarms"]
    baseline = json.loads((tmp_path / "output" / "state" / "urdupoint.baseline.json").read_text())
    assert baseline["runs"] == 1 and baseline["coverage"]["body"] == 1.0


# --- arguments: one line naming the argument, exit 2, nothing fetched --------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("-a", "categoriez=pakistan"),
            "urdupoint: bad argument categoriez: unknown argument; did you mean categories? "
            "known: base_url, categories, full, max_pages, recheck_hours",
        ),
        (("-a", "max_page=3"), "did you mean max_pages?"),
        (("-a", "colour=red"), "bad argument colour: unknown argument; known: base_url,"),
        (("-a", "max_pages=many"), "urdupoint: bad argument max_pages: 'many' is not a number"),
        (("-a", "max_pages=0"), "bad argument max_pages: must be 1 or more, got 0"),
        (("-a", "full=maybe"), "bad argument full: 'maybe' is not true/false"),
        (("-a", "recheck_hours=-1"), "bad argument recheck_hours: must be 0 or more"),
        (("-a", "base_url=ftp://example.com"), "bad argument base_url: "),
        (("-a", "categories=a;b"), "bad argument categories: 'a;b' is not a slug"),
        (("-a", "base_url=http://127.0.0.1:99999"), "bad argument base_url: Port out of range"),
        (("-a", "base_url=http://127.0.0.1:8o"), "bad argument base_url: Port could not be cast"),
        (("-a", "categories=/"), "bad argument categories: '/' is not a slug"),
    ],
    ids=[
        "misspelt",
        "misspelt-plural",
        "unknown",
        "not-a-number",
        "zero-pages",
        "not-a-bool",
        "negative-hours",
        "bad-url",
        "bad-slug",
        "port-out-of-range",
        "port-not-a-number",
        "empty-slug",
    ],
)
def test_a_bad_argument_is_one_line_and_exit_2_before_fetching(
    tmp_path: Path, args: tuple[str, ...], line: str
) -> None:
    # A port nothing listens on: were anything fetched, the run would say "Failed".
    base = f"http://127.0.0.1:{_free_port()}"
    run = run_crawl(tmp_path, "-a", f"base_url={base}", *args)
    assert_exit(run, ExitCode.BAD_ARGUMENT, with_report=False)
    errors = [entry for entry in run.log.splitlines() if "ERROR" in entry]
    assert len(errors) == 1 and line in errors[0], errors
    for absent in ("Traceback", "Task exception", "Crawler.stats", "Failed ", "Spider opened"):
        assert absent not in run.log


def test_scrapyd_arguments_are_known(sample_site: SampleSite, tmp_path: Path) -> None:
    run = run_crawl(
        tmp_path,
        "-a", f"base_url={sample_site.base_url}",
        "-a", "_job=0123abcd",
        "-a", "_version=1700000000",
        "-a", "max_pages=1",
    )  # fmt: skip
    assert run.returncode == 0, run.log[-3000:]
    assert "bad argument" not in run.log


def test_a_misspelt_setting_is_refused_with_the_closest_name(tmp_path: Path) -> None:
    """Found by an adversary: ``-s NEWSBOT_FED=...`` was ignored, and the run wrote into the
    default feed the operator meant to keep apart."""
    run = run_crawl(
        tmp_path, "-a", "base_url=http://127.0.0.1:9", settings={"NEWSBOT_FED": "x.jsonl"}
    )
    assert run.returncode == 2, run.log[-3000:]
    assert "unknown setting NEWSBOT_FED is no setting of newsbot; did you mean NEWSBOT_FEED?" in (
        run.log
    )
    assert "Traceback" not in run.log
    assert not (tmp_path / "output" / "urdupoint.jsonl").exists()


def test_the_unreachable_redis_line_says_its_exit_status(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{_free_port()}/0"
    run = run_crawl(tmp_path, settings={"NEWSBOT_REDIS_URL": url})
    (line,) = [entry for entry in run.log.splitlines() if " ERROR: " in entry]
    assert line.endswith("(exit status 12)"), line


@pytest.mark.parametrize(
    "path", ["newsbot.state.sqlite.NoSuchStore", "nosuch.module.Store", "newsbot.config"]
)
def test_a_state_store_class_that_does_not_load_is_a_bad_setting(tmp_path: Path, path: str) -> None:
    """It was Scrapy's traceback and exit status 1, as if the program had failed."""
    run = run_crawl(
        tmp_path, "-a", "base_url=http://127.0.0.1:9", settings={"NEWSBOT_STATE_STORE": path}
    )
    assert run.returncode == 2, run.log[-3000:]
    assert "Traceback" not in run.log
    (line,) = [entry for entry in run.log.splitlines() if " ERROR: " in entry]
    assert f"Not crawling: bad setting NEWSBOT_STATE_STORE: {path!r} " in line
    assert line.endswith("(exit status 2)")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("CONCURRENT_REQUESTS", "0", "must be at least 1"),
        ("CONCURRENT_REQUESTS_PER_DOMAIN", "-3", "must be at least 1"),
        ("CONCURRENT_REQUESTS", "ten", "is not a whole number"),
        ("DOWNLOAD_TIMEOUT", "0", "must be more than 0"),
        ("DOWNLOAD_DELAY", "-1", "must be at least 0"),
        ("ROBOTSTXT_OBEY", "maybe", "is not true/false"),
        ("AUTOTHROTTLE_ENABLED", "perhaps", "is not true/false"),
        ("RETRY_HTTP_CODES", "500,abc", "is not a list of HTTP statuses"),
        ("REDIRECT_MAX_TIMES", "abc", "is not a whole number"),
        ("DOWNLOAD_FAIL_ON_DATALOSS", "maybe", "is not true/false"),
    ],
)
def test_a_scrapy_setting_that_would_stall_the_crawl_is_refused(
    sample_site: SampleSite, tmp_path: Path, name: str, value: str, says: str
) -> None:
    """An operator's typo in Scrapy's own settings: ``CONCURRENT_REQUESTS=0`` (or a
    negative per-domain limit) left the crawl waiting for ever with nothing in flight, and
    a word was a traceback from the engine. Now one line, exit 2, nothing fetched."""
    run = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}", settings={name: value})
    assert run.returncode == 2, run.log[-3000:]
    (line,) = [entry for entry in run.log.splitlines() if " ERROR: " in entry]
    assert f"Not crawling: bad setting {name}: {value!r} {says}" in line, line
    assert line.endswith("(exit status 2)"), line
    assert "Traceback" not in run.log and "Spider opened" not in run.log


@pytest.mark.parametrize("hours", ["nan", "inf", "100000000"])
def test_recheck_hours_out_of_range_is_refused_not_a_traceback_per_listing(
    sample_site: SampleSite, tmp_path: Path, hours: str
) -> None:
    """``recheck_hours=nan`` / ``inf`` / ``1e8`` passed ``>= 0``; on a state that knows
    stories every listing then crashed in the recheck window (``timedelta(hours=nan)``:
    ValueError; ``inf`` / ``1e8``: OverflowError) and the run still exited 0."""
    args = ("-a", f"base_url={sample_site.base_url}")
    first = run_crawl(tmp_path, *args)
    assert first.returncode == 0, first.log[-2000:]
    run = run_crawl(tmp_path, *args, "-a", f"recheck_hours={hours}")
    assert run.returncode == 2, run.log[-3000:]
    assert "bad argument recheck_hours" in run.log
    assert "Traceback" not in run.log and "Spider opened" not in run.log


def test_a_since_after_tomorrow_is_a_bad_argument_not_an_empty_run(tmp_path: Path) -> None:
    """``since=2062-03-01`` (a typo for 2026): stories dated more than a day ahead are
    refused as ``future_published_at``, so no story can be in that window; the run
    fetched the listings, wrote nothing and exited 0. A port nothing listens on: a
    refused argument fetches nothing; an accepted one would say exit 8."""
    run = run_crawl(
        tmp_path, "-a", f"base_url=http://127.0.0.1:{_free_port()}", "-a", "since=2062-03-01"
    )
    assert run.returncode == 2, run.log[-1500:]
    assert "bad argument since" in run.log
    assert "Traceback" not in run.log and "Spider opened" not in run.log


def test_a_window_setting_too_large_is_a_bad_setting_not_zero_written(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """``NEWSBOT_NEAR_DUPLICATE_WINDOW_DAYS=1000000`` ("always") passed ``>= 1``; every
    story's release then raised ``OverflowError`` in the dedupe: 0 written, a traceback
    per story, exit 0."""
    run = run_crawl(
        tmp_path,
        "-a",
        f"base_url={sample_site.base_url}",
        settings={"NEWSBOT_NEAR_DUPLICATE_WINDOW_DAYS": "1000000"},
    )
    assert run.returncode == 2, run.log[-3000:]
    (line,) = [entry for entry in run.log.splitlines() if " ERROR: " in entry]
    assert "bad setting NEWSBOT_NEAR_DUPLICATE_WINDOW_DAYS" in line, line
    assert "Spider opened" not in run.log
    assert not (tmp_path / "output" / "urdupoint.jsonl").exists()


class ExplodingPipeline:
    """A pipeline that raises on every story: a release in which every story fails."""

    def process_item(self, item: object) -> object:
        raise OverflowError("date value out of range")


def test_a_release_in_which_every_story_failed_does_not_exit_0(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """Story pages staged, every one raised in the pipelines, 0 written: the run exited 0
    (hourly, for ever). It is the crawl failing with an error: exit status 1."""
    pipelines = {"tests.test_exit_statuses.ExplodingPipeline": 100}
    run = run_crawl(
        tmp_path,
        "-a",
        f"base_url={sample_site.base_url}",
        settings={"ITEM_PIPELINES": json.dumps(pipelines)},
    )
    assert run.returncode == ExitCode.ERROR, run.log[-3000:]
    assert "exit status 1" in run.log


def test_download_timeout_nan_is_a_bad_setting_not_nothing_fetched(tmp_path: Path) -> None:
    """``DOWNLOAD_TIMEOUT=nan`` passed the check (``nan <= 0`` is false); every request
    then failed and the run ended with exit 8, sending the operator to the network."""
    run = run_crawl(
        tmp_path,
        "-a",
        f"base_url=http://127.0.0.1:{_free_port()}",
        settings={"DOWNLOAD_TIMEOUT": "nan"},
    )
    assert run.returncode == 2, run.log[-1500:]
    assert "bad setting DOWNLOAD_TIMEOUT" in run.log


@pytest.mark.parametrize(
    "command",
    [
        ("-m", "scrapy", "demo", "--port", "99999"),
        ("-m", "newsbot.sample_site", "serve", "SITE", "--port", "99999"),
    ],
    ids=["demo", "sample-site-serve"],
)
def test_a_port_out_of_range_is_one_line_not_a_traceback(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    """``--port 99999`` ended in ``OverflowError: bind(): port must be 0-65535`` with a
    traceback (exit 1); it is a usage error: one line, exit 2."""
    args = [arg.replace("SITE", str(tmp_path / "site")) for arg in command]
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=tmp_path,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out[-1500:]
    assert proc.returncode == 2, out[-1500:]
    assert "--port" in out and "99999" in out, out[-1500:]
