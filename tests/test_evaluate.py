"""The objective recount: hand-computed values, and a naive O(n²) recount under hypothesis."""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import pytest
from conftest import unchecked_instance
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.evaluation import evaluate, objective_value
from allocator.evaluation.evaluate import grouping_of_rounds
from allocator.model.instance import Instance

PEOPLE = [
    {"id": "a", "organisation": "X", "role": "w", "attributes": {"age": 1}},
    {"id": "b", "organisation": "X", "role": "u"},
    {"id": "c", "organisation": "Y", "role": "w", "attributes": {"age": 1}},
    {"id": "d", "role": "u", "attributes": {"age": "old"}},
]
ROUNDS = [
    {"id": "r1", "groups": 2},
    {"id": "r2", "groups": 2},
    {"id": "r3", "same_groups_as": "r2"},
]
# r1: ab | cd, then r2 = r3: abc | d.  Groupings {r1}, {r2, r3}.
SEATS = {"r1": ["a b", "c d"], "r2": ["a b c", "d"], "r3": ["a b c", "d"]}
SCRIBES = {"r1": ["a", "c"], "r2": ["a", "d"], "r3": ["b", "d"]}


def make_plan(seats: dict[str, list[str]], scribes: dict[str, list[str]] | None = None) -> dict:
    """Plan JSON from space-separated members per group, groups named `<round>-<n>`."""
    rounds = []
    for rid, groups in seats.items():
        plan_groups = []
        for n, members in enumerate(groups, start=1):
            duties = {"scribe": [scribes[rid][n - 1]]} if scribes else {}
            plan_groups.append(
                {"id": f"{rid}-{n}", "members": members.split(), "visitor": None, "duties": duties}
            )
        rounds.append({"id": rid, "groups": plan_groups})
    return {"instance": "t", "rounds": rounds}


def tiny(objective: list[dict[str, Any]] | None, **extra: Any) -> Instance:
    data = {"name": "t", "participants": PEOPLE, "rounds": ROUNDS, **extra}
    if objective is not None:
        data["objective"] = objective
    return unchecked_instance(data)  # an asymmetric matrix too


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ({"term": "same_organisation"}, 2.0),  # a-b meet in both groupings
        ({"term": "repeat_pairs"}, 1.0),  # a-b: 2 groupings - 1
        # r1: every e is 1 -> 0; r2: |2-1.5| + |1-1.5| + |0-0.5| + |1-0.5|; r3 not counted
        ({"term": "imbalance", "attribute": "role"}, 2.0),
        # age 1 (a, c) and "old" (d); b has none.  r1: ab e(1)=1, count 1; cd: 1 of each
        # (e(old)=0.5 twice) -> 1.  r2: abc e(1)=1.5 c=2, e(old)=.75 c=0; d e(1)=.5, e(old)=.25
        ({"term": "imbalance", "attribute": "age"}, 1.0 + 0.5 + 0.75 + 0.5 + 0.75),
        # a-b weigh 2 + 1 and meet twice, c-d weigh -3 and meet once, a-d never meet
        (
            {
                "term": "pairs",
                # tuples: the strict model refuses Python lists here (JSON arrays are fine)
                "pairs": [("a", "b", 2), ("b", "a", 1), ("c", "d", -3), ("a", "d", 5)],
            },
            -3.0,
        ),
        # a and d hold the scribe duty twice
        ({"term": "duty_repeats"}, 2.0),
    ],
)
def test_hand_computed_terms(term: dict[str, Any], expected: float) -> None:
    instance = tiny([{**term, "weight": 1}], duties=[{"name": "scribe"}])
    key = instance.effective_objective()[0].key
    assert evaluate(instance, make_plan(SEATS, SCRIBES)) == {key: pytest.approx(expected)}


def test_pairs_matrix_reads_upper_triangle() -> None:
    matrix = [[0.0] * 4 for _ in range(4)]
    matrix[0][1], matrix[2][3], matrix[0][2] = 3.0, -3.0, 0.5  # a-b, c-d, a-c
    matrix[1][0] = 99.0  # below the diagonal: never read
    instance = tiny([{"term": "pairs", "weight": 1, "matrix": matrix}])
    assert evaluate(instance, make_plan(SEATS)) == {"pairs": pytest.approx(-(6 - 3 + 0.5))}


