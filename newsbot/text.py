"""Small text and date normalizers shared by the parsers and the loader."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from dateutil import parser as dateparser

#: The site's clock: Pakistan Standard Time, UTC+05:00, no daylight saving.
SITE_TZ = timezone(timedelta(hours=5), "PKT")

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_YEAR = re.compile(r"\d{4}")


def normalize_space(text: str) -> str:
    """Collapse every run of Unicode whitespace (nbsp included) into one space."""
    return " ".join(_ZERO_WIDTH.sub("", text).split())


def parse_site_datetime(value: str | datetime | None) -> datetime | None:
    """Parse a date as the site writes it, in its own clock when no offset is given.

    Accepts ISO forms (``2022-12-30T15:20:00+0500``) and byline forms
    (``December 30, 2022 03:20 PM``). Returns None for anything unparseable.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = normalize_space(str(value))
        if not _YEAR.search(text):  # a bare "5" would parse as today's 5th
            return None
        try:
            parsed = dateparser.isoparse(text)
        except (ValueError, OverflowError):
            try:
                parsed = dateparser.parse(text)
            except (ValueError, OverflowError, TypeError):
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SITE_TZ)
    return parsed.astimezone(SITE_TZ).replace(microsecond=0)


def site_datetime_iso(value: str | datetime | None) -> str | None:
    """ISO 8601 in the site's offset (``2022-12-30T15:20:00+05:00``), or None."""
    parsed = parse_site_datetime(value)
    return parsed.isoformat() if parsed else None
