"""The site's RSS feed (``/en/sitemap/news.rss``, REAL): a response in, story links out.

The feed lists only the latest stories, newest first, which makes it the cheapest fresh
source the site has: one request names the last few dozen stories of every category.
Its entries are routed like listing cards: a link outside the crawled host, or one that
is not a story URL, is left out. RSS 2.0 ``item/link`` (or ``guid``) and Atom
``entry/link/@href`` are both read, so a change of feed format is not a silent loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree
from scrapy.http import Response

from newsbot.site.urls import PageKind, Site, page_kind

#: No entities, no network, no huge trees: a hostile feed cannot expand or fetch anything.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
_ATOM = "{http://www.w3.org/2005/Atom}"


class MalformedFeed(ValueError):
    """The answer is not an RSS or Atom feed (not XML, or no channel/feed element)."""


@dataclass
class FeedLinks:
    """Story URLs of the feed (normalized, feed order, no repeats) and what was left out."""

    stories: list[str] = field(default_factory=list)
    ignored: int = 0


def parse_feed(response: Response, site: Site) -> FeedLinks:
    """The feed's story links; raises ``MalformedFeed`` when the body is not a feed."""
    try:
        root = etree.fromstring(response.body, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise MalformedFeed(f"not XML: {exc}") from None
    if root is None:
        raise MalformedFeed("empty document")
    if root.tag == "rss" or root.find("channel") is not None:
        hrefs = [_item_link(item) for item in root.iter("item")]
    elif root.tag == f"{_ATOM}feed":
        hrefs = [_entry_link(entry) for entry in root.iter(f"{_ATOM}entry")]
    else:
        raise MalformedFeed(f"root element <{root.tag}> is neither <rss> nor an Atom <feed>")
    links = FeedLinks()
    found: dict[str, None] = {}
    for href in hrefs:
        url = site.normalize(urljoin(response.url, href)) if href else None
        if url and page_kind(url) is PageKind.STORY:
            found.setdefault(url)
        else:
            links.ignored += 1
    links.stories = list(found)
    return links


def _item_link(item: etree._Element) -> str:
    for tag in ("link", "guid"):
        text = (item.findtext(tag) or "").strip()
        if text:
            return text
    return ""


def _entry_link(entry: etree._Element) -> str:
    for link in entry.iter(f"{_ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link.get("href")).strip()
    return ""
