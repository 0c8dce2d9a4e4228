"""The spider routes: which links go where, and what never becomes an item."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from newsbot.addons import BrowserAddon
from newsbot.items import Story
from newsbot.site.pages.story import Rejected
from newsbot.spiders.urdupoint import DEFAULT_CATEGORIES, UrdupointSpider

GOLDEN = Path(__file__).parent / "golden"
BASE = "http://127.0.0.1:8123"


def make_spider(**args: str) -> UrdupointSpider:
    crawler = get_crawler(UrdupointSpider)
    return UrdupointSpider.from_crawler(crawler, base_url=BASE, **args)


def page(path: str, golden: str, *, base: str = BASE) -> HtmlResponse:
    """A golden page served as if from the sample site (its links are root-relative)."""
    url = base + path
    return HtmlResponse(
        url=url, body=(GOLDEN / golden).read_bytes(), encoding="utf-8", request=Request(url)
    )


def start_urls(spider: UrdupointSpider) -> list[str]:
    async def collect() -> list[str]:
        return [request.url async for request in spider.start()]

    return asyncio.run(collect())


def test_start_urls_follow_base_url_and_categories() -> None:
    # The feed first (issue 16: the cheapest fresh source), then each category's page 1.
    assert start_urls(make_spider(categories="pakistan, world,pakistan/crime")) == [
        f"{BASE}/en/sitemap/news.rss",
        f"{BASE}/en/news/pakistan.html",
        f"{BASE}/en/news/world.html",
        f"{BASE}/en/news/pakistan/crime.html",
    ]
    default = start_urls(make_spider())
    assert default[1:] == [f"{BASE}/en/news/{slug}.html" for slug in DEFAULT_CATEGORIES]


def test_allowed_domain_follows_base_url_host() -> None:
    assert make_spider().allowed_domains == ["127.0.0.1"]
    spider = UrdupointSpider.from_crawler(get_crawler(UrdupointSpider))
    assert spider.allowed_domains == ["urdupoint.com"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"max_pages": "many"}, "max_pages"),
        ({"max_pages": "0"}, "max_pages"),
        ({"base_url": "ftp://example.com"}, "base_url"),
        ({"base_url": "not a url"}, "base_url"),
        ({"categories": " , "}, "categories"),
        ({"categories": "pakistan;rm -rf"}, "categories"),
    ],
)
def test_bad_arguments_name_the_argument(args: dict[str, str], message: str) -> None:
    crawler = get_crawler(UrdupointSpider)
    with pytest.raises(ValueError, match=message):
        UrdupointSpider.from_crawler(crawler, **{"base_url": BASE, **args})


def test_category_page_routes_cards_to_stories_and_pagination_to_listings() -> None:
    spider = make_spider()
    out = list(
        spider.parse_listing(
            page("/en/news/pakistan.html", "listing/category-page1.html"), kind="category", page=1
        )
    )
    assert not [o for o in out if isinstance(o, Story)], "a listing never yields items"
    stories = [r for r in out if r.callback == spider.parse_story]
    listings = [r for r in out if r.callback == spider.parse_listing]
    assert len(stories) == 8
    assert all("/en/pakistan/" in r.url and r.url.startswith(BASE) for r in stories)
    assert [(r.url, r.cb_kwargs) for r in listings] == [
        (f"{BASE}/en/news/pakistan-updates2.html", {"kind": "category", "page": 2}),
    ]
    followed = {r.url for r in out}
    assert not any("/en/team/" in u or "/daily/" in u or "facebook" in u for u in followed)


def test_max_pages_stops_pagination() -> None:
    spider = make_spider(max_pages="2")
    response = page("/en/news/business.html", "listing/older-layout-tracking.html")
    out = list(spider.parse_listing(response, kind="category", page=1))
    assert [r.url for r in out if r.callback == spider.parse_listing] == [
        f"{BASE}/en/news/business-updates2.html"
    ]
    # tracking queries and fragments are gone from story requests
    assert all("?" not in r.url and "#" not in r.url for r in out)


def test_story_page_yields_item_then_its_related_topics() -> None:
    spider = make_spider()
    response = page(
        "/en/world/putin-tells-xi-he-wants-to-ramp-up-milit-1612404.html", "article/seed-story.html"
    )
    out = list(spider.parse_story(response))
    items = [o for o in out if isinstance(o, Story)]
    topics = [o for o in out if isinstance(o, Request)]
    assert len(items) == 1 and items[0].article_id == "1612404"
    assert len(topics) == 15
    assert topics[0].url == f"{BASE}/en/topics/exports.html"
    assert all(
        r.callback == spider.parse_listing and r.cb_kwargs["kind"] == "topic" for r in topics
    )
    # teasers ("Recent Stories", "More Stories From ...") are not followed from stories
    assert not any("2190029" in r.url for r in topics)


@pytest.mark.parametrize(
    ("golden", "reason"),
    [
        ("article/soft-404.html", "not_found"),
        ("article/challenge-just-a-moment.html", "challenge"),
        ("article/missing-published-at.html", "missing_published_at"),
        ("article/missing-title.html", "missing_title"),
        ("listing/category-page1.html", "not_article"),
    ],
)
def test_pages_that_are_not_stories_are_handed_on_as_rejections(golden: str, reason: str) -> None:
    spider = make_spider()
    response = page("/en/pakistan/some-story-2190111.html", golden)
    out = list(spider.parse_story(response))
    assert not [o for o in out if isinstance(o, Story)]
    rejected = [o for o in out if isinstance(o, Rejected)]
    assert [r.reason for r in rejected] == [reason]
    assert rejected[0].url == response.url


def test_non_html_answer_is_rejected_with_reason() -> None:
    spider = make_spider()
    url = f"{BASE}/en/pakistan/some-story-2190111.html"
    response = Response(url=url, body=b"%PDF-1.4", request=Request(url))
    assert not isinstance(response, TextResponse)
    assert list(spider.parse_story(response)) == [Rejected("not_html", url)]


def test_a_story_retried_in_the_browser_carries_only_our_meta() -> None:
    """Scrapy's per-download keys (download_latency...) are not copied to the new request:
    its MetaCopyDetectionMiddleware warned about them in every such crawl."""
    crawler = get_crawler(UrdupointSpider)
    browser = BrowserAddon()
    browser.ready = True  # what the add-on decides when Chromium is installed
    crawler.addons.addons.append(browser)
    spider = UrdupointSpider.from_crawler(crawler, base_url=BASE)
    html = (GOLDEN / "article" / "pakistan.html").read_text(encoding="utf-8")
    start = html.index('<div class="detail_txt">')
    end = html.index("</div>", html.index("</div>", start) + 6)  # a body left to JavaScript
    empty = html[:start] + '<div class="detail_txt"></div>' + html[end + 6 :]
    url = f"{BASE}/en/pakistan/some-story-2190001.html"
    request = Request(url, callback=spider.parse_story, meta={"newsbot_role": "story"})
    request.meta.update({"download_latency": 0.2, "retry_times": 1, "depth": 1})
    response = HtmlResponse(url=url, body=empty.encode(), encoding="utf-8", request=request)
    out = list(spider.parse_story(response))
    assert [type(o) for o in out] == [Request]
    assert out[0].meta == {
        "newsbot_role": "story",
        "newsbot_browser": True,
        "newsbot_empty_body_retry": True,  # for the browser retry's circuit breaker
    }
