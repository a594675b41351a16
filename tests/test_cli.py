"""The `allocate` command line: exit codes, located input errors, infeasibility reports,
the files written (CSV headers, round-trips, formula neutralisation) and `verify`."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from allocator import examples
from allocator.cli import _Ticker, main
from allocator.strategies.base import Progress

Json = dict[str, Any]
FORMULA_STARTS = ("=", "+", "-", "@")
ITINERARY_FIXED = ["participant_id", "name", "organisation", "role"]
GROUPS_HEADER = [
    "round",
    "group",
    "visitor",
    "participant_id",
    "name",
    "organisation",
    "role",
    "duty",
]


# -- helpers ---------------------------------------------------------------------------------


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def solve_cli(
    tmp_path: Path, data: Json, *extra: str, time_limit: str = "5"
) -> tuple[Result, Path]:
    """Write `data`, run `allocate INSTANCE --out DIR`; return the result and DIR."""
    instance = write_json(tmp_path / "instance.json", data)
    out = tmp_path / "out"
    result = run(str(instance), "--out", str(out), "--time-limit", time_limit, *extra)
    return result, out


def assert_nothing_written(out: Path) -> None:
    assert not out.exists() or not any(out.iterdir()), sorted(out.iterdir())


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes().decode("utf-8")
    return list(csv.reader(io.StringIO(raw, newline="")))


def shown(cell: str, original: object) -> None:
    """The cell shows `original` (None as empty); a formula-like text is neutralised but kept."""
    text = "" if original is None else str(original)
    assert not cell.startswith(FORMULA_STARTS), cell
    if text.startswith(FORMULA_STARTS):
        assert text in cell, (cell, text)
    else:
        assert cell == text, (cell, text)


def base_instance() -> Json:
    """A small valid instance touching every cross-referenced field."""
    people = [
        {
            "id": f"p{i}",
            "name": f"Person {i}",
            "organisation": "A" if i < 4 else "B",
            "role": "worker" if i % 2 else "user",
            "attributes": {"level": i % 3},
        }
        for i in range(8)
    ]
    return {
        "name": "base",
        "participants": people,
        "rounds": [
            {"id": "r1", "groups": 2, "visitors": ["v1"]},
            {"id": "r2", "groups": [{"id": "a"}, {"id": "b"}]},
        ],
        "visitors": [{"id": "v1"}],
        "constraints": {
            "apart": [["p0", "p1"]],
            "together": [["p2", "p3"]],
            "fixed": [{"participant": "p0", "round": "r1", "group": "r1-1"}],
            "role_ratio": [{"role": "user", "per": "worker", "max": 2}],
            "balance": ["role"],
            "visitor_meetings": "at_most_once",
        },
        "objective": [
            {"term": "imbalance", "attribute": "role", "weight": 1},
            {"term": "pairs", "weight": 1, "matrix": [[0] * 8 for _ in range(8)]},
        ],
    }


def people(n: int, **fields: Any) -> list[Json]:
    return [{"id": f"x{k:02d}", **fields} for k in range(n)]


# -- bad input: exit 2, located, nothing written ---------------------------------------------


def _set(*path: Any, value: Any) -> Callable[[Json], None]:
    def mutate(data: Json) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _misspell(data: Json) -> None:
    data["participants"][3]["organsation"] = data["participants"][3].pop("organisation")


def _drop_rounds(data: Json) -> None:
    del data["rounds"]


def _drop_imbalance_attribute(data: Json) -> None:
    del data["objective"][0]["attribute"]


BAD_INPUTS: list[Any] = [
    pytest.param(_misspell, "participants[3].organsation", id="misspelt-key"),
    pytest.param(_set("colour", value="blue"), "colour", id="unknown-top-level-key"),
    pytest.param(_set("participants", 1, "id", value=7), "participants[1].id", id="id-as-number"),
    pytest.param(_drop_rounds, "rounds", id="missing-rounds"),
    pytest.param(
        _set("participants", 2, "rounds", value=["r1", "r9"]),
        "participants[2].rounds[1]",
        id="unknown-round-of-participant",
    ),
    pytest.param(
        _set("rounds", 0, value={"id": "r1", "same_groups_as": "r2"}),
        "rounds[0].same_groups_as",
        id="same-groups-as-later-round",
    ),
    pytest.param(
        _set("rounds", 1, value={"id": "r2", "same_groups_as": "r2"}),
        "rounds[1].same_groups_as",
        id="same-groups-as-itself",
    ),
    pytest.param(
        _set("rounds", 1, "merge_of", value="r0"), "rounds[1].merge_of", id="merge-of-unknown"
    ),
    pytest.param(
        _set("rounds", 0, "visitors", value=["v2"]), "rounds[0].visitors[0]", id="unknown-visitor"
    ),
    pytest.param(
        _set("constraints", "apart", value=[["p0", "p99"]]),
        "constraints.apart[0][1]",
        id="unknown-in-apart",
    ),
    pytest.param(
        _set("constraints", "together", value=[["p2", "p3"], ["px", "p3"]]),
        "constraints.together[1][0]",
        id="unknown-in-together",
    ),
    pytest.param(
        _set("constraints", "fixed", 0, "participant", value="nobody"),
        "constraints.fixed[0].participant",
        id="unknown-in-fixed",
    ),
    pytest.param(
        _set("constraints", "fixed", 0, "group", value="a"),
        "constraints.fixed[0].group",
        id="fixed-group-not-in-round",
    ),
    pytest.param(_set("participants", 5, "id", value="p2"), "participants[5]", id="duplicate-id"),
    pytest.param(
        _set("rounds", 1, "groups", value=[{"id": "a", "max_size": 3}, {"id": "b", "max_size": 4}]),
        "rounds[1]",
        id="groups-too-small",
    ),
    pytest.param(
        _set("rounds", 1, "groups", value=[{"id": "a"}, {"id": "b", "min_size": 5, "max_size": 3}]),
        "rounds[1].groups[1]",
        id="min-above-max",
    ),
    pytest.param(_drop_imbalance_attribute, "objective[0]", id="imbalance-without-attribute"),
    pytest.param(
        _set("constraints", "balance", value=["role", "colour"]),
        "constraints.balance[1]",
        id="unknown-balance-attribute",
    ),
    pytest.param(
        _set("constraints", "role_ratio", 0, "role", value="users"),
        "constraints.role_ratio[0].role",
        id="unknown-ratio-role",
    ),
    pytest.param(
        _set("objective", 1, "matrix", value=[[0] * 8 for _ in range(7)]),
        "objective[1].matrix",
        id="matrix-wrong-shape",
    ),
]


def test_the_base_instance_is_valid(tmp_path):
    data = base_instance()
    data["objective"] = []
    result, out = solve_cli(tmp_path, data, "--quiet")
    assert result.exit_code == 0, result.output
    assert (out / "plan.json").exists()


@pytest.mark.parametrize(("mutate", "path"), BAD_INPUTS)
def test_bad_input_exits_2_names_the_field_and_writes_nothing(tmp_path, mutate, path):
    data = copy.deepcopy(base_instance())
    mutate(data)
    result, out = solve_cli(tmp_path, data)
    assert result.exit_code == 2, (result.output, result.exception)
    assert path in result.output
    assert "nothing was written" in result.output
    assert_nothing_written(out)


def test_misspelt_key_is_named_and_the_right_one_suggested(tmp_path):
    data = base_instance()
    _misspell(data)
    result, _ = solve_cli(tmp_path, data)
    assert result.exit_code == 2
    assert "`organsation`" in result.output
    assert "did you mean `organisation`?" in result.output


def test_every_problem_is_reported_at_once(tmp_path):
    data = base_instance()
    _misspell(data)
    data["participants"][1]["id"] = 7
    data["colour"] = "blue"
    result, out = solve_cli(tmp_path, data)
    assert result.exit_code == 2
    for path in ("participants[3].organsation", "participants[1].id", "colour"):
        assert path in result.output
    assert_nothing_written(out)


def test_union_fields_are_located_without_pydantic_tags(tmp_path):
    data = base_instance()
    data["rounds"][0]["groups"] = "three"
    result, _ = solve_cli(tmp_path, data)
    assert result.exit_code == 2
    assert "rounds[0].groups" in result.output
    assert "constrained-int" not in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"name": "t", "participants": [}', "line 1"),
        ('{"name": "t",\n "rounds": [1,]\n}', "line 2"),
    ],
)
def test_invalid_json_text_exits_2_with_its_position(tmp_path, text, expected):
    instance = tmp_path / "broken.json"
    instance.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run(str(instance), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "not valid JSON" in result.output
    assert expected in result.output and "column" in result.output
    assert_nothing_written(out)


def test_missing_file_exits_2(tmp_path):
    out = tmp_path / "out"
    result = run(str(tmp_path / "nowhere.json"), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "file not found" in result.output
    assert "nowhere.json" in result.output
    assert_nothing_written(out)


def test_verify_with_bad_input_exits_2(tmp_path):
    data = base_instance()
    _misspell(data)
    instance = write_json(tmp_path / "instance.json", data)
    plan = write_json(tmp_path / "plan.json", {"rounds": []})
    result = run("verify", str(instance), str(plan))
    assert result.exit_code == 2
    assert "participants[3].organsation" in result.output


# -- infeasible: exit 3 ----------------------------------------------------------------------


def _ratio_instance() -> Json:
    workers = [{"id": f"w{k:02d}", "role": "worker"} for k in range(10)]
    users = [{"id": f"u{k:02d}", "role": "user"} for k in range(30)]
    return {
        "name": "too many users",
        "participants": workers + users,
        "rounds": [{"id": "r1", "groups": 5}],
        "constraints": {"role_ratio": [{"role": "user", "per": "worker", "max": 1}]},
    }


def _organisation_instance() -> Json:
    return {
        "name": "big organisation",
        "participants": people(5, organisation="X") + [{"id": f"y{k}"} for k in range(5)],
        "rounds": [{"id": "r1", "groups": 2}],
        "constraints": {"max_per_organisation": 2},
    }


def _visitor_instance() -> Json:
    return {
        "name": "three actors, two rounds",
        "participants": people(9),
        "rounds": [
            {"id": "r1", "groups": 3, "visitors": ["v1", "v2", "v3"]},
            {"id": "r2", "groups": 3, "visitors": ["v1", "v2", "v3"]},
        ],
        "visitors": [{"id": "v1"}, {"id": "v2"}, {"id": "v3"}],
    }


@pytest.mark.parametrize(
    ("make", "words"),
    [
        pytest.param(_ratio_instance, ["role_ratio", "30", "10"], id="role-ratio"),
        pytest.param(_organisation_instance, ["organisation_cap", "5", "2"], id="organisation"),
        pytest.param(_visitor_instance, ["visitors", "3", "2"], id="visitors"),
    ],
)
def test_infeasible_by_counting_exits_3_with_the_counts(tmp_path, make, words):
    result, out = solve_cli(tmp_path, make())
    assert result.exit_code == 3, result.output
    assert "nothing was written" in result.output
    message = result.output.split("\n", 1)[1]  # the conflicts, below the title line
    for word in words:
        assert word in message
    assert_nothing_written(out)


def test_infeasible_by_counting_names_the_exact_numbers(tmp_path):
    result, _ = solve_cli(tmp_path, _ratio_instance())
    assert "30 users but 10 workers" in result.output
    result, _ = solve_cli(tmp_path, _organisation_instance())
    assert "5 members" in result.output and "2 groups" in result.output


def test_infeasible_found_by_the_solver_names_the_rule_family(tmp_path):
    """Three people to keep apart with two groups: no counting check covers apart lists,
    so the CP-SAT core explains it."""
    data = {
        "name": "apart",
        "participants": people(6),
        "rounds": [{"id": "r1", "groups": 2}, {"id": "r2", "groups": 2}],
        "constraints": {"apart": [["x00", "x01", "x02"]]},
    }
    result, out = solve_cli(tmp_path, data, time_limit="2")
    assert result.exit_code == 3, result.output
    assert "apart" in result.output
    assert "[solver]" in result.output
    assert_nothing_written(out)


def test_infeasible_chain_of_together_lists_is_explained(tmp_path):
    """x00 with x01 and x01 with x02, but x00 apart from x02: no single list clashes with
    another (the counting check looks at overlaps of two or more), so the core must name
    both families."""
    data = {
        "name": "together-apart",
        "participants": people(6),
        "rounds": [{"id": "r1", "groups": 3}],
        "constraints": {
            "together": [["x00", "x01"], ["x01", "x02"]],
            "apart": [["x00", "x02"]],
        },
    }
    result, out = solve_cli(tmp_path, data, time_limit="2")
    assert result.exit_code == 3, result.output
    assert "together" in result.output and "apart" in result.output
    assert_nothing_written(out)


# -- the happy path --------------------------------------------------------------------------

TRICKY_NAMES = ['=HYPERLINK("x")', "@SUM(A1)", "+1", "-2"]


@pytest.fixture(scope="module")
def cafe(tmp_path_factory) -> tuple[Json, Path, Result]:
    """The world café of 24 people at 4 tables, with formula-like names, solved once."""
    data = examples.world_cafe(seed=1, people=24, tables=4)
    for person, name in zip(data["participants"], TRICKY_NAMES, strict=False):
        person["name"] = name
    data["participants"][4]["organisation"] = "=Org()"
    directory = tmp_path_factory.mktemp("cafe")
    result, out = solve_cli(directory, data, time_limit="5")
    assert result.exit_code == 0, result.output
    return data, out, result


def _plan_seats(plan: Json) -> dict[tuple[str, str], Json]:
    """(participant, round) -> the plan's group holding them."""
    return {
        (pid, rnd["id"]): group
        for rnd in plan["rounds"]
        for group in rnd["groups"]
        for pid in group["members"]
    }


