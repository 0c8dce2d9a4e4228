"""A loopback HTTP server for the sample site's docroot.

Files are read at request time, so a site rebuilt into the same docroot between two crawls is
served as rebuilt. Query strings and fragments are ignored, like a static host would.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

#: The clearance cookie the challenge's script sets.
CLEARANCE = "cf_clearance=passed"
#: Like the real site's interstitial: a script sets the cookie and reloads the page.
CHALLENGE_PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="robots" content="noindex,nofollow"></head><body class="no-js">
<div class="main-wrapper" role="main"><div class="main-content">
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div id="challenge-error-title">Enable JavaScript and cookies to continue</div></noscript>
</div></div>
<script>(function(){document.cookie="cf_clearance=passed; path=/";
setTimeout(function(){location.reload();}, 300);})();</script>
</body></html>"""

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".gif": "image/gif",
    ".png": "image/png",
}


def port_number(text: str) -> int:
    """An argparse ``type`` for ``--port``: 0 (any free port) to 65535. A larger one was
    an ``OverflowError`` traceback from ``bind()``; now argparse's one usage line."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0: any free one, to 65535)")
    return port


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "SampleSite/1.0"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _resolve(self) -> Path | None:
        """The file for the request path, or None (missing, or outside the docroot)."""
        docroot = self.server.docroot.resolve()
        rel = unquote(urlsplit(self.path).path).lstrip("/")
        target = (docroot / rel).resolve()
        if target != docroot and docroot not in target.parents:
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def _respond(self, send_body: bool) -> None:
        self.server.open.wait()
        if self.server.delay:
            time.sleep(self.server.delay)
        path = unquote(urlsplit(self.path).path)
        if path in self.server.challenged and CLEARANCE not in (self.headers.get("Cookie") or ""):
            self._challenge(send_body)
            return
        target = self._resolve()
        if target is None:
            body = b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>"
            status, ctype = HTTPStatus.NOT_FOUND, "text/html; charset=utf-8"
        else:
            try:
                body = target.read_bytes()
            except OSError:  # removed by a concurrent rebuild
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            status = HTTPStatus.OK
            ctype = CONTENT_TYPES.get(target.suffix, "application/octet-stream")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _challenge(self, send_body: bool) -> None:
        body = CHALLENGE_PAGE.encode("utf-8")
        self.send_response(HTTPStatus.FORBIDDEN)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("cf-mitigated", "challenge")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silence per-request logging: crawls make thousands of requests."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], docroot: Path, delay: float, challenged: frozenset[str]
    ) -> None:
        self.docroot = docroot
        self.delay = delay
        self.challenged = challenged
        self.open = threading.Event()  # cleared by ``SampleSiteServer.pause``
        self.open.set()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (a killed crawl) is not an error here."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SampleSiteServer:
    """Serves ``docroot`` on loopback; the port is bound at construction.

    Binding first means ``base_url`` is known before the site is built, so the build can write
    absolute URLs (canonical, JSON-LD) that point at this very server.
    """

    def __init__(
        self,
        docroot: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        delay: float = 0.0,
        challenged: Iterable[str] = (),
    ) -> None:
        """``delay``: seconds each answer waits, to stretch a crawl (crash tests).

        ``challenged``: paths answered, without the clearance cookie, by a challenge like
        the real site's (403, ``cf-mitigated: challenge``, a script that sets the cookie
        and reloads): only a browser gets the page.
        """
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"the sample site serves on loopback only, not {host!r}")
        self.docroot = Path(docroot)
        self._httpd = _Server((host, port), self.docroot, delay, frozenset(challenged))
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> SampleSiteServer:
        """Serve from a daemon thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                name="sample-site-server",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the CLI's ``serve``)."""
        self._httpd.serve_forever()

    def pause(self) -> None:
        """Hold every answer until ``resume``: lets several clients start on an equal footing."""
        self._httpd.open.clear()

    def resume(self) -> None:
        """Answer again, held requests first."""
        self._httpd.open.set()

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.resume()  # no handler thread stays parked on the gate
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> SampleSiteServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
