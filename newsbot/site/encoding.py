"""Which encoding a page is read in when its label names one no browser reads.

Scrapy takes a page's charset label (header, else ``<meta>``) to any codec Python has,
and Python has codecs that are no text encoding (``base64``, ``rot13``, ``zlib``...):
reading the text of a page so labelled raised ``LookupError`` (or ``UnicodeError`` for
``idna``, ``undefined``) in whatever asked first, the challenge check or the parser,
and the story was lost with a traceback. Others decode into something no browser would
show (``utf-7``, ``unicode-escape``, ``punycode``), and a ``<meta charset="utf-16">`` on
bytes that are plainly ASCII markup turned every page into CJK noise (``not_article``).
Browsers ignore a label they do not know, and read a UTF-16 label on such bytes as UTF-8
(the WHATWG encoding rules): so does the crawl. Pure; no Scrapy component lives here.
"""

from __future__ import annotations

import codecs
from functools import lru_cache
from typing import TypeVar, cast

from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding

_R = TypeVar("_R", bound=Response)

#: Labels every page of the site is read in: answered without a codec look-up.
COMMON_LABELS = frozenset({"utf-8", "cp1252", "ascii", "latin-1", "iso8859-1"})
#: Python text codecs that no browser reads a page in (the WHATWG encoding standard has
#: no label for them): a page so labelled is read as if it had no label.
NOT_BROWSER_ENCODINGS = frozenset(
    {"utf-7", "unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined"}
)
#: UTF-16 or UTF-32 markup holds a NUL byte in every ASCII character: fewer than one
#: byte in four NUL among the first this many means the label is wrong (one stray NUL in
#: a comment of a UTF-8 page does not make it UTF-16).
WIDE_SNIFF_BYTES = 1024


@lru_cache(maxsize=64)
def _browser_codec(label: str) -> str | None:
    """The codec name of a label a browser could read a page in, or None."""
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in NOT_BROWSER_ENCODINGS:
        return None
    return info.name


def _readable_label(label: str | None, body: bytes) -> bool:
    if not label:
        return False
    name = _browser_codec(label)
    if name is None:
        return False
    # A UTF-16/32 label on bytes without NULs (no BOM: that would have been believed).
    if not name.startswith(("utf-16", "utf-32")):
        return True
    head = body[:WIDE_SNIFF_BYTES]
    return 4 * head.count(b"\x00") >= len(head)


def readable(response: _R) -> _R:
    """``response``, or a copy read in the encoding a browser would use when its own label
    is one no browser reads (see the module's docstring).

    That encoding: the ``<meta>`` one when the header's was the bad label and the
    ``<meta>`` one is good; else UTF-8 when the bytes are UTF-8, else windows-1252 (a
    browser's default), else UTF-8 (its undecodable bytes shown as U+FFFD).
    """
    if not isinstance(response, TextResponse):
        return response
    label = response.encoding
    if label in COMMON_LABELS or _readable_label(label, response.body):
        return response
    return cast(_R, response.replace(encoding=browser_encoding(response.body)))


def browser_encoding(body: bytes) -> str:
    """The encoding of ``body`` when its label was no browser's (``readable``)."""
    declared = html_body_declared_encoding(body)
    if _readable_label(declared, body):
        assert declared is not None
        return declared
    for name in ("utf-8", "cp1252"):
        try:
            body.decode(name)
        except UnicodeDecodeError:
            continue
        return name
    return "utf-8"
