"""The crawler's memory in Redis: the ``StateStore`` contract, shared by many workers.

Several crawler processes, on several machines, work on one crawl; each opens a
``RedisStateStore`` on the same namespace and sees the others' staged stories, emitted
stories, boilerplate counts and incremental memory. The semantics are those of the
SQLite store (``sqlite.py``), and the rules are the same ones (``base.py``); only the
frontier is not here: in Redis mode the scrapy-redis scheduler queue is the frontier.

Key layout, ``N`` being the namespace (``newsbot:urdupoint``). Ids are decimal strings
(shorter than 8 bytes for the site's ids); 64-bit hashes are 8 bytes (big-endian,
signed), sketch values 4 bytes, ids inside index members 8 bytes (big-endian, so a
lexicographic range lists them in numeric order):

- ``N:staged``: zset, every score 0, members ``sort_key`` (publication date | id):
  lexicographic order is release order. ``N:staged:item``: hash id -> item JSON.
  ``N:staged:key``: hash id -> its sort_key (to unstage by id).
- ``N:emitted``: hash id -> body hash, template hash, emitted_at (epoch seconds,
  4 bytes), published_at. ``N:emitted:body`` and ``N:emitted:template``: zsets of
  members hash + id: the first member with a hash's 8-byte prefix is its lowest id.
- ``N:recent``: hash id -> published_at, sketch and packed tokens of a story
  within the near-duplicate window. ``N:recent:order``: zset of ``published_at NUL id``,
  to prune by age. ``N:sketch``: zset of value + publication date + id, the sketch
  index (a look-up reads only the near-duplicate window);
  ``N:sketch:of``: hash id -> date length, date and the values indexed (to retire them).
- ``N:para:stories``: zset paragraph hash -> stories it was seen in (so recurring
  ones are a score range). ``N:para:edge``: hash -> stories it sat at an edge in
  (absent: none). ``N:para:promo``: set of promo-worded ones. ``N:para:seen``: zset
  -> day last seen (date ordinal), to forget one-offs.
- ``N:seen``: hash id -> ``fetched_at`` [NL ``published_at``] (no NL: no date).
- ``N:failed``: hash id -> ``failures`` NL ``crawl_started_at`` of the last crawl whose
  fetch of the story page came empty or cut off (``story_failed``).
  ``N:topics``: hash url -> latest publication date of a story naming it.
- ``N:meta``: hash of ``crawl_in_progress``, ``crawl_started_at`` and
  ``feed_offset:<host>:<feed path>`` (each machine writes its own feed).

Changes that read before they write (counts, indexes, replacements) are Lua scripts,
so concurrent workers never interleave inside one. The scripts compare bytes, never
strings with ``<``: Lua's uses the server's locale.

Writes are immediate, except during a release (``begin_release``): like the SQLite
store, the release's settlements (``remember_emitted``, ``retire_body``, ``unstage``)
must not be recorded before the feed is on disk, or a process killed mid-release
would lose the stories still in its buffers. They are queued in a MULTI pipeline and
executed at ``commit``/``close``, after the feed's fsync, together with the feed
offset. Meanwhile this store's reads must see them (the next story of the release is
compared with the ones before it), so what is queued is also kept in a small
in-memory overlay (``_Release``) that every read consults on top of Redis. Other
workers see a release's results at its commit.
"""

from __future__ import annotations

import heapq
import socket
import struct
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import redis
from redis.client import Pipeline
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
    chunked_by_size,
    dump_story,
    load_story,
    paragraph_memory_cutoff,
    paragraph_tally,
    release_key,
    release_key_id,
    synced_size,
    window,
)
from newsbot.text.fingerprints import INDEXED_SIZE, StoryPrint, pack_sketch
from newsbot.topic_policy import TopicHistory

#: Members handed to one pruning script call: short enough not to block the server.
PRUNE_CHUNK = 500
#: After an 8-byte hash or a 4-byte value, the greatest 8-byte id: closes a prefix range.
_MAX_ID = b"\xff" * 8

_LUA_RETIRE = """
-- sketch:of holds, per id: date length (1 byte), the date, then its indexed values.
local function retire(sketch, sketch_of, id, id8)
  local indexed = redis.call('HGET', sketch_of, id)
  if indexed then
    local date_end = 1 + string.byte(indexed, 1)
    local date = string.sub(indexed, 2, date_end)
    for i = date_end + 1, #indexed, 4 do
      redis.call('ZREM', sketch, string.sub(indexed, i, i + 3) .. date .. id8)
    end
    redis.call('HDEL', sketch_of, id)
  end
end
"""

