"""The offline sample site: deterministic, consistent with its ground truth, fully reachable.

The ground-truth check parses every generated story page by the markup rules of docs/site.md
(independently of the generator's model), so a page and its expected item cannot drift apart.
The drop cases (wire copies, near-duplicates, video stubs, soft 404s, a template series) are
checked against their pages too: a copy's body really equals, or nearly equals, its original's,
and no two distinct ground-truth stories look like duplicates or template copies.
"""

from __future__ import annotations

import difflib
import json
import re
import threading
from collections import deque
from datetime import datetime, timedelta, timezone
from itertools import combinations
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
from parsel import Selector

from newsbot.sample_site import BuildResult, SampleSiteServer, build_site
from newsbot.sample_site.__main__ import main as cli_main

BASE = "http://127.0.0.1:8000"
CATEGORIES = ["pakistan", "world", "business", "sports", "technology"]
CONTRACT_KEYS = [
    "url",
    "article_id",
    "title",
    "summary",
    "author",
    "author_handle",
    "published_at",
    "modified_at",
    "section",
    "category",
    "dateline_place",
    "source_agency",
    "body",
    "related_topics",
    "image_url",
    "language",
    "word_count",
]
PKT = timezone(timedelta(hours=5))
DATELINE = re.compile(
    r"^(?P<place>[^,(]+?), \((?P<agency>[^()]+?) - \d{1,2}(?:st|nd|rd|th) [A-Z][a-z]{2}, "
    r"\d{4} \) :"
)
STORY_PATH = re.compile(r"^/en/(?P<section>[a-z]+)/[a-z0-9-]+-(?P<id>\d{7})\.html$")
TRACKING = "?utm_source=twitter&utm_medium=social#comments"
PROMO = "Follow UrduPoint on WhatsApp and Google News for the latest updates."
LEGAL = "Copying this story without permission is prohibited under the Copyright Ordinance."
BOILERPLATE = frozenset({PROMO, LEGAL})
"""Paragraphs a correct crawl leaves out of bodies (the boilerplate rule)."""
DROP_REASONS = {
    "not_found",
    "missing_published_at",
    "missing_title",
    "duplicate_body",
    "near_duplicate",
    "stub",
    "template",
}
MONTHS = (
    "January February March April May June July August September October November December"
).split()
DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
NAMES = re.compile(r"\b(?:" + "|".join(MONTHS + DAYS) + r")\b")
GOLD_TITLE = re.compile(r"^Gold Rate In Pakistan Today \d{1,2} [A-Z][a-z]+ \d{4}$")


def tree(root: Path) -> dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def local_path(href: str) -> str | None:
    """A root-relative link without query and fragment, or None for other links."""
    if not href.startswith("/") or href.startswith("//"):
        return None
    return href.split("#", 1)[0].split("?", 1)[0]


def page_file(docroot: Path, path: str) -> Path | None:
    target = docroot / path.lstrip("/")
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def sel_of(docroot: Path, path: str) -> Selector:
    return Selector(text=(docroot / path.lstrip("/")).read_text(encoding="utf-8"))


def norm(text: str) -> str:
    return " ".join(text.split())


