"""Each shortcut the story parser takes for speed (issue 18) answers as the slower call it
replaces: an XPath evaluated per call, ``json.loads`` building a decoder per script, five
attribute look-ups per body element, a date parsed again. Checked on the golden pages,
the tricky pages of ``test_parse_cpu`` and pages built to trip each one; no timing.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from newsbot import loaders
from newsbot.items import Story
from newsbot.site.pages import html as html_module
from newsbot.site.pages.html import OWN_TEXT_NODES, text_blocks
from newsbot.site.pages.story import (
    INSIDE_BODY,
    TAIL_BYTES,
    _closes,
    _inside_body,
    _own_text_nodes,
    page_tree,
)
from newsbot.text import normalize
from tests.test_parse_cpu import pages, response

#: Body markup for the attribute shortcut: boolean and empty attributes, hidden styles,
#: ad markers in ids and classes, ``detail_txt`` between tabs (not spaces), scripts.
TRIPS = """<html><head><script type="application/ld+json">{"a": 1}</script>
<script type="application/ld+json"></script></head><body>
<div class="x detail_txt"><h2>In <b>body</b></h2><p hidden>h</p><p hidden="">e</p>
<p aria-hidden="true">a</p><p aria-hidden="false">shown</p><p style="display:none">s</p>
<p style="color: red">red</p><p id="ad-1">ad</p><p class="teads_x">t</p><p class="">plain</p>
<p id="" class=" ">blank</p><div class="share-box">share</div><span>inline <i>text</i></span>
<script>var x = 1;</script><!-- c --><p>Last words of the story here.</p></div>
<div class="a\tdetail_txt"><h2>tab</h2></div><h2>outside</h2></body></html>"""


def trees() -> list[etree._Element]:
    bodies = [body for _, body in pages()] + [TRIPS.encode()]
    return [page_tree(response(body)) for body in bodies]


@pytest.mark.parametrize("root", trees())
def test_python_tests_answer_as_the_xpath_they_replace(root: etree._Element) -> None:
    for element in root.iter(etree.Element):
        assert _inside_body(element) is bool(INSIDE_BODY(element)), etree.tostring(element)
        if element.tag == "script":
            assert _own_text_nodes(element) == OWN_TEXT_NODES(element)


@pytest.mark.parametrize("root", trees())
def test_the_attribute_shortcut_skips_what_the_look_ups_skip(root: etree._Element) -> None:
    for node in root.iter():
        assert html_module._is_skipped_html(node) is html_module._is_skipped(node), node


def test_a_dtd_default_attribute_still_hides_in_an_xml_document() -> None:
    """In XML, a DTD default gives ``get`` an attribute ``keys()`` does not list."""
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE body [<!ATTLIST p hidden CDATA "hidden">]>'
        b"<body><div><p>Hidden by the DTD.</p><div>Shown.</div></div></body>"
    )
    root = etree.fromstring(xml, etree.XMLParser(recover=True, resolve_entities=False))
    assert text_blocks(root) == ["Shown."]


@pytest.mark.parametrize(
    "raw",
    [
        '{"@type": "NewsArticle"}',
        "\ufeff{}",
        '{"a": "tab\there"}',
        "{",
        "[1, 2]",
        "",
        "  \n",
        ' \n{"a": 1}\r\n\t',
        '{"a": 1} x',
        '{"a": 1}\n{"b": 2}',
        "\u00a0{}",
        "{}\u00a0",
        "\t5 ",
    ],
)
def test_the_shared_decoder_reads_as_json_loads(raw: str) -> None:
    try:
        expected: object = json.loads(raw, strict=False)
    except ValueError as exc:
        expected = (type(exc), str(exc))
    try:
        got: object = html_module._loads_jsonld(raw)
    except ValueError as exc:
        got = (type(exc), str(exc))
    assert got == expected


@pytest.mark.parametrize(
    "value",
    [
        "December 30, 2022 03:20 PM",
        "2022-12-30T15:20:00+0500",
        "2022-12-30T10:20:00Z",
        "  Dec 30, 2022  ",
        "not a date",
        "9999-12-31T23:59:59-12:00",
        "Dec 30, 2022 " + "x" * 300,
    ],
)
def test_a_kept_date_is_the_date_parsed_again(value: str) -> None:
    uncached = normalize._site_datetime(value)
    assert normalize.parse_site_datetime(value) == uncached
    assert normalize.parse_site_datetime(value) == uncached  # from the cache, if kept
    iso = uncached.isoformat() if uncached else None
    assert normalize.site_datetime_iso(value) == iso
    assert normalize.site_datetime_iso(value) == iso


def test_a_str_subclass_is_never_kept_with_its_date() -> None:
    """lxml's smart strings hold their whole tree: a cache must not keep them."""

    class Smart(str):
        pass

    normalize._short_site_date.cache_clear()
    smart = Smart("December 30, 2022 03:20 PM")
    held = sys.getrefcount(smart)
    assert normalize.site_datetime_iso(smart) is not None
    assert normalize.parse_site_datetime(smart) is not None
    # Kept by no cache (the one cache keeps a plain ``str`` copy of it, as before).
    assert sys.getrefcount(smart) == held


