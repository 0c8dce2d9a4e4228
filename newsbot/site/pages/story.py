"""The story page: a response in, an ``Story`` (or the reason there is none) out.

``StoryPage`` is a page object in the web-poet manner: one method per field, each
testable on stored HTML without a network. Selectors are named constants; blocks
whose markup is only ASSUMED in ``URDUPOINT.md`` are found by their visible heading.
Nothing here makes a request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from scrapy.http import Response, TextResponse

from newsbot.items import Story
from newsbot.loaders import StoryLoader
from newsbot.site.pages.html import (
    candidate_texts,
    css,
    heading_among,
    heading_by_text,
    jsonld_objects,
    jsonld_types,
    links_after,
    text_blocks,
    text_of,
    xpath,
)
from newsbot.site.urls import (
    PageKind,
    Site,
    page_kind,
    story_id,
    story_match,
    story_section,
    strip_query_and_fragment,
)
from newsbot.text.normalize import SITE_TZ, normalize_space, parse_site_datetime

# --- Selectors (REAL unless marked), compiled once -------------------------------------
STORY_CONTAINER = css("div.news_article")
TITLE = css("h1")
SUMMARY = css("h2")
BODY_CANDIDATES = (
    css("div.detail_txt"),
    css('[itemprop="articleBody"]'),
    css("article div.content"),
)
BODY_CLASS = "detail_txt"
INSIDE_BODY = xpath(f"ancestor::*[contains(concat(' ', @class, ' '), ' {BODY_CLASS} ')]")
BYLINE_SPANS = css("span.article-date")
PUBLISHED_TEXT = xpath(".//text()[contains(., 'Published')]")
BREADCRUMB_LINKS = css("[class*=bread] a")  # ASSUMED markup: a fallback for the category
CANONICAL = css('link[rel="canonical"]::attr(href)')
OG_IMAGE = css('meta[property="og:image"]::attr(content)')
PAGE_TITLE = xpath("//title//text()")
#: Pieces of the block headings' words in their usual casings ("Related Topics", "MORE
#: STORIES FROM"): text nodes holding none of them are not headings we look for.
HEADING_FRAGMENTS = ("elated", "ELATED", "tories", "TORIES")
STORY_JSONLD_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle"}

#: A story dated further ahead than this is refused: a wrong date, not a scoop.
MAX_CLOCK_AHEAD = timedelta(days=1)
#: Links in the "Related Topics" block that cannot be topic pages.
NOT_TOPICS = frozenset({PageKind.STORY, PageKind.AUTHOR, PageKind.FOREIGN})

# --- Visible text patterns ----------------------------------------------------------
RELATED_TOPICS_RE = re.compile(r"^related topics\W*$", re.I)
MORE_STORIES_RE = re.compile(r"^more stories from\s+(?P<category>.+?)\W*$", re.I)
BLOCK_HEADING_RE = re.compile(r"^(related topics|recent stories|more stories from\b)", re.I)
#: ``Published December 30, 2022 | 03:20 PM`` (REAL); the time may be missing.
PUBLISHED_RE = re.compile(
    r"Published(?:\s+on)?\s*:?\s*(?P<date>[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4})"
    r"(?:\s*(?:\||,|at|-)?\s*(?P<time>\d{1,2}:\d{2}(?::\d{2})?\s*[AaPp]\.?\s*[Mm]\.?))?"
)
UPDATED_RE = re.compile(
    r"(?:Last\s+)?Updated(?:\s+on)?\s*:?\s*(?P<date>[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4})"
    r"(?:\s*(?:\||,|at|-)?\s*(?P<time>\d{1,2}:\d{2}(?::\d{2})?\s*[AaPp]\.?\s*[Mm]\.?))?"
)
#: A byline date without the word "Published" (a layout we have not seen yet).
BARE_DATE_RE = re.compile(
    r"(?P<date>[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4})"
    r"(?:\s*(?:\||,|at|-)?\s*(?P<time>\d{1,2}:\d{2}(?::\d{2})?\s*[AaPp]\.?\s*[Mm]\.?))?"
)
HANDLE_RE = re.compile(r"\(?\s*(?P<handle>@[A-Za-z0-9_]{1,30})\s*\)?")
#: ``Moscow, (UrduPoint / Pakistan Point News - 30th Dec, 2022 ) :Text`` (REAL).
DATELINE_RE = re.compile(
    r"^(?P<place>[^()\n]{1,60}?)\s*,?\s*\((?P<inner>[^()]{2,120})\)\s*:\s*(?P<rest>.*)$", re.S
)
DATELINE_DATE_RE = re.compile(r"^(?P<agency>.*\S)\s+-\s+(?P<date>[^-]*\d{4})\s*$")
NOT_FOUND_RE = re.compile(r"\b(page not found|404|not found)\b", re.I)
CHALLENGE_TITLE_RE = re.compile(r"just a moment|attention required|checking your browser", re.I)
PAGE_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
CHALLENGE_MARKERS = ("challenge-running", "challenge-form", "cf-challenge", "cf_chl_")


@dataclass(frozen=True)
class Rejected:
    """A fetched story URL that yields no item, and why (a ``newsbot/dropped/`` reason)."""

    reason: str
    url: str
    title: str | None = None
    article_id: str | None = None


def is_challenge(response: Response) -> bool:
    """A bot-protection interstitial ("Just a moment..."), never a story."""
    if response.headers.get(b"cf-mitigated", b"").lower() == b"challenge":
        return True
    if not isinstance(response, TextResponse):
        return False
    head = response.text[:20000]  # plain text search: works on any text answer (JSON too)
    title = PAGE_TITLE_RE.search(head)
    if title and CHALLENGE_TITLE_RE.search(title.group(1)):
        return True
    return any(marker in head for marker in CHALLENGE_MARKERS) and "<h1" not in head


class StoryPage:
    """Field extractors for one story page.

    Works on the page's lxml tree (parsed once, by Scrapy) with selectors compiled
    once; a part several fields need (container, byline, dates) is computed once.
    """

    def __init__(self, response: TextResponse, site: Site | None = None):
        self.response = response
        self.site = site or Site.from_base_url(response.url)
        self.root: etree._Element = response.selector.root

    # --- page-level parts, computed once --------------------------------------------
    @cached_property
    def container(self) -> etree._Element:
        found = STORY_CONTAINER(self.root)
        return found[0] if found else self.root

    @cached_property
    def body_element(self) -> etree._Element | None:
        for selector in BODY_CANDIDATES:
            found = selector(self.root)
            if found:
                return found[0]
        return None

    @cached_property
    def heading_texts(self) -> list[tuple[etree._Element, str]]:
        """Texts that may be a block heading, in their usual casings: one pass per page."""
        return candidate_texts(self.root, HEADING_FRAGMENTS)

    def _heading(self, needle: str, pattern: re.Pattern[str]) -> etree._Element | None:
        """A block's heading: among the usual casings first, then in any casing."""
        found = heading_among(self.heading_texts, needle, pattern)
        return found if found is not None else heading_by_text(self.root, needle, pattern)

    @cached_property
    def jsonld_all(self) -> list[dict[str, Any]]:
        return jsonld_objects(self.root)

    @cached_property
    def jsonld(self) -> dict[str, Any]:
        """The page's NewsArticle JSON-LD (its position among the scripts varies)."""
        for obj in self.jsonld_all:
            if jsonld_types(obj) & STORY_JSONLD_TYPES:
                return obj
        return {}

    @cached_property
    def byline(self) -> str:
        """The byline's spans as one line: ``Name (@handle) Published <date> | <time>``."""
        spans = BYLINE_SPANS(self.container) or BYLINE_SPANS(self.root)
        line = " ".join(text_of(span) for span in spans)
        if not line:  # no known spans: a "Published ..." line anywhere near the title
            texts = PUBLISHED_TEXT(self.container)
            line = normalize_space(" ".join(texts[:1]))
        return normalize_space(line)

    @cached_property
    def paragraphs(self) -> list[str]:
        if self.body_element is None:
            return []
        return text_blocks(self.body_element)

    @cached_property
    def dateline(self) -> re.Match[str] | None:
        if not self.paragraphs:
            return None
        return DATELINE_RE.match(self.paragraphs[0])

    @cached_property
    def story_url(self) -> str:
        """The page's canonical URL when it is a story URL on this site, else the fetched one.

        A canonical on another host is never trusted (it could send the story anywhere).
        """
        canonical = CANONICAL(self.root)
        if canonical:
            absolute = urljoin(self.response.url, canonical[0].strip())
            if self.site.owns(absolute) and story_match(absolute):
                return strip_query_and_fragment(absolute)
        return strip_query_and_fragment(self.response.url)

    @cached_property
    def title_text(self) -> str | None:
        headings = TITLE(self.container)
        return text_of(headings[0]) if headings else None

    @cached_property
    def published_candidates(self) -> list[str | None]:
        return [
            _byline_date(PUBLISHED_RE, self.byline),
            self.jsonld.get("datePublished"),
            _byline_date(BARE_DATE_RE, UPDATED_RE.sub(" ", self.byline)),
        ]

    # --- fields -----------------------------------------------------------------------
    def url(self) -> str:
        return self.story_url

    def title(self) -> str | None:
        return self.title_text or None

    def summary(self) -> str | None:
        """The h2 standfirst: the first h2 of the story that comes before its body."""
        for h2 in SUMMARY(self.container):
            if INSIDE_BODY(h2):
                break
            text = text_of(h2)
            if text and not BLOCK_HEADING_RE.match(text):
                return text
        return None

    def author(self) -> list[str | None]:
        """Byline name first, then a JSON-LD Person; wire stories have neither."""
        name = self.byline.split("Published", 1)[0]
        name = HANDLE_RE.sub(" ", UPDATED_RE.sub(" ", name))
        name = re.sub(r"^\s*by\s+", "", name, flags=re.I).strip(" |,-")
        jsonld_author = self.jsonld.get("author")
        authors = jsonld_author if isinstance(jsonld_author, list) else [jsonld_author]
        people = [
            a.get("name") for a in authors if isinstance(a, dict) and "Person" in jsonld_types(a)
        ]
        return [name or None, *(people if not self.byline else [])]

    def author_handle(self) -> str | None:
        match = HANDLE_RE.search(self.byline.split("Published", 1)[0])
        return match["handle"] if match else None

    def published_at(self) -> list[str | None]:
        """Byline date (what readers see) first, then JSON-LD, then a bare byline date."""
        return self.published_candidates

    def modified_at(self) -> list[str | None]:
        return [_byline_date(UPDATED_RE, self.byline), self.jsonld.get("dateModified")]

    def category(self) -> list[str | None]:
        """The name in "More Stories From <Category>", else the breadcrumb's last level."""
        heading = self._heading("more stories from", MORE_STORIES_RE)
        from_heading = MORE_STORIES_RE.match(text_of(heading)) if heading is not None else None
        return [
            from_heading["category"] if from_heading else None,
            self._jsonld_breadcrumb_category(),
            _last(BREADCRUMB_LINKS(self.root)),
        ]

    def dateline_place(self) -> str | None:
        return self.dateline["place"] if self.dateline else None

    def source_agency(self) -> str | None:
        if not self.dateline:
            return None
        inner = normalize_space(self.dateline["inner"])
        dated = DATELINE_DATE_RE.match(inner)
        return dated["agency"] if dated else inner

    def body(self) -> list[str]:
        """Paragraphs without the dateline prefix; the JSON-LD articleBody as a fallback."""
        paragraphs = list(self.paragraphs)
        if self.dateline:
            rest = normalize_space(self.dateline["rest"])
            paragraphs = ([rest] if rest else []) + paragraphs[1:]
        if not paragraphs and isinstance(self.jsonld.get("articleBody"), str):
            paragraphs = [p for p in self.jsonld["articleBody"].split("\n") if p.strip()]
        return paragraphs

    @cached_property
    def topic_links(self) -> list[tuple[str, str]]:
        """``(absolute url, name)`` of the "Related Topics" block's links on this site."""
        heading = self._heading("related topics", RELATED_TOPICS_RE)
        if heading is None:
            return []
        links = []
        for href, name in links_after(heading):
            absolute = urljoin(self.response.url, href)
            if name and self.site.owns(absolute) and page_kind(absolute) not in NOT_TOPICS:
                links.append((absolute, name))  # a topic page: not a story, author or Urdu page
        return links

    def related_topics(self) -> list[str]:
        return [name for _, name in self.topic_links]

    def image_url(self) -> list[str | None]:
        """JSON-LD image first: ``og:image`` is often only the site logo."""
        image = self.jsonld.get("image")
        if isinstance(image, list):
            image = image[0] if image else None
        if isinstance(image, dict):
            image = image.get("url") or image.get("contentUrl")
        og_values = OG_IMAGE(self.root)
        og = og_values[0] if og_values else None
        return [image if isinstance(image, str) else None, None if _is_logo(og) else og]

    # --- checks ----------------------------------------------------------------------
    def rejection(self) -> Rejected | None:
        """Why this page yields no item, or None when it is a story."""
        url = self.response.url
        if is_challenge(self.response):
            return Rejected("challenge", url)
        page_title = normalize_space(" ".join(PAGE_TITLE(self.root)))
        title = self.title()
        if self.body_element is None and (
            NOT_FOUND_RE.search(page_title) or NOT_FOUND_RE.search(title or "")
        ):
            return Rejected("not_found", url, title, story_id(url))
        story_url = self.url()
        looks_like_story = self.body_element is not None or self.jsonld or any(self.published_at())
        if not story_match(story_url) or not looks_like_story:
            return Rejected("not_article", url, title)
        if not title:
            return Rejected("missing_title", url, None, story_id(story_url))
        published = next(filter(None, map(parse_site_datetime, self.published_at())), None)
        if published is None:
            return Rejected("missing_published_at", url, title, story_id(story_url))
        if published > datetime.now(SITE_TZ) + MAX_CLOCK_AHEAD:
            return Rejected("future_published_at", url, title, story_id(story_url))
        return None

    def to_item(self) -> Story:
        loader = StoryLoader()
        story_url = self.url()
        loader.add_value("url", story_url)
        loader.add_value("article_id", story_id(story_url))
        loader.add_value("section", story_section(story_url))
        for name in (
            "title", "summary", "author", "author_handle", "published_at", "modified_at",
            "category", "dateline_place", "source_agency", "body", "related_topics", "image_url",
        ):  # fmt: skip
            loader.add_value(name, getattr(self, name)())
        return loader.load_item()

    def _jsonld_breadcrumb_category(self) -> str | None:
        headline = self.jsonld.get("headline")
        for obj in self.jsonld_all:
            if "BreadcrumbList" not in jsonld_types(obj):
                continue
            items = [i for i in obj.get("itemListElement") or [] if isinstance(i, dict)]
            names = [i.get("name") for i in items if isinstance(i.get("name"), str)]
            names = [n for n in names if n.strip().lower() != "home" and n != headline]
            return names[-1] if names else None
        return None


