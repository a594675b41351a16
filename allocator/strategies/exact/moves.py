"""CP-SAT moves: free a few groups of one grouping, keep the rest of the plan, and let CP-SAT
re-seat their people under every rule.

The whole-day CP-SAT model does not fit beyond a few hundred people. A move's model
(`model.MoveModel`) decides only the seats in a few groups of one grouping (in a day that
keeps groups over rotations, the same groups in every kept round; where they merge, a few
merged groups and all their source groups, with the merge between them), whatever the size
of the day, and reads the rest of the plan as constants: who met whom in the other
groupings, who holds which duty, where the visitors are. Its rules and objective terms are
the whole-day model's (`rules`, `terms`); `apart` and `together` are soft, with a penalty
above any change of the objective, so that every move starts from a feasible model (the
current seats) and repairs those lists before it improves anything else. In a day-of
repair, a seat moved from the earlier plan costs less than a broken list and more than any
change of the objective.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from ortools.sat.python import cp_model

from allocator.analysis.bounds import linked_components
from allocator.model.problem import NONE, Problem
from allocator.strategies.base import (
    ABSENT,
    Assignment,
    Progress,
    ProgressCallback,
    Stop,
    stopped,
    watching,
)
from allocator.strategies.exact.model import MoveModel
from allocator.strategies.exact.rules import add_rules
from allocator.strategies.exact.solver import cp_solver
from allocator.strategies.exact.terms import MOVE_SCALE, Objective, add_objective, set_objective

MOVE_SECONDS = 1.0
"""Deterministic-time budget of one move's solve (about a second of one core)."""

GROUPS_PER_MOVE = (2, 4, 12)
"""Fewest, first and most groups freed by a move; solved moves grow it, stalled ones shrink it."""

PEOPLE_PER_MOVE = 96
"""A move frees no more people than this, however small the groups."""

SOFT = frozenset({"apart", "together"})
"""The rule families a move may leave broken (at a penalty above everything else)."""


@dataclass(frozen=True)
class _Lists:
    """`apart` or `together` lists flattened: list index and participant of each entry."""

    owner: np.ndarray
    person: np.ndarray
    count: int

    @classmethod
    def of(cls, lists: tuple[np.ndarray, ...]) -> _Lists:
        owner = np.repeat(np.arange(len(lists)), [len(x) for x in lists]).astype(np.int64)
        person = np.concatenate(lists).astype(np.int64) if lists else np.zeros(0, np.int64)
        return cls(owner, person, len(lists))