def test_happy_path_writes_the_plan_and_both_seating_plans(cafe):
    _, out, result = cafe
    assert sorted(p.name for p in out.iterdir()) == [
        ".allocate-manifest.json",
        "groups.csv",
        "itinerary.csv",
        "plan.html",
        "plan.json",
        "plan.xlsx",
    ]
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["status"] in ("optimal", "feasible")
    assert "wrote" in result.output  # the summary, not quiet


def test_itinerary_has_one_row_per_participant_and_round_trips(cafe):
    data, out, _ = cafe
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    seats = _plan_seats(plan)
    rows = read_csv(out / "itinerary.csv")
    rounds = [r["id"] for r in data["rounds"]]
    assert rows[0] == [*ITINERARY_FIXED, *rounds]
    assert len(rows) == 1 + len(data["participants"])
    for row, person in zip(rows[1:], data["participants"], strict=True):
        assert len(row) == len(rows[0])
        shown(row[0], person["id"])
        shown(row[1], person.get("name", person["id"]))
        shown(row[2], person.get("organisation"))
        shown(row[3], person.get("role"))
        for cell, rid in zip(row[4:], rounds, strict=True):
            shown(cell, seats[person["id"], rid]["id"])


def test_groups_csv_has_one_row_per_seat_and_round_trips(cafe):
    data, out, _ = cafe
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    seats = _plan_seats(plan)
    person = {p["id"]: p for p in data["participants"]}
    rows = read_csv(out / "groups.csv")
    assert rows[0] == GROUPS_HEADER
    assert len(rows) - 1 == len(seats) == len(data["participants"]) * len(data["rounds"])
    seen = set()
    for row in rows[1:]:
        rid, gid, visitor, pid, name, organisation, role, duty = row
        group = seats[pid, rid]
        seen.add((pid, rid))
        shown(gid, group["id"])
        shown(visitor, group["visitor"])
        shown(name, person[pid].get("name", pid))
        shown(organisation, person[pid].get("organisation"))
        shown(role, person[pid].get("role"))
        held = [d for d, holders in group["duties"].items() if pid in holders]
        shown(duty, held[0] if held else None)
    assert seen == set(seats)


