"""Every ``NEWSBOT_*`` setting: its default, its type and its check, in one place.

Components take their configuration from ``NewsbotConfig.from_crawler(crawler)`` in
``from_crawler`` and keep what they need; nothing reads a ``NEWSBOT_*`` setting from
Scrapy's settings anywhere else, and nothing writes one at run time.

Why the defaults are here and not in ``settings.py``: Scrapy keeps its own defaults
in ``scrapy.settings.default_settings`` and a project's ``settings.py`` holds what the
project changes; this module is the ``default_settings`` of the project's own
settings. ``settings.py`` names each of them in a comment (where to look, what it is
for) but sets none, so that a value set in Scrapy's settings is always the user's
(``-s``, Scrapyd's ``setting=``, a spider's ``custom_settings``): an add-on can tell
"the user turned this off" from "nobody said anything" (``NEWSBOT_FRONTIER_ENABLED``
in Redis mode, say), and a default cannot drift between two files.

A setting that does not parse or is out of range stops the crawl before anything is
fetched, with one ``ConfigError`` naming it (``scrapy crawl`` exits with status 2).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_type_hints
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.utils.conf import closest_scrapy_cfg

from newsbot.alarms import Thresholds

#: What ``NEWSBOT_CONTACT`` may be: an http(s) URL or an e-mail address. It goes into a
#: header, so no spaces, parentheses or control characters (a line break would forge headers).
CONTACT_RE = re.compile(r"^(?:https?://[^\s()<>\"]+|(?:mailto:)?[^\s()<>\"@:]+@[^\s()<>\"@]+)$")
#: The browser when neither ``NEWSBOT_CHROMIUM_PATH`` (setting or environment) names one.
DEFAULT_CHROMIUM = "/usr/bin/chromium"
#: The most days a day-count setting may take (a century): larger ones leave the calendar
#: (``now - days`` raises OverflowError on every story) while meaning nothing more.
MAX_DAYS = 36_500
#: One process, one SQLite file per spider (``RedisAddon`` switches to Redis).
DEFAULT_STATE_STORE = "newsbot.state.sqlite.SqliteStateStore"
#: The store of Redis mode (``RedisAddon`` sets it): the workers share one state.
REDIS_STATE_STORE = "newsbot.state.redis.RedisStateStore"
#: First runs, before a baseline exists: the least coverage of each essential field.
DEFAULT_FIRST_RUN_COVERAGE: Mapping[str, float] = MappingProxyType(
    dict.fromkeys(
        (
            "url",
            "article_id",
            "title",
            "published_at",
            "body",
            "section",
            "word_count",
            "content_hash",
            "crawled_at",
        ),
        0.95,
    )
)


def project_path(value: str | os.PathLike[str]) -> Path:
    """A path setting made absolute: relative paths are taken from the project root.

    The root is the directory of the closest ``scrapy.cfg`` above the current directory
    (what Scrapy itself uses to find the project), so a crawl started from a
    subdirectory writes the same state, feed, drops and reports as one started at the
    root, instead of silently starting a second state there. Scrapyd runs a deployed
    egg without a ``scrapy.cfg``: then the current directory (Scrapyd's) is the root,
    and operators give absolute paths.
    """
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    cfg = closest_scrapy_cfg()
    return (Path(cfg).parent if cfg else Path.cwd()) / path


class ConfigError(ValueError):
    """A ``NEWSBOT_*`` setting that does not parse or is out of range; the message names it."""


def _setting(name: str, default: Any, doc: str) -> Any:
    """A config field read from the Scrapy setting ``name``; ``default`` when it is unset."""
    metadata = {"setting": name, "doc": doc}
    if isinstance(default, Mapping):  # unhashable: a dataclass takes it from a factory
        return field(default_factory=lambda: default, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class NewsbotConfig:
    """The project's settings, typed. Field defaults are the settings' defaults."""

    # --- identity ------------------------------------------------------------------------
    contact: str | None = _setting(
        "NEWSBOT_CONTACT",
        None,
        "the operator's e-mail or URL, carried by the User-Agent; unset: none (a warning "
        "on the real site)",
    )
    # --- output --------------------------------------------------------------------------
    feed: str | None = _setting(
        "NEWSBOT_FEED",
        "output/urdupoint.jsonl",
        "the default feed, written beside any other; empty: none",
    )
    dropped_feed: str | None = _setting(
        "NEWSBOT_DROPPED_FEED",
        "output/%(name)s.dropped.jsonl",
        "every dropped story with its reason (%(name)s: the spider); empty: none",
    )
    latest_report: str | None = _setting(
        "NEWSBOT_REPORT",
        "output/%(name)s.report.json",
        "a copy of the latest run's report (each run's is kept by the state); empty: none",
    )
    # --- state ---------------------------------------------------------------------------
    state_dir: Path = _setting(
        "NEWSBOT_STATE_DIR",
        Path("output/state"),
        "one SQLite state file per spider here (a relative path: from the project root)",
    )
    state_store: str = _setting(
        "NEWSBOT_STATE_STORE",
        DEFAULT_STATE_STORE,
        "the StateStore class, as a class path (Redis mode: the Redis one)",
    )
    frontier_enabled: bool = _setting(
        "NEWSBOT_FRONTIER_ENABLED", True, "the crash-safe frontier (resume after a kill)"
    )
    # --- pipelines -----------------------------------------------------------------------
    min_words: int = _setting("NEWSBOT_MIN_WORDS", 25, "shorter bodies are stubs")
    boilerplate_min_stories: int = _setting(
        "NEWSBOT_BOILERPLATE_MIN_STORIES", 5, "a paragraph in more stories is boilerplate"
    )
    near_duplicate_similarity: float = _setting(
        "NEWSBOT_NEAR_DUPLICATE_SIMILARITY", 0.9, "word-level similarity of a near-duplicate"
    )
    near_duplicate_window_days: int = _setting(
        "NEWSBOT_NEAR_DUPLICATE_WINDOW_DAYS", 14, "near-duplicates among stories this close"
    )
    drop_templates: bool = _setting(
        "NEWSBOT_DROP_TEMPLATES", True, "drop daily template stories after the first"
    )
    # --- incremental re-crawls -----------------------------------------------------------
    incremental_pages_past: int = _setting(
        "NEWSBOT_INCREMENTAL_PAGES_PAST", 0, "listing pages of known stories still followed"
    )
    topic_revisit_days: int = _setting(
        "NEWSBOT_TOPIC_REVISIT_DAYS", 7, "revisit topics named by stories this recent"
    )
    topic_budget: int = _setting(
        "NEWSBOT_TOPIC_BUDGET", 80, "topic page requests a run (first pages and later pages)"
    )
    topic_max_wait_runs: int = _setting(
        "NEWSBOT_TOPIC_MAX_WAIT_RUNS", 144, "a named topic is visited within this many runs"
    )
    failed_fetch_runs: int = _setting(
        "NEWSBOT_FAILED_FETCH_RUNS",
        5,
        "runs a story page may come empty or cut off before it is given up (a given_up drop)",
    )
    # --- bounds: a hostile page must not cost thousands of requests --------------------
    max_topics_per_story: int = _setting(
        "NEWSBOT_MAX_TOPICS_PER_STORY", 50, "topic links taken from one story page"
    )
    max_links_per_listing: int = _setting(
        "NEWSBOT_MAX_LINKS_PER_LISTING", 500, "story and page links taken from one listing"
    )
    # --- politeness ----------------------------------------------------------------------
    retry_after_max: float = _setting(
        "NEWSBOT_RETRY_AFTER_MAX", 120.0, "longest wait for a 429's Retry-After, seconds"
    )
    # --- the browser ---------------------------------------------------------------------
    browser_enabled: bool = _setting(
        "NEWSBOT_BROWSER_ENABLED", True, "use Chromium where plain HTTP is challenged"
    )
    browser_retry_breaker: int = _setting(
        "NEWSBOT_BROWSER_RETRY_BREAKER",
        5,
        "story pages in a row the browser retry of an empty body did not help, before it stops",
    )
    chromium_path: str = _setting(
        "NEWSBOT_CHROMIUM_PATH",
        "",
        f"Chromium; empty: the environment variable of that name, else {DEFAULT_CHROMIUM}",
    )
    # --- noticing a redesign -------------------------------------------------------------
    min_field_coverage: float = _setting(
        "NEWSBOT_MIN_FIELD_COVERAGE", 0.95, "required fields on at least this share of pages"
    )
    report_min_pages: int = _setting(
        "NEWSBOT_REPORT_MIN_PAGES", 10, "judge coverage only from this many story pages"
    )
    # --- alarms against the site's history (newsbot.alarms, newsbot.baseline) -----------
    baseline_weight: float = _setting(
        "NEWSBOT_BASELINE_WEIGHT", 0.3, "the newest good run's weight in the baseline"
    )
    alarm_coverage_drop: float = _setting(
        "NEWSBOT_ALARM_COVERAGE_DROP", 0.3, "alarm: a field's coverage this far below its usual"
    )
    alarm_first_run_coverage: Mapping[str, float] = _setting(
        "NEWSBOT_ALARM_FIRST_RUN_COVERAGE",
        DEFAULT_FIRST_RUN_COVERAGE,
        "first runs: the least coverage of each field (others: none)",
    )
    alarm_signal_drop: float = _setting(
        "NEWSBOT_ALARM_SIGNAL_DROP", 0.2, "alarm: a field's usual signal on this share fewer pages"
    )
    alarm_drop_rate_rise: float = _setting(
        "NEWSBOT_ALARM_DROP_RATE_RISE", 0.2, "alarm: a watched drop reason rises by this share"
    )
    alert_actions: tuple[str, ...] = _setting(
        "NEWSBOT_ALERT_ACTIONS", (), "Spidermon actions run when an alarm monitor fails"
    )
    # --- scale-out -----------------------------------------------------------------------
    redis_url: str | None = _setting(
        "NEWSBOT_REDIS_URL", None, "share the crawl between processes through this Redis"
    )
    redis_prefix: str = _setting("NEWSBOT_REDIS_PREFIX", "newsbot", "first part of Redis keys")

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> NewsbotConfig:
        """Read and check every ``NEWSBOT_*`` setting; ``ConfigError`` names a bad one."""
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):
            name = spec.metadata.get("setting")
            if name is None:
                continue
            raw = settings.get(name)
            if raw is None:
                continue  # unset: the field's default
            values[spec.name] = _convert(name, raw, hints[spec.name])
        path = values.get("chromium_path") or os.environ.get("NEWSBOT_CHROMIUM_PATH")
        values["chromium_path"] = path or DEFAULT_CHROMIUM
        values["state_dir"] = project_path(values.get("state_dir", cls.state_dir))
        config = cls(**values)
        config.validate()
        return config

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NewsbotConfig:
        """The crawler's config, read once its settings are final (after the add-ons)."""
        config = _BY_CRAWLER.get(crawler)
        if config is None:
            config = cls.from_settings(crawler.settings)
            if crawler.settings.frozen:  # before that, add-ons may still change settings
                _BY_CRAWLER[crawler] = config
        return config

    def validate(self) -> None:
        checks = (
            (self.min_words >= 0, "NEWSBOT_MIN_WORDS", "must be 0 or more", self.min_words),
            (
                self.boilerplate_min_stories >= 1,
                "NEWSBOT_BOILERPLATE_MIN_STORIES",
                "must be 1 or more",
                self.boilerplate_min_stories,
            ),
            (
                0 < self.near_duplicate_similarity <= 1,
                "NEWSBOT_NEAR_DUPLICATE_SIMILARITY",
                "must be in (0, 1]",
                self.near_duplicate_similarity,
            ),
            (
                1 <= self.near_duplicate_window_days <= MAX_DAYS,
                "NEWSBOT_NEAR_DUPLICATE_WINDOW_DAYS",
                f"must be from 1 to {MAX_DAYS}",
                self.near_duplicate_window_days,
            ),
            (
                self.incremental_pages_past >= 0,
                "NEWSBOT_INCREMENTAL_PAGES_PAST",
                "must be 0 or more",
                self.incremental_pages_past,
            ),
            (
                0 <= self.topic_revisit_days <= MAX_DAYS,
                "NEWSBOT_TOPIC_REVISIT_DAYS",
                f"must be from 0 to {MAX_DAYS}",
                self.topic_revisit_days,
            ),
            (
                0 <= self.retry_after_max <= MAX_DAYS * 86400,
                "NEWSBOT_RETRY_AFTER_MAX",
                f"must be from 0 to {MAX_DAYS * 86400}",
                self.retry_after_max,
            ),
            (
                0 <= self.min_field_coverage <= 1,
                "NEWSBOT_MIN_FIELD_COVERAGE",
                "must be in [0, 1]",
                self.min_field_coverage,
            ),
            (
                self.max_topics_per_story >= 1,
                "NEWSBOT_MAX_TOPICS_PER_STORY",
                "must be 1 or more",
                self.max_topics_per_story,
            ),
            (
                self.max_links_per_listing >= 1,
                "NEWSBOT_MAX_LINKS_PER_LISTING",
                "must be 1 or more",
                self.max_links_per_listing,
            ),
            (
                self.browser_retry_breaker >= 1,
                "NEWSBOT_BROWSER_RETRY_BREAKER",
                "must be 1 or more",
                self.browser_retry_breaker,
            ),
            (
                self.failed_fetch_runs >= 1,
                "NEWSBOT_FAILED_FETCH_RUNS",
                "must be 1 or more",
                self.failed_fetch_runs,
            ),
            (
                self.report_min_pages >= 0,
                "NEWSBOT_REPORT_MIN_PAGES",
                "must be 0 or more",
                self.report_min_pages,
            ),
        )
        for ok, name, rule, value in checks:
            if not ok:
                raise ConfigError(f"{name} {rule}, got {value}")
        if self.contact is not None and not CONTACT_RE.match(self.contact):
            raise ConfigError(
                f"NEWSBOT_CONTACT must be an e-mail address or an http(s) URL, got {self.contact!r}"
            )
        for name, share in (
            ("NEWSBOT_ALARM_COVERAGE_DROP", self.alarm_coverage_drop),
            ("NEWSBOT_ALARM_SIGNAL_DROP", self.alarm_signal_drop),
            ("NEWSBOT_ALARM_DROP_RATE_RISE", self.alarm_drop_rate_rise),
            *(
                (f"NEWSBOT_ALARM_FIRST_RUN_COVERAGE[{key}]", share)
                for key, share in self.alarm_first_run_coverage.items()
            ),
        ):
            if not 0 <= share <= 1:
                raise ConfigError(f"{name} must be in [0, 1], got {share}")
        if not 0 < self.baseline_weight <= 1:
            raise ConfigError(
                f"NEWSBOT_BASELINE_WEIGHT must be in (0, 1], got {self.baseline_weight}"
            )
        if self.topic_budget < 0:
            raise ConfigError(f"NEWSBOT_TOPIC_BUDGET must be 0 or more, got {self.topic_budget}")
        if self.topic_max_wait_runs < 1:
            raise ConfigError(
                f"NEWSBOT_TOPIC_MAX_WAIT_RUNS must be 1 or more, got {self.topic_max_wait_runs}"
            )

    def thresholds(self) -> Thresholds:
        """The alarms' thresholds (``newsbot.alarms``)."""
        return Thresholds(
            min_stories=self.report_min_pages,
            first_run_coverage=self.alarm_first_run_coverage,
            coverage_drop=self.alarm_coverage_drop,
            fallback_rise=self.alarm_signal_drop,
            drop_rate_rise=self.alarm_drop_rate_rise,
        )

    def topic_policy(self) -> TopicPolicyConfig:
        """The topic revisit policy's parameters (``newsbot/topic_policy.py``)."""
        return TopicPolicyConfig(
            budget=self.topic_budget,
            window_days=self.topic_revisit_days,
            max_wait_runs=self.topic_max_wait_runs,
        )

    # --- derived values ------------------------------------------------------------------
    def state_path(self, spider_name: str) -> Path:
        """One state database per spider, shared by all its runs (and Scrapyd jobs)."""
        return self.state_dir / f"{spider_name}.sqlite3"

    @property
    def feed_path(self) -> Path | None:
        """The default feed's absolute path (its key in ``FEEDS``), or None when it is off."""
        return project_path(self.feed) if self.feed else None

    def dropped_path(self, spider_name: str) -> Path | None:
        if not self.dropped_feed:
            return None
        return project_path(self.dropped_feed % {"name": spider_name})

    def latest_report_path(self, spider_name: str) -> Path | None:
        if not self.latest_report:
            return None
        return project_path(self.latest_report % {"name": spider_name})

    def runs_dir(self, spider_name: str) -> Path:
        """Where each run's report, the index of recent runs and their page go."""
        return self.state_dir / "reports" / spider_name

    def redis_namespace(self, spider_name: str) -> str:
        """``<NEWSBOT_REDIS_PREFIX>:<spider>``: every key of one spider's crawl starts with it."""
        return f"{self.redis_prefix or 'newsbot'}:{spider_name}"


_BY_CRAWLER: WeakKeyDictionary[Crawler, NewsbotConfig] = WeakKeyDictionary()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _finite(raw: Any) -> float:
    """``raw`` as a float; ``nan`` and ``inf`` parse but pass every ``<``/``>`` check the
    wrong way (``nan >= 0`` is false, ``inf >= 1`` true) and break later, so ValueError."""
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _convert(name: str, raw: Any, kind: Any) -> Any:
    """``raw`` (a Python value, or text from ``-s``) as the field's type, or ConfigError."""
    text = str(raw).strip()
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            raise ValueError("not true/false")
        if kind is int:
            if isinstance(raw, bool):
                raise ValueError("not a whole number")
            return int(raw) if isinstance(raw, int) else int(text)
        if kind is float:
            return _finite(raw)
        if kind is Path:
            if not text:  # "" would be the project root: the state written among its files
                raise ValueError("empty (an unset shell variable?); give a directory")
            return Path(text)
        if kind == Mapping[str, float]:
            mapping = json.loads(text) if isinstance(raw, str) else dict(raw)
            return MappingProxyType({str(k): _finite(v) for k, v in mapping.items()})
        if kind == tuple[str, ...]:
            if isinstance(raw, str):
                items = json.loads(text) if text.startswith("[") else text.split(",")
            else:
                items = list(raw)
            return tuple(str(item).strip() for item in items if str(item).strip())
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: {raw!r} does not parse ({exc})") from None
    # Text settings; an optional one is off when empty.
    if not isinstance(raw, (str, os.PathLike)):
        raise ConfigError(f"{name}: {raw!r} is not text")
    return (text or None) if kind == (str | None) else text


@dataclass(frozen=True)
class TopicPolicyConfig:
    """The topic revisit policy's parameters (``newsbot/topic_policy.py``), from
    ``NewsbotConfig.topic_policy()``."""

    budget: int
    """Topic page requests per run (first pages and their later pages)."""
    window_days: int
    """Candidates: topics named by stories published within this many days."""
    max_wait_runs: int
    """A topic named and not visited since is visited within this many runs."""
    pages_share: float = 0.2
    """Share of the budget kept for later pages of topics whose first page held news."""

    @property
    def first_pages(self) -> int:
        """Topics a run plans: the budget less the share kept for later pages."""
        if self.budget <= 1:
            return self.budget
        return max(1, int(self.budget * (1 - self.pages_share)))


#: Scrapy's own settings a typo in which stalls or breaks a crawl, with the least value
#: each may take and whether that least is allowed: ``CONCURRENT_REQUESTS=0`` (meant as
#: 10) left a crawl waiting for ever with nothing in flight, and ``=abc`` was a traceback
#: from deep in the engine.
SCRAPY_SETTING_BOUNDS: Mapping[str, tuple[type[int] | type[float], float, bool]] = MappingProxyType(
    {
        "CONCURRENT_REQUESTS": (int, 1, True),
        "CONCURRENT_REQUESTS_PER_DOMAIN": (int, 1, True),
        "CONCURRENT_REQUESTS_PER_IP": (int, 0, True),  # 0: by domain
        "CONCURRENT_ITEMS": (int, 1, True),
        "DOWNLOAD_DELAY": (float, 0, True),
        "DOWNLOAD_TIMEOUT": (float, 0, False),
        "DOWNLOAD_MAXSIZE": (int, 0, True),  # 0: no limit
        "DOWNLOAD_WARNSIZE": (int, 0, True),
        "RETRY_TIMES": (int, 0, True),
        "DEPTH_LIMIT": (int, 0, True),  # 0: no limit
        "AUTOTHROTTLE_TARGET_CONCURRENCY": (float, 0, False),
        "REDIRECT_MAX_TIMES": (int, 0, True),
        "METAREFRESH_MAXDELAY": (float, 0, True),
    }
)


#: Scrapy's own on/off settings: every ``-s`` value (and Scrapyd's) is a string, and a word
#: Scrapy's ``getbool`` does not know (``ROBOTSTXT_OBEY=maybe``) was a traceback from
#: inside the crawler's start, exit status 1, where a bad setting is exit status 2.
SCRAPY_BOOL_SETTINGS = (
    "ROBOTSTXT_OBEY",
    "AUTOTHROTTLE_ENABLED",
    "HTTPCACHE_ENABLED",
    "COOKIES_ENABLED",
    "RETRY_ENABLED",
    "REDIRECT_ENABLED",
    "COMPRESSION_ENABLED",
    "TELNETCONSOLE_ENABLED",
    "HTTPERROR_ALLOW_ALL",
    "METAREFRESH_ENABLED",
    "RANDOMIZE_DOWNLOAD_DELAY",
    "DNSCACHE_ENABLED",
    "MEMUSAGE_ENABLED",
    # "maybe" here failed every request ("Unsupported URL scheme"): exit 8, an outage.
    "DOWNLOAD_FAIL_ON_DATALOSS",
)
#: Scrapy's lists of HTTP statuses (``RETRY_HTTP_CODES=500,abc``: a traceback too).
SCRAPY_STATUS_LIST_SETTINGS = ("RETRY_HTTP_CODES", "HTTPERROR_ALLOWED_CODES")


def check_scrapy_settings(settings: BaseSettings) -> None:
    """``ConfigError`` naming the first of ``SCRAPY_SETTING_BOUNDS`` that does not parse or
    is out of range, or of ``SCRAPY_BOOL_SETTINGS`` and ``SCRAPY_STATUS_LIST_SETTINGS``
    that does not parse; the crawl command refuses the run with it (exit status 2)."""
    for name in SCRAPY_BOOL_SETTINGS:
        raw = settings.get(name)
        if raw is None:
            continue
        try:
            settings.getbool(name)
        except ValueError:
            raise ConfigError(f"{name}: {raw!r} is not true/false") from None
    for name in SCRAPY_STATUS_LIST_SETTINGS:
        raw = settings.get(name)
        if raw is None:
            continue
        try:
            statuses = [int(code) for code in settings.getlist(name)]
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: {raw!r} is not a list of HTTP statuses") from None
        if any(not 100 <= code <= 999 for code in statuses):  # three digits, as Scrapy takes
            raise ConfigError(f"{name}: {raw!r} is not a list of HTTP statuses")
    for name, (kind, least, allowed) in SCRAPY_SETTING_BOUNDS.items():
        raw = settings.get(name)
        if raw is None:
            continue
        try:
            value = settings.getint(name) if kind is int else settings.getfloat(name)
        except (TypeError, ValueError):
            what = "a whole number" if kind is int else "a number"
            raise ConfigError(f"{name}: {raw!r} is not {what}") from None
        if not math.isfinite(value):
            raise ConfigError(f"{name}: {raw!r} is not a finite number")
        if value < least or (value == least and not allowed):
            bound = f"at least {least:g}" if allowed else f"more than {least:g}"
            raise ConfigError(f"{name}: {raw!r} must be {bound}")


#: ``NEWSBOT_*`` names that are no field of the config: read by others (the benchmark's probe).
OTHER_SETTINGS_PREFIXES = ("NEWSBOT_BENCH_",)


def unknown_settings(settings: BaseSettings) -> list[str]:
    """``NEWSBOT_*`` settings that nothing reads, each with the closest known name.

    A misspelt setting (``-s NEWSBOT_FED=...``) was silently ignored, and the run wrote
    into the default feed the operator meant to keep apart.
    """
    known = {
        spec.metadata["setting"]
        for spec in dataclasses.fields(NewsbotConfig)
        if "setting" in spec.metadata
    }
    problems = []
    for name in sorted(str(key) for key in settings.attributes):
        if not name.startswith("NEWSBOT_") or name in known:
            continue
        if name.startswith(OTHER_SETTINGS_PREFIXES):
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        problems.append(f"{name} is no setting of newsbot{hint}")
    return problems
