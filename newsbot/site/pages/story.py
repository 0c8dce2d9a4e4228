"""The story page: a response in, a ``Story`` (or the reason there is none) out.

``StoryPage`` is a page object in the web-poet manner: one method per field, each
testable on stored HTML without a network. Selectors are named constants; blocks
whose markup is only ASSUMED in ``docs/site.md`` are found by their visible heading.
Nothing here makes a request.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast
from urllib.parse import SplitResult, urljoin, urlsplit

from lxml import etree
from scrapy.http import HtmlResponse, Response, TextResponse
from w3lib.url import safe_url_string

from newsbot.cached import cached_property
from newsbot.items import Story
from newsbot.loaders import NORMALIZERS, build_story, normalize_field
from newsbot.site.challenge import is_challenge
from newsbot.site.encoding import readable
from newsbot.site.pages.html import (
    ALL_TEXT,
    MAX_HEADING_CHARS,
    OWN_TEXT_NODES,
    PageWalk,
    class_value_has,
    css,
    fragment_text,
    has_jsonld_type,
    heading_among,
    heading_by_text,
    links_after,
    may_hold,
    parse_jsonld,
    text_blocks,
    text_of,
    walk_page,
    xpath,
)
from newsbot.site.urls import (
    PageKind,
    Site,
    absolute_url,
    is_plain_url,
    normalize_story_id,
    page_kind,
    story_id,
    story_match,
    strip_query_and_fragment,
)
from newsbot.text.normalize import SITE_TZ, normalize_space, parse_site_datetime

# --- Selectors (REAL unless marked), compiled once -------------------------------------
CONTAINER_CLASS = "news_article"
STORY_CONTAINER = css(f"div.{CONTAINER_CLASS}")
TITLE = css("h1")
SUMMARY = css("h2")
BODY_CLASS = "detail_txt"
BODY_CANDIDATES = (
    css(f"div.{BODY_CLASS}"),
    css('[itemprop="articleBody"]'),
    css("article div.content"),
)
INSIDE_BODY = xpath(f"ancestor::*[contains(concat(' ', @class, ' '), ' {BODY_CLASS} ')]")
BYLINE_CLASS = "article-date"
BYLINE_SPANS = css(f"span.{BYLINE_CLASS}")
#: Elements whose own text says "Published": the byline, found without its class.
PUBLISHED_ELEMENTS = xpath(".//*[text()[contains(., 'Published')]]")
FOLLOWING_P = xpath("following::p[1]")
BREADCRUMB_CLASS_PART = "bread"
#: ASSUMED markup: a fallback for the category.
BREADCRUMB_LINKS = css(f"[class*={BREADCRUMB_CLASS_PART}] a")
CANONICAL = css('link[rel="canonical"]::attr(href)')
OG_IMAGE = css('meta[property="og:image"]::attr(content)')
OG_TITLE = css('meta[property="og:title"]::attr(content)')
META_PUBLISHED = css('meta[property="article:published_time"]::attr(content)')
META_MODIFIED = css('meta[property="article:modified_time"]::attr(content)')
PAGE_TITLE = xpath("//title//text()")
TEXT_NODES = xpath(".//text()")
JSONLD_SCRIPT_TYPE = "application/ld+json"
#: The elements the selectors above look for by tag: the page is walked once for them
#: all (``PageIndex``), where each selector run alone walked the whole tree again.
INDEX_TAGS = ("meta", "link", "title", "script", "h1", "h2", "span", "div")
#: ``<meta property>`` values read, and the ``rel`` of the canonical link.
META_PROPERTIES = frozenset(
    {"og:image", "og:title", "article:published_time", "article:modified_time"}
)


#: Pieces of the block headings' words in their usual casings ("Related Topics", "MORE
#: STORIES FROM"): text nodes holding none of them are not headings we look for.
HEADING_FRAGMENTS = ("elated", "ELATED", "tories", "TORIES")
STORY_JSONLD_TYPES = frozenset(
    {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle"}
)
_PERSON = frozenset({"Person"})
_BREADCRUMB_LIST = frozenset({"BreadcrumbList"})

#: ``<title>`` is ``<headline> - UrduPoint`` (REAL); without the suffix it is not a headline.
SITE_SUFFIX_RE = re.compile(r"\s+[-|\u2013\u2014]\s*Urdu\s?Point\b.*$", re.I)
#: A byline is a short line; climbing past this many characters reaches other blocks.
MAX_BYLINE_CHARS = 300
#: The structural body: levels climbed from the h1, and the words that make a body.
STRUCTURE_MAX_LEVELS = 4
STRUCTURE_MIN_WORDS = 10
#: Fields without which there is no story: an error reading them is a parse_error.
REQUIRED_FIELDS = frozenset({"title", "published_at", "body"})

#: Runs of opening or closing tags with only whitespace between them, long enough to
#: matter for the parser's depth limit (a page 64 wrappers deep is already absurd).
DEEP_OPENERS_RE = re.compile(r"(?:<(?:div|span|section|article|main|p)\b[^<>]*>\s*){64,}", re.I)
DEEP_CLOSERS_RE = re.compile(r"(?:</(?:div|span|section|article|main|p)\s*>\s*){64,}", re.I)

#: A story dated further ahead than this is refused: a wrong date, not a scoop.
MAX_CLOCK_AHEAD = timedelta(days=1)
#: Links in the "Related Topics" block that cannot be topic pages.
NOT_TOPICS = frozenset({PageKind.STORY, PageKind.AUTHOR, PageKind.FOREIGN})

# --- Visible text patterns ----------------------------------------------------------
RELATED_TOPICS_RE = re.compile(r"^related topics\W*$", re.I)
MORE_STORIES_RE = re.compile(r"^more stories from\s+(?P<category>.+?)\W*$", re.I)
BLOCK_HEADING_RE = re.compile(r"^(related topics|recent stories|more stories from\b)", re.I)
#: ``Published December 30, 2022 | 03:20 PM`` (REAL); the time may be missing, or written
#: on the 24-hour clock (``| 15:20``), which is read as such, not as midnight.
#: The month's letters are taken possessively (``{3,9}+``): what follows them must be a dot
#: or a space, never a letter, so giving one back never made a match; it made the engine
#: retry the rest up to six times at every letter of the line (half a byline's search).
PUBLISHED_RE = re.compile(
    r"Published(?:\s+on)?\s*:?\s*(?P<date>[A-Za-z]{3,9}+\.?\s+\d{1,2},?\s+\d{4})"
    r"(?:\s*(?:\||,|at|-)?\s*(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?\s*[Mm]\.?)?))?"
)
UPDATED_RE = re.compile(
    r"(?:Last\s+)?Updated(?:\s+on)?\s*:?\s*(?P<date>[A-Za-z]{3,9}+\.?\s+\d{1,2},?\s+\d{4})"
    r"(?:\s*(?:\||,|at|-)?\s*(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?\s*[Mm]\.?)?))?"
)


def _without_updated(text: str) -> str:
    """``UPDATED_RE.sub(" ", text)``; a text without the word (most bylines) is given back
    without the regular expression's scan: every match holds "Updated", cased so."""
    return UPDATED_RE.sub(" ", text) if "Updated" in text else text


