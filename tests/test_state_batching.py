"""The SQLite store's batching gives the answers of doing each write and read at once.

The paragraph counts of a batch's staged stories are held until it commits, and the
release reads staged stories a chunk a query; each is checked here against the plain
definition (an upsert per story, a query per story), on many random steps, and for the
crash-safety rule: what a kill would leave is always a committed batch, whole.
"""

from __future__ import annotations

import random
import sqlite3
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import newsbot.state.base
import newsbot.state.sqlite
from newsbot.items import Story
from newsbot.state.base import (
    PARAGRAPH_MEMORY_DAYS,
    ParagraphCount,
    dump_story,
    is_boilerplate,
    paragraph_tally,
    release_key,
)
from newsbot.state.sqlite import SqliteStateStore
from newsbot.text.fingerprints import StoryPrint
from tests.test_state_backends import story, text

DAYS = [f"2026-01-{day:02d}T09:00:00+05:00" for day in range(1, 29)]


def test_release_reads_staged_stories_a_chunk_a_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The release reads the staged stories a chunk at a time while it settles each: the
    same stories, in release order, as reading them one query a story; one query a chunk;
    a chunk under ``RELEASE_CHUNK_CHARS`` of JSON but for its last story (so a big story
    adds only itself), and full (``batch`` stories, or the size reached)."""
    cap, batch = 6_000, 20
    monkeypatch.setattr(newsbot.state.sqlite, "RELEASE_CHUNK_CHARS", cap)
    rng = random.Random(5)
    stories = [
        story(
            article_id,
            published=rng.choice([*DAYS, None]),
            body=text(article_id, rng.randrange(1, 10)),
        )
        for article_id in range(1, 81)
    ]
    stories.append(story(999, body=text(999, 40)))  # bigger than a chunk by itself
    store = SqliteStateStore(tmp_path / "s.sqlite3")
    for item in stories:
        assert store.stage(item)
    store.commit()
    chunks: list[list[int]] = []  # the JSON sizes of the stories each query gave
    store.db.set_trace_callback(
        lambda sql: chunks.append([]) if "FROM staged" in sql and "SELECT" in sql else None
    )
    released = []
    store.begin_release()
    for item in store.staged_items(batch=batch):
        chunks[-1].append(len(dump_story(item)))
        released.append(dump_story(item))
        if int(item.article_id or 0) % 3:  # settled as the pipelines do: emitted or dropped
            store.remember_emitted(item, StoryPrint.of(item.title or "", item.body or ""))
        else:
            store.unstage(item.article_id)
    store.db.set_trace_callback(None)
    assert released == [dump_story(item) for item in sorted(stories, key=release_key)]
    assert chunks[-1] == [], "the last query finds no story left"
    chunks.pop()
    assert all(chunks), "every other query gave stories: none is read alone"
    for sizes in chunks:
        assert len(sizes) <= batch and sum(sizes[:-1]) < cap, sizes
    for sizes in chunks[:-1]:
        assert len(sizes) == batch or sum(sizes) >= cap, f"a chunk cut short: {sizes}"
    assert any(sizes[-1] > cap for sizes in chunks), "the big story closes its chunk"
    assert store.staged_count() == 0
    store.close()


@pytest.mark.parametrize("abandoned", [False, True])
def test_settled_stories_leave_staging_a_chunk_a_statement(tmp_path: Path, abandoned: bool) -> None:
    """A release deletes its settled stories' staged rows by one statement a chunk, not
    one a story; a story a pipeline failed on (not settled) stays staged, and a release
    whose feed failed (abandoned) keeps every story staged for the next run."""
    batch = 10
    stories = [story(article_id, body=text(article_id, 2)) for article_id in range(1, 36)]
    store = SqliteStateStore(tmp_path / "s.sqlite3")
    for item in stories:
        assert store.stage(item)
    store.commit()
    deletes: list[str] = []
    store.db.set_trace_callback(
        lambda sql: deletes.append(sql) if sql.startswith("DELETE FROM staged") else None
    )
    store.begin_release()
    for item in store.staged_items(batch=batch):
        if item.article_id == "17":
            continue  # a pipeline raised: the story is not settled
        if int(item.article_id or 0) % 2:
            store.remember_emitted(item, StoryPrint.of(item.title or "", item.body or ""))
        else:
            store.unstage(item.article_id)
    if abandoned:
        store.abandon_release()
    store.close()
    assert len(deletes) == 4, deletes  # 35 stories, chunks of 10 (abandoned: rolled back)
    reopened = SqliteStateStore(tmp_path / "s.sqlite3")
    left = sorted(int(item.article_id or 0) for item in reopened.staged_items())
    reopened.close()
    assert left == (list(range(1, 36)) if abandoned else [17])


#: Paragraphs stories are made of: recurring ones (two of the same words, one worded as
#: a promo and one not: the first story's flag stays), and one-offs.
PARAGRAPHS = [
    "Follow us on WhatsApp for the latest news.",
    "Sign up today for our newsletter",
    "Sign-up today for our newsletter",  # the same words, no promo wording
    "The spokesman said the matter was under review.",
    "All rights reserved.",
    *(f"Paragraph {n} of the pool, plain words." for n in range(8)),
]


def test_paragraph_counts_held_until_commit_are_the_per_story_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SQLite store holds a batch's paragraph counts until it commits. They must be
    the counts of an upsert per staged story (the definition, modelled here): seen at
    once by the store's own boilerplate answer and by prune, by another connection only
    in the commit that brings their stories, written once a paragraph between two reads,
    and given up with the stories of an abandoned release."""
    rng = random.Random(9)
    path = tmp_path / "s.sqlite3"
    today = datetime.now(UTC)
    clock = [today]
    monkeypatch.setattr(newsbot.state.base, "now", lambda: clock[0])
    store = SqliteStateStore(path)
    other = sqlite3.connect(path)  # what a kill would leave: the committed state
    writes: list[str] = []
    store.db.set_trace_callback(
        lambda sql: writes.append(sql) if "INTO paragraphs" in sql else None
    )
    model: dict[int, list[int | str]] = {}  # hash -> stories, at an edge, promo, last seen
    committed: tuple[dict[int, list[int | str]], set[int]] = ({}, set())
    staged: set[int] = set()
    emitted: set[int] = set()
    counted: set[int] = set()  # paragraphs counted since the counts were last read
    pruned = 0

    def check_committed() -> None:
        rows = other.execute("SELECT hash, stories, edge_stories, promo, last_seen FROM paragraphs")
        assert {row[0]: list(row[1:]) for row in rows} == committed[0]
        assert {row[0] for row in other.execute("SELECT article_id FROM staged")} == committed[1]

    def counts_read() -> None:
        assert len(writes) == len(counted), "one write a paragraph since the last read"
        writes.clear()
        counted.clear()

    for step in range(400):
        action = rng.random()
        if action < 0.6:
            article_id = rng.randrange(1, 120)
            paragraphs = rng.sample(PARAGRAPHS, rng.randrange(1, 6))
            if rng.random() < 0.5:  # a rare paragraph: a one-off is forgotten a month on
                paragraphs.insert(rng.randrange(len(paragraphs)), f"Rare {rng.randrange(150)}.")
            item = story(article_id, body="\n\n".join(paragraphs))
            if store.stage(item) and article_id not in emitted:
                day = clock[0].date().isoformat()
                for digest, (edge, promo) in paragraph_tally(item.body).items():
                    counts = model.setdefault(digest, [0, 0, promo, day])
                    counts[0] = int(counts[0]) + 1
                    counts[1] = int(counts[1]) + edge
                    counts[3] = day
                    counted.add(digest)
            staged.add(article_id)
        elif action < 0.7:
            store.commit()
            counts_read()
            committed = ({digest: list(counts) for digest, counts in model.items()}, set(staged))
        elif action < 0.8:
            min_stories = 2  # the setting: one value a crawl
            expected = {
                digest
                for digest, (stories, edge, promo, _) in model.items()
                if is_boilerplate(
                    ParagraphCount(digest, int(stories), int(edge), bool(promo)), min_stories
                )
            }
            assert store.boilerplate_paragraphs(min_stories) == expected, f"step {step}"
            counts_read()
        elif action < 0.85 and staged:
            article_id = rng.choice(sorted(staged))
            item = story(article_id)
            store.remember_emitted(item, StoryPrint.of(item.title or "", item.body or ""))
            staged.discard(article_id)
            emitted.add(article_id)
        elif action < 0.9:
            clock[0] = today - timedelta(days=rng.choice([0, 40]))
        elif action < 0.95:
            store.prune(7)  # commits
            cutoff = (clock[0] - timedelta(days=PARAGRAPH_MEMORY_DAYS)).date().isoformat()
            for digest in [d for d, c in model.items() if c[0] == 1 and str(c[3]) < cutoff]:
                del model[digest]
                pruned += 1
            counts_read()
            committed = ({digest: list(counts) for digest, counts in model.items()}, set(staged))
        check_committed()
    assert pruned and any(counts[0] == 1 for counts in committed[0].values())
    assert any(counts[0] > 3 and counts[2] for counts in committed[0].values())

    # A release given up: what it staged since it began, counts included, is not kept.
    store.begin_release()
    committed = ({digest: list(counts) for digest, counts in model.items()}, set(staged))
    assert store.stage(story(500, body="\n\n".join(PARAGRAPHS[:3])))
    store.abandon_release()
    store.close()
    check_committed()
    other.close()


