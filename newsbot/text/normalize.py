"""Small text and date normalizers shared by the parsers and the loader."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from dateutil import parser as dateparser

#: The site's clock: Pakistan Standard Time, UTC+05:00, no daylight saving.
SITE_TZ = timezone(timedelta(hours=5), "PKT")

#: Invisible characters dropped from every text field: zero-width ones, bidirectional
#: overrides and marks (a right-to-left override turns a title around), control
#: characters (a bell in a title), and the first plane's noncharacters (U+FDD0..U+FDEF,
#: U+FFFE, U+FFFF: for a program's own use, never text; no XML holds U+FFFE or U+FFFF).
#: Those that ``str.split`` takes for spaces stay spaces. (The other planes' last two are
#: left: XML allows them, and one character above U+FFFF in the class made every
#: paragraph's pass ten times slower, the set no longer a table.)
_ZERO_WIDTH = re.compile(
    "[\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ufdd0-\ufdef\ufffe\uffff]"
)
_YEAR = re.compile(r"\d{4}")


def normalize_space(text: str) -> str:
    """Collapse every run of Unicode whitespace (nbsp included) into one space."""
    if len(text) <= MAX_CACHED_TEXT and type(text) is str:
        return _normalized_short(text)
    return " ".join(_ZERO_WIDTH.sub("", text).split())


#: Texts up to this length are kept with their normalized form: a page normalizes the
#: same short strings again and again (a title is read from four places, each normalized
#: when read and again when compared), about three calls in four. Longer ones (paragraphs,
#: a hostile page's megabyte) are never kept, so the cache stays small; ``str`` subclasses
#: (lxml's smart strings hold their whole tree) neither.
MAX_CACHED_TEXT = 200


@lru_cache(maxsize=4096)
def _normalized_short(text: str) -> str:
    return " ".join(_ZERO_WIDTH.sub("", text).split())


def parse_site_datetime(value: str | datetime | None) -> datetime | None:
    """Parse a date as the site writes it, in its own clock when no offset is given.

    Accepts ISO forms (``2022-12-30T15:20:00+0500``) and byline forms
    (``December 30, 2022 03:20 PM``). Returns None for anything unparseable.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return _in_site_clock(value)
    text = str(value)
    if len(text) <= MAX_CACHED_TEXT:
        return _short_site_date(text)[0]
    return _site_datetime(text)


def _site_datetime(text: str) -> datetime | None:
    found = _parse_text(normalize_space(text))
    return None if found is None else _in_site_clock(found)


#: A page gives the same date string to several signals (the byline's date is read as
#: "Published" and as a bare date, then checked against the clock): short ones are kept
#: with their result, both forms at once, as ``normalize_space`` keeps short texts. One
#: cache, keyed by the raw text: the steps inside it are the plain functions (a cache at
#: each step missed at each step for every new date, four misses a date for nothing).
@lru_cache(maxsize=4096)
def _short_site_date(text: str) -> tuple[datetime | None, str | None]:
    """``(_site_datetime(text), its isoformat())`` of a short text, computed once."""
    found = _parse_plain(" ".join(_ZERO_WIDTH.sub("", text).split()))  # normalize_space
    parsed = None if found is None else _in_site_clock(found)
    return parsed, (parsed.isoformat() if parsed else None)


#: No story of the site is older: a date before this year is a broken value (a CMS's zero
#: timestamp, 1970-01-01), not a date, and the field's next signal is asked instead.
EARLIEST_STORY_YEAR = 1995


def _in_site_clock(parsed: datetime) -> datetime | None:
    """``parsed`` in the site's offset (its own clock when it names none), to the second;
    None when it is no story's date (before ``EARLIEST_STORY_YEAR``, or out of range)."""
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SITE_TZ)
    try:  # 9999-12-31T23:59:59-12:00 is a valid date whose +05:00 form is past year 9999
        in_site_clock = parsed.astimezone(SITE_TZ)
    except (OverflowError, ValueError):
        return None
    if in_site_clock.microsecond:  # ``replace`` costs as much as the parse: only if needed
        in_site_clock = in_site_clock.replace(microsecond=0)
    return in_site_clock if in_site_clock.year >= EARLIEST_STORY_YEAR else None


#: No date is written in more characters: a hostile page's megabyte "date" is refused
#: unread (dateutil took seconds to refuse each, twice since days are checked).
MAX_DATE_TEXT = 500


#: The byline's own form, read without dateutil (the common case, and 20x faster); a time
#: without AM/PM is on the 24-hour clock (``December 30, 2022 15:20``).
_BYLINE_DATE = re.compile(
    r"^(?P<month>[A-Za-z]{3,9})\.?\s(?P<day>\d{1,2}),?\s(?P<year>\d{4})"
    r"(?:\s(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s?"
    r"(?:(?P<half>[AaPp])\.?\s?[Mm]\.?)?)?$"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        ("jan january", "feb february", "mar march", "apr april", "may", "jun june",
         "jul july", "aug august", "sep sept september", "oct october", "nov november",
         "dec december"),
        start=1,
    )
    for name in names.split()
}  # fmt: skip


