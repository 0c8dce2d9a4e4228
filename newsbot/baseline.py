"""The site's usual figures, learned from earlier good runs: what the alarms compare against.

A fixed threshold cannot tell a site where 60% of stories carry an author from one where
95% do; the site's own history can. After each run that ended "finished" with no alarm
and enough stories to judge, its shares (``newsbot.alarms.Figures``: coverage of each
field, which signal filled each field, drop rates by reason) are folded into an
exponential moving average (weight ``NEWSBOT_BASELINE_WEIGHT`` for the new run). A run
with alarms never teaches the baseline, so a redesign cannot become the new usual.

Kept out of the state store on purpose: it is a few hundred bytes read once and written
once per run, and the stores are the crawl's hot path. One JSON file beside the state
(``<NEWSBOT_STATE_DIR>/<spider>.baseline.json``, written atomically), or in Redis mode one
key (``<NEWSBOT_REDIS_PREFIX>:<spider>:baseline``), shared by every worker.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler

from newsbot.alarms import Figures
from newsbot.config import NewsbotConfig

logger = logging.getLogger(__name__)


class BaselineStore(Protocol):
    def load(self) -> Figures | None: ...
    def save(self, figures: Figures) -> None: ...


def blend(old: Figures | None, new: Figures, weight: float) -> Figures:
    """``new`` folded into ``old`` (exponential moving average); keys missing count as 0."""
    if old is None:
        return new

    def mix(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
        return {
            key: round((1 - weight) * a.get(key, 0.0) + weight * b.get(key, 0.0), 4)
            for key in a.keys() | b.keys()
        }

    signals = {
        name: mix(old.signals.get(name, {}), new.signals.get(name, {}))
        for name in old.signals.keys() | new.signals.keys()
    }
    return Figures(
        coverage=mix(old.coverage, new.coverage),
        signals=signals,
        drop_rates=mix(old.drop_rates, new.drop_rates),
        emitted=new.emitted,
        story_pages=new.story_pages,
    )


def to_json(figures: Figures, runs: int) -> str:
    data = {
        "runs": runs,
        "coverage": figures.coverage,
        "signals": figures.signals,
        "drop_rates": figures.drop_rates,
        "emitted": figures.emitted,
        "story_pages": figures.story_pages,
    }
    return json.dumps(data, sort_keys=True, indent=1)


def from_json(text: str) -> tuple[Figures, int]:
    data = json.loads(text)
    figures = Figures(
        coverage={str(k): float(v) for k, v in data["coverage"].items()},
        signals={
            str(name): {str(s): float(v) for s, v in by.items()}
            for name, by in data["signals"].items()
        },
        drop_rates={str(k): float(v) for k, v in data["drop_rates"].items()},
        emitted=int(data.get("emitted", 0)),
        story_pages=int(data.get("story_pages", 0)),
    )
    return figures, int(data.get("runs", 1))


class FileBaseline:
    """The baseline as a JSON file beside the state; a broken file is a first run, said once."""

    def __init__(self, path: Path):
        self.path = path
        self.runs = 0

    def load(self) -> Figures | None:
        try:
            figures, self.runs = from_json(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            logger.warning(
                "Ignoring the baseline %s (%s: %s): the first-run thresholds apply",
                self.path,
                type(exc).__name__,
                exc,
            )
            return None
        return figures

    def save(self, figures: Figures) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name, dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(to_json(figures, self.runs + 1))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class RedisBaseline:
    """The baseline as one Redis key, shared by the workers of a scale-out crawl."""

    def __init__(self, url: str, key: str):
        self.url = url
        self.key = key
        self.runs = 0

    def _client(self) -> Any:
        import redis  # only Redis mode needs the client

        return redis.Redis.from_url(self.url, socket_timeout=10)

    def load(self) -> Figures | None:
        with self._client() as client:
            text = client.get(self.key)
        if text is None:
            return None
        try:
            figures, self.runs = from_json(text.decode("utf-8"))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            logger.warning("Ignoring the baseline in Redis key %s (%s)", self.key, exc)
            return None
        return figures

    def save(self, figures: Figures) -> None:
        with self._client() as client:
            client.set(self.key, to_json(figures, self.runs + 1))


#: The baseline each crawl read at its end (see ``usual_for``).
_USUAL: WeakKeyDictionary[Crawler, Figures | None] = WeakKeyDictionary()


def usual_for(crawler: Crawler) -> Figures | None:
    """The crawl's baseline, read once whoever asks first (each monitor, the report).

    Why: every Spidermon monitor and the report judge the same run against the same
    baseline; reading it for each logged a damaged file's warning six times a run.
    """
    if crawler not in _USUAL:
        _USUAL[crawler] = for_crawler(crawler).load()
    return _USUAL[crawler]


def for_crawler(crawler: Crawler) -> BaselineStore:
    """The baseline store of the crawler's spider: Redis in Redis mode, else a file."""
    assert crawler.spidercls is not None
    name = crawler.spidercls.name
    config = NewsbotConfig.from_crawler(crawler)
    if url := config.redis_url:
        return RedisBaseline(url, f"{config.redis_namespace(name)}:baseline")
    return FileBaseline(config.state_dir / f"{name}.baseline.json")
