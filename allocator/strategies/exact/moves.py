"""CP-SAT large-neighbourhood moves: free a few groups of one round, keep the rest of the plan,
and let CP-SAT re-seat their people under every rule.

The whole-plan CP-SAT model does not fit beyond a few hundred people, and the local search
cannot score `apart` and `together`. A move's model holds only the freed people of one round
(a few dozen), whatever the instance's size, and sees the rest of the plan as constants: who
met whom in the other rounds, who held which duty. `apart` and `together` are soft there,
with a penalty above any change of the objective, so that every move starts from a feasible
model (the current seats) and repairs those lists before it improves anything else. In a
day-of repair, a seat moved from the earlier plan costs less than a broken list and more
than any change of the objective. Each round must form its own groups, with no visitors: the hybrid only sends such plans.
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
from allocator.strategies.base import ABSENT, Assignment, Progress, ProgressCallback

MOVE_SECONDS = 1.0
"""Deterministic-time budget of one move's solve (about a second of one core)."""

GROUPS_PER_MOVE = (2, 4, 12)
"""Fewest, first and most groups freed by a move; solved moves grow it, stalled ones shrink it."""

PEOPLE_PER_MOVE = 96
"""A move frees no more people than this, however small the groups."""

OBJECTIVE_SCALE = 10**6
"""Weights whose exact common denominator exceeds this are rounded at this precision."""


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


class _PairNumbers:
    """The `pairs` terms' weighted numbers, looked up for any set of people."""

    def __init__(self, problem: Problem):
        terms = [t for t in problem.objective if t.term == "pairs" and t.weight != 0]
        keys = [t.pair_i * problem.n + t.pair_j for t in terms]
        values = [-t.weight * t.pair_w for t in terms]  # the term is minus the diversity
        key = np.concatenate(keys) if keys else np.zeros(0, np.int64)
        value = np.concatenate(values) if values else np.zeros(0)
        order = np.argsort(key, kind="stable")
        self.key, self.value, self.n = key[order], value[order], problem.n
        unique, start = np.unique(self.key, return_index=True)
        self.key, self.value = unique, np.add.reduceat(self.value, start) if len(start) else value

    def among(self, people: np.ndarray) -> np.ndarray:
        """(k, k) cost of seating people[a] with people[b] (a < b), 0 elsewhere."""
        k = len(people)
        cost = np.zeros((k, k))
        if not len(self.key):
            return cost
        a, b = np.triu_indices(k, 1)
        low, high = np.minimum(people[a], people[b]), np.maximum(people[a], people[b])
        wanted = low * self.n + high
        at = np.clip(np.searchsorted(self.key, wanted), 0, len(self.key) - 1)
        found = self.key[at] == wanted
        cost[a[found], b[found]] = self.value[at[found]]
        return cost


class _Move:
    """One move's CP-SAT model: the people of `groups` in round r, to be re-seated there."""

    def __init__(self, problem: Problem, seats: np.ndarray, duty: np.ndarray, r: int, groups):
        self.p, self.r, self.groups = problem, r, list(groups)
        self.people = np.flatnonzero(np.isin(seats[r], self.groups) & problem.present[r])
        self.model = cp_model.CpModel()
        self.cost: list[tuple[float | Fraction, cp_model.LinearExprT, int]] = []
        """(weight, expression, its largest value); weights as the instance wrote them."""
        self.penalties: list[tuple[cp_model.LinearExprT, int]] = []
        self.x = [
            [self.model.new_bool_var("") for _ in self.groups] for _ in range(len(self.people))
        ]
        for row in self.x:
            self.model.add_exactly_one(row)
        self.holds: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        self.scale = 1
        """Objective units per unit of the plan's objective (set with the objective)."""
        self.moved: list[cp_model.LinearExprT] = []
        """Repair: 1 for each freed person out of their earlier group."""
        self.move_penalty = 0
        """Objective units per moved seat: more than the weighted terms can ever change."""
        self.penalty = 0
        """Objective units per broken list: more than all the rest can ever change."""
        others = [k for k in range(len(problem.rounds)) if k != r]
        self.met = _meetings(seats[others][:, self.people])
        self.duties_elsewhere = (duty[others][:, self.people] != ABSENT).sum(axis=0)

    def members(self, j: int, mask: np.ndarray | None = None) -> list[cp_model.IntVar]:
        rows = range(len(self.people)) if mask is None else np.flatnonzero(mask).tolist()
        return [self.x[a][j] for a in rows]

    def count(self, mask: np.ndarray, j: int, top: int) -> cp_model.IntVar:
        """An integer holding how many of the masked people sit in freed group j."""
        value = self.model.new_int_var(0, top, "")
        self.model.add(value == sum(self.members(j, mask)))
        return value


