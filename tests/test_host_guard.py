"""One site per state, feed and drops file: a crawl of another host is kept apart.

Issue 17's follow-ups (an adversarial review): the drops file shared by two hosts, the
feed shared by two hosts, the same host written otherwise, a damaged ``.site`` file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsbot.site.urls import Site
from newsbot.sitehost import same_site
from tests.conftest import CrawlRun, SampleSite, read_jsonl, run_crawl

pytestmark = pytest.mark.e2e

NOWHERE = "base_url=http://127.0.0.1:9"  # nothing listens there: exit 8, no story
STATE = Path("output") / "state"
#: Another host than loopback's that refuses connections at once (Linux routes 0.0.0.0 to
#: this machine): a crawl that gets past the guard fails fast with exit 8.
OTHER = "0.0.0.0"  # noqa: S104 (a URL host, not a bind)


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


def test_another_host_on_the_feed_alone_is_refused(tmp_path: Path) -> None:
    """A crawl of another host with only a new NEWSBOT_STATE_DIR appended its stories to
    the first host's feed, and the next crawl of the first host reconciled them into its
    state: the state's guard was bypassed through the feed."""
    feed = tmp_path / "output" / "urdupoint.jsonl"
    feed.parent.mkdir(parents=True)
    story = {"url": "http://127.0.0.1:9/en/pakistan/a-story-1234567.html", "article_id": "1234567"}
    feed.write_text(json.dumps(story) + "\n", encoding="utf-8")  # a feed from before .site
    first = run_crawl(tmp_path, "-a", NOWHERE)  # adopts the host of the feed's lines
    assert first.returncode == 8, first.log[-3000:]
    assert (tmp_path / "output" / "urdupoint.jsonl.site").read_text() == "127.0.0.1\n"

    other = run_crawl(
        tmp_path,
        "-a",
        f"base_url=http://{OTHER}:9",
        settings={"NEWSBOT_STATE_DIR": "output/other/state"},
    )
    assert other.returncode == 6, other.log[-3000:]
    assert "Spider opened" not in other.log and "Traceback" not in other.log
    (line,) = errors(other)
    assert f"the feed {feed} holds stories of 127.0.0.1, not of {OTHER} (base_url)" in line
    assert f"write {OTHER} in {feed}.site" in line
    assert "its own NEWSBOT_FEED" in line and line.endswith("(exit status 6)")
    assert feed.read_text(encoding="utf-8") == json.dumps(story) + "\n"


def test_a_new_feed_of_lines_of_another_host_is_refused(tmp_path: Path) -> None:
    """A feed without its .site file takes the host of its lines, not this run's."""
    feed = tmp_path / "output" / "urdupoint.jsonl"
    feed.parent.mkdir(parents=True)
    feed.write_text(json.dumps({"url": "https://www.urdupoint.com/en/x-1.html"}) + "\n")
    run = run_crawl(tmp_path, "-a", NOWHERE)
    assert run.returncode == 6, run.log[-3000:]
    (line,) = errors(run)
    assert "holds stories of urdupoint.com, not of 127.0.0.1" in line
    assert not (tmp_path / "output" / "urdupoint.jsonl.site").exists(), "a refused run wrote it"


@pytest.mark.parametrize(
    ("first", "same"),
    [
        ("http://127.0.0.1:9", "http://127.0.0.1.:9"),
        ("http://localhost:9", "http://LOCALHOST:9"),
        ("http://www.localhost:9", "http://localhost.:9"),
        # Loopback names are one site: a mock reached as localhost, then as 127.0.0.1.
        ("http://localhost:9", "http://127.0.0.1:9"),
        ("http://127.0.0.1:9", "http://127.0.0.2:9"),
    ],
)
def test_the_same_host_written_otherwise_is_the_same_site(
    tmp_path: Path, first: str, same: str
) -> None:
    """A trailing dot, a www., another case: one site (``bare_host``), not exit 2."""
    assert run_crawl(tmp_path, "-a", f"base_url={first}").returncode == 8
    again = run_crawl(tmp_path, "-a", f"base_url={same}")
    assert again.returncode == 8, errors(again)


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe127.0.0.1\n", b"127.0.0.1\nlocalhost\n", b"<html>oops</html>\n"],
)
def test_a_damaged_site_file_is_one_line_and_exit_5(tmp_path: Path, content: bytes) -> None:
    assert run_crawl(tmp_path, "-a", NOWHERE).returncode == 8
    marker = tmp_path / STATE / "urdupoint.site"
    marker.write_bytes(content)
    again = run_crawl(tmp_path, "-a", NOWHERE)
    assert again.returncode == 5, again.log[-3000:]
    assert "Traceback" not in again.log and "Spider opened" not in again.log
    (line,) = errors(again)
    assert f"Not crawling: {marker} does not hold one host name (" in line
    assert line.endswith("or remove it to adopt this run's (exit status 5)")
    assert marker.read_bytes() == content, "the file is the operator's to mend"


@pytest.mark.parametrize(
    ("known", "host", "same"),
    [
        ("127.0.0.1", "localhost", True),
        ("localhost", "::1", True),
        ("127.0.0.1", "127.8.0.1", True),
        ("a.localhost", "127.0.0.1", True),
        ("127.0.0.1", "urdupoint.com", False),
        ("urdupoint.com", "localhost", False),
        ("127.0.0.1", "0.0.0.0", False),  # noqa: S104
        ("urdupoint.com", "urdupoint.com.pk", False),
    ],
)
def test_loopback_names_are_one_site_and_no_other(known: str, host: str, same: bool) -> None:
    """A mock or the sample site is reached as localhost or 127.0.0.1 alike: refusing one
    after the other protected nothing and left the run with no stories (exit 2)."""
    assert same_site(known, host) is same


def test_an_ipv6_base_url_is_crawled() -> None:
    """``http://[::1]:9`` owned none of its own URLs (its host was taken as ``[``): the
    crawl requested nothing and exited 0."""
    site = Site.from_base_url("http://[::1]:9")
    assert site.host == "::1"
    assert site.owns("http://[::1]:9/en/news/pakistan.html")
