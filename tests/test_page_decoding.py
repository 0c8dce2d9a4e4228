"""A page read with the wrong charset, or its JSON-LD in a CMS wrapper: the story still right.

Each test is the seed story's golden page with one plausible change; the expected value
is what a reader of that page would say (and what the page's own JSON-LD says).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.http.response.json import JsonResponse
from scrapy.utils.test import get_crawler

from newsbot.downloadermiddlewares.charset import CharsetMiddleware
from newsbot.keys import CHARSET_CORRECTED, UNDECODABLE_BYTES
from newsbot.site.pages.listing import parse_listing
from newsbot.site.pages.story import Rejected, story_or_rejection

GOLDEN = Path(__file__).parent / "golden" / "article"
SEED = (GOLDEN / "seed-story.html").read_text(encoding="utf-8")
SPEC = json.loads((GOLDEN / "seed-story.json").read_text(encoding="utf-8"))
URL = SPEC["fetched_url"]
EXPECTED = SPEC["expected"]
LD = re.search(r'<script type="application/ld\+json">(\{[^<]*NewsArticle[^<]*)</script>', SEED)
assert LD is not None
NEWS_ARTICLE = LD.group(1)
QUOTED = "Putin told Xi \u2013 \u201ccaf\u00e9\u201d by video"
PAGE = SEED.replace("Putin told Xi by video", QUOTED)
assert PAGE != SEED


def _downloaded(body: bytes, headers: dict[str, str] | None = None) -> tuple[HtmlResponse, Any]:
    """The response as the crawl's downloader middlewares hand it on, and the crawl's stats."""
    crawler = get_crawler()
    middleware = CharsetMiddleware.from_crawler(crawler)
    response = HtmlResponse(url=URL, body=body, headers=headers or {})
    out = middleware.process_response(Request(URL), response)
    assert isinstance(out, HtmlResponse)
    return out, crawler.stats


def _item(response: HtmlResponse) -> dict[str, Any]:
    result = story_or_rejection(response)
    assert not isinstance(result, Rejected), result
    return asdict(result)


def test_utf8_page_with_a_wrong_declared_charset_is_not_mojibake() -> None:
    body = PAGE.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">').encode("utf-8")
    response, stats = _downloaded(body)
    item = _item(response)
    assert "\u2013 \u201ccaf\u00e9\u201d" in item["body"]  # was 'â€“ â€œcafÃ©â€�'
    assert "\u00e2\u20ac" not in item["body"]
    assert stats.get_value(CHARSET_CORRECTED) == 1


def test_utf8_page_with_a_wrong_content_type_charset_is_not_mojibake(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="newsbot.downloadermiddlewares.charset"):
        response, stats = _downloaded(
            PAGE.encode("utf-8"), {"Content-Type": "text/html; charset=iso-8859-1"}
        )
    assert "\u2013 \u201ccaf\u00e9\u201d" in _item(response)["body"]
    assert stats.get_value(CHARSET_CORRECTED) == 1
    assert [r.levelno for r in caplog.records] == [logging.INFO]
    assert URL in caplog.records[0].getMessage()


def test_a_windows_1252_page_labelled_so_stays_as_labelled() -> None:
    body = PAGE.replace('<meta charset="utf-8">', '<meta charset="windows-1252">').encode(
        "cp1252", "xmlcharrefreplace"
    )
    response, stats = _downloaded(body, {"Content-Type": "text/html; charset=windows-1252"})
    assert "\u2013 \u201ccaf\u00e9\u201d" in _item(response)["body"]
    assert stats.get_value(CHARSET_CORRECTED) is None
    assert stats.get_value(UNDECODABLE_BYTES) is None


def test_a_page_with_bytes_not_of_its_encoding_is_counted_and_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = PAGE.encode("utf-8").replace("caf\u00e9".encode(), b"caf\xe9")  # one Latin-1 byte
    with caplog.at_level(logging.WARNING, logger="newsbot.downloadermiddlewares.charset"):
        response, stats = _downloaded(body, {"Content-Type": "text/html; charset=utf-8"})
    assert response.encoding == "utf-8"
    assert stats.get_value(UNDECODABLE_BYTES) == 1
    assert [URL in r.getMessage() for r in caplog.records] == [True]


@pytest.mark.parametrize(
    "wrapped",
    [
        "//<![CDATA[\n" + NEWS_ARTICLE + "\n//]]>",
        "<!--\n" + NEWS_ARTICLE + "\n-->",
        NEWS_ARTICLE[: NEWS_ARTICLE.rindex("}")] + ",}",
    ],
    ids=["cdata", "html-comment", "trailing-comma"],
)
def test_jsonld_in_a_cms_wrapper_is_read(wrapped: str) -> None:
    page = SEED.replace(NEWS_ARTICLE, wrapped)
    response, _ = _downloaded(page.encode())
    assert _item(response)["image_url"] == EXPECTED["image_url"]  # was None: not read


@pytest.mark.parametrize("where", ["header", "meta"])
@pytest.mark.parametrize(
    "label", ["base64", "rot13", "zlib", "idna", "undefined", "unicode-escape", "utf-16"]
)
def test_a_charset_label_no_browser_reads_is_ignored_as_a_browser_ignores_it(
    label: str, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Python knows these labels, as codecs that are no text encoding (``base64``: reading
    the page's text raised LookupError, in the challenge check, outside the parser's
    catch, and the story was lost with a traceback), or that no browser reads a page in
    (``unicode-escape``, ``punycode``; ``utf-16`` on bytes that are ASCII markup: CJK noise,
    dropped as ``not_article``). A browser ignores such a label; so does the crawl."""
    if where == "header":
        body, headers = PAGE.encode(), {"Content-Type": f"text/html; charset={label}"}
    else:
        page = PAGE.replace('<meta charset="utf-8">', f'<meta charset="{label}">')
        body, headers = page.encode(), {"Content-Type": "text/html"}
    assert body != PAGE.encode() or where == "header"
    raw = HtmlResponse(url=URL, body=body, headers=headers)
    direct = story_or_rejection(raw)  # the parser alone (replays, tests): never raises
    assert not isinstance(direct, Rejected), direct
    assert "\u2013 \u201ccaf\u00e9\u201d" in direct.body
    with caplog.at_level(logging.WARNING, logger="newsbot.downloadermiddlewares.charset"):
        response, stats = _downloaded(body, headers)
    item = _item(response)
    assert item["title"] == EXPECTED["title"]
    assert "\u2013 \u201ccaf\u00e9\u201d" in item["body"]
    assert stats.get_value(CHARSET_CORRECTED) == 1
    assert [URL in r.getMessage() and "no browser" in r.getMessage() for r in caplog.records] == [
        True
    ]