@pytest.mark.parametrize(
    "raw",
    [
        ["One two three.", "Four\u00a0five \u3000 six", "seven"],
        ["  lead and trail  ", "tab\tnewline\nform\x0cfeed", "zero\u200bwidth word"],
        ["single"],
        [],
        ["", "   ", "after empties"],
    ],
)
def test_paragraphs_counted_by_spaces_count_as_split(raw: list[str]) -> None:
    """``set_paragraphs`` (words counted by spaces) gives what ``set_body`` gives."""
    paragraphs = [text for text in map(normalize.normalize_space, raw) if text]
    by_split, by_spaces = Story(), Story()
    by_split.set_body("\n\n".join(paragraphs))
    by_spaces.set_paragraphs(paragraphs)
    assert (by_spaces.body, by_spaces.word_count, by_spaces.content_hash) == (
        by_split.body,
        by_split.word_count,
        by_split.content_hash,
    )


@pytest.mark.parametrize("value", ["  A  title ", "", "   ", None, "x\u200b", ["", " b "], 5])
def test_a_text_field_normalizes_as_the_clean_step(value: object) -> None:
    """``normalize_field``'s shortcut for one string is ``_clean`` of it."""
    candidates = value if isinstance(value, list) else [value]
    cleaned = [loaders._clean(candidate) for candidate in candidates]
    expected = next((text for text in cleaned if text), None)
    assert loaders.normalize_field("title", value) == expected


PLAIN_URL_CASES = [
    "https://photo-cdn.urdupoint.com/media/2022/12/x.jpg",
    "http://a.com",
    "http://a:/",
    "https://x:99999/a",
    "http://.",
    "https://:80/x",
    "http://:/",
    "http://a@b/",
    "http://[::1]/x",
    "http://a b/",
    "HTTP://A.com/x",
    "https://a.com/x?q=1",
    "javascript:alert(1)",
    "//cdn.example.com/x.jpg",
    "/media/x.jpg",
]


@pytest.mark.parametrize("url", PLAIN_URL_CASES)
def test_is_plain_url_only_for_urls_urljoin_keeps_with_an_http_host(url: str) -> None:
    """``_web_url`` returns a plain URL without ``urlsplit``: only a URL that ``urljoin``
    gives back as it is, with an http(s) scheme and a host name, may take that path."""
    from urllib.parse import urljoin, urlsplit

    from newsbot.site.urls import is_plain_url

    if is_plain_url(url):
        parts = urlsplit(url)
        assert urljoin("https://www.urdupoint.com/en/world/x-1.html", url) == url
        assert parts.scheme in ("http", "https") and parts.hostname


@pytest.mark.parametrize(
    "obj",
    [
        {"@type": "NewsArticle"},
        {"@type": ["Thing", "NewsArticle"]},
        {"@type": ["Thing", 3]},
        {"@type": "Person"},
        {"@type": 5},
        {"@type": None},
        {},
        {"@type": [["NewsArticle"]]},
        {"@type": "BreadcrumbList"},
    ],
)
def test_has_jsonld_type_answers_as_the_types_set(obj: dict[str, object]) -> None:
    from newsbot.site.pages.html import has_jsonld_type, jsonld_types

    for names in (
        frozenset({"NewsArticle", "Article"}),
        frozenset({"Person"}),
        frozenset({"BreadcrumbList"}),
    ):
        assert has_jsonld_type(obj, names) == bool(jsonld_types(obj) & names)


