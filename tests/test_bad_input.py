"""Bad input: the parsers never raise, and a redesigned site fails the run loudly."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse, Response, TextResponse

from newsbot.items import Story
from newsbot.site.pages.listing import parse_listing
from newsbot.site.pages.story import Rejected, parse_story
from tests.conftest import SampleSite, build_and_serve, run_crawl

STORY_URL = "https://www.urdupoint.com/en/pakistan/some-story-2190111.html"
GOLDEN = Path(__file__).parent / "golden" / "article" / "seed-story.html"
TAGS = st.sampled_from(
    ["div", "p", "h1", "h2", "h3", "span", "a", "ul", "li", "script", "style", "br", "b", "i"]
)
ATTRS = st.sampled_from(
    ['', ' class="detail_txt"', ' class="news_article"', ' class="article-date"',
     ' href="/en/topics/x.html"', ' href="/en/world/y-1234567.html"', ' id="teads_upw"',
     ' type="application/ld+json"', ' class="txt_box"', ' rel="canonical"']
)  # fmt: skip
TEXT = st.text(max_size=40) | st.sampled_from(
    [
        "Related Topics",
        "More Stories From X",
        "Published December 30, 2022 | 12:05 AM",
        "Moscow, (APP - UrduPoint - 4th Jan, 2023 ) :",
        "Next \u00bb",
        "2",
        '{"@type": "NewsArticle", "datePublished": "2022-12-30T15:20:00+0500"}',
        "Just a moment...",
        "Page Not Found",
    ]
)


@st.composite
def markup(draw: st.DrawFn, depth: int = 0) -> str:
    """Random, often broken, HTML made of the site's own building blocks."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 4 and draw(st.booleans()):
            tag = draw(TAGS)
            inner = draw(markup(depth + 1))
            closing = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}"]))
            parts.append(f"<{tag}{draw(ATTRS)}>{inner}{closing}")
        else:
            parts.append(draw(TEXT))
    return "".join(parts)


def check(result_item: Story | None, rejected: Rejected | None) -> None:
    assert (result_item is None) != (rejected is None)
    if result_item is not None:
        assert result_item.title and result_item.published_at and result_item.article_id
        for value in (result_item.title, result_item.body, result_item.summary):
            assert value is None or "<script" not in value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=3000))
def test_parsers_never_raise_on_arbitrary_bytes(body: bytes) -> None:
    response = HtmlResponse(url=STORY_URL, body=body)
    result = parse_story(response)
    check(result.item, result.rejected)
    parse_listing(response)
    plain = Response(url=STORY_URL, body=body)
    assert parse_story(plain).rejected == Rejected("not_html", STORY_URL)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=markup())
def test_parsers_never_raise_on_arbitrary_markup(html: str) -> None:
    response = HtmlResponse(url=STORY_URL, body=html.encode("utf-8"), encoding="utf-8")
    result = parse_story(response)
    check(result.item, result.rejected)
    links = parse_listing(response)
    assert all(url.startswith("https://www.urdupoint.com/") for url in links.stories)


