"""The organisers' draw: names out of a hat, group sizes respected and nothing else.

It keeps the day's structure (same groups kept, groups merged whole) so that its plan
is comparable, and hands visitors and duties out at random. It is the baseline every
other strategy must beat.
"""

from __future__ import annotations

import time

import numpy as np

from allocator.model.layout import RoundShape
from allocator.model.problem import Problem
from allocator.strategies.base import (
    ABSENT,
    Announce,
    Assignment,
    ProgressCallback,
    Result,
    Stop,
    empty_assignment,
)

ATTEMPTS = 200


def _sizes(shape: RoundShape, seated: np.ndarray, people: int, rng: np.random.Generator):
    """Random group sizes within bounds, at least `seated`, adding up to `people`."""
    sizes = np.maximum(seated, [g.min_size for g in shape.groups])
    room = np.array([g.max_size for g in shape.groups]) - sizes
    left = people - sizes.sum()
    if left < 0 or left > room.sum() or (room < 0).any():
        return None
    for _ in range(left):
        g = rng.choice(np.flatnonzero(room > 0))
        sizes[g] += 1
        room[g] -= 1
    return sizes


def _fill(
    shape: RoundShape, seated: dict[int, int], rng: np.random.Generator
) -> dict[int, int] | None:
    """Complete a round whose participants in `seated` already have a group."""
    counts = np.bincount(list(seated.values()), minlength=len(shape.groups))
    target = _sizes(shape, counts, len(shape.present), rng)
    if target is None:
        return None
    newcomers = [q for q in shape.present if q not in seated]
    rng.shuffle(newcomers)
    slots = np.repeat(np.arange(len(shape.groups)), target - counts)
    return seated | dict(zip(newcomers, slots.tolist(), strict=True))


def _draw_round(problem: Problem, plan: Assignment, r: int, rng: np.random.Generator) -> bool:
    shape = problem.rounds[r]
    seated: dict[int, int] = {}
    if shape.kind == "same":
        seated = {
            q: int(plan.group[shape.source, q])
            for q in shape.present
            if plan.group[shape.source, q] != ABSENT
        }
    elif shape.kind == "merge":
        old_groups = len(problem.rounds[shape.source].groups)
        into = rng.integers(0, len(shape.groups), size=old_groups)
        seated = {
            q: int(into[plan.group[shape.source, q]])
            for q in shape.present
            if plan.group[shape.source, q] != ABSENT
        }
    filled = _fill(shape, seated, rng)
    if filled is None:
        return False
    for q, g in filled.items():
        plan.group[r, q] = g
    return True


def _hand_out(problem: Problem, plan: Assignment, r: int, rng: np.random.Generator) -> None:
    """Visitors to distinct random groups; duty holders drawn among eligible members."""
    groups = len(problem.rounds[r].groups)
    visitors = problem.round_visitors[r]
    if visitors and len(visitors) <= groups:
        plan.visitor_group[r, list(visitors)] = rng.permutation(groups)[: len(visitors)]
    for d, duty in enumerate(problem.duties):
        if r not in duty.rounds:
            continue
        for g in range(groups):
            free = [
                q
                for q in np.flatnonzero(plan.group[r] == g)
                if duty.eligible[q] and plan.duty[r, q] == ABSENT
            ]
            chosen = rng.permutation(np.array(free, dtype=np.int64))[: duty.per_group]
            plan.duty[r, chosen] = d


class RandomDraw:
    name = "random"

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
    ) -> Result:
        start = time.perf_counter()
        rng = np.random.default_rng(seed)
        for _ in range(ATTEMPTS):
            plan = empty_assignment(problem)
            if all(_draw_round(problem, plan, r, rng) for r in range(len(problem.rounds))):
                for r in range(len(problem.rounds)):
                    _hand_out(problem, plan, r, rng)
                return Result(self.name, seed, time.perf_counter() - start, "feasible", plan)
        return Result(self.name, seed, time.perf_counter() - start, "unknown", None)