#: A byline date without the word "Published" (a layout we have not seen yet); the month's
#: letters possessive as in ``PUBLISHED_RE``.
BARE_DATE_RE = re.compile(
    r"(?P<date>[A-Za-z]{3,9}+\.?\s+\d{1,2},?\s+\d{4})"
    r"(?:\s*(?:\||,|at|-)?\s*(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?\s*[Mm]\.?)?))?"
)
#: A profile link on X (Twitter): ``https://twitter.com/ChaudhryMAli88``, ``x.com/...``.
SOCIAL_PROFILE_RE = re.compile(
    r"^(?:https?:)?//(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:#!/)?@?(?P<handle>[A-Za-z0-9_]{1,30})"
    r"/?(?:[?#].*)?$",
    re.I,
)
#: Paths of those sites that are no one's profile.
SOCIAL_NON_PROFILES = frozenset({"intent", "share", "home", "i", "search", "hashtag", "login"})
HANDLE_RE = re.compile(r"\(?\s*(?P<handle>@[A-Za-z0-9_]{1,30})\s*\)?")
#: ``Moscow, (UrduPoint / Pakistan Point News - 30th Dec, 2022 ) :Text`` (REAL).
DATELINE_RE = re.compile(
    r"^(?P<place>[^()\n]{1,60}?)\s*,?\s*\((?P<inner>[^()]{2,120})\)\s*:\s*(?P<rest>.*)$", re.S
)
DATELINE_DATE_RE = re.compile(r"^(?P<agency>.*\S)\s+-\s+(?P<date>[^-]*\d{4})\s*$")
#: A date written after the place (the wire agencies' form): not part of the place.
PLACE_DATE_RE = re.compile(
    r",?\s+(?:[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?)"
    r"(?:,?\s+\d{4})?\s*$"
)
#: Drop reasons of a failed fetch: the story is not remembered as seen, the next run asks again.
RETRIED = frozenset({"empty", "truncated"})
#: A page shorter than this with no text outside its tags is empty (a 200 with nothing).
EMPTY_BYTES = 2048
#: How much of a page's end is searched for ``</body>``/``</html>``.
TAIL_BYTES = 8192
_TAG_RE = re.compile(rb"<[^>]*>")
NOT_FOUND_RE = re.compile(r"\b(page not found|404|not found)\b", re.I)


@dataclass(frozen=True)
class Rejected:
    """A fetched story URL that yields no item, and why (a ``newsbot/dropped/`` reason)."""

    reason: str
    url: str
    title: str | None = None
    article_id: str | None = None
    #: The story this one became (``redirected_to_story``), named in its drop record.
    duplicate_of: str | None = None


#: Who wins when a field's signals disagree: the first signal of its list that gave a value.
#: The page's known markup first (what readers see, in the place we know); then JSON-LD
#: (the publisher's own data, independent of the markup); then ``meta`` tags; then what
#: needs no class name at all (visible text patterns, the page's structure): guesses that
#: survive a redesign but read less precisely.
SIGNAL_ORDER: dict[str, tuple[str, ...]] = {
    "title": ("h1", "jsonld", "og", "title_tag"),
    "summary": ("h2",),
    "author": ("byline", "jsonld", "byline_text"),
    "author_handle": ("byline", "byline_text"),
    "published_at": ("byline", "jsonld", "meta", "byline_text", "byline_date"),
    "modified_at": ("byline", "jsonld", "meta"),
    "category": ("more_stories", "jsonld", "breadcrumb"),
    "body": ("container", "structure", "jsonld"),
    "dateline_place": ("dateline",),
    "source_agency": ("dateline",),
    "related_topics": ("heading",),
    "image_url": ("jsonld", "og"),
}
#: Each field's ``_<field>_signals`` method name, built once (not an f-string a field).
_SIGNALS_METHOD = {name: f"_{name}_signals" for name in SIGNAL_ORDER}
#: Signals read only to check the winner (they never give the value): their absence on a
#: page means nothing, but a different value means one of the two readings is wrong.
CHECK_ONLY = {"modified_at": ("meta",)}
#: The fields holding a date and time.
DATE_FIELDS = frozenset({"published_at", "modified_at"})
#: A time of day in a raw date signal (``03:20 PM``, ``T15:20:00``); without one, a date only.
TIME_OF_DAY_RE = re.compile(r"\d:\d\d")
#: Fields whose comparison ignores case (headlines are title-cased in one place, not another).
CASELESS = frozenset({"title", "author", "category"})


@dataclass(frozen=True)
class Problem:
    """Something wrong on a page that cost a field, not the story: a warning and a counter.

    ``key`` is the stats key under ``newsbot/`` (``fields/modified_at/invalid``).
    """

    key: str
    message: str


