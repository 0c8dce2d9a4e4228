"""``scrapy demo``: the main job, offline, against the project's own sample site.

Builds the sample site under ``output/sample-site/``, serves it on a free loopback
port, runs ``urdupoint`` against it with politeness off, writes
``output/demo/urdupoint.jsonl`` and compares it with the site's ground truth. No
network is used.

Everything the demo writes is under ``output/demo/`` (its feed, drops, report and
state), started afresh each time like the site it just rebuilt. The real crawl's feed
and state (``output/urdupoint.jsonl``, ``output/state``) are never touched: when the
demo shared them, the next real crawl "reconciled" the demo's stories into its state
and a second demo deleted the real feed. Paths are the
project root's (``newsbot.config.project_path``), as for ``scrapy crawl``, wherever the
command is run from.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from newsbot.config import project_path
from newsbot.exitcodes import ExitCode, describe, exit_code_for
from newsbot.sample_site import SampleSiteServer, build_site, port_number

logger = logging.getLogger(__name__)

DEMO_DIR = project_path("output/demo")
FEED = DEMO_DIR / "urdupoint.jsonl"
DROPPED = DEMO_DIR / "urdupoint.dropped.jsonl"
REPORT = DEMO_DIR / "urdupoint.report.json"
STATE_DIR = DEMO_DIR / "state"
SITE_DIR = project_path("output/sample-site")
#: Values that depend on the crawl moment, not the page.
VOLATILE_FIELDS = ("crawled_at", "content_hash")


class Command(BaseRunSpiderCommand):
    requires_project = True
    #: A loopback server of our own: no need to be polite to it. Set at the command
    #: line's priority (the project's polite defaults would win over a command's
    #: ``default_settings``); ``-s`` still overrides them.
    fast_settings = {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
        "LOG_LEVEL": "INFO",
    }

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Crawl the offline sample site into output/demo/urdupoint.jsonl and check it"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--stories", type=int, default=150, help="sample site size")
        parser.add_argument("--seed", type=int, default=7, help="sample site random seed")
        parser.add_argument(
            "--port", type=port_number, default=0, help="loopback port (0: any free)"
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None  # set by Scrapy before any option is processed
        self.settings.setdict(self.fast_settings, priority="cmdline")
        # Its own feed, drops, report and state: the real crawl's are never touched.
        self.settings.set("NEWSBOT_STATE_DIR", str(STATE_DIR), priority="cmdline")
        self.settings.set("NEWSBOT_FEED", str(FEED), priority="cmdline")
        self.settings.set("NEWSBOT_DROPPED_FEED", str(DROPPED), priority="cmdline")
        self.settings.set("NEWSBOT_REPORT", str(REPORT), priority="cmdline")
        super().process_options(args, opts)
        if opts.stories < 1:
            raise UsageError("--stories must be 1 or more")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("scrapy demo takes no positional arguments")
        shutil.rmtree(DEMO_DIR, ignore_errors=True)
        server = SampleSiteServer(SITE_DIR / "site", port=opts.port)
        build = build_site(SITE_DIR, server.base_url, stories=opts.stories, seed=opts.seed)
        server.start()
        print(f"Sample site: {build.story_count} stories served at {server.base_url}")
        try:
            assert self.crawler_process is not None
            spider_args: dict[str, Any] = {"base_url": server.base_url, **opts.spargs}
            crawler = self._create_crawler("urdupoint")
            self.crawler_process.crawl(crawler, **spider_args)
            self.crawler_process.start()
        finally:
            server.stop()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
        code = exit_code_for(reason)
        if _report(FEED, build.ground_truth) and code == ExitCode.OK:
            code, reason = ExitCode.ERROR, None
            logger.error("The demo's feed %s differs from the ground truth (above)", FEED)
        # The last line, as every crawl's (``commands/crawl.py``): the status and its meaning.
        self.exitcode = int(code)
        logger.info("%s", describe(self.exitcode, reason))


def _report(feed: Path, ground_truth: Path) -> int:
    """Print how the feed compares with the ground truth; 0 when they agree."""
    truth = {row["article_id"]: row for row in _read(ground_truth)}
    items = _read(feed) if feed.exists() else []
    by_id: dict[str, dict[str, Any]] = {}
    repeated = 0
    for item in items:
        repeated += item["article_id"] in by_id
        by_id[item["article_id"]] = item
    missing = sorted(set(truth) - set(by_id))
    extra = sorted(set(by_id) - set(truth))
    wrong = sorted(
        aid
        for aid, item in by_id.items()
        if aid in truth and any(item.get(k) != v for k, v in truth[aid].items())
    )
    print(f"\nWrote {len(items)} stories to {feed}", flush=True)
    print(
        f"Against the ground truth ({len(truth)} stories): {len(missing)} missing, "
        f"{len(extra)} extra, {repeated} repeated, {len(wrong)} with a wrong field",
        flush=True,
    )
    for label, ids in (("missing", missing), ("extra", extra), ("wrong", wrong)):
        if ids:
            print(f"  {label}: {', '.join(ids[:20])}", flush=True)
    return 1 if (missing or extra or repeated or wrong) else 0


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
