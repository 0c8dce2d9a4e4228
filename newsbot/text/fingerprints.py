"""Fingerprints of a story's text, for dedupe and boilerplate detection. Pure functions.

- ``body_hash``: the exact story (case, whitespace and punctuation aside).
- ``template_hash``: the story with numbers, dates, day and month names masked, so the
  daily "Gold Rate In Pakistan Today 26 November 2026" stories all look alike.
- ``sketch``: a bottom-k sketch of word 5-shingles. Near-duplicates share most of
  their sketch, which finds candidates in an index; ``edit_similarity`` then decides.
- ``paragraph_hash``: one paragraph, to learn the site's recurring boilerplate.

``StoryPrint`` holds them all for one story, each computed once from one tokenization.

Hashes are stable across processes (blake2b/crc32, never Python's salted ``hash``)
because they are stored and compared across runs.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import struct
import zlib
from collections import Counter
from collections.abc import Hashable, Sequence
from difflib import SequenceMatcher
from itertools import chain
from typing import TypeVar

from newsbot.cached import cached_property

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


#: ASCII bytes -> themselves lower-cased if ``WORD_RE`` matches them (letters, digits,
#: "_": the only ASCII characters ``\w`` matches), else a space (``_ascii_words``).
_ASCII_WORD_BYTES = bytes(
    (byte | 0x20 if chr(byte).isupper() else byte)
    if byte < 0x80 and re.fullmatch(r"\w", chr(byte))
    else 0x20
    for byte in range(256)
)
#: Non-ASCII punctuation common in the site's English prose (curly quotes, dashes): not
#: word characters, so a text whose only non-ASCII characters they are is tokenized as
#: ASCII with them read as spaces.
_PROSE_PUNCTUATION = ("\u2018", "\u2019", "\u201c", "\u201d", "\u2013", "\u2014")


def words(text: str) -> list[str]:
    """Lower-cased word tokens: whitespace and punctuation no longer matter.

    ``WORD_RE.findall(text.lower())``, reached by a byte table for ASCII text (half the
    cost: one translate and one split in C, no regular expression), and for text whose
    only non-ASCII characters are ``_PROSE_PUNCTUATION`` (most of the site's paragraphs).
    The rest, where lower-casing may depend on the characters around (a final sigma),
    takes the expression on the text as it is.
    """
    if text.isascii():
        return _ascii_words(text)
    plain = text
    for mark in _PROSE_PUNCTUATION:
        plain = plain.replace(mark, " ")
    if plain.isascii():
        return _ascii_words(plain)
    return WORD_RE.findall(text.lower())


def _ascii_words(text: str) -> list[str]:
    """``WORD_RE.findall(text.lower())`` of an ASCII ``text``: every character the
    expression does not match becomes a space, letters lower-case; ``split`` cuts the runs."""
    return text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii").split()


def joined_words(text: str) -> bytes:
    """``" ".join(words(text))`` in UTF-8: what a paragraph's hash hashes, and how a story's
    words are kept from its stage to its release (``tallied_paragraphs``).

    Reached as ``words`` reaches its tokens, without making a ``str`` of each word only to
    join and encode them again: an ASCII text's words are split and joined as bytes.
    """
    if not text.isascii():
        plain = text
        for mark in _PROSE_PUNCTUATION:
            plain = plain.replace(mark, " ")
        if not plain.isascii():
            return " ".join(WORD_RE.findall(text.lower())).encode("utf-8")
        text = plain
    return b" ".join(text.encode("ascii").translate(_ASCII_WORD_BYTES).split())


def _split_words(joined: bytes) -> list[bytes]:
    """The words of a ``joined_words`` text (none in an empty one), each in UTF-8."""
    return joined.split(b" ") if joined else []


def _hash64(text: str) -> int:
    """A stable signed 64-bit hash (fits an SQLite INTEGER)."""
    return _hash64_of_bytes(text.encode("utf-8"))


#: A fresh 8-byte blake2b, copied for each hash: cheaper than building one from keyword
#: arguments (a story hashes each of its paragraphs, its body and its template).
_BLAKE2B_8 = hashlib.blake2b(digest_size=8)
#: The digest read as a signed big-endian 64-bit integer (``int.from_bytes(digest, "big",
#: signed=True)``, without its keyword arguments).
_SIGNED_64 = struct.Struct(">q").unpack


def _hash64_of_bytes(data: bytes) -> int:
    """``_hash64`` of the text whose UTF-8 is ``data``."""
    hasher = _BLAKE2B_8.copy()
    hasher.update(data)
    value: int = _SIGNED_64(hasher.digest())[0]
    return value


def body_hash(tokens: list[str]) -> int:
    return _hash64(" ".join(tokens))


def template_hash(title: str, body: str, body_tokens: list[str] | None = None) -> int:
    """The story's text with every number, date word, day and month name masked.

    ``body_tokens``: ``words(body)`` when the caller has them already.
    """
    tokens = words(title) + (words(body) if body_tokens is None else body_tokens)
    return _masked_hash(tokens)


#: Distinct tokens ``_MASKS`` holds at most before it starts over: a site's prose uses a
#: few tens of thousands of words; a hostile page of 100,000 distinct words clears it
#: instead of growing it (an entry is a token already held by a story, and a pointer).
MASKS_KEPT = 50_000


class _Masks(dict[str, str]):
    """token -> its masked form (``"#"`` or the token itself), filled on first sight.

    ``_masked_hash`` maps a story's tokens through it with ``map(masks.__getitem__, ...)``:
    a token seen before (nearly all of them, after a few stories) is one dict look-up in
    C, where the masking test was a Python step per token, a fifth of the release's CPU.
    """

    def __missing__(self, token: str) -> str:
        if len(self) >= MASKS_KEPT:
            self.clear()
        masked = self[token] = (
            "#"
            if token in DATE_WORDS or (token[0].isdecimal() and NUMBER_RE.match(token))
            else token
        )
        return masked


_MASKS = _Masks()


class _EncodedMasks(dict[bytes, bytes]):
    """``_Masks`` for words in UTF-8 (``StoryPrint.template_hash``): a word's masked form
    is the encoding of its ``str`` form's, so the joined result is the same text's UTF-8.
    Bounded as ``_Masks`` is."""

    def __missing__(self, word: bytes) -> bytes:
        if len(self) >= MASKS_KEPT:
            self.clear()
        token = word.decode("utf-8")
        masked = self[word] = (
            b"#"
            if token in DATE_WORDS or (token[0].isdecimal() and NUMBER_RE.match(token))
            else word
        )
        return masked


_ENCODED_MASKS = _EncodedMasks()


def _masked_hash(tokens: list[str]) -> int:
    """``template_hash`` of its tokens: each number (a token starting with a decimal digit
    that ``NUMBER_RE`` matches) and date word masked (``_Masks``)."""
    return _hash64(" ".join(map(_MASKS.__getitem__, tokens)))


def paragraph_hash(paragraph: str) -> int:
    return _hash64_of_bytes(joined_words(paragraph))


#: Bodies a stage tallied, for the release to build their print from: body -> each
#: paragraph's words joined by one space (UTF-8), and its ``paragraph_hash``. The body's
#: characters plus the bytes of its words, at most this many in all (a few MB: a tenth
#: of what the same stories' prints would hold); the oldest tallied are let go first.
TALLIED_KEPT_CHARS = 4_000_000
_TALLIED: dict[str, tuple[list[bytes], list[int], int]] = {}
_tallied_chars = 0


def tallied_paragraphs(body: str) -> tuple[list[bytes], list[int]]:
    """Each paragraph of ``body`` (split on blank lines) as its words joined by one space
    (``joined_words``), and its ``paragraph_hash``; kept for ``StoryPrint.of``.

    A story is tokenized at stage (its paragraph counts) and again at release (its
    print), in the same process in a normal crawl: stories are released at the end of
    the crawl that staged them. Keyed by the body itself, the kept words cannot belong
    to another text; a release in another process (a restart, a Redis worker) finds
    nothing and tokenizes the body, as it did before. A body longer than a sixteenth of
    the budget (a hostile page) is not kept.
    """
    global _tallied_chars
    texts = list(map(joined_words, body.split("\n\n")))
    hashes = list(map(_hash64_of_bytes, texts))
    size = len(body) + sum(map(len, texts))
    if size <= TALLIED_KEPT_CHARS // 16 and body not in _TALLIED:
        _TALLIED[body] = (texts, hashes, size)
        _tallied_chars += size
        while _tallied_chars > TALLIED_KEPT_CHARS:
            _forget_tallied(next(iter(_TALLIED)))
    return texts, hashes


def _forget_tallied(body: str) -> tuple[list[bytes], list[int], int] | None:
    global _tallied_chars
    found = _TALLIED.pop(body, None)
    if found is not None:
        _tallied_chars -= found[2]
    return found


def sketch(tokens: list[str], size: int = SKETCH_SIZE, encoded: bytes | None = None) -> list[int]:
    """The ``size`` smallest crc32 values of the word 5-shingles, ascending.

    ``encoded``: ``" ".join(tokens)`` in UTF-8, when the caller has it (``StoryPrint``).
    """
    if len(tokens) < SHINGLE_SIZE:
        return heapq.nsmallest(size, {zlib.crc32(" ".join(tokens).encode("utf-8"))})
    # The shingles are zip()'s windows, joined and hashed by map(): no Python step per
    # shingle. Their words are the joined text's, split at its spaces: each word encoded
    # once, not once in each of its five shingles (unless a token holds a space).
    parts = (" ".join(tokens).encode("utf-8") if encoded is None else encoded).split(b" ")
    if len(parts) == len(tokens):
        return _sketch_of_words(parts, size)
    shingles = zip(*(tokens[i:] for i in range(SHINGLE_SIZE)), strict=False)
    return _bottom(list(map(zlib.crc32, map(str.encode, map(" ".join, shingles)))), size)


def _sketch_of_words(encoded: list[bytes], size: int = SKETCH_SIZE) -> list[int]:
    """``sketch`` of the tokens whose UTF-8 are ``encoded`` (as ``StoryPrint`` keeps them)."""
    if len(encoded) < SHINGLE_SIZE:
        return heapq.nsmallest(size, {zlib.crc32(b" ".join(encoded))})
    windows = zip(encoded, encoded[1:], encoded[2:], encoded[3:], encoded[4:], strict=False)
    return _bottom(list(map(zlib.crc32, map(b" ".join, windows))), size)


def _bottom(values: list[int], size: int) -> list[int]:
    """The ``size`` smallest distinct ``values`` (crc32 values), ascending."""
    # crc32 values spread evenly over 32 bits: about 2 * size of them fall below
    # ``bound``, and when ``size`` distinct ones do they are the smallest. Sorting those
    # few (picked by filter(), in C) instead of all of them is most of the cost saved;
    # the rare text with too few below the bound sorts them all.
    bound = (2 * size << 32) // len(values)
    if 0 < bound < 1 << 32:
        smallest = _distinct_smallest(sorted(filter(bound.__gt__, values)), size)
        if len(smallest) == size:
            return smallest
    return _distinct_smallest(sorted(values), size)


def _distinct_smallest(ordered: list[int], size: int) -> list[int]:
    """The first ``size`` distinct values of ``ordered`` (sorted, with repeats: cheaper
    than a set of them)."""
    smallest: list[int] = []
    for value in ordered:
        if not smallest or value != smallest[-1]:
            smallest.append(value)
            if len(smallest) == size:
                break
    return smallest


def sketch_resemblance(a: list[int], b: list[int], size: int = SKETCH_SIZE) -> float:
    """Estimated Jaccard resemblance of two texts from their bottom-k sketches: the share
    of the union's ``size`` smallest values that both sketches hold.

    Most candidates share no value outside the indexed few, or none at all: with no
    common value the share is 0 whatever the union, and the union is not sorted.
    """
    values = set(a)
    common = values.intersection(b)
    if not common:
        return 0.0
    values.update(b)
    union_bottom = sorted(values)[:size]  # at most 2 * size: faster than a heap
    return len(common.intersection(union_bottom)) / len(union_bottom)


#: A word as the near-duplicate tests compare it: a ``str`` token, or its UTF-8 (as a
#: ``StoryPrint`` and the stores keep words). Only equality matters, and UTF-8 is one to
#: one: the tests answer alike for a text's tokens and for their encodings.
Word = TypeVar("Word", str, bytes)


def length_bound(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """An upper bound of ``edit_similarity`` from lengths alone: the cheapest test."""
    if not a or not b:
        return 1.0 if a == b else 0.0
    return min(len(a), len(b)) / max(len(a), len(b))


def contained_bound(
    a: list[Word], b: list[Word], a_counts: Counter[Word] | frozenset[Word] | None = None
) -> float:
    """An upper bound of ``similarity_bound``, cheaper still: ``b``'s words found in ``a``.

    Every word the two texts share is one of ``b``'s words that ``a`` has, and is one
    of ``a``'s: their count bounds the shared words from above without counting ``b``.
    ``a_counts``: ``Counter(a)``, or any container of ``a``'s words (``StoryPrint.token_set``).
    """
    if not a or not b:
        return 1.0 if a == b else 0.0
    in_a = (Counter(a) if a_counts is None else a_counts).__contains__
    return min(sum(map(in_a, b)), len(a)) / max(len(a), len(b))


def similarity_bound(a: list[Word], b: list[Word], a_counts: Counter[Word] | None = None) -> float:
    """An upper bound of ``edit_similarity`` from word counts alone (no alignment).

    ``a_counts``: ``Counter(a)`` when the caller has it (a story compared with several
    candidates counts its words once). The words both share, each as often as the text
    that has it less: the same number as ``Counter(a) & Counter(b)``, without building it.
    """
    if not a or not b:
        return 1.0 if a == b else 0.0
    counts_a = Counter(a) if a_counts is None else a_counts
    counts_b = Counter(b)
    common = counts_a.keys() & counts_b.keys()
    shared = sum(map(min, map(counts_a.__getitem__, common), map(counts_b.__getitem__, common)))
    return shared / max(len(a), len(b))


def order_bound(a: list[Word], b: list[Word]) -> float:
    """An upper bound of ``edit_similarity`` from the longest common subsequence (LCS).

    The diff's equal blocks are a common subsequence, so they hold at most the LCS's
    words, and its edits at least the longer text's other words. Texts made of the same
    sentences in another order (a site's stock sentences) share nearly all their words:
    the word-count bounds let them through, and the LCS, a few times cheaper than the
    diff, says no. Written as ``edit_similarity`` is (``1 - edits / longest``), so that
    the LCS of the diff's own matches gives the very same float.

    The LCS by bit-parallel dynamic programming (Hyyrö, 2004): one big integer is the
    row of the table for ``a``, updated once per word of ``b``; its zero bits count
    the LCS.
    """
    if not a or not b:
        return 1.0 if a == b else 0.0
    positions: dict[Word, int] = {}
    for index, word in enumerate(a):
        positions[word] = positions.get(word, 0) | 1 << index
    full = (1 << len(a)) - 1
    row = full
    for word in b:
        matched = row & positions.get(word, 0)
        row = (row + matched) | (row - matched)
    longest = max(len(a), len(b))
    common = len(a) - (row & full).bit_count()
    return 1.0 - (longest - common) / longest


#: Texts longer than this many words are diffed with ``SequenceMatcher``'s autojunk (a
#: word in more than 1% of the other text's places starts no match): without it, the
#: diff of two long texts that repeat their words is quadratic (40,000 words of "alpha
#: beta" against the same plus one word: 86 s; a hostile page's megabytes, hours, in
#: every release that met them as candidates). A story is a few hundred words.
LONG_DIFF_WORDS = 10_000


#: Pairs of equal words, one in each text, that a diff may have to visit at most
#: (``diff_pairs``): the diff's first search alone visits each, about 0.2 s a million, and
#: its later searches visit many again. Two stories of a few hundred words have a few
#: thousand; two of 5,000 words, a few hundred thousand. Autojunk does not bound them:
#: a hostile text cycling through 150 words has no word over 1% of it (20,000 words,
#: 2.7 million pairs, 0.4 s a diff; 120,000 words, 12 s).
MAX_DIFF_PAIRS = 2_000_000


def diff_pairs(a: list[Word], b: list[Word], autojunk: bool) -> int:
    """How many ``(i, j)`` with ``a[i] == b[j]`` the diff searches among: ``b``'s words
    but, with ``autojunk``, those ``SequenceMatcher`` leaves out as popular (more than 1%
    of ``b``'s places, ``b`` of 200 words or more)."""
    counts = Counter(b)
    if autojunk and len(b) >= 200:
        popular = len(b) // 100 + 1
        counts = Counter({word: n for word, n in counts.items() if n <= popular})
    return sum(n * counts[word] for word, n in Counter(a).items() if word in counts)


def edit_similarity(a: list[Word], b: list[Word]) -> float:
    """1 - (words replaced, inserted or deleted) / (longer text's length).

    Two texts whose diff would visit over ``MAX_DIFF_PAIRS`` pairs of equal words (only a
    hostile page's: thousands of words cycling through a few) are not diffed: their
    similarity is 0, so neither is dropped as the other's near-duplicate on a guess. (The
    count is asked only when the lengths allow so many.)
    """
    if not a or not b:
        return 1.0 if a == b else 0.0
    autojunk = max(len(a), len(b)) > LONG_DIFF_WORDS
    if len(a) * len(b) > MAX_DIFF_PAIRS and diff_pairs(a, b, autojunk) > MAX_DIFF_PAIRS:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=autojunk)
    edits = sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )
    return 1.0 - edits / max(len(a), len(b))


class StoryPrint:
    """Every fingerprint of one story, from one tokenization, each computed once.

    The body is tokenized paragraph by paragraph (``words`` of the whole body is their
    concatenation: paragraphs are separated by non-word characters), so the paragraph
    hashes the boilerplate stripping needs and the body's tokens come from one pass; a
    body stripped of paragraphs gets its print from the kept ones (``keeping``) without
    tokenizing again. The hashes and the sketch are computed when first asked for.

    A print made by ``of`` keeps each paragraph's words joined (``joined_words``, UTF-8),
    as its stage tallied them: the hashes, the sketch, the packed words and the
    near-duplicate tests all work on the words' UTF-8 (``encoded_words``), split once from
    the joined text; ``tokens`` (``str``) are made only when asked for. A print made from
    tokens (``StoryPrint(title_tokens, paragraph_tokens)``) gives the same answers.
    """

    def __init__(self, title_tokens: list[str], paragraph_tokens: Sequence[list[str]]):
        # Set in the instance's dict: for a print ``of`` a text they are cached properties.
        vars(self).update(title_tokens=title_tokens, paragraph_tokens=paragraph_tokens)
        #: The title's and each paragraph's ``joined_words`` (None: made from tokens).
        self._title_text: bytes | None = None
        self._texts: Sequence[bytes] | None = None

    @classmethod
    def of(cls, title: str, body: str) -> StoryPrint:
        """The print of a story; its body's words from its stage when kept there
        (``tallied_paragraphs``), taken out once used, else tokenized here."""
        tallied = _forget_tallied(body)
        if tallied is None:
            return cls._of_texts(joined_words(title), list(map(joined_words, body.split("\n\n"))))
        texts, hashes, _ = tallied
        print_ = cls._of_texts(joined_words(title), texts)
        print_.__dict__["paragraph_hashes"] = hashes  # the cached property, as computed
        return print_

    @classmethod
    def _of_texts(cls, title: bytes, texts: Sequence[bytes]) -> StoryPrint:
        """The print of the title and paragraphs whose ``joined_words`` these are."""
        print_ = cls.__new__(cls)
        print_._title_text, print_._texts = title, texts
        return print_

    def keeping(self, keep: Sequence[bool]) -> StoryPrint:
        """The print of the body made of the paragraphs whose ``keep`` is true."""
        if self._texts is not None and self._title_text is not None:
            texts = [text for text, kept in zip(self._texts, keep, strict=True) if kept]
            return StoryPrint._of_texts(self._title_text, texts or [b""])
        kept = [tokens for tokens, kept in zip(self.paragraph_tokens, keep, strict=True) if kept]
        return StoryPrint(self.title_tokens, kept or [[]])

    @cached_property
    def title_tokens(self) -> list[str]:
        """The title's tokens (a print ``of`` a text: read from its joined words)."""
        assert self._title_text is not None
        title = self._title_text.decode("utf-8")
        return title.split(" ") if title else []

    @cached_property
    def paragraph_tokens(self) -> Sequence[list[str]]:
        """Each paragraph's tokens (a print ``of`` a text: read from its joined words)."""
        assert self._texts is not None
        return [text.decode("utf-8").split(" ") if text else [] for text in self._texts]

    @cached_property
    def tokens(self) -> list[str]:
        return list(chain.from_iterable(self.paragraph_tokens))

    @cached_property
    def paragraph_hashes(self) -> list[int]:
        """``paragraph_hash`` of each paragraph, in order."""
        if self._texts is not None:
            return list(map(_hash64_of_bytes, self._texts))
        return [_hash64(" ".join(tokens)) for tokens in self.paragraph_tokens]

    @cached_property
    def encoded_text(self) -> bytes:
        """Its words joined by one space, in UTF-8: what ``body_hash`` hashes and
        ``pack_tokens`` stores, joined and encoded once for both."""
        if self._texts is not None:  # an empty paragraph adds no word, nor a space
            return b" ".join(filter(None, self._texts))
        return " ".join(self.tokens).encode("utf-8")

    @cached_property
    def encoded_words(self) -> list[bytes]:
        """``tokens``, each in UTF-8: split from ``encoded_text`` (one call in C) when that
        gives them, which it does unless a token given holds a space or is empty (never
        one of ``words``')."""
        encoded = _split_words(self.encoded_text)
        if self._texts is None and len(encoded) != len(self.tokens):
            encoded = [token.encode("utf-8") for token in self.tokens]
        return encoded

    @cached_property
    def body_hash(self) -> int:
        """``body_hash(self.tokens)``."""
        return _hash64_of_bytes(self.encoded_text)

    @cached_property
    def packed_tokens(self) -> bytes:
        """``pack_tokens(self.tokens)``, as the stores keep a recent story's words."""
        return zlib.compress(self.encoded_text, 0)

    @cached_property
    def packed_sketch(self) -> bytes:
        """``pack_sketch(self.sketch)``."""
        return pack_sketch(self.sketch)

    @cached_property
    def template_hash(self) -> int:
        """``_masked_hash(self.title_tokens + self.tokens)``: masked word by word in UTF-8
        (``_EncodedMasks``), joined and hashed as they are."""
        if self._title_text is not None:
            title = _split_words(self._title_text)
        else:
            title = [token.encode("utf-8") for token in self.title_tokens]
        return _hash64_of_bytes(
            b" ".join(map(_ENCODED_MASKS.__getitem__, title + self.encoded_words))
        )

    @cached_property
    def sketch(self) -> list[int]:
        return _sketch_of_words(self.encoded_words)

    @cached_property
    def token_set(self) -> frozenset[bytes]:
        """Its distinct words (``encoded_words``): ``contained_bound``'s side of this story
        (a set is built in a third of a ``Counter``'s time, and most candidates go no
        further)."""
        return frozenset(self.encoded_words)

    @cached_property
    def token_counts(self) -> Counter[bytes]:
        """How often each word (``encoded_words``) occurs: ``similarity_bound``'s side."""
        return Counter(self.encoded_words)


def pack_tokens(tokens: list[str]) -> bytes:
    """The tokens of a recent story, kept to verify near-duplicates: zlib level 0.

    Stored, not compressed: level 6 cost a quarter of remembering a story (25 us for
    1 KB of words) to save about 0.5 KB a story, over the near-duplicate window only.
    The zlib framing stays, so states written at any level read alike
    (``zlib.decompress`` reads them all), and an older version reads these.
    """
    return zlib.compress(" ".join(tokens).encode("utf-8"), 0)


def unpack_tokens(blob: bytes) -> list[str]:
    return zlib.decompress(blob).decode("utf-8").split(" ")


def unpack_words(blob: bytes) -> list[bytes]:
    """``unpack_tokens(blob)``, each token in UTF-8 (as ``StoryPrint.encoded_words``).

    The text is decoded all the same, so that a row that is no UTF-8 fails as it does
    in ``unpack_tokens``; only the ``str`` of each word is not made.
    """
    text = zlib.decompress(blob)
    text.decode("utf-8")
    return text.split(b" ")


def pack_sketch(values: list[int]) -> bytes:
    """Each value as 4 bytes, big-endian (crc32 values: unsigned 32-bit)."""
    return struct.pack(f">{len(values)}I", *values)


def unpack_sketch(blob: bytes) -> list[int]:
    return list(struct.unpack(f">{len(blob) // 4}I", blob))