@dataclass
class FieldReport:
    """How a page's fields were read: what the spider turns into stats and warnings.

    ``sources``: field -> the signal that gave its value (fields without a value are absent);
    ``disagreements``: field -> the signals whose value differed from the winner's;
    ``problems``: bad optional parts (left null) and canonical URLs not trusted.
    """

    sources: dict[str, str] = field(default_factory=dict)
    disagreements: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class StoryPage:
    """Field extractors for one story page, each field read from redundant signals.

    Works on the page's lxml tree (parsed once, by Scrapy) with selectors compiled
    once; a part several fields need (container, byline, dates) is computed once.

    Every field is read from the page's structure and, where the page carries it, from a
    second independent signal (``SIGNAL_ORDER``): JSON-LD (``headline``, ``datePublished``,
    ``dateModified``, ``author``, ``image``, ``articleBody``), ``meta`` tags (``og:``,
    ``article:``), visible text patterns (the "Published ... | ..." byline) and, for the
    body, the paragraphs between the headline block and the "Related Topics" heading,
    which need no class name. The order of reliability: known markup, then JSON-LD, then
    meta tags, then text patterns and structure. A disagreement is reported, never
    resolved by majority: the more reliable signal wins. A renamed class costs the
    signal that named it, not the field.
    """

    def __init__(
        self, response: TextResponse, site: Site | None = None, *, challenged: bool | None = None
    ):
        self.response = response
        #: ``is_challenge(response)`` when the caller has asked already (None: not asked).
        self._challenged = challenged
        self.site = site or Site.from_base_url(response.url)
        self.root: etree._Element = page_tree(response)
        self.report = FieldReport()
        self._resolved: dict[str, Any] = {}
        #: Each resolved field's value as the item holds it (normalized once).
        self._normalized: dict[str, Any] = {}
        #: ``_within_container``'s answers, by element.
        self._within_known: dict[etree._Element, bool] = {}

    def _problem(self, key: str, message: str) -> None:
        self.report.problems.append(Problem(key, f"{message} at {self.response.url}"))

    # --- page-level parts, computed once --------------------------------------------
    @cached_property
    def _walk(self) -> PageWalk:
        return walk_page(self.root, INDEX_TAGS, BREADCRUMB_CLASS_PART, HEADING_FRAGMENTS)

    @cached_property
    def tags(self) -> dict[str, list[etree._Element]]:
        """The page's elements of ``INDEX_TAGS``, by tag: the selectors' one walk."""
        return self._walk.tags

    @cached_property
    def breadcrumb_links(self) -> list[etree._Element]:
        """``BREADCRUMB_LINKS``' elements, from the walk: links inside a ``bread`` class."""
        crumbs = self._walk.classed
        if not crumbs:
            return []
        if len(crumbs) > 1:  # nested or several: the selector orders and merges them
            return cast(list[etree._Element], BREADCRUMB_LINKS(self.root))
        return [link for link in crumbs[0].iter("a") if link is not crumbs[0]]

    @cached_property
    def lowered_text(self) -> bytes:
        """All the page's text in UTF-8, its ASCII letters lower-cased: ``may_hold``'s
        haystack (``bytes.lower`` of the encoded text costs a third of ``str.lower``)."""
        return cast(str, ALL_TEXT(self.root)).encode("utf-8", "surrogatepass").lower()

    def _in_container(self, found: list[etree._Element]) -> list[etree._Element]:
        """Those of ``found`` (index elements, in document order) in the container."""
        if self.container is self.root:
            return found
        return [element for element in found if self._within_container(element)]

    def _within_container(self, element: etree._Element) -> bool:
        """``within(element, self.container)``, each element met on the way up remembered
        with the answer: the h1, the h2 and the byline's spans share most of their
        ancestors, which ``within`` walked (a new proxy for each) once per element. The
        memo holds the page's own elements, at most all of them, for the page's life."""
        container = self.container
        known = self._within_known
        climbed = []
        node: etree._Element | None = element
        while node is not None:
            if node is container:
                inside = True
                break
            answer = known.get(node)
            if answer is not None:
                inside = answer
                break
            climbed.append(node)
            node = node.getparent()
        else:
            inside = False
        for node in climbed:
            known[node] = inside
        return inside

    @cached_property
    def _known_divs(self) -> tuple[etree._Element | None, etree._Element | None]:
        """The first ``div.news_article`` and the first ``div.detail_txt``, from the index: one
        loop reads each div's class once for both (two loops read the same divs twice)."""
        container = body = None
        for div in self.tags["div"]:
            value = div.get("class")
            if not value:
                continue
            if container is None and class_value_has(value, CONTAINER_CLASS):
                container = div
            if body is None and class_value_has(value, BODY_CLASS):
                body = div
            if container is not None and body is not None:
                break
        return container, body

    @cached_property
    def container(self) -> etree._Element:
        """``STORY_CONTAINER``'s first match, else the whole page."""
        container = self._known_divs[0]
        return self.root if container is None else container

    @cached_property
    def body_element(self) -> etree._Element | None:
        """The body's known container (``div.detail_txt`` and the usual alternatives)."""
        body = self._known_divs[1]  # BODY_CANDIDATES[0], from the index
        if body is not None:
            return body
        for selector in BODY_CANDIDATES[1:]:
            found = selector(self.root)
            if found:
                return found[0]
        return None

    @cached_property
    def headline_element(self) -> etree._Element | None:
        """The story's h1: the first, unless there are several and another one is the
        headline JSON-LD or ``og:title`` names (a "Breaking" label may be an h1 too)."""
        headings = self._in_container(self.tags["h1"])
        if len(headings) < 2:
            return headings[0] if headings else None
        named = {
            normalize_space(name).casefold()
            for name in (self._jsonld_text("headline"), self._meta("og:title"))
            if name
        }
        for heading in headings:
            if text_of(heading).casefold() in named:
                return heading
        return headings[0]

    @cached_property
    def meta(self) -> dict[str, str]:
        """``META_PROPERTIES`` -> the first ``content`` given (``meta[property=...]::attr``)."""
        found: dict[str, str] = {}
        for meta in self.tags["meta"]:
            name = meta.get("property")
            if name in META_PROPERTIES and name not in found:
                content = meta.get("content")
                if content is not None:
                    found[name] = content
        return found

    @cached_property
    def page_title(self) -> str:
        """The ``<title>``'s text, whitespace-normalized (``PAGE_TITLE``)."""
        titles = self.tags["title"]
        if not titles:
            return ""
        if len(titles) > 1:
            texts = PAGE_TITLE(self.root)
        elif len(titles[0]):  # a comment inside: its text nodes around it
            texts = TEXT_NODES(titles[0])
        else:  # the usual title, a leaf: its one text node, without an XPath evaluation
            texts = [titles[0].text] if titles[0].text else []
        return normalize_space(" ".join(texts))

    @cached_property
    def heading_texts(self) -> list[tuple[etree._Element, str]]:
        """Texts that may be a block heading, in their usual casings (``candidate_texts``)."""
        return self._walk.texts

    def _heading(self, needle: str, pattern: re.Pattern[str]) -> etree._Element | None:
        """A block's heading: among the usual casings first, then in any casing."""
        found = heading_among(self.heading_texts, needle, pattern)
        if found is not None or not may_hold(self.lowered_text, needle):
            return found
        return heading_by_text(self.root, needle, pattern)

    @cached_property
    def jsonld_all(self) -> list[dict[str, Any]]:
        problems: list[str] = []
        texts = [
            text
            for script in self.tags["script"]
            if _is_jsonld_type(script.get("type"))
            for text in _own_text_nodes(script)
        ]
        objects = parse_jsonld(texts, problems)
        for problem in problems:
            self._problem("jsonld/invalid", f"Ignored {problem}")
        return objects

    @cached_property
    def jsonld(self) -> dict[str, Any]:
        """The page's NewsArticle JSON-LD (its position among the scripts varies); of
        several, the first that names no other story than this one (its URL in
        ``mainEntityOfPage``, ``url`` or ``@id``): a related story's, placed first, gave
        the story its date, image and author, silently."""
        found = [obj for obj in self.jsonld_all if has_jsonld_type(obj, STORY_JSONLD_TYPES)]
        if len(found) < 2:
            return found[0] if found else {}
        own = story_id(self.response.url)
        for obj in found:
            named = _jsonld_story_ids(obj)
            if not named or own in named:
                return obj
        return found[0]

    def _jsonld_text(self, key: str) -> str | None:
        """A JSON-LD string value as visible text (markup and entities decoded once)."""
        value = self.jsonld.get(key)
        return fragment_text(value) or None if isinstance(value, str) else None

    def _meta(self, name: str) -> str | None:
        return self.meta.get(name)

    @cached_property
    def byline(self) -> str:
        """The byline's spans as one line: ``Name (@handle) Published <date> | <time>``."""
        return normalize_space(" ".join(text_of(span) for span in self.byline_spans))

    @cached_property
    def byline_spans(self) -> list[etree._Element]:
        """``BYLINE_SPANS`` in the container, else anywhere on the page."""
        # The class's name as a substring first (C): most spans have another class or none.
        # A class attribute that is the name alone (the usual byline) is the class, without
        # reading the attribute again and splitting it.
        anywhere = [
            span
            for span in self.tags["span"]
            if BYLINE_CLASS in (value := span.get("class") or "")
            and (value == BYLINE_CLASS or class_value_has(value, BYLINE_CLASS))
        ]
        return self._in_container(anywhere) or anywhere

    @cached_property
    def linked_handle(self) -> str | None:
        """The author's handle as the byline's ``twitter.com/<handle>`` or ``x.com/<handle>``
        link names it: the visible text may drop the "@" (``(ChaudhryMAli88)``)."""
        block = self.byline_block[0]
        roots = self.byline_spans or ([block] if block is not None else [])
        for root in roots:
            for link in root.iter("a"):
                match = SOCIAL_PROFILE_RE.match((link.get("href") or "").strip())
                if match and match["handle"].lower() not in SOCIAL_NON_PROFILES:
                    return f"@{match['handle']}"
        return None

    @cached_property
    def _byline_published(self) -> re.Match[str] | None:
        """``PUBLISHED_RE.search(self.byline)``: asked by the fallback (``byline_block``) and
        by the date's first signal, searched once."""
        return PUBLISHED_RE.search(self.byline) if self.byline else None

    @cached_property
    def byline_text(self) -> str:
        """``byline_block``'s line."""
        return self.byline_block[1]

    @cached_property
    def byline_block(self) -> tuple[etree._Element | None, str]:
        """The byline found by its words, whatever its classes: the block around "Published".

        From the element whose own text says "Published <date>", up to the smallest
        ancestor that has text before it (the name), never one holding the headline. Read
        only when the byline's spans hold no "Published <date>": it is their fallback, and
        the same words (JSON-LD is the independent check when they are).
        """
        if self._byline_published is not None:
            return None, ""
        for element in PUBLISHED_ELEMENTS(self.container):
            line = text_of(element)
            if not PUBLISHED_RE.search(line):
                continue
            for _ in range(3):
                if line.split("Published", 1)[0].strip():
                    break
                parent = element.getparent()
                if parent is None or parent is self.container or TITLE(parent):
                    break
                parent_line = text_of(parent)
                if len(parent_line) > MAX_BYLINE_CHARS:
                    break
                element, line = parent, parent_line
            return element, line
        return None, ""

    @cached_property
    def paragraphs(self) -> list[str]:
        """The body's paragraphs, from the first signal that has them."""
        return self.body_signal[1]

    @cached_property
    def body_signal(self) -> tuple[str | None, list[str]]:
        """``(signal, paragraphs)``: the container's, else the structure's, else JSON-LD's.

        An empty container (a video story, or a body rendered by script) is not replaced
        by the structure's paragraphs, which would then be whatever follows the headline;
        JSON-LD's ``articleBody`` still fills it when the page has one.
        """
        if self.body_element is not None:
            paragraphs = text_blocks(self.body_element)
            if paragraphs:
                return "container", paragraphs
        else:
            structural = self._structural_body()
            if structural:
                return "structure", structural
        article_body = self.jsonld.get("articleBody")
        if isinstance(article_body, str):
            lines = [fragment_text(p) for p in article_body.split("\n")]
            if any(lines):
                return "jsonld", [p for p in lines if p]
        return ("container" if self.body_element is not None else None), []

    def _structural_body(self) -> list[str]:
        """The body without its class: paragraphs after the headline block, up to the end.

        The headline block ends with the last of the h1, the byline and the standfirst;
        the walk climbs from the h1 to the ancestor that holds text after it and stops at
        the first block heading ("Related Topics", "Recent Stories", "More Stories From");
        ads, share widgets, scripts and ad labels are left out as in any body.
        """
        headline = self.headline_element
        if headline is None:
            return []
        # The byline and standfirst end the headline block when they come before the first
        # paragraph (an h2 further down is some other block's heading).
        marker = headline
        first_paragraph = next(iter(FOLLOWING_P(headline)), None)
        for element in (*PUBLISHED_ELEMENTS(self.container)[:1], *SUMMARY(self.container)[:1]):
            if _follows(element, marker) and (
                first_paragraph is None or _follows(first_paragraph, element)
            ):
                marker = element
        node = headline.getparent()
        for _ in range(STRUCTURE_MAX_LEVELS):
            if node is None:
                return []
            blocks = text_blocks(node, start_after=marker)
            if sum(len(b.split()) for b in blocks) >= STRUCTURE_MIN_WORDS:
                return blocks
            node = node.getparent()
        return []

    @cached_property
    def dateline(self) -> re.Match[str] | None:
        if not self.paragraphs:
            return None
        return DATELINE_RE.match(self.paragraphs[0])

    @cached_property
    def story_url(self) -> str:
        """The URL the story was fetched at (after redirects), or its canonical form.

        The id is the fetched URL's. A ``rel=canonical`` naming the same story on this
        site (tracking parameters, scheme, ``www.`` aside) gives the URL; one naming
        another story, another host or no story is reported and never trusted: a page
        could otherwise replace another story, or send its own anywhere.
        """
        fetched = strip_query_and_fragment(self.response.url)
        canonical = next(
            (
                href
                for link in self.tags["link"]
                if link.get("rel") == "canonical" and (href := link.get("href")) is not None
            ),
            None,
        )  # CANONICAL's first value
        if canonical is None:
            return fetched
        fetched_id = story_id(fetched)
        try:
            absolute = absolute_url(self.response.url, canonical.strip())
            if absolute == fetched:  # the usual link, to the page itself: its id is known
                if fetched_id is not None and self.site.owns(absolute):
                    return strip_query_and_fragment(absolute)
            else:
                absolute = _requestable(absolute)
                if (
                    self.site.owns(absolute)
                    and story_match(absolute)
                    and urlsplit(absolute).username is None  # no "user:password@" in a feed
                    and story_id(absolute) == fetched_id
                ):
                    return strip_query_and_fragment(absolute)
        except ValueError:  # "https://[host/...": no URL (the checks read it: no catch there)
            absolute = canonical.strip()
        if fetched_id is not None:
            self._problem(
                "canonical/disagree",
                f"Ignored rel=canonical {absolute[:200]!r} (not story {fetched_id} on this site)",
            )
        return fetched

    @cached_property
    def _story_match(self) -> re.Match[str] | None:
        """``story_match(self.url())``: the checks and the item (its id, its section) ask
        it of the same URL, matched once."""
        return story_match(self.url())

    @cached_property
    def _story_id(self) -> str | None:
        """``story_id(self.url())``, of the one match."""
        match = self._story_match
        return normalize_story_id(match["id"]) if match else None

    # --- signals per field: (signal, raw value) in SIGNAL_ORDER ------------------------
    def _title_signals(self) -> list[tuple[str, Any]]:
        page_title = self.page_title
        suffixed = SITE_SUFFIX_RE.search(page_title)
        return [
            ("h1", text_of(self.headline_element) or None),
            ("jsonld", self._jsonld_text("headline")),
            ("og", self._meta("og:title")),
            ("title_tag", page_title[: suffixed.start()] if suffixed else None),
        ]

    def _summary_signals(self) -> list[tuple[str, Any]]:
        """The h2 standfirst: the first h2 of the story that comes before its body."""
        for h2 in self._in_container(self.tags["h2"]):  # SUMMARY
            if _inside_body(h2):
                break
            text = text_of(h2)
            if text and not BLOCK_HEADING_RE.match(text):
                return [("h2", text)]
        return []

    def _author_signals(self) -> list[tuple[str, Any]]:
        jsonld_author = self.jsonld.get("author")
        authors = jsonld_author if isinstance(jsonld_author, list) else [jsonld_author]
        people = [
            fragment_text(a["name"])
            for a in authors
            if isinstance(a, dict)
            and has_jsonld_type(a, _PERSON)
            and isinstance(a.get("name"), str)
        ]
        return [
            ("byline", _byline_name(self.byline, self.linked_handle)),
            ("jsonld", people[0] if people else None),
            ("byline_text", _byline_name(self.byline_text, self.linked_handle)),
        ]

    def _author_handle_signals(self) -> list[tuple[str, Any]]:
        return [
            ("byline", _byline_handle(self.byline) or (self.byline and self.linked_handle)),
            (
                "byline_text",
                _byline_handle(self.byline_text) or (self.byline_text and self.linked_handle),
            ),
        ]

    def _published_at_signals(self) -> list[tuple[str, Any]]:
        return [
            ("byline", _match_date(self._byline_published)),
            ("jsonld", self._jsonld_text("datePublished")),
            ("meta", self._meta("article:published_time")),
            ("byline_text", _byline_date(PUBLISHED_RE, self.byline_text)),
            ("byline_date", _byline_date(BARE_DATE_RE, _without_updated(self.byline))),
        ]

    def _modified_at_signals(self) -> list[tuple[str, Any]]:
        return [
            ("byline", _byline_date(UPDATED_RE, self.byline) if "Updated" in self.byline else None),
            ("jsonld", self._jsonld_text("dateModified")),
            ("meta", self._meta("article:modified_time")),
        ]

    def _category_signals(self) -> list[tuple[str, Any]]:
        """The name in "More Stories From <Category>", else the breadcrumbs."""
        heading = self._heading("more stories from", MORE_STORIES_RE)
        text = text_of(heading)  # its children's text too: maybe longer than its own
        from_heading = MORE_STORIES_RE.match(text) if 0 < len(text) <= MAX_HEADING_CHARS else None
        return [
            ("more_stories", from_heading["category"] if from_heading else None),
            ("jsonld", self._jsonld_breadcrumb_category()),
            ("breadcrumb", _last(self.breadcrumb_links)),
        ]

    def _image_url_signals(self) -> list[tuple[str, Any]]:
        """JSON-LD image first: ``og:image`` is often only the site logo."""
        image = self.jsonld.get("image")
        if isinstance(image, list):
            image = image[0] if image else None
        if isinstance(image, dict):
            image = image.get("url") or image.get("contentUrl")
        og = self._meta("og:image")
        return [
            ("jsonld", self._web_url(image if isinstance(image, str) else None)),
            ("og", None if _is_logo(og) else self._web_url(og)),
        ]

    def _web_url(self, value: str | None) -> str | None:
        """An absolute http(s) URL, or None (reported) for ``javascript:`` and the like."""
        if not value or not value.strip():
            return None
        href = value.strip()
        if href.isascii() and is_plain_url(href):  # no second parse (a new URL each page)
            return href
        try:
            absolute = _requestable(absolute_url(self.response.url, href))
            parts = urlsplit(absolute)
            if parts.scheme in ("http", "https") and parts.hostname and _port_ok(parts):
                return absolute
        except ValueError:  # "http://[bad": no URL; the field's next signal is read
            pass
        self._problem("fields/image_url/invalid", f"Ignored image URL {value[:100]!r}")
        return None

    # --- fields -----------------------------------------------------------------------
    def _resolve(self, name: str) -> Any:
        """The field's value: the first signal's that normalizes, by ``SIGNAL_ORDER``.

        The others are compared with it; each that differs is a disagreement. Resolved
        once per page: the checks and the item ask for some fields twice.
        """
        if name in self._resolved:
            return self._resolved[name]
        signals = getattr(self, _SIGNALS_METHOD[name])()
        self._resolved[name] = value = self._resolve_signals(name, signals)
        return value

    def _resolve_signals(self, name: str, signals: list[tuple[str, Any]]) -> Any:
        """The winner among ``signals`` (see ``_resolve``) and the signals that differ.

        A date field's signal that gives a date without a time ("Published December 30,
        2022") yields to a later one giving the same calendar date with a time: its
        midnight is no time of the story's. Agreeing on the date, it is no disagreement.
        """
        if name not in DATE_FIELDS and name not in CHECK_ONLY:
            return self._resolve_text_signals(name, signals)
        dated = name in DATE_FIELDS
        found: list[tuple[str, Any, Any]] = []
        checks = CHECK_ONLY.get(name, ())
        # ``normalize_field`` of a text field's string is ``normalize_space(raw) or None``:
        # asked here directly for most signals, and an absent signal (None) is skipped.
        plain_text = name not in NORMALIZERS
        for signal, raw in signals:
            if raw is None:
                continue
            if plain_text and type(raw) is str:
                value = normalize_space(raw) or None
            else:
                value = normalize_field(name, raw)
            if value is None:
                if raw is not None and dated:
                    self._problem(f"fields/{name}/invalid", f"Ignored {name} {str(raw)[:80]!r}")
                continue
            if found or signal not in checks:  # a check before any winner checks nothing
                found.append((signal, raw, value))
        if not found:
            return None
        winner = found[0]
        if dated and _date_only(winner[1]):
            winner = next(
                (
                    other
                    for other in found[1:]
                    if other[0] not in checks
                    and not _date_only(other[1])
                    and str(other[2])[:10] == str(winner[2])[:10]
                ),
                winner,
            )
        winner_date_only = dated and _date_only(winner[1])
        disagree = [
            signal
            for signal, raw, value in found
            if signal != winner[0]
            and not _same(name, winner[2], value, winner_date_only or (dated and _date_only(raw)))
        ]
        self._normalized[name] = winner[2]
        self.report.sources[name] = winner[0]
        if disagree:
            self.report.disagreements[name] = disagree
        return winner[1]

    def _resolve_text_signals(self, name: str, signals: list[tuple[str, Any]]) -> Any:
        """``_resolve_signals`` for a field that is no date and has no check-only signal
        (eight fields of ten): the first value wins, and each later one is compared as it
        comes, in one pass, with ``_same``'s test for text (case aside for ``CASELESS``)."""
        plain_text = name not in NORMALIZERS
        caseless = name in CASELESS
        winner: tuple[str, Any, Any] | None = None
        folded = ""
        disagree = []
        for signal, raw in signals:
            if raw is None:
                continue
            if plain_text and type(raw) is str:  # ``normalize_field``'s own shortcut
                value = normalize_space(raw) or None
            else:
                value = normalize_field(name, raw)
            if value is None:
                continue
            if winner is None:
                winner = (signal, raw, value)
                folded = str(value).casefold() if caseless else ""
            elif (
                signal != winner[0]
                and value != winner[2]
                and (not caseless or str(value).casefold() != folded)
            ):
                disagree.append(signal)
        if winner is None:
            return None
        self._normalized[name] = winner[2]
        self.report.sources[name] = winner[0]
        if disagree:
            self.report.disagreements[name] = disagree
        return winner[1]

    def url(self) -> str:
        return self.story_url

    # Each text field is ``_resolve`` typed by assignment: no ``cast`` call, no helper frame
    # between the field and its resolution (a field is asked two or three times a page).
    def title(self) -> str | None:
        text: str | None = self._resolve("title")
        return text

    def summary(self) -> str | None:
        text: str | None = self._resolve("summary")
        return text

    def author(self) -> str | None:
        text: str | None = self._resolve("author")
        return text

    def author_handle(self) -> str | None:
        text: str | None = self._resolve("author_handle")
        return text

    def published_at(self) -> str | None:
        text: str | None = self._resolve("published_at")
        return text

    def modified_at(self) -> str | None:
        """The last modification; null (reported) when it is before the publication: a
        date-only "Updated" line read as midnight, or a wrong value, is no modification."""
        value: str | None = self._resolve("modified_at")
        if value is None:
            return value
        modified = parse_site_datetime(self._normalized.get("modified_at"))
        if modified is not None and modified > datetime.now(SITE_TZ) + MAX_CLOCK_AHEAD:
            # No story is modified in the future (year 9999: a CMS's "never" placeholder).
            self._problem(
                "fields/modified_at/invalid",
                f"Ignored modified_at {self._normalized['modified_at']!r} (more than a day ahead)",
            )
            del self._normalized["modified_at"]
            self._resolved["modified_at"] = None
            return None
        if self.published_at() is None:
            return value
        published = parse_site_datetime(self._normalized.get("published_at"))
        if modified is None or published is None or modified >= published:
            return value
        self._problem(
            "fields/modified_at/before_published",
            f"Left modified_at null: {self._normalized['modified_at']} is before "
            f"published_at {self._normalized['published_at']}",
        )
        del self._normalized["modified_at"]
        self._resolved["modified_at"] = None
        return None

    def category(self) -> str | None:
        text: str | None = self._resolve("category")
        return text

    def dateline_place(self) -> str | None:
        text: str | None = self._resolve("dateline_place")
        return text

    def source_agency(self) -> str | None:
        text: str | None = self._resolve("source_agency")
        return text

    def _dateline_place_signals(self) -> list[tuple[str, Any]]:
        return [("dateline", self._dateline_part("place"))]

    def _source_agency_signals(self) -> list[tuple[str, Any]]:
        return [("dateline", self._dateline_part("agency"))]

    def _dateline_part(self, part: str) -> str | None:
        if not self.dateline:
            return None
        if part == "place":  # "Moscow" in "Moscow, Dec 30, 2022 (APP):" too
            return PLACE_DATE_RE.sub("", self.dateline["place"])
        inner = normalize_space(self.dateline["inner"])
        dated = DATELINE_DATE_RE.match(inner)
        return dated["agency"] if dated else inner

    def body(self) -> list[str]:
        """Paragraphs without the dateline prefix, from the first signal that has them.

        When the page's JSON-LD carries an ``articleBody`` too, it is compared (word
        sequences, one containing the other) and a difference is a disagreement.
        """
        signal, found = self.body_signal
        paragraphs = list(found)
        if self.dateline:
            rest = normalize_space(self.dateline["rest"])
            paragraphs = ([rest] if rest else []) + paragraphs[1:]
        if signal is None or not paragraphs:
            return paragraphs
        self.report.sources["body"] = signal
        article_body = self.jsonld.get("articleBody")
        if signal != "jsonld" and isinstance(article_body, str) and article_body.strip():
            ours = " ".join(" ".join(paragraphs).split())
            theirs = " ".join(fragment_text(article_body).split())
            if theirs not in ours and ours not in theirs:
                self.report.disagreements["body"] = ["jsonld"]
        return paragraphs

    @cached_property
    def topic_links(self) -> list[tuple[str, str]]:
        """``(absolute url, name)`` of the "Related Topics" block's links on this site."""
        heading = self._heading("related topics", RELATED_TOPICS_RE)
        if heading is None:
            return []
        links = []
        for href, name in links_after(heading):
            try:
                absolute, is_topic = self._topic_href(href)
            except ValueError:  # "http://[bad": no URL; it costs this topic, not the block
                continue
            if name and is_topic:
                links.append((absolute, name))
        return links

    def _topic_href(self, href: str) -> tuple[str, bool]:
        """``href`` made absolute, and whether it is one of this site's topic pages."""
        if len(href) <= MAX_CACHED_HREF and _BASE_FREE_HREF_RE.match(href) and self._origin[1]:
            absolute = _resolved(*self._origin, href)
        else:
            absolute = urljoin(self.response.url, href)
        if len(absolute) <= MAX_CACHED_HREF:
            return absolute, _topic_page(self.site, absolute)
        return absolute, _is_topic(self.site, absolute)

    @cached_property
    def _origin(self) -> tuple[str, str]:
        """The fetched URL's scheme and host: all ``_resolved`` needs of it."""
        fetched = urlsplit(self.response.url)
        return fetched.scheme, fetched.netloc

    def related_topics(self) -> list[str]:
        names = [name for _, name in self.topic_links]
        if names:
            self.report.sources["related_topics"] = "heading"
        return names

    def image_url(self) -> str | None:
        text: str | None = self._resolve("image_url")
        return text

    # --- checks ----------------------------------------------------------------------
    def rejection(self) -> Rejected | None:
        """Why this page yields no item, or None when it is a story."""
        url = self.response.url
        challenged = self._challenged
        if challenged is None:
            challenged = is_challenge(self.response)
        if challenged:
            return Rejected("challenge", url)
        page_title = self.page_title
        title = self.title()
        published_at = self.published_at()
        if (
            self.body_element is None
            and published_at is None
            and (NOT_FOUND_RE.search(page_title) or NOT_FOUND_RE.search(title or ""))
        ):
            return Rejected("not_found", url, title, story_id(url))
        matched = self._story_match  # the story URL, read (and any canonical reported) here
        # The body's known container, the story's JSON-LD or a date: paragraphs found by
        # structure alone are on every page (a listing has them too).
        looks_like_story = (
            self.body_element is not None or bool(self.jsonld) or published_at is not None
        )
        if matched is None or not looks_like_story:
            return Rejected("not_article", url, title)
        if not title:
            return Rejected("missing_title", url, None, self._story_id)
        published = parse_site_datetime(published_at)
        if published is None:
            return Rejected("missing_published_at", url, title, self._story_id)
        if published > datetime.now(SITE_TZ) + MAX_CLOCK_AHEAD:
            return Rejected("future_published_at", url, title, self._story_id)
        return None

    def to_item(self) -> Story:
        """The item. An optional field that fails to parse is left null and reported."""
        story_url = self.url()
        values: dict[str, Any] = {
            "url": story_url,
            "article_id": self._story_id,
            "section": self._story_match["section"].lower() if self._story_match else None,
        }
        for name in (
            "title", "summary", "author", "author_handle", "published_at", "modified_at",
            "category", "dateline_place", "source_agency", "body", "related_topics", "image_url",
        ):  # fmt: skip
            try:
                value = getattr(self, name)()
            except (RecursionError, ValueError, TypeError, KeyError, AttributeError) as exc:
                if name in REQUIRED_FIELDS:
                    raise
                self._problem(f"fields/{name}/error", f"Left {name} null ({type(exc).__name__})")
                continue
            values[name] = self._normalized.get(name, value)
        # The body's paragraphs and the topics' names are whitespace-normalized text
        # already (``text_blocks``, ``fragment_text``, ``text_of``).
        return build_story(values, frozenset((*self._normalized, "body", "related_topics")))

    def _jsonld_breadcrumb_category(self) -> str | None:
        headline = self.jsonld.get("headline")
        for obj in self.jsonld_all:
            if not has_jsonld_type(obj, _BREADCRUMB_LIST):
                continue
            items = obj.get("itemListElement")
            # The last item's name that counts, read from the end (the first ones never are).
            for item in reversed(items) if isinstance(items, list) else ():
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    name = fragment_text(item["name"])
                    if name and name.lower() != "home" and name != headline:
                        return name
            return None
        return None


