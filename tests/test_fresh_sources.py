"""Fresh stories from the cheapest sources: the RSS feed, listings walked page by page,
and date windows (issue 16). Routing only: responses in, requests out, no network."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, XmlResponse
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from newsbot.site.pages.listing import parse_card_date, parse_listing
from newsbot.spiders.urdupoint import UrdupointSpider

BASE = "http://127.0.0.1:8123"


def make_spider(**args: str) -> UrdupointSpider:
    crawler = get_crawler(UrdupointSpider)
    crawler.stats = MemoryStatsCollector(crawler)
    return UrdupointSpider.from_crawler(crawler, base_url=BASE, **args)


def feed(body: str, url: str = f"{BASE}/en/sitemap/news.rss") -> XmlResponse:
    return XmlResponse(url=url, body=body.encode("utf-8"), request=Request(url))


def rss(*links: str) -> str:
    items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'
    )


def test_feed_entries_are_routed_like_listing_cards() -> None:
    spider = make_spider()
    body = rss(
        f"{BASE}/en/pakistan/some-story-2190111.html?utm_source=rss",
        "https://www.urdupoint.com/en/world/elsewhere-2190112.html",  # another host
        f"{BASE}/en/news/pakistan.html",  # a listing, not a story
        f"{BASE}/daily/livenews/2190113.html",  # the Urdu site
        f"{BASE}/en/world/second-story-2190114.html",
        f"{BASE}/en/pakistan/some-story-2190111.html",  # the same story again
    )
    out = list(spider.parse_feed(feed(body)))
    assert [r.url for r in out] == [
        f"{BASE}/en/pakistan/some-story-2190111.html",
        f"{BASE}/en/world/second-story-2190114.html",
    ]
    assert all(r.callback == spider.parse_story for r in out)
    assert spider.crawler.stats.get_value("newsbot/feed/ignored_entries") == 1


def test_feed_entries_keep_to_the_chosen_categories() -> None:
    body = rss(
        f"{BASE}/en/pakistan/a-story-2190111.html",
        f"{BASE}/en/world/b-story-2190112.html",
        f"{BASE}/en/sports/c-story-2190113.html",
    )
    spider = make_spider(categories="pakistan/crime,world")
    assert [r.url for r in spider.parse_feed(feed(body))] == [
        f"{BASE}/en/pakistan/a-story-2190111.html",
        f"{BASE}/en/world/b-story-2190112.html",
    ]
    assert len(list(make_spider().parse_feed(feed(body)))) == 3, "all by default"


def test_atom_feed_entries_are_read_too() -> None:
    spider = make_spider()
    body = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        f'<link rel="alternate" href="{BASE}/en/sports/a-story-2190120.html"/></entry></feed>'
    )
    assert [r.url for r in spider.parse_feed(feed(body))] == [
        f"{BASE}/en/sports/a-story-2190120.html"
    ]


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>Just a moment...</body></html>",
        '<?xml version="1.0"?><rss><channel><item><link>',  # cut short
        "",
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><urlset><url/></urlset>',
    ],
)
def test_a_malformed_feed_is_one_warning_and_no_requests(
    body: str, caplog: pytest.LogCaptureFixture
) -> None:
    spider = make_spider()
    with caplog.at_level(logging.WARNING):
        out = list(spider.parse_feed(feed(body)))
    assert out == []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "news.rss" in warnings[0].getMessage()
    assert spider.crawler.stats.get_value("newsbot/feed/malformed") == 1


def listing_page(path: str, pages: range, dates: list[str], next_link: bool = True) -> HtmlResponse:
    cards = "".join(
        f'<div class="news_box"><div class="txt_box"><a href="/en/pakistan/s-{2190200 + i}.html">'
        f'<h4>Story {i}</h4></a><span class="item_date">{day}</span></div></div>'
        for i, day in enumerate(dates)
    )
    stem = re.sub(r"-updates\d+$", "", path.removesuffix(".html"))
    links = "".join(f'<a href="{stem}-updates{n}.html">{n}</a>' for n in pages)
    if next_link:
        links += f'<a href="{stem}-updates2.html" class="next">Next &raquo;</a>'
    html = (
        f'<html><body><div class="list_wrap">{cards}</div>'
        f'<div class="pagination">{links}</div></body></html>'
    )
    url = BASE + path
    return HtmlResponse(url=url, body=html.encode(), encoding="utf-8", request=Request(url))


def test_a_listing_follows_its_next_page_only_not_every_page_number() -> None:
    spider = make_spider()
    response = listing_page("/en/topics/china.html", range(2, 39), ["26 Nov 2026"] * 3)
    out = list(spider.parse_listing(response, kind="topic", page=1))
    pages = [r for r in out if r.callback == spider.parse_listing]
    assert [(r.url, r.cb_kwargs) for r in pages] == [
        (f"{BASE}/en/topics/china-updates2.html", {"kind": "topic", "page": 2})
    ]
    assert len([r for r in out if r.callback == spider.parse_story]) == 3


def test_card_dates_are_read_and_the_newest_kept() -> None:
    assert parse_card_date(" 26 Nov 2026 ") == date(2026, 11, 26)
    assert parse_card_date("1 hour ago") is None
    response = listing_page("/en/news/world.html", range(2, 4), ["3 Mar 2026", "28 Feb 2026"])
    assert parse_listing(response).newest == date(2026, 3, 3)


def test_since_stops_a_listing_whose_stories_are_all_older() -> None:
    spider = make_spider(since="2026-03-01")
    older = listing_page("/en/news/world-updates5.html", range(4, 8), ["28 Feb 2026"] * 2)
    out = list(spider.parse_listing(older, kind="category", page=5))
    assert [r for r in out if r.callback == spider.parse_listing] == []
    assert spider.crawler.stats.get_value("newsbot/window/listing_stopped") == 1
    straddling = listing_page("/en/news/world-updates4.html", range(3, 7), ["1 Mar 2026"])
    out = list(spider.parse_listing(straddling, kind="category", page=4))
    assert [r.cb_kwargs["page"] for r in out if r.callback == spider.parse_listing] == [5]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"since": "March 2026"}, "bad argument since: 'March 2026' is not an ISO date"),
        ({"until": "2026-02-30"}, "bad argument until"),
        ({"since": "2026-03-31", "until": "2026-03-01"}, "since: 2026-03-31 is after until"),
    ],
)
def test_bad_dates_are_one_line_argument_errors(args: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        UrdupointSpider.from_crawler(get_crawler(UrdupointSpider), base_url=BASE, **args)


def test_dates_are_parsed() -> None:
    spider = make_spider(since="2026-03-01", until="2026-03-31")
    assert (spider.since, spider.until) == (date(2026, 3, 1), date(2026, 3, 31))


def test_relative_feed_links_are_resolved_and_a_huge_feed_is_bounded() -> None:
    """Found by an adversary: relative entries were dropped as "not stories", and a feed of
    2,000 entries cost 2,000 requests with no warning (the listings' bound did not apply)."""
    spider = make_spider()
    relative = list(spider.parse_feed(feed(rss("/en/pakistan/relative-link-3000101.html"))))
    assert [r.url for r in relative] == [f"{BASE}/en/pakistan/relative-link-3000101.html"]

    limit = spider.config.max_links_per_listing
    many = [f"{BASE}/en/world/story-{3100000 + n}.html" for n in range(limit + 100)]
    out = list(spider.parse_feed(feed(rss(*many))))
    assert len(out) == limit
    assert spider.crawler.stats.get_value("newsbot/limits/feed_links") == 1
