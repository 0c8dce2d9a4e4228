"""One href that does not parse (a port that is not a number, a bad IPv6 bracket) loses
that link only: on a listing, ``Site.owns`` raised from ``urlsplit(...).port`` and every other
story link on the page was lost for the run, every run the href stayed; under a story's Related
Topics, ``urljoin`` raised and the story's related_topics was left null (found by an
adversarial review; older than issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from newsbot.site.pages.listing import parse_listing
from newsbot.site.pages.story import StoryResult, parse_story


@pytest.mark.parametrize(
    "bad",
    [
        b"https://www.urdupoint.com:443en/pakistan/bad-7654321.html",
        b"http://[bad/en/pakistan/bad-7654321.html",
    ],
)
def test_a_malformed_href_costs_that_link_not_the_listing(bad: bytes) -> None:
    html = (
        b'<html><body><div class="news">'
        b'<a href="https://www.urdupoint.com/en/pakistan/good-story-1234567.html">ok</a>'
        b'<a href="' + bad + b'">bad</a>'
        b"</div></body></html>"
    )
    response = HtmlResponse(
        url="https://www.urdupoint.com/en/category/pakistan.html", body=html, encoding="utf-8"
    )
    links = parse_listing(response)
    assert "https://www.urdupoint.com/en/pakistan/good-story-1234567.html" in links.stories


@pytest.mark.parametrize(
    "bad",
    [
        "https://www.urdupoint.com:443en/en/topics/bad-topic.html",
        "http://[bad/en/topics/bad-topic.html",
    ],
)
def test_a_malformed_topic_href_costs_that_topic_not_the_related_topics(bad: str) -> None:
    """The same href under Related Topics left the story's related_topics null."""
    golden = Path(__file__).parent / "golden" / "article" / "body-class-renamed.html"
    html = golden.read_text(encoding="utf-8").replace(
        '<li><a href="/en/topics/imran-khan.html">Imran Khan</a></li>',
        f'<li><a href="{bad}">Bad Topic</a></li>'
        '<li><a href="/en/topics/imran-khan.html">Imran Khan</a></li>',
    )
    assert bad in html
    url = (
        "https://www.urdupoint.com/en/pakistan/central-bank-approved-a-new-development-2190111.html"
    )
    result = parse_story(HtmlResponse(url=url, body=html.encode(), encoding="utf-8"))
    assert result.item is not None
    assert result.item.related_topics == ["Imran Khan"]
    assert result.topic_urls == ["https://www.urdupoint.com/en/topics/imran-khan.html"]


@pytest.mark.parametrize(
    "bad",
    [
        "https://[www.urdupoint.com/en/pakistan/x-2190111.html",
        "https://www.urdupoint.com]/en/pakistan/x-2190111.html",
    ],
)
def test_a_canonical_link_that_does_not_parse_costs_the_canonical_not_the_story(
    bad: str,
) -> None:
    """``urljoin`` raised on the canonical href (read by the page's checks, outside any
    field's own catch) and the story was a ``parse_error`` drop: a page a browser shows."""
    golden = Path(__file__).parent / "golden" / "article" / "pakistan.html"
    url = (
        "https://www.urdupoint.com/en/pakistan/central-bank-approved-a-new-development-2190111.html"
    )
    html = golden.read_text(encoding="utf-8").replace(
        f'rel="canonical" href="{url}"', f'rel="canonical" href="{bad}"'
    )
    assert bad in html
    result = parse_story(HtmlResponse(url=url, body=html.encode(), encoding="utf-8"))
    assert result.item is not None, result.rejected
    assert result.item.url == url
    assert [p.key for p in result.report.problems] == ["canonical/disagree"]


PAKISTAN_URL = (
    "https://www.urdupoint.com/en/pakistan/central-bank-approved-a-new-development-2190111.html"
)


def _pakistan_with(old: str, new: str) -> StoryResult:
    html = (Path(__file__).parent / "golden" / "article" / "pakistan.html").read_text("utf-8")
    assert old in html
    page = html.replace(old, new)
    return parse_story(HtmlResponse(url=PAKISTAN_URL, body=page.encode(), encoding="utf-8"))


