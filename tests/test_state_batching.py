"""The SQLite store's batching gives the answers of doing each write and read at once.

The release reads staged stories a chunk a query; it is checked here against the plain
definition (a query per story).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import newsbot.state.sqlite
from newsbot.state.base import dump_story, release_key
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