def broken_apart(problem: Problem, lists: _Lists, seats: np.ndarray, r: int) -> np.ndarray:
    """Indices of the `apart` lists with two present members in one group of round r."""
    here = problem.present[r, lists.person]
    owner, group = lists.owner[here], seats[r, lists.person[here]]
    keys, counts = np.unique(owner * len(problem.rounds[r].groups) + group, return_counts=True)
    return np.unique(keys[counts > 1] // len(problem.rounds[r].groups))


def broken_together(problem: Problem, lists: _Lists, seats: np.ndarray, r: int) -> np.ndarray:
    """Indices of the `together` lists, all present in round r, split over several groups."""
    everyone_here = np.ones(lists.count, dtype=bool)
    np.logical_and.at(everyone_here, lists.owner, problem.present[r, lists.person])
    group = seats[r, lists.person]
    first = np.full(lists.count, -1, dtype=np.int64)
    firsts = np.unique(lists.owner, return_index=True)[1]  # each list's first entry
    first[lists.owner[firsts]] = group[firsts]
    split = np.zeros(lists.count, dtype=bool)
    np.logical_or.at(split, lists.owner, group != first[lists.owner])
    return np.flatnonzero(split & everyone_here)


# -- the groups a move frees -------------------------------------------------------------------


@dataclass(frozen=True)
class Neighbourhood:
    """What a move decides: the freed groups of each round of one grouping."""

    grouping: int
    freed: dict[int, list[int]]


@dataclass(frozen=True)
class GroupingShape:
    """How a grouping's rounds share groups: the rounds that keep the first round's groups,
    and the merged round with the rounds that keep its groups. A move frees *units*: groups
    of the first round where nothing merges, else merged groups (with all their sources)."""

    rounds: tuple[int, ...]
    merged: tuple[int, ...]
    """The merged round and the rounds that keep its groups (empty when nothing merges)."""
    source: int
    """The round the merge reads (−1 when nothing merges)."""

    @classmethod
    def of(cls, problem: Problem, grouping: int) -> GroupingShape:
        rounds = problem.rounds_of_grouping(grouping)
        merged: list[int] = []
        source = -1
        for r in rounds:
            shape = problem.rounds[r]
            if shape.kind == "merge" or (shape.kind == "same" and shape.source in merged):
                merged.append(r)
                if shape.kind == "merge":
                    source = shape.source
        return cls(tuple(rounds), tuple(merged), source)

    @property
    def unit_round(self) -> int:
        """The round whose groups are the units (the merged round, else the first)."""
        return self.merged[0] if self.merged else self.rounds[0]

    def merge_map(self, problem: Problem, seats: np.ndarray) -> np.ndarray:
        """The merged group holding each source group today (a source group with nobody in
        the merged round goes with the merged group of its number, modulo their count)."""
        merged = self.merged[0]
        groups, units = len(problem.rounds[self.source].groups), len(problem.rounds[merged].groups)
        mapping = np.arange(groups) % units
        both = problem.present[self.source] & problem.present[merged]
        mapping[seats[self.source, both]] = seats[merged, both]
        return mapping

    def unit_of(self, problem: Problem, seats: np.ndarray, r: int, g: int) -> int:
        if not self.merged or r in self.merged:
            return g
        return int(self.merge_map(problem, seats)[g])

    def freed(self, problem: Problem, seats: np.ndarray, units: list[int]) -> dict[int, list[int]]:
        """The groups of each round that the units hold."""
        if not self.merged:
            return {r: sorted(units) for r in self.rounds}
        sources = np.flatnonzero(np.isin(self.merge_map(problem, seats), units)).tolist()
        return {r: sorted(units) if r in self.merged else sources for r in self.rounds}


# -- one move ------------------------------------------------------------------------------------


def interchangeable(m: MoveModel) -> bool:
    """Are the freed groups alike (one kept grouping with the same bounds in every round, no
    visitors, no pins, no earlier plan to keep)? Then a move's seats matter only up to
    renaming the groups, and the model numbers them by their first member."""
    p = m.problem
    if p.keep is not None or any(p.rounds[r].kind == "merge" for r in m.rounds()):
        return False
    if any(p.round_visitors[r] for r in m.rounds()):
        return False
    for r in m.rounds():
        bounds = {
            (p.rounds[r].groups[g].min_size, p.rounds[r].groups[g].max_size) for g in m.groups(r)
        }
        if len(bounds) > 1:
            return False
    return not any((r, q) in m.seat for q, r, _ in p.fixed)


def _first_rows(m: MoveModel) -> list[dict]:
    """Each decided person's first seat row, in the order of `participants`."""
    first = {}
    for (_, q), row in sorted(m.seat.items(), key=lambda item: item[0]):
        first.setdefault(q, row)
    return [first[q] for q in m.participants()]


def add_symmetry_breaking(m: MoveModel) -> None:
    """The a-th decided person sits in one of the first a + 1 freed groups: without it, CP-SAT
    proves a small move optimal once per naming of its groups."""
    if not interchangeable(m):
        return
    for a, row in enumerate(_first_rows(m)):
        for g in list(row)[a + 1 :]:
            m.model.add(row[g] == 0)


def _renaming(m: MoveModel, seats: np.ndarray) -> dict[int, int]:
    """Today's groups renamed by their first member, as the symmetry breaking expects (the
    identity when the groups are not interchangeable)."""
    groups = m.groups(m.rounds()[0])
    if not interchangeable(m):
        return {g: g for r in m.rounds() for g in m.groups(r)}
    first = {}
    for r, q in sorted(m.seat):
        first.setdefault(q, int(seats[r, q]))
    order = list(dict.fromkeys(first[q] for q in m.participants()))
    order += [g for g in groups if g not in order]
    return {g: groups[k] for k, g in enumerate(order)}


def build_move(
    problem: Problem, plan: Assignment, hood: Neighbourhood
) -> tuple[MoveModel, Objective]:
    m = MoveModel(problem, plan, hood.grouping, hood.freed, soft=SOFT)
    add_rules(m)
    add_symmetry_breaking(m)
    add_objective(m)
    return m, set_objective(m, scale_cap=MOVE_SCALE, tiers=True)


def _solver(seed: int, seconds: float, wall: float) -> cp_model.CpSolver:
    """One worker and a deterministic-time limit: the same move always gives the same seats
    (unless the wall-clock limit, there to keep the time limit, stops it first)."""
    return cp_solver(seed=seed, seconds=wall, deterministic=seconds)


@dataclass(frozen=True)
class Outcome:
    """A solved move: its solver (to read the seats from) and what it changed."""

    solver: cp_model.CpSolver
    improved: bool
    """Strictly better: fewer broken lists, or as many and fewer moved seats (in a repair),
    or as many of both and a lower objective."""
    change: Fraction
    """The plan's objective after less before (the lists aside)."""
    optimal: bool
    """No better seats exist for these people."""


def _today(m: MoveModel, plan: Assignment, shape: GroupingShape) -> list[cp_model.IntVar]:
    """Literals fixing the move to today's seats, duty holders and merge (renamed like the
    model), each once (rounds that keep groups share their seat literals)."""
    name = _renaming(m, plan.group)
    fixed = [row[name[int(plan.group[r, q])]] for (r, q), row in m.seat.items()]
    for (r, d, q), row in m.holds.items():
        held = name[int(plan.group[r, q])] if plan.duty[r, q] == d else None
        fixed += [lit if g == held else lit.Not() for g, lit in row.items()]
    if m.merge_at:
        mapping = shape.merge_map(m.problem, plan.group)
        for (_, h), inside in m.merge_at.items():
            fixed += [lit if g == mapping[h] else lit.Not() for g, lit in inside.items()]
    return list({lit.index: lit for lit in fixed}.values())


def solve_move(
    m: MoveModel,
    objective: Objective,
    plan: Assignment,
    shape: GroupingShape,
    seed: int,
    wall: float,
    stop: Stop | None = None,
) -> Outcome | None:
    """Solve the move from today's seats, allowing nothing worse; None when today's seats
    break one of the move's hard rules, or when no seats came in time."""
    today_literals = _today(m, plan, shape)
    m.model.add_assumptions(today_literals)
    check = _solver(seed, MOVE_SECONDS, wall)
    if check.solve(m.model) != cp_model.OPTIMAL:
        return None
    today = int(check.value(objective.expr))
    m.model.clear_assumptions()
    for lit in today_literals:
        m.model.add_hint(lit, True)
    m.model.add(objective.expr <= today)
    solver = _solver(seed, MOVE_SECONDS, wall - check.wall_time)
    with watching(stop, solver):
        status = solver.solve(m.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    new = int(solver.value(objective.expr))
    terms = today - objective.tiers(m, check), new - objective.tiers(m, solver)
    change = Fraction(terms[1] - terms[0], objective.scale)
    return Outcome(solver, new < today, change, status == cp_model.OPTIMAL)


def _resized(size: int, optimal: bool, spent: float) -> int:
    """Grow the neighbourhood while moves are proved optimal quickly, shrink it when a move
    runs out of time or takes a large part of it."""
    if optimal and spent < MOVE_SECONDS / 10:
        return min(size + 1, GROUPS_PER_MOVE[2])
    if not optimal or spent > MOVE_SECONDS / 3:
        return max(size - 1, GROUPS_PER_MOVE[0])
    return size


@dataclass
class LnsStats:
    cost: float
    """The plan's objective, followed move by move from the starting plan's."""
    moves: int = 0
    improving: int = 0
    broken_lists: int = 0
    """apart/together lists still broken (summed over rounds) when the search ended."""


class LargeNeighbourhoodSearch:
    """Moves until the time limit, aimed first at broken apart/together lists, then at
    groups with conflicts; the neighbourhood grows while moves solve to optimality and
    shrinks when they time out."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.apart, self.together = _Lists.of(problem.apart), _Lists.of(problem.together)
        self.shapes = [GroupingShape.of(problem, k) for k in range(problem.n_groupings)]
        self.linked = np.full(problem.n, -1, dtype=np.int64)
        for k, people in enumerate(linked_components([x.tolist() for x in problem.together])):
            self.linked[people] = k

    def conflicts(self, seats: np.ndarray, grouping: int) -> np.ndarray:
        """Per unit of a grouping (see `GroupingShape`), its pairs of colleagues and of people
        who met in another grouping, less those that `together` lists keep side by side:
        where moves can gain."""
        p = self.problem
        r = self.shapes[grouping].unit_round
        people = np.flatnonzero(p.present[r])
        people = people[np.argsort(seats[r, people], kind="stable")]
        group, org = seats[r, people], p.organisation.of
        others = [k for k in range(len(p.rounds)) if p.rounds[k].grouping != grouping]
        count = np.zeros(len(p.rounds[r].groups), dtype=np.int64)
        biggest = max(g.max_size for g in p.rounds[r].groups)
        for offset in range(1, min(biggest, len(people))):
            same = group[:-offset] == group[offset:]
            a, b = people[:-offset][same], people[offset:][same]
            bad = (org[a] == org[b]) & (org[a] != NONE)
            if others:
                bad |= (
                    (seats[others][:, a] == seats[others][:, b]) & (seats[others][:, a] != ABSENT)
                ).any(axis=0)
            bad &= (self.linked[a] < 0) | (self.linked[a] != self.linked[b])
            np.add.at(count, group[:-offset][same][bad], 1)
        return count

    def broken(self, seats: np.ndarray) -> list[tuple[int, str, int]]:
        """(round, "apart" | "together", list index) of every list the seats break."""
        out = []
        for r in range(len(self.problem.rounds)):
            out += [(r, "apart", int(k)) for k in broken_apart(self.problem, self.apart, seats, r)]
            out += [
                (r, "together", int(k))
                for k in broken_together(self.problem, self.together, seats, r)
            ]
        return out

    def move(
        self,
        plan: Assignment,
        hood: Neighbourhood,
        seed: int,
        wall: float,
        stop: Stop | None = None,
    ) -> Outcome | None:
        """Solve one move from the plan and, when it found seats, write them into the plan."""
        m, objective = build_move(self.problem, plan, hood)
        outcome = solve_move(m, objective, plan, self.shapes[hood.grouping], seed, wall, stop)
        if outcome is not None:
            m.read(outcome.solver, plan)
        return outcome

    def run(
        self,
        start: Assignment,
        time_limit: float,
        seed: int,
        cost: float = 0.0,
        target: float = -math.inf,
        progress: ProgressCallback | None = None,
        stop: Stop | None = None,
    ) -> tuple[Assignment, LnsStats]:
        """Improve `start`, a plan keeping every rule but apart/together and scoring `cost`,
        until the time limit, or until it keeps every rule and its cost is at `target`;
        `progress` hears of every move that lowers the cost or the broken lists."""
        began = time.perf_counter()
        rng = np.random.default_rng(seed)
        plan = Assignment(start.group.copy(), start.visitor_group.copy(), start.duty.copy())
        stats, size = LnsStats(cost=cost), GROUPS_PER_MOVE[1]
        broken = self.broken(plan.group)
        reached = target + 1e-9 * max(1.0, abs(target))
        while (left := time_limit - (time.perf_counter() - began)) > 0 and not stopped(stop):
            if not broken and stats.cost <= reached:
                break
            hood = self.neighbourhood(rng, plan.group, broken, size)
            outcome = self.move(plan, hood, int(rng.integers(1 << 30)), left, stop)
            stats.moves += 1
            if outcome is None:
                size = max(size - 1, GROUPS_PER_MOVE[0])
                continue
            size = _resized(size, outcome.optimal, outcome.solver.deterministic_time)
            stats.cost += float(outcome.change)
            stats.improving += outcome.improved
            before = len(broken)
            if broken:  # even a tie may repair one list and break another
                broken = self.broken(plan.group)
            if progress and (outcome.improved or len(broken) < before):
                progress(Progress(time.perf_counter() - began, stats.cost, None, len(broken)))
        stats.broken_lists = len(broken)
        return plan, stats

    def neighbourhood(
        self, rng: np.random.Generator, seats: np.ndarray, broken: list, size: int
    ) -> Neighbourhood:
        """The units of broken lists of one grouping, or a unit with conflicts (a random one
        when none has), then random units of the same grouping up to `size` (at least one
        more), within `PEOPLE_PER_MOVE`."""
        p = self.problem
        if broken:
            grouping = p.rounds[broken[int(rng.integers(len(broken)))][0]].grouping
            chosen: list[int] = []
            for k in rng.permutation(len(broken)).tolist():
                r, kind, owner = broken[k]
                if p.rounds[r].grouping != grouping:
                    continue
                lists = self.apart if kind == "apart" else self.together
                members = lists.person[lists.owner == owner]
                groups = seats[r, members[p.present[r, members]]].tolist()
                if kind == "apart":  # only where members collide
                    groups = [g for g in set(groups) if groups.count(g) > 1]
                shape = self.shapes[grouping]
                units = [shape.unit_of(p, seats, r, g) for g in groups]
                if not chosen or len(set(chosen + units)) <= size:
                    chosen = list(dict.fromkeys(chosen + units))
        else:
            grouping = int(rng.integers(p.n_groupings))
            worth = np.flatnonzero(self.conflicts(seats, grouping))
            count = len(p.rounds[self.shapes[grouping].unit_round].groups)
            chosen = [int(rng.choice(worth) if len(worth) else rng.integers(count))]
        shape = self.shapes[grouping]
        r = shape.unit_round
        count = len(p.rounds[r].groups)
        typical = max(1, int(p.present[list(shape.rounds)].any(axis=0).sum()) // count)
        wanted = min(count, max(len(chosen) + 1, size), max(2, PEOPLE_PER_MOVE // typical))
        others = [g for g in rng.permutation(count).tolist() if g not in chosen]
        units = chosen + others[: max(0, wanted - len(chosen))]
        return Neighbourhood(grouping, shape.freed(p, seats, units))
