"""A design fitted to a day: the library's schedule for the day's groups, its points relabelled
with people so that pins, organisation caps and group sizes hold and `apart` lists share as
few groups as the design allows, spare points and absent people left as empty seats, and
rounds beyond the design's filled greedily."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from allocator.model.problem import NONE, Problem
from allocator.strategies.base import ABSENT, Assignment, empty_assignment
from allocator.strategies.designs.library import Design, best_design

RELABEL_STEPS = 4000
"""Swaps tried per relabelling attempt before another choice of rounds is tried."""


APART_PASSES = 200
"""Greedy passes looking for spare points that never share a group."""


@dataclass(frozen=True)
class DesignStart:
    """A starting plan and what made it, for reports (`construction` names the library's
    entry, with the greedy rounds added past its last)."""

    assignment: Assignment
    construction: str
    design_rounds: int
    """How many of the day's rounds come from the design (the rest are greedy)."""


def design_start(problem: Problem, seed: int, budget: float) -> Assignment | None:
    """A plan where nobody meets twice in the design's rounds, or None (see `fitted_design`)."""
    fitted = fitted_design(problem, seed, budget)
    return None if fitted is None else fitted.assignment


def fitted_design(
    problem: Problem, seed: int, budget: float, most_rounds: int | None = None
) -> DesignStart | None:
    """On a day that reshuffles every round into the same number of groups and scores repeated
    meetings: the library's design for groups of ⌈people / groups⌉, with people placed on its
    points so that every pin, organisation cap and size bound holds, and people kept apart on
    points that meet as little as the placement search finds (none, where the design has such
    points: an apart pair on the two points of a group of an RGDD). None when no design
    applies or no placement keeping those rules is found within `budget` seconds. With
    `most_rounds`, at most that many rounds come from the design: past the design's last
    round, fewer design rounds can leave the search a better basin (see `LocalSearch`)."""
    shape = _shape(problem)
    if shape is None:
        return None
    groups, size = shape
    rounds = len(problem.rounds)
    deadline = time.perf_counter() + budget
    design = best_design(groups, size, rounds, seed, budget / 2)
    if design is None:
        return None
    rng = np.random.default_rng(seed)
    kept = min(rounds, len(design.rounds), most_rounds or rounds)
    chosen = np.arange(kept)
    while True:
        plan = _Fit(problem, design.rounds[chosen], groups).relabel(rng, deadline)
        if plan is not None:
            plan = _extended(problem, plan, kept, groups, rng)
        if plan is not None:
            return DesignStart(plan, _name(design, rounds, kept), kept)
        if time.perf_counter() >= deadline:
            return None
        # another placement, on other rounds of the design when it has more than the day
        chosen = np.sort(rng.choice(len(design.rounds), kept, replace=False))


def _name(design: Design, rounds: int, kept: int) -> str:
    extra = rounds - kept
    return design.name if extra <= 0 else f"{design.name} + {extra} greedy round{'s' * (extra > 1)}"


