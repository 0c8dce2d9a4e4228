"""The alarms of a crawl: pure checks of its stats against the site's own history.

A run can go wrong in two ways that raise no exception. It reaches nothing (DNS down,
every page an error, robots.txt closed, an unknown category), or it reads the site
wrong (a redesign empties a field, turns every body into a "stub", or breaks a field's
primary signal while a fallback still fills it). Both end as exit 0 with a thin feed
unless something looks. These functions look: they take the crawl's stats and the
``Baseline`` learned from earlier good runs (``newsbot.baseline``) and return the
``Alarm`` list. They are used by the Spidermon monitors (``newsbot.monitors``: alerts)
and by the validation report (``newsbot.extensions.report``: the finish reason, hence
the exit status), so both always agree.

Stats read (all counters):
  ``newsbot/start/<ok|not_found|http_error|ignored|failed>``  the fate of each start URL
  ``newsbot/pages/story``          story pages parsed
  ``newsbot/pages/category``, ``newsbot/empty_listing/category``  category pages, and
                                   those without a story link
  ``newsbot/coverage/<field>``     emitted stories with the field filled
  ``newsbot/fields/<field>/<signal>``  which signal filled a field (the parser's)
  ``newsbot/dropped/<reason>``     drops by reason
  ``newsbot/errors/http_<status>`` pages that answered an HTTP error
  ``robotstxt/forbidden``          requests robots.txt refused
  ``newsbot/corpus/feed_lost_stories``  stories the default feed lost since the last run
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from newsbot.items import Story
from newsbot.keys import FEED_LOST

#: Finish reasons of the alarms, the most severe first: a run gets the first that fires.
SEVERITY = (
    "nothing_fetched",
    "robots_denied",
    "http_errors",
    "start_not_found",
    "site_layout_changed",
    "degraded",
)
LAYOUT_CHANGED = "site_layout_changed"
DEGRADED = "degraded"
FIELDS = tuple(f.name for f in Story.__dataclass_fields__.values())
#: Without these a story is not a story: their loss is a layout change, not a degradation.
ESSENTIAL_FIELDS = frozenset({"url", "article_id", "title", "published_at", "body"})
#: Drop reasons that say the site is read wrong or refused us; a surge of one is an alarm.
#: Duplicates, templates and known stories are the crawl working, not failing.
WATCHED_DROPS = {
    "stub": LAYOUT_CHANGED,  # the body is no longer found: every story looks empty
    "missing_title": LAYOUT_CHANGED,
    "missing_published_at": LAYOUT_CHANGED,
    "not_article": LAYOUT_CHANGED,
    "not_found": DEGRADED,
    "challenge": DEGRADED,
    "not_html": DEGRADED,
    "empty": DEGRADED,  # failed fetches: retried next run, but a surge is a sick server
    "truncated": DEGRADED,
}
#: Keys beside the signals in the parser's stats (``newsbot/fields/<field>/disagree``...).
NOT_SIGNALS = frozenset({"disagree", "disagree_urls", "fallback_urls", "invalid"})


@dataclass(frozen=True)
class Thresholds:
    """When a figure is far enough from the usual to raise an alarm (from the settings)."""

    #: Stories (or story pages) a run needs before its shares are judged.
    min_stories: int = 10
    #: First runs, before a baseline exists: least coverage of each field (others: none).
    first_run_coverage: Mapping[str, float] = field(default_factory=dict)
    #: With a baseline: alarm when a field's coverage falls this far below it.
    coverage_drop: float = 0.3
    #: Alarm when a field's usual signal failed on this much more of the story pages.
    fallback_rise: float = 0.2
    #: Alarm when a watched drop reason's share of story pages rises this much.
    drop_rate_rise: float = 0.2


@dataclass(frozen=True)
class Figures:
    """One run's shares, as the baseline keeps them."""

    #: Field -> share of emitted stories with it filled.
    coverage: dict[str, float]
    #: Field -> signal -> share of story pages where that signal filled the field.
    signals: dict[str, dict[str, float]]
    #: Watched drop reason -> share of story pages dropped for it.
    drop_rates: dict[str, float]
    emitted: int
    story_pages: int


