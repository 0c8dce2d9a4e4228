"""One contract, two state backends: the SQLite file and Redis shared by many workers.

Every test of the contract runs against both stores (the ``store`` fixture); what only
Redis promises (workers joining a round, workers sharing state, per-machine feed
offsets) is tested on Redis alone.
"""

from __future__ import annotations

import json
import random
import re
import socket
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import newsbot.state.base
import newsbot.state.redis
import newsbot.state.sqlite
from newsbot.items import Story
from newsbot.state.base import Frontier, StateStore, dump_story, release_key
from newsbot.state.redis import RedisStateStore
from newsbot.state.sqlite import SqliteStateStore
from newsbot.text.fingerprints import INDEXED_SIZE, StoryPrint, paragraph_hash
from newsbot.topic_policy import TopicHistory

Store = StateStore
DAY = "2026-01-10T09:00:00+05:00"
PROMO = "Follow us on WhatsApp for the latest news."
STOCK_QUOTE = "The spokesman said the matter was under review."


def text(seed: int, paragraphs: int = 3, words: int = 40) -> str:
    """A body of made-up words that shares nothing with another seed's."""
    rng = random.Random(seed)
    return "\n\n".join(
        " ".join(f"w{rng.randrange(10**6)}" for _ in range(words)) for _ in range(paragraphs)
    )


def story(
    article_id: int,
    *,
    published: str | None = DAY,
    body: str | None = None,
    title: str | None = None,
) -> Story:
    item = Story(
        url=f"https://www.urdupoint.com/en/pakistan/story-{article_id}.html",
        article_id=str(article_id),
        title=title or f"Story {article_id}",
        published_at=published,
    )
    item.set_body(text(article_id) if body is None else body)
    return item


def print_of(item: Story) -> StoryPrint:
    return StoryPrint.of(item.title or "", item.body or "")


def emit(store: Store, item: Story) -> None:
    store.remember_emitted(item, print_of(item))


def staged_ids(store: Store, batch: int = 500) -> list[str | None]:
    return [item.article_id for item in store.staged_items(batch=batch)]


def edited(body: str) -> str:
    """The same story with two words changed: a near-duplicate."""
    words = body.split(" ")
    words[5], words[50] = "changed", "edited"
    return " ".join(words)


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Store]:
    """Opens a store on this test's state; each call is another connection to it."""
    if request.param == "sqlite":
        return lambda: SqliteStateStore(tmp_path / "s.sqlite3")
    url = request.getfixturevalue("redis_server")
    namespace = request.getfixturevalue("redis_namespace")
    return lambda: RedisStateStore(url, namespace)


@pytest.fixture
def opened(backend: Callable[[], Store]) -> Iterator[Callable[[], Store]]:
    """``backend``, closing every store it opened at the end."""
    stores: list[Store] = []

    def open_store() -> Store:
        stores.append(backend())
        return stores[-1]

    yield open_store
    for store in stores:
        store.close()


@pytest.fixture
def store(opened: Callable[[], Store]) -> Store:
    return opened()


@pytest.fixture
def redis_store(redis_server: str, redis_namespace: str) -> Iterator[RedisStateStore]:
    store = RedisStateStore(redis_server, redis_namespace)
    yield store
    store.close()


@pytest.fixture
def worker(redis_server: str, redis_namespace: str) -> Iterator[RedisStateStore]:
    """Another worker of ``redis_store``'s crawl: another connection, same namespace."""
    store = RedisStateStore(redis_server, redis_namespace)
    yield store
    store.close()