@dataclass(frozen=True)
class StoryResult:
    """What one fetched story URL gives: an item or a rejection, and the topics to crawl."""

    item: Story | None
    rejected: Rejected | None
    topic_urls: list[str]


def parse_story(response: Response, site: Site | None = None) -> StoryResult:
    """Parse a fetched story URL once: its ``Story`` (or why none) and its topic links."""
    if not isinstance(response, TextResponse) or not _declared_html(response):
        return StoryResult(None, Rejected("not_html", response.url), [])
    page = StoryPage(response, site)
    rejected = page.rejection()
    topics = [] if rejected and rejected.reason in ("challenge", "not_found") else page.topic_links
    item = None if rejected else page.to_item()
    return StoryResult(item, rejected, [url for url, _ in topics])


def story_or_rejection(response: Response, site: Site | None = None) -> Story | Rejected:
    """An ``Story`` for a story page, or ``Rejected`` with the reason it is not one."""
    result = parse_story(response, site)
    return result.item if result.item is not None else result.rejected  # type: ignore[return-value]


def _declared_html(response: Response) -> bool:
    """False when the server says the body is something else (PDF, image, JSON...)."""
    declared = response.headers.get(b"Content-Type", b"").split(b";")[0].strip().lower()
    return not declared or declared.startswith(b"text/") or b"html" in declared


def _byline_date(pattern: re.Pattern[str], byline: str) -> str | None:
    match = pattern.search(byline)
    if not match:
        return None
    return f"{match['date']} {match['time'] or ''}".strip()


def _is_logo(url: str | None) -> bool:
    return not url or "logo" in url.rsplit("/", 1)[-1].lower()


def _last(links: list[etree._Element]) -> str | None:
    names = [text_of(a) for a in links]
    names = [n for n in names if n and n.lower() != "home"]
    return names[-1] if names else None
