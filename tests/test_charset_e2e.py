"""A UTF-8 story page served labelled ISO-8859-1 is written right, not as mojibake.

A sample site behind a server that labels one story ``charset=iso-8859-1`` on the first
crawl only; the second crawl sees the healthy site. A correct crawler ends with the story
right in its feed (it was written with ``â€œ`` in run 1 and never corrected).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from newsbot.sample_site import build_site
from newsbot.sample_site.server import CONTENT_TYPES
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
        if fault == "mislabelled":
            ctype = "text/html; charset=iso-8859-1"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
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
