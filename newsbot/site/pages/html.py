"""Generic markup helpers: paragraph blocks, headings found by their text, JSON-LD.

These know nothing of urdupoint's class names; ``story.py`` and ``listing.py`` hold
the site's selectors and use these to stay robust when the markup shifts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

from lxml import etree
from lxml import html as lxml_html
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
    """Left out of a body: code, hidden elements, ads and share widgets (by id or class)."""
    tag = node.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return True
    if tag.lower() in SKIP_TAGS or is_hidden(node):
        return True
    marker = f"{node.get('id', '')} {node.get('class', '')}".strip()
    return bool(marker) and bool(AD_MARKER_RE.search(marker))


def _is_skipped_html(node: etree._Element) -> bool:
    """``_is_skipped`` for a tree the HTML parser built, asking only for attributes it has.

    Most of a body's elements (its paragraphs) carry no attribute: one ``keys()`` call
    answers for them, where each of ``_is_skipped``'s five ``get`` calls costs about as
    much. Only for HTML: in an XML document a DTD can give ``get`` a default value for an
    attribute that ``keys()`` does not list; the HTML parser records no such defaults.
    """
    tag = node.tag
    if not isinstance(tag, str):
        return True
    if tag.lower() in SKIP_TAGS:  # is_hidden's tags among them
        return True
    names = node.keys()
    if not names:
        return False
    if "hidden" in names or ("aria-hidden" in names and node.get("aria-hidden") == "true"):
        return True
    if "style" in names:
        style = node.get("style")
        if style and _HIDDEN_STYLE_RE.search(style):
            return True
    if "id" not in names and "class" not in names:
        return False
    marker = f"{node.get('id', '')} {node.get('class', '')}".strip()
    return bool(marker) and bool(AD_MARKER_RE.search(marker))


def _built_by_html_parser(element: etree._Element) -> bool:
    """Whether ``element``'s document is HTML (libxml2 gives only XML ones a version)."""
    return element.getroottree().docinfo.xml_version is None


def text_blocks(root: etree._Element, start_after: etree._Element | None = None) -> list[str]:
    """The paragraphs of a body element, in order, each whitespace-normalized.

    Block tags delimit paragraphs; inline text and tails join the paragraph they
    stand in. Ads, scripts, styles and ad labels are left out; a heading such as
    "Related Topics" ends the story. With ``start_after``, text before the end of that
    element (a headline block) is skipped. The walk is iterative: a page nested
    thousands of levels deep costs time, never a RecursionError.
    """
    blocks: list[str] = []
    current: list[str] = []
    stopped = False
    started = start_after is None

    def flush() -> None:
        nonlocal stopped
        if not current:  # a block boundary with no text since the last one (most of them)
            return
        text = normalize_space(" ".join(current))
        current.clear()
        if not text or stopped or not started:
            return
        if AFTER_STORY_RE.match(text):
            stopped = True
        elif not AD_LABEL_RE.match(text):
            blocks.append(text)

    is_skipped = _is_skipped_html if _built_by_html_parser(root) else _is_skipped
    # (node, None) to enter; (node, whether it is a block) to leave: read once, on entering.
    stack: list[tuple[etree._Element, bool | None]] = [(root, None)]
    while stack and not stopped:
        node, leaving_block = stack.pop()
        if leaving_block is not None:
            if leaving_block:
                flush()
            if node is start_after:
                started = True
                current.clear()
        elif not is_skipped(node):
            block = node.tag.lower() in BLOCK_TAGS
            if block:
                flush()
            text = node.text
            if text:
                current.append(text)
            stack.append((node, block))
            if len(node):
                stack.extend([(child, None) for child in reversed(node)])
            continue
        if node is not root:
            tail = node.tail
            if tail:
                current.append(tail)
    flush()
    return blocks


#: XPath's whitespace (``normalize-space``): not Python's, which has more characters.
_XPATH_SPACE_RE = re.compile("[ \t\r\n]+")


def has_class(element: etree._Element, name: str) -> bool:
    """Whether ``element`` has class ``name``: the CSS ``.name`` test, as XPath computes it.

    ``name`` holds no whitespace; the class attribute is split on XPath's whitespace.
    """
    value = element.get("class")
    return value is not None and class_value_has(value, name)


def class_value_has(value: str, name: str) -> bool:
    """``has_class`` of an element whose class attribute, already read, is ``value``."""
    return name in value and name in _XPATH_SPACE_RE.split(value)


