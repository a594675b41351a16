"""Check a plan against every hard rule of FORMAT.md, as a second opinion on the solvers.

Everything (group ids, size bounds, groupings, presence) is re-derived here from
the instance models alone; nothing is taken from the solvers' compiled layout.
The plan is read defensively: a malformed plan yields `structure` violations,
never an exception, and the rules that need a sound seating are then skipped.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

from allocator.evaluation.evaluate import (
    Seating,
    attribute_value,
    evaluate,
    groupings,
    objective_value,
    seat_vectors,
)
from allocator.evaluation.meetings import pairs_meeting_more_than
from allocator.model.instance import Instance
from allocator.model.limits import excerpt, named

Bounds = tuple[int, int | None]
TOLERANCE = 1e-6
NAMES_SHOWN = 10
PAIRS_SHOWN = 100


Where = tuple[tuple[str, str], ...]
"""(round id, group id) of each group a broken rule is seen in."""


@dataclass(frozen=True)
class Violation:
    """One broken rule: `rule` is a stable name, `message` says where and who, and `groups`
    names the groups it is seen in (for a page that marks them; compared as the message
    is, so it takes no part in equality)."""

    rule: str
    message: str
    groups: Where = field(default=(), compare=False)
    facts: Mapping[str, Any] = field(default_factory=dict, compare=False)
    """What the message says, as data, for a page wording it in another language: `case`
    (which of the rule's messages) and the round, group, counts and ids it names (lists of
    ids whole, where the message cuts them short)."""


Facts = dict[str, Any]
Found = str | tuple[str, Where] | tuple[str, Where, Facts]
"""What a check yields: a message, or a message with the groups where the rule breaks,
and what it says as data."""


def _at(message: str, rid: str, *gids: str, **facts: Any) -> Found:
    return message, tuple((rid, gid) for gid in gids), {"round": rid, **facts}


def _said(message: str, **facts: Any) -> Found:
    """A message seen in no group in particular, with its facts."""
    return message, (), facts


def group_ids(instance: Instance) -> list[list[str]]:
    """The group ids of each round; a `same_groups_as` round has those of the round it names."""
    index = {rnd.id: k for k, rnd in enumerate(instance.rounds)}
    ids: list[list[str]] = []
    for rnd in instance.rounds:
        if rnd.same_groups_as is not None:
            ids.append(ids[index[rnd.same_groups_as]])
        elif isinstance(rnd.groups, int):
            ids.append([f"{rnd.id}-{n}" for n in range(1, rnd.groups + 1)])
        else:
            ids.append([g.id for g in rnd.groups or []])
    return ids


def round_bounds(instance: Instance) -> list[dict[str, Bounds] | None]:
    """Each round's (min, max) per group id, or None when its sizes are balanced.

    A group setting either bound uses its own pair; other groups use the round's.
    A `same_groups_as` round without bounds of its own inherits the named round's
    (balanced stays balanced, over this round's own present count).
    """
    index = {rnd.id: k for k, rnd in enumerate(instance.rounds)}
    ids = group_ids(instance)
    resolved: list[dict[str, Bounds] | None] = []
    for k, rnd in enumerate(instance.rounds):
        round_level = (rnd.min_size or 0, rnd.max_size)
        has_own = rnd.min_size is not None or rnd.max_size is not None
        if rnd.same_groups_as is not None:
            named = resolved[index[rnd.same_groups_as]]
            resolved.append({g: round_level for g in ids[k]} if has_own else named)
            continue
        specs = rnd.groups if isinstance(rnd.groups, list) else []
        bounded = [s for s in specs if s.min_size is not None or s.max_size is not None]
        if not has_own and not bounded:
            resolved.append(None)
            continue
        bounds = {g: round_level for g in ids[k]}
        bounds.update({s.id: (s.min_size or 0, s.max_size) for s in bounded})
        resolved.append(bounds)
    return resolved


def present_sets(instance: Instance) -> list[set[int]]:
    """The participant indices attending each round (no `rounds` = every round)."""
    return [
        {i for i, p in enumerate(instance.participants) if p.rounds is None or rnd.id in p.rounds}
        for rnd in instance.rounds
    ]


@dataclass
class _Plan:
    """A plan read back into participant indices, with what the rules need at hand."""

    instance: Instance
    raw: dict[str, Any]
    seats: Seating
    visitor: list[dict[str, str | None]]
    duties: list[dict[str, dict[str, list[str]]]]
    present: list[set[int]]
    visitors_readable: bool
    duties_readable: bool
    group_of: list[dict[int, str]] = field(init=False)

    def __post_init__(self) -> None:
        self.group_of = [
            {i: gid for gid, members in groups.items() for i in members} for groups in self.seats
        ]

    @cached_property
    def truth(self) -> dict[str, float]:
        """The metrics recounted from the seats (read by two checks)."""
        return evaluate(self.instance, self.raw)

    def who(self, indices: Iterable[int]) -> str:
        """Participant ids for a message, cut short for huge lists."""
        return _listing([self.instance.participants[i].id for i in indices])

    def rounds(self) -> Iterator[tuple[int, str, dict[str, list[int]]]]:
        """(round index, round id, groups) for every round."""
        for k, rnd in enumerate(self.instance.rounds):
            yield k, rnd.id, self.seats[k]


def _listing(items: list[str]) -> str:
    text = ", ".join(items[:NAMES_SHOWN])
    return text if len(items) <= NAMES_SHOWN else f"{text}, … ({len(items)} in all)"


class _PlanReader:
    """Reads the plan's JSON without trusting any of it, noting every `structure` problem."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.person = {p.id: i for i, p in enumerate(instance.participants)}
        self.visitor_ids = {v.id for v in instance.visitors}
        self.duty_names = {d.name for d in instance.duties}
        self.group_ids = group_ids(instance)
        self.present = present_sets(instance)
        self.problems: list[tuple[str, Facts]] = []
        self.seating_ok = True
        self.visitors_ok = True
        self.duties_ok = True

    def problem(self, message: str, **facts: Any) -> None:
        self.problems.append((message, facts))

    def seating_problem(self, message: str, **facts: Any) -> None:
        self.problem(message, **facts)
        self.seating_ok = False

    def read(self, plan: Any) -> _Plan | None:
        """The plan in indices, or None when its seating is too broken to check rules on."""
        if not isinstance(plan, dict):
            self.seating_problem("the plan is not a JSON object", case="not_object")
            return None
        rounds = plan.get("rounds")
        if not isinstance(rounds, list):
            self.seating_problem("the plan has no `rounds` list", case="no_rounds")
            return None
        got = [r.get("id") if isinstance(r, dict) else None for r in rounds]
        expected = [r.id for r in self.instance.rounds]
        if got != expected:
            self.seating_problem(
                f"the plan's rounds are {excerpt(got, 200)}, expected {excerpt(expected, 200)}"
                " in this order",
                case="rounds",
                value=excerpt(got, 200),
                expected=expected,
            )
            return None
        seats, visitors, duties = [], [], []
        for k, plan_round in enumerate(rounds):
            groups, visitor, duty = self.read_round(k, plan_round.get("groups"))
            seats.append(groups)
            visitors.append(visitor)
            duties.append(duty)
        if not self.seating_ok:
            return None
        return _Plan(
            self.instance,
            plan,
            seats,
            visitors,
            duties,
            self.present,
            self.visitors_ok,
            self.duties_ok,
        )

    def read_round(
        self, k: int, groups: Any
    ) -> tuple[dict[str, list[int]], dict[str, str | None], dict[str, dict[str, list[str]]]]:
        """Members, visitor and duties of each group of round k, in the instance's group order."""
        rid = self.instance.rounds[k].id
        seats: dict[str, list[int]] = {}
        visitor: dict[str, str | None] = {}
        duties: dict[str, dict[str, list[str]]] = {}
        if not isinstance(groups, list):
            self.seating_problem(f"round `{rid}`: `groups` is not a list", case="groups", round=rid)
            return seats, visitor, duties
        known = set(self.group_ids[k])
        seen: dict[int, str] = {}
        for n, group in enumerate(groups, start=1):
            gid = group.get("id") if isinstance(group, dict) else None
            if not isinstance(gid, str):
                self.seating_problem(
                    f"round `{rid}`: group #{n} is not an object with a string `id`",
                    case="group",
                    round=rid,
                    position=n,
                )
            elif gid not in known:
                self.seating_problem(
                    f"round `{rid}`: unknown group `{gid}`",
                    case="unknown_group",
                    round=rid,
                    group=gid,
                )
            elif gid in seats:
                self.seating_problem(
                    f"round `{rid}`: group `{gid}` appears twice",
                    case="twice",
                    round=rid,
                    group=gid,
                )
            else:
                seats[gid] = self.read_members(k, gid, group.get("members"), seen)
                visitor[gid] = self.read_visitor(rid, gid, group.get("visitor"))
                duties[gid] = self.read_duties(rid, gid, group.get("duties"))
        missing = [g for g in self.group_ids[k] if g not in seats]
        if missing:
            self.seating_problem(
                f"round `{rid}`: missing groups {_listing(missing)}",
                case="missing",
                round=rid,
                groups=missing,
            )
        unseated = sorted(i for i in self.present[k] if i not in seen)
        if unseated:
            names = _listing([self.instance.participants[i].id for i in unseated])
            self.seating_problem(
                f"round `{rid}`: {len(unseated)} present participants unseated: {names}",
                case="unseated",
                round=rid,
                people=[self.instance.participants[i].id for i in unseated],
            )
        return {g: seats[g] for g in self.group_ids[k] if g in seats}, visitor, duties

    def read_members(self, k: int, gid: str, members: Any, seen: dict[int, str]) -> list[int]:
        """Known, present participants of one group; `seen` catches anyone seated twice."""
        rid = self.instance.rounds[k].id
        where = f"round `{rid}` group `{gid}`"
        if not isinstance(members, list):
            self.seating_problem(
                f"{where}: `members` is not a list", case="members", round=rid, group=gid
            )
            return []
        seated: list[int] = []
        for member in members:
            i = self.person.get(member) if isinstance(member, str) else None
            if i is None:
                self.seating_problem(
                    f"{where}: unknown participant {member!r}",
                    case="unknown_person",
                    round=rid,
                    group=gid,
                    value=excerpt(member),
                )
            elif i not in self.present[k]:
                self.seating_problem(
                    f"{where}: `{member}` does not attend this round",
                    case="absent",
                    round=rid,
                    group=gid,
                    person=member,
                )
            elif i in seen:
                self.seating_problem(
                    f"round `{rid}`: `{member}` sits in `{seen[i]}` and in `{gid}`",
                    case="seated_twice",
                    round=rid,
                    person=member,
                    groups=[seen[i], gid],
                )
            else:
                seen[i] = gid
                seated.append(i)
        return seated

    def read_visitor(self, rid: str, gid: str, visitor: Any) -> str | None:
        """A missing `visitor` key reads as null."""
        if visitor is None:
            return None
        if not isinstance(visitor, str) or visitor not in self.visitor_ids:
            self.problem(
                f"round `{rid}` group `{gid}`: unknown visitor {visitor!r}",
                case="unknown_visitor",
                round=rid,
                group=gid,
                value=excerpt(visitor),
            )
            self.visitors_ok = False
            return None
        return visitor

    def read_duties(self, rid: str, gid: str, duties: Any) -> dict[str, list[str]]:
        """A missing `duties` key reads as no duty held."""
        if duties is None:
            return {}
        where = f"round `{rid}` group `{gid}`"
        if not isinstance(duties, dict):
            self.problem(f"{where}: `duties` is not an object", case="duties", round=rid, group=gid)
            self.duties_ok = False
            return {}
        read: dict[str, list[str]] = {}
        for name, holders in duties.items():
            if name not in self.duty_names:
                self.problem(
                    f"{where}: unknown duty {name!r}",
                    case="unknown_duty",
                    round=rid,
                    group=gid,
                    value=excerpt(name),
                )
                self.duties_ok = False
            elif not isinstance(holders, list) or not all(isinstance(h, str) for h in holders):
                self.problem(
                    f"{where}: holders of duty `{name}` are not a list of ids",
                    case="holders",
                    round=rid,
                    group=gid,
                    duty=name,
                )
                self.duties_ok = False
            else:
                read[name] = holders
        return read


Seats = dict[str, dict[str, list[str]]]


def read_seats(plan: Any) -> tuple[Seats, list[str]]:
    """Round id → group id → member ids of a plan made for another version of the instance
    (the earlier plan of a day-of repair: people and groups may have changed since), read
    as `verify` reads plans, without trusting any of it: every malformed part is a problem
    in the same words, and nothing is guessed. Ids unknown to the instance are not
    problems here."""
    if not isinstance(plan, dict):
        return {}, ["the plan is not a JSON object"]
    rounds = plan.get("rounds")
    if not isinstance(rounds, list):
        return {}, ["the plan has no `rounds` list"]
    seats: Seats = {}
    problems: list[str] = []
    for k, plan_round in enumerate(rounds, start=1):
        rid = plan_round.get("id") if isinstance(plan_round, dict) else None
        if not isinstance(rid, str) or rid in seats:
            problems.append(f"round #{k} is not an object with a string `id` of its own")
            continue
        seats[rid] = _read_groups(rid, plan_round.get("groups"), problems)
    return seats, problems[:NAMES_SHOWN]


def _read_groups(rid: str, groups: Any, problems: list[str]) -> dict[str, list[str]]:
    if not isinstance(groups, list):
        problems.append(f"round {named(rid)}: `groups` is not a list")
        return {}
    read: dict[str, list[str]] = {}
    seated: set[str] = set()
    for n, group in enumerate(groups, start=1):
        gid = group.get("id") if isinstance(group, dict) else None
        members = group.get("members") if isinstance(group, dict) else None
        where = f"round {named(rid)} group {named(gid)}"
        if not isinstance(gid, str) or gid in read:
            problems.append(f"round {named(rid)}: group #{n} is not an object with a string `id`")
        elif not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            problems.append(f"{where}: `members` is not a list of participant ids")
        else:
            read[gid] = members
            twice = [m for m in members if m in seated]
            seated.update(members)
            if twice:
                problems.append(f"{where}: {_listing(twice)} sit in two groups of the round")
    return read


def _check_sizes(plan: _Plan) -> Iterator[Found]:
    """Bounded groups stay within (min, max); balanced rounds differ by at most one."""
    for (k, rid, groups), bounds in zip(plan.rounds(), round_bounds(plan.instance), strict=True):
        if bounds is None:
            present, count = len(plan.present[k]), len(groups)
            low, high = present // count, -(-present // count)
            for gid, members in groups.items():
                if not low <= len(members) <= high:
                    yield _at(
                        f"round `{rid}` group `{gid}`: {len(members)} members, but balanced sizes"
                        f" are {low} or {high} ({present} present over {count} groups)",
                        rid,
                        gid,
                        case="balanced",
                        group=gid,
                        members=len(members),
                        low=low,
                        high=high,
                        present=present,
                        groups=count,
                    )
            continue
        for gid, members in groups.items():
            low, high = bounds[gid]
            if len(members) < low:
                yield _at(
                    f"round `{rid}` group `{gid}`: {len(members)} members (min {low})",
                    rid,
                    gid,
                    case="min",
                    group=gid,
                    members=len(members),
                    min=low,
                )
            if high is not None and len(members) > high:
                yield _at(
                    f"round `{rid}` group `{gid}`: {len(members)} members (max {high})",
                    rid,
                    gid,
                    case="max",
                    group=gid,
                    members=len(members),
                    max=high,
                )


def _check_same_groups(plan: _Plan) -> Iterator[Found]:
    """Compared with the named round only, for people present in both."""
    index = {rnd.id: k for k, rnd in enumerate(plan.instance.rounds)}
    for k, rnd in enumerate(plan.instance.rounds):
        if rnd.same_groups_as is None:
            continue
        s = index[rnd.same_groups_as]
        for i in sorted(plan.present[k] & plan.present[s]):
            here, there = plan.group_of[k][i], plan.group_of[s][i]
            if here != there:
                yield (
                    f"round `{rnd.id}`: `{plan.who([i])}` sits in `{here}`"
                    f" but in `{there}` in round `{rnd.same_groups_as}`",
                    ((rnd.id, here), (rnd.same_groups_as, there)),
                    {
                        "case": "moved",
                        "round": rnd.id,
                        "person": plan.instance.participants[i].id,
                        "group": here,
                        "kept_round": rnd.same_groups_as,
                        "kept_group": there,
                    },
                )


def _check_merge(plan: _Plan) -> Iterator[Found]:
    """Each earlier group, restricted to people still present, lands in one group."""
    index = {rnd.id: k for k, rnd in enumerate(plan.instance.rounds)}
    for k, rnd in enumerate(plan.instance.rounds):
        if rnd.merge_of is None:
            continue
        for gid, members in plan.seats[index[rnd.merge_of]].items():
            landed: dict[str, list[int]] = defaultdict(list)
            for i in members:
                if i in plan.present[k]:
                    landed[plan.group_of[k][i]].append(i)
            if len(landed) > 1:
                parts = "; ".join(f"`{g}` ({plan.who(who)})" for g, who in sorted(landed.items()))
                yield _at(
                    f"round `{rnd.id}`: group `{gid}` of `{rnd.merge_of}` is split over {parts}",
                    rnd.id,
                    *sorted(landed),
                    case="split",
                    group=gid,
                    merged_round=rnd.merge_of,
                    parts=[[g, _ids(plan, who)] for g, who in sorted(landed.items())],
                )


def _check_visitors(plan: _Plan) -> Iterator[Found]:
    """Placement per round, then meetings per visitor over the rounds listing it."""
    if not plan.visitors_readable:
        return
    for k, rnd in enumerate(plan.instance.rounds):
        placed: dict[str, list[str]] = defaultdict(list)
        for gid, visitor in plan.visitor[k].items():
            if visitor is not None:
                placed[visitor].append(gid)
        for visitor in dict.fromkeys(rnd.visitors):
            gids = placed.get(visitor, [])
            if len(gids) != 1:
                yield _at(
                    f"round `{rnd.id}`: visitor `{visitor}` is in {len(gids)} groups"
                    f" ({_listing(gids) or 'none'}) instead of exactly one",
                    rnd.id,
                    *gids,
                    case="placed",
                    visitor=visitor,
                    groups=gids,
                )
        for visitor, gids in placed.items():
            if visitor not in rnd.visitors:
                yield _at(
                    f"round `{rnd.id}`: visitor `{visitor}` sits in {_listing(gids)}"
                    " but the round does not list it",
                    rnd.id,
                    *gids,
                    case="unlisted",
                    visitor=visitor,
                    groups=gids,
                )
    for visitor in plan.instance.visitors:
        yield from _visitor_meetings(plan, visitor.id)


def _visitor_meetings(plan: _Plan, visitor: str) -> Iterator[Found]:
    """Present in all the visitor's rounds: exactly once (or at most once); else at most once."""
    rounds = [k for k, rnd in enumerate(plan.instance.rounds) if visitor in rnd.visitors]
    if not rounds:
        return
    met: Counter[int] = Counter()
    for k in rounds:
        for gid, holder in plan.visitor[k].items():
            if holder == visitor:
                met.update(plan.seats[k][gid])
    names = ", ".join(plan.instance.rounds[k].id for k in rounds)
    twice = sorted(i for i, n in met.items() if n > 1)
    if twice:
        yield _said(
            f"visitor `{visitor}` (rounds {names}): met more than once by {plan.who(twice)}",
            case="met_twice",
            visitor=visitor,
            rounds=[plan.instance.rounds[k].id for k in rounds],
            people=_ids(plan, twice),
        )
    if plan.instance.constraints.visitor_meetings == "exactly_once":
        everywhere = set.intersection(*(plan.present[k] for k in rounds))
        never = sorted(i for i in everywhere if met[i] == 0)
        if never:
            yield _said(
                f"visitor `{visitor}` (rounds {names}): never met by {len(never)} participants"
                f" present in all its rounds: {plan.who(never)}",
                case="never_met",
                visitor=visitor,
                rounds=[plan.instance.rounds[k].id for k in rounds],
                people=_ids(plan, never),
            )


def _check_duties(plan: _Plan) -> Iterator[Found]:
    """Exact holder counts in listed rounds (empty groups too), none elsewhere, one duty each."""
    if not plan.duties_readable:
        return
    people = plan.instance.participants
    for k, rid, groups in plan.rounds():
        held: Counter[str] = Counter()
        for duty in plan.instance.duties:
            listed = duty.rounds is None or rid in duty.rounds
            for gid, members in groups.items():
                holders = plan.duties[k][gid].get(duty.name, [])
                held.update(holders)
                where = f"round `{rid}` group `{gid}`: duty `{duty.name}`"
                if not listed:
                    if holders:
                        yield _at(
                            f"{where} is held ({_listing(holders)}) in a round it does not list",
                            rid,
                            gid,
                            case="unlisted",
                            group=gid,
                            duty=duty.name,
                            people=holders,
                        )
                    continue
                if len(holders) != duty.per_group:
                    yield _at(
                        f"{where} has {len(holders)} holders ({_listing(holders)}),"
                        f" expected {duty.per_group}",
                        rid,
                        gid,
                        case="holders",
                        group=gid,
                        duty=duty.name,
                        people=holders,
                        count=len(holders),
                        expected=duty.per_group,
                    )
                member_roles = {people[i].id: people[i].role for i in members}
                outsiders = [h for h in holders if h not in member_roles]
                if outsiders:
                    yield _at(
                        f"{where} is held by non-members {_listing(outsiders)}",
                        rid,
                        gid,
                        case="outsiders",
                        group=gid,
                        duty=duty.name,
                        people=outsiders,
                    )
                if duty.eligible_roles is None:
                    continue
                barred = [
                    (h, member_roles[h])
                    for h in holders
                    if h in member_roles and member_roles[h] not in duty.eligible_roles
                ]
                if barred:
                    shown = [f"{h} (role {role})" for h, role in barred]
                    yield _at(
                        f"{where} is held by {_listing(shown)}, not in {duty.eligible_roles}",
                        rid,
                        gid,
                        case="roles",
                        group=gid,
                        duty=duty.name,
                        holders=[list(pair) for pair in barred],
                        roles=list(duty.eligible_roles),
                    )
        doubled = sorted(h for h, n in held.items() if n > 1)
        if doubled:
            holding = [g for g, members in groups.items() if _holds_two(plan, k, g, set(doubled))]
            yield _at(
                f"round `{rid}`: more than one duty held by {_listing(doubled)}",
                rid,
                *holding,
                case="two_duties",
                people=doubled,
            )


def _holds_two(plan: _Plan, k: int, gid: str, doubled: set[str]) -> bool:
    """Group `gid` of round k has a holder of two duties."""
    return any(set(holders) & doubled for holders in plan.duties[k][gid].values())


def _check_organisation_cap(plan: _Plan) -> Iterator[Found]:
    """A round setting `max_per_organisation` (even to null) overrides the global cap."""
    people = plan.instance.participants
    for (_, rid, groups), rnd in zip(plan.rounds(), plan.instance.rounds, strict=True):
        if rnd.overrides_organisation_cap:
            cap = rnd.max_per_organisation
        else:
            cap = plan.instance.constraints.max_per_organisation
        if cap is None:
            continue
        for gid, members in groups.items():
            by_organisation: dict[str, list[int]] = defaultdict(list)
            for i in members:
                if people[i].organisation is not None:
                    by_organisation[people[i].organisation].append(i)
            for organisation, who in by_organisation.items():
                if len(who) > cap:
                    yield _at(
                        f"round `{rid}` group `{gid}`: {len(who)} members of organisation"
                        f" `{organisation}` (cap {cap}): {plan.who(who)}",
                        rid,
                        gid,
                        case="cap",
                        group=gid,
                        count=len(who),
                        organisation=organisation,
                        cap=cap,
                        people=_ids(plan, who),
                    )


def _exact(number: float | None) -> Fraction | None:
    """The number as written in decimal (0.1 is 1/10, not the nearest binary float)."""
    return None if number is None else Fraction(str(number))


def _check_role_ratio(plan: _Plan) -> Iterator[Found]:
    """min ≤ role / per ≤ max, tested as min·per ≤ count ≤ max·per, which is also right
    for per = 0 (x / 0 = +∞); groups holding neither role are exempt."""
    people = plan.instance.participants
    for ratio in plan.instance.constraints.role_ratio:
        low, high = _exact(ratio.min), _exact(ratio.max)
        for _, rid, groups in plan.rounds():
            for gid, members in groups.items():
                roles = Counter(people[i].role for i in members)
                count, per = roles[ratio.role], roles[ratio.per]
                if count + per == 0:
                    continue
                too_low = low is not None and count < low * per
                too_high = high is not None and count > high * per
                if too_low or too_high:
                    yield _at(
                        f"round `{rid}` group `{gid}`: {count} `{ratio.role}` for {per}"
                        f" `{ratio.per}` (ratio allowed: min {ratio.min}, max {ratio.max})",
                        rid,
                        gid,
                        case="ratio",
                        group=gid,
                        count=count,
                        role=ratio.role,
                        per_count=per,
                        per=ratio.per,
                        min=ratio.min,
                        max=ratio.max,
                    )


def _check_balance(plan: _Plan) -> Iterator[Found]:
    for attribute in plan.instance.constraints.balance:
        for _, rid, groups in plan.rounds():
            yield from _balance_of_round(plan, rid, groups, attribute)


def _balance_of_round(
    plan: _Plan, rid: str, groups: dict[str, list[int]], attribute: str
) -> Iterator[Found]:
    """count(g, v) ∈ {⌊e⌋, ⌈e⌉}, e = n_v × size / present, in integers.

    A value absent from g is fine exactly when ⌊e⌋ = 0, i.e. n_v × size < present,
    so only the values of g and the values common enough need looking at.
    """
    people = plan.instance.participants
    present = sum(len(members) for members in groups.values())
    in_round = Counter(
        attribute_value(people[i], attribute) for members in groups.values() for i in members
    )
    in_round.pop(None, None)
    ranked = in_round.most_common()
    for gid, members in groups.items():
        size = len(members)
        in_group = Counter(attribute_value(people[i], attribute) for i in members)
        in_group.pop(None, None)
        common = [v for v, n in ranked if n * size >= present and v not in in_group]
        for value in [*in_group, *common]:
            share = in_round[value] * size
            low, high = share // present, -(-share // present)
            if not low <= in_group[value] <= high:
                expected = f"{low}" if low == high else f"{low} or {high}"
                yield _at(
                    f"round `{rid}` group `{gid}`: {in_group[value]} members with {attribute}"
                    f" = {value!r}, expected {expected} ({in_round[value]} of {present}"
                    f" present, group of {size})",
                    rid,
                    gid,
                    case="share",
                    group=gid,
                    count=in_group[value],
                    attribute=attribute,
                    attribute_value=value,
                    low=low,
                    high=high,
                    in_round=in_round[value],
                    present=present,
                    size=size,
                )


def _ids(plan: _Plan, indices: Iterable[int]) -> list[str]:
    """Participant ids, whole (a message cuts them short: `_Plan.who`)."""
    return [plan.instance.participants[i].id for i in indices]


def _members(plan: _Plan, ids: list[str]) -> list[int]:
    person = {p.id: i for i, p in enumerate(plan.instance.participants)}
    return [person[x] for x in ids if x in person]


def _check_apart(plan: _Plan) -> Iterator[Found]:
    for ids in plan.instance.constraints.apart:
        listed = _members(plan, ids)
        for k, rid, _ in plan.rounds():
            by_group: dict[str, list[int]] = defaultdict(list)
            for i in listed:
                if i in plan.group_of[k]:
                    by_group[plan.group_of[k][i]].append(i)
            for gid, who in by_group.items():
                if len(who) > 1:
                    yield _at(
                        f"round `{rid}` group `{gid}`: {plan.who(who)} must be apart",
                        rid,
                        gid,
                        case="apart",
                        group=gid,
                        people=_ids(plan, who),
                    )


def _check_together(plan: _Plan) -> Iterator[Found]:
    """Only rounds that every member of the list attends."""
    for ids in plan.instance.constraints.together:
        listed = _members(plan, ids)
        for k, rid, _ in plan.rounds():
            if not all(i in plan.present[k] for i in listed):
                continue
            by_group: dict[str, list[int]] = defaultdict(list)
            for i in listed:
                by_group[plan.group_of[k][i]].append(i)
            if len(by_group) > 1:
                parts = "; ".join(f"`{g}` ({plan.who(who)})" for g, who in sorted(by_group.items()))
                yield _at(
                    f"round `{rid}`: {plan.who(listed)} must sit together but are split: {parts}",
                    rid,
                    *sorted(by_group),
                    case="split",
                    people=_ids(plan, listed),
                    parts=[[g, _ids(plan, who)] for g, who in sorted(by_group.items())],
                )


def _check_fixed(plan: _Plan) -> Iterator[Found]:
    index = {rnd.id: k for k, rnd in enumerate(plan.instance.rounds)}
    for pin in plan.instance.constraints.fixed:
        listed = _members(plan, [pin.participant])
        if pin.round not in index or not listed:
            continue
        actual = plan.group_of[index[pin.round]].get(listed[0])
        if actual != pin.group:
            sits = f"sits in `{actual}`" if actual is not None else "is not seated"
            yield _at(
                f"round `{pin.round}`: `{pin.participant}` is pinned to `{pin.group}` but {sits}",
                pin.round,
                *([actual] if actual is not None else []),
                case="pinned" if actual is not None else "unseated",
                person=pin.participant,
                group=pin.group,
                actual=actual,
            )


def _check_max_meetings(plan: _Plan) -> Iterator[Found]:
    """Each offending pair (the first hundred, then how many more), with the rounds where
    it shared a group."""
    limit = plan.instance.constraints.max_meetings
    if limit is None:
        return
    by_grouping = groupings(plan.instance, seat_vectors(plan.instance, plan.seats))
    offending = pairs_meeting_more_than(by_grouping, limit)
    for i, j, met in itertools.islice(offending, PAIRS_SHOWN):
        shared = [
            (rid, plan.group_of[k][i])
            for k, rid, _ in plan.rounds()
            if i in plan.group_of[k] and plan.group_of[k][i] == plan.group_of[k].get(j)
        ]
        yield (
            f"{plan.who([i])} and {plan.who([j])} meet in {met} groupings (max {limit}):"
            f" {', '.join(f'{rid} ({gid})' for rid, gid in shared)}",
            tuple(shared),
            {
                "case": "pair",
                "people": _ids(plan, [i, j]),
                "met": met,
                "max": limit,
                "shared": [list(pair) for pair in shared],
            },
        )
    more = sum(1 for _ in offending)
    if more:
        yield _said(
            f"… and {more} more pairs meeting in more than {limit} groupings",
            case="more",
            count=more,
            max=limit,
        )


def _is_number(value: Any) -> bool:
    """A finite number (JSON has no NaN; a plan holding one was not written by allocate)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _close(claimed: float, truth: float) -> bool:
    """Relative tolerance, with an absolute floor near zero."""
    return abs(claimed - truth) <= TOLERANCE * max(1.0, abs(truth))


CLAIMS = ("seconds", "time_limit", "seed", "objective", "bound")
"""Numbers a plan states about itself; each must be finite when present."""


def _check_metrics(plan: _Plan) -> Iterator[Found]:
    """Every metric and the objective recounted, whether or not the plan states them, and
    the claims `metrics` and `objective` checked against the recount."""
    if not plan.duties_readable:
        return
    truth = plan.truth
    objective = objective_value(plan.instance, truth)
    for key in CLAIMS:
        value = plan.raw.get(key)
        if value is not None and not _is_number(value):
            yield _said(
                f"{key} is {excerpt(value)}, not a finite number",
                case="not_number",
                field=key,
                value=excerpt(value),
            )
    yield from _claimed_metrics(plan.raw.get("metrics"), truth)
    claimed = plan.raw.get("objective")
    if _is_number(claimed) and not _close(claimed, objective):
        yield _said(
            f"objective is {claimed!r} but Σ weight × metric recounts to {objective}",
            case="objective",
            claimed=claimed,
            value=objective,
        )


def _check_bound_claims(plan: _Plan) -> Iterator[Found]:
    """`bound` not above the recounted objective and each of `metric_bounds` not above its
    metric, on a plan keeping every rule: a lower bound holds over the plans that keep the
    rules (people kept apart repeat elsewhere), so a plan breaking one may go below it."""
    if not plan.duties_readable:
        return
    truth = plan.truth
    objective = objective_value(plan.instance, truth)
    bound = plan.raw.get("bound")
    if _is_number(bound) and bound > objective + TOLERANCE * max(1.0, abs(objective)):
        yield _said(
            f"bound {bound} is above the recounted objective {objective}",
            case="bound",
            bound=bound,
            value=objective,
        )
    yield from _claimed_bounds(plan.raw.get("metric_bounds"), truth)


def _claimed_metrics(metrics: Any, truth: dict[str, float]) -> Iterator[Found]:
    if metrics is None:
        return
    if not isinstance(metrics, dict):
        yield _said("`metrics` is not an object", case="not_object", field="metrics")
        return
    for key, value in truth.items():
        if key not in metrics:
            yield _said(
                f"metric `{key}` is missing (recounted: {value})",
                case="missing",
                metric=key,
                value=value,
            )
        elif not _is_number(metrics[key]) or not _close(metrics[key], value):
            yield _said(
                f"metric `{key}` is {excerpt(metrics[key])} but recounts to {value}",
                case="recount",
                metric=key,
                claimed=excerpt(metrics[key]),
                value=value,
            )
    for key in metrics:
        if key not in truth:
            yield _said(
                f"metric {named(key)} is not a term of the objective",
                case="unknown",
                metric=key,
            )


def _claimed_bounds(bounds: Any, truth: dict[str, float]) -> Iterator[Found]:
    """A lower bound above the value it bounds is no bound."""
    if bounds is None:
        return
    if not isinstance(bounds, dict):
        yield _said("`metric_bounds` is not an object", case="not_object", field="metric_bounds")
        return
    for key, bound in bounds.items():
        if key not in truth:
            yield _said(
                f"metric bound {named(key)} is not a term of the objective",
                case="unknown_bound",
                metric=key,
            )
        elif not _is_number(bound):
            yield _said(
                f"metric bound `{key}` is {excerpt(bound)}, not a finite number",
                case="bound_not_number",
                metric=key,
                value=excerpt(bound),
            )
        elif bound > truth[key] + TOLERANCE * max(1.0, abs(truth[key])):
            yield _said(
                f"metric bound `{key}` is {bound}, above the recounted metric {truth[key]}",
                case="bound_above",
                metric=key,
                bound=bound,
                value=truth[key],
            )


RULES: tuple[tuple[str, Callable[[_Plan], Iterator[Found]]], ...] = (
    ("sizes", _check_sizes),
    ("same_groups_as", _check_same_groups),
    ("merge_of", _check_merge),
    ("visitors", _check_visitors),
    ("duties", _check_duties),
    ("organisation_cap", _check_organisation_cap),
    ("role_ratio", _check_role_ratio),
    ("balance", _check_balance),
    ("apart", _check_apart),
    ("together", _check_together),
    ("fixed", _check_fixed),
    ("max_meetings", _check_max_meetings),
    ("metrics", _check_metrics),
)


def verify(instance: Instance, plan: dict[str, Any]) -> list[Violation]:
    """Every violation of the plan, `structure` first; an empty list means a valid plan."""
    reader = _PlanReader(instance)
    read = reader.read(plan)
    violations = [Violation("structure", message, (), facts) for message, facts in reader.problems]
    if read is None:
        return violations
    for rule, check in RULES:
        violations += _violations(rule, check(read))
    if not violations:  # a bound holds over the plans that keep every rule
        violations += _violations("metrics", _check_bound_claims(read))
    return violations


def _violations(rule: str, found: Iterable[Found]) -> list[Violation]:
    listed = []
    for each in found:
        message, where, *facts = (each, ()) if isinstance(each, str) else each
        listed.append(Violation(rule, message, where, facts[0] if facts else {}))
    return listed