def test_formula_like_cells_are_neutralised_but_readable(cafe):
    _, out, _ = cafe
    for name in ("itinerary.csv", "groups.csv"):
        cells = [cell for row in read_csv(out / name) for cell in row]
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
        for text in [*TRICKY_NAMES, "=Org()"]:
            assert any(text in cell for cell in cells), (name, text)


def test_csv_files_are_utf8_with_a_header(cafe):
    _, out, _ = cafe
    text = (out / "itinerary.csv").read_bytes().decode("utf-8")
    assert text.startswith("participant_id,name,organisation,role,rotation1")


def test_verify_accepts_the_written_plan(cafe):
    data, out, _ = cafe
    instance = write_json(out.parent / "instance-verify.json", data)
    result = run("verify", str(instance), str(out / "plan.json"))
    assert result.exit_code == 0, result.output
    assert "VALID" in result.output


def _tampered(out: Path, change: Callable[[Json], None], name: str) -> Path:
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    change(plan)
    return write_json(out.parent / name, plan)


def _move_one(plan: Json) -> None:
    groups = plan["rounds"][0]["groups"]
    groups[1]["members"].append(groups[0]["members"].pop())


def _bump_metric(plan: Json) -> None:
    key = next(iter(plan["metrics"]))
    plan["metrics"][key] += 1


