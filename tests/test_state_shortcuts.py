"""The state's shortcuts give the answers of their definitions.

Dedupe and boilerplate decisions are made cheaply (candidates counted in memory, bounds
before the word-level diff, a substring test before the promo expression); each is
compared here with the slow path it stands for, on many cases, so that a shortcut that
changes one decision fails.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import random
import re
import sqlite3
import sys
import zlib
from collections import Counter
from pathlib import Path

import pytest

import newsbot.state.base as state_base
import newsbot.state.sqlite as sqlite_store
from newsbot.items import Story
from newsbot.state.base import (
    MIN_RESEMBLANCE,
    PROMO_RE,
    PROMO_STEMS,
    Candidate,
    candidate_words,
    looks_like_promo,
    nearly_repeats,
    window,
)
from newsbot.state.guard import GuardedConnection, StateUnusable
from newsbot.state.sqlite import SqliteStateStore
from newsbot.text import fingerprints
from newsbot.text.fingerprints import (
    INDEXED_SIZE,
    StoryPrint,
    contained_bound,
    edit_similarity,
    order_bound,
    pack_sketch,
    pack_tokens,
    similarity_bound,
    sketch,
    sketch_resemblance,
    unpack_sketch,
    unpack_tokens,
    words,
)

DAYS = [f"2026-01-{day:02d}T09:00:00+05:00" for day in range(1, 29)]


def crafted(
    article_id: int, sketch: list[int], published_at: str | None, version: int = 0
) -> tuple[Story, StoryPrint]:
    """A story whose indexed sketch values are ``sketch`` (few values: many stories share)."""
    item = Story(article_id=str(article_id), title=f"Story {article_id}", published_at=published_at)
    item.set_body(f"body of story {article_id} " * (10 + version))
    print_ = StoryPrint.of(item.title or "", item.body or "")
    print_.__dict__["sketch"] = sketch  # the cached property, set as it would be computed
    return item, print_


def candidate_ids(candidates: list[Candidate]) -> list[int]:
    return [candidate.article_id for candidate in candidates]


@pytest.mark.parametrize("seed", range(6))
def test_candidates_counted_in_memory_are_the_sql_ones(tmp_path: Path, seed: int) -> None:
    """Stories remembered, new versions, prunes and another connection's commits, asked
    from many windows: the in-memory count ranks exactly the candidates SQL ranks, and
    the rows kept in memory are the table's (a new version's words, not the old ones)."""
    rng = random.Random(seed)
    store = SqliteStateStore(tmp_path / "s.sqlite3")
    other = SqliteStateStore(tmp_path / "s.sqlite3")
    pool = list(range(1, 25))  # few values: most stories share several
    try:
        for step in range(400):
            action = rng.random()
            if action < 0.55:
                article_id = rng.randrange(1, 300)
                published = rng.choice([*DAYS, None])
                item, print_ = crafted(
                    article_id, sorted(rng.sample(pool, 16)), published, rng.randrange(5)
                )
                if rng.random() < 0.2:
                    store.retire_body(str(article_id))  # a new version of the story
                store.remember_emitted(item, print_)
            elif action < 0.6:
                store.commit()
                item, print_ = crafted(
                    rng.randrange(1, 400),
                    sorted(rng.sample(pool, 16)),
                    rng.choice(DAYS),
                    rng.randrange(5),
                )
                other.remember_emitted(item, print_)  # another connection writes...
                other.commit()  # ...and commits: what this store holds in memory is stale
            elif action < 0.62:
                store.prune(rng.choice([3, 7, 14]))
            indexed = sorted(rng.sample(pool, rng.randrange(1, INDEXED_SIZE + 1)))
            low, high = window(rng.choice([*DAYS, None]), rng.choice([0, 2, 14]))
            fast = store._near_candidates(indexed, low, high)
            slow = store._near_candidates_sql(indexed, low, high)
            assert candidate_ids(fast) == candidate_ids(slow), f"step {step}: {indexed} {low}.."
            assert fast == slow, f"step {step}: a row kept in memory is not the table's"
        assert any(store._postings.values()), "the in-memory count was used"
        assert store._recent_rows, "rows were kept in memory"
    finally:
        other.close()
        store.close()


def variant(rng: random.Random, tokens: list[str]) -> list[str]:
    """``tokens`` with a few words replaced, inserted, deleted or moved."""
    changed = list(tokens)
    for _ in range(rng.randrange(0, max(2, len(tokens) // 6))):
        at = rng.randrange(max(len(changed), 1))
        kind = rng.random()
        if kind < 0.4 and changed:
            changed[at] = f"x{rng.randrange(50)}"
        elif kind < 0.7:
            changed.insert(at, f"y{rng.randrange(50)}")
        elif changed:
            del changed[at]
    if rng.random() < 0.2 and len(changed) > 10:  # a paragraph moved
        cut = rng.randrange(len(changed))
        changed = changed[cut:] + changed[:cut]
    return changed


def slow_nearly_repeats(
    mine: StoryPrint, theirs: StoryPrint, words: int, min_similarity: float
) -> bool:
    """The definition: lengths, sketch resemblance, then the word-level diff decides."""
    size = len(mine.tokens)
    if words and min(words, size) < min_similarity * max(words, size):
        return False
    if sketch_resemblance(mine.sketch, theirs.sketch) < MIN_RESEMBLANCE:
        return False
    # the candidate's words as the store gives them back (an empty text is one empty word)
    return edit_similarity(mine.tokens, unpack_tokens(pack_tokens(theirs.tokens))) >= min_similarity


def test_near_duplicate_decisions_are_the_diffs() -> None:
    """Over thousands of pairs, from copies to strangers: the bounds only skip diffs
    that would have said no."""
    rng = random.Random(18)
    vocabulary = [f"w{i}" for i in range(60)]
    decided = Counter[bool]()
    for _ in range(3000):
        base = [rng.choice(vocabulary) for _ in range(rng.randrange(0, 80))]
        other = variant(rng, base) if rng.random() < 0.8 else [rng.choice(vocabulary) for _ in base]
        mine, theirs = StoryPrint([], [base]), StoryPrint([], [other])
        words = len(other) if rng.random() < 0.8 else 0  # 0: unknown (Redis)
        candidate = Candidate(1, words, pack_sketch(theirs.sketch), pack_tokens(theirs.tokens))
        for min_similarity in (0.5, 0.8, 0.9):
            expected = slow_nearly_repeats(mine, theirs, words, min_similarity)
            assert nearly_repeats(mine, candidate, min_similarity) == expected, (base, other)
            decided[expected] += 1
        edit = edit_similarity(base, other)
        exact = sum((Counter(base) & Counter(other)).values()) / max(len(base), len(other), 1)
        if base and other:
            assert similarity_bound(base, other) == exact
            assert similarity_bound(base, other, Counter(base)) == exact
        # x / n against 1 - (n - x) / n: equal but for the last bit of a float
        assert contained_bound(base, other) >= similarity_bound(base, other) >= edit - 1e-12
        assert similarity_bound(base, other) >= order_bound(base, other) - 1e-12
        assert order_bound(base, other) >= edit  # written as the diff's: no last bit lost
    assert decided[True] > 500 and decided[False] > 500, decided


def test_unpacked_sketches_are_the_packed_values() -> None:
    values = [0, 1, 2**31, 2**32 - 1, 12345]
    assert unpack_sketch(pack_sketch(values)) == values
    assert unpack_sketch(b"") == []


def test_packed_prints_are_the_stored_formats() -> None:
    """The bytes a print packs for the stores are the formats older states hold: each
    sketch value in 4 big-endian bytes, the words joined by a space in a level-0 zlib
    stream; the body hash is the hash of the same words."""
    rng = random.Random(4)
    for _ in range(300):
        body = "\n\n".join(
            " ".join(rng.choice(["Café", "said", "٣٤", "the", "İş", "x"]) for _ in range(n))
            for n in range(rng.randrange(1, 5))
        )
        print_ = StoryPrint.of("Title", body)
        joined = " ".join(print_.tokens).encode("utf-8")
        assert print_.packed_sketch == b"".join(v.to_bytes(4, "big") for v in print_.sketch)
        assert print_.packed_tokens == zlib.compress(joined, 0) == pack_tokens(print_.tokens)
        digest = hashlib.blake2b(joined, digest_size=8).digest()
        assert print_.body_hash == int.from_bytes(digest, "big", signed=True)
    values = [0, 1, 2**31, 2**32 - 1, 12345]
    assert pack_sketch(values) == b"".join(v.to_bytes(4, "big") for v in values)


def ignorecase_variants() -> dict[str, list[str]]:
    letters = sorted(set("".join(PROMO_STEMS)) - {" "})
    any_letter = re.compile(f"[{''.join(letters)}]", re.IGNORECASE)
    variants: dict[str, list[str]] = {letter: [] for letter in letters}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if any_letter.fullmatch(char):
            for letter in letters:
                if re.fullmatch(letter, char, re.IGNORECASE):
                    variants[letter].append(char)
    return variants


def test_promo_prefilter_sees_every_promo() -> None:
    """The stems are found in the case fold wherever the expression matches: checked on
    every character the expression takes for a stem's letter, and on promos spelt with
    them, beside ordinary and near-miss paragraphs."""
    variants = ignorecase_variants()
    for chars in variants.values():
        for char in chars:
            folded = looks_like_promo(f"please {'sign up'.replace('i', char)} today")
            assert folded == bool(PROMO_RE.search(f"please {'sign up'.replace('i', char)} today"))
            assert (
                len(char.translate(str.maketrans({"\u0130": "i", "\u0131": "i"})).casefold()) >= 1
            )
    rng = random.Random(7)
    words = [word.replace(r"\w*", "ing") for word in PROMO_RE.pattern[3:-3].split("|")]
    fillers = [
        "the",
        "minister",
        "said",
        "Follows",
        "clicked",
        "sign",
        "up",
        "news",
        "-",
        ",",
        "app",
    ]
    checked = Counter[bool]()
    for _ in range(4000):
        parts = [rng.choice(fillers) for _ in range(rng.randrange(0, 6))]
        if rng.random() < 0.6:
            word = rng.choice(words)
            spelt = "".join(
                rng.choice(variants.get(char, [char])) if rng.random() < 0.5 else char
                for char in word
            )
            parts.insert(rng.randrange(len(parts) + 1), spelt)
        paragraph = rng.choice([" ", "", "_", "-"]).join(parts)
        expected = bool(PROMO_RE.search(paragraph))
        assert looks_like_promo(paragraph) == expected, paragraph
        checked[expected] += 1
    assert checked[True] > 500 and checked[False] > 500, checked


def defined_resemblance(a: list[int], b: list[int], size: int = 16) -> float:
    """The definition: the share of the union's ``size`` smallest values both sketches hold."""
    union_bottom = sorted(set(a) | set(b))[:size]
    if not union_bottom:
        return 0.0
    common = set(a) & set(b)
    return sum(1 for value in union_bottom if value in common) / len(union_bottom)


