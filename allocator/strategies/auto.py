"""The default strategy: pick and combine the others by the instance's shape, known before
solving.

Where the local search owns every rule, it runs first: on days whose rounds keep or merge
groups (the Partner Day), and on large instances where CP-SAT's pair model would not fit,
all the time; elsewhere, if time is left and the plan is not at its counting bound, CP-SAT
starts from its plan to improve it and prove a bound. `apart` and `together` lists on days
that reshuffle go to the hybrid (the local search, then CP-SAT moves that repair the lists).
A repair goes to CP-SAT while its whole model fits, to the hybrid beyond; a shape the
search cannot hold, to CP-SAT. One round scored
by a `pairs` term alone (the Maximally Diverse Grouping Problem) goes to the diversity
search.
"""

from __future__ import annotations

import time
from dataclasses import replace

from allocator.analysis.bounds import metric_bounds, objective_bound
from allocator.model.problem import Problem
from allocator.strategies.base import (
    Announce,
    ProgressCallback,
    Result,
    Stop,
    UnsupportedError,
    shifted,
    stopped,
)
from allocator.strategies.exact.cpsat import CpSat, model_fits, pair_model_fits
from allocator.strategies.search.diversity import Diversity
from allocator.strategies.search.diversity import applies as diversity_rejects
from allocator.strategies.search.hybrid import Hybrid, relaxed
from allocator.strategies.search.hybrid import unsupported as hybrid_unsupported
from allocator.strategies.search.local_search import (
    LocalSearch,
    plan_cost,
    reaches_bound,
    unsupported,
)

LISTS_HYBRID_SHARE = 0.75
"""Share of the time limit the hybrid keeps on lists that fit CP-SAT's whole model, before
CP-SAT takes the rest: half was too little at 8 s on the lists suite's 48 people with 20
lists (objectives 5,200-6,100 against 5,000 with three quarters or all of it)."""

PATIENCE = 0.05
"""Share of the time limit the local search may go without a new best before CP-SAT, when
it follows, takes the time left (to improve the plan or prove it optimal)."""


class Auto:
    name = "auto"

    def prepare(self, problem: Problem, announce: Announce | None = None) -> None:
        if not diversity_rejects(problem):
            Diversity().prepare(problem, announce)
        elif not unsupported(relaxed(problem)):
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
        self.prepare(problem)
        began = time.perf_counter()
        if not diversity_rejects(problem):
            return self._named(
                Diversity().solve(
                    problem, time_limit=time_limit, seed=seed, progress=progress, stop=stop
                )
            )
        reshuffles = all(r.kind == "new" for r in problem.rounds)
        lists = bool(problem.apart or problem.together)
        fits = model_fits(problem)
        if unsupported(problem) or (lists and reshuffles):
            # a repair: CP-SAT while its model fits; lists on days that reshuffle: the
            # hybrid, whose moves repair them (measured on the lists suite against CP-SAT
            # alone, and on the scale suite), and where the whole model fits, CP-SAT for
            # the last quarter when the hybrid's plan is not at the bound (or there is none:
            # CP-SAT may prove the lists cannot hold). On days that keep groups the local
            # search owns the lists.
            if hybrid_unsupported(problem) or (problem.keep is not None and fits):
                return self._named(
                    CpSat().solve(
                        problem, time_limit=time_limit, seed=seed, progress=progress, stop=stop
                    )
                )
            share = time_limit * LISTS_HYBRID_SHARE if fits else time_limit
            first = Hybrid().solve(
                problem, time_limit=share, seed=seed, progress=progress, stop=stop
            )
            return self._named(
                self._then_cp_sat(problem, first, began, time_limit, seed, progress, stop)
                if fits
                else first
            )
        # where rounds keep or merge groups, CP-SAT's model is large and its moves come
        # later than the local search's (measured on the partner suite): the search keeps
        # the whole time
        refine = pair_model_fits(problem) and reshuffles
        share = time_limit / 2 if refine else time_limit
        local = LocalSearch().solve(
            problem,
            time_limit=share,
            seed=seed,
            progress=progress,
            stop=stop,
            patience=time_limit * PATIENCE if refine else None,
            # without a plan by half the time, CP-SAT may find one in the other half
            give_up=time_limit / 2 if not refine and fits else None,
        )
        if local.assignment is not None and not refine:
            return self._named(local)
        return self._named(
            self._then_cp_sat(problem, local, began, time_limit, seed, progress, stop)
        )

    def _then_cp_sat(
        self,
        problem: Problem,
        first: Result,
        began: float,
        time_limit: float,
        seed: int,
        progress: ProgressCallback | None,
        stop: Stop | None,
    ) -> Result:
        """CP-SAT in the time left, from the first engine's plan (a hint), unless that plan is
        at the counting bound; the better plan of the two, with CP-SAT's bound."""
        left = time_limit - (time.perf_counter() - began)
        if left < min(1.0, time_limit / 8) or stopped(stop) or _at_bound(problem, first):
            return first
        try:
            exact = CpSat().solve(
                problem,
                time_limit=left,
                seed=seed,
                progress=shifted(progress, time.perf_counter() - began),
                stop=stop,
                hint=first.assignment,
            )
        except UnsupportedError:
            return first
        if first.assignment is not None and (
            exact.assignment is None
            or plan_cost(problem, first.assignment) < plan_cost(problem, exact.assignment)
        ):
            return replace(first, bound=exact.bound)
        return exact

    def _named(self, result: Result) -> Result:
        return replace(result, strategy=self.name, engine=result.engine or result.strategy)


def _at_bound(problem: Problem, result: Result) -> bool:
    """Is the result's plan at the counting bound (nothing left to prove)?"""
    if result.assignment is None:
        return False
    if result.search_cost is not None:
        return reaches_bound(problem, result.search_cost)
    bound = objective_bound(problem, metric_bounds(problem))
    cost = plan_cost(problem, result.assignment)
    return bound is not None and cost <= bound + 1e-6 * max(1.0, abs(bound))
