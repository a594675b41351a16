"""The strategies against the independent verifier, on small random instances.

CP-SAT either returns a plan the verifier accepts or proves infeasibility; on tiny
instances that proof is checked by enumerating every seating. The random draw keeps the
day's structure (sizes, same groups, merges) whenever it returns a plan.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import product
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from allocator.analysis.bounds import metric_bounds
from allocator.evaluation import verify
from allocator.examples import world_cafe
from allocator.model.errors import InfeasibleError, InputError
from allocator.model.instance import Instance
from allocator.model.problem import compile_problem
from allocator.model.validate import parse_instance
from allocator.solve import NoPlanError, solve

Json = dict[str, Any]
INSTANCES = Path(__file__).resolve().parents[1] / "instances"
STRUCTURAL_RULES = {"structure", "sizes", "same_groups_as", "merge_of"}
ROUND_ENUMERATION_LIMIT = 2_500
"""Seatings of one round tried by brute force (3 groups ^ 7 people = 2187)."""
PLAN_ENUMERATION_LIMIT = 20_000
"""Whole plans (per-round survivors combined) checked by brute force."""
SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    derandomize=True,
)


# -- random instances ------------------------------------------------------------------------


def group_ids(rounds: list[Json]) -> dict[str, list[str]]:
    """Round id -> its group ids, as FORMAT.md names them."""
    ids: dict[str, list[str]] = {}
    for rnd in rounds:
        if "same_groups_as" in rnd:
            ids[rnd["id"]] = ids[rnd["same_groups_as"]]
        elif isinstance(rnd["groups"], int):
            ids[rnd["id"]] = [f"{rnd['id']}-{k}" for k in range(1, rnd["groups"] + 1)]
        else:
            ids[rnd["id"]] = [g["id"] for g in rnd["groups"]]
    return ids


def attends(person: Json, rid: str) -> bool:
    return "rounds" not in person or rid in person["rounds"]


def note(text: str) -> None:
    """A hypothesis event (shown by --hypothesis-show-statistics), outside tests ignored."""
    if currently_in_test_context():
        event(text)


def _often(draw: st.DrawFn, one_in: int) -> bool:
    return draw(st.integers(0, one_in - 1)) == 0


@st.composite
def _round(draw: st.DrawFn, k: int, n: int, tiny: bool) -> Json:
    rid = f"r{k}"
    kind = "new" if k == 0 else draw(st.sampled_from(["new", "same", "merge"]))
    if kind == "same":
        rnd: Json = {"id": rid, "same_groups_as": f"r{draw(st.integers(0, k - 1))}"}
        if _often(draw, 4):
            rnd["max_size"] = draw(st.integers(2, n))
        return rnd
    groups = draw(st.integers(1 if kind == "merge" else 2, 3 if tiny else 4))
    rnd = {"id": rid}
    sizing = draw(st.sampled_from(["balanced", "round", "list"]))
    if sizing == "list":
        specs = []
        for j in range(groups):
            spec: Json = {"id": f"{rid}g{j}"}
            if draw(st.booleans()):
                spec["min_size"] = draw(st.integers(0, 3))
            if draw(st.booleans()):
                spec["max_size"] = draw(st.integers(max(2, spec.get("min_size", 0)), n))
            specs.append(spec)
        rnd["groups"] = specs
    else:
        rnd["groups"] = groups
    if sizing == "round" or (sizing == "list" and _often(draw, 3)):
        low = draw(st.integers(0, n // groups))
        rnd["min_size"] = low
        if draw(st.booleans()):
            rnd["max_size"] = draw(st.integers(max(low, -(-n // groups)), n))
    if kind == "merge":
        rnd["merge_of"] = f"r{draw(st.integers(0, k - 1))}"
    if _often(draw, 6):
        rnd["max_per_organisation"] = draw(st.none() | st.integers(1, 3))
    return rnd


@st.composite
def instances(draw: st.DrawFn, tiny: bool = False, duties: bool = True) -> Json:
    """An instance as an organiser would write it; many are invalid and get rejected later."""
    n = draw(st.integers(4, 7 if tiny else 14))
    rounds = [draw(_round(k, n, tiny)) for k in range(draw(st.integers(1, 2 if tiny else 3)))]
    round_ids = [r["id"] for r in rounds]
    people = []
    for i in range(n):
        person: Json = {"id": f"p{i}"}
        organisation = draw(st.sampled_from([None, "A", "B", "C"]))
        if organisation is not None:
            person["organisation"] = organisation
        role = draw(st.sampled_from(["w", "u", "u", None]))
        if role is not None:
            person["role"] = role
        if draw(st.booleans()):
            person["attributes"] = {"level": draw(st.sampled_from([1, 2, "x"]))}
        if len(rounds) > 1 and _often(draw, 4):
            chosen = draw(st.lists(st.sampled_from(round_ids), min_size=1, unique=True))
            person["rounds"] = [r for r in round_ids if r in chosen]
        people.append(person)
    ids = [p["id"] for p in people]
    constraints: Json = {}
    if _often(draw, 3):
        constraints["max_per_organisation"] = draw(st.integers(1, 3))
    if _often(draw, 3):
        constraints["apart"] = [
            draw(st.lists(st.sampled_from(ids), min_size=2, max_size=3, unique=True))
        ]
    if _often(draw, 3):
        constraints["together"] = [
            draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        ]
    if _often(draw, 3):
        bound = draw(
            st.sampled_from([{"max": 1}, {"max": 1.5}, {"min": 0.5}, {"min": 0.5, "max": 2}])
        )
        constraints["role_ratio"] = [{"role": "u", "per": "w", **bound}]
    if _often(draw, 4):
        constraints["balance"] = [draw(st.sampled_from(["role", "organisation", "level"]))]
    if _often(draw, 3):
        person = draw(st.sampled_from(people))
        attended = [r for r in round_ids if attends(person, r)]
        rid = draw(st.sampled_from(attended))
        gid = draw(st.sampled_from(group_ids(rounds)[rid]))
        constraints["fixed"] = [{"participant": person["id"], "round": rid, "group": gid}]
    if len(rounds) > 1 and _often(draw, 3):
        constraints["max_meetings"] = draw(st.integers(1, 2))
    data: Json = {"name": "random", "participants": people, "rounds": rounds}
    if duties and not tiny and _often(draw, 4):
        duty: Json = {"name": "scribe"}
        if _often(draw, 2):
            duty["eligible_roles"] = ["w"]
        data["duties"] = [duty]
    if not tiny and _often(draw, 4):
        visitors = [f"v{k}" for k in range(draw(st.integers(1, 2)))]
        data["visitors"] = [{"id": v} for v in visitors]
        for rnd in rounds:
            if draw(st.booleans()):
                rnd["visitors"] = visitors
        if draw(st.booleans()):
            constraints["visitor_meetings"] = "at_most_once"
    if constraints:
        data["constraints"] = constraints
    objective = draw(st.sampled_from([[], [], None, [{"term": "repeat_pairs", "weight": 1}]]))
    if objective is not None:
        data["objective"] = objective
    return data


def parsed(data: Json) -> Instance:
    try:
        return parse_instance(data)
    except InputError:
        assume(False)
        raise  # unreachable


def is_tiny(data: Json) -> bool:
    return (
        len(data["participants"]) <= 7
        and len(data["rounds"]) <= 2
        and not data.get("visitors")
        and not data.get("duties")
    )


# -- brute force -----------------------------------------------------------------------------


def plan_of(round_ids: list[str], ids: dict[str, list[str]], seats: list[dict[str, str]]) -> Json:
    """A plan dict from one {participant: group} per round."""
    rounds = []
    for rid, seat in zip(round_ids, seats, strict=True):
        groups = [
            {
                "id": gid,
                "members": [p for p, g in seat.items() if g == gid],
                "visitor": None,
                "duties": {},
            }
            for gid in ids[rid]
        ]
        rounds.append({"id": rid, "groups": groups})
    return {"instance": "brute force", "rounds": rounds}


def round_alone(data: Json, k: int) -> Instance:
    """Round k (not `same_groups_as`) as an instance of its own, with only the rules that
    look at one round at a time: sizes, caps, ratios, balance, apart, together, pins."""
    rnd = {key: value for key, value in data["rounds"][k].items() if key != "merge_of"}
    rid = rnd["id"]
    people = []
    for person in data["participants"]:
        copy = dict(person)
        if "rounds" in copy:
            copy["rounds"] = [rid] if rid in person["rounds"] else []
        people.append(copy)
    constraints = {
        key: value
        for key, value in data.get("constraints", {}).items()
        if key not in ("max_meetings", "fixed")
    }
    constraints["fixed"] = [
        pin for pin in data.get("constraints", {}).get("fixed", []) if pin["round"] == rid
    ]
    alone = {"name": rid, "participants": people, "rounds": [rnd], "constraints": constraints}
    return parse_instance({**alone, "objective": []})


def round_candidates(data: Json, k: int, ids: dict[str, list[str]]) -> list[dict[str, str]] | None:
    """Every seating of round k alone that keeps its one-round rules (None: too many to try)."""
    rid = data["rounds"][k]["id"]
    present = [p["id"] for p in data["participants"] if attends(p, rid)]
    groups = ids[rid]
    if len(groups) ** len(present) > ROUND_ENUMERATION_LIMIT:
        return None
    alone = round_alone(data, k)
    found = []
    for choice in product(groups, repeat=len(present)):
        seat = dict(zip(present, choice, strict=True))
        if not verify(alone, plan_of([rid], ids, [seat])):
            found.append(seat)
    return found


def all_plans(data: Json) -> Iterator[Json] | None:
    """Every plan worth checking against the full instance, or None when too many."""
    rounds = data["rounds"]
    round_ids = [r["id"] for r in rounds]
    ids = group_ids(rounds)
    index = {rid: k for k, rid in enumerate(round_ids)}
    options: list[list[dict[str, str]] | None] = []
    for k, rnd in enumerate(rounds):
        if "same_groups_as" in rnd:
            options.append(None)
            continue
        found = round_candidates(data, k, ids)
        if found is None:
            return None
        options.append(found)
    total = 1
    for k, found in enumerate(options):
        if found is None:  # newcomers to a same_groups_as round choose freely
            source = index[rounds[k]["same_groups_as"]]
            newcomers = [
                p
                for p in data["participants"]
                if attends(p, round_ids[k]) and not attends(p, round_ids[source])
            ]
            total *= len(ids[round_ids[k]]) ** len(newcomers)
        else:
            total *= len(found)
    if total > PLAN_ENUMERATION_LIMIT:
        return None

    def plans() -> Iterator[Json]:
        free = [found if found is not None else [None] for found in options]
        for combination in product(*free):
            yield from _complete(data, ids, list(combination), index)

    return plans()


def _complete(
    data: Json, ids: dict[str, list[str]], seats: list[Any], index: dict[str, int]
) -> Iterator[Json]:
    """Fill the `same_groups_as` rounds (None in `seats`): people present in the named round
    keep their group, newcomers try every group."""
    rounds = data["rounds"]
    round_ids = [r["id"] for r in rounds]
    k = next((k for k, seat in enumerate(seats) if seat is None), None)
    if k is None:
        yield plan_of(round_ids, ids, seats)
        return
    rid = round_ids[k]
    source = seats[index[rounds[k]["same_groups_as"]]]
    assert source is not None  # the named round is earlier
    present = [p["id"] for p in data["participants"] if attends(p, rid)]
    kept = {p: source[p] for p in present if p in source}
    newcomers = [p for p in present if p not in source]
    for choice in product(ids[rid], repeat=len(newcomers)):
        seat = kept | dict(zip(newcomers, choice, strict=True))
        yield from _complete(data, ids, [*seats[:k], seat, *seats[k + 1 :]], index)


def assert_no_plan_exists(data: Json, instance: Instance) -> None:
    plans = all_plans(data)
    if plans is None:
        note("brute force: too many seatings, skipped")
        return
    checked = 0
    for plan in plans:
        assert verify(instance, plan), f"the solver said infeasible, yet this plan is valid: {plan}"
        checked += 1
    note(f"brute force: checked {'no' if checked == 0 else 'some'} whole plans")


# -- the properties --------------------------------------------------------------------------


def check_cpsat(data: Json) -> str:
    instance = parsed(data)
    try:
        solution = solve(instance, "cpsat", time_limit=2, seed=0)
    except InfeasibleError as exc:
        assert exc.conflicts
        note(f"infeasible: {exc.conflicts[0].rule}")
        if is_tiny(data):
            assert_no_plan_exists(data, instance)
        return "infeasible"
    except NoPlanError as exc:
        pytest.fail(f"cpsat found no plan in 2 s on a small instance: {exc}\n{json.dumps(data)}")
    assert solution.violations == [], (solution.violations, json.dumps(data))
    assert solution.plan["status"] in ("optimal", "feasible")
    note(f"plan: {solution.plan['status']}")
    return "feasible"


@settings(SETTINGS, max_examples=120)
@given(instances())
def test_cpsat_returns_a_valid_plan_or_proves_infeasibility(data):
    check_cpsat(data)


@settings(SETTINGS, max_examples=120)
@given(instances(tiny=True))
def test_cpsat_infeasibility_on_tiny_instances_survives_brute_force(data):
    check_cpsat(data)


def sizes_are_hard(data: Json) -> bool:
    """The random draw seats each round within its bounds, which always works for a round of
    its own; a round tied to an earlier one (same groups, merges) may leave it no way out."""
    return any("same_groups_as" in r or "merge_of" in r for r in data["rounds"])


@settings(SETTINGS, max_examples=200)
@given(instances(duties=False))  # see test_random_hands_out_duties_when_no_one_can_hold_them
def test_random_keeps_the_structure_of_the_day(data):
    instance = parsed(data)
    try:
        solution = solve(instance, "random", time_limit=2, seed=0)
    except InfeasibleError as exc:
        assert exc.conflicts  # by counting, before any draw
        return
    except NoPlanError:
        note("random: no plan")
        assert sizes_are_hard(data), json.dumps(data)
        return
    note(f"random: plan {'valid' if solution.valid else 'breaking rules'}")
    broken = [v for v in solution.violations if v.rule in STRUCTURAL_RULES]
    assert broken == [], (broken, json.dumps(data))


def test_random_hands_out_duties_when_no_one_can_hold_them():
    data = {
        "name": "empty group",
        "participants": [{"id": "p0"}, {"id": "p1"}, {"id": "p2"}],
        "rounds": [{"id": "r0", "groups": 2, "min_size": 0}],
        "duties": [{"name": "scribe"}],
        "objective": [],
    }
    try:
        solution = solve(parse_instance(data), "random", time_limit=2, seed=0)
    except NoPlanError:
        return
    assert not [v for v in solution.violations if v.rule in STRUCTURAL_RULES]


# -- brute force sanity and fixed examples ---------------------------------------------------


def test_brute_force_finds_the_only_plans():
    """Two groups of two, p0 and p1 apart, p0 pinned: exactly two valid plans exist."""
    data = {
        "name": "tiny",
        "participants": [{"id": f"p{i}"} for i in range(4)],
        "rounds": [{"id": "r0", "groups": 2}],
        "constraints": {
            "apart": [["p0", "p1"]],
            "fixed": [{"participant": "p0", "round": "r0", "group": "r0-1"}],
        },
    }
    instance = parse_instance(data)
    plans = all_plans(data)
    assert plans is not None
    valid = [plan for plan in plans if not verify(instance, plan)]
    assert len(valid) == 2


def test_brute_force_confirms_a_solver_proof():
    """Three people apart over two groups: the solver proves it and enumeration agrees."""
    data = {
        "name": "apart",
        "participants": [{"id": f"p{i}"} for i in range(5)],
        "rounds": [{"id": "r0", "groups": 2}, {"id": "r1", "same_groups_as": "r0"}],
        "constraints": {"apart": [["p0", "p1", "p2"]]},
        "objective": [],
    }
    instance = parse_instance(data)
    with pytest.raises(InfeasibleError) as caught:
        solve(instance, "cpsat", time_limit=2)
    assert "apart" in str(caught.value)
    assert_no_plan_exists(data, instance)
    assert all_plans(data) is not None


def test_partner_day_same_organisation_bound_is_20():
    """20 structures of four people; the synthesis merges the case groups into three with no
    cap, so each structure has at least one pair together in that grouping."""
    data = json.loads((INSTANCES / "partner_day.json").read_text(encoding="utf-8"))
    bounds = metric_bounds(compile_problem(parse_instance(data)))
    assert bounds["same_organisation"] == 20


@pytest.mark.parametrize("term", ["same_organisation", "repeat_pairs", "imbalance", "duty_repeats"])
@pytest.mark.parametrize("strategy", ["auto", "cpsat", "local", "hybrid"])
def test_negative_weights_give_a_valid_plan_or_a_refusal(term, strategy):
    # v1 allows negative weights (a term rewarded): a strategy honours them or says why not
    data = world_cafe(seed=1, people=16, tables=4, rotations=2)
    data["objective"] = [
        {"term": "same_organisation", "weight": 1000},
        {"term": "repeat_pairs", "weight": 100},
        {"term": "duty_repeats", "weight": 1},
        {"term": "imbalance", "attribute": "profession", "weight": 5},
    ]
    next(t for t in data["objective"] if t["term"] == term)["weight"] *= -1
    instance = parse_instance(data)
    try:
        solution = solve(instance, strategy, time_limit=2, seed=0)
    except NoPlanError as refusal:
        assert "does not handle" in str(refusal) or "no plan" in str(refusal)
        return
    assert solution.violations == []
    bound = solution.plan["bound"]
    assert bound is None or bound <= solution.plan["objective"] + 1e-6