def _hostile_story(article_id: int, paragraphs: int) -> Story:
    """A story page near DOWNLOAD_MAXSIZE made of short distinct paragraphs
    (``<p>w1 x</p><p>w2 x</p>...``: 5 MB of HTML holds about 400,000 of them)."""
    item = Story(
        url=f"https://www.urdupoint.com/en/pakistan/story-{article_id}.html",
        article_id=str(article_id),
        title=f"Story {article_id}",
        published_at="2026-01-05T09:00:00+05:00",
    )
    item.set_body("\n\n".join(f"p{article_id}x{i} y" for i in range(paragraphs)))
    return item


def test_hostile_stories_staged_in_one_batch_hold_bounded_memory(tmp_path: Path) -> None:
    """The held paragraph counts are written early past ``HELD_PARAGRAPHS_MAX`` (in the
    batch's transaction): three 150,000-paragraph pages held 66 MB of Python objects
    until the commit (found by the adversarial review), and four near DOWNLOAD_MAXSIZE
    added 340 MB to the crawl. Their counts are still exact once committed."""
    store = SqliteStateStore(tmp_path / "s.sqlite3")
    store.commit()
    stories = [_hostile_story(1000 + n, 150_000) for n in range(3)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for item in stories:
            assert store.stage(item)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 16 * 1024 * 1024, f"{held / 2**20:.0f} MB held by 3 staged stories"
    store.commit()
    rows = store.db.execute("SELECT COUNT(*), SUM(stories) FROM paragraphs").fetchone()
    assert rows == (450_000, 450_000)
    store.close()


def test_a_held_paragraphs_promo_wording_is_not_looked_for_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store keeps the first story's promo flag of a paragraph: once a paragraph's
    counts are held for the batch, later stories carrying it are not searched for its
    promo wording (the site's recurring lines are most paragraphs), and the flags written
    are still the first story's."""
    looked_at: list[str] = []
    looks_like_promo = newsbot.state.base.looks_like_promo

    def counted(paragraph: str) -> bool:
        looked_at.append(paragraph)
        return looks_like_promo(paragraph)

    monkeypatch.setattr(newsbot.state.base, "looks_like_promo", counted)
    promo, stock = "Follow us on WhatsApp for more news.", "The minister said so on Monday."
    store = SqliteStateStore(tmp_path / "s.sqlite3")
    try:
        store.stage(story(1, body=f"{stock}\n\nFirst story's words.\n\n{promo}"))
        looked_at.clear()
        store.stage(story(2, body=f"{stock}\n\nSecond story's words.\n\n{promo}"))
        assert looked_at == ["Second story's words."]
        store.commit()
        rows = store.db.execute("SELECT hash, stories, promo FROM paragraphs").fetchall()
        flags = {digest: (stories, flag) for digest, stories, flag in rows}
        tally = paragraph_tally(f"{stock}\n\nSecond story's words.\n\n{promo}")
        assert {flags[digest] for digest in tally} == {(2, 0), (1, 0), (2, 1)}
    finally:
        store.close()
