"""Exit statuses of ``scrapy crawl``, and the finish reasons that lead to them: one table.

cron and Scrapyd see only a process's exit status, so each way a run can go wrong has its
own code. A component that detects one of these closes the spider with the finish reason
below (``crawler.engine.close_spider_async(reason=...)``, or sets ``finish_reason`` in the
stats before the end); ``newsbot.commands.crawl`` turns the reason into the status.
Codes that stop a run before the crawler starts (bad argument, state in use) are set by
the command directly. The README's "When something goes wrong" table lists them all.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    #: Scrapy's own: an exception escaped, or Scrapy's usage error; also a run whose every
    #: released story raised in the pipelines (none written).
    ERROR = 1
    #: A spider argument or setting that does not parse, or is unknown; nothing was fetched.
    BAD_ARGUMENT = 2
    #: Stories are read wrong or not at all: the site changed its markup.
    LAYOUT_CHANGED = 3
    #: Another crawl holds the state file; nothing was fetched.
    STATE_IN_USE = 4
    #: The state failed its start-up check (corrupt, not a database), cannot be written, or
    #: was deleted under the crawl.
    STATE_UNUSABLE = 5
    #: A feed cannot be opened or written (bad path, disk full, another writer holds it).
    FEED_UNWRITABLE = 6
    #: The run is degraded: a field, a drop rate (empty or cut-off pages surged: an outage)
    #: or the feed (its stories lost) is far from usual; stories may or may not be written.
    DEGRADED = 7
    #: Nothing could be fetched: DNS failure, connection refused, every start URL failed.
    NOTHING_FETCHED = 8
    #: Pages were fetched, but every one answered an HTTP error.
    HTTP_ERRORS = 9
    #: robots.txt denies the start URLs.
    ROBOTS_DENIED = 10
    #: A start URL answered 404 (an unknown category, say).
    START_NOT_FOUND = 11
    #: The Redis server of a scale-out crawl cannot be reached.
    REDIS_UNREACHABLE = 12


#: Finish reason (``stats["finish_reason"]``) -> exit status.
FINISH_REASONS: dict[str, ExitCode] = {
    "site_layout_changed": ExitCode.LAYOUT_CHANGED,
    "state_unusable": ExitCode.STATE_UNUSABLE,
    "feed_unwritable": ExitCode.FEED_UNWRITABLE,
    "degraded": ExitCode.DEGRADED,
    "nothing_fetched": ExitCode.NOTHING_FETCHED,
    "http_errors": ExitCode.HTTP_ERRORS,
    "robots_denied": ExitCode.ROBOTS_DENIED,
    "start_not_found": ExitCode.START_NOT_FOUND,
    "redis_unreachable": ExitCode.REDIS_UNREACHABLE,
    # Every story released raised in the pipelines and none was written: the crawl failed
    # with an error, the tracebacks are in the log (``newsbot.extensions.report``).
    "release_failed": ExitCode.ERROR,
}


def exit_code_for(finish_reason: str | None) -> ExitCode:
    """The exit status of a crawl that ended with this finish reason."""
    return FINISH_REASONS.get(finish_reason or "", ExitCode.OK)


#: The finish reason recorded for a run refused before its crawl started (the runs index
#: and page list refused runs too: an operator looking there would otherwise not see them).
REFUSED: dict[ExitCode, str] = {
    ExitCode.ERROR: "error",
    ExitCode.BAD_ARGUMENT: "bad_argument",
    ExitCode.STATE_IN_USE: "state_in_use",
    ExitCode.STATE_UNUSABLE: "state_unusable",
    ExitCode.FEED_UNWRITABLE: "feed_unwritable",
    ExitCode.REDIS_UNREACHABLE: "redis_unreachable",
}

#: Finish reasons of a crawl stopped before its end by a person or a job's cancel: it exits
#: 0 (nothing went wrong) but is not complete; the next run resumes it.
INTERRUPTED = frozenset({"shutdown", "cancelled"})

#: What each exit status tells the person who reads the log (the run summary's last line).
MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "the crawl finished",
    ExitCode.ERROR: "the crawl failed with an error (see the traceback above)",
    ExitCode.BAD_ARGUMENT: "a spider argument or setting is wrong; nothing was fetched",
    ExitCode.LAYOUT_CHANGED: "the site probably changed its layout",
    ExitCode.STATE_IN_USE: "another crawl is using the state; nothing was fetched",
    ExitCode.STATE_UNUSABLE: "the state store is corrupt, cannot be written, or was deleted",
    ExitCode.FEED_UNWRITABLE: "a feed cannot be written",
    ExitCode.DEGRADED: (
        "the run is degraded: a field, a drop rate or the feed is far from usual "
        "(see the problems above)"
    ),
    ExitCode.NOTHING_FETCHED: "nothing could be fetched (DNS, connection refused)",
    ExitCode.HTTP_ERRORS: "every page answered an HTTP error",
    ExitCode.ROBOTS_DENIED: "robots.txt denies the start URLs",
    ExitCode.START_NOT_FOUND: "a start URL answered 404 (an unknown category?)",
    ExitCode.REDIS_UNREACHABLE: "the Redis server cannot be reached",
}

#: Finish reasons that exit 0 but are not a complete crawl.
_STOPPED_EARLY = {
    "shutdown": "the crawl was stopped (Ctrl-C, SIGTERM, a cancelled job); the next run resumes it",
    "cancelled": "the crawl was cancelled; the next run resumes it",
}


def describe(code: int, finish_reason: str | None = None) -> str:
    """``exit status N: what it means``: the last line of a crawl's log.

    A status 0 whose finish reason is not ``finished`` (a stopped or cancelled job)
    says so, since the crawl is not complete.
    """
    reason = finish_reason or "finished"
    if code == ExitCode.OK and reason != "finished":
        meaning = _STOPPED_EARLY.get(reason) or f"the crawl stopped early ({reason})"
    else:
        try:
            meaning = MEANINGS[ExitCode(code)]
        except ValueError:
            meaning = f"finish reason {reason}"
    return f"exit status {int(code)}: {meaning}"
