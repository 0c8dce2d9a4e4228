"""The sample site at the real site's scale, hour by hour (``--scale real``).

The small sites (``model.build_model``) have 20 topics and a few stories a topic: they hide
what an hourly crawl costs on the real site, whose stories name 12-18 Related Topics drawn
from thousands. This model has:

- ``stories_per_day`` stories (450 by default) spread over the hours of the day (fewer at
  night), for ``history_days`` before the simulated week and the ``days`` of the week;
- a vocabulary of ``vocabulary`` topic names (10,000), each story naming 12-18 of them,
  drawn Zipf-like (a topic's weight is ``1 / rank``): a few topics are on most stories,
  most are rare;
- a share (``topic_only_share``, 3%) of stories that no category listing or feed shows:
  reachable only through their topics' pages;
- paginated listings, newest first (10 cards a page), and the RSS feed of the latest 20
  listed stories;
- *hourly editions*: ``ScaleSite.at(hour)`` is the site as it stood at that hour of the
  week (hour 0: the start of the week), so a sequence of hourly runs can be replayed.
  A story published later than the hour answers 404, and no page links it yet.

Story pages, listings and the feed use the small site's renderer (``render.py``), so the
crawler sees the same markup. Pages are rendered when asked for (``ScaleSiteServer``):
writing every edition to disk would take hundreds of thousands of files;
``write_edition`` writes one when a docroot is wanted. Stdlib only, deterministic.
"""

from __future__ import annotations

import random
import re
import threading
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import accumulate
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from . import render
from .model import CATEGORIES, OLD_LAYOUT_CATEGORIES, PKT, SiteModel, Story, make_story, slugify

RSS_SIZE = 20
WEEK_START = datetime(2026, 11, 16, 0, 0, tzinfo=PKT)
"""Hour 0 of the simulated week (in the past, so no story is dated ahead of the clock)."""
FIRST_ID = 3_100_000
#: Relative story volume by hour of the day (site clock): quiet nights, busy days.
DIURNAL = (2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 8, 8, 7, 7, 6, 6, 5, 4, 3, 3)
SYLLABLES = (
    "ka", "ra", "chi", "la", "hor", "is", "lam", "ab", "pe", "sha", "war", "quet", "ta",
    "mul", "tan", "sia", "kot", "gil", "git", "bal", "tis", "mo", "sco", "bei", "jing",
    "lon", "don", "zu", "rich", "du", "bai", "ky", "iv", "no", "va", "ze", "mir", "an",
    "del", "ros", "vin", "ter", "sol", "mar", "ben", "gal", "dor", "fen", "ha", "ru",
)  # fmt: skip
SUFFIXES = (
    "", "", "", " Province", " River", " Accord", " Summit", " Council", " Project",
    " Exports", " Market", " League", " Dam", " Corridor", " Crisis", " Reforms",
)  # fmt: skip


#: Related Topics a story names (the real site's 12-18): the smallest vocabulary is the maximum.
TOPICS_PER_STORY = (12, 18)


@dataclass(frozen=True)
class ScaleSpec:
    """The shape of a real-scale site (the defaults are the issue's targets)."""

    stories_per_day: int = 450
    vocabulary: int = 10_000
    days: int = 7
    history_days: int = 2
    topic_only_share: float = 0.03
    topics_per_story: tuple[int, int] = TOPICS_PER_STORY
    seed: int = 7

    def __post_init__(self) -> None:
        """Refuse a shape the site cannot be drawn in: a story's topics are distinct names,
        so a vocabulary smaller than ``topics_per_story``'s maximum would be drawn from for
        ever."""
        low, high = self.topics_per_story
        if not 0 <= low <= high:
            raise ValueError(
                f"topics_per_story must be (low, high), 0 <= low <= high: {self.topics_per_story}"
            )
        if self.vocabulary < high:
            raise ValueError(
                f"vocabulary must hold at least {high} topic names (a story names up to {high} "
                f"distinct topics), not {self.vocabulary}"
            )

    @property
    def hours(self) -> int:
        return 24 * self.days


