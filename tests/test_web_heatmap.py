"""The plan view's heat maps: one per round that forms new groups, as plan.html draws them
(a kept round has none and names the round it keeps), counted from the plan's seats, and
following them after a change by hand."""

from __future__ import annotations

import json
from collections import Counter

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")
from starlette.testclient import TestClient

from allocator import heat_maps, parse_instance
from allocator.web.server import create_app

BASE = "http://127.0.0.1:8000"
SAME = {"Origin": BASE}
DAY = {
    "name": "Mixing",
    "participants": [
        {"id": f"p{i:02}", "name": f"Person {i}", "organisation": f"org{i % 4}"} for i in range(11)
    ]
    + [{"id": "p11", "name": "Person 11"}],  # no organisation: counted nowhere
    "rounds": [
        {"id": "r1", "groups": 4},
        {"id": "r2", "same_groups_as": "r1"},
        {"id": "r3", "groups": 2, "merge_of": "r1"},
        {"id": "r4", "groups": 3},
    ],
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(tmp_path_factory.mktemp("data"))
    with TestClient(app, base_url=BASE) as test_client:
        yield test_client


def solved_plan(client, data: dict) -> tuple[str, str]:
    """A new day of `data`, solved: (day, the URL of its plan)."""
    answer = client.post("/days?name=day.json", content=json.dumps(data), headers=SAME)
    day = answer.json()["day"]
    job = client.post(f"/days/{day}/solve", json={"time_limit": 1}, headers=SAME).json()["job"]
    text = client.get(f"/jobs/{job}/events").text
    final = json.loads([line for line in text.splitlines() if line.startswith("data: ")][-1][6:])
    assert final["state"] == "done", final
    return day, final["plan"]


@pytest.fixture(scope="module")
def solved(client):
    return solved_plan(client, DAY)


def seated_counts(view: dict, round_index: int) -> dict[str, list[int]]:
    """Members of each organisation per group of a round, counted from the view's seats."""
    groups = view["rounds"][round_index]["groups"]
    counts: dict[str, list[int]] = {}
    for column, group in enumerate(groups):
        for person in group["members"]:
            organisation = view["people"][person][1]
            if organisation:
                counts.setdefault(organisation, [0] * len(groups))[column] += 1
    return counts


def shown_counts(view: dict, round_index: int) -> dict[str, list[int]]:
    return dict(view["rounds"][round_index]["heat"]["rows"])


def test_each_round_forming_groups_has_its_map_counting_the_seats(client, solved):
    _, plan = solved
    view = client.get(f"{plan}/view").json()
    assert view["mixing"]
    for k in (0, 2, 3):  # r1, its merge r3, and r4 form groups
        heat = view["rounds"][k]["heat"]
        groups = view["rounds"][k]["groups"]
        assert [c["name"] for c in heat["columns"]] == [g["name"] for g in groups]
        assert shown_counts(view, k) == seated_counts(view, k)
        assert heat["note"] == ""
    kept = view["rounds"][1]
    assert kept["heat"] is None and kept["keeps"] == "Round 1"
    totals = Counter({org: sum(c) for org, c in shown_counts(view, 3).items()})
    assert [row[0] for row in view["rounds"][3]["heat"]["rows"]] == sorted(
        totals, key=lambda org: (-totals[org], org)
    )  # most members first, as plan.html orders them


def test_the_map_is_the_library_s_as_plan_html_draws_it(client, solved):
    day, plan = solved
    view = client.get(f"{plan}/view").json()
    record = client.app.state.days.store.plan(day, int(plan.rsplit("/", 1)[1]))
    maps = heat_maps(parse_instance(DAY), record["plan"])
    assert [m.round for m in maps] == [0, 2, 3]
    for heat in maps:
        shown = view["rounds"][heat.round]["heat"]
        assert [row[0] for row in shown["rows"]] == list(heat.organisations)
        assert [row[1] for row in shown["rows"]] == [list(c) for c in heat.counts]


def test_a_move_by_hand_moves_its_count_in_the_map(client, solved):
    _, plan = solved
    view = client.get(f"{plan}/view").json()
    before = shown_counts(view, 3)
    source, target = view["rounds"][3]["groups"][0], view["rounds"][3]["groups"][1]
    person = next(p for p in source["members"] if view["people"][p][1])
    organisation = view["people"][person][1]
    change = {"round": "r4", "person": person, "group": target["id"]}
    after_view = client.post(f"{plan}/edit", json=change, headers=SAME).json()
    after = shown_counts(after_view, 3)
    assert after[organisation][0] == before[organisation][0] - 1
    assert after[organisation][1] == before[organisation][1] + 1
    assert after == seated_counts(after_view, 3)
    assert shown_counts(after_view, 0) == shown_counts(view, 0)  # another round, untouched


def test_a_day_without_organisations_has_no_map(client):
    _, plan = solved_plan(client, {**DAY, "participants": [{"id": f"p{i}"} for i in range(12)]})
    view = client.get(f"{plan}/view").json()
    assert not view["mixing"] and all(rnd["heat"] is None for rnd in view["rounds"])
