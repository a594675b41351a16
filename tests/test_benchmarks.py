"""The benchmark runner: the smoke suite end to end through `python -m benchmarks` (one
process per run, in parallel), and the large-event generator the scale suite builds on."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from allocator import STRATEGIES, examples, parse_instance

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(
    0, str(ROOT)
)  # `benchmarks` sits beside the package, uninstalled: plain `pytest` too

from benchmarks.report import LEADING, TRAILING, cells_markdown, gap, markdown  # noqa: E402
from benchmarks.runner import measure, plan_runs, run_all  # noqa: E402
from benchmarks.suites import SUITES, Case  # noqa: E402


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("smoke")
    command = [sys.executable, "-m", "benchmarks", "--suite", "smoke", "--jobs", "2"]
    subprocess.run([*command, "--out", str(out)], cwd=ROOT, check=True, timeout=120)
    return out


def read_rows(out: Path) -> list[dict[str, str]]:
    with (out / "results.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_one_row_per_instance_strategy_and_seed(smoke):
    runs = Counter((r["instance"], r["strategy"], r["seed"]) for r in read_rows(smoke))
    expected = {(case.name, s, "0") for case in SUITES["smoke"] for s in STRATEGIES}
    assert set(runs) == expected
    assert set(runs.values()) == {1}


def test_columns_hold_metrics_beside_their_bounds_and_measurements(smoke):
    rows = read_rows(smoke)
    assert {*LEADING, *TRAILING, "repeat_pairs", "repeat_pairs_bound"} <= set(rows[0])
    for row in rows:
        if row["status"] == "no_plan":  # a strategy that refuses the instance says why
            assert "does not handle" in row["error"], row
            continue
        assert row["status"] in {"optimal", "feasible"}, row
        assert float(row["peak_mb"]) > 0
        assert float(row["wall_seconds"]) > 0
        assert int(row["violations"]) >= 0
        assert float(row["gap"]) >= 0


def test_markdown_has_a_table_per_instance_and_the_command(smoke):
    text = (smoke / "results.md").read_text(encoding="utf-8")
    assert "python -m benchmarks --suite smoke --jobs 2 --out" in text
    assert "cores (" in text
    strategies = " | ".join(STRATEGIES)
    for case in SUITES["smoke"]:
        heading = text.index(f"## {case.name} — ")
        assert f"| | {strategies} |" in text[heading:]
    assert text.count("| objective |") == len(SUITES["smoke"])


def test_a_golfers_page_has_a_line_per_run_with_repeats_against_the_bound():
    def row(instance, strategy, repeats, violations="0"):
        return {
            "instance": instance, "strategy": strategy, "construction": "greedy",
            "engine": strategy, "repeat_pairs": repeats, "repeat_pairs_bound": "12.0",
            "violations": violations, "seconds": "20.0",
        }  # fmt: skip

    rows = [row("golfer_6_4_8", "auto", "18.0"), row("golfer_6_4_8", "tabu", "3.0", "1")]
    text = cells_markdown(rows, "golfers_table", "python -m benchmarks --suite golfers_table")
    assert "`python -m benchmarks --suite golfers_table`" in text
    assert "| 6-4-8 | auto | greedy | auto | 18 | 12 | 20.0 |" in text
    assert "| 6-4-8 | tabu | greedy | tabu | invalid | 12 | 20.0 |" in text


def test_a_crash_is_a_row_not_a_failure():
    broken = Case("broken", (1,), generator="social_golfer", kwargs={"groups": 0})
    (run,) = plan_runs([broken], ["random"], [0], None)
    row = measure(run, n=0)
    assert row["status"] == "crashed"
    assert "TypeError" in row["error"]
    assert row["peak_mb"] > 0


def test_gap_is_relative_to_the_objective():
    assert gap({"objective": 200.0, "bound": 150.0}) == 0.25
    assert gap({"objective": 0.5, "bound": 0.0}) == 0.5
    assert gap({"objective": 3.0, "bound": None}) is None


def test_several_seeds_get_a_spread_table():
    def row(seed: int, objective: float) -> dict:
        return {
            "instance": "mdgp", "n": 10, "strategy": "auto", "seed": seed, "time_limit": 3.0,
            "status": "feasible", "objective": objective, "bound": None, "reference": -100.0,
            "violations": 0, "wall_seconds": 1.0, "peak_mb": 100.0,
        }  # fmt: skip

    text = markdown([row(0, -99.0), row(1, -98.0), row(2, -100.0)], "t", "cmd", 3)
    assert "| mdgp | 3 s | auto | 3 | 0.00% | 1.00% | 2.00% |" in text
    single = markdown([row(0, -99.0)], "t", "cmd", 1)
    assert "Spread over seeds" not in single


def test_large_event_lists():
    data = examples.large_event(people=200, together=4, apart=2)
    problem = parse_instance(data).constraints
    assert [len(x) for x in problem.together] == [2] * 4
    assert [len(x) for x in problem.apart] == [5] * 2
    listed = [q for x in problem.together + problem.apart for q in x]
    assert len(set(listed)) == len(listed)


def test_time_limits_given_replace_the_suites_own():
    runs = plan_runs(SUITES["golfers"], ["random"], [0, 1], [5, 10])
    assert len(runs) == len(SUITES["golfers"]) * 2 * 2
    assert {run.time_limit for run in runs} == {5, 10}
    assert [r.time_limit for r in plan_runs(SUITES["golfers"], ["random"], [0], None)] == [
        20,
        20,
        30,
        60,
        60,
        20,
        20,
        30,
    ]


def test_large_event_shape():
    data = examples.large_event()
    parse_instance(data)
    assert data == examples.large_event()
    people = data["participants"]
    assert len(people) == 800
    assert len({p["name"] for p in people}) == 800
    sizes = sorted(Counter(p["organisation"] for p in people).values(), reverse=True)
    assert len(sizes) == 50
    assert sizes[0] > 10 * sizes[-1]  # skewed: a few large organisations, a long tail
    assert data["rounds"] == [
        {"id": f"round{k}", "groups": 100, "min_size": 8, "max_size": 8} for k in (1, 2, 3)
    ]
    assert data["duties"] == [{"name": "reporter", "per_group": 1}]
    assert "constraints" not in data
    assert "objective" not in data
    assert all("role" not in p for p in people)


def test_large_event_options():
    data = examples.large_event(people=803, duty=None, roles=True)
    parse_instance(data)
    assert all("min_size" not in r for r in data["rounds"])  # 803 / 8: balanced sizes
    assert "duties" not in data
    assert set(Counter(p["role"] for p in data["participants"])) == {"worker", "user"}


def test_large_event_builds_ten_thousand_people_quickly():
    start = time.perf_counter()
    data = examples.large_event(people=10_000, organisations=600, rounds=4)
    assert time.perf_counter() - start < 2
    assert len(data["participants"]) == 10_000
    assert len({p["organisation"] for p in data["participants"]}) == 600
    assert data["rounds"][0]["groups"] == 1250


def test_runs_sent_to_a_dask_cluster_give_the_same_rows(tmp_path):
    """A local Dask cluster stands in for a remote one: same runs, same measured rows."""
    distributed = pytest.importorskip("dask.distributed")
    runs = plan_runs(SUITES["smoke"][:1], ["local", "random"], [0], None)
    rows: dict[int, dict] = {}
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        run_all(runs, 1, rows.__setitem__, dask=cluster.scheduler_address)
    assert sorted(rows) == list(range(len(runs)))
    for k, run in enumerate(runs):
        assert rows[k]["strategy"] == run.strategy
        assert rows[k]["status"] in {"optimal", "feasible"}
        assert rows[k]["peak_mb"] > 0


def test_partner_suite_cases_and_their_limits():
    cases = {case.name: case for case in SUITES["partner"]}
    assert {name: case.time_limits for name, case in cases.items()} == {
        "partner_80_s1": (60,),
        "partner_80_s2": (60,),
        "partner_80_s3": (60,),
        "partner_144": (30, 60),
        "partner_300": (60, 120),
    }
    sizes = {name: len(case.instance().participants) for name, case in cases.items()}
    assert sizes == {
        "partner_80_s1": 80, "partner_80_s2": 80, "partner_80_s3": 80,
        "partner_144": 144, "partner_300": 300,
    }  # fmt: skip
    assert cases["partner_80_s2"].build() == examples.partner_80(2)


def test_a_case_with_several_limits_runs_at_each():
    runs = plan_runs(SUITES["partner"], ["auto"], [0, 1], None)
    limits = Counter((run.case.name, run.time_limit) for run in runs)
    assert limits == {
        ("partner_80_s1", 60): 2,
        ("partner_80_s2", 60): 2,
        ("partner_80_s3", 60): 2,
        ("partner_144", 30): 2,
        ("partner_144", 60): 2,
        ("partner_300", 60): 2,
        ("partner_300", 120): 2,
    }
    rows = [
        {"instance": run.case.name, "n": 144, "strategy": run.strategy, "seed": run.seed,
         "time_limit": run.time_limit, "status": "feasible", "objective": 1.0, "bound": 0.0,
         "violations": 0, "wall_seconds": 1.0, "peak_mb": 1.0}
        for run in runs
    ]  # fmt: skip
    text = markdown(rows, "partner", "cmd", len(runs))
    assert "## partner_144 — 144 people, 30 s" in text
    assert "## partner_144 — 144 people, 60 s" in text
    assert "| partner_300 | 120 s | auto | 2 |" in text


def test_only_picks_cases_of_the_suite():
    from benchmarks.__main__ import cases_of, parse_args

    args = parse_args(["--suite", "scale", "--only", "large_event_800", "large_event_800_lists"])
    assert [case.name for case in cases_of(args)] == ["large_event_800", "large_event_800_lists"]
    with pytest.raises(SystemExit, match="no case nowhere"):
        cases_of(parse_args(["--suite", "scale", "--only", "nowhere"]))
