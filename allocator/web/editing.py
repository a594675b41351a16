"""Changing a plan by hand: a person moved to another group or swapped with another, the
duties of the groups touched handed out again, and the plan scored and checked again by
the library's evaluator and verifier. Every edit can be undone.

A move in a round moves the person in every round that keeps its groups (`same_groups_as`,
either way), where they attend: the rounds of one set of groups change together, as the
rule says, and a move breaks only what it really breaks (sizes, a ratio, a cap...).
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

from allocator import Instance, evaluate, objective_value, verify

Json = dict[str, Any]
HAND_EDITED = "hand-edited"
UNDO_DEPTH = 200


class EditError(ValueError):
    """An edit naming a round, person or group the plan does not have."""


def kept_rounds(instance: Instance, round_id: str) -> list[str]:
    """The round and every round holding the same groups (linked by `same_groups_as`)."""
    source = {rnd.id: rnd.same_groups_as for rnd in instance.rounds}

    def root(rid: str) -> str:
        while source.get(rid):
            rid = source[rid]
        return rid

    target = root(round_id)
    return [rnd.id for rnd in instance.rounds if root(rnd.id) == target]


def seats_of(plan: Json, person: str) -> dict[str, str]:
    """The person's group in each round they attend, by round id."""
    return {
        rnd["id"]: group["id"]
        for rnd in plan["rounds"]
        for group in rnd["groups"]
        if person in group["members"]
    }


def _round(plan: Json, round_id: str) -> Json:
    for rnd in plan["rounds"]:
        if rnd["id"] == round_id:
            return rnd
    raise EditError(f"no round {round_id!r}")


def _group_of(rnd: Json, person: str) -> Json | None:
    return next((g for g in rnd["groups"] if person in g["members"]), None)


def _group(rnd: Json, group_id: str) -> Json:
    for group in rnd["groups"]:
        if group["id"] == group_id:
            return group
    raise EditError(f"no group {group_id!r} in round {rnd['id']!r}")


def edit(instance: Instance, plan: Json, change: Json) -> tuple[Json, list[Json]]:
    """The plan after `change` — `{"round", "person", "group"}` (a move) or `{"round",
    "person", "with"}` (a swap) — and the groups as they were before, to undo it."""
    changed = copy.deepcopy(plan)
    round_id, person = change.get("round"), change.get("person")
    if not isinstance(round_id, str) or not isinstance(person, str):
        raise EditError("an edit names a round and a person")
    if _group_of(_round(changed, round_id), person) is None:
        raise EditError(f"{person!r} has no seat in round {round_id!r}")
    partner = change.get("with")
    target = change.get("group")
    if isinstance(partner, str):
        if _group_of(_round(changed, round_id), partner) is None:
            raise EditError(f"{partner!r} has no seat in round {round_id!r}")
    elif isinstance(target, str):
        _group(_round(changed, round_id), target)
    else:
        raise EditError("an edit names a target group or a person to swap with")
    before: list[Json] = []
    for rid in kept_rounds(instance, round_id):
        rnd = _round(changed, rid)
        touched = _move_or_swap(rnd, person, partner, target)
        before.extend(
            {"round": rid, "group": g["id"], **copy.deepcopy(_seats(plan, rid, g["id"]))}
            for g in touched
        )
        _hand_duties(instance, changed, rnd, touched)
    return changed, before


def _seats(plan: Json, round_id: str, group_id: str) -> Json:
    group = _group(_round(plan, round_id), group_id)
    return {"members": group["members"], "duties": group.get("duties", {})}


def _move_or_swap(rnd: Json, person: str, partner: Any, target: Any) -> list[Json]:
    """Change one round's seats; the groups changed. Rounds where the person (or the
    partner) does not sit change nothing."""
    here = _group_of(rnd, person)
    if here is None:
        return []
    if isinstance(partner, str):
        there = _group_of(rnd, partner)
        if there is None or there is here:
            return []
        here["members"] = [partner if m == person else m for m in here["members"]]
        there["members"] = [person if m == partner else m for m in there["members"]]
        return [here, there]
    there = _group(rnd, target)
    if there is here:
        return []
    here["members"] = [m for m in here["members"] if m != person]
    there["members"] = [*there["members"], person]
    return [here, there]


def _hand_duties(instance: Instance, plan: Json, rnd: Json, groups: list[Json]) -> None:
    """Holders who left a group lose its duty; a duty short of holders goes to members
    without a duty this round, eligible, who held fewest over the day."""
    people = {p.id: p for p in instance.participants}
    held_over_day = Counter(
        pid
        for other in plan["rounds"]
        for group in other["groups"]
        for holders in group.get("duties", {}).values()
        for pid in holders
    )
    for group in groups:
        duties = group.setdefault("duties", {})
        for duty in instance.duties:
            if duty.name not in duties:
                continue
            holders = [h for h in duties[duty.name] if h in group["members"]]
            busy = {h for name, hs in duties.items() if name != duty.name for h in hs}
            free = [
                m
                for m in group["members"]
                if m not in holders
                and m not in busy
                and (duty.eligible_roles is None or people[m].role in duty.eligible_roles)
            ]
            free.sort(key=lambda m: held_over_day[m])
            duties[duty.name] = (holders + free)[: duty.per_group]


def undo(plan: Json, before: list[Json]) -> Json:
    """The plan with the groups of `before` as they were."""
    restored = copy.deepcopy(plan)
    for seat in before:
        group = _group(_round(restored, seat["round"]), seat["group"])
        group["members"], group["duties"] = seat["members"], seat["duties"]
    return restored


def rescore(instance: Instance, plan: Json, bounds: tuple[float | None, Json]) -> list[Any]:
    """Score `plan` (in place) as the library scores a plan, mark it as edited by hand,
    bounded by the instance's counting bounds; return the verifier's violations."""
    metrics = evaluate(instance, plan)
    objective = objective_value(instance, metrics)
    violations = verify(instance, {**plan, "metrics": metrics, "objective": objective})
    bound, metric_bounds = bounds
    if violations:
        status = "infeasible"  # v1's word for a plan that breaks a hard rule
    elif bound is not None and objective <= bound + 1e-9 * max(1.0, abs(objective)):
        status = "optimal"
    else:
        status = "feasible"
    plan.update(
        strategy=HAND_EDITED,
        engine=HAND_EDITED,
        status=status,
        objective=objective,
        metrics=metrics,
        bound=bound,
        bound_by=None if bound is None else "counting",
        metric_bounds=metric_bounds,
    )
    plan.pop("repair", None)
    return violations
