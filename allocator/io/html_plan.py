"""The printable plan: one self-contained HTML page for the organisers' wall and folders.

No external asset (the venue may have no network), A4 pages, a page per round so each can be
pinned up, a card per participant to hand out, and the quality of the plan with a picture
of the mixing. Every piece of text from the instance is escaped: names are user input.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from allocator.evaluation.meetings import ABSENT, distinct_met
from allocator.i18n import Lang, labels, metric_label, number
from allocator.model.instance import Instance, Participant

Plan = dict[str, Any]
Labels = dict[str, str]
Stops = dict[tuple[str, int], tuple[str, str | None, str | None]]
LARGE_GROUP = 12
"""Groups above this size get a full-width card with members in columns, to fit a page."""
NUMBERED_ROUND = re.compile(r"[^\W\d]*[ _-]?(\d+)")
"""A round id that only numbers its round (`round2`, `tour_02`)."""
MAP_COLUMNS, MAP_ROWS = 30, 60
"""Groups and organisations a heat map shows whole, at most (one printed page)."""

CSS = """
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif;
  font-size: 10pt; line-height: 1.35; color: #1d2733; max-width: 186mm; margin: 0 auto;
  padding: 6mm 0; }
h1 { font-size: 22pt; margin: 0 0 1mm; color: #1f5f82; }
h2 { break-after: avoid; page-break-after: avoid; font-size: 15pt; color: #1f5f82; border-bottom: 2px solid #1f5f82; padding-bottom: 1mm;
  margin: 0 0 4mm; }
h3 { font-size: 11pt; margin: 0 0 1.5mm; }
h4 { font-size: 10pt; margin: 4mm 0 1mm; }
p { margin: 0 0 2mm; }
header { margin-bottom: 6mm; }
.instance { font-size: 13pt; font-weight: bold; }
.muted, .meta, .count { color: #5b6b7b; }
.meta { font-size: 8.5pt; }
section { break-before: page; page-break-before: always; }
section.quality { break-before: auto; page-break-before: auto; }
.cards { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 4mm; }
.cards.narrow { grid-template-columns: repeat(3, minmax(0, 1fr)); }
.cards.single { grid-template-columns: minmax(0, 1fr); }
.split { columns: 3; column-gap: 5mm; }
.split li { break-inside: avoid; page-break-inside: avoid; }
.card { border: 1px solid #b8c4d0; border-radius: 2mm; padding: 3mm; overflow-wrap: break-word;
  break-inside: avoid; page-break-inside: avoid; }
.card h3 span:first-child { min-width: 0; }
.card h3 { display: flex; justify-content: space-between; gap: 2mm; }
.count { font-weight: normal; font-size: 9pt; white-space: nowrap; }
.visitor { background: #fff3cf; border-radius: 1mm; padding: 1mm 2mm; margin-bottom: 2mm;
  font-size: 9pt; }
.members { list-style: none; margin: 0; padding: 0; }
.members li { padding: 0.8mm 0; border-top: 1px solid #e3e8ee; }
.duty { display: inline-block; background: #1f5f82; color: #fff; border-radius: 1mm;
  padding: 0 1.5mm; font-size: 8pt; margin-left: 1mm; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.8mm 1.5mm;
  border-bottom: 1px solid #e3e8ee; }
.route { table-layout: fixed; }
.route td { padding: 0.4mm 1.5mm; }
.route td:first-child { width: 30%; }
.cards.single .route td:first-child, .cards.single .route td:nth-child(2) { width: 22%; }
th { font-size: 8.5pt; color: #5b6b7b; font-weight: bold; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: bold; border-top: 2px solid #1d2733; }
.verdict { margin-top: 2mm; font-weight: bold; }
.map { margin-bottom: 3mm; break-inside: avoid; page-break-inside: avoid; }
.heat { width: auto; font-size: 8pt; }
.heat th, .heat td { border: 1px solid #fff; text-align: center; min-width: 6mm; padding: 0.3mm 1mm; }
.heat th.org { text-align: left; max-width: 70mm; font-weight: normal; color: #1d2733; }
.h0 { background: #f2f4f7; color: #a7b1bb; }
.h1 { background: #cde8d8; }
.h2 { background: #fdd49e; }
.h3 { background: #fc8d59; }
.h4 { background: #d7301f; color: #fff; }
.legend span { display: inline-block; padding: 0 2mm; margin-right: 1mm; }
"""


def _e(value: object) -> str:
    """Escaped text; None is empty."""
    return "" if value is None else escape(str(value), quote=True)


def people_met(plan: Plan) -> dict[str, int]:
    """For each participant seated at least once: how many distinct others they share a
    group with over the day — the "new people met" organisers ask about."""
    person: dict[str, int] = {}
    seats = [
        [
            (g, person.setdefault(pid, len(person)))
            for g, group in enumerate(rnd["groups"])
            for pid in group["members"]
        ]
        for rnd in plan["rounds"]
    ]
    vectors = []
    for seated in seats:
        v = np.full(len(person), ABSENT, dtype=np.int64)
        for g, k in seated:
            v[k] = g
        vectors.append(v)
    met = distinct_met(vectors)
    return {pid: int(met[k]) for pid, k in person.items()}


@dataclass(frozen=True)
class Crowded:
    """A round too large for a page, of which a heat map shows only the groups holding two
    or more members of one organisation (the cells making same-organisation pairs)."""

    groups: int
    organisations: int
    """All the round's groups, and the organisations seated in it."""
    crowded_groups: int
    crowded_organisations: int
    """The groups holding two or more members of one organisation, and those organisations."""


@dataclass(frozen=True)
class HeatMap:
    """Members of each organisation per group, for one round that forms new groups: what
    plan.html draws, for any page to draw the same (members without organisation are not
    counted: they make no same-organisation pair)."""

    round: int
    """The round's position in the plan."""
    groups: tuple[int, ...]
    """The positions of the groups shown (columns), in the round's order."""
    organisations: tuple[str, ...]
    """The organisations shown (rows), most members first."""
    counts: tuple[tuple[int, ...], ...]
    """`counts[row][column]`: members of that organisation in that group."""
    crowded: Crowded | None
    """None when the whole round is shown; else what the shown cells are a part of."""


def heat_maps(instance: Instance, plan: Plan) -> list[HeatMap]:
    """A heat map per round that forms new groups (a round keeping the groups of another
    would repeat its map), none when nobody has an organisation. A round up to 30 groups
    and 60 organisations (one printed page) is shown whole; a larger one only by its
    crowded cells (a 2,500-table round would be a 10-million-cell table)."""
    organisation = {p.id: p.organisation for p in instance.participants}
    if not any(organisation.values()):
        return []
    return [
        _round_heat(k, plan["rounds"][k], organisation)
        for k, rnd in enumerate(instance.rounds)
        if rnd.same_groups_as is None
    ]


def mixing_note(heat: HeatMap, words: Labels) -> str:
    """What a cropped heat map shows of its round, or that no group holds two colleagues."""
    crowded = heat.crowded
    if crowded is None:
        return ""
    if not heat.groups:
        return words["mixing_clear"]
    return words["mixing_crowded"].format(
        groups=crowded.groups,
        organisations=crowded.organisations,
        shown_groups=len(heat.groups),
        crowded_groups=crowded.crowded_groups,
        shown_organisations=len(heat.organisations),
        crowded_organisations=crowded.crowded_organisations,
    )


def _round_heat(position: int, rnd: dict[str, Any], organisation: dict[str, str | None]) -> HeatMap:
    counts = [
        Counter(org for pid in group["members"] if (org := organisation.get(pid)))
        for group in rnd["groups"]
    ]
    totals: Counter[str] = Counter()
    for count in counts:
        totals.update(count)
    columns = list(range(len(counts)))
    orgs = sorted(totals, key=lambda org: (-totals[org], _sort_key(org)))
    crowded = None
    if len(columns) > MAP_COLUMNS or len(orgs) > MAP_ROWS:
        columns, orgs, crowded = _crowded_cells(counts, totals)
    table = tuple(tuple(counts[k][org] for k in columns) for org in orgs)
    return HeatMap(position, tuple(columns), tuple(orgs), table, crowded)


def _crowded_cells(
    counts: list[Counter[str]], totals: Counter[str]
) -> tuple[list[int], list[str], Crowded]:
    """The groups holding two or more members of one organisation, and those organisations,
    the first that fit a page."""
    crowded = [k for k, count in enumerate(counts) if any(c > 1 for c in count.values())]
    worst: dict[str, int] = {}
    for k in crowded:
        for org, c in counts[k].items():
            if c > 1:
                worst[org] = max(worst.get(org, 0), c)
    orgs = sorted(worst, key=lambda org: (-worst[org], -totals[org], _sort_key(org)))
    shown = Crowded(len(counts), len(totals), len(crowded), len(orgs))
    return crowded[:MAP_COLUMNS], orgs[:MAP_ROWS], shown


def round_name(position: int, rid: str, words: Labels) -> str:
    """`Tour 2`, with the id too when it says more than the position (`Tour 2 · case1`, but
    not for `round2` or `rotation2`)."""
    title = f"{words['round']} {position + 1}"
    numbered = NUMBERED_ROUND.fullmatch(rid)
    redundant = numbered is not None and int(numbered[1]) == position + 1
    return title if redundant else f"{title} · {rid}"


def group_name(position: int, gid: str, words: Labels) -> str:
    """`Groupe 3` for the generated id `tour1-3`, else `Groupe <id>`."""
    generated = re.fullmatch(r".+-(\d+)", gid)
    shown = position + 1 if generated and int(generated[1]) == position + 1 else gid
    return f"{words['group']} {shown}"


def render_html(instance: Instance, plan: Plan, lang: Lang = "en") -> str:
    """The whole page: header, quality, a section per round, the participants' cards."""
    words = labels(lang)
    body = [
        _header(instance, plan, words, lang),
        _quality(instance, plan, words, lang),
        *(_round(instance, plan, k, words) for k in range(len(plan["rounds"]))),
        _itineraries(instance, plan, words),
    ]
    title = f"{words['title']} — {instance.name}"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _header(instance: Instance, plan: Plan, words: Labels, lang: Lang) -> str:
    organisations = {p.organisation for p in instance.participants if p.organisation}
    facts = (
        f"{len(instance.participants)} {words['participants']} · "
        f"{len(instance.rounds)} {words['rounds']} · {len(organisations)} {words['organisations']}"
    )
    made = words["made_by"].format(
        strategy=plan["strategy"],
        seed=plan["seed"],
        seconds=number(round(plan["seconds"], 1), lang),
        status=plan["status"],
    )
    return (
        f"<header>\n<h1>{_e(words['title'])}</h1>\n"
        f'<p class="instance">{_e(instance.name)}</p>\n<p>{_e(facts)}</p>\n'
        f'<p class="muted">{_e(made)}</p>\n</header>'
    )


def _quality(instance: Instance, plan: Plan, words: Labels, lang: Lang) -> str:
    bounds = plan.get("metric_bounds", {})
    rows = [
        _metric_row(metric_label(key, lang), value, bounds.get(key), lang)
        for key, value in plan["metrics"].items()
    ]
    total = _metric_row(words["objective"], plan["objective"], plan["bound"], lang, "total")
    table = (
        f'<table>\n<tr><th>{_e(words["measure"])}</th><th class="num">{_e(words["value"])}</th>'
        f'<th class="num">{_e(words["bound"])}</th></tr>\n' + "".join(rows) + total + "</table>"
    )
    return (
        f'<section class="quality">\n<h2>{_e(words["quality"])}</h2>\n{table}\n'
        f'<p class="verdict">{_e(_verdict(plan, words, lang))}</p>\n'
        f"{_met(instance, plan, words, lang)}\n{_mixing(instance, plan, words)}\n</section>"
    )


def _metric_row(
    label: str, value: float, bound: float | None, lang: Lang, css_class: str = ""
) -> str:
    shown = "—" if bound is None else number(bound, lang)
    return (
        f'<tr class="{css_class}"><td>{_e(label)}</td><td class="num">{_e(number(value, lang))}</td>'
        f'<td class="num">{_e(shown)}</td></tr>\n'
    )


def _verdict(plan: Plan, words: Labels, lang: Lang) -> str:
    if plan["bound"] is None:
        return words["no_bound"]
    gap = plan["objective"] - plan["bound"]
    return words["optimal"] if gap <= 0 else words["gap"].format(gap=number(gap, lang))


def _met(instance: Instance, plan: Plan, words: Labels, lang: Lang) -> str:
    met = list(people_met(plan).values())
    if not met:
        return ""
    line = words["met_line"].format(
        avg=number(round(sum(met) / len(met), 1), lang),
        min=number(min(met), lang),
        max=number(max(met), lang),
        most=number(len(instance.participants) - 1, lang),
    )
    return f"<h3>{_e(words['met'])}</h3>\n<p>{_e(line)}</p>"


def _mixing(instance: Instance, plan: Plan, words: Labels) -> str:
    """One heat map organisation × group per round that forms new groups."""
    maps = [
        _heat_map(heat, plan["rounds"][heat.round]["id"], words)
        for heat in heat_maps(instance, plan)
    ]
    if not maps:
        return ""
    legend = "".join(f'<span class="h{n}">{n if n < 4 else "4+"}</span>' for n in range(5))
    return (
        f'<h3>{_e(words["mixing"])}</h3>\n<p class="legend">{legend}</p>\n'
        f'<p class="meta">{_e(words["mixing_note"])}</p>\n' + "\n".join(maps)
    )


def _heat_map(heat: HeatMap, rid: str, words: Labels) -> str:
    note = f'<p class="meta">{_e(mixing_note(heat, words))}</p>\n' if heat.crowded else ""
    head = "".join(f"<th>{k + 1}</th>" for k in heat.groups)
    rows = [
        f'<tr><th class="org">{_e(org)}</th>'
        + "".join(f'<td class="h{min(count, 4)}">{count}</td>' for count in counts)
        + "</tr>"
        for org, counts in zip(heat.organisations, heat.counts, strict=True)
    ]
    caption = f"{round_name(heat.round, rid, words)} — {words['group']}"
    table = (
        f'<table class="heat">\n<tr><th></th>{head}</tr>\n' + "\n".join(rows) + "\n</table>\n"
        if heat.groups or heat.crowded is None
        else ""
    )
    return f'<div class="map">\n<h4>{_e(caption)}</h4>\n{note}{table}</div>'


def _round(instance: Instance, plan: Plan, position: int, words: Labels) -> str:
    rnd = plan["rounds"][position]
    people = {p.id: p for p in instance.participants}
    visitors = {v.id: v.display_name for v in instance.visitors}
    large = max((len(group["members"]) for group in rnd["groups"]), default=0) > LARGE_GROUP
    cards = [
        _group_card(group, k, people, visitors, words, large)
        for k, group in enumerate(rnd["groups"])
    ]
    title = round_name(position, rnd["id"], words)
    return (
        f'<section class="round">\n<h2>{_e(title)}</h2>\n'
        f'<div class="cards{" single" if large else ""}">\n'
        + "\n".join(cards)
        + "\n</div>\n</section>"
    )


def _group_card(
    group: dict[str, Any],
    position: int,
    people: dict[str, Participant],
    visitors: dict[str, str],
    words: Labels,
    large: bool,
) -> str:
    held = {pid: duty for duty, holders in group["duties"].items() for pid in holders}
    visitor = ""
    if group["visitor"] is not None:
        name = visitors.get(group["visitor"], group["visitor"])
        visitor = f'<p class="visitor">{_e(words["visitor_line"].format(name=name))}</p>\n'
    members = "".join(
        f"<li>{_e(people[pid].display_name)}"
        + (f' <span class="duty">{_e(held[pid])}</span>' if pid in held else "")
        + f'<br><span class="meta">{_e(_affiliation(people[pid]))}</span></li>\n'
        for pid in group["members"]
    )
    count = f"{len(group['members'])} {words['members']}"
    return (
        f'<article class="card group">\n<h3><span>{_e(group_name(position, group["id"], words))}'
        f'</span><span class="count">{_e(count)}</span></h3>\n'
        f'{visitor}<ul class="members{" split" if large else ""}">\n{members}</ul>\n</article>'
    )


def _affiliation(person: Participant) -> str:
    return " · ".join(part for part in (person.organisation, person.role) if part)


def _itineraries(instance: Instance, plan: Plan, words: Labels) -> str:
    """A card per participant, sorted by name so that each finds their own on paper."""
    stops = _stops(instance, plan, words)
    ordered = sorted(instance.participants, key=lambda p: (_sort_key(p.display_name), p.id))
    cards = [_person_card(p, plan, stops, words, bool(instance.visitors)) for p in ordered]
    layout = " single" if instance.visitors else " narrow"
    return (
        f'<section class="people">\n<h2>{_e(words["itineraries"])}</h2>\n'
        f'<div class="cards{layout}">\n' + "\n".join(cards) + "\n</div>\n</section>"
    )


def _sort_key(name: str) -> list[str | int]:
    """Alphabetical as people read it: accents ignored, `Personne 9` before `Personne 10`."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    parts = re.split(r"(\d+)", plain.lstrip("=+-@'\"( "))
    return [int(part) if part.isdigit() else part for part in parts]


def _stops(instance: Instance, plan: Plan, words: Labels) -> Stops:
    """(participant, round position) → (group name, visitor name, duty)."""
    visitors = {v.id: v.display_name for v in instance.visitors}
    stops: Stops = {}
    for r, rnd in enumerate(plan["rounds"]):
        for g, group in enumerate(rnd["groups"]):
            held = {pid: duty for duty, holders in group["duties"].items() for pid in holders}
            for pid in group["members"]:
                visitor = visitors.get(group["visitor"], group["visitor"])
                stops[pid, r] = (group_name(g, group["id"], words), visitor, held.get(pid))
    return stops


def _person_card(
    person: Participant, plan: Plan, stops: Stops, words: Labels, visitors: bool
) -> str:
    """Round by round: the group and duty held, then the visitor met when the day has any."""
    rows = []
    for r, rnd in enumerate(plan["rounds"]):
        group, visitor, duty = stops.get((person.id, r), (words["absent"], None, None))
        cells = [_e(round_name(r, rnd["id"], words))]
        cells.append(_e(group) + (f' <span class="duty">{_e(duty)}</span>' if duty else ""))
        if visitors:
            cells.append(f'<span class="meta">{_e(visitor)}</span>')
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return (
        f'<article class="card person">\n<h3><span>{_e(person.display_name)}</span></h3>\n'
        f'<p class="meta">{_e(_affiliation(person))}</p>\n<table class="route">\n'
        + "\n".join(rows)
        + "\n</table>\n</article>"
    )
