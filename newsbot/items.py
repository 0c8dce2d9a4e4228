"""The output contract: one ``Story`` per news story.

Field names, order and types are the JSON Lines schema users read; see the README.
Every field is normalized by ``newsbot.loaders`` (``build_story``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass
class Story:
    """A news story as it appears in ``output/urdupoint.jsonl``."""

    url: str | None = None  # canonical story URL
    article_id: str | None = None  # numeric id from the URL, as a string
    title: str | None = None
    summary: str | None = None  # the h2 standfirst
    author: str | None = None  # None for wire stories without a byline name
    author_handle: str | None = None  # "@handle"
    published_at: str | None = None  # ISO 8601 in the site's offset (+05:00)
    modified_at: str | None = None
    section: str | None = None  # from the URL
    category: str | None = None  # the name the page gives ("More Stories From ...")
    dateline_place: str | None = None
    source_agency: str | None = None
    body: str | None = None  # paragraphs joined by a blank line
    related_topics: list[str] = field(default_factory=list)
    image_url: str | None = None
    language: str = "en"
    word_count: int | None = None
    content_hash: str | None = None  # sha256 of the normalized body
    crawled_at: str | None = None  # UTC, ISO 8601

    def set_body(self, body: str) -> None:
        """Set the body and the fields derived from it, so they never disagree."""
        self.body = body
        self.word_count = len(body.split())
        self.content_hash = hashlib.sha256(body.encode("utf-8")).hexdigest()

    def set_paragraphs(self, paragraphs: list[str]) -> None:
        """``set_body`` of the paragraphs joined by a blank line, for paragraphs already in
        ``normalize_space``'s form (non-empty, words between single spaces).

        Their words are then counted by their spaces, without ``split`` building a string
        per word of the story (most of what building an item cost).
        """
        self.body = body = "\n\n".join(paragraphs)
        self.word_count = body.count(" ") + len(paragraphs)
        self.content_hash = hashlib.sha256(body.encode("utf-8")).hexdigest()
