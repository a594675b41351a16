"""What every strategy receives and returns."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

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


class Stop:
    """A request to end a solve early and keep the best plan found so far (an organiser's
    Stop button). Strategies look at it between their steps; a CP-SAT solve under way is
    stopped as soon as it is requested (`watching`). Any thread may request."""

    def __init__(self) -> None:
        self._requested = threading.Event()
        self._lock = threading.Lock()
        self._solvers: set[Any] = set()
        self._stopper: threading.Thread | None = None

    @property
    def requested(self) -> bool:
        return self._requested.is_set()

    def request(self) -> None:
        self._requested.set()
        self._stop_solvers()

    @contextmanager
    def watching(self, solver: Any) -> Iterator[None]:
        """While the block runs, a request stops this CP-SAT solver's search (even one made
        before its search began: CP-SAT ignores a stop outside a search, so it is repeated
        until the block ends)."""
        with self._lock:
            self._solvers.add(solver)
        if self.requested:
            self._stop_solvers()
        try:
            yield
        finally:
            with self._lock:
                self._solvers.discard(solver)

    def _stop_solvers(self) -> None:
        with self._lock:
            if self._solvers and (self._stopper is None or not self._stopper.is_alive()):
                self._stopper = threading.Thread(target=self._keep_stopping, daemon=True)
                self._stopper.start()

    def _keep_stopping(self) -> None:
        while True:
            with self._lock:
                solvers = list(self._solvers)
            if not solvers:
                return
            for solver in solvers:
                solver.stop_search()
            time.sleep(0.05)


def stopped(stop: Stop | None) -> bool:
    return stop is not None and stop.requested


@contextmanager
def watching(stop: Stop | None, solver: Any) -> Iterator[None]:
    """`stop.watching(solver)`, or nothing without a stop."""
    if stop is None:
        yield
    else:
        with stop.watching(solver):
            yield


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
        stop: Stop | None = None,
    ) -> Result:
        """A plan within `time_limit` seconds, or sooner when `stop` is requested (the best
        plan found by then)."""
        ...


def empty_assignment(problem: Problem) -> Assignment:
    rounds = len(problem.rounds)
    return Assignment(
        group=np.full((rounds, problem.n), ABSENT, dtype=np.int64),
        visitor_group=np.full((rounds, len(problem.visitor_ids)), ABSENT, dtype=np.int64),
        duty=np.full((rounds, problem.n), ABSENT, dtype=np.int64),
    )
