"""Changing a plan by hand: moves and swaps (in every round keeping the groups), duties
handed out again, the plan scored and checked by the library, and undone exactly."""

from __future__ import annotations

import pytest

from allocator import counting_bounds, parse_instance, solve, verify
from allocator.web import editing

DAY = {
    "name": "kept",
    "participants": [
        {"id": f"p{i}", "organisation": f"o{i % 3}", "role": "worker"} for i in range(9)
    ],
    "rounds": [
        {"id": "a", "groups": 3},
        {"id": "b", "same_groups_as": "a"},
        {"id": "c", "groups": 3},
    ],
    "duties": [{"name": "scribe", "per_group": 1}],
}


@pytest.fixture(scope="module")
def solved():
    instance = parse_instance(DAY)
    return instance, solve(instance, "cpsat", time_limit=5).plan


def groups_of(plan, round_id):
    rnd = next(r for r in plan["rounds"] if r["id"] == round_id)
    return {g["id"]: g for g in rnd["groups"]}


def test_a_move_in_a_kept_round_moves_the_person_in_each_and_hands_duties_again(solved):
    instance, plan = solved
    person = groups_of(plan, "a")["a-1"]["members"][0]
    changed, before = editing.edit(instance, plan, {"round": "a", "person": person, "group": "a-2"})
    for rid in ("a", "b"):
        groups = groups_of(changed, rid)
        assert person in groups["a-2"]["members"] and person not in groups["a-1"]["members"]
        for group in groups.values():
            assert set(group["duties"]["scribe"]) <= set(group["members"])
            assert len(group["duties"]["scribe"]) == 1
    assert groups_of(changed, "c") == groups_of(plan, "c")
    assert len(before) == 4  # two groups in each of the two rounds
    assert editing.undo(changed, before) == plan


def test_a_swap_keeps_the_sizes(solved):
    instance, plan = solved
    groups = groups_of(plan, "c")
    one, other = groups["c-1"]["members"][0], groups["c-2"]["members"][0]
    changed, _ = editing.edit(instance, plan, {"round": "c", "person": one, "with": other})
    after = groups_of(changed, "c")
    assert other in after["c-1"]["members"] and one in after["c-2"]["members"]
    assert [len(g["members"]) for g in after.values()] == [
        len(g["members"]) for g in groups.values()
    ]


def test_rescoring_marks_the_plan_hand_edited_with_the_instance_bound(solved):
    instance, plan = solved
    person = groups_of(plan, "c")["c-1"]["members"][0]
    changed, _ = editing.edit(instance, plan, {"round": "c", "person": person, "group": "c-2"})
    violations = editing.rescore(instance, changed, counting_bounds(instance))
    assert "sizes" in {v.rule for v in violations}
    assert changed["strategy"] == "hand-edited" and changed["status"] == "infeasible"
    assert changed["bound"] == counting_bounds(instance)[0] and changed["bound_by"] == "counting"
    assert verify(instance, changed) == violations


def test_the_seats_of_a_person_by_round(solved):
    _, plan = solved
    seats = editing.seats_of(plan, "p0")
    assert sorted(seats) == ["a", "b", "c"] and seats["a"] == seats["b"]


@pytest.mark.parametrize(
    "change",
    [
        {"round": "z", "person": "p0", "group": "a-1"},
        {"round": "a", "person": "nobody", "group": "a-1"},
        {"round": "a", "person": "p0", "group": "c-1"},
        {"round": "a", "person": "p0"},
        {"round": "a", "person": "p0", "with": "nobody"},
        {"person": "p0"},
    ],
)
def test_an_edit_naming_what_the_plan_lacks_is_refused(solved, change):
    instance, plan = solved
    with pytest.raises(editing.EditError):
        editing.edit(instance, plan, change)