_LUA_STAGE = """
-- KEYS: staged, staged:item, staged:key, emitted, para:stories, para:edge, para:promo,
--       para:seen.
-- ARGV: id, sort_key, item JSON, replace (1/0), emitted in this store's release (1/0),
--       today's ordinal, then (hash, at edge 1/0, promo 1/0) per distinct paragraph.
-- Stages the story (0: it was staged already) and, unless it was emitted before, counts
-- its paragraphs: one round trip a story.
if ARGV[4] == '1' then
  local old = redis.call('HGET', KEYS[3], ARGV[1])
  if old then redis.call('ZREM', KEYS[1], old) end
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
elseif redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[2]) == 0 then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], 0, ARGV[2])
if ARGV[5] == '1' or redis.call('HEXISTS', KEYS[4], ARGV[1]) == 1 then return 1 end
for i = 7, #ARGV, 3 do
  local h = ARGV[i]
  local stories = tonumber(redis.call('ZINCRBY', KEYS[5], 1, h))
  if ARGV[i + 1] == '1' then redis.call('HINCRBY', KEYS[6], h, 1) end
  if stories == 1 and ARGV[i + 2] == '1' then redis.call('SADD', KEYS[7], h) end
  redis.call('ZADD', KEYS[8], ARGV[6], h)
end
return 1
"""

_LUA_UNSTAGE = """
-- KEYS: staged, staged:item, staged:key. ARGV: id
local key = redis.call('HGET', KEYS[3], ARGV[1])
if key then
  redis.call('ZREM', KEYS[1], key)
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
end
"""

_LUA_LENGTHS = """
-- KEYS: a hash. ARGV: fields. The length of each field's value (0: none), in one call.
local out = {}
for i = 1, #ARGV do out[i] = redis.call('HSTRLEN', KEYS[1], ARGV[i]) end
return out
"""

_LUA_RECURRING_PARAGRAPHS = """
-- KEYS: para:stories, para:edge, para:promo. ARGV: min_stories
-- The counts of the paragraphs seen in more than min_stories stories, read at once:
-- hash, stories, stories at an edge, promo (1/0) each. Which are boilerplate is decided
-- in Python (base.is_boilerplate), as for the SQLite store.
local rows = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES')
local out = {}
for i = 1, #rows, 2 do
  local h = rows[i]
  out[#out + 1] = h
  out[#out + 1] = rows[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], h) or '0'
  out[#out + 1] = redis.call('SISMEMBER', KEYS[3], h)
end
return out
"""

_LUA_PRUNE_PARAGRAPHS = """
-- KEYS: para:stories, para:edge, para:promo, para:seen. ARGV: cutoff ordinal, hashes...
local cutoff = tonumber(ARGV[1])
for i = 2, #ARGV do
  local h = ARGV[i]
  local stories, seen = redis.call('ZSCORE', KEYS[1], h), redis.call('ZSCORE', KEYS[4], h)
  if stories and seen and tonumber(stories) == 1 and tonumber(seen) < cutoff then
    redis.call('ZREM', KEYS[1], h)
    redis.call('HDEL', KEYS[2], h)
    redis.call('SREM', KEYS[3], h)
    redis.call('ZREM', KEYS[4], h)
  end
end
"""

_LUA_RECENT_MEMBER = """
local function recent_member(record, id)
  local n = string.byte(record, 1) * 256 + string.byte(record, 2)
  return string.sub(record, 3, 2 + n) .. '\\0' .. id
end
"""

_LUA_REMEMBER = (
    _LUA_RECENT_MEMBER
    + _LUA_RETIRE
    + """
-- KEYS: emitted, emitted:body, emitted:template, recent, recent:order, sketch, sketch:of
-- ARGV: id, id8, emitted record (body hash 8 + template hash 8 + ...), recent record,
--       indexed sketch values (4 bytes each), publication date (the index is keyed by it)
local id, id8, record = ARGV[1], ARGV[2], ARGV[3]
local old = redis.call('HGET', KEYS[1], id)
if old then
  redis.call('ZREM', KEYS[2], string.sub(old, 1, 8) .. id8)
  redis.call('ZREM', KEYS[3], string.sub(old, 9, 16) .. id8)
end
redis.call('HSET', KEYS[1], id, record)
redis.call('ZADD', KEYS[2], 0, string.sub(record, 1, 8) .. id8)
redis.call('ZADD', KEYS[3], 0, string.sub(record, 9, 16) .. id8)
local old_recent = redis.call('HGET', KEYS[4], id)
if old_recent then redis.call('ZREM', KEYS[5], recent_member(old_recent, id)) end
redis.call('HSET', KEYS[4], id, ARGV[4])
redis.call('ZADD', KEYS[5], 0, recent_member(ARGV[4], id))
retire(KEYS[6], KEYS[7], id, id8)  -- a new version replaces the old entries
local date = ARGV[6]
for i = 1, #ARGV[5], 4 do
  redis.call('ZADD', KEYS[6], 0, string.sub(ARGV[5], i, i + 3) .. date .. id8)
end
if #ARGV[5] > 0 then redis.call('HSET', KEYS[7], id, string.char(#date) .. date .. ARGV[5]) end
"""
)

_LUA_RETIRE_BODY = (
    _LUA_RETIRE
    + """
-- KEYS: sketch, sketch:of. ARGV: id, id8
retire(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
"""
)

