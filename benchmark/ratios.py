"""Figures as ratios measured in one run, the machine's speed beside them, and the targets.

Absolute times on a shared machine are not stable: the same code measured 5.2 ms a story
one day and 1.6 ms another (the whole machine 3.2x slower). A ratio of two things measured
in the same run, on the same pages, cancels most of that; the absolute figures stay as
context, with the machine's speed in that run (``reference_loop_ms``) so that two runs'
absolute figures can still be compared. Every benchmark report takes its ratios and its
targets from here: one place computes them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

#: Iterations of the reference loop: about 0.1 s of CPU on the benchmark's machine.
REFERENCE_ITERATIONS = 800_000


def reference_work(iterations: int = REFERENCE_ITERATIONS) -> int:
    """A fixed piece of pure-Python work: integer arithmetic, a dict, a string each turn.

    The mix of what a crawler's Python spends its time on (bytecode dispatch, small
    objects, hashing); it never changes, so its time is the machine's speed that day.
    """
    table: dict[int, str] = {}
    total = 0
    for i in range(iterations):
        total += (i * i) % 7
        table[i & 1023] = str(i)
    return total + len(table)


def reference_loop_ms(repeats: int = 5) -> float:
    """The reference work's CPU time in ms, best of ``repeats`` (the least disturbed)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        reference_work()
        best = min(best, time.process_time() - started)
    return round(1000 * best, 1)


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, rounded to 4 places, 0.0 when nothing was measured.

    Four, not three: a verdict on 0.2504 against a 0.25 limit must not read it as 0.250.
    """
    return round(numerator / denominator, 4) if denominator > 0 and numerator >= 0 else 0.0


@dataclass(frozen=True)
class Target:
    """A target on a ratio: ``at_least`` (throughput) or at most (CPU), with an optional goal."""

    key: str
    label: str
    limit: float
    at_least: bool
    goal: float | None = None

    def met(self, value: float) -> bool:
        if value <= 0:  # not measured is never met
            return False
        return value >= self.limit if self.at_least else value <= self.limit

    def goal_met(self, value: float) -> bool | None:
        if self.goal is None:
            return None
        return value >= self.goal if self.at_least else 0 < value <= self.goal

    def row(self, value: float) -> dict[str, object]:
        """The target as results.json carries it."""
        return {
            "key": self.key,
            "target": self.label,
            "ratio": value,
            "limit": self.limit,
            "goal": self.goal,
            "met": self.met(value),
            "goal_met": self.goal_met(value),
        }

    def markdown(self, value: float) -> str:
        """``| target | 0.69x | FAIL |`` (the goal's outcome after the verdict)."""
        verdict = "PASS" if self.met(value) else "**FAIL**"
        goal = self.goal_met(value)
        if goal is not None:
            verdict += f" (goal {self.goal:g}: {'met' if goal else 'not yet'})"
        return f"| {self.label} | {value:.2f}x | {verdict} |"


#: Issue 18's targets, as ratios in one run.
THROUGHPUT_BENCH = Target(
    "throughput_bench_site",
    "urdupoint / bare Scrapy pages/s, benchmark site, >= 1.0",
    1.0,
    at_least=True,
    goal=1.2,
)
THROUGHPUT_SCALE = Target(
    "throughput_scale_site",
    "urdupoint / bare Scrapy pages/s, real-scale-topics site, >= 1.0",
    1.0,
    at_least=True,
    goal=1.2,
)
CPU_VS_TRAFILATURA = Target(
    "cpu_vs_trafilatura",
    "parse + pipelines CPU per story / trafilatura.extract's, <= 0.25",
    0.25,
    at_least=False,
)
CPU_VS_LXML = Target(
    "cpu_vs_lxml",
    "parse + pipelines CPU per story / lxml.html.fromstring's, <= 10",
    10.0,
    at_least=False,
)
