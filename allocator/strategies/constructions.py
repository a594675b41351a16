"""Starting plans for the local search: resolvable designs where the shape allows one, and
a greedy that seats each round avoiding the people one has already met and colleagues."""

from __future__ import annotations

import time

import numpy as np

from allocator.model.problem import Problem
from allocator.strategies.base import ABSENT, Assignment, empty_assignment
from allocator.strategies.finite_fields import affine_plane_rounds, prime_power
from allocator.strategies.kirkman import kirkman_rounds


def subspace_rounds(
    p: int, m: int, k: int, rounds: int, seed: int, budget: float
) -> np.ndarray | None:
    """Rounds from k-dimensional subspaces of GF(p)^m that pairwise meet only in 0: the cosets
    of each subspace are the groups of one round, and two points share a coset of at most
    one of them, so nobody meets twice. Randomised greedy with restarts, within `budget` s."""
    rng = np.random.default_rng(seed)
    digits = np.array([[(x // p**i) % p for i in range(m)] for x in range(p**m)])
    weights = p ** np.arange(m)
    combos = np.array([[(c // p**i) % p for i in range(k)] for c in range(p**k)])
    deadline = time.perf_counter() + budget
    while time.perf_counter() < deadline:
        chosen: list[np.ndarray] = []
        used: set[int] = set()
        for _ in range(40 * rounds):
            basis = digits[rng.integers(1, p**m, size=k)]
            span = np.unique((combos @ basis) % p @ weights)
            if len(span) != p**k or used & set(span[1:].tolist()):
                continue
            chosen.append(span)
            used.update(span[1:].tolist())
            if len(chosen) == rounds:
                return _cosets(chosen, digits, weights, p)
    return None


def _cosets(
    subspaces: list[np.ndarray], digits: np.ndarray, weights: np.ndarray, p: int
) -> np.ndarray:
    """Group index of every point in every round: its coset's smallest point, renumbered."""
    plan = np.empty((len(subspaces), len(digits)), dtype=np.int64)
    for r, span in enumerate(subspaces):
        coset = ((digits[:, None, :] + digits[span][None, :, :]) % p) @ weights
        _, plan[r] = np.unique(coset.min(axis=1), return_inverse=True)
    return plan


def design_start(problem: Problem, seed: int, budget: float) -> Assignment | None:
    """A plan where nobody meets twice, when every round seats the same n people in groups of
    one size s: an affine plane for n = s² (s a prime power), a Kirkman triple system for
    s = 3 (n ≡ 3 mod 6), or cosets of subspaces for n = p^m, s = p^k (p prime)."""
    sizes = {(len(s.groups), s.groups[0].min_size, s.groups[0].max_size) for s in problem.rounds}
    if len(sizes) != 1 or not problem.present.all() or any(s.kind != "new" for s in problem.rounds):
        return None
    groups, low, high = sizes.pop()
    size = problem.n // groups
    if problem.n != groups * size or not (low <= size <= high):
        return None
    design = affine_plane_rounds(groups, len(problem.rounds)) if groups == size else None
    if design is None and size == 3:
        design = kirkman_rounds(problem.n, len(problem.rounds))
    powers = prime_power(problem.n), prime_power(size)
    if design is None and None not in powers and powers[0][0] == powers[1][0]:
        (p, m), (_, k) = powers
        design = subspace_rounds(p, m, k, len(problem.rounds), seed, budget)
    if design is None or not _rename_for_pins(problem, design):
        return None
    plan = empty_assignment(problem)
    plan.group[:] = design
    return plan


def _rename_for_pins(problem: Problem, design: np.ndarray) -> bool:
    """Rename each round's groups so that pinned people sit where they are pinned; False
    when two pins of a round ask one design group for two groups, or the reverse."""
    for r in range(len(design)):
        wanted = {(int(design[r, q]), g) for q, k, g in problem.fixed if k == r}
        sources, targets = [s for s, _ in wanted], [g for _, g in wanted]
        if len(set(sources)) < len(wanted) or len(set(targets)) < len(wanted):
            return False
        rest = iter(g for g in range(design[r].max() + 1) if g not in targets)
        name = {s: dict(wanted).get(s) for s in range(design[r].max() + 1)}
        name = {s: g if g is not None else next(rest) for s, g in name.items()}
        design[r] = np.array([name[s] for s in range(len(name))])[design[r]]
    return True


def target_sizes(problem: Problem, r: int) -> np.ndarray:
    """Sizes as even as the bounds allow (fewest pairs seated together)."""
    shape = problem.rounds[r]
    sizes = np.array([g.min_size for g in shape.groups])
    high = np.array([g.max_size for g in shape.groups])
    for _ in range(len(shape.present) - int(sizes.sum())):
        room = np.flatnonzero(sizes < high)
        sizes[room[np.argmin(sizes[room])]] += 1
    return sizes


def greedy_start(problem: Problem, seed: int, weights: tuple[float, float]) -> Assignment:
    """Seat each round person by person (random order) in the group with room where they
    have the fewest colleagues and people already met; pins are seated first."""
    rng = np.random.default_rng(seed)
    w_same, w_rep = weights
    plan = empty_assignment(problem)
    partners: list[list[int]] = [[] for _ in range(problem.n)]
    org = problem.organisation.of
    pins = {(q, r): g for q, r, g in problem.fixed}
    for r, shape in enumerate(problem.rounds):
        room = target_sizes(problem, r).astype(float)
        orgs = np.zeros((len(shape.groups), max(1, len(problem.organisation.values))))
        people = rng.permutation(np.array(shape.present, dtype=np.int64))
        people = sorted(people.tolist(), key=lambda q: (q, r) not in pins)
        for q in people:
            if (q, r) in pins:
                g = pins[q, r]
            else:
                cost = np.zeros(len(shape.groups))
                if org[q] >= 0:
                    cost += w_same * orgs[:, org[q]]
                met = [x for x in partners[q] if plan.group[r, x] != ABSENT]
                if met:
                    cost += w_rep * np.bincount(plan.group[r, met], minlength=len(shape.groups))
                cost += rng.random(len(shape.groups)) * 1e-3
                cost[room <= 0] = np.inf
                g = int(np.argmin(cost))
            plan.group[r, q] = g
            room[g] -= 1
            if org[q] >= 0:
                orgs[g, org[q]] += 1
        for g in range(len(shape.groups)):
            seated = np.flatnonzero(plan.group[r] == g).tolist()
            for q in seated:
                partners[q].extend(x for x in seated if x != q)
    return plan
