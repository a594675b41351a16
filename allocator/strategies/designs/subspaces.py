"""Resolvable designs from the subspaces of a vector space over GF(p)."""

from __future__ import annotations

import time

import numpy as np


def subspace_rounds(
    p: int, m: int, k: int, rounds: int, seed: int, budget: float
) -> np.ndarray | None:
    """Rounds from k-dimensional subspaces of GF(p)^m that pairwise meet only in 0: the cosets
    of each subspace are the groups of one round, and two points share a coset of at most
    one of them, so nobody meets twice. Randomised greedy with restarts, within `budget` s."""
    if rounds > (p**m - 1) // (p**k - 1):
        return None  # each round's subspace takes p^k − 1 of the p^m − 1 nonzero points
    rng = np.random.default_rng(seed)
    digits = np.array([[(x // p**i) % p for i in range(m)] for x in range(p**m)])
    weights = p ** np.arange(m)
    combos = np.array([[(c // p**i) % p for i in range(k)] for c in range(p**k)])
    deadline = time.perf_counter() + budget
    while time.perf_counter() < deadline:
        chosen: list[np.ndarray] = []
        used: set[int] = set()
        for attempt in range(40 * rounds):
            if attempt % 1000 == 999 and time.perf_counter() >= deadline:
                return None
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
