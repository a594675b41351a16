"""The library entry point: the strategy registry, one error family with its data as
fields, the preparation before the clock, and a plan that breaks rules kept visible."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import ClassVar, get_args

import pytest

from allocator import (
    STRATEGIES,
    AllocatorError,
    InfeasibleError,
    InputError,
    NoPlanError,
    Stop,
    StrategyName,
    counting_bounds,
    parse_instance,
    solve,
)
from allocator.examples import partner_day
from allocator.strategies.base import Result
from allocator.strategies.random_draw import RandomDraw

PARTNER_DAY = Path(__file__).resolve().parents[1] / "instances" / "partner_day.json"
SOLVE_MODULE = importlib.import_module("allocator.solve")
"""The module (the package's `allocator.solve` is the function)."""


def small_day(**constraints) -> dict:
    return {
        "name": "small",
        "participants": [{"id": f"p{i}", "organisation": f"o{i % 3}"} for i in range(12)],
        "rounds": [{"id": "a", "groups": 3}, {"id": "b", "groups": 3}],
        "constraints": constraints,
    }


def test_the_registry_names_the_strategy_literal():
    assert tuple(STRATEGIES) == get_args(StrategyName)
    assert STRATEGIES["random"] is RandomDraw


def test_importing_and_validating_loads_no_solver():
    script = (
        "import sys, allocator\n"
        f"allocator.load_instance({str(PARTNER_DAY)!r})\n"
        "print(sorted({'ortools', 'numba'} & {m.split('.')[0] for m in sys.modules}))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]", loaded.stdout


def test_every_error_is_an_allocator_error_with_its_data():
    day = parse_instance(small_day())
    with pytest.raises(InputError) as bad:
        solve(day, "fastest")  # type: ignore[arg-type]
    assert bad.value.paths == ["strategy"]
    with pytest.raises(InputError) as bad:
        solve(day, time_limit=float("nan"), seed=-1)
    assert bad.value.paths == ["seed", "time_limit"]
    with pytest.raises(InfeasibleError) as impossible:
        solve(parse_instance(small_day(max_per_organisation=1)), "random")
    conflict = impossible.value.conflicts[0]
    assert impossible.value.rules == ["organisation_cap"] * 6  # 3 organisations, 2 rounds
    assert conflict.round == "a"
    assert conflict.counts == {"members": 4, "groups": 3, "cap": 1, "seatable": 3}
    assert all(isinstance(e.value, AllocatorError) for e in (bad, impossible))


def test_no_plan_says_why():
    data = partner_day(seed=0)
    synthesis = data["rounds"][-1]
    data["constraints"].setdefault("fixed", []).append(
        {"participant": "w01", "round": synthesis["id"], "group": f"{synthesis['id']}-1"}
    )
    with pytest.raises(NoPlanError) as refused:
        solve(parse_instance(data), "local", time_limit=1)
    assert (refused.value.reason, refused.value.strategy) == ("unsupported", "local")


class Unlucky(RandomDraw):
    """A strategy that finds nothing, to see what `solve` makes of it."""

    def solve(self, problem, **options) -> Result:
        return Result(self.name, options["seed"], 0.0, "unknown", None)


def test_no_plan_in_time_or_before_a_stop(monkeypatch):
    monkeypatch.setattr(SOLVE_MODULE, "STRATEGIES", {"random": Unlucky})
    day = parse_instance(small_day())
    with pytest.raises(NoPlanError) as late:
        solve(day, "random", time_limit=2)
    assert (late.value.reason, late.value.time_limit) == ("time", 2)
    stop = Stop()
    stop.request()
    with pytest.raises(NoPlanError) as stopped:
        solve(day, "random", stop=stop)
    assert stopped.value.reason == "stopped"


class Watched(RandomDraw):
    """Records what `solve` asks of a strategy, in order."""

    calls: ClassVar[list[tuple[str, object]]] = []

    def prepare(self, problem, announce=None) -> None:
        self.calls.append(("prepare", problem))
        if announce is not None:
            announce("compiling the search kernels once, about 20 s")

    def solve(self, problem, **options) -> Result:
        self.calls.append(("solve", problem))
        return super().solve(problem, **options)


def test_the_strategy_is_prepared_before_its_solve_and_announces(monkeypatch):
    monkeypatch.setattr(SOLVE_MODULE, "STRATEGIES", {"random": Watched})
    heard: list[str] = []
    solution = solve(parse_instance(small_day()), "random", announce=heard.append)
    assert [step for step, _ in Watched.calls] == ["prepare", "solve"]
    assert Watched.calls[0][1] is Watched.calls[1][1]  # the same compiled problem
    assert heard == ["compiling the search kernels once, about 20 s"]
    assert solution.valid


def test_counting_bounds_are_those_a_solved_plan_states():
    day = parse_instance(partner_day())
    plan = solve(day, "random", time_limit=1).plan
    assert counting_bounds(day) == (plan["bound"], plan["metric_bounds"])
    assert counting_bounds(day)[0] == 25_200  # the README's Partner Day, proven optimal


def test_a_plan_breaking_rules_is_returned_with_its_violations():
    data = small_day(apart=[["p0", "p1", "p2", "p3"]])
    data["rounds"] = [{"id": "a", "groups": 1}]
    solution = solve(parse_instance(data), "random")
    assert not solution.valid
    assert {v.rule for v in solution.violations} == {"apart"}