@dataclass(frozen=True)
class Alarm:
    """One thing far from the usual, with the finish reason it gives the run."""

    reason: str  # finish reason (newsbot.exitcodes)
    check: str  # "fetch", "listing", "coverage", "signal", "drop_rate", "corpus"
    subject: str  # the field, the drop reason, or what was fetched
    message: str
    signal: str | None = None  # the signal that failed, for "signal" alarms
    value: float | None = None
    expected: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def figures(stats: Mapping[str, Any]) -> Figures:
    """The shares of a run, from its stats."""
    emitted = int(stats.get("item_scraped_count", 0) or 0)
    story_pages = int(stats.get("newsbot/pages/story", 0) or 0)
    coverage = {
        name: round(int(stats.get(f"newsbot/coverage/{name}", 0)) / emitted, 4)
        for name in FIELDS
        if emitted
    }
    signals: dict[str, dict[str, float]] = {}
    for key, value in stats.items():
        if key.startswith("newsbot/fields/") and story_pages:
            name, _, signal = key[len("newsbot/fields/") :].partition("/")
            if signal and signal not in NOT_SIGNALS and isinstance(value, int):
                signals.setdefault(name, {})[signal] = round(int(value) / story_pages, 4)
    drop_rates = {
        reason: round(int(stats.get(f"newsbot/dropped/{reason}", 0)) / story_pages, 4)
        for reason in WATCHED_DROPS
        if story_pages
    }
    return Figures(coverage, signals, drop_rates, emitted, story_pages)


def fetch_alarms(stats: Mapping[str, Any]) -> list[Alarm]:
    """Did the run reach the site at all? Judged from the fate of its start URLs."""
    start = {
        kind: int(stats.get(f"newsbot/start/{kind}", 0) or 0)
        for kind in ("ok", "not_found", "http_error", "ignored", "failed")
    }
    total = sum(start.values())
    http_errors = sum(
        int(v) for k, v in stats.items() if k.startswith("newsbot/errors/http_") and v
    )
    if total == 0:
        # No start URL was tried (a resumed crawl, a scale-out worker): judge the pages.
        if int(stats.get("downloader/request_count", 0) or 0) and not int(
            stats.get("downloader/response_count", 0) or 0
        ):
            return [Alarm("nothing_fetched", "fetch", "pages", "no page could be fetched")]
        return []
    alarms = []
    if start["ignored"] and int(stats.get("robotstxt/forbidden", 0) or 0):
        # Even one: a category robots.txt forbids is one this crawl can never cover.
        alarms.append(
            Alarm(
                "robots_denied",
                "fetch",
                "start_urls",
                f"robots.txt denies {start['ignored']} of {total} start URLs",
            )
        )
    if start["ok"] == 0 and not start["ignored"]:
        if start["http_error"] and not start["not_found"]:
            alarms.append(
                Alarm(
                    "http_errors",
                    "fetch",
                    "start_urls",
                    f"every start URL answered an HTTP error ({http_errors} errors in all)",
                )
            )
        elif not start["not_found"]:
            alarms.append(
                Alarm(
                    "nothing_fetched",
                    "fetch",
                    "start_urls",
                    f"none of the {total} start URLs could be fetched",
                )
            )
    if start["not_found"]:
        alarms.append(
            Alarm(
                "start_not_found",
                "fetch",
                "start_urls",
                f"{start['not_found']} of {total} start URLs answered 404 (unknown category?)",
            )
        )
    story_errors = int(stats.get("newsbot/pages/story_http_error", 0) or 0)
    if start["ok"] and not int(stats.get("newsbot/pages/story", 0) or 0) and http_errors:
        if story_errors > 0:
            alarms.append(
                Alarm(
                    "http_errors",
                    "fetch",
                    "story_pages",
                    f"no story page could be read: {story_errors} answered an HTTP error",
                )
            )
    return alarms


def corpus_alarms(stats: Mapping[str, Any]) -> list[Alarm]:
    """Is the corpus still there? A feed that lost the stories earlier runs wrote to it.

    Why an alarm: the state remembers those stories as written and never writes them
    again, so an unattended crawl would go on, exit 0, and grow a new feed without them;
    only an alert tells the operator in time to put the file back.
    """
    lost = int(stats.get(FEED_LOST, 0) or 0)
    if not lost:
        return []
    return [
        Alarm(
            DEGRADED,
            "corpus",
            "feed",
            f"the feed lost the {lost} stories earlier runs wrote to it (the state remembers "
            "them as written: see the WARNING at the start)",
            value=float(lost),
        )
    ]