def test_sketch_resemblance_is_its_definition() -> None:
    """Sketches from disjoint to equal, short ones and empty ones."""
    rng = random.Random(3)
    seen = Counter[bool]()
    for _ in range(5000):
        pool = range(rng.choice([20, 40, 400]))
        a = sorted(rng.sample(pool, rng.randrange(0, 17)))
        b = sorted(rng.sample(pool, rng.randrange(0, 17)))
        assert sketch_resemblance(a, b) == defined_resemblance(a, b), (a, b)
        seen[sketch_resemblance(a, b) > 0] += 1
    assert seen[True] > 1000 and seen[False] > 1000, seen


def defined_sketch(tokens: list[str], size: int = 16) -> list[int]:
    """The definition: the ``size`` smallest crc32 values of the UTF-8 5-shingles."""
    shingles = {" ".join(tokens[i : i + 5]) for i in range(max(len(tokens) - 4, 1))}
    return heapq.nsmallest(size, {zlib.crc32(shingle.encode("utf-8")) for shingle in shingles})


def test_sketch_is_its_definition() -> None:
    """Texts short and long, with repeated shingles (a value counted once) and words
    beyond ASCII: the stored values are the definition's."""
    rng = random.Random(5)
    vocabulary = [
        "the",
        "minister",
        "said",
        "café",
        "zürich",
        "٣٤",
        "über",
        "x",
        "\u0131\u015f\u0131k",
    ]
    for _ in range(3000):
        tokens = [rng.choice(vocabulary[: rng.randrange(1, 10)]) for _ in range(rng.randrange(80))]
        for size in (1, 8, 16, 40):
            assert sketch(tokens, size) == defined_sketch(tokens, size), tokens
    for _ in range(300):  # long texts: the values under the bound, sorted alone
        tokens = [f"w{rng.randrange(rng.choice([20, 5000]))}" for _ in range(rng.randrange(900))]
        for size in (1, 16, 40):
            assert sketch(tokens, size) == defined_sketch(tokens, size), tokens