def _meetings(seats: np.ndarray) -> np.ndarray:
    """(k, k) number of other rounds in which each pair of the freed people shared a group."""
    k = seats.shape[1]
    met = np.zeros((k, k), dtype=np.int64)
    for row in seats:
        met += (row[:, None] == row[None, :]) & (row[:, None] != ABSENT)
    return met


# -- one function per rule, as in cpsat.py --------------------------------------------------


def add_sizes_and_pins(m: _Move) -> None:
    shape = m.p.rounds[m.r]
    for j, g in enumerate(m.groups):
        size = sum(m.members(j))
        m.model.add(size >= shape.groups[g].min_size)
        m.model.add(size <= shape.groups[g].max_size)
    where = {q: a for a, q in enumerate(m.people.tolist())}
    for q, r, g in m.p.fixed:
        if r == m.r and q in where:
            m.model.add(m.x[where[q]][m.groups.index(g)] == 1)


def interchangeable(m: _Move) -> bool:
    """Are the freed groups alike (same bounds, no pins, no earlier plan to keep)? Then a
    move's seats matter only up to renaming the groups, and the model numbers them by their
    first member."""
    shape = m.p.rounds[m.r]
    bounds = {(shape.groups[g].min_size, shape.groups[g].max_size) for g in m.groups}
    pinned = any(r == m.r and q in m.people for q, r, _ in m.p.fixed)
    return len(bounds) == 1 and not pinned and m.p.keep is None


def add_symmetry_breaking(m: _Move) -> None:
    """The a-th freed person sits in one of the first a + 1 groups: without it, CP-SAT
    proves a small move optimal once per naming of its groups."""
    if interchangeable(m):
        for a, row in enumerate(m.x):
            for lit in row[a + 1 :]:
                m.model.add(lit == 0)


def current_groups(m: _Move, seats: np.ndarray) -> list[int]:
    """Today's seats as the move's group positions, renamed by first member when the groups
    are interchangeable (as the symmetry breaking expects)."""
    today = [m.groups.index(int(seats[m.r, q])) for q in m.people.tolist()]
    if not interchangeable(m):
        return today
    order = list(dict.fromkeys(today))
    return [order.index(j) for j in today]


def add_organisation_cap(m: _Move) -> None:
    cap = m.p.org_cap[m.r]
    if cap is None:
        return
    org = m.p.organisation.of[m.people]
    for value in np.unique(org[org != NONE]):
        if (org == value).sum() > cap:
            for j in range(len(m.groups)):
                m.model.add(sum(m.members(j, org == value)) <= cap)


def add_role_ratios(m: _Move) -> None:
    role = m.p.role.of[m.people]
    for rule in m.p.ratios:
        for j in range(len(m.groups)):
            n_role, n_per = (
                sum(m.members(j, role == rule.role)),
                sum(m.members(j, role == rule.per)),
            )
            if rule.max is not None:
                m.model.add(rule.max.denominator * n_role <= rule.max.numerator * n_per)
            if rule.min is not None:
                m.model.add(rule.min.denominator * n_role >= rule.min.numerator * n_per)


def _deviations(m: _Move, codes: np.ndarray) -> list[tuple[cp_model.LinearExprT, int]]:
    """present × count(g, v) − n_v × size(g) for every freed group and value of the round,
    with its largest magnitude: the attribute spread of FORMAT.md, as in cpsat.py."""
    here = m.p.present[m.r] & (codes != NONE)
    present = int(m.p.present[m.r].sum())
    values, totals = np.unique(codes[here], return_counts=True)
    mine = codes[m.people]
    out = []
    for value, total in zip(values.tolist(), totals.tolist(), strict=True):
        for j in range(len(m.groups)):
            expr = present * sum(m.members(j, mine == value)) - total * sum(m.members(j))
            out.append((expr, present * len(m.people)))
    return out


def add_balance(m: _Move) -> None:
    slack = int(m.p.present[m.r].sum()) - 1
    for codes in m.p.balance:
        for expr, _ in _deviations(m, codes.of):
            m.model.add(expr <= slack)
            m.model.add(expr >= -slack)


