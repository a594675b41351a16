"""A stop request ends a solve early with the best valid plan found by then (an organiser's
Stop button), whichever engine runs."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from allocator import NoPlanError, parse_instance, solve
from allocator.examples import partner_day, world_cafe
from allocator.strategies.base import Stop


def _stopped_after(seconds: float, data: dict, strategy: str, limit: float = 60.0):
    """Solve with a stop requested from another thread after `seconds`; the solution (or
    None when no plan came) and the wall time."""
    stop = Stop()
    threading.Timer(seconds, stop.request).start()
    began = time.perf_counter()
    try:
        solution = solve(parse_instance(data), strategy, time_limit=limit, seed=0, stop=stop)
    except NoPlanError as refusal:
        assert "stopped" in str(refusal)
        solution = None
    return solution, time.perf_counter() - began


@pytest.mark.parametrize("strategy", ["auto", "local", "cpsat", "hybrid"])
def test_a_stop_ends_the_solve_within_two_seconds_with_a_valid_plan(strategy):
    # a café whose counting bound is out of reach, so that nothing but the stop ends it
    data = world_cafe(seed=2, people=60, tables=6, rotations=4)
    data["constraints"]["apart"] = [["p01", "p02"]]
    solution, wall = _stopped_after(3.0, data, strategy)
    assert wall < 3.0 + 2.0
    if solution is not None:
        assert solution.violations == []


def test_a_stop_during_cp_sat_keeps_its_best_plan():
    solution, wall = _stopped_after(4.0, partner_day(seed=1), "cpsat")
    assert wall < 4.0 + 2.0
    assert solution is None or solution.violations == []


def test_a_stop_requested_before_the_solve_ends_it_at_once():
    stop = Stop()
    stop.request()
    began = time.perf_counter()
    with contextlib.suppress(NoPlanError):
        solve(parse_instance(world_cafe(seed=1)), "cpsat", time_limit=60, seed=0, stop=stop)
    assert time.perf_counter() - began < 5.0
