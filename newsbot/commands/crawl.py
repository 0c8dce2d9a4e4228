"""``scrapy crawl``, with an exit status that tells cron and Scrapyd what happened.

Exactly Scrapy's command, plus:

- an exit status for each way a run can go wrong, from its finish reason
  (``newsbot.exitcodes``: 3 when the site changed its layout, and so on);
- the log's last line says that status and what it means, after the run summary
  (``extensions/summary.py``);
- one crawl at a time per state file (``newsbot.state.lock``): while a crawl of the
  spider runs on that state, another one logs who holds it and exits with status 4
  without fetching anything.
"""

from __future__ import annotations

import argparse
import logging
from typing import TextIO

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler

from newsbot.config import NewsbotConfig
from newsbot.exitcodes import ExitCode, describe, exit_code_for
from newsbot.state.lock import StateInUse, lock_state

logger = logging.getLogger(__name__)

STATE_IN_USE_EXIT = ExitCode.STATE_IN_USE


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            lock = self._lock_state(args)
        except StateInUse as exc:
            logger.error(
                "Not crawling: %s. Wait for it to end, or give this run its own "
                "NEWSBOT_STATE_DIR (exit status %d)",
                exc,
                int(STATE_IN_USE_EXIT),
            )
            self.exitcode = int(STATE_IN_USE_EXIT)
            return
        try:
            self._crawlers: list[Crawler] = []
            super().run(args, opts)
        finally:
            if lock is not None:
                lock.close()
        reason = None
        for crawler in self._crawlers:
            reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
            if code := exit_code_for(reason):
                self.exitcode = int(code)
        # The log's last line, after the run summary: Scrapyd shows the status nowhere else.
        logger.info("%s", describe(self.exitcode, reason))

    def _lock_state(self, args: list[str]) -> TextIO | None:
        """The lock of the spider's state file; None in Redis mode (shared on purpose)."""
        assert self.settings is not None
        if len(args) != 1 or self.settings.get("NEWSBOT_REDIS_URL"):
            return None  # Scrapy's own usage error for the arguments; Redis: no lock
        return lock_state(NewsbotConfig.from_settings(self.settings).state_path(args[0]))

    def _create_crawler(self, spidercls: type | str) -> Crawler:  # type: ignore[override]
        crawler = super()._create_crawler(spidercls)
        self._crawlers.append(crawler)
        return crawler