def add_max_meetings(m: _Move) -> None:
    if m.p.max_meetings is None:
        return
    for a, b in zip(*np.nonzero(np.triu(m.met >= m.p.max_meetings, 1)), strict=True):
        for j in range(len(m.groups)):
            m.model.add_bool_or([m.x[a][j].Not(), m.x[b][j].Not()])


def add_duties(m: _Move) -> None:
    """Duty holders among the freed people: `per_group` per freed group, one duty each."""
    load: dict[int, list[cp_model.IntVar]] = {}
    for d, duty in enumerate(m.p.duties):
        if m.r not in duty.rounds:
            continue
        eligible = np.flatnonzero(duty.eligible[m.people]).tolist()
        for j in range(len(m.groups)):
            holders = []
            for a in eligible:
                lit = m.model.new_bool_var("")
                m.model.add_implication(lit, m.x[a][j])
                holders.append(lit)
                load.setdefault(a, []).append(lit)
                m.holds.setdefault((a, d), []).append(lit)
            m.model.add(sum(holders) == duty.per_group)
    for lits in load.values():
        if len(lits) > 1:
            m.model.add(sum(lits) <= 1)


def add_apart(m: _Move, lists: _Lists) -> None:
    """Soft: each extra listed member in a freed group is one violation."""
    inside = np.isin(lists.person, m.people)
    for owner in np.unique(lists.owner[inside]):
        mask = np.isin(m.people, lists.person[lists.owner == owner])
        if mask.sum() < 2:
            continue
        for j in range(len(m.groups)):
            extra = m.model.new_int_var(0, int(mask.sum()) - 1, "")
            m.model.add(extra >= sum(m.members(j, mask)) - 1)
            m.penalties.append((extra, int(mask.sum()) - 1))


def add_together(m: _Move, lists: _Lists) -> None:
    """Soft: each listed member not in the first one's group is one violation. Lists with
    members outside the freed groups cannot be joined by this move and are left as they are."""
    for owner in np.unique(lists.owner[np.isin(lists.person, m.people)]):
        people = lists.person[lists.owner == owner]
        if not m.p.present[m.r, people].all() or not np.isin(people, m.people).all():
            continue
        first, *rest = [int(np.flatnonzero(m.people == q)[0]) for q in people]
        for a in rest:
            split = m.model.new_bool_var("")
            for j in range(len(m.groups)):
                m.model.add_implication(m.x[first][j], m.x[a][j]).only_enforce_if(split.Not())
            m.penalties.append((split, 1))


def _shared_group(m: _Move, a: int, b: int, exact: bool) -> cp_model.IntVar:
    """1 when freed people a and b sit in the same freed group; unless `exact`, only forced
    up (enough where the pair costs, and much lighter)."""
    met = m.model.new_bool_var("")
    for j in range(len(m.groups)):
        m.model.add_bool_or([m.x[a][j].Not(), m.x[b][j].Not(), met])
    if exact:
        m.model.add_bool_or(
            [met.Not(), *(_and(m, m.x[a][j], m.x[b][j]) for j in range(len(m.groups)))]
        )
    return met


def _and(m: _Move, u: cp_model.IntVar, v: cp_model.IntVar) -> cp_model.IntVar:
    both = m.model.new_bool_var("")
    m.model.add_implication(both, u)
    m.model.add_implication(both, v)
    return both


def add_objective_terms(m: _Move, numbers: _PairNumbers) -> None:
    """Each term's change when the freed people are re-seated (the rest is constant)."""
    pair_cost = numbers.among(m.people)
    for term in m.p.objective:
        if term.weight == 0:
            continue
        if term.term == "same_organisation":
            _same_organisation(m, term.weight)
        elif term.term == "repeat_pairs":
            pair_cost += np.triu(term.weight * (m.met >= 1), 1)
        elif term.term == "imbalance":
            present = int(m.p.present[m.r].sum())
            for expr, most in _deviations(m, term.codes.of):
                dev = m.model.new_int_var(0, most, "")
                m.model.add_abs_equality(dev, expr)
                m.cost.append((Fraction(str(term.weight)) / present, dev, most))
        elif term.term == "duty_repeats":
            for (a, _), lits in m.holds.items():
                if m.duties_elsewhere[a] >= 1:
                    m.cost.extend((term.weight, lit, 1) for lit in lits)
    for a, b in zip(*np.nonzero(pair_cost), strict=True):
        cost = float(pair_cost[a, b])
        m.cost.append((cost, _shared_group(m, int(a), int(b), exact=cost < 0), 1))


