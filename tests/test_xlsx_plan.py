"""The plan workbook: an itinerary sheet and a sheet per round, labels in both languages,
names kept readable, and no cell that Excel would run as a formula."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
import pytest
from conftest import unchecked_instance

from allocator.io.csv_plans import safe_cell
from allocator.io.xlsx_plan import workbook_bytes
from allocator.model.instance import Instance

HOSTILE = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+33 470", "-1", "ctrl\x01char"]


def sample() -> tuple[Instance, dict[str, Any]]:
    """Five people with hostile names, a visitor and a duty, round ids Excel refuses as sheet
    names, and one person absent from the second round."""
    people = [
        {"id": f"p{k}", "name": name, "organisation": "=Org", "role": "worker"}
        for k, name in enumerate(HOSTILE)
    ]
    people[4]["rounds"] = ["a/b:c"]
    instance = unchecked_instance(  # names the input gate would refuse
        {
            "name": "t",
            "participants": people,
            "rounds": [
                {"id": "a/b:c", "groups": 2, "visitors": ["v"]},
                {"id": "A/B:C", "groups": 1},
            ],
            "visitors": [{"id": "v", "name": "@visitor"}],
            "duties": [{"name": "scribe", "rounds": ["a/b:c"]}],
        }
    )
    first = [("a/b:c-1", ["p0", "p1", "p4"], "v", "p1"), ("a/b:c-2", ["p2", "p3"], None, "p3")]
    plan = {
        "rounds": [
            {
                "id": "a/b:c",
                "groups": [
                    {
                        "id": gid,
                        "members": members,
                        "visitor": visitor,
                        "duties": {"scribe": [holder]},
                    }
                    for gid, members, visitor, holder in first
                ],
            },
            {
                "id": "A/B:C",
                "groups": [
                    {
                        "id": "A/B:C-1",
                        "members": ["p0", "p1", "p2", "p3"],
                        "visitor": None,
                        "duties": {},
                    }
                ],
            },
        ]
    }
    return instance, plan


def load(lang: str = "en") -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(*sample(), lang=lang)))


def values(sheet) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_an_itinerary_sheet_then_one_sheet_per_round_with_safe_names():
    book = load()
    assert book.sheetnames == ["Itinerary", "a_b_c", "A_B_C~2"]


def test_the_itinerary_sheet_gives_each_persons_groups():
    rows = values(load()["Itinerary"])
    assert rows[0] == ["Participant", "Organisation", "Role", "id", "a/b:c", "A/B:C"]
    assert rows[1] == ["'" + HOSTILE[0], "'=Org", "worker", "p0", "a/b:c-1", "A/B:C-1"]
    assert rows[5] == ["ctrlchar", "'=Org", "worker", "p4", "a/b:c-1", None]


def test_a_round_sheet_gives_group_member_duty_and_visitor():
    rows = values(load()["a_b_c"])
    assert rows[0] == ["Group", "Participant", "Organisation", "Role", "Duty", "Visitor", "id"]
    assert rows[2] == ["a/b:c-1", "'@SUM(A1)", "'=Org", "worker", "scribe", "'@visitor", "p1"]
    assert rows[4] == ["a/b:c-2", "'+33 470", "'=Org", "worker", None, None, "p2"]
    assert len(rows) == 6


def test_french_labels():
    book = load("fr")
    assert book.sheetnames[0] == "Parcours"
    header = values(book["a_b_c"])[0]
    assert header == [
        "Groupe",
        "Participant·e",
        "Structure",
        "Rôle",
        "Fonction",
        "Visiteur·euse",
        "id",
    ]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_cell_is_a_formula_and_hostile_names_stay_readable(lang):
    data = workbook_bytes(*sample(), lang=lang)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert not [text for text in texts if text.startswith(("=", "+", "-", "@", "\t", "\r"))]
    for name in HOSTILE[:4]:
        assert "'" + name in texts
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in archive.read(n) for n in sheets)


BEHIND_BLANKS = ["\x0b=cmd|' /C calc'!A0", '\x01=HYPERLINK("u")', " =1+1", "\u200b@SUM(A1)", "\t-2"]


@pytest.mark.parametrize("name", BEHIND_BLANKS)
def test_a_formula_behind_spaces_or_control_characters_is_text_too(name):
    assert safe_cell(name).startswith("'")
    instance, plan = sample()
    people = [p.model_copy(update={"name": name}) for p in instance.participants]
    data = workbook_bytes(instance.model_copy(update={"participants": people}), plan)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert not [
        c.value for c in cells if isinstance(c.value, str) and c.value.lstrip().startswith("=")
    ]


@pytest.mark.parametrize("text", ["Anne", "42", "a=b", "", "'quoted"])
def test_plain_text_is_left_as_written(text):
    assert safe_cell(text) == text


def test_a_day_of_many_rounds_gets_one_sheet_of_rounds():
    people = [{"id": "a"}, {"id": "b"}]
    rounds = [{"id": f"r{k}", "groups": 1} for k in range(150)]
    instance = Instance.model_validate({"name": "t", "participants": people, "rounds": rounds})
    plan = {
        "rounds": [
            {
                "id": f"r{k}",
                "groups": [{"id": f"r{k}-1", "members": ["a", "b"], "visitor": None, "duties": {}}],
            }
            for k in range(150)
        ]
    }
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(instance, plan)))
    assert book.sheetnames == ["Itinerary", "Round"]
    rows = values(book["Round"])
    assert rows[0][:3] == ["Round", "Group", "Participant"] and len(rows) == 301
    assert rows[-1][:2] == ["r149", "r149-1"]
