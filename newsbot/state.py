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

Writes are batched: committed every ``COMMIT_EVERY`` changes and when the crawl
pauses or ends (WAL journal, so a crash loses at most the last uncommitted batch
and never corrupts the file).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from newsbot.config import NewsbotConfig
from newsbot.fingerprints import (
    INDEXED_SIZE,
    StoryPrint,
    edit_similarity,
    pack_sketch,
    pack_tokens,
    paragraph_hash,
    similarity_bound,
    sketch_resemblance,
    unpack_sketch,
    unpack_tokens,
)
from newsbot.items import Article

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
    sketch BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS recent_published ON recent(published_at);
CREATE TABLE IF NOT EXISTS sketch_index (
    value INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (value, article_id)
) WITHOUT ROWID;
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
#: Stories sharing enough sketch values with a story, most shared first.
NEAR_CANDIDATES_SQL = (
    "SELECT article_id FROM sketch_index"
    f" WHERE value IN ({','.join('?' * INDEXED_SIZE)}) GROUP BY article_id"
    " HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC, article_id LIMIT 8"
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
        self.db = sqlite3.connect(path, isolation_level="DEFERRED")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self._pending = 0
        self._boilerplate: set[int] | None = None

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> StateStore:
        """The crawl's one store, opened by the first component that asks for it."""
        store = getattr(crawler, "newsbot_state", None)
        if store is None:
            config = NewsbotConfig.from_settings(crawler.settings)
            assert crawler.spidercls is not None
            store = cls(config.state_path(crawler.spidercls.name))
            crawler.newsbot_state = store  # type: ignore[attr-defined]
            crawler.signals.connect(store.on_spider_closed, signal=signals.spider_closed)
        return store

    # --- transactions -------------------------------------------------------------------
    def _changed(self, count: int = 1) -> None:
        self._pending += count
        if self._pending >= COMMIT_EVERY:
            self.commit()

    def commit(self) -> None:
        self.db.commit()
        self._pending = 0

    def on_spider_closed(self, spider: Any = None) -> None:
        self.close()

    def close(self) -> None:
        if self.db is not None:
            self.commit()
            self.db.close()
            self.db = None  # type: ignore[assignment]

    # --- staging ------------------------------------------------------------------------
    def stage(self, item: Article) -> bool:
        """Hold a parsed story until release; False when it was already staged."""
        assert item.article_id is not None
        article_id = int(item.article_id)
        sort_key = f"{item.published_at or ''}|{article_id:012d}"
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO staged (article_id, sort_key, item) VALUES (?, ?, ?)",
            (article_id, sort_key, json.dumps(asdict(item), ensure_ascii=False)),
        )
        if not cursor.rowcount:
            return False
        if not self.was_emitted(item.article_id):
            self._count_paragraphs((item.body or "").split("\n\n"))
        self._changed()
        return True

    def staged_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM staged").fetchone()[0]

    def staged_items(self, batch: int = 500) -> Iterator[Article]:
        """Staged stories, oldest publication first (ties: lower id), in batches."""
        last = ""
        while True:
            rows = self.db.execute(
                "SELECT sort_key, item FROM staged WHERE sort_key > ? ORDER BY sort_key LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            for sort_key, raw in rows:
                last = sort_key
                yield Article(**json.loads(raw))

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
        candidates = self.db.execute(NEAR_CANDIDATES_SQL, (*values, MIN_SHARED_SKETCH)).fetchall()
        rows = [
            row
            for (article_id,) in candidates
            for row in self.db.execute(
                "SELECT article_id, tokens, sketch FROM recent "
                "WHERE article_id = ? AND published_at BETWEEN ? AND ?",
                (article_id, low, high),
            )
        ]
        for article_id, packed_tokens, packed_sketch in rows:
            if sketch_resemblance(print_.sketch, unpack_sketch(packed_sketch)) < 0.25:
                continue
            tokens = unpack_tokens(packed_tokens)
            if similarity_bound(print_.tokens, tokens) < min_similarity:
                continue
            if edit_similarity(print_.tokens, tokens) >= min_similarity:
                return str(article_id)
        return None

    def remember_emitted(self, item: Article, print_: StoryPrint) -> None:
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
            "INSERT OR REPLACE INTO recent (article_id, published_at, tokens, sketch) "
            "VALUES (?, ?, ?, ?)",
            (
                article_id,
                item.published_at or "",
                pack_tokens(print_.tokens),
                pack_sketch(print_.sketch),
            ),
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO sketch_index (value, article_id) VALUES (?, ?)",
            [(value, article_id) for value in print_.sketch[:INDEXED_SIZE]],
        )
        self.db.execute("DELETE FROM staged WHERE article_id = ?", (article_id,))
        self._changed(3)

    def prune(self, window_days: int) -> None:
        """Forget what no longer matters: old recent texts and one-off paragraphs."""
        newest = self.db.execute("SELECT MAX(published_at) FROM recent").fetchone()[0]
        if newest:
            low, _ = _window(newest, window_days)
            old = "SELECT article_id FROM recent WHERE published_at < ?"
            self.db.execute(f"DELETE FROM sketch_index WHERE article_id IN ({old})", (low,))
            self.db.execute("DELETE FROM recent WHERE published_at < ?", (low,))
        cutoff = (_now() - timedelta(days=PARAGRAPH_MEMORY_DAYS)).date().isoformat()
        self.db.execute("DELETE FROM paragraphs WHERE stories = 1 AND last_seen < ?", (cutoff,))
        self.commit()


def _window(published_at: str | None, days: int) -> tuple[str, str]:
    """ISO bounds ``published_at`` ± ``days`` (everything when the date is unknown)."""
    try:
        moment = datetime.fromisoformat(published_at or "")
    except ValueError:
        return "", "\uffff"
    delta = timedelta(days=days)
    return (moment - delta).isoformat(), (moment + delta).isoformat()
