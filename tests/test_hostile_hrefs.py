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
from newsbot.site.pages.story import parse_story


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
