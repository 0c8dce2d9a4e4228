"""The crawler's state: one contract, the rules every store keeps, and nothing of storage.

``StateStore`` is the contract the crawl's components rely on (staging, incremental
re-crawls, dedupe, boilerplate, the drops record, scale-out). Two classes implement it:
``newsbot.state.sqlite.SqliteStateStore`` (one file per spider, one process) and
``newsbot.state.redis.RedisStateStore`` (shared by the workers of a scaled-out crawl).
``NEWSBOT_STATE_STORE`` names the one a crawl uses, as ``HTTPCACHE_STORAGE`` does for
Scrapy's cache; ``newsbot.extensions.state.StateExtension`` opens it and closes it.

``Frontier`` is a separate, optional contract: the crash-safe frontier of a single
process (``spidermiddlewares/frontier.py``). The SQLite store keeps it; in Redis mode
the scrapy-redis queue is the frontier, so the Redis store has none.

What a story *means* to the state is decided here, once, so the two stores cannot drift
apart: the release order, how a story is serialized, how a body's paragraphs are
tallied, which recurring paragraphs are boilerplate, which recent story a body nearly
repeats, and how the feed is reconciled after a kill. ``BaseStateStore`` holds the
parts of the contract that are rules over storage, and asks its subclass only for the
storage itself (the ``_``-prefixed hooks).
"""

from __future__ import annotations

import json
import os
import re
from abc import ABC, abstractmethod
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple, Protocol, Self, TypeGuard, runtime_checkable

from scrapy.crawler import Crawler

from newsbot.items import Story
from newsbot.text.fingerprints import (
    INDEXED_SIZE,
    StoryPrint,
    contained_bound,
    edit_similarity,
    length_bound,
    order_bound,
    similarity_bound,
    sketch_resemblance,
    tallied_paragraphs,
    unpack_sketch,
    unpack_words,
)
from newsbot.topic_policy import TopicHistory

# --- the contract -----------------------------------------------------------------------


@runtime_checkable
class StateStore(Protocol):
    """The memory of one spider's crawls: what a store must do, whatever keeps it.

    Writes may be batched until ``commit``. From ``begin_release`` on, the settlements of
    released stories (``remember_emitted``, ``retire_body``, ``unstage``) are held back
    until the next ``commit`` or ``close``, and the crawl calls neither before the feed
    exporters closed their files (the owner closes the store at ``engine_stopped``): a
    kill never records as written a story still in a buffer. The store's own reads see
    them at once. ``tests/test_state_backends.py`` holds every store to this contract.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """The store of ``crawler``'s spider, as its settings place it."""
        ...

    # transactions
    def commit(self) -> None: ...
    def begin_release(self) -> None: ...
    def abandon_release(self) -> None:
        """A feed could not be written: ``close`` keeps nothing this release settled."""
        ...

    def close(self) -> None: ...

    # the feed: what was really written
    def watch_feed(self, path: Path | None) -> None: ...
    def reconcile_feed(self) -> int:
        """Settle the stories a killed release wrote to the feed; how many there were."""
        ...

    def feed_is_new(self) -> bool:
        """Whether this state has never accounted for the watched feed (a new state beside
        a feed that already holds stories): what ``reconcile_feed`` settles then was not
        written by an interrupted run, and the log must not say it was."""
        ...

    # the crawl (with several workers, a round they all join)
    def crawl_in_progress(self) -> bool: ...
    def begin_crawl(self) -> None: ...
    def finish_crawl(self) -> None: ...
    def crawl_started_at(self) -> str: ...

    # incremental memory
    def story_seen(self, article_id: str) -> tuple[str | None, str | None]:
        """When the story page was last fetched (None: never), and its publication date."""
        ...

    def remember_story_seen(self, article_id: str, published_at: str | None) -> None: ...
    def story_failed(self, article_id: str) -> int:
        """Note that the story's page came empty or cut off in this crawl; in how many
        crawls it has so far (this one included; a resumed crawl is one, and a second
        failure within a crawl is not counted again)."""
        ...

    def story_failures(self, article_id: str) -> int:
        """In how many crawls the story's page came empty or cut off so far (0: none);
        reads only (a failure is counted once its run is known healthy)."""
        ...

    def remember_topic(self, url: str, published_at: str | None) -> None:
        """Note a topic page named by a story; a topic keeps its latest date."""
        ...

    def recent_topics(self, days: int) -> list[str]: ...

    # the topic revisit policy's memory (``newsbot.topic_policy``)
    def topic_run(self) -> int:
        """The number of the current run, as counted for topics."""
        ...

    def begin_topic_run(self) -> int: ...
    def topic_named(self, url: str, published_at: str | None, run: int) -> None: ...
    def topic_visited(self, url: str, run: int, yielded: int, first_page: bool) -> None: ...
    def topic_histories(self, days: int) -> list[TopicHistory]:
        """Every topic named within ``days``, with what its history says of it."""
        ...

    # staging
    def stage(self, item: Story) -> bool:
        """Hold a parsed story until release (False: it is staged already); counts its
        paragraphs unless it was emitted before."""
        ...

    def staged_count(self) -> int: ...
    def staged_items(self, batch: int = 500) -> Iterator[Story]:
        """The staged stories in ``release_key`` order."""
        ...

    def unstage(self, article_id: str | None) -> None: ...

    # boilerplate paragraphs
    def boilerplate_paragraphs(self, min_stories: int) -> set[int]: ...

    # emitted stories
    def was_emitted(self, article_id: str) -> bool: ...
    def emitted_body_hash(self, article_id: str) -> int | None: ...
    def emitted_with_body(self, print_: StoryPrint) -> str | None:
        """The lowest emitted id with the same body hash (the earliest story wins)."""
        ...

    def emitted_with_template(self, print_: StoryPrint) -> str | None: ...
    def near_duplicate_of(
        self,
        print_: StoryPrint,
        published_at: str | None,
        window_days: int,
        min_similarity: float,
        exclude: str | None = None,
    ) -> str | None: ...
    def remember_emitted(self, item: Story, print_: StoryPrint) -> None:
        """Record an emitted story's fingerprints and recent text; it is settled."""
        ...

    def retire_body(self, article_id: str) -> None:
        """Before a new version of a story is remembered: its old text matches nothing."""
        ...

    def prune(self, window_days: int) -> None: ...


