"""The example generators give valid, satisfiable instances of the stated shape, and the
files shipped in `instances/` are exactly what they produce."""

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from allocator import examples
from allocator.analysis.feasibility import counting_conflicts
from allocator.model.instance import Instance
from allocator.model.layout import round_shapes
from allocator.model.problem import compile_problem
from allocator.model.validate import parse_instance

INSTANCES = Path(__file__).resolve().parents[1] / "instances"
SEEDS = [0, 1, 2, 17]
SEEDED: list[Callable[[int], dict[str, Any]]] = [
    examples.partner_day,
    examples.world_cafe,
    examples.thematic_workshop,
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("generate", SEEDED, ids=lambda f: f.__name__)
def test_seeded_generators_validate_and_are_deterministic(generate, seed):
    data = generate(seed)
    Instance.model_validate(data)
    parse_instance(data)  # also the cross-references: unique ids, known rounds and roles
    assert generate(seed) == data


@pytest.mark.parametrize("generate", SEEDED, ids=lambda f: f.__name__)
def test_the_seed_drives_names_and_attributes(generate):
    assert generate(0)["participants"] != generate(1)["participants"]


@pytest.mark.parametrize("shape", [(5, 3, 7), (8, 4, 10), (1, 1, 1)])
def test_social_golfer_validates(shape):
    parse_instance(examples.social_golfer(*shape))


def _all_examples() -> list[dict[str, Any]]:
    made = [generate(seed) for generate in SEEDED for seed in SEEDS]
    return [*made, examples.social_golfer(5, 3, 7)]


@pytest.mark.parametrize("data", _all_examples(), ids=lambda d: d["name"][:20])
def test_every_organisation_fits_under_its_cap(data):
    instance = parse_instance(data)
    sizes = Counter(p.organisation for p in instance.participants if p.organisation is not None)
    for rnd, shape in zip(instance.rounds, round_shapes(instance), strict=True):
        cap = (
            rnd.max_per_organisation
            if rnd.overrides_organisation_cap
            else instance.constraints.max_per_organisation
        )
        if cap is not None:
            assert max(sizes.values(), default=0) <= len(shape.groups) * cap, rnd.id


@pytest.mark.parametrize("seed", SEEDS)
def test_partner_day_has_two_workers_and_two_users_per_structure(seed):
    data = examples.partner_day(seed)
    people = data["participants"]
    assert len(people) == 80
    roles = Counter(p["role"] for p in people)
    assert roles == {"worker": 40, "user": 40}
    workers = [p["id"] for p in people if p["role"] == "worker"]
    users = [p["id"] for p in people if p["role"] == "user"]
    assert workers == [f"w{k:02d}" for k in range(1, 41)]
    assert users == [f"u{k:02d}" for k in range(1, 41)]
    per_structure = Counter((p["organisation"], p["role"]) for p in people)
    assert len({org for org, _ in per_structure}) == 20
    assert set(per_structure.values()) == {2}
    assert all({"sector", "age_band"} <= p["attributes"].keys() for p in people)
    assert all("profession" in p["attributes"] for p in people if p["role"] == "worker")


def test_partner_day_shape_of_the_day():
    data = examples.partner_day()
    cases = [f"case{k}" for k in range(1, 7)]
    rounds = {r["id"]: r for r in data["rounds"]}
    assert list(rounds) == ["breakfast", *cases, "synthesis"]
    assert rounds["breakfast"] == {"id": "breakfast", "groups": 12, "min_size": 5, "max_size": 8}
    assert (rounds["case1"]["groups"], rounds["case1"]["min_size"]) == (6, 10)
    assert rounds["case1"]["max_size"] == 15
    assert all(rounds[c]["same_groups_as"] == "case1" for c in cases[1:])
    actors = [v["id"] for v in data["visitors"]]
    assert actors == [f"actor{k}" for k in range(1, 7)]
    assert all(rounds[c]["visitors"] == actors for c in cases)
    assert all(v["name"].startswith("Acteur·rice — Cas ") for v in data["visitors"])
    synthesis = rounds["synthesis"]
    assert (synthesis["groups"], synthesis["min_size"], synthesis["max_size"]) == (3, 20, 30)
    assert synthesis["merge_of"] == "case6"
    assert synthesis["max_per_organisation"] is None
    assert parse_instance(data).rounds[-1].overrides_organisation_cap
    duties = {d["name"]: d for d in data["duties"]}
    assert duties["scribe"]["rounds"] == duties["timekeeper"]["rounds"] == cases
    assert duties["reporter"]["rounds"] == ["synthesis"]
    assert data["constraints"]["max_per_organisation"] == 1
    assert "objective" not in data


def test_partner_day_user_worker_ratio_is_reachable():
    data = examples.partner_day()
    roles = Counter(p["role"] for p in data["participants"])
    (ratio,) = data["constraints"]["role_ratio"]
    assert ratio == {"role": "user", "per": "worker", "min": 0.5, "max": 1.5}
    assert ratio["min"] <= roles["user"] / roles["worker"] <= ratio["max"]


def test_partner_day_defaults_spelled_out_give_the_same_day():
    spelled = examples.partner_day(
        0,
        20,
        breakfast_tables=12,
        breakfast_sizes=(5, 8),
        groups=6,
        group_sizes=(10, 15),
        rotations=6,
        actors=6,
        visitor_meetings=None,
        merged=3,
        merged_sizes=(20, 30),
        objective=None,
    )
    assert spelled == examples.partner_day()


def test_partner_day_accepts_lists_as_json_gives_them():
    assert examples.partner_day(3, breakfast_sizes=[5, 8]) == examples.partner_day(3)


PROFESSION_TERMS = [
    {"term": "same_organisation", "weight": 1000},
    {"term": "repeat_pairs", "weight": 100},
    {"term": "imbalance", "attribute": "role", "weight": 10},
    {"term": "imbalance", "attribute": "profession", "weight": 1},
    {"term": "duty_repeats", "weight": 1},
]


def test_partner_day_objective_by_name_or_terms():
    assert examples.partner_day(objective="profession")["objective"] == PROFESSION_TERMS
    terms = [{"term": "repeat_pairs", "weight": 1}]
    assert examples.partner_day(objective=terms)["objective"] == terms
    named = examples.partner_day(objective="profession")
    named["objective"][0]["weight"] = 1  # a copy: the module's recipe stays as it is
    assert examples.PROFESSION_OBJECTIVE[0]["weight"] == 1000
    without = examples.partner_day(objective="profession")
    del without["objective"]
    assert without == examples.partner_day()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_partner_80_is_the_shipped_shape_with_the_profession_objective(seed):
    data = examples.partner_80(seed)
    assert data["objective"] == PROFESSION_TERMS
    del data["objective"]
    assert data == examples.partner_day(seed)


def _rounds(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in data["rounds"]}


def _check_partner_shape(
    data: dict[str, Any],
    *,
    structures: int,
    breakfast: tuple[int, int, int],
    groups: tuple[int, int, int],
    rotations: int,
    actors: int,
    merged: int,
) -> None:
    people = data["participants"]
    assert len(people) == 4 * structures
    assert Counter(p["role"] for p in people) == {"worker": 2 * structures, "user": 2 * structures}
    per_structure = Counter(p["organisation"] for p in people)
    assert len(per_structure) == structures
    assert set(per_structure.values()) == {4}
    assert all("profession" in p["attributes"] for p in people if p["role"] == "worker")
    assert len({p["name"] for p in people}) == len(people)
    cases = [f"case{k}" for k in range(1, rotations + 1)]
    rounds = _rounds(data)
    assert list(rounds) == ["breakfast", *cases, "synthesis"]
    tables, low, high = breakfast
    assert rounds["breakfast"] == {
        "id": "breakfast",
        "groups": tables,
        "min_size": low,
        "max_size": high,
    }
    count, low, high = groups
    first = rounds["case1"]
    assert (first["groups"], first["min_size"], first["max_size"]) == (count, low, high)
    kept = [{"id": c, "same_groups_as": "case1", "visitors": first["visitors"]} for c in cases[1:]]
    assert [rounds[c] for c in cases[1:]] == kept
    actor_ids = [f"actor{k}" for k in range(1, actors + 1)]
    assert [v["id"] for v in data["visitors"]] == actor_ids
    assert len({v["name"] for v in data["visitors"]}) == actors
    assert all(rounds[c]["visitors"] == actor_ids for c in cases)
    assert rounds["synthesis"] == {  # no size bounds: balanced
        "id": "synthesis",
        "groups": merged,
        "merge_of": cases[-1],
        "max_per_organisation": None,
    }
    assert data["duties"] == [
        {"name": "scribe", "per_group": 1, "rounds": cases},
        {"name": "timekeeper", "per_group": 1, "rounds": cases},
        {"name": "reporter", "per_group": 1, "rounds": ["synthesis"]},
    ]
    assert data["constraints"]["max_per_organisation"] == 1
    assert data["constraints"]["role_ratio"] == [
        {"role": "user", "per": "worker", "min": 0.5, "max": 1.5}
    ]
    assert data["objective"] == PROFESSION_TERMS
    instance = parse_instance(data)
    assert instance.rounds[-1].overrides_organisation_cap
    assert counting_conflicts(compile_problem(instance)) == []


def test_partner_144_recipe():
    data = examples.partner_144()
    _check_partner_shape(
        data,
        structures=36,
        breakfast=(20, 6, 8),
        groups=(10, 12, 16),
        rotations=10,
        actors=10,
        merged=5,
    )
    assert "visitor_meetings" not in data["constraints"]  # exactly once
    assert data == examples.partner_144(1)


def test_partner_300_recipe():
    data = examples.partner_300()
    _check_partner_shape(
        data,
        structures=75,
        breakfast=(40, 6, 8),
        groups=(20, 13, 17),
        rotations=6,
        actors=20,
        merged=10,
    )
    assert data["constraints"]["visitor_meetings"] == "at_most_once"
    assert parse_instance(data).constraints.visitor_meetings == "at_most_once"
    assert data == examples.partner_300(1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_partner_80_passes_the_counting_checks(seed):
    instance = parse_instance(examples.partner_80(seed))
    assert counting_conflicts(compile_problem(instance)) == []


def test_generated_structure_and_case_names_are_distinct():
    data = examples.partner_day(
        structures=150,
        breakfast_tables=80,
        groups=40,
        rotations=40,
        group_sizes=(13, 17),
        merged=20,
        merged_sizes=None,
    )
    structures = {p["organisation"] for p in data["participants"]}
    assert len(structures) == 150
    known = {name for name, _ in examples.PARTNER_STRUCTURES}
    assert known <= structures  # the zone's own structures first, then its neighbours'
    assert len(data["visitors"]) == 40
    assert len({v["name"] for v in data["visitors"]}) == 40
    assert len({v["name"].split(" : ")[1] for v in data["visitors"]}) == 40
    sectors = {p["attributes"]["sector"] for p in data["participants"]}
    assert sectors <= set(examples.SECTOR_PROFESSIONS)
    parse_instance(data)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"actors": 7}, "7 actors cannot circulate among 6 groups"),
        ({"rotations": 5}, "6 groups need 6 rotations"),
        ({"rotations": 7, "actors": 6, "visitor_meetings": "at_most_once"}, "7 rotations need"),
        ({"visitor_meetings": "twice"}, "visitor_meetings must be"),
        ({"merged": 7}, "not 7"),
        ({"group_sizes": (15, 10)}, "group_sizes must be (min, max)"),
        ({"objective": "speed"}, "unknown objective 'speed'"),
        ({"structures": 0}, "at least one structure"),
        ({"structures": 1000}, "1000 structures exceed"),
        ({"merged_sizes": (10, 12)}, "round `synthesis`: 80 people do not fit"),
    ],
)
def test_partner_day_refuses_impossible_days_clearly(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        examples.partner_day(**kwargs)


@pytest.mark.parametrize("seed", SEEDS)
def test_world_cafe_rotations(seed):
    data = examples.world_cafe(seed)
    assert len(data["participants"]) == 48
    assert data["rounds"] == [{"id": f"rotation{k}", "groups": 8} for k in (1, 2, 3)]
    assert [d["name"] for d in data["duties"]] == ["scribe", "timekeeper"]
    assert all("rounds" not in d for d in data["duties"])
    assert data["constraints"] == {"max_per_organisation": 2}
    assert "objective" not in data
    sizes = Counter(p["organisation"] for p in data["participants"])
    assert len(sizes) == 10
    assert max(sizes.values()) > min(sizes.values())
    assert all("profession" in p["attributes"] for p in data["participants"])


def test_world_cafe_follows_its_arguments():
    data = examples.world_cafe(people=30, tables=5, rotations=4)
    assert len(data["participants"]) == 30
    assert [(r["id"], r["groups"]) for r in data["rounds"]] == [
        (f"rotation{k}", 5) for k in (1, 2, 3, 4)
    ]


@pytest.mark.parametrize("seed", SEEDS)
def test_thematic_workshop_groups_of_eight(seed):
    data = examples.thematic_workshop(seed)
    people = data["participants"]
    assert len(people) == 40
    (workshop,) = data["rounds"]
    assert workshop == {"id": "workshop", "groups": 5, "min_size": 7, "max_size": 9}
    assert data["duties"] == [{"name": "reporter", "per_group": 1}]
    assert data["constraints"] == {"max_per_organisation": 2, "balance": ["role"]}
    assert set(Counter(p["role"] for p in people)) == {"worker", "volunteer"}
    organisations = {p["organisation"] for p in people}
    assert len(organisations) >= 3
    assert all(org.startswith("Maison médicale ") for org in organisations)
    assert all("profession" in p["attributes"] for p in people)


def test_social_golfer_5_3_7():
    data = examples.social_golfer(5, 3, 7)
    assert [p["id"] for p in data["participants"]] == [f"p{k:02d}" for k in range(1, 16)]
    assert all("organisation" not in p for p in data["participants"])
    assert data["rounds"] == [
        {"id": f"round{k}", "groups": 5, "min_size": 3, "max_size": 3} for k in range(1, 8)
    ]
    assert data["objective"] == [{"term": "repeat_pairs", "weight": 1}]


@pytest.mark.parametrize(
    "make",
    [
        lambda: examples.partner_day(structures=10),
        lambda: examples.partner_day(structures=30),
        lambda: examples.world_cafe(people=10, tables=8),
        lambda: examples.thematic_workshop(people=47),
        lambda: examples.thematic_workshop(people=5),
    ],
)
def test_arguments_no_plan_could_satisfy_are_refused(make):
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize("filename", sorted(examples.shipped()))
def test_shipped_files_equal_the_generators(filename):
    text = (INSTANCES / filename).read_text(encoding="utf-8")
    assert json.loads(text) == examples.shipped()[filename], "run `python instances/generate.py`"


def test_the_shipped_examples_are_exported_as_the_files_of_instances():
    import allocator

    shipped = allocator.shipped_examples()
    assert sorted(shipped) == sorted(p.name for p in INSTANCES.glob("*.json"))
    for name, data in shipped.items():
        assert data == json.loads((INSTANCES / name).read_text(encoding="utf-8"))
