"""The project's own settings, read once per crawler into a typed, validated config.

Components call ``NewsbotConfig.from_settings(crawler.settings)`` in ``from_crawler``
and keep the result; nothing reads settings later or through a global.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scrapy.settings import BaseSettings


@dataclass(frozen=True)
class NewsbotConfig:
    state_dir: Path
    dropped_feed: str | None
    min_words: int
    boilerplate_min_stories: int
    near_duplicate_similarity: float
    near_duplicate_window_days: int
    drop_templates: bool

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> NewsbotConfig:
        config = cls(
            state_dir=Path(settings.get("NEWSBOT_STATE_DIR", "output/state")),
            dropped_feed=settings.get("NEWSBOT_DROPPED_FEED") or None,
            min_words=settings.getint("NEWSBOT_MIN_WORDS", 25),
            boilerplate_min_stories=settings.getint("NEWSBOT_BOILERPLATE_MIN_STORIES", 5),
            near_duplicate_similarity=settings.getfloat("NEWSBOT_NEAR_DUPLICATE_SIMILARITY", 0.9),
            near_duplicate_window_days=settings.getint("NEWSBOT_NEAR_DUPLICATE_WINDOW_DAYS", 14),
            drop_templates=settings.getbool("NEWSBOT_DROP_TEMPLATES", True),
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

    def state_path(self, spider_name: str) -> Path:
        """One state database per spider, shared by all its runs (and Scrapyd jobs)."""
        return self.state_dir / f"{spider_name}.sqlite3"

    def dropped_path(self, spider_name: str) -> Path | None:
        return Path(self.dropped_feed % {"name": spider_name}) if self.dropped_feed else None
