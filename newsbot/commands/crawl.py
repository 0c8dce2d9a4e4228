"""``scrapy crawl``, with an exit status that tells cron and Scrapyd what happened.

Exactly Scrapy's command, plus: exit status 3 when the crawl ended with the finish
reason ``site_layout_changed`` (see ``newsbot.report``).
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler

from newsbot.report import LAYOUT_CHANGED

LAYOUT_CHANGED_EXIT = 3


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        self._crawlers: list[Crawler] = []
        super().run(args, opts)
        for crawler in self._crawlers:
            if crawler.stats and crawler.stats.get_value("finish_reason") == LAYOUT_CHANGED:
                self.exitcode = LAYOUT_CHANGED_EXIT

    def _create_crawler(self, spidercls: type | str) -> Crawler:  # type: ignore[override]
        crawler = super()._create_crawler(spidercls)
        self._crawlers.append(crawler)
        return crawler
