"""The ``urdupoint`` spider's arguments: one validated model, checked before anything is fetched.

Scrapy hands a spider every ``-a name=value`` as a keyword and would silently keep a
misspelt one (``categoriez=pakistan``) as an attribute nobody reads, so a crawl of the
wrong thing would exit 0. Here every argument is declared once, in ``CrawlArguments``;
``check_arguments`` refuses an unknown name (naming the closest known one) and a value
that does not parse (naming the argument), with one line. ``newsbot.commands.crawl``
calls it before the crawler starts (exit status 2, no traceback); the spider calls it
too, so a spider built any other way gets the same checks.

To add an argument: add a field to ``CrawlArguments`` (with a ``field_validator`` if
its text needs parsing) and a line to the README's table.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from newsbot.site.urls import Site
from newsbot.text.normalize import SITE_TZ

DEFAULT_BASE_URL = "https://www.urdupoint.com"
#: The main English sections (nav bar and story URLs of the site).
DEFAULT_CATEGORIES = ("pakistan", "world", "business", "sports", "technology")
DEFAULT_MAX_PAGES = 20
#: Arguments Scrapyd adds to every job (``_job``, ``_version``), or passes through
#: (``setting``): known, and not the spider's business.
SCRAPYD_ARGUMENTS = frozenset({"_job", "_version", "setting"})
#: The longest ``recheck_hours`` (a century, as ``NEWSBOT_*`` day counts): far beyond it,
#: ``now - recheck_hours`` leaves the calendar (OverflowError on every listing), and
#: nothing older exists anyway. A large value ("everything", 100000) stays allowed.
MAX_RECHECK_HOURS = 24 * 36_500


class ArgumentError(ValueError):
    """A spider argument that is unknown or does not parse; ``str()`` is the one line to log."""

    def __init__(self, spider: str, argument: str, problem: str):
        super().__init__(f"{spider}: bad argument {argument}: {problem}")
        self.argument = argument


class CrawlArguments(BaseModel):
    """What ``-a`` can set, each value parsed from its text and checked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = DEFAULT_BASE_URL
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    max_pages: int = DEFAULT_MAX_PAGES
    full: bool = False
    recheck_hours: float = 0.0
    since: date | None = None
    until: date | None = None

    @field_validator("base_url", mode="before")
    @classmethod
    def _base_url(cls, value: Any) -> str:
        Site.from_base_url(str(value))  # raises ValueError naming the problem
        return str(value).strip()

    @field_validator("categories", mode="before")
    @classmethod
    def _categories(cls, value: Any) -> tuple[str, ...]:
        if isinstance(value, tuple | list):
            value = ",".join(value)
        given = [s.strip() for s in str(value).split(",") if s.strip()]
        slugs = tuple(s.strip("/").lower() for s in given)
        if not slugs:
            raise ValueError("give at least one slug")
        for raw, slug in zip(given, slugs, strict=True):
            # "/" alone was the slug "", a crawl of /en/news/.html; "a//b" no listing either
            if not slug or "//" in slug:
                raise ValueError(f"{raw!r} is not a slug")
            if not all(ch.isalnum() or ch in "-_/" for ch in slug):
                raise ValueError(f"{slug!r} is not a slug")
        return slugs

    @field_validator("max_pages", mode="before")
    @classmethod
    def _max_pages(cls, value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
        if number < 1:
            raise ValueError(f"must be 1 or more, got {number}")
        return number

    @field_validator("full", mode="before")
    @classmethod
    def _full(cls, value: Any) -> bool:
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"{value!r} is not true/false")

    @field_validator("recheck_hours", mode="before")
    @classmethod
    def _recheck_hours(cls, value: Any) -> float:
        try:
            hours = float(str(value).strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
        if hours < 0:
            raise ValueError(f"must be 0 or more, got {hours}")
        if not math.isfinite(hours) or hours > MAX_RECHECK_HOURS:
            raise ValueError(f"must be a number from 0 to {MAX_RECHECK_HOURS}, got {value!r}")
        return hours

    @field_validator("since", "until", mode="before")
    @classmethod
    def _date(cls, value: Any) -> date | None:
        if value is None or value == "":
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None

    @model_validator(mode="after")
    def _window(self) -> CrawlArguments:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"{self.since} is after until {self.until}")
        # Stories dated more than a day ahead of the site's clock are refused as
        # ``future_published_at``, so a later ``since`` (a typo: 2062 for 2026) can
        # only give a silently empty run.
        tomorrow = datetime.now(SITE_TZ).date() + timedelta(days=1)
        if self.since and self.since > tomorrow:
            raise ValueError(f"{self.since} is after tomorrow ({tomorrow}, site clock)")
        return self


def known_arguments(model: type[BaseModel] = CrawlArguments) -> list[str]:
    return sorted(model.model_fields)


def check_arguments(
    spider: str, given: Mapping[str, Any], model: type[CrawlArguments] = CrawlArguments
) -> CrawlArguments:
    """The parsed arguments, or ``ArgumentError`` for the first unknown or bad one.

    Names Scrapyd adds (``SCRAPYD_ARGUMENTS``) and any other leading-underscore name
    (Scrapyd's own) are accepted and ignored.
    """
    known = known_arguments(model)
    ours = {}
    for name, value in given.items():
        if name in model.model_fields:
            ours[name] = value
        elif name not in SCRAPYD_ARGUMENTS and not name.startswith("_"):
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise ArgumentError(spider, name, f"unknown argument; {hint}known: {', '.join(known)}")
    try:
        return model(**ours)
    except ValidationError as exc:
        error = exc.errors()[0]
        argument = str(error["loc"][0]) if error["loc"] else "since"  # the date window
        cause = error.get("ctx", {}).get("error")
        problem = str(cause) if cause is not None else error["msg"]
        raise ArgumentError(spider, argument, problem) from None
