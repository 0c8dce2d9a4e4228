"""The crawl's alarms as Spidermon monitors, so that an alarm reaches a person.

An hourly job that fails at 3 a.m. must page someone, and how (e-mail, Slack, Telegram,
Discord, Sentry, an HTML report) is each operator's choice. Spidermon, the Scrapy
ecosystem's monitoring framework, already has those actions, configured by settings;
so the alarms are expressed here as its monitors, and the actions to run when one fails
are listed in ``NEWSBOT_ALERT_ACTIONS`` (dotted paths of Spidermon action classes, each
configured by its own ``SPIDERMON_*`` settings). Nothing to write to add a channel.

Each monitor is a thin view of ``newsbot.alarms``: the same checks the validation report
uses to set the exit status, so an alert and the exit status never disagree.
"""

from __future__ import annotations

import warnings
from typing import Any

from scrapy.utils.misc import load_object
from spidermon import Monitor, MonitorSuite, monitors  # type: ignore[import-untyped]

from newsbot import baseline as baselines
from newsbot.alarms import SEVERITY, Alarm, evaluate
from newsbot.config import NewsbotConfig

# Spidermon 1.27 logs its results through Spider.log(), deprecated in Scrapy 2.19: one
# warning per crawl, about Spidermon's code, not ours nor the operator's.
warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated", module=r"spidermon\.")

#: unittest (under Spidermon) leaves the frames of this module out of a failure's
#: report: an alarm is one line, "degraded: author filled on 12% ...", not a traceback.
__unittest = True

#: Runs the alarms judge: ended normally (or already judged by the report).
JUDGED = frozenset({"finished", *SEVERITY})


class AlarmMonitor(Monitor):
    """Base: fails with every alarm of its checks, one line each (field, signal, figure)."""

    def alarms(self, *checks: str) -> list[Alarm]:
        stats = self.data.stats
        if stats.get("finish_reason") not in JUDGED:
            return []  # stopped by hand or by a limit: not a verdict on the site
        crawler = self.data.crawler
        config = NewsbotConfig.from_crawler(crawler)
        try:
            usual = baselines.usual_for(crawler)
        except Exception:  # the report logs it; the first-run thresholds apply
            usual = None
        return [a for a in evaluate(stats, usual, config.thresholds()) if a.check in checks]

    def assert_no_alarm(self, *checks: str) -> None:
        if found := self.alarms(*checks):
            self.fail("; ".join(f"{a.reason}: {a.message}" for a in found))


@monitors.name("Reaching the site")
class FetchMonitor(AlarmMonitor):
    @monitors.name("Start URLs fetched, not refused, not 404, not all HTTP errors")
    def test_the_site_was_reached(self) -> None:
        self.assert_no_alarm("fetch")


@monitors.name("Reading the site")
class FieldMonitor(AlarmMonitor):
    @monitors.name("Every field filled as usual")
    def test_every_field_is_covered_as_usual(self) -> None:
        self.assert_no_alarm("coverage")

    @monitors.name("Every field read from its usual signal")
    def test_every_field_comes_from_its_usual_signal(self) -> None:
        self.assert_no_alarm("signal")

    @monitors.name("Story links found on the category pages")
    def test_listings_hold_story_links(self) -> None:
        self.assert_no_alarm("listing")

    @monitors.name("Stubs, challenges and not-found pages at their usual rates")
    def test_drop_rates_are_usual(self) -> None:
        self.assert_no_alarm("drop_rate")


@monitors.name("Keeping the corpus")
class CorpusMonitor(AlarmMonitor):
    @monitors.name("The feed still holds the stories earlier runs wrote to it")
    def test_the_feed_was_not_lost(self) -> None:
        self.assert_no_alarm("corpus")


class CrawlMonitorSuite(MonitorSuite):
    """Run at spider close (``SPIDERMON_SPIDER_CLOSE_MONITORS``); alerts through the actions
    named in ``NEWSBOT_ALERT_ACTIONS`` when a monitor fails."""

    monitors = [FetchMonitor, FieldMonitor, CorpusMonitor]

    def __init__(self, *args: Any, crawler: Any = None, **kwargs: Any):
        super().__init__(*args, crawler=crawler, **kwargs)
        if crawler is not None:
            for path in NewsbotConfig.from_crawler(crawler).alert_actions:
                self.add_monitors_failed_action(load_object(path))
