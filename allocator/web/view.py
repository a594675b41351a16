"""What the plan page draws, as JSON: the people once, each round's groups (members,
duties, visitor, the rules each card breaks), the quality against the bounds, the locks.
The browser draws it with text nodes only, so no text of the instance is ever markup."""

from __future__ import annotations

from typing import Any

from allocator import (
    HeatMap,
    Instance,
    Lang,
    heat_maps,
    metric_label,
    mixing_note,
    number,
    people_met,
    plan_file_names,
    round_name,
)
from allocator import group_name as group_title
from allocator.web.words import broken_rule, rule_name, words

Json = dict[str, Any]


def violations_json(violations: list[Any]) -> list[Json]:
    """The verifier's violations as stored with a plan record, with what each says as
    data (its facts), for the page to word it in its language."""
    return [
        {
            "rule": v.rule,
            "message": v.message,
            "groups": [list(g) for g in v.groups],
            "facts": dict(v.facts),
        }
        for v in violations
    ]


def shown_violation(violation: Json, lang: Lang) -> Json:
    """A stored violation as the page shows it: the rule's name and the sentence in the
    page's language (the library's English message where the words have none)."""
    return {
        "rule": violation["rule"],
        "name": rule_name(violation["rule"], lang),
        "message": broken_rule(
            violation["rule"], violation["message"], violation.get("facts"), lang
        ),
    }


def plan_view(day: str, number_: int, record: Json, instance: Instance, lang: Lang) -> Json:
    plan, said = record["plan"], words(lang)
    broken: dict[tuple[str, str], list[Json]] = {}
    shown = [shown_violation(v, lang) for v in record["violations"]]
    for violation, said_so in zip(record["violations"], shown, strict=True):
        for rid, gid in violation["groups"]:
            broken.setdefault((rid, gid), []).append(said_so)
    visitors = {v.id: v.name for v in instance.visitors}
    maps = {heat.round: heat for heat in heat_maps(instance, plan)}
    rounds = []
    for position, rnd in enumerate(plan["rounds"]):
        groups = []
        for k, group in enumerate(rnd["groups"]):
            duty_of = {h: name for name, hs in (group.get("duties") or {}).items() for h in hs}
            groups.append(
                {
                    "id": group["id"],
                    "name": group_title(k, group["id"], said),
                    "visitor": visitors.get(group.get("visitor") or "", group.get("visitor")),
                    "members": group["members"],
                    "duties": duty_of,
                    "broken": broken.get((rnd["id"], group["id"]), []),
                }
            )
        heat = maps.get(position)
        rounds.append(
            {
                "id": rnd["id"],
                "name": round_name(position, rnd["id"], said),
                "groups": groups,
                "heat": None if heat is None else heat_json(heat, groups, said),
                "keeps": kept_from(instance, position, said),
            }
        )
    return {
        "day": day,
        "number": number_,
        "title": instance.name,
        "kind": record["kind"],
        "valid": record["valid"],
        "status": plan["status"],
        "strategy": plan["strategy"],
        "people": {
            p.id: [p.name, p.organisation or "", p.role or ""] for p in instance.participants
        },
        "rounds": rounds,
        "violations": shown,
        "quality": quality(plan, lang),
        "mixing": bool(maps),
        "locks": record.get("locks", []),
        "can_undo": bool(record.get("undo")),
        "files": plan_file_names(instance, generated=True) if record["valid"] else [],
    }


def heat_json(heat: HeatMap, groups: list[Json], said: dict[str, str]) -> Json:
    """A round's heat map as plan.html draws it (the library counts it): a column per group
    shown, numbered as there (its name as the column's title), a row per organisation
    shown, and the note of a cropped map."""
    return {
        "columns": [{"number": k + 1, "name": groups[k]["name"]} for k in heat.groups],
        "rows": [
            [organisation, list(counts)]
            for organisation, counts in zip(heat.organisations, heat.counts, strict=True)
        ],
        "note": mixing_note(heat, said),
    }


def kept_from(instance: Instance, position: int, said: dict[str, str]) -> str:
    """The name of the round whose groups this one keeps (its heat map is that round's),
    or "" for a round that forms new groups."""
    source = instance.rounds[position].same_groups_as
    if source is None:
        return ""
    index = next(k for k, rnd in enumerate(instance.rounds) if rnd.id == source)
    return round_name(index, source, said)


def quality(plan: Json, lang: Lang) -> Json:
    """The table of plan.html: each term against its bound, the objective, the verdict."""
    said, bounds = words(lang), plan.get("metric_bounds") or {}

    def shown(value: float | None) -> str:
        return "—" if value is None else number(value, lang)

    rows = [
        [metric_label(key, lang), shown(value), shown(bounds.get(key))]
        for key, value in plan["metrics"].items()
    ]
    rows.append([said["objective"], shown(plan["objective"]), shown(plan["bound"])])
    if plan["bound"] is None:
        verdict = said["no_bound"]
    else:
        gap = plan["objective"] - plan["bound"]
        verdict = said["optimal"] if gap <= 0 else said["gap"].format(gap=number(gap, lang))
    met = list(people_met(plan).values())
    line = ""
    if met:
        line = said["met_line"].format(
            avg=number(round(sum(met) / len(met), 1), lang),
            min=min(met),
            max=max(met),
            most=len(met) - 1,
        )
    return {"rows": rows, "verdict": verdict, "met": f"{said['met']}: {line}" if line else ""}
