"""Counting bounds are lower bounds: no plan that keeps the group sizes goes below them."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from itertools import product
from math import comb, inf

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator import compile_problem, parse_instance, solve
from allocator.analysis import bounds as bounds_module
from allocator.analysis.bounds import (
    fewest_pairs,
    fewest_pairs_within_sizes,
    forced_meetings,
    least_company,
    metric_bounds,
    repeat_pairs_bound,
    same_organisation_bound,
)
from allocator.evaluation import evaluate
from allocator.examples import (
    large_event,
    partner_80,
    partner_day,
    social_golfer,
    thematic_workshop,
    world_cafe,
)
from allocator.model.layout import GroupShape, RoundShape
from allocator.solve import build_plan
from allocator.strategies.random_draw import RandomDraw


def brute_fewest_pairs(people: int, groups: int) -> int:
    return min(
        sum(comb(s, 2) for s in sizes)
        for sizes in product(range(people + 1), repeat=groups)
        if sum(sizes) == people
    )


@given(st.integers(0, 9), st.integers(1, 4))
def test_pigeonhole_matches_enumeration(people, groups):
    assert fewest_pairs(people, groups) == brute_fewest_pairs(people, groups)


@settings(max_examples=60, deadline=None)
@given(
    bounds=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=4),
    people=st.integers(0, 12),
    spread=st.integers(1, 3),
)
def test_greedy_sizes_match_enumeration(bounds, people, spread):
    groups = tuple(GroupShape(f"g{k}", min(a, b), max(a, b)) for k, (a, b) in enumerate(bounds))
    feasible = [
        sizes
        for sizes in product(*(range(g.min_size, g.max_size + 1) for g in groups))
        if sum(sizes) == people
    ]
    if not feasible:
        return
    shape = RoundShape("r", groups, False, tuple(range(people)), None, "new", 0)
    expected = min(sum(fewest_pairs(s, spread) for s in sizes) for sizes in feasible)
    assert fewest_pairs_within_sizes(shape, spread) == expected


def test_partner_day_bounds_by_hand():
    """20 organisations of 4 in 3 synthesis groups: one pair each. 80 people at 12 tables of
    5–8, then in 3 synthesis groups: eight tables of 7 leave 5 pairs, four of 6 leave 3."""
    bounds = metric_bounds(compile_problem(parse_instance(partner_day(seed=3))))
    assert bounds["same_organisation"] == 20
    assert bounds["repeat_pairs"] == 8 * 5 + 4 * 3


def test_social_golfer_bound_counts_seats_beyond_people():
    """8 groups of 4 for 11 rounds: 33 seats beside each person, 31 others to meet."""
    bounds = metric_bounds(compile_problem(parse_instance(social_golfer(8, 4, 11))))
    assert bounds["repeat_pairs"] == 32 * 2 // 2


def _with_late_arrivals_and_early_leavers(data):
    """Three people miss breakfast and the first case round, three miss the synthesis."""
    rounds = [r["id"] for r in data["rounds"]]
    for k, person in enumerate(data["participants"][:6]):
        person["rounds"] = rounds[2:] if k < 3 else rounds[:-1]
    return data


@pytest.mark.parametrize(
    "data",
    [
        partner_day(seed=1),
        _with_late_arrivals_and_early_leavers(partner_80(seed=2)),
        thematic_workshop(seed=3),
        world_cafe(seed=2, people=30, tables=5),
        social_golfer(4, 3, 6),
        large_event(seed=1, people=120, organisations=12, roles=True),
    ],
    ids=[
        "partner_day",
        "partner_80",
        "thematic_workshop",
        "world_cafe",
        "social_golfer",
        "large_event_with_roles",
    ],
)
def test_no_drawn_plan_beats_the_counting_bounds(data):
    problem = compile_problem(parse_instance(data))
    bounds = metric_bounds(problem)
    for seed in range(15):
        result = RandomDraw().solve(problem, time_limit=1, seed=seed)
        metrics = evaluate(problem.instance, build_plan(problem, result, 1))
        for key, bound in bounds.items():
            assert metrics[key] >= bound - 1e-9, (key, seed)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 2), min_size=4, max_size=8),
    groups=st.integers(2, 3),
    low=st.integers(0, 2),
    spread=st.integers(0, 3),
)
def test_the_imbalance_bound_is_never_above_the_best_seating(values, groups, low, spread):
    """Every seating of a few people within the size bounds, against the counting bound."""
    people = len(values)
    high = max(low + spread, -(-people // groups))
    data = {
        "name": "spread",
        "participants": [{"id": f"p{k}", "attributes": {"a": v}} for k, v in enumerate(values)],
        "rounds": [
            {"id": "r", "groups": groups, "min_size": min(low, people // groups), "max_size": high}
        ],
        "objective": [{"term": "imbalance", "attribute": "a", "weight": 1}],
    }
    problem = compile_problem(parse_instance(data))
    bound = metric_bounds(problem)["imbalance:a"]
    shape = problem.rounds[0]
    best = inf
    for seats in product(range(groups), repeat=people):
        sizes = np.bincount(seats, minlength=groups)
        if all(g.min_size <= s <= g.max_size for g, s in zip(shape.groups, sizes, strict=True)):
            spread_of = 0.0
            for v in set(values):
                n_v = values.count(v)
                for g in range(groups):
                    count = sum(1 for k in range(people) if seats[k] == g and values[k] == v)
                    spread_of += abs(count - n_v * sizes[g] / people)
            best = min(best, spread_of)
    assert bound <= best + 1e-9


def test_wide_size_ranges_give_a_bound_without_listing_every_mix():
    """1,000 people in 50 groups of at least one: sizes from 1 to 951, too many mixes."""
    data = {
        "name": "wide",
        "participants": [{"id": f"p{k}", "role": "ab"[k % 2]} for k in range(1000)],
        "rounds": [{"id": "r", "groups": 50, "min_size": 1}],
    }
    bounds = metric_bounds(compile_problem(parse_instance(data)))
    assert bounds["imbalance:role"] == 0


def test_imbalance_bound_sees_the_sizes_a_merge_forces():
    # 14 people, half of each role: four kept groups of 2-4 could all be even (no spread),
    # but merged into two groups of 7 each takes an odd source group: 1 in each merged group
    # and 1 in each odd source group, 4 in all, which CP-SAT confirms is the least
    data = {
        "name": "merge parity",
        "participants": [{"id": f"p{k}", "role": "ab"[k % 2]} for k in range(14)],
        "rounds": [
            {"id": "case", "groups": 4, "min_size": 2, "max_size": 4},
            {"id": "synthesis", "merge_of": "case", "groups": 2},
        ],
        "objective": [{"term": "imbalance", "attribute": "role", "weight": 1}],
    }
    instance = parse_instance(data)
    assert metric_bounds(compile_problem(instance))["imbalance:role"] == 4
    solution = solve(instance, "cpsat", time_limit=20, seed=0)
    assert solution.plan["metrics"]["imbalance:role"] == 4
    assert solution.plan["status"] == "optimal"


def _spread(values: list, seats: tuple, groups: int) -> float:
    """FORMAT's imbalance of one round seated `seats`."""
    people = len(values)
    sizes = np.bincount(seats, minlength=groups)
    total = 0.0
    for v in set(values):
        n_v = values.count(v)
        for g in range(groups):
            count = sum(1 for k in range(people) if seats[k] == g and values[k] == v)
            total += abs(count - n_v * sizes[g] / people)
    return total


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.integers(0, 2), min_size=4, max_size=7),
    groups=st.integers(2, 3),
    merged=st.integers(1, 2),
    low=st.integers(0, 2),
    spread=st.integers(0, 2),
)
def test_the_imbalance_bound_of_a_merge_is_never_above_the_best_seating(
    values, groups, merged, low, spread
):
    """Every seating of a first round and every merge of its groups, against the bound."""
    people = len(values)
    low = min(low, people // groups)
    high = max(low + spread, -(-people // groups))
    data = {
        "name": "merge spread",
        "participants": [{"id": f"p{k}", "attributes": {"a": v}} for k, v in enumerate(values)],
        "rounds": [
            {"id": "case", "groups": groups, "min_size": low, "max_size": high},
            {"id": "synthesis", "merge_of": "case", "groups": merged},
        ],
        "objective": [{"term": "imbalance", "attribute": "a", "weight": 1}],
    }
    problem = compile_problem(parse_instance(data))
    bound = metric_bounds(problem)["imbalance:a"]
    merged_sizes = {people // merged, -(-people // merged)}  # balanced: no bounds given
    best = inf
    for seats in product(range(groups), repeat=people):
        sizes = np.bincount(seats, minlength=groups)
        if not all(low <= s <= high for s in sizes):
            continue
        for mapping in product(range(merged), repeat=groups):
            joined = tuple(mapping[g] for g in seats)
            if set(np.bincount(joined, minlength=merged).tolist()) <= merged_sizes:
                total = _spread(values, seats, groups) + _spread(values, joined, merged)
                best = min(best, total)
    assert bound <= best + 1e-9


def _least_company_by_person(problem) -> list[int]:
    """The per-person loop the vectorised `least_company` replaced."""
    seats = []
    for q in range(problem.n):
        total = 0
        for k in range(problem.n_groupings):
            rounds = [r for r in problem.rounds_of_grouping(k) if problem.present[r, q]]
            if rounds:
                total += max(min(g.min_size for g in problem.rounds[r].groups) - 1 for r in rounds)
        seats.append(total)
    return seats


def _same_organisation_by_loops(problem) -> int:
    orgs = problem.organisation
    forced = Counter(
        (k, int(orgs.of[a]))
        for (a, b), groupings in forced_meetings(problem).items()
        if orgs.of[a] >= 0 and orgs.of[a] == orgs.of[b]
        for k in groupings
    )
    return sum(
        max(
            max(
                fewest_pairs(
                    int((problem.present[r] & (orgs.of == o)).sum()), len(problem.rounds[r].groups)
                )
                for r in problem.rounds_of_grouping(k)
            ),
            forced[k, o],
        )
        for k in range(problem.n_groupings)
        for o in range(len(orgs.values))
    )


@pytest.mark.parametrize(
    "data",
    [
        partner_day(seed=3),
        partner_day(seed=1),
        social_golfer(5, 3, 7),
        large_event(seed=1, people=120, organisations=12, together=4, apart=2),
    ],
    ids=["partner-3", "partner-1", "golfer", "large-event"],
)
def test_vectorised_bounds_match_the_loops_they_replaced(data):
    problem = compile_problem(parse_instance(data))
    assert least_company(problem).tolist() == _least_company_by_person(problem)
    assert same_organisation_bound(problem) == _same_organisation_by_loops(problem)


def test_a_relaxed_copy_of_a_problem_reuses_its_bounds(monkeypatch):
    problem = compile_problem(parse_instance(social_golfer(5, 3, 7)))
    computed = []
    real = bounds_module._metric_bounds
    monkeypatch.setattr(bounds_module, "_metric_bounds", lambda p: computed.append(p) or real(p))
    first = metric_bounds(problem)
    assert metric_bounds(replace(problem, apart=(), together=(), keep=None)) == first
    assert len(computed) == 1


@pytest.mark.parametrize(
    ("groups", "size", "rounds", "bound"),
    [(6, 6, 3, 0), (6, 6, 4, 2), (6, 6, 7, 2), (5, 5, 6, 0), (7, 7, 8, 0), (6, 5, 6, 0)],
)
def test_without_orthogonal_latin_squares_of_order_6_four_rounds_repeat_twice(
    groups, size, rounds, bound
):
    # 36 people in 6 groups of 6: three rounds are a Latin square (no repeat), four would
    # need two orthogonal ones (Euler's 36 officers); orders with such pairs keep 0
    problem = compile_problem(parse_instance(social_golfer(groups, size, rounds)))
    assert repeat_pairs_bound(problem) == bound


def test_six_by_six_reaches_the_latin_square_bound():
    # the bound is met: the default strategy finds 2 repeats on 6-6-4
    solution = solve(parse_instance(social_golfer(6, 6, 4)), time_limit=10, seed=0)
    assert solution.plan["metrics"]["repeat_pairs"] == 2
    assert solution.plan["metric_bounds"]["repeat_pairs"] == 2


@pytest.mark.parametrize(("listed", "bound"), [(2, 0), (3, 3), (5, 15)])
def test_people_kept_apart_repeat_the_seats_beyond_the_others_they_may_meet(listed, bound):
    # 8 groups of 4 for 10 rounds: 30 seats beside each person; a member of a list of k
    # that never meets has 31 - (k - 1) others, and no repeated pair holds two members
    day = social_golfer(8, 4, 10)
    day["constraints"] = {"apart": [[p["id"] for p in day["participants"][:listed]]]}
    assert repeat_pairs_bound(compile_problem(parse_instance(day))) == bound