@runtime_checkable
class Frontier(StateStore, Protocol):
    """A store that also keeps a single process's crash-safe frontier and kill detection.

    Optional: the frontier middleware runs only on a store that has it.
    """

    def mark_running(self) -> None: ...
    def mark_stopped(self) -> None: ...
    def shut_down_cleanly(self) -> bool: ...
    def start_recorded(self) -> None: ...
    def frontier_add(self, fingerprint: bytes, request: Callable[[], str]) -> bool:
        """Record a request as pending (``request()`` gives its JSON, asked only for a new
        one: most links a page yields are already in the frontier); False when this
        crawl already has it."""
        ...

    def frontier_done(self, fingerprint: bytes) -> None: ...
    def frontier_pending(self) -> list[str]: ...


# --- rules --------------------------------------------------------------------------------

#: Candidates sharing fewer sketch values than this are not near-duplicates.
MIN_SHARED_SKETCH = 2
#: How many near-duplicate candidates a story is compared with, most shared values first.
NEAR_CANDIDATES = 8
#: Below this sketch resemblance a candidate is no near-duplicate: its words are not read.
MIN_RESEMBLANCE = 0.25
#: Share of a recurring paragraph's stories in which it sits at the body's edge for it
#: to count as boilerplate without promo wording.
EDGE_SHARE = 0.8
#: Paragraphs seen in a single story are forgotten after this many days.
PARAGRAPH_MEMORY_DAYS = 30
#: Words of promos, calls to follow and legal lines (regular expressions).
PROMO_WORDS = (
    "follow", "subscribe", "newsletter", "whatsapp", "google news", "telegram", "download",
    "click", "copyright", "rights reserved", r"reproduc\w*", "without permission", "sponsored",
    r"advertis\w*", "like us", "join us", "our app", "sign up",
)  # fmt: skip
PROMO_RE = re.compile(r"\b(" + "|".join(PROMO_WORDS) + r")\b", re.IGNORECASE)
#: What a paragraph ``PROMO_RE`` finds in must contain once case-folded: the words'
#: letters before any ``\w*``. Most paragraphs hold none, and are answered without the
#: expression (three times the cost).
PROMO_STEMS = tuple(word.removesuffix(r"\w*") for word in PROMO_WORDS)
#: The letters ``re.IGNORECASE`` takes for an "i" that ``str.casefold`` does not fold
#: to one (U+0130, U+0131); every other letter it matches for one of the stems' folds
#: to it (``tests/test_state_shortcuts.py`` checks every code point).
PROMO_FOLD_FIXES = {"\u0130": "i", "\u0131": "i"}


