"""Infeasibility proven by counting before any search, explained in the organiser's terms."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from allocator.analysis.bounds import least_company
from allocator.model.errors import Conflict
from allocator.model.problem import Problem


def counting_conflicts(problem: Problem) -> list[Conflict]:
    """Every hard rule that counting alone shows cannot hold, with the numbers."""
    return [
        *_organisation_caps(problem),
        *_role_ratios(problem),
        *_visitors(problem),
        *_duties(problem),
        *_pins(problem),
        *_together(problem),
        *_max_meetings(problem),
    ]


def _organisation_caps(p: Problem) -> Iterable[Conflict]:
    for r, shape in enumerate(p.rounds):
        cap = p.org_cap[r]
        if cap is None:
            continue
        groups = len(shape.groups)
        counts = np.bincount(
            p.organisation.of[p.present[r] & (p.organisation.of >= 0)], minlength=1
        )
        for o in np.flatnonzero(counts > groups * cap):
            yield Conflict(
                "organisation_cap",
                f"round `{shape.id}`: organisation `{p.organisation.values[o]}` has {counts[o]} members present "
                f"but {groups} groups with at most {cap} each seat only {groups * cap} of them",
                f'add groups, raise max_per_organisation, or set "max_per_organisation": null on round `{shape.id}`',
                round=shape.id,
                counts={
                    "members": int(counts[o]),
                    "groups": groups,
                    "cap": cap,
                    "seatable": groups * cap,
                },
            )


def _role_ratios(p: Problem) -> Iterable[Conflict]:
    for rule in p.ratios:
        role_name, per_name = p.role.values[rule.role], p.role.values[rule.per]
        for r, shape in enumerate(p.rounds):
            n_role = int((p.present[r] & (p.role.of == rule.role)).sum())
            n_per = int((p.present[r] & (p.role.of == rule.per)).sum())
            if rule.max is not None and n_role > rule.max * n_per:
                seatable = int(rule.max * n_per)
                yield Conflict(
                    "role_ratio",
                    f"round `{shape.id}`: {n_role} {role_name}s but {n_per} {per_name}s: with at most {rule.max} "
                    f"{role_name} per {per_name} in every group, at most {seatable} {role_name}s can be seated",
                    f"invite more {per_name}s or raise the ratio's max above {n_role}/{n_per}",
                    round=shape.id,
                    counts={"role": n_role, "per": n_per, "seatable": seatable},
                )
                return
            if rule.min is not None and n_role < rule.min * n_per:
                yield Conflict(
                    "role_ratio",
                    f"round `{shape.id}`: {n_role} {role_name}s but {n_per} {per_name}s: with at least {rule.min} "
                    f"{role_name} per {per_name} in every group, {int(-(-rule.min * n_per // 1))} {role_name}s are needed",
                    f"invite more {role_name}s or lower the ratio's min",
                    round=shape.id,
                    counts={"role": n_role, "per": n_per, "needed": int(-(-rule.min * n_per // 1))},
                )
                return


def _visitor_rounds(p: Problem) -> dict[int, list[int]]:
    rounds: dict[int, list[int]] = {}
    for r, listed in enumerate(p.round_visitors):
        for v in listed:
            rounds.setdefault(v, []).append(r)
    return rounds


def _visitors(p: Problem) -> Iterable[Conflict]:
    for r, listed in enumerate(p.round_visitors):
        if len(listed) > len(p.rounds[r].groups):
            yield Conflict(
                "visitors",
                f"round `{p.rounds[r].id}` lists {len(listed)} visitors but has {len(p.rounds[r].groups)} groups, "
                "and no group can host two",
                "add groups to the round or list fewer visitors",
                round=p.rounds[r].id,
                counts={"visitors": len(listed), "groups": len(p.rounds[r].groups)},
            )
    if not p.visitors_exactly_once:
        return
    rounds_of = _visitor_rounds(p)
    short = []
    for q in range(p.n):
        owed = [v for v, rounds in rounds_of.items() if p.present[rounds, q].all()]
        slots = {r for v in owed for r in rounds_of[v]}
        if len(owed) > len(slots):
            short.append((q, len(owed), len(slots)))
    if short:
        q, owed, slots = short[0]
        yield Conflict(
            "visitors",
            f"{len(short)} participant(s), e.g. `{p.instance.participants[q].id}`, must meet {owed} visitors "
            f"exactly once each but attend only {slots} of their rounds: one visitor per round at most",
            'add rounds for the visitors, or set constraints.visitor_meetings to "at_most_once"',
            counts={"participants": len(short), "visitors": owed, "rounds": slots},
        )


def _duties(p: Problem) -> Iterable[Conflict]:
    for r, shape in enumerate(p.rounds):
        needed = 0
        for duty in p.duties:
            if r not in duty.rounds:
                continue
            seats = len(shape.groups) * duty.per_group
            needed += seats
            eligible = int((p.present[r] & duty.eligible).sum())
            if eligible < seats:
                yield Conflict(
                    "duties",
                    f"round `{shape.id}`: duty `{duty.name}` needs {seats} holders ({len(shape.groups)} groups × "
                    f"{duty.per_group}) but only {eligible} present participants are eligible",
                    "widen eligible_roles, lower per_group or use fewer groups",
                    round=shape.id,
                    counts={"holders": seats, "eligible": eligible},
                )
        if needed > len(shape.present):
            yield Conflict(
                "duties",
                f"round `{shape.id}`: its duties need {needed} different holders but {len(shape.present)} people "
                "are present, and nobody holds two duties in one round",
                "lower per_group, drop a duty from this round or use fewer groups",
                round=shape.id,
                counts={"holders": needed, "present": len(shape.present)},
            )


def _pins(p: Problem) -> Iterable[Conflict]:
    seats: dict[tuple[int, int], int] = {}
    for q, r, g in p.fixed:
        if seats.setdefault((q, r), g) != g:
            yield Conflict(
                "fixed",
                f"`{p.instance.participants[q].id}` is pinned to two groups in round `{p.rounds[r].id}`",
                "keep one pin per participant and round",
                round=p.rounds[r].id,
            )
    for people in p.apart:
        for r in range(len(p.rounds)):
            pinned = [seats[q, r] for q in people.tolist() if (q, r) in seats]
            if len(pinned) != len(set(pinned)):
                yield Conflict(
                    "fixed",
                    f"round `{p.rounds[r].id}`: people who must be apart are pinned to the same group",
                    "move one of the pins or take them off the apart list",
                    round=p.rounds[r].id,
                )


def _together(p: Problem) -> Iterable[Conflict]:
    for people in p.together:
        ids = ", ".join(p.instance.participants[q].id for q in people.tolist())
        for r, shape in enumerate(p.rounds):
            if not p.present[r, people].all():
                continue
            largest = max(g.max_size for g in shape.groups)
            if len(people) > largest:
                yield Conflict(
                    "together",
                    f"round `{shape.id}`: {len(people)} people must sit together ({ids}) but no group holds more "
                    f"than {largest}",
                    "raise max_size or split the together list",
                    round=shape.id,
                    counts={"together": len(people), "largest_group": largest},
                )
            cap = p.org_cap[r]
            orgs = p.organisation.of[people]
            colleagues = int(np.bincount(orgs[orgs >= 0]).max()) if (orgs >= 0).any() else 0
            if cap is not None and colleagues > cap:
                yield Conflict(
                    "together",
                    f"round `{shape.id}`: the together list ({ids}) has more than {cap} members of one organisation",
                    "raise max_per_organisation or split the together list",
                    round=shape.id,
                    counts={"colleagues": colleagues, "cap": cap},
                )
        for other in p.apart:
            shared = set(people.tolist()) & set(other.tolist())
            if len(shared) > 1 and any(
                p.present[r, sorted(shared)].all() for r in range(len(p.rounds))
            ):
                yield Conflict(
                    "together",
                    f"{ids} must be together, but some of them must also be apart",
                    "take them off one of the two lists",
                )


def _max_meetings(p: Problem) -> Iterable[Conflict]:
    """Each grouping seats a person with at least (smallest group − 1) others, and each other
    person can be met at most max_meetings times."""
    if p.max_meetings is None:
        return
    seats = least_company(p)
    for q in np.flatnonzero(seats > p.max_meetings * (p.n - 1))[:1].tolist():
        yield Conflict(
            "max_meetings",
            f"`{p.instance.participants[q].id}` sits with at least {seats[q]} people over the day, but there are "
            f"only {p.n - 1} others to meet at most {p.max_meetings} time(s) each",
            "raise max_meetings, use smaller groups or fewer rounds",
            counts={"company": int(seats[q]), "others": p.n - 1, "max_meetings": p.max_meetings},
        )