#: Dates that trip the ISO gate: offsets, a year before 1000, digits that are not ASCII
#: (``\d`` takes them for a year), a sign, a space or an invisible character first.
GATE_DATES = [
    "2022-12-30T15:20:00+0500",
    "0999-05-05T10:00:00+05:00",
    "20221230T152000+0500",
    "2022-W52-5",
    "December 30, 2022 03:20 PM",
    "T2022-12-30",
    "+2022-12-30T10:00:00+05:00",
    "\uff12\uff10\uff12\uff12-12-30T10:00:00+05:00",
    "\u0662\u0660\u0662\u0662-12-30",
    " 2022-12-30T10:00:00+05:00",
    "\u200b2022-12-30T10:00:00+05:00",
    "30-12-2022",
]


def _parse_asking_iso_first(text: str) -> object:
    """``_parse_plain`` as it was: ``fromisoformat`` asked of every text with a year."""
    if not normalize._YEAR.search(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return normalize._parse_plain(text)  # what follows the ISO attempt is the same


@pytest.mark.parametrize("text", GATE_DATES)
def test_iso_is_asked_only_of_texts_it_can_read(text: str) -> None:
    """``_parse_plain`` asks ``fromisoformat`` only of a text beginning with an ASCII
    digit: the same datetime, offset class included, as asking it of every text."""
    expected = _parse_asking_iso_first(text)
    got = normalize._parse_plain(text)
    assert repr(got) == repr(expected)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2022, 12, 30, 15, 20, 0, tzinfo=normalize.SITE_TZ),
        datetime(2022, 12, 30, 15, 20, 0, 999999, tzinfo=UTC),
        datetime(2022, 12, 30, 15, 20, 7, 1),
        datetime(2022, 12, 30, 10, 20),
    ],
)
def test_the_site_clock_drops_microseconds_as_replace_did(moment: datetime) -> None:
    """``_in_site_clock`` calls ``replace(microsecond=0)`` only when there are some."""
    zoned = moment if moment.tzinfo else moment.replace(tzinfo=normalize.SITE_TZ)
    expected = zoned.astimezone(normalize.SITE_TZ).replace(microsecond=0)
    got = normalize._in_site_clock(moment)
    assert got == expected and got is not None
    assert (got.isoformat(), got.tzinfo) == (expected.isoformat(), expected.tzinfo)


@pytest.mark.parametrize(
    "text",
    [
        "Ali Published December 30, 2022 | 03:20 PM",
        "Ali Updated December 31, 2022 | 04:00 PM Published December 30, 2022",
        "Last Updated:December 31, 2022",
        "Updated on Dec 31, 2022 11:00",
        "updated December 31, 2022 (not the site's casing)",
        "UPDATED December 31, 2022",
        "Updated",
        "",
    ],
)
def test_a_line_without_updated_is_what_the_substitution_gives(text: str) -> None:
    from newsbot.site.pages.story import UPDATED_RE, _without_updated

    assert _without_updated(text) == UPDATED_RE.sub(" ", text)


def test_crawled_at_is_each_second_formatted_as_datetime_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``crawled_at`` keeps the last second's text: a story built in the next second (or
    back in an earlier one, the clock set back) gets that second's."""
    for nanoseconds in (
        1_700_000_000_000_000_000,
        1_700_000_000_999_999_999,
        1_700_000_001_000_000_000,
        1_699_999_999_500_000_000,
        1_700_000_001_000_000_001,
    ):
        monkeypatch.setattr(loaders.time, "time_ns", lambda ns=nanoseconds: ns)
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=nanoseconds // 1000)
        assert loaders.crawled_at() == moment.isoformat(timespec="seconds")