def _unseat(plan: Json) -> None:
    plan["rounds"][1]["groups"][2]["members"].pop()


@pytest.mark.parametrize(
    ("change", "rule"),
    [(_move_one, "[sizes]"), (_bump_metric, "[metrics]"), (_unseat, "[structure]")],
)
def test_verify_rejects_a_tampered_plan(cafe, change, rule):
    data, out, _ = cafe
    instance = write_json(out.parent / "instance-verify.json", data)
    plan = _tampered(out, change, f"tampered-{change.__name__}.json")
    result = run("verify", str(instance), str(plan))
    assert result.exit_code == 1, result.output
    assert "INVALID" in result.output
    assert rule in result.output


def test_verify_names_a_broken_organisation_cap(tmp_path):
    data = {
        "name": "cap",
        "participants": [*people(2, organisation="X"), {"id": "y0"}, {"id": "y1"}],
        "rounds": [{"id": "r1", "groups": 2}],
        "constraints": {"max_per_organisation": 1},
        "objective": [],
    }
    result, out = solve_cli(tmp_path, data, "--quiet")
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    plan["rounds"][0]["groups"] = [
        {"id": "r1-1", "members": ["x00", "x01"], "visitor": None, "duties": {}},
        {"id": "r1-2", "members": ["y0", "y1"], "visitor": None, "duties": {}},
    ]
    plan_path = write_json(tmp_path / "bad-plan.json", plan)
    result = run("verify", str(tmp_path / "instance.json"), str(plan_path))
    assert result.exit_code == 1
    assert "[organisation_cap]" in result.output