@dataclass(frozen=True)
class StoryResult:
    """What one fetched story URL gives: an item or a rejection, and the topics to crawl.

    ``report`` says which signal gave each field, where signals disagreed, and the
    problems that cost a field (or, with ``parse_error``, the story).
    """

    item: Story | None
    rejected: Rejected | None
    topic_urls: list[str]
    report: FieldReport = field(default_factory=FieldReport)


_PARSERS = threading.local()

#: Hrefs whose absolute form depends only on the page's scheme and host, not its path:
#: root-relative (``/en/...``) or with scheme and host, each with a path or host that is
#: not empty once ``urlsplit`` drops tabs and newlines (``//?q`` takes the page's path).
_BASE_FREE_HREF_RE = re.compile(r"/[^/\t\r\n]|https?://[^/?#\t\r\n]", re.I)
#: Longer hrefs are resolved each time, never kept (a hostile page's would fill memory).
MAX_CACHED_HREF = 500


def _requestable(url: str) -> str:
    """``url`` as a client requests it (spaces, controls and non-ASCII characters
    percent-encoded, the host in IDNA): what Scrapy makes of every URL it fetches. A URL
    the page wrote with a space or a raw "é" was written so to the feed, where it is no
    URL; a canonical's Arabic-Indic digits, or a Kelvin sign read as "k", named a story.
    Raises ``ValueError`` for what is no URL (a port out of range)."""
    if url.isascii() and is_plain_url(url):  # nothing to encode
        return url
    return safe_url_string(url)


