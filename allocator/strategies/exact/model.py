"""What a CP-SAT model of seats decides: the whole day, or a move on a few groups.

Every rule and objective term is written once (`rules`, `terms`) over `SeatModel`: the seats
the model decides (a literal per group they may take) and the seats it reads as constants.
`DayModel` decides every seat of the day (the `cpsat` strategy). `MoveModel` decides the
seats in a few groups of one grouping and reads every other seat from the current plan
(the hybrid's moves), so that a move's model stays small whatever the size of the day.

A rule family is hard, or soft where the model says so (a move may leave an `apart` or
`together` list broken, at a penalty above any change of the objective, so that today's
seats are always a solution of it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from fractions import Fraction

import numpy as np
from ortools.sat.python import cp_model

from allocator.model.problem import Problem
from allocator.strategies.base import ABSENT, Assignment

Literal = cp_model.IntVar
Expr = cp_model.LinearExprT


class SeatModel:
    """The model under construction: seat literals, the rules' enforcement, the cost."""

    def __init__(self, problem: Problem, soft: frozenset[str] = frozenset(), explain=False):
        self.problem = problem
        self.model = cp_model.CpModel()
        self.soft = soft
        """Rule families that may break at a penalty (see `require`)."""
        self.explain = explain
        """Put each hard rule family under an assumption literal, to name the families an
        infeasibility proof needs."""
        self.seat: dict[tuple[int, int], dict[int, Literal]] = {}
        """(round, participant) → group → literal, for the seats the model decides; rounds
        that keep groups share their source round's literals."""
        self.visitor_at: dict[tuple[int, int], dict[int, Literal]] = {}
        """(round, visitor) → group → literal, where the model places the visitors."""
        self.merge_at: dict[tuple[int, int], dict[int, Literal]] = {}
        """(merged round, source group) → merged group → literal."""
        self.holds: dict[tuple[int, int, int], dict[int, Literal]] = {}
        """(round, duty, participant) → group → literal: holds the duty there."""
        self.duties_held: dict[int, list[Literal]] = defaultdict(list)
        self.cost: list[tuple[Fraction, Expr, int]] = []
        """(weight, expression, its largest value)."""
        self.broken: dict[tuple[str, Hashable], Literal] = {}
        """A literal per soft rule that may break: (family, key) → 1 when broken."""
        self.guards: dict[str, Literal] = {}
        self.meets: dict[tuple[int, int, int], Literal] = {}
        self.colleague_meetings: list[Literal] = []
        """The meeting literals `same_organisation` counts."""
        self.repeats: list[cp_model.IntVar] = []
        """The repeat count of each pair `repeat_pairs` counts."""

    # -- what the model decides (each model says) ---------------------------------------------

    def rounds(self) -> Sequence[int]:
        """The rounds in which the model decides seats."""
        raise NotImplementedError

    def groups(self, r: int) -> Sequence[int]:
        """The groups of round r whose members the model decides (all their members)."""
        raise NotImplementedError

    def people(self, r: int) -> Sequence[int]:
        """The participants whose seat in round r the model decides."""
        raise NotImplementedError

    def participants(self) -> Sequence[int]:
        """Everyone with a seat the model decides: the only people whose meetings change."""
        raise NotImplementedError

    def meetings(self, a: int, b: int, exact: bool, least: int) -> tuple[int, list[Literal]] | None:
        """In how many groupings a and b meet: a constant plus a sum of literals (1 when they
        meet in a grouping the model decides; `exact` forces them down too, where meeting
        is rewarded). None when they cannot meet in `least` groupings, or when the model
        decides none of their meetings."""
        raise NotImplementedError

    def groupings(self) -> Sequence[int]:
        """The groupings in which the model decides seats."""
        raise NotImplementedError

    def meeting_in(self, a: int, b: int, k: int) -> Literal | int:
        """1 when a and b meet in grouping k (which the model decides), as a literal forced
        up by their shared seats or as a constant."""
        raise NotImplementedError

    def visits(self, r: int, q: int, v: int) -> list[Expr | int]:
        """Terms adding up to 1 when q sits with visitor v in round r, else 0."""
        raise NotImplementedError

    def audience(self, rounds: Sequence[int]) -> list[int]:
        """The people whose meetings with a visitor of these rounds the model decides."""
        raise NotImplementedError

    def duties_elsewhere(self, q: int) -> int:
        """Duties q holds in seats the model does not decide."""
        return 0

    def only_round(self) -> int | None:
        """The one round the model decides, when it decides a grouping of one round and
        nothing else (a move on a day that reshuffles): there, who meets is who shares a
        decided group."""
        return None

    def holds_pairs(self) -> bool:
        """Can the model hold a meeting literal for every pair it decides?"""
        return True

    # -- shared machinery ----------------------------------------------------------------------

    def guard(self, family: str) -> list[Literal]:
        """Enforcement literals for a hard rule family: one assumption when explaining."""
        if not self.explain:
            return []
        if family not in self.guards:
            self.guards[family] = self.model.new_bool_var(f"rule_{family}")
        return [self.guards[family]]

    def require(self, family: str, constraint, key: Hashable = None) -> None:
        """A rule of `family`; soft families may break, all the constraints of one `key`
        together (one list in one round), at a penalty counted once per key."""
        if family in self.soft:
            broken = self.broken.get((family, key))
            if broken is None:
                broken = self.broken[family, key] = self.model.new_bool_var(f"broken_{family}")
            self.model.add(constraint).only_enforce_if(broken.Not())
        else:
            self.model.add(constraint).only_enforce_if(self.guard(family))

    def members(self, r: int, g: int, people: Sequence[int] | None = None) -> list[Literal]:
        """Literals of `people` (default: everyone decided in round r) sitting in group g."""
        chosen = self.people(r) if people is None else people
        out = []
        for q in chosen:
            row = self.seat.get((r, int(q)))
            if row is not None and g in row:
                out.append(row[g])
        return out

    def add_cost(self, weight: Fraction | float, expr: Expr, most: int) -> None:
        self.cost.append(
            (Fraction(str(weight)) if isinstance(weight, float) else weight, expr, most)
        )

    def meet(self, a: int, b: int, k: int, exact: bool) -> Literal | None:
        """A literal that is 1 when a and b share a group in a round of grouping k where the
        model decides both seats, forced up by every shared seat (and, with `exact`, down
        when none is shared); None when no such round exists."""
        key = (a, b, k)
        if key in self.meets and not exact:
            return self.meets[key]
        p = self.problem
        seen: set[tuple[int, int]] = set()
        clauses, shared = [], []
        for r in p.rounds_of_grouping(k):
            row_a, row_b = self.seat.get((r, a)), self.seat.get((r, b))
            if row_a is None or row_b is None:
                continue
            for g in row_a.keys() & row_b.keys():
                xa, xb = row_a[g], row_b[g]
                if (xa.index, xb.index) not in seen:
                    seen.add((xa.index, xb.index))
                    clauses.append((xa, xb))
        if not clauses:
            return None
        met = self.meets.get(key)
        if met is None:
            met = self.meets[key] = self.model.new_bool_var(f"meet{a}_{b}_{k}")
        for xa, xb in clauses:
            self.model.add_bool_or([xa.Not(), xb.Not(), met])
            if exact:
                shared.append(both(self, xa, xb))
        if exact:
            self.model.add_bool_or([met.Not(), *shared])
        return met

    def read(self, solver: cp_model.CpSolver, plan: Assignment) -> None:
        """Write the decided seats, duty holders and visitor places into the plan's arrays."""
        for (r, q), row in self.seat.items():
            plan.group[r, q] = next(g for g, lit in row.items() if solver.boolean_value(lit))
            plan.duty[r, q] = ABSENT
        for (r, d, q), row in self.holds.items():
            if any(solver.boolean_value(lit) for lit in row.values()):
                plan.duty[r, q] = d
        for (r, v), where in self.visitor_at.items():
            plan.visitor_group[r, v] = next(
                g for g, lit in where.items() if solver.boolean_value(lit)
            )


