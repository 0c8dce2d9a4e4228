"""Memory given back after big pages (newsbot/extensions/memory.py), without a crawl."""

from __future__ import annotations

import gc
import json
import re
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newsbot.extensions.memory import MemoryTrim
from newsbot.items import Story


def _response(size: int) -> HtmlResponse:
    return HtmlResponse("http://127.0.0.1/en/pakistan/x-1.html", body=b"x" * size)


class _Cycle:
    """A page's objects as Scrapy leaves them: alive until the cyclic collector runs."""

    def __init__(self, payload: bytes):
        self.payload = payload
        self.me = self


def test_trims_once_a_big_page_is_done_and_never_for_small_ones() -> None:
    calls: list[int] = []
    crawler = get_crawler(settings_dict={"DOWNLOAD_WARNSIZE": 1000})
    crawler.stats.open_spider()  # type: ignore[union-attr]
    trim = MemoryTrim(crawler, 1000, lambda pad: calls.append(pad) or 1)
    for _ in range(5):
        trim.response_received(_response(10))
    trim.item_done(Story(body="short"))
    assert calls == []
    trim.response_received(_response(5000))  # big: parsed after this signal
    assert calls == []
    trim.response_received(_response(10))  # the big one is done by now
    assert calls == [0]
    trim.item_done(Story(body="y" * 600))  # a big story left the pipelines
    trim.response_received(_response(5000))
    trim.spider_idle(None)  # type: ignore[arg-type]
    assert calls == [0, 0, 0]
    assert crawler.stats.get_value("newsbot/memory/trims") == 3  # type: ignore[union-attr]


def test_a_trim_collects_the_cycles_that_hold_a_page() -> None:
    crawler = get_crawler()
    trim = MemoryTrim(crawler, 1000, lambda pad: 1)
    gc.disable()
    try:
        _Cycle(b"z" * 1000)
        assert any(isinstance(obj, _Cycle) for obj in gc.get_objects())
        trim.response_received(_response(5000))
        trim.spider_idle(None)  # type: ignore[arg-type]
        assert not any(isinstance(obj, _Cycle) for obj in gc.get_objects())
    finally:
        gc.enable()


def test_hostile_date_texts_are_not_held_after_their_page() -> None:
    # A date text past the short-text cache's bound (a hostile page's megabyte) was kept
    # in a 4096-entry cache that ordinary dates no longer pass through: each such page
    # held its text for the life of the process.
    import tracemalloc

    from newsbot.text.normalize import parse_site_datetime

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for page in range(20):  # no year in them: refused at once, but kept as they came
            parse_site_datetime(f"{'x' * 200_000} {page}")
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 2_000_000, f"{held / 1e6:.1f} MB held by 20 hostile date texts"


def test_a_megabyte_date_text_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    # dateutil took seconds to refuse a hostile page's megabyte "date" (twice, since a
    # date is parsed with two defaults to tell whether it names its day).
    from newsbot.text import normalize

    def unread(*args: object, **kwargs: object) -> None:
        raise AssertionError("dateutil was asked to read a megabyte")

    monkeypatch.setattr(normalize.dateparser, "parse", unread)
    monkeypatch.setattr(normalize.dateparser, "isoparse", unread)
    assert normalize.parse_site_datetime("November 30 2026 " + "x " * 500_000) is None
    assert normalize.site_datetime_iso("2026 " + "y" * 1000) is None


def test_a_megabyte_heading_is_not_read_as_a_block_heading(monkeypatch: pytest.MonkeyPatch) -> None:
    # "More Stories From X! ! ! ... x": the category pattern's lazy name and trailing
    # non-word run backtrack quadratically (16 KB took 2 s, a megabyte hours): one hostile
    # page held the crawl. A heading is a line; a longer text is not matched at all.
    from newsbot.site.pages import story

    class Guarded:
        def __init__(self, pattern: re.Pattern[str]) -> None:
            self.pattern = pattern

        def match(self, text: str) -> re.Match[str] | None:
            assert len(text) < 10_000, "a block heading's pattern was run on a long text"
            return self.pattern.match(text)

    monkeypatch.setattr(story, "MORE_STORIES_RE", Guarded(story.MORE_STORIES_RE))
    golden = Path(__file__).parent / "golden" / "article" / "pakistan.html"
    spec = json.loads(golden.with_suffix(".json").read_text(encoding="utf-8"))
    html = golden.read_text(encoding="utf-8")
    heading = "More Stories From Pakistan</h3>"
    page = html.replace(heading, heading[:-5] + "! " * 500_000 + "x</h3>")
    assert page != html
    result = story.parse_story(HtmlResponse(url=spec["fetched_url"], body=page.encode()))
    assert result.item is not None, result.report.problems
    assert result.item.category == spec["expected"]["category"]  # the breadcrumbs'
