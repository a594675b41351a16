"""The hybrid: CP-SAT moves that score exactly like the evaluator, repair apart/together
lists the local search cannot see, and keep every other rule."""

from __future__ import annotations

import copy
import math
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator import compile_problem, parse_instance, solve
from allocator.analysis.bounds import metric_bounds
from allocator.evaluation import evaluate, objective_value, verify
from allocator.examples import large_event, partner_day, social_golfer
from allocator.io.plan_json import plan_rounds
from allocator.strategies.exact import moves
from allocator.strategies.search.hybrid import relaxed
from allocator.strategies.search.local_search import LocalSearch
from allocator.strategies.search.repair import repair_start


def _objective(problem, plan) -> float:
    instance = problem.instance
    return objective_value(instance, evaluate(instance, {"rounds": plan_rounds(problem, plan)}))


def _rules_instance(people: int, orgs: int, cap, max_meetings, rules: bool, seed: int) -> dict:
    """Four rounds of three groups, most objective terms, and the rules a move must keep."""
    data = {
        "name": "moves",
        "participants": [
            {"id": f"p{k}", "organisation": f"o{k % orgs}", "role": "ab"[k % 2]}
            for k in range(people)
        ],
        "rounds": [{"id": f"r{k}", "groups": 3} for k in range(4)],
        "duties": [{"name": "scribe", "per_group": 1, "eligible_roles": ["a"]}],
        "constraints": {"max_per_organisation": cap, "max_meetings": max_meetings},
        "objective": [
            {"term": "same_organisation", "weight": 7},
            {"term": "repeat_pairs", "weight": 3},
            {"term": "imbalance", "attribute": "role", "weight": 2},
            {"term": "duty_repeats", "weight": 5},
            {"term": "pairs", "weight": 1.5, "pairs": [["p0", "p1", 2.25], ["p2", "p5", -1]]},
        ],
    }
    if rules:
        data["constraints"]["balance"] = ["role"]
        data["constraints"]["role_ratio"] = [{"role": "a", "per": "b", "min": 0.5, "max": 2}]
        data["constraints"]["fixed"] = [{"participant": "p3", "round": "r1", "group": "r1-2"}]
    return data


