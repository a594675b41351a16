"""Local search: tabu over swaps and moves, compiled with numba, for people who reshuffle
every round.

It owns the rules it can score incrementally (sizes, organisation cap, max_meetings,
fixed seats, balance, role ratios) and the terms `same_organisation`, `repeat_pairs`, `imbalance` and `pairs`;
duties are handed out afterwards by an exact min-cost flow. On anything else (visitors, rounds
that keep or merge groups, apart/together) it refuses loudly, so that
`auto` hands the instance to CP-SAT.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from allocator.analysis.bounds import metric_bounds
from allocator.model.problem import Codes, Problem
from allocator.strategies import kernels
from allocator.strategies.base import (
    ABSENT,
    Assignment,
    Progress,
    ProgressCallback,
    Result,
    UnsupportedError,
)
from allocator.strategies.constructions import design_start, greedy_start
from allocator.strategies.duties import hand_out_duties

DENSE_PAIRS_LIMIT = 6000
"""A `pairs` term is held as a dense n × n matrix up to this many participants."""

TENURE = (4, 30)
"""A moved seat stays tabu for TENURE[0] + a random number below TENURE[1] steps."""

STALL = 20
"""Steps without a new best, per participant, before returning to the best plan perturbed."""

PERTURBATION = 0.05
"""Random swaps of a perturbation, per participant."""

CHUNK = 2000
"""Search steps between two looks at the clock."""

WHOLE_NEIGHBOURHOOD_LIMIT = 1500
"""Up to this many (participant, round) seats, every step weighs every conflicted seat."""


def unsupported(problem: Problem) -> list[str]:
    """What stops the local search from owning every rule of this instance."""
    reasons = []
    if any(r.kind != "new" for r in problem.rounds):
        reasons.append("rounds with same_groups_as or merge_of")
    if any(problem.round_visitors):
        reasons.append("visitors")
    if problem.keep is not None:
        reasons.append("repairing an earlier plan")
    for name, lists in (("apart", problem.apart), ("together", problem.together)):
        if lists:
            reasons.append(name)
    pairs = [t for t in problem.objective if t.term == "pairs"]
    if pairs and problem.n > DENSE_PAIRS_LIMIT:
        reasons.append(f"a pairs term over more than {DENSE_PAIRS_LIMIT} participants")
    if any(t.term == "duty_repeats" and t.weight < 0 for t in problem.objective):
        reasons.append("a negative duty_repeats weight")
    return reasons


@dataclass
class SearchState:
    """Everything the compiled kernels read and update, as arrays."""

    group_of: np.ndarray
    members: np.ndarray
    size: np.ndarray
    slot: np.ndarray
    meet: np.ndarray
    org: np.ndarray
    org_count: np.ndarray
    cap: np.ndarray
    codes: np.ndarray
    vcount: np.ndarray
    nv: np.ndarray
    present: np.ndarray
    w_imb: np.ndarray
    """(attributes, 2): the imbalance weight, and 1 where `balance` makes the attribute a rule."""
    ratios: np.ndarray
    """(rules, 7): t_role, role, per, min numerator, min denominator, max num., max den."""
    pair_w: np.ndarray
    weights: np.ndarray
    movable: np.ndarray
    min_size: np.ndarray
    max_size: np.ndarray
    n_groups: np.ndarray

    def rebuild(self) -> None:
        kernels.rebuild(
            self.group_of,
            self.members,
            self.size,
            self.slot,
            self.meet,
            self.org,
            self.org_count,
            self.codes,
            self.vcount,
        )

    def cost(self) -> float:
        return kernels.total_cost(
            self.size,
            self.meet,
            self.org_count,
            self.cap,
            self.vcount,
            self.nv,
            self.present,
            self.w_imb,
            self.ratios,
            self.pair_w,
            self.weights,
        )


def _weight(problem: Problem, term: str) -> float:
    return sum(t.weight for t in problem.objective if t.term == term)


def _pair_matrix(problem: Problem) -> np.ndarray:
    terms = [t for t in problem.objective if t.term == "pairs"]
    if not terms:
        return np.zeros((1, 1))
    dense = np.zeros((problem.n, problem.n))
    for t in terms:
        dense[t.pair_i, t.pair_j] += t.weight * t.pair_w
    return dense + dense.T


def _reached(target: float) -> float:
    """The cost at which the search stops: the target, less strict by the float noise that
    summing millions of move deltas leaves."""
    return target + 1e-6 * max(1.0, abs(target))


def reaches_bound(problem: Problem, cost: float) -> bool:
    """Has the search's cost reached the counting bound of the terms it scores?"""
    return cost <= _reached(search_target(problem))


