"""The cheaper parse and pipelines (issue 18) find exactly what the selectors they replace find.

The story page walks its tree once (``walk_page``) instead of running a whole-tree
selector per part, parses with one reused parser instead of ``response.selector``, skips
the any-case heading search when the page's text cannot hold the heading, and the
pipelines tokenize a story once. Each shortcut is checked here against the slow path
it replaces, on the golden pages and on pages built to trip it; no timing is asserted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from scrapy.http import HtmlResponse, TextResponse

from newsbot.cached import cached_property
from newsbot.items import Story
from newsbot.pipelines.boilerplate import DropTemplates, StripBoilerplate
from newsbot.pipelines.dedupe import DropDuplicates, RememberEmitted, story_print
from newsbot.site.pages import story as story_module
from newsbot.site.pages.html import (
    OWN_TEXT_NODES,
    _visible_texts,
    candidate_texts,
    heading_by_text,
    may_hold,
    text_of,
)
from newsbot.site.pages.story import (
    BODY_CANDIDATES,
    BREADCRUMB_LINKS,
    BYLINE_SPANS,
    CANONICAL,
    HEADING_FRAGMENTS,
    META_MODIFIED,
    META_PUBLISHED,
    OG_IMAGE,
    OG_TITLE,
    PAGE_TITLE,
    STORY_CONTAINER,
    SUMMARY,
    TITLE,
    StoryPage,
    page_tree,
)
from newsbot.state.sqlite import SqliteStateStore
from newsbot.text import fingerprints
from newsbot.text.fingerprints import StoryPrint, paragraph_hash
from newsbot.text.normalize import normalize_space
from tests.test_pipelines import PROMO, config, story

GOLDEN = Path(__file__).parent / "golden" / "article"
URL = "https://www.urdupoint.com/en/world/a-story-2190111.html"

#: Pages built to trip a one-walk index: text after comments and inside nested inline
#: elements (document order of tails), classes split by tabs and newlines, two titles, a
#: breadcrumb inside another, the container's parts outside it, a text/plain response.
TRICKY = [
    """<html><head><title>Related <!-- c --> Stories</title>
    <meta property="og:title"><meta property="og:title" content="OG &amp; title">
    <link rel="canonical"><link rel="canonical" href=" /en/world/a-story-2190111.html ">
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "LD"}</script>
    <script type="application/LD+json">{"@type": "NewsArticle", "headline": "no"}</script>
    </head><body>
    <h1>Outside</h1><span class="article-date">Outside byline</span>
    <div class="x\tnews_article\ny"><h1>Inside <b>bold</b> tail</h1>
    <span class="article-date">By Ann <!-- hidden --> Published Jan 2, 2026 | 10:00 AM</span>
    <h2>Stand <i>first</i> text</h2>
    <div class="detail_txt"><p>Body <b>related</b> stories <!-- x -->after a comment</p>
    <p>More <em>Related</em> Topics tail</p></div>
    <div class="breadcrumbs"><a href="/">Home</a><div class="bread-inner"><a>World</a></div>
    <a>Asia</a></div><h3>Related <!-- c --> Topics</h3><a href="/en/topic/a">A</a>
    <div>text <b>b</b> STORIES <b>c</b> tORIES and ELATED</div>
    <p><span>a <b>Related</b> b</span> Stories after <!-- c --> stories after a comment</p>
    <ul class="breadcrumb-2"><li><a>Second</a></li></ul></div>
    <title>second</title></body></html>""",
    "<html><body><div class='news_article'><p>no h1</p></div>"
    "<div class='breadcrumb'>text <a href='/x'>X</a></div></body></html>",
    "\x00  <p>bare fragment \x00 with NULs</p>  ",
    "",
    "<!-- only a comment -->",
    # Texts and tails exactly as long as a fragment, and one character shorter.
    "<html><body><p>tories<b>elated</b>TORIE<i>x</i>ELATED</p><!-- c -->tories<?pi x?>ELATED"
    "</body></html>",
]


def golden_pages() -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in sorted(GOLDEN.glob("*.html"))]


def pages() -> list[tuple[str, bytes]]:
    tricky = [(f"tricky-{n}", html.encode("utf-8")) for n, html in enumerate(TRICKY)]
    return golden_pages() + tricky


def response(body: bytes) -> HtmlResponse:
    return HtmlResponse(url=URL, body=body, encoding="utf-8")


def serialized(root: etree._Element) -> bytes:
    return etree.tostring(root.getroottree(), encoding="utf-8", method="html")


@pytest.mark.parametrize(("name", "body"), pages(), ids=[name for name, _ in pages()])
def test_page_tree_is_the_selectors_tree(name: str, body: bytes) -> None:
    """The reused parser gives the tree ``response.selector`` gives (NULs, blanks, empty)."""
    assert serialized(page_tree(response(body))) == serialized(response(body).selector.root)


def test_a_response_that_is_not_html_keeps_the_selectors_kind_of_tree() -> None:
    xml = TextResponse(url=URL, body=b'<?xml version="1.0"?><h1>T</h1>', encoding="utf-8")
    assert page_tree(xml) is xml.selector.root


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


@pytest.mark.parametrize(("name", "body"), pages(), ids=[name for name, _ in pages()])
def test_one_walk_finds_what_each_selector_finds(name: str, body: bytes) -> None:
    page = StoryPage(response(body))
    root = page.root
    container = STORY_CONTAINER(root)
    assert page.container is (container[0] if container else root)
    body_found = [found[0] for selector in BODY_CANDIDATES if (found := selector(root))]
    assert page.body_element is (body_found[0] if body_found else None)
    assert page.headline_element is _first(TITLE(page.container))
    assert page._in_container(page.tags["h2"]) == SUMMARY(page.container)
    spans = BYLINE_SPANS(page.container) or BYLINE_SPANS(root)
    assert page.byline == story_module.normalize_space(
        " ".join(story_module.text_of(span) for span in spans)
    )
    for name_, selector in (
        ("og:image", OG_IMAGE),
        ("og:title", OG_TITLE),
        ("article:published_time", META_PUBLISHED),
        ("article:modified_time", META_MODIFIED),
    ):
        assert page._meta(name_) == _first(selector(root)), name_
    assert page.page_title == story_module.normalize_space(" ".join(PAGE_TITLE(root)))
    assert page.breadcrumb_links == BREADCRUMB_LINKS(root)
    assert page.heading_texts == candidate_texts(root, HEADING_FRAGMENTS)
    jsonld_xpath = etree.XPath('//script[@type="application/ld+json"]/text()')
    scripts = [s for s in page.tags["script"] if s.get("type") == "application/ld+json"]
    assert [t for s in scripts for t in OWN_TEXT_NODES(s)] == jsonld_xpath(root)
    canonical = _first(CANONICAL(root))
    if canonical is not None and name.startswith("tricky-0"):
        assert page.story_url == "https://www.urdupoint.com/en/world/a-story-2190111.html"


@pytest.mark.parametrize(
    "heading",
    [
        "Related Topics",
        "RELATED\tTOPICS",
        "related \n\r  topics:",
        "rElAtEd ToPiCs",
        "More  Stories\nFrom Sports",
        "mORE sTORIES fROM World",
    ],
)
def test_the_any_case_heading_search_is_skipped_only_where_it_finds_nothing(heading: str) -> None:
    """``may_hold`` says no only when ``heading_by_text`` finds nothing (any casing, any
    XPath whitespace): a page with the heading in an odd form keeps it."""
    needle = "related topics" if "elated" in heading.lower() else "more stories from"
    pattern = re.compile(r"^(related topics|more stories from\b.*)\W*$", re.I)
    html = f"<html><body><p>Text.</p><h3>{heading}</h3><a href='/x'>X</a></body></html>"
    root = page_tree(response(html.encode()))
    assert heading_by_text(root, needle, pattern) is not None, "the slow search finds it"
    lowered = etree.XPath("string(/)")(root).lower()
    assert may_hold(lowered, needle)
    other = "more stories from" if needle == "related topics" else "related topics"
    assert heading_by_text(root, other, pattern) is None
    assert not may_hold(lowered, other)


def test_a_story_is_tokenized_once_through_the_pipelines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stripping boilerplate, templates, dedupe and memory share one tokenization: the
    stripped body is neither hashed paragraph by paragraph nor tokenized again."""
    state = SqliteStateStore(tmp_path / "state.sqlite3")
    try:
        items = [
            story(
                f"21900{n}0",
                edit={
                    "24.5 percent.</p>": f"24.5 percent.</p><p>{PROMO}</p>",
                    "The federal cabinet": f"Story {n} says the federal cabinet",
                },
            )
            for n in range(7)
        ]
        for item in items:
            state.stage(item)
        tokenized: list[str] = []
        real_words = fingerprints.words

        def counting_words(text: str) -> list[str]:
            tokenized.append(text)
            return real_words(text)

        monkeypatch.setattr(fingerprints, "words", counting_words)
        pipelines = [
            StripBoilerplate(state, min_stories=5),
            DropTemplates(state, enabled=True),
            DropDuplicates(state, config()),
            RememberEmitted(state, window_days=14),
        ]
        item = items[-1]
        original = (item.title or "") + (item.body or "")
        for pipeline in pipelines:
            item = pipeline.process_item(item)
        assert PROMO not in (item.body or "")
        assert sum(map(len, tokenized)) <= len(original), "some text was tokenized twice"
        monkeypatch.setattr(fingerprints, "words", real_words)
        fresh = StoryPrint.of(item.title or "", item.body or "")
        used = story_print(item)
        for attribute in ("tokens", "body_hash", "template_hash", "sketch"):
            assert getattr(used, attribute) == getattr(fresh, attribute), attribute
    finally:
        state.close()


