"""The example generators give valid, satisfiable instances of the stated shape, and the
files shipped in `instances/` are exactly what they produce."""

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from allocator import examples
from allocator.model.instance import Instance
from allocator.model.layout import round_shapes
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
