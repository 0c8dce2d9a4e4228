"""An alarm reaches a person: a failing monitor fires the configured Spidermon action.

The action here is Spidermon's Discord notifier, a JSON POST to a webhook URL, pointed at
an HTTP sink the test starts on loopback; e-mail, Slack or Telegram are the same wiring
with other settings. Nothing is written for a channel but settings.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import SampleSite, _free_port, run_crawl

pytestmark = pytest.mark.e2e

DISCORD = "spidermon.contrib.actions.discord.notifiers.SendDiscordMessageSpiderFinished"


class Sink(ThreadingHTTPServer):
    posts: list[dict]


class _Record(BaseHTTPRequestHandler):
    server: Sink

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.server.posts.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink(("127.0.0.1", 0), _Record)
    server.posts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def alert_settings(sink: Sink) -> dict[str, str]:
    return {
        "NEWSBOT_ALERT_ACTIONS": DISCORD,
        "SPIDERMON_DISCORD_WEBHOOK_URL": f"http://127.0.0.1:{sink.server_address[1]}/hook",
    }


def test_a_failing_monitor_posts_an_alert_naming_the_alarm(sink: Sink, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{_free_port()}"  # nothing listens: nothing can be fetched
    run = run_crawl(tmp_path, "-a", f"base_url={base}", settings=alert_settings(sink))
    assert run.returncode == 8, run.log[-3000:]
    assert len(sink.posts) == 1, run.log[-3000:]
    text = sink.posts[0]["content"]
    assert text.startswith("urdupoint finished with alarms:"), text
    assert (
        "- Reaching the site/Start URLs fetched, not refused, not 404, not all HTTP errors: "
        "nothing_fetched: none of the 5 start URLs could be fetched\n"
    ) in text


def test_a_healthy_run_sends_no_alert(sink: Sink, sample_site: SampleSite, tmp_path: Path) -> None:
    args = ("-a", f"base_url={sample_site.base_url}", "-a", "categories=world")
    run = run_crawl(tmp_path, *args, settings=alert_settings(sink))
    assert run.returncode == 0, run.log[-3000:]
    assert "[Spidermon] OK" in run.log, "the monitors ran"
    assert sink.posts == []


def test_a_lost_feed_posts_an_alert(sink: Sink, sample_site: SampleSite, tmp_path: Path) -> None:
    """The feed deleted between two unattended runs: the state remembers its stories as
    written and never writes them again. That run exited 0 and alerted no one; it is an
    alarm now (degraded, exit 7), posted through the alert actions."""
    args = ("-a", f"base_url={sample_site.base_url}", "-a", "categories=world")
    first = run_crawl(tmp_path, *args, settings=alert_settings(sink))
    assert first.returncode == 0 and sink.posts == [], first.log[-3000:]
    (tmp_path / "output" / "urdupoint.jsonl").unlink()
    run = run_crawl(tmp_path, *args, settings=alert_settings(sink))
    assert run.returncode == 7, run.log[-3000:]
    assert len(sink.posts) == 1, run.log[-3000:]
    text = sink.posts[0]["content"]
    assert "Keeping the corpus/" in text and "degraded: the feed lost the " in text, text


def test_a_damaged_baseline_is_said_once_a_run(sample_site: SampleSite, tmp_path: Path) -> None:
    """A baseline that no longer parses (a file appended to it) was said six times a run:
    once per Spidermon monitor and once by the report, each reading it again."""
    args = ("-a", f"base_url={sample_site.base_url}", "-a", "categories=world")
    baseline = tmp_path / "output" / "state" / "urdupoint.baseline.json"
    baseline.parent.mkdir(parents=True)
    baseline.write_text('{"runs": 1, "coverage": {', encoding="utf-8")
    run = run_crawl(tmp_path, *args)
    said = [line for line in run.log.splitlines() if "Ignoring the baseline" in line]
    assert len(said) == 1 and str(baseline) in said[0], said