def now() -> datetime:
    """The stores' clock (tests set it here, for both stores at once)."""
    return datetime.now(UTC)


def window(published_at: str | None, days: int) -> tuple[str, str]:
    """ISO bounds ``published_at`` ± ``days`` (everything when the date is unknown)."""
    try:
        moment = datetime.fromisoformat(published_at or "")
    except ValueError:
        return "", "\uffff"
    delta = timedelta(days=days)
    return (moment - delta).isoformat(), (moment + delta).isoformat()


def paragraph_memory_cutoff() -> date:
    """One-off paragraphs last seen before this day are forgotten by ``prune``."""
    return (now() - timedelta(days=PARAGRAPH_MEMORY_DAYS)).date()


def release_key(item: Story) -> str:
    """Release order: earliest publication first, ties to the lower id, undated last.

    Compared as strings (bytes in Redis): ISO dates in one offset sort as they read and
    the id is zero-padded; an undated key starts with ``|``, which sorts after every
    digit, so undated stories go last.
    """
    assert item.article_id is not None
    return f"{item.published_at or ''}|{int(item.article_id):012d}"


#: The release reads staged stories in chunks of about this much JSON (characters in
#: SQLite, bytes in Redis; the story that passes the bound ends its chunk): stories near
#: DOWNLOAD_MAXSIZE read 500 at a time took a release past 1 GB.
RELEASE_CHUNK_CHARS = 1_000_000


def chunked_by_size(keys: list[int], sizes: list[int], bound: int) -> Iterator[list[int]]:
    """``keys`` in order, in runs whose ``sizes`` add up to less than ``bound``, each with
    the key that reaches it (a key bigger than ``bound`` ends its run)."""
    chunk: list[int] = []
    total = 0
    for key, size in zip(keys, sizes, strict=True):
        chunk.append(key)
        total += size
        if total >= bound:
            yield chunk
            chunk, total = [], 0
    if chunk:
        yield chunk


def release_key_id(key: str | bytes) -> int:
    """The story id at the end of a ``release_key``."""
    if isinstance(key, bytes):
        return int(key.rsplit(b"|", 1)[1])
    return int(key.rsplit("|", 1)[1])


#: ``json.dumps(obj, ensure_ascii=False)``: what it builds on every call, built once (it
#: keeps nothing between calls).
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def dump_story(item: Story) -> str:
    """A story as stored while staged: the feed's JSON of it.

    ``Story`` is a plain dataclass, so its ``__dict__`` is its fields in order;
    ``dataclasses.asdict`` would give the same JSON, copying every list first.
    """
    return _ENCODE(vars(item))


#: Staged stories' fields by their JSON (``keep_staged``), the oldest kept first let go.
_STAGED: dict[str, dict[str, object]] = {}
#: How many characters of JSON ``_STAGED`` is keyed by at most: its fields take about as
#: many again, so some 10 to 30 MB; the stories of an hourly run's release, or thousands.
STAGED_KEPT_CHARS = 4_000_000
_staged_chars = 0
#: The types JSON gives back as they were: a story's fields of these (lists of ``str``
#: only) are what ``json.loads`` of its ``dump_story`` gives.
_PLAIN_TYPES = frozenset({str, int, type(None), list})


def keep_staged(raw: str, item: Story) -> None:
    """Keep ``item``'s fields for ``load_story(raw)``, ``raw`` being its ``dump_story``.

    A story is staged (its JSON written) and released (read back and decoded) by the
    same process in a normal crawl; decoding cost more than all the rest of reading it.
    Keyed by the JSON itself, a kept entry cannot answer for another text, and it holds
    copies (its lists too), so the item changed later changes nothing here. Only fields
    of ``_PLAIN_TYPES`` are kept: for those, decoding the JSON gives them back exactly
    (an int subclass, a bool or a tuple would not come back as it was). A JSON longer
    than a sixteenth of the budget (a hostile page) is not kept.
    """
    global _staged_chars
    if len(raw) > STAGED_KEPT_CHARS // 16 or raw in _STAGED:
        return
    fields = dict(vars(item))
    if not _PLAIN_TYPES.issuperset(map(type, fields.values())):
        return
    for name, value in fields.items():
        if type(value) is list:
            if not {str}.issuperset(map(type, value)):
                return
            fields[name] = list(value)
    _STAGED[raw] = fields
    _staged_chars += len(raw)
    while _staged_chars > STAGED_KEPT_CHARS:  # the oldest staged go first
        _staged_chars -= len(oldest := next(iter(_STAGED)))
        del _STAGED[oldest]


