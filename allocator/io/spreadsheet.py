"""A registration spreadsheet (CSV or XLSX, English or French headers) as an instance.

Organisers keep a list of people, not JSON: one row per person, columns named as they
like (`Nom`, `Structure`, `Rôle`…). Every other column becomes an attribute. Errors point
at the cell (`people.csv line 12, column "Structure"`), not at a JSON path.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from allocator.io.files import input_limit, input_too_large, read_bytes
from allocator.model.errors import FieldIssue, InputError
from allocator.model.instance import Instance
from allocator.model.limits import excerpt
from allocator.model.validate import parse_instance

SPREADSHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm")
OLD_FORMATS = (".xls", ".ods", ".numbers")
Cell = str | int | float | None
Json = dict[str, Any]

# Normalised header (lower case, no accents, words split by single spaces) → field.
HEADERS = {
    "id": "id",
    "identifiant": "id",
    "identifier": "id",
    "name": "name",
    "nom": "name",
    "full name": "name",
    "nom complet": "name",
    "nom et prenom": "name",
    "nom prenom": "name",
    "prenom nom": "name",
    "last name": "name",
    "surname": "name",
    "nom de famille": "name",
    "participant": "name",
    "participante": "name",
    "prenom": "first",
    "first name": "first",
    "firstname": "first",
    "given name": "first",
    "organisation": "organisation",
    "organization": "organisation",
    "structure": "organisation",
    "organisme": "organisation",
    "institution": "organisation",
    "role": "role",
    "fonction": "role",
}
EMPLOYERS = {"company", "employer", "entreprise", "societe", "employeur"}
"""Read as the organisation when no `Organisation`/`Structure`… column exists (that one
wins, and these are then attributes); `Service` is never one (a team within a structure)."""
_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,14})")


@dataclass(frozen=True)
class Sheet:
    """The cells of a spreadsheet with where each row was, to locate errors."""

    source: str
    unit: str
    """`line` for CSV, `row` for XLSX: the word a reader of that file uses."""
    header: list[str]
    rows: list[tuple[int, list[Cell]]]
    typed: bool
    """XLSX cells carry their type; CSV cells are all text."""
    notes: tuple[str, ...] = ()
    """What reading changed or could not tell, for the summary (merged cells filled)."""

    def where(self, line: int, column: int | None = None) -> str:
        place = f"{self.source} {self.unit} {line}"
        return place if column is None else f'{place}, column "{self.column_name(column)}"'

    def column_name(self, column: int) -> str:
        header = self.header[column] if column < len(self.header) else ""
        return header or f"#{column + 1}"


@dataclass(frozen=True)
class SheetInstance:
    """A spreadsheet read as an instance: its JSON data, the validated model, and notes
    for the organiser (merged cells filled down, no organisation column)."""

    data: Json
    instance: Instance
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Columns:
    """Which column holds which participant field; `attributes` maps a header to its column."""

    fields: dict[str, int]
    attributes: dict[str, int] = field(default_factory=dict)


def normalise_header(text: str) -> str:
    """`Prénom_` → `prenom`: headers match whatever their case, accents and separators."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.split(r"[\s_\-./]+", plain.casefold())).strip()


def is_spreadsheet(path: str | Path) -> bool:
    """Read as a spreadsheet (older formats too, to be told how to save them)."""
    return Path(path).suffix.casefold() in SPREADSHEET_SUFFIXES + OLD_FORMATS


def spreadsheet_instance(
    path: str | Path, *, groups: int, rounds: int, round_prefix: str = "round"
) -> SheetInstance:
    """The instance JSON built from a spreadsheet, and its validated model: rounds
    `round1…roundR` of `groups` balanced groups, the default objective."""
    return _sheet_instance(read_sheet(Path(path)), Path(path).stem, groups, rounds, round_prefix)