def test_default_objective_and_its_value() -> None:
    instance = tiny(None, duties=[{"name": "scribe"}])
    metrics = evaluate(instance, make_plan(SEATS, SCRIBES))
    assert metrics == {
        "same_organisation": 2.0,
        "repeat_pairs": 1.0,
        "imbalance:role": 2.0,
        "duty_repeats": 2.0,
    }
    assert objective_value(instance, metrics) == pytest.approx(2000 + 100 + 20 + 2)


def test_merge_round_joins_the_grouping_it_merges() -> None:
    instance = Instance.model_validate(
        {
            "name": "t",
            "participants": [{"id": x} for x in "abcd"],
            "rounds": [
                {"id": "m", "groups": 2},
                {"id": "all", "groups": 1, "merge_of": "m"},
                {"id": "later", "groups": 2},
                {"id": "again", "same_groups_as": "later"},
            ],
            "objective": [{"term": "repeat_pairs", "weight": 1}],
        }
    )
    assert grouping_of_rounds(instance) == [0, 0, 1, 1]
    plan = make_plan({"m": ["a b", "c d"], "all": ["a b c d"], "later": ["a b", "c d"]})
    plan["rounds"].append({**plan["rounds"][2], "id": "again"})
    # a-b and c-d meet in both groupings; the merge round adds no repeat
    assert evaluate(instance, plan) == {"repeat_pairs": 2.0}


def test_pairs_matrix_of_480_is_fast() -> None:
    n = 480
    matrix = [[float((i * j) % 7 - 3) for j in range(n)] for i in range(n)]
    data = {
        "name": "big",
        "participants": [{"id": f"p{i}"} for i in range(n)],
        "rounds": [{"id": f"r{t}", "groups": 60} for t in range(4)],
        "objective": [{"term": "pairs", "weight": 1, "matrix": matrix}],
    }
    instance = Instance.model_validate(data)
    seats = {
        f"r{t}": [" ".join(f"p{i}" for i in range(n) if (i * (t + 1)) % 60 == g) for g in range(60)]
        for t in range(4)
    }
    start = time.perf_counter()
    value = evaluate(instance, make_plan(seats))["pairs"]
    assert time.perf_counter() - start < 3
    assert value == pytest.approx(naive_metrics(data, make_plan(seats))["pairs"])


# ---- naive recount -----------------------------------------------------------------------


def naive_metrics(data: dict[str, Any], plan: dict[str, Any]) -> dict[str, float]:
    """Every term straight from FORMAT.md's words: loop over all pairs and all rounds."""
    people = [p["id"] for p in data["participants"]]
    info = {p["id"]: p for p in data["participants"]}
    rounds = data["rounds"]
    where = [{m: g["id"] for g in r["groups"] for m in g["members"]} for r in plan["rounds"]]

    def root(k: int) -> int:
        link = rounds[k].get("same_groups_as") or rounds[k].get("merge_of")
        return k if link is None else root([r["id"] for r in rounds].index(link))

    groupings = sorted({root(k) for k in range(len(rounds))})

    def meetings(a: str, b: str) -> int:
        return sum(
            any(
                root(k) == top and a in where[k] and where[k].get(a) == where[k].get(b)
                for k in range(len(rounds))
            )
            for top in groupings
        )

    out: dict[str, float] = {}
    for term in data["objective"]:
        name = term["term"]
        if name == "imbalance":
            out[f"imbalance:{term['attribute']}"] = naive_imbalance(data, plan, term["attribute"])
        elif name == "duty_repeats":
            held = {p: 0 for p in people}
            for r in plan["rounds"]:
                for g in r["groups"]:
                    for holders in g["duties"].values():
                        for h in holders:
                            held[h] += 1
            out[name] = sum(max(0, n - 1) for n in held.values())
        else:
            total = 0.0
            for x in range(len(people)):
                for y in range(x + 1, len(people)):
                    a, b = people[x], people[y]
                    met = meetings(a, b)
                    if name == "same_organisation":
                        org = info[a].get("organisation")
                        same = org is not None and org == info[b].get("organisation")
                        total += met if same else 0
                    elif name == "repeat_pairs":
                        total += max(0, met - 1)
                    elif "matrix" in term:
                        total -= term["matrix"][x][y] * met
                    else:
                        weight = sum(w for p, q, w in term["pairs"] if {p, q} == {a, b})
                        total -= weight * met
            out[name] = total
    return out