@pytest.mark.parametrize(
    ("body", "declared"),
    [
        (GOLDEN.read_text(encoding="utf-8").encode("cp1252", "replace"), "windows-1252"),
        (GOLDEN.read_text(encoding="utf-8").encode("cp1252", "replace"), "utf-8"),  # wrong
        (b"\xef\xbb\xbf" + GOLDEN.read_bytes(), None),  # a BOM, no charset header
        (GOLDEN.read_bytes()[: len(GOLDEN.read_bytes()) // 2], None),  # truncated
        (b"<div>" * 5000 + GOLDEN.read_bytes(), None),  # deeply nested
    ],
    ids=["cp1252", "cp1252-declared-utf8", "bom", "truncated", "deep"],
)
def test_odd_encodings_and_broken_pages_still_parse_or_are_refused(
    body: bytes, declared: str | None
) -> None:
    headers = {"Content-Type": f"text/html; charset={declared}"} if declared else {}
    response = HtmlResponse(url=STORY_URL, body=body, headers=headers)
    assert isinstance(response, TextResponse)
    result = parse_story(response)
    check(result.item, result.rejected)
    if result.item is not None:
        assert result.item.title == "Putin Tells Xi He Wants To Ramp Up Military Cooperation"


@pytest.fixture
def redesigned_site(tmp_path: Path) -> Iterator[SampleSite]:
    """The sample site after a redesign: story titles are no longer in an ``h1``.

    The title's other signals (JSON-LD ``headline``, ``og:title``, ``<title>``) go too: with
    any of them left, the parser reads the title from it and the crawl survives.
    """
    site = build_and_serve(tmp_path / "sample")
    for page in site.build.docroot.glob("en/*/*.html"):
        if "/news/" in str(page) or "/topics/" in str(page) or "/team/" in str(page):
            continue
        html = page.read_text(encoding="utf-8")
        html = html.replace('<h1 class="fs24 lh38">', '<div class="headline">')
        html = re.sub(r'"headline": "[^"]*", ', "", html)
        html = re.sub(r'<meta property="og:title"[^>]*>', "", html)
        html = re.sub(r"<title>[^<]*</title>", "<title>UrduPoint</title>", html)
        page.write_text(html.replace("</h1>", "</div>"), encoding="utf-8")
    try:
        yield site
    finally:
        site.server.stop()


@pytest.mark.e2e
def test_a_redesign_that_empties_a_required_field_fails_the_run_loudly(
    redesigned_site: SampleSite, tmp_path: Path
) -> None:
    run = run_crawl(tmp_path, "-a", f"base_url={redesigned_site.base_url}")
    assert run.returncode == 3, run.log[-2000:]
    assert "The site probably changed its layout" in run.log
    report = json.loads((tmp_path / "output" / "urdupoint.report.json").read_text())
    assert report["finish_reason"] == "site_layout_changed"
    assert report["coverage_of_story_pages"]["title"] < 0.95
    assert report["problems"]


@pytest.mark.e2e
def test_a_healthy_crawl_reports_coverage_and_exits_0(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    run = run_crawl(tmp_path, "-a", f"base_url={sample_site.base_url}")
    assert run.returncode == 0
    report = json.loads((tmp_path / "output" / "urdupoint.report.json").read_text())
    assert report["finish_reason"] == "finished" and not report["problems"]
    assert report["stories_emitted"] == len(sample_site.ground_truth())
    assert report["coverage_of_emitted"]["body"] == 1.0
    assert report["dropped"]["stub"] == 3


def test_hidden_text_and_invisible_characters_stay_out_of_fields() -> None:
    """Found by an adversary: ``<span hidden>``, ``aria-hidden`` and ``display:none`` text got
    into the title and summary, and a bell and a right-to-left override stayed in the title."""
    page = Path(__file__).parent / "golden" / "article" / "pakistan.html"
    html = page.read_text(encoding="utf-8")
    title = "Central Bank Approved A New Development Package For The Region"
    hostile = html.replace(
        f'<h1 class="fs24 lh38">{title}</h1>',
        f'<h1 class="fs24 lh38">\x07\u202e{title}<span hidden>HID</span>'
        '<i aria-hidden="true">ARIA</i></h1>',
    ).replace(
        '<h2 class="fs16 lh28">',
        '<h2 class="fs16 lh28"><span style="display: none">SECRET</span>',
    )
    assert hostile != html
    url = "https://www.urdupoint.com/en/pakistan/" + page.stem + "-2190111.html"
    clean = parse_story(HtmlResponse(url=url, body=html.encode(), encoding="utf-8")).item
    result = parse_story(HtmlResponse(url=url, body=hostile.encode(), encoding="utf-8"))
    assert clean is not None and result.item is not None
    assert result.item.title == clean.title == title
    assert result.item.summary == clean.summary


def test_noncharacters_stay_out_of_fields() -> None:
    """U+FFFE, U+FFFF and U+FDD0..U+FDEF, noncharacters (for a program's own use, never text:
    no XML may hold U+FFFE or U+FFFF, and U+FFFE reads as a byte-swapped BOM) went into
    the feed from markup (``&#xFFFF;``) and from JSON-LD (``\\uffff``), as a bell did."""
    page = Path(__file__).parent / "golden" / "article" / "pakistan.html"
    html = page.read_text(encoding="utf-8")
    title = "Central Bank Approved A New Development Package For The Region"
    body_start = "The education department announced"
    hostile = (
        html.replace(f">{title}</h1>", f">Central &#xFFFF;Bank&#xFDD0; &#xFFFE;{title[13:]}</h1>")
        .replace(body_start, "The education\uffff department announced")
        .replace('"name": "Zainab Rasheed"', '"name": "Zainab\\ufffe Rasheed"')
        .replace('<a href="/en/team/zainab-rasheed.html">Zainab Rasheed</a>', "")
    )
    assert hostile.count("FFF") == 2 and "ufffe" in hostile and "\uffff" in hostile
    url = "https://www.urdupoint.com/en/pakistan/" + page.stem + "-2190111.html"
    clean = parse_story(HtmlResponse(url=url, body=html.encode(), encoding="utf-8")).item
    result = parse_story(HtmlResponse(url=url, body=hostile.encode(), encoding="utf-8"))
    assert clean is not None and result.item is not None
    assert result.item.title == clean.title == title
    assert result.item.body == clean.body
    assert result.item.author == clean.author == "Zainab Rasheed"


@pytest.mark.parametrize(
    "trailer",
    [
        " " * 10_000,
        "<!-- " + "x" * 10_000 + " -->",
        "<script>" + "var a = 1;" * 2_000 + "</script>\n",
    ],
    ids=["spaces", "comment", "script"],
)
def test_a_page_with_a_long_trailer_after_its_end_is_no_page_cut_off(trailer: str) -> None:
    """Only the last 8 KB are searched for ``</body>``/``</html>``: a page followed by a
    longer trailer (an analytics script, a CDN's injection, padding) was a ``truncated``
    drop, asked again for five runs, then given up, where a browser shows it whole."""
    page = Path(__file__).parent / "golden" / "article" / "pakistan.html"
    html = page.read_text(encoding="utf-8")
    url = "https://www.urdupoint.com/en/pakistan/" + page.stem + "-2190111.html"
    result = parse_story(HtmlResponse(url=url, body=(html + trailer).encode(), encoding="utf-8"))
    assert result.rejected is None, result.rejected
    # A page cut by a failed fetch is still one, trailer or not.
    for cut in (html[: len(html) // 2], (html + trailer)[: len(html) // 2] + "<p>more"):
        cut_off = parse_story(HtmlResponse(url=url, body=cut.encode(), encoding="utf-8"))
        assert cut_off.rejected is not None and cut_off.rejected.reason == "truncated"
    # Cut right after a tag, with ``</body>`` earlier in a head script's string (or an old
    # browsers' conditional comment) and over 8 KB of page after it: still cut off. Any
    # ``</body`` anywhere used to make it whole, and half a story was written for good.
    for early in (
        "<script>w.document.write('<html><body>Loading</body></html>');</script>",
        "<!--[if lt IE 9]><html><body></body></html><![endif]-->",
    ):
        headed = html.replace("</head>", early + "<style>" + "p{}\n" * 3000 + "</style></head>")
        cut = headed[: headed.index("</p>", headed.index("<body")) + 4]
        cut_off = parse_story(HtmlResponse(url=url, body=cut.encode(), encoding="utf-8"))
        assert cut_off.rejected is not None and cut_off.rejected.reason == "truncated", early
