"""The benchmark command end to end on a small site: every part runs and adds up.

Timings are reported by the benchmark, never asserted here; this checks that its
figures are consistent with what the crawls did.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, crawl_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_benchmark_command_measures_every_part(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmark", "--stories", "150", "--sample", "20",
         "--out", str(out), "--work", str(tmp_path / "work"), "--server", "nginx"],
        cwd=REPO, env=crawl_env(), capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    results = json.loads((out / "results.json").read_text())

    crawls = results["crawls"]
    expected = results["emitted_quality"]["expected"]
    assert crawls["urdupoint"]["stories"] == expected == 136
    assert results["emitted_quality"]["missing"] == 0
    assert results["emitted_quality"]["min_f1"] == 1.0
    assert crawls["bare"]["pages"] >= crawls["urdupoint"]["pages"] * 0.9
    assert 0 < crawls["incremental"]["pages"] < crawls["urdupoint"]["pages"]
    assert crawls["incremental"]["stories"] == 0
    assert all(run["peak_rss_mb"] > 0 and run["cpu_s"] > 0 for run in crawls.values())
    assert results["replay"]["pages"] == results["story_pages"]
    assert results["server"] == "nginx"

    names = {row["name"]: row for row in results["quality"]}
    assert names["newsbot parser"]["pages"] == 20
    for generic in ("trafilatura", "newspaper4k"):
        assert names[generic]["pages"] == 20, names[generic]

    two = results["scale_out"]
    assert two["returncodes"] == [0, 0]
    assert two["stories"] == expected  # two workers, every story once between them
    assert two["speedup"] > 0

    # Speed as same-run ratios (issue 18), the machine's speed beside them (issue 17).
    assert results["reference_loop_ms"]["before"] > 0 and results["reference_loop_ms"]["after"] > 0
    cpu = results["cpu"]
    assert cpu["pages"] == 20 and cpu["ours_ms"] > 0
    assert cpu["ours_vs_lxml"] > 0 and cpu["ours_vs_trafilatura"] > 0
    targets = {row["key"]: row["ratio"] for row in results["targets"]}
    assert targets == {
        "throughput_bench_site": results["throughput_ratio"],
        "cpu_vs_trafilatura": cpu["ours_vs_trafilatura"],
        "cpu_vs_lxml": cpu["ours_vs_lxml"],
    }
    assert results["throughput_ratio"] > 0

    table = (out / "results.md").read_text()
    assert "| bare |" in table and "| urdupoint |" in table and "## Targets" in table
    assert "reference loop" in table and f"{cpu['ours_vs_lxml']:.2f}x" in table
    assert (out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