def topic_vocabulary(size: int, seed: int) -> list[str]:
    """``size`` distinct topic names (distinct slugs too), most frequent first."""
    rng = random.Random(f"{seed}:vocabulary")
    names: list[str] = []
    slugs: set[str] = set()
    while len(names) < size:
        words = []
        for _ in range(1 if rng.random() < 0.6 else 2):
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
            words.append(word.capitalize())
        name = " ".join(words) + rng.choice(SUFFIXES)
        if slugify(name) not in slugs:
            slugs.add(slugify(name))
            names.append(name)
    return names


def _publication_times(spec: ScaleSpec) -> list[datetime]:
    """Every story's publication time, oldest first: the day's volume split by ``DIURNAL``."""
    rng = random.Random(f"{spec.seed}:scale-clock")
    times = []
    weight = sum(DIURNAL)
    start = WEEK_START - timedelta(days=spec.history_days)
    for day in range(spec.history_days + spec.days):
        for hour, share in enumerate(DIURNAL):
            expected = spec.stories_per_day * share / weight
            count = int(expected) + (rng.random() < expected - int(expected))
            base = start + timedelta(days=day, hours=hour)
            minutes = sorted(rng.randrange(60) for _ in range(count))
            times += [base + timedelta(minutes=m) for m in minutes]
    return times


def build_scale_stories(spec: ScaleSpec) -> list[Story]:
    """All stories of the history and the week, oldest first, with ids growing."""
    names = topic_vocabulary(spec.vocabulary, spec.seed)
    cumulative = list(accumulate(1 / rank for rank in range(1, len(names) + 1)))
    total = cumulative[-1]
    stories: list[Story] = []
    signatures: set[tuple[str, ...]] = set()
    article_id = FIRST_ID
    for index, published in enumerate(_publication_times(spec)):
        rng = random.Random(f"{spec.seed}:scale-story:{index}")
        article_id += rng.randint(1, 9)
        kind = "topic_only" if rng.random() < spec.topic_only_share else "story"
        salt = 0
        while True:
            story = make_story(
                spec.seed + 1000, index, article_id, published, kind, ["-"], 1, 60, salt
            )
            if story.signature not in signatures:
                break
            salt += 1
        signatures.add(story.signature)
        wanted = rng.randint(*spec.topics_per_story)
        topics: dict[str, None] = {}
        while len(topics) < wanted:
            topics.setdefault(names[bisect_right(cumulative, rng.random() * total)])
        stories.append(replace(story, topics=list(topics), tracking=""))
    return stories


@dataclass
class ScaleSite:
    """The whole week's stories; ``at(hour)`` gives an hourly edition."""

    spec: ScaleSpec = field(default_factory=ScaleSpec)

    @cached_property
    def stories(self) -> list[Story]:
        return build_scale_stories(self.spec)

    @cached_property
    def _times(self) -> list[datetime]:
        return [s.published for s in self.stories]

    def moment(self, hour: int) -> datetime:
        return WEEK_START + timedelta(hours=hour)

    def at(self, hour: int) -> Edition:
        """The site as it stood at ``hour`` of the week (stories published by then)."""
        count = bisect_right(self._times, self.moment(hour))
        return Edition(self, hour, self.stories[:count])


