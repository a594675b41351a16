"""The hard rules of FORMAT.md as CP-SAT constraints, one function per rule, written once over
`SeatModel` (the whole day, or a move): each constrains the groups the model decides."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations

import numpy as np

from allocator.model.problem import NONE, Problem
from allocator.strategies.base import UnsupportedError
from allocator.strategies.exact.model import Expr, Literal, SeatModel


def by_value(codes: np.ndarray, people: Sequence[int]) -> dict[int, list[int]]:
    """People grouped by their value of an attribute (those without one left out)."""
    groups: dict[int, list[int]] = defaultdict(list)
    for q in people:
        if codes[q] != NONE:
            groups[int(codes[q])].append(int(q))
    return groups


def value_totals(p: Problem, codes: np.ndarray, r: int) -> dict[int, int]:
    """Participants present in round r with each value of an attribute."""
    here = codes[p.present[r] & (codes != NONE)]
    values, counts = np.unique(here, return_counts=True)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


def add_sizes(m: SeatModel) -> None:
    for r in m.rounds():
        shape = m.problem.rounds[r]
        for g in m.groups(r):
            size = sum(m.members(r, g))
            m.require("sizes", size >= shape.groups[g].min_size)
            m.require("sizes", size <= shape.groups[g].max_size)


def add_merges(m: SeatModel) -> None:
    """Each group of the source round lies inside one group of the merged round (for the
    people present in both): a literal per source group and merged group."""
    p = m.problem
    for r in m.rounds():
        shape = p.rounds[r]
        if shape.kind != "merge":
            continue
        src = shape.source
        both = [q for q in m.people(r) if (src, q) in m.seat]
        for h in m.groups(src):
            inside = {g: m.model.new_bool_var(f"merge{r}_{h}_{g}") for g in m.groups(r)}
            m.require("merge_of", sum(inside.values()) == 1)
            m.merge_at[r, h] = inside
            for g, lit in inside.items():
                for q in both:
                    seat = m.seat[src, q].get(h)
                    if seat is not None:
                        clause = [seat.Not(), lit.Not(), m.seat[r, q][g]]
                        m.model.add_bool_or(clause).only_enforce_if(m.guard("merge_of"))


def _visitor_rounds(p: Problem) -> dict[int, list[int]]:
    rounds: dict[int, list[int]] = defaultdict(list)
    for r, listed in enumerate(p.round_visitors):
        for v in listed:
            rounds[v].append(r)
    return rounds


def add_visitors(m: SeatModel) -> None:
    """Each listed visitor in one group, no group with two, and every participant meets each
    visitor once over the visitor's rounds (at most once if absent from some of them, or
    under `at_most_once`)."""
    p = m.problem
    for where in m.visitor_at.values():
        m.require("visitors", sum(where.values()) == 1)
    for r, listed in enumerate(p.round_visitors):
        placed = [m.visitor_at[r, v] for v in listed if (r, v) in m.visitor_at]
        for g in m.groups(r) if len(placed) > 1 else ():
            m.require("visitors", sum(where[g] for where in placed) <= 1)
    for v, rounds in _visitor_rounds(p).items():
        for q in m.audience(rounds):
            attended = [r for r in rounds if p.present[r, q]]
            met = [term for r in attended for term in m.visits(r, q, v)]
            exactly = p.visitors_exactly_once and len(attended) == len(rounds)
            m.require("visitors", sum(met) == 1 if exactly else sum(met) <= 1)


def add_duties(m: SeatModel) -> None:
    """Exactly `per_group` eligible holders per group in the duty's rounds; one duty each."""
    p = m.problem
    decided = set(m.rounds())
    load: dict[tuple[int, int], list[Literal]] = defaultdict(list)
    for d, duty in enumerate(p.duties):
        for r in sorted(duty.rounds & decided):
            per_group: dict[int, list[Literal]] = defaultdict(list)
            for q in m.people(r):
                if not duty.eligible[q]:
                    continue
                row = {}
                for g, seat in m.seat[r, q].items():
                    lit = row[g] = m.model.new_bool_var(f"d{d}_{r}_{q}_{g}")
                    m.model.add_implication(lit, seat)
                    per_group[g].append(lit)
                    load[r, q].append(lit)
                    m.duties_held[q].append(lit)
                m.holds[r, d, q] = row
            for g in m.groups(r):
                m.require("duties", sum(per_group[g]) == duty.per_group)
    for lits in load.values():
        if len(lits) > 1:
            m.require("duties", sum(lits) <= 1)


