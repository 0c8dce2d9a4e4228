"""The benchmark's web server: nginx (Debian's ``nginx-light``) serving the docroot.

The crawler must be the bottleneck, not the server: nginx answers a static page in
a few microseconds of CPU, and its CPU is measured and reported beside the crawl's.
Without nginx, the project's threaded sample-site server is used instead, with a
warning: it costs far more CPU and the figures then understate the crawler.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from newsbot.sample_site import SampleSiteServer

NGINX_CONF = """\
{user}worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    types {{ text/html html; application/xml xml; application/rss+xml rss; text/plain txt; }}
    default_type application/octet-stream;
    charset utf-8;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    open_file_cache max=50000 inactive=60s;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {docroot};
        location / {{ try_files $uri $uri/index.html =404; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of processes, from ``/proc/<pid>/stat`` (0 for a gone one)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


class BenchServer:
    """Serves a docroot on a loopback port; ``cpu_seconds()`` is the server's CPU so far."""

    def __init__(self, docroot: Path, work: Path, kind: str = "auto"):
        self.docroot = docroot
        self.work = work
        nginx = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
        if kind == "nginx" and not nginx:
            raise SystemExit(
                "benchmark: --server nginx, but nginx is not installed "
                "(apt-get install -y nginx-light)"
            )
        self.kind = "nginx" if nginx and kind in ("auto", "nginx") else "python"
        self._nginx = nginx
        self._proc: subprocess.Popen[bytes] | None = None
        self._python: SampleSiteServer | None = None
        self.port = free_port()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> BenchServer:
        self.docroot.mkdir(parents=True, exist_ok=True)
        if self.kind == "python":
            self._python = SampleSiteServer(self.docroot, port=self.port).start()
            return self
        conf = self.work / "nginx.conf"
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read a 0700 tmp dir
        conf.write_text(
            NGINX_CONF.format(user=user, work=self.work, port=self.port, docroot=self.docroot)
        )
        assert self._nginx is not None
        self._proc = subprocess.Popen(  # noqa: S603 - our own config, nginx from PATH
            [self._nginx, "-c", str(conf), "-p", str(self.work)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                error = self._proc.stderr.read().decode() if self._proc.stderr else ""
                raise SystemExit(f"benchmark: nginx failed to start: {error}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise SystemExit("benchmark: nginx did not start listening within 10 s")

    def pids(self) -> list[int]:
        """The server's processes (nginx master and workers; this process for Python)."""
        if self._proc is None:
            return [os.getpid()]
        children = Path(f"/proc/{self._proc.pid}/task/{self._proc.pid}/children")
        try:
            workers = [int(pid) for pid in children.read_text().split()]
        except OSError:
            workers = []
        return [self._proc.pid, *workers]

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.pids())

    def stop(self) -> None:
        if self._python is not None:
            self._python.stop()
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stderr is not None:
                self._proc.stderr.close()