def test_paragraph_hashes_of_a_print_are_each_paragraphs_hash() -> None:
    body = "First  PARAGRAPH, here.\n\nSecond: 2nd one!\n\n\n\nΣ final ΣΣ\n\n"
    print_ = StoryPrint.of("A title", body)
    assert print_.paragraph_hashes == [paragraph_hash(p) for p in body.split("\n\n")]
    assert print_.tokens == fingerprints.words(body)
    kept = print_.keeping([True, False, True, True, True])
    stripped = "\n\n".join(p for n, p in enumerate(body.split("\n\n")) if n != 1)
    assert kept.tokens == StoryPrint.of("A title", stripped).tokens
    assert kept.template_hash == StoryPrint.of("A title", stripped).template_hash
    assert kept.sketch == StoryPrint.of("A title", stripped).sketch


def test_story_built_without_the_loader_keeps_the_contract() -> None:
    """One golden story: every field normalized as the feed holds it."""
    item = StoryPage(response((GOLDEN / "pakistan.html").read_bytes())).to_item()
    assert isinstance(item, Story)
    assert item.body and "\n\n" in item.body and "  " not in item.body
    assert item.word_count == len(item.body.split())
    assert item.related_topics == list(dict.fromkeys(item.related_topics))


@pytest.mark.parametrize(
    "base",
    [
        "https://www.urdupoint.com/en/world/a-story-2190111.html?x=1#f",
        "http://www.urdupoint.com/en/deep/path/a-story-2190111.html",
        "http://127.0.0.1:8000/en/world/a-story-2190111.html",
    ],
)
def test_topic_hrefs_resolve_and_classify_as_without_the_cache(base: str) -> None:
    """The cached resolution is used only where the page's path cannot matter."""
    hrefs = [
        "/en/topic/pakistan",
        "/en/topic/pakistan?page=2#top",
        "/en/../en/topic/x",
        "//www.urdupoint.com/en/topic/y",
        "//?q",
        "/\t/?q",
        "/",
        "http://\t?q",
        "https://www.urdupoint.com/en/topic/z",
        "HTTP://WWW.URDUPOINT.COM/en/topic/z",
        "http://127.0.0.1:8000/en/topic/z",
        "https://urdupoint.com/en/world/another-2190222.html",
        "https://other.example/en/topic/z",
        "topic/relative",
        "../topic/up",
        "?page=2",
        "#frag",
        "",
        "mailto:a@b.c",
        "/daily/urdu-page",
        "/en/team/author-1",
    ]
    site = story_module.Site.from_base_url("http://127.0.0.1:8000")
    links = "".join(f'<li><a href="{href}">Topic {n}</a></li>' for n, href in enumerate(hrefs))
    html = f"<html><body><h3>Related Topics</h3><ul>{links}</ul></body></html>"
    for _ in range(2):  # the second time from the cache
        page = StoryPage(HtmlResponse(url=base, body=html.encode(), encoding="utf-8"), site)
        heading = page._heading("related topics", story_module.RELATED_TOPICS_RE)
        assert heading is not None
        expected = []
        for href, name in story_module.links_after(heading):
            absolute = story_module.urljoin(base, href)
            if (
                name
                and site.owns(absolute)
                and story_module.page_kind(absolute) not in (story_module.NOT_TOPICS)
            ):
                expected.append((absolute, name))
        assert page.topic_links == expected
        assert expected, "some hrefs are topics of the site"


