"""Each pipeline rule on stories parsed from stored HTML, with a real state store."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from newsbot.config import NewsbotConfig
from newsbot.extensions.drops import AlreadyEmitted, DropRecord, StoryDropped
from newsbot.extensions.summary import summary_lines
from newsbot.items import Story
from newsbot.pipelines.boilerplate import DropNonStories, DropStubs, DropTemplates, StripBoilerplate
from newsbot.pipelines.dedupe import DropDuplicates, RememberEmitted
from newsbot.pipelines.rejected import RecordRejections
from newsbot.site.pages.story import Rejected, story_or_rejection
from newsbot.state.sqlite import SqliteStateStore as StateStore
from newsbot.text.fingerprints import StoryPrint, edit_similarity, template_hash

GOLDEN = Path(__file__).parent / "golden" / "article"
STORY_URL = (
    "https://www.urdupoint.com/en/pakistan/central-bank-approved-a-new-development-{id}.html"
)
PARAGRAPH_1 = (
    "The federal cabinet reviewed the schedule of the upcoming series during a meeting. "
    "“The work will be completed within six months,” the official added."
)


def story(
    article_id: str = "2190111",
    *,
    html: str = "pakistan.html",
    edit: dict[str, str] | None = None,
    published: str = "03:05 PM",
) -> Story:
    """A story parsed from a stored page, optionally edited (text replaced in the HTML)."""
    markup = (GOLDEN / html).read_text(encoding="utf-8")
    markup = markup.replace("2190111", article_id).replace("| 03:05 PM", f"| {published}")
    markup = markup.replace("15:05:00+0500", "")  # the byline's time is the one that counts
    for old, new in (edit or {}).items():
        assert old in markup, old
        markup = markup.replace(old, new)
    url = STORY_URL.format(id=article_id)
    result = story_or_rejection(HtmlResponse(url=url, body=markup.encode(), encoding="utf-8"))
    assert isinstance(result, Story), result
    return result


def config(**overrides: object) -> NewsbotConfig:
    values: dict[str, object] = {
        "state_dir": Path("unused"),
        "dropped_feed": None,
        "min_words": 25,
        "boilerplate_min_stories": 5,
        "near_duplicate_similarity": 0.9,
        "near_duplicate_window_days": 14,
        "drop_templates": True,
    }
    values.update(overrides)
    return NewsbotConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    store = StateStore(tmp_path / "state.sqlite3")
    yield store
    store.close()


def emit(state: StateStore, item: Story) -> Story:
    """Run an item through dedupe, templates and memory, as the crawl does."""
    DropTemplates(state, enabled=True).process_item(item)
    DropDuplicates(state, config()).process_item(item)
    return RememberEmitted(state, 14).process_item(item)


def drop_reason(state: StateStore, item: Story) -> tuple[str, str | None]:
    with pytest.raises(StoryDropped) as raised:
        emit(state, item)
    return raised.value.reason, raised.value.duplicate_of


# --- dedupe ---------------------------------------------------------------------------


def test_a_story_emitted_before_and_fetched_again_is_not_written_and_no_drop(
    state: StateStore,
) -> None:
    """full=1, a lost state: the story is in the feed already, so nothing of it is missing."""
    emit(state, story())
    with pytest.raises(AlreadyEmitted) as raised:
        emit(state, story())
    assert not isinstance(raised.value, StoryDropped)
    # Its body differs by the boilerplate a fresh state has not learned: still the same story.
    with pytest.raises(AlreadyEmitted):
        emit(state, story(edit={"the official added.": "the official added. Follow us."}))


def test_wire_story_under_another_id_is_dropped_as_same_body(state: StateStore) -> None:
    emit(state, story("2190111"))
    # the copy: another id and slug, ads elsewhere, same words
    copy = story("2190999", edit={'<div id="teads_upw"></div>': "", "Region</h1>": "Region </h1>"})
    assert drop_reason(state, copy) == ("duplicate_body", "2190111")


def test_near_duplicate_with_small_edits_is_dropped(state: StateStore) -> None:
    original = story("2190111")
    edited = story(
        "2190500",
        edit={
            "the official added.": "the official   said.",
            "amid rising public concern.": "amid rising public concern",
            "Police officials extended": "Police officers extended",
        },
    )
    assert original.body != edited.body
    emit(state, original)
    assert drop_reason(state, edited) == ("near_duplicate", "2190111")


def test_a_different_story_sharing_a_paragraph_is_kept(state: StateStore) -> None:
    emit(state, story("2190111"))
    other = story(
        "2190600",
        edit={
            "The education department announced a relief programme for flood-hit families "
            "amid rising public concern. He said Rs 2.5 billion had been allocated for the "
            "first phase — a 12% increase.": "Wheat growers in Sindh protested against the "
            "new procurement price outside the provincial assembly on Monday, saying costs "
            "of fertiliser and diesel had doubled since the last sowing season began.",
            "Police officials extended the budget proposals for the next fiscal year on "
            "Tuesday.": "The chief minister promised a committee to review their demands.",
        },
    )
    assert emit(state, other) is other


def test_near_duplicate_threshold_is_a_setting(state: StateStore) -> None:
    original = story("2190111")
    edited = story("2190500", edit={"the official added.": "the official said."})
    similarity = edit_similarity(
        StoryPrint.of("", original.body).tokens, edited.body.lower().split()
    )
    assert similarity < 1
    emit(state, original)
    strict = DropDuplicates(state, config(near_duplicate_similarity=1.0))
    assert strict.process_item(edited) is edited


# --- templates ------------------------------------------------------------------------

GOLD = (
    "Gold Rate In Pakistan Today {day} November 2026",
    "The price of 24-karat gold in Pakistan on {weekday}, {day} November 2026 stood at "
    "Rs {price} per tola, up Rs {up} from the previous day. The price of 10 grams was "
    "Rs {small}. Silver was sold at Rs {silver} per tola. Traders in Karachi said demand "
    "was steady ahead of the wedding season, while the rupee traded at {rupee} to the dollar.",
)


def gold(article_id: str, day: int, weekday: str, price: str) -> Story:
    title, body = GOLD
    item = Story(
        url=STORY_URL.format(id=article_id),
        article_id=article_id,
        title=title.format(day=day),
        published_at=f"2026-11-{day:02d}T10:00:00+05:00",
    )
    item.set_body(
        body.format(
            day=day,
            weekday=weekday,
            price=price,
            up=day * 100,
            small=day * 7,
            silver=day * 30,
            rupee=f"28{day}.5",
        )
    )
    return item


def test_template_series_keeps_the_first_and_remembers_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    state = StateStore(path)
    emit(state, gold("2190001", 22, "Sunday", "285,400"))
    assert drop_reason(state, gold("2190002", 23, "Monday", "286,600")) == ("template", "2190001")
    state.close()

    later_run = StateStore(path)
    assert drop_reason(later_run, gold("2190003", 24, "Tuesday", "284,900")) == (
        "template",
        "2190001",
    )
    kept = DropTemplates(later_run, enabled=False)
    fourth = gold("2190004", 25, "Wednesday", "281,000")
    assert kept.process_item(fourth) is fourth, "NEWSBOT_DROP_TEMPLATES=False keeps the series"
    later_run.close()


def test_template_mask_covers_numbers_dates_days_and_months() -> None:
    assert template_hash("Rate 26 November", "On Thursday, 26th Nov 2026: Rs 1,200.") == (
        template_hash("Rate 3 December", "On Friday, 3rd Dec 2027: Rs 9,900.")
    )
    assert template_hash("Rate", "Gold up") != template_hash("Rate", "Gold down")


# --- boilerplate ----------------------------------------------------------------------

PROMO = "Follow UrduPoint on WhatsApp and Google News for the latest updates."
STOCK = "The meeting was also attended by senior officials of the departments."


def test_learned_promo_paragraph_is_stripped_even_from_the_first_stories(
    state: StateStore,
) -> None:
    items = []
    for n in range(7):
        item = story(
            f"21900{n}0",
            edit={
                "24.5 percent.</p>": f"24.5 percent.</p><p>{PROMO}</p>",
                "The federal cabinet": f"Story {n} says the federal cabinet",
            },
        )
        state.stage(item)
        items.append(item)
    stripper = StripBoilerplate(state, min_stories=5)
    for item in items:
        stripper.process_item(item)
        assert PROMO not in item.body
        assert item.word_count == len(item.body.split())
        assert item.body.endswith("24.5 percent.")


def test_a_stock_paragraph_inside_stories_is_not_boilerplate(state: StateStore) -> None:
    items = []
    for n in range(7):
        item = story(
            f"21901{n}0",
            edit={"<p>Police officials": f"<p>{STOCK}</p><p>Police officials"},
        )
        state.stage(item)
        items.append(item)
    for item in items:
        assert STOCK in StripBoilerplate(state, min_stories=5).process_item(item).body


def test_boilerplate_needs_more_than_n_stories_and_is_kept_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    state = StateStore(path)
    for n in range(5):
        state.stage(
            story(f"21902{n}0", edit={"24.5 percent.</p>": f"24.5 percent.</p><p>{PROMO}</p>"})
        )
    probe = story("2190999", edit={"24.5 percent.</p>": f"24.5 percent.</p><p>{PROMO}</p>"})
    assert PROMO in StripBoilerplate(state, min_stories=5).process_item(probe).body
    state.stage(story("2190260", edit={"24.5 percent.</p>": f"24.5 percent.</p><p>{PROMO}</p>"}))
    state.close()
    later = StateStore(path)
    assert PROMO not in StripBoilerplate(later, min_stories=5).process_item(probe).body
    later.close()


# --- stubs and pages that are not stories ---------------------------------------------


def test_video_stub_and_empty_body_are_dropped() -> None:
    video = story(edit={"</h2>": "</h2>"})
    video.set_body("Watch the video: Prime Minister addresses the nation.")
    with pytest.raises(StoryDropped, match="stub"):
        DropStubs(25).process_item(video)
    video.set_body("")
    with pytest.raises(StoryDropped, match="stub"):
        DropStubs(25).process_item(video)
    full = story()
    assert DropStubs(25).process_item(full) is full


@pytest.mark.parametrize(
    ("title", "reason"),
    [("Page Not Found", "not_found"), ("Just a moment...", "challenge")],
)
def test_pages_that_slipped_through_are_dropped(title: str, reason: str) -> None:
    item = story()
    item.title = title
    with pytest.raises(StoryDropped, match=reason):
        DropNonStories().process_item(item)


def test_parser_rejections_become_drops() -> None:
    with pytest.raises(StoryDropped, match="missing_published_at"):
        RecordRejections().process_item(Rejected("missing_published_at", "http://x/y-1234567.html"))
    item = story()
    assert RecordRejections().process_item(item) is item


# --- the record of drops --------------------------------------------------------------


STARTED = datetime(2026, 11, 29, 16, 0, 5, tzinfo=UTC)


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:  # StatsCollector's signature
        self.values[key] = self.values.get(key, 0) + count

    def get_value(self, key: str) -> object:
        return STARTED if key == "start_time" else self.values.get(key)


class _Crawler:
    def __init__(self) -> None:
        self.stats = _Stats()
        self.spider = None
        self.settings = Settings()


def test_every_drop_is_counted_and_written_with_its_reason(
    state: StateStore, tmp_path: Path
) -> None:
    path = tmp_path / "out" / "urdupoint.dropped.jsonl"
    crawler = _Crawler()
    record = DropRecord(crawler, path, state)  # type: ignore[arg-type]
    item = story("2190555")
    state.stage(item)
    record.item_dropped(item, StoryDropped("near_duplicate", duplicate_of="2190111"))
    record.item_dropped(
        Rejected("not_found", "http://x/gone-2190001.html"), StoryDropped("not_found")
    )
    record.spider_closed(None)  # type: ignore[arg-type]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for row in rows:  # when, and in which run (named by its start time and pid)
        assert row.pop("run") == f"20261129T160005Z-{os.getpid()}"
        assert datetime.fromisoformat(row.pop("dropped_at")).utcoffset() == timedelta(0)
    assert rows == [
        {
            "url": item.url,
            "article_id": "2190555",
            "title": item.title,
            "reason": "near_duplicate",
            "duplicate_of": "2190111",
        },
        {
            "url": "http://x/gone-2190001.html",
            "article_id": None,
            "title": None,
            "reason": "not_found",
            "duplicate_of": None,
        },
    ]
    assert crawler.stats.values == {
        "newsbot/dropped/near_duplicate": 1,
        "newsbot/dropped/not_found": 1,
    }
    assert state.staged_count() == 0, "a dropped story is settled"


def test_a_story_already_emitted_is_counted_and_settled_but_not_on_record(
    state: StateStore, tmp_path: Path
) -> None:
    path = tmp_path / "urdupoint.dropped.jsonl"
    crawler = _Crawler()
    record = DropRecord(crawler, path, state)  # type: ignore[arg-type]
    item = story("2190555")
    state.stage(item)
    record.item_dropped(item, AlreadyEmitted("2190555"))
    record.spider_closed(None)  # type: ignore[arg-type]
    assert not path.exists(), "a story in the feed is no dropped story"
    assert crawler.stats.values == {"newsbot/stories/unchanged": 1}
    assert state.staged_count() == 0, "it is settled"


def test_a_story_fetched_again_is_called_unchanged_only_when_its_body_is(
    state: StateStore, tmp_path: Path
) -> None:
    """Not rechecked, a story emitted before is not written whatever its body; but one
    whose body hash differs was counted as "unchanged", which the hash says it is not."""
    emit(state, story())
    crawler = _Crawler()
    record = DropRecord(crawler, tmp_path / "urdupoint.dropped.jsonl", state)  # type: ignore[arg-type]
    same = story()
    edited = story(edit={"the official added.": "the official added. Follow us."})
    for item in (same, edited):
        state.stage(item)
        with pytest.raises(AlreadyEmitted) as raised:
            emit(state, item)
        record.item_dropped(item, raised.value)
    assert crawler.stats.values == {
        "newsbot/stories/unchanged": 1,
        "newsbot/stories/refetched_body_differs": 1,
    }
    lines = summary_lines(
        {
            "run": "r1",
            "spider": "urdupoint",
            "stories_unchanged": 1,
            "stories_refetched_body_differs": 1,
        },
        feeds=["/data/urdupoint.jsonl"],
        dropped_feed=None,
        report=Path("r1.json"),
        page=Path("runs.html"),
        error_lines=0,
    )
    assert lines[1].endswith(
        "; 1 fetched again were there already, unchanged; 1 fetched again were there "
        "already with another body, not written (not rechecked: recheck_hours)"
    )


# --- staging order --------------------------------------------------------------------


def test_staged_stories_are_released_oldest_first(state: StateStore) -> None:
    for article_id, time in (
        ("2190300", "11:00 PM"),
        ("2190100", "09:00 AM"),
        ("2190200", "09:00 AM"),
    ):
        assert state.stage(story(article_id, published=time))
    assert not state.stage(story("2190300", published="11:00 PM")), "staged once"
    released = [item.article_id for item in state.staged_items(batch=2)]
    assert released == ["2190100", "2190200", "2190300"]


# --- the feed and the state agree after a kill -----------------------------------------


def test_reconcile_settles_stories_a_killed_release_wrote_and_cuts_a_torn_line(
    tmp_path: Path,
) -> None:
    feed = tmp_path / "urdupoint.jsonl"
    state = StateStore(tmp_path / "state.sqlite3")
    state.watch_feed(feed)
    written, unwritten = story("2190100"), story("2190200", published="11:00 PM")
    for item in (written, unwritten):
        state.stage(item)
    state.commit()
    # The release wrote one story and half of the next when the process was killed.
    whole = json.dumps(asdict(written), ensure_ascii=False) + "\n"
    torn = json.dumps(asdict(unwritten), ensure_ascii=False)[:100]
    feed.write_text(whole + torn, encoding="utf-8")

    assert state.reconcile_feed() == 1
    assert feed.read_text(encoding="utf-8") == whole, "the torn line is gone"
    assert state.was_emitted("2190100") and not state.was_emitted("2190200")
    assert [item.article_id for item in state.staged_items()] == ["2190200"], "left to release"
    assert state.reconcile_feed() == 0, "what was accounted for is not read again"
    state.close()
