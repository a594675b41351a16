"""The CP-SAT strategy: every hard rule and the weighted objective in one model of the day.

The rules and terms are built by `rules` and `terms` (one function per concept, as in
OR-Tools' samples, shared with the hybrid's moves); this module adds the redundant cuts that
give the relaxation its pigeonhole bounds, and the solving: warm starts, hints, the repair's
two stages, and, when the solver proves infeasibility, the rule families that clash (each
hard-rule family under an assumption literal).
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
from ortools.sat.python import cp_model

from allocator.analysis.bounds import metric_bounds
from allocator.model.errors import Conflict
from allocator.model.problem import Problem
from allocator.strategies.base import (
    ABSENT,
    Announce,
    Assignment,
    Progress,
    ProgressCallback,
    Result,
    Stop,
    UnsupportedError,
    empty_assignment,
    stopped,
    watching,
)
from allocator.strategies.exact.model import DayModel, both
from allocator.strategies.exact.rules import add_rules, moved_seats
from allocator.strategies.exact.solver import cp_solver
from allocator.strategies.exact.terms import Objective, add_objective, pairs_at_least, set_objective

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


def _pair_clauses(p: Problem) -> int:
    per_person = sum(
        len(p.rounds[r].groups) * int(p.present[r].sum()) for r in range(len(p.rounds))
    )
    return per_person * p.n // 2


def pair_model_fits(problem: Problem) -> bool:
    """Can the model hold a meeting literal for every pair and grouping? (Without it, the
    `repeat_pairs` term is left out of the model: its value stays ≥ 0, so the proven bound
    remains valid.)"""
    return _pair_clauses(problem) <= PAIR_CLAUSE_BUDGET


def model_fits(problem: Problem) -> bool:
    """Does the whole model, meeting literals included, fit the budgets? (Asked even without
    `repeat_pairs`: beyond this size CP-SAT alone is slow to a first good plan.)"""
    try:
        _check_size(problem)
    except UnsupportedError:
        return False
    return pair_model_fits(problem)


# -- redundant cuts: the pigeonhole bounds that pairwise meeting literals hide ---------------


def _coarsest_round(p: Problem, grouping: int) -> int:
    return min(p.rounds_of_grouping(grouping), key=lambda r: len(p.rounds[r].groups))


def add_overlap_cuts(m: DayModel) -> None:
    """People who share a group in one grouping and again in the next are repeated pairs:
    at least C(|g ∩ h|, 2) for each group g of one and h of the other. Summed over
    consecutive groupings this never counts a pair's repeat twice. Each person's overlap
    literals add up to their seat, which keeps the relaxation's overlaps honest."""
    p = m.problem
    total = []
    for k in range(1, p.n_groupings):
        ra, rb = _coarsest_round(p, k - 1), _coarsest_round(p, k)
        people = [q for q in range(p.n) if p.present[ra, q] and p.present[rb, q]]
        cell: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
        for q in people:
            row = {
                (g, h): both(m, m.seat[ra, q][g], m.seat[rb, q][h])
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
                total.append(pairs_at_least(m, sum(overlap), most))
    if total:
        m.model.add(sum(m.repeats) >= sum(total))


def build(
    problem: Problem, explain: bool = False, leave_out: frozenset[str] = frozenset()
) -> tuple[DayModel, Objective]:
    """The model of every hard rule and, unless explaining, the objective less `leave_out`
    with the pigeonhole cuts of its terms."""
    m = DayModel(problem, explain=explain, holds_pairs=pair_model_fits(problem))
    add_rules(m)
    if explain:
        return m, Objective(0, 1)
    add_objective(m, leave_out)
    weights = {t.term: t.weight for t in problem.objective if t.term not in leave_out}
    if weights.get("repeat_pairs", 0) > 0 and m.repeats:
        add_overlap_cuts(m)
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


def _read(m: DayModel, solver: cp_model.CpSolver) -> Assignment:
    plan = empty_assignment(m.problem)
    m.read(solver, plan)
    assert (plan.group[m.problem.present] != ABSENT).all()
    return plan


def explain_infeasibility(problem: Problem, time_limit: float, seed: int) -> tuple[Conflict, ...]:
    """Re-solve with one assumption per rule family and report the families in the core."""
    m, _ = build(problem, explain=True)
    m.model.add_assumptions(list(m.guards.values()))
    solver = cp_solver(seed=seed, seconds=time_limit)
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


def _complete_hint(m: DayModel, plan: Assignment, time_limit: float, seed: int) -> None:
    """Hint every variable, not just the seats: CP-SAT rarely completes a partial hint of a
    model this size, so a quick solve with the seats fixed computes the rest."""
    _hint(m, plan)
    solver = cp_solver(seed=seed, seconds=time_limit)
    solver.parameters.fix_variables_to_their_hinted_value = True
    if solver.solve(m.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    m.model.clear_hints()
    for index, value in enumerate(solver.response_proto.solution):
        m.model.add_hint(m.model.get_int_var_from_proto_index(index), value)


def _hint_seats(m: DayModel, seats: np.ndarray) -> None:
    """Hint the earlier plan's seats (a partial hint: CP-SAT completes it)."""
    done: set[int] = set()
    for (r, q), row in m.seat.items():
        g = int(seats[r, q])
        if g >= 0 and row[g].index not in done:
            done.add(row[g].index)
            m.model.add_hint(row[g], True)


def _hint(m: DayModel, plan: Assignment) -> None:
    """Hint every decision literal once (rounds that keep groups share their literals)."""
    values: dict[int, tuple[cp_model.IntVar, bool]] = {}
    for (r, q), row in m.seat.items():
        for g, lit in row.items():
            values[lit.index] = (lit, bool(plan.group[r, q] == g))
    for (r, v), where in m.visitor_at.items():
        for g, lit in where.items():
            values[lit.index] = (lit, bool(plan.visitor_group[r, v] == g))
    for (r, d, q), row in m.holds.items():
        for g, lit in row.items():
            values[lit.index] = (lit, bool(plan.duty[r, q] == d and plan.group[r, q] == g))
    for lit, value in values.values():
        m.model.add_hint(lit, value)


def _same_organisation_settled(
    problem: Problem, first: DayModel, solver: cp_model.CpSolver
) -> int | None:
    """When the first solve's plan already has no more same-organisation pairs than the
    counting bound allows, that term is settled: the full solve keeps it there and spends
    its time on the rest. Its own bound then only holds under that restriction, so only the
    first solve's bound (and the counting bounds) are reported."""
    if not first.colleague_meetings:
        return None
    pairs = sum(solver.value(met) for met in first.colleague_meetings)
    return pairs if pairs <= metric_bounds(problem)["same_organisation"] else None


class CpSat:
    """OR-Tools CP-SAT on the whole model, using every core it is given.

    On larger instances with `repeat_pairs`, a first solve without that term (a third of
    the time, longer until it has a plan) seeds the full model with a hint; its bound stays valid for the full objective
    because the term left out is never negative. A repair first minimises the seats that
    change, then the objective among plans that change no more."""

    name = "cpsat"

    def __init__(self, workers: int = 2):
        self.workers = workers

    def prepare(self, problem: Problem, announce: Announce | None = None) -> None:
        """Nothing to compile."""

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float,
        seed: int,
        progress: ProgressCallback | None = None,
        stop: Stop | None = None,
        hint: Assignment | None = None,
    ) -> Result:
        """Solve; `hint` (a plan keeping every hard rule) replaces the first solve."""
        _check_size(problem)
        start = time.perf_counter()
        bound, most_moves, settled = None, None, None
        if problem.keep is not None:
            first, _ = build(problem, leave_out=frozenset(t.term for t in problem.objective))
            first.model.clear_objective()
            first.model.minimize(sum(moved_seats(first)))
            _hint_seats(first, problem.keep)
            solver = cp_solver(seed=seed, seconds=time_limit * 0.6, workers=self.workers)
            with watching(stop, solver):
                status = solver.solve(first.model, _StopAfter(time_limit / 3))
            if status == cp_model.INFEASIBLE:
                return self._infeasible(problem, time_limit, seed, start)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                hint, most_moves = _read(first, solver), round(solver.objective_value)
        elif hint is None and _warm_start_pays(problem):
            first, first_objective = build(problem, leave_out=frozenset({"repeat_pairs"}))
            scale = first_objective.scale
            solver = cp_solver(seed=seed, seconds=time_limit * 0.6, workers=self.workers)
            with watching(stop, solver):
                status = solver.solve(first.model, _StopAfter(time_limit / 3))
            if status == cp_model.INFEASIBLE:
                return self._infeasible(problem, time_limit, seed, start)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                hint, bound = _read(first, solver), solver.best_objective_bound / scale
                settled = _same_organisation_settled(problem, first, solver)
        if stopped(stop):  # the first solve's plan, if any, keeps every rule
            status = "unknown" if hint is None else "feasible"
            return Result(self.name, seed, time.perf_counter() - start, status, hint, bound)
        m, objective = build(problem)
        scale = objective.scale
        if settled is not None:
            m.model.add(sum(m.colleague_meetings) <= settled)
        if most_moves is not None:
            m.model.add(sum(moved_seats(m)) <= most_moves)
        if hint is not None:
            _complete_hint(m, hint, min(10.0, time_limit / 6), seed)
        solver = cp_solver(
            seed=seed, seconds=time_limit - (time.perf_counter() - start), workers=self.workers
        )
        with watching(stop, solver):
            status = solver.solve(m.model, _Reporter(scale, progress, start) if progress else None)
        stats = {
            "variables": len(m.model.proto.variables),
            "constraints": len(m.model.proto.constraints),
        }
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            full_bound = solver.best_objective_bound / scale
            if problem.keep is None and settled is None:
                bound = full_bound if bound is None else max(bound, full_bound)
            # optimal only for the whole problem: not under a repair's or a settled term's
            # restriction
            proven = status == cp_model.OPTIMAL and problem.keep is None and settled is None
            return Result(
                self.name,
                seed,
                time.perf_counter() - start,
                "optimal" if proven else "feasible",
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
        """The families of rules that clash, found in the time left (at least a second)."""
        left = time_limit - (time.perf_counter() - start)
        conflicts = explain_infeasibility(problem, max(1.0, left), seed)
        return Result(
            self.name, seed, time.perf_counter() - start, "infeasible", None, conflicts=conflicts
        )
