"""``scrapy crawl``, with an exit status that tells cron and Scrapyd what happened.

Exactly Scrapy's command, plus:

- an exit status for each way a run can go wrong, from its finish reason
  (``newsbot.exitcodes``: 3 when the site changed its layout, and so on);
- the log's last line says that status and what it means, after the run summary
  (``extensions/summary.py``);
- a ``NEWSBOT_*`` setting that does not parse stops the run before anything starts,
  with one line naming it (exit status 2);
- one crawl at a time per state file (``newsbot.state.lock``): while a crawl of the
  spider runs on that state, another one logs who holds it and exits with status 4
  without fetching anything;
- a state file that fails its check (``PRAGMA quick_check``: damaged, or not a
  database) stops the run before anything is fetched, with status 5 and the command
  that rebuilds it from the feed (``scrapy rebuild-state``);
- one writer per feed: the default feed's lock (``newsbot.feeds.lock_feed``), and every
  local feed opened once before anything is fetched; a feed in use or that cannot be
  opened (a ``-O`` path under a file) stops the run with status 6. In Redis mode with
  the default ``NEWSBOT_FEED``, workers on one machine take a feed each
  (``urdupoint.jsonl``, ``urdupoint.2.jsonl``...: ``newsbot.feeds.lock_worker_feed``);
- the spider's arguments checked before the crawler starts (``check_arguments`` on the
  spider class): an unknown or bad one is one line naming it and exit status 2, where
  Scrapy would print it inside an asyncio traceback, or keep a misspelt one silently;
- in Redis mode, the server reached before anything is fetched (exit status 12).
"""

from __future__ import annotations

import argparse
import logging
from contextlib import ExitStack
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

from scrapy import Spider
from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler
from scrapy.settings import SETTINGS_PRIORITIES

from newsbot.config import ConfigError, NewsbotConfig, unknown_settings
from newsbot.exitcodes import ExitCode, describe, exit_code_for
from newsbot.feeds import FeedInUse, check_feed, local_feed_paths, lock_feed, lock_worker_feed
from newsbot.spiders.arguments import ArgumentError
from newsbot.state.guard import check_state, describe_failure
from newsbot.state.lock import StateInUse, lock_state

logger = logging.getLogger(__name__)