_LUA_PRUNE_RECENT = (
    _LUA_RETIRE
    + """
-- KEYS: recent, recent:order, sketch, sketch:of. ARGV: (recent:order member, id, id8)...
-- A member still present means the story was not remembered again with a newer date.
for i = 1, #ARGV, 3 do
  if redis.call('ZSCORE', KEYS[2], ARGV[i]) then
    redis.call('ZREM', KEYS[2], ARGV[i])
    redis.call('HDEL', KEYS[1], ARGV[i + 1])
    retire(KEYS[3], KEYS[4], ARGV[i + 1], ARGV[i + 2])
  end
end
"""
)

_LUA_NEAR_CANDIDATES = """
-- KEYS: sketch, recent. ARGV: window start (date), window end (date .. greatest id8),
--       min shared values, how many to return, then the indexed values (4 bytes each).
-- Counts, per story of the window, the values it shares; returns the most shared first
-- (ties: lower id) as id, count, recent record. Ids are decoded from 8 big-endian bytes
-- (the site's ids are far below 2^53, exact in Lua's numbers).
local counts, ids = {}, {}
for i = 5, #ARGV do
  local range = redis.call('ZRANGEBYLEX', KEYS[1], '[' .. ARGV[i] .. ARGV[1],
                           '[' .. ARGV[i] .. ARGV[2])
  for _, member in ipairs(range) do
    local b1, b2, b3, b4, b5, b6, b7, b8 = string.byte(member, -8, -1)
    local id = ((((((b1 * 256 + b2) * 256 + b3) * 256 + b4) * 256 + b5) * 256 + b6)
                * 256 + b7) * 256 + b8
    local seen = counts[id]
    if seen then counts[id] = seen + 1 else counts[id] = 1; ids[#ids + 1] = id end
  end
end
local function better(a, b)
  if counts[a] ~= counts[b] then return counts[a] > counts[b] end
  return a < b
end
-- The best few, kept in order as they come (a common value lists thousands of stories).
local min_shared, limit, top = tonumber(ARGV[3]), tonumber(ARGV[4]), {}
for _, id in ipairs(ids) do
  if counts[id] >= min_shared then
    local at = 0
    if #top < limit then
      at = #top + 1
    elseif limit > 0 and better(id, top[limit]) then
      at = limit
    end
    if at > 0 then
      top[at] = id
      while at > 1 and better(top[at], top[at - 1]) do
        top[at], top[at - 1] = top[at - 1], top[at]
        at = at - 1
      end
    end
  end
end
local out = {}
for _, id in ipairs(top) do
  local decimal = string.format('%d', id)
  out[#out + 1] = decimal
  out[#out + 1] = counts[id]
  out[#out + 1] = redis.call('HGET', KEYS[2], decimal) or ''
end
return out
"""

_LUA_REMEMBER_TOPIC = """
-- KEYS: topics. ARGV: url, published_at ('' when unknown). Keeps the greatest date.
local function greater(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old or greater(ARGV[2], old) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
"""

_LUA_BEGIN_CRAWL = """
-- KEYS: meta. ARGV: now. A worker joining a round in progress keeps its start time.
if redis.call('HGET', KEYS[1], 'crawl_in_progress') == '1' then return 0 end
redis.call('HSET', KEYS[1], 'crawl_in_progress', '1', 'crawl_started_at', ARGV[1])
return 1
"""


def _id8(article_id: int) -> bytes:
    return struct.pack(">Q", article_id)


def _hash8(value: int) -> bytes:
    return struct.pack(">q", value)


def _value4(value: int) -> bytes:
    return struct.pack(">I", value)


def _pack_emitted(print_: StoryPrint, published_at: str | None, emitted_at: int) -> bytes:
    head = struct.pack(">qqI", print_.body_hash, print_.template_hash, emitted_at)
    return head + (published_at or "").encode("utf-8")


def _pack_recent(published_at: str, print_: StoryPrint) -> bytes:
    """published_at (length-prefixed), sketch (count-prefixed), tokens (``pack_tokens``)."""
    date = published_at.encode("utf-8")
    head = struct.pack(">H", len(date)) + date + struct.pack(">B", len(print_.sketch))
    return head + print_.packed_sketch + print_.packed_tokens


def _unpack_recent(record: bytes) -> tuple[str, bytes, bytes]:
    """published_at, and the still packed sketch and tokens of a recent story."""
    (date_size,) = struct.unpack_from(">H", record)
    date_end = 2 + date_size
    sketch_end = date_end + 1 + 4 * record[date_end]
    published_at = record[2:date_end].decode("utf-8")
    return published_at, record[date_end + 1 : sketch_end], record[sketch_end:]


class _Keys:
    """The namespace's key names (see the module docstring)."""

    def __init__(self, namespace: str):
        self.staged = f"{namespace}:staged"
        self.staged_item = f"{namespace}:staged:item"
        self.staged_key = f"{namespace}:staged:key"
        self.emitted = f"{namespace}:emitted"
        self.emitted_body = f"{namespace}:emitted:body"
        self.emitted_template = f"{namespace}:emitted:template"
        self.recent = f"{namespace}:recent"
        self.recent_order = f"{namespace}:recent:order"
        self.sketch = f"{namespace}:sketch"
        self.sketch_of = f"{namespace}:sketch:of"
        self.para_stories = f"{namespace}:para:stories"
        self.para_edge = f"{namespace}:para:edge"
        self.para_promo = f"{namespace}:para:promo"
        self.para_seen = f"{namespace}:para:seen"
        self.seen = f"{namespace}:seen"
        self.failed = f"{namespace}:failed"
        self.topics = f"{namespace}:topics"
        # The topic policy's history: one hash per field, url -> integer.
        self.topic_fields = {
            name: f"{namespace}:topic:{name}"
            for name in ("named", "yielded", "visits", "first_run", "last_named", "last_visit")
        }
        self.meta = f"{namespace}:meta"


