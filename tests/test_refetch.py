"""A story page answered badly once is fetched again by the next run, not lost or kept half.

A sample site behind a server that answers one story badly on the first crawl only
(an empty 200, a page cut off cleanly after the body's first paragraph, UTF-8 bytes
labelled ISO-8859-1); the second crawl sees the healthy site. A correct crawler ends with
the story whole and right in its feed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import cast
from urllib.parse import unquote, urlsplit

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from newsbot.downloadermiddlewares.offsite import OffsiteRedirectMiddleware
from newsbot.keys import ROLE
from newsbot.sample_site import build_site
from newsbot.sample_site.server import CONTENT_TYPES
from newsbot.site.pages.story import RETRIED
from newsbot.site.urls import Site
from tests.conftest import read_jsonl, run_crawl

pytestmark = pytest.mark.e2e


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        target = self.server.docroot / path.lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            status, ctype, body = (
                404,
                "text/html",
                b"<html><body><h1>404 Not Found</h1></body></html>",
            )
        else:
            status, body = 200, target.read_bytes()
            ctype = CONTENT_TYPES.get(target.suffix, "application/octet-stream")
        with self.server.lock:
            self.server.hits[path] = self.server.hits.get(path, 0) + 1
        fault = self.server.faults.get(path)
        if fault and fault.startswith("redirect:"):
            self.send_response(getattr(self.server, "redirect_status", 301))
            self.send_header("Location", fault.removeprefix("redirect:"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if fault == "empty":
            body = b""
        elif fault == "cut":
            end = body.find(b"</p>", body.find(b"detail_txt"))
            body = body[: end + 4]
        elif fault == "down":
            status, body = getattr(self.server, "down_status", 503), b"busy"
        elif fault == "mislabelled":  # UTF-8 bytes under a Latin-1 label
            ctype = "text/html; charset=iso-8859-1"
        elif fault and fault.startswith("label:"):  # any label, one no browser reads too
            ctype = f"text/html; charset={fault.removeprefix('label:')}"
        elif fault and fault.startswith("ctype:"):  # any Content-Type, a lie too
            ctype = fault.removeprefix("ctype:")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if fault and fault.startswith("cenc:"):  # labelled compressed, sent plain
            self.send_header("Content-Encoding", fault.removeprefix("cenc:"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    docroot: Path
    faults: dict[str, str]
    hits: dict[str, int]
    lock: threading.Lock


@pytest.fixture
def flaky(tmp_path: Path) -> Iterator[tuple[_Server, str, list[dict]]]:
    server = _Server(("127.0.0.1", 0), _Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    build = build_site(tmp_path / "sample", base, stories=60)
    server.docroot = tmp_path / "sample" / "site"
    server.faults = {}
    server.hits = {}
    server.lock = threading.Lock()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, base, read_jsonl(build.ground_truth)
    finally:
        server.shutdown()
        server.server_close()


#: The drop reason of each fault: a failed fetch, retried by the next run.
fault_reason = {"empty": "empty", "cut": "truncated"}


@pytest.mark.parametrize("fault", ["empty", "cut"])
def test_a_story_answered_badly_once_is_whole_after_the_next_run(
    flaky: tuple[_Server, str, list[dict]], tmp_path: Path, fault: str
) -> None:
    server, base, truth = flaky
    story = truth[0]
    server.faults[urlsplit(story["url"]).path] = fault
    first = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert "Traceback" not in first.log
    drops = read_jsonl(tmp_path / "output" / "urdupoint.dropped.jsonl")
    assert [d["reason"] for d in drops if d.get("url") == story["url"]] == [fault_reason[fault]]
    assert f"pages/{fault_reason[fault]}" in first.log  # its counter
    server.faults.clear()
    second = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert second.returncode == 0, second.log[-2000:]
    feed = [
        r
        for r in read_jsonl(tmp_path / "output" / "urdupoint.jsonl")
        if r["article_id"] == story["article_id"]
    ]
    # empty: dropped as not_article in run 1 and never fetched again (lost for good)
    # cut: emitted with a third of its body in run 1; the whole body never comes
    assert feed, f"story {story['article_id']} lost for good after one bad answer ({fault})"
    latest = feed[-1]
    assert latest["body"] == story["body"]
    assert latest["title"] == story["title"]


def test_a_story_page_failing_run_after_run_is_given_up(
    flaky: tuple[_Server, str, list[dict]], tmp_path: Path
) -> None:
    """A story page that answers empty on every run (a dead story on a broken server) was
    asked again by every run, for ever: at the real site's scale, thousands of dead
    stories a run, every hour. After ``NEWSBOT_FAILED_FETCH_RUNS`` runs it is given up:
    one WARNING naming it, ``newsbot/pages/given_up``, a ``given_up`` drop on record
    (once), and no later run asks for it."""
    server, base, truth = flaky
    story = truth[0]
    path = urlsplit(story["url"]).path
    server.faults[path] = "empty"
    settings = {"NEWSBOT_FAILED_FETCH_RUNS": "3"}
    hits, logs = [], []
    for _ in range(4):
        run = run_crawl(tmp_path, "-a", f"base_url={base}", settings=settings)
        assert run.returncode == 0, run.log[-2000:]
        hits.append(server.hits.get(path, 0))
        logs.append(run.log)
    assert hits[0] < hits[1] < hits[2], hits  # asked again by each of the first runs
    assert hits[3] == hits[2], f"asked again after it was given up: {hits}"
    gave_up = [
        [line for line in log.splitlines() if "WARNING" in line and "Gave up on" in line]
        for log in logs
    ]
    assert [len(lines) for lines in gave_up] == [0, 0, 1, 0], gave_up
    assert story["url"] in gave_up[2][0] and "empty" in gave_up[2][0]
    assert "'newsbot/pages/given_up': 1" in logs[2]
    drops = read_jsonl(tmp_path / "output" / "urdupoint.dropped.jsonl")
    reasons = [d["reason"] for d in drops if d.get("url") == story["url"]]
    assert reasons.count("given_up") == 1, reasons


def test_a_site_wide_outage_gives_up_no_story(
    flaky: tuple[_Server, str, list[dict]], tmp_path: Path
) -> None:
    """A CDN answering every story page with an empty 200 for a few hourly runs is the
    site failing, not its stories dying: those runs must not count towards
    ``NEWSBOT_FAILED_FETCH_RUNS``. Counted, the whole site's new stories were given up
    for good after the limit's run (a silent mass loss: no story of them ever written,
    even once the site came back). Now each such run says so in one WARNING, counts
    ``newsbot/pages/failures_not_counted``, and the run after the outage writes every story."""
    server, base, truth = flaky
    for story in truth:
        server.faults[urlsplit(story["url"]).path] = "empty"
    settings = {"NEWSBOT_FAILED_FETCH_RUNS": "2"}
    for _ in range(3):
        outage = run_crawl(tmp_path, "-a", f"base_url={base}", settings=settings)
        assert "Gave up on" not in outage.log
        assert "newsbot/pages/failures_not_counted" in outage.log
        # Exit 7 and its alert; its last line must not claim stories were written (none were).
        assert outage.returncode == 7, outage.log[-2000:]
        assert "stories were written" not in outage.log.splitlines()[-1], outage.log[-500:]
        assert any(
            "WARNING" in line and "not counted" in line for line in outage.log.splitlines()
        ), outage.log[-3000:]
    server.faults.clear()
    healed = run_crawl(tmp_path, "-a", f"base_url={base}", settings=settings)
    assert healed.returncode == 0, healed.log[-2000:]
    written = {r["article_id"] for r in read_jsonl(tmp_path / "output" / "urdupoint.jsonl")}
    drops = read_jsonl(tmp_path / "output" / "urdupoint.dropped.jsonl")
    # A story of the site is written, or dropped on a verdict (a near-duplicate of another).
    judged = {d.get("article_id") for d in drops if d["reason"] not in ("given_up", *RETRIED)}
    missing = {story["article_id"] for story in truth} - written - judged
    assert not missing, f"{len(missing)} of {len(truth)} stories given up during an outage"
    assert not [d for d in drops if d["reason"] == "given_up"]


def test_a_story_url_redirected_to_another_story_is_on_record_and_fetched_once(
    flaky: tuple[_Server, str, list[dict]], tmp_path: Path
) -> None:
    """Story A answers 301 to story B (a merged or replaced story).

    Seen before the fix: A was neither in the feed nor in the drops, no log line named it,
    errors: none, exit 0; and B was fetched twice (from its own link, through A's redirect).
    """
    server, base, truth = flaky
    a, b = truth[0], truth[1]
    a_path, b_path = urlsplit(a["url"]).path, urlsplit(b["url"]).path
    server.faults[a_path] = "redirect:" + b["url"]
    run = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert run.returncode == 0, run.log[-2000:]
    assert server.hits[b_path] == 1, "the redirect's target story was fetched twice"
    drops = read_jsonl(tmp_path / "output" / "urdupoint.dropped.jsonl")
    on_record = [d for d in drops if d.get("article_id") == a["article_id"]]
    assert on_record, "story A vanished without a record"
    assert [(d["reason"], d["duplicate_of"]) for d in on_record] == [
        ("redirected_to_story", b["url"])
    ]
    feed = read_jsonl(tmp_path / "output" / "urdupoint.jsonl")
    assert [r["article_id"] for r in feed].count(b["article_id"]) == 1


@pytest.mark.parametrize("status", [301, 302], ids=["moved-for-good", "moved-for-now"])
def test_a_story_url_redirected_to_a_page_that_is_no_story_is_asked_again_next_run(
    flaky: tuple[_Server, str, list[dict]], tmp_path: Path, status: int
) -> None:
    """Story A answers a redirect to its section's listing (a removed story, or a site's
    hiccup: a database down answers so for an hour, with a 301 too).

    Seen before the first fix: the listing was fetched as story A and dropped
    (``not_article``) under the listing's URL, A had no record of its own, and the next
    run asked for A again (and the listing through it): two requests a run. Then a 301
    was taken as the story's removal (``not_found``, remembered): one hiccup lost the
    story for good. Now: one warning, no drop under the listing's URL, and the next run
    asks for A again, and writes it when the redirect is gone.
    """
    server, base, truth = flaky
    a = truth[0]
    a_path = urlsplit(a["url"]).path
    server.faults[a_path] = "redirect:/en/news/world.html"
    server.redirect_status = status
    first = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert first.returncode == 0, first.log[-2000:]
    assert "Traceback" not in first.log
    assert f"Story {a['url']} redirected to a page that is no story" in first.log
    drops = read_jsonl(tmp_path / "output" / "urdupoint.dropped.jsonl")
    assert not [d for d in drops if d["url"].endswith("/en/news/world.html")]
    assert not [d for d in drops if d.get("article_id") == a["article_id"]]
    second = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert second.returncode == 0, second.log[-2000:]
    assert server.hits[a_path] == 2  # asked again, once: the listing never through it
    server.faults.clear()  # the hiccup is over
    third = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert third.returncode == 0, third.log[-2000:]
    feed = read_jsonl(tmp_path / "output" / "urdupoint.jsonl")
    assert [r["article_id"] for r in feed].count(a["article_id"]) == 1


def test_a_utf8_story_labelled_latin_1_is_right_in_the_feed(
    flaky: tuple[_Server, str, list[dict]], tmp_path: Path
) -> None:
    server, base, truth = flaky
    # a story with non-ASCII text in its title or body, so a wrong charset shows
    story = next(s for s in truth if not (s["title"] + s["body"]).isascii())
    server.faults[urlsplit(story["url"]).path] = "mislabelled"
    first = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert "Traceback" not in first.log
    assert "labelled cp1252 but its bytes are UTF-8" in first.log
    server.faults.clear()
    second = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert second.returncode == 0, second.log[-2000:]
    feed = [
        r
        for r in read_jsonl(tmp_path / "output" / "urdupoint.jsonl")
        if r["article_id"] == story["article_id"]
    ]
    assert feed, f"story {story['article_id']} lost"
    assert all(r["body"] == story["body"] and r["title"] == story["title"] for r in feed)


def test_pages_labelled_with_a_charset_no_browser_reads_are_crawled(
    flaky: tuple[_Server, str, list[dict]], tmp_path: Path
) -> None:
    """A story and a category's first listing page labelled ``base64`` and ``rot13``
    (codecs Python has, that decode no text): reading their text raised LookupError in
    the challenge middleware, and the story, and every story of the listing, was lost
    with a traceback. Read as a browser reads them, as UTF-8."""
    server, base, truth = flaky
    story = next(s for s in truth if not (s["title"] + s["body"]).isascii())
    server.faults[urlsplit(story["url"]).path] = "label:base64"
    server.faults["/en/news/pakistan.html"] = "label:rot13"
    run = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert run.returncode == 0, run.log[-2000:]
    assert "Traceback" not in run.log and "LookupError" not in run.log
    assert "which no browser reads" in run.log
    assert server.hits["/en/news/pakistan.html"] >= 1
    feed = {r["article_id"]: r for r in read_jsonl(tmp_path / "output" / "urdupoint.jsonl")}
    assert story["article_id"] in feed, "the story labelled base64 was lost"
    assert (feed[story["article_id"]]["title"], feed[story["article_id"]]["body"]) == (
        story["title"],
        story["body"],
    )
    missing = [s["article_id"] for s in truth if s["article_id"] not in feed]
    assert not missing, f"lost: {missing}"


def test_listings_labelled_xml_or_json_are_crawled(
    flaky: tuple[_Server, str, list[dict]], tmp_path: Path
) -> None:
    """Category listings labelled ``application/xml`` and ``application/json`` (a CMS's or
    CDN's wrong Content-Type): parse_listing raised (AttributeError, TypeError), a
    traceback in the crawl, and every story only they link was lost."""
    server, base, truth = flaky
    server.faults["/en/news/pakistan.html"] = "ctype:application/xml"
    server.faults["/en/news/world.html"] = "ctype:application/json"
    run = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert run.returncode == 0, run.log[-2000:]
    assert "Traceback" not in run.log
    assert "Listing " + base + "/en/news/pakistan.html is labelled application/xml" in run.log
    feed = {r["article_id"] for r in read_jsonl(tmp_path / "output" / "urdupoint.jsonl")}
    missing = [s["article_id"] for s in truth if s["article_id"] not in feed]
    assert not missing, f"lost: {missing}"


def test_pages_labelled_compressed_but_sent_plain_are_crawled(
    flaky: tuple[_Server, str, list[dict]], tmp_path: Path
) -> None:
    """A story and a category listing sent plain under ``Content-Encoding: gzip`` / ``br``
    (a proxy that decompressed them and kept the header): both failed (``Not a gzipped
    file``), every run, and the story was never written."""
    server, base, truth = flaky
    story = truth[0]
    server.faults[urlsplit(story["url"]).path] = "cenc:gzip"
    server.faults["/en/news/pakistan.html"] = "cenc:br"
    run = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert run.returncode == 0, run.log[-2000:]
    assert "Traceback" not in run.log
    assert f"Failed {story['url']}" not in run.log and f"Failed {base}/en/news/pak" not in run.log
    assert run.stat("newsbot/pages/content_encoding_ignored") == 2
    feed = {r["article_id"]: r for r in read_jsonl(tmp_path / "output" / "urdupoint.jsonl")}
    assert story["article_id"] in feed, "the story labelled gzip was lost"
    assert feed[story["article_id"]]["body"] == story["body"]


def test_a_dead_story_link_is_on_record_under_its_id(
    flaky: tuple[_Server, str, list[dict]], tmp_path: Path
) -> None:
    """A story link answering 404: its drop had ``article_id`` null, where a "Page Not
    Found" page answering 200 has the id, and so does every other story's drop."""
    server, base, truth = flaky
    story = truth[0]
    server.faults[urlsplit(story["url"]).path] = "down"
    server.down_status = 404
    run = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert run.returncode == 0, run.log[-2000:]
    drops = read_jsonl(tmp_path / "output" / "urdupoint.dropped.jsonl")
    assert [(d["reason"], d["article_id"]) for d in drops if d["url"] == story["url"]] == [
        ("not_found", story["article_id"])
    ]


def test_a_listing_whose_pages_repeat_it_is_not_walked_to_max_pages(
    flaky: tuple[_Server, str, list[dict]], tmp_path: Path
) -> None:
    """A category page linking ``?page=2`` ... ``?page=30`` that the server ignores: each
    "page" the same stories. Seen before the fix: 20 requests (``max_pages``) for the one
    page, every run, per such listing; a topic page linking itself so cost as much."""
    server, base, _ = flaky
    page = server.docroot / "en" / "news" / "pakistan.html"
    numbers = "".join(f'<a href="?page={n}">{n}</a>' for n in range(2, 31))
    page.write_text(
        page.read_text(encoding="utf-8").replace("<body>", f"<body>{numbers}", 1),
        encoding="utf-8",
    )
    run = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert run.returncode == 0, run.log[-2000:]
    assert server.hits["/en/news/pakistan.html"] == 2
    assert f"Listing page {base}/en/news/pakistan.html?page=2 shows the stories" in run.log
    assert run.stat("newsbot/limits/listing_repeats") == 1


def test_a_story_redirecting_to_itself_costs_few_requests(
    flaky: tuple[_Server, str, list[dict]], tmp_path: Path
) -> None:
    """A story page answering a redirect to itself: Scrapy's REDIRECT_MAX_TIMES (20) made it
    21 requests (and 21 delays) every run, for each page caught so."""
    server, base, truth = flaky
    story = truth[0]
    path = urlsplit(story["url"]).path
    server.faults[path] = "redirect:" + story["url"]
    run = run_crawl(tmp_path, "-a", f"base_url={base}")
    assert run.returncode == 0, run.log[-2000:]
    assert f"Failed {story['url']}: max redirections reached" in run.log
    assert server.hits[path] == 6


def test_a_redirect_to_no_url_is_refused_naming_it() -> None:
    """A Location that does not parse (an unclosed IPv6 bracket): urljoin's ValueError
    raised out of the middleware, and the story's one line said only 'Invalid IPv6 URL'."""
    site = Site.from_base_url("https://www.urdupoint.com")
    crawler = cast(Crawler, SimpleNamespace(spider=SimpleNamespace(site=site)))
    request = Request("https://www.urdupoint.com/en/world/x-1234567.html", meta={ROLE: "story"})
    response = Response(
        request.url, status=301, headers={"Location": "http://[bad/x"}, request=request
    )
    with pytest.raises(IgnoreRequest, match=r"redirected to no URL \('http://\[bad/x'\)"):
        OffsiteRedirectMiddleware(crawler).process_response(request, response)


def test_a_redirect_to_this_site_with_its_port_written_out_is_followed() -> None:
    """``Location: https://www.urdupoint.com:443/...`` (the scheme's own port, written out:
    the same server to a browser) was refused as a redirect to another host, and the story
    behind an http-to-https redirect so written was lost, every run."""
    site = Site.from_base_url("https://www.urdupoint.com")
    crawler = cast(Crawler, SimpleNamespace(spider=SimpleNamespace(site=site)))
    url = "http://www.urdupoint.com/en/world/x-1234567.html"
    request = Request(url, meta={ROLE: "story"})
    location = "https://www.urdupoint.com:443/en/world/x-1234567.html"
    response = Response(url, status=301, headers={"Location": location}, request=request)
    assert OffsiteRedirectMiddleware(crawler).process_response(request, response) is response
    elsewhere = Response(
        url, status=301, headers={"Location": "https://www.urdupoint.com:8443/x"}, request=request
    )
    with pytest.raises(IgnoreRequest, match="another host"):
        OffsiteRedirectMiddleware(crawler).process_response(request, elsewhere)
