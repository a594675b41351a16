"""Hard-rule checks: each rule caught alone on a small case, structure never raising, and speed."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.evaluation import Violation, evaluate, objective_value, verify
from allocator.model.instance import Instance

Plan = dict[str, Any]


def person(
    pid: str, organisation: str | None = None, role: str | None = None, **extra: Any
) -> dict:
    return {"id": pid, "organisation": organisation, "role": role, **extra}


# a, b from X; c, d from Y; a and c work, b and d use.
FOUR = [person("a", "X", "w"), person("b", "X", "u"), person("c", "Y", "w"), person("d", "Y", "u")]
EIGHT = [person(x) for x in "abcdefgh"]


def instance(people: list[dict], rounds: list[dict], **extra: Any) -> Instance:
    return Instance.model_validate({"name": "t", "participants": people, "rounds": rounds, **extra})


def make_plan(
    seats: dict[str, list[str]],
    visitors: dict[str, list[str | None]] | None = None,
    duties: dict[str, list[dict[str, list[str]]]] | None = None,
    ids: dict[str, str] | None = None,
) -> Plan:
    """Groups `<round>-<n>` (or `<ids[round]>-<n>`) from space-separated members."""
    rounds = []
    for rid, groups in seats.items():
        prefix = (ids or {}).get(rid, rid)
        rounds.append(
            {
                "id": rid,
                "groups": [
                    {
                        "id": f"{prefix}-{n}",
                        "members": members.split(),
                        "visitor": (visitors or {}).get(rid, [None] * len(groups))[n - 1],
                        "duties": (duties or {}).get(rid, [{}] * len(groups))[n - 1],
                    }
                    for n, members in enumerate(groups, start=1)
                ],
            }
        )
    return {"instance": "t", "status": "feasible", "rounds": rounds}


def rules(violations: list[Violation]) -> set[str]:
    return {v.rule for v in violations}


def swap(rid: str, x: str, y: str) -> Callable[[Plan], None]:
    """Exchange the seats of x and y in one round."""

    def mutate(plan: Plan) -> None:
        for rnd in plan["rounds"]:
            if rnd["id"] == rid:
                for group in rnd["groups"]:
                    group["members"] = [{x: y, y: x}.get(m, m) for m in group["members"]]

    return mutate


def reseat(rid: str, *groups: str) -> Callable[[Plan], None]:
    """Replace the members of every group of one round."""

    def mutate(plan: Plan) -> None:
        rnd = next(r for r in plan["rounds"] if r["id"] == rid)
        for group, members in zip(rnd["groups"], groups, strict=True):
            group["members"] = members.split()

    return mutate


def messages(violations: list[Violation]) -> list[str]:
    return [v.message for v in violations]


def set_group(rid: str, n: int, key: str, value: Any) -> Callable[[Plan], None]:
    """Overwrite one field of the n-th group (from 1) of a round."""

    def mutate(plan: Plan) -> None:
        rnd = next(r for r in plan["rounds"] if r["id"] == rid)
        rnd["groups"][n - 1][key] = value

    return mutate


ONE_ROUND = [{"id": "r", "groups": 2}]
MEET_ONCE = {"max_meetings": 1}
PAIRED = make_plan({"r": ["a b", "c d"]})
CROSSED = make_plan({"r": ["a c", "b d"]})


def metrics_plan() -> tuple[Instance, Plan]:
    inst = instance(FOUR, [{"id": "r1", "groups": 2}, {"id": "r2", "groups": 2}])
    plan = make_plan({"r1": ["a c", "b d"], "r2": ["a d", "b c"]})
    plan["metrics"] = evaluate(inst, plan)
    plan["objective"] = objective_value(inst, plan["metrics"])
    plan["bound"] = 0.0
    return inst, plan


VISITOR_INSTANCE = instance(
    FOUR,
    [{"id": f"c{k}", "groups": 2, "visitors": ["v1", "v2"]} for k in (1, 2)],
    visitors=[{"id": "v1"}, {"id": "v2"}],
)
VISITOR_PLAN = make_plan(
    {"c1": ["a b", "c d"], "c2": ["a b", "c d"]}, visitors={"c1": ["v1", "v2"], "c2": ["v2", "v1"]}
)
DUTY_INSTANCE = instance(FOUR, ONE_ROUND, duties=[{"name": "scribe", "eligible_roles": ["w"]}])
DUTY_PLAN = make_plan({"r": ["a b", "c d"]}, duties={"r": [{"scribe": ["a"]}, {"scribe": ["c"]}]})

# (rule, instance, valid plan, mutation breaking that rule alone)
CASES: list[tuple[str, Instance, Plan, Callable[[Plan], None]]] = [
    ("structure", instance(FOUR, ONE_ROUND), PAIRED, set_group("r", 2, "members", ["c"])),
    (
        "sizes",
        instance(FOUR, [{"id": "r", "groups": 2, "max_size": 2}]),
        PAIRED,
        reseat("r", "a", "b c d"),
    ),
    ("sizes", instance(FOUR, ONE_ROUND), PAIRED, reseat("r", "a", "b c d")),  # balanced
    (
        "same_groups_as",
        instance(FOUR, [{"id": "r1", "groups": 2}, {"id": "r2", "same_groups_as": "r1"}]),
        make_plan({"r1": ["a b", "c d"], "r2": ["a b", "c d"]}, ids={"r2": "r1"}),
        swap("r2", "b", "c"),
    ),
    (
        "merge_of",
        instance(EIGHT, [{"id": "m", "groups": 4}, {"id": "r", "groups": 2, "merge_of": "m"}]),
        make_plan({"m": ["a b", "c d", "e f", "g h"], "r": ["a b c d", "e f g h"]}),
        swap("r", "b", "e"),
    ),
    ("visitors", VISITOR_INSTANCE, VISITOR_PLAN, set_group("c2", 1, "visitor", "v1")),
    ("duties", DUTY_INSTANCE, DUTY_PLAN, set_group("r", 1, "duties", {"scribe": ["b"]})),
    (
        "organisation_cap",
        instance(FOUR, ONE_ROUND, constraints={"max_per_organisation": 1}),
        CROSSED,
        swap("r", "b", "c"),
    ),
    (
        "role_ratio",
        instance(
            FOUR, ONE_ROUND, constraints={"role_ratio": [{"role": "u", "per": "w", "max": 1}]}
        ),
        PAIRED,
        swap("r", "b", "c"),
    ),
    (
        "balance",
        instance(FOUR, ONE_ROUND, constraints={"balance": ["role"]}),
        PAIRED,
        swap("r", "b", "c"),
    ),
    (
        "apart",
        instance(FOUR, ONE_ROUND, constraints={"apart": [["a", "b"]]}),
        CROSSED,
        swap("r", "b", "c"),
    ),
    (
        "together",
        instance(FOUR, ONE_ROUND, constraints={"together": [["a", "b"]]}),
        PAIRED,
        swap("r", "b", "c"),
    ),
    (
        "fixed",
        instance(
            FOUR,
            ONE_ROUND,
            constraints={"fixed": [{"participant": "a", "round": "r", "group": "r-1"}]},
        ),
        PAIRED,
        swap("r", "a", "c"),
    ),
    (
        "max_meetings",
        instance(
            FOUR, [{"id": "r1", "groups": 2}, {"id": "r2", "groups": 2}], constraints=MEET_ONCE
        ),
        make_plan({"r1": ["a b", "c d"], "r2": ["a c", "b d"]}),
        swap("r2", "b", "c"),
    ),
    ("metrics", *metrics_plan(), lambda p: p["metrics"].update(repeat_pairs=1)),
]


@pytest.mark.parametrize(("rule", "inst", "plan", "mutate"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_is_caught_alone(
    rule: str, inst: Instance, plan: Plan, mutate: Callable[[Plan], None]
) -> None:
    assert verify(inst, plan) == []
    broken = copy.deepcopy(plan)
    mutate(broken)
    violations = verify(inst, broken)
    assert violations
    assert rules(violations) == {rule}, violations


def test_message_names_round_group_and_people() -> None:
    inst = instance(FOUR, [{"id": "case3", "groups": 2}], constraints={"max_per_organisation": 1})
    plan = make_plan({"case3": ["a c", "b d"]})
    swap("case3", "a", "d")(plan)
    assert verify(inst, plan) == [
        Violation(
            "organisation_cap",
            "round `case3` group `case3-1`: 2 members of organisation `Y` (cap 1): d, c",
        ),
        Violation(
            "organisation_cap",
            "round `case3` group `case3-2`: 2 members of organisation `X` (cap 1): b, a",
        ),
    ]


def test_violations_name_the_groups_they_are_seen_in() -> None:
    kept = [{"id": "r1", "groups": 2}, {"id": "r2", "same_groups_as": "r1"}]
    inst = instance(FOUR, kept, constraints={"max_per_organisation": 1, "apart": [["a", "c"]]})
    plan = make_plan({"r1": ["a c", "b d"], "r2": ["a d", "b c"]}, ids={"r2": "r1"})
    found = {(v.rule, v.groups) for v in verify(inst, plan)}
    assert ("apart", (("r1", "r1-1"),)) in found
    assert ("same_groups_as", (("r2", "r1-1"), ("r1", "r1-2"))) in found
    assert all(groups for _, groups in found), found
    assert Violation("apart", "x", (("r1", "r1-1"),)) == Violation("apart", "x")


# ---- structure ---------------------------------------------------------------------------


def _drop_round(plan: Plan) -> None:
    plan["rounds"].pop()


def _drop_group(plan: Plan) -> None:
    plan["rounds"][0]["groups"].pop()


def _duplicate_group(plan: Plan) -> None:
    plan["rounds"][0]["groups"].append(copy.deepcopy(plan["rounds"][0]["groups"][0]))


STRUCTURE_BREAKS: dict[str, Callable[[Plan], None]] = {
    "unknown participant": set_group("r", 1, "members", ["a", "b", "zz"]),
    "seated twice": set_group("r", 1, "members", ["a", "b", "c"]),
    "member not a string": set_group("r", 1, "members", ["a", {"b": 1}]),
    "members not a list": set_group("r", 1, "members", "a b"),
    "unknown group": set_group("r", 1, "id", "r-9"),
    "group without id": set_group("r", 1, "id", None),
    "missing group": _drop_group,
    "duplicate group": _duplicate_group,
    "round missing": _drop_round,
    "round renamed": lambda p: p["rounds"][0].update(id="x"),
    "groups not a list": lambda p: p["rounds"][0].update(groups={"r-1": []}),
    "rounds not a list": lambda p: p.update(rounds={}),
    "no rounds": lambda p: p.pop("rounds"),
    "group not an object": lambda p: p["rounds"][0]["groups"].__setitem__(0, ["a", "b"]),
    "unknown visitor": set_group("r", 1, "visitor", "ghost"),
    "visitor not a string": set_group("r", 1, "visitor", ["v1"]),
    "unknown duty": set_group("r", 1, "duties", {"cook": ["a"]}),
    "duties not an object": set_group("r", 1, "duties", ["a"]),
    "holders not ids": set_group("r", 1, "duties", {"scribe": "a"}),
}


@pytest.mark.parametrize("mutate", STRUCTURE_BREAKS.values(), ids=STRUCTURE_BREAKS.keys())
def test_structure_breaks(mutate: Callable[[Plan], None]) -> None:
    inst = instance(
        FOUR, [{"id": "r", "groups": 2}, {"id": "s", "groups": 1}], visitors=[{"id": "v1"}]
    )
    inst = inst.model_copy(update={"duties": DUTY_INSTANCE.duties})
    plan = make_plan({"r": ["a b", "c d"], "s": ["a b c d"]})
    plan["rounds"][0]["groups"][0]["duties"] = {"scribe": ["a"]}
    plan["rounds"][0]["groups"][1]["duties"] = {"scribe": ["c"]}
    plan["rounds"][1]["groups"][0]["duties"] = {"scribe": ["c"]}
    assert verify(inst, plan) == []
    mutate(plan)
    assert rules(verify(inst, plan)) == {"structure"}


def test_absent_participant_is_a_structure_violation() -> None:
    people = [*FOUR, person("e", rounds=["s"])]
    inst = instance(people, [{"id": "r", "groups": 2}, {"id": "s", "groups": 1}])
    plan = make_plan({"r": ["a b", "c d"], "s": ["a b c d e"]})
    assert verify(inst, plan) == []
    plan["rounds"][0]["groups"][0]["members"].append("e")
    assert messages(verify(inst, plan)) == ["round `r` group `r-1`: `e` does not attend this round"]


def test_missing_visitor_and_duties_keys_read_as_empty() -> None:
    plan = {
        "rounds": [
            {
                "id": "r",
                "groups": [
                    {"id": "r-1", "members": ["a", "b"]},
                    {"id": "r-2", "members": ["c", "d"]},
                ],
            }
        ]
    }
    assert verify(instance(FOUR, ONE_ROUND), plan) == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    junk=json_values,
    where=st.sampled_from(
        [
            "plan",
            "rounds",
            "round",
            "groups",
            "group",
            "id",
            "members",
            "visitor",
            "duties",
            "metrics",
        ]
    ),
)
def test_junk_never_raises(junk: Any, where: str) -> None:
    inst = VISITOR_INSTANCE.model_copy(update={"duties": DUTY_INSTANCE.duties})
    plan = make_plan({"c1": ["a b", "c d"], "c2": ["a b", "c d"]})
    group = plan["rounds"][0]["groups"][0]
    if where == "plan":
        plan = junk
    elif where == "rounds":
        plan["rounds"] = junk
    elif where == "round":
        plan["rounds"][0] = junk
    elif where == "groups":
        plan["rounds"][0]["groups"] = junk
    elif where == "group":
        plan["rounds"][0]["groups"][0] = junk
    elif where == "metrics":
        plan["metrics"] = junk
    else:
        group[where] = junk
    assert all(isinstance(v, Violation) for v in verify(inst, plan))


# ---- rule details ------------------------------------------------------------------------


def test_group_bounds_win_over_round_bounds() -> None:
    groups = [{"id": "big", "max_size": 3}, {"id": "small"}]
    inst = instance(FOUR, [{"id": "r", "groups": groups, "min_size": 1, "max_size": 1}])
    plan = {"rounds": [{"id": "r", "groups": [{"id": "big"}, {"id": "small"}]}]}
    reseat("r", "a b c", "d")(plan)
    assert verify(inst, plan) == []
    reseat("r", "a b", "c d")(plan)
    assert messages(verify(inst, plan)) == ["round `r` group `small`: 2 members (max 1)"]


def test_balanced_sizes_follow_each_rounds_own_attendance() -> None:
    people = [*FOUR, person("e", rounds=["r1"]), person("f", rounds=["r1"])]
    inst = instance(people, [{"id": "r1", "groups": 2}, {"id": "r2", "same_groups_as": "r1"}])
    good = make_plan({"r1": ["a b e", "c d f"], "r2": ["a b", "c d"]}, ids={"r2": "r1"})
    assert verify(inst, good) == []
    uneven = make_plan({"r1": ["a b e", "c d f"], "r2": ["a b c", "d"]}, ids={"r2": "r1"})
    assert rules(verify(inst, uneven)) == {"sizes", "same_groups_as"}


def test_same_groups_round_may_set_its_own_bounds() -> None:
    rounds = [
        {"id": "r1", "groups": 2, "max_size": 2},
        {"id": "r2", "same_groups_as": "r1", "max_size": 3},
    ]
    inst = instance([*FOUR, person("e", rounds=["r2"])], rounds)
    plan = make_plan({"r1": ["a b", "c d"], "r2": ["a b e", "c d"]}, ids={"r2": "r1"})
    assert verify(inst, plan) == []


def test_duties_in_empty_groups_and_unlisted_rounds() -> None:
    inst = instance(
        [person("a"), person("b")],
        [
            {"id": "r", "groups": [{"id": "g1"}, {"id": "g2", "min_size": 0}], "min_size": 0},
            {"id": "s", "groups": 1},
        ],
        duties=[{"name": "scribe", "rounds": ["r"]}],
    )
    plan = make_plan({"r": ["a b", ""], "s": ["a b"]}, duties={"r": [{"scribe": ["a"]}, {}]})
    plan["rounds"][0]["groups"][1]["id"] = "g2"
    plan["rounds"][0]["groups"][0]["id"] = "g1"
    plan["rounds"][1]["groups"][0]["duties"] = {"scribe": ["b"]}
    assert messages(verify(inst, plan)) == [
        "round `r` group `g2`: duty `scribe` has 0 holders (), expected 1",
        "round `s` group `s-1`: duty `scribe` is held (b) in a round it does not list",
    ]


def test_one_duty_each_and_null_role_not_eligible() -> None:
    people = [person("a", role="w"), person("b")]
    duties = [{"name": "scribe", "eligible_roles": ["w"]}, {"name": "timer"}]
    inst = instance(people, [{"id": "r", "groups": 1}], duties=duties)
    plan = make_plan({"r": ["a b"]}, duties={"r": [{"scribe": ["b"], "timer": ["b"]}]})
    assert messages(verify(inst, plan)) == [
        "round `r` group `r-1`: duty `scribe` is held by b (role None), not in ['w']",
        "round `r`: more than one duty held by b",
    ]
    plan = make_plan({"r": ["a b"]}, duties={"r": [{"scribe": ["a"], "timer": ["zz"]}]})
    assert messages(verify(inst, plan)) == [
        "round `r` group `r-1`: duty `timer` is held by non-members zz"
    ]


def test_visitor_rules_for_partial_attendance_and_at_most_once() -> None:
    people = [*FOUR, person("e", rounds=["c1"])]
    rounds = [
        {"id": "c1", "groups": 2, "visitors": ["v1"]},
        {"id": "c2", "groups": 2, "visitors": ["v1"]},
        {"id": "free", "groups": 1},
    ]
    inst = instance(people, rounds, visitors=[{"id": "v1"}])
    seats = {"c1": ["a b e", "c d"], "c2": ["c d", "a b"], "free": ["a b c d"]}
    plan = make_plan(seats, visitors={"c1": ["v1", None], "c2": ["v1", None]})
    assert verify(inst, plan) == []  # e meets v1 once though absent from c2
    never = make_plan(seats, visitors={"c1": [None, "v1"], "c2": ["v1", None]})
    assert messages(verify(inst, never)) == [
        "visitor `v1` (rounds c1, c2): met more than once by c, d",
        "visitor `v1` (rounds c1, c2): never met by 2 participants present in all its rounds: a, b",
    ]
    lenient = inst.model_copy(
        update={
            "constraints": inst.constraints.model_copy(update={"visitor_meetings": "at_most_once"})
        }
    )
    assert rules(verify(lenient, never)) == {"visitors"}
    skipped = make_plan(seats, visitors={"c1": [None, None], "c2": ["v1", None]})
    assert verify(lenient, skipped) == [
        Violation(
            "visitors", "round `c1`: visitor `v1` is in 0 groups (none) instead of exactly one"
        )
    ]
    stray = make_plan(seats, visitors={"c1": ["v1", None], "c2": ["v1", None], "free": ["v1"]})
    assert verify(inst, stray) == [
        Violation(
            "visitors", "round `free`: visitor `v1` sits in free-1 but the round does not list it"
        )
    ]


def test_round_cap_overrides_the_global_one() -> None:
    rounds = [
        {"id": "r", "groups": 1, "max_per_organisation": None},
        {"id": "s", "groups": 1, "max_per_organisation": 2},
        {"id": "t", "groups": 1},
    ]
    inst = instance(FOUR, rounds, constraints={"max_per_organisation": 1})
    plan = make_plan({"r": ["a b c d"], "s": ["a b c d"], "t": ["a b c d"]})
    assert messages(verify(inst, plan)) == [
        "round `t` group `t-1`: 2 members of organisation `X` (cap 1): a, b",
        "round `t` group `t-1`: 2 members of organisation `Y` (cap 1): c, d",
    ]


def test_role_ratio_is_exact_in_decimal() -> None:
    people = [person(f"w{i}", role="w") for i in range(10)] + [person("u", role="u")]
    ratio = {"role": "u", "per": "w", "min": 0.1, "max": 0.1}
    inst = instance(people, [{"id": "r", "groups": 1}], constraints={"role_ratio": [ratio]})
    assert verify(inst, make_plan({"r": [" ".join(p["id"] for p in people)]})) == []


def test_role_ratio_min_and_empty_groups() -> None:
    ratio = {"role": "u", "per": "w", "min": 1}
    inst = instance(
        FOUR, [{"id": "r", "groups": 3, "min_size": 0}], constraints={"role_ratio": [ratio]}
    )
    assert verify(inst, make_plan({"r": ["a b", "c d", ""]})) == []
    assert [v.message for v in verify(inst, make_plan({"r": ["a c", "b", "d"]}))] == [
        "round `r` group `r-1`: 0 `u` for 2 `w` (ratio allowed: min 1.0, max None)"
    ]


def test_balance_counts_people_without_a_value() -> None:
    sectors = {"a": "x", "b": "x", "c": "y"}
    people = [person(x, attributes={"sector": sectors[x]}) for x in "abc"] + [person("d")]
    inst = instance(people, [{"id": "r", "groups": 2}], constraints={"balance": ["sector"]})
    # e(x) = 2*2/4 = 1 per group; e(y) = 1*2/4 = 0.5
    assert verify(inst, make_plan({"r": ["a c", "b d"]})) == []
    assert [v.message for v in verify(inst, make_plan({"r": ["a b", "c d"]}))] == [
        "round `r` group `r-1`: 2 members with sector = 'x', expected 1 (2 of 4 present, group of 2)",
        "round `r` group `r-2`: 0 members with sector = 'x', expected 1 (2 of 4 present, group of 2)",
    ]


def test_together_only_when_all_attend() -> None:
    people = [*FOUR[:3], person("d", rounds=["r2"])]
    rounds = [{"id": "r1", "groups": 2}, {"id": "r2", "groups": 2}]
    inst = instance(people, rounds, constraints={"together": [["a", "d"]]})
    plan = make_plan({"r1": ["a b", "c"], "r2": ["a d", "b c"]})
    assert verify(inst, plan) == []


def test_merge_ignores_people_absent_from_either_round() -> None:
    people = [*EIGHT[:7], person("h", rounds=["m"]), person("i", rounds=["r"])]
    rounds = [{"id": "m", "groups": 4}, {"id": "r", "groups": 2, "merge_of": "m"}]
    inst = instance(people, rounds)
    plan = make_plan({"m": ["a b", "c d", "e f", "g h"], "r": ["a b c d", "e f g i"]})
    assert verify(inst, plan) == []
    reseat("r", "a b c g", "d e f i")(plan)
    assert messages(verify(inst, plan)) == [
        "round `r`: group `m-2` of `m` is split over `r-1` (c); `r-2` (d)"
    ]


def test_merge_grouping_counts_one_meeting() -> None:
    rounds = [
        {"id": "m", "groups": 4},
        {"id": "r", "groups": 2, "merge_of": "m"},
        {"id": "s", "groups": 4},
    ]
    inst = instance(EIGHT, rounds, constraints=MEET_ONCE)
    plan = make_plan(
        {
            "m": ["a b", "c d", "e f", "g h"],
            "r": ["a b c d", "e f g h"],
            "s": ["a e", "b f", "c g", "d h"],
        }
    )
    assert verify(inst, plan) == []
    reseat("s", "a b", "c e", "d f", "g h")(plan)
    assert messages(verify(inst, plan)) == [
        "a and b meet in 2 groupings (max 1): m (m-1), r (r-1), s (s-1)",
        "g and h meet in 2 groupings (max 1): m (m-4), r (r-2), s (s-4)",
    ]


METRIC_CLAIMS: dict[str, tuple[Callable[[Plan], None], str]] = {
    "objective off": (lambda p: p.update(objective=1.0), "objective is 1.0"),
    "objective text": (lambda p: p.update(objective="40"), "objective is '40'"),
    "bound above": (lambda p: p.update(bound=50.0), "bound 50.0 is above"),
    "bound text": (lambda p: p.update(bound="low"), "bound is 'low'"),
    "metric missing": (
        lambda p: p["metrics"].pop("repeat_pairs"),
        "metric `repeat_pairs` is missing",
    ),
    "metric extra": (lambda p: p["metrics"].update(extra=1), "metric `extra` is not"),
    "metric text": (
        lambda p: p["metrics"].update(repeat_pairs="0"),
        "metric `repeat_pairs` is '0'",
    ),
    "metrics not an object": (lambda p: p.update(metrics=[]), "`metrics` is not an object"),
}


@pytest.mark.parametrize(("mutate", "fragment"), METRIC_CLAIMS.values(), ids=METRIC_CLAIMS.keys())
def test_metric_claims(mutate: Callable[[Plan], None], fragment: str) -> None:
    inst, plan = metrics_plan()
    # r1 seats the workers together: |2 - 1| + |0 - 1| in each group
    assert plan["metrics"] == {"same_organisation": 0.0, "repeat_pairs": 0.0, "imbalance:role": 4.0}
    assert plan["objective"] == 40.0
    mutate(plan)
    found = messages(verify(inst, plan))
    assert any(fragment in m for m in found), found
    assert rules(verify(inst, plan)) == {"metrics"}


def test_ten_thousand_people_over_four_rounds_is_fast() -> None:
    """Participant (a, b), a < 1250, b < 8, sits in group (a + t·b) mod 1250 in round t:
    two people share at most one group over the four rounds."""
    people = [
        person(f"p{a}_{b}", f"o{b}_{a % 100}", "w" if b % 2 else "u")
        for a in range(1250)
        for b in range(8)
    ]
    rounds = [{"id": f"r{t}", "groups": 1250, "max_size": 8} for t in range(4)]
    constraints = {"max_meetings": 1, "max_per_organisation": 1, "balance": ["role"]}
    inst = instance(people, rounds, constraints=constraints)
    seats = {}
    for t in range(4):
        groups: list[list[str]] = [[] for _ in range(1250)]
        for a in range(1250):
            for b in range(8):
                groups[(a + t * b) % 1250].append(f"p{a}_{b}")
        seats[f"r{t}"] = [" ".join(g) for g in groups]
    plan = make_plan(seats)
    start = time.perf_counter()
    plan["metrics"] = evaluate(inst, plan)
    violations = verify(inst, plan)
    assert time.perf_counter() - start < 10
    assert violations == []


# ---- a verifier that trusts nothing (issue 13) -------------------------------------------


def _without_metrics(plan: Plan) -> None:
    del plan["metrics"]
    plan.update(objective=0.0, bound=0.0, status="optimal")


TAMPERED: dict[str, tuple[Callable[[Plan], None], str]] = {
    "metrics deleted, objective 0": (_without_metrics, "objective is 0.0"),
    "metrics null, objective 0": (
        lambda p: p.update(metrics=None, objective=0.0, bound=0.0),
        "objective is 0.0",
    ),
    "bound NaN": (lambda p: p.update(bound=float("nan")), "bound is nan, not a finite number"),
    "objective infinite": (lambda p: p.update(objective=float("inf")), "objective is inf"),
    "metric NaN": (lambda p: p["metrics"].update(repeat_pairs=float("nan")), "is nan"),
    "seconds NaN": (lambda p: p.update(seconds=float("nan")), "seconds is nan"),
    "a bound above its metric": (
        lambda p: p.update(metric_bounds={"imbalance:role": 9.0}),
        "metric bound `imbalance:role` is 9.0, above the recounted metric 4.0",
    ),
    "a bound of another term": (
        lambda p: p.update(metric_bounds={"colour": 0.0}),
        "metric bound `colour` is not a term",
    ),
}


@pytest.mark.parametrize(("mutate", "fragment"), TAMPERED.values(), ids=TAMPERED.keys())
def test_claims_are_recounted_whether_or_not_the_plan_states_metrics(mutate, fragment):
    inst, plan = metrics_plan()
    plan["metric_bounds"] = {"imbalance:role": 0.0}
    assert verify(inst, plan) == []
    mutate(plan)
    found = messages(verify(inst, plan))
    assert any(fragment in m for m in found), found
    assert rules(verify(inst, plan)) == {"metrics"}


def test_a_plan_stating_no_claim_is_checked_on_its_seats_alone():
    inst, plan = metrics_plan()
    for key in ("metrics", "objective", "bound"):
        del plan[key]
    assert verify(inst, plan) == []


def test_max_meetings_lists_a_hundred_pairs_then_counts_the_rest():
    people = [person(f"p{k}") for k in range(30)]
    inst = instance(
        people,
        [{"id": "r1", "groups": 1}, {"id": "r2", "groups": 1}],
        constraints={"max_meetings": 1},
    )
    everyone = " ".join(f"p{k}" for k in range(30))
    found = messages(verify(inst, make_plan({"r1": [everyone], "r2": [everyone]})))
    assert len(found) == 101
    assert found[-1] == "… and 335 more pairs meeting in more than 1 groupings"


def test_a_plenary_of_five_thousand_is_verified_and_scored():
    people = [person(f"p{k}", f"o{k % 50}") for k in range(5_000)]
    inst = instance(people, [{"id": "plenary", "groups": 1}])
    plan = make_plan({"plenary": [" ".join(p["id"] for p in people)]})
    metrics = evaluate(inst, plan)
    assert metrics == {"same_organisation": 50 * (100 * 99 // 2), "repeat_pairs": 0.0}
    assert verify(inst, plan) == []
