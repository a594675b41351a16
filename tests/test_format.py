"""The format document shipped in the package (allocator/FORMAT.md) against the contract
(shared/spec/FORMAT.md, beside the repository) and against the code, field by field, so
that neither drifts: the v1 part must say what the contract says of every field, and every
field it documents must be one the models read or the engine writes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from allocator import load_instance, solve
from allocator.io.csv_plans import seating_plans
from allocator.model import instance as models

SHIPPED = Path(__file__).resolve().parents[1] / "allocator" / "FORMAT.md"
CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "spec" / "FORMAT.md"
EXTENSIONS = "## What this engine adds to v1"
CELL = re.compile(r"(?<!\\)\|")
"""A table cell's border (`\\|` is a bar inside a cell)."""
INLINE_OBJECT = re.compile(r"\{((?:\"\w+\"\??(?::[^,}]*)?(?:, )?)+(?:, \.\.\.)?)\}")
MODELS: dict[str, type[BaseModel]] = {
    "Instance": models.Instance,
    "Participant": models.Participant,
    "Round": models.Round,
    "Visitor": models.Visitor,
    "Duty": models.Duty,
    "Constraints": models.Constraints,
    "Term": models.Term,
    "Round.groups": models.GroupSpec,
    "Constraints.role_ratio": models.RoleRatio,
    "Constraints.fixed": models.Pin,
}
"""Each object of the format, by the name it has in the document, and its model."""


def v1_part(text: str) -> str:
    return text.split(EXTENSIONS)[0]


def table_rows(text: str) -> dict[str, str]:
    """`Owner.key` → the rest of its row, for every table row naming a key; the owner is
    the heading or bold title above the table (`Instance`, `Participant`, `Term`...)."""
    rows: dict[str, str] = {}
    owner = ""
    for line in text.splitlines():
        if heading := re.match(r"#+ (\w+)|\*\*(\w+)\*\*", line):
            owner = heading[1] or heading[2]
        cells = [cell.strip() for cell in CELL.split(line.strip())[1:-1]]
        if not cells or not cells[0].startswith("`"):
            continue  # not a table, a header or a rule
        for key in re.findall(r"`([^`]+)`", cells[0]):
            rows[f"{owner}.{key}"] = " | ".join(cells[1:])
    return rows


def inline_objects(text: str) -> dict[str, set[str]]:
    """Objects written `{"key", "key"?: default, ...}`, by the row or title that gives them
    (`Round.groups`, `Visitor`)."""
    found: dict[str, set[str]] = {}
    for owner, row in table_rows(text).items():
        if defined := INLINE_OBJECT.search(row):  # the first: later ones are examples
            found[owner] = _keys(defined[1])
    for title, inner in re.findall(r"\*\*(\w+)\*\*:? `" + INLINE_OBJECT.pattern, text):
        found[title] = _keys(inner)
    return found


def _keys(inner: str) -> set[str]:
    """The quoted keys of an object, not its quoted values."""
    return set(re.findall(r'(?<!: )"(\w+)"', inner))


def plan_example(text: str) -> dict[str, Any]:
    return json.loads(re.search(r"```json\n(.*?)```", text, re.S)[1].replace("|", ","))


def csv_columns(text: str) -> dict[str, list[str]]:
    """The columns each CSV file has, as the document lists them."""
    return {
        name: columns.split(",")
        for name, columns in re.findall(r"`(\w+\.csv)`[^`]*`([^`]*,[^`]*)`", text)
    }


def documented_keys(text: str) -> dict[str, set[str]]:
    """The keys the document gives each object of the instance."""
    keys: dict[str, set[str]] = {}
    for field in table_rows(text):
        owner, key = field.split(".", 1)
        if owner in MODELS and owner != "Term":
            keys.setdefault(owner, set()).add(key)
    for owner, inner in inline_objects(text).items():
        keys.setdefault(owner, set()).update(inner)
    terms = [row for field, row in table_rows(text).items() if field.startswith("Term.")]
    keys["Term"] |= {k for row in terms for k in re.findall(r"`(\w+)`", row.split(" | ")[0])}
    return keys


@pytest.fixture(scope="module")
def shipped() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def test_the_shipped_document_says_what_the_contract_says(shipped):
    if not CONTRACT.exists():
        pytest.skip(
            f"{CONTRACT} is absent (a clone without shared/): the shipped copy was checked"
            " against the models and the engine's output only"
        )
    contract = CONTRACT.read_text(encoding="utf-8")
    ours, theirs = table_rows(v1_part(shipped)), table_rows(contract)
    assert ours.keys() == theirs.keys(), "fields only in one document"
    disagree = {
        field: (ours[field], theirs[field]) for field in ours if ours[field] != theirs[field]
    }
    assert not disagree, disagree
    assert inline_objects(v1_part(shipped)) == inline_objects(contract)
    assert plan_example(v1_part(shipped)) == plan_example(contract)
    assert csv_columns(v1_part(shipped)) == csv_columns(contract)


def test_every_documented_field_is_a_field_of_its_model(shipped):
    documented = documented_keys(v1_part(shipped))
    assert documented.keys() == MODELS.keys()
    for owner, model in MODELS.items():
        assert documented[owner] == set(model.model_fields), owner
    terms = {field.split(".", 1)[1] for field in table_rows(shipped) if field.startswith("Term.")}
    assert terms == set(get_args(models.TermName))


@pytest.fixture(scope="module")
def solved() -> tuple[models.Instance, dict[str, Any]]:
    day = load_instance(SHIPPED.parents[1] / "instances" / "partner_day.json")  # visitors too
    return day, solve(day, "random").plan


def test_the_plan_has_every_documented_key_and_no_other(shipped, solved):
    day, plan = solved
    repaired = solve(day, "random", earlier_plan=plan).plan
    example = plan_example(v1_part(shipped))
    extensions = {key.split(".", 1)[1] for key in table_rows(shipped.split(EXTENSIONS)[1])}
    assert set(repaired) == set(example) | extensions
    assert set(plan) == set(repaired) - {"repair"}
    assert set(plan["rounds"][0]) == set(example["rounds"][0])
    assert set(plan["rounds"][0]["groups"][0]) == set(example["rounds"][0]["groups"][0])


def test_the_csv_files_have_the_documented_columns(shipped, solved):
    day, plan = solved
    headers = {
        name: text.splitlines()[0].split(",") for name, text in seating_plans(day, plan).items()
    }
    documented = csv_columns(v1_part(shipped))
    rounds = [r.id for r in day.rounds]
    assert documented["itinerary.csv"][-1] == "<one column per round id>"
    assert headers["itinerary.csv"] == documented["itinerary.csv"][:-1] + rounds
    assert headers["groups.csv"] == documented["groups.csv"]
    assert headers["visitors.csv"] == documented["visitors.csv"]
