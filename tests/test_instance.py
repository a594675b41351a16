"""The instance models: pydantic's own dumps read back to the same day (compared as
compiled problems, since `==` ignores which fields were set), and an `Instance` is checked
whole however it is built."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator import (
    AllocatorError,
    Constraints,
    GroupSpec,
    InputError,
    Instance,
    Participant,
    Round,
    Term,
    compile_problem,
    load_instance,
    parse_instance,
)

Json = dict[str, Any]
SHIPPED = sorted((Path(__file__).parents[1] / "instances").glob("*.json"))
TEXTS = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=5)
"""Names as people write them (control characters are refused on input)."""


def compiled(value: Any) -> Any:
    """A compiled problem as plain data to compare: arrays by dtype, shape and entries,
    dataclasses field by field; the instance itself left out (it is what is compared)."""
    if isinstance(value, np.ndarray):
        return (str(value.dtype), value.shape, value.tolist())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: compiled(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "instance"
        }
    if isinstance(value, tuple | list):
        return [compiled(item) for item in value]
    return value


def assert_same_day(original: Instance, copy: Instance) -> None:
    assert compiled(compile_problem(copy)) == compiled(compile_problem(original))
    assert [p.display_name for p in copy.participants] == [
        p.display_name for p in original.participants
    ]
    assert copy.model_dump_json() == original.model_dump_json()


def round_trips(instance: Instance) -> list[Instance]:
    return [
        Instance.model_validate_json(instance.model_dump_json()),
        Instance.model_validate(instance.model_dump()),
        Instance.model_validate(json.loads(json.dumps(instance.model_dump()))),
    ]


@st.composite
def rounds(draw: st.DrawFn, n: int) -> list[Json]:
    made: list[Json] = []
    for k in range(draw(st.integers(1, 4))):
        rnd: Json = {"id": f"r{k}"}
        kind = "new" if k == 0 else draw(st.sampled_from(["new", "same", "merge"]))
        if kind == "same":
            rnd["same_groups_as"] = f"r{draw(st.integers(0, k - 1))}"
        else:
            count = draw(st.integers(1, 3))
            if draw(st.booleans()):
                rnd["groups"] = count
            else:
                rnd["groups"] = [
                    {"id": f"r{k}g{j}", **draw(_bounds(n, st.booleans()))} for j in range(count)
                ]
            if kind == "merge":
                rnd["merge_of"] = f"r{draw(st.integers(0, k - 1))}"
        rnd.update(draw(_bounds(n, st.booleans())))
        cap = draw(st.sampled_from(["unset", "null", 1, 2]))
        if cap != "unset":
            rnd["max_per_organisation"] = None if cap == "null" else cap
        made.append(rnd)
    return made


@st.composite
def _bounds(draw: st.DrawFn, n: int, given: st.SearchStrategy[bool]) -> Json:
    """Loose size bounds (every day stays seatable), each given or not."""
    bounds: Json = {}
    if draw(given):
        bounds["min_size"] = 0
    if draw(given):
        bounds["max_size"] = draw(st.integers(n, n + 2))
    return bounds


@st.composite
def days(draw: st.DrawFn) -> Json:
    """Valid instances using every field of FORMAT.md, each given or left out."""
    n = draw(st.integers(3, 6))
    day_rounds = draw(rounds(n))
    round_ids = [r["id"] for r in day_rounds]
    people = []
    for i in range(n):
        person: Json = {"id": f"p{i}", "role": ["w", "u"][i % 2]}
        for key, values in (
            ("name", TEXTS | st.none()),
            ("organisation", st.sampled_from(["A", "B"]) | st.none()),
            ("attributes", st.fixed_dictionaries({"age": st.sampled_from([30, 4.5, "x"])})),
            ("rounds", st.lists(st.sampled_from(round_ids), min_size=1, unique=True)),
        ):
            if draw(st.booleans()):
                person[key] = draw(values)
        if "rounds" in person:
            person["rounds"] = [r for r in round_ids if r in person["rounds"]]
        people.append(person)
    ids = [p["id"] for p in people]
    data: Json = {"name": draw(TEXTS), "participants": people, "rounds": day_rounds}
    if draw(st.booleans()):
        data["duties"] = [
            {"name": "scribe", "per_group": 1, "rounds": [round_ids[0]], "eligible_roles": ["w"]}
        ]
    if draw(st.booleans()):
        data["visitors"] = [{"id": "v0", "name": draw(TEXTS | st.none())}]
        day_rounds[-1]["visitors"] = ["v0"]
    constraints: Json = {}
    for key, values in (
        ("max_per_organisation", st.sampled_from([None, 1, 2])),
        ("max_meetings", st.sampled_from([None, 1, 3])),
        ("visitor_meetings", st.sampled_from(["exactly_once", "at_most_once"])),
        ("balance", st.just(["role"])),
        ("apart", st.just([ids[:2]])),
        ("together", st.just([ids[1:3]])),
        ("role_ratio", st.just([{"role": "u", "per": "w", "min": 0.1, "max": 2.5}])),
    ):
        if draw(st.booleans()):
            constraints[key] = draw(values)
    if draw(st.booleans()):
        first = day_rounds[0]
        group = first["groups"][0]["id"] if isinstance(first["groups"], list) else "r0-1"
        attends = "rounds" not in people[0] or "r0" in people[0]["rounds"]
        constraints["fixed"] = [{"participant": "p0", "round": "r0", "group": group}] * attends
    if constraints:
        data["constraints"] = constraints
    terms = [
        {"term": "same_organisation", "weight": 1000},
        {"term": "repeat_pairs", "weight": 0.5},
        {"term": "imbalance", "attribute": "role", "weight": 10},
        {"term": "duty_repeats", "weight": -1},
        {"term": "pairs", "weight": 1, "pairs": [["p0", "p1", 2.5], ["p1", "p2", -1]]},
        {"term": "pairs", "weight": 2, "matrix": np.eye(n)[::-1].tolist()},
    ]
    chosen = draw(st.none() | st.lists(st.sampled_from(terms), unique_by=lambda t: t["term"]))
    if chosen is not None:
        data["objective"] = chosen
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_dumps_read_back_to_the_same_day(data):
    original = parse_instance(data)
    for copy in round_trips(original):
        assert_same_day(original, copy)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_instances_round_trip(path):
    original = load_instance(path)
    for copy in round_trips(original):
        assert_same_day(original, copy)


def test_a_round_without_a_cap_keeps_it_when_dumped():
    day = parse_instance(
        {
            "name": "caps",
            "participants": [{"id": f"p{i}", "organisation": "A"} for i in range(4)],
            "rounds": [
                {"id": "a", "groups": 2},
                {"id": "b", "groups": 2, "max_per_organisation": None},
            ],
            "constraints": {"max_per_organisation": 2},
        }
    )
    dumped = json.loads(day.model_dump_json())
    assert "max_per_organisation" not in dumped["rounds"][0]
    assert dumped["rounds"][1]["max_per_organisation"] is None
    assert compile_problem(Instance.model_validate(dumped)).org_cap == (2, None)


def test_a_matrix_dumps_as_rows():
    matrix = [[0, 1.5], [1.5, 0]]
    day = Instance(
        name="mdgp",
        participants=[Participant(id="a"), Participant(id="b")],
        rounds=[Round(id="r", groups=1)],
        objective=[Term(term="pairs", weight=1, matrix=matrix)],
    )
    assert json.loads(day.model_dump_json())["objective"][0]["matrix"] == matrix
    assert day.model_dump()["objective"][0]["matrix"] == matrix


def people(*ids: str) -> list[Participant]:
    return [Participant(id=pid) for pid in ids]


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (
            lambda: Instance(
                name="x",
                participants=people("p1", "p2"),
                rounds=[Round(id="r", groups=1)],
                constraints=Constraints(apart=[["p1", "p99"]]),
            ),
            "constraints.apart[0][1]",
        ),
        (
            lambda: Instance(
                name="x",
                participants=people("p1", "p1"),
                rounds=[Round(id="r", groups=1)],
            ),
            "participants[1]",
        ),
        (
            lambda: Instance(
                name="x",
                participants=people("p1"),
                rounds=[Round(id="r", groups=[GroupSpec(id="g", min_size=3)])],
            ),
            "rounds[0]",
        ),
        (
            lambda: Instance(
                name="x",
                participants=[Participant(id="a\x1b[2J")],
                rounds=[Round(id="r", groups=1)],
            ),
            "participants[0].id",
        ),
        (
            lambda: Instance(name="x", participants=[{"id": 7}], rounds=[Round(id="r", groups=1)]),
            "participants[0].id",
        ),
        (
            lambda: Instance.model_validate_json(
                '{"name": "x", "participants": [{"id": "a"}], "rounds": [{"id": "r", "groups": 1,'
                ' "same_groups_as": "q"}]}'
            ),
            "rounds[0]",
        ),
    ],
    ids=["unknown id", "duplicate id", "sizes", "control character", "type", "json"],
)
def test_an_instance_is_checked_however_it_is_built(build, path):
    with pytest.raises(InputError) as caught:
        build()
    assert isinstance(caught.value, AllocatorError)
    assert path in caught.value.paths, caught.value
