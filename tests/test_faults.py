"""A server that misbehaves in every way the issue lists; the crawl goes on regardless.

Each faulty story URL must get a clear log line naming it and a stats counter, no item
may come out half-empty, and the good stories still arrive.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import read_jsonl, run_crawl

pytestmark = pytest.mark.e2e

GOLDEN = Path(__file__).parent / "golden" / "article"
STORY = (GOLDEN / "pakistan.html").read_text("utf-8")
OTHER_STORY = (GOLDEN / "seed-story.html").read_text("utf-8")
FAULTS = {
    "good-story-2100000": "good",
    "big-page-2100001": "big",
    "a-pdf-2100002": "pdf",
    "an-image-2100003": "png",
    "some-json-2100004": "json",
    "redirect-loop-2100005": "loop",
    "redirect-away-2100006": "offsite",
    "rate-limited-2100007": "ratelimit",
    "very-slow-2100008": "slow",
    "connection-reset-2100009": "reset",
    "empty-page-2100010": "empty",
}


def story_html(story_id: str) -> bytes:
    return STORY.replace("2190111", story_id).encode("utf-8")


class FaultyHandler(BaseHTTPRequestHandler):
    limited: set[str] = set()

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/en/news/faulty.html":
            cards = "".join(
                f'<div class="txt_box"><a href="/en/pakistan/{slug}.html"><h4>{slug}</h4></a></div>'
                for slug in FAULTS
            )
            return self.send(200, "text/html", f"<html><body>{cards}</body></html>".encode())
        slug = path.rsplit("/", 1)[-1].removesuffix(".html")
        kind = FAULTS.get(slug)
        story_id = slug.rsplit("-", 1)[-1]
        if kind == "good":
            return self.send(200, "text/html; charset=utf-8", story_html(story_id))
        if kind == "big":
            return self.send(200, "text/html", b"<p>" + b"x" * (10 * 1024 * 1024) + b"</p>")
        if kind == "pdf":
            return self.send(200, "application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        if kind == "png":
            return self.send(200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        if kind == "json":
            return self.send(200, "application/json", json.dumps({"title": "x"}).encode())
        if kind == "loop":
            return self.send(302, "text/html", b"", {"Location": path})
        if kind == "offsite":
            return self.send(302, "text/html", b"", {"Location": "http://elsewhere.invalid/x.html"})
        if kind == "ratelimit":
            if path not in self.limited:
                self.limited.add(path)
                return self.send(429, "text/html", b"slow down", {"Retry-After": "1"})
            other = OTHER_STORY.replace("1612404", story_id).encode("utf-8")
            return self.send(200, "text/html; charset=utf-8", other)
        if kind == "slow":
            time.sleep(3)
            return self.send(200, "text/html; charset=utf-8", story_html(story_id))
        if kind == "reset":
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.connection.close()
            return None
        if kind == "empty":
            return self.send(200, "text/html", b"")
        return self.send(404, "text/html", b"not here")

    def send(self, status: int, ctype: str, body: bytes, headers: dict | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@pytest.fixture
def faulty_site() -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), FaultyHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_every_fault_is_named_counted_and_the_crawl_goes_on(
    faulty_site: str, tmp_path: Path
) -> None:
    run = run_crawl(
        tmp_path,
        "-a", f"base_url={faulty_site}", "-a", "categories=faulty",
        settings={"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "1", "NEWSBOT_REPORT_MIN_PAGES": "100"},
    )  # fmt: skip
    assert run.returncode == 0, run.log[-3000:]
    assert "Traceback" not in run.log
    items = read_jsonl(tmp_path / "output" / "urdupoint.jsonl")
    assert sorted(item["article_id"] for item in items) == ["2100000", "2100007"]
    for item in items:
        assert item["title"] and item["published_at"] and item["body"]
    lines = [
        line
        for line in run.log.splitlines()
        if " INFO: " in line or "WARNING" in line or "ERROR" in line
    ]
    for slug, kind in FAULTS.items():
        if kind in ("good", "ratelimit"):
            continue
        assert any(slug in line for line in lines), f"no log line names the {kind} URL"
    assert run.stat("newsbot/dropped/not_html") == 3  # pdf, image, json
    # the empty page: a failed fetch on record (retried next run), no longer not_article
    assert run.stat("newsbot/dropped/empty") == 1
    assert run.stat("newsbot/pages/empty") == 1
    assert run.stat("newsbot/rate_limited") == 1
    errors = {
        k: v
        for k, v in json.loads((tmp_path / "output" / "urdupoint.report.json").read_text())[
            "errors"
        ].items()
    }
    assert sum(errors.values()) >= 4, errors  # big, loop, offsite, slow, reset
    crawled = [line for line in run.log.splitlines() if "Crawled" in line]
    assert not any("elsewhere.invalid" in line for line in crawled), "left the site"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (b"7", 7.0),
        (b"\xb2", 5.0),  # "²" in Latin-1: a digit to isdigit, not to float (ValueError)
        (b"Wed, 21 Oct 2015 07:28:00 -0000", 0.0),  # a naive datetime: TypeError
        (b"Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_a_retry_after_header_of_any_form_is_a_wait(header: bytes, seconds: float) -> None:
    """A 429 whose ``Retry-After`` the middleware could not read raised out of it: the
    request failed with a traceback (a story lost) instead of waiting and retrying."""
    from scrapy.http import Response

    from newsbot.downloadermiddlewares.ratelimit import _retry_after

    response = Response(
        "https://www.urdupoint.com/en/", status=429, headers={"Retry-After": header}
    )
    assert _retry_after(response) == seconds


PLAIN_PAGE = b"\n<!DOCTYPE html><html><body><p>caf\xc3\xa9</p></body></html>"


@pytest.mark.parametrize("encoding", [b"gzip", b"br", b"deflate", b"gzip, gzip"])
def test_a_plain_page_labelled_compressed_is_read_as_it_is(encoding: bytes) -> None:
    """A proxy that decompressed a page and kept its ``Content-Encoding`` (or a server
    labelling all it sends ``br``): Scrapy's decoder raised (``Not a gzipped file``), the
    page failed every run, and a listing so served cost every story only it links."""
    from scrapy import Request
    from scrapy.http import HtmlResponse, Response
    from scrapy.utils.test import get_crawler

    from newsbot.downloadermiddlewares.compression import (
        CONTENT_ENCODING_IGNORED,
        LenientCompressionMiddleware,
    )

    crawler = get_crawler()
    middleware = LenientCompressionMiddleware.from_crawler(crawler)
    url = "https://www.urdupoint.com/en/news/pakistan.html"
    headers = {"Content-Encoding": encoding, "Content-Type": "text/html; charset=utf-8"}
    response = Response(url, body=PLAIN_PAGE, headers=headers, request=Request(url))
    read = middleware.process_response(Request(url), response)
    assert isinstance(read, HtmlResponse) and read.body == PLAIN_PAGE
    assert b"Content-Encoding" not in read.headers and "café" in read.text
    assert crawler.stats is not None and crawler.stats.get_value(CONTENT_ENCODING_IGNORED) == 1


@pytest.mark.parametrize(
    "body", [b"\x1f\x8b\x08\x00" + b"\xff" * 40, b"\x00\x01garbage"], ids=["corrupt", "binary"]
)
def test_a_compressed_page_that_does_not_decode_still_fails(body: bytes) -> None:
    """Only a body that plainly is markup is kept: a corrupt gzip stream is no page."""
    import gzip
    import zlib

    from scrapy import Request
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    from newsbot.downloadermiddlewares.compression import LenientCompressionMiddleware

    middleware = LenientCompressionMiddleware.from_crawler(get_crawler())
    url = "https://www.urdupoint.com/en/news/pakistan.html"
    response = Response(url, body=body, headers={"Content-Encoding": b"gzip"})
    with pytest.raises((OSError, zlib.error)):
        middleware.process_response(Request(url), response)
    whole = Response(url, body=gzip.compress(PLAIN_PAGE), headers={"Content-Encoding": b"gzip"})
    assert middleware.process_response(Request(url), whole).body == PLAIN_PAGE