def load_story(raw: str | bytes) -> Story:
    """A story from ``dump_story`` (or a feed line); ``ValueError``/``TypeError`` if not one.

    A JSON this process staged (``keep_staged``) is answered from what it kept, once.
    """
    global _staged_chars
    if type(raw) is str:
        fields = _STAGED.pop(raw, None)
        if fields is not None:
            _staged_chars -= len(raw)
            return Story(**fields)  # type: ignore[arg-type]
    return Story(**json.loads(raw))


#: The most digits a story id has (the site's have 5 to 9): an id the stores' 64-bit
#: integers hold.
MAX_ID_DIGITS = 18


def is_story_id(value: object) -> TypeGuard[str]:
    """Whether ``value`` is a story id as the crawl writes it: ASCII digits, not too many
    (``"²³⁴".isdigit()`` is true and ``int`` refuses it; 40 digits overflow SQLite)."""
    return (
        type(value) is str
        and value.isascii()
        and value.isdigit()
        and len(value) <= MAX_ID_DIGITS
        and value == str(int(value))  # one spelling: no leading zero
    )


def looks_like_promo(paragraph: str) -> bool:
    """Whether ``PROMO_RE`` finds promo wording in ``paragraph``.

    The expression runs only on a paragraph that holds one of ``PROMO_STEMS`` once
    case-folded: wherever it matches, each letter of the match folds to the letter it
    matched (``PROMO_FOLD_FIXES`` aside), so the fold holds that word.
    """
    if paragraph.isascii():
        folded = paragraph.lower()
    else:
        # ``str.replace`` per fix, not ``str.translate``: translate looks every character
        # up in a dict, eight times the cost here (most of the site's paragraphs hold a
        # curly quote or a dash, so they are not ASCII).
        fixed = paragraph
        for letter, fix in PROMO_FOLD_FIXES.items():
            fixed = fixed.replace(letter, fix)
        folded = fixed.casefold()
    for stem in PROMO_STEMS:
        if stem in folded:
            return bool(PROMO_RE.search(paragraph))
    return False


def paragraph_tally(
    body: str | None, known: Container[int] = frozenset()
) -> dict[int, tuple[int, int]]:
    """What one story adds to the paragraph counts: hash -> (at an edge, promo), 1 or 0.

    Each distinct paragraph counts once per story. The edge is the first or last
    paragraph of a body of three or more: where promos and legal lines go. In shorter
    bodies every paragraph is story text. A paragraph's promo flag is its first
    wording's: the stores keep the flag of the first story that carried it, so a caller
    that keeps a paragraph's flag already names it in ``known``, and its promo wording is
    not looked for (the flag given is 0): a site's recurring lines are most paragraphs.
    """
    paragraphs = (body or "").split("\n\n")
    _, hashes = tallied_paragraphs(body or "")  # kept for the release's print
    last = len(paragraphs) - 1
    seen: dict[int, tuple[int, int]] = {}
    for index, (paragraph, digest) in enumerate(zip(paragraphs, hashes, strict=True)):
        if not paragraph.strip():
            continue
        at_edge = int(last >= 2 and index in (0, last))
        previous_edge = seen.get(digest, (0, 0))[0]
        promo = 0 if digest in known else int(looks_like_promo(paragraph))
        seen[digest] = (max(at_edge, previous_edge), promo)
    return seen


@dataclass(frozen=True)
class ParagraphCount:
    """A paragraph's counts: in how many stories, how many at an edge, promo-worded."""

    digest: int
    stories: int
    edge_stories: int
    promo: bool


def is_boilerplate(count: ParagraphCount, min_stories: int) -> bool:
    """Seen in more than ``min_stories`` distinct stories, and either worded like a promo
    or legal line, or nearly always at a body's edge (its first or last paragraph).

    A sentence that merely recurs inside stories (a stock quote) is not boilerplate.
    """
    return count.stories > min_stories and (
        count.promo or count.edge_stories >= EDGE_SHARE * count.stories
    )


class Candidate(NamedTuple):
    """A recent emitted story that may be a near-duplicate, as a store keeps it.

    ``words`` is its token count (0: unknown); sketch and tokens stay packed until the
    cheaper tests have passed. A named tuple, not a frozen dataclass: a store makes eight
    for every story, and a frozen dataclass's ``__init__`` costs five times a tuple's.
    """

    article_id: int
    words: int
    packed_sketch: bytes
    packed_tokens: bytes


