"""The plan as an Excel workbook: an itinerary sheet and a sheet per round, to sort, filter
and print from the spreadsheet organisers already use.

Cells hold text through `safe_cell`, as in the CSVs: a name like `=HYPERLINK(...)` is
stored as text with a leading quote mark, so no cell of the workbook is a formula.
"""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from allocator.i18n import Lang, labels
from allocator.io.csv_plans import safe_cell
from allocator.model.instance import Instance

Plan = dict[str, Any]
Row = list[str | None]
MAX_WIDTH = 50
MAX_ROUND_SHEETS = 100
"""Rounds that get a sheet each; beyond, one sheet holds them all."""
MAX_COLUMNS = 16_384
"""Excel's widest sheet: beyond, the itinerary has a row per seat."""


def workbook_bytes(instance: Instance, plan: Plan, lang: Lang = "en") -> bytes:
    """The .xlsx file's bytes: the itinerary first, then one sheet per round (streamed:
    100,000 rows take seconds, not the minute a workbook held whole in memory takes)."""
    words = labels(lang)
    book = Workbook(write_only=True)
    names: set[str] = set()
    _fill(book, _sheet_name(words["itinerary"], names), *_itinerary(instance, plan, words))
    if len(plan["rounds"]) > MAX_ROUND_SHEETS:
        _fill(book, _sheet_name(words["round"], names), *_all_rounds(instance, plan, words))
    else:
        for rnd in plan["rounds"]:
            _fill(book, _sheet_name(rnd["id"], names), *_round_rows(instance, rnd, words))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(wanted: str, taken: set[str]) -> str:
    """Excel refuses `[]:*?/\\` and names over 31 characters, and compares names ignoring case."""
    base = re.sub(r"[\[\]:*?/\\]", "_", wanted)[:31].strip("'") or "sheet"
    name, k = base, 1
    while name.casefold() in taken:
        k += 1
        name = f"{base[: 31 - len(str(k)) - 1]}~{k}"
    taken.add(name.casefold())
    return name


def _itinerary(instance: Instance, plan: Plan, words: dict[str, str]) -> tuple[Row, list[Row]]:
    seat = {
        (pid, rnd["id"]): group["id"]
        for rnd in plan["rounds"]
        for group in rnd["groups"]
        for pid in group["members"]
    }
    rounds = [rnd["id"] for rnd in plan["rounds"]]
    person = [words["participant"], words["organisation"], words["role"], "id"]
    if len(person) + len(rounds) > MAX_COLUMNS:  # a row per seat instead of a column per round
        rows = [
            [p.display_name, p.organisation, p.role, p.id, r, seat[p.id, r]]
            for p in instance.participants
            for r in rounds
            if (p.id, r) in seat
        ]
        return [*person, words["round"], words["group"]], rows
    rows = [
        [p.display_name, p.organisation, p.role, p.id, *(seat.get((p.id, r)) for r in rounds)]
        for p in instance.participants
    ]
    return [*person, *rounds], rows


def _round_rows(
    instance: Instance, rnd: dict[str, Any], words: dict[str, str]
) -> tuple[Row, list[Row]]:
    people = {p.id: p for p in instance.participants}
    visitors = {v.id: v.display_name for v in instance.visitors}
    header = [
        words["group"],
        words["participant"],
        words["organisation"],
        words["role"],
        words["duty"],
        words["visitor"],
        "id",
    ]
    rows = []
    for group in rnd["groups"]:
        held = {pid: duty for duty, holders in group["duties"].items() for pid in holders}
        visitor = visitors.get(group["visitor"], group["visitor"])
        for pid in group["members"]:
            person = people[pid]
            rows.append(
                [
                    group["id"],
                    person.display_name,
                    person.organisation,
                    person.role,
                    held.get(pid),
                    visitor,
                    pid,
                ]
            )
    return header, rows


def _all_rounds(instance: Instance, plan: Plan, words: dict[str, str]) -> tuple[Row, list[Row]]:
    """Every round in one sheet, a first column saying which (a sheet per round costs its
    own, and a day of thousands of rounds is no workbook of thousands of sheets)."""
    header, _ = _round_rows(instance, {"groups": []}, words)
    rows = [
        [rnd["id"], *row] for rnd in plan["rounds"] for row in _round_rows(instance, rnd, words)[1]
    ]
    return [words["round"], *header], rows


def _fill(book: Workbook, title: str, header: Row, rows: list[Row]) -> None:
    """Text cells made safe, a bold frozen header with filters, columns as wide as their text."""
    sheet = book.create_sheet(title)
    table = [[_text(value) for value in row] for row in [header, *rows]]
    for k in range(len(header)):
        width = max(len(row[k] or "") for row in table)
        sheet.column_dimensions[get_column_letter(k + 1)].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(table)}"
    sheet.append([_bold(sheet, value) for value in table[0]])
    for row in table[1:]:
        sheet.append(row)


def _bold(sheet: Any, value: str | None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def _text(value: object) -> str | None:
    """Formula-safe text without the control characters an .xlsx cannot hold (removed
    first: `\\x0b=cmd` must not become a formula once the \\x0b is gone); None stays empty."""
    return None if value is None else safe_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
