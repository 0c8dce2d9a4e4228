"""The SQLite frontier's batches: a response's output and its done mark commit together.

A "kill" here is a connection that goes away without committing: SQLite keeps only what
was committed, as after SIGKILL. ``tests/test_crash_resume.py`` kills real crawls.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

import newsbot.state.sqlite
from newsbot.items import Story
from newsbot.state.sqlite import SqliteStateStore

ROOT, LINK, OTHER = b"r" * 20, b"l" * 20, b"o" * 20


def raw(name: str) -> Callable[[], str]:
    return lambda: f'{{"url":"http://example.org/{name}"}}'


def staged_story(article_id: int) -> Story:
    return Story(
        url=f"http://example.org/en/world/x-{article_id}.html",
        article_id=str(article_id),
        title="A story",
        published_at="2026-01-10T09:00:00+05:00",
        body="Some words of a story.",
    )


def killed(store: SqliteStateStore) -> None:
    """The process dies: nothing since the last commit reaches the file."""
    db = store.db
    store._db = None
    sqlite3.Connection.close(db)


def rows(path: Path) -> dict[bytes, int]:
    """The frontier as another process would read it from the file."""
    with closing(sqlite3.connect(path)) as db:
        found = db.execute("SELECT fingerprint, done FROM frontier")
        return {bytes(fingerprint): done for fingerprint, done in found}


def test_a_batch_killed_before_its_commit_is_redone_whole(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = SqliteStateStore(path)
    store.begin_crawl()
    assert store.frontier_add(ROOT, raw("root"))
    store.start_recorded()

    # The root's response: a link found, a story staged, then the root is done.
    assert store.frontier_add(LINK, raw("link"))
    assert not store.frontier_add(LINK, raw("link")), "a link the crawl has is a duplicate"
    assert store.stage(staged_story(1))
    store.frontier_done(ROOT)
    assert rows(path) == {ROOT: 0}, "the batch reached the file before its commit"
    killed(store)

    resumed = SqliteStateStore(path)
    assert resumed.crawl_in_progress()
    assert resumed.frontier_pending() == ['{"url":"http://example.org/root"}']
    assert resumed.staged_count() == 0, "the story went with its batch: the root is redone"
    assert not resumed.frontier_add(ROOT, raw("root")), "the resumed crawl knows its requests"
    assert resumed.frontier_add(LINK, raw("link")), "the lost link is found again"
    assert resumed.stage(staged_story(1))
    resumed.frontier_done(ROOT)
    resumed.commit()
    assert rows(path) == {ROOT: 1, LINK: 0}
    assert resumed.frontier_pending() == ['{"url":"http://example.org/link"}']
    resumed.close()


def test_a_batch_commits_by_size_and_by_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.sqlite3"
    store = SqliteStateStore(path)
    store.begin_crawl()
    store.start_recorded()
    monkeypatch.setattr(newsbot.state.sqlite, "COMMIT_EVERY", 2)
    store.frontier_add(LINK, raw("link"))
    assert rows(path) == {}
    store.frontier_add(OTHER, raw("other"))
    assert rows(path) == {LINK: 0, OTHER: 0}, "two changes: the batch is full"

    monkeypatch.setattr(newsbot.state.sqlite, "COMMIT_EVERY", 1000)
    clock = [1000.0]
    monkeypatch.setattr(newsbot.state.sqlite.time, "monotonic", lambda: clock[0])
    store.commit()
    store.frontier_done(LINK)
    assert rows(path)[LINK] == 0
    clock[0] += newsbot.state.sqlite.COMMIT_SECONDS + 1
    store.frontier_done(OTHER)
    assert rows(path) == {LINK: 1, OTHER: 1}, "the batch is old enough: committed"
    store.close()


def test_no_batch_commits_a_crawl_half_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.sqlite3"
    store = SqliteStateStore(path)
    monkeypatch.setattr(newsbot.state.sqlite, "COMMIT_EVERY", 1)
    store.begin_crawl()
    store.frontier_add(ROOT, raw("root"))
    store.frontier_add(LINK, raw("link"))
    killed(store)
    reopened = SqliteStateStore(path)
    assert not reopened.crawl_in_progress(), "a crawl with half its roots"
    reopened.close()


def test_a_request_that_cannot_be_serialized_is_not_known_afterwards(tmp_path: Path) -> None:
    """Adversarial review: ``frontier_add`` adds the fingerprint to the in-memory set before
    ``request()`` serializes it; when serializing raises, the crawl holds no pending row for
    it, yet every later link to it is answered "already in the frontier"."""
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    store.begin_crawl()
    store.start_recorded()

    def broken() -> str:
        raise TypeError("Object of type set is not JSON serializable")

    with pytest.raises(TypeError):
        store.frontier_add(b"f" * 20, broken)
    assert store.frontier_add(b"f" * 20, lambda: '{"url":"http://x/"}'), (
        "a request never recorded is answered as a duplicate"
    )
    store.close()
