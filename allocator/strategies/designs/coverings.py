"""Resolvable minimum coverings with quadruples, one round past the best-known Social Golfer
schedule: every pair meets, so each person, with 3·rounds slots for 4·groups − 1 others (one
more than needed), repeats exactly one pair, and the repeats are a perfect matching, the
counting bound (Lamken, Mills & Rees, J. Combin. Des. 1998, study these for v ≡ 0 mod 12).

Each is developed by an abelian group G = Z_m1 × … acting on people G × levels by addition
(person level·|G| + element, the element numbered in mixed radix): a base round moved by every
element gives |G| rounds, and a round fixed by G is given by one block per orbit of blocks,
each holding one person on each of its four levels, whose |G| images partition those levels.
Every pair then meets iff every orbit of pairs under G meets a base block, a search over a
few blocks rather than a whole schedule (benchmarks/find_coverings.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Blocks = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Covering:
    moduli: tuple[int, ...]
    """G = Z_m1 × Z_m2 × …"""
    moved: tuple[Blocks, ...]
    """Base rounds, each moved by every element of G."""
    fixed: tuple[Blocks, ...]
    """Rounds fixed by G, one block per orbit of blocks."""


COVERINGS = {
    (6, 4, 8): Covering(
        (3,),
        (
            ((12, 13, 19, 20), (5, 8, 18, 21), (0, 7, 22, 23), (2, 11, 14, 17),
             (1, 6, 15, 16), (3, 4, 9, 10)),
            ((1, 2, 9, 18), (10, 14, 15, 23), (0, 3, 13, 21), (4, 6, 12, 17),
             (5, 16, 20, 22), (7, 8, 11, 19)),
        ),
        (((10, 17, 20, 21), (1, 3, 7, 12)), ((6, 11, 13, 23), (2, 3, 15, 20))),
    ),
    (9, 4, 12): Covering(
        (3, 3),
        (
            ((0, 15, 20, 27), (5, 9, 10, 16), (1, 21, 23, 26), (22, 30, 33, 34),
             (14, 19, 24, 28), (4, 6, 17, 25), (3, 13, 29, 31), (11, 12, 18, 35),
             (2, 7, 8, 32)),
        ),
        (((1, 10, 19, 27),), ((3, 15, 18, 34),), ((7, 17, 21, 27),)),
    ),
}  # fmt: skip
"""(groups, size, rounds) → a covering reaching the counting bound (12 and 18 repeats).
6-4-8: Z_3 on 8 levels, 2 moved and 2 fixed rounds; 9-4-12: Z_3 × Z_3 on 4 levels, 1 moved
and 3 fixed rounds. The cyclic development over Z_rounds × 3 levels fails for both (for
9-4-12 over any Z_m of even order: benchmarks/find_coverings.py says why). Found by `python
-m benchmarks.find_coverings 6 8 3 --fixed 2` and `… 9 12 3 3 --fixed 3` (annealing, 15 s
each)."""


def covering_rounds(groups: int, size: int, rounds: int) -> np.ndarray | None:
    """Every round of the carried covering of that shape that reaches `rounds`, or None."""
    for (g, s, m), covering in COVERINGS.items():
        if (g, s) == (groups, size) and rounds <= m:
            return developed(covering)
    return None


def addition(moduli: tuple[int, ...]) -> np.ndarray:
    """G's addition table: entry [g, u] is g + u, elements numbered in mixed radix."""
    n = int(np.prod(moduli))
    digits = np.array(np.unravel_index(np.arange(n), moduli))
    total = (digits[:, :, None] + digits[:, None, :]) % np.array(moduli)[:, None, None]
    return np.ravel_multi_index(tuple(total), moduli)


def developed(covering: Covering) -> np.ndarray:
    """The schedule: entry [round, person] is the person's group."""
    add = addition(covering.moduli)
    n = len(add)

    def images(block: tuple[int, ...]) -> np.ndarray:
        """Row g: the block moved by g."""
        people = np.array(block)
        return people // n * n + add[:, people % n]

    rounds = [[images(block)[g] for block in base] for base in covering.moved for g in range(n)]
    rounds += [[row for block in base for row in images(block)] for base in covering.fixed]
    people = sum(len(block) for block in rounds[0])
    plan = np.full((len(rounds), people), -1, dtype=np.int64)
    for t, blocks in enumerate(rounds):
        for group, block in enumerate(blocks):
            plan[t, block] = group
    return plan