def _port_ok(parts: SplitResult) -> bool:
    """Whether the URL's port, if any, is a port (``parts.port`` raises otherwise)."""
    return parts.port is None or parts.port >= 0


def _is_topic(site: Site, absolute: str) -> bool:
    """A topic page of the site: not a story, an author or an Urdu page, nor elsewhere."""
    return site.owns(absolute) and page_kind(absolute) not in NOT_TOPICS


# The same topics are named by story after story (thousands of links to a few hundred
# topics in a run), and resolving and classifying a URL was most of a topic link's cost:
# both are kept for the last few thousand hrefs. An error is not kept: it is raised again.
@lru_cache(maxsize=8192)
def _resolved(scheme: str, netloc: str, href: str) -> str:
    """``urljoin(page url, href)`` for an href ``_BASE_FREE_HREF_RE`` matches, whose
    resolution uses only the page's scheme and host (its path, query and fragment not)."""
    return urljoin(f"{scheme}://{netloc}", href)


@lru_cache(maxsize=8192)
def _topic_page(site: Site, absolute: str) -> bool:
    return _is_topic(site, absolute)


def page_tree(response: TextResponse) -> etree._Element:
    """The page's lxml tree, built as Scrapy's ``response.selector`` builds it.

    For an ``HtmlResponse``: parsel's preparation of the text (stripped, NUL characters
    removed, ``<html/>`` when nothing is left) and its parser's options (recovering, huge
    trees), with one parser kept per thread instead of one made per page, and plain
    ``lxml.etree`` elements: ``lxml.html``'s element classes are looked up in Python for
    every element the parser hands out, a third of what reading a page's elements costs.
    The tree is the same; only what Scrapy would cache on the response is not built.
    Another ``TextResponse`` (text/plain, XML) gets the selector's own tree, whose kind
    parsel decides.
    """
    if not isinstance(response, HtmlResponse):
        return cast(etree._Element, response.selector.root)
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    body = _utf8_prepared(response)
    if body is None:
        body = response.text.strip().replace("\x00", "").encode("utf-8")
    root = etree.fromstring(body or b"<html/>", parser=parser)
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser)
    return cast(etree._Element, root)


