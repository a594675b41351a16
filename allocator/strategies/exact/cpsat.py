"""The CP-SAT strategy: every hard rule and the weighted objective in one model.

One function per concept builds its part of the model, as in OR-Tools' samples.
Each hard-rule family can be put under an assumption literal, so that when the
solver proves infeasibility it can also say which families clash.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations

import numpy as np
from ortools.sat.python import cp_model

from allocator.analysis.bounds import metric_bounds
from allocator.model.errors import Conflict
from allocator.model.problem import NONE, Problem
from allocator.strategies.base import (
    ABSENT,
    Assignment,
    Progress,
    ProgressCallback,
    Result,
    UnsupportedError,
    empty_assignment,
)

SEAT_BUDGET = 1_000_000
"""More (round, participant, group) seats than this and the model would not fit in memory."""

PAIR_CLAUSE_BUDGET = 3_000_000
"""Above this many pair-meeting clauses the `repeat_pairs` term is left out of the model
(its value stays ≥ 0, so the proven bound remains valid) instead of exhausting memory."""

FAMILIES = {
    "sizes": "group sizes",
    "merge_of": "merged rounds (merge_of)",
    "visitors": "visitors meeting every participant",
    "duties": "duties in every group",
    "organisation_cap": "organisation cap (max_per_organisation)",
    "role_ratio": "role ratio",
    "balance": "balance",
    "apart": "apart",
    "together": "together",
    "fixed": "fixed seats",
    "max_meetings": "max_meetings",
}


@dataclass
class _Model:
    """The CP-SAT model under construction and the variables the solution is read from."""

    problem: Problem
    explain: bool
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    seat: dict[tuple[int, int], list[cp_model.IntVar]] = field(default_factory=dict)
    visitor_at: dict[tuple[int, int], list[cp_model.IntVar]] = field(default_factory=dict)
    holds: dict[tuple[int, int, int], list[tuple[int, cp_model.IntVar]]] = field(
        default_factory=dict
    )
    guards: dict[str, cp_model.IntVar] = field(default_factory=dict)
    cost: list[tuple[Fraction, cp_model.LinearExprT]] = field(default_factory=list)
    meets: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    duties_held: dict[int, list[cp_model.IntVar]] = field(default_factory=lambda: defaultdict(list))
    same_organisation: list[cp_model.IntVar] = field(default_factory=list)

    def guard(self, family: str) -> list[cp_model.IntVar]:
        """Enforcement literals for a rule family: none normally, one assumption when explaining."""
        if not self.explain:
            return []
        if family not in self.guards:
            self.guards[family] = self.model.new_bool_var(f"rule_{family}")
        return [self.guards[family]]

    def add(self, family: str, constraint: cp_model.BoundedLinearExpression | bool) -> None:
        self.model.add(constraint).only_enforce_if(self.guard(family))

    def groups(self, r: int) -> range:
        return range(len(self.problem.rounds[r].groups))


# -- seats and structure ---------------------------------------------------------------


def add_seats(m: _Model) -> None:
    """One Boolean per (round, present participant, group); `same_groups_as` rounds reuse
    the variables of the round they copy for everyone present in both."""
    p = m.problem
    for r, shape in enumerate(p.rounds):
        for person in shape.present:
            if shape.kind == "same" and p.present[shape.source, person]:
                m.seat[r, person] = m.seat[shape.source, person]
                continue
            row = [m.model.new_bool_var(f"x{r}_{person}_{g}") for g in m.groups(r)]
            m.model.add_exactly_one(row)
            m.seat[r, person] = row


def members(m: _Model, r: int, g: int, people: object = None) -> list[cp_model.IntVar]:
    chosen = m.problem.rounds[r].present if people is None else people
    return [m.seat[r, q][g] for q in chosen if (r, q) in m.seat]


def add_sizes(m: _Model) -> None:
    for r, shape in enumerate(m.problem.rounds):
        for g, group in enumerate(shape.groups):
            size = sum(members(m, r, g))
            m.add("sizes", size >= group.min_size)
            m.add("sizes", size <= group.max_size)


def add_merges(m: _Model) -> None:
    """Each group of the earlier round lies inside one group of the merged round."""
    p = m.problem
    for r, shape in enumerate(p.rounds):
        if shape.kind != "merge":
            continue
        src = shape.source
        both = [q for q in shape.present if p.present[src, q]]
        for h in m.groups(src):
            inside = [m.model.new_bool_var(f"merge{r}_{h}_{g}") for g in m.groups(r)]
            m.add("merge_of", sum(inside) == 1)
            for g, lit in enumerate(inside):
                for q in both:
                    clause = [m.seat[src, q][h].Not(), lit.Not(), m.seat[r, q][g]]
                    m.model.add_bool_or(clause).only_enforce_if(m.guard("merge_of"))


# -- hard rules --------------------------------------------------------------------------


def add_visitors(m: _Model) -> None:
    """Each listed visitor in one group, no group with two, and every participant meets
    each visitor once over the visitor's rounds."""
    p = m.problem
    rounds_of: dict[int, list[int]] = defaultdict(list)
    for r, listed in enumerate(p.round_visitors):
        for v in listed:
            where = [m.model.new_bool_var(f"v{r}_{v}_{g}") for g in m.groups(r)]
            m.add("visitors", sum(where) == 1)
            m.visitor_at[r, v] = where
            rounds_of[v].append(r)
        for g in m.groups(r):
            m.add("visitors", sum(m.visitor_at[r, v][g] for v in listed) <= 1)
    for v, rounds in rounds_of.items():
        for q in range(p.n):
            attended = [r for r in rounds if p.present[r, q]]
            if not attended:
                continue
            met = [
                _and(m, m.seat[r, q][g], m.visitor_at[r, v][g])
                for r in attended
                for g in m.groups(r)
            ]
            exactly = p.visitors_exactly_once and len(attended) == len(rounds)
            m.add("visitors", sum(met) == 1 if exactly else sum(met) <= 1)


