"""The objective terms of FORMAT.md as CP-SAT expressions, one function per term, written once
over `SeatModel`: in a move, only what the move can change is counted (the rest of the plan
is a constant), so a move's objective differs from the plan's by a constant."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

import numpy as np
from ortools.sat.python import cp_model

from allocator.strategies.exact.model import Expr, SeatModel
from allocator.strategies.exact.rules import by_value, deviations, moved_seats

MOVE_SCALE = 10**6
"""A move's weights whose exact common denominator exceeds this are rounded at this precision."""


def add_objective(m: SeatModel, leave_out: frozenset[str] = frozenset()) -> None:
    """Every weighted term of the problem but those in `leave_out`."""
    p = m.problem
    for term in p.objective:
        weight = Fraction(str(term.weight))
        if weight == 0 or term.term in leave_out:
            continue
        if term.term == "same_organisation":
            add_same_organisation(m, weight)
        elif term.term == "repeat_pairs":
            add_repeat_pairs(m, weight)
        elif term.term == "imbalance":
            add_imbalance(m, weight, term.codes.of)
        elif term.term == "pairs":
            add_pairs(m, weight, term.pair_i, term.pair_j, term.pair_w)
        elif term.term == "duty_repeats":
            add_duty_repeats(m, weight)


def add_same_organisation(m: SeatModel, weight: Fraction) -> None:
    """Pairs of colleagues meeting, grouping by grouping (with the pigeonhole cuts that give
    the relaxation its bound, when pairs cost). Where one round decides every meeting and
    pairs cost, C(count, 2) per group and organisation through its tangents (exact at the
    minimum, and much lighter than a literal per pair)."""
    r = m.only_round()
    if r is not None and weight > 0:
        for people in by_value(m.problem.organisation.of, m.people(r)).values():
            for g in m.groups(r) if len(people) > 1 else ():
                pairs = pairs_at_least(m, sum(m.members(r, g, people)), len(people))
                m.add_cost(weight, pairs, len(people) * (len(people) - 1) // 2)
        return
    for people in by_value(m.problem.organisation.of, m.participants()).values():
        for a, b in combinations(people, 2):
            met = m.meetings(a, b, exact=weight < 0, least=1)
            if met is None:
                continue
            for lit in met[1]:
                m.add_cost(weight, lit, 1)
                m.colleague_meetings.append(lit)
        if weight > 0:
            add_colleague_cuts(m, people)


def pairs_at_least(m: SeatModel, count: Expr, most: int) -> cp_model.IntVar:
    """An integer ≥ count·(count−1)/2, through its tangents t·count − t(t+1)/2: the linear
    relaxation then sees the pigeonhole bound that pairwise meeting literals hide."""
    pairs = m.model.new_int_var(0, most * (most - 1) // 2, "")
    for t in range(1, most):
        m.model.add(pairs >= t * count - t * (t + 1) // 2)
    return pairs


def add_colleague_cuts(m: SeatModel, people: list[int]) -> None:
    """The members of one organisation seated in a round share at least the pairs of their
    group counts, and those pairs meet in the round's grouping."""
    p = m.problem
    for k in m.groupings():
        rounds = [r for r in p.rounds_of_grouping(k) if r in m.rounds()]
        meetings = [m.meeting_in(a, b, k) for a, b in combinations(people, 2)] if rounds else []
        for r in rounds:
            here = [q for q in people if (r, q) in m.seat]
            if len(here) < 2:
                continue
            shared = [pairs_at_least(m, sum(m.members(r, g, here)), len(here)) for g in m.groups(r)]
            m.model.add(sum(meetings) >= sum(shared))


def _at_least_zero(m: SeatModel, expr: Expr, low: int, most: int, exact: bool) -> Expr:
    """An integer ≥ max(0, expr) (`low` ≤ expr ≤ `most`), equal to it when `exact` (where the
    term is rewarded, so that the solver cannot inflate it)."""
    value = m.model.new_int_var(0, max(0, most), "")
    if not exact:
        m.model.add(value >= expr)
        return value
    raw = m.model.new_int_var(min(low, 0), max(most, 0), "")
    m.model.add(raw == expr)
    m.model.add_max_equality(value, [raw, 0])
    return value


def add_repeat_pairs(m: SeatModel, weight: Fraction) -> None:
    """Per pair, the groupings they meet in beyond the first."""
    if m.problem.n_groupings < 2 or not m.holds_pairs():
        return
    for a, b in combinations(m.participants(), 2):
        met = m.meetings(a, b, exact=weight < 0, least=2)
        if met is None:
            continue
        constant, lits = met
        if constant >= 1 and m.problem.n_groupings > 1 and len(lits) == 1:
            # met elsewhere already (a move): each meeting here is one more repeat, exactly
            m.add_cost(weight, lits[0], 1)
            continue
        most = constant + len(lits) - 1
        repeats = _at_least_zero(m, constant + sum(lits) - 1, constant - 1, most, weight < 0)
        m.add_cost(weight, repeats, most)
        m.repeats.append(repeats)


def add_imbalance(m: SeatModel, weight: Fraction, codes: np.ndarray) -> None:
    """|count(g, v) − e| over the rounds not declared same_groups_as, groups and values."""
    p = m.problem
    for r in m.rounds():
        if p.rounds[r].kind == "same":
            continue
        present = len(p.rounds[r].present)
        for expr, most in deviations(m, codes, r):
            dev = m.model.new_int_var(0, most, "")
            m.model.add_abs_equality(dev, expr)
            m.add_cost(weight / present, dev, most)


def add_pairs(
    m: SeatModel, weight: Fraction, ii: np.ndarray, jj: np.ndarray, ww: np.ndarray
) -> None:
    """Minus the numbers of the pairs that meet, grouping by grouping."""
    decided = np.zeros(m.problem.n, dtype=bool)
    decided[list(m.participants())] = True
    chosen = decided[ii] & decided[jj]
    for a, b, number in zip(
        ii[chosen].tolist(), jj[chosen].tolist(), ww[chosen].tolist(), strict=True
    ):
        coefficient = -weight * Fraction(str(number))
        met = m.meetings(a, b, exact=coefficient < 0, least=1)
        for lit in met[1] if met is not None else ():
            m.add_cost(coefficient, lit, 1)


def add_duty_repeats(m: SeatModel, weight: Fraction) -> None:
    """Per participant, the duties held beyond the first."""
    for q, held in m.duties_held.items():
        elsewhere = m.duties_elsewhere(q)
        most = elsewhere + len(held) - 1
        if most < 1:
            continue
        repeats = _at_least_zero(m, elsewhere + sum(held) - 1, elsewhere - 1, most, weight < 0)
        m.add_cost(weight, repeats, most)


@dataclass(frozen=True)
class Objective:
    """The integer objective a model minimises, and how to read it back."""

    expr: Expr
    scale: int
    """Objective units per unit of the plan's objective."""
    per_move: int = 0
    """Units per moved seat (a repair's moves), above any change of the weighted terms."""
    per_break: int = 0
    """Units per broken soft rule, above everything else."""
    moved: tuple[Expr | int, ...] = ()

    def tiers(self, m: SeatModel, solver: cp_model.CpSolver) -> int:
        """The units of a solution that are moved seats and broken rules, not terms."""
        moved = sum(solver.value(e) if not isinstance(e, int) else e for e in self.moved)
        broken = sum(solver.value(lit) for lit in m.broken.values())
        return self.per_move * moved + self.per_break * broken


def set_objective(m: SeatModel, scale_cap: int | None = None, tiers: bool = False) -> Objective:
    """Minimise the weighted terms as an integer objective, scaled exactly (unless the common
    denominator of the weights exceeds `scale_cap`). With `tiers` (a move), one unit per
    moved seat of a repair weighs more than the terms can change, and one unit per broken
    soft rule more than all the rest."""
    weights = [c for c, _, _ in m.cost]
    scale = math.lcm(*(c.denominator for c in weights)) if weights else 1
    if scale_cap is not None and scale > scale_cap:
        scale = scale_cap
    coefficients = [round(c * scale) for c in weights]
    expr = sum(c * e for c, (_, e, _) in zip(coefficients, m.cost, strict=True))
    if not tiers:
        m.model.minimize(expr)
        return Objective(expr, scale)
    swing = sum(abs(c) * most for c, (_, _, most) in zip(coefficients, m.cost, strict=True))
    moved = tuple(moved_seats(m))
    per_move = swing + 1
    per_break = swing + per_move * len(moved) + 1
    expr += per_move * sum(moved) + per_break * sum(m.broken.values())
    m.model.minimize(expr)
    return Objective(expr, scale, per_move, per_break, moved)