#: Leaves ``text_of`` reads without XPath: code, comments, entities, odd whitespace.
LEAVES = (
    "<html><head><title> A &amp; B\u200b </title><script>var x = 1;</script></head><body>"
    "<p>plain</p><p><!-- c --></p><p>a<!-- c -->b</p><span>\u00a0spaced\n out\t</span>"
    "<style>p {}</style><noscript>off</noscript><template>t</template><b></b>"
    "<a hidden>hidden leaf</a><p><script>inner()</script>after</p></body></html>"
)


@pytest.mark.parametrize(
    ("name", "body"),
    [*pages(), ("leaves", LEAVES.encode("utf-8"))],
    ids=[*(n for n, _ in pages()), "leaves"],
)
def test_text_of_a_leaf_is_what_the_general_path_gives(name: str, body: bytes) -> None:
    """``text_of``'s leaf shortcut gives the text its general path gives, element by element."""
    root = page_tree(response(body))
    for node in root.iter():
        expected = normalize_space(" ".join(_visible_texts(node)))
        assert text_of(node) == expected, (name, node.tag)


def test_normalize_space_keeps_only_short_plain_strings() -> None:
    """Short plain strings are kept with their normalized form; long ones and lxml's smart
    strings (which would keep their whole tree alive) never are; all normalize alike."""
    from newsbot.text import normalize

    normalize._normalized_short.cache_clear()
    short = " A\u200b\u00a0title\n\t here\x07 "
    long = "word \u200b " * (normalize.MAX_CACHED_TEXT // 7 + 1)
    smart = etree.fromstring("<p> smart\u00a0 text </p>").xpath("text()")[0]
    assert type(smart) is not str
    expected = {short: "A title here", long: " ".join(["word"] * (len(long) // 7))}
    expected[smart] = "smart text"
    for text, normalized in expected.items():
        assert normalize.normalize_space(text) == normalized
        assert normalize.normalize_space(text) == normalized  # again, from the cache if kept
    assert normalize._normalized_short.cache_info().currsize == 1


def test_a_lock_free_property_is_computed_once_and_a_failure_is_not_kept() -> None:
    """``newsbot.cached.cached_property`` (the story page's and the story print's)
    behaves as functools' does."""
    calls: list[int] = []

    class Page:
        @cached_property
        def value(self) -> int:
            calls.append(1)
            if len(calls) == 1:
                raise ValueError("first read fails")
            return len(calls)

    page = Page()
    with pytest.raises(ValueError, match="first read fails"):
        _ = page.value
    assert (page.value, page.value, calls) == (2, 2, [1, 1])
    assert Page.__dict__["value"].__get__(None, Page) is Page.__dict__["value"]


#: Bodies that trip ``page_tree``'s shortcut (the body bytes fed as they are): blanks and
#: non-ASCII spaces at the edges, byte order marks, NULs, bytes that are not UTF-8, a
#: U+FFFD of the page's own, non-ASCII characters at the edges, other encodings.
EDGES = [
    (b"\t\n <html><body><p>x</p></body></html>\n\x1c\x1f\x0b ", "utf-8"),
    ("\u00a0<html><body><p>nbsp first</p></body></html>\u3000".encode(), "utf-8"),
    ("\n<html><body><p>x</p></body></html>\n\u2028".encode(), "utf-8"),
    ("\u0085 <p>next-line first</p>".encode(), "utf-8"),
    (b"\xef\xbb\xbf  <html><body><p>utf-8 BOM</p></body></html>", "utf-8"),
    ("\ufeff<p>BOM</p>".encode("utf-16"), "utf-8"),
    (b"<html><body><p>a \x00 NUL</p></body></html>", "utf-8"),
    (b"<html><body><p>not UTF-8 \xff\xfe here</p></body></html>", "utf-8"),
    (b"<html><body><p>a cut-off \xe2\x80 character</p></body></html>", "utf-8"),
    ("<html><body><p>its own \ufffd</p></body></html>".encode(), "utf-8"),
    ("é<p>non-ASCII edges</p>ü".encode(), "utf-8"),
    ("<p>caf\u00e9</p>".encode("latin-1"), "latin-1"),
    ("<p>caf\u00e9 \u2019</p>".encode("cp1252"), "cp1252"),
    (b"  \n\t ", "utf-8"),
    (b"\x1c", "utf-8"),
]


@pytest.mark.parametrize(("body", "encoding"), EDGES)
def test_a_tree_parsed_from_the_body_bytes_is_the_selectors_tree(
    body: bytes, encoding: str
) -> None:
    """Where ``page_tree`` feeds the body to the parser as it is, the tree is the one the
    decoded, stripped and re-encoded text gives; elsewhere it takes that long way."""
    page = HtmlResponse(url=URL, body=body, encoding=encoding)
    assert serialized(page_tree(page)) == serialized(page.selector.root)
    plain = HtmlResponse(url=URL, body=body, headers={"Content-Type": "text/html"})
    assert serialized(page_tree(plain)) == serialized(plain.selector.root)


def _challenge_before(response: TextResponse) -> bool:
    """``is_challenge`` as it was before its markers became one scan (the reference)."""
    from newsbot.site.challenge import CHALLENGE_MARKERS, CHALLENGE_TITLE_RE, PAGE_TITLE_RE

    if (response.headers.get(b"cf-mitigated") or b"").lower() == b"challenge":
        return True
    head = response.text[:20000]
    title = PAGE_TITLE_RE.search(head)
    if title and CHALLENGE_TITLE_RE.search(title.group(1)):
        return True
    return any(marker in head for marker in CHALLENGE_MARKERS) and "<h1" not in head


CHALLENGES = [
    "<html><head><title>Just a moment...</title></head><body></body></html>",
    "<TITLE data-x=1>ATTENTION REQUIRED! | Cloudflare</TITLE>",
    "<t\u0131tle>just a moment</t\u0131tle>",  # re.I: the dotless i is an i
    "<title>\u212aust a moment</title>",
    "<title>x</title><title>Checking your browser</title>",
    "<!-- <title>Just a moment</title> --><title>News</title>",
    "<title>News</title><div id='challenge-form'></div>",
    "<title>News</title><div id='challenge-form'></div><h1>A story</h1>",
    "<title>News</title><form class='challenge-running'>",
    "<p>cf-challenge</p>",
    "<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/cf_chl_opt'></script>",
    "<h1>t</h1>cf_chl_",
    "<H1>upper-case heading</H1><div class='cf-challenge'>",
    "x" * 19990 + "cf_chl_",
    "x" * 19995 + "cf_chl_",
    "cf_chl_" + "x" * 20000 + "<h1>",
    "<p>challenge form running</p>",
    "",
]


@pytest.mark.parametrize("text", CHALLENGES)
def test_a_challenge_is_told_as_before(text: str) -> None:
    from newsbot.site.challenge import is_challenge

    for page in (
        HtmlResponse(url=URL, body=text.encode(), encoding="utf-8"),
        TextResponse(url=URL, body=text.encode(), encoding="utf-8"),
    ):
        assert is_challenge(page) == _challenge_before(page)


def test_a_story_page_is_asked_once_whether_it_is_a_challenge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from newsbot.site import challenge

    asked: list[str] = []

    def counted(page: TextResponse) -> bool:
        asked.append(page.url)
        return challenge.is_challenge(page)

    monkeypatch.setattr(story_module, "is_challenge", counted)
    name, body = golden_pages()[0]
    result = story_module.parse_story(response(body))
    assert result.item is not None, name
    assert asked == [URL]


HREFS = [
    "http://127.0.0.1:8999/en/world/a-story-2190111.html",
    "https://www.urdupoint.com/en/world/a-story-2190111.html",
    "HTTP://www.urdupoint.com/en/world/a-story-2190111.html",
    "http://www.urdupoint.com/en/world/a-story-2190111.html?utm_source=x",
    "http://www.urdupoint.com/en/world/a-story-2190111.html#top",
    "http://www.urdupoint.com/en/world/a-story-2190111.html?",
    "http://www.urdupoint.com/en/world/a;params-2190111.html",
    "http://www.urdupoint.com/en/world/a-\tstory-2190111.html",
    "http://www.urdupoint.com/en/world/a-st\nory-2190111.html",
    "http://www.urdupoint.com/en/world/caf\u00e9-2190111.html",
    "http://[::1]:8999/en/x.html",
    "http://[bad/en/x.html",
    "http://www.urdupoint.com",
    "http://www.urdupoint.com:8999",
    "http://user@www.urdupoint.com/x",
    "http://www.urd\u00fcpoint.com/x",
    "http:///en/x.html",
    "http:/en/x.html",
    "//www.urdupoint.com/en/x.html",
    "/en/world/a-story-2190111.html",
    "a-story-2190111.html",
    "../images/a.jpg",
    "javascript:alert(1)",
    "ftp://example.com/x",
    "",
]


@pytest.mark.parametrize("href", HREFS)
def test_a_plain_absolute_url_joins_and_strips_as_urllib_does(href: str) -> None:
    """``absolute_url`` and ``strip_query_and_fragment`` skip urllib only where it would
    give the URL back: their answers (and errors) are urllib's on every kind of href."""
    from urllib.parse import urljoin, urlsplit, urlunsplit

    from newsbot.site.urls import absolute_url, strip_query_and_fragment

    def answer(call: Callable[[], str]) -> str:
        try:
            return call()
        except ValueError as exc:
            return f"ValueError: {exc}"

    for base in (URL, "http://127.0.0.1:8999/en/a/b.html?q=1", "https://h/"):
        ours = answer(lambda base=base: absolute_url(base, href))
        assert ours == answer(lambda base=base: urljoin(base, href))

    def stripped() -> str:
        parts = urlsplit(href)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))

    assert answer(lambda: strip_query_and_fragment(href)) == answer(stripped)


def _story_url_before(page: StoryPage) -> tuple[str, list[str]]:
    """``StoryPage.story_url`` as it was before its shortcut for a link to the page itself."""
    from urllib.parse import urljoin

    from newsbot.site.urls import story_id, story_match, strip_query_and_fragment

    problems: list[str] = []
    fetched = strip_query_and_fragment(page.response.url)
    links = [link.get("href") for link in page.tags["link"] if link.get("rel") == "canonical"]
    canonical = next((href for href in links if href is not None), None)
    if canonical is None:
        return fetched, problems
    absolute = urljoin(page.response.url, canonical.strip())
    fetched_id = story_id(fetched)
    if page.site.owns(absolute) and story_match(absolute):
        if story_id(absolute) == fetched_id:
            return strip_query_and_fragment(absolute), problems
    if fetched_id is not None:
        problems.append("canonical/disagree")
    return fetched, problems


@pytest.mark.parametrize(
    ("fetched", "canonical"),
    [
        (URL, URL),
        (URL + "?utm_source=x", URL),
        (URL, URL + "?page=2"),
        (URL, "https://www.urdupoint.com/en/world/other-2190112.html"),
        (URL, "/en/world/a-story-2190111.html"),
        (URL, URL.replace("https://www.", "http://")),
        ("https://elsewhere.example/en/world/a-story-2190111.html",) * 2,
        ("https://www.urdupoint.com/en/news/world.html",) * 2,
        ("https://www.urdupoint.com/en/news/world.html", URL),
        (URL, "javascript:void(0)"),
    ],
)
def test_the_canonical_url_is_trusted_as_before(fetched: str, canonical: str) -> None:
    """A canonical link naming the fetched URL itself skips the id and host checks it
    already passed; every canonical link gives the URL and problems it gave before."""
    from newsbot.site.urls import Site

    body = f'<html><head><link rel="canonical" href="{canonical}"></head></html>'
    page = StoryPage(
        HtmlResponse(url=fetched, body=body.encode(), encoding="utf-8"),
        Site.from_base_url("https://www.urdupoint.com"),
    )
    expected_url, expected_problems = _story_url_before(page)
    assert page.story_url == expected_url
    assert [problem.key for problem in page.report.problems] == expected_problems
