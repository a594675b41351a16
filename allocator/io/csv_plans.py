"""The CSV seating plans of FORMAT.md: itinerary, groups and visitors."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from allocator.model.instance import Instance

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LEADING_BLANKS = re.compile(
    r"[\s\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]*"
)
"""Spaces, controls and invisible format characters a spreadsheet may skip before `=`."""


def safe_cell(value: object) -> str:
    """A cell no spreadsheet runs as a formula: a leading = + - @ tab or CR, even behind
    spaces or control characters (`\\x0b=cmd|…`), gets a quote mark in front, so
    `=HYPERLINK(...)` shows as text and stays readable."""
    text = "" if value is None else str(value)
    start = text[LEADING_BLANKS.match(text).end() :]
    return (
        "'" + text if text.startswith(FORMULA_STARTS) or start.startswith(FORMULA_STARTS) else text
    )


def _table(header: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows([safe_cell(cell) for cell in row] for row in [header, *rows])
    return buffer.getvalue()


def itinerary_csv(instance: Instance, plan: dict[str, Any]) -> str:
    seat: dict[tuple[str, str], str] = {}
    for rnd in plan["rounds"]:
        for group in rnd["groups"]:
            for pid in group["members"]:
                seat[pid, rnd["id"]] = group["id"]
    rounds = [r.id for r in instance.rounds]
    rows = [
        [p.id, p.display_name, p.organisation, p.role, *(seat.get((p.id, r), "") for r in rounds)]
        for p in instance.participants
    ]
    return _table(["participant_id", "name", "organisation", "role", *rounds], rows)


def groups_csv(instance: Instance, plan: dict[str, Any]) -> str:
    people = {p.id: p for p in instance.participants}
    rows = []
    for rnd in plan["rounds"]:
        for group in rnd["groups"]:
            held = {pid: name for name, holders in group["duties"].items() for pid in holders}
            for pid in group["members"]:
                person = people[pid]
                rows.append(
                    [
                        rnd["id"],
                        group["id"],
                        group["visitor"],
                        pid,
                        person.display_name,
                        person.organisation,
                        person.role,
                        held.get(pid),
                    ]
                )
    return _table(
        ["round", "group", "visitor", "participant_id", "name", "organisation", "role", "duty"],
        rows,
    )


def visitors_csv(instance: Instance, plan: dict[str, Any]) -> str:
    """One row per visitor per round, grouped by visitor: each actor's route through the day."""
    stops = [
        (group["visitor"], rnd["id"], group["id"])
        for rnd in plan["rounds"]
        for group in rnd["groups"]
        if group["visitor"] is not None
    ]
    order = {v.id: k for k, v in enumerate(instance.visitors)}
    rows = [list(stop) for stop in sorted(stops, key=lambda stop: order[stop[0]])]
    return _table(["visitor", "round", "group"], rows)


def seating_plan_names(instance: Instance) -> list[str]:
    """The CSV files of a plan of this instance: `visitors.csv` only when it has visitors."""
    return ["itinerary.csv", "groups.csv", *(["visitors.csv"] if instance.visitors else [])]


def seating_plans(instance: Instance, plan: dict[str, Any]) -> dict[str, str]:
    """File name → CSV text, for each of `seating_plan_names`."""
    tables = {
        "itinerary.csv": itinerary_csv,
        "groups.csv": groups_csv,
        "visitors.csv": visitors_csv,
    }
    return {name: tables[name](instance, plan) for name in seating_plan_names(instance)}
