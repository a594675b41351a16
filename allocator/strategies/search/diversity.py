"""Diversity search for one-round instances scored by the `pairs` term alone: the Maximally
Diverse Grouping Problem (MDGP).

Iterated tabu search, compiled with numba. The state keeps, for every person p and group g,
gain[p, g] = Σ of p's pair numbers with the members of g, so that a swap or a move is scored
in O(1) and a step can weigh the whole neighbourhood (every swap and every move the size
bounds allow). Each tabu run climbs until it stalls; the next run starts from the best
partition perturbed by random swaps, more of them the longer the search stalls.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from allocator.model.problem import Problem
from allocator.strategies.base import (
    Announce,
    Progress,
    ProgressCallback,
    Result,
    Stop,
    UnsupportedError,
    empty_assignment,
    stopped,
)

STALL = 0.25
"""A tabu run ends after STALL·n² steps without a new best of the run (about half as
many as there are swaps): long runs that go deep beat many short ones at every published
limit, the more so the larger n (MDGPLIB RanReal and RanInt; n = 120 in 3 s, five seeds:
mean gap to the best known 0.32 % with 3 steps per person, 0.13 % with 30 and the tenure
below; RanReal_n480_ds_01 in 120 s, two seeds: 0.49 % with 15 per person, 0.45 % with 30,
0.28 % with 60, 0.17 % with 120 = n/4, 0.22 % with 240)."""

TENURE = (7, 0.08)
"""A person may not return to a group they left for TENURE[0] + random(TENURE[1]·n) steps
(a mean near 12 at n = 120: shorter tenures cycle, longer ones hold the search back)."""

CALIBRATION = 100
"""Steps of the first run, which measures the evaluations per second that cap every later
run at the time left (assuming a speed instead would overrun on a slow machine)."""

PERTURBATION = 0.02
"""Random swaps per person when a run restarts from the best (×1…5 as the search stalls)."""


def applies(problem: Problem) -> list[str]:
    """Why the diversity search cannot own this instance (empty: it can)."""
    c = problem.instance.constraints
    reasons = []
    if len(problem.rounds) != 1:
        reasons.append("more than one round")
    if [t.term for t in problem.objective if t.weight != 0] != ["pairs"]:
        reasons.append("objective terms other than one `pairs` term")
    if problem.duties or any(problem.round_visitors) or problem.keep is not None:
        reasons.append("duties, visitors or a repair")
    rules = (c.max_per_organisation, c.role_ratio, c.balance, c.apart, c.together, c.fixed)
    if any(rules) or any(cap is not None for cap in problem.org_cap):
        reasons.append("hard rules beyond group sizes")
    return reasons


@njit(cache=True)
def _move(w, gain, group_of, size, p, g):
    """Move p to group g, keeping every gain[x, ·] exact (O(n))."""
    old = group_of[p]
    for x in range(w.shape[0]):
        gain[x, old] -= w[x, p]
        gain[x, g] += w[x, p]
    size[old] -= 1
    size[g] += 1
    group_of[p] = g


@njit(cache=True)
def _score(w, group_of):
    n = w.shape[0]
    total = 0.0
    for a in range(n):
        for b in range(a + 1, n):
            if group_of[a] == group_of[b]:
                total += w[a, b]
    return total


@njit(cache=True)
def _tabu_run(
    w, gain, group_of, size, low, high, tabu, it0, stall_limit, max_steps, tenure_base, tenure_span
):
    """Best non-tabu swap or move each step (aspiration: a new best of this run) until
    `stall_limit` steps bring no new best or `max_steps` are done (the time left); leaves
    the best partition of the run in place."""
    n, m = gain.shape
    value = _score(w, group_of)
    best = value
    best_groups = group_of.copy()
    it = it0
    stall = 0
    evaluations = 0
    while stall < stall_limit and it - it0 < max_steps:
        it += 1
        best_d = -1e300
        bp, bq, bg = -1, -1, -1
        ties = 0
        for p in range(n):
            g1 = group_of[p]
            for q in range(p + 1, n):
                g2 = group_of[q]
                if g1 == g2:
                    continue
                d = gain[p, g2] - gain[p, g1] + gain[q, g1] - gain[q, g2] - 2.0 * w[p, q]
                evaluations += 1
                if (tabu[p, g2] > it or tabu[q, g1] > it) and value + d <= best + 1e-9:
                    continue
                if d > best_d + 1e-9:
                    best_d, bp, bq, bg, ties = d, p, q, g2, 1
                elif d > best_d - 1e-9:
                    ties += 1
                    if np.random.randint(ties) == 0:
                        bp, bq, bg = p, q, g2
            if size[g1] > low[g1]:
                for g2 in range(m):
                    if g2 == g1 or size[g2] >= high[g2]:
                        continue
                    d = gain[p, g2] - gain[p, g1]
                    evaluations += 1
                    if tabu[p, g2] > it and value + d <= best + 1e-9:
                        continue
                    if d > best_d + 1e-9:
                        best_d, bp, bq, bg, ties = d, p, -1, g2, 1
                    elif d > best_d - 1e-9:
                        ties += 1
                        if np.random.randint(ties) == 0:
                            bp, bq, bg = p, -1, g2
        if bp < 0:
            break
        g1 = group_of[bp]
        tenure = tenure_base + np.random.randint(tenure_span)
        _move(w, gain, group_of, size, bp, bg)
        tabu[bp, g1] = it + tenure
        if bq >= 0:
            _move(w, gain, group_of, size, bq, g1)
            tabu[bq, bg] = it + tenure
        value += best_d
        if value > best + 1e-9:
            best = value
            best_groups[:] = group_of
            stall = 0
        else:
            stall += 1
    for p in range(n):
        if group_of[p] != best_groups[p]:
            _move(w, gain, group_of, size, p, best_groups[p])
    return best, it, evaluations


@njit(cache=True)
def _perturb(w, gain, group_of, size, low, high, steps):
    """Random swaps, and random moves where the size bounds allow, to leave a basin."""
    n = group_of.shape[0]
    for _ in range(steps):
        p, q = np.random.randint(n), np.random.randint(n)
        g1, g2 = group_of[p], group_of[q]
        if g1 == g2:
            continue
        if np.random.randint(2) == 0 and size[g1] > low[g1] and size[g2] < high[g2]:
            _move(w, gain, group_of, size, p, g2)
        else:
            _move(w, gain, group_of, size, p, g2)
            _move(w, gain, group_of, size, q, g1)


@njit(cache=True)
def _gains(w, group_of, m):
    gain = np.zeros((w.shape[0], m))
    for p in range(w.shape[0]):
        for x in range(w.shape[0]):
            gain[p, group_of[x]] += w[p, x]
    return gain


@njit(cache=True)
def _seed(seed):
    np.random.seed(seed)


def _compile() -> None:
    """Run every kernel once on a toy partition, so that compiling (seconds, once per machine
    thanks to numba's cache) is not taken out of the search's time limit."""
    w = np.ones((4, 4)) - np.eye(4)
    group_of = np.array([0, 0, 1, 1], dtype=np.int64)
    size = np.array([2, 2], dtype=np.int64)
    gain = _gains(w, group_of, 2)
    bounds = np.array([2, 2], dtype=np.int64)
    tabu = np.zeros((4, 2), dtype=np.int64)
    _tabu_run(w, gain, group_of, size, bounds, bounds, tabu, 0, 1, 1, 1, 1)
    _perturb(w, gain, group_of, size, bounds, bounds, 1)


def most_pairs_sizes(low: np.ndarray, high: np.ndarray, people: int) -> np.ndarray:
    """Sizes within bounds that seat the most pairs together (dynamic programming over the
    groups): with pair numbers of one sign on average, diversity grows with the pairs."""
    groups = len(low)
    worst = -(10**18)
    best = np.full((groups + 1, people + 1), worst, dtype=np.int64)
    choice = np.zeros((groups + 1, people + 1), dtype=np.int64)
    best[groups, 0] = 0
    for g in range(groups - 1, -1, -1):
        for left in range(people + 1):
            for size in range(low[g], min(high[g], left) + 1):
                rest = best[g + 1, left - size]
                if rest > worst and rest + size * (size - 1) // 2 > best[g, left]:
                    best[g, left] = rest + size * (size - 1) // 2
                    choice[g, left] = size
    sizes, left = np.zeros(groups, dtype=np.int64), people
    for g in range(groups):
        sizes[g] = choice[g, left]
        left -= sizes[g]
    return sizes


def _pair_numbers(problem: Problem) -> np.ndarray:
    """The weighted pair numbers as a dense symmetric matrix: meeting earns w[a, b]."""
    term = next(t for t in problem.objective if t.term == "pairs")
    dense = np.zeros((problem.n, problem.n))
    dense[term.pair_i, term.pair_j] = term.weight * term.pair_w
    return dense + dense.T


class Diversity:
    """Iterated tabu search for the MDGP; see the module docstring."""

    name = "diversity"

    def prepare(self, problem: Problem, announce: Announce | None = None) -> None:
        _compile()

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float,
        seed: int,
        progress: ProgressCallback | None = None,
        stop: Stop | None = None,
    ) -> Result:
        reasons = applies(problem)
        if reasons:
            raise UnsupportedError("the diversity search does not handle: " + ", ".join(reasons))
        self.prepare(problem)
        began = time.perf_counter()
        rng = np.random.default_rng(seed)
        _seed(seed)
        w = _pair_numbers(problem)
        shape = problem.rounds[0]
        m = len(shape.groups)
        low = np.array([g.min_size for g in shape.groups], dtype=np.int64)
        high = np.array([g.max_size for g in shape.groups], dtype=np.int64)
        group_of = np.full(problem.n, -1, dtype=np.int64)
        people = rng.permutation(np.array(shape.present, dtype=np.int64))
        group_of[people] = np.repeat(np.arange(m), most_pairs_sizes(low, high, len(people)))
        size = np.bincount(group_of[people], minlength=m).astype(np.int64)
        gain = _gains(w, group_of, m)
        tabu = np.zeros((problem.n, m), dtype=np.int64)
        best, best_groups = -np.inf, group_of.copy()
        it, evaluations, runs, stalled = 0, 0, 0, 0
        n = len(shape.present)
        per_step = max(1, n * (n - 1) // 2 + n * m)
        while (elapsed := time.perf_counter() - began) < time_limit and not stopped(stop):
            max_steps = CALIBRATION
            if evaluations:  # the steps the time left allows at the speed measured so far
                max_steps = max(1, int((time_limit - elapsed) * evaluations / elapsed / per_step))
            value, after, done = _tabu_run(
                w,
                gain,
                group_of,
                size,
                low,
                high,
                tabu,
                it,
                max(50, int(STALL * n * n)),
                max_steps,
                TENURE[0],
                max(2, int(n * TENURE[1])),
            )
            cut_short, it = after - it >= max_steps, int(after)
            evaluations, runs = evaluations + int(done), runs + 1
            if done == 0:
                break  # no swap or move exists: this partition is the only one
            if value > best + 1e-9:
                best, best_groups, stalled = value, group_of.copy(), 0
            else:
                stalled += 1
                for p in np.flatnonzero(group_of != best_groups):
                    _move(w, gain, group_of, size, p, best_groups[p])
            if progress:
                progress(Progress(time.perf_counter() - began, -best, None))
            if cut_short:
                continue  # stopped by the clock estimate, not stalled: go on from here
            _perturb(
                w,
                gain,
                group_of,
                size,
                low,
                high,
                max(2, int(n * PERTURBATION * (1 + stalled % 5))),
            )
        plan = empty_assignment(problem)
        plan.group[0] = best_groups
        seconds = time.perf_counter() - began
        stats = {
            "runs": runs,
            "evaluations": evaluations,
            "evaluations_per_second": evaluations / seconds,
        }
        return Result(self.name, seed, seconds, "feasible", plan, stats=stats)