class Edition:
    """One hourly edition: pages rendered on request (``render_path``)."""

    def __init__(self, site: ScaleSite, hour: int, stories: list[Story]):
        self.hour = hour
        self.stories = stories
        self.view = SiteModel(
            seed=site.spec.seed, edition=1, base_stories=len(stories), stories=stories
        )
        self._by_id = {str(s.article_id): s for s in stories}
        self._sections: dict[str, list[Story]] = {c: [] for c in CATEGORIES}
        self._topics: dict[str, list[Story]] = {}
        self._names: dict[str, str] = {}
        for story in reversed(stories):  # newest first
            if story.on_listing:
                self._sections[story.section].append(story)
            for topic in story.topics:
                slug = slugify(topic)
                self._topics.setdefault(slug, []).append(story)
                self._names.setdefault(slug, topic)
        self._listed = [s for s in reversed(stories) if s.on_listing]

    def render_path(self, path: str, base_url: str) -> tuple[int, str, str]:
        """(status, content type, body) of a page of this edition."""
        html = "text/html; charset=utf-8"
        year = self.view.stories[-1].published.year if self.stories else 2026
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", render.render_robots()
        if path == "/en/sitemap/news.rss":
            body = render.render_rss(self._listed[:RSS_SIZE], base_url)
            return 200, "application/rss+xml; charset=utf-8", body
        listing = LISTING_RE.match(path)
        if listing:
            kind, slug, number = listing["kind"], listing["slug"], int(listing["page"] or 1)
            if kind == "news" and slug in self._sections:
                heading, pool = f"{CATEGORIES[slug]} News", self._sections[slug]
            elif kind == "topics" and slug in self._topics:
                heading, pool = self._names[slug], self._topics[slug]
            else:
                return 404, html, NOT_FOUND
            pages = render.pages_of(pool)
            if number > len(pages):
                return 404, html, NOT_FOUND
            body = render.render_listing(
                heading,
                f"/en/{kind}/{slug}",
                number,
                len(pages),
                pages[number - 1],
                base_url,
                year,
                old_layout=kind == "news" and slug in OLD_LAYOUT_CATEGORIES,
            )
            return 200, html, body
        story_match = STORY_RE.match(path)
        story = self._by_id.get(story_match["id"]) if story_match else None
        if story is None or story.path != path:
            return 404, html, NOT_FOUND
        return 200, html, render.render_story(self.view, story, base_url)


LISTING_RE = re.compile(
    r"^/en/(?P<kind>news|topics)/(?P<slug>[a-z0-9-]+?)(?:-updates(?P<page>\d+))?\.html$"
)
STORY_RE = re.compile(r"^/en/[a-z]+/[a-z0-9-]+-(?P<id>\d+)\.html$")
NOT_FOUND = "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>"


def write_edition(edition: Edition, docroot: Path, base_url: str) -> int:
    """Write every page of ``edition`` under ``docroot`` (for a static server); pages written."""
    paths = ["/robots.txt", "/en/sitemap/news.rss"]
    paths += [s.path for s in edition.stories]
    for kind, pools in (("news", edition._sections), ("topics", edition._topics)):
        for slug, pool in pools.items():
            for number in range(1, len(render.pages_of(pool)) + 1):
                paths.append(render.listing_path(f"/en/{kind}/{slug}", number))
    for path in paths:
        _, _, body = edition.render_path(path, base_url)
        target = docroot / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8", newline="\n")
    return len(paths)


def ground_truth(site: ScaleSite, base_url: str) -> list[dict[str, Any]]:
    """What the freshness simulation checks, per story of the week and its history."""
    return [
        {
            "article_id": str(s.article_id),
            "url": base_url + s.path,
            "published_at": s.published.isoformat(timespec="seconds"),
            "listed": s.on_listing,
        }
        for s in site.stories
    ]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "SampleSite/1.0"

    def do_GET(self) -> None:
        edition = self.server.edition
        path = unquote(urlsplit(self.path).path)
        status, ctype, text = edition.render_path(path, self.server.base_url)
        body = text.encode("utf-8")
        self.send_response(HTTPStatus(status))
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: a week of runs makes tens of thousands of requests."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    edition: Edition
    base_url: str


class ScaleSiteServer:
    """Serves one hourly edition of a ``ScaleSite`` on loopback; ``set_hour`` moves on."""

    def __init__(self, site: ScaleSite, hour: int = 0, host: str = "127.0.0.1", port: int = 0):
        self.site = site
        self._httpd = _Server((host, port), _Handler)
        self._httpd.base_url = f"http://{host}:{self._httpd.server_address[1]}"
        self._httpd.edition = site.at(hour)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return self._httpd.base_url

    @property
    def edition(self) -> Edition:
        return self._httpd.edition

    def set_hour(self, hour: int) -> Edition:
        self._httpd.edition = self.site.at(hour)
        return self._httpd.edition

    def __enter__(self) -> ScaleSiteServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._thread.join()
        self._httpd.server_close()
