"""The crawler's memory across runs: one SQLite file per spider.

Home: ``NEWSBOT_STATE_DIR`` (default ``output/state``), file ``<spider>.sqlite3``. It is
keyed by spider, not by run, so scheduled runs continue each other. It holds:

- ``staged``: stories parsed in this run and not yet settled (emitted or dropped).
  They are released in publication order when the crawl is idle (``spidermiddlewares/staging.py``).
- ``emitted``: every story ever emitted, by id, with its exact-body and template
  hashes (indexed). A few dozen bytes a story: a million stories stay small.
- ``recent``: the word tokens (``pack_tokens``) and sketch of stories emitted within the
  near-duplicate window, with ``sketch_index`` to find candidates; pruned by age.
- ``paragraphs``: in how many distinct stories each paragraph was seen, to learn the
  site's boilerplate; paragraphs seen once are forgotten after a while.
- ``frontier``: the current crawl's requests, pending or done
  (``spidermiddlewares/frontier.py``): what a killed crawl resumes from.
- ``seen_stories`` and ``topics``: every story page fetched (with its date) and every
  topic page linked, for incremental re-crawls (``spidermiddlewares/incremental.py``);
  per topic, its history for the revisit policy (``topic_policy.py``): stories naming
  it, new stories its pages led to, visits, and in which runs it was first named, last
  named, last visited.
- ``failed_stories``: story pages that came empty or cut off, in how many crawls and
  the last one's start (``story_failed``): a page failing run after run is given up.
- ``meta``: whether a crawl is in progress, and how much of the feed is accounted for.

Writes are batched: committed every ``COMMIT_EVERY`` changes or ``COMMIT_SECONDS``,
whichever comes first, and when the crawl pauses or ends (WAL journal, so a crash loses
at most the last uncommitted batch and never corrupts the file). Order makes that safe:
a request is marked done only after its stories and links were written, and a batch
commits all of them or none, so a lost batch is redone, never skipped. The frontier's
own writes (a pending row for every new request, a done mark for every response) are
held in memory until the batch commits and written then with one ``executemany`` each,
in the same transaction; which requests the crawl already has is answered from memory
(``_frontier_known``, loaded from the table when a crawl resumes), not by one
``INSERT OR IGNORE`` a link. While
stories are released into the feed nothing is committed; the commit at the end
follows the feed's fsync, and a release cut short is reconciled with the feed at the
next start (``reconcile_feed``).
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, compress
from pathlib import Path

from scrapy.crawler import Crawler

from newsbot.config import NewsbotConfig
from newsbot.items import Story
from newsbot.state.base import (
    MIN_SHARED_SKETCH,
    NEAR_CANDIDATES,
    RELEASE_CHUNK_CHARS,
    BaseStateStore,
    Candidate,
    ParagraphCount,
    SketchPostings,
    dump_story,
    keep_staged,
    load_story,
    paragraph_memory_cutoff,
    paragraph_tally,
    release_key,
    synced_size,
    window,
)
from newsbot.state.guard import GuardedConnection
from newsbot.text.fingerprints import (
    INDEXED_SIZE,
    StoryPrint,
    unpack_sketch,
)
from newsbot.topic_policy import TopicHistory

SCHEMA = """
CREATE TABLE IF NOT EXISTS staged (
    article_id INTEGER PRIMARY KEY,
    sort_key TEXT NOT NULL,
    item TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS staged_order ON staged(sort_key);
CREATE TABLE IF NOT EXISTS emitted (
    article_id INTEGER PRIMARY KEY,
    published_at TEXT,
    body_hash INTEGER NOT NULL,
    template_hash INTEGER NOT NULL,
    emitted_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS emitted_body ON emitted(body_hash);
CREATE INDEX IF NOT EXISTS emitted_template ON emitted(template_hash);
CREATE TABLE IF NOT EXISTS recent (
    article_id INTEGER PRIMARY KEY,
    published_at TEXT NOT NULL,
    tokens BLOB NOT NULL,
    sketch BLOB NOT NULL,
    words INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS recent_published ON recent(published_at);
CREATE TABLE IF NOT EXISTS sketch_index (
    value INTEGER NOT NULL,
    published_at TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (value, published_at, article_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS frontier (
    fingerprint BLOB PRIMARY KEY,
    request TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS seen_stories (
    article_id INTEGER PRIMARY KEY,
    published_at TEXT,
    fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS failed_stories (
    article_id INTEGER PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_crawl TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS topics (
    url TEXT PRIMARY KEY,
    last_published TEXT NOT NULL,
    named INTEGER NOT NULL DEFAULT 0,
    yielded INTEGER NOT NULL DEFAULT 0,
    visits INTEGER NOT NULL DEFAULT 0,
    first_run INTEGER,
    last_named_run INTEGER NOT NULL DEFAULT 0,
    last_visit_run INTEGER
);
CREATE TABLE IF NOT EXISTS paragraphs (
    hash INTEGER PRIMARY KEY,
    stories INTEGER NOT NULL,
    edge_stories INTEGER NOT NULL,
    promo INTEGER NOT NULL,
    last_seen TEXT NOT NULL
);
"""
#: A batch commits after this many changes (a few hundred responses of a fast crawl)...
COMMIT_EVERY = 2000
#: ...or this many seconds, whichever comes first: what a kill can cost a slow, polite crawl.
COMMIT_SECONDS = 10.0
#: A story's ``sketch_index`` entries (n of them) added by one statement of n rows, the
#: same rows ``INSERT OR IGNORE`` one by one would add: an ``executemany`` of 8 rows cost
#: 14 us a story, this 8.5.
SKETCH_INDEX_INSERT = {
    rows: "INSERT OR IGNORE INTO sketch_index (value, published_at, article_id) VALUES "
    + ",".join(["(?, ?, ?)"] * rows)
    for rows in range(1, INDEXED_SIZE + 1)
}
#: Settled stories whose staged rows are deleted by one statement (``_settled``): a
#: release chunk's at most (``staged_items``' batch), and below SQLite's 999 parameters.
SETTLED_HELD = 500
#: Distinct paragraphs whose counts are held for the batch's commit (``_count_paragraphs``)
#: before they are written early, in the same transaction: a hostile page near
#: DOWNLOAD_MAXSIZE is 400,000 short paragraphs, some 60 MB of Python objects held.
HELD_PARAGRAPHS_MAX = 20_000
#: KiB of SQLite's page cache on the store's connection (its default is 2,000): a run's
#: staged stories (a few KB each) outgrew the default, and the batch's pages were written
#: to the WAL before its commit and read back from it (a third of the release's system
#: time). Filled only as pages are used; a bigger batch still spills, as before.
PAGE_CACHE_KIB = 16_000
#: Stories of the window sharing enough sketch values with a story, most shared first.
#: The index is keyed (value, published_at): a value's look-up reads only the window's
#: stories, so the cost stays flat however many stories the state holds.
NEAR_CANDIDATES_SQL = (
    "SELECT article_id FROM sketch_index"
    f" WHERE value IN ({','.join('?' * INDEXED_SIZE)}) AND published_at BETWEEN ? AND ?"
    " GROUP BY article_id HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC, article_id"
    f" LIMIT {NEAR_CANDIDATES}"
)

#: Every index entry of some sketch values, in index order (``_near_candidates``).
POSTINGS_SQL = (
    "SELECT value, published_at, article_id FROM sketch_index WHERE value IN ({}) "
    "ORDER BY value, published_at, article_id"
)
#: Sketch values whose index entries are held in memory, the most recently asked kept.
#: A value common in the site's prose (a stock phrase) lists hundreds of stories, and
#: counting them in SQL for every story cost more than the rest of the dedupe.
POSTINGS_KEPT = 50_000
#: Bytes of packed words the recent rows held in memory (``_recent_rows``) may hold: a
#: row is a story's packed words (stored, not compressed: ``pack_tokens``), a little
#: less than its text, so some 2,000 to 7,000 stories (4 KB to 1 KB of words).
RECENT_ROWS_KEPT_BYTES = 8 * 1024 * 1024
#: A row with more packed words than this is read again when asked for, never held (a
#: page near DOWNLOAD_MAXSIZE packs to a MB).
RECENT_ROW_KEPT_MAX_BYTES = 64 * 1024


class SqliteStateStore(BaseStateStore):
    """The SQLite state of one spider (``StateStore`` and ``Frontier``)."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._pending = 0
        self._committed_at = time.monotonic()
        self._releasing = False
        #: From ``begin_crawl`` to ``start_recorded``: no batch commits a crawl half-started.
        self._starting = False
        self._abandoned = False
        #: The frontier's writes of the current batch: new pending rows, then done marks.
        self._frontier_rows: list[tuple[bytes, str]] = []
        self._frontier_done: list[tuple[bytes]] = []
        #: Fingerprints the current crawl's frontier holds (None: not read from the table yet).
        self._frontier_known: set[bytes] | None = None
        #: The paragraph counts of the batch's staged stories: hash -> (stories, at an edge,
        #: promo, last seen), written when the batch commits (``_flush_paragraphs``).
        self._held_paragraphs: dict[int, tuple[int, int, int, str]] = {}
        #: sketch value -> its ``sketch_index`` entries, as this connection sees the table:
        #: kept up to date by this store's own writes, and dropped when another connection
        #: committed (``PRAGMA data_version``), a body was retired, or the index pruned.
        self._postings: dict[int, SketchPostings] = {}
        self._postings_version: int | None = None
        #: This connection has written in its open transaction, so it holds SQLite's one
        #: write lock: no other connection can commit until it commits (``commit``).
        self._write_locked = False
        #: ``_postings_version`` was read under that lock: it cannot change before this
        #: connection's commit, so a release (one transaction) reads it once, not once a
        #: story. Cleared with the lock.
        self._version_settled = False
        #: article id -> its ``recent`` row, for the stories near-duplicate look-ups
        #: asked for: the same few hundred recent stories are candidates of story after
        #: story. Trusted as ``_postings`` is (dropped with it); a story remembered puts
        #: its new row here.
        self._recent_rows: dict[int, Candidate] = {}
        self._recent_rows_bytes = 0
        #: Ids settled (emitted or dropped) whose ``staged`` row is still to be deleted:
        #: deleted together (``_delete_settled``) before ``staged`` is read or written
        #: again and at the batch's commit, in the batch's transaction. One DELETE a story
        #: cost a tenth of the release's SQLite time. Bounded: at most ``SETTLED_HELD`` ids.
        self._settled: list[int] = []
        # A write that fails (disk full, damaged file) stops the crawl, never half-commits.
        self._db: GuardedConnection | None = sqlite3.connect(
            path, isolation_level="DEFERRED", factory=GuardedConnection
        )
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # Freed space is zeroed only where the page is written anyway: a SQLite built with
        # SECURE_DELETE (Debian's) zeroed and wrote every page a release's staged stories
        # (a few KB each) left, two thirds of deleting them. Per connection: the file's
        # format and rows are the same either way.
        self.db.execute("PRAGMA secure_delete=FAST")
        self.db.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
        self._migrate()
        self.db.executescript(SCHEMA)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SqliteStateStore:
        """``<NEWSBOT_STATE_DIR>/<spider>.sqlite3``: one file per spider, across its runs."""
        assert crawler.spidercls is not None
        config = NewsbotConfig.from_crawler(crawler)
        return cls(config.state_path(crawler.spidercls.name))

    @property
    def db(self) -> GuardedConnection:
        """The open connection (a closed store fails loudly)."""
        assert self._db is not None, "the state store is closed"
        return self._db

    def _migrate(self) -> None:
        """Bring a state file written by an older version to this schema."""
        topics = [row[1] for row in self.db.execute("PRAGMA table_info(topics)")]
        for column, kind in TOPIC_HISTORY_COLUMNS:
            if topics and column not in topics:  # history starts empty: topics wait their turn
                self.db.execute(f"ALTER TABLE topics ADD COLUMN {column} {kind}")
        recent = [row[1] for row in self.db.execute("PRAGMA table_info(recent)")]
        if recent and "words" not in recent:  # 0: unknown, the length test is skipped
            self.db.execute("ALTER TABLE recent ADD COLUMN words INTEGER NOT NULL DEFAULT 0")
        columns = [row[1] for row in self.db.execute("PRAGMA table_info(sketch_index)")]
        if columns and "published_at" not in columns:  # the index had no date: rebuild it
            self.db.execute("DROP TABLE sketch_index")
            self.db.executescript(SCHEMA)
            rows = self.db.execute("SELECT article_id, published_at, sketch FROM recent")
            self.db.executemany(
                "INSERT OR IGNORE INTO sketch_index (value, published_at, article_id) "
                "VALUES (?, ?, ?)",
                [
                    (value, published_at, article_id)
                    for article_id, published_at, packed in rows.fetchall()
                    for value in unpack_sketch(packed)[:INDEXED_SIZE]
                ],
            )
            self.commit()

    # --- transactions -------------------------------------------------------------------
    def _changed(self, count: int = 1) -> None:
        self._pending += count
        if self._releasing or self._starting:
            return
        if self._pending >= COMMIT_EVERY or time.monotonic() - self._committed_at > COMMIT_SECONDS:
            self.commit()

    def commit(self) -> None:
        """Commit the batch: the frontier's and the paragraph counts' held writes go in
        the same transaction."""
        self._flush_frontier()
        self._flush_paragraphs()
        self._delete_settled()
        self.db.commit()
        self._write_locked = self._version_settled = False
        self._pending = 0
        self._committed_at = time.monotonic()

    def begin_release(self) -> None:
        """Stories are going to the feed: hold commits until the feed is on disk."""
        if not self._releasing:
            self.commit()
        self._releasing = True

    def abandon_release(self) -> None:
        """A feed could not be written: keep nothing this release recorded as emitted.

        The feed is the truth. Its writes are rolled back when the store closes (stories
        still in the pipelines until then are recorded in the meantime, so dedupe stays
        right), and the feed's offset is not advanced: the next run's ``reconcile_feed``
        settles the whole lines the feed did get, cuts a torn one, and releases the rest.
        """
        self._abandoned = self._releasing

    def on_failure(self, callback: Callable[[str], None]) -> None:
        """Call ``callback`` with one line naming the file when it cannot be written."""
        self.db.on_failure = callback
        if self.db.failure is not None:  # it failed while opening
            callback(self.db.failure)

    def check_file(self) -> None:
        """Fail now (``on_failure``) if the state's file was deleted under the crawl:
        before the crawl's stats are final, not only at the closing commit."""
        if self._db is not None:
            self._db.check_file()

    def close(self) -> None:
        if self._db is not None:
            if self._abandoned:
                self._frontier_rows.clear()  # part of the batch given up
                self._frontier_done.clear()
                self._held_paragraphs.clear()
                self._settled.clear()
                self._db.rollback()
                self.mark_stopped()
            else:
                self._sync_feed()
            self.commit()
            self._db.close()
            self._db = None

    # --- the feed: what was really written ---------------------------------------------
    def _sync_feed(self) -> None:
        """fsync the feed, then note its size: everything before it is accounted for."""
        if self.feed_path is not None and self.feed_path.exists():
            self._set_feed_offset(self.feed_path, synced_size(self.feed_path))

    def _feed_offset(self, path: Path) -> int:
        return int(self._get_meta("feed_offset") or 0)

    def _set_feed_offset(self, path: Path, offset: int) -> None:
        self._set_meta("feed_offset", str(offset))

    def _get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # --- the crawl frontier ---------------------------------------------------------------
    def crawl_in_progress(self) -> bool:
        return self._get_meta("crawl_in_progress") == "1"

    def begin_crawl(self) -> None:
        """A new crawl: forget the last one's frontier.

        Not committed here: ``crawl_in_progress`` must reach the disk together with the
        start requests (``start_recorded``), or a kill in between would leave a crawl
        "in progress" with nothing to resume from.
        """
        self._forget_frontier()
        self._frontier_known = set()
        self._starting = True
        self._set_meta("crawl_in_progress", "1")
        self._set_meta("crawl_started_at", self._clock().isoformat())

    def start_recorded(self) -> None:
        self._starting = False
        self.commit()

    def mark_running(self) -> None:
        """Until ``mark_stopped``, a process is working on this state (or died doing so)."""
        self._set_meta("clean_shutdown", "0")
        self.commit()

    def mark_stopped(self) -> None:
        self._set_meta("clean_shutdown", "1")
        self._changed()

    def shut_down_cleanly(self) -> bool:
        return self._get_meta("clean_shutdown") != "0"

    def finish_crawl(self) -> None:
        self._forget_frontier()
        self._frontier_known = None
        self._set_meta("crawl_in_progress", "0")
        self._changed()

    def frontier_add(self, fingerprint: bytes, request: Callable[[], str]) -> bool:
        """Record a request as pending; False when this crawl already has it.

        Held until the batch commits; whether the crawl has it is answered from memory,
        and only a new request is serialized.
        """
        known = self._known_fingerprints()
        if fingerprint in known:
            return False
        row = (fingerprint, request())  # serialized first: a request that fails is not known
        known.add(fingerprint)
        self._frontier_rows.append(row)
        self._changed()
        return True

    def frontier_done(self, fingerprint: bytes) -> None:
        """Mark a request done; held until the batch commits, with the response's output."""
        self._frontier_done.append((fingerprint,))
        self._changed()

    def frontier_pending(self) -> list[str]:
        self._flush_frontier()
        rows = self.db.execute("SELECT request FROM frontier WHERE done = 0 ORDER BY rowid")
        return [request for (request,) in rows]

    def _known_fingerprints(self) -> set[bytes]:
        """The fingerprints of the current crawl's frontier, read once (a resumed crawl's)."""
        if self._frontier_known is None:
            rows = self.db.execute("SELECT fingerprint FROM frontier")
            self._frontier_known = {bytes(fingerprint) for (fingerprint,) in rows}
        return self._frontier_known

    def _flush_frontier(self) -> None:
        """Write the frontier's held rows, then its done marks (a row before its mark)."""
        if self._frontier_rows:
            self.db.executemany(
                "INSERT OR IGNORE INTO frontier (fingerprint, request) VALUES (?, ?)",
                self._frontier_rows,
            )
            self._frontier_rows.clear()
        if self._frontier_done:
            self.db.executemany(
                "UPDATE frontier SET done = 1 WHERE fingerprint = ?", self._frontier_done
            )
            self._frontier_done.clear()

    def _forget_frontier(self) -> None:
        self._frontier_rows.clear()
        self._frontier_done.clear()
        self.db.execute("DELETE FROM frontier")

    # --- incremental memory -----------------------------------------------------------
    def story_seen(self, article_id: str) -> tuple[str | None, str | None]:
        """When this story page was fetched (None: never) and its publication date."""
        row = self.db.execute(
            "SELECT fetched_at, published_at FROM seen_stories WHERE article_id = ?",
            (int(article_id),),
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def crawl_started_at(self) -> str:
        """When the current crawl began (its resumed runs included)."""
        return self._get_meta("crawl_started_at") or ""

    def remember_story_seen(self, article_id: str, published_at: str | None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO seen_stories (article_id, published_at, fetched_at) "
            "VALUES (?, ?, ?)",
            (int(article_id), published_at, self._clock().isoformat()),
        )
        self._changed()

    def story_failed(self, article_id: str) -> int:
        crawl = self.crawl_started_at()
        row = self.db.execute(
            "SELECT failures, last_crawl FROM failed_stories WHERE article_id = ?",
            (int(article_id),),
        ).fetchone()
        if row is not None and row[1] == crawl:
            return int(row[0])
        failures = 1 + (int(row[0]) if row else 0)
        self.db.execute(
            "INSERT OR REPLACE INTO failed_stories (article_id, failures, last_crawl) "
            "VALUES (?, ?, ?)",
            (int(article_id), failures, crawl),
        )
        self._changed()
        return failures

    def story_failures(self, article_id: str) -> int:
        row = self.db.execute(
            "SELECT failures FROM failed_stories WHERE article_id = ?", (int(article_id),)
        ).fetchone()
        return int(row[0]) if row else 0

    def remember_topic(self, url: str, published_at: str | None) -> None:
        self.db.execute(
            "INSERT INTO topics (url, last_published) VALUES (?, ?) ON CONFLICT(url) DO UPDATE "
            "SET last_published = MAX(last_published, excluded.last_published)",
            (url, published_at or ""),
        )
        self._changed()

    def recent_topics(self, days: int) -> list[str]:
        """Topic pages named by stories published within ``days`` of the newest one."""
        newest = self.db.execute("SELECT MAX(last_published) FROM topics").fetchone()[0]
        if not newest:
            return []
        low, _ = window(newest, days)
        rows = self.db.execute(
            "SELECT url FROM topics WHERE last_published >= ? ORDER BY url", (low,)
        )
        return [url for (url,) in rows]

    # --- the topic revisit policy's memory (topic_policy.py) -----------------------------
    def topic_run(self) -> int:
        """How many runs planned topic visits so far (the policy's clock)."""
        return int(self._get_meta("topic_run") or 0)

    def begin_topic_run(self) -> int:
        """Count one more planning run; its number."""
        run = self.topic_run() + 1
        self._set_meta("topic_run", str(run))
        self._changed()
        return run

    def topic_named(self, url: str, published_at: str | None, run: int) -> None:
        """A story (published ``published_at``) named this topic, in run ``run``."""
        self.db.execute(
            "INSERT INTO topics (url, last_published, named, first_run, last_named_run) "
            "VALUES (?, ?, 1, ?, ?) ON CONFLICT(url) DO UPDATE SET "
            "last_published = MAX(last_published, excluded.last_published), "
            "named = named + 1, first_run = COALESCE(first_run, excluded.first_run), "
            "last_named_run = MAX(last_named_run, excluded.last_named_run)",
            (url, published_at or "", run, run),
        )
        self._changed()

    def topic_visited(self, url: str, run: int, yielded: int, first_page: bool) -> None:
        """A page of this topic was crawled in run ``run``, leading to ``yielded`` new stories."""
        self.db.execute(
            "INSERT INTO topics (url, last_published, yielded, visits, first_run, last_visit_run) "
            "VALUES (?, '', ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
            "yielded = yielded + excluded.yielded, visits = visits + excluded.visits, "
            "first_run = COALESCE(first_run, excluded.first_run), "
            "last_visit_run = excluded.last_visit_run",
            (url, yielded, int(first_page), run, run),
        )
        self._changed()

    def topic_histories(self, days: int) -> list[TopicHistory]:
        """Every topic named by a story published within ``days`` of the newest one."""
        newest = self.db.execute("SELECT MAX(last_published) FROM topics").fetchone()[0]
        if not newest:
            return []
        low, _ = window(newest, days)
        rows = self.db.execute(
            "SELECT url, named, yielded, visits, COALESCE(first_run, 0), last_named_run, "
            "last_visit_run FROM topics WHERE last_published >= ? ORDER BY url",
            (low,),
        )
        return [TopicHistory(*row) for row in rows]

    def retire_body(self, article_id: str) -> None:
        """Before a new version of a story is remembered, forget its old text."""
        self.db.execute("DELETE FROM sketch_index WHERE article_id = ?", (int(article_id),))
        self._postings.clear()  # which values held it is not known here: read them again
        self._forget_recent_rows()
        self._changed()

    def emitted_body_hash(self, article_id: str) -> int | None:
        row = self.db.execute(
            "SELECT body_hash FROM emitted WHERE article_id = ?", (int(article_id),)
        ).fetchone()
        return row[0] if row else None

    # --- staging ------------------------------------------------------------------------
    def stage(self, item: Story) -> bool:
        """Hold a parsed story until release; False when it was already staged."""
        assert item.article_id is not None
        article_id = int(item.article_id)
        self._delete_settled()  # a story settled is staged anew
        raw = dump_story(item)
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO staged (article_id, sort_key, item) VALUES (?, ?, ?)",
            (article_id, release_key(item), raw),
        )
        if not cursor.rowcount:
            return False
        keep_staged(raw, item)  # for its release in this process (``load_story``)
        if not self.was_emitted(item.article_id):
            self._count_paragraphs(item.body)
        self._changed()
        return True

    def staged_count(self) -> int:
        self._delete_settled()
        return int(self.db.execute("SELECT COUNT(*) FROM staged").fetchone()[0])

    def staged_items(self, batch: int = 500) -> Iterator[Story]:
        """Staged stories, oldest publication first (ties: lower id), in chunks.

        A chunk is at most ``batch`` stories and ``RELEASE_CHUNK_CHARS`` of their JSON
        (the story that passes the bound ends the chunk), read by one query: 500 stories
        near DOWNLOAD_MAXSIZE held at once took the release past 1 GB, and a query per
        story cost a fifth of the release's reading. The query is done before the first
        story of its chunk is yielded: the pipelines settle each story while nothing
        reads, and the chunk's settled rows are deleted by one statement before the next
        chunk is read (``_settled``).
        """
        last = ""
        while True:
            self._delete_settled()  # the previous chunk's
            cursor = self.db.execute(
                "SELECT sort_key, item FROM staged WHERE sort_key > ? ORDER BY sort_key LIMIT ?",
                (last, batch),
            )
            chunk: list[str] = []
            size = 0
            for sort_key, raw in cursor:
                chunk.append(raw)
                last = sort_key
                size += len(raw)
                if size >= RELEASE_CHUNK_CHARS:
                    break
            cursor.close()
            if not chunk:
                return
            chunk.reverse()  # popped in order: each JSON is let go once its story is built
            while chunk:
                yield load_story(chunk.pop())

    def _unstage_id(self, article_id: int) -> None:
        self._settle(article_id)
        self._changed()

    def _settle(self, article_id: int) -> None:
        """Delete ``article_id``'s staged row with the others settled (``_settled``)."""
        self._settled.append(article_id)
        if len(self._settled) >= SETTLED_HELD:
            self._delete_settled()

    def _delete_settled(self) -> None:
        """Delete the staged rows of the stories settled since the last call: one statement."""
        if self._settled:
            ids = self._settled
            self.db.execute(
                f"DELETE FROM staged WHERE article_id IN ({','.join('?' * len(ids))})", ids
            )
            self._settled = []

    # --- boilerplate paragraphs ---------------------------------------------------------
    def _count_paragraphs(self, body: str | None) -> None:
        """Add one story's ``paragraph_tally``; the first story's promo flag stays.

        Held in memory until the batch commits, then written once per paragraph: a
        promo line recurs in hundreds of stories, and an upsert per story and paragraph
        cost a tenth of staging. Staged in the same batch as the story, the counts reach
        the disk in its transaction or are lost with it. A paragraph held already keeps
        its promo flag: the tally does not look for its promo wording again.
        """
        today = self._clock().date().isoformat()
        held = self._held_paragraphs
        for digest, (edge, promo) in paragraph_tally(body, held).items():
            counts = held.get(digest)
            if counts is None:
                held[digest] = (1, edge, promo, today)
            else:  # the batch's first story keeps its promo flag
                held[digest] = (counts[0] + 1, counts[1] + edge, counts[2], today)
        if len(held) >= HELD_PARAGRAPHS_MAX:
            self._flush_paragraphs()  # still the batch's transaction: committed with it
        self._boilerplate = None

    def _flush_paragraphs(self) -> None:
        """Write the held paragraph counts: added to the stored ones, whose promo flag stays
        (the first story's); read before anything reads or prunes the table."""
        if self._held_paragraphs:
            self.db.executemany(
                "INSERT INTO paragraphs (hash, stories, edge_stories, promo, last_seen) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(hash) DO UPDATE SET "
                "stories = stories + excluded.stories, "
                "edge_stories = edge_stories + excluded.edge_stories, "
                "last_seen = excluded.last_seen",
                [(digest, *counts) for digest, counts in self._held_paragraphs.items()],
            )
            self._held_paragraphs.clear()

    def _recurring_paragraphs(self, min_stories: int) -> Iterator[ParagraphCount]:
        self._flush_paragraphs()
        rows = self.db.execute(
            "SELECT hash, stories, edge_stories, promo FROM paragraphs WHERE stories > ?",
            (min_stories,),
        )
        for digest, stories, edge_stories, promo in rows:
            yield ParagraphCount(digest, stories, edge_stories, bool(promo))

    # --- emitted stories ----------------------------------------------------------------
    def was_emitted(self, article_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM emitted WHERE article_id = ?", (int(article_id),)
        ).fetchone()
        return row is not None

    def emitted_with_body(self, print_: StoryPrint) -> str | None:
        return self._first_id(
            "SELECT article_id FROM emitted WHERE body_hash = ?", print_.body_hash
        )

    def emitted_with_template(self, print_: StoryPrint) -> str | None:
        return self._first_id(
            "SELECT article_id FROM emitted WHERE template_hash = ?", print_.template_hash
        )

    def _first_id(self, sql: str, value: int) -> str | None:
        row = self.db.execute(sql + " ORDER BY article_id LIMIT 1", (value,)).fetchone()
        return str(row[0]) if row else None

    def _near_candidates(self, indexed: list[int], low: str, high: str) -> list[Candidate]:
        """``NEAR_CANDIDATES_SQL``'s answer, counted in memory from the values' entries."""
        postings = self._postings_of(indexed)
        if postings is None:  # the file failed: no copy of it is trusted
            return self._near_candidates_sql(indexed, low, high)
        shared = Counter(chain.from_iterable(entries.within(low, high) for entries in postings))
        # Most shared first, ties to the lower id (two stable sorts); all at C speed: a
        # value common in the site's prose brings hundreds of stories.
        ranked = list(compress(shared, map(MIN_SHARED_SKETCH.__le__, shared.values())))
        ranked.sort()
        ranked.sort(key=shared.__getitem__, reverse=True)
        return self._recent_candidates(ranked[:NEAR_CANDIDATES], keep=True)

    def _near_candidates_sql(self, indexed: list[int], low: str, high: str) -> list[Candidate]:
        """The candidates counted by SQLite: the definition the in-memory count keeps."""
        values = [*indexed, *[-1] * (INDEXED_SIZE - len(indexed))]  # -1 is never a crc32
        candidates = self.db.execute(
            NEAR_CANDIDATES_SQL, (*values, low, high, MIN_SHARED_SKETCH)
        ).fetchall()
        return self._recent_candidates([article_id for (article_id,) in candidates])

    def _recent_candidates(self, order: list[int], keep: bool = False) -> list[Candidate]:
        """The recent rows of ``order``'s stories, in that order (one without a row is skipped).

        ``keep``: use and fill ``_recent_rows`` (once ``_postings_of`` found it current);
        only the rows it lacks are read.
        """
        kept = self._recent_rows if keep else {}
        missing = [article_id for article_id in order if article_id not in kept]
        if not missing:
            return [kept[article_id] for article_id in order]
        rows = self.db.execute(
            "SELECT article_id, words, sketch, tokens FROM recent "  # Candidate's fields
            f"WHERE article_id IN ({','.join('?' * len(missing))})",
            missing,
        )
        read = {candidate.article_id: candidate for candidate in map(Candidate._make, rows)}
        candidates = [
            kept[article_id] if article_id in kept else read[article_id]
            for article_id in order
            if article_id in kept or article_id in read
        ]
        if keep:
            self._keep_recent_rows(read.values())
        return candidates

    def _keep_recent_rows(self, rows: Iterable[Candidate]) -> None:
        """Hold ``rows`` in ``_recent_rows``, the oldest read let go past the byte budget."""
        kept = self._recent_rows
        for row in rows:
            if len(row.packed_tokens) <= RECENT_ROW_KEPT_MAX_BYTES:
                kept[row.article_id] = row
                self._recent_rows_bytes += len(row.packed_tokens)
        while self._recent_rows_bytes > RECENT_ROWS_KEPT_BYTES:
            self._forget_recent_row(next(iter(kept)))

    def _forget_recent_row(self, article_id: int) -> None:
        row = self._recent_rows.pop(article_id, None)
        if row is not None:
            self._recent_rows_bytes -= len(row.packed_tokens)

    def _forget_recent_rows(self) -> None:
        self._recent_rows.clear()
        self._recent_rows_bytes = 0

    def _postings_of(self, indexed: list[int]) -> list[SketchPostings] | None:
        """The ``sketch_index`` entries of each value, from memory (read once a value);
        None when the file failed."""
        if self.db.failure is not None:
            return None
        if not (self._version_settled and self.db.in_transaction):
            row = self.db.execute("PRAGMA data_version").fetchone()
            if row is None:
                return None
            if row[0] != self._postings_version:  # another connection committed: read again
                self._postings.clear()
                self._forget_recent_rows()
                self._postings_version = row[0]
            self._version_settled = self._write_locked
        kept = self._postings
        values = list(dict.fromkeys(indexed))
        missing = [value for value in values if value not in kept]
        if missing:
            loaded = {value: SketchPostings() for value in missing}
            dates: dict[str, str] = {}  # one string a date, however many values share it
            for value, published_at, article_id in self.db.execute(
                POSTINGS_SQL.format(",".join("?" * len(missing))), missing
            ):
                entries = loaded[value]
                entries.dates.append(dates.setdefault(published_at, published_at))
                entries.ids.append(article_id)
            kept.update(loaded)
        found = []
        for value in values:  # the most recently asked go last: the oldest are let go
            found.append(kept.pop(value))
            kept[value] = found[-1]
        while len(kept) > POSTINGS_KEPT:
            del kept[next(iter(kept))]
        return found

    def remember_emitted(self, item: Story, print_: StoryPrint) -> None:
        """Record an emitted story (fingerprints and recent text) and settle it."""
        assert item.article_id is not None
        article_id = int(item.article_id)
        self.db.execute(
            "INSERT OR REPLACE INTO emitted "
            "(article_id, published_at, body_hash, template_hash, emitted_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                article_id,
                item.published_at,
                print_.body_hash,
                print_.template_hash,
                self._clock().isoformat(timespec="seconds"),
            ),
        )
        row = Candidate(
            article_id, len(print_.encoded_words), print_.packed_sketch, print_.packed_tokens
        )
        self.db.execute(
            "INSERT OR REPLACE INTO recent (article_id, published_at, tokens, sketch, words) "
            "VALUES (?, ?, ?, ?, ?)",
            (article_id, item.published_at or "", row.packed_tokens, row.packed_sketch, row.words),
        )
        published_at = item.published_at or ""
        indexed = print_.sketch[:INDEXED_SIZE]
        inserted = (
            self.db.execute(
                SKETCH_INDEX_INSERT[len(indexed)],
                [field for value in indexed for field in (value, published_at, article_id)],
            ).rowcount
            if indexed
            else 0
        )
        # Every entry new to the table (a story's first version: nearly always) is new to
        # the copies in memory too, which mirror it: no need to look for it there.
        new = inserted == len(indexed)
        for value in indexed:
            entries = self._postings.get(value)
            if entries is not None and (new or not entries.holds(published_at, article_id)):
                entries.add(published_at, article_id)
        # Its row was just replaced, by this one: held for the stories released next, of
        # which it is a likely candidate (reading it back cost a query a story).
        self._forget_recent_row(article_id)
        self._keep_recent_rows((row,))
        self._settle(article_id)
        self._write_locked = self.db.in_transaction
        self._changed(3)

    def prune(self, window_days: int) -> None:
        """Forget what no longer matters: old recent texts and one-off paragraphs."""
        newest = self.db.execute("SELECT MAX(published_at) FROM recent").fetchone()[0]
        if newest:
            low, _ = window(newest, window_days)
            self.db.execute("DELETE FROM sketch_index WHERE published_at < ?", (low,))
            self._postings.clear()
            self._forget_recent_rows()
            self.db.execute("DELETE FROM recent WHERE published_at < ?", (low,))
        cutoff = paragraph_memory_cutoff().isoformat()
        self._flush_paragraphs()
        self.db.execute("DELETE FROM paragraphs WHERE stories = 1 AND last_seen < ?", (cutoff,))
        if not self._releasing:  # a release commits at close, after the feed is on disk
            self.commit()


TOPIC_HISTORY_COLUMNS = (
    ("named", "INTEGER NOT NULL DEFAULT 0"),
    ("yielded", "INTEGER NOT NULL DEFAULT 0"),
    ("visits", "INTEGER NOT NULL DEFAULT 0"),
    ("first_run", "INTEGER"),
    ("last_named_run", "INTEGER NOT NULL DEFAULT 0"),
    ("last_visit_run", "INTEGER"),
)
