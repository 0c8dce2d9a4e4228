"""``scrapy rebuild-state <spider>``: a new state file from the feed, the old one kept aside.

Why: a damaged state file (a page overwritten, or not a database at all) stops every
crawl at start-up (``scrapy crawl`` exits with status 5). Deleting it would make the
next crawl write every story again; the feed, though, is the record of what was
emitted. This command moves the damaged file (and its ``-wal``/``-shm``) aside as
``<file>.damaged-<UTC time>`` and rebuilds from the feed's whole lines what the crawl
needs so that it neither repeats nor loses a story:

- the emitted stories, with their exact-body and template hashes and, for those within
  the near-duplicate window, their text and sketch (``remember_emitted``, the pipeline's
  own method; a story with several versions keeps the last);
- every story page as fetched, so the next crawl does not download them again
  (``remember_story_seen``);
- how much of the feed is accounted for; a torn last line is cut off.

What the feed cannot tell is learned again by the next crawls: the boilerplate
paragraph counts (the feed holds bodies without boilerplate), the topic pages to
revisit, and a crawl in progress (the next crawl starts afresh from the listings;
stories it had staged are fetched again).
"""

from __future__ import annotations

import argparse
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsbot.addons import default_feed
from newsbot.config import NewsbotConfig
from newsbot.exitcodes import ExitCode
from newsbot.feeds import FeedInUse, lock_feed
from newsbot.items import Story
from newsbot.state.lock import StateInUse, lock_state
from newsbot.state.sqlite import SqliteStateStore
from newsbot.text.fingerprints import StoryPrint

logger = logging.getLogger(__name__)


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "<spider> [--feed FILE]"

    def short_desc(self) -> str:
        return "Rebuild a spider's state from its feed (the old state file is kept aside)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--feed", metavar="FILE", help="the feed to rebuild from (default: NEWSBOT_FEED)"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if len(args) != 1:
            raise UsageError("give the spider's name: scrapy rebuild-state urdupoint")
        config = NewsbotConfig.from_settings(self.settings)
        if config.redis_url:
            raise UsageError("NEWSBOT_REDIS_URL is set: the state is in Redis, not in a file")
        path = config.state_path(args[0])
        feed = Path(opts.feed) if opts.feed else default_feed(self.settings)
        if feed is None or not feed.is_file():
            logger.error("No feed to rebuild the state from: %s (give --feed FILE)", feed)
            self.exitcode = int(ExitCode.BAD_ARGUMENT)
            return
        try:
            state_lock = lock_state(path)
        except StateInUse as exc:
            logger.error("Not rebuilding: %s", exc)
            self.exitcode = int(ExitCode.STATE_IN_USE)
            return
        try:
            feed_lock = lock_feed(feed)
        except FeedInUse as exc:
            state_lock.close()
            logger.error("Not rebuilding: %s", exc)
            self.exitcode = int(ExitCode.FEED_UNWRITABLE)
            return
        try:
            kept = move_aside(path)
            stories, lines = rebuild(path, feed, config.near_duplicate_window_days)
        finally:
            feed_lock.close()
            state_lock.close()
        if kept:
            logger.info("The old state file is kept as %s", kept)
        logger.info(
            "Rebuilt the state %s from %s: %d stories from %d whole lines",
            path,
            feed,
            stories,
            lines,
        )


def move_aside(path: Path) -> Path | None:
    """Rename the state file and its WAL companions to ``<name>.damaged-<UTC time>``."""
    if not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(kept.with_name(kept.name + suffix))
    return kept


def rebuild(path: Path, feed: Path, window_days: int) -> tuple[int, int]:
    """A new state at ``path`` from the whole lines of ``feed``: (stories, lines)."""
    cut_torn_line(feed)
    store = SqliteStateStore(path)
    stories = lines = 0
    try:
        with feed.open("rb") as handle:
            for raw in handle:
                lines += 1
                try:
                    item = Story(**json.loads(raw))
                except (ValueError, TypeError):
                    logger.warning("Line %d of %s is not a story: skipped", lines, feed)
                    continue
                if not item.article_id:
                    continue
                if store.was_emitted(item.article_id):
                    store.retire_body(item.article_id)  # a later version replaces it
                else:
                    stories += 1
                store.remember_emitted(item, StoryPrint.of(item.title or "", item.body or ""))
                store.remember_story_seen(item.article_id, item.published_at)
        store.prune(window_days)
        store.watch_feed(feed)  # closing notes the feed's size: all of it is accounted for
    finally:
        store.close()
    return stories, lines


def cut_torn_line(feed: Path) -> None:
    """Cut a last line without its newline (a write cut short): it was never written."""
    size = feed.stat().st_size
    if not size:
        return
    with feed.open("r+b") as handle:
        chunk = 1 << 16
        end = size
        while end > 0:
            start = max(0, end - chunk)
            handle.seek(start)
            block = handle.read(end - start)
            if end == size and block.endswith(b"\n"):
                return
            newline = block.rfind(b"\n")
            if newline >= 0:
                handle.truncate(start + newline + 1)
                return
            end = start
        handle.truncate(0)
