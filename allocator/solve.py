"""The library entry point: instance in, verified plan out.

Strategies load when a solve needs one: OR-Tools and numba take a second or two to
import, which reading or validating an instance should not pay."""

from __future__ import annotations

import functools
import importlib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from allocator.analysis.bounds import metric_bounds, objective_bound
from allocator.analysis.feasibility import counting_conflicts
from allocator.evaluation import Violation, evaluate, objective_value, read_seats, verify
from allocator.io.plan_json import plan_rounds
from allocator.model import limits
from allocator.model.errors import FieldIssue, InfeasibleError, InputError, NoPlanError
from allocator.model.instance import Instance
from allocator.model.limits import excerpt
from allocator.model.plan import Plan
from allocator.model.problem import Problem, compile_problem
from allocator.strategies.base import (
    Announce,
    Assignment,
    ProgressCallback,
    Result,
    Stop,
    Strategy,
    UnsupportedError,
)

StrategyName = Literal["auto", "cpsat", "diversity", "hybrid", "local", "random", "tabu"]
DEFAULT_STRATEGY: StrategyName = "auto"
_STRATEGY_CLASSES: dict[str, str] = {
    "auto": "allocator.strategies.auto:Auto",
    "cpsat": "allocator.strategies.exact.cpsat:CpSat",
    "diversity": "allocator.strategies.search.diversity:Diversity",
    "hybrid": "allocator.strategies.search.hybrid:Hybrid",
    "local": "allocator.strategies.search.local_search:LocalSearch",
    "random": "allocator.strategies.random_draw:RandomDraw",
    "tabu": "allocator.strategies.search.local_search:PlainTabu",
}


class _Registry(Mapping[str, type[Strategy]]):
    """The strategies by name, each class imported on first use."""

    def __getitem__(self, name: str) -> type[Strategy]:
        return _strategy_class(name)

    def __iter__(self) -> Iterator[str]:
        return iter(_STRATEGY_CLASSES)

    def __len__(self) -> int:
        return len(_STRATEGY_CLASSES)


@functools.cache
def _strategy_class(name: str) -> type[Strategy]:
    module, _, cls = _STRATEGY_CLASSES[name].partition(":")
    strategy: type[Strategy] = getattr(importlib.import_module(module), cls)
    return strategy


STRATEGIES: Mapping[str, type[Strategy]] = _Registry()


@dataclass(frozen=True)
class Solution:
    instance: Instance
    plan: dict[str, Any]
    """The plan as FORMAT.md's JSON object."""
    result: Result
    violations: list[Violation]
    """Hard rules the plan breaks, as the independent verifier sees them (empty: valid)."""

    @property
    def valid(self) -> bool:
        return not self.violations

    @functools.cached_property
    def typed_plan(self) -> Plan:
        """The same plan as typed objects: seats by person and round, gap, engine."""
        return Plan.from_dict(self.plan)


def make_strategy(name: str) -> Strategy:
    if name not in _STRATEGY_CLASSES:
        raise InputError(
            [
                FieldIssue(
                    "strategy",
                    f"unknown strategy {excerpt(name)}",
                    f"choose one of: {', '.join(_STRATEGY_CLASSES)}",
                )
            ]
        )
    return STRATEGIES[name]()


def solve(
    instance: Instance,
    strategy: StrategyName = DEFAULT_STRATEGY,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    earlier_plan: dict[str, Any] | None = None,
    stop: Stop | None = None,
    announce: Announce | None = None,
) -> Solution:
    """Compile, rule out what counting proves impossible, prepare the strategy (compile its
    kernels, off the clock), run it, then score and verify the plan independently.

    Raises `InputError` for an unknown strategy, a seed outside 0..2^31-1 or a time limit
    that is not a positive number, `InfeasibleError` when no plan can keep the rules, and
    `NoPlanError` when none was found. A plan breaking rules is returned, not raised (the
    random draw's are): see `Solution.violations`.

    With `earlier_plan` (day-of repair after cancellations and walk-ins), the plan first
    changes as few of its seats as possible, then optimises the objective. With `stop`, a
    request (from any thread) ends the solve early with the best plan found by then.
    `announce` hears one line before a long preparation (the first solve after an
    install compiles the search kernels)."""
    _check_options(time_limit, seed)
    engine = make_strategy(strategy)
    earlier = None if earlier_plan is None else _earlier_seats(earlier_plan)
    problem = compile_problem(instance, earlier)
    if earlier is not None:
        _check_shares_seats(problem, earlier)
    conflicts = counting_conflicts(problem)
    if conflicts:
        raise InfeasibleError(conflicts)
    try:
        engine.prepare(problem, announce)
        result = engine.solve(
            problem, time_limit=time_limit, seed=seed, progress=progress, stop=stop
        )
    except UnsupportedError as exc:
        raise NoPlanError(
            f"{exc}; try another strategy (`auto` picks one by shape)",
            reason="unsupported",
            strategy=strategy,
            time_limit=time_limit,
        ) from None
    if result.status == "infeasible":
        raise InfeasibleError(list(result.conflicts))
    if result.assignment is None and stop is not None and stop.requested:
        raise NoPlanError(
            "the solve was stopped before it found a plan keeping every rule",
            reason="stopped",
            strategy=strategy,
            time_limit=time_limit,
        )
    if result.assignment is None:
        raise NoPlanError(
            f"the `{strategy}` strategy found no plan in {time_limit:g} s; give it more time (--time-limit)",
            reason="time",
            strategy=strategy,
            time_limit=time_limit,
        )
    plan = build_plan(problem, result, time_limit)
    return Solution(instance, plan, result, verify(instance, plan))


