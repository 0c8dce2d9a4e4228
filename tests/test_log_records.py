"""No LogRecord is built for a line no handler prints (``newsbot/extensions/loglevel.py``).

A crawl at ``LOG_LEVEL=INFO`` built five or six DEBUG records a response (Scrapy's
``Crawled (200)`` and ``Scraped from``, the frontier's duplicates, the known stories
skipped) only for its handler to discard them. Counted here in a real crawl process.
"""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CrawlRun, SampleSite, crawl_command, crawl_env

pytestmark = pytest.mark.e2e

#: Runs ``scrapy crawl`` in this process, counting every LogRecord built, by level.
COUNTING_CRAWL = """
import atexit, collections, json, logging, sys
counts = collections.Counter()
make = logging.getLogRecordFactory()
def counted(*args, **kwargs):
    record = make(*args, **kwargs)
    counts[record.levelno] += 1
    return record
logging.setLogRecordFactory(counted)
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(counts)))
sys.argv[0] = "scrapy"
from scrapy.cmdline import execute
execute()
"""

#: DEBUG lines logged before the engine starts (reactor, event loop): a few, whatever the size.
START_UP_DEBUG_RECORDS = 10


def counting_crawl(cwd: Path, base_url: str, level: str) -> tuple[CrawlRun, dict[int, int]]:
    command = crawl_command("-a", f"base_url={base_url}", settings={"LOG_LEVEL": level})
    assert command[1:3] == ["-m", "scrapy"]
    out = cwd / "records.json"
    command[1:3] = ["-c", COUNTING_CRAWL, str(out)]
    proc = subprocess.run(
        command, cwd=cwd, env=crawl_env(), capture_output=True, text=True, timeout=600
    )
    run = CrawlRun(proc.returncode, proc.stdout + proc.stderr, cwd)
    assert run.returncode == 0, run.log[-2000:]
    counts = {int(level): n for level, n in json.loads(out.read_text()).items()}
    return run, counts


def test_a_crawl_at_info_builds_no_record_for_its_debug_lines(
    sample_site: SampleSite, tmp_path: Path
) -> None:
    run, counts = counting_crawl(tmp_path, sample_site.base_url, "INFO")
    responses = run.stat("response_received_count")
    assert responses and responses > 100
    discarded = sum(n for level, n in counts.items() if level < logging.INFO)
    assert discarded <= START_UP_DEBUG_RECORDS, (
        f"{discarded} DEBUG records built for {responses} responses at LOG_LEVEL=INFO"
    )
    assert "] DEBUG: " not in run.log
    assert "exit status 0" in run.log


def test_at_debug_the_debug_lines_are_all_there(sample_site: SampleSite, tmp_path: Path) -> None:
    run, counts = counting_crawl(tmp_path, sample_site.base_url, "DEBUG")
    responses = run.stat("response_received_count")
    assert responses and run.log.count("] DEBUG: Crawled (") == responses
    assert "DEBUG: Already in the frontier" in run.log
    assert counts[logging.DEBUG] > responses