@dataclass
class SketchPostings:
    """The stories holding one indexed sketch value, by publication date: the stores'
    in-memory copies of their index (``_near_candidates``), read a window at a time."""

    dates: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)

    def add(self, published_at: str, article_id: int) -> None:
        at = bisect_right(self.dates, published_at)  # released oldest first: the end
        self.dates.insert(at, published_at)
        self.ids.insert(at, article_id)

    def holds(self, published_at: str, article_id: int) -> bool:
        start, end = bisect_left(self.dates, published_at), bisect_right(self.dates, published_at)
        return article_id in self.ids[start:end]

    def remove(self, published_at: str, article_id: int) -> None:
        start = bisect_left(self.dates, published_at)
        at = self.ids.index(article_id, start, bisect_right(self.dates, published_at))
        del self.dates[at], self.ids[at]

    def within(self, low: str, high: str) -> list[int]:
        """Ids published from ``low`` to ``high`` (a slice: counted at C speed)."""
        return self.ids[bisect_left(self.dates, low) : bisect_right(self.dates, high)]


#: Texts longer than this many words skip ``order_bound``: it keeps, for each distinct
#: word, a bit for each position of the story (a few MB at 10,000 words, GBs for a page
#: near DOWNLOAD_MAXSIZE), and its row may grow a bit for each word of the candidate.
#: A story is a few hundred words.
ORDER_BOUND_WORDS = 10_000
#: Candidates' words by their packed text, the most recently used last (``candidate_words``).
_UNPACKED: dict[bytes, list[bytes]] = {}
#: How many bytes of packed text ``_UNPACKED`` holds at most: its words take ten times
#: more once unpacked, so a few MB in all.
UNPACKED_KEPT_BYTES = 256 * 1024
_unpacked_bytes = 0


def candidate_words(packed: bytes) -> list[bytes]:
    """``unpack_words(packed)`` (each word in UTF-8, as ``StoryPrint.encoded_words``), kept
    for the candidates unpacked last.

    A recent story that repeats a stock phrase is a candidate of story after story, and
    unpacking its words was the ladder's dearest step before the diff. Keyed by the
    packed text itself, so a story's new version is a new entry and nothing goes stale
    whichever store gave it. The list is shared: its readers do not change it.
    """
    global _unpacked_bytes
    words = _UNPACKED.pop(packed, None)
    if words is None:
        words = unpack_words(packed)
        if len(packed) > UNPACKED_KEPT_BYTES // 16:  # a long text is not kept
            return words
        _unpacked_bytes += len(packed)
    _UNPACKED[packed] = words
    while _unpacked_bytes > UNPACKED_KEPT_BYTES:  # the least recently used go first
        oldest = next(iter(_UNPACKED))
        del _UNPACKED[oldest]
        _unpacked_bytes -= len(oldest)
    return words


def nearly_repeats(print_: StoryPrint, candidate: Candidate, min_similarity: float) -> bool:
    """Whether ``print_``'s body is within ``min_similarity`` of the candidate's.

    The cheap tests go first (lengths, sketch resemblance) and discard most candidates;
    then upper bounds of the diff's similarity, each above the next (shared words at
    most, shared words, the longest common subsequence), skip the diffs that would say
    no: the answer is the one the lengths, the resemblance and the word-level diff give
    together, only reached sooner.
    """
    mine = print_.encoded_words  # compared with the candidate's, also in UTF-8
    size, words = len(mine), candidate.words
    if words and min(words, size) < min_similarity * max(words, size):
        return False  # the lengths alone rule it out: no need to decompress its text
    if sketch_resemblance(print_.sketch, unpack_sketch(candidate.packed_sketch)) < (
        MIN_RESEMBLANCE
    ):
        return False
    tokens = candidate_words(candidate.packed_tokens)
    if length_bound(mine, tokens) < min_similarity:
        return False
    if contained_bound(mine, tokens, print_.token_set) < min_similarity:
        return False
    if similarity_bound(mine, tokens, print_.token_counts) < min_similarity:
        return False
    if max(size, len(tokens)) <= ORDER_BOUND_WORDS and (order_bound(mine, tokens) < min_similarity):
        return False
    return edit_similarity(mine, tokens) >= min_similarity