def test_the_remembered_container_test_answers_as_within() -> None:
    """``_within_container`` remembers the answer for each ancestor it climbs: asked of
    every element of a page, in an order that meets known ancestors from both sides (inside
    and outside the container, the container itself, the root), it answers as ``within``."""
    from newsbot.site.pages.html import within
    from newsbot.site.pages.story import StoryPage

    html = (
        b"<html><body><div class='a'><h1>Out</h1><div class='news_article'><div><h1>In</h1>"
        b"<span class='article-date'>x</span></div><h2>In too</h2><div class='news_article'>"
        b"<h2>nested</h2></div></div><h2>After</h2><span><b>deep</b></span></div></body></html>"
    )
    page = StoryPage(response(html))
    elements = list(page.root.iter())
    for order in (elements, list(reversed(elements)), elements[1::2] + elements[::2]):
        page._within_known.clear()
        for element in order:
            assert page._within_container(element) == within(element, page.container)
    assert page.container is not page.root
    assert page._in_container(page.tags["h2"]) == [
        h2 for h2 in page.tags["h2"] if within(h2, page.container)
    ]


#: Ends of pages for the closing-tag shortcut: each casing, a tag just inside and just
#: outside the searched tail, a tag split across its edge, none at all.
_TAIL = b"x" * 9000
CLOSINGS = [
    b"<html><body>story</body></html>",
    b"<html><body>story</BODY></HTML>",
    b"<html><body>story</Body>",
    b"<html><body>story</hTmL>",
    b"<html><body>story",
    b"</body>" + _TAIL,
    b"</body>" + _TAIL[: 8192 - len(b"</body")],
    b"</body>" + _TAIL[: 8192 - len(b"</body") + 1],
    b"</BODY>" + _TAIL[: 8192 - len(b"</body")],
    b"</html" + _TAIL[:8186],
    b"",
    b"</bod",
]


@pytest.mark.parametrize("body", CLOSINGS + [body for _, body in pages()])
def test_the_closing_tag_is_found_as_in_the_lowered_tail(body: bytes) -> None:
    """``_closes`` answers as lowering the last ``TAIL_BYTES`` and searching them."""
    tail = body[-TAIL_BYTES:].lower()
    assert _closes(body) == (b"</body" in tail or b"</html" in tail)


@pytest.mark.parametrize("root", trees())
def test_own_text_of_a_leaf_is_its_text_nodes(root: etree._Element) -> None:
    """``own_text`` reads a leaf's ``.text`` instead of evaluating ``text()``: the same."""
    for element in root.iter(etree.Element):
        expected = normalize.normalize_space(" ".join(OWN_TEXT_NODES(element)))
        assert html_module.own_text(element) == expected


#: Lines where giving back a month's letter could matter if it ever did: runs of letters
#: longer than a month, a dot or no space after the letters, "on" before the date, a
#: date inside a name, letters glued to "Published", numbers that are no date.
DATE_LINES = [
    "Ali Published December 30, 2022 | 03:20 PM",
    "Ali Published onward 12, 2022 at 15:20",
    "Ali Published on Dec. 30, 2022 - 3:20 p.m.",
    "AliPublished Septembers 3, 2021",
    "Abcdefghij 12, 2020 Published Xdecember 5, 2020",
    "XYdecember 5, 2020 and Mayday 1, 2019 12:00",
    "Agent Jan 5, 2020Published Jan 6, 2020",
    "Updated on Dec 31, 2022 11:00 Last Updated:January 1 2023",
    "Published:Dec.30 2022",
    "no date 12, 2022 here at all 1234 ab 12 1234",
    "",
]


@pytest.mark.parametrize("line", DATE_LINES)
def test_possessive_month_letters_match_as_the_plain_patterns(line: str) -> None:
    """The byline date patterns take the month's letters possessively (``{3,9}+``): every
    match is the plain pattern's, at the same place with the same groups."""
    from newsbot.site.pages.story import BARE_DATE_RE, PUBLISHED_RE, UPDATED_RE

    for pattern in (PUBLISHED_RE, UPDATED_RE, BARE_DATE_RE):
        plain = re.compile(pattern.pattern.replace("{3,9}+", "{3,9}"), pattern.flags)
        assert plain.pattern != pattern.pattern
        for start in range(len(line) + 1):
            ours, theirs = pattern.search(line, start), plain.search(line, start)
            assert (ours and (ours.span(), ours.groupdict())) == (
                theirs and (theirs.span(), theirs.groupdict())
            ), (pattern.pattern, line, start)


