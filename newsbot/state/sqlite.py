"""The crawler's memory across runs: one SQLite file per spider.

Home: ``NEWSBOT_STATE_DIR`` (default ``output/state``), file ``<spider>.sqlite3``. It is
keyed by spider, not by run, so scheduled runs continue each other. It holds:

- ``staged``: stories parsed in this run and not yet settled (emitted or dropped).
  They are released in publication order when the crawl is idle (``staging.py``).
- ``emitted``: every story ever emitted, by id, with its exact-body and template
  hashes (indexed). A few dozen bytes a story: a million stories stay small.
- ``recent``: the word tokens (compressed) and sketch of stories emitted within the
  near-duplicate window, with ``sketch_index`` to find candidates; pruned by age.
- ``paragraphs``: in how many distinct stories each paragraph was seen, to learn the
  site's boilerplate; paragraphs seen once are forgotten after a while.
- ``frontier``: the current crawl's requests, pending or done (``frontier.py``): what
  a killed crawl resumes from.
- ``seen_stories`` and ``topics``: every story page fetched (with its date) and every
  topic page linked, for incremental re-crawls (``incremental.py``); per topic, its
  history for the revisit policy (``topic_policy.py``): stories naming it, new stories
  its pages led to, visits, and in which runs it was first named, last named, last visited.
- ``meta``: whether a crawl is in progress, and how much of the feed is accounted for.

Writes are batched: committed every ``COMMIT_EVERY`` changes and when the crawl
pauses or ends (WAL journal, so a crash loses at most the last uncommitted batch and
never corrupts the file). Order makes that safe: a request is marked done only after
its stories and links were written, so a lost batch is redone, never skipped. While
stories are released into the feed nothing is committed; the commit at the end
follows the feed's fsync, and a release cut short is reconciled with the feed at the
next start (``reconcile_feed``).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler

from newsbot.config import NewsbotConfig
from newsbot.items import Story
from newsbot.state.guard import GuardedConnection
from newsbot.text.fingerprints import (
    INDEXED_SIZE,
    StoryPrint,
    edit_similarity,
    length_bound,
    pack_sketch,
    pack_tokens,
    paragraph_hash,
    similarity_bound,
    sketch_resemblance,
    unpack_sketch,
    unpack_tokens,
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
COMMIT_EVERY = 500
#: Candidates sharing fewer sketch values than this are not near-duplicates.
MIN_SHARED_SKETCH = 2
#: Stories of the window sharing enough sketch values with a story, most shared first.
#: The index is keyed (value, published_at): a value's look-up reads only the window's
#: stories, so the cost stays flat however many stories the state holds.
NEAR_CANDIDATES_SQL = (
    "SELECT article_id FROM sketch_index"
    f" WHERE value IN ({','.join('?' * INDEXED_SIZE)}) AND published_at BETWEEN ? AND ?"
    " GROUP BY article_id HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC, article_id LIMIT 8"
)
#: Share of a recurring paragraph's stories in which it sits at the body's edge for it
#: to count as boilerplate without promo wording.
EDGE_SHARE = 0.8
#: Words of promos, calls to follow and legal lines.
PROMO_RE = re.compile(
    r"\b(follow|subscribe|newsletter|whatsapp|google news|telegram|download|click|"
    r"copyright|rights reserved|reproduc\w*|without permission|sponsored|advertis\w*|"
    r"like us|join us|our app|sign up)\b",
    re.IGNORECASE,
)
#: Paragraphs seen in a single story are forgotten after this many days.
PARAGRAPH_MEMORY_DAYS = 30


def looks_like_promo(paragraph: str) -> bool:
    return bool(PROMO_RE.search(paragraph))


def _now() -> datetime:
    return datetime.now(UTC)


class StateStore:
    """The SQLite state of one spider. Use ``for_crawler`` to share it within a crawl."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # A write that fails (disk full, damaged file) stops the crawl, never half-commits.
        self.db = sqlite3.connect(path, isolation_level="DEFERRED", factory=GuardedConnection)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._migrate()
        self.db.executescript(SCHEMA)
        self._pending = 0
        self._boilerplate: set[int] | None = None
        self._releasing = False
        self._abandoned = False
        self.feed_path: Path | None = None

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

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> StateStore:
        """The crawl's one store, opened by the first component that asks for it.

        In Redis mode (``NEWSBOT_REDIS_URL``, see ``scaleout.py``) it is a
        ``RedisStateStore`` shared by every worker, with the same methods.
        """
        store = getattr(crawler, "newsbot_state", None)
        if store is None:
            assert crawler.spidercls is not None
            name = crawler.spidercls.name
            redis_url = crawler.settings.get("NEWSBOT_REDIS_URL")
            if redis_url:
                from newsbot.scaleout import redis_namespace
                from newsbot.state.redis import RedisStateStore

                store = RedisStateStore(redis_url, redis_namespace(crawler.settings, name))
            else:
                config = NewsbotConfig.from_settings(crawler.settings)
                store = cls(config.state_path(name))
            crawler.newsbot_state = store  # type: ignore[attr-defined]
            # After spider_closed, when feed exports have closed their files.
            crawler.signals.connect(store.on_engine_stopped, signal=signals.engine_stopped)
        return store  # type: ignore[no-any-return]

    # --- transactions -------------------------------------------------------------------
    def _changed(self, count: int = 1) -> None:
        self._pending += count
        if self._pending >= COMMIT_EVERY and not self._releasing:
            self.commit()

    def commit(self) -> None:
        self.db.commit()
        self._pending = 0

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

    def on_engine_stopped(self) -> None:
        self.close()

    def close(self) -> None:
        if self.db is not None:
            if self._abandoned:
                self.db.rollback()
                self.mark_stopped()
            else:
                self._sync_feed()
            self.commit()
            self.db.close()
            self.db = None  # type: ignore[assignment]

    # --- the feed: what was really written ---------------------------------------------
    def watch_feed(self, path: Path | None) -> None:
        """Account for the default feed: stories in it are emitted, whatever state says."""
        self.feed_path = path

    def _sync_feed(self) -> None:
        """fsync the feed, then note its size: everything before it is accounted for."""
        if self.feed_path is None or not self.feed_path.exists():
            return
        with self.feed_path.open("rb") as handle:
            os.fsync(handle.fileno())
        self._set_meta("feed_offset", str(self.feed_path.stat().st_size))

    def reconcile_feed(self) -> int:
        """Settle stories a killed release wrote to the feed; drop a torn last line.

        Returns how many stories were found in the feed but not yet marked emitted.
        """
        path = self.feed_path
        if path is None or not path.exists():
            return 0
        size = path.stat().st_size
        offset = int(self._get_meta("feed_offset") or 0)
        offset = offset if offset <= size else 0  # the feed was replaced or rotated
        settled = 0
        with path.open("r+b") as handle:
            handle.seek(offset)
            tail = handle.read()
            complete = tail[: tail.rfind(b"\n") + 1]
            if len(complete) < len(tail):  # a line cut by the kill: it never was written
                handle.truncate(offset + len(complete))
            for line in complete.splitlines():
                settled += self._settle_written(line)
        self._set_meta("feed_offset", str(offset + len(complete)))
        self.commit()
        return settled

    def _settle_written(self, line: bytes) -> int:
        try:
            item = Story(**json.loads(line))
        except (ValueError, TypeError):
            return 0
        if not item.article_id or self.was_emitted(item.article_id):
            return 0
        self.remember_emitted(item, StoryPrint.of(item.title or "", item.body or ""))
        return 1

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
        self.db.execute("DELETE FROM frontier")
        self._set_meta("crawl_in_progress", "1")
        self._set_meta("crawl_started_at", _now().isoformat())

    def start_recorded(self) -> None:
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
        self.db.execute("DELETE FROM frontier")
        self._set_meta("crawl_in_progress", "0")
        self._changed()

    def frontier_add(self, fingerprint: bytes, request: str) -> bool:
        """Record a request as pending; False when this crawl already has it."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO frontier (fingerprint, request) VALUES (?, ?)",
            (fingerprint, request),
        )
        self._changed()
        return bool(cursor.rowcount)

    def frontier_done(self, fingerprint: bytes) -> None:
        self.db.execute("UPDATE frontier SET done = 1 WHERE fingerprint = ?", (fingerprint,))
        self._changed()

    def frontier_pending(self) -> list[str]:
        rows = self.db.execute("SELECT request FROM frontier WHERE done = 0 ORDER BY rowid")
        return [request for (request,) in rows]

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
            (int(article_id), published_at, _now().isoformat()),
        )
        self._changed()

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
        low, _ = _window(newest, days)
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
        low, _ = _window(newest, days)
        rows = self.db.execute(
            "SELECT url, named, yielded, visits, COALESCE(first_run, 0), last_named_run, "
            "last_visit_run FROM topics WHERE last_published >= ? ORDER BY url",
            (low,),
        )
        return [TopicHistory(*row) for row in rows]

    def retire_body(self, article_id: str) -> None:
        """Before a new version of a story is remembered, forget its old text."""
        self.db.execute("DELETE FROM sketch_index WHERE article_id = ?", (int(article_id),))
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
        sort_key = f"{item.published_at or ''}|{article_id:012d}"
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO staged (article_id, sort_key, item) VALUES (?, ?, ?)",
            (article_id, sort_key, json.dumps(vars(item), ensure_ascii=False)),
        )
        if not cursor.rowcount:
            return False
        if not self.was_emitted(item.article_id):
            self._count_paragraphs((item.body or "").split("\n\n"))
        self._changed()
        return True

    def staged_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM staged").fetchone()[0]

    def staged_items(self, batch: int = 500) -> Iterator[Story]:
        """Staged stories, oldest publication first (ties: lower id), in batches.

        A batch is read as keys, each story when its turn comes: a batch of stories
        near DOWNLOAD_MAXSIZE held at once took the release past 1 GB.
        """
        last = ""
        while True:
            keys = self.db.execute(
                "SELECT sort_key FROM staged WHERE sort_key > ? ORDER BY sort_key LIMIT ?",
                (last, batch),
            ).fetchall()
            if not keys:
                return
            for (sort_key,) in keys:
                last = sort_key
                row = self.db.execute(
                    "SELECT item FROM staged WHERE sort_key = ?", (sort_key,)
                ).fetchone()
                if row is not None:
                    yield Story(**json.loads(row[0]))

    def unstage(self, article_id: str | None) -> None:
        if article_id and article_id.isdigit():
            self.db.execute("DELETE FROM staged WHERE article_id = ?", (int(article_id),))
            self._changed()

    # --- boilerplate paragraphs ---------------------------------------------------------
    def _count_paragraphs(self, paragraphs: list[str]) -> None:
        """Count each distinct paragraph once for this story, noting if it sits at an edge.

        The edge is the first or last paragraph of a body of three or more: where
        promos and legal lines go. In shorter bodies every paragraph is story text.
        """
        today = _now().date().isoformat()
        last = len(paragraphs) - 1
        seen: dict[int, tuple[int, int]] = {}
        for index, paragraph in enumerate(paragraphs):
            if not paragraph.strip():
                continue
            digest = paragraph_hash(paragraph)
            at_edge = int(last >= 2 and index in (0, last))
            previous_edge = seen.get(digest, (0, 0))[0]
            seen[digest] = (max(at_edge, previous_edge), int(looks_like_promo(paragraph)))
        self.db.executemany(
            "INSERT INTO paragraphs (hash, stories, edge_stories, promo, last_seen) "
            "VALUES (?, 1, ?, ?, ?) ON CONFLICT(hash) DO UPDATE SET stories = stories + 1, "
            "edge_stories = edge_stories + excluded.edge_stories, last_seen = excluded.last_seen",
            [(digest, edge, promo, today) for digest, (edge, promo) in seen.items()],
        )
        self._boilerplate = None

    def boilerplate_paragraphs(self, min_stories: int) -> set[int]:
        """Hashes of paragraphs that are site boilerplate.

        Seen in more than ``min_stories`` distinct stories, and either worded like a
        promo or legal line, or nearly always at a body's edge (its first or last
        paragraph). A sentence that merely recurs inside stories (a stock quote) is
        not boilerplate.
        """
        if self._boilerplate is None:
            rows = self.db.execute(
                "SELECT hash FROM paragraphs WHERE stories > ? "
                "AND (promo = 1 OR edge_stories >= ? * stories)",
                (min_stories, EDGE_SHARE),
            )
            self._boilerplate = {h for (h,) in rows}
        return self._boilerplate

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

    def near_duplicate_of(
        self,
        print_: StoryPrint,
        published_at: str | None,
        window_days: int,
        min_similarity: float,
        exclude: str | None = None,
    ) -> str | None:
        """The id of a recent emitted story this one nearly repeats, if any.

        Candidates share sketch values (an index look-up); a cheap bound (shared words)
        and the sketch resemblance discard most of them before the word-level diff.
        """
        if not print_.sketch:
            return None
        low, high = _window(published_at, window_days)
        indexed = print_.sketch[:INDEXED_SIZE]
        values = [*indexed, *[-1] * (INDEXED_SIZE - len(indexed))]  # -1 is never a crc32
        candidates = self.db.execute(
            NEAR_CANDIDATES_SQL, (*values, low, high, MIN_SHARED_SKETCH)
        ).fetchall()
        order = [article_id for (article_id,) in candidates]
        found = {
            row[0]: row
            for row in self.db.execute(
                "SELECT article_id, tokens, sketch, words FROM recent "
                f"WHERE article_id IN ({','.join('?' * len(order))})",
                order,
            )
        }
        rows = [found[article_id] for article_id in order if article_id in found]
        size = len(print_.tokens)
        for article_id, packed_tokens, packed_sketch, words in rows:
            if str(article_id) == exclude:
                continue
            if words and min(words, size) < min_similarity * max(words, size):
                continue  # the lengths alone rule it out: no need to decompress its text
            if sketch_resemblance(print_.sketch, unpack_sketch(packed_sketch)) < 0.25:
                continue
            tokens = unpack_tokens(packed_tokens)
            if length_bound(print_.tokens, tokens) < min_similarity:
                continue
            if similarity_bound(print_.tokens, tokens) < min_similarity:
                continue
            if edit_similarity(print_.tokens, tokens) >= min_similarity:
                return str(article_id)
        return None

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
                _now().isoformat(timespec="seconds"),
            ),
        )
        self.db.execute(
            "INSERT OR REPLACE INTO recent (article_id, published_at, tokens, sketch, words) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                article_id,
                item.published_at or "",
                pack_tokens(print_.tokens),
                pack_sketch(print_.sketch),
                len(print_.tokens),
            ),
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO sketch_index (value, published_at, article_id) VALUES (?, ?, ?)",
            [
                (value, item.published_at or "", article_id)
                for value in print_.sketch[:INDEXED_SIZE]
            ],
        )
        self.db.execute("DELETE FROM staged WHERE article_id = ?", (article_id,))
        self._changed(3)

    def prune(self, window_days: int) -> None:
        """Forget what no longer matters: old recent texts and one-off paragraphs."""
        newest = self.db.execute("SELECT MAX(published_at) FROM recent").fetchone()[0]
        if newest:
            low, _ = _window(newest, window_days)
            self.db.execute("DELETE FROM sketch_index WHERE published_at < ?", (low,))
            self.db.execute("DELETE FROM recent WHERE published_at < ?", (low,))
        cutoff = (_now() - timedelta(days=PARAGRAPH_MEMORY_DAYS)).date().isoformat()
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


def _window(published_at: str | None, days: int) -> tuple[str, str]:
    """ISO bounds ``published_at`` ± ``days`` (everything when the date is unknown)."""
    try:
        moment = datetime.fromisoformat(published_at or "")
    except ValueError:
        return "", "\uffff"
    delta = timedelta(days=days)
    return (moment - delta).isoformat(), (moment + delta).isoformat()