@dataclass
class PageWalk:
    """What one walk of a page's tree found (``walk_page``)."""

    #: Elements of the asked tags, by tag, in document order (``root`` included).
    tags: dict[str, list[etree._Element]]
    #: Elements whose class attribute contains the asked part (``[class*=...]``).
    classed: list[etree._Element]
    #: ``candidate_texts``: text nodes under ``<body>`` holding a fragment, lower-cased and
    #: whitespace-normalized, with the element whose own text each is, in document order.
    texts: list[tuple[etree._Element, str]]


def walk_page(
    root: etree._Element, tags: tuple[str, ...], class_part: str, fragments: tuple[str, ...]
) -> PageWalk:
    """One walk of the tree for what a page's selectors look for everywhere.

    Each selector that searches the whole page walks all of it again, each about as long
    as this whole walk: the elements of ``tags``, those whose class contains
    ``class_part``, and ``candidate_texts(root, fragments)``, all found at once.

    Three passes that lxml filters in C cost less than one that asks every node its tag
    in Python (the tag is a new string at each ask): the elements of ``tags``; every
    element (its class, text and tail); the comments and processing instructions, of
    which only the tail is text (a handful a page).
    """
    index: dict[str, list[etree._Element]] = {tag: [] for tag in (*tags, "body")}
    for node in root.iter(*index):
        index[node.tag].append(node)
    bodies = index["body"] if "body" in tags else index.pop("body")
    classed: list[etree._Element] = []
    found: list[tuple[etree._Element, bool]] = []  # (node, its tail?) holding a fragment
    # Most texts and tails are the line breaks and indents between tags, shorter than any
    # fragment: one length test spares them the loop over the fragments.
    shortest = min(map(len, fragments), default=0)

    def holds_fragment(text: str) -> bool:
        for fragment in fragments:  # a loop, not any(): a third of the walk's time
            if fragment in text:
                return True
        return False

    elements = root.iter(etree.Element)
    # Nothing before the first <body> in document order is in a body (an element comes
    # after its ancestors, a tail after its parent's start): only the classes are read
    # there, not the texts (the head's scripts and title, a sixth of a page's text). A
    # subtree's root may be in a body above it: all of it is read then.
    first_body = root if root.getparent() is not None else bodies[0] if bodies else None
    for node in elements:
        if node is first_body:
            break
        value = node.get("class")
        if value is not None and class_part in value:
            classed.append(node)
    for node in chain((first_body,), elements) if first_body is not None else ():
        value = node.get("class")
        if value is not None and class_part in value:
            classed.append(node)
        text, tail = node.text, node.tail
        if text and len(text) >= shortest and holds_fragment(text):
            found.append((node, False))
        if tail and len(tail) >= shortest and holds_fragment(tail):
            found.append((node, True))
    for node in root.iter(etree.Comment, etree.ProcessingInstruction, etree.Entity):
        tail = node.tail
        if tail and len(tail) >= shortest and holds_fragment(tail):
            found.append((node, True))
    if any(is_tail for _, is_tail in found):  # a tail comes after its node's subtree
        found.sort(key=lambda hit: _text_position(*hit))
    texts = []
    for node, is_tail in found:
        owner = node.getparent() if is_tail else node
        if owner is not None and _in_body(owner):
            texts.append((owner, normalize_space(node.tail if is_tail else node.text).lower()))
    return PageWalk(index, classed, texts)


def _in_body(element: etree._Element) -> bool:
    return element.tag == "body" or any(a.tag == "body" for a in element.iterancestors())


def _text_position(node: etree._Element, is_tail: bool) -> tuple[float, ...]:
    """A sort key in document order for a node's text (after its start) or its tail."""
    path: list[float] = []
    child = node
    parent = child.getparent()
    while parent is not None:
        path.append(parent.index(child))
        child, parent = parent, parent.getparent()
    path.reverse()
    if is_tail:
        return (*path[:-1], path[-1] + 0.5) if path else (0.5,)
    return (*path, -1)


def within(element: etree._Element, ancestor: etree._Element) -> bool:
    """Whether ``element`` is ``ancestor`` or one of its descendants."""
    # ``in`` compares in C, by identity first (an element has no other equality).
    return element is ancestor or ancestor in element.iterancestors()


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
#: Elements whose content a reader never sees as text (code, fallbacks, inert templates).
HIDDEN_TAGS = ("script", "style", "noscript", "template")
_OWN_TEXT = xpath("text()")
_JSONLD = xpath('//script[@type="application/ld+json"]/text()')
#: The text nodes of one element (a script's code).
OWN_TEXT_NODES = _OWN_TEXT