STATE_IN_USE_EXIT = ExitCode.STATE_IN_USE


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        try:
            config = NewsbotConfig.from_settings(self.settings)
        except ConfigError as exc:
            logger.error("Not crawling: bad setting %s", exc)
            self._finish(ExitCode.BAD_ARGUMENT, None)
            return
        if unknown := unknown_settings(self.settings):
            logger.error("Not crawling: unknown setting %s", "; ".join(unknown))
            self._finish(ExitCode.BAD_ARGUMENT, None)
            return
        if code := self._preflight(args, opts, config):
            self._finish(code, None)
            return
        with ExitStack() as locks:
            try:
                if (lock := self._lock_state(args, config)) is not None:
                    locks.callback(lock.close)
            except StateInUse as exc:
                logger.error(
                    "Not crawling: %s. Wait for it to end, or give this run its own "
                    "NEWSBOT_STATE_DIR (exit status %d)",
                    exc,
                    int(STATE_IN_USE_EXIT),
                )
                self._finish(STATE_IN_USE_EXIT, None)
                return
            if code := self._check_record(args, locks, config):
                self._finish(ExitCode(code), None)
                return
            self._crawlers: list[Crawler] = []
            super().run(args, opts)
        code, last_reason = ExitCode(self.exitcode) if self.exitcode else ExitCode.OK, None
        for crawler in self._crawlers:
            reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
            last_reason = reason
            if found := exit_code_for(reason):
                code, last_reason = found, reason
        self._finish(code, last_reason)

    def _finish(self, code: ExitCode, reason: str | None) -> None:
        """Set the exit status and say it as the log's last line, after the run summary:
        Scrapyd shows the status nowhere else."""
        self.exitcode = int(code)
        # INFO: the line that stopped the run was the ERROR (one per problem).
        logger.info("%s", describe(self.exitcode, reason))

    def _preflight(
        self, args: list[str], opts: argparse.Namespace, config: NewsbotConfig
    ) -> ExitCode | None:
        """Checks that need no fetching: the spider's arguments, and Redis when used."""
        assert self.settings is not None and self.crawler_process is not None
        if len(args) != 1:
            return None  # Scrapy's own usage error
        try:
            spidercls = self.crawler_process.spider_loader.load(args[0])
        except KeyError:
            return None  # Scrapy's own "Spider not found"
        check = getattr(spidercls, "check_arguments", None)
        if check is not None:
            try:
                check(opts.spargs)
            except ArgumentError as exc:
                logger.error("%s", exc)
                return ExitCode.BAD_ARGUMENT
        redis_url = config.redis_url
        if redis_url and (problem := redis_problem(redis_url)):
            logger.error(
                "Not crawling: the Redis server at %s cannot be reached: %s",
                redacted(redis_url),
                problem,
            )
            return ExitCode.REDIS_UNREACHABLE
        return None

    def _lock_state(self, args: list[str], config: NewsbotConfig) -> TextIO | None:
        """The lock of the spider's state file; None in Redis mode (shared on purpose)."""
        if len(args) != 1 or config.redis_url:
            return None  # Scrapy's own usage error for the arguments; Redis: no lock
        return lock_state(config.state_path(args[0]))

    def _check_record(
        self, args: list[str], locks: ExitStack, config: NewsbotConfig
    ) -> ExitCode | None:
        """Before anything is fetched: the state file is sound, and every feed is ours to write.

        Returns the exit status that stops the run, or None. Holds the default feed's
        lock in ``locks`` for the whole run.
        """
        assert self.settings is not None
        if len(args) != 1:
            return None
        if not config.redis_url:
            path = config.state_path(args[0])
            if (problem := check_state(path)) is not None:
                code = ExitCode.STATE_UNUSABLE
                logger.error(
                    "Not crawling: %s (exit status %d)",
                    describe_failure(path, problem),
                    int(code),
                )
                return code
        code = ExitCode.FEED_UNWRITABLE
        if (feed := config.feed_path) is not None:
            try:
                if self._feed_per_worker():
                    lock, path = lock_worker_feed(feed)
                    locks.enter_context(lock)
                    if path != feed:
                        logger.info(
                            "Another worker on this machine writes %s: this one writes %s",
                            feed,
                            path,
                        )
                        self.settings.set("NEWSBOT_FEED", str(path), priority="cmdline")
                else:
                    locks.enter_context(lock_feed(feed))
            except FeedInUse as exc:
                logger.error(
                    "Not crawling: %s. A feed has one writer: give each process its own "
                    "NEWSBOT_FEED (exit status %d)",
                    exc,
                    int(code),
                )
                return code
            except OSError as exc:
                logger.error(
                    "Not crawling: cannot open the feed %s: %s (exit status %d)",
                    feed,
                    exc.strerror or exc,
                    int(code),
                )
                return code
        if feed is None and not self.settings.getdict("FEEDS"):
            logger.error(
                "Not crawling: no feed to write the stories to (NEWSBOT_FEED is empty and no "
                "-o/-O or FEEDS is given); they would be remembered as written and lost "
                "(exit status %d)",
                int(code),
            )
            return code
        dropped = config.dropped_path(args[0])
        own = [feed] if feed is not None else []
        for path in [*own, *local_feed_paths(self.settings), *filter(None, [dropped])]:
            if (problem := check_feed(path)) is not None:
                logger.error(
                    "Not crawling: cannot open the feed %s: %s (exit status %d)",
                    path,
                    problem,
                    int(code),
                )
                return code
        return None

    def _feed_per_worker(self) -> bool:
        """Redis mode with the default ``NEWSBOT_FEED``: each worker takes a feed of its own."""
        assert self.settings is not None
        project = SETTINGS_PRIORITIES["project"]
        return (
            NewsbotConfig.from_settings(self.settings).redis_url is not None
            and (self.settings.getpriority("NEWSBOT_FEED") or 0) <= project
        )

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        crawler = super()._create_crawler(spidercls)
        self._crawlers.append(crawler)
        return crawler


def redis_problem(url: str, timeout: float = 5.0) -> str | None:
    """Why the Redis server at ``url`` does not answer a PING, or None when it does."""
    import redis  # only Redis mode needs the client

    try:
        with redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout) as r:
            r.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return None


def redacted(url: str) -> str:
    """The URL without its password, fit for a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