def _same_organisation(m: _Move, weight: float) -> None:
    """Pairs of colleagues per freed group, C(count, 2): through its tangents when pairs
    cost (exact at the minimum, and linear), through a table when they are rewarded."""
    org = m.p.organisation.of[m.people]
    for value in np.unique(org[org != NONE]):
        mask = org == value
        most = int(mask.sum())
        if most < 2:
            continue
        table = [c * (c - 1) // 2 for c in range(most + 1)]
        for j in range(len(m.groups)):
            pairs = m.model.new_int_var(0, table[-1], "")
            count = m.count(mask, j, most)
            if weight > 0:
                for t in range(1, most):
                    m.model.add(pairs >= t * count - table[t + 1])
            else:
                m.model.add_element(count, table, pairs)
            m.cost.append((weight, pairs, table[-1]))


def add_keep(m: _Move) -> None:
    """Day-of repair: each freed person leaving their earlier group is one moved seat (one
    whose earlier group is not freed has moved already and stays moved)."""
    if m.p.keep is None:
        return
    for a, q in enumerate(m.people.tolist()):
        earlier = int(m.p.keep[m.r, q])
        if earlier in m.groups:
            m.moved.append(1 - m.x[a][m.groups.index(earlier)])


def set_objective(m: _Move) -> cp_model.LinearExprT:
    """Integer objective in three tiers: the weighted terms, below one unit per moved seat
    of a repair, below one unit per broken list."""
    exact = [Fraction(c) if isinstance(c, Fraction) else Fraction(str(c)) for c, _, _ in m.cost]
    scale = math.lcm(*(f.denominator for f in exact)) if exact else 1
    if scale > OBJECTIVE_SCALE:
        scale = OBJECTIVE_SCALE
    m.scale = scale
    coefficients = [round(f * scale) for f in exact]
    swing = sum(abs(c) * most for c, (_, _, most) in zip(coefficients, m.cost, strict=True))
    m.move_penalty = swing + 1
    m.penalty = swing + m.move_penalty * len(m.moved) + 1
    objective = sum(c * expr for c, (_, expr, _) in zip(coefficients, m.cost, strict=True))
    objective += sum(m.move_penalty * expr for expr in m.moved)
    objective += sum(m.penalty * expr for expr, _ in m.penalties)
    m.model.minimize(objective)
    return objective


def build_move(
    problem: Problem,
    seats: np.ndarray,
    duty: np.ndarray,
    r: int,
    groups: list[int],
    context: tuple[_Lists, _Lists, _PairNumbers],
) -> tuple[_Move, cp_model.LinearExprT]:
    apart, together, numbers = context
    m = _Move(problem, seats, duty, r, groups)
    add_sizes_and_pins(m)
    add_symmetry_breaking(m)
    add_organisation_cap(m)
    add_role_ratios(m)
    add_balance(m)
    add_max_meetings(m)
    add_duties(m)
    add_apart(m, apart)
    add_together(m, together)
    add_keep(m)
    add_objective_terms(m, numbers)
    return m, set_objective(m)


# -- the search ------------------------------------------------------------------------------


def _solver(seed: int, seconds: float, wall: float) -> cp_model.CpSolver:
    """One worker and a deterministic-time limit: the same move always gives the same seats
    (unless the wall-clock limit, there to keep the time limit, stops it first)."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = seconds
    solver.parameters.max_time_in_seconds = max(0.01, wall)
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    return solver


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


def _today(m: _Move, seats: np.ndarray, duty: np.ndarray) -> list[cp_model.IntVar]:
    """Literals fixing the move to today's seats and duty holders (renamed like the model)."""
    where = current_groups(m, seats)
    fixed = [m.x[a][j] for a, j in enumerate(where)]
    for (a, d), lits in m.holds.items():
        holds = duty[m.r, m.people[a]] == d
        fixed += [lit if holds and j == where[a] else lit.Not() for j, lit in enumerate(lits)]
    return fixed


def solve_move(
    m: _Move,
    objective: cp_model.LinearExprT,
    plan: Assignment,
    seed: int,
    wall: float,
) -> Outcome | None:
    """Solve the move from today's seats, allowing nothing worse; None when today's seats
    break one of the move's hard rules, or when no seats came in time."""
    today_literals = _today(m, plan.group, plan.duty)
    m.model.add_assumptions(today_literals)
    check = _solver(seed, MOVE_SECONDS, wall)
    if check.solve(m.model) != cp_model.OPTIMAL:
        return None
    today = int(check.value(objective))
    m.model.clear_assumptions()
    for lit in today_literals:
        m.model.add_hint(lit, True)
    m.model.add(objective <= today)
    solver = _solver(seed, MOVE_SECONDS, wall - check.wall_time)
    status = solver.solve(m.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    new = int(solver.value(objective))
    tiers = [
        m.penalty * sum(x.value(e) for e, _ in m.penalties)
        + m.move_penalty * sum(x.value(e) for e in m.moved)
        for x in (check, solver)
    ]
    terms = today - tiers[0], new - tiers[1]
    return Outcome(
        solver, new < today, Fraction(terms[1] - terms[0], m.scale), status == cp_model.OPTIMAL
    )


def read_move(m: _Move, solver: cp_model.CpSolver, seats: np.ndarray, duty: np.ndarray) -> None:
    """Write the move's seats and duty holders into the plan's arrays."""
    for a, q in enumerate(m.people.tolist()):
        seats[m.r, q] = m.groups[next(j for j, x in enumerate(m.x[a]) if solver.boolean_value(x))]
        duty[m.r, q] = ABSENT
    for (a, d), lits in m.holds.items():
        if any(solver.boolean_value(lit) for lit in lits):
            duty[m.r, m.people[a]] = d


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
    random groups; the neighbourhood grows while moves solve to optimality and shrinks
    when they time out."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.apart, self.together = _Lists.of(problem.apart), _Lists.of(problem.together)
        self.context = (self.apart, self.together, _PairNumbers(problem))
        self.linked = np.full(problem.n, -1, dtype=np.int64)
        for k, people in enumerate(linked_components([x.tolist() for x in problem.together])):
            self.linked[people] = k

    def conflicts(self, seats: np.ndarray, r: int) -> np.ndarray:
        """Per group of round r, its pairs of colleagues and of people who met in another
        round, less those that `together` lists keep side by side: where moves can gain."""
        p = self.problem
        people = np.flatnonzero(p.present[r])
        people = people[np.argsort(seats[r, people], kind="stable")]
        group, org = seats[r, people], p.organisation.of
        others = [k for k in range(len(p.rounds)) if k != r]
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

    def run(
        self,
        start: Assignment,
        time_limit: float,
        seed: int,
        cost: float = 0.0,
        target: float = -math.inf,
        progress: ProgressCallback | None = None,
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
        while (left := time_limit - (time.perf_counter() - began)) > 0:
            if not broken and stats.cost <= reached:
                break
            r, groups = self._neighbourhood(rng, plan.group, broken, size)
            m, objective = build_move(self.problem, plan.group, plan.duty, r, groups, self.context)
            outcome = solve_move(m, objective, plan, int(rng.integers(1 << 30)), left)
            stats.moves += 1
            if outcome is None:
                size = max(size - 1, GROUPS_PER_MOVE[0])
                continue
            read_move(m, outcome.solver, plan.group, plan.duty)
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

    def _neighbourhood(
        self, rng: np.random.Generator, seats: np.ndarray, broken: list, size: int
    ) -> tuple[int, list[int]]:
        """The groups of broken lists of one round, or a group with conflicts (a random one
        when none has), then random groups of the same round up to `size` (at least one)."""
        p = self.problem
        if broken:
            r = broken[int(rng.integers(len(broken)))][0]
            chosen: list[int] = []
            for k in rng.permutation(len(broken)).tolist():
                here, kind, owner = broken[k]
                lists = self.apart if kind == "apart" else self.together
                members = lists.person[lists.owner == owner]
                groups = seats[r, members[p.present[r, members]]].tolist()
                if kind == "apart":  # only where members collide
                    groups = [g for g in set(groups) if groups.count(g) > 1]
                if here == r and (not chosen or len(set(chosen + groups)) <= size):
                    chosen = list(dict.fromkeys(chosen + groups))
        else:
            r = int(rng.integers(len(p.rounds)))
            worth = np.flatnonzero(self.conflicts(seats, r))
            count = len(p.rounds[r].groups)
            chosen = [int(rng.choice(worth) if len(worth) else rng.integers(count))]
        count = len(p.rounds[r].groups)
        typical = max(1, len(p.rounds[r].present) // count)
        wanted = min(count, max(len(chosen) + 1, size), max(2, PEOPLE_PER_MOVE // typical))
        others = [g for g in rng.permutation(count).tolist() if g not in chosen]
        return r, chosen + others[: max(0, wanted - len(chosen))]
