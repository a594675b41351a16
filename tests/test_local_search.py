"""The compiled local search: incremental scores equal full recounts, plans keep every rule,
and the constructions seat nobody with the same person twice."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator import InfeasibleError, NoPlanError, compile_problem, parse_instance, solve
from allocator.analysis.bounds import metric_bounds
from allocator.evaluation import evaluate
from allocator.examples import (
    large_event,
    partner_day,
    social_golfer,
    world_cafe,
)
from allocator.strategies.designs.finite_fields import affine_plane_rounds
from allocator.strategies.designs.fit import fitted_design
from allocator.strategies.designs.subspaces import subspace_rounds
from allocator.strategies.random_draw import RandomDraw
from allocator.strategies.search import kernels
from allocator.strategies.search.groupings import (
    grouping_start,
    search_layout,
    visitor_schedule,
)
from allocator.strategies.search.local_search import (
    LocalSearch,
    PlainTabu,
    build_state,
    plan_cost,
    reaches_bound,
    repeats_alone,
    state_of,
)


def _instance(
    draw_people, rounds, groups, orgs, cap, max_meetings, pairs, roles, rules=False, visitors=0
):
    """Rounds that all reshuffle; `visitors` circulate in every round (each to be met once)."""
    participants = [
        {"id": f"p{k}", "organisation": f"o{k % orgs}", **({"role": "ab"[k % 2]} if roles else {})}
        for k in range(draw_people)
    ]
    objective = [
        {"term": "same_organisation", "weight": 7},
        {"term": "repeat_pairs", "weight": 3},
    ]
    if roles:
        objective.append({"term": "imbalance", "attribute": "role", "weight": 2})
    if pairs:
        objective.append(
            {"term": "pairs", "weight": 1.5, "pairs": [[f"p{a}", f"p{b}", w] for a, b, w in pairs]}
        )
    hosts = [f"v{j}" for j in range(min(visitors, groups))]
    return {
        "name": "local",
        "participants": participants,
        "visitors": [{"id": v} for v in hosts],
        "rounds": [
            {
                "id": f"r{k}",
                "groups": groups,
                "min_size": 1,
                "max_size": draw_people,
                "visitors": hosts,
            }
            for k in range(rounds)
        ],
        "constraints": {
            "max_per_organisation": cap,
            "max_meetings": max_meetings,
            **(
                {
                    "balance": ["organisation"],
                    "role_ratio": [{"role": "a", "per": "b", "min": 0.5, "max": 1.5}],
                }
                if rules and roles
                else {}
            ),
        },
        "objective": objective,
    }


def _random_moves(problem, state, rng, steps):
    """Random swaps and moves in root rounds and merge-map shifts, each checked against a
    full recount of the cost (the kernels take `state.compiled`, which shares the arrays
    read here)."""
    compiled = state.compiled
    seats, lay = state.seats, state.layout
    roots = lay.roots.tolist()
    for _ in range(steps):
        before = state.cost()
        kind = rng.random()
        if lay.merge_root.shape[0] and kind < 0.05:
            delta = kernels.improve_merges(*compiled)
        elif lay.merge_root.shape[0] and kind < 0.2:
            m = int(rng.integers(lay.merge_root.shape[0]))
            h = int(rng.integers(lay.n_groups[lay.merge_root[m]]))
            merged = lay.n_groups[int(np.flatnonzero(lay.mapping == m)[0])]
            delta = kernels.shift_group(*compiled, m, h, int(rng.integers(merged)))
        else:
            r = roots[int(rng.integers(len(roots)))]
            here = np.flatnonzero(lay.movable[r])
            p, q = (int(x) for x in rng.choice(here, size=2))
            g1, g2 = seats.group_of[r, p], seats.group_of[r, q]
            if g1 != g2 and kind < 0.6:
                delta = kernels.swap_delta(*compiled, r, p, q)
                kernels.apply_swap(*compiled, r, p, q)
            else:
                target = int(rng.integers(lay.n_groups[r]))
                if target == g1 or seats.size[r, g1] <= 1:
                    continue
                delta = kernels.move_delta(*compiled, r, p, target)
                kernels.apply_move(*compiled, r, p, target)
        assert state.cost() == pytest.approx(before + delta, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    people=st.integers(6, 14),
    rounds=st.integers(1, 3),
    groups=st.integers(2, 4),
    orgs=st.integers(1, 4),
    cap=st.sampled_from([None, 2, 3]),
    max_meetings=st.sampled_from([None, 1, 2]),
    roles=st.booleans(),
    rules=st.booleans(),
    visitors=st.integers(0, 3),
    seed=st.integers(0, 1000),
    data=st.data(),
)
def test_every_move_delta_equals_the_recount(
    people, rounds, groups, orgs, cap, max_meetings, roles, rules, visitors, seed, data
):
    pairs = data.draw(
        st.lists(
            st.tuples(
                st.integers(0, people - 1), st.integers(0, people - 1), st.integers(-3, 3)
            ).filter(lambda t: t[0] != t[1]),
            max_size=6,
        )
    )
    data_ = _instance(
        people, rounds, groups, orgs, cap, max_meetings, pairs, roles, rules, visitors
    )
    problem = compile_problem(parse_instance(data_))
    start = RandomDraw().solve(problem, time_limit=1, seed=seed).assignment
    _random_moves(problem, state_of(problem, start), np.random.default_rng(seed), 25)


ROUNDS = ("mix", "case1", "case2", "synthesis")


def _kept_day(
    people, groups, merged, orgs, cap, absent, roles, rules, low=1, lists=((), ()), visited=()
):
    """A mixing round, then groups kept for two rotations and merged for a synthesis: the
    Partner Day's shape in small. `absent` maps a participant to the rounds they miss
    (late arrivals, early leavers); `lists` holds apart and together lists of indices;
    visitors circulate in the rounds `visited` (as many as the fewest groups there)."""
    participants = []
    for k in range(people):
        person = {"id": f"p{k}", "organisation": f"o{k % orgs}", "attributes": {"job": k % 3}}
        if roles:
            person["role"] = "ab"[k % 2]
        if absent.get(k):
            person["rounds"] = [r for r in ROUNDS if r not in absent[k]]
        participants.append(person)
    objective = [
        {"term": "same_organisation", "weight": 7},
        {"term": "repeat_pairs", "weight": 3},
        {"term": "imbalance", "attribute": "job", "weight": 1.5},
    ]
    if roles:
        objective.append({"term": "imbalance", "attribute": "role", "weight": 2})
    constraints = {"max_per_organisation": cap}
    apart, together = lists
    if apart:
        constraints["apart"] = [[f"p{k}" for k in members] for members in apart]
    if together:
        constraints["together"] = [[f"p{k}" for k in members] for members in together]
    if rules and roles:
        constraints["balance"] = ["role"]
        constraints["role_ratio"] = [{"role": "a", "per": "b", "min": 0.5, "max": 2}]
    hosts = [f"v{j}" for j in range(min(groups, merged) if "synthesis" in visited else groups)]
    rounds = [
        {"id": "mix", "groups": groups, "min_size": low, "max_size": people},
        {"id": "case1", "groups": groups, "min_size": low, "max_size": people},
        {"id": "case2", "same_groups_as": "case1", "min_size": low, "max_size": people - 1},
        {
            "id": "synthesis",
            "merge_of": "case2",
            "groups": merged,
            "min_size": 2 * low,
            "max_size": people,
            "max_per_organisation": None,
        },
    ]
    for shape in rounds:
        if shape["id"] in visited:
            shape["visitors"] = hosts
    return {
        "name": "kept",
        "participants": participants,
        "visitors": [{"id": v} for v in hosts] if visited else [],
        "rounds": rounds,
        "constraints": constraints,
        "objective": objective,
    }


@settings(max_examples=40, deadline=None)
@given(
    people=st.integers(8, 16),
    groups=st.integers(2, 5),
    merged=st.integers(1, 3),
    orgs=st.integers(1, 5),
    cap=st.sampled_from([None, 1, 2]),
    roles=st.booleans(),
    rules=st.booleans(),
    visited=st.sampled_from(
        [(), ("case1", "case2"), ("mix", "case1"), ("case2", "synthesis"), tuple(ROUNDS)]
    ),
    seed=st.integers(0, 1000),
    data=st.data(),
)
def test_kept_and_merged_rounds_score_every_move_exactly(
    people, groups, merged, orgs, cap, roles, rules, visited, seed, data
):
    # anyone may miss any round but one: late arrivals, early leavers, a gap
    missing = st.sets(st.sampled_from(ROUNDS), max_size=3)
    absent = data.draw(st.dictionaries(st.integers(0, people - 1), missing, max_size=people))
    listed = st.lists(st.sets(st.integers(0, people - 1), min_size=2, max_size=3), max_size=2)
    lists = (data.draw(listed), [sorted(x) for x in data.draw(listed)])
    lists = ([sorted(x) for x in lists[0]], lists[1])
    data_ = _kept_day(people, groups, merged, orgs, cap, absent, roles, rules, 0, lists, visited)
    problem = compile_problem(parse_instance(data_))
    layout, reasons = search_layout(problem)
    assert reasons == []
    start = grouping_start(problem, layout, seed, (7.0, 3.0))
    state = build_state(problem, *start, visitor_schedule(problem, layout, seed, 1.0))
    _random_moves(problem, state, np.random.default_rng(seed), 40)
    # the search's running cost stays the recount through its moves and restarts
    swaps = seed % 3 == 0  # either tabu list: the swaps, or the seats left
    tune = kernels.Tuning(4, 30, 2, 50, 64, seed % 2 == 0, swaps)
    tabu = np.zeros((*state.seats.group_of.shape, people + groups), dtype=np.int32)
    best, best_maps = state.seats.group_of.copy(), state.seats.maps.copy()
    cost = state.cost()
    kernels.seed_rng(seed)
    walk, _ = kernels.search(
        *state.compiled, tune, tabu, 300, kernels.Walk(0, cost, cost, 0), best, best_maps
    )
    assert walk.cost == pytest.approx(state.cost(), abs=1e-6)


def _walk_in_chunks(chunks: list[int]) -> tuple[kernels.Walk, np.ndarray]:
    """The tabu walk on a 6-3-9 golfer day from the greedy start, `chunks` steps per call
    of the kernel (the caller looks at its clock between calls)."""
    problem = compile_problem(parse_instance(social_golfer(6, 3, 9)))
    layout, _ = search_layout(problem)
    start = grouping_start(problem, layout, 0, (1.0, 1.0))
    state = build_state(problem, *start, visitor_schedule(problem, layout, 0, 1.0))
    tune = kernels.Tuning(4, 97, 2, 50, 64, True, True)
    tabu = np.zeros((*state.seats.group_of.shape, 18 + 6), dtype=np.int32)
    best, best_maps = state.seats.group_of.copy(), state.seats.maps.copy()
    walk = kernels.Walk(0, state.cost(), state.cost(), 0)
    kernels.seed_rng(0)
    for steps in chunks:
        walk, _ = kernels.search(*state.compiled, tune, tabu, steps, walk, best, best_maps)
    return walk, best


def test_the_walk_does_not_depend_on_how_its_steps_are_chunked():
    # a stall count reset at every call once made plans depend on the machine's speed
    whole, whole_best = _walk_in_chunks([400])
    chunked, chunked_best = _walk_in_chunks([1, 30, 69, 300])
    assert whole == chunked
    assert (whole_best == chunked_best).all()


@settings(max_examples=25, deadline=None)
@given(
    people=st.integers(8, 16),
    groups=st.integers(2, 4),
    merged=st.integers(1, 2),
    orgs=st.integers(2, 5),
    seed=st.integers(0, 100),
    data=st.data(),
)
def test_kept_and_merged_plans_keep_every_rule_and_match_the_evaluator(
    people, groups, merged, orgs, seed, data
):
    missing = st.sets(st.sampled_from(["case1", "case2", "synthesis"]), max_size=1)
    absent = data.draw(st.dictionaries(st.integers(0, people - 1), missing, max_size=people // 3))
    instance = parse_instance(_kept_day(people, groups, merged, orgs, 2, absent, True, True))
    try:
        solution = solve(instance, "local", time_limit=0.3, seed=seed)
    except (InfeasibleError, NoPlanError):
        return  # the local search may fail loudly; it must never return a broken plan
    assert solution.violations == []
    assert solution.plan["metrics"] == evaluate(instance, solution.plan)
    # the search counts meetings (merged round, early leavers, late arrivals) as FORMAT does
    problem = compile_problem(instance)
    own = plan_cost(problem, solution.result.assignment)
    assert own == pytest.approx(solution.plan["objective"], abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    people=st.integers(6, 16),
    rounds=st.integers(1, 3),
    groups=st.integers(2, 4),
    orgs=st.integers(1, 5),
    cap=st.sampled_from([None, 2, 3]),
    max_meetings=st.sampled_from([None, 1, 2]),
    rules=st.booleans(),
    seed=st.integers(0, 100),
)
def test_local_plans_keep_every_rule_and_match_the_evaluator(
    people, rounds, groups, orgs, cap, max_meetings, rules, seed
):
    data = _instance(people, rounds, groups, orgs, cap, max_meetings, [], True, rules)
    instance = parse_instance(data)
    try:
        solution = solve(instance, "local", time_limit=0.3, seed=seed)
    except (InfeasibleError, NoPlanError):
        return  # the local search may fail loudly; it must never return a broken plan
    assert solution.violations == []
    assert solution.plan["metrics"] == evaluate(instance, solution.plan)


def test_local_refuses_rules_it_does_not_own():
    data = partner_day(seed=0)
    synthesis = data["rounds"][-1]
    data["constraints"].setdefault("fixed", []).append(
        {"participant": "w01", "round": synthesis["id"], "group": f"{synthesis['id']}-1"}
    )
    with pytest.raises(NoPlanError, match="fixed seat in a merged round"):
        solve(parse_instance(data), "local", time_limit=1)


def test_hosts_rotating_among_people_who_reshuffle_meet_everyone_once():
    # a world café whose tables each keep a host per rotation, hosts moving on: everyone
    # meets every host once, and who does depends on the seats (the search scores it)
    data = world_cafe(seed=3, people=32, tables=4, rotations=4)
    hosts = [f"host{j}" for j in range(4)]
    data["visitors"] = [{"id": h} for h in hosts]
    for shape in data["rounds"]:
        shape["visitors"] = hosts
    instance = parse_instance(data)
    solution = solve(instance, "local", time_limit=10, seed=0)
    assert solution.violations == []
    met = {(p, v): 0 for p in range(32) for v in hosts}
    for rnd in solution.plan["rounds"]:
        for group in rnd["groups"]:
            for person in group["members"]:
                met[int(person[1:]) - 1, group["visitor"]] += 1
    assert set(met.values()) == {1}


def test_the_partner_day_keeps_its_apart_and_together_lists():
    data = partner_day(seed=0)
    data["constraints"]["apart"] = [["w01", "w03", "w05"]]
    org = {p["id"]: p["organisation"] for p in data["participants"]}
    user = next(u for u in org if u.startswith("u") and org[u] != org["w02"])
    data["constraints"]["together"] = [[user, "w02"]]
    solution = solve(parse_instance(data), time_limit=20, seed=0)
    assert solution.valid
    assert solution.result.engine == "local"
    for rnd in solution.plan["rounds"]:
        for group in rnd["groups"]:
            assert len({"w01", "w03", "w05"} & set(group["members"])) <= 1
            assert (user in group["members"]) == ("w02" in group["members"])


def test_the_partner_day_reaches_its_bound_on_the_local_search():
    solution = solve(parse_instance(partner_day(seed=0)), "local", time_limit=20, seed=0)
    assert solution.valid
    assert solution.plan["objective"] == solution.plan["bound"]


@pytest.mark.parametrize("q", [2, 3, 4, 5, 7, 8, 9])
def test_affine_planes_seat_nobody_twice(q):
    design = affine_plane_rounds(q, q + 1)
    together = sum(
        np.triu(design[r][:, None] == design[r][None, :], k=1).astype(int) for r in range(q + 1)
    )
    assert (together[np.triu_indices(q * q, k=1)] == 1).all()  # every pair exactly once


@pytest.mark.parametrize(("p", "m", "k", "rounds"), [(2, 5, 2, 9), (3, 3, 1, 13), (2, 4, 2, 5)])
def test_subspace_designs_seat_nobody_twice(p, m, k, rounds):
    design = subspace_rounds(p, m, k, rounds, seed=0, budget=5.0)
    assert design is not None
    for r in range(rounds):
        assert (np.bincount(design[r]) == p**k).all()
    together = sum(
        np.triu(design[r][:, None] == design[r][None, :], k=1).astype(int) for r in range(rounds)
    )
    assert together.max() == 1


@pytest.mark.parametrize(("g", "s", "w"), [(5, 3, 7), (8, 4, 9), (7, 7, 8)])
def test_default_strategy_solves_social_golfers(g, s, w):
    solution = solve(parse_instance(social_golfer(g, s, w)), time_limit=20, seed=0)
    assert solution.valid
    assert solution.plan["metrics"]["repeat_pairs"] == 0
    assert solution.plan["status"] == "optimal"


def test_default_strategy_reaches_the_counting_bounds_on_a_large_event():
    solution = solve(
        parse_instance(large_event(seed=2, people=400, organisations=30)), time_limit=20
    )
    assert solution.valid
    for key, bound in solution.plan["metric_bounds"].items():
        assert solution.plan["metrics"][key] == bound


def test_patience_hands_the_time_back_once_the_search_stalls():
    # 7 groups of 5 for 8 rounds: the counting bound of 0 repeats is not reached (the best
    # known has 7 rounds without repeats, and no schedule of 8 is known), so the search
    # stops only when its patience runs out
    problem = compile_problem(parse_instance(social_golfer(7, 5, 8)))
    assert metric_bounds(problem)["repeat_pairs"] == 0
    result = LocalSearch().solve(problem, time_limit=60, seed=0, patience=0.5)
    assert result.status == "feasible"
    assert not reaches_bound(problem, result.search_cost)
    assert result.seconds < 10


@pytest.mark.parametrize(
    ("day", "swaps"),
    [
        (social_golfer(8, 4, 10, apart=(3,)), True),  # repeats alone, and a rule
        (world_cafe(seed=0), False),  # organisations mixed too
        (partner_day(seed=0), False),  # kept groups, visitors
    ],
)
def test_days_scored_by_repeats_alone_make_swaps_tabu(day, swaps):
    problem = compile_problem(parse_instance(day))
    layout, _ = search_layout(problem)
    start = grouping_start(problem, layout, 0, (1.0, 1.0))
    state = build_state(problem, *start, visitor_schedule(problem, layout, 0, 1.0))
    assert repeats_alone(layout, state) == swaps


@pytest.mark.parametrize("swap_tabu", [False, True])
def test_either_tabu_list_finds_a_small_golfer_schedule(swap_tabu):
    # 5-3-6 has a schedule (six rounds of Kirkman's 5-3-7); the search alone finds it from
    # the greedy, whichever list it keeps
    search = PlainTabu()
    search.swap_tabu = swap_tabu
    problem = compile_problem(parse_instance(social_golfer(5, 3, 6)))
    result = search.solve(problem, time_limit=10, seed=0)
    assert result.search_cost == 0


def test_past_the_design_the_search_also_starts_from_fewer_of_its_rounds():
    # nine rounds of the transversal design plus a greedy tenth hold the search at 16
    # repeats; from eight (two greedy rounds) it finds a 9-5-10 schedule with none, one
    # round past the best known in ../shared's table
    solution = solve(parse_instance(social_golfer(9, 5, 10)), "local", time_limit=20, seed=0)
    assert solution.violations == []
    assert solution.plan["metrics"]["repeat_pairs"] == 0
    assert solution.result.construction.endswith("+ 2 greedy rounds")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_from_a_partial_design_the_search_completes_the_original_golfers(seed):
    # the plain conflict tabu is known to stall on 8-4-9; from eight of the 8-4-10
    # design's ten rounds (two seated greedily: 31-34 repeats) it finds a schedule
    # with none (measured: 0.01-5.5 s; from seven rounds, two seeds of three)
    problem = compile_problem(parse_instance(social_golfer(8, 4, 10)))
    start = fitted_design(problem, seed, 1.0, most_rounds=8)
    assert start is not None and start.construction.endswith("+ 2 greedy rounds")
    result = LocalSearch().solve(problem, time_limit=30, seed=seed, start=start)
    assert result.search_cost == 0