def spreadsheet_instance_from_bytes(
    data: bytes, filename: str, *, groups: int, rounds: int, round_prefix: str = "round"
) -> SheetInstance:
    """`spreadsheet_instance` of a file held in memory (an upload): `filename` only tells
    the format by its extension and names the file in errors and in the instance."""
    name = PurePath(filename).name
    return _sheet_instance(
        sheet_from_bytes(data, name), PurePath(name).stem, groups, rounds, round_prefix
    )


def _sheet_instance(
    sheet: Sheet, name: str, groups: int, rounds: int, round_prefix: str
) -> SheetInstance:
    lines, people = participants(sheet)
    data: Json = {
        "name": name,
        "participants": people,
        "rounds": [{"id": f"{round_prefix}{k}", "groups": groups} for k in range(1, rounds + 1)],
    }
    try:
        instance = parse_instance(data)
    except InputError as exc:
        raise InputError([_locate(issue, sheet, lines) for issue in exc.issues]) from None
    notes = list(sheet.notes)
    if "organisation" not in columns(sheet).fields:
        notes.append(
            f"{sheet.source}: no organisation column (Organisation, Structure, Company…):"
            " colleagues cannot be told apart, so the plan cannot mix organisations"
        )
    return SheetInstance(data, instance, tuple(notes))


def read_sheet(path: Path) -> Sheet:
    _refuse_old_format(path.name)
    try:
        data = read_bytes(path)
    except InputError:
        if not path.exists():
            raise _file_issue(path.name, "file not found", "check the path") from None
        raise
    return sheet_from_bytes(data, path.name)


def sheet_from_bytes(data: bytes, name: str) -> Sheet:
    """The cells of a spreadsheet file's bytes, read as its extension in `name` says."""
    _refuse_old_format(name)
    if len(data) > input_limit():
        raise input_too_large(name)
    xlsx = PurePath(name).suffix.casefold() in (".xlsx", ".xlsm")
    return _read_xlsx(data, name) if xlsx else _read_csv(data, name)


def _refuse_old_format(name: str) -> None:
    suffix = PurePath(name).suffix.casefold()
    if suffix in OLD_FORMATS:
        raise _file_issue(name, f"{suffix} files cannot be read", "save it as .xlsx or .csv")


def _file_issue(name: str, message: str, hint: str) -> InputError:
    return InputError([FieldIssue(name, message, hint)])


