"""Generic markup helpers: paragraph blocks, headings found by their text, JSON-LD.

These know nothing of urdupoint's class names; ``article.py`` and ``listing.py`` hold
the site's selectors and use these to stay robust when the markup shifts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from lxml import etree
from parsel.csstranslator import HTMLTranslator

from newsbot.text.normalize import normalize_space

#: Tags that start and end a paragraph of their own.
BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol blockquote section article header footer aside "
    "figure figcaption table tr td th pre dl dt dd main nav form".split()
)
HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
#: Tags whose content is never text a reader sees as the story.
SKIP_TAGS = frozenset(
    "script style noscript iframe ins template svg button input select textarea object "
    "embed video audio img picture source canvas map head meta link".split()
)
#: ids and classes of ad slots and share widgets inside a body (REAL names plus the
#: common families they belong to), matched as whole words between ``_``/``-``.
AD_MARKER_RE = re.compile(
    r"(?:^|[\s_-])(?:ad|ads|advert\w*|adsbygoogle|teads\w*|gpt|dfp|googletag|outbrain|taboola"
    r"|sponsor\w*|social_sharer|sharer|share\w*)(?:$|[\s_-])",
    re.IGNORECASE,
)
#: A paragraph that is only an ad label.
AD_LABEL_RE = re.compile(r"^\W*(advertisement|advertisment|sponsored|ad)\W*$", re.IGNORECASE)
#: Headings that open what comes after a story; body text never goes past them.
AFTER_STORY_RE = re.compile(
    r"^(related topics|recent stories|more stories from\b.*|related news|read more)\W*$", re.I
)


def _is_skipped(node: etree._Element) -> bool:
    tag = node.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return True
    if tag.lower() in SKIP_TAGS:
        return True
    marker = f"{node.get('id', '')} {node.get('class', '')}".strip()
    return bool(marker) and bool(AD_MARKER_RE.search(marker))


def text_blocks(root: etree._Element) -> list[str]:
    """The paragraphs of a body element, in order, each whitespace-normalized.

    Block tags delimit paragraphs; inline text and tails join the paragraph they
    stand in. Ads, scripts, styles and ad labels are left out; a heading such as
    "Related Topics" ends the story.
    """
    blocks: list[str] = []
    current: list[str] = []
    stopped = False

    def flush() -> None:
        nonlocal stopped
        text = normalize_space(" ".join(current))
        current.clear()
        if not text or stopped:
            return
        if AFTER_STORY_RE.match(text):
            stopped = True
        elif not AD_LABEL_RE.match(text):
            blocks.append(text)

    def walk(node: etree._Element) -> None:
        if stopped or _is_skipped(node):
            return
        is_block = node.tag.lower() in BLOCK_TAGS
        if is_block:
            flush()
        if node.text:
            current.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                current.append(child.tail)
        if is_block:
            flush()

    walk(root)
    flush()
    return blocks


def css(selector: str) -> etree.XPath:
    """A CSS selector compiled once into an lxml XPath (parsel compiles at every call).

    Evaluated on an element, it searches that element and its descendants. Strings
    come back plain (no "smart strings" holding the whole tree alive).
    """
    return etree.XPath(_CSS.css_to_xpath(selector), smart_strings=False)


def xpath(expression: str) -> etree.XPath:
    """An XPath expression compiled once."""
    return etree.XPath(expression, smart_strings=False)


_CSS = HTMLTranslator()
_TEXT_NODES = xpath(".//text()")
_OWN_TEXT = xpath("text()")
_JSONLD = xpath('//script[@type="application/ld+json"]/text()')


def text_of(element: etree._Element | None) -> str:
    """All text under an element, whitespace-normalized ('' for None)."""
    if element is None:
        return ""
    return normalize_space(" ".join(_TEXT_NODES(element)))


def own_text(element: etree._Element) -> str:
    """The element's own text nodes (not its children's), whitespace-normalized."""
    return normalize_space(" ".join(_OWN_TEXT(element)))


_LOWER = "translate(normalize-space(.), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"


@lru_cache(maxsize=16)
def _texts_containing(fragments: tuple[str, ...]) -> etree.XPath:
    """Text nodes under ``<body>`` containing any fragment (case-sensitive, in C)."""
    test = " or ".join(f"contains(., '{fragment}')" for fragment in fragments)
    return etree.XPath(f"//body//text()[{test}]")  # smart strings: they know their element


def candidate_texts(
    root: etree._Element, fragments: tuple[str, ...]
) -> list[tuple[etree._Element, str]]:
    """Text nodes holding any of ``fragments``, lower-cased, with the element they belong to.

    One XPath pass per page for all its headings; ``heading_among`` then picks from it.
    """
    return _owned(_texts_containing(fragments)(root))


def _owned(texts: list[Any]) -> list[tuple[etree._Element, str]]:
    """Text nodes ("smart strings") with the element whose own text each is, lower-cased."""
    found = []
    for text in texts:
        element = text.getparent()
        if text.is_tail:  # text after a child element is its parent's own text
            element = element.getparent()
        if element is not None:
            found.append((element, normalize_space(text).lower()))
    return found


def heading_among(
    texts: list[tuple[etree._Element, str]], needle: str, pattern: re.Pattern[str]
) -> etree._Element | None:
    """The first element whose own text matches ``pattern``, among candidate texts."""
    seen: set[etree._Element] = set()
    for element, text in texts:
        if needle in text and element not in seen:
            seen.add(element)
            if pattern.match(own_text(element)):
                return element
    return None


@lru_cache(maxsize=16)
def _texts_any_case(needle: str) -> etree.XPath:
    return etree.XPath(f"//body//text()[contains({_LOWER}, '{needle}')]")


def heading_by_text(
    root: etree._Element, needle: str, pattern: re.Pattern[str]
) -> etree._Element | None:
    """The first element whose own text matches ``pattern`` (a block's visible heading).

    Blocks like "Related Topics" are found by what they say, not by class names,
    which are ASSUMED in our notes and may differ on the real site. ``needle`` is
    lower-case; any casing and spacing of it is found (every text node is normalized:
    slower than ``candidate_texts``, which is tried first where speed matters).
    """
    return heading_among(_owned(_texts_any_case(needle)(root)), needle, pattern)


def links_after(heading: etree._Element, max_levels: int = 3) -> list[tuple[str, str]]:
    """``(href, text)`` of the links that follow ``heading`` inside its block.

    Climbs up to ``max_levels`` ancestors until one holds links after the heading,
    so ``<h3>Related Topics</h3><ul>...</ul>`` and ``<div><h3/></div><ul/>`` both work.
    """
    node = heading
    for _ in range(max_levels):
        container = node.getparent()
        if container is None:
            return []
        found: list[tuple[str, str]] = []
        seen_heading = False
        for element in container.iter():
            if element is heading:
                seen_heading = True
                continue
            if not seen_heading or not isinstance(element.tag, str):
                continue
            if element.tag in HEADING_TAGS and element.getparent() is not heading:
                break  # the next block ("Recent Stories", ...) begins
            if element.tag == "a" and element.get("href"):
                found.append((element.get("href"), normalize_space(element.text_content())))
        if found:
            return found
        node = container
    return []


def _walk_jsonld(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for entry in value:
            yield from _walk_jsonld(entry)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _walk_jsonld(value["@graph"])


def jsonld_objects(root: etree._Element) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page (lists and ``@graph`` flattened).

    A script that does not parse is skipped: one broken script must not cost the rest.
    """
    objects: list[dict[str, Any]] = []
    for raw in _JSONLD(root):
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        objects.extend(_walk_jsonld(data))
    return objects


def jsonld_types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k for k in kinds if isinstance(k, str)}