def search_target(problem: Problem) -> float:
    """The counting bound of the terms the search scores: reaching it proves optimality."""
    if any(t.weight < 0 for t in problem.objective if t.term != "duty_repeats"):
        return -np.inf
    bounds = metric_bounds(problem)
    return sum(t.weight * bounds[t.key] for t in problem.objective if t.term != "duty_repeats")


def _attribute_rules(problem: Problem) -> tuple[list[Codes], np.ndarray, np.ndarray]:
    """Every attribute counted per group (imbalance terms, balance rules, the role for
    ratios), with its imbalance weight and balance flag, and the ratio rules as integers."""
    attributes: list[Codes] = []
    weights: list[list[float]] = []

    def slot(codes: Codes) -> int:
        for k, known in enumerate(attributes):
            if known.name == codes.name:
                return k
        attributes.append(codes)
        weights.append([0.0, 0.0])
        return len(attributes) - 1

    for term in problem.objective:
        if term.term == "imbalance":
            weights[slot(term.codes)][0] += term.weight
    for codes in problem.balance:
        weights[slot(codes)][1] = 1.0
    rules = []
    if problem.ratios:
        t = slot(problem.role)
        for rule in problem.ratios:
            low = (-1, -1) if rule.min is None else (rule.min.numerator, rule.min.denominator)
            high = (-1, -1) if rule.max is None else (rule.max.numerator, rule.max.denominator)
            rules.append([t, rule.role, rule.per, *low, *high])
    return (
        attributes,
        np.array(weights, dtype=np.float64).reshape(len(attributes), 2),
        np.array(rules, dtype=np.int64).reshape(len(rules), 7),
    )


def build_state(problem: Problem, start: Assignment) -> SearchState:
    rounds, n = len(problem.rounds), problem.n
    groups = max(len(s.groups) for s in problem.rounds)
    biggest = max(g.max_size for s in problem.rounds for g in s.groups)
    attributes, attr_w, ratios = _attribute_rules(problem)
    values = max([len(a.values) for a in attributes] + [1])
    codes = np.array([a.of for a in attributes], dtype=np.int64).reshape(len(attributes), n)
    nv = np.zeros((len(attributes), rounds, values), dtype=np.int64)
    for t in range(len(attributes)):
        for r in range(rounds):
            here = codes[t][problem.present[r] & (codes[t] >= 0)]
            nv[t, r] = np.bincount(here, minlength=values)
    movable = problem.present.copy()
    for q, r, _ in problem.fixed:
        movable[r, q] = False
    penalty = 1.0 + 1000.0 * sum(abs(t.weight) for t in problem.objective) * max(1, n)
    max_meet = problem.max_meetings if problem.max_meetings is not None else 255
    bounds = np.zeros((rounds, groups), dtype=np.int64)
    state = SearchState(
        group_of=start.group.copy(),
        members=np.full(
            (rounds, groups, min(biggest, n) + 1), -1, dtype=np.int64
        ),  # +1: a swap passes through one extra seat
        size=np.zeros((rounds, groups), dtype=np.int64),
        slot=np.full((rounds, n), -1, dtype=np.int64),
        meet=np.zeros((n, n), dtype=np.uint8),
        org=problem.organisation.of.astype(np.int64),
        org_count=np.zeros(
            (rounds, groups, max(1, len(problem.organisation.values))), dtype=np.int64
        ),
        cap=np.array([n + 1 if c is None else c for c in problem.org_cap], dtype=np.int64),
        codes=codes,
        vcount=np.zeros((len(attributes), rounds, groups, values), dtype=np.int64),
        nv=nv,
        present=problem.present.sum(axis=1).astype(np.int64),
        w_imb=attr_w,
        ratios=ratios,
        pair_w=_pair_matrix(problem),
        weights=np.array(
            [
                _weight(problem, "same_organisation"),
                _weight(problem, "repeat_pairs"),
                1.0,
                penalty,
                max_meet,
                _reached(search_target(problem)),
                TENURE[0],
                TENURE[1],
                max(2, n * PERTURBATION),
            ]
        ),
        movable=movable,
        min_size=bounds.copy(),
        max_size=bounds.copy(),
        n_groups=np.array([len(s.groups) for s in problem.rounds], dtype=np.int64),
    )
    for r, shape in enumerate(problem.rounds):
        for g, group in enumerate(shape.groups):
            state.min_size[r, g], state.max_size[r, g] = group.min_size, group.max_size
    state.rebuild()
    return state


