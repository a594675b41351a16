"""The design library: every construction here, and the one that seats g groups of s for the
most rounds, so that a day takes as many rounds as it needs from a schedule where nobody meets
twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from allocator.strategies.designs import difference_matrix
from allocator.strategies.designs.coverings import covering_rounds
from allocator.strategies.designs.cyclic import (
    BASE_ROUNDS,
    cyclic_rounds,
    fewest_repeats_rounds,
)
from allocator.strategies.designs.finite_fields import field_tables, prime_power
from allocator.strategies.designs.kirkman import kirkman_rounds
from allocator.strategies.designs.nearly_kirkman import STARTERS, nearly_kirkman_rounds
from allocator.strategies.designs.quadruples import (
    LABELED,
    labeled_gdd_rounds,
    pegg_32_rounds,
    rbibd_4_rounds,
)
from allocator.strategies.designs.round_robin import round_robin_rounds
from allocator.strategies.designs.subspaces import subspace_rounds
from allocator.strategies.designs.transversal import transversal_rounds, transversal_width


@dataclass(frozen=True)
class Design:
    """Rounds of groups, every group of every round the same size: entry [r, x] is point x's
    group in round r. Nobody meets twice, except in a schedule past the frontier (more
    rounds than any known design), whose repeats are as few as carried."""

    name: str
    rounds: np.ndarray


@dataclass(frozen=True)
class Construction:
    name: str
    most_rounds: Callable[[int, int], int]
    """(groups, size) → the rounds it builds, 0 where it does not apply."""
    build: Callable[[int, int, int], np.ndarray | None]
    """(groups, size, rounds) → the first `rounds` rounds."""


def _transversal_most(groups: int, size: int) -> int:
    width = transversal_width(groups)
    if not width or not 2 <= size <= groups:
        return 0
    if size <= width - 1:
        return groups + (size == groups)
    return width if size == groups else width - 1


def _rbibd_4_most(groups: int, size: int) -> int:
    q, rest = divmod(groups * size - 1, 3)
    ok = size == 4 and not rest and q % 4 == 1 and field_tables(q) is not None
    return q if ok else 0


def _labeled_most(groups: int, size: int) -> int:
    u, rest = divmod(groups * size, 3)
    if size != 4 or rest or u not in LABELED:
        return 0
    modulus, classes = LABELED[u]
    return modulus or len(classes)


def _cyclic_most(groups: int, size: int) -> int:
    return max((m for g, s, m in BASE_ROUNDS if (g, s) == (groups, size)), default=0)


LIBRARY = (
    Construction(
        "round robin",
        lambda g, s: 2 * g - 1 if s == 2 else 0,
        lambda g, s, r: round_robin_rounds(2 * g, r),
    ),
    Construction(
        "Kirkman triple system",
        lambda g, s: (3 * g - 1) // 2 if s == 3 and g % 2 else 0,
        lambda g, s, r: kirkman_rounds(3 * g, r),
    ),
    Construction(
        "nearly Kirkman triple system",
        lambda g, s: (3 * g - 2) // 2 if s == 3 and (3 * g == 18 or 3 * g in STARTERS) else 0,
        lambda g, s, r: nearly_kirkman_rounds(3 * g, r),
    ),
    Construction(
        "resolvable (v, 4, 1) design", _rbibd_4_most, lambda g, s, r: rbibd_4_rounds(g * s, r)
    ),
    Construction(
        "4-RGDD of type 3^u (labeled design)",
        _labeled_most,
        lambda g, s, r: labeled_gdd_rounds(g * s // 3, r),
    ),
    Construction(
        "4-RGDD of type 2^16 (Pegg)",
        lambda g, s: 10 if (g, s) == (8, 4) else 0,
        lambda g, s, r: pegg_32_rounds(r),
    ),
    Construction("transversal design / Latin squares", _transversal_most, transversal_rounds),
    Construction(
        "partial difference matrix over the groups",
        difference_matrix.most_rounds,
        difference_matrix.difference_matrix_rounds,
    ),
    Construction("cyclic base round", _cyclic_most, cyclic_rounds),
)


def best_design(
    groups: int, size: int, rounds: int, seed: int = 0, budget: float = 0.0
) -> Design | None:
    """The construction with the most rounds for `groups` groups of `size` (the library's
    order breaks ties), all its rounds; cosets of subspaces (a randomised search within
    `budget` seconds) when no other reaches `rounds`; past the frontier, a carried schedule
    with the fewest repeats that reaches `rounds`. None when nothing applies."""
    ranked = sorted(LIBRARY, key=lambda c: -c.most_rounds(groups, size))
    best = None
    for construction in ranked:
        most = construction.most_rounds(groups, size)
        plan = construction.build(groups, size, most) if most else None
        if plan is not None:
            best = Design(construction.name, plan)
            break
    if (best is None or len(best.rounds) < rounds) and budget > 0:
        cosets = _subspace_design(groups, size, rounds, seed, budget)
        if cosets is not None:
            return cosets
    if best is None or len(best.rounds) < rounds:
        beyond = fewest_repeats_rounds(groups, size, rounds)
        if beyond is not None:
            return Design("cyclic base round, fewest repeats", beyond)
        covering = covering_rounds(groups, size, rounds)
        if covering is not None:
            return Design("group-developed covering, fewest repeats", covering)
    return best


def _subspace_design(
    groups: int, size: int, rounds: int, seed: int, budget: float
) -> Design | None:
    powers = prime_power(groups * size), prime_power(size)
    if size < 2 or None in powers or powers[0][0] != powers[1][0]:
        return None
    (p, m), (_, k) = powers
    plan = subspace_rounds(p, m, k, rounds, seed, budget)
    return None if plan is None else Design("cosets of subspaces", plan)