def both(m: SeatModel, a: Literal, b: Literal) -> Literal:
    """A literal equal to a ∧ b."""
    lit = m.model.new_bool_var("")
    m.model.add_bool_or([a.Not(), b.Not(), lit])
    m.model.add_implication(lit, a)
    m.model.add_implication(lit, b)
    return lit


def _add_seats(m: SeatModel, rounds: Sequence[int], groups, people) -> None:
    """One literal per decided seat and group it may take, exactly one of them true; a round
    that keeps groups reuses its source round's literals for everyone decided in both."""
    p = m.problem
    for r in rounds:
        shape = p.rounds[r]
        for q in people(r):
            q = int(q)
            if shape.kind == "same" and (shape.source, q) in m.seat:
                m.seat[r, q] = m.seat[shape.source, q]
                continue
            row = {g: m.model.new_bool_var(f"x{r}_{q}_{g}") for g in groups(r)}
            m.model.add_exactly_one(row.values())
            m.seat[r, q] = row


# -- the whole day ---------------------------------------------------------------------------


class DayModel(SeatModel):
    """Every seat and visitor place of the day."""

    def __init__(self, problem: Problem, explain: bool = False, holds_pairs: bool = True):
        super().__init__(problem, explain=explain)
        self._holds_pairs = holds_pairs
        _add_seats(self, self.rounds(), self.groups, self.people)
        for r, listed in enumerate(problem.round_visitors):
            for v in listed:
                self.visitor_at[r, v] = {
                    g: self.model.new_bool_var(f"v{r}_{v}_{g}") for g in self.groups(r)
                }

    def rounds(self) -> range:
        return range(len(self.problem.rounds))

    def groups(self, r: int) -> range:
        return range(len(self.problem.rounds[r].groups))

    def people(self, r: int) -> tuple[int, ...]:
        return self.problem.rounds[r].present

    def participants(self) -> range:
        return range(self.problem.n)

    def holds_pairs(self) -> bool:
        return self._holds_pairs

    def groupings(self) -> range:
        return range(self.problem.n_groupings)

    def meeting_in(self, a: int, b: int, k: int) -> Literal | int:
        lit = self.meet(a, b, k, exact=False)
        return 0 if lit is None else lit

    def meetings(self, a: int, b: int, exact: bool, least: int) -> tuple[int, list[Literal]] | None:
        groupings = meeting_groupings(self.problem, a, b)
        if len(groupings) < max(1, least):
            return None
        lits = [self.meet(a, b, k, exact) for k in groupings]
        return 0, [lit for lit in lits if lit is not None]

    def visits(self, r: int, q: int, v: int) -> list[Expr | int]:
        at = self.visitor_at[r, v]
        return [both(self, lit, at[g]) for g, lit in self.seat[r, q].items()]

    def audience(self, rounds: Sequence[int]) -> list[int]:
        return np.flatnonzero(self.problem.present[list(rounds)].any(axis=0)).tolist()


