"""One small defect in the RSS feed loses every link in it.

Feed readers take all of these; ``parse_feed`` (``recover=False``) raises ``MalformedFeed``
and the run's freshest source is gone (one warning, the listings carry on).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import TextResponse

from newsbot.site.pages.rss import parse_feed
from newsbot.site.urls import Site

SITE = Site.from_base_url("https://www.urdupoint.com")
S1 = "https://www.urdupoint.com/en/pakistan/some-story-title-here-1649997.html"
S2 = "https://www.urdupoint.com/en/world/other-story-title-here-1649998.html"
DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _rss(title: str = "A", decl: str = DECL, items: tuple[str, ...] = (S1, S2)) -> str:
    entries = "".join(f"<item><title>{title}</title><link>{u}</link></item>" for u in items)
    return f'{decl}<rss version="2.0"><channel><title>UrduPoint</title>{entries}</channel></rss>'


CASES = {
    "bare-ampersand-in-a-title": _rss("Gold & Silver Rates").encode(),
    "html-entity-in-a-title": _rss("Gold&nbsp;Rates").encode(),
    "blank-line-before-xml-declaration": ("\n\n" + _rss()).encode(),
    "control-character-in-a-title": _rss("A\x0bB").encode(),
    "latin-1-byte-in-a-utf-8-feed": _rss("caf\xe9").encode("latin-1"),
    "rss-1.0-rdf": (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>U</title></channel>'
        f'<item rdf:about="{S1}"><title>A</title><link>{S1}</link></item>'
        f'<item rdf:about="{S2}"><title>B</title><link>{S2}</link></item></rdf:RDF>'
    ).encode(),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_small_feed_defect_keeps_the_feeds_links(case: str) -> None:
    response = TextResponse(url="https://www.urdupoint.com/en/sitemap/news.rss", body=CASES[case])
    assert parse_feed(response, SITE).stories == [S1, S2]  # raises MalformedFeed


def test_a_feed_cut_short_keeps_its_whole_entries() -> None:
    body = _rss().encode()[:-30]  # cut inside the last </item></channel></rss>
    response = TextResponse(url="https://www.urdupoint.com/en/sitemap/news.rss", body=body)
    assert S1 in parse_feed(response, SITE).stories  # raises MalformedFeed


def test_a_broken_feed_read_by_the_recovering_parser_expands_and_fetches_nothing(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(S2)
    body = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        f'<!ENTITY x SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>UrduPoint</title>'
        f"<item><title>&a;</title><link>{S1}</link></item>"
        "<item><title>T</title><link>&x;</link></item></channel><x>Gold & Silver</rss>"
    ).encode()
    response = TextResponse(url="https://www.urdupoint.com/en/sitemap/news.rss", body=body)
    links = parse_feed(response, SITE)
    assert links.recovered  # the bare & after the items: read by the recovering parser
    assert links.stories == [S1]  # the file's URL never read into the second link


@pytest.mark.parametrize(
    "href",
    ["http://[bad/en/world/x-1234567.html", "https://www.urdupoint.com:99999999/en/x-1234567.html"],
    ids=["unclosed-ipv6-bracket", "port-out-of-range"],
)
def test_an_entry_whose_link_does_not_parse_costs_that_entry_not_the_feed(href: str) -> None:
    """``urljoin``/``urlsplit`` raise ValueError for such a link: it escaped ``parse_feed``
    (no ``MalformedFeed``), a traceback in the spider's callback and every link of the
    run's freshest source lost, for one entry a feed reader skips."""
    body = _rss(items=(S1, href, S2)).encode()
    response = TextResponse(url="https://www.urdupoint.com/en/sitemap/news.rss", body=body)
    links = parse_feed(response, SITE)
    assert (links.stories, links.ignored) == ([S1, S2], 1)