#: Trees where texts come before, between and after bodies: the walk reads texts only from
#: the first ``<body>`` on and must find every text ``candidate_texts`` finds (XML trees
#: can hold what the HTML parser would mend: two bodies, a body inside the head, a body
#: nested in another one, text after a body).
BODY_TRIPS = [
    "<html><head><title>Related Stories</title><!-- c -->More Stories tail"
    "<script>Related Topics</script></head><body><p>Related Topics</p></body></html>",
    "<html><head><title>Related</title><body><p>in head's body: Related Stories</p></body>"
    "Related Topics in the head</head><body>b <b>x</b>Related Topics tail</body>After TORIES"
    "</html>",
    "<r><div>Related Topics before<!-- x -->ELATED after a comment</div><body>"
    "<p>x</p>More Stories From A</body><p>Related Topics outside</p><body><body><i>y</i>"
    "tories nested<?pi z?>ELATED after a pi</body>ELATED</body>More stories at the end</r>",
    "<r>Related Topics<x/>TORIES, no body at all<!-- c -->elated</r>",
]


@pytest.mark.parametrize("xml", BODY_TRIPS)
def test_the_walk_finds_the_texts_of_every_body_from_the_first_one(xml: str) -> None:
    from newsbot.site.pages.html import candidate_texts, walk_page
    from newsbot.site.pages.story import HEADING_FRAGMENTS, INDEX_TAGS

    root = etree.fromstring(xml)
    walk = walk_page(root, INDEX_TAGS, "bread", HEADING_FRAGMENTS)
    assert walk.texts == candidate_texts(root, HEADING_FRAGMENTS)
    assert walk.tags == {tag: list(root.iter(tag)) for tag in INDEX_TAGS}
    with_body = walk_page(root, (*INDEX_TAGS, "body"), "bread", HEADING_FRAGMENTS)
    assert with_body.tags["body"] == list(root.iter("body"))
    assert with_body.texts == walk.texts


@pytest.mark.parametrize(
    "title",
    [
        "Just a moment...",
        "JUST A MOMENT",
        "Attention Required! | Cloudflare",
        "aTTENTION rEQUIRED",
        "Checking your browser before accessing",
        "Just  a moment",
        "just a momen",
        "Ju\u017ft a moment",  # LATIN SMALL LETTER LONG S: the pattern's "s" matches it
        "Chec\u212aing your browser",  # KELVIN SIGN: the pattern's "k" matches it
        "Story \u2019quoted\u2019 just a moment",
        "Federal Cabinet Rejected The Schedule - UrduPoint",
        "",
    ],
)
def test_a_challenge_title_is_found_as_the_pattern_finds_it(title: str) -> None:
    from newsbot.site.challenge import CHALLENGE_TITLE_RE, _names_challenge

    assert _names_challenge(title) == (CHALLENGE_TITLE_RE.search(title) is not None)


@pytest.mark.parametrize(
    "heading",
    [
        "Related Topics",
        "RELATED\tTOPICS",
        "related \n\r  topics:",
        "rElAtEd ToPiCs",
        "More  Stories\nFrom Sports",
        "mORE sTORIES fROM World",
        "Related\u00a0Topics",  # no-break space: no XPath whitespace
        "RELATED TOP\u0130CS",  # dotted capital I: str.lower gives two characters
        "\uff32ELATED TOPICS",  # fullwidth R: no ASCII letter
        "Related \u212aopics",
    ],
)
def test_the_ascii_lowered_page_text_holds_what_the_any_case_search_finds(heading: str) -> None:
    """``may_hold`` on the page's text lowered as bytes (ASCII letters only) says yes
    exactly where ``heading_by_text`` (XPath: ASCII letters folded, XPath whitespace)
    finds the heading, for a page holding no other candidate."""
    from newsbot.site.pages.html import ALL_TEXT, heading_by_text, may_hold

    pattern = re.compile(r"^(related topics|more stories from\b.*)\W*$", re.I)
    html = f"<html><body><p>Text.</p><h3>{heading}</h3><a href='/x'>X</a></body></html>"
    root = page_tree(response(html.encode()))
    folded = ALL_TEXT(root).encode("utf-8").lower()
    for needle in ("related topics", "more stories from"):
        found = heading_by_text(root, needle, pattern) is not None
        assert may_hold(folded, needle) == found, needle
