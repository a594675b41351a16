"""The typed plan reads the same seats, duties, visitors and figures as the plan object."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator import Plan, Seat, load_instance, solve

PARTNER_DAY = Path(__file__).resolve().parents[1] / "instances" / "partner_day.json"


@pytest.fixture(scope="module")
def solved():
    day = load_instance(PARTNER_DAY)  # visitors, duties, kept and merged rounds
    return day, solve(day, "random", seed=3)


def test_each_seat_is_the_plans(solved):
    day, solution = solved
    typed = solution.typed_plan
    seen = 0
    for rnd in solution.plan["rounds"]:
        for group in rnd["groups"]:
            held = {pid: duty for duty, ids in group["duties"].items() for pid in ids}
            for pid in group["members"]:
                seat = typed.seat(pid, rnd["id"])
                assert seat == Seat(rnd["id"], group["id"], held.get(pid), group["visitor"])
                seen += 1
    assert seen == sum(len(typed.itinerary(p.id)) for p in day.participants)
    assert any(seat.duty for p in day.participants for seat in typed.itinerary(p.id))
    assert any(seat.visitor for p in day.participants for seat in typed.itinerary(p.id))


def test_an_itinerary_follows_the_rounds_attended():
    day = load_instance(PARTNER_DAY)
    data = day.model_dump()
    data["participants"][0]["rounds"] = [data["rounds"][0]["id"], data["rounds"][-1]["id"]]
    solution = solve(type(day).model_validate(data), "random")
    first = data["participants"][0]["id"]
    assert [seat.round for seat in solution.typed_plan.itinerary(first)] == data["participants"][0][
        "rounds"
    ]
    assert solution.typed_plan.seat(first, data["rounds"][1]["id"]) is None


def test_the_figures_are_the_plans(solved):
    _, solution = solved
    plan, typed = solution.plan, solution.typed_plan
    assert (typed.status, typed.engine, typed.strategy) == (plan["status"], "random", "random")
    assert typed.objective == plan["objective"] and typed.bound == plan["bound"]
    assert typed.gap == pytest.approx(plan["objective"] - plan["bound"])
    assert typed.relative_gap == pytest.approx(typed.gap / abs(plan["objective"]))
    assert dict(typed.metrics) == plan["metrics"]
    assert typed.repair is None
    assert Plan.from_dict(plan) == typed