def _and(m: _Model, a: cp_model.IntVar, b: cp_model.IntVar) -> cp_model.IntVar:
    both = m.model.new_bool_var("")
    m.model.add_bool_or([a.Not(), b.Not(), both])
    m.model.add_implication(both, a)
    m.model.add_implication(both, b)
    return both


def add_duties(m: _Model) -> None:
    """Exactly `per_group` eligible holders per group in the duty's rounds; one duty each."""
    p = m.problem
    load: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for d, duty in enumerate(p.duties):
        for r in sorted(duty.rounds):
            eligible = [q for q in p.rounds[r].present if duty.eligible[q]]
            per_group: dict[int, list[cp_model.IntVar]] = defaultdict(list)
            for q in eligible:
                row = []
                for g in m.groups(r):
                    lit = m.model.new_bool_var(f"d{d}_{r}_{q}_{g}")
                    m.model.add_implication(lit, m.seat[r, q][g])
                    per_group[g].append(lit)
                    row.append((g, lit))
                    load[r, q].append(lit)
                    m.duties_held[q].append(lit)
                m.holds[r, d, q] = row
            for g in m.groups(r):
                m.add("duties", sum(per_group[g]) == duty.per_group)
    for lits in load.values():
        if len(lits) > 1:
            m.add("duties", sum(lits) <= 1)


