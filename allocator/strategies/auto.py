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
        # lists on days that reshuffle: the hybrid (its moves repair them; measured on the
        # lists suite against CP-SAT alone, and on the scale suite); on days that keep
        # groups the local search owns them. A repair: CP-SAT while its model fits.
        if unsupported(problem) or (lists and reshuffles):
            exact = problem.keep is not None and model_fits(problem)
            engine = CpSat() if hybrid_unsupported(problem) or exact else Hybrid()
            return self._named(
                engine.solve(
                    problem, time_limit=time_limit, seed=seed, progress=progress, stop=stop
                )
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
            give_up=time_limit / 2 if not refine and model_fits(problem) else None,
        )
        left = time_limit - (time.perf_counter() - began)
        if left < 1.0 or stopped(stop) or (local.assignment is not None and not refine):
            return self._named(local)
        if local.assignment is not None and reaches_bound(problem, local.search_cost):
            return self._named(local)  # at the counting bound: nothing left to prove
        try:
            exact = CpSat().solve(
                problem,
                time_limit=left,
                seed=seed,
                progress=shifted(progress, time.perf_counter() - began),
                stop=stop,
                hint=local.assignment,
            )
        except UnsupportedError:
            return self._named(local)
        if local.assignment is not None and (
            exact.assignment is None
            or plan_cost(problem, local.assignment) < plan_cost(problem, exact.assignment)
        ):
            return self._named(replace(local, bound=exact.bound))
        return self._named(exact)

    def _named(self, result: Result) -> Result:
        return replace(result, strategy=self.name, engine=result.engine or result.strategy)
