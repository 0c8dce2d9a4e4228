"""A listing whose one href does not parse (a port that is not a number, a bad IPv6
bracket) loses that link only: ``Site.owns`` raised from ``urlsplit(...).port`` and the whole
listing went with it, every other story link on the page lost for the run, every run the href
stays (found by an adversarial review; older than issue 18)."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from newsbot.site.pages.listing import parse_listing


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
