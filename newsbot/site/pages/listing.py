"""Listing pages (category and Related Topics pages): a response in, links out.

A listing gives two kinds of links: the stories its cards show, in page order, and
the other pages of the same listing. Both layouts the notes describe are read: the
current ``div.txt_box`` cards and the older ``div.news_big_item`` / ``ul.news_list``.
Pagination markup is ASSUMED, so its links are recognised by what they say ("2",
"Next »", ``rel=next``) and by pointing at the same listing, not by class names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urljoin

from lxml import etree
from scrapy.http import HtmlResponse, Response, TextResponse

from newsbot.site.encoding import readable
from newsbot.site.pages.html import css, xpath
from newsbot.site.urls import PageKind, Site, listing_stem, page_kind, page_number
from newsbot.text.normalize import normalize_space

# --- Selectors (REAL unless marked), compiled once -------------------------------------
#: Story links inside listing cards, both layouts.
CARD_LINKS = css("div.txt_box a[href], div.news_big_item a[href], ul.news_list li a[href]")
#: Where to look for story links when no card matched (a layout we do not know yet).
FALLBACK_LINKS = css("#main_content a[href], main a[href], body a[href]")
#: Pagination candidates (ASSUMED markup): links with a short text ("2", "Next »") or
#: ``rel=next``; which of them are pagination is decided by the patterns below.
PAGINATION_LINKS = xpath(
    "//a[@href][string-length(normalize-space(.)) < 16 or contains(@rel, 'next')]"
)
#: Card dates (REAL: ``span.item_date`` holding ``26 Nov 2026``), both layouts.
CARD_DATES = css("div.txt_box .item_date, div.news_big_item .item_date, ul.news_list li .item_date")
NEXT_TEXT_RE = re.compile(r"^(next|older)\b|^[\u00bb\u203a>]+$", re.I)
NUMBER_TEXT_RE = re.compile(r"^\d{1,4}$")


@dataclass(frozen=True)
class PageLink:
    """Another page of the same listing; ``number`` is None when only "next" is known."""

    url: str
    number: int | None


@dataclass
class ListingLinks:
    """What a listing page links to that the crawl follows."""

    stories: list[str] = field(default_factory=list)
    pages: list[PageLink] = field(default_factory=list)
    #: The newest card date on the page (None: no card gives a readable date). A date
    #: window's ``since`` stops a listing on a page whose newest card is older.
    newest: date | None = None

    def next_page(self, page: int) -> PageLink | None:
        """The page after ``page``: its number, else a "next" link with no number.

        Page 1 links many page numbers; a crawl walks one page at a time, so only
        this one is followed (and only while the page held something new).
        """
        numbered = [link for link in self.pages if link.number == page + 1]
        if numbered:
            return numbered[0]
        unnumbered = [link for link in self.pages if link.number is None]
        return unnumbered[0] if unnumbered else None


def parse_listing(response: Response, site: Site | None = None) -> ListingLinks:
    """Story links (normalized, page order, no repeats) and pagination links of a listing.

    A listing labelled XML or JSON (a CMS's or CDN's wrong Content-Type: Scrapy then
    hands an ``XmlResponse`` or ``JsonResponse``) is read as the HTML it is: its selector
    parsed the page as XML (AttributeError: no ``text_content``) or as JSON (TypeError),
    and every link of the page was lost with a traceback. Its stories are judged by
    their own pages.
    """
    links = ListingLinks()
    if not isinstance(response, TextResponse):
        return links
    if not isinstance(response, HtmlResponse):
        response = response.replace(cls=HtmlResponse)
    response = readable(response)  # a charset label no browser reads is ignored
    site = site or Site.from_base_url(response.url)
    links.stories = _story_links(response, site, CARD_LINKS) or _story_links(
        response, site, FALLBACK_LINKS
    )
    links.pages = _page_links(response, site)
    links.newest = max(_card_dates(response), default=None)
    return links


def parse_card_date(text: str) -> date | None:
    """``26 Nov 2026`` (a listing card's date) as a date; None when it does not read."""
    try:
        return datetime.strptime(normalize_space(text), "%d %b %Y").date()
    except ValueError:
        return None


def _card_dates(response: TextResponse) -> list[date]:
    dates = (
        parse_card_date(element.text_content()) for element in CARD_DATES(response.selector.root)
    )
    return [d for d in dates if d is not None]


def _story_links(response: TextResponse, site: Site, links: etree.XPath) -> list[str]:
    found: dict[str, None] = {}
    for anchor in links(response.selector.root):
        url, kind = resolve_link(site, response.url, anchor.get("href"))
        if url and kind is PageKind.STORY:
            found.setdefault(url)
    return list(found)


def _page_links(response: TextResponse, site: Site) -> list[PageLink]:
    here = listing_stem(response.url)
    own_url = site.normalize(response.url)
    pages: dict[str, PageLink] = {}
    for element in PAGINATION_LINKS(response.selector.root):
        text = normalize_space(element.text_content())
        is_next = bool(NEXT_TEXT_RE.match(text)) or "next" in (element.get("rel") or "")
        is_number = bool(NUMBER_TEXT_RE.match(text))
        if not (is_next or is_number):
            continue
        url, kind = resolve_link(site, response.url, element.get("href"))
        if not url or url == own_url:
            continue
        if kind in (PageKind.STORY, PageKind.AUTHOR, PageKind.FOREIGN):
            continue
        if listing_stem(url) != here and not is_next:
            continue
        number = page_number(url) or (int(text) if is_number else None)
        if url not in pages or pages[url].number is None:
            pages[url] = PageLink(url, number)
    return list(pages.values())


#: Resolved links kept (a few hundred bytes each): a story is listed on its category's
#: page and on the page of every topic it names (15 on the real site), each time under
#: the same root-relative href.
LINK_CACHE_SIZE = 20_000


def resolve_link(site: Site, page_url: str, href: str) -> tuple[str | None, PageKind | None]:
    """``href`` on the page at ``page_url``: its one URL on ``site`` and its kind (None: off-site).

    An href that is root-relative (``/en/...``), protocol-relative or absolute resolves the
    same on every page of one origin, so its answer is kept by (site, origin, href):
    urljoin, normalize and classify run once per link, not once per page that shows it.
    """
    href = href.strip()
    if "\\" in href:  # a browser reads "\" as "/" in an http(s) URL (WHATWG URL)
        href = href.replace("\\", "/")
    try:
        if href.startswith("/") or href[:8].lower().startswith(("http://", "https://")):
            return _resolve_kept(site, _origin(page_url), href)
        return _resolve(site, page_url, href)
    except ValueError:  # "http://[bad", ":443en": no URL; it costs this link, not the page
        return None, None


def _origin(url: str) -> str:
    """``scheme://netloc`` of an absolute URL (the text before its path's first ``/``)."""
    return "/".join(url.split("/", 3)[:3])


def _resolve(site: Site, base: str, href: str) -> tuple[str | None, PageKind | None]:
    url = site.normalize(urljoin(base, href))
    return (url, page_kind(url)) if url else (None, None)


_resolve_kept = lru_cache(maxsize=LINK_CACHE_SIZE)(_resolve)
