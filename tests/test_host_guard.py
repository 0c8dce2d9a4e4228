"""One site per state, feed and drops file: a crawl of another host is kept apart.

Issue 17's follow-ups (an adversarial review): the drops file shared by two hosts, the
feed shared by two hosts, the same host written otherwise, a damaged ``.site`` file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CrawlRun, SampleSite, read_jsonl, run_crawl

pytestmark = pytest.mark.e2e

NOWHERE = "base_url=http://127.0.0.1:9"  # nothing listens there: exit 8, no story
STATE = Path("output") / "state"


def errors(run: CrawlRun) -> list[str]:
    return [line for line in run.log.splitlines() if " ERROR: " in line]


def test_another_hosts_drops_do_not_hide_this_crawls_drops(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    """A crawl of another host with its own state and feed, as the refusal said, left the
    drops file shared: its drops (same ids, same reasons) hid every real one."""
    port = sample_site.base_url.rsplit(":", 1)[1].rstrip("/")
    other = run_crawl(
        tmp_path,
        "-a",
        f"base_url=http://localhost:{port}",
        settings={"NEWSBOT_STATE_DIR": "output/other/state", "NEWSBOT_FEED": "output/other.jsonl"},
    )
    assert other.returncode == 0, other.log[-3000:]
    real = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}")
    assert real.returncode == 0, real.log[-3000:]
    rows = read_jsonl(tmp_path / "output" / "urdupoint.dropped.jsonl")
    mine = {(row["url"], row["reason"]) for row in rows if "//127.0.0.1:" in row["url"]}
    expected = {(row["url"], row["reason"]) for row in sample_site.expected_drops()}
    assert mine == expected, real.stat("newsbot/drops/already_recorded")
    assert real.stat("newsbot/drops/already_recorded") is None