def freeze_clock(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(newsbot.state.base, "now", lambda: moment)


def test_both_stores_keep_the_contract(store: Store) -> None:
    assert isinstance(store, StateStore)
    assert isinstance(store, Frontier) == isinstance(store, SqliteStateStore)


# --- staging --------------------------------------------------------------------------


def test_staged_stories_come_out_oldest_first_and_once(store: Store) -> None:
    assert store.stage(story(300, published="2026-01-10T23:00:00+05:00"))
    assert store.stage(story(200, published="2026-01-10T09:00:00+05:00"))
    assert store.stage(story(100, published="2026-01-10T09:00:00+05:00"))
    assert store.stage(story(50, published=None)), "no date: released last"
    assert not store.stage(story(300, published="2026-01-09T00:00:00+05:00")), "staged once"
    assert store.staged_count() == 4
    assert staged_ids(store, batch=2) == ["100", "200", "300", "50"]


def test_staged_items_round_trip(store: Store) -> None:
    item = story(4512345, body="پاکستان news\n\nSecond paragraph with “quotes”.")
    item.related_topics = ["https://www.urdupoint.com/en/topic/cricket.html"]
    item.author, item.author_handle, item.modified_at = "A. Writer", "@writer", DAY
    assert store.stage(item)
    assert list(store.staged_items()) == [item]


@pytest.mark.parametrize("releasing", [False, True])
def test_redis_release_reads_a_batch_in_bounded_chunks(
    redis_server: str, redis_namespace: str, monkeypatch: pytest.MonkeyPatch, releasing: bool
) -> None:
    """The Redis store reads a batch's staged stories a chunk at a time, by their lengths:
    under ``RELEASE_CHUNK_CHARS`` of JSON but for the story that passes it, in release
    order, whether a release is under way (settling each story) or not. (The SQLite
    store's reading: ``tests/test_state_batching.py``.)"""
    cap, batch = 6_000, 20
    monkeypatch.setattr(newsbot.state.redis, "RELEASE_CHUNK_CHARS", cap)
    rng = random.Random(5)
    stories = [
        story(n, published=rng.choice([DAY, "2026-01-11T09:00:00+05:00", None]),
              body=text(n, rng.randrange(1, 10)))
        for n in range(1, 61)
    ]  # fmt: skip
    stories.append(story(999, body=text(999, 40)))  # bigger than a chunk by itself
    store = RedisStateStore(redis_server, redis_namespace)
    for item in stories:
        assert store.stage(item)
    size = {int(item.article_id or 0): len(dump_story(item)) for item in stories}
    chunks: list[list[int]] = []
    hmget = store.client.hmget

    def recording(name: str, keys: list[int], *args: object) -> object:
        if name == store.keys.staged_item:
            chunks.append([size[int(key)] for key in keys])
        return hmget(name, keys, *args)

    monkeypatch.setattr(store.client, "hmget", recording)
    if releasing:
        store.begin_release()
    released = []
    for item in store.staged_items(batch=batch):
        released.append(dump_story(item))
        if releasing:
            emit(store, item)
    assert released == [dump_story(item) for item in sorted(stories, key=release_key)]
    assert len(chunks) > len(stories) // batch + 1, "a batch is read in more than one chunk"
    for sizes in chunks:
        assert len(sizes) <= batch and sum(sizes[:-1]) < cap, sizes
    assert any(sizes[-1] > cap for sizes in chunks), "the big story closes its chunk"
    store.close()


def test_unstage_settles_a_story(store: Store) -> None:
    store.stage(story(100))
    store.stage(story(200))
    store.unstage("100")
    store.unstage(None)
    store.unstage("not-an-id")
    assert store.staged_count() == 1
    assert staged_ids(store) == ["200"]
    assert store.stage(story(100)), "an unstaged story can be staged again"


# --- boilerplate paragraphs -----------------------------------------------------------


def with_paragraphs(article_id: int, *paragraphs: str) -> Story:
    return story(article_id, body="\n\n".join(paragraphs))


def test_promo_paragraph_is_boilerplate_once_seen_in_more_than_min_stories(store: Store) -> None:
    for article_id in (1, 2):
        # in the middle of the body: promo wording alone makes it boilerplate
        store.stage(with_paragraphs(article_id, text(article_id, 1), PROMO, STOCK_QUOTE, "end"))
    assert paragraph_hash(PROMO) not in store.boilerplate_paragraphs(2), "seen in 2, not > 2"
    store.stage(with_paragraphs(3, text(3, 1), PROMO, STOCK_QUOTE, "end"))
    boilerplate = store.boilerplate_paragraphs(2)
    assert paragraph_hash(PROMO) in boilerplate, "the count changed: not a stale answer"
    assert paragraph_hash(STOCK_QUOTE) not in boilerplate, "recurring inside stories only"


def test_the_first_wording_of_a_paragraph_decides_if_it_is_a_promo(store: Store) -> None:
    plain, promo = "Read it on google-news.", "Read it on Google News."
    assert paragraph_hash(plain) == paragraph_hash(promo)
    for article_id, wording in ((1, plain), (2, promo), (3, promo)):
        store.stage(with_paragraphs(article_id, "Lead.", wording, text(article_id, 1), "Close."))
    assert paragraph_hash(promo) not in store.boilerplate_paragraphs(2)


def test_edge_paragraph_is_boilerplate_when_nearly_always_at_an_edge(store: Store) -> None:
    usual, sometimes = "Read more stories below.", "The markets closed early."
    for article_id in range(1, 6):  # at an edge in 4 of 5 stories (0.8)
        last = article_id < 5
        store.stage(
            with_paragraphs(
                article_id,
                "Lead.",
                *([text(article_id, 1), usual] if last else [usual, text(article_id, 1)]),
            )
        )
    for article_id in range(11, 16):  # at an edge in 3 of 5 stories (0.6)
        last = article_id < 14
        store.stage(
            with_paragraphs(
                article_id,
                "Lead.",
                *([text(article_id, 1), sometimes] if last else [sometimes, text(article_id, 1)]),
            )
        )
    boilerplate = store.boilerplate_paragraphs(4)
    assert paragraph_hash(usual) in boilerplate
    assert paragraph_hash(sometimes) not in boilerplate
    store.stage(with_paragraphs(6, usual, "A two-paragraph body has no edge."))
    assert paragraph_hash(usual) not in store.boilerplate_paragraphs(4), "now 4 of 6"


def test_a_story_counts_a_paragraph_once_and_emitted_stories_not_again(store: Store) -> None:
    store.stage(with_paragraphs(1, PROMO, "Body.", PROMO))
    emitted = with_paragraphs(2, "Lead.", PROMO, "Close.")
    emit(store, emitted)
    assert store.stage(emitted), "staged again (fetched again)"
    assert paragraph_hash(PROMO) not in store.boilerplate_paragraphs(1), "counted once so far"
    store.stage(with_paragraphs(3, "Lead.", PROMO, "Close."))
    assert paragraph_hash(PROMO) in store.boilerplate_paragraphs(1), "now in two stories"


# --- emitted stories ------------------------------------------------------------------


def test_emitted_by_id_body_and_template_the_lowest_id_wins(store: Store) -> None:
    same = text(7)
    emit(store, story(300, body=same))
    emit(store, story(200, body=same))
    rate = "Gold rate in Pakistan today {} November 2026: 24 karat at {} rupees"
    emit(store, story(900, title="Gold", body=rate.format(26, 410000)))
    emit(store, story(800, title="Gold", body=rate.format(25, 409500)))
    assert store.was_emitted("300") and not store.was_emitted("301")
    assert store.emitted_body_hash("300") == print_of(story(300, body=same)).body_hash
    assert store.emitted_body_hash("301") is None
    assert store.emitted_with_body(print_of(story(1, body=same))) == "200"
    assert store.emitted_with_body(print_of(story(1))) is None
    tomorrow = story(1000, title="Gold", body=rate.format(27, 412000))
    assert store.emitted_with_template(print_of(tomorrow)) == "800"
    assert store.emitted_with_template(print_of(story(1))) is None


def test_a_new_version_replaces_the_old_fingerprints(store: Store) -> None:
    old, new = story(100), story(100, body=text(101))
    emit(store, old)
    store.retire_body("100")
    emit(store, new)
    assert store.emitted_body_hash("100") == print_of(new).body_hash
    assert store.emitted_with_body(print_of(old)) is None
    assert store.emitted_with_body(print_of(new)) == "100"
    assert store.emitted_with_template(print_of(old)) is None
    copy_of_old = story(5, body=edited(old.body or ""))
    assert store.near_duplicate_of(print_of(copy_of_old), DAY, 14, 0.9) is None
    copy_of_new = story(5, body=edited(new.body or ""))
    assert store.near_duplicate_of(print_of(copy_of_new), DAY, 14, 0.9) == "100"


@pytest.mark.parametrize("releasing", [False, True])
def test_near_duplicates_within_the_window(store: Store, releasing: bool) -> None:
    original = story(100, published="2026-01-10T09:00:00+05:00")
    if releasing:  # the release's own stories are looked up in the window too
        store.begin_release()
    emit(store, original)
    emit(store, story(200))  # another story altogether
    copy = print_of(story(300, body=edited(original.body or "")))
    assert store.near_duplicate_of(copy, "2026-01-20T09:00:00+05:00", 14, 0.9) == "100"
    assert store.near_duplicate_of(copy, "2026-02-20T09:00:00+05:00", 14, 0.9) is None, "window"
    assert store.near_duplicate_of(copy, None, 14, 0.9) == "100", "no date: any time"
    assert store.near_duplicate_of(copy, DAY, 14, 0.9, exclude="100") is None
    assert store.near_duplicate_of(print_of(story(400)), DAY, 14, 0.9) is None, "different"
    assert store.near_duplicate_of(print_of(story(5, body="")), DAY, 14, 0.9) is None


def test_texts_packed_by_an_older_version_are_read_alike(
    opened: Callable[[], Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recent texts an older version packed (zlib level 6; level 0 now) are read back as
    the same words: a state keeps finding near-duplicates across the upgrade."""

    def packed_at_level_6(tokens: list[str]) -> bytes:
        return zlib.compress(" ".join(tokens).encode("utf-8"), 6)

    older = opened()
    original = story(100)
    with monkeypatch.context() as patched:
        # Both stores store a print's ``packed_tokens``.
        patched.setattr(
            StoryPrint, "packed_tokens", property(lambda print_: packed_at_level_6(print_.tokens))
        )
        emit(older, original)
        older.commit()
    store = opened()  # this version, on the same state
    copy = print_of(story(300, body=edited(original.body or "")))
    assert store.near_duplicate_of(copy, DAY, 14, 0.9) == "100"
    assert store.near_duplicate_of(print_of(story(400)), DAY, 14, 0.9) is None


@pytest.mark.parametrize("releasing", [False, True])
def test_a_retired_body_is_no_near_duplicate_but_still_emitted(
    store: Store, releasing: bool
) -> None:
    before, within = story(100), story(200)
    emit(store, before)
    if releasing:
        store.begin_release()
    emit(store, within)  # within the release, when there is one
    store.retire_body("100")
    store.retire_body("200")
    for item in (before, within):
        copy = print_of(story(300, body=edited(item.body or "")))
        assert store.near_duplicate_of(copy, DAY, 14, 0.9) is None
        assert store.was_emitted(item.article_id or "")
        assert store.emitted_with_body(print_of(item)) == item.article_id


def with_same_index(body: str, change: Callable[[str, int], str]) -> Iterator[str]:
    """Variants ``change(body, seed)`` whose indexed sketch values are exactly the body's."""
    indexed = StoryPrint.of("", body).sketch[:INDEXED_SIZE]
    for seed in range(10_000):
        variant = change(body, seed)
        if StoryPrint.of("", variant).sketch[:INDEXED_SIZE] == indexed:
            yield variant


def two_words_changed(body: str, seed: int) -> str:
    words = body.split(" ")
    words[seed % len(words)], words[(7 * seed + 3) % len(words)] = "changed", "edited"
    return " ".join(words)


@pytest.mark.parametrize("released", ["nothing", "the near one", "the others"])
def test_near_duplicate_found_among_more_candidates_than_are_compared(
    store: Store, released: str
) -> None:
    """Twelve longer stories share all the indexed values; the most shared, then the lowest
    ids, are compared, whether stored or remembered in the release under way."""
    probe = text(1)
    longer = with_same_index(probe, lambda body, seed: f"{body} {text(seed, 1, 30)}")
    near = story(100, body=next(with_same_index(probe, two_words_changed)))
    others = [story(500 + n, body=next(longer)) for n in range(12)]
    in_release = {"nothing": [], "the near one": [near], "the others": others}[released]
    for item in [near, *others]:
        if item not in in_release:
            emit(store, item)
    store.begin_release()
    for item in in_release:
        emit(store, item)
    assert store.near_duplicate_of(print_of(story(7, body=probe)), DAY, 14, 0.9) == "100"


def test_a_release_reads_what_its_staged_stories_were_emitted_as(store: Store) -> None:
    old, new = story(100), story(100, body=text(101))
    emit(store, old)
    store.stage(new)  # fetched again, edited since
    store.stage(story(200))
    store.begin_release()
    for item in store.staged_items():
        if item.article_id == "100":
            assert store.was_emitted("100")
            assert store.emitted_body_hash("100") == print_of(old).body_hash
            store.retire_body("100")
        else:
            assert not store.was_emitted("200")
            assert store.emitted_body_hash("200") is None
        emit(store, item)
        assert store.emitted_body_hash(item.article_id or "") == print_of(item).body_hash
    store.commit()
    assert store.emitted_body_hash("100") == print_of(new).body_hash
    assert store.staged_count() == 0


def test_remembering_a_story_settles_it(store: Store) -> None:
    store.stage(story(100))
    store.stage(story(200))
    emit(store, story(100))
    assert staged_ids(store) == ["200"]
    assert store.staged_count() == 1


def test_prune_forgets_old_texts_and_old_one_off_paragraphs(
    opened: Callable[[], Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = opened()
    old, recent = story(100, published="2025-12-01T09:00:00+05:00"), story(200)
    emit(store, old)
    emit(store, recent)
    freeze_clock(monkeypatch, datetime.now(UTC) - timedelta(days=40))
    store.stage(with_paragraphs(1, "Lead one.", "Old one-off: subscribe now.", "Close one."))
    store.stage(with_paragraphs(2, "Lead two.", PROMO, "Close two."))
    store.stage(with_paragraphs(3, "Lead three.", PROMO, "Close three."))
    monkeypatch.undo()
    store.stage(with_paragraphs(4, "Lead four.", "New one-off: subscribe now.", "Close four."))
    store.prune(14)

    copy_of_old = print_of(story(5, body=edited(old.body or "")))
    assert store.near_duplicate_of(copy_of_old, "2025-12-01T09:00:00+05:00", 14, 0.9) is None
    assert store.was_emitted("100"), "emitted stories are never forgotten"
    copy_of_recent = print_of(story(6, body=edited(recent.body or "")))
    assert store.near_duplicate_of(copy_of_recent, DAY, 14, 0.9) == "200"
    boilerplate = opened().boilerplate_paragraphs(0)  # another connection: no cached answer
    assert paragraph_hash("Old one-off: subscribe now.") not in boilerplate
    assert paragraph_hash("New one-off: subscribe now.") in boilerplate
    assert paragraph_hash(PROMO) in boilerplate, "seen in two stories: kept"


# --- incremental memory -----------------------------------------------------------------


def test_stories_seen(store: Store) -> None:
    assert store.story_seen("100") == (None, None)
    store.begin_crawl()
    store.remember_story_seen("100", DAY)
    store.remember_story_seen("200", None)
    fetched_at, published_at = store.story_seen("100")
    assert published_at == DAY
    assert fetched_at is not None and fetched_at >= store.crawl_started_at()
    assert store.story_seen("200")[1] is None
    store.remember_story_seen("100", "2026-01-11T09:00:00+05:00")
    assert store.story_seen("100")[1] == "2026-01-11T09:00:00+05:00", "the latest fetch"


def test_a_story_failing_crawl_after_crawl_is_counted_once_a_crawl(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A story page that comes empty or cut off is asked again by the next crawl; the
    store counts in how many crawls it failed, so it can be given up (``story_failed``)."""
    start = datetime(2026, 1, 10, 4, 0, tzinfo=UTC)
    assert store.story_failures("100") == 0
    for crawl in range(3):
        freeze_clock(monkeypatch, start + timedelta(hours=crawl))
        store.begin_crawl()
        assert store.story_failures("100") == crawl, "read, not counted"
        assert store.story_failed("100") == crawl + 1
        assert store.story_failures("100") == crawl + 1
        assert store.story_failed("100") == crawl + 1, "twice in one crawl is one failure"
        store.finish_crawl()
    assert store.story_failed("200") == 1, "each story its own count"
    store.commit()


def test_topics_keep_their_latest_date_and_recent_ones_are_listed(store: Store) -> None:
    assert store.recent_topics(7) == []
    topic = "https://www.urdupoint.com/en/topic/{}.html"
    store.remember_topic(topic.format("cricket"), "2026-01-10T09:00:00+05:00")
    store.remember_topic(topic.format("cricket"), "2026-01-01T09:00:00+05:00")  # older
    store.remember_topic(topic.format("budget"), "2026-01-05T09:00:00+05:00")
    store.remember_topic(topic.format("archive"), "2025-12-01T09:00:00+05:00")
    store.remember_topic(topic.format("undated"), None)
    assert store.recent_topics(7) == [topic.format("budget"), topic.format("cricket")]
    assert store.recent_topics(3) == [topic.format("cricket")], "cricket kept its latest date"
    store.remember_topic(topic.format("archive"), "2026-01-09T09:00:00+05:00")
    assert topic.format("archive") in store.recent_topics(3)


def test_topic_history_for_the_revisit_policy(opened: Callable[[], Store]) -> None:
    store = opened()
    topic = "https://www.urdupoint.com/en/topic/{}.html"
    assert store.topic_run() == 0 and store.topic_histories(7) == []
    assert store.begin_topic_run() == 1 and store.begin_topic_run() == 2
    store.topic_named(topic.format("cricket"), "2026-01-10T09:00:00+05:00", 2)
    store.topic_named(topic.format("cricket"), "2026-01-08T09:00:00+05:00", 3)
    store.topic_named(topic.format("archive"), "2025-12-01T09:00:00+05:00", 3)
    store.topic_visited(topic.format("cricket"), 3, yielded=2, first_page=True)
    store.topic_visited(topic.format("cricket"), 3, yielded=1, first_page=False)  # page 2
    store.commit()
    again = opened()  # another connection sees it all
    assert again.topic_run() == 2
    assert again.topic_histories(7) == [
        TopicHistory(
            topic.format("cricket"),
            named=2,
            yielded=3,
            visits=1,
            first_run=2,
            last_named_run=3,
            last_visit_run=3,
        )
    ]
    assert store.recent_topics(7) == [topic.format("cricket")], "the topics table is shared"
    never_visited = store.topic_histories(60)[0]
    assert never_visited.url == topic.format("archive")
    assert (never_visited.visits, never_visited.last_visit_run) == (0, None)
    assert never_visited.first_run == 3


def test_a_crawl_round_begins_and_finishes(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not store.crawl_in_progress()
    assert store.crawl_started_at() == ""
    start = datetime(2026, 1, 10, 4, 0, tzinfo=UTC)
    freeze_clock(monkeypatch, start)
    store.begin_crawl()
    assert store.crawl_in_progress()
    assert store.crawl_started_at() == start.isoformat()
    store.finish_crawl()
    assert not store.crawl_in_progress()
    assert store.crawl_started_at() == start.isoformat(), "readable until the next round"


# --- release: nothing is settled before the feed is on disk -----------------------------


def test_a_release_is_seen_by_its_store_and_by_others_only_at_commit(
    opened: Callable[[], Store],
) -> None:
    store, other = opened(), opened()
    original = story(100)
    for item in (original, story(200)):
        store.stage(item)
    store.commit()
    store.begin_release()
    emit(store, original)
    store.unstage("200")  # dropped

    copy = story(300, body=edited(original.body or ""))
    assert store.was_emitted("100")
    assert store.emitted_body_hash("100") == print_of(original).body_hash
    assert store.emitted_with_body(print_of(story(7, body=original.body))) == "100"
    assert store.emitted_with_template(print_of(original)) == "100"
    assert store.near_duplicate_of(print_of(copy), DAY, 14, 0.9) == "100"
    assert store.staged_count() == 0 and staged_ids(store) == []

    assert not other.was_emitted("100"), "not settled before the feed is synced"
    assert other.emitted_with_body(print_of(original)) is None
    assert other.near_duplicate_of(print_of(copy), DAY, 14, 0.9) is None
    assert other.staged_count() == 2

    store.commit()
    assert other.was_emitted("100")
    assert other.emitted_with_body(print_of(original)) == "100"
    assert other.near_duplicate_of(print_of(copy), DAY, 14, 0.9) == "100"
    assert other.staged_count() == 0


def test_the_lowest_id_wins_within_a_release(store: Store) -> None:
    same = text(7)
    emit(store, story(200, body=same))
    store.begin_release()
    emit(store, story(300, body=same))
    assert store.emitted_with_body(print_of(story(1, body=same))) == "200"
    emit(store, story(50, body=same))
    assert store.emitted_with_body(print_of(story(1, body=same))) == "50"
    assert store.emitted_with_template(print_of(story(1, body=same))) == "50"
    store.commit()
    assert store.emitted_with_body(print_of(story(1, body=same))) == "50"


def test_a_new_version_within_a_release(store: Store) -> None:
    old, new = story(100), story(100, body=text(101))
    emit(store, old)
    store.begin_release()
    store.retire_body("100")
    emit(store, new)
    for check in ("during the release", "after commit"):
        assert store.emitted_body_hash("100") == print_of(new).body_hash, check
        assert store.emitted_with_body(print_of(old)) is None, check
        assert store.emitted_with_body(print_of(new)) == "100", check
        copy_of_old = print_of(story(5, body=edited(old.body or "")))
        assert store.near_duplicate_of(copy_of_old, DAY, 14, 0.9) is None, check
        copy_of_new = print_of(story(5, body=edited(new.body or "")))
        assert store.near_duplicate_of(copy_of_new, DAY, 14, 0.9) == "100", check
        store.commit()


def test_a_story_staged_again_during_a_release_stays_staged(
    opened: Callable[[], Store],
) -> None:
    store = opened()
    store.stage(story(100))
    store.begin_release()
    store.unstage("100")
    assert store.stage(story(100, body=text(101))), "unstaged: staged anew"
    store.commit()
    staged = list(opened().staged_items())
    assert [item.body for item in staged] == [text(101)]


# --- the feed -----------------------------------------------------------------------------


def test_reconcile_settles_what_a_killed_release_wrote_and_cuts_a_torn_line(
    store: Store, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.jsonl"
    store.watch_feed(feed)
    written, torn = story(100), story(200, published="2026-01-10T23:00:00+05:00")
    for item in (written, torn):
        store.stage(item)
    store.commit()
    whole = json.dumps(asdict(written), ensure_ascii=False) + "\n"
    feed.write_text(whole + json.dumps(asdict(torn), ensure_ascii=False)[:100], encoding="utf-8")

    assert store.reconcile_feed() == 1
    assert feed.read_text(encoding="utf-8") == whole, "the torn line is gone"
    assert store.was_emitted("100") and not store.was_emitted("200")
    assert store.emitted_with_body(print_of(written)) == "100"
    assert staged_ids(store) == ["200"], "left to release"
    assert store.reconcile_feed() == 0, "what was accounted for is not read again"


@pytest.mark.parametrize(
    "article_id", ["1" * 40, "abc", "\u00b2\u00b3\u2074\u2075\u2076", 100, "-100"]
)
def test_reconcile_skips_a_feed_line_whose_id_is_no_story_id(
    store: Store, tmp_path: Path, article_id: object
) -> None:
    """A line not of the crawl's writing (an id of 40 digits, letters, superscript digits
    that ``isdigit`` takes for digits): ``int`` or SQLite's INTEGER raised out of the
    reconcile, at every crawl's start, and no run could begin until the line was found
    and cut by hand. It is skipped, as a line that is no JSON is."""
    feed = tmp_path / "feed.jsonl"
    store.watch_feed(feed)
    foreign = {**asdict(story(200)), "article_id": article_id}
    lines = [json.dumps(foreign), json.dumps(asdict(story(100)))]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert store.reconcile_feed() == 1
    assert store.was_emitted("100") and not store.was_emitted("200")


def test_closing_after_a_release_accounts_for_the_whole_feed(
    opened: Callable[[], Store], tmp_path: Path
) -> None:
    feed = tmp_path / "feed.jsonl"
    store = opened()
    store.watch_feed(feed)
    item, foreign = story(100), story(300)
    store.stage(item)
    store.begin_release()
    emit(store, item)
    lines = [json.dumps(asdict(line)) + "\n" for line in (item, foreign)]
    feed.write_text("".join(lines), encoding="utf-8")
    store.close()

    reopened = opened()
    reopened.watch_feed(feed)
    assert reopened.was_emitted("100")
    assert reopened.staged_count() == 0
    assert reopened.reconcile_feed() == 0, "everything before the close is accounted for"
    assert not reopened.was_emitted("300")


def test_feed_offset_is_kept_per_machine_and_feed_path(
    redis_store: RedisStateStore, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps(asdict(story(100))) + "\n", encoding="utf-8")
    redis_store.watch_feed(feed)
    assert redis_store.reconcile_feed() == 1
    key = f"feed_offset:{socket.gethostname()}:{feed.resolve()}"
    assert int(redis_store.client.hget(redis_store.keys.meta, key) or 0) == feed.stat().st_size


# --- Redis only: several workers on one crawl -----------------------------------------------


def test_a_worker_joining_a_round_keeps_its_start_time(
    redis_store: RedisStateStore, worker: RedisStateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, later = datetime(2026, 1, 10, 4, 0, tzinfo=UTC), datetime(2026, 1, 10, 5, 0, tzinfo=UTC)
    freeze_clock(monkeypatch, first)
    redis_store.begin_crawl()
    freeze_clock(monkeypatch, later)
    worker.begin_crawl()
    assert worker.crawl_in_progress()
    assert worker.crawl_started_at() == first.isoformat()
    worker.finish_crawl()
    assert not redis_store.crawl_in_progress()
    redis_store.begin_crawl()
    assert redis_store.crawl_started_at() == later.isoformat(), "a new round starts anew"


def test_workers_share_staged_seen_emitted_and_counts(
    redis_store: RedisStateStore, worker: RedisStateStore
) -> None:
    redis_store.stage(with_paragraphs(100, "Lead.", PROMO, "Close."))
    worker.stage(with_paragraphs(200, "Lead two.", PROMO, "Close two."))
    assert not worker.stage(story(100)), "staged by the other worker"
    assert staged_ids(worker) == staged_ids(redis_store) == ["100", "200"]
    assert paragraph_hash(PROMO) in worker.boilerplate_paragraphs(1)
    redis_store.remember_story_seen("100", DAY)
    assert worker.story_seen("100")[1] == DAY
    emit(worker, story(200))
    assert redis_store.was_emitted("200")
    assert staged_ids(redis_store) == ["100"]


def test_concurrent_workers_count_every_paragraph(redis_server: str, redis_namespace: str) -> None:
    def work(first_id: int) -> None:
        store = RedisStateStore(redis_server, redis_namespace)
        for article_id in range(first_id, first_id + 25):
            store.stage(with_paragraphs(article_id, "Lead.", PROMO, f"Close {article_id}."))
        store.close()

    threads = [threading.Thread(target=work, args=(n * 100,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store = RedisStateStore(redis_server, redis_namespace)
    assert store.staged_count() == 200
    assert paragraph_hash(PROMO) in store.boilerplate_paragraphs(199)
    store.close()
    store = RedisStateStore(redis_server, redis_namespace)
    assert paragraph_hash(PROMO) not in store.boilerplate_paragraphs(200), "in 200 exactly"
    store.close()


def test_the_frontier_is_the_scheduler_queue(redis_store: RedisStateStore) -> None:
    """No frontier in Redis, not even stubs: the frontier middleware is off there."""
    assert not isinstance(redis_store, Frontier)
    for name in ("frontier_add", "frontier_done", "frontier_pending", "mark_running"):
        assert not hasattr(redis_store, name), name


def test_every_key_is_in_the_namespace(
    redis_store: RedisStateStore, redis_namespace: str, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("", encoding="utf-8")
    redis_store.watch_feed(feed)
    redis_store.begin_crawl()
    redis_store.stage(with_paragraphs(100, "Lead.", PROMO, "Close."))
    redis_store.stage(story(200))
    redis_store.begin_release()
    emit(redis_store, story(100))
    redis_store.retire_body("100")
    redis_store.commit()
    redis_store.remember_story_seen("100", DAY)
    redis_store.remember_topic("https://www.urdupoint.com/en/topic/cricket.html", DAY)
    keys = [key.decode() for key in redis_store.client.scan_iter(count=1000)]
    ours = [key for key in keys if key.startswith(f"{redis_namespace}:")]
    assert len(ours) >= 10
    assert all(re.match(r"newsbot-test:[0-9a-f]{32}:", key) for key in keys), keys


def test_a_state_file_of_the_older_schema_is_migrated(tmp_path: Path) -> None:
    """sketch_index without dates and recent without word counts: upgraded in place."""
    path = tmp_path / "old.sqlite3"
    old = SqliteStateStore(path)
    original = story(100, published="2026-01-10T09:00:00+05:00")
    emit(old, original)
    old.db.executescript(
        "DROP TABLE sketch_index;"
        "CREATE TABLE sketch_index (value INTEGER NOT NULL, article_id INTEGER NOT NULL,"
        " PRIMARY KEY (value, article_id)) WITHOUT ROWID;"
        "ALTER TABLE recent DROP COLUMN words;"
    )
    old.close()

    upgraded = SqliteStateStore(path)
    copy = print_of(story(300, body=edited(original.body or "")))
    assert upgraded.near_duplicate_of(copy, "2026-01-20T09:00:00+05:00", 14, 0.9) == "100"
    columns = [row[1] for row in upgraded.db.execute("PRAGMA table_info(sketch_index)")]
    assert "published_at" in columns
    upgraded.close()
