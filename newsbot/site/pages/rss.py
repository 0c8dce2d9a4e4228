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
#: The same protections, recovering what it can: feed readers take a bare ``&``, an HTML
#: entity, a control character or a feed cut short, so one defect must not cost every link.
_RECOVERING_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, recover=True
)
_ATOM = "{http://www.w3.org/2005/Atom}"
_RSS1 = "{http://purl.org/rss/1.0/}"


class MalformedFeed(ValueError):
    """The answer is not an RSS or Atom feed (not XML, or no channel/feed element)."""


@dataclass
class FeedLinks:
    """Story URLs of the feed (normalized, feed order, no repeats) and what was left out.

    ``recovered`` names the defect when the feed was not well-formed XML and was read by
    the recovering parser (the caller logs and counts it: the site's feed needs a look).
    """

    stories: list[str] = field(default_factory=list)
    ignored: int = 0
    recovered: str | None = None


def parse_feed(response: Response, site: Site) -> FeedLinks:
    """The feed's story links; raises ``MalformedFeed`` when the body is not a feed."""
    recovered: str | None = None
    try:
        root = etree.fromstring(response.body, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        recovered = str(exc) or type(exc).__name__
        body = response.body.lstrip(b"\xef\xbb\xbf \t\r\n")
        try:
            root = etree.fromstring(body, parser=_RECOVERING_PARSER) if body else None
        except (etree.XMLSyntaxError, ValueError) as again:
            raise MalformedFeed(f"not XML: {again}") from None
    if root is None:
        raise MalformedFeed("empty document" if recovered is None else f"not XML: {recovered}")
    if root.tag == "rss" or root.find("channel") is not None:
        hrefs = [_item_link(item) for item in root.iter("item")]
    elif root.find(f"{_RSS1}item") is not None or root.find(f"{_RSS1}channel") is not None:
        hrefs = [_item_link(item, _RSS1) for item in root.iter(f"{_RSS1}item")]
    elif root.tag == f"{_ATOM}feed":
        hrefs = [_entry_link(entry) for entry in root.iter(f"{_ATOM}entry")]
    else:
        raise MalformedFeed(f"root element <{root.tag}> is neither <rss> nor an Atom <feed>")
    if recovered is not None and not any(hrefs):
        # What the recovering parser made of it names no link: not a feed with a defect.
        raise MalformedFeed(f"not XML: {recovered}")
    links = FeedLinks(recovered=recovered)
    found: dict[str, None] = {}
    for href in hrefs:
        try:
            url = site.normalize(urljoin(response.url, href)) if href else None
        except ValueError:  # "http://[bad", a port out of range: no URL; it costs this entry
            url = None
        if url and page_kind(url) is PageKind.STORY:
            found.setdefault(url)
        else:
            links.ignored += 1
    links.stories = list(found)
    return links


def _item_link(item: etree._Element, namespace: str = "") -> str:
    for tag in ("link", "guid"):
        text = (item.findtext(namespace + tag) or "").strip()
        if text:
            return text
    if namespace:  # RSS 1.0: the item's rdf:about is its link
        return (item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about") or "").strip()
    return ""


def _entry_link(entry: etree._Element) -> str:
    for link in entry.iter(f"{_ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link.get("href")).strip()
    return ""