def _by_value(codes: np.ndarray, people: tuple[int, ...]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for q in people:
        if codes[q] != NONE:
            groups[int(codes[q])].append(q)
    return groups


def add_organisation_caps(m: _Model) -> None:
    p = m.problem
    for r, shape in enumerate(p.rounds):
        cap = p.org_cap[r]
        if cap is None:
            continue
        for people in _by_value(p.organisation.of, shape.present).values():
            if len(people) > cap:
                for g in m.groups(r):
                    m.add("organisation_cap", sum(members(m, r, g, people)) <= cap)


def add_role_ratios(m: _Model) -> None:
    """min ≤ count(role)/count(per) ≤ max, multiplied out: exact for x/0 = +∞ too."""
    p = m.problem
    for rule in p.ratios:
        for r, shape in enumerate(p.rounds):
            role = [q for q in shape.present if p.role.of[q] == rule.role]
            per = [q for q in shape.present if p.role.of[q] == rule.per]
            for g in m.groups(r):
                n_role, n_per = sum(members(m, r, g, role)), sum(members(m, r, g, per))
                if rule.max is not None:
                    m.add("role_ratio", rule.max.denominator * n_role <= rule.max.numerator * n_per)
                if rule.min is not None:
                    m.add("role_ratio", rule.min.denominator * n_role >= rule.min.numerator * n_per)


def _deviation(m: _Model, r: int, g: int, people: list[int]) -> cp_model.LinearExprT:
    """present × count(g, v) − (members of v) × size(g): |·| < present ⇔ count ∈ {⌊e⌋, ⌈e⌉}."""
    present = len(m.problem.rounds[r].present)
    return present * sum(members(m, r, g, people)) - len(people) * sum(members(m, r, g))


def add_balance(m: _Model) -> None:
    p = m.problem
    for codes in p.balance:
        for r, shape in enumerate(p.rounds):
            slack = len(shape.present) - 1
            for people in _by_value(codes.of, shape.present).values():
                for g in m.groups(r):
                    dev = _deviation(m, r, g, people)
                    m.add("balance", dev <= slack)
                    m.add("balance", dev >= -slack)


def add_apart(m: _Model) -> None:
    for people in m.problem.apart:
        for r in range(len(m.problem.rounds)):
            for g in m.groups(r):
                seats = members(m, r, g, people.tolist())
                if len(seats) > 1:
                    m.add("apart", sum(seats) <= 1)


def add_together(m: _Model) -> None:
    p = m.problem
    for people in m.problem.together:
        for r in range(len(p.rounds)):
            if not p.present[r, people].all():
                continue
            first, *rest = people.tolist()
            for q in rest:
                for g in m.groups(r):
                    m.add("together", m.seat[r, first][g] == m.seat[r, q][g])


def add_fixed(m: _Model) -> None:
    for q, r, g in m.problem.fixed:
        m.add("fixed", m.seat[r, q][g] == 1)


# -- meetings and objective ---------------------------------------------------------------


def _meet(m: _Model, a: int, b: int, grouping: int, exact: bool) -> cp_model.IntVar:
    """A Boolean that is 1 when a and b share a group in some round of the grouping.
    It is forced up by every shared seat; `exact` also forces it down (needed when
    meeting is rewarded rather than penalised)."""
    key = (a, b, grouping)
    if key in m.meets and not exact:
        return m.meets[key]
    met = m.meets.get(key) or m.model.new_bool_var(f"meet{a}_{b}_{grouping}")
    m.meets[key] = met
    p = m.problem
    seen: set[tuple[int, int]] = set()
    shared = []
    for r in p.rounds_of_grouping(grouping):
        if not (p.present[r, a] and p.present[r, b]):
            continue
        for g in m.groups(r):
            xa, xb = m.seat[r, a][g], m.seat[r, b][g]
            if (xa.index, xb.index) in seen:
                continue
            seen.add((xa.index, xb.index))
            m.model.add_bool_or([xa.Not(), xb.Not(), met])
            if exact:
                shared.append(_and(m, xa, xb))
    if exact:
        m.model.add_bool_or([met.Not(), *shared])
    return met


def _meeting_groupings(p: Problem, a: int, b: int) -> list[int]:
    return [
        k
        for k in range(p.n_groupings)
        if any(p.present[r, a] and p.present[r, b] for r in p.rounds_of_grouping(k))
    ]


def _pair_clauses(p: Problem) -> int:
    per_person = sum(
        len(p.rounds[r].groups) * int(p.present[r].sum()) for r in range(len(p.rounds))
    )
    return per_person * p.n // 2


def _check_size(problem: Problem) -> None:
    """Refuse, before building anything, a model that would not fit in memory or time."""
    seats = sum(len(r.present) * len(r.groups) for r in problem.rounds)
    if seats > SEAT_BUDGET:
        raise UnsupportedError(
            f"the cpsat model would need {seats:,} seat variables (limit {SEAT_BUDGET:,})"
        )
    if any(t.term == "same_organisation" and t.weight != 0 for t in problem.objective):
        sizes = np.bincount(problem.organisation.of[problem.organisation.of >= 0])
        groups = sum(len(r.groups) for r in problem.rounds)
        clauses = int((sizes * (sizes - 1) // 2).sum()) * groups
        if clauses > PAIR_CLAUSE_BUDGET:
            raise UnsupportedError(
                f"the cpsat model would need {clauses:,} same-organisation pair clauses "
                f"(limit {PAIR_CLAUSE_BUDGET:,})"
            )


def pair_model_fits(problem: Problem) -> bool:
    """Can the model hold a meeting literal for every pair and grouping?"""
    return _pair_clauses(problem) <= PAIR_CLAUSE_BUDGET


def model_fits(problem: Problem) -> bool:
    """Does the whole model, meeting literals included, fit the budgets? (Asked even without
    `repeat_pairs`: beyond this size CP-SAT alone is slow to a first good plan.)"""
    try:
        _check_size(problem)
    except UnsupportedError:
        return False
    return pair_model_fits(problem)


def add_max_meetings(m: _Model) -> None:
    p = m.problem
    if p.max_meetings is None or p.max_meetings >= p.n_groupings:
        return
    if not pair_model_fits(p):
        raise UnsupportedError("max_meetings over this many pairs is too large for the cpsat model")
    for a, b in combinations(range(p.n), 2):
        groupings = _meeting_groupings(p, a, b)
        if len(groupings) > p.max_meetings:
            m.add(
                "max_meetings", sum(_meet(m, a, b, k, False) for k in groupings) <= p.max_meetings
            )


def add_objective(m: _Model, leave_out: frozenset[str] = frozenset()) -> None:
    p = m.problem
    for term in p.objective:
        weight = Fraction(str(term.weight))
        if weight == 0 or term.term in leave_out:
            continue
        if term.term == "same_organisation":
            _same_organisation(m, weight)
        elif term.term == "repeat_pairs":
            _repeat_pairs(m, weight)
        elif term.term == "imbalance":
            _imbalance(m, weight, term.codes.of)
        elif term.term == "pairs":
            _pairs(m, weight, term.pair_i, term.pair_j, term.pair_w)
        elif term.term == "duty_repeats":
            _duty_repeats(m, weight)


def _same_organisation(m: _Model, weight: Fraction) -> None:
    p = m.problem
    by_org = _by_value(p.organisation.of, tuple(range(p.n)))
    for people in by_org.values():
        met: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for a, b in combinations(people, 2):
            for k in _meeting_groupings(p, a, b):
                met[k].append(_meet(m, a, b, k, exact=weight < 0))
                m.cost.append((weight, met[k][-1]))
                m.same_organisation.append(met[k][-1])
        if weight > 0:
            _pigeonhole_cuts(m, people, met)


def _pairs_at_least(m: _Model, count: cp_model.LinearExprT, most: int) -> cp_model.IntVar:
    """An integer ≥ count·(count−1)/2, through its tangents t·count − t(t+1)/2: the linear
    relaxation then sees the pigeonhole bound that pairwise meeting variables hide."""
    pairs = m.model.new_int_var(0, most * (most - 1) // 2, "")
    for t in range(1, most):
        m.model.add(pairs >= t * count - t * (t + 1) // 2)
    return pairs


def _pigeonhole_cuts(m: _Model, people: list[int], met: dict[int, list[cp_model.IntVar]]) -> None:
    """The members of one organisation seated in a round share at least the pairs of their
    group counts, and those pairs meet in the round's grouping."""
    p = m.problem
    for k, meetings in met.items():
        for r in p.rounds_of_grouping(k):
            here = [q for q in people if p.present[r, q]]
            if len(here) < 2:
                continue
            shared = [
                _pairs_at_least(m, sum(members(m, r, g, here)), len(here)) for g in m.groups(r)
            ]
            m.model.add(sum(meetings) >= sum(shared))


def _repeat_pairs(m: _Model, weight: Fraction) -> None:
    p = m.problem
    if p.n_groupings < 2:
        return
    if not pair_model_fits(p):
        return
    repeats_of = []
    for a, b in combinations(range(p.n), 2):
        groupings = _meeting_groupings(p, a, b)
        if len(groupings) < 2:
            continue
        met = [_meet(m, a, b, k, exact=weight < 0) for k in groupings]
        repeats = m.model.new_int_var(0, len(met) - 1, f"rep{a}_{b}")
        if weight > 0:
            m.model.add(repeats >= sum(met) - 1)
        else:
            extra = m.model.new_int_var(-1, len(met) - 1, "")
            m.model.add(extra == sum(met) - 1)
            m.model.add_max_equality(repeats, [extra, 0])
        m.cost.append((weight, repeats))
        repeats_of.append(repeats)
    if weight > 0:
        _overlap_cuts(m, repeats_of)


def _coarsest_round(p: Problem, grouping: int) -> int:
    return min(p.rounds_of_grouping(grouping), key=lambda r: len(p.rounds[r].groups))


def _overlap_cuts(m: _Model, repeats: list[cp_model.IntVar]) -> None:
    """People who share a group in one grouping and again in the next are repeated pairs:
    at least C(|g ∩ h|, 2) for each group g of one and h of the other. Summed over
    consecutive groupings this never counts a pair's repeat twice. Each person's overlap
    literals add up to their seat, which keeps the relaxation's overlaps honest."""
    p = m.problem
    total = []
    for k in range(1, p.n_groupings):
        ra, rb = _coarsest_round(p, k - 1), _coarsest_round(p, k)
        both = [q for q in range(p.n) if p.present[ra, q] and p.present[rb, q]]
        cell: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
        for q in both:
            row = {
                (g, h): _and(m, m.seat[ra, q][g], m.seat[rb, q][h])
                for g in m.groups(ra)
                for h in m.groups(rb)
            }
            for g in m.groups(ra):
                m.model.add(sum(row[g, h] for h in m.groups(rb)) == m.seat[ra, q][g])
            for h in m.groups(rb):
                m.model.add(sum(row[g, h] for g in m.groups(ra)) == m.seat[rb, q][h])
            for key, lit in row.items():
                cell[key].append(lit)
        for (g, h), overlap in cell.items():
            most = min(
                len(overlap), p.rounds[ra].groups[g].max_size, p.rounds[rb].groups[h].max_size
            )
            if most >= 2:
                total.append(_pairs_at_least(m, sum(overlap), most))
    if total:
        m.model.add(sum(repeats) >= sum(total))


def _imbalance(m: _Model, weight: Fraction, codes: np.ndarray) -> None:
    p = m.problem
    for r, shape in enumerate(p.rounds):
        if shape.kind == "same":
            continue
        present = len(shape.present)
        for people in _by_value(codes, shape.present).values():
            for g in m.groups(r):
                dev = m.model.new_int_var(0, present * present, "")
                m.model.add_abs_equality(dev, _deviation(m, r, g, people))
                m.cost.append((weight / present, dev))


def _pairs(m: _Model, weight: Fraction, ii: np.ndarray, jj: np.ndarray, ww: np.ndarray) -> None:
    p = m.problem
    for a, b, number in zip(ii.tolist(), jj.tolist(), ww.tolist(), strict=True):
        coefficient = -weight * Fraction(str(number))
        for k in _meeting_groupings(p, a, b):
            m.cost.append((coefficient, _meet(m, a, b, k, exact=coefficient < 0)))


def _duty_repeats(m: _Model, weight: Fraction) -> None:
    for held in m.duties_held.values():
        if len(held) < 2:
            continue
        repeats = m.model.new_int_var(0, len(held) - 1, "")
        if weight > 0:
            m.model.add(repeats >= sum(held) - 1)
        else:
            extra = m.model.new_int_var(-1, len(held) - 1, "")
            m.model.add(extra == sum(held) - 1)
            m.model.add_max_equality(repeats, [extra, 0])
        m.cost.append((weight, repeats))


def set_objective(m: _Model) -> int:
    """Minimise the integer-scaled cost; return the scale (true cost = model cost / scale)."""
    scale = math.lcm(*(c.denominator for c, _ in m.cost)) if m.cost else 1
    m.model.minimize(sum(int(c * scale) * expr for c, expr in m.cost))
    return scale


def build(
    problem: Problem, explain: bool = False, leave_out: frozenset[str] = frozenset()
) -> tuple[_Model, int]:
    """The model of every hard rule and, unless explaining, the objective less `leave_out`."""
    m = _Model(problem, explain)
    add_seats(m)
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
    if explain:
        return m, 1
    add_objective(m, leave_out)
    return m, set_objective(m)


# -- solving ---------------------------------------------------------------------------------


class _StopAfter(cp_model.CpSolverSolutionCallback):
    """Let a first solve run until it has a plan and `seconds` have passed, not longer."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = seconds

    def on_solution_callback(self) -> None:
        if self.wall_time >= self.seconds:
            self.stop_search()


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Tells each solution on the clock of the whole solve (first solve and build included)."""

    def __init__(self, scale: int, progress: ProgressCallback, began: float):
        super().__init__()
        self.scale = scale
        self.progress = progress
        self.began = began

    def on_solution_callback(self) -> None:
        self.progress(
            Progress(
                time.perf_counter() - self.began,
                self.objective_value / self.scale,
                self.best_objective_bound / self.scale,
            )
        )


def _read(m: _Model, solver: cp_model.CpSolver) -> Assignment:
    p = m.problem
    plan = empty_assignment(p)
    for (r, q), row in m.seat.items():
        plan.group[r, q] = next(g for g, lit in enumerate(row) if solver.boolean_value(lit))
    for (r, v), where in m.visitor_at.items():
        plan.visitor_group[r, v] = next(
            g for g, lit in enumerate(where) if solver.boolean_value(lit)
        )
    for (r, d, q), row in m.holds.items():
        if any(solver.boolean_value(lit) for _, lit in row):
            plan.duty[r, q] = d
    assert (plan.group[p.present] != ABSENT).all()
    return plan


def _parameters(time_limit: float, seed: int, workers: int) -> cp_model.CpSolver:
    """Presolve without probing or symmetry detection: on these models they cost a quarter
    of a minute for little, and the pigeonhole cuts already give the bound."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    return solver


def explain_infeasibility(problem: Problem, time_limit: float, seed: int) -> tuple[Conflict, ...]:
    """Re-solve with one assumption per rule family and report the families in the core."""
    m, _ = build(problem, explain=True)
    m.model.add_assumptions(list(m.guards.values()))
    solver = _parameters(time_limit, seed, workers=1)
    if solver.solve(m.model) != cp_model.INFEASIBLE:
        return (
            Conflict(
                "solver",
                "the solver proved the rules cannot all hold, but found no smaller set in time",
            ),
        )
    core = {lit for lit in solver.sufficient_assumptions_for_infeasibility()}
    names = [FAMILIES[f] for f, lit in m.guards.items() if lit.index in core]
    if not names:
        return (Conflict("structure", "the groups and rounds alone leave no way to seat everyone"),)
    return (
        Conflict(
            "solver",
            "no plan can satisfy these rules together: " + ", ".join(names),
            "relax one of them (more groups, wider sizes or ratios, a higher cap) and run again",
        ),
    )


def _warm_start_pays(problem: Problem) -> bool:
    """Pairwise repeat variables make the model large and slow to a first good plan; a
    smaller model without them finds the organisation-level structure first."""
    weighted = any(t.term == "repeat_pairs" and t.weight > 0 for t in problem.objective)
    return weighted and problem.n_groupings >= 2 and problem.n >= 40


def _complete_hint(m: _Model, plan: Assignment, time_limit: float, seed: int) -> None:
    """Hint every variable, not just the seats: CP-SAT rarely completes a partial hint of a
    model this size, so a quick solve with the seats fixed computes the rest."""
    _hint(m, plan)
    solver = _parameters(time_limit, seed, workers=1)
    solver.parameters.fix_variables_to_their_hinted_value = True
    if solver.solve(m.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    m.model.clear_hints()
    for index, value in enumerate(solver.response_proto.solution):
        m.model.add_hint(m.model.get_int_var_from_proto_index(index), value)


def _hint_seats(m: _Model, seats: np.ndarray) -> None:
    """Hint the earlier plan's seats (a partial hint: CP-SAT completes it)."""
    done: set[int] = set()
    for (r, q), row in m.seat.items():
        g = int(seats[r, q])
        if g >= 0 and row[g].index not in done:
            done.add(row[g].index)
            m.model.add_hint(row[g], True)


def _hint(m: _Model, plan: Assignment) -> None:
    """Hint every decision literal once (rounds that keep groups share their literals)."""
    values: dict[int, tuple[cp_model.IntVar, bool]] = {}
    for (r, q), row in m.seat.items():
        for g, lit in enumerate(row):
            values[lit.index] = (lit, bool(plan.group[r, q] == g))
    for (r, v), where in m.visitor_at.items():
        for g, lit in enumerate(where):
            values[lit.index] = (lit, bool(plan.visitor_group[r, v] == g))
    for (r, d, q), row in m.holds.items():
        for g, lit in row:
            values[lit.index] = (lit, bool(plan.duty[r, q] == d and plan.group[r, q] == g))
    for lit, value in values.values():
        m.model.add_hint(lit, value)


def _same_organisation_settled(
    problem: Problem, first: _Model, solver: cp_model.CpSolver
) -> int | None:
    """When the first solve's plan already has no more same-organisation pairs than the
    counting bound allows, that term is settled: the full solve keeps it there and spends
    its time on the rest. Its own bound then only holds under that restriction, so only the
    first solve's bound (and the counting bounds) are reported."""
    if not first.same_organisation:
        return None
    pairs = sum(solver.value(met) for met in first.same_organisation)
    return pairs if pairs <= metric_bounds(problem)["same_organisation"] else None


def moved_seats(m: _Model) -> cp_model.LinearExprT:
    """Day-of repair: how many seats of the earlier plan change."""
    keep = m.problem.keep
    return sum(
        1 - m.seat[r, q][int(keep[r, q])]
        for (r, q) in m.seat
        if keep is not None and keep[r, q] >= 0
    )


class CpSat:
    """OR-Tools CP-SAT on the whole model, using every core it is given.

    On larger instances with `repeat_pairs`, a first solve without that term (a third of
    the time, longer until it has a plan) seeds the full model with a hint; its bound stays valid for the full objective
    because the term left out is never negative. A repair first minimises the seats that
    change, then the objective among plans that change no more."""

    name = "cpsat"

    def __init__(self, workers: int = 2):
        self.workers = workers

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float,
        seed: int,
        progress: ProgressCallback | None = None,
        hint: Assignment | None = None,
    ) -> Result:
        """Solve; `hint` (a plan keeping every hard rule) replaces the first solve."""
        _check_size(problem)
        start = time.perf_counter()
        bound, most_moves, settled = None, None, None
        if problem.keep is not None:
            first, _ = build(problem, leave_out=frozenset(t.term for t in problem.objective))
            first.model.clear_objective()
            first.model.minimize(moved_seats(first))
            _hint_seats(first, problem.keep)
            solver = _parameters(time_limit * 0.6, seed, self.workers)
            status = solver.solve(first.model, _StopAfter(time_limit / 3))
            if status == cp_model.INFEASIBLE:
                return self._infeasible(problem, time_limit, seed, start)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                hint, most_moves = _read(first, solver), round(solver.objective_value)
        elif hint is None and _warm_start_pays(problem):
            first, scale = build(problem, leave_out=frozenset({"repeat_pairs"}))
            solver = _parameters(time_limit * 0.6, seed, self.workers)
            status = solver.solve(first.model, _StopAfter(time_limit / 3))
            if status == cp_model.INFEASIBLE:
                return self._infeasible(problem, time_limit, seed, start)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                hint, bound = _read(first, solver), solver.best_objective_bound / scale
                settled = _same_organisation_settled(problem, first, solver)
        m, scale = build(problem)
        if settled is not None:
            m.model.add(sum(m.same_organisation) <= settled)
        if most_moves is not None:
            m.model.add(moved_seats(m) <= most_moves)
        if hint is not None:
            _complete_hint(m, hint, min(10.0, time_limit / 6), seed)
        solver = _parameters(time_limit - (time.perf_counter() - start), seed, self.workers)
        status = solver.solve(m.model, _Reporter(scale, progress, start) if progress else None)
        stats = {
            "variables": len(m.model.proto.variables),
            "constraints": len(m.model.proto.constraints),
        }
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            full_bound = solver.best_objective_bound / scale
            if problem.keep is None and settled is None:
                bound = full_bound if bound is None else max(bound, full_bound)
            return Result(
                self.name,
                seed,
                time.perf_counter() - start,
                "optimal" if status == cp_model.OPTIMAL and problem.keep is None else "feasible",
                _read(m, solver),
                bound=bound,
                stats=stats,
            )
        if status == cp_model.INFEASIBLE and most_moves is None:
            return self._infeasible(problem, time_limit, seed, start)
        # the first solve's plan, if any, keeps every rule
        status = "unknown" if hint is None else "feasible"
        return Result(
            self.name, seed, time.perf_counter() - start, status, hint, bound, stats=stats
        )

    def _infeasible(self, problem: Problem, time_limit: float, seed: int, start: float) -> Result:
        conflicts = explain_infeasibility(problem, max(5.0, time_limit / 2), seed)
        return Result(
            self.name, seed, time.perf_counter() - start, "infeasible", None, conflicts=conflicts
        )
