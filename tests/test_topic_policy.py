"""The topic revisit policy's decisions (pure): budget, priorities, no starvation."""

from __future__ import annotations

import random

from newsbot.topic_policy import TopicHistory, expected_yield, plan_topics

URL = "http://127.0.0.1:8123/en/topics/{}.html"


def topic(name: str, **fields: int | None) -> TopicHistory:
    return TopicHistory(URL.format(name), **fields)  # type: ignore[arg-type]


def test_the_plan_never_exceeds_its_slots_and_accounts_for_every_candidate() -> None:
    candidates = [
        topic(f"t{i}", named=i % 7 + 1, first_run=1, last_named_run=1) for i in range(500)
    ]
    plan = plan_topics(candidates, run=5, slots=30, max_wait_runs=100)
    assert len(plan.chosen) == 30
    assert len(plan.skipped) == 470
    assert {s.url for s in plan.chosen} | {s.url for s in plan.skipped} == {
        t.url for t in candidates
    }
    assert plan_topics(candidates, run=5, slots=0, max_wait_runs=100).chosen == []


def test_a_topic_that_yielded_stories_found_nowhere_else_ranks_first() -> None:
    base = {"named": 40, "visits": 10, "first_run": 1, "last_named_run": 9, "last_visit_run": 8}
    productive = topic("productive", yielded=6, **base)
    barren = topic("barren", yielded=0, **base)
    plan = plan_topics([barren, productive], run=10, slots=1, max_wait_runs=100)
    assert [s.url for s in plan.chosen] == [productive.url]


def test_popular_topics_and_long_waits_rank_higher() -> None:
    common = {"first_run": 1, "last_named_run": 9, "last_visit_run": 8}
    popular = topic("popular", named=200, **common)
    rare = topic("rare", named=2, **common)
    assert expected_yield(popular, 10) > expected_yield(rare, 10)
    waited = topic("waited", named=20, first_run=1, last_named_run=9, last_visit_run=2)
    recent = topic("recent", named=20, first_run=1, last_named_run=9, last_visit_run=9)
    plan = plan_topics([recent, waited], run=10, slots=1, max_wait_runs=100)
    assert [s.url for s in plan.chosen] == [waited.url]


def test_topics_named_in_this_run_come_first_among_equals() -> None:
    history = {"named": 5, "first_run": 1, "last_visit_run": 3}
    fresh = topic("zfresh", last_named_run=10, **history)  # last by URL: wins by its boost
    older = topic("aolder", last_named_run=6, **history)
    plan = plan_topics([older, fresh], run=10, slots=1, max_wait_runs=100)
    assert [(s.url, s.reason) for s in plan.chosen] == [(fresh.url, "fresh")]


def test_overdue_topics_come_before_any_score() -> None:
    hot = topic("hot", named=500, yielded=50, first_run=1, last_named_run=30, last_visit_run=20)
    forgotten = topic("forgotten", named=1, first_run=5, last_named_run=5)
    plan = plan_topics([hot, forgotten], run=30, slots=1, max_wait_runs=24)
    assert [(s.url, s.reason) for s in plan.chosen] == [(forgotten.url, "overdue")]


def test_no_topic_starves_under_a_small_budget() -> None:
    """A week of runs: every topic named is visited within ``max_wait_runs`` of being named.

    Hot topics, as many as the slots, would win every slot on score alone; rare ones,
    named once, must still get their visit.
    """
    rng = random.Random(3)
    max_wait, slots, runs = 24, 8, 168
    histories: dict[str, TopicHistory] = {}
    named_at: dict[str, list[int]] = {}
    visited_at: dict[str, list[int]] = {}
    for run in range(1, runs + 1):
        names = [f"hot{i}" for i in range(slots)]
        names += [f"rare{run}-{i}" for i in range(rng.randint(0, 2))]
        for name in names:
            old = histories.get(name) or topic(name, first_run=run)
            histories[name] = TopicHistory(
                old.url, old.named + 1, old.yielded + (name.startswith("hot")), old.visits,
                old.first_run, run, old.last_visit_run,
            )  # fmt: skip
            named_at.setdefault(name, []).append(run)
        plan = plan_topics(list(histories.values()), run, slots, max_wait)
        assert len(plan.chosen) <= slots
        for choice in plan.chosen:
            name = choice.url.rsplit("/", 1)[1][: -len(".html")]
            old = histories[name]
            histories[name] = TopicHistory(
                old.url, old.named, old.yielded, old.visits + 1, old.first_run,
                old.last_named_run, run,
            )  # fmt: skip
            visited_at.setdefault(name, []).append(run)
    assert any(name.startswith("rare") for name in visited_at)
    for name, runs_named in named_at.items():
        last = runs_named[-1]
        if last + max_wait > runs:
            continue  # its deadline is after the week
        assert any(last <= v <= last + max_wait for v in visited_at.get(name, [])), name


def test_the_plan_does_not_depend_on_the_order_the_store_listed_topics_in() -> None:
    candidates = [topic(f"t{i}", named=3, first_run=1, last_named_run=2) for i in range(50)]
    shuffled = list(candidates)
    random.Random(1).shuffle(shuffled)
    one = plan_topics(candidates, run=4, slots=10, max_wait_runs=100)
    two = plan_topics(shuffled, run=4, slots=10, max_wait_runs=100)
    assert one.chosen == two.chosen