def text_of(element: etree._Element | None) -> str:
    """The visible text under an element, whitespace-normalized ('' for None).

    lxml has decoded the entities once, as a browser does: the text is final and is
    never decoded again (``&amp;lt;b&amp;gt;`` shows, and stays, as ``&lt;b&gt;``).
    """
    if element is None:
        return ""
    if not len(element):  # a leaf (most titles, links, spans): its text is all, no XPath
        return "" if _is_code(element) else normalize_space(element.text or "")
    if not _HAS_HIDDEN(element) and not _is_code(element):  # the usual case: XPath, in C
        return normalize_space(" ".join(_TEXT_NODES(element)))
    return normalize_space(" ".join(_visible_texts(element)))


def _is_code(node: etree._Element) -> bool:
    return not isinstance(node.tag, str) or node.tag.lower() in HIDDEN_TAGS


def is_hidden(node: etree._Element) -> bool:
    """An element a reader never sees: code, fallbacks, or marked hidden by the page."""
    tag = node.tag
    if not isinstance(tag, str) or tag.lower() in HIDDEN_TAGS:
        return True
    if node.get("hidden") is not None or node.get("aria-hidden") == "true":
        return True
    style = node.get("style")
    return bool(style) and bool(_HIDDEN_STYLE_RE.search(style))


_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
#: Any element under the context that ``is_hidden`` may say yes to.
_HAS_HIDDEN = xpath(
    ".//*[self::script or self::style or self::noscript or self::template or @hidden"
    " or @aria-hidden='true' or contains(@style, 'none') or contains(@style, 'hidden')]"
)


def _visible_texts(root: etree._Element) -> list[str]:
    """Text and tails under ``root`` in document order, skipping hidden elements' content."""
    texts: list[str] = []
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        hidden = is_hidden(node) if node is not root else _is_code(node)
        if not leaving and not hidden:
            if node.text:
                texts.append(node.text)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node))
            continue
        if node is not root and node.tail:
            texts.append(node.tail)
    return texts


def own_text(element: etree._Element) -> str:
    """The element's own text nodes (not its children's), whitespace-normalized."""
    if not len(element):  # a leaf (most headings): its one text node, no XPath evaluation
        return normalize_space(element.text or "")
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
    """The first element whose own text matches ``pattern``, among candidate texts (a
    text longer than ``MAX_HEADING_CHARS`` once its separators are shortened is no
    heading: it is not matched)."""
    seen: set[etree._Element] = set()
    for element, text in texts:
        if needle in text and element not in seen:
            seen.add(element)
            own = own_text(element)
            if len(own) > MAX_HEADING_CHARS:  # its non-word runs made one space (below)
                own = _NON_WORD_RUN_RE.sub(" ", own)
            if len(own) <= MAX_HEADING_CHARS and pattern.match(own):
                return element
    return None


#: A run of non-word characters. A heading's own text may be long only by its separators
#: ("Related Topics: <a/> | <a/> | ..." holds a "|" for each link, over 300 characters for
#: 143 links): with each run one space, it is matched as the short line it reads as (the
#: block's links were lost); a text still long with its runs shortened is no heading.
_NON_WORD_RUN_RE = re.compile(r"\W+")


#: A block's heading is a line: a longer text is not one, and is never matched against a
#: heading's pattern ("More Stories From X! ! ! ... x": the category pattern backtracks
#: quadratically on such a text, 2 s for 16 KB, hours for a hostile page's megabyte).
MAX_HEADING_CHARS = 300


@lru_cache(maxsize=16)
def _words_re(needle: str) -> re.Pattern[str]:
    return re.compile("[ \t\r\n]+".join(map(re.escape, needle.split(" "))))


@lru_cache(maxsize=16)
def _words_bytes_re(needle: str) -> re.Pattern[bytes]:
    return re.compile(b"[ \t\r\n]+".join(re.escape(word.encode()) for word in needle.split(" ")))


def may_hold(lowered_text: str | bytes, needle: str) -> bool:
    """False when no text node of a page can hold ``needle`` in any casing and spacing.

    ``lowered_text``: all the page's text (XPath ``string(/)``), ``str.lower``-ed, or
    encoded in UTF-8 with its ASCII letters lowered (``bytes.lower``, a third of the cost of
    ``str.lower``'s Unicode case mapping, and enough: ``heading_by_text`` folds ASCII
    letters only). A text node that ``heading_by_text`` finds holds the needle's words
    (ASCII letters, upper- or lower-case) separated by runs of XPath whitespace: so does
    the page's text, lowered either way. A cheap test that spares most pages the slow
    search.
    """
    if isinstance(lowered_text, bytes):
        return _words_bytes_re(needle).search(lowered_text) is not None
    return _words_re(needle).search(lowered_text) is not None