@pytest.mark.parametrize(
    ("canonical", "url"),
    [
        # A space and a raw letter: written so into the feed, where they are no URL.
        (
            PAKISTAN_URL.replace("central-", "central "),
            PAKISTAN_URL.replace("central-", "central%20"),
        ),
        (
            PAKISTAN_URL.replace("central-", "caf\u00e9-"),
            PAKISTAN_URL.replace("central-", "caf%C3%A9-"),
        ),
        # Arabic-Indic digits (``\d`` and ``int`` read them) and a Kelvin sign (a "k" to
        # the case-blind section pattern): trusted as naming this story, and written.
        (
            PAKISTAN_URL.replace("2190111", "\u0662\u0661\u0669\u0660\u0661\u0661\u0661"),
            PAKISTAN_URL,
        ),
        (PAKISTAN_URL.replace("/pakistan/", "/\u212aarachi/"), PAKISTAN_URL),
        # A user name and password, written into the feed as part of the story's URL.
        (PAKISTAN_URL.replace("https://", "https://user:secret@"), PAKISTAN_URL),
    ],
)
def test_a_canonical_url_is_written_as_a_url_a_client_requests(canonical: str, url: str) -> None:
    result = _pakistan_with(
        f'rel="canonical" href="{PAKISTAN_URL}"', f'rel="canonical" href="{canonical}"'
    )
    assert result.item is not None, result.rejected
    assert (result.item.url, result.item.section) == (url, "pakistan")


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (
            "https://photo-cdn.urdupoint.com/media/flood victims.jpg",
            "https://photo-cdn.urdupoint.com/media/flood%20victims.jpg",
        ),
        (
            "https://photo-cdn.urdupoint.com/media/caf\u00e9.jpg",
            "https://photo-cdn.urdupoint.com/media/caf%C3%A9.jpg",
        ),
        # A JSON-LD image that is no URL cost the field, og:image's good one included.
        ("http://[bad/x.jpg", "https://photo-cdn.urdupoint.com/media/og.jpg"),
    ],
)
def test_an_image_url_is_written_as_a_url_a_client_requests(image: str, expected: str) -> None:
    old = '"url": "https://photo-cdn.urdupoint.com/media/2026/11/_3/730x425/pic_1795687500.jpg"'
    html = (Path(__file__).parent / "golden" / "article" / "pakistan.html").read_text("utf-8")
    page = html.replace(old, f'"url": "{image}"').replace(
        "https://www.urdupoint.com/images/logo-en.png",
        "https://photo-cdn.urdupoint.com/media/og.jpg",
    )
    assert page.count("og.jpg") == 1 and image in page
    result = parse_story(HtmlResponse(url=PAKISTAN_URL, body=page.encode(), encoding="utf-8"))
    assert result.item is not None, result.rejected
    assert result.item.image_url == expected


@pytest.mark.parametrize(
    "href",
    [
        b"/en/news/pakistan-updates" + b"9" * 5000 + b".html",
        b"/en/news/pakistan.html?page=" + b"9" * 5000,
    ],
    ids=["updates", "query"],
)
def test_a_pagination_link_of_thousands_of_digits_costs_no_link_of_the_listing(
    href: bytes,
) -> None:
    """``int`` refuses a string of over 4,300 digits (ValueError): parse_listing raised for
    one such "Next" link, a traceback in the spider's callback, and every story link and the
    next page of the listing were lost, every run the link stayed."""
    html = (
        b'<html><body><div class="txt_box">'
        b'<a href="https://www.urdupoint.com/en/pakistan/good-story-1234567.html">ok</a></div>'
        b'<a href="' + href + b'">Next</a>'
        b'<a href="/en/news/pakistan-updates2.html">2</a>'
        b"</body></html>"
    )
    response = HtmlResponse(
        url="https://www.urdupoint.com/en/news/pakistan.html", body=html, encoding="utf-8"
    )
    links = parse_listing(response)
    assert links.stories == ["https://www.urdupoint.com/en/pakistan/good-story-1234567.html"]
    page = links.next_page(1)
    assert page is not None and page.url.endswith("/en/news/pakistan-updates2.html")


LISTING_URL = "https://www.urdupoint.com/en/news/world.html"


@pytest.mark.parametrize(
    ("href", "story"),
    [
        # the scheme's own port written out: the same server to a browser (the link was lost)
        ("https://www.urdupoint.com:443/en/world/a-story-1234574.html", "a-story-1234574"),
        ("http://urdupoint.com:80/en/world/a-story-1234574.html", "a-story-1234574"),
        # backslashes: a browser reads them as slashes in an http(s) URL (the link was lost)
        ("https://www.urdupoint.com\\en\\world\\a-story-1234578.html", "a-story-1234578"),
        ("\\en\\world\\a-story-1234578.html", "a-story-1234578"),
        # no story of this site: Arabic-Indic digits, a Kelvin sign for "k" in the section
        ("/en/world/a-story-\u0661\u0662\u0663\u0664\u0665\u0666\u0667.html", None),
        ("/en/wor\u212ald/a-story-1234579.html", None),
        # another port is another server
        ("https://www.urdupoint.com:80/en/world/a-story-1234574.html", None),
    ],
    ids=[
        "port-443",
        "port-80",
        "backslashes",
        "root-backslashes",
        "arabic-digits",
        "kelvin",
        "port-80-https",
    ],
)
def test_a_story_link_is_read_as_a_browser_reads_it(href: str, story: str | None) -> None:
    """Seen before the fix: ``:443`` and backslash links lost (taken for another host); an
    id of Arabic-Indic digits or a section with a Kelvin sign taken for a story URL, which
    a client fetches percent-encoded: a request for no story of the site."""
    body = f'<html><body><div class="txt_box"><a href="{href}">x</a></div></body></html>'
    response = HtmlResponse(url=LISTING_URL, body=body.encode("utf-8"), encoding="utf-8")
    expected = [f"https://www.urdupoint.com/en/world/{story}.html"] if story else []
    assert parse_listing(response).stories == expected
