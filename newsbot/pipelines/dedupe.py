"""Every story once: by id, by exact body, and by nearly the same body.

The winner among duplicates is the earliest published story (ties: the lower id):
stories reach the pipelines in that order (``staging.py``), so the first one seen
is kept and the later ones are dropped with ``duplicate_of`` naming it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scrapy.crawler import Crawler

from newsbot.config import NewsbotConfig
from newsbot.extensions.drops import AlreadyEmitted, StoryDropped
from newsbot.extensions.state import state_store
from newsbot.items import Story
from newsbot.state.base import StateStore
from newsbot.text.fingerprints import StoryPrint
from newsbot.text.normalize import SITE_TZ

#: Prints shared by the pipelines one story passes through, one story after another.
#: Two entries, not more: an entry holds the body and its word list, about ten times the
#: body's size (50 MB for a page near DOWNLOAD_MAXSIZE); 64 of them took a crawl of such
#: pages past 1 GB.
_PRINTS: dict[tuple[str, str], StoryPrint] = {}
_PRINTS_KEPT = 2


def story_print(item: Story) -> StoryPrint:
    """The story's fingerprints, computed once for all pipelines that need them."""
    key = (item.title or "", item.body or "")
    found = _PRINTS.get(key)
    if found is None:
        found = StoryPrint.of(*key)
        remember_print(item, found)
    return found


def remember_print(item: Story, print_: StoryPrint) -> None:
    """``print_`` is the story's as it stands (a body just stripped, say): later
    ``story_print`` calls for it take this one instead of tokenizing the body again."""
    key = (item.title or "", item.body or "")
    _PRINTS.pop(key, None)
    _PRINTS[key] = print_
    while len(_PRINTS) > _PRINTS_KEPT:
        del _PRINTS[next(iter(_PRINTS))]


def _now_on_site_clock() -> str:
    return datetime.now(SITE_TZ).replace(microsecond=0).isoformat()


class DropDuplicates:
    """Same id (another URL of a story we have), same body, or a near-duplicate body.

    A story fetched again on purpose (the spider's ``recheck_hours``: it was published
    within that many hours) whose body changed is not a duplicate: it is emitted as a new
    version, with the same ``article_id`` and ``modified_at`` set. A story emitted before
    and fetched again for any other reason (``full=1``, a state deleted or rebuilt from the
    feed, a Redis that restarted empty, a backfill on a new state beside the old feed) is
    not written again, whatever its body: such a run has not learned the site's
    boilerplate yet, so its body differs from the feed's by the promo lines the first run
    stripped, and judging "changed" from it would write the story again. Nor is it a
    drop (``AlreadyEmitted``: the story is in the feed), so a full re-crawl does not
    fill the drops file. Staging holds one story per id, so the same id never comes
    twice in one release.
    """

    def __init__(self, state: StateStore, config: NewsbotConfig):
        self.state = state
        self.config = config
        self.recheck_hours = 0.0
        self.crawler: Crawler | None = None

    def open_spider(self) -> None:
        """The spider's ``recheck_hours``: known once the spider exists."""
        spider = self.crawler.spider if self.crawler is not None else None
        self.recheck_hours = float(getattr(spider, "recheck_hours", 0) or 0)

    def _rechecked(self, item: Story) -> bool:
        """Whether this run was asked to look at this story again for edits."""
        if not self.recheck_hours or not item.published_at:
            return False
        try:
            published = datetime.fromisoformat(item.published_at)
        except ValueError:
            return False
        return published >= datetime.now(SITE_TZ) - timedelta(hours=self.recheck_hours)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DropDuplicates:
        pipeline = cls(state_store(crawler), NewsbotConfig.from_crawler(crawler))
        pipeline.crawler = crawler
        return pipeline

    def process_item(self, item: Story) -> Story:
        assert item.article_id is not None
        fingerprint = story_print(item)
        emitted_hash = self.state.emitted_body_hash(item.article_id)
        if emitted_hash == fingerprint.body_hash or (
            emitted_hash is not None and not self._rechecked(item)
        ):
            raise AlreadyEmitted(item.article_id, unchanged=emitted_hash == fingerprint.body_hash)
        if emitted_hash is not None:  # fetched again (recheck_hours) and edited since
            item.modified_at = item.modified_at or _now_on_site_clock()
            self.state.retire_body(item.article_id)
        same_body = self.state.emitted_with_body(fingerprint)
        if same_body is not None:
            raise StoryDropped("duplicate_body", duplicate_of=same_body)
        near = self.state.near_duplicate_of(
            fingerprint,
            item.published_at,
            self.config.near_duplicate_window_days,
            self.config.near_duplicate_similarity,
            exclude=item.article_id,
        )
        if near is not None:
            raise StoryDropped("near_duplicate", duplicate_of=near)
        return item


class RememberEmitted:
    """Last pipeline: the story will be written, so remember it for dedupe and templates."""

    def __init__(self, state: StateStore, window_days: int):
        self.state = state
        self.window_days = window_days

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RememberEmitted:
        config = NewsbotConfig.from_crawler(crawler)
        return cls(state_store(crawler), config.near_duplicate_window_days)

    def process_item(self, item: Story) -> Story:
        self.state.remember_emitted(item, story_print(item))
        return item

    def close_spider(self) -> None:
        self.state.prune(self.window_days)
