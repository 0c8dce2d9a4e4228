"""The project's own settings, read once per crawler into a typed, validated config.

Components call ``NewsbotConfig.from_settings(crawler.settings)`` in ``from_crawler``
and keep the result; nothing reads settings later or through a global.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.settings import BaseSettings
from scrapy.utils.conf import closest_scrapy_cfg

from newsbot.alarms import Thresholds


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


#: One process, one SQLite file per spider (``RedisAddon`` switches to Redis).
DEFAULT_STATE_STORE = "newsbot.state.sqlite.SqliteStateStore"


@dataclass(frozen=True)
class NewsbotConfig:
    state_dir: Path
    dropped_feed: str | None
    min_words: int
    boilerplate_min_stories: int
    near_duplicate_similarity: float
    near_duplicate_window_days: int
    drop_templates: bool
    #: ``NEWSBOT_REPORT``: a copy of the latest run's report (the record is per run).
    latest_report: str | None = None
    #: ``NEWSBOT_CONTACT``: the operator's e-mail or URL, carried by the User-Agent.
    contact: str | None = None
    #: Links taken from one page: a hostile page must not cost thousands of requests.
    max_topics_per_story: int = 50
    max_links_per_listing: int = 500
    #: Story pages in a row the browser retry of an empty body did not help, before it stops.
    browser_retry_breaker: int = 5
    # --- alarms against the site's history (newsbot.alarms, newsbot.baseline) ---
    report_min_pages: int = 10
    alarm_first_run_coverage: dict[str, float] = field(default_factory=dict)
    alarm_coverage_drop: float = 0.3
    alarm_signal_drop: float = 0.2
    alarm_drop_rate_rise: float = 0.2
    baseline_weight: float = 0.3
    #: The ``StateStore`` class, as a class path (``NEWSBOT_STATE_STORE``).
    state_store: str = DEFAULT_STATE_STORE

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> NewsbotConfig:
        config = cls(
            state_dir=project_path(settings.get("NEWSBOT_STATE_DIR", "output/state")),
            dropped_feed=settings.get("NEWSBOT_DROPPED_FEED") or None,
            min_words=settings.getint("NEWSBOT_MIN_WORDS", 25),
            boilerplate_min_stories=settings.getint("NEWSBOT_BOILERPLATE_MIN_STORIES", 5),
            near_duplicate_similarity=settings.getfloat("NEWSBOT_NEAR_DUPLICATE_SIMILARITY", 0.9),
            near_duplicate_window_days=settings.getint("NEWSBOT_NEAR_DUPLICATE_WINDOW_DAYS", 14),
            drop_templates=settings.getbool("NEWSBOT_DROP_TEMPLATES", True),
            latest_report=settings.get("NEWSBOT_REPORT") or None,
            contact=(settings.get("NEWSBOT_CONTACT") or "").strip() or None,
            max_topics_per_story=settings.getint("NEWSBOT_MAX_TOPICS_PER_STORY", 50),
            max_links_per_listing=settings.getint("NEWSBOT_MAX_LINKS_PER_LISTING", 500),
            browser_retry_breaker=settings.getint("NEWSBOT_BROWSER_RETRY_BREAKER", 5),
            report_min_pages=settings.getint("NEWSBOT_REPORT_MIN_PAGES", 10),
            alarm_first_run_coverage={
                str(name): float(share)
                for name, share in settings.getdict("NEWSBOT_ALARM_FIRST_RUN_COVERAGE").items()
            },
            alarm_coverage_drop=settings.getfloat("NEWSBOT_ALARM_COVERAGE_DROP", 0.3),
            alarm_signal_drop=settings.getfloat("NEWSBOT_ALARM_SIGNAL_DROP", 0.2),
            alarm_drop_rate_rise=settings.getfloat("NEWSBOT_ALARM_DROP_RATE_RISE", 0.2),
            baseline_weight=settings.getfloat("NEWSBOT_BASELINE_WEIGHT", 0.3),
            state_store=settings.get("NEWSBOT_STATE_STORE") or DEFAULT_STATE_STORE,
        )
        config.validate()
        return config

    def validate(self) -> None:
        if self.min_words < 0:
            raise ValueError(f"NEWSBOT_MIN_WORDS must be 0 or more, got {self.min_words}")
        if self.boilerplate_min_stories < 1:
            raise ValueError(
                "NEWSBOT_BOILERPLATE_MIN_STORIES must be 1 or more, "
                f"got {self.boilerplate_min_stories}"
            )
        if not 0 < self.near_duplicate_similarity <= 1:
            raise ValueError(
                "NEWSBOT_NEAR_DUPLICATE_SIMILARITY must be in (0, 1], "
                f"got {self.near_duplicate_similarity}"
            )
        if self.near_duplicate_window_days < 1:
            raise ValueError(
                "NEWSBOT_NEAR_DUPLICATE_WINDOW_DAYS must be 1 or more, "
                f"got {self.near_duplicate_window_days}"
            )
        if self.contact is not None and not CONTACT_RE.match(self.contact):
            raise ValueError(
                f"NEWSBOT_CONTACT must be an e-mail address or an http(s) URL, got {self.contact!r}"
            )
        for name, value in (
            ("NEWSBOT_ALARM_COVERAGE_DROP", self.alarm_coverage_drop),
            ("NEWSBOT_ALARM_SIGNAL_DROP", self.alarm_signal_drop),
            ("NEWSBOT_ALARM_DROP_RATE_RISE", self.alarm_drop_rate_rise),
            *(
                (f"NEWSBOT_ALARM_FIRST_RUN_COVERAGE[{key}]", share)
                for key, share in self.alarm_first_run_coverage.items()
            ),
        ):
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        if not 0 < self.baseline_weight <= 1:
            raise ValueError(
                f"NEWSBOT_BASELINE_WEIGHT must be in (0, 1], got {self.baseline_weight}"
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

        for name, value in (
            ("NEWSBOT_MAX_TOPICS_PER_STORY", self.max_topics_per_story),
            ("NEWSBOT_MAX_LINKS_PER_LISTING", self.max_links_per_listing),
            ("NEWSBOT_BROWSER_RETRY_BREAKER", self.browser_retry_breaker),
        ):
            if value < 1:
                raise ValueError(f"{name} must be 1 or more, got {value}")

    def state_path(self, spider_name: str) -> Path:
        """One state database per spider, shared by all its runs (and Scrapyd jobs)."""
        return self.state_dir / f"{spider_name}.sqlite3"

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


#: What ``NEWSBOT_CONTACT`` may be: an http(s) URL or an e-mail address. It goes into a
#: header, so no spaces, parentheses or control characters (a line break would forge headers).
CONTACT_RE = re.compile(r"^(?:https?://[^\s()<>\"]+|(?:mailto:)?[^\s()<>\"@:]+@[^\s()<>\"@]+)$")


@dataclass(frozen=True)
class TopicPolicyConfig:
    """The topic revisit policy's parameters (``newsbot/topic_policy.py``)."""

    budget: int
    """Topic page requests per run (first pages and their later pages)."""
    window_days: int
    """Candidates: topics named by stories published within this many days."""
    max_wait_runs: int
    """A topic named and not visited since is visited within this many runs."""
    pages_share: float = 0.2
    """Share of the budget kept for later pages of topics whose first page held news."""

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> TopicPolicyConfig:
        config = cls(
            budget=settings.getint("NEWSBOT_TOPIC_BUDGET", 80),
            window_days=settings.getint("NEWSBOT_TOPIC_REVISIT_DAYS", 7),
            max_wait_runs=settings.getint("NEWSBOT_TOPIC_MAX_WAIT_RUNS", 144),
        )
        if config.budget < 0:
            raise ValueError(f"NEWSBOT_TOPIC_BUDGET must be 0 or more, got {config.budget}")
        if config.max_wait_runs < 1:
            raise ValueError(
                f"NEWSBOT_TOPIC_MAX_WAIT_RUNS must be 1 or more, got {config.max_wait_runs}"
            )
        return config

    @property
    def first_pages(self) -> int:
        """Topics a run plans: the budget less the share kept for later pages."""
        if self.budget <= 1:
            return self.budget
        return max(1, int(self.budget * (1 - self.pages_share)))
