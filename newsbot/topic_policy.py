"""Which Related Topics pages a run visits, under a per-run request budget (pure).

On the real site a story names 12-18 topics, so a week names thousands of them: a run
cannot open every topic page each hour at a polite request a second. Topic pages matter
for one thing a cheaper source cannot give: stories that no category listing or feed
shows ("topic-only" stories). So each run ranks the candidate topics by what a visit is
expected to bring, and opens the best ones until its budget is spent:

    expected = share x pace x wait

- ``share``: the topic's own rate of stories found nowhere else, learned from its
  history: ``(yielded + PRIOR_YIELD) / (named + PRIOR_NAMED)``, where ``yielded`` counts
  the new stories its pages led to and ``named`` the stories naming it (a topic that
  never yielded drifts towards 0, one that did stays high);
- ``pace``: how popular it is, stories naming it per run since first seen;
- ``wait``: runs since its last visit (since first seen, if never visited).

Topics named by the stories this very run found are multiplied by ``FRESH_BOOST``: they
come first among equals (that is what "Related Topics" crawling is for). No topic
starves: a topic named by a story and not visited since is *overdue* once that story
is ``max_wait_runs`` runs old, and overdue topics come before any score. Candidates
are the topics named by stories of the last ``window_days`` days (site clock).

Nothing here reads settings, the clock or a store: the state store supplies the
histories, the middleware (``spidermiddlewares/topics.py``) applies the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Prior of a topic's share of stories not found elsewhere: 1 in 20 before evidence.
PRIOR_YIELD = 0.5
PRIOR_NAMED = 10.0
#: Topics named by this run's stories weigh this much more.
FRESH_BOOST = 2.0


@dataclass(frozen=True)
class TopicHistory:
    """What the state store remembers of one topic page (its first page's URL)."""

    url: str
    named: int = 0
    """Stories that named it (each time a story page naming it was parsed)."""
    yielded: int = 0
    """New stories (found nowhere else before) its pages led to."""
    visits: int = 0
    first_run: int = 0
    """The run that first saw it named."""
    last_named_run: int = 0
    last_visit_run: int | None = None


@dataclass(frozen=True)
class Scored:
    url: str
    score: float
    reason: str
    """``overdue`` (no-starvation guarantee), ``fresh`` (named this run) or ``revisit``."""


@dataclass
class Plan:
    """The topics a run visits, best first, and what it left for later."""

    chosen: list[Scored] = field(default_factory=list)
    skipped: list[Scored] = field(default_factory=list)

    def count(self, reason: str) -> int:
        return sum(1 for s in self.chosen if s.reason == reason)


def expected_yield(topic: TopicHistory, run: int) -> float:
    """Stories found nowhere else that a visit in ``run`` is expected to bring."""
    share = (topic.yielded + PRIOR_YIELD) / (topic.named + PRIOR_NAMED)
    age = max(1, run - topic.first_run + 1)
    pace = max(topic.named, 1) / age
    since = topic.last_visit_run if topic.last_visit_run is not None else topic.first_run - 1
    wait = max(1, run - since)
    return share * pace * wait


def is_overdue(topic: TopicHistory, run: int, max_wait_runs: int) -> bool:
    """Named since its last visit, by a story at least ``max_wait_runs`` runs ago."""
    unvisited = topic.last_visit_run is None or topic.last_visit_run < topic.last_named_run
    return unvisited and run - topic.last_named_run >= max_wait_runs


def plan_topics(
    topics: list[TopicHistory],
    run: int,
    slots: int,
    max_wait_runs: int,
) -> Plan:
    """Rank ``topics`` (the window's candidates) for ``run`` and take the best ``slots``.

    Overdue topics first (longest overdue first), then by expected yield, ties by URL
    so the plan is the same whatever order the store listed them in.
    """
    scored = []
    for topic in topics:
        score = expected_yield(topic, run)
        if is_overdue(topic, run, max_wait_runs):
            reason = "overdue"
        elif topic.last_named_run == run:
            reason, score = "fresh", score * FRESH_BOOST
        else:
            reason = "revisit"
        scored.append((topic, Scored(topic.url, round(score, 6), reason)))

    def key(pair: tuple[TopicHistory, Scored]) -> tuple[int, float, str]:
        topic, item = pair
        if item.reason == "overdue":
            return (0, float(topic.last_named_run), item.url)
        return (1, -item.score, item.url)

    ranked = [item for _, item in sorted(scored, key=key)]
    slots = max(0, slots)
    return Plan(chosen=ranked[:slots], skipped=ranked[slots:])
