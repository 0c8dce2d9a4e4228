"""The site a state or a feed holds, kept beside it in a one-line ``.site`` file.

Why: the state remembers story ids whatever the host, and the next run reconciles the
feed's lines into the state. A crawl of the sample site (``base_url=http://127.0.0.1:8000``)
on the real crawl's state, or only on its feed, would make every later crawl of the real
site skip the real stories that share those ids, silently. So the first crawl on a state
(``<spider>.site``) and on a feed (``<feed>.site``) writes its host there, and
``scrapy crawl`` (``newsbot.commands.crawl``) refuses a crawl of another host on them.

Hosts are compared bare (``newsbot.site.urls.bare_host``): ``www.urdupoint.com``,
``urdupoint.com`` and ``urdupoint.com.`` are one site, as the spider's own
``allowed_domains`` has it; the port is not part of the site. Loopback names
(``localhost``, ``127.0.0.1``, ``::1``) are one site too: whatever runs there is a copy
of the site for tests (the sample site, a mock), reached by either name; the harm the
guard prevents is a copy's ids in the real site's state, and the other way round.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from newsbot.site.urls import bare_host

#: What a host name (or IP address, IPv6 in brackets) may be written with.
HOST_RE = re.compile(r"[A-Za-z0-9.\-\[\]:]+")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (bare) names this machine: ``localhost``, ``127.0.0.0/8``, ``::1``."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def same_site(known: str, host: str) -> bool:
    """Whether a holder of ``known``'s stories may take ``host``'s (both bare hosts)."""
    return known == host or (is_loopback(known) and is_loopback(host))


class SiteFileError(Exception):
    """A ``.site`` file that does not hold one host name: why, for the refusal's line."""


def site_file(path: Path) -> Path:
    """The ``.site`` file of a feed: beside it, its name and ``.site``."""
    return path.with_name(f"{path.name}.site")


def url_host(url: str) -> str | None:
    """The bare host of ``url``, or None when it has none (or does not parse)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return bare_host(host) if host else None


def read_site(marker: Path) -> str | None:
    """The bare host ``marker`` holds; None when there is no such file.

    Raises ``SiteFileError`` for a file that cannot be read or does not hold one host
    name (not UTF-8, several lines, other characters): it was damaged or written by
    hand, and guessing which site it meant would defeat the guard.
    """
    try:
        if not marker.is_file():
            return None
        raw = marker.read_bytes()
    except OSError as exc:
        raise SiteFileError(exc.strerror or str(exc)) from exc
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise SiteFileError("not UTF-8 text") from exc
    if not text:
        return None  # an empty file says nothing: like none
    if not HOST_RE.fullmatch(text):
        what = "several lines" if "\n" in text else f"not a host name: {text[:40]!r}"
        raise SiteFileError(what)
    return bare_host(text)


def feed_lines_host(feed: Path) -> str | None:
    """The host of the first story line of ``feed`` (a feed from before ``.site`` files);
    None when it has none. Reads only up to that line: a feed may be gigabytes."""
    try:
        with feed.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    url = json.loads(line).get("url")
                except (ValueError, AttributeError):
                    continue  # a torn or foreign line
                if isinstance(url, str) and (host := url_host(url)):
                    return host
    except OSError:
        return None  # the feed check says why, with its exit status
    return None