@dataclass
class _Release:
    """A release's writes, queued until the feed is on disk, and what reads must see of them."""

    pipe: Pipeline
    #: id -> (body hash, template hash) of stories remembered in this release.
    emitted: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: id -> packed recent record (``_pack_recent``).
    recent: dict[int, bytes] = field(default_factory=dict)
    #: id -> (publication date, sketch values) indexed in this release (after its last
    #: retirement).
    indexed: dict[int, tuple[str, list[int]]] = field(default_factory=dict)
    #: Ids whose sketch entries in Redis are retired.
    retired: set[int] = field(default_factory=set)
    #: Ids to remove from staged: applied last at commit, so a story staged again in
    #: the meantime (``stage`` takes it out of this set) stays staged.
    unstaged: set[int] = field(default_factory=set)
    #: Inverted indexes of the above, so a read costs the same however long the release:
    #: (body hash, template hash) -> ids, and sketch value -> (publication date, id) in
    #: order, so a look-up reads only the near-duplicate window, as in Redis.
    by_hash: tuple[dict[int, set[int]], dict[int, set[int]]] = field(
        default_factory=lambda: ({}, {})
    )
    by_value: dict[int, SketchPostings] = field(default_factory=dict)
    #: Ids remembered in this release that Redis already held (a new version): their
    #: stored index entries may be stale, so look-ups read past that many.
    replaced: set[int] = field(default_factory=set)
    #: Stored emitted records (None: never emitted) of the staged batch being released,
    #: read with the batch: three look-ups a story fewer. Only this release writes them.
    stored: dict[int, bytes | None] = field(default_factory=dict)
    #: The last (body hash, template hash, replaced count) asked and Redis's two replies.
    last_lookup: tuple[tuple[int, int, int], list[list[bytes]]] = ((0, 0, -1), [])

    def hold_emitted(self, article_id: int, hashes: tuple[int, int]) -> None:
        previous = self.emitted.get(article_id)
        if previous is not None:
            for which, value in enumerate(previous):
                self.by_hash[which].get(value, set()).discard(article_id)
        self.emitted[article_id] = hashes
        for which, value in enumerate(hashes):
            self.by_hash[which].setdefault(value, set()).add(article_id)

    def hold_indexed(self, article_id: int, published_at: str, values: list[int]) -> None:
        self.drop_indexed(article_id)
        self.indexed[article_id] = (published_at, values)
        for value in values:
            self.by_value.setdefault(value, SketchPostings()).add(published_at, article_id)

    def drop_indexed(self, article_id: int) -> None:
        published_at, values = self.indexed.pop(article_id, ("", []))
        for value in values:
            self.by_value[value].remove(published_at, article_id)

    def shared_values(self, values: list[int], low: str, high: str) -> Counter[int]:
        """Ids of the window ``low``..``high`` and how many of ``values`` each has."""
        shared: Counter[int] = Counter()
        for value in values:
            postings = self.by_value.get(value)
            if postings is not None:
                shared.update(postings.within(low, high))
        return shared


