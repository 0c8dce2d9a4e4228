"""``scrapy demo``: the main job, offline, against the project's own sample site.

Builds the sample site under ``output/sample-site/``, serves it on a free loopback
port, runs ``urdupoint`` against it with politeness off, writes
``output/urdupoint.jsonl`` (replaced, so the check below is about this run) and
compares the feed with the site's ground truth. No network is used.

The demo keeps its own crawler state under ``output/sample-site/state`` and starts it
afresh, like the site it just rebuilt; the main job's state (``output/state``) is
never touched. Paths are the project root's (``newsbot.config.project_path``), as for
``scrapy crawl``, wherever the command is run from.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from newsbot.config import project_path
from newsbot.sample_site import SampleSiteServer, build_site

FEED = project_path("output/urdupoint.jsonl")
DROPPED = project_path("output/urdupoint.dropped.jsonl")
SITE_DIR = project_path("output/sample-site")
STATE_DIR = SITE_DIR / "state"
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
        return "Crawl the offline sample site into output/urdupoint.jsonl and check it"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--stories", type=int, default=150, help="sample site size")
        parser.add_argument("--seed", type=int, default=7, help="sample site random seed")
        parser.add_argument("--port", type=int, default=0, help="loopback port (0: any free)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        self.settings.setdict(self.fast_settings, priority="cmdline")
        self.settings.set("NEWSBOT_STATE_DIR", str(STATE_DIR), priority="cmdline")
        super().process_options(args, opts)
        if opts.stories < 1:
            raise UsageError("--stories must be 1 or more")
        if not (opts.output or opts.overwrite_output):
            feed = {"format": "jsonlines", "encoding": "utf8", "overwrite": True}
            self.settings.set("FEEDS", {str(FEED): feed}, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("scrapy demo takes no positional arguments")
        shutil.rmtree(STATE_DIR, ignore_errors=True)
        for stale in (FEED, DROPPED):
            stale.unlink(missing_ok=True)
        server = SampleSiteServer(SITE_DIR / "site", port=opts.port)
        build = build_site(SITE_DIR, server.base_url, stories=opts.stories, seed=opts.seed)
        server.start()
        print(f"Sample site: {build.story_count} stories served at {server.base_url}")
        try:
            assert self.crawler_process is not None
            spider_args: dict[str, Any] = {"base_url": server.base_url, **opts.spargs}
            self.crawler_process.crawl(self._create_crawler("urdupoint"), **spider_args)
            self.crawler_process.start()
        finally:
            server.stop()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        if not (opts.output or opts.overwrite_output):
            self.exitcode = _report(FEED, build.ground_truth)


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
    print(f"\nWrote {len(items)} stories to {feed}")
    print(
        f"Against the ground truth ({len(truth)} stories): {len(missing)} missing, "
        f"{len(extra)} extra, {repeated} repeated, {len(wrong)} with a wrong field"
    )
    for label, ids in (("missing", missing), ("extra", extra), ("wrong", wrong)):
        if ids:
            print(f"  {label}: {', '.join(ids[:20])}")
    return 1 if (missing or extra or repeated or wrong) else 0


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
