"""What every strategy receives and returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from allocator.model.errors import Conflict
from allocator.model.problem import Problem

ABSENT = -1


@dataclass(frozen=True)
class Assignment:
    """A plan as arrays: who sits where, where visitors go, who holds which duty."""

    group: np.ndarray
    """(rounds, participants): group index, ABSENT when not present."""
    visitor_group: np.ndarray
    """(rounds, visitors): group index, ABSENT when the round does not list the visitor."""
    duty: np.ndarray
    """(rounds, participants): duty index held that round, ABSENT for none."""


@dataclass(frozen=True)
class Progress:
    seconds: float
    objective: float
    bound: float | None
    broken_lists: int = 0
    """Rounds in which an apart/together list is still broken, summed over lists: while
    any is, the objective is not yet a valid plan's."""


ProgressCallback = Callable[[Progress], None]

Announce = Callable[[str], None]
"""Hears one line of what a strategy does before its clock starts (a compilation)."""


def shifted(
    progress: ProgressCallback | None, offset: float, bound: float | None = None
) -> ProgressCallback | None:
    """A later stage's progress told on the whole solve's clock (`offset` seconds in), with
    `bound` where the stage reports none."""
    if progress is None:
        return None

    def tell(at: Progress) -> None:
        progress(
            replace(
                at, seconds=offset + at.seconds, bound=at.bound if at.bound is not None else bound
            )
        )

    return tell


@dataclass(frozen=True)
class Result:
    strategy: str
    seed: int
    seconds: float
    status: str
    """`optimal`, `feasible`, `infeasible` or `unknown` (nothing found in time)."""
    assignment: Assignment | None
    bound: float | None = None
    """A proven lower bound on the objective, when the strategy proves one."""
    conflicts: tuple[Conflict, ...] = ()
    engine: str | None = None
    """The strategy that made the plan, when this one delegated (`auto`)."""
    construction: str | None = None
    """What the local search started from: a design of the library, or a greedy."""
    search_cost: float | None = None
    """The local search's own score of its best plan (objective plus penalties), which
    tells a caller whether it reached the counting bound."""
    stats: dict[str, float] = field(default_factory=dict)
    """Counters for reports (iterations, moves, model size); nothing reads them to decide."""


class UnsupportedError(Exception):
    """The strategy cannot take this instance (a rule it does not own, or a size it cannot
    hold); the message says which, so that `auto` or the user picks another."""


class Strategy(Protocol):
    name: str

    def prepare(self, problem: Problem, announce: Announce | None = None) -> None:
        """Compile what solving this problem needs, before the solve's clock starts."""

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float,
        seed: int,
        progress: ProgressCallback | None = None,
    ) -> Result: ...


def empty_assignment(problem: Problem) -> Assignment:
    rounds = len(problem.rounds)
    return Assignment(
        group=np.full((rounds, problem.n), ABSENT, dtype=np.int64),
        visitor_group=np.full((rounds, len(problem.visitor_ids)), ABSENT, dtype=np.int64),
        duty=np.full((rounds, problem.n), ABSENT, dtype=np.int64),
    )
