"""Fingerprints of a story's text, for dedupe and boilerplate detection. Pure functions.

- ``body_hash``: the exact story (case, whitespace and punctuation aside).
- ``template_hash``: the story with numbers, dates, day and month names masked, so the
  daily "Gold Rate In Pakistan Today 26 November 2026" stories all look alike.
- ``sketch``: a bottom-k sketch of word 5-shingles. Near-duplicates share most of
  their sketch, which finds candidates in an index; ``edit_similarity`` then decides.
- ``paragraph_hash``: one paragraph, to learn the site's recurring boilerplate.

Hashes are stable across processes (blake2b/crc32, never Python's salted ``hash``)
because they are stored and compared across runs.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

WORD_RE = re.compile(r"\w+", re.UNICODE)
NUMBER_RE = re.compile(r"^\d+(?:st|nd|rd|th)?$")
DATE_WORDS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "monday tuesday wednesday thursday friday saturday sunday "
    "mon tue tues wed thu thur thurs fri sat sun today yesterday tomorrow".split()
)
SHINGLE_SIZE = 5
SKETCH_SIZE = 16
#: How many of the smallest sketch values are indexed to find near-duplicate candidates.
INDEXED_SIZE = 8


def words(text: str) -> list[str]:
    """Lower-cased word tokens: whitespace and punctuation no longer matter."""
    return WORD_RE.findall(text.lower())


def _hash64(text: str) -> int:
    """A stable signed 64-bit hash (fits an SQLite INTEGER)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def body_hash(tokens: list[str]) -> int:
    return _hash64(" ".join(tokens))


def template_hash(title: str, body: str, body_tokens: list[str] | None = None) -> int:
    """The story's text with every number, date word, day and month name masked.

    ``body_tokens``: ``words(body)`` when the caller has them already.
    """
    tokens = words(title) + (words(body) if body_tokens is None else body_tokens)
    masked = ["#" if token in DATE_WORDS or NUMBER_RE.match(token) else token for token in tokens]
    return _hash64(" ".join(masked))


def paragraph_hash(paragraph: str) -> int:
    return _hash64(" ".join(words(paragraph)))


def sketch(tokens: list[str], size: int = SKETCH_SIZE) -> list[int]:
    """The ``size`` smallest crc32 values of the word 5-shingles, ascending."""
    n = SHINGLE_SIZE
    shingles = (
        {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}
        if len(tokens) >= n
        else {" ".join(tokens)}
    )
    return heapq.nsmallest(size, {zlib.crc32(s.encode("utf-8")) for s in shingles})


def sketch_resemblance(a: list[int], b: list[int], size: int = SKETCH_SIZE) -> float:
    """Estimated Jaccard resemblance of two texts from their bottom-k sketches."""
    union_bottom = sorted(set(a) | set(b))[:size]  # at most 2 * size: faster than a heap
    if not union_bottom:
        return 0.0
    common = set(a) & set(b)
    return sum(1 for value in union_bottom if value in common) / len(union_bottom)


def length_bound(a: list[str], b: list[str]) -> float:
    """An upper bound of ``edit_similarity`` from lengths alone: the cheapest test."""
    if not a or not b:
        return 1.0 if a == b else 0.0
    return min(len(a), len(b)) / max(len(a), len(b))


def similarity_bound(a: list[str], b: list[str]) -> float:
    """An upper bound of ``edit_similarity`` from word counts alone (no alignment)."""
    if not a or not b:
        return 1.0 if a == b else 0.0
    shared = sum((Counter(a) & Counter(b)).values())
    return shared / max(len(a), len(b))


def edit_similarity(a: list[str], b: list[str]) -> float:
    """1 - (words replaced, inserted or deleted) / (longer text's length)."""
    if not a or not b:
        return 1.0 if a == b else 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    edits = sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )
    return 1.0 - edits / max(len(a), len(b))


@dataclass(frozen=True)
class StoryPrint:
    """Every fingerprint of one story, computed once."""

    tokens: list[str]
    body_hash: int
    template_hash: int
    sketch: list[int]

    @classmethod
    def of(cls, title: str, body: str) -> StoryPrint:
        tokens = words(body)
        return cls(tokens, body_hash(tokens), template_hash(title, body, tokens), sketch(tokens))


def pack_tokens(tokens: list[str]) -> bytes:
    """Compressed tokens, kept for recent stories to verify near-duplicates."""
    return zlib.compress(" ".join(tokens).encode("utf-8"), 6)


def unpack_tokens(blob: bytes) -> list[str]:
    return zlib.decompress(blob).decode("utf-8").split(" ")


def pack_sketch(values: list[int]) -> bytes:
    return b"".join(v.to_bytes(4, "big") for v in values)


def unpack_sketch(blob: bytes) -> list[int]:
    return [int.from_bytes(blob[i : i + 4], "big") for i in range(0, len(blob), 4)]
