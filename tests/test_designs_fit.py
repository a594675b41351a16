"""A design fitted to a day: pins, organisation caps, absences, spare seats, extra rounds and
uneven sizes, each keeping the design's property that nobody meets twice where it can."""

from __future__ import annotations

from typing import Any

import numpy as np

from allocator import compile_problem, parse_instance
from allocator.examples import adjacent_sizes, social_golfer
from allocator.model.problem import Problem
from allocator.strategies.base import ABSENT
from allocator.strategies.designs.fit import design_start, fitted_design


def _problem(data: dict[str, Any]) -> Problem:
    return compile_problem(parse_instance(data))


def _repeats(group: np.ndarray) -> int:
    """Pairs seated together more than once, counted once per extra meeting."""
    here = group >= 0
    met = ((group[:, :, None] == group[:, None, :]) & here[:, :, None] & here[:, None, :]).sum(0)
    np.fill_diagonal(met, 0)
    return int(np.maximum(met - 1, 0).sum() // 2)


def _sizes(group: np.ndarray, groups: int) -> np.ndarray:
    return np.array([np.bincount(row[row >= 0], minlength=groups) for row in group])


def _pinned_golfers(groups: int, size: int, rounds: int) -> dict[str, Any]:
    """Four people pinned to four different named groups of round 1, the first also to a
    named group of round 5."""
    data = social_golfer(groups, size, rounds)
    ids = [p["id"] for p in data["participants"]]
    pins = [
        {"participant": ids[k], "round": "round1", "group": f"round1-{groups - k}"}
        for k in range(4)
    ]
    pins.append({"participant": ids[0], "round": "round5", "group": "round5-2"})
    data["constraints"] = {"fixed": pins}
    return data


def test_golfers_get_the_design_with_its_name() -> None:
    fitted = fitted_design(_problem(social_golfer(8, 4, 10)), seed=0, budget=1.0)
    assert fitted is not None and fitted.construction == "4-RGDD of type 2^16 (Pegg)"
    assert _repeats(fitted.assignment.group) == 0
    assert (_sizes(fitted.assignment.group, 8) == 4).all()


def test_pins_hold_and_nobody_meets_twice() -> None:
    for groups, size, rounds in ((8, 4, 10), (5, 5, 6)):
        problem = _problem(_pinned_golfers(groups, size, rounds))
        plan = design_start(problem, seed=0, budget=2.0)
        assert plan is not None
        assert all(plan.group[r, p] == g for p, r, g in problem.fixed)
        assert _repeats(plan.group) == 0


def test_an_absent_person_leaves_an_empty_seat() -> None:
    data = social_golfer(8, 4, 10)
    data["participants"][7]["rounds"] = [f"round{k}" for k in range(1, 11) if k != 3]
    data["rounds"][2]["min_size"] = 3
    plan = design_start(_problem(data), seed=0, budget=1.0)
    assert plan is not None and plan.group[2, 7] == ABSENT
    assert sorted(_sizes(plan.group, 8)[2]) == [3] + [4] * 7
    assert _repeats(plan.group) == 0


def test_fewer_people_than_points_sit_within_the_bounds() -> None:
    data = social_golfer(10, 6, 7)  # 60 points, 52 people in groups of 5–6
    data["participants"] = data["participants"][:52]
    for rnd in data["rounds"]:
        rnd["min_size"] = 5
    plan = design_start(_problem(data), seed=0, budget=2.0)
    assert plan is not None
    sizes = _sizes(plan.group, 10)
    assert ((sizes >= 5) & (sizes <= 6)).all() and (sizes.sum(axis=1) == 52).all()
    assert _repeats(plan.group) == 0


def test_organisation_caps_pick_the_rounds_that_keep_them() -> None:
    data = social_golfer(4, 4, 4)  # AG(2, 4) has five rounds: one left over holds the caps
    for k, person in enumerate(data["participants"]):
        person["organisation"] = f"org{k % 4}"
    data["constraints"] = {"max_per_organisation": 1}
    problem = _problem(data)
    plan = design_start(problem, seed=0, budget=3.0)
    assert plan is not None and _repeats(plan.group) == 0
    org = problem.organisation.of
    for row in plan.group:
        assert all(len(set(org[row == g])) == 4 for g in range(4))


def test_rounds_past_the_design_repeat_no_more_than_they_must() -> None:
    plan = fitted_design(_problem(social_golfer(4, 4, 6)), seed=0, budget=1.0)
    assert plan is not None and plan.construction.endswith("+ 1 greedy round")
    assert _repeats(plan.assignment.group) == 4 * 6  # every pair met in the affine plane
    assert (_sizes(plan.assignment.group, 4) == 4).all()


def test_days_without_repeat_scoring_or_with_kept_groups_get_none() -> None:
    data = social_golfer(4, 4, 5)
    data["objective"] = [{"term": "same_organisation", "weight": 1}]
    assert design_start(_problem(data), seed=0, budget=1.0) is None
    data = social_golfer(4, 4, 5)
    data["rounds"][1] = {"id": "round2", "same_groups_as": "round1"}
    assert design_start(_problem(data), seed=0, budget=1.0) is None


def test_clashing_pins_give_none() -> None:
    data = social_golfer(4, 4, 5)
    ids = [p["id"] for p in data["participants"]]
    # the affine plane's five rounds pair everyone once: two people pinned together in two
    # rounds must meet twice
    data["constraints"] = {
        "fixed": [
            {"participant": ids[a], "round": r, "group": f"{r}-1"}
            for a in (0, 1)
            for r in ("round1", "round2")
        ]
    }
    assert design_start(_problem(data), seed=0, budget=0.5) is None


def test_adjacent_sizes_days_start_from_the_nearest_design() -> None:
    fitted = fitted_design(_problem(adjacent_sizes(52, 5, 7)), seed=0, budget=2.0)
    assert fitted is not None  # nine groups of 5–6: the nine-by-six transversal design
    sizes = _sizes(fitted.assignment.group, 9)
    assert ((sizes >= 5) & (sizes <= 6)).all() and (sizes.sum(axis=1) == 52).all()
    assert _repeats(fitted.assignment.group) == 0


def _apart_meetings(problem: Problem, group: np.ndarray) -> int:
    return sum(
        int(((group[:, a] == group[:, b]) & (group[:, a] >= 0)).sum())
        for members in problem.apart
        for i, a in enumerate(members)
        for b in members[i + 1 :]
    )


def test_people_kept_apart_sit_on_points_that_never_meet() -> None:
    # the 4-RGDD of type 2^16 leaves the two points of each of its 16 groups unmet: three
    # apart pairs fit on three of them, and the design keeps nobody meeting twice
    problem = _problem(social_golfer(8, 4, 10, apart=(2, 2, 2)))
    for seed in range(3):
        plan = design_start(problem, seed=seed, budget=2.0)
        assert plan is not None
        assert _apart_meetings(problem, plan.group) == 0
        assert _repeats(plan.group) == 0


def test_a_list_the_design_cannot_keep_still_gets_the_design() -> None:
    # three people apart over ten rounds: every point meets 30 of the 31 others, so two of
    # them meet the third; the fit still starts from the design, as apart as it can
    problem = _problem(social_golfer(8, 4, 10, apart=(3,)))
    plan = design_start(problem, seed=0, budget=2.0)
    assert plan is not None and _repeats(plan.group) == 0
    assert _apart_meetings(problem, plan.group) == 2


def test_fewer_design_rounds_leave_the_rest_to_the_greedy() -> None:
    problem = _problem(social_golfer(9, 5, 10))  # the design has 9 rounds
    full = fitted_design(problem, seed=0, budget=1.0)
    fewer = fitted_design(problem, seed=0, budget=1.0, most_rounds=8)
    assert full is not None and full.design_rounds == 9
    assert full.construction.endswith("+ 1 greedy round")
    assert fewer is not None and fewer.design_rounds == 8
    assert fewer.construction.endswith("+ 2 greedy rounds")
    assert _repeats(fewer.assignment.group[:8]) == 0