#: The characters ``str.strip`` removes that are ASCII: bytes that strip a UTF-8 body alike.
_ASCII_SPACE = b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
#: First bytes of the byte order marks w3lib honours before any declared encoding.
_BOM_STARTS = frozenset(b"\xef\xfe\xff\x00")


def _utf8_prepared(response: TextResponse) -> bytes | None:
    """parsel's preparation of the text (stripped, NULs removed, UTF-8) taken from the
    body itself, without the three copies it costs: None when that may differ.

    The text is the body decoded as UTF-8 when the response says so, no byte order mark
    overrides it, and no byte was replaced (no U+FFFD in the text: the body is valid
    UTF-8, and encoding the text gives the body back). Without NULs, stripping it is
    stripping the body of ASCII whitespace, as long as what is left starts and ends with
    an ASCII character (a non-ASCII one may be a space ``str.strip`` removes too).
    """
    raw = response.body
    if response.encoding != "utf-8" or (raw and raw[0] in _BOM_STARTS) or b"\x00" in raw:
        return None
    if "\ufffd" in response.text:
        return None
    core = raw.strip(_ASCII_SPACE)
    if core and (core[0] >= 0x80 or core[-1] >= 0x80):
        return None
    return core


def parse_story(response: Response, site: Site | None = None) -> StoryResult:
    """Parse a fetched story URL once: its ``Story`` (or why none) and its topic links.

    Never raises for a page: one the parser cannot read at all is a ``parse_error``
    rejection, which goes on record like any drop.
    """
    if not isinstance(response, TextResponse) or not _declared_html(response):
        return StoryResult(None, Rejected("not_html", response.url), [])
    response = readable(response)  # the crawl's CharsetMiddleware did it: the same object
    challenged = is_challenge(response)  # asked once: the page's rejection reuses it
    failed = None if challenged else failed_fetch(response)
    if failed is not None:
        reason, why = failed
        report = FieldReport(problems=[Problem(f"pages/{reason}", f"{why} {response.url}")])
        failure = Rejected(reason, response.url, None, story_id(response.url))
        return StoryResult(None, failure, [], report)
    page = StoryPage(response, site, challenged=challenged)
    try:
        if page.body_element is None or not page.paragraphs:
            page = _flattened_if_too_deep(page, site)
        rejected = page.rejection()
        topics = (
            [] if rejected and rejected.reason in ("challenge", "not_found") else page.topic_links
        )
        item = None if rejected else page.to_item()
    except Exception as exc:  # a page broken in a way nobody foresaw
        page.report.problems.append(
            Problem("errors/parse", f"Could not parse {response.url}: {type(exc).__name__}: {exc}")
        )
        return StoryResult(None, Rejected("parse_error", response.url), [], page.report)
    return StoryResult(item, rejected, [url for url, _ in topics], page.report)