def listing_alarms(stats: Mapping[str, Any]) -> list[Alarm]:
    """Are story links still found? Every category page without one is a changed listing."""
    pages = int(stats.get("newsbot/pages/category", 0) or 0)
    empty = int(stats.get("newsbot/empty_listing/category", 0) or 0)
    if pages and empty >= pages:
        return [
            Alarm(
                LAYOUT_CHANGED,
                "listing",
                "category_pages",
                f"no story link found on any of the {pages} category pages",
            )
        ]
    return []


def field_alarms(run: Figures, baseline: Figures | None, thresholds: Thresholds) -> list[Alarm]:
    """Is the site read as usual? Each field, each field's signal, each watched drop rate."""
    alarms: list[Alarm] = []
    if run.emitted >= thresholds.min_stories:
        for name, share in run.coverage.items():
            if baseline is not None and name in baseline.coverage:
                usual = baseline.coverage[name]
                floor = usual - thresholds.coverage_drop
            else:
                usual = floor = thresholds.first_run_coverage.get(name, 0.0)
            if share < floor:
                alarms.append(
                    Alarm(
                        LAYOUT_CHANGED if name in ESSENTIAL_FIELDS else DEGRADED,
                        "coverage",
                        name,
                        f"{name} filled on {share:.0%} of {run.emitted} stories "
                        f"(usually {usual:.0%})",
                        value=share,
                        expected=usual,
                    )
                )
    if baseline is not None:
        for name, usual_signals in baseline.signals.items():
            if not sum(usual_signals.values()):
                continue
            # The field's usual (primary) signal is the one that filled it most often. Judged
            # among the pages where some signal filled the field: a wire story without an
            # author is not a failed byline.
            primary = max(usual_signals, key=lambda s: usual_signals[s])
            usual = _fallback_share(usual_signals, primary)
            now = run.signals.get(name, {})
            filled = round(sum(now.values()) * run.story_pages)
            if filled < thresholds.min_stories:
                continue
            share = _fallback_share(now, primary)
            if share > usual + thresholds.fallback_rise:
                others = sorted((s for s in now if s != primary), key=lambda s: -now[s])
                instead = f"; {others[0]} filled it instead" if others else ""
                alarms.append(
                    Alarm(
                        DEGRADED,
                        "signal",
                        name,
                        f"{name}: its usual signal {primary} failed on {share:.0%} of the "
                        f"{filled} story pages that gave it (usually {usual:.0%}){instead}",
                        signal=primary,
                        value=share,
                        expected=usual,
                    )
                )
    if run.story_pages >= thresholds.min_stories:
        for reason, rate in run.drop_rates.items():
            usual = baseline.drop_rates.get(reason, 0.0) if baseline is not None else 0.0
            if rate > usual + thresholds.drop_rate_rise:
                alarms.append(
                    Alarm(
                        WATCHED_DROPS[reason],
                        "drop_rate",
                        reason,
                        f"{rate:.0%} of {run.story_pages} story pages dropped as {reason} "
                        f"(usually {usual:.0%})",
                        value=rate,
                        expected=usual,
                    )
                )
    return alarms


def _fallback_share(signals: Mapping[str, float], primary: str) -> float:
    """The share of a field's values that came from another signal than ``primary``."""
    total = sum(signals.values())
    return round(1 - signals.get(primary, 0.0) / total, 4) if total else 0.0


def evaluate(
    stats: Mapping[str, Any], baseline: Figures | None, thresholds: Thresholds
) -> list[Alarm]:
    """Every alarm of a finished run, the most severe first."""
    alarms = fetch_alarms(stats) + listing_alarms(stats) + corpus_alarms(stats)
    alarms += field_alarms(figures(stats), baseline, thresholds)
    return sorted(alarms, key=lambda alarm: SEVERITY.index(alarm.reason))


def finish_reason(alarms: list[Alarm]) -> str | None:
    """The finish reason the alarms give a run that would otherwise have "finished"."""
    return alarms[0].reason if alarms else None