def add_organisation_caps(m: SeatModel) -> None:
    p = m.problem
    for r in m.rounds():
        cap = p.org_cap[r]
        if cap is None:
            continue
        for people in by_value(p.organisation.of, m.people(r)).values():
            if len(people) > cap:
                for g in m.groups(r):
                    m.require("organisation_cap", sum(m.members(r, g, people)) <= cap)


def add_role_ratios(m: SeatModel) -> None:
    """min ≤ count(role)/count(per) ≤ max, multiplied out: exact for x/0 = +∞ too."""
    p = m.problem
    for rule in p.ratios:
        for r in m.rounds():
            roles = by_value(p.role.of, m.people(r))
            role, per = roles.get(rule.role, []), roles.get(rule.per, [])
            for g in m.groups(r):
                n_role, n_per = sum(m.members(r, g, role)), sum(m.members(r, g, per))
                if rule.max is not None:
                    bound = rule.max.denominator * n_role <= rule.max.numerator * n_per
                    m.require("role_ratio", bound)
                if rule.min is not None:
                    bound = rule.min.denominator * n_role >= rule.min.numerator * n_per
                    m.require("role_ratio", bound)


def deviations(m: SeatModel, codes: np.ndarray, r: int) -> list[tuple[Expr, int]]:
    """present × count(g, v) − (members of v present) × size(g), for every group g the model
    decides in round r and every value v (|·| < present ⇔ count ∈ {⌊e⌋, ⌈e⌉}), each with
    its largest magnitude."""
    p = m.problem
    present = len(p.rounds[r].present)
    largest = present * max([len(m.people(r)), 1])
    people = by_value(codes, m.people(r))
    out = []
    for value, total in value_totals(p, codes, r).items():
        mine = people.get(value, [])
        for g in m.groups(r):
            expr = present * sum(m.members(r, g, mine)) - total * sum(m.members(r, g))
            out.append((expr, largest))
    return out


def add_balance(m: SeatModel) -> None:
    p = m.problem
    for codes in p.balance:
        for r in m.rounds():
            slack = len(p.rounds[r].present) - 1
            for expr, _ in deviations(m, codes.of, r):
                m.require("balance", expr <= slack)
                m.require("balance", expr >= -slack)


def add_apart(m: SeatModel) -> None:
    for k, people in enumerate(m.problem.apart):
        for r in m.rounds():
            for g in m.groups(r):
                seats = m.members(r, g, people.tolist())
                if len(seats) > 1:
                    m.require("apart", sum(seats) <= 1, key=(k, r, g))


def add_together(m: SeatModel) -> None:
    """One group for the list in every round all of it attends; in a move, lists with members
    outside the decided groups cannot be joined by it and are left as they are."""
    p = m.problem
    for k, people in enumerate(p.together):
        for r in m.rounds():
            if not p.present[r, people].all() or any((r, q) not in m.seat for q in people):
                continue
            first, *rest = people.tolist()
            for q in rest:
                for g, lit in m.seat[r, first].items():
                    m.require("together", lit == m.seat[r, q][g], key=(k, r, q))


def add_fixed(m: SeatModel) -> None:
    for q, r, g in m.problem.fixed:
        row = m.seat.get((r, q))
        if row is not None:
            m.require("fixed", row[g] == 1 if g in row else False)


def add_max_meetings(m: SeatModel) -> None:
    p = m.problem
    if p.max_meetings is None or p.max_meetings >= p.n_groupings:
        return
    if not m.holds_pairs():
        raise UnsupportedError("max_meetings over this many pairs is too large for the cpsat model")
    for a, b in combinations(m.participants(), 2):
        met = m.meetings(a, b, exact=False, least=p.max_meetings + 1)
        if met is not None:
            constant, lits = met
            m.require("max_meetings", constant + sum(lits) <= p.max_meetings)


def moved_seats(m: SeatModel) -> list[Expr | int]:
    """Day-of repair: 1 for each decided seat that leaves its earlier group (a seat whose
    earlier group the model does not decide has moved already)."""
    keep = m.problem.keep
    if keep is None:
        return []
    out: list[Expr | int] = []
    for (r, q), row in m.seat.items():
        earlier = int(keep[r, q])
        if earlier >= 0:
            out.append(1 - row[earlier] if earlier in row else 1)
    return out


def add_rules(m: SeatModel) -> None:
    """Every hard rule of the problem."""
    add_sizes(m)
    add_merges(m)
    add_visitors(m)
    add_duties(m)
    add_organisation_caps(m)
    add_role_ratios(m)
    add_balance(m)
    add_apart(m)
    add_together(m)
    add_fixed(m)
    add_max_meetings(m)
