"""Every field of a ``Story`` normalized in one place: ``normalize_field`` and ``build_story``.

Parsers read raw candidates for a field in order of trust; ``normalize_field`` turns
each into the form the feed holds, or None when it does not survive (an empty string, a
date that does not parse), so the next candidate is taken. ``build_story`` makes the
item from one value per field and fills the fields derived from the others.

Plain functions, not an ``ItemLoader``: the loader's per-value machinery (processor
look-ups, context wrapping, list building) cost more than the normalizing itself, and
the page object already resolves every field to one value before the item is built.
The semantics are the loader's that stood here: a scalar field keeps its first value
that normalizes; ``body`` joins its normalized, non-empty paragraphs with a blank line;
``related_topics`` keeps its normalized, non-empty names, the first of repeats.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from newsbot.items import Story
from newsbot.text.normalize import normalize_space, place_name, site_datetime_iso


def _clean(value: Any) -> str | None:
    """Whitespace normalized; empty becomes None, so the next candidate is taken.

    Values arrive as the visible text, decoded once (the page object reads the tree, and
    turns JSON-LD strings into text with ``fragment_text``). Nothing is decoded or
    stripped again here: doing so turned a visible ``&lt;script&gt;`` into markup.
    """
    if value is None:
        return None
    return normalize_space(str(value)) or None


def _section(value: Any) -> str | None:
    cleaned = _clean(value)
    return cleaned.lower() if cleaned is not None else None


def _place(value: Any) -> str | None:
    """ "FAISALABAD" (wire datelines) and "Faisalabad" are one place: title case."""
    cleaned = _clean(value)
    return place_name(cleaned) if cleaned is not None else None


#: One raw value to its stored form, or None. Fields not named here are ``_clean``ed.
NORMALIZERS: dict[str, Callable[[Any], Any]] = {
    "published_at": site_datetime_iso,
    "modified_at": site_datetime_iso,
    "section": _section,
    "dateline_place": _place,
}


def normalize_field(name: str, value: Any) -> Any:
    """One raw candidate for field ``name`` in its stored form (None if it fails).

    A list or tuple is a list of candidates: the first that normalizes. The page object
    compares its signals for a field in this form, so a difference in spacing or date
    notation is not a disagreement.
    """
    if value is None:
        return None
    normalize: Callable[[Any], Any] | None = NORMALIZERS.get(name)
    if normalize is None:
        if type(value) is str:  # most calls: one text, cleaned (``_clean`` cannot fail on it)
            return normalize_space(value) or None
        normalize = _clean
    candidates = value if isinstance(value, list | tuple) else (value,)
    try:
        for candidate in candidates:
            normalized = normalize(candidate)
            if normalized is not None and normalized != "":
                return normalized
    except Exception as exc:  # as the item loader did: any failure is a ValueError
        raise ValueError(f"Error normalizing {name}: {type(exc).__name__}: {exc}") from exc
    return None


def _texts(values: Iterable[Any] | None, normalized: bool = False) -> list[str]:
    """The normalized, non-empty strings of a list field (``normalized``: they are)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [text for text in (values if normalized else map(_clean, values)) if text]


def build_story(values: dict[str, Any], normalized: frozenset[str] = frozenset()) -> Story:
    """The ``Story`` of one value per field, normalized here, and the derived fields.

    ``values``: field name -> raw value (``body`` and ``related_topics`` as lists).
    ``normalized``: names whose value is already ``normalize_field``'s result (the page
    object normalized it to compare signals): it is not normalized twice.
    """
    fields: dict[str, Any] = {}
    for name, value in values.items():
        if value is None or name == "body" or name == "related_topics":
            continue  # an absent field stays at the item's default (normalizing None is None)
        if name not in normalized:
            value = normalize_field(name, value)
        if value is not None:
            fields[name] = value
    topics = _texts(values.get("related_topics"), "related_topics" in normalized)
    fields["related_topics"] = list(dict.fromkeys(topics))
    fields["language"] = "en"
    item = Story(**fields)  # one call with every field, not the defaults then a setattr each
    if "body" in normalized:  # normalized paragraphs, as set_paragraphs needs them
        item.set_paragraphs(_texts(values.get("body"), True))
    else:
        item.set_body("\n\n".join(_texts(values.get("body"))))
    item.crawled_at = crawled_at()
    return item


#: The last second ``crawled_at`` formatted, and its text: one entry, replaced whole.
_last_second: tuple[int, str] = (-1, "")


def crawled_at() -> str:
    """``datetime.now(UTC).isoformat(timespec="seconds")``, formatted once a second.

    Formatting the time was a tenth of building an item (``isoformat`` goes through
    ``sprintf``), and every story built in the same second gets the same text: the text
    is kept with its second (the clock's nanoseconds floored, as ``datetime.now`` floors
    them), so a story is never stamped with another second than its own.
    """
    global _last_second
    second = time.time_ns() // 1_000_000_000
    kept = _last_second
    if kept[0] == second:
        return kept[1]
    text = datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds")
    _last_second = (second, text)
    return text