def _parse_plain(text: str) -> datetime | None:
    """A date string to a datetime (naive when it names no offset); None if unparseable."""
    if len(text) > MAX_DATE_TEXT or not _YEAR.search(text):  # a bare "5": today's 5th
        return None
    if "0" <= text[0] <= "9":  # ISO begins with its year's digits: a byline never parses so
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    byline = _BYLINE_DATE.match(text)
    month = _MONTHS.get(byline["month"].lower()) if byline else None
    if byline and month:
        hour = int(byline["hour"] or 0)
        if byline["half"]:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if byline["half"] in "Pp" else 0)
        try:
            return datetime(
                int(byline["year"]), month, int(byline["day"]), hour,
                int(byline["minute"] or 0), int(byline["second"] or 0),
            )  # fmt: skip
        except ValueError:
            return None
    parsed: datetime | None
    try:
        parsed = dateparser.isoparse(text)
        return parsed
    except (ValueError, OverflowError):
        pass
    if "GMT" in text or "UTC" in text:  # "GMT+5" is UTC+5 to a reader: not so to dateutil
        text = _NAMED_OFFSET_RE.sub("", text)
    try:
        parsed = dateparser.parse(text, default=_DEFAULT_DAY, tzinfos=_zone)
        if parsed != dateparser.parse(text, default=_OTHER_DEFAULT_DAY, tzinfos=_zone):
            return None  # the text names no day (or month): dateutil took the default's
    except (ValueError, OverflowError, TypeError):
        return None
    return parsed


#: "GMT" or "UTC" just before an offset ("GMT+5", "UTC +05:00"): dateutil reads the first
#: the POSIX way (GMT+5 is five hours *behind* GMT) and ignores the offset after "UTC ",
#: both ten hours off for Pakistan's "+5". Dropped, the offset is read as written.
_NAMED_OFFSET_RE = re.compile(r"\b(?:GMT|UTC)\s*(?=[+-]\d)")


def _zone(name: str | None, offset: int | None) -> int | None:
    """dateutil's ``tzinfos``: the offset in seconds of a zone a date names.

    Without it, a zone name dateutil does not know ("EST", "CET") was dropped with a
    warning and the time read in the site's clock (hours off, silently), and a name that
    is the crawling machine's own zone was read in that zone: a date depended on where
    the crawler ran. Only the site's own clock is known by name (``SITE_TZ_NAMES``); an
    offset or UTC is taken as given; any other name makes the text no date (the field's
    next signal).
    """
    if offset is not None or name is None:  # None, None: the text names no zone (naive)
        return offset
    if name in SITE_TZ_NAMES:
        return SITE_OFFSET_SECONDS
    raise ValueError(f"unknown time zone {name!r}")


#: The site's clock by name: "PKT", and "PST" as Pakistani media write Pakistan Standard
#: Time ("3:05 PM PST" on a Pakistani page is not Pacific time; read so before, too).
SITE_TZ_NAMES = frozenset({"PKT", "PST"})
SITE_OFFSET_SECONDS = 5 * 3600


#: Two days that differ in year, month and day: a text parsed to the same datetime with
#: either as dateutil's default names its own day. "November 2026" took the crawl's day
#: (dateutil's default is today), so a story's date depended on when it was read.
_DEFAULT_DAY = datetime(2000, 1, 1)
_OTHER_DEFAULT_DAY = datetime(2001, 2, 2)


#: Long date texts (a hostile page's, up to megabytes) by their normalized form: a few,
#: for the signals of one page that ask the same text again. Short dates never pass here
#: (``_short_site_date``), so nothing else would push a hostile page's text out of a
#: larger cache: it would hold thousands of them for the life of the process.
LONG_DATE_TEXTS_KEPT = 4
_parse_text = lru_cache(maxsize=LONG_DATE_TEXTS_KEPT)(_parse_plain)


def site_datetime_iso(value: str | datetime | None) -> str | None:
    """ISO 8601 in the site's offset (``2022-12-30T15:20:00+05:00``), or None."""
    if type(value) is str and len(value) <= MAX_CACHED_TEXT:
        return _short_site_date(value)[1]
    parsed = parse_site_datetime(value)
    return parsed.isoformat() if parsed else None


#: Words of a place name written in capitals that stay so ("AJK", "UN"), and the small
#: words that stay lower-case inside a name ("Azad Jammu and Kashmir").
PLACE_ACRONYMS = frozenset(
    {"AJK", "DC", "EU", "GB", "ICT", "KP", "KPK", "NWFP", "UAE", "UK", "UN", "US", "USA"}
)
PLACE_PARTICLES = frozenset({"and", "of", "the", "on", "upon", "de", "al", "el", "ul"})
_PLACE_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def place_name(place: str) -> str:
    """A dateline place in title case: ``FAISALABAD`` and ``Faisalabad`` are one place.

    The site writes wire (APP) datelines in capitals and its own in title case. Only a
    name with no lower-case letter is changed, so "McLeod Ganj" keeps its casing. Initials
    stay capitals ("D.I. KHAN" -> "D.I. Khan"), as do the acronyms above; particles inside
    a name go lower-case ("AZAD JAMMU AND KASHMIR" -> "Azad Jammu and Kashmir").
    """
    if not place or any(ch.islower() for ch in place):
        return place

    def word(match: re.Match[str]) -> str:
        text = match.group(0)
        after = place[match.end() : match.end() + 1]
        if text in PLACE_ACRONYMS or (len(text) == 1 and after == "."):
            return text
        lower = text.lower()
        if lower in PLACE_PARTICLES and match.start() > 0 and place[match.start() - 1] == " ":
            return lower
        return text[0] + lower[1:]

    return _PLACE_WORD.sub(word, place)