def meeting_groupings(p: Problem, a: int, b: int) -> list[int]:
    """The groupings with a round that both a and b attend."""
    return [
        k
        for k in range(p.n_groupings)
        if any(p.present[r, a] and p.present[r, b] for r in p.rounds_of_grouping(k))
    ]


# -- a move ------------------------------------------------------------------------------------


class MoveModel(SeatModel):
    """The seats in a few groups of one grouping, in every round of it; the rest of the plan
    (other groups, other groupings, visitor places) is read as constants."""

    def __init__(
        self,
        problem: Problem,
        plan: Assignment,
        grouping: int,
        freed: dict[int, list[int]],
        soft: frozenset[str] = frozenset(),
    ):
        super().__init__(problem, soft=soft)
        self.plan, self.grouping, self.freed = plan, grouping, freed
        self._rounds = sorted(freed)
        self._people = {
            r: np.flatnonzero(problem.present[r] & np.isin(plan.group[r], freed[r])).tolist()
            for r in self._rounds
        }
        self._everyone = sorted({q for people in self._people.values() for q in people})
        self._index = {q: a for a, q in enumerate(self._everyone)}
        _add_seats(self, self._rounds, lambda r: freed[r], lambda r: self._people[r])
        self._elsewhere, self._fixed_here, self._common = self._pair_constants()

    def rounds(self) -> list[int]:
        return self._rounds

    def groups(self, r: int) -> list[int]:
        return self.freed[r]

    def people(self, r: int) -> list[int]:
        return self._people[r]

    def participants(self) -> list[int]:
        return self._everyone

    def _pair_constants(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Among the decided people: the groupings each pair meets in outside the move, whether
        they meet in its grouping through seats it does not decide, and whether they share
        a round of it where it decides both seats."""
        p, people = self.problem, np.array(self._everyone, dtype=np.int64)
        k = len(people)
        elsewhere = np.zeros((k, k), dtype=np.int64)
        fixed_here = np.zeros((k, k), dtype=bool)
        common = np.zeros((k, k), dtype=bool)
        for grouping in range(p.n_groupings):
            met = np.zeros((k, k), dtype=bool)
            for r in p.rounds_of_grouping(grouping):
                row = self.plan.group[r, people]
                same = (row[:, None] == row[None, :]) & (row != ABSENT)[:, None]
                if grouping != self.grouping:
                    met |= same
                    continue
                decided = np.isin(people, self._people[r])
                met |= same & ~decided[:, None] & ~decided[None, :]
                common |= decided[:, None] & decided[None, :]
            if grouping == self.grouping:
                fixed_here = met
            else:
                elsewhere += met
        return elsewhere, fixed_here, common

    def meetings(self, a: int, b: int, exact: bool, least: int) -> tuple[int, list[Literal]] | None:
        i, j = self._index[a], self._index[b]
        constant = int(self._elsewhere[i, j]) + int(self._fixed_here[i, j])
        if not self._common[i, j] or self._fixed_here[i, j] or constant + 1 < max(1, least):
            return None  # no meeting the move decides, or too few to count
        lit = self.meet(a, b, self.grouping, exact)
        return None if lit is None else (constant, [lit])

    def groupings(self) -> list[int]:
        return [self.grouping]

    def only_round(self) -> int | None:
        return self._rounds[0] if len(self._rounds) == 1 else None

    def meeting_in(self, a: int, b: int, k: int) -> Literal | int:
        i, j = self._index[a], self._index[b]
        if self._fixed_here[i, j]:
            return 1
        lit = self.meet(a, b, k, exact=False) if self._common[i, j] else None
        return 0 if lit is None else lit

    def visits(self, r: int, q: int, v: int) -> list[Expr | int]:
        at = int(self.plan.visitor_group[r, v])
        row = self.seat.get((r, q))
        if row is None:
            return [int(self.plan.group[r, q] == at)]
        return [row[at]] if at in row else []

    def audience(self, rounds: Sequence[int]) -> list[int]:
        return [q for q in self._everyone if any((r, q) in self.seat for r in rounds)]

    def duties_elsewhere(self, q: int) -> int:
        held = self.plan.duty[:, q] != ABSENT
        decided = [r for r in range(len(self.problem.rounds)) if (r, q) in self.seat]
        held[decided] = False
        return int(held.sum())