def naive_imbalance(data: dict[str, Any], plan: dict[str, Any], attribute: str) -> float:
    info = {p["id"]: p for p in data["participants"]}

    def value(pid: str) -> Any:
        person = info[pid]
        if attribute in ("role", "organisation"):
            return person.get(attribute)
        return person.get("attributes", {}).get(attribute)

    total = Fraction(0)
    for rnd, plan_round in zip(data["rounds"], plan["rounds"], strict=True):
        if rnd.get("same_groups_as"):
            continue
        seated = [m for g in plan_round["groups"] for m in g["members"]]
        values = {value(m) for m in seated} - {None}
        for g in plan_round["groups"]:
            for v in values:
                count = sum(value(m) == v for m in g["members"])
                n_v = sum(value(m) == v for m in seated)
                total += abs(count - Fraction(n_v * len(g["members"]), len(seated)))
    return float(total)


# ---- hypothesis --------------------------------------------------------------------------


@st.composite
def instances_and_plans(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """Small random instances (linked rounds, partial presence, mixed values) and seatings."""
    n = draw(st.integers(3, 12))
    round_count = draw(st.integers(1, 4))
    rounds: list[dict[str, Any]] = []
    for k in range(round_count):
        rid = f"r{k}"
        link = draw(st.sampled_from(["none", "same", "merge"])) if k else "none"
        earlier = draw(st.sampled_from([r["id"] for r in rounds])) if k else None
        if link == "same":
            rounds.append({"id": rid, "same_groups_as": earlier})
        else:
            rnd: dict[str, Any] = {"id": rid, "groups": draw(st.integers(1, 4))}
            if link == "merge":
                rnd["merge_of"] = earlier
            rounds.append(rnd)
    people = []
    for i in range(n):
        person: dict[str, Any] = {"id": f"p{i}"}
        person["organisation"] = draw(st.sampled_from([None, "A", "B", "C"]))
        person["role"] = draw(st.sampled_from([None, "w", "u"]))
        age = draw(st.sampled_from([None, 1, 2, "x"]))
        if age is not None:
            person["attributes"] = {"age": age}
        if draw(st.booleans()):
            person["rounds"] = [r["id"] for r in rounds if draw(st.booleans())]
        people.append(person)
    weights = st.integers(-5, 5)
    if draw(st.booleans()):
        cells = [[draw(weights) for _ in range(n)] for _ in range(n)]
        pair_term = {"term": "pairs", "weight": 1, "matrix": cells}
    else:
        ids = st.sampled_from([p["id"] for p in people])
        pair_list = draw(st.lists(st.tuples(ids, ids, weights), max_size=12))
        pair_term = {
            "term": "pairs",
            "weight": 1,
            "pairs": [(a, b, w) for a, b, w in pair_list if a != b],
        }
    data = {
        "name": "random",
        "participants": people,
        "rounds": rounds,
        "duties": [{"name": "d1"}, {"name": "d2"}],
        "objective": [
            {"term": "same_organisation", "weight": 1000},
            {"term": "repeat_pairs", "weight": 100},
            {"term": "imbalance", "attribute": "role", "weight": 10},
            {"term": "imbalance", "attribute": "age", "weight": 3},
            {"term": "duty_repeats", "weight": 1},
            pair_term,
        ],
    }
    return data, draw(random_plan(data))


@st.composite
def random_plan(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    """Each present participant in a random group; random duty holders among members."""
    ids: dict[str, list[str]] = {}
    plan_rounds = []
    for rnd in data["rounds"]:
        linked = rnd.get("same_groups_as")
        ids[rnd["id"]] = (
            ids[linked] if linked else [f"{rnd['id']}-{g + 1}" for g in range(rnd["groups"])]
        )
        groups: dict[str, list[str]] = {gid: [] for gid in ids[rnd["id"]]}
        for person in data["participants"]:
            if "rounds" not in person or rnd["id"] in person["rounds"]:
                groups[draw(st.sampled_from(ids[rnd["id"]]))].append(person["id"])
        plan_groups = []
        for gid, members in groups.items():
            duties = {d: [m for m in members if draw(st.booleans())] for d in ("d1", "d2")}
            plan_groups.append({"id": gid, "members": members, "visitor": None, "duties": duties})
        plan_rounds.append({"id": rnd["id"], "groups": plan_groups})
    return {"instance": "random", "rounds": plan_rounds}


@settings(max_examples=150, deadline=None)
@given(instances_and_plans())
def test_evaluate_matches_a_naive_recount(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    data, plan = case
    metrics = evaluate(unchecked_instance(data), plan)
    expected = naive_metrics(data, plan)
    assert metrics.keys() == expected.keys()
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value, abs=1e-9), key