def failed_fetch(response: TextResponse) -> tuple[str, str] | None:
    """A page that is a failed fetch, not the server's verdict: its reason and log phrase.

    An empty 200 (a server restarting, a cache miss answered with nothing) or a page cut
    off cleanly (a correct Content-Length, so Scrapy sees no data loss, but no closing
    ``</body>`` nor ``</html>``) says nothing of the story: parsed, the one is dropped as
    ``not_article`` and remembered as seen, the other written with part of its body, both
    for good. Their reasons are in ``RETRIED``: not remembered, the next run asks again.
    Only the last few KB are searched for the closing tags (a 5 MB page costs nothing).
    """
    body = response.body
    if len(body) < EMPTY_BYTES and not _TAG_RE.sub(b"", body).strip():
        return "empty", "Empty page (retried next run):"
    if not _closes(body) and not _wide_closes(response):
        return "truncated", "Page cut off, no </body> nor </html> (retried next run):"
    return None


def _wide_closes(response: TextResponse) -> bool:
    """``_closes`` of a UTF-16 or UTF-32 page's text: its bytes hold no ASCII ``</body``
    (each character is two or four bytes), and a whole page was refused as cut off, run
    after run, until given up. Asked only of a page whose bytes do not close."""
    if not response.encoding.startswith(("utf-16", "utf-32")):
        return False
    return _closes(response.text[-TAIL_BYTES:].encode("utf-8"))


def _closes(body: bytes) -> bool:
    """Whether the last ``TAIL_BYTES`` of ``body`` hold ``</body`` or ``</html`` in any casing.

    The usual lower-case tag is looked for in place first: lowering a copy of the tail
    (8 KB) cost more than the rest of ``failed_fetch``; only a page without it pays that.
    """
    start = max(0, len(body) - TAIL_BYTES)
    if body.rfind(b"</body", start) >= 0 or body.rfind(b"</html", start) >= 0:
        return True
    tail = body[-TAIL_BYTES:].lower()
    return b"</body" in tail or b"</html" in tail or _closed_before_a_trailer(body)


