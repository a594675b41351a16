"""A design fitted to a day: when every round seats the same people in groups of one size,
a resolvable design where nobody meets twice, its groups renamed so that pins hold."""

from __future__ import annotations

import numpy as np

from allocator.model.problem import Problem
from allocator.strategies.base import Assignment, empty_assignment
from allocator.strategies.designs.finite_fields import affine_plane_rounds, prime_power
from allocator.strategies.designs.kirkman import kirkman_rounds
from allocator.strategies.designs.subspaces import subspace_rounds


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