def synced_size(path: Path) -> int:
    """fsync ``path`` and give its size: everything before it is on disk."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
    return path.stat().st_size


# --- the rules over storage -------------------------------------------------------------


def reconciled(settled: int, feed: Path | None, new: bool) -> str:
    """The log line for ``settled`` stories found in the feed and taken as written."""
    if new:
        return (
            f"New state: {settled} stories already in the feed {feed} were taken as written "
            "(they will not be written again)"
        )
    return f"Feed reconciled: {settled} stories written by an interrupted run"


class BaseStateStore(ABC):
    """The parts of ``StateStore`` that are rules, over storage hooks each store supplies."""

    def __init__(self) -> None:
        self.feed_path: Path | None = None
        #: ``boilerplate_paragraphs``'s answer until the counts change.
        self._boilerplate: set[int] | None = None

    @staticmethod
    def _clock() -> datetime:
        return now()

    # --- the feed: what was really written ---------------------------------------------
    def watch_feed(self, path: Path | None) -> None:
        """Account for the default feed: stories in it are emitted, whatever state says."""
        self.feed_path = path

    def reconcile_feed(self) -> int:
        """Settle stories a killed release wrote to the feed; drop a torn last line.

        Returns how many stories were found in the feed but not yet marked emitted.
        """
        path = self.feed_path
        if path is None or not path.exists():
            return 0
        size = path.stat().st_size
        offset = self._feed_offset(path)
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
        self._set_feed_offset(path, offset + len(complete))
        self.commit()
        return settled

    def feed_is_new(self) -> bool:
        return self.feed_path is not None and self._feed_offset(self.feed_path) == 0

    def _settle_written(self, line: bytes) -> int:
        try:
            item = load_story(line)
        except (ValueError, TypeError):
            return 0
        if not is_story_id(item.article_id) or self.was_emitted(item.article_id):
            return 0  # no id the crawl writes (a line not of its writing), or settled
        self.remember_emitted(item, StoryPrint.of(item.title or "", item.body or ""))
        return 1

    @abstractmethod
    def _feed_offset(self, path: Path) -> int:
        """How much of the feed at ``path`` is accounted for (0: nothing yet)."""

    @abstractmethod
    def _set_feed_offset(self, path: Path, offset: int) -> None: ...

    # --- staging ------------------------------------------------------------------------
    def unstage(self, article_id: str | None) -> None:
        """Settle a staged story without emitting it (a drop); anything else is ignored."""
        if article_id and article_id.isdigit():
            self._unstage_id(int(article_id))

    @abstractmethod
    def _unstage_id(self, article_id: int) -> None: ...

    # --- boilerplate paragraphs ---------------------------------------------------------
    def boilerplate_paragraphs(self, min_stories: int) -> set[int]:
        """Hashes of the paragraphs that are site boilerplate (``is_boilerplate``)."""
        if self._boilerplate is None:
            self._boilerplate = {
                count.digest
                for count in self._recurring_paragraphs(min_stories)
                if is_boilerplate(count, min_stories)
            }
        return self._boilerplate

    @abstractmethod
    def _recurring_paragraphs(self, min_stories: int) -> Iterable[ParagraphCount]:
        """The counts of at least every paragraph seen in more than ``min_stories`` stories."""

    # --- emitted stories ----------------------------------------------------------------
    def near_duplicate_of(
        self,
        print_: StoryPrint,
        published_at: str | None,
        window_days: int,
        min_similarity: float,
        exclude: str | None = None,
    ) -> str | None:
        """The id of a recent emitted story this one nearly repeats, if any.

        Candidates share sketch values (an index look-up, ``_near_candidates``); the
        first of them ``nearly_repeats`` is the answer.
        """
        if not print_.sketch:
            return None
        low, high = window(published_at, window_days)
        for candidate in self._near_candidates(print_.sketch[:INDEXED_SIZE], low, high):
            if str(candidate.article_id) == exclude:
                continue
            if nearly_repeats(print_, candidate, min_similarity):
                return str(candidate.article_id)
        return None

    @abstractmethod
    def _near_candidates(self, indexed: list[int], low: str, high: str) -> Iterable[Candidate]:
        """Stories published from ``low`` to ``high`` sharing at least ``MIN_SHARED_SKETCH``
        of the ``indexed`` sketch values: the ``NEAR_CANDIDATES`` sharing most, in order
        (ties: lower id)."""

    # The rest of ``StateStore`` is storage: each store's own.
    @abstractmethod
    def commit(self) -> None: ...
    @abstractmethod
    def was_emitted(self, article_id: str) -> bool: ...
    @abstractmethod
    def remember_emitted(self, item: Story, print_: StoryPrint) -> None: ...