def _closed_before_a_trailer(body: bytes) -> bool:
    """Whether ``body`` closes earlier and all after its last ``</body``/``</html`` is a
    trailer no reader sees (``_TRAILER_RE``): more than ``TAIL_BYTES`` of spaces, comments
    or scripts after ``</html>`` (an analytics tag, a CDN's injection) made a whole page a
    ``truncated`` drop, asked again run after run, then given up.

    The last closing tag, not any: a page cut by a failed fetch after a tag may hold
    ``</body>`` earlier, in a script's string or a conditional comment of its head, and
    what follows that is the page itself (markup a reader sees), never a trailer. Asked
    only of a page that fails the tail's test: the whole body is lowered then.
    """
    if not body.rstrip(b" \t\r\n\x0b\x0c\x00").endswith(b">"):
        return False
    lowered = body.lower()
    last = max(lowered.rfind(b"</body"), lowered.rfind(b"</html"))
    return last >= 0 and _TRAILER_RE.match(lowered, last) is not None


#: What may follow a page's end and be no part of it: closing body/html tags, spaces (and
#: NULs), comments, and script, style or noscript elements. Possessive (``*+``): a long
#: trailer is read once, never backtracked into (a hostile one holds many closers).
_TRAILER_RE = re.compile(
    rb"(?:[ \t\r\n\x0b\x0c\x00]++|<!--.*?-->|</?(?:body|html)\b[^>]*+>"
    rb"|<(script|style|noscript)\b[^>]*+>.*?</\1\s*+>)*+\Z",
    re.S,
)


def _flattened_if_too_deep(page: StoryPage, site: Site | None) -> StoryPage:
    """The page again without its runs of bare wrapper tags, when it has such runs.

    libxml2 stops parsing at 2048 levels: a body wrapped in 10,000 ``<div>`` is cut off
    with the rest of the page, where a browser shows it. Only a page whose body was not
    found is searched for such runs (a regular expression over the whole text), and only
    runs of tags with nothing but whitespace between them are removed, both the openers
    and the closers, so what they wrapped keeps its place and its text.
    """
    text = page.response.text
    if not DEEP_OPENERS_RE.search(text):
        return page
    flat = DEEP_CLOSERS_RE.sub("", DEEP_OPENERS_RE.sub("", text))
    flattened = StoryPage(page.response.replace(body=flat.encode("utf-8"), encoding="utf-8"), site)
    flattened.report = page.report
    flattened._problem(
        "html/too_deep",
        "Removed runs of 64 or more nested wrapper tags (the parser stops at 2048 levels)",
    )
    return flattened


def story_or_rejection(response: Response, site: Site | None = None) -> Story | Rejected:
    """A ``Story`` for a story page, or ``Rejected`` with the reason it is not one."""
    result = parse_story(response, site)
    if result.item is not None:
        return result.item
    assert result.rejected is not None  # parse_story gives one or the other
    return result.rejected


def _same(name: str, a: Any, b: Any, date_only: bool = False) -> bool:
    """Whether two normalized values of a field say the same (dates to the minute; to the
    day when one of them gave no time)."""
    if name in DATE_FIELDS:
        if date_only:
            return str(a)[:10] == str(b)[:10]
        return str(a)[:16] == str(b)[:16] and str(a)[19:] == str(b)[19:]
    if name in CASELESS:
        return str(a).casefold() == str(b).casefold()
    return bool(a == b)


def _date_only(raw: Any) -> bool:
    """A raw date signal that names no time of day (``December 30, 2022``, ``2022-12-30``)."""
    return isinstance(raw, str) and TIME_OF_DAY_RE.search(raw) is None


def _inside_body(element: etree._Element) -> bool:
    """``INSIDE_BODY``'s test without an XPath evaluation (a context built per call): an
    ancestor whose class attribute, between spaces, holds `` detail_txt ``."""
    marker = f" {BODY_CLASS} "
    for ancestor in element.iterancestors():
        value = ancestor.get("class")
        if value is not None and marker in f" {value} ":
            return True
    return False


def _follows(element: etree._Element, other: etree._Element) -> bool:
    """Whether ``element`` starts after ``other`` ends, in document order."""
    if element is other:
        return False
    for ancestor in element.iterancestors():
        if ancestor is other:
            return False
    return _position(element) > _position(other)


def _position(element: etree._Element) -> tuple[int, ...]:
    path = []
    node = element
    parent = node.getparent()
    while parent is not None:
        path.append(parent.index(node))
        node, parent = parent, parent.getparent()
    return tuple(reversed(path))


def _own_text_nodes(script: etree._Element) -> list[str]:
    """``OWN_TEXT_NODES`` of a script: the parser gives a script's content as one text
    node (it holds no elements), so its ``.text`` is that list without an XPath call."""
    if len(script):
        return cast(list[str], OWN_TEXT_NODES(script))
    return [script.text] if script.text else []


def _jsonld_story_ids(obj: dict[str, Any]) -> set[str | None]:
    """The story ids a JSON-LD object's ``mainEntityOfPage``, ``url`` and ``@id`` name."""
    names = [obj.get("url"), obj.get("@id"), obj.get("mainEntityOfPage")]
    if isinstance(names[2], dict):
        names[2] = names[2].get("@id")
    ids = set()
    for name in names:
        if isinstance(name, str):
            try:
                ids.add(story_id(name.strip()))
            except ValueError:  # "http://[bad": names no story
                continue
    ids.discard(None)
    return ids


def _is_jsonld_type(kind: str | None) -> bool:
    """A script ``type`` naming JSON-LD: the usual spelling first; then in any case, with
    spaces or parameters (``application/LD+JSON; charset=utf-8``): a media type is read
    so by search engines, and the story's JSON-LD (its only date, on some pages) was lost."""
    if kind == JSONLD_SCRIPT_TYPE:
        return True
    return kind is not None and kind.split(";", 1)[0].strip().lower() == JSONLD_SCRIPT_TYPE


def _byline_name(line: str, linked_handle: str | None = None) -> str | None:
    """The name before "Published", without the handle: ``(@handle)``, or the handle the
    byline's profile link names, written with or without its "@" and brackets."""
    if not line:  # no byline (the fallback's, on most pages): nothing to clean
        return None
    name = line.split("Published", 1)[0]
    name = HANDLE_RE.sub(" ", _without_updated(name))
    if linked_handle:
        bare = re.escape(linked_handle.lstrip("@"))
        name = re.sub(rf"\(?\s*(?<![\w@]){bare}(?!\w)\s*\)?", " ", name, flags=re.I)
    name = _BY_PREFIX_RE.sub("", name).strip(" |,-")
    return name or None


#: "By " before a byline's name.
_BY_PREFIX_RE = re.compile(r"^\s*by\s+", re.I)


def _byline_handle(line: str) -> str | None:
    if not line:
        return None
    match = HANDLE_RE.search(line.split("Published", 1)[0])
    return match["handle"] if match else None


def _declared_html(response: Response) -> bool:
    """False when the server says the body is something else (PDF, image, JSON...)."""
    declared = (response.headers.get(b"Content-Type") or b"").split(b";")[0].strip().lower()
    return not declared or declared.startswith(b"text/") or b"html" in declared


def _byline_date(pattern: re.Pattern[str], byline: str) -> str | None:
    return _match_date(pattern.search(byline)) if byline else None


def _match_date(match: re.Match[str] | None) -> str | None:
    """A date pattern's match as the date signal's text: ``<date> <time>``."""
    if not match:
        return None
    return f"{match['date']} {match['time'] or ''}".strip()


def _is_logo(url: str | None) -> bool:
    return not url or "logo" in url.rsplit("/", 1)[-1].lower()


def _last(links: list[etree._Element]) -> str | None:
    """The last link's name that is not empty nor "Home": read from the end, so the links
    before it (the "Home" first) are never read."""
    for link in reversed(links):
        name = text_of(link)
        if name and name.lower() != "home":
            return name
    return None