def test_words_are_the_expressions_tokens() -> None:
    """``words`` answers as ``WORD_RE.findall(text.lower())`` (its definition) on every
    path: ASCII text (every ASCII character), text whose only non-ASCII characters are
    curly quotes and dashes, and text with others, where a curly apostrophe beside a
    sigma decides its lower case (final or not) and must not be read as a space."""
    defined = fingerprints.WORD_RE
    for code in range(128):
        text = f"Ab{chr(code)}C9_d {chr(code)}"
        assert words(text) == defined.findall(text.lower()), repr(text)
    alphabet = [
        *"aZ09_ .,'-\t\n\x0b\x1c\x1f\x7f",
        *"\u2018\u2019\u201c\u201d\u2013\u2014",  # read as spaces when all else is ASCII
        *"\u03a3\u0130\u00e9\u00a0\u2028\u0663\u2026\u00df\u1e9e",  # sigma, dotted I, ...
    ]
    rng = random.Random(11)
    for _ in range(20000):
        picks = alphabet[: rng.choice([20, 26, len(alphabet)])]
        text = "".join(rng.choice(picks) for _ in range(rng.randrange(12)))
        assert words(text) == defined.findall(text.lower()), repr(text)
    for text in ("A\u03a3\u2019B", "\u03a3\u2019s", "O\u2019\u03a3", "\u2014\u03a3\u2014"):
        assert words(text) == defined.findall(text.lower()), repr(text)