def test_verify_of_an_unreadable_plan_exits_2(tmp_path):
    instance = write_json(tmp_path / "instance.json", {**base_instance(), "objective": []})
    plan = tmp_path / "plan.json"
    plan.write_text("{not json", encoding="utf-8")
    result = run("verify", str(instance), str(plan))
    assert result.exit_code == 2


def _visitor_day() -> Json:
    return {
        "name": "visitors",
        "participants": people(8, name="=cmd|' /C calc'!A0"),
        "rounds": [
            {"id": "r1", "groups": 2, "visitors": ["v1", "v2"]},
            {"id": "r2", "groups": 2, "visitors": ["v1", "v2"]},
        ],
        "visitors": [{"id": "v1", "name": "Actor one"}, {"id": "v2"}],
        "duties": [{"name": "scribe"}],
        "objective": [],
    }


def test_visitors_csv_lists_each_visitors_route(tmp_path):
    data = _visitor_day()
    result, out = solve_cli(tmp_path, data, "--quiet")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".allocate-manifest.json",
        "groups.csv",
        "itinerary.csv",
        "plan.html",
        "plan.json",
        "plan.xlsx",
        "visitors.csv",
    ]
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    rows = read_csv(out / "visitors.csv")
    assert rows[0] == ["visitor", "round", "group"]
    expected = sorted(
        [group["visitor"], rnd["id"], group["id"]]
        for rnd in plan["rounds"]
        for group in rnd["groups"]
        if group["visitor"] is not None
    )
    assert sorted(rows[1:]) == expected
    assert len(rows) - 1 == 4  # two visitors, two rounds
    assert [row[0] for row in rows[1:]] == ["v1", "v1", "v2", "v2"]  # grouped by visitor
    groups_rows = read_csv(out / "groups.csv")
    assert {row[2] for row in groups_rows[1:]} == {"v1", "v2"}
    result = run("verify", str(tmp_path / "instance.json"), str(out / "plan.json"))
    assert result.exit_code == 0, result.output