def _read_csv(data: bytes, name: str) -> Sheet:
    text = _decode(data, name)
    hint = re.match(r"sep=(.)\r?\n", text)  # Excel's own first line naming the delimiter
    delimiter = hint[1] if hint else _delimiter(text)
    if hint:
        text = "\n" + text[hint.end() :]  # an empty first line keeps the line numbers
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[Cell]]] = []
    start = 1
    try:
        for record in reader:
            rows.append((start, [cell or None for cell in record]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(
            [
                FieldIssue(
                    f"{name} line {start}",
                    f"this row does not read as CSV ({exc}): a quote opened here is not closed"
                    if "end of data" in str(exc)
                    else f"this row does not read as CSV ({exc})",
                    'a quote inside a cell is written twice (""), and a cell holding one is'
                    " quoted whole",
                )
            ]
        ) from None
    return _with_header(name, "line", rows, typed=False)


def _decode(data: bytes, name: str) -> str:
    """UTF-8 with or without BOM, UTF-16 with BOM ("Unicode text"), else Windows-1252: what
    Excel and LibreOffice export."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_issue(name, "the text encoding is not recognised", "save it as CSV UTF-8")


def _delimiter(text: str) -> str:
    """`,` or `;` (French Excel) or tab: the one that splits the header into most columns."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: len(next(csv.reader([first], delimiter=d), [])) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d])  # ties keep the first: `,`


def _read_xlsx(data: bytes, name: str) -> Sheet:
    """The first sheet; a formula cell gives its computed value, or its text when the file
    holds no computed value (files written by programs). A merged block holds its value
    in its first cell only: it is filled into every cell of the block, and noted."""
    (values, merged), (formulas, _) = (
        _load_xlsx(data, name, data_only=True),
        _load_xlsx(data, name, data_only=False),
    )
    rows = [
        (line, [_xlsx_cell(v if v is not None else f) for v, f in zip(shown, raw, strict=True)])
        for line, (shown, raw) in enumerate(zip(values, formulas, strict=True), start=1)
    ]
    for top, left, bottom, right in merged:
        for r in range(top, bottom + 1):
            rows[r - 1][1][left - 1 : right] = [rows[top - 1][1][left - 1]] * (right - left + 1)
    sheet = _with_header(name, "row", rows, typed=True)
    if merged:
        blocks = ", ".join(_block(sheet, *block) for block in merged[:5])
        more = f" and {len(merged) - 5} more" if len(merged) > 5 else ""
        note = f"{name}: merged cells filled with their value: {blocks}{more}"
        sheet = replace(sheet, notes=(note,))
    return sheet


def _block(sheet: Sheet, top: int, left: int, bottom: int, right: int) -> str:
    column = sheet.column_name(left - 1)
    rows = f"row {top}" if top == bottom else f"rows {top}–{bottom}"
    return f'column "{column}" {rows}' if left == right else f"{rows}, columns {left}–{right}"


def _load_xlsx(
    data: bytes, name: str, *, data_only: bool
) -> tuple[list[tuple[Any, ...]], list[tuple[int, int, int, int]]]:
    """The first sheet's rows, and its merged blocks as (top, left, bottom, right), 1-based."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=data_only)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise _file_issue(
            name, f"not a readable .xlsx workbook ({excerpt(str(exc))})", "save it again as .xlsx"
        ) from None
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(min_row=1, min_col=1, values_only=True))
    merged = sorted(
        (m.min_row, m.min_col, min(m.max_row, len(rows)), m.max_col)
        for m in sheet.merged_cells.ranges
        if m.min_row <= len(rows)
    )
    return rows, merged


def _xlsx_cell(value: Any) -> Cell:
    """Numbers stay numbers; dates become ISO text, booleans and the rest text; `''` is empty."""
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    text = value.isoformat() if isinstance(value, dt.date | dt.time) else str(value)
    return text or None


def _with_header(source: str, unit: str, rows: list[tuple[int, list[Cell]]], typed: bool) -> Sheet:
    """The first non-empty row is the header; empty rows are dropped; short rows padded."""
    rows = [(line, cells) for line, cells in rows if any(_present(c) for c in cells)]
    if not rows:
        raise InputError([FieldIssue(source, "the spreadsheet is empty", "add a header row")])
    (_, header), body = rows[0], rows[1:]
    width = len(header)
    padded = [(line, cells + [None] * (width - len(cells))) for line, cells in body]
    names = ["" if c is None else str(c).strip() for c in header]
    return Sheet(source, unit, names, padded, typed)


def _present(cell: Cell) -> bool:
    return cell is not None and (not isinstance(cell, str) or cell.strip() != "")


def columns(sheet: Sheet) -> Columns:
    """Recognise the header; refuse two columns for one field and values without a header."""
    found: dict[str, int] = {}
    attributes: dict[str, int] = {}
    issues: list[FieldIssue] = []
    for k, title in enumerate(sheet.header):
        if not title:
            if any(len(cells) > k and _present(cells[k]) for _, cells in sheet.rows):
                issues.append(
                    FieldIssue(
                        sheet.where(1, k),
                        "this column has values but no header",
                        "name the column in the first row",
                    )
                )
            continue
        kind = HEADERS.get(normalise_header(title))
        if kind is None and normalise_header(title) in EMPLOYERS and not _has_organisation(sheet):
            kind = "organisation"
        target, key = (found, kind) if kind else (attributes, title)
        if key in target:
            first = sheet.column_name(target[key])
            issues.append(
                FieldIssue(
                    sheet.where(1, k),
                    f'this column repeats the column "{first}"',
                    "keep one of them or rename this one",
                )
            )
            continue
        target[key] = k
    if issues:
        raise InputError(issues)
    return Columns(found, attributes)


def _has_organisation(sheet: Sheet) -> bool:
    return any(HEADERS.get(normalise_header(t)) == "organisation" for t in sheet.header if t)


def participants(sheet: Sheet) -> tuple[list[int], list[Json]]:
    """One participant per row, and the line each came from."""
    cols = columns(sheet)
    issues = [
        FieldIssue(sheet.where(line, k), "there is a value here but no column header", "")
        for line, cells in sheet.rows
        for k in range(len(sheet.header), len(cells))
        if _present(cells[k])
    ]
    if not sheet.rows:
        issues.append(FieldIssue(sheet.source, "no participant rows below the header", ""))
    if issues:
        raise InputError(issues)
    ids = _ids(sheet, cols)
    attributes = {title: _attribute_column(sheet, k) for title, k in cols.attributes.items()}
    people = [
        _participant(pid, cells, cols, {title: values[r] for title, values in attributes.items()})
        for r, (pid, (_, cells)) in enumerate(zip(ids, sheet.rows, strict=True))
    ]
    return [line for line, _ in sheet.rows], people


def _ids(sheet: Sheet, cols: Columns) -> list[str]:
    """The id column when there is one (every cell filled), else `p001`, `p002`…"""
    if "id" not in cols.fields:
        width = max(3, len(str(len(sheet.rows))))
        return [f"p{k:0{width}d}" for k in range(1, len(sheet.rows) + 1)]
    k = cols.fields["id"]
    missing = [
        FieldIssue(
            sheet.where(line, k),
            "the id is empty",
            "give every row an id, or remove the id column to number rows",
        )
        for line, cells in sheet.rows
        if _text(cells[k]) is None
    ]
    if missing:
        raise InputError(missing)
    return [str(_text(cells[k])) for _, cells in sheet.rows]


def _text(cell: Cell) -> str | None:
    """A cell as text without its surrounding spaces; empty is None."""
    if cell is None:
        return None
    text = str(cell).strip()
    return text or None


def _participant(pid: str, cells: list[Cell], cols: Columns, attributes: dict[str, Cell]) -> Json:
    get = {kind: _text(cells[k]) for kind, k in cols.fields.items()}
    full = " ".join(part for part in (get.get("first"), get.get("name")) if part)
    person: Json = {"id": pid}
    if full:
        person["name"] = full
    for kind in ("organisation", "role"):
        if get.get(kind) is not None:
            person[kind] = get[kind]
    person["attributes"] = {k: v for k, v in attributes.items() if v is not None}
    return person


def _attribute_column(sheet: Sheet, k: int) -> list[Cell]:
    """Typed XLSX cells as they are; a CSV column of plain integers only (no leading zero,
    as in phone numbers or postcodes kept as text) becomes numbers; the rest is text."""
    cells = [cells[k] for _, cells in sheet.rows]
    if sheet.typed:
        return [c if isinstance(c, int | float) else _text(c) for c in cells]
    texts = [_text(c) for c in cells]
    if any(t is not None for t in texts) and all(t is None or _INTEGER.fullmatch(t) for t in texts):
        return [None if t is None else int(t) for t in texts]
    return texts


def _locate(issue: FieldIssue, sheet: Sheet, lines: list[int]) -> FieldIssue:
    """`participants[3].organisation` → `people.csv line 5, column "Structure"`."""
    match = re.fullmatch(r"participants\[(\d+)\](?:\.(\w+))?(?:\.(.+))?", issue.path)
    if match is None:
        return issue
    row, key, attribute = int(match[1]), match[2] or "id", match[3]
    cols = columns(sheet)
    column = cols.attributes.get(attribute) if key == "attributes" else cols.fields.get(key)
    return FieldIssue(sheet.where(lines[row], column), issue.message, issue.hint)
