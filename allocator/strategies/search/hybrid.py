"""The hybrid: the local search for the whole plan, then CP-SAT large-neighbourhood moves.

The local search seats everyone under the rules it owns; `apart` and `together`, which it
cannot score, are left out of its problem. The moves then repair those lists (each move
frees the groups a broken list touches) and go on improving the objective with random
groups until the time limit or the counting bound. Every move's model is small, so this
reaches instances far beyond the whole-plan CP-SAT model's size. A day-of repair starts
from the earlier plan instead, with most seats frozen, and its moves count each seat they
move away from the earlier plan above any gain of the objective.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from allocator.analysis.bounds import metric_bounds, objective_bound
from allocator.model.problem import Problem
from allocator.strategies.base import (
    ABSENT,
    Announce,
    Assignment,
    ProgressCallback,
    Result,
    Stop,
    UnsupportedError,
    shifted,
    stopped,
)
from allocator.strategies.designs.fit import DesignStart, fitted_design
from allocator.strategies.exact import moves
from allocator.strategies.search.duties import hand_out_duties
from allocator.strategies.search.local_search import (
    LocalSearch,
    design_budget,
    plan_cost,
    reaches_bound,
)
from allocator.strategies.search.local_search import unsupported as local_unsupported
from allocator.strategies.search.repair import repair_start

LOCAL_SHARE = 0.5
"""Share of the time limit the local search may use (it stops sooner at its bound)."""

REOPEN = 0.05
"""Least share of the seats a repair opens to the local search when it could not find a plan
with the seats open so far."""


def unsupported(problem: Problem) -> list[str]:
    """What the local search cannot own once apart/together and the earlier plan are set
    aside, and what the repair's start cannot keep yet (groups kept over rounds)."""
    reasons = local_unsupported(relaxed(problem))
    if problem.keep is not None and any(r.kind != "new" for r in problem.rounds):
        reasons.append("repairing a day whose rounds keep or merge groups")
    return sorted(set(reasons))


def relaxed(problem: Problem) -> Problem:
    """The problem for the local search: without an earlier plan and, on days whose rounds
    all reshuffle, without the apart/together lists, which the moves repair better there
    (measured on the scale suite); on days that keep groups the search owns the lists."""
    if any(r.kind != "new" for r in problem.rounds):
        return replace(problem, keep=None)
    return replace(problem, apart=(), together=(), keep=None)


def _design_keeping_apart(problem: Problem, seed: int, time_limit: float) -> DesignStart | None:
    """The design fitted with the `apart` lists the relaxed problem leaves out (so that it
    puts people kept apart on points that do not meet), for days with such lists; None
    elsewhere (the local search fits its own)."""
    if not problem.apart:
        return None
    return fitted_design(problem, seed, design_budget(time_limit))


def _keeps_every_seat(problem: Problem, plan: Assignment) -> bool:
    """True unless the plan moves a seat of the earlier plan a repair compares it with."""
    if problem.keep is None:
        return True
    compared = problem.keep != ABSENT
    return bool((plan.group[compared] == problem.keep[compared]).all())


class Hybrid:
    name = "hybrid"

    def prepare(self, problem: Problem, announce: Announce | None = None) -> None:
        LocalSearch().prepare(problem, announce)

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float,
        seed: int,
        progress: ProgressCallback | None = None,
        stop: Stop | None = None,
    ) -> Result:
        reasons = unsupported(problem)
        if reasons:
            raise UnsupportedError("the hybrid does not handle: " + ", ".join(reasons))
        self.prepare(problem)
        began = time.perf_counter()
        share = time_limit * LOCAL_SHARE
        if problem.keep is None:
            local = LocalSearch().solve(
                relaxed(problem),
                time_limit=share,
                seed=seed,
                progress=progress,
                stop=stop,
                start=_design_keeping_apart(problem, seed, share),
            )
        else:
            local = self._repair(problem, share, seed, progress, stop)
        kept_all = local.assignment is not None and _keeps_every_seat(problem, local.assignment)
        lists_owned = relaxed(problem).apart == problem.apart and (
            relaxed(problem).together == problem.together
        )
        if local.assignment is None or (
            lists_owned
            and kept_all
            and local.search_cost is not None
            and (reaches_bound(problem, local.search_cost) or stopped(stop))
        ):
            return replace(local, strategy=self.name, seconds=time.perf_counter() - began)
        bound = objective_bound(problem, metric_bounds(problem))
        moves_began = time.perf_counter() - began
        plan, done = moves.LargeNeighbourhoodSearch(problem).run(
            local.assignment,
            time_limit - moves_began,
            seed,
            cost=plan_cost(relaxed(problem), local.assignment),  # the lists aside, as moves count
            # a repair may still move fewer seats at the bound, unless it keeps them all
            target=bound if bound is not None and kept_all else -math.inf,
            progress=shifted(progress, moves_began, bound),
            stop=stop,
        )
        stats = {
            **local.stats,
            "moves": done.moves,
            "improving_moves": done.improving,
            "broken_lists": done.broken_lists,
        }
        seconds = time.perf_counter() - began
        plan.duty[:] = ABSENT  # the moves kept a valid hand-out; the flow finds the best
        if done.broken_lists or not hand_out_duties(problem, plan):
            return Result(self.name, seed, seconds, "unknown", None, bound=bound, stats=stats)
        return Result(self.name, seed, seconds, "feasible", plan, bound=bound, stats=stats)

    def _repair(
        self,
        problem: Problem,
        time_limit: float,
        seed: int,
        progress: ProgressCallback | None,
        stop: Stop | None,
    ) -> Result:
        """The local search from the earlier plan with only the seats the start had to change
        open; while the rules cannot all hold that way, it opens twice as many more (random
        kept seats) and searches again. The moves then keep moved seats few."""
        began = time.perf_counter()
        rng = np.random.default_rng(seed)
        start, frozen = repair_start(problem, rng)
        seats = problem.present.sum()
        while True:
            left = time_limit - (time.perf_counter() - began)
            slice_ = left if not frozen.any() else max(left / 4, min(left, 1.0))
            local = LocalSearch().solve(
                relaxed(problem), time_limit=slice_, seed=seed, start=start, frozen=frozen,
                progress=shifted(progress, time.perf_counter() - began), stop=stop,
            )  # fmt: skip
            if local.assignment is not None or not frozen.any() or left - slice_ <= 0:
                return local
            closed = np.flatnonzero(frozen)
            opened = min(len(closed), max(int(seats - len(closed)), int(seats * REOPEN)))
            frozen.flat[rng.choice(closed, size=opened, replace=False)] = False