def _check_options(time_limit: float, seed: int) -> None:
    """A seed the solvers take (CP-SAT's is a 32-bit integer) and a finite time limit."""
    issues = []
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= limits.MAX_SEED:
        issues.append(FieldIssue("seed", f"{excerpt(seed)} is not a whole number in 0..2^31-1"))
    seconds_ok = isinstance(time_limit, int | float) and not isinstance(time_limit, bool)
    if not (seconds_ok and math.isfinite(time_limit) and time_limit > 0):
        issues.append(FieldIssue("time_limit", f"{excerpt(time_limit)} is not a positive number"))
    elif time_limit > limits.MAX_SECONDS:
        issues.append(FieldIssue("time_limit", f"{time_limit:g} s is more than 10^6 s"))
    if issues:
        raise InputError(issues)


def _earlier_seats(plan: Any) -> dict[str, Any]:
    """The earlier plan of a repair read defensively (as `verify` reads plans), as a plan
    holding only its seats; `InputError` when any part of it is malformed."""
    seats, problems = read_seats(plan)
    if problems:
        raise InputError([FieldIssue("earlier plan", problem) for problem in problems])
    return {
        "rounds": [
            {"id": rid, "groups": [{"id": g, "members": m} for g, m in groups.items()]}
            for rid, groups in seats.items()
        ]
    }


def _check_shares_seats(problem: Problem, earlier: dict[str, Any]) -> None:
    """A repair from a plan sharing no seat with the instance (another day's plan) would
    silently be a fresh solve: refused, with what does and does not match."""
    assert problem.keep is not None
    if (problem.keep >= 0).any():
        return
    people = {p.id for p in problem.instance.participants}
    rounds = {r.id: {g.id for g in r.groups} for r in problem.rounds}
    seated = {m for r in earlier["rounds"] for g in r["groups"] for m in g["members"]}
    shared_rounds = [r["id"] for r in earlier["rounds"] if r["id"] in rounds]
    shared_groups = sum(
        g["id"] in rounds[r["id"]]
        for r in earlier["rounds"]
        if r["id"] in rounds
        for g in r["groups"]
    )
    raise InputError(
        [
            FieldIssue(
                "earlier plan",
                f"it shares no seat with this instance: {len(seated & people)} of its"
                f" {len(seated)} participants, {len(shared_rounds)} of its"
                f" {len(earlier['rounds'])} rounds and {shared_groups} of its groups in those"
                " rounds are in the instance",
                "pass the plan.json made for an earlier version of this day",
            )
        ]
    )


def build_plan(problem: Problem, result: Result, time_limit: float) -> dict[str, Any]:
    """The plan object with its metrics scored by the evaluator and the best bound known."""
    instance = problem.instance
    plan: dict[str, Any] = {
        "instance": instance.name,
        "status": result.status,
        "strategy": result.strategy,
        "engine": result.engine or result.strategy,
        "seed": result.seed,
        "seconds": round(result.seconds, 3),
        "time_limit": time_limit,
        "objective": None,
        "bound": None,
        "bound_by": None,
        "metrics": {},
        "metric_bounds": {},
        "rounds": plan_rounds(problem, result.assignment),
    }
    metrics = evaluate(instance, plan)
    objective = objective_value(instance, metrics)
    bounds = metric_bounds(problem)
    proofs = {"counting": objective_bound(problem, bounds), "solver": result.bound}
    proofs = {name: value for name, value in proofs.items() if value is not None}
    bound = max(proofs.values()) if proofs else None
    bound_by = max(proofs, key=lambda name: proofs[name]) if proofs else None
    if bound is not None and 0 < bound - objective <= 1e-9 * max(1.0, abs(objective)):
        bound = objective  # float noise from the solver's scaled bound
    if result.status == "optimal" or (bound is not None and bound >= objective):
        plan["status"] = "optimal"
    plan.update(
        objective=objective, bound=bound, bound_by=bound_by, metrics=metrics, metric_bounds=bounds
    )
    if problem.keep is not None:
        plan["repair"] = repair_summary(problem, result.assignment)
    return plan


def counting_bounds(instance: Instance) -> tuple[float | None, dict[str, float]]:
    """The instance's counting lower bounds, as a plan states them: on the objective (None
    when a term has none) and on each term, by metric key. Any plan of the instance, made
    by a solver or by hand, is at least this good."""
    problem = compile_problem(instance)
    bounds = metric_bounds(problem)
    return objective_bound(problem, bounds), bounds


def repair_summary(problem: Problem, assignment: Assignment) -> dict[str, int]:
    """How many of the earlier plan's seats (participant still present, group still there)
    the new plan keeps."""
    assert problem.keep is not None
    compared = problem.keep >= 0
    kept = int((assignment.group[compared] == problem.keep[compared]).sum())
    return {"seats_compared": int(compared.sum()), "seats_kept": kept}