def _shape(problem: Problem) -> tuple[int, int] | None:
    """(groups, points per group) of the design a day can take, or None: every round new,
    with one number of groups, repeated meetings scored or capped, not a repair."""
    counts = {len(r.groups) for r in problem.rounds}
    scored = problem.max_meetings is not None
    scored = scored or any(t.term == "repeat_pairs" for t in problem.objective)
    if len(counts) != 1 or not scored or problem.keep is not None or problem.n == 0:
        return None
    if any(r.kind != "new" for r in problem.rounds):
        return None
    groups = counts.pop()
    return groups, -(-problem.n // groups)


class _Fit:
    """People placed on a design's points (the rest spare), scored by the rules it must keep
    (pins, organisation caps and group sizes after each round's groups are renamed), then by
    the meetings of people kept apart, which the search repairs where the design cannot."""

    def __init__(self, problem: Problem, design: np.ndarray, groups: int) -> None:
        self.problem, self.design, self.groups = problem, design, groups
        self.points = design.shape[1]
        self.present = problem.present[: len(design)]
        self.org = problem.organisation.of
        self.orgs = max(1, len(problem.organisation.values))
        self.caps = [c if c is not None else problem.n for c in problem.org_cap[: len(design)]]
        self.low = np.array([[g.min_size for g in r.groups] for r in problem.rounds[: len(design)]])
        self.high = np.array(
            [[g.max_size for g in r.groups] for r in problem.rounds[: len(design)]]
        )
        self.pins = [(p, r, g) for p, r, g in problem.fixed if r < len(design)]
        self.listed = np.unique(np.concatenate([np.empty(0, np.int64), *problem.apart]))
        self.kind = self._kinds()

    def _kinds(self) -> np.ndarray:
        """A number per person, equal for two people whose swap cannot change the broken
        rules: the same organisation and attendance, and no pin."""
        rows = np.column_stack([self.org, self.present.T])
        _, kind = np.unique(rows, axis=0, return_inverse=True)
        kind = kind.ravel()
        pinned = sorted({p for p, _, _ in self.pins})
        kind[pinned] = kind.max(initial=0) + 1 + np.arange(len(pinned))
        return kind

    def relabel(self, rng: np.random.Generator, deadline: float) -> Assignment | None:
        """Swap people between points (and onto spare points) while that lowers the broken
        rules, from a random placement; the plan once none is broken."""
        spare = self.apart(self.points - self.problem.n, rng)
        taken = np.setdiff1d(rng.permutation(self.points), spare, assume_unique=True)
        point_of = rng.permutation(np.concatenate([taken, spare])[: self.problem.n])
        cost = self.cost(point_of)
        for step in range(RELABEL_STEPS):
            if cost == (0, 0):
                return self.plan(point_of)
            if step % 64 == 0 and time.perf_counter() >= deadline:
                break
            trial = point_of.copy()
            # while people kept apart meet, half the swaps move one of them
            a = int(
                rng.choice(self.listed)
                if cost[1] and rng.random() < 0.5
                else rng.integers(self.problem.n)
            )
            free = np.setdiff1d(np.arange(self.points), point_of, assume_unique=True)
            if len(free) and rng.random() < len(free) / self.points:
                trial[a] = rng.choice(free)
                trial_cost = self.cost(trial)
            else:
                b = int(rng.integers(self.problem.n))
                trial[a], trial[b] = trial[b], trial[a]
                if self.kind[a] == self.kind[b]:  # the same rules bind both: only lists change
                    trial_cost = cost[0], self.apart_meetings(self.seats(trial))
                else:
                    trial_cost = self.cost(trial)
            if trial_cost <= cost:
                point_of, cost = trial, trial_cost
        return self.plan(point_of) if cost[0] == 0 else None

    def apart(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """Up to `count` points no two of which share a group in any round (the largest of a
        few greedy passes in random order): spare points there leave at most one empty seat
        per group."""
        best: list[int] = []
        for _ in range(APART_PASSES if count else 0):
            chosen: list[int] = []
            for x in rng.permutation(self.points):
                if not (self.design[:, chosen] == self.design[:, [x]]).any():
                    chosen.append(int(x))
                    if len(chosen) == count:
                        return np.array(chosen, dtype=np.int64)
            best = max(best, chosen, key=len)
        return np.array(best, dtype=np.int64)

    def seats(self, point_of: np.ndarray) -> np.ndarray:
        """Design group of each person each round, ABSENT where not present."""
        return np.where(self.present, self.design[:, point_of], ABSENT)

    def cost(self, point_of: np.ndarray) -> tuple[int, int]:
        """(broken rules, meetings of people kept apart), compared in that order."""
        seats = self.seats(point_of)
        return self.broken(seats), self.apart_meetings(seats)

    def apart_meetings(self, seats: np.ndarray) -> int:
        """Pairs of one `apart` list sharing a design group, summed over the rounds."""
        met = 0
        for members in self.problem.apart:
            row = seats[:, members]
            same = (row[:, :, None] == row[:, None, :]) & (row[:, :, None] >= 0)
            met += (int(same.sum()) - int((row >= 0).sum())) // 2
        return met

    def broken(self, seats: np.ndarray) -> int:
        """Units of the rules the fit must keep that these seats break."""
        broken = 0
        for r, row in enumerate(seats):
            here = row >= 0
            sizes = np.bincount(row[here], minlength=self.groups)
            outside = np.maximum(self.low[r].min() - sizes, 0) + np.maximum(
                sizes - self.high[r].max(), 0
            )
            broken += int(outside.sum()) + (self.names(r, row, sizes) is None)
            with_org = here & (self.org != NONE)
            counts = np.bincount(
                row[with_org] * self.orgs + self.org[with_org], minlength=self.groups * self.orgs
            )
            broken += int(np.maximum(counts - self.caps[r], 0).sum())
        return broken

    def names(self, r: int, row: np.ndarray, sizes: np.ndarray) -> np.ndarray | None:
        """Group of the day for each design group of round r: pinned people's groups first,
        then the others by size within the bounds; None when pins or sizes clash."""
        name = np.full(self.groups, -1)
        taken = np.zeros(self.groups, dtype=bool)
        for p, k, g in self.pins:
            if k != r or row[p] < 0:
                continue
            d = row[p]
            if (name[d] >= 0 and name[d] != g) or (name[d] < 0 and taken[g]):
                return None
            name[d], taken[g] = g, True
        for d in np.argsort(sizes, kind="stable"):
            if name[d] >= 0:
                continue
            fits = np.flatnonzero(~taken & (self.low[r] <= sizes[d]) & (sizes[d] <= self.high[r]))
            if not len(fits):
                return None
            name[d] = fits[np.argmin(self.high[r][fits])]  # the tightest group that holds it
            taken[name[d]] = True
        ok = (self.low[r][name] <= sizes) & (sizes <= self.high[r][name])
        return name if ok.all() else None

    def plan(self, point_of: np.ndarray) -> Assignment:
        seats = self.seats(point_of)
        plan = empty_assignment(self.problem)
        for r, row in enumerate(seats):
            here = row >= 0
            names = self.names(r, row, np.bincount(row[here], minlength=self.groups))
            plan.group[r, here] = names[row[here]]
        return plan


def _extended(
    problem: Problem, plan: Assignment, first: int, groups: int, rng: np.random.Generator
) -> Assignment | None:
    """Rounds `first` … seated greedily, one after the other: pins first, then everyone else
    in random order into the group where they have met the fewest, within caps and bounds."""
    for r in range(first, len(problem.rounds)):
        row = _greedy_round(problem, r, groups, plan.group[:r], rng)
        if row is None:
            return None
        plan.group[r] = row
    return plan


def _greedy_round(
    problem: Problem, r: int, groups: int, earlier: np.ndarray, rng: np.random.Generator
) -> np.ndarray | None:
    """One round seated greedily against the `earlier` rounds' seats. Who one has met in a
    group is counted through the groups: shared[k][h, g] is how many of the people seated in
    group g so far sat in group h of earlier round k (no matrix over pairs of people)."""
    shape = problem.rounds[r]
    low = np.array([g.min_size for g in shape.groups])
    high = np.array([g.max_size for g in shape.groups])
    here = np.flatnonzero(problem.present[r])
    target = np.full(groups, len(here) // groups) + (np.arange(groups) < len(here) % groups)
    if ((target < low) | (target > high)).any():
        return None
    cap = problem.org_cap[r] if problem.org_cap[r] is not None else problem.n
    org_of = problem.organisation.of
    row = np.full(problem.n, ABSENT, dtype=np.int64)
    sizes = np.zeros(groups, dtype=np.int64)
    colleagues = np.zeros((max(1, len(problem.organisation.values)), groups), dtype=np.int64)
    shared = [
        np.zeros((int(seats.max(initial=0)) + 1, groups), dtype=np.int64) for seats in earlier
    ]

    def seat(p: int, g: int) -> None:
        row[p] = g
        sizes[g] += 1
        if org_of[p] != NONE:
            colleagues[org_of[p], g] += 1
        for k, seats in enumerate(earlier):
            if seats[p] >= 0:
                shared[k][seats[p], g] += 1

    pinned = {p: g for p, k, g in problem.fixed if k == r}
    for p, g in pinned.items():
        seat(p, g)
    for p in rng.permutation([p for p in here if p not in pinned]):
        org = org_of[p]
        same = colleagues[org] if org != NONE else np.zeros(groups, dtype=np.int64)
        open_ = (sizes < target) & ((same < cap) | (org == NONE))
        if not open_.any():
            return None
        seen = np.zeros(groups, dtype=np.int64)
        for k, seats in enumerate(earlier):
            if seats[p] >= 0:
                seen += shared[k][seats[p]]
        seat(int(p), int(np.flatnonzero(open_)[np.argmin(seen[open_])]))
    return row