def test_round_ids_in_the_itinerary_header_are_neutralised(tmp_path):
    data = {
        "name": "formula round",
        "participants": people(4),
        "rounds": [{"id": "=1+1", "groups": 2}],
        "objective": [],
    }
    result, out = solve_cli(tmp_path, data, "--quiet")
    assert result.exit_code == 0, result.output
    for name in ("itinerary.csv", "groups.csv"):
        cells = [cell for row in read_csv(out / name) for cell in row]
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], name


# -- schema, quiet, random -------------------------------------------------------------------


def test_schema_prints_valid_json():
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert "participants" in schema["properties"]
    assert "participants" in result.stdout


def test_quiet_prints_nothing_on_success(tmp_path):
    data = {**base_instance(), "objective": []}
    result, out = solve_cli(tmp_path, data, "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.output == ""
    assert (out / "plan.json").exists()


def test_not_quiet_prints_a_summary(tmp_path):
    data = {**base_instance(), "objective": []}
    result, _ = solve_cli(tmp_path, data)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stderr and "objective" in result.stderr


def test_random_strategy_breaking_the_cap_exits_4_and_writes_nothing(tmp_path):
    """Four organisations of six over three groups of eight with a cap of 2: feasible (two
    per organisation per group), but a random draw almost surely breaks it."""
    participants = [{"id": f"{org}{k}", "organisation": org} for org in "ABCD" for k in range(6)]
    data = {
        "name": "random breaks the cap",
        "participants": participants,
        "rounds": [{"id": f"r{k}", "groups": 3} for k in range(1, 4)],
        "constraints": {"max_per_organisation": 2},
    }
    result, out = solve_cli(tmp_path, data, "--strategy", "random", "--seed", "3")
    assert result.exit_code == 4, result.output
    assert "organisation_cap" in result.output
    assert "not written" in result.output
    assert_nothing_written(out)


def test_unknown_strategy_is_a_usage_error(tmp_path):
    result, out = solve_cli(tmp_path, base_instance(), "--strategy", "greedy")
    assert result.exit_code == 2
    assert_nothing_written(out)


def test_progress_line_says_how_many_list_breaks_are_left(capsys):
    _Ticker()(Progress(2.5, 1200.0, 1000.0, broken_lists=3))
    line = capsys.readouterr().err
    assert "objective 1,200" in line and "bound 1,000" in line
    assert "3 list breaks to repair" in line
    _Ticker()(Progress(3.0, 1100.0, None))
    assert "repair" not in capsys.readouterr().err


def test_serve_without_the_web_extra_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "allocator.web.server", None)  # as if starlette were absent
    result = run("serve", "--no-browser")
    assert result.exit_code == 2
    assert "pip install 'allocator[web]'" in result.output


def test_importing_the_library_loads_no_web_stack():
    import subprocess
    import sys

    probe = "import sys, allocator, allocator.web.child; print(sorted({'starlette', 'uvicorn', 'jinja2'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert loaded.stdout.strip() == "[]", loaded.stderr