ALL_TEXT = etree.XPath("string(/)", smart_strings=False)


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
        elements = container.iter()
        # Up to the heading, in C: ``in`` consumes the iterator through it (an element
        # equals only itself), so the loop sees what follows it. Always true: the
        # container is the heading's ancestor.
        if heading in elements:
            for element in elements:
                if not isinstance(element.tag, str):
                    continue
                if element.tag in HEADING_TAGS and element.getparent() is not heading:
                    break  # the next block ("Recent Stories", ...) begins
                if element.tag == "a" and element.get("href"):
                    found.append((element.get("href"), text_of(element)))
        if found:
            return found
        node = container
    return []


def _walk_jsonld(value: Any) -> Iterator[dict[str, Any]]:
    """Objects of a JSON-LD document (lists and ``@graph`` flattened), iteratively."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(reversed(current))
        elif isinstance(current, dict):
            yield current
            if "@graph" in current:
                stack.append(current["@graph"])


#: JSON-LD scripts nested deeper than this are refused before ``json.loads`` recurses.
MAX_JSONLD_DEPTH = 64


def jsonld_objects(root: etree._Element, problems: list[str] | None = None) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page (lists and ``@graph`` flattened).

    A script that does not parse (broken, or nested so deep that parsing it would
    exhaust the stack) is skipped and described in ``problems``: one broken script
    must not cost the rest, nor the story.
    """
    return parse_jsonld(_JSONLD(root), problems)


def parse_jsonld(texts: list[str], problems: list[str] | None = None) -> list[dict[str, Any]]:
    """``jsonld_objects`` of the JSON-LD scripts' texts, already found."""
    objects: list[dict[str, Any]] = []
    for raw in texts:
        openers = raw.count("{") + raw.count("[")  # C speed; the depth only when it could be deep
        if openers > MAX_JSONLD_DEPTH and _json_depth(raw) > MAX_JSONLD_DEPTH:
            if problems is not None:
                problems.append(f"a JSON-LD script nested over {MAX_JSONLD_DEPTH} levels")
            continue
        try:
            data = _loads_jsonld(raw)
        except (ValueError, RecursionError) as exc:
            if problems is not None:
                problems.append(f"a JSON-LD script that does not parse ({type(exc).__name__})")
            continue
        if type(data) is dict and "@graph" not in data:  # one object: nothing to walk
            objects.append(data)
        else:
            objects.extend(_walk_jsonld(data))
    return objects


#: One decoder for every script: ``json.loads(raw, strict=False)`` builds a new decoder
#: and scanner at each call, which cost as much as decoding a page's small scripts.
_JSONLD_DECODER = json.JSONDecoder(strict=False)
#: The decoder's own C scanner (``JSONDecoder.__init__`` makes it), and JSON's whitespace.
_JSON_SCAN: Callable[[str, int], tuple[Any, int]] = vars(_JSONLD_DECODER)["scan_once"]
_JSON_SPACE = " \t\n\r"


def _decode_json(raw: str) -> Any:
    """``_JSONLD_DECODER.decode(raw)``, its two Python frames (``decode``, ``raw_decode``)
    inlined, and its whitespace matches asked only when the text starts or ends with
    whitespace: a script is usually exactly its object, ``{`` to ``}``. Same errors."""
    start = len(raw) - len(raw.lstrip(_JSON_SPACE)) if raw[:1] in _JSON_SPACE else 0
    try:
        obj, end = _JSON_SCAN(raw, start)
    except StopIteration as err:
        raise json.JSONDecodeError("Expecting value", raw, err.value) from None
    if end != len(raw):
        rest = raw[end:].lstrip(_JSON_SPACE)
        if rest:
            raise json.JSONDecodeError("Extra data", raw, len(raw) - len(rest))
    return obj


def _loads_jsonld(raw: str) -> Any:
    """``json.loads(raw, strict=False)`` with the shared decoder (a BOM refused as there).

    CMS templates often wrap the script in ``//<![CDATA[ ... //]]>`` or ``<!-- -->`` (for
    old browsers) or leave a trailing comma; browsers and search engines read those, so
    a strict failure is retried once on the text with the wrappers and such commas gone.
    """
    if raw.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", raw, 0)
    try:
        data = _decode_any_number(raw)
    except json.JSONDecodeError:
        lenient = _lenient_jsonld(raw)
        if lenient == raw:
            raise
        data = _decode_any_number(lenient)
    if "\\ud" in raw or "\\uD" in raw:  # an escaped UTF-16 surrogate: maybe a lone one
        return _without_lone_surrogates(data)
    return data


