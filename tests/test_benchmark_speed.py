"""``python -m benchmark speed`` and its bare spider: the instrument of issue 18.

Timings are reported by the benchmark, never asserted here: these check that the bare
spider fetches the pages ``urdupoint`` fetches (no more, no fewer), that it finds them as
a lean spider would, and that the command measures every figure it reports, as ratios.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from benchmark import ratios
from benchmark.bare import BareSpider
from benchmark.runs import CrawlResult, run_bare, run_urdupoint
from benchmark.server import BenchServer
from newsbot.sample_site import build_site
from tests.conftest import REPO, crawl_env

BASE = "http://127.0.0.1:8000"


def _links(body: str) -> list[str]:
    spider = BareSpider.from_crawler(get_crawler(BareSpider), base_url=BASE)
    url = f"{BASE}/en/world/a-story-1234567.html"
    response = HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url))
    return [request.url for request in spider.parse(response)]


def test_bare_spider_follows_urdupoints_links_once_without_their_query() -> None:
    body = f"""<html><body>
      <a href="/en/news/world-updates2.html">2</a>
      <a href="{BASE}/en/news/world-updates3.html">3</a>
      <a href="/en/topics/oil.html">Oil</a>
      <a href="/en/world/story-2241466.html">one</a>
      <a href="/en/world/story-2241466.html?utm_source=facebook">one, tracked</a>
      <a href="/en/world/story-2241466.html#comments">one, its comments</a>
      <a href="{BASE}/en/pakistan/other-2241755.html">two</a>
      <a href="/en/team/mohammad-ali.html">author</a>
      <a href="/daily/">Urdu</a>
      <a href="/en/live-tv.html">TV</a>
      <a href="https://www.facebook.com/urdupoint">facebook</a>
      <a href="http://127.0.0.1:9999/en/world/elsewhere-2241999.html">another server</a>
    </body></html>"""
    assert _links(body) == [
        f"{BASE}/en/news/world-updates2.html",
        f"{BASE}/en/news/world-updates3.html",
        f"{BASE}/en/topics/oil.html",
        f"{BASE}/en/world/story-2241466.html",
        f"{BASE}/en/pakistan/other-2241755.html",
    ]


def test_a_target_is_a_ratio_with_a_verdict() -> None:
    at_least, at_most = ratios.THROUGHPUT_BENCH, ratios.CPU_VS_LXML
    assert at_least.met(1.05) and not at_least.goal_met(1.05) and at_least.goal_met(1.3)
    assert not at_least.met(0.69)
    assert at_most.met(9.5) and not at_most.met(20.0)
    assert not at_most.met(0.0)  # nothing measured is never a pass
    assert "**FAIL**" in at_least.markdown(0.69) and "PASS" in at_most.markdown(9.5)
    assert ratios.ratio(130, 189) == 0.6878 and ratios.ratio(1, 0) == 0.0
    # Just over a limit is over it: 1.589 ms against trafilatura's 6.347 is 0.2504, not 0.25.
    assert not ratios.CPU_VS_TRAFILATURA.met(ratios.ratio(1.589, 6.347))
    assert ratios.reference_loop_ms(repeats=1) > 0


@pytest.mark.e2e
def test_bare_and_urdupoint_fetch_the_same_pages(tmp_path: Path) -> None:
    server = BenchServer(tmp_path / "site" / "site", tmp_path, kind="nginx")
    site = build_site(tmp_path / "site", server.base_url, stories=150)
    story_pages = site.story_count + len(site.expected_drop_rows())
    runs: dict[str, CrawlResult] = {}
    server.start()
    try:
        for name, run in (("bare", run_bare), ("urdupoint", run_urdupoint)):
            (tmp_path / name).mkdir()
            runs[name] = run(name, server.base_url, tmp_path / name, server, 16)
    finally:
        server.stop()
    bare, ours = runs["bare"], runs["urdupoint"]
    assert bare.returncode == ours.returncode == 0
    assert ours.story_pages == story_pages and ours.stories == site.story_count
    assert bare.story_pages == story_pages  # every story page, each once
    # urdupoint also reads the feed and answers its topic plan (a data: request): two more.
    assert ours.pages - 2 <= bare.pages <= ours.pages, (bare.pages, ours.pages)
    assert bare.cpu_s > 0 and ours.cpu_s > 0


@pytest.mark.e2e
def test_speed_command_reports_every_ratio(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmark", "speed", "--stories", "150", "--rounds", "1",
         "--scale-days", "1", "--scale-stories-per-day", "60", "--vocabulary", "200",
         "--cpu-pages", "40", "--cpu-repeats", "1", "--concurrency", "16", "--server", "nginx",
         "--out", str(out), "--work", str(tmp_path / "work")],
        cwd=REPO, env=crawl_env(), capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    results = json.loads((out / "results.json").read_text())

    assert results["server"] == "nginx"
    assert results["reference_loop_ms"]["before"] > 0 and results["reference_loop_ms"]["after"] > 0
    for key in ("bench", "scale"):
        site = results["sites"][key]
        bare, ours = site["best"]["bare"], site["best"]["urdupoint"]
        assert [run["name"] for run in site["runs"]] == ["bare-1", "urdupoint-1"]
        assert bare["pages_per_s"] > 0 and ours["pages_per_s"] > 0
        assert site["ratio"] == pytest.approx(ours["pages_per_s"] / bare["pages_per_s"], abs=0.01)
        assert site["cpu_ratio"] == pytest.approx(
            bare["cpu_ms_per_page"] / ours["cpu_ms_per_page"], rel=0.01
        )
        assert bare["story_pages"] >= ours["story_pages"] > 0
        assert ours["pages"] - 2 <= bare["pages"] <= ours["pages"]
        assert bare["cpu_s"] > 0 and ours["cpu_s"] > 0 and ours["stories"] > 0
    assert results["sites"]["bench"]["best"]["urdupoint"]["stories"] == 136
    scale = results["sites"]["scale"]["best"]["bare"]
    assert scale["pages"] > 2 * scale["story_pages"]  # topic pages outnumber the stories

    cpu = results["cpu"]
    assert cpu["pages"] == 40
    assert cpu["ours_ms"] > 0 and cpu["lxml_ms"] > 0 and cpu["trafilatura_ms"] > 0
    # The ratios are of unrounded figures: the rounded ones give them to within 1%.
    assert cpu["ours_vs_trafilatura"] == pytest.approx(
        cpu["ours_ms"] / cpu["trafilatura_ms"], rel=0.01
    )
    assert cpu["ours_vs_lxml"] == pytest.approx(cpu["ours_ms"] / cpu["lxml_ms"], rel=0.01)

    targets = {row["key"]: row for row in results["targets"]}
    assert set(targets) == {
        "throughput_bench_site", "throughput_scale_site", "cpu_vs_trafilatura", "cpu_vs_lxml",
    }  # fmt: skip
    assert targets["throughput_bench_site"]["ratio"] == results["sites"]["bench"]["ratio"]
    assert targets["cpu_vs_lxml"]["ratio"] == cpu["ours_vs_lxml"]
    table = (out / "results.md").read_text()
    for row in targets.values():
        assert (
            f"| {row['target']} | {row['ratio']:.2f}x | {'PASS' if row['met'] else '**FAIL**'}"
            in table
        )


def test_a_real_scale_site_refuses_a_vocabulary_smaller_than_a_story_s_topics() -> None:
    """A story names up to 18 distinct topics: with fewer names the site was drawn for ever
    (``--vocabulary 11`` never finished). Now refused at once, the bound named."""
    from newsbot.sample_site.scale import ScaleSpec, build_scale_stories

    with pytest.raises(ValueError, match=r"at least 18 topic names .* not 11"):
        build_scale_stories(ScaleSpec(vocabulary=11, days=1, history_days=0, stories_per_day=2))
    assert build_scale_stories(ScaleSpec(vocabulary=18, days=1, history_days=0, stories_per_day=2))


@pytest.mark.parametrize(
    ("command", "argv", "message"),
    [
        ([], ["--stories", "50"], "argument --stories: at least 100, not 50"),
        (["speed"], ["--rounds", "0"], "argument --rounds: at least 1, not 0"),
        (["speed"], ["--concurrency", "x"], "argument --concurrency: not a whole number: 'x'"),
        (["freshness"], ["--hours", "0"], "argument --hours: at least 1, not 0"),
        (["freshness"], ["--concurrency", "-3"], "argument --concurrency: at least 1, not -3"),
        (["freshness"], ["-s", "FOO"], "argument -s/--setting: NAME=VALUE, not 'FOO'"),
        (
            ["freshness"],
            ["--stories-per-day", "0"],
            "argument --stories-per-day: at least 1, not 0",
        ),
        (
            ["freshness"],
            ["--topic-only-share", "1.5"],
            "argument --topic-only-share: within 0..1, not 1.5",
        ),
        (["freshness"], ["--vocabulary", "11"], "argument --vocabulary: at least 18, not 11"),
        (["speed"], ["--vocabulary", "17"], "argument --vocabulary: at least 18, not 17"),
    ],
)
def test_benchmark_commands_refuse_a_bad_number_in_one_line(
    command: list[str], argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command checks its numbers the same way (``benchmark.at_least``), before
    building anything: the error names the option and its bound."""
    from benchmark.__main__ import main

    with pytest.raises(SystemExit) as exit_:
        main([*command, *argv])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.rstrip().splitlines()[-1].endswith(message)