def test_a_utf16_label_on_ascii_markup_with_a_stray_nul_is_still_ignored() -> None:
    """One NUL byte (in a comment) made ``<meta charset="utf-16">`` on UTF-8 bytes believed:
    the page read as CJK noise and dropped as ``not_article``. UTF-16 markup has a NUL in
    every other byte."""
    page = PAGE.replace('<meta charset="utf-8">', '<meta charset="utf-16"><!--\x00-->')
    result = story_or_rejection(HtmlResponse(url=URL, body=page.encode()))
    assert not isinstance(result, Rejected), result
    assert result.title == EXPECTED["title"]
    body = ("\ufeff" + PAGE).encode("utf-16-le")  # real UTF-16 is read as such
    assert not isinstance(story_or_rejection(HtmlResponse(url=URL, body=body)), Rejected)


def test_a_utf16_page_is_not_taken_for_a_page_cut_off() -> None:
    """Its bytes hold no ASCII ``</body>`` (two bytes a character): it was a ``truncated``
    drop, asked again every run and then given up, for a page a browser shows whole."""
    body = ("\ufeff" + PAGE).encode("utf-16-le")
    result = story_or_rejection(HtmlResponse(url=URL, body=body))
    assert not isinstance(result, Rejected), result
    assert result.title == EXPECTED["title"]
    assert "\u2013 \u201ccaf\u00e9\u201d" in (result.body or "")


def test_a_listing_labelled_with_a_charset_no_browser_reads_gives_its_links() -> None:
    """Reading its text raised LookupError: every story link of the page lost for the run."""
    body = (
        b'<html><head><meta charset="base64"></head><body><div class="news">'
        b'<a href="https://www.urdupoint.com/en/pakistan/good-story-1234567.html">ok</a>'
        b"</div></body></html>"
    )
    listing = HtmlResponse(url="https://www.urdupoint.com/en/news/pakistan.html", body=body)
    links = parse_listing(listing)
    assert links.stories == ["https://www.urdupoint.com/en/pakistan/good-story-1234567.html"]


@pytest.mark.parametrize(
    "cls", [XmlResponse, JsonResponse, TextResponse], ids=["xml", "json", "plain-text"]
)
def test_a_listing_labelled_xml_or_json_gives_its_links(cls: type[TextResponse]) -> None:
    """Scrapy makes an ``XmlResponse`` of a page labelled ``application/xml``, a
    ``JsonResponse`` of ``application/json``: the listing's selector parsed the page as
    XML (AttributeError) or JSON (TypeError), and every link of the page was lost with a
    traceback in the spider's callback."""
    body = (Path(__file__).parent / "golden" / "listing" / "category-page1.html").read_bytes()
    url = "https://www.urdupoint.com/en/news/pakistan.html"
    expected = parse_listing(HtmlResponse(url=url, body=body))
    assert expected.stories and expected.pages
    labelled = parse_listing(cls(url=url, body=body))
    assert (labelled.stories, labelled.pages, labelled.newest) == (
        expected.stories,
        expected.pages,
        expected.newest,
    )
