"""Boilerplate: paragraphs the site repeats, and stories that are not real stories."""

from __future__ import annotations

import re

from scrapy.crawler import Crawler

from newsbot.config import NewsbotConfig
from newsbot.extensions.drops import StoryDropped
from newsbot.extensions.state import state_store
from newsbot.items import Story
from newsbot.pipelines.dedupe import remember_print, story_print
from newsbot.site.challenge import is_challenge_title
from newsbot.state.base import StateStore

NOT_FOUND_TITLE_RE = re.compile(r"^(page not found|404\b|not found\b)", re.I)


class DropNonStories:
    """Pages that are not stories but look like one: soft 404s and challenge pages."""

    def process_item(self, item: Story) -> Story:
        title = item.title or ""
        if NOT_FOUND_TITLE_RE.match(title):
            raise StoryDropped("not_found")
        if is_challenge_title(title):
            raise StoryDropped("challenge")
        return item


class StripBoilerplate:
    """Remove paragraphs seen in more than ``NEWSBOT_BOILERPLATE_MIN_STORIES`` stories.

    The counts are kept in the state store across runs; stories are released only
    after the whole run was counted (``staging.py``), so the first stories that carry
    a promo paragraph lose it too.
    """

    def __init__(self, state: StateStore, min_stories: int):
        self.state = state
        self.min_stories = min_stories

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StripBoilerplate:
        config = NewsbotConfig.from_crawler(crawler)
        return cls(state_store(crawler), config.boilerplate_min_stories)

    def process_item(self, item: Story) -> Story:
        boilerplate = self.state.boilerplate_paragraphs(self.min_stories)
        if not boilerplate or not item.body:
            return item
        fingerprint = story_print(item)  # its paragraph hashes, and the dedupe's print
        keep = [digest not in boilerplate for digest in fingerprint.paragraph_hashes]
        if not all(keep):
            paragraphs = item.body.split("\n\n")
            item.set_body("\n\n".join(p for p, kept in zip(paragraphs, keep, strict=True) if kept))
            remember_print(item, fingerprint.keeping(keep))
        return item


class DropStubs:
    """Bodies under ``NEWSBOT_MIN_WORDS`` words (video-only pages, empty bodies)."""

    def __init__(self, min_words: int):
        self.min_words = min_words

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DropStubs:
        return cls(NewsbotConfig.from_crawler(crawler).min_words)

    def process_item(self, item: Story) -> Story:
        if (item.word_count or 0) < self.min_words:
            raise StoryDropped("stub")
        return item


class DropTemplates:
    """Stories equal to an earlier one once numbers, dates, days and months are masked.

    The first story of a series is emitted; its template is remembered, so later
    runs drop the rest of the series. ``NEWSBOT_DROP_TEMPLATES = False`` keeps them.
    """

    def __init__(self, state: StateStore, enabled: bool):
        self.state = state
        self.enabled = enabled

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DropTemplates:
        config = NewsbotConfig.from_crawler(crawler)
        return cls(state_store(crawler), config.drop_templates)

    def process_item(self, item: Story) -> Story:
        """Runs before the dedupe: a daily series is a template even when two days' texts
        are similar enough to pass for near-duplicates. The same story (same id, or the
        same words under another id) is left to the dedupe."""
        if not self.enabled:
            return item
        fingerprint = story_print(item)
        first = self.state.emitted_with_template(fingerprint)
        if first is None or first == item.article_id:
            return item
        if self.state.emitted_with_body(fingerprint) is not None:
            return item
        raise StoryDropped("template", duplicate_of=first)
