"""The hybrid: the local search for the whole plan, then CP-SAT large-neighbourhood moves.

The local search seats everyone under the rules it owns; `apart` and `together`, which it
cannot score, are left out of its problem. The moves then repair those lists (each move
frees the groups a broken list touches) and go on improving the objective with random
groups until the time limit or the counting bound. Every move's model is small, so this
reaches instances far beyond the whole-plan CP-SAT model's size.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from allocator.analysis.bounds import metric_bounds, objective_bound
from allocator.model.problem import Problem
from allocator.strategies import lns
from allocator.strategies.base import ABSENT, ProgressCallback, Result, UnsupportedError
from allocator.strategies.duties import hand_out_duties
from allocator.strategies.local_search import LocalSearch, plan_cost, reaches_bound
from allocator.strategies.local_search import unsupported as local_unsupported

LOCAL_SHARE = 0.5
"""Share of the time limit the local search may use (it stops sooner at its bound)."""


def unsupported(problem: Problem) -> list[str]:
    """What neither the local search (apart/together aside) nor the moves can handle."""
    reasons = local_unsupported(relaxed(problem)) + lns.unsupported(problem)
    return list(dict.fromkeys(reasons))


def relaxed(problem: Problem) -> Problem:
    """The problem without the lists the local search cannot score."""
    return replace(problem, apart=(), together=())


class Hybrid:
    name = "hybrid"

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float,
        seed: int,
        progress: ProgressCallback | None = None,
    ) -> Result:
        reasons = unsupported(problem)
        if reasons:
            raise UnsupportedError("the hybrid does not handle: " + ", ".join(reasons))
        began = time.perf_counter()
        local = LocalSearch().solve(
            relaxed(problem), time_limit=time_limit * LOCAL_SHARE, seed=seed, progress=progress
        )
        lists = bool(problem.apart or problem.together)
        if local.assignment is None or (
            not lists and reaches_bound(problem, local.stats["best_cost"])
        ):
            return replace(local, strategy=self.name, seconds=time.perf_counter() - began)
        bound = objective_bound(problem, metric_bounds(problem))
        plan, moves = lns.LargeNeighbourhoodSearch(problem).run(
            local.assignment,
            time_limit - (time.perf_counter() - began),
            seed,
            cost=plan_cost(problem, local.assignment),
            target=-math.inf if bound is None else bound,
        )
        stats = {
            **local.stats,
            "moves": moves.moves,
            "improving_moves": moves.improving,
            "broken_lists": moves.broken_lists,
        }
        seconds = time.perf_counter() - began
        plan.duty[:] = ABSENT  # the moves kept a valid hand-out; the flow finds the best
        if moves.broken_lists or not hand_out_duties(problem, plan):
            return Result(self.name, seed, seconds, "unknown", None, bound=bound, stats=stats)
        return Result(self.name, seed, seconds, "feasible", plan, bound=bound, stats=stats)