def extract(sel: Selector, url: str) -> dict[str, Any]:
    """An item from a story page, by docs/site.md's rules (what a correct spider does)."""
    canonical = sel.css("link[rel=canonical]::attr(href)").get() or url
    match = STORY_PATH.match(canonical.removeprefix(BASE))
    assert match, canonical
    spans = sel.css("div.author_wrap span.article-date")
    author = handle = published = None
    for span in spans:
        text = norm("".join(span.css("::text").getall()))
        if text.startswith("Published "):
            naive = datetime.strptime(text.removeprefix("Published "), "%B %d, %Y | %I:%M %p")
            published = naive.replace(tzinfo=PKT).isoformat()
        elif span.css("a[href^='/en/team/']"):
            author = text
        elif text.startswith("(@"):
            handle = text.strip("()")
    article_ld: dict[str, Any] = {}
    for raw in sel.css("script[type='application/ld+json']::text").getall():
        data = json.loads(raw)
        if data.get("@type") == "NewsArticle":
            article_ld = data
    modified = article_ld.get("dateModified")
    paragraphs = []
    blocks = sel.xpath(
        "//div[contains(@class,'detail_txt')]/*[self::p or self::div[not(@id) and not(@class)]]"
    )
    place = agency = None
    for i, block in enumerate(blocks):
        texts = block.xpath(".//text()[not(ancestor::script or ancestor::style)]").getall()
        text = norm("".join(texts))
        if i == 0 and (dateline := DATELINE.match(text)):
            place, agency = dateline["place"], dateline["agency"]
            text = text[dateline.end() :]
        if text not in BOILERPLATE:
            paragraphs.append(text)
    body = "\n\n".join(paragraphs)
    more = sel.xpath("//h3[starts-with(normalize-space(), 'More Stories From ')]/text()").get()
    topics = sel.xpath(
        "//h3[normalize-space()='Related Topics']/following-sibling::ul[1]//a/text()"
    ).getall()
    return {
        "url": canonical,
        "article_id": match["id"],
        "title": norm(sel.css("h1::text").get() or ""),
        "summary": norm(sel.css("h2::text").get()) if sel.css("h2") else None,
        "author": author,
        "author_handle": handle,
        "published_at": published,
        "modified_at": (
            datetime.strptime(modified, "%Y-%m-%dT%H:%M:%S%z").isoformat() if modified else None
        ),
        "section": match["section"],
        "category": norm(more).removeprefix("More Stories From ") if more else None,
        # The feed gives places in title case, however the page writes them.
        "dateline_place": place.title() if place and place.isupper() else place,
        "source_agency": agency,
        "body": body,
        "related_topics": topics,
        "image_url": (article_ld.get("image") or {}).get("url"),
        "language": "en",
        "word_count": len(body.split()),
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build_site(tmp_path_factory.mktemp("site"), BASE)


@pytest.fixture(scope="module")
def truth(site: BuildResult) -> list[dict[str, Any]]:
    return site.ground_truth_rows()


@pytest.fixture(scope="module")
def pages(site: BuildResult, truth: list[dict[str, Any]]) -> dict[str, str]:
    """Story id -> HTML of its page."""
    return {
        row["article_id"]: (site.docroot / row["url"].removeprefix(BASE).lstrip("/")).read_text(
            encoding="utf-8"
        )
        for row in truth
    }


def test_build_result_and_files(site: BuildResult, truth: list[dict[str, Any]]) -> None:
    assert site.docroot == site.root / "site"
    assert site.categories == CATEGORIES
    assert site.story_count == len(truth) >= 130
    assert [r["article_id"] for r in truth] == sorted(r["article_id"] for r in truth)
    assert all(list(row) == CONTRACT_KEYS for row in truth)
    for cat in CATEGORIES:
        assert (site.docroot / f"en/news/{cat}-updates3.html").is_file(), cat
    robots = (site.docroot / "robots.txt").read_text(encoding="utf-8")
    assert "Disallow: /en/private/" in robots
    rss_text = (site.docroot / "en/sitemap/news.rss").read_text(encoding="utf-8")
    rss = Selector(text=rss_text, type="xml")
    assert len(rss.xpath("//item")) == 20
    daily = (site.docroot / "daily/index.html").read_text(encoding="utf-8")
    assert 'lang="ur"' in daily and 'dir="rtl"' in daily
    raw = site.ground_truth.read_text(encoding="utf-8")
    assert "\\u" not in raw and "“" in raw  # ensure_ascii=False


def test_ground_truth_matches_the_pages(
    site: BuildResult, truth: list[dict[str, Any]], pages: dict[str, str]
) -> None:
    for row in truth:
        got = extract(Selector(text=pages[row["article_id"]]), row["url"])
        assert got == row, row["url"]
        assert row["word_count"] >= 40
        assert "\xa0" not in row["body"]


def test_expected_drops(site: BuildResult) -> None:
    rows = site.expected_drop_rows()
    assert all(list(row) == ["url", "article_id", "reason", "duplicate_of"] for row in rows)
    assert {row["reason"] for row in rows} == DROP_REASONS
    listed = set()
    for cat in CATEGORIES:
        for f in (site.docroot / "en/news").glob(f"{cat}*.html"):
            hrefs = Selector(text=f.read_text("utf-8")).css("a::attr(href)").getall()
            listed.update(local_path(h) for h in hrefs)
    for row in rows:
        assert row["url"].removeprefix(BASE) in listed
    drops = {row["reason"]: row for row in rows}
    not_found = [row for row in rows if row["reason"] == "not_found"]
    assert len(not_found) == 2
    for row in not_found:
        nf = sel_of(site.docroot, row["url"].removeprefix(BASE))
        assert nf.css("title::text").get() == "Page Not Found - UrduPoint"
        assert nf.css("h1::text").get() == "Page Not Found" and not nf.css(".detail_txt")
    nodate = sel_of(site.docroot, drops["missing_published_at"]["url"].removeprefix(BASE))
    assert nodate.css("h1::text").get() and nodate.css(".detail_txt > *")
    assert not any("Published" in t for t in nodate.css(".author_wrap ::text").getall())
    assert "datePublished" not in nodate.get()
    first = nodate.css(".detail_txt > *:first-child ::text").getall()
    assert not DATELINE.match(norm("".join(first)))
    notitle = sel_of(site.docroot, drops["missing_title"]["url"].removeprefix(BASE))
    assert notitle.css("h1") and not norm("".join(notitle.css("h1 ::text").getall()))
    assert '"headline"' not in notitle.get() and not notitle.css("meta[property='og:title']")


# --- duplicates, stubs, templates, boilerplate -----------------------------------------


def similarity(a: str, b: str) -> float:
    """Word-level edit similarity: 1 - word edits / the longer length (difflib opcodes)."""
    wa, wb = a.split(), b.split()
    ops = difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes()
    edits = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")
    return 1 - edits / max(len(wa), len(wb), 1)


def shingles(text: str) -> set[tuple[str, ...]]:
    words = text.split()
    return {tuple(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def masked(text: str) -> str:
    """Text with digit runs, month names and day names masked (the template rule)."""
    return NAMES.sub("@", re.sub(r"\d+", "#", text))


def drop_item(site: BuildResult, row: dict[str, Any]) -> dict[str, Any]:
    """What a correct spider extracts from a drop's page (before dedupe drops it)."""
    return extract(sel_of(site.docroot, row["url"].removeprefix(BASE)), row["url"])


def by_reason(rows: list[dict[str, Any]], reason: str) -> list[dict[str, Any]]:
    return [row for row in rows if row["reason"] == reason]


def test_no_two_truth_stories_look_like_duplicates(truth: list[dict[str, Any]]) -> None:
    bodies = [row["body"] for row in truth]
    assert not any(line in body for body in bodies for line in BOILERPLATE)
    assert len(set(bodies)) == len(bodies)
    assert len({masked(b) for b in bodies}) == len(bodies)
    assert len({masked(r["title"] + "\n" + r["body"]) for r in truth}) == len(truth)
    grams = [shingles(b) for b in bodies]
    close = []
    for i, j in combinations(range(len(truth)), 2):
        union = len(grams[i] | grams[j])
        if len(grams[i] & grams[j]) / union > 0.4 and similarity(bodies[i], bodies[j]) >= 0.85:
            close.append((truth[i]["article_id"], truth[j]["article_id"]))
    assert not close


def test_wire_story_published_twice(site: BuildResult, truth: list[dict[str, Any]]) -> None:
    by_id = {row["article_id"]: row for row in truth}
    copies = by_reason(site.expected_drop_rows(), "duplicate_body")
    assert len(copies) == 2
    for row in copies:
        original = by_id[row["duplicate_of"]]
        copy = drop_item(site, row)
        assert original["author"] is None and original["source_agency"].startswith("APP - ")
        assert (copy["author"], copy["source_agency"]) == (None, original["source_agency"])
        assert int(row["article_id"]) > int(original["article_id"])
        gap = datetime.fromisoformat(copy["published_at"]) - datetime.fromisoformat(
            original["published_at"]
        )
        assert timedelta(minutes=5) <= gap <= timedelta(minutes=60)
        assert copy["title"].strip().lower() == original["title"].lower()
        assert copy["body"] == original["body"]
        slug = row["url"].rsplit("/", 1)[1].removesuffix(f"-{row['article_id']}.html")
        assert slug != original["url"].rsplit("/", 1)[1].removesuffix(
            f"-{original['article_id']}.html"
        )
        assert copy["related_topics"] == []


def test_near_duplicate_with_small_edits(site: BuildResult, truth: list[dict[str, Any]]) -> None:
    by_id = {row["article_id"]: row for row in truth}
    copies = by_reason(site.expected_drop_rows(), "near_duplicate")
    assert len(copies) == 2
    for row in copies:
        original = by_id[row["duplicate_of"]]
        copy = drop_item(site, row)
        assert original["word_count"] >= 80
        assert int(row["article_id"]) > int(original["article_id"])
        assert copy["published_at"] > original["published_at"]
        assert copy["body"] != original["body"]
        assert masked(copy["body"]) != masked(original["body"])
        assert 0.9 <= similarity(copy["body"], original["body"]) < 1
        raw = (site.docroot / row["url"].removeprefix(BASE).lstrip("/")).read_text("utf-8")
        assert re.search(r"\w  \w", raw)  # a double space in the markup


def test_video_stubs(site: BuildResult) -> None:
    stubs = by_reason(site.expected_drop_rows(), "stub")
    assert len(stubs) == 3
    videos = 0
    for row in stubs:
        assert row["duplicate_of"] is None
        item = drop_item(site, row)
        assert item["title"] and item["published_at"]
        assert 1 <= item["word_count"] < 15 and "\n\n" not in item["body"]
        sel = sel_of(site.docroot, row["url"].removeprefix(BASE))
        iframe = sel.css(".detail_txt .video_wrap iframe::attr(src)").get()
        videos += bool(iframe and iframe.startswith("https://www.youtube.com/embed/"))
    assert videos >= 1


def check_gold_series(site: BuildResult, truth: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The template series: the earliest in the truth, later days dropped; the drops."""
    golds = [row for row in truth if row["title"].startswith("Gold Rate In Pakistan")]
    assert len(golds) == 1
    first = golds[0]
    drops = by_reason(site.expected_drop_rows(), "template")
    items = [drop_item(site, row) for row in drops]
    days = [first["title"].split("Today ")[1]] + [i["title"].split("Today ")[1] for i in items]
    assert len(set(days)) == len(days)
    template = masked(first["title"] + "\n" + first["body"])
    assert 80 <= first["word_count"] <= 120 and first["body"].count("\n\n") in (2, 3)
    for row, item in zip(drops, items, strict=True):
        assert row["duplicate_of"] == first["article_id"]
        assert int(row["article_id"]) > int(first["article_id"])
        assert GOLD_TITLE.match(item["title"]) and item["section"] == "business"
        assert masked(item["title"] + "\n" + item["body"]) == template
        assert item["body"] != first["body"]
        assert item["body"] != first["body"]  # templates are told apart before near-duplicates
    return drops


def test_template_series(site: BuildResult, truth: list[dict[str, Any]]) -> None:
    drops = check_gold_series(site, truth)
    assert len(drops) >= 3
    first = next(r for r in truth if r["title"].startswith("Gold Rate"))
    assert GOLD_TITLE.match(first["title"]) and first["section"] == "business"
    days = {r["published_at"][:10] for r in truth}
    assert len(drops) + 1 == len(days)  # one a day


def test_boilerplate_paragraphs_are_rendered_but_not_in_the_truth(
    truth: list[dict[str, Any]], pages: dict[str, str]
) -> None:
    promo = legal = before_last = 0
    for row in truth:
        sel = Selector(text=pages[row["article_id"]])
        blocks = [norm("".join(b.css("::text").getall())) for b in sel.css(".detail_txt > p")]
        promo += PROMO in blocks
        legal += LEGAL in blocks
        before_last += PROMO in blocks[:-1] and blocks[-1] != LEGAL
        assert PROMO not in row["body"] and LEGAL not in row["body"]
    assert promo >= 20 and legal >= 10 and before_last >= 2


def test_determinism(tmp_path: Path, site: BuildResult) -> None:
    again = build_site(tmp_path / "again", BASE)
    assert tree(again.docroot) == tree(site.docroot)
    assert again.ground_truth.read_bytes() == site.ground_truth.read_bytes()
    assert again.expected_drops.read_bytes() == site.expected_drops.read_bytes()
    other_seed = build_site(tmp_path / "seed8", BASE, seed=8)
    assert other_seed.ground_truth.read_bytes() != site.ground_truth.read_bytes()


def test_rebuild_replaces_the_old_tree(tmp_path: Path) -> None:
    first = build_site(tmp_path, BASE, stories=40)
    stale = first.docroot / "en" / "stale.html"
    stale.write_text("old", encoding="utf-8")
    second = build_site(tmp_path, BASE, stories=40, edition=2)
    assert not stale.exists()
    assert second.story_count == first.story_count + 12


def listing_ids(docroot: Path, cat: str) -> list[str]:
    """Story ids of a category listing, in page order, across all its pages."""
    ids: list[str] = []
    page, n = f"en/news/{cat}.html", 1
    while (docroot / page).is_file():
        sel = Selector(text=(docroot / page).read_text(encoding="utf-8"))
        for href in sel.css(".list_wrap a::attr(href)").getall():
            m = STORY_PATH.match(local_path(href) or "")
            if m and (not ids or ids[-1] != m["id"]):
                ids.append(m["id"])
        n += 1
        page = f"en/news/{cat}-updates{n}.html"
    return ids


def test_edition_two_adds_new_stories_on_top(
    tmp_path: Path, site: BuildResult, truth: list[dict[str, Any]]
) -> None:
    ed2 = build_site(tmp_path / "ed2", BASE, edition=2)
    truth2 = ed2.ground_truth_rows()
    assert truth2[: len(truth)] == truth
    new = truth2[len(truth) :]
    assert len(new) == 12
    drops1 = site.expected_drop_rows()
    drops2 = ed2.expected_drop_rows()
    assert drops2[: len(drops1)] == drops1
    new_drops = drops2[len(drops1) :]
    assert sorted(r["reason"] for r in new_drops) == ["duplicate_body", "template"]
    assert min(int(r["article_id"]) for r in new_drops) > int(truth[-1]["article_id"])
    gold = next(r for r in new_drops if r["reason"] == "template")
    check_gold_series(ed2, truth2)
    last_day = max(
        datetime.strptime(r["title"].split("Today ")[1], "%d %B %Y")
        for r in map(lambda row: drop_item(site, row), by_reason(drops1, "template"))
    )
    assert drop_item(ed2, gold)["title"].endswith(f"{(last_day + timedelta(days=1)):%-d %B %Y}")
    wire = next(r for r in new_drops if r["reason"] == "duplicate_body")
    original = next(r for r in truth if r["article_id"] == wire["duplicate_of"])
    assert original["source_agency"].startswith("APP - ")
    assert drop_item(ed2, wire)["body"] == original["body"]
    assert min(int(r["article_id"]) for r in new) > max(int(r["article_id"]) for r in truth)
    assert min(r["published_at"] for r in new) > max(r["published_at"] for r in truth)
    assert len({r["section"] for r in new}) >= 3
    old_topics = {t for r in truth for t in r["related_topics"]}
    assert any(set(r["related_topics"]) & old_topics for r in new)
    # Every page of an edition-1 story (drops included) is byte-identical.
    for row in [*truth, *site.expected_drop_rows()]:
        rel = row["url"].removeprefix(BASE).lstrip("/")
        assert (ed2.docroot / rel).read_bytes() == (site.docroot / rel).read_bytes(), rel
    for cat in CATEGORIES:
        before, after = listing_ids(site.docroot, cat), listing_ids(ed2.docroot, cat)
        fresh = sorted(
            (r["article_id"] for r in new + new_drops if r["url"].startswith(f"{BASE}/en/{cat}/")),
            reverse=True,
        )
        assert after == fresh + before, cat
    ed3 = build_site(tmp_path / "ed3", BASE, edition=3)
    assert ed3.story_count == len(truth) + 24
    assert len(ed3.expected_drop_rows()) == len(drops1) + 4
    check_gold_series(ed3, ed3.ground_truth_rows())


def crawl(docroot: Path, starts: list[str], skip_prefix: str | None = None) -> set[str]:
    """Local paths reachable by following links from ``starts`` (an offline crawler)."""
    seen, queue = set(starts), deque(starts)
    while queue:
        path = queue.popleft()
        target = page_file(docroot, path)
        if target is None or target.suffix != ".html":
            continue
        for href in Selector(text=target.read_text(encoding="utf-8")).css("a::attr(href)").getall():
            link = local_path(href)
            if link is None or link in seen or link.startswith("/daily/"):
                continue
            if skip_prefix and link.startswith(skip_prefix):
                continue
            seen.add(link)
            queue.append(link)
    return {p for p in seen if page_file(docroot, p)}


def test_every_story_is_reachable_and_some_only_via_topics(
    site: BuildResult, truth: list[dict[str, Any]]
) -> None:
    starts = [f"/en/news/{cat}.html" for cat in CATEGORIES]
    wanted = {r["url"].removeprefix(BASE) for r in truth}
    drops = {r["url"].removeprefix(BASE) for r in site.expected_drop_rows()}
    reached = crawl(site.docroot, starts)
    assert wanted | drops <= reached
    without_topics = crawl(site.docroot, starts, skip_prefix="/en/topics/")
    topic_only = wanted - without_topics
    assert len(topic_only) >= 6
    # Not on any listing, nor in any teaser block: only topic pages link them.
    teasers = set()
    for page in (site.docroot / "en").rglob("*.html"):
        sel = Selector(text=page.read_text(encoding="utf-8"))
        hrefs = sel.css(".recent_stories a::attr(href), .more_stories a::attr(href)").getall()
        if "/en/news/" in str(page):
            hrefs += sel.css("a::attr(href)").getall()
        teasers.update(local_path(h) for h in hrefs)
    assert not topic_only & teasers
    by_path = {r["url"].removeprefix(BASE): r for r in truth}
    listed_topics = {t for p in wanted - topic_only for t in by_path[p]["related_topics"]}
    for path in topic_only:
        assert set(by_path[path]["related_topics"]) & listed_topics, path


def test_topic_pages_list_exactly_their_stories(
    site: BuildResult, truth: list[dict[str, Any]]
) -> None:
    topics = {t for r in truth for t in r["related_topics"]}
    assert 15 <= len(topics) <= 25
    for topic in topics:
        slug = re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")
        ids, n, page = [], 1, f"en/topics/{slug}.html"
        while (site.docroot / page).is_file():
            sel = sel_of(site.docroot, page)
            assert sel.css("h1::text").get() == topic
            cards = sel.css(".news_box .txt_box a:not(.author)::attr(href)").getall()
            assert len(cards) <= 10
            ids += [STORY_PATH.match(local_path(h) or "")["id"] for h in cards]
            n += 1
            page = f"en/topics/{slug}-updates{n}.html"
        expected = [r["article_id"] for r in truth if topic in r["related_topics"]]
        assert ids == sorted(expected, reverse=True), topic


def test_story_urls_and_slugs(truth: list[dict[str, Any]]) -> None:
    for row in truth:
        m = STORY_PATH.match(row["url"].removeprefix(BASE))
        assert m and m["id"] == row["article_id"] and m["section"] == row["section"]
        slug = re.sub(r"[^a-z0-9]+", "-", row["title"].lower()).strip("-")[:40].rstrip("-")
        assert row["url"].endswith(f"/{slug}-{row['article_id']}.html")


def test_every_variation_occurs(
    site: BuildResult, truth: list[dict[str, Any]], pages: dict[str, str]
) -> None:
    html = "\n".join(pages.values())
    docroot = site.docroot

    def some(pred: Any) -> bool:
        return any(pred(r) for r in truth)

    # Bylines: wire stories without author, authors with and without a handle.
    wire = [r for r in truth if r["author"] is None]
    assert wire and all(r["author_handle"] is None for r in wire)
    wire_ld = [
        json.dumps(re.findall(r'"@type": "NewsArticle".*', pages[r["article_id"]])) for r in wire
    ]
    assert any('\\"author\\": {\\"@type\\": \\"Organization\\"' in t for t in wire_ld)
    assert any(t != "[]" and "author" not in t for t in wire_ld)
    assert some(lambda r: r["author"] and r["author_handle"])
    assert some(lambda r: r["author"] and not r["author_handle"])
    # Datelines: both agency forms, upper- and mixed-case places, none.
    assert some(lambda r: r["source_agency"] == "UrduPoint / Pakistan Point News")
    assert some(lambda r: r["source_agency"] == "APP - UrduPoint / Pakistan Point News")
    assert some(lambda r: r["dateline_place"] is None and r["source_agency"] is None)
    # Upper-case places on the pages (wire datelines), title case in the truth.
    assert re.search(r"<(?:p|div)>[A-Z][A-Z ]+, \(APP - ", html)
    assert re.search(r"<(?:p|div)>[A-Z][a-z]+(?: [A-Z][a-z]+)*, \(UrduPoint", html)
    assert not some(lambda r: r["dateline_place"] and r["dateline_place"].isupper())
    assert some(lambda r: r["dateline_place"] and not r["dateline_place"].isupper())
    assert some(lambda r: r["dateline_place"] and " " in r["dateline_place"])
    # First paragraph in a div or a p; ads inside the body, between paragraphs.
    assert '<div class="detail_txt">\n<div>' in html and '<div class="detail_txt">\n<p>' in html
    for ad in (
        '<div id="teads_upw"></div>',
        "googletag.display('div-gpt-ad-",
        '<span class="ad_label">Advertisement</span>',
    ):
        assert re.search(re.escape(ad) + r".*\n<p>", html), ad
    # Times: 12 AM, 12 PM, other 12-hour times; several days.
    assert some(lambda r: r["published_at"][11:13] == "00") and "| 12:" in html
    assert some(lambda r: r["published_at"][11:13] == "12")
    assert re.search(r"\| 12:\d\d AM", html) and re.search(r"\| 12:\d\d PM", html)
    assert re.search(r"\| 0\d:\d\d PM", html)
    assert len({r["published_at"][:10] for r in truth}) >= 3
    # Text: curly quotes, dashes, diacritics, Urdu, non-breaking spaces, entities.
    bodies = "\n".join(r["body"] for r in truth)
    for char in "“”\u2018\u2019\u2013—üéã":  # curly quotes, en/em dashes, diacritics
        assert char in bodies, char
    assert re.search(r"[\u0600-\u06ff]", bodies)
    assert "&nbsp;" in html and "&#x27;" in html and "&quot;" in html
    assert any("'" in r["title"] for r in truth)
    # JSON-LD: NewsArticle at several positions, absent on some pages; dateModified on some.
    positions = set()
    for page in pages.values():
        types = [
            json.loads(s).get("@type")
            for s in Selector(text=page).css("script[type='application/ld+json']::text").getall()
        ]
        positions.add(types.index("NewsArticle") if "NewsArticle" in types else None)
    assert None in positions and len(positions) >= 3
    assert some(lambda r: r["image_url"] is None and r["modified_at"] is None)
    assert some(lambda r: r["modified_at"] is not None)
    assert some(lambda r: r["image_url"] is not None and r["modified_at"] is None)
    assert all(f'content="{BASE}/images/logo-en.png"' in p for p in pages.values())
    # Category names, summaries, topics, body lengths.
    assert some(lambda r: r["section"] == "world" and r["category"] == "Miscellaneous")
    assert some(lambda r: r["summary"] is None)
    assert some(lambda r: r["related_topics"] == [])
    assert some(lambda r: "\n\n" not in r["body"])
    assert some(lambda r: r["body"].count("\n\n") >= 9)
    # Listings: both layouts, author links, tracking query strings and fragments.
    business = (docroot / "en/news/business.html").read_text(encoding="utf-8")
    assert "news_big_item" in business and '<ul class="news_list">' in business
    pakistan = (docroot / "en/news/pakistan.html").read_text(encoding="utf-8")
    assert 'class="author" href="/en/team/' in pakistan and 'class="next"' in pakistan
    listings = "".join(p.read_text(encoding="utf-8") for p in (docroot / "en/news").glob("*.html"))
    assert TRACKING.replace("&", "&amp;") in listings
    # Teasers: Recent Stories and More Stories From ... on story pages.
    sample = Selector(text=next(iter(pages.values())))
    assert len(sample.css(".recent_stories li")) == 6
    assert " ..</h4>" in html and "hours ago" in html
    assert len(sample.css(".more_stories .news_box")) == 4


def test_larger_builds_have_more_topic_only_stories(tmp_path: Path) -> None:
    big = build_site(tmp_path, BASE, stories=600)
    rows = big.ground_truth_rows()
    listed: set[str] = set()
    for cat in CATEGORIES:
        listed.update(listing_ids(big.docroot, cat))
    topic_only = [r for r in rows if r["article_id"] not in listed]
    assert len(topic_only) > 20
    assert (big.docroot / "en/news/pakistan-updates10.html").is_file()
    # The drop cases scale with the size (4 blocks of 150 stories; one gold rate a day).
    reasons = [r["reason"] for r in big.expected_drop_rows()]
    for reason, count in (
        ("duplicate_body", 8),
        ("near_duplicate", 8),
        ("stub", 12),
        ("not_found", 8),
        ("template", 12),
    ):
        assert reasons.count(reason) >= count, reason
    promo = sum(
        PROMO in (big.docroot / r["url"].removeprefix(BASE).lstrip("/")).read_text("utf-8")
        for r in rows
    )
    assert promo >= 80
    check_gold_series(big, rows)


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urlopen(url, timeout=10) as resp:  # noqa: S310 (loopback test server)
            return resp.status, resp.headers["Content-Type"], resp.read()
    except HTTPError as err:
        with err:
            return err.code, err.headers["Content-Type"], err.read()


def test_server_serves_pages_and_404s(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="loopback"):
        SampleSiteServer(tmp_path, host="0.0.0.0")  # noqa: S104
    with SampleSiteServer(tmp_path / "site") as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
        built = build_site(tmp_path, server.base_url, stories=40)
        row = built.ground_truth_rows()[0]
        path = row["url"].removeprefix(server.base_url)
        status, ctype, body = fetch(row["url"] + "?utm_source=twitter&utm_medium=social")
        assert status == 200 and ctype == "text/html; charset=utf-8"
        assert body == (built.docroot / path.lstrip("/")).read_bytes()
        assert f'href="{row["url"]}"'.encode() in body
        assert fetch(server.base_url + "/en/world/no-such-story-1234567.html")[0] == 404
        assert fetch(server.base_url + "/../../etc/passwd")[0] == 404
        assert fetch(server.base_url + "/daily/")[:2] == (200, "text/html; charset=utf-8")
        assert fetch(server.base_url + "/robots.txt")[1].startswith("text/plain")
        assert "xml" in fetch(server.base_url + "/en/sitemap/news.rss")[1]
        # Files are read per request: a rebuild is served without restarting.
        ed2 = build_site(tmp_path, server.base_url, stories=40, edition=2)
        newest = ed2.ground_truth_rows()[-1]["url"]
        assert fetch(newest)[0] == 200


def test_paused_server_holds_answers_until_resumed(tmp_path: Path) -> None:
    with SampleSiteServer(tmp_path / "site") as server:
        build_site(tmp_path, server.base_url, stories=40)
        answers: list[int] = []
        server.pause()
        client = threading.Thread(
            target=lambda: answers.append(fetch(server.base_url + "/daily/")[0])
        )
        client.start()
        client.join(timeout=0.5)
        assert client.is_alive() and not answers, "a paused server answered"
        server.resume()
        client.join(timeout=10)
        assert answers == [200]


def test_cli_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["build", str(tmp_path), "--base-url", BASE, "--stories", "30", "--seed", "3"])
    assert code == 0
    assert "built" in capsys.readouterr().out
    assert (tmp_path / "ground_truth.jsonl").is_file()
    assert (tmp_path / "site/en/news/pakistan.html").is_file()


def test_a_person_browsing_sees_a_home_page_a_logo_and_a_stylesheet(tmp_path: Path) -> None:
    """``/`` and ``/en/`` (the pages' own Home link) are a front page; the logo, the
    stylesheet and the cards' image are served. It links only stories the site has."""
    with SampleSiteServer(tmp_path / "site") as server:
        built = build_site(tmp_path, server.base_url, stories=60)
        truth = {r["url"].removeprefix(server.base_url) for r in built.ground_truth_rows()}
        status, ctype, home = fetch(server.base_url + "/")
        assert (status, ctype) == (200, "text/html; charset=utf-8")
        assert fetch(server.base_url + "/en/")[2] == home
        sel = Selector(text=home.decode("utf-8"))
        assert sel.css("h1::text").get() == "Latest News"
        stories = {
            local_path(h) for h in sel.css("a::attr(href)").getall() if re.search(r"-\d+\.html", h)
        }
        assert len(stories) >= 12
        assert stories <= truth, "the home page links a page that is not a story of the site"
        for cat in CATEGORIES:
            assert f'href="/en/news/{cat}.html"' in home.decode()
        story = Selector(text=fetch(server.base_url + sorted(truth)[0])[2].decode())
        for path, kind in (
            (story.css('link[rel="stylesheet"]::attr(href)').get(), "text/css"),
            (story.css("#header img::attr(src)").get(), "image/svg+xml"),
            (sel.css(".news_box img::attr(src)").get(), "image/gif"),
        ):
            status, ctype, body = fetch(server.base_url + path)
            assert status == 200 and ctype.startswith(kind) and body, path
        css = fetch(server.base_url + "/css/style.css")[2].decode()
        assert "#header" in css and ".detail_txt" in css


def test_cli_help_gives_every_option_its_help_and_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv in (["--help"], ["serve", "--help"], ["build", "--help"]):
        with pytest.raises(SystemExit):
            cli_main(argv)
        text = capsys.readouterr().out
        assert "``" not in text, "docstring markup in --help"
        assert "(default: None)" not in text
        if argv == ["--help"]:  # what each command does, and its options with defaults
            serve = text[
                text.index("  serve ROOT [options]: ") : text.index("  build ROOT [options]: ")
            ]
            build = text[text.index("  build ROOT [options]: ") :]
            for part, own in ((serve, "--port"), (build, "--base-url")):
                for option in ("--stories", "--seed", "--edition", "--variant", "--scale", own):
                    assert f"      {option} " in part, (option, part)
            assert "--stories    stories in edition 1 (default: 150)" in serve
            assert "--base-url" in build and "(required)" in build
        else:
            for option in ("--stories", "--seed", "--edition"):
                line = text[text.index(f"  {option} ") :].split("\n  -")[0]
                assert "(default: " in line, line
