"""The browser exactly where plain HTTP fails: real headless Chromium against the sample site.

Some story URLs of the sample site answer with a challenge like the real site's (HTTP 403,
``cf-mitigated: challenge``, a script that sets a cookie and reloads). Only a browser gets
past it. The tests need Debian's ``chromium`` (``.ci/run`` installs it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsbot.config import DEFAULT_CHROMIUM
from tests.conftest import SampleSite, build_and_serve, read_jsonl, run_crawl

pytestmark = pytest.mark.e2e

CHALLENGED = 6
BROWSER_LINE = re.compile(r"Challenge at (\S+): fetching it with the browser")


def challenged_paths(root: Path) -> tuple[str, ...]:
    """Every 20th story of the ground truth, by path."""
    probe = build_and_serve(root)
    probe.server.stop()
    rows = sorted(probe.ground_truth(), key=lambda row: row["article_id"])
    return tuple("/" + row["url"].split("/", 3)[3] for row in rows[::20][:CHALLENGED])


@pytest.fixture
def challenged_site(tmp_path: Path) -> Iterator[tuple[SampleSite, tuple[str, ...]]]:
    paths = challenged_paths(tmp_path / "sample")
    site = build_and_serve(tmp_path / "sample", challenged=paths)
    try:
        yield site, paths
    finally:
        site.server.stop()


def test_server_answers_challenged_urls_with_a_challenge_only(
    challenged_site: tuple[SampleSite, tuple[str, ...]], tmp_path: Path
) -> None:
    import urllib.error
    import urllib.request

    site, paths = challenged_site
    with pytest.raises(urllib.error.HTTPError) as blocked:
        urllib.request.urlopen(site.base_url + paths[0], timeout=10)  # noqa: S310 (loopback)
    assert blocked.value.code == 403
    assert blocked.value.headers["cf-mitigated"] == "challenge"
    assert "Just a moment..." in blocked.value.read().decode()
    blocked.value.close()
    request = urllib.request.Request(site.base_url + paths[0])  # noqa: S310
    request.add_header("Cookie", "cf_clearance=passed")
    with urllib.request.urlopen(request, timeout=10) as page:  # noqa: S310
        assert page.status == 200


@pytest.mark.skipif(not Path(DEFAULT_CHROMIUM).exists(), reason="Chromium is not installed")
def test_challenged_stories_arrive_through_the_browser_and_only_they_use_it(
    challenged_site: tuple[SampleSite, tuple[str, ...]], tmp_path: Path
) -> None:
    site, paths = challenged_site
    run = run_crawl(tmp_path, "-a", f"base_url={site.base_url}")
    assert run.returncode == 0, run.log[-3000:]
    items = read_jsonl(tmp_path / "output" / "urdupoint.jsonl")
    truth = {row["article_id"]: row for row in site.ground_truth()}
    assert sorted(item["article_id"] for item in items) == sorted(truth)
    for item in items:
        expected = truth[item["article_id"]]
        assert {k: item[k] for k in expected} == expected
    sent_to_browser = {url.split("/", 3)[3] for url in BROWSER_LINE.findall(run.log)}
    assert sent_to_browser, "no URL went through the browser"
    assert sent_to_browser <= {path.lstrip("/") for path in paths}, "a plain page used the browser"
    browser_pages = run.stat("newsbot/browser/pages")
    assert browser_pages == len(sent_to_browser) <= CHALLENGED
    assert run.stat("playwright/browser_count") == 1
    assert run.stat("newsbot/blocked/challenge") is None


def test_without_a_browser_the_crawl_goes_on_and_says_what_was_blocked(
    challenged_site: tuple[SampleSite, tuple[str, ...]], tmp_path: Path
) -> None:
    site, paths = challenged_site
    no_browser = {"NEWSBOT_CHROMIUM_PATH": str(tmp_path / "no-chromium-here")}
    run = run_crawl(tmp_path, "-a", f"base_url={site.base_url}", settings=no_browser)
    assert run.returncode == 0
    assert "Traceback" not in run.log
    for path in paths:
        lines = [line for line in run.log.splitlines() if "Blocked by a challenge" in line]
        assert sum(path in line for line in lines) == 1, f"one error line for {path}"
    assert run.stat("newsbot/blocked/challenge") == CHALLENGED
    assert f"{CHALLENGED} pages were blocked by a challenge" in run.log
    emitted = {item["article_id"] for item in read_jsonl(tmp_path / "output" / "urdupoint.jsonl")}
    blocked = {path.rsplit("-", 1)[1].removesuffix(".html") for path in paths}
    assert not emitted & blocked
    assert {row["article_id"] for row in site.ground_truth()} - blocked <= emitted
    drops = read_jsonl(tmp_path / "output" / "urdupoint.dropped.jsonl")
    assert sum(row["reason"] == "challenge" for row in drops) == CHALLENGED
    assert run.stat("playwright/browser_count") is None