def _decode_any_number(text: str) -> Any:
    """``_decode_json(text)``, or, when it holds a number of over 4,300 digits (which
    ``int`` refuses to convert: a ValueError that is no JSONDecodeError), the decoding that
    reads such numbers as floats. Its JSONDecodeError (a trailing comma after the number)
    goes to the caller, which retries the lenient text through here again."""
    try:
        return _decode_json(text)
    except json.JSONDecodeError:
        raise
    except ValueError:
        return _BIG_NUMBERS_DECODER.decode(text)


def _int_or_float(digits: str) -> int | float:
    """A JSON integer: a float when it has more digits than ``int`` converts (Python
    refuses over 4,300: the script was ignored whole, the story's headline and date with
    it, for one hostile number no browser or search engine refuses)."""
    return int(digits) if len(digits) <= 4000 else float(digits)


#: ``_JSONLD_DECODER`` for a script holding such a number (asked only then).
_BIG_NUMBERS_DECODER = json.JSONDecoder(strict=False, parse_int=_int_or_float)


def _without_lone_surrogates(value: Any) -> Any:
    """``value`` with every lone UTF-16 surrogate in its strings (keys too) made U+FFFD.

    JSON may escape half of a surrogate pair (``"\\ud800"``); the decoder gives it back
    as a character no UTF-8 can hold, and a field holding it failed every write after the
    parse (the state's, the feed's): the story was lost with a traceback. A browser shows
    such a character as U+FFFD, and so does the story. The depth is at most
    ``MAX_JSONLD_DEPTH`` (checked before decoding).
    """
    if isinstance(value, str):
        return _valid_text(value)
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_valid_text(key): _without_lone_surrogates(item) for key, item in value.items()}
    return value


def _valid_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (paired ones the decoder joined)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


#: ``//<![CDATA[``, ``<!--`` at the start; ``//]]>``, ``]]>``, ``-->`` at the end.
_JSONLD_OPENER = re.compile(r"\A\s*(?:(?://\s*)?<!\[CDATA\[|<!--)")
_JSONLD_CLOSER = re.compile(r"(?:(?://\s*)?\]\]>|(?://\s*)?-->)\s*\Z")
#: A comma before a closing bracket (outside strings is not checked: a retry only).
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def _lenient_jsonld(raw: str) -> str:
    """The script's text without CDATA/comment wrappers and trailing commas."""
    text = _JSONLD_OPENER.sub("", raw, count=1)
    text = _JSONLD_CLOSER.sub("", text, count=1)
    return _TRAILING_COMMA.sub(r"\1", text)


def _json_depth(raw: str) -> int:
    """How deep brackets nest in a JSON text (strings included: an upper bound)."""
    depth = deepest = 0
    for char in raw:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def fragment_text(value: str) -> str:
    """The visible text of a string that may hold markup (a JSON-LD value), decoded once.

    JSON-LD sits in a script, where the HTML parser decodes nothing: entities and tags in
    its strings are still there. Parsed as an HTML fragment, they are decoded exactly once
    and script or style content is left out, as for text read from the page itself.
    """
    if "<" not in value and "&" not in value:
        return normalize_space(value)
    try:
        fragment = lxml_html.fragment_fromstring(value, create_parent="div")
    except (etree.ParserError, ValueError):
        return normalize_space(value)
    except AssertionError:  # a whole document ("<html><head><title>..."): lxml asserts
        return _document_text(value)  # one body, and one value must not cost the story
    return text_of(fragment)


def _document_text(value: str) -> str:
    """The visible text of a JSON-LD value that holds a whole HTML document, which
    ``fragment_fromstring`` refuses (``AssertionError: too many bodies``)."""
    try:
        return text_of(lxml_html.document_fromstring(value))
    except (etree.ParserError, ValueError):
        return normalize_space(value)


def jsonld_types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k for k in kinds if isinstance(k, str)}


def has_jsonld_type(obj: dict[str, Any], names: frozenset[str]) -> bool:
    """Whether ``jsonld_types(obj)`` holds one of ``names``; a single ``@type`` string (the
    usual form) is tested without building the set."""
    kind = obj.get("@type")
    if type(kind) is str:
        return kind in names
    return not jsonld_types(obj).isdisjoint(names)
