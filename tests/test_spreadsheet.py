"""Spreadsheets of participants in: headers in English or French, CSV dialects and encodings
that Excel and LibreOffice write, XLSX, errors pointing at the cell, and the whole path from a
French registration list to a verified plan with its printable files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from allocator.cli import main
from allocator.io.spreadsheet import (
    normalise_header,
    spreadsheet_instance,
    spreadsheet_instance_from_bytes,
)
from allocator.model.errors import InputError

FORMULA_STARTS = ("=", "+", "-", "@")
STRUCTURES = [
    "CPAS de Forest",
    "Maison médicale du Midi",
    "Mission locale d'Anderlecht",
    "AMO Le Tremplin",
    "Épicerie sociale Le Panier",
    "Service de santé mentale Le Méridien",
]
HYPERLINK = '=HYPERLINK("http://x","y")'


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def write_csv(
    path: Path, rows: list[list[Any]], delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def people(path: Path, groups: int = 2, rounds: int = 2) -> list[dict[str, Any]]:
    return spreadsheet_instance(path, groups=groups, rounds=rounds).data["participants"]


def issues(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        spreadsheet_instance(path, groups=2, rounds=2)
    return str(caught.value)


def french_day() -> list[list[str]]:
    """36 rows, six structures of six, workers and users alternating, hostile names inside."""
    rows = [["Nom", "Structure", "Rôle"]]
    for k in range(36):
        rows.append([f"Personne {k + 1}", STRUCTURES[k // 6], ("travailleur", "usager")[k % 2]])
    rows[3][0] = HYPERLINK
    rows[10][0] = "@SUM(A1)"
    rows[20][0] = "-1+2"
    return rows


# -- headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Prénom", "prenom"),
        ("  RÔLE ", "role"),
        ("Nom_de-famille", "nom de famille"),
        ("Participant·e", "participante"),
    ],
)
def test_headers_are_normalised(header, expected):
    assert normalise_header(header) == expected


@pytest.mark.parametrize(
    ("name", "organisation", "role"),
    [
        ("Name", "Organisation", "Role"),
        ("NAME", "organization", "ROLE"),
        ("nom", "Structure", "Rôle"),
        ("Nom", "ORGANISME", "fonction"),
        ("Participant·e", "structure", "rôle"),
    ],
)
def test_english_and_french_headers_are_recognised(tmp_path, name, organisation, role):
    path = write_csv(
        tmp_path / "p.csv", [[name, organisation, role], ["Ana", "CPAS", "Usager·ère"]]
    )
    assert people(path) == [
        {
            "id": "p001",
            "name": "Ana",
            "organisation": "CPAS",
            "role": "Usager·ère",
            "attributes": {},
        }
    ]


def test_first_and_last_names_join_and_other_columns_become_attributes(tmp_path):
    rows = [
        ["Prénom", "Nom", "Structure", "Âge", "Téléphone", "Secteur", ""],
        ["Marie", "Dupont", "CPAS", "34", "0470 12", "social", ""],
        ["Jean", "", "", "", "0470 13", "santé", ""],
    ]
    first, second = people(write_csv(tmp_path / "p.csv", rows))
    assert first == {
        "id": "p001",
        "name": "Marie Dupont",
        "organisation": "CPAS",
        "attributes": {"Âge": 34, "Téléphone": "0470 12", "Secteur": "social"},
    }
    assert second == {
        "id": "p002",
        "name": "Jean",
        "attributes": {"Téléphone": "0470 13", "Secteur": "santé"},
    }


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["12", "7"], [12, 7]),
        (["012", "7"], ["012", "7"]),  # a leading zero: a code, not a number
        (["1.5", "2"], ["1.5", "2"]),  # not sure: decimals stay text
        (["12", "douze"], ["12", "douze"]),
    ],
)
def test_csv_numbers_only_when_the_whole_column_is_plain_integers(tmp_path, values, expected):
    rows = [["Nom", "Code"], *[[f"n{k}", v] for k, v in enumerate(values)]]
    found = [p["attributes"]["Code"] for p in people(write_csv(tmp_path / "p.csv", rows))]
    assert found == expected


def test_an_id_column_gives_the_ids(tmp_path):
    path = write_csv(tmp_path / "p.csv", [["ID", "Nom"], ["w1", "Ana"], ["u7", "Bob"]])
    assert [p["id"] for p in people(path)] == ["w1", "u7"]


def test_ids_are_generated_in_order_and_empty_rows_skipped(tmp_path):
    rows = [["Nom"], ["Ana"], ["", ""], ["Bob"], []]
    assert [p["id"] for p in people(write_csv(tmp_path / "p.csv", rows))] == ["p001", "p002"]


def test_names_are_kept_verbatim(tmp_path):
    rows = [["Nom"], [HYPERLINK], ["@SUM(A1)"], ["<script>alert(1)</script>"]]
    names = [p["name"] for p in people(write_csv(tmp_path / "p.csv", rows))]
    assert names == [HYPERLINK, "@SUM(A1)", "<script>alert(1)</script>"]


# -- dialects and encodings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8"), (";", "utf-8"), (";", "utf-8-sig"), (";", "cp1252"), ("\t", "utf-16")],
)
def test_csv_dialects_and_encodings_of_spreadsheet_exports(tmp_path, delimiter, encoding):
    rows = [["Nom", "Structure", "Rôle"], ["Élodie Noël", "Épicerie sociale, Forest", "usagère"]]
    path = write_csv(tmp_path / "p.csv", rows, delimiter, encoding)
    [person] = people(path)
    assert person["name"] == "Élodie Noël"
    assert person["organisation"] == "Épicerie sociale, Forest"
    assert person["role"] == "usagère"


def test_excel_sep_hint_line_sets_the_delimiter(tmp_path):
    (tmp_path / "p.csv").write_text("sep=;\nNom;Structure\nAna, Bea;X\n", encoding="utf-8")
    assert people(tmp_path / "p.csv")[0]["name"] == "Ana, Bea"
    (tmp_path / "q.csv").write_text("sep=;\nid;Nom\na;A\na;B\n", encoding="utf-8")
    assert 'q.csv line 4, column "id"' in issues(tmp_path / "q.csv")


def test_xlsx_input_keeps_numbers_and_formula_text(tmp_path):
    rows = [
        ["Nom", "Structure", "Rôle", "Âge"],
        [HYPERLINK, "CPAS", "usager", 34],
        ["Bob", 12, None, 2.5],
    ]
    first, second = people(write_xlsx(tmp_path / "p.xlsx", rows))
    assert first == {
        "id": "p001",
        "name": HYPERLINK,
        "organisation": "CPAS",
        "role": "usager",
        "attributes": {"Âge": 34},
    }
    assert second["organisation"] == "12" and "role" not in second
    assert second["attributes"] == {"Âge": 2.5}


# -- located errors ----------------------------------------------------------------------------


def test_a_duplicate_id_points_at_its_line_and_column(tmp_path):
    path = write_csv(tmp_path / "people.csv", [["Id", "Nom"], ["a", "Ana"], ["a", "Bob"]])
    assert 'people.csv line 3, column "Id": participant `a` appears twice' in issues(path)


def test_an_empty_id_points_at_its_cell(tmp_path):
    path = write_csv(tmp_path / "people.csv", [["id", "Nom"], ["a", "Ana"], ["", "Bob"]])
    assert 'people.csv line 3, column "id": the id is empty' in issues(path)


def test_quoted_line_breaks_keep_line_numbers_right(tmp_path):
    text = 'id,Nom\r\na,"Ana\r\nMarie"\r\na,Bob\r\n'
    (tmp_path / "people.csv").write_text(text, encoding="utf-8", newline="")
    assert 'people.csv line 4, column "id"' in issues(tmp_path / "people.csv")


def test_two_columns_for_one_field_are_refused(tmp_path):
    path = write_csv(tmp_path / "people.csv", [["Nom", "Structure", "Organisme"], ["a", "X", "Y"]])
    assert (
        'people.csv line 1, column "Organisme": this column repeats the column "Structure"'
        in issues(path)
    )


def test_values_without_a_header_are_refused(tmp_path):
    path = write_csv(tmp_path / "people.csv", [["Nom", ""], ["Ana", "x"], ["Bob", "", "y"]])
    text = issues(path)
    assert 'people.csv line 1, column "#2": this column has values but no header' in text


def test_xlsx_errors_name_the_row(tmp_path):
    path = write_xlsx(tmp_path / "people.xlsx", [["id", "Nom"], ["a", "Ana"], ["a", "Bob"]])
    assert 'people.xlsx row 3, column "id"' in issues(path)


def test_an_empty_or_header_only_sheet_is_refused(tmp_path):
    assert "no participant rows" in issues(write_csv(tmp_path / "p.csv", [["Nom"]]))
    (tmp_path / "e.csv").write_text("", encoding="utf-8")
    assert "empty" in issues(tmp_path / "e.csv")


def test_a_broken_xlsx_is_refused(tmp_path):
    (tmp_path / "p.xlsx").write_bytes(b"not a zip")
    assert "not a readable .xlsx workbook" in issues(tmp_path / "p.xlsx")


# -- command line ---------------------------------------------------------------------------------


def test_a_spreadsheet_without_groups_or_rounds_exits_2(tmp_path):
    path = write_csv(tmp_path / "people.csv", french_day())
    out = tmp_path / "out"
    result = run(str(path), "--rounds", "3", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "--groups N and --rounds R" in result.output
    assert not out.exists()


def test_groups_and_rounds_are_refused_for_a_json_instance(tmp_path):
    path = tmp_path / "i.json"
    path.write_text(
        json.dumps(
            {"name": "x", "participants": [{"id": "a"}], "rounds": [{"id": "r", "groups": 1}]}
        )
    )
    result = run(str(path), "--groups", "2", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "only apply to a spreadsheet" in result.output


def test_an_old_excel_file_exits_2_with_a_hint(tmp_path):
    path = tmp_path / "people.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    result = run(str(path), "--groups", "2", "--rounds", "2", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "save it as .xlsx or .csv" in result.output


def test_a_located_spreadsheet_error_exits_2(tmp_path):
    path = write_csv(tmp_path / "people.csv", [["id", "Nom"], ["a", "Ana"], ["a", "Bob"]])
    result = run(str(path), "--groups", "2", "--rounds", "2", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert 'people.csv line 3, column "id"' in result.output
    assert "nothing was written" in result.output


def test_init_writes_the_instance_to_edit_and_keeps_existing_files(tmp_path):
    path = write_csv(tmp_path / "people.csv", french_day())
    result = run("init", str(path), "--groups", "6", "--rounds", "3", "--lang", "fr")
    assert result.exit_code == 0, result.output
    written = tmp_path / "people.json"
    text = written.read_text(encoding="utf-8")
    assert "Épicerie sociale" in text and text.startswith("{\n  ")  # pretty, not \u-escaped
    data = json.loads(text)
    assert [r["id"] for r in data["rounds"]] == ["tour1", "tour2", "tour3"]
    assert data["rounds"][0] == {"id": "tour1", "groups": 6}
    assert data["participants"][2]["name"] == HYPERLINK
    again = run("init", str(path), "--groups", "2", "--rounds", "2")
    assert again.exit_code == 2 and "--force" in again.output
    assert json.loads(written.read_text(encoding="utf-8")) == data
    forced = run(
        "init", str(path), "--groups", "2", "--rounds", "2", "--force", "--out", str(written)
    )
    assert forced.exit_code == 0, forced.output
    assert len(json.loads(written.read_text(encoding="utf-8"))["rounds"]) == 2


def test_init_needs_groups(tmp_path):
    path = write_csv(tmp_path / "people.csv", french_day())
    result = run("init", str(path), "--rounds", "3")
    assert result.exit_code == 2
    assert "--groups" in result.output


@pytest.fixture(scope="module")
def french_plan(tmp_path_factory) -> tuple[Path, Result]:
    """The done-when check: a French registration list solved with French labels."""
    folder = tmp_path_factory.mktemp("french")
    path = write_csv(folder / "people.csv", french_day())
    out = folder / "plan"
    result = run(
        str(path),
        "--groups",
        "6",
        "--rounds",
        "3",
        "--out",
        str(out),
        "--time-limit",
        "10",
        "--lang",
        "fr",
    )
    return out, result


def test_a_french_spreadsheet_gives_a_verified_plan(french_plan):
    out, result = french_plan
    assert result.exit_code == 0, result.output
    verified = run("verify", str(out / "instance.json"), str(out / "plan.json"))
    assert verified.exit_code == 0, verified.output


def test_the_french_itinerary_has_37_safe_rows(french_plan):
    out, _ = french_plan
    rows = list(
        csv.reader(io.StringIO((out / "itinerary.csv").read_text(encoding="utf-8"), newline=""))
    )
    assert len(rows) == 37
    assert rows[0] == ["participant_id", "name", "organisation", "role", "tour1", "tour2", "tour3"]
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert "'" + HYPERLINK in cells and "'@SUM(A1)" in cells  # neutralised, still readable


def test_the_french_plan_files_and_summary(french_plan):
    out, result = french_plan
    names = [
        ".allocate-manifest.json",
        "groups.csv",
        "instance.json",
        "itinerary.csv",
        "plan.html",
        "plan.json",
        "plan.xlsx",
    ]
    assert sorted(p.name for p in out.iterdir()) == names
    html = (out / "plan.html").read_text(encoding="utf-8")
    for label in (
        'lang="fr"',
        "Plan de table",
        "Qualité du plan",
        "Tour 1",
        "Groupe 1",
        "Parcours des participant·es",
        "Brassage",
    ):
        assert label in html
    assert "Seating plan" not in html
    for name in names[1:]:  # the manifest is not listed
        assert f"écrit {out / name}" in result.stderr
    assert "nouvelles personnes rencontrées" in result.stderr


def test_quiet_stays_silent_with_a_spreadsheet(tmp_path):
    rows = [["Nom", "Structure"], *[[f"n{k}", f"S{k % 2}"] for k in range(4)]]
    path = write_csv(tmp_path / "people.csv", rows)
    out = tmp_path / "out"
    result = run(
        str(path),
        "--groups",
        "2",
        "--rounds",
        "1",
        "--out",
        str(out),
        "--time-limit",
        "2",
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "" and result.stderr == ""
    assert (out / "plan.html").exists() and (out / "plan.xlsx").exists()


# -- read strictly and helpfully (issue 13) -------------------------------------------------


def test_an_unbalanced_quote_is_refused_at_its_line(tmp_path):
    sheet = tmp_path / "people.csv"
    sheet.write_text('Nom,Structure\nAnne,A\n"Bob,B\nCarl,C\nDana,D\n', encoding="utf-8")
    message = issues(sheet)
    assert "people.csv line 3" in message and "not closed" in message


def test_a_row_wider_than_its_header_is_refused_at_its_line(tmp_path):
    sheet = write_csv(tmp_path / "people.csv", [["Nom", "Structure"], ["Anne", "A", "stray"]])
    message = issues(sheet)
    assert 'people.csv line 2, column "#3"' in message


def test_trailing_empty_cells_are_not_a_wider_row(tmp_path):
    sheet = write_csv(
        tmp_path / "people.csv", [["Nom", "Structure"], ["Anne", "A", ""], ["Bob", "B"]]
    )
    assert [p["organisation"] for p in people(sheet)] == ["A", "B"]


def test_merged_cells_are_filled_and_noted(tmp_path):
    path = write_xlsx(
        tmp_path / "people.xlsx",
        [["Nom", "Structure"], ["Anne", "CPAS"], ["Bob", None], ["Carl", None], ["Dana", "AMO"]],
    )
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("B2:B4")
    book.save(path)
    made = spreadsheet_instance(path, groups=2, rounds=1)
    assert [p["organisation"] for p in made.data["participants"]] == ["CPAS"] * 3 + ["AMO"]
    assert any(
        "merged cells filled" in note and 'column "Structure" rows 2–4' in note
        for note in made.notes
    )


@pytest.mark.parametrize("employer", ["Company", "Employer", "Entreprise", "Société"])
def test_an_employer_column_is_the_organisation_when_none_other_is(tmp_path, employer):
    sheet = write_csv(tmp_path / "people.csv", [["Nom", employer], ["Anne", "A"], ["Bob", "A"]])
    made = spreadsheet_instance(sheet, groups=2, rounds=1)
    assert [p.get("organisation") for p in made.data["participants"]] == ["A", "A"]
    assert made.notes == ()


def test_a_structure_column_wins_over_company_and_service_stays_an_attribute(tmp_path):
    rows = [["Nom", "Company", "Structure", "Service"], ["Anne", "Groupe X", "CPAS", "Accueil"]]
    person = people(write_csv(tmp_path / "people.csv", rows))[0]
    assert person["organisation"] == "CPAS"
    assert person["attributes"] == {"Company": "Groupe X", "Service": "Accueil"}


def test_a_sheet_without_organisation_column_is_warned_about(tmp_path):
    sheet = write_csv(
        tmp_path / "people.csv", [["Nom", "Service"], *([f"P{k}", "Accueil"] for k in range(6))]
    )
    made = spreadsheet_instance(sheet, groups=2, rounds=1)
    assert any("no organisation column" in note for note in made.notes)
    result = run(str(sheet), "--groups", "2", "--rounds", "2", "--out", str(tmp_path / "plan"))
    assert result.exit_code == 0, result.output
    assert "note: people.csv: no organisation column" in result.stderr


# -- in memory (an upload) --------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_bytes_read_as_the_file_reads(tmp_path, suffix):
    write = write_csv if suffix == ".csv" else write_xlsx
    path = write(tmp_path / f"inscriptions{suffix}", french_day())
    from_file = spreadsheet_instance(path, groups=6, rounds=3, round_prefix="tour")
    in_memory = spreadsheet_instance_from_bytes(
        path.read_bytes(),
        f"/somewhere/else/inscriptions{suffix}",
        groups=6,
        rounds=3,
        round_prefix="tour",
    )
    assert in_memory.data == from_file.data
    assert in_memory.data["name"] == "inscriptions"


def test_bytes_errors_name_the_file_by_its_name_only(tmp_path):
    path = write_csv(tmp_path / "people.csv", [["Id", "Nom"], ["a", "Ana"], ["a", "Bob"]])
    with pytest.raises(InputError) as caught:
        spreadsheet_instance_from_bytes(path.read_bytes(), "../x/people.csv", groups=2, rounds=2)
    assert caught.value.paths == ['people.csv line 3, column "Id"']
    with pytest.raises(InputError, match=r"not a readable \.xlsx workbook"):
        spreadsheet_instance_from_bytes(b"not a zip", "people.xlsx", groups=2, rounds=2)
    with pytest.raises(InputError, match=r"\.ods files cannot be read"):
        spreadsheet_instance_from_bytes(b"", "people.ods", groups=2, rounds=2)


def test_bytes_over_the_input_cap_are_refused(monkeypatch):
    monkeypatch.setenv("ALLOCATOR_MAX_INPUT_MB", "0.001")
    with pytest.raises(InputError, match=r"people\.csv is larger than 0\.001 MB, the input limit"):
        spreadsheet_instance_from_bytes(b"Nom\n" + b"x\n" * 1000, "people.csv", groups=1, rounds=1)
