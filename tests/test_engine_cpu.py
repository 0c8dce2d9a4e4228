"""Per-page CPU outside parsing (issue 18): the shortcuts give what the slow paths gave.

``Site.owns``/``normalize`` run for every link of every page: they split the URL once
and the base never again. The crawl's stats collector skips Scrapy's per-access
wrapper. Each is checked against the behaviour it replaces; no timing is asserted.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

import pytest
import scrapy.statscollectors
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

import newsbot.settings
from newsbot.site import urls
from newsbot.site.pages import listing
from newsbot.site.urls import Site, bare_host, story_match

BASES = ["http://127.0.0.1:8123", "https://www.urdupoint.com", "http://urdupoint.com/"]
LINKS = [
    "http://127.0.0.1:8123/en/world/some-story-1612404.html?utm_source=x#top",
    "http://127.0.0.1:8124/en/world/some-story-1612404.html",
    "http://127.0.0.1/en/news/world.html",
    "https://www.urdupoint.com/en/news/world-updates3.html?page=2&utm_medium=a&fbclid=1",
    "http://urdupoint.com/en/world/x-02190058.html?a=1",
    "https://URDUPOINT.com./en/team/someone.html",
    "https://urdupoint.com:443/en/world/a-12345.html",
    "https://other.com/en/world/a-12345.html",
    "ftp://urdupoint.com/en/world/a-12345.html",
    "mailto:desk@urdupoint.com",
    "https://www.urdupoint.com",
    "https://www.urdupoint.com/en/topics/some-topic.html?ref=home&q=1",
    "http://127.0.0.1:8123/en/news/sports.html?",
]


def slow_owns(site: Site, url: str) -> bool:
    """``Site.owns`` as it was: the base URL split again on every call."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if bare_host(parts.hostname) != bare_host(site.host):
        return False
    return parts.port == urlsplit(site.base_url).port or (
        parts.port is None and urlsplit(site.base_url).port is None
    )


def slow_default_port_of_ours(site: Site, url: str) -> bool:
    """A link to the site with its scheme's own port written out (``:443``), the base
    naming no port: the same server to a browser (``Site.normalize`` takes it as ours)."""
    parts = urlsplit(url)
    if urlsplit(site.base_url).port is not None or not parts.hostname:
        return False
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return (
        default is not None
        and parts.port == default
        and bare_host(parts.hostname) == bare_host(site.host)
    )


def slow_normalize(site: Site, url: str) -> str | None:
    """``Site.normalize`` as it was, with the default-port links it now takes as ours."""
    if not slow_owns(site, url) and not slow_default_port_of_ours(site, url):
        return None
    parts = urlsplit(url)
    query = "" if story_match(url) else parts.query
    cleaned = urlunsplit((site.scheme, site.netloc, parts.path or "/", query, ""))
    return urls._drop_tracking(cleaned) if query else cleaned


@pytest.mark.parametrize("base", BASES)
def test_owns_and_normalize_answer_as_the_slow_path(base: str) -> None:
    site = Site.from_base_url(base)
    for url in LINKS:
        assert site.owns(url) == slow_owns(site, url), url
        assert site.normalize(url) == slow_normalize(site, url), url


def test_owns_and_normalize_split_each_url_once(monkeypatch: pytest.MonkeyPatch) -> None:
    site = Site.from_base_url(BASES[0])
    site.owns(LINKS[0])  # the base's parts are split once, on first use
    calls: list[str] = []

    def counting(url: str, *args: Any, **kwargs: Any) -> SplitResult:
        calls.append(url)
        return urlsplit(url, *args, **kwargs)

    monkeypatch.setattr(urls, "urlsplit", counting)
    site.owns(LINKS[0])
    assert calls == [LINKS[0]]
    calls.clear()
    site.normalize("http://127.0.0.1:8123/en/world/some-story-1612404.html")
    assert len(calls) == 1, calls


def _project_crawler() -> Any:
    settings = Settings()
    settings.setmodule(newsbot.settings)
    return get_crawler(settings_dict={"STATS_CLASS": settings["STATS_CLASS"]})


def test_the_crawls_stats_skip_scrapys_per_access_wrapper(monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up: list[str] = []
    original = scrapy.statscollectors.StatsCollector.__getattribute__

    def counting(self: Any, name: str) -> Any:
        looked_up.append(name)
        return original(self, name)

    monkeypatch.setattr(scrapy.statscollectors.StatsCollector, "__getattribute__", counting)
    stats = _project_crawler().stats
    for _ in range(10):
        stats.inc_value("newsbot/pages/story")
    assert stats.get_value("newsbot/pages/story") == 10
    assert looked_up == []


def test_the_crawls_stats_hold_what_scrapys_hold() -> None:
    ours = _project_crawler().stats
    assert isinstance(ours, MemoryStatsCollector)
    scrapys = MemoryStatsCollector(get_crawler())
    for stats in (ours, scrapys):
        stats.inc_value("a")
        stats.inc_value("a", 2)
        stats.inc_value("b", 3, start=10)
        stats.set_value("c", [1])
        stats.max_value("d", 5)
        stats.max_value("d", 3)
        stats.min_value("e", 5)
        stats.min_value("e", 3)
        stats.inc_value("f", 1.5)
    assert (
        ours.get_stats()
        == scrapys.get_stats()
        == {
            "a": 3,
            "b": 13,
            "c": [1],
            "d": 5,
            "e": 3,
            "f": 1.5,
        }
    )


PAGES = [
    "http://127.0.0.1:8123/en/news/world.html",
    "http://127.0.0.1:8123/en/news/world-updates2.html",
    "http://127.0.0.1:8123/en/topics/some/deep/page.html?x=1",
    "http://127.0.0.1:8123",
]
HREFS = [
    " /en/world/some-story-1612404.html?utm_source=x ",
    "/en/news/world-updates3.html",
    "/en/a/../world/b-12345.html",
    "//127.0.0.1:8123/en/world/c-12346.html",
    "//other.com/en/world/c-12346.html",
    "HTTP://127.0.0.1:8123/en/news/world.html#x",
    "https://127.0.0.1:8123/en/world/d-12347.html",
    "world-updates4.html",
    "../team/someone.html",
    "?page=2",
    "#top",
    "",
    "http:relative-12348.html",
    "javascript:void(0)",
]


def test_listing_links_resolve_as_the_slow_path() -> None:
    site = Site.from_base_url("http://127.0.0.1:8123")
    for page in PAGES:
        for href in HREFS:
            slow = site.normalize(listing.urljoin(page, href.strip()))
            expected = (slow, urls.page_kind(slow) if slow else None)
            assert listing.resolve_link(site, page, href) == expected, (page, href)


def test_a_link_shown_on_many_pages_is_resolved_once(monkeypatch: pytest.MonkeyPatch) -> None:
    site = Site.from_base_url("http://127.0.0.1:8123")
    joined: list[str] = []
    real_urljoin = listing.urljoin

    def counting(base: str, url: str) -> str:
        joined.append(url)
        return real_urljoin(base, url)

    monkeypatch.setattr(listing, "urljoin", counting)
    href = "/en/world/only-here-7654321.html"
    for page in PAGES:
        assert listing.resolve_link(site, page, href)[0] == f"http://127.0.0.1:8123{href}"
    assert joined == [href]