@settings(max_examples=15, deadline=None)
@given(
    people=st.integers(9, 18),
    orgs=st.integers(2, 5),
    cap=st.sampled_from([None, 3]),
    max_meetings=st.sampled_from([None, 2]),
    rules=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_every_move_changes_the_objective_by_what_it_claims(
    people, orgs, cap, max_meetings, rules, seed
):
    problem = compile_problem(
        parse_instance(_rules_instance(people, orgs, cap, max_meetings, rules, seed))
    )
    start = LocalSearch().solve(problem, time_limit=0.2, seed=seed).assignment
    if start is None:
        return  # no plan to move from; the local search said so
    _check_moves(problem, start, seed, sizes=(2, 3))


def _check_moves(problem, plan, seed, sizes) -> None:
    """Moves of these sizes from a valid plan: each is feasible (today's seats are), never
    worse, changes the evaluator's objective by exactly what it claims, and the plan keeps
    every rule."""
    search = moves.LargeNeighbourhoodSearch(problem)
    rng = np.random.default_rng(seed)
    for size in sizes:
        before = _objective(problem, plan)
        hood = search.neighbourhood(rng, plan.group, [], size)
        outcome = search.move(plan, hood, seed, 10.0)
        assert outcome is not None  # today's seats keep every rule, so the move is feasible
        assert outcome.change <= 0
        assert _objective(problem, plan) - before == pytest.approx(float(outcome.change))
        assert _violations(problem, plan) == []


def _kept_day(people: int, groups: int, merged: int, absent: dict, visitors: bool) -> dict:
    """The Partner Day's shape in small: a mixing round, groups kept for two rotations
    (visited by actors, with duties) and merged for a synthesis; `absent` maps a participant
    to the rounds they miss."""
    rounds = ["mix", "case1", "case2", "synthesis"]
    actors = [f"actor{j}" for j in range(2)] if visitors else []
    return {
        "name": "kept moves",
        "participants": [
            {
                "id": f"p{k}",
                "organisation": f"o{k % 5}",
                "role": "ab"[k % 2],
                "attributes": {"job": k % 3},
                **({"rounds": [r for r in rounds if r not in absent[k]]} if k in absent else {}),
            }
            for k in range(people)
        ],
        "visitors": [{"id": a} for a in actors],
        "rounds": [
            {"id": "mix", "groups": groups + 1, "min_size": 1, "max_size": people},
            {
                "id": "case1",
                "groups": groups,
                "min_size": 1,
                "max_size": people,
                "visitors": actors,
            },
            {"id": "case2", "same_groups_as": "case1", "visitors": actors},
            {
                "id": "synthesis",
                "merge_of": "case2",
                "groups": merged,
                "min_size": 1,
                "max_size": people,
            },
        ],
        "duties": [{"name": "scribe", "rounds": ["case1", "case2"]}],
        "constraints": {"max_per_organisation": 2},
        "objective": [
            {"term": "same_organisation", "weight": 7},
            {"term": "repeat_pairs", "weight": 3},
            {"term": "imbalance", "attribute": "job", "weight": 1.5},
            {"term": "imbalance", "attribute": "role", "weight": 2},
            {"term": "duty_repeats", "weight": 5},
        ],
    }


@settings(max_examples=15, deadline=None)
@given(
    people=st.integers(10, 18),
    merged=st.integers(1, 2),
    visitors=st.booleans(),
    seed=st.integers(0, 1000),
    data=st.data(),
)
def test_moves_on_kept_and_merged_groups_change_the_objective_by_what_they_claim(
    people, merged, visitors, seed, data
):
    missing = st.sets(st.sampled_from(["mix", "case1", "synthesis"]), max_size=1)
    absent = data.draw(st.dictionaries(st.integers(0, people - 1), missing, max_size=people // 3))
    problem = compile_problem(parse_instance(_kept_day(people, 2, merged, absent, visitors)))
    start = LocalSearch().solve(problem, time_limit=0.3, seed=seed).assignment
    if start is None:
        return  # no plan to move from; the local search said so
    _check_moves(problem, start, seed, sizes=(2, 3, 2))


def _violations(problem, plan) -> list:
    return verify(problem.instance, {"rounds": plan_rounds(problem, plan)})


def _brute_broken(problem, seats, r):
    apart = [
        k
        for k, people in enumerate(problem.apart)
        if any(
            seats[r, a] == seats[r, b] and problem.present[r, [a, b]].all()
            for a, b in combinations(people.tolist(), 2)
        )
    ]
    together = [
        k
        for k, people in enumerate(problem.together)
        if problem.present[r, people].all() and len(set(seats[r, people].tolist())) > 1
    ]
    return apart, together


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_broken_lists_are_found_as_by_brute_force(data):
    n = data.draw(st.integers(6, 12))
    lists = st.lists(
        st.lists(st.integers(0, n - 1), min_size=2, max_size=4, unique=True), max_size=4
    )
    away = data.draw(st.integers(0, n - 1))  # misses the second round
    instance = {
        "name": "lists",
        "participants": [
            {"id": f"p{k}", **({"rounds": ["r0"]} if k == away else {})} for k in range(n)
        ],
        "rounds": [{"id": "r0", "groups": 3}, {"id": "r1", "groups": 3}],
        "constraints": {
            "apart": [[f"p{q}" for q in x] for x in data.draw(lists)],
            "together": [[f"p{q}" for q in x] for x in data.draw(lists)],
        },
    }
    problem = compile_problem(parse_instance(instance))
    seats = np.array(
        [data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)) for _ in range(2)]
    )
    seats[~problem.present] = -1
    search = moves.LargeNeighbourhoodSearch(problem)
    for r in range(2):
        apart, together = _brute_broken(problem, seats, r)
        assert moves.broken_apart(problem, search.apart, seats, r).tolist() == apart
        assert moves.broken_together(problem, search.together, seats, r).tolist() == together


def test_moves_repair_the_lists_the_local_search_leaves_broken():
    problem = compile_problem(
        parse_instance(large_event(seed=1, people=240, organisations=20, together=8, apart=4))
    )
    start = LocalSearch().solve(relaxed(problem), time_limit=2, seed=0).assignment
    search = moves.LargeNeighbourhoodSearch(problem)
    assert search.broken(start.group)  # the local search does not see the lists
    heard = []
    plan, stats = search.run(start, time_limit=20, seed=0, target=math.inf, progress=heard.append)
    assert stats.broken_lists == 0
    assert search.broken(plan.group) == []
    assert _violations(problem, plan) == []
    # repairing moves were told; a move never breaks more than it repairs (broken lists
    # weigh above every objective term), and the last report is the repaired plan's cost
    breaks = [at.broken_lists for at in heard]
    assert heard and breaks[0] < len(search.broken(start.group))
    assert breaks == sorted(breaks, reverse=True) and breaks[-1] == 0
    assert heard[-1].objective == stats.cost


def test_auto_sends_large_instances_with_lists_to_the_hybrid():
    instance = parse_instance(
        large_event(seed=3, people=400, organisations=30, together=10, apart=5)
    )
    solution = solve(instance, time_limit=30, seed=0)
    assert solution.valid
    assert solution.result.engine == "hybrid"
    bounds = solution.plan["metric_bounds"]
    assert bounds["repeat_pairs"] >= 2 * 10  # each pair kept together meets in all 3 rounds
    assert solution.plan["metrics"]["same_organisation"] <= bounds["same_organisation"] + 2


def test_the_hybrid_stops_once_its_plan_is_at_the_bound():
    # the moves follow the objective without the lists' penalties: a plan at the counting
    # bound with every list kept ends the solve, not the time limit
    instance = parse_instance(
        large_event(seed=1, people=240, organisations=20, together=6, apart=3)
    )
    solution = solve(instance, "hybrid", time_limit=60, seed=0)
    assert solution.valid
    assert solution.plan["objective"] == solution.plan["bound"]
    assert solution.result.seconds < 30


def test_together_lists_raise_the_counting_bounds():
    data = social_golfer(4, 4, 3)
    data["constraints"] = {"together": [["p01", "p02"], ["p02", "p03"]]}
    bounds = metric_bounds(compile_problem(parse_instance(data)))
    assert bounds["repeat_pairs"] == 3 * 2  # three pairs chained together, meeting 3 times


def test_the_hybrid_keeps_lists_over_kept_and_merged_groups():
    # on a day that keeps groups the local search owns the lists, and the moves (a kept
    # group re-seated in every rotation, merged groups with their sources) keep them
    data = partner_day(seed=0)
    data["constraints"]["apart"] = [["w01", "w03", "w05"]]
    org = {p["id"]: p["organisation"] for p in data["participants"]}
    user = next(u for u in org if u.startswith("u") and org[u] != org["w02"])
    data["constraints"]["together"] = [[user, "w02"]]
    solution = solve(parse_instance(data), "hybrid", time_limit=20, seed=0)
    assert solution.violations == []
    for rnd in solution.plan["rounds"]:
        for group in rnd["groups"]:
            assert len({"w01", "w03", "w05"} & set(group["members"])) <= 1
            assert (user in group["members"]) == ("w02" in group["members"])


def test_kirkman_systems_seed_the_schedules_the_search_cannot_find():
    solution = solve(parse_instance(social_golfer(7, 3, 10)), "local", time_limit=5, seed=0)
    assert solution.plan["metrics"]["repeat_pairs"] == 0
    assert solution.result.seconds < 5


def test_apart_pairs_on_a_design_day_keep_the_design():
    # the hybrid's local search leaves the lists to its moves, but its start is the design
    # fitted with them: three apart pairs on unmet points of the 8-4-10 design, 0 repeats
    data = social_golfer(8, 4, 10, apart=(2, 2, 2))
    for strategy in ("auto", "hybrid", "local"):
        solution = solve(parse_instance(data), strategy, time_limit=10, seed=1)
        assert solution.violations == []
        assert solution.plan["metrics"]["repeat_pairs"] == 0
        assert solution.result.seconds < 5


def _walk_ins_and_cancellations(data: dict) -> dict:
    """Ten people cancel and ten others walk in, from the same organisations."""
    later = copy.deepcopy(data)
    gone = {p["id"] for p in later["participants"][5:25:2]}
    later["participants"] = [p for p in later["participants"] if p["id"] not in gone]
    for k in range(10):
        organisation = later["participants"][k]["organisation"]
        later["participants"].append({"id": f"walk-in {k}", "organisation": organisation})
    for key, lists in later.get("constraints", {}).items():
        lists = [[q for q in people if q not in gone] for people in lists]
        later["constraints"][key] = [people for people in lists if len(people) >= 2]
    return later


def test_repair_start_keeps_the_seats_the_bounds_allow():
    data = large_event(seed=4, people=96, organisations=10, group_size=8)
    first = solve(parse_instance(data), time_limit=2, seed=0)
    later = _walk_ins_and_cancellations(data)
    problem = compile_problem(parse_instance(later), first.plan)
    start, kept = repair_start(problem, np.random.default_rng(0))
    for r, shape in enumerate(problem.rounds):
        sizes = np.bincount(start.group[r][problem.present[r]], minlength=len(shape.groups))
        assert all(g.min_size <= s <= g.max_size for g, s in zip(shape.groups, sizes, strict=True))
    compared = problem.keep >= 0
    assert kept[compared].mean() >= 0.9  # ten walk-ins take ten freed seats per round
    assert (start.group[kept] == problem.keep[kept]).all()


def test_auto_repairs_large_events_with_the_hybrid():
    data = large_event(seed=5, people=400, organisations=30, together=6, apart=3)
    first = solve(parse_instance(data), time_limit=10, seed=0)
    repaired = solve(
        parse_instance(_walk_ins_and_cancellations(data)),
        time_limit=10,
        seed=0,
        earlier_plan=first.plan,
    )
    assert repaired.valid
    assert repaired.result.engine == "hybrid"
    summary = repaired.plan["repair"]
    assert summary["seats_kept"] >= 0.95 * summary["seats_compared"]