def test_a_prints_utf8_words_give_the_tokens_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A print ``of`` a story works on its words in UTF-8, split from the joined text
    (``joined_words``, ``encoded_words``), and makes ``str`` tokens only when asked: every
    fingerprint, the words kept for the candidates and every near-duplicate decision are
    those the tokens give by their definitions (non-ASCII words, a final sigma, masked
    numbers in other digits, empty paragraphs, a body of nothing but punctuation), whether
    the body was tallied at stage or not, stripped of paragraphs or not, and for a print
    made from tokens too (the memo of masks starting over on the way)."""
    monkeypatch.setattr(fingerprints, "MASKS_KEPT", 40)
    monkeypatch.setattr(fingerprints, "_ENCODED_MASKS", fingerprints._EncodedMasks())
    rng = random.Random(21)
    vocabulary = [
        *"the minister said on Monday that 2nd 26th ٣٤ ٣rd 3x Ünal İstanbul ΟΔΟΣ".split(),
        "Jan.",
        "café",
        "x_y",
        "\u2019s",
        "\u2014",
        "«quote»",
        "!!",
        "",
        " ",
    ]
    for case in range(600):
        paragraphs = [
            " ".join(rng.choice(vocabulary) for _ in range(rng.randrange(12)))
            for _ in range(rng.randrange(1, 6))
        ]
        body, title = "\n\n".join(paragraphs), " ".join(rng.sample(vocabulary, 3))
        if case % 2:
            state_base.paragraph_tally(body)  # tallied at stage: its words kept
        print_ = StoryPrint.of(title, body)
        tokens = words(body)
        assert fingerprints.joined_words(body) == " ".join(tokens).encode("utf-8")
        assert print_.encoded_words == [token.encode("utf-8") for token in tokens], body
        assert print_.template_hash == defined_template_hash(words(title) + tokens), body
        assert print_.sketch == defined_sketch(tokens), body
        assert print_.paragraph_hashes == [
            fingerprints._hash64(" ".join(words(p))) for p in paragraphs
        ]
        assert print_.packed_tokens == pack_tokens(tokens)
        unpacked = unpack_tokens(print_.packed_tokens)  # an empty text is one empty word
        assert candidate_words(print_.packed_tokens) == [word.encode("utf-8") for word in unpacked]
        assert print_.tokens == tokens and print_.title_tokens == words(title)
        keep = [rng.random() < 0.6 for _ in paragraphs]
        kept = print_.keeping(keep)
        plain = StoryPrint(
            words(title), [words(p) for p, k in zip(paragraphs, keep, strict=True) if k] or [[]]
        )
        for fingerprint in ("encoded_words", "template_hash", "sketch", "body_hash", "tokens"):
            assert getattr(kept, fingerprint) == getattr(plain, fingerprint), (fingerprint, body)
        other = StoryPrint.of(title, "\n\n".join(rng.sample(paragraphs, len(paragraphs))))
        candidate = Candidate(1, len(other.tokens), other.packed_sketch, other.packed_tokens)
        for min_similarity in (0.5, 0.9):
            expected = slow_nearly_repeats(print_, other, len(other.tokens), min_similarity)
            assert nearly_repeats(print_, candidate, min_similarity) == expected, body


def test_sketch_of_tokens_holding_spaces_is_its_definition() -> None:
    """The sketch hashes shingles of the joined text's words split at its spaces; tokens
    holding a space (never ``words``', but ``sketch`` takes any) give the definition's
    values too, as does a print's sketch from its encoded text."""
    rng = random.Random(9)
    vocabulary = ["the", "two words", " ", "", "café", "x y z"]
    for _ in range(2000):
        tokens = [rng.choice(vocabulary) for _ in range(rng.randrange(30))]
        encoded = " ".join(tokens).encode("utf-8")
        for size in (1, 16):
            assert sketch(tokens, size) == defined_sketch(tokens, size), tokens
            assert sketch(tokens, size, encoded) == defined_sketch(tokens, size), tokens
    print_ = StoryPrint.of("T", "Two words\n\nand five more words here, café")
    assert print_.sketch == defined_sketch(print_.tokens)


def test_candidate_words_are_the_packed_words_and_stay_bounded() -> None:
    """Short texts asked again and again, and long ones: every answer is the packed text's
    words, the packed texts kept never pass their budget, and a long one is not kept."""
    rng = random.Random(11)
    texts = [
        [f"w{rng.randrange(99)}" for _ in range(rng.choice([5, 300, 3000, 12_000, 30_000]))]
        for _ in range(150)
    ]
    packed = [pack_tokens(tokens) for tokens in texts]
    evicted = 0
    for _ in range(3000):
        at = rng.randrange(len(texts))
        before = len(state_base._UNPACKED)
        assert candidate_words(packed[at]) == [word.encode("utf-8") for word in texts[at]]
        kept = sum(map(len, state_base._UNPACKED))
        assert kept == state_base._unpacked_bytes <= state_base.UNPACKED_KEPT_BYTES
        if len(packed[at]) > state_base.UNPACKED_KEPT_BYTES // 16:
            assert packed[at] not in state_base._UNPACKED
        evicted += len(state_base._UNPACKED) <= before
    assert state_base._UNPACKED and evicted > 100, "texts were kept, and let go"


def test_a_print_property_is_computed_once() -> None:
    """``StoryPrint`` keeps each property (``newsbot.cached.cached_property``, tested in
    test_parse_cpu.py) from its first read."""
    story = StoryPrint.of("A title", "One paragraph.\n\nAnother one.")
    assert story.tokens is story.tokens and story.sketch is story.sketch


def defined_lcs(a: list[str], b: list[str]) -> int:
    """The longest common subsequence's length, by the textbook table."""
    row = [0] * (len(b) + 1)
    for word in a:
        diagonal = 0
        for j, other in enumerate(b, 1):
            diagonal, row[j] = row[j], diagonal + 1 if word == other else max(row[j], row[j - 1])
    return row[-1]


def test_order_bound_is_the_longest_common_subsequence() -> None:
    """The bit-parallel LCS is the table's, from equal texts to strangers, sentences
    moved, and one text empty."""
    rng = random.Random(21)
    for _ in range(1500):
        vocabulary = [f"w{i}" for i in range(rng.choice([2, 5, 30]))]
        a = [rng.choice(vocabulary) for _ in range(rng.randrange(0, 90))]
        b = variant(rng, a) if rng.random() < 0.7 else [rng.choice(vocabulary) for _ in a]
        longest = max(len(a), len(b))
        expected = 1.0 - (longest - defined_lcs(a, b)) / longest if a and b else float(a == b)
        assert order_bound(a, b) == expected, (a, b)
        assert order_bound(a, b) >= edit_similarity(a, b)


def test_a_long_text_is_not_bounded_by_its_subsequence(monkeypatch: pytest.MonkeyPatch) -> None:
    """The LCS bound holds a bit per position for each distinct word: a long text goes
    to the diff without it, with the same answer."""
    rng = random.Random(4)
    vocabulary = [f"w{i}" for i in range(400)]
    tokens = [rng.choice(vocabulary) for _ in range(state_base.ORDER_BOUND_WORDS + 1)]
    other = list(tokens)
    for at in rng.sample(range(len(other)), 50):
        other[at] = "changed"
    mine, theirs = StoryPrint([], [tokens]), StoryPrint([], [other])
    candidate = Candidate(1, len(other), pack_sketch(theirs.sketch), pack_tokens(other))
    assert nearly_repeats(mine, candidate, 0.9)  # with the bound: 50 words changed

    def refused(a: list[str], b: list[str]) -> float:
        raise AssertionError("order_bound ran on a long text")

    monkeypatch.setattr(state_base, "order_bound", refused)
    assert nearly_repeats(mine, candidate, 0.9)
    short, short_other = StoryPrint([], [tokens[:500]]), StoryPrint([], [other[:500]])
    short_candidate = Candidate(
        1, 500, pack_sketch(short_other.sketch), pack_tokens(short_other.tokens)
    )
    with pytest.raises(AssertionError, match="order_bound ran"):
        nearly_repeats(short, short_candidate, 0.9)
    # a short story and a long candidate (a low NEWSBOT_NEAR_DUPLICATE_SIMILARITY)
    long = StoryPrint([], [short.tokens * 21])
    long_candidate = Candidate(1, 0, pack_sketch(long.sketch), pack_tokens(long.tokens))
    assert nearly_repeats(short, long_candidate, 0.01) == slow_nearly_repeats(short, long, 0, 0.01)


@pytest.mark.parametrize("seed", range(3))
def test_recent_rows_held_in_memory_stay_within_their_budget(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Short and long stories asked for again and again: the rows held never pass their
    byte budget, a long one is never held, and every answer is the table's."""
    # Words are packed at zlib level 0 (``pack_tokens``): a short story's row is about
    # 35 bytes, a long one's 294 to 310: some long ones are held, some never.
    monkeypatch.setattr(sqlite_store, "RECENT_ROWS_KEPT_BYTES", 3000)
    monkeypatch.setattr(sqlite_store, "RECENT_ROW_KEPT_MAX_BYTES", 304)
    rng = random.Random(seed)
    store = SqliteStateStore(tmp_path / "s.sqlite3")
    pool = list(range(1, 25))
    evicted = False
    try:
        for step in range(300):
            item = Story(article_id=str(rng.randrange(1, 200)), title="t", published_at=DAYS[0])
            item.set_body(" ".join(f"w{rng.randrange(999)}" for _ in range(rng.choice([5, 60]))))
            print_ = StoryPrint.of(item.title or "", item.body or "")
            print_.__dict__["sketch"] = sorted(rng.sample(pool, 16))
            store.remember_emitted(item, print_)
            indexed = sorted(rng.sample(pool, INDEXED_SIZE))
            before = set(store._recent_rows)
            fast = store._near_candidates(indexed, "", "\uffff")
            assert fast == store._near_candidates_sql(indexed, "", "\uffff"), f"step {step}"
            rows = store._recent_rows.values()
            held = sum(len(row.packed_tokens) for row in rows)
            assert held == store._recent_rows_bytes <= sqlite_store.RECENT_ROWS_KEPT_BYTES
            assert all(len(row.packed_tokens) <= 304 for row in rows)
            evicted = evicted or not before <= store._recent_rows.keys()
        assert store._recent_rows and evicted, "rows were held, and let go"
    finally:
        store.close()


def defined_template_hash(tokens: list[str]) -> int:
    """``template_hash``'s definition: each date word and number masked, a step per token."""
    masked = [
        "#" if token in fingerprints.DATE_WORDS or fingerprints.NUMBER_RE.match(token) else token
        for token in tokens
    ]
    return int.from_bytes(
        hashlib.blake2b(" ".join(masked).encode("utf-8"), digest_size=8).digest(),
        "big",
        signed=True,
    )


def test_masked_tokens_are_the_definitions_and_stay_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Template hashes through the token -> mask memo (``_Masks``) are the definition's,
    whether a token is remembered or met after the memo started over; a page of 100,000
    distinct words leaves the memo within its bound."""
    monkeypatch.setattr(fingerprints, "MASKS_KEPT", 500)
    monkeypatch.setattr(fingerprints, "_MASKS", fingerprints._Masks())
    rng = random.Random(3)
    vocabulary = [
        *fingerprints.DATE_WORDS,
        "1",
        "26th",
        "2nd",
        "3x",
        "٣٤",
        "٣rd",
        "minister",
        "café",
        "th",
        "1st2",
    ]
    vocabulary += [f"w{n}" for n in range(700)] + [f"{n}th" for n in range(300)]
    for _ in range(400):
        tokens = [rng.choice(vocabulary) for _ in range(rng.randrange(1, 120))]
        assert fingerprints._masked_hash(tokens) == defined_template_hash(tokens), tokens
        assert len(fingerprints._MASKS) <= fingerprints.MASKS_KEPT
    hostile = [f"word{n}" for n in range(100_000)]
    assert fingerprints._masked_hash(hostile) == defined_template_hash(hostile)
    assert len(fingerprints._MASKS) <= fingerprints.MASKS_KEPT


def test_a_tallied_body_is_not_tokenized_again_and_its_words_stay_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A body tallied at stage gives the release its words (``tallied_paragraphs``): the
    print made from them is the one made from the text, only its title is tokenized, and
    the kept words never pass their budget (a long body is not kept at all)."""
    monkeypatch.setattr(fingerprints, "TALLIED_KEPT_CHARS", 20_000)
    monkeypatch.setattr(fingerprints, "_TALLIED", {})
    monkeypatch.setattr(fingerprints, "_tallied_chars", 0)
    rng = random.Random(8)
    vocabulary = ["The", "minister", "SAID", "café", "2nd", "٣٤", "İstanbul", "—", "!!", " "]
    bodies = []
    for _ in range(300):
        paragraphs = [
            "".join(rng.choice(vocabulary) + rng.choice(" ,.") for _ in range(rng.randrange(9)))
            for _ in range(rng.randrange(1, 7))
        ]
        bodies.append("\n\n".join(paragraphs))
    bodies.append("word " * 2_000)  # past a sixteenth of the budget: not kept
    tokenized: list[str] = []
    real_words = fingerprints.joined_words  # the tokenizer a print is made with

    def counted_words(text: str) -> bytes:
        tokenized.append(text)
        return real_words(text)

    for body in bodies:
        expected = StoryPrint.of("A title", body)
        state_base.paragraph_tally(body)
        kept = len(fingerprints._TALLIED)
        assert fingerprints._tallied_chars <= fingerprints.TALLIED_KEPT_CHARS
        monkeypatch.setattr(fingerprints, "joined_words", counted_words)
        tokenized.clear()
        found = StoryPrint.of("A title", body)
        monkeypatch.setattr(fingerprints, "joined_words", real_words)
        assert found.paragraph_tokens == expected.paragraph_tokens, body
        assert found.paragraph_hashes == expected.paragraph_hashes, body
        assert (found.body_hash, found.template_hash) == (
            expected.body_hash,
            expected.template_hash,
        )
        if len(body) < 2_000:
            assert tokenized == ["A title"], "the tallied body was tokenized again"
            assert len(fingerprints._TALLIED) == kept - 1, "taken out once used"
        else:
            assert len(tokenized) > 1, "a long body was not kept: tokenized"
    for body in bodies:  # tallied, never released (another process releases them)
        state_base.paragraph_tally(body)
        assert fingerprints._tallied_chars <= fingerprints.TALLIED_KEPT_CHARS
    assert sum(size for _, _, size in fingerprints._TALLIED.values()) == fingerprints._tallied_chars
    assert 10 < len(fingerprints._TALLIED) < len(bodies) - 1, "bodies were kept, and let go"


def test_a_remembered_story_is_a_candidate_without_reading_it_back(tmp_path: Path) -> None:
    """Stories released one after another are each other's candidates: the row a story
    was remembered with is held, so the next story's look-up reads no ``recent`` row,
    and what it holds is the table's row."""
    store = SqliteStateStore(tmp_path / "s.sqlite3")
    statements: list[str] = []
    try:
        indexed = list(range(1, INDEXED_SIZE + 1))
        assert store._near_candidates(indexed, "", "\uffff") == []  # a release's first story
        for article_id in (101, 102, 103):
            item, print_ = crafted(article_id, indexed + [50 + article_id] * 8, DAYS[0])
            store.remember_emitted(item, print_)
        store.db.set_trace_callback(statements.append)
        fast = store._near_candidates(indexed, "", "\uffff")
        store.db.set_trace_callback(None)
        assert candidate_ids(fast) == [101, 102, 103]
        assert not [sql for sql in statements if "FROM recent" in sql], statements
        assert fast == store._near_candidates_sql(indexed, "", "\uffff")
    finally:
        store.close()


def test_a_release_reads_the_data_version_once_it_holds_the_write_lock(tmp_path: Path) -> None:
    """While this connection's transaction has written, no other can commit: a release's
    look-ups read ``PRAGMA data_version`` until the first story is remembered, not once a
    story; after the commit another connection's stories are seen again."""
    store = SqliteStateStore(tmp_path / "s.sqlite3")
    other = SqliteStateStore(tmp_path / "s.sqlite3")
    statements: list[str] = []
    indexed = list(range(1, INDEXED_SIZE + 1))
    try:
        store.begin_release()
        store.db.set_trace_callback(statements.append)
        for article_id in range(101, 111):
            store._near_candidates(indexed, "", "\uffff")
            store.remember_emitted(*crafted(article_id, indexed, DAYS[0]))
        store.db.set_trace_callback(None)
        assert sum("data_version" in sql for sql in statements) == 2, statements
        store.commit()
        other.remember_emitted(*crafted(99, indexed, DAYS[0]))
        other.commit()
        fast = store._near_candidates(indexed, "", "\uffff")
        assert candidate_ids(fast)[0] == 99, "another connection's commit is seen"
        assert fast == store._near_candidates_sql(indexed, "", "\uffff")
    finally:
        store.close()
        other.close()


def test_a_storys_sketch_entries_are_added_by_one_statement(tmp_path: Path) -> None:
    """One INSERT a story adds its index entries (not one a value), the same rows; a
    version sharing some entries adds only the new ones, and the postings held in memory
    stay the table's."""
    store = SqliteStateStore(tmp_path / "s.sqlite3")
    statements: list[str] = []
    indexed = list(range(1, INDEXED_SIZE + 1))
    try:
        store._near_candidates(indexed, "", "\uffff")  # the values' postings held
        store.db.set_trace_callback(statements.append)
        store.remember_emitted(*crafted(101, indexed, DAYS[0]))
        store.remember_emitted(*crafted(101, [*indexed[:3], 90, 91], DAYS[0], version=1))
        store.db.set_trace_callback(None)
        assert sum("INTO sketch_index" in sql for sql in statements) == 2, statements
        rows = store.db.execute("SELECT value, published_at, article_id FROM sketch_index")
        assert sorted(rows) == sorted((v, DAYS[0], 101) for v in [*indexed, 90, 91])
        assert store._near_candidates(indexed, "", "\uffff") == store._near_candidates_sql(
            indexed, "", "\uffff"
        )
    finally:
        store.close()


def test_a_staged_story_is_read_back_as_its_json_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A story staged by this process is read back from what ``keep_staged`` kept: the
    same story as decoding its JSON gives, field for field and type for type, whatever
    happens to the staged item afterwards; fields JSON would not give back as they were
    (a bool, a tuple, an int subclass) are decoded; the kept fields stay within their
    budget (a long story is not kept at all), and each is answered once."""
    monkeypatch.setattr(state_base, "STAGED_KEPT_CHARS", 40_000)
    monkeypatch.setattr(state_base, "_STAGED", {})
    monkeypatch.setattr(state_base, "_staged_chars", 0)

    class Count(int):
        pass

    rng = random.Random(12)
    texts = ["plain", 'a "quoted" \\ back\\slash', "tab\there\nline", "\u2028\u00e9\U0001f600", ""]
    stories = []
    for number in range(400):
        item = Story(
            url=f"https://example.com/{number}",
            article_id=str(number + 1),
            title=rng.choice(texts) + str(number),
            author=rng.choice([None, *texts]),
            published_at=f"2026-11-{rng.randrange(1, 29):02d}T10:00:00+05:00",
            body="\n\n".join(rng.choice(texts) for _ in range(rng.randrange(40))),
            related_topics=[rng.choice(texts) for _ in range(rng.randrange(3))],
            word_count=rng.randrange(1000),
        )
        odd = rng.randrange(8)
        if odd == 0:
            item.word_count = True  # type: ignore[assignment]
        elif odd == 1:
            item.related_topics = tuple(item.related_topics)  # type: ignore[assignment]
        elif odd == 2:
            item.word_count = Count(7)
        elif odd == 3:
            item.related_topics = ["x", 3]  # type: ignore[list-item]
        stories.append(item)
    stories.append(Story(article_id="9999", body="word " * 2_000))  # past a sixteenth
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    expected = {}
    for item in stories:
        raw = state_base.dump_story(item)
        decoded = Story(**json.loads(raw))
        expected[item.article_id] = (raw, decoded)
        assert store.stage(item)
        if isinstance(item.related_topics, list):
            item.related_topics.append("changed after staging")
        item.title = "changed after staging"
        assert state_base._staged_chars <= state_base.STAGED_KEPT_CHARS
        assert state_base._staged_chars == sum(map(len, state_base._STAGED))
    assert len(state_base._STAGED) > 10, "the shortcut was taken"
    assert expected["9999"][0] not in state_base._STAGED, "a long story is not kept"
    released = list(store.staged_items())
    assert len(released) == len(stories)
    for item in released:
        raw, decoded = expected[item.article_id]
        assert item == decoded
        assert [type(value) for value in vars(item).values()] == [
            type(value) for value in vars(decoded).values()
        ]
        assert state_base.dump_story(item) == raw
    again = state_base.load_story(expected["1"][0])  # answered once: decoded now
    assert again == expected["1"][1]
    store.close()


def test_the_diff_of_two_long_repetitive_texts_is_not_quadratic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two hostile pages of 40,000 words of "alpha beta" (one word apart) passed every
    bound and went to the diff, which took 86 s (hours for megabytes), in every release
    that met them. Over ``LONG_DIFF_WORDS`` the diff runs with autojunk, same answer."""
    from newsbot.text import fingerprints

    real = fingerprints.SequenceMatcher

    def guarded(junk: None, a: list[str], b: list[str], autojunk: bool = True) -> object:
        assert autojunk or max(len(a), len(b)) <= 10_000, "a quadratic diff of long texts"
        return real(junk, a, b, autojunk=autojunk)

    monkeypatch.setattr(fingerprints, "SequenceMatcher", guarded)
    tokens = ["alpha", "beta"] * 20_000
    mine, theirs = StoryPrint([], [[*tokens, "gamma"]]), StoryPrint([], [tokens])
    candidate = Candidate(1, len(tokens), pack_sketch(theirs.sketch), pack_tokens(tokens))
    assert nearly_repeats(mine, candidate, 0.9)
    assert edit_similarity(tokens, [*tokens, "gamma"]) == 1 - 1 / 40_001


def test_a_diff_that_would_visit_millions_of_word_pairs_is_not_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Autojunk leaves out only words over 1% of a text: a hostile text cycling through 150
    words has none, and its diff against itself plus one word visited 2.7 million pairs
    of equal words for 20,000 words (0.4 s), 12 s for 120,000, in every release that met
    it; under ``LONG_DIFF_WORDS`` no word is left out ("alpha beta" x 5,000: 5 s a diff).
    Such texts are not diffed (similarity 0: neither dropped on a guess); ordinary ones are."""
    from collections import Counter

    from newsbot.text import fingerprints

    real = fingerprints.SequenceMatcher

    def guarded(junk: None, a: list[str], b: list[str], autojunk: bool = True) -> object:
        counts = Counter(b)
        if autojunk and len(b) >= 200:
            counts = Counter({w: n for w, n in counts.items() if n <= len(b) // 100 + 1})
        pairs = sum(n * counts[w] for w, n in Counter(a).items() if w in counts)
        assert pairs <= 2_000_000, f"a diff visiting {pairs:,} pairs of equal words"
        return real(junk, a, b, autojunk=autojunk)

    monkeypatch.setattr(fingerprints, "SequenceMatcher", guarded)
    cycle = [f"w{i}" for i in range(150)] * 134  # 20,100 words, none over 1%
    assert edit_similarity(cycle, [*cycle, "x"]) == 0.0
    alternating = ["alpha", "beta"] * 4_999
    assert edit_similarity(alternating, [*alternating, "x"]) == 0.0
    # Long ordinary texts are diffed as ever: varied words, one of them changed.
    prose = [f"{word}{i % 700}" for i, word in enumerate(["the", "of", "news", "city"] * 1_500)]
    changed = [*prose[:100], "other", *prose[101:]]
    assert edit_similarity(prose, changed) == 1 - 1 / len(prose)


def test_a_guarded_statement_fails_as_the_guard_says(tmp_path: Path) -> None:
    """``GuardedConnection.execute`` holds ``_guard`` written in place: on a damaged file a
    read raises ``StateUnusable`` and a write is ignored (no row changed), the crawl told
    once, naming the file; an error of the SQL itself (a constraint) is raised as it is."""
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"not a database " * 400)
    told: list[str] = []
    db = sqlite3.connect(damaged, factory=GuardedConnection)
    db.on_failure = told.append
    with pytest.raises(StateUnusable, match="damaged"):
        db.execute("SELECT 1 FROM staged")
    assert db.execute("INSERT INTO staged VALUES (1)").rowcount == 0
    with pytest.raises(StateUnusable):  # a later read fails too, and is not told again
        db.execute("SELECT 1 FROM staged")
    assert len(told) == 1 and str(damaged) in told[0]
    db.close()

    sound = sqlite3.connect(tmp_path / "sound.sqlite3", factory=GuardedConnection)
    sound.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)")
    sound.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.IntegrityError):
        sound.execute("INSERT INTO t VALUES (1)")
    assert sound.failure is None
    sound.close()


def test_settling_staged_stories_writes_no_page_only_to_zero_it(tmp_path: Path) -> None:
    """Stories released leave their staged rows (a few KB each, a page or more) free; the
    store's connection zeroes freed space only in pages it writes anyway
    (``secure_delete=FAST``), so settling them writes a few pages of the table and its
    index, not every page they held (a SQLite built with SECURE_DELETE, as Debian's is,
    zeroed and wrote each one: two thirds of deleting them)."""
    path = tmp_path / "s.sqlite3"
    store = SqliteStateStore(path)
    try:
        for article_id in range(1000, 1060):
            item = Story(article_id=str(article_id), title=f"Story {article_id}", url="u")
            item.set_body(f"paragraph {article_id} " * 400)  # about 6 KB of JSON: 2 pages
            store.stage(item)
        store.commit()
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for article_id in range(1000, 1060):
            store.unstage(str(article_id))
        store.commit()
        frames = Path(f"{path}-wal").stat().st_size // (4096 + 24)
        assert 0 < frames < 30, frames  # 120 pages freed
        assert store.staged_count() == 0
    finally:
        store.close()


def test_a_batch_of_staged_stories_waits_in_memory_for_its_commit(tmp_path: Path) -> None:
    """A run's staged stories (here 1,500 of some 3 KB: 5 MB of pages) stay in the store's
    page cache until the batch commits (``PAGE_CACHE_KIB``): with SQLite's default 2 MB
    they were spilled to the WAL before the commit and read back from it."""
    path = tmp_path / "s.sqlite3"
    store = SqliteStateStore(path)
    try:
        for n in range(1500):
            item = Story(article_id=str(10_000 + n), title=f"Story {n}", url="u")
            item.set_body(f"w{n} " * 500)
            store.stage(item)
        assert store._pending == 1500, "no batch was committed yet"
        wal = Path(f"{path}-wal")
        assert wal.stat().st_size < 1_000_000, wal.stat().st_size
        store.commit()
        assert wal.stat().st_size > 4_000_000  # the batch, written at its commit
    finally:
        store.close()