def plan_cost(problem: Problem, plan: Assignment) -> float:
    """The search's own score of a plan (objective plus penalties), to compare strategies'
    plans without borrowing the independent evaluator."""
    duty_weight = _weight(problem, "duty_repeats")
    held = (plan.duty != ABSENT).sum(axis=0)
    return build_state(problem, plan).cost() + duty_weight * np.maximum(held - 1, 0).sum()


def _penalised(state: SearchState) -> bool:
    """Does the plan break a rule the search only penalises (organisation cap, max_meetings,
    balance, role ratios)? Its cost with every objective weight set to zero says so."""
    weights = state.weights.copy()
    weights[:3] = 0.0
    rules_only = state.w_imb.copy()
    rules_only[:, 0] = 0.0
    penalties = kernels.total_cost(
        state.size, state.meet, state.org_count, state.cap, state.vcount, state.nv,
        state.present, rules_only, state.ratios, np.zeros((1, 1)), weights,
    )  # fmt: skip
    return penalties > 0


def _seated(group: np.ndarray, start: Assignment) -> Assignment:
    """A plan of these seats, with the start's visitors and no duties handed out yet."""
    return Assignment(
        group=group, visitor_group=start.visitor_group.copy(), duty=np.full_like(group, ABSENT)
    )


class LocalSearch:
    """Construction (affine plane or greedy), then compiled tabu search to the time limit
    or to the counting bound, whichever comes first."""

    name = "local"

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float,
        seed: int,
        progress: ProgressCallback | None = None,
        start: Assignment | None = None,
        frozen: np.ndarray | None = None,
        patience: float | None = None,
    ) -> Result:
        """Search from `start` (a design or the greedy by default); seats marked in `frozen`
        (rounds × participants) stay where `start` has them. With `patience`, stop once that
        many seconds bring no new best (for a caller with a better use of the time left)."""
        reasons = unsupported(problem)
        if reasons:
            raise UnsupportedError("the local search does not handle: " + ", ".join(reasons))
        began = time.perf_counter()
        weights = (_weight(problem, "same_organisation"), _weight(problem, "repeat_pairs"))
        start = (
            start
            or design_start(problem, seed, min(2.0, time_limit / 10))
            or greedy_start(problem, seed, weights)
        )
        state = build_state(problem, start)
        if frozen is not None:
            state.movable &= ~frozen
        kernels.seed_rng(seed)
        best = state.group_of.copy()
        cost = best_cost = state.cost()
        tabu = np.zeros((*state.group_of.shape, state.n_groups.max()), dtype=np.int32)
        iteration, evaluations = 0, 0
        stall = max(200, STALL * problem.n)
        whole = problem.n * len(problem.rounds) <= WHOLE_NEIGHBOURHOOD_LIMIT
        improved_at = now = time.perf_counter()
        while best_cost > state.weights[5] and now - began < time_limit:
            before = best_cost
            cost, iteration, best_cost, done = kernels.search(
                CHUNK // 10 if whole else CHUNK,
                cost,
                state.group_of,
                state.members,
                state.size,
                state.slot,
                state.meet,
                state.org,
                state.org_count,
                state.cap,
                state.codes,
                state.vcount,
                state.nv,
                state.present,
                state.w_imb,
                state.ratios,
                state.pair_w,
                state.weights,
                state.movable,
                state.min_size,
                state.max_size,
                state.n_groups,
                tabu,
                iteration,
                best_cost,
                best,
                stall,
                64,
                whole,
            )
            evaluations += done
            now = time.perf_counter()
            if best_cost < before:
                improved_at = now
            if progress:
                progress(Progress(now - began, best_cost, None))
            if patience is not None and now - improved_at >= patience:
                if not _penalised(build_state(problem, _seated(best, start))):
                    break
                improved_at = now  # no plan keeps every rule yet: keep looking
        state.group_of[:] = best
        state.rebuild()
        seconds = time.perf_counter() - began
        stats = {
            "iterations": iteration,
            "evaluations": evaluations,
            "best_cost": best_cost,
            "evaluations_per_second": evaluations / max(seconds, 1e-9),
        }
        if _penalised(state):
            return Result(self.name, seed, seconds, "unknown", None, stats=stats)
        plan = _seated(best, start)
        if not hand_out_duties(problem, plan):
            return Result(self.name, seed, seconds, "unknown", None, stats=stats)
        return Result(self.name, seed, seconds, "feasible", plan, stats=stats)