class RedisStateStore(BaseStateStore):
    """One crawl's state in Redis, shared by every worker on ``namespace``.

    A ``StateStore`` (not a ``Frontier``); see the module docstring for keys and release
    buffering.
    """

    def __init__(self, url: str, namespace: str):
        super().__init__()
        self.redis: redis.Redis | None = redis.Redis.from_url(url)
        self.keys = _Keys(namespace)
        self._release: _Release | None = None
        self._abandoned = False
        register = self.redis.register_script
        self._stage = register(_LUA_STAGE)
        self._unstage = register(_LUA_UNSTAGE)
        self._recurring = register(_LUA_RECURRING_PARAGRAPHS)
        self._lengths = register(_LUA_LENGTHS)
        self._prune_paragraphs = register(_LUA_PRUNE_PARAGRAPHS)
        self._remember = register(_LUA_REMEMBER)
        self._retire = register(_LUA_RETIRE_BODY)
        self._prune_recent = register(_LUA_PRUNE_RECENT)
        self._remember_topic = register(_LUA_REMEMBER_TOPIC)
        self._near = register(_LUA_NEAR_CANDIDATES)
        self._begin_crawl = register(_LUA_BEGIN_CRAWL)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisStateStore:
        """The store at ``NEWSBOT_REDIS_URL``, in the spider's ``redis_namespace``."""
        assert crawler.spidercls is not None
        config = NewsbotConfig.from_crawler(crawler)
        url = config.redis_url
        if not url:
            raise ValueError(
                "NEWSBOT_STATE_STORE is newsbot.state.redis.RedisStateStore, "
                "but NEWSBOT_REDIS_URL is not set"
            )
        return cls(url, config.redis_namespace(crawler.spidercls.name))

    @property
    def client(self) -> redis.Redis:
        """The open connection (a closed store fails loudly)."""
        assert self.redis is not None, "the state store is closed"
        return self.redis

    # --- transactions -------------------------------------------------------------------
    def commit(self) -> None:
        """Execute a release's queued writes: the feed first, then the state, at once."""
        if self._release is None:
            return
        release, self._release = self._release, _Release(self.client.pipeline(transaction=True))
        self._sync_feed(release.pipe)
        for article_id in sorted(release.unstaged):
            self._unstage_in(release.pipe, article_id)
        release.pipe.execute()

    def begin_release(self) -> None:
        """Stories are going to the feed: hold their settlement until the feed is on disk.

        Like the SQLite store, the store stays in release mode until closed; each
        ``commit`` executes what was queued so far (a second release does not: the feed
        may not be on disk). The boilerplate is recounted at each release, other workers'
        stories included.
        """
        self._boilerplate = None
        if self._release is None:
            self._release = _Release(self.client.pipeline(transaction=True))

    def abandon_release(self) -> None:
        """A feed could not be written: discard the release's queued writes at close.

        As in the SQLite store: the feed's offset stays, so the next run reconciles the
        whole lines the feed got and releases the rest (still staged).
        """
        self._abandoned = self._release is not None

    def close(self) -> None:
        if self.redis is None:
            return
        if self._abandoned and self._release is not None:
            self._release.pipe.reset()
            self._release = None
        elif self._release is None:
            self._sync_feed(self.redis)
        else:
            self.commit()
            self._release = None
        self.redis.close()
        self.redis = None

    def _writer(self) -> redis.Redis | Pipeline:
        """Where a write goes now: the release's queue, or straight to Redis."""
        return self._release.pipe if self._release is not None else self.client

    # --- the feed: what was really written ---------------------------------------------
    def _feed_key(self, path: Path) -> str:
        """Each machine writes its own feed file: its offset is its own."""
        return f"feed_offset:{socket.gethostname()}:{path.resolve()}"

    def _sync_feed(self, writer: redis.Redis | Pipeline) -> None:
        """fsync the feed, then note its size: everything before it is accounted for."""
        if self.feed_path is not None and self.feed_path.exists():
            size = synced_size(self.feed_path)
            writer.hset(self.keys.meta, self._feed_key(self.feed_path), size)

    def _feed_offset(self, path: Path) -> int:
        return int(self.client.hget(self.keys.meta, self._feed_key(path)) or 0)

    def _set_feed_offset(self, path: Path, offset: int) -> None:
        self._writer().hset(self.keys.meta, self._feed_key(path), offset)

    # --- the crawl round ----------------------------------------------------------------
    def crawl_in_progress(self) -> bool:
        return self.client.hget(self.keys.meta, "crawl_in_progress") == b"1"

    def begin_crawl(self) -> None:
        """A new round, unless one is in progress: a joining worker keeps its start time."""
        self._begin_crawl(keys=[self.keys.meta], args=[self._clock().isoformat()])

    def finish_crawl(self) -> None:
        """The round is over; ``crawl_started_at`` stays readable until the next one."""
        self.client.hset(self.keys.meta, "crawl_in_progress", "0")

    def crawl_started_at(self) -> str:
        """When the current round began (workers joining it included)."""
        value = self.client.hget(self.keys.meta, "crawl_started_at")
        return _text(value) if value else ""

    # --- incremental memory -----------------------------------------------------------
    def story_seen(self, article_id: str) -> tuple[str | None, str | None]:
        """When this story page was fetched (None: never) and its publication date."""
        value = self.client.hget(self.keys.seen, str(int(article_id)))
        if value is None:
            return None, None
        fetched_at, *published_at = _text(value).split("\n", 1)
        return fetched_at, published_at[0] if published_at else None

    def remember_story_seen(self, article_id: str, published_at: str | None) -> None:
        value = self._clock().isoformat() + ("" if published_at is None else f"\n{published_at}")
        self.client.hset(self.keys.seen, str(int(article_id)), value)

    def story_failed(self, article_id: str) -> int:
        crawl = self.crawl_started_at()
        key = str(int(article_id))
        value = self.client.hget(self.keys.failed, key)
        failures, _, last = _text(value).partition("\n") if value else ("0", "", "")
        if value and last == crawl:
            return int(failures)
        self.client.hset(self.keys.failed, key, f"{int(failures) + 1}\n{crawl}")
        return int(failures) + 1

    def story_failures(self, article_id: str) -> int:
        value = self.client.hget(self.keys.failed, str(int(article_id)))
        return int(_text(value).partition("\n")[0]) if value else 0

    def remember_topic(self, url: str, published_at: str | None) -> None:
        self._remember_topic(keys=[self.keys.topics], args=[url, published_at or ""])

    def recent_topics(self, days: int) -> list[str]:
        """Topic pages named by stories published within ``days`` of the newest one."""
        topics = {
            _text(url): _text(last) for url, last in self.client.hgetall(self.keys.topics).items()
        }
        newest = max(topics.values(), default="")
        if not newest:
            return []
        low, _ = window(newest, days)
        return sorted(url for url, last in topics.items() if last >= low)

    # --- the topic revisit policy's memory (topic_policy.py) -----------------------------
    def topic_run(self) -> int:
        """How many runs planned topic visits so far (the policy's clock)."""
        return int(self.client.hget(self.keys.meta, "topic_run") or 0)

    def begin_topic_run(self) -> int:
        """Count one more planning run; its number."""
        return int(self.client.hincrby(self.keys.meta, "topic_run", 1))

    def topic_named(self, url: str, published_at: str | None, run: int) -> None:
        """A story (published ``published_at``) named this topic, in run ``run``."""
        self.remember_topic(url, published_at)
        fields = self.keys.topic_fields
        pipe = self.client.pipeline(transaction=True)
        pipe.hincrby(fields["named"], url, 1)
        pipe.hsetnx(fields["first_run"], url, run)
        pipe.hset(fields["last_named"], url, run)
        pipe.execute()

    def topic_visited(self, url: str, run: int, yielded: int, first_page: bool) -> None:
        """A page of this topic was crawled in run ``run``, leading to ``yielded`` new stories."""
        fields = self.keys.topic_fields
        pipe = self.client.pipeline(transaction=True)
        pipe.hincrby(fields["yielded"], url, yielded)
        pipe.hincrby(fields["visits"], url, int(first_page))
        pipe.hsetnx(fields["first_run"], url, run)
        pipe.hset(fields["last_visit"], url, run)
        pipe.execute()

    def topic_histories(self, days: int) -> list[TopicHistory]:
        """Every topic named by a story published within ``days`` of the newest one."""
        urls = self.recent_topics(days)
        if not urls:
            return []
        pipe = self.client.pipeline(transaction=False)
        names = ("named", "yielded", "visits", "first_run", "last_named", "last_visit")
        for name in names:
            pipe.hmget(self.keys.topic_fields[name], urls)
        columns = dict(zip(names, pipe.execute(), strict=True))

        def number(name: str, i: int) -> int | None:
            value = columns[name][i]
            return None if value is None else int(value)

        return [
            TopicHistory(
                url,
                named=number("named", i) or 0,
                yielded=number("yielded", i) or 0,
                visits=number("visits", i) or 0,
                first_run=number("first_run", i) or 0,
                last_named_run=number("last_named", i) or 0,
                last_visit_run=number("last_visit", i),
            )
            for i, url in enumerate(urls)
        ]

    # --- staging ------------------------------------------------------------------------
    def stage(self, item: Story) -> bool:
        """Hold a parsed story until release; False when it was already staged."""
        assert item.article_id is not None
        article_id = int(item.article_id)
        sort_key = release_key(item)
        # Unstaged earlier in an uncommitted release: staged anew, as SQLite would.
        again = self._release is not None and article_id in self._release.unstaged
        item_json = dump_story(item)
        held = self._release is not None and article_id in self._release.emitted
        keys = self.keys
        if not self._stage(
            keys=[
                keys.staged,
                keys.staged_item,
                keys.staged_key,
                keys.emitted,
                keys.para_stories,
                keys.para_edge,
                keys.para_promo,
                keys.para_seen,
            ],
            args=[
                article_id,
                sort_key,
                item_json,
                int(again),
                int(held),
                self._clock().date().toordinal(),
                *self._paragraph_counts(item.body),
            ],
        ):
            return False
        self._boilerplate = None
        if self._release is not None:
            self._release.unstaged.discard(article_id)
        return True

    def staged_count(self) -> int:
        count = self.client.zcard(self.keys.staged)
        if self._release is not None and self._release.unstaged:
            held = self.client.hmget(self.keys.staged_key, sorted(self._release.unstaged))
            count -= sum(1 for key in held if key is not None)
        return count

    def staged_items(self, batch: int = 500) -> Iterator[Story]:
        """Staged stories, oldest publication first (ties: lower id), in batches.

        A batch's stories are read a chunk at a time (``RELEASE_CHUNK_CHARS`` bytes of
        JSON, as their lengths say): a batch of stories near DOWNLOAD_MAXSIZE read at
        once would hold gigabytes.
        """
        low = b"-"
        while True:
            sort_keys = self.client.zrangebylex(self.keys.staged, low, b"+", start=0, num=batch)
            if not sort_keys:
                return
            low = b"(" + _raw(sort_keys[-1])
            ids = [release_key_id(key) for key in sort_keys]
            pipe = self.client.pipeline(transaction=False)
            self._lengths(keys=[self.keys.staged_item], args=ids, client=pipe)
            if self._release is not None:
                pipe.hmget(self.keys.emitted, ids)
            replies = pipe.execute()
            if self._release is not None:
                self._release.stored = dict(zip(ids, replies[1], strict=True))
            for chunk in chunked_by_size(ids, replies[0], RELEASE_CHUNK_CHARS):
                items = self.client.hmget(self.keys.staged_item, chunk)
                for article_id, raw in zip(chunk, items, strict=True):
                    unstaged = self._release is not None and article_id in self._release.unstaged
                    if raw is not None and not unstaged:  # None: another worker settled it
                        yield load_story(raw)

    def _unstage_id(self, article_id: int) -> None:
        if self._release is not None:
            self._release.unstaged.add(article_id)
        else:
            self._unstage_in(self.client, article_id)

    def _unstage_in(self, client: redis.Redis | Pipeline, article_id: int) -> None:
        keys = self.keys
        self._unstage(
            keys=[keys.staged, keys.staged_item, keys.staged_key], args=[article_id], client=client
        )

    # --- boilerplate paragraphs ---------------------------------------------------------
    @staticmethod
    def _paragraph_counts(body: str | None) -> list[bytes | int]:
        """``paragraph_tally`` as ``_LUA_STAGE`` takes it: hash, edge, promo each.

        Counted by the staging script: atomic against other workers counting the same
        paragraphs, and skipped for a story emitted before.
        """
        args: list[bytes | int] = []
        for digest, (edge, promo) in paragraph_tally(body).items():
            args += [_hash8(digest), edge, promo]
        return args

    def _recurring_paragraphs(self, min_stories: int) -> list[ParagraphCount]:
        keys = self.keys
        reply = self._recurring(
            keys=[keys.para_stories, keys.para_edge, keys.para_promo], args=[min_stories]
        )
        return [
            ParagraphCount(
                struct.unpack(">q", reply[i])[0],
                int(float(reply[i + 1])),  # a sorted-set score: "6", never fractional
                int(reply[i + 2]),
                bool(reply[i + 3]),
            )
            for i in range(0, len(reply), 4)
        ]

    # --- emitted stories ----------------------------------------------------------------
    def was_emitted(self, article_id: str) -> bool:
        if self._release is not None and int(article_id) in self._release.emitted:
            return True
        return self._stored_emitted(int(article_id)) is not None

    def emitted_body_hash(self, article_id: str) -> int | None:
        if self._release is not None and int(article_id) in self._release.emitted:
            return self._release.emitted[int(article_id)][0]
        record = self._stored_emitted(int(article_id))
        return struct.unpack_from(">q", record)[0] if record else None

    def _stored_emitted(self, article_id: int) -> bytes | None:
        """The emitted record in Redis: read ahead with the staged batch in a release."""
        if self._release is not None and article_id in self._release.stored:
            return self._release.stored[article_id]
        record = self.client.hget(self.keys.emitted, str(article_id))
        return None if record is None else _raw(record)

    def emitted_with_body(self, print_: StoryPrint) -> str | None:
        return self._lowest_ids(print_)[0]

    def emitted_with_template(self, print_: StoryPrint) -> str | None:
        return self._lowest_ids(print_)[1]

    def _lowest_ids(self, print_: StoryPrint) -> tuple[str | None, str | None]:
        """The lowest emitted id with the story's body hash, and with its template hash.

        Both in one round trip. During a release, Redis does not change under this store
        (its writes are queued), so the reply serves the story's next question too.
        """
        release = self._release
        hashes = (print_.body_hash, print_.template_hash)
        # Stories remembered again in the release may no longer have these hashes: read
        # past as many as there are, so a stored one is among what is read.
        replaced = len(release.replaced) if release is not None else 0
        asked = (*hashes, replaced)
        if release is not None and release.last_lookup[0] == asked:
            replies = release.last_lookup[1]
        else:
            pipe = self.client.pipeline(transaction=False)
            indexes = (self.keys.emitted_body, self.keys.emitted_template)
            for index, value in zip(indexes, hashes, strict=True):
                prefix = _hash8(value)
                pipe.zrangebylex(
                    index, b"[" + prefix, b"[" + prefix + _MAX_ID, start=0, num=replaced + 1
                )
            replies = pipe.execute()
            if release is not None:
                release.last_lookup = (asked, replies)
        held = release.emitted if release is not None else {}
        lowest: list[str | None] = []
        for which, (value, members) in enumerate(zip(hashes, replies, strict=True)):
            ids = [struct.unpack(">Q", member[8:])[0] for member in members]
            ids = [article_id for article_id in ids if article_id not in held]
            if release is not None:
                ids += release.by_hash[which].get(value, set())
            lowest.append(str(min(ids)) if ids else None)
        return lowest[0], lowest[1]

    def _near_candidates(self, indexed: list[int], low: str, high: str) -> list[Candidate]:
        """Ids sharing at least ``MIN_SHARED_SKETCH`` values, most shared first, top
        ``NEAR_CANDIDATES``, with their recent records.

        Index members are value + publication date + id: a value's range covers only the
        window's stories, so the cost stays flat however many stories Redis holds. One
        script counts them in Redis (a common value may list thousands of stories).
        During a release, the stories it remembered are counted here, from the overlay;
        stored entries of the ones it retired are stale, so the script returns that many
        more. The two sets of ids are disjoint: a story remembered again was retired.
        """
        release = self._release
        retired = release.retired if release is not None else set()
        reply = self._near(
            keys=[self.keys.sketch, self.keys.recent],
            args=[
                low.encode("utf-8"),
                high.encode("utf-8") + _MAX_ID,
                MIN_SHARED_SKETCH,
                NEAR_CANDIDATES + len(retired),
                *(_value4(value) for value in indexed),
            ],
        )
        ranked = [
            (-int(reply[i + 1]), int(reply[i]), reply[i + 2])
            for i in range(0, len(reply), 3)
            if int(reply[i]) not in retired
        ]
        if release is not None and release.by_value:
            shared = release.shared_values(indexed, low, high)
            ranked += heapq.nsmallest(
                NEAR_CANDIDATES,
                (
                    (-count, article_id, release.recent[article_id])
                    for article_id, count in shared.items()
                    if count >= MIN_SHARED_SKETCH
                ),
            )
        ranked.sort(key=lambda row: row[:2])
        candidates = []
        for _, article_id, record in ranked[:NEAR_CANDIDATES]:
            if not record:
                continue
            published_at, packed_sketch, packed_tokens = _unpack_recent(record)
            if low <= published_at <= high:  # its record may be newer than its index entry
                candidates.append(Candidate(article_id, 0, packed_sketch, packed_tokens))
        return candidates

    def remember_emitted(self, item: Story, print_: StoryPrint) -> None:
        """Record an emitted story (fingerprints and recent text) and settle it."""
        assert item.article_id is not None
        article_id = int(item.article_id)
        if self._release is None:
            pipe = self.client.pipeline(transaction=True)
            self._queue_remember(pipe, article_id, item.published_at, print_)
            self._unstage_in(pipe, article_id)
            pipe.execute()
            return
        release = self._release
        if article_id not in release.emitted and self._stored_emitted(article_id) is not None:
            release.replaced.add(article_id)  # a new version of a story Redis holds
        self._queue_remember(release.pipe, article_id, item.published_at, print_)
        release.hold_emitted(article_id, (print_.body_hash, print_.template_hash))
        release.recent[article_id] = _pack_recent(item.published_at or "", print_)
        release.hold_indexed(article_id, item.published_at or "", print_.sketch[:INDEXED_SIZE])
        release.unstaged.add(article_id)

    def _queue_remember(
        self, pipe: Pipeline, article_id: int, published_at: str | None, print_: StoryPrint
    ) -> None:
        keys = self.keys
        self._remember(
            keys=[
                keys.emitted,
                keys.emitted_body,
                keys.emitted_template,
                keys.recent,
                keys.recent_order,
                keys.sketch,
                keys.sketch_of,
            ],
            args=[
                article_id,
                _id8(article_id),
                _pack_emitted(print_, published_at, int(self._clock().timestamp())),
                _pack_recent(published_at or "", print_),
                pack_sketch(print_.sketch[:INDEXED_SIZE]),
                (published_at or "").encode("utf-8"),
            ],
            client=pipe,
        )

    def retire_body(self, article_id: str) -> None:
        """Before a new version of a story is remembered, forget its old text."""
        number = int(article_id)
        self._retire(
            keys=[self.keys.sketch, self.keys.sketch_of],
            args=[number, _id8(number)],
            client=self._writer(),
        )
        if self._release is not None:
            self._release.retired.add(number)
            self._release.drop_indexed(number)

    def prune(self, window_days: int) -> None:
        """Forget what no longer matters: old recent texts and one-off paragraphs.

        Nothing to commit first: outside a release writes are immediate, and a release's
        wait for ``close``, after the feed is on disk.
        """
        keys = self.keys
        newest = self.client.zrevrangebylex(keys.recent_order, b"+", b"-", start=0, num=1)
        newest_date = _raw(newest[0]).split(b"\0", 1)[0].decode("utf-8") if newest else ""
        if newest_date:
            low, _ = window(newest_date, window_days)
            old = self.client.zrangebylex(keys.recent_order, b"-", b"(" + low.encode("utf-8"))
            for chunk in _chunks([_raw(member) for member in old]):
                args: list[bytes | int] = []
                for member in chunk:
                    article_id = int(member.split(b"\0", 1)[1])
                    args += [member, article_id, _id8(article_id)]
                self._prune_recent(
                    keys=[keys.recent, keys.recent_order, keys.sketch, keys.sketch_of], args=args
                )
        cutoff = paragraph_memory_cutoff().toordinal()
        # Without ``withscores`` the reply is the members alone.
        stale = cast("list[bytes]", self.client.zrangebyscore(keys.para_seen, "-inf", f"({cutoff}"))
        for chunk in _chunks(stale):
            self._prune_paragraphs(
                keys=[keys.para_stories, keys.para_edge, keys.para_promo, keys.para_seen],
                args=[cutoff, *chunk],
            )


def _raw(reply: bytes | str) -> bytes:
    """A reply as bytes (what the client returns: ``decode_responses`` is off)."""
    return reply if isinstance(reply, bytes) else reply.encode("utf-8")


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8") if isinstance(reply, bytes) else reply


def _chunks(members: list[bytes]) -> Iterator[list[bytes]]:
    for start in range(0, len(members), PRUNE_CHUNK):
        yield members[start : start + PRUNE_CHUNK]
