"""Schedules developed from one base round: people are Z_m × levels plus a few fixed points,
and round t moves every (x, level) to (x + t, level). Two people then meet in several rounds
only if two pairs of the base round share a difference, so a base round whose differences are
all distinct gives m rounds where nobody meets twice (the difference method of Bose, 1939;
Harvey's and Triska's schedules for the Social Golfer Problem are of this kind)."""

from __future__ import annotations

import time

import numpy as np
from numba import njit

BASE_ROUNDS = {
    (6, 5, 6): (
        0,
        ((21, 1, 8, 2, 19), (15, 9, 7, 14, 5), (6, 18, 16, 25, 3), (10, 20, 26, 11, 28),
         (24, 4, 0, 12, 29), (27, 17, 22, 13, 23)),
    ),
    (10, 5, 9): (
        5,
        ((49, 10, 1, 41, 32), (45, 2, 9, 27, 38), (48, 22, 34, 44, 17), (47, 29, 43, 23, 13),
         (46, 30, 7, 42, 25), (12, 0, 8, 37, 14), (40, 21, 36, 6, 39), (16, 15, 35, 18, 5),
         (11, 26, 19, 3, 20), (28, 33, 4, 31, 24)),
    ),
    (10, 6, 7): (
        4,
        ((58, 25, 30, 4, 15, 47), (56, 33, 36, 27, 48, 54), (57, 22, 17, 10, 40, 55),
         (59, 7, 50, 1, 46, 28), (21, 49, 2, 32, 31, 24), (19, 26, 39, 42, 45, 43),
         (44, 53, 13, 16, 11, 52), (9, 38, 29, 20, 41, 34), (12, 8, 14, 23, 0, 5),
         (6, 51, 18, 37, 35, 3)),
    ),
    (10, 8, 5): (
        5,
        ((76, 0, 30, 70, 27, 37, 67, 49), (75, 12, 36, 47, 5, 18, 32, 1),
         (78, 26, 72, 22, 38, 60, 10, 65), (77, 9, 68, 39, 48, 25, 44, 24),
         (79, 57, 54, 41, 64, 23, 7, 35), (45, 17, 69, 55, 43, 56, 33, 66),
         (4, 21, 50, 13, 11, 3, 59, 40), (34, 73, 42, 31, 51, 62, 2, 63),
         (8, 19, 46, 74, 53, 20, 15, 71), (29, 6, 61, 58, 14, 52, 28, 16)),
    ),
}  # fmt: skip
"""(groups, size, rounds) → (fixed points, base round), each found by
`search_base_round(groups, size, rounds, seed=0, budget=60)`; m = rounds, people m·levels +
fixed, the fixed points numbered last."""

FEWEST_REPEATS = {
    (6, 3, 9): ((0, 2, 16), (10, 11, 14), (1, 4, 12), (3, 7, 13), (5, 6, 9), (8, 15, 17)),
    (8, 3, 12): (
        (0, 6, 18), (1, 5, 16), (2, 9, 11), (3, 4, 12), (13, 17, 19), (8, 21, 22),
        (10, 15, 20), (7, 14, 23),
    ),
    (10, 3, 15): (
        (0, 1, 7), (6, 23, 26), (2, 5, 18), (3, 13, 25), (4, 8, 27), (15, 21, 29),
        (14, 17, 28), (10, 12, 16), (11, 20, 22), (9, 19, 24),
    ),
}  # fmt: skip
"""(groups, size, rounds) → a base round over Z_rounds (no fixed points) for one round past
the best known, whose development repeats as few pairs as the counting bound allows (slots −
pairs: 9, 12 and 15): each difference class once, but a class of x and x + m/2 on each level
(whose pairs then meet twice) or, for m odd, one class twice. Found by CP-SAT minimising the
developed repeats over the base round's groups (a few seconds each)."""

ITERATIONS = 1_000_000
"""Annealing steps per restart of the base-round search (a fraction of a second)."""


def cyclic_rounds(groups: int, size: int, rounds: int) -> np.ndarray | None:
    """The first `rounds` rounds developed from a carried base round of `groups` groups of
    `size` over Z_m (m its rounds), or None when none is carried for that shape."""
    for (g, s, m), (fixed, base) in BASE_ROUNDS.items():
        if (g, s) == (groups, size) and rounds <= m:
            return developed(np.array(base), m, fixed, rounds)
    return None


def fewest_repeats_rounds(groups: int, size: int, rounds: int) -> np.ndarray | None:
    """Every round developed from the carried fewest-repeats base round of that shape that
    reaches `rounds`, or None."""
    for (g, s, m), base in FEWEST_REPEATS.items():
        if (g, s) == (groups, size) and rounds <= m:
            return developed(np.array(base), m, 0, m)
    return None


def developed(base: np.ndarray, m: int, fixed: int, rounds: int) -> np.ndarray:
    """Rounds t = 0 … rounds − 1 of a base round (groups × size, people numbered level·m + x
    then the fixed points): entry [t, person] is the group."""
    finite = base.size - fixed
    plan = np.empty((rounds, base.size), dtype=np.int64)
    group = np.arange(len(base)).repeat(base.shape[1])
    for t in range(rounds):
        moved = np.where(base < finite, base // m * m + (base % m + t) % m, base)
        plan[t, moved.ravel()] = group
    return plan


def search_base_round(
    groups: int, size: int, rounds: int, seed: int, budget: float
) -> tuple[int, np.ndarray] | None:
    """A base round over Z_rounds whose differences are all distinct, by simulated annealing
    on swaps, restarting until `budget` seconds have passed: (fixed points, base round), or
    None. The fixed points (people − rounds·levels, at most one per group) are tried fewest
    first."""
    people = groups * size
    deadline = time.perf_counter() + budget
    options = [f for f in range(people % rounds, groups + 1, rounds) if (people - f) // rounds]
    attempt = 0
    while options and time.perf_counter() < deadline:
        fixed = options[attempt % len(options)]
        levels = (people - fixed) // rounds
        base, cost = _anneal(rounds, levels, fixed, groups, size, seed + attempt, ITERATIONS)
        if cost == 0:
            return fixed, base
        attempt += 1
    return None


@njit(cache=True)
def _key(p: int, q: int, m: int, levels: int) -> int:
    """Index of the difference that pair (p, q) of a base round uses, −1 for a pair that
    meets more than once on its own (two fixed points, or x and x + m/2 on one level)."""
    finite = m * levels
    if p >= finite and q >= finite:
        return -1
    half = m // 2
    mixed = levels * half
    fixed = mixed + levels * (levels - 1) // 2 * m
    if p >= finite or q >= finite:
        if p < finite:
            p, q = q, p
        return fixed + (p - finite) * levels + q // m
    i, x, j, y = p // m, p % m, q // m, q % m
    if i == j:
        d = min((y - x) % m, (x - y) % m)
        return -1 if 2 * d == m else i * half + d - 1
    if i > j:
        i, j, x, y = j, i, y, x
    return mixed + (i * levels - i * (i + 1) // 2 + j - i - 1) * m + (y - x) % m


@njit(cache=True)
def _change(
    block: np.ndarray, skip: int, person: int, count: np.ndarray, step: int, m: int, levels: int
) -> int:
    """Add (step = 1) or remove (−1) the pairs of `person` with `block` but its slot `skip`;
    the change of the number of repeats."""
    delta = 0
    for u in range(len(block)):
        if u == skip:
            continue
        k = _key(person, block[u], m, levels)
        if k < 0:
            delta += step
            continue
        if step < 0:
            count[k] -= 1
            delta -= count[k] >= 1
        else:
            delta += count[k] >= 1
            count[k] += 1
    return delta


@njit(cache=True)
def _anneal(
    m: int, levels: int, fixed: int, groups: int, size: int, seed: int, iterations: int
) -> tuple[np.ndarray, int]:
    np.random.seed(seed)
    finite = m * levels
    blocks = np.empty((groups, size), dtype=np.int64)
    order = np.random.permutation(finite)
    k = 0
    for b in range(groups):
        for t in range(size):
            if t == 0 and b < fixed:
                blocks[b, t] = finite + b
            else:
                blocks[b, t] = order[k]
                k += 1
    count = np.zeros(levels * (m // 2) + levels * (levels - 1) // 2 * m + fixed * levels, np.int64)
    cost = 0
    for b in range(groups):
        for t in range(1, size):
            cost += _change(blocks[b, :t], -1, blocks[b, t], count, 1, m, levels)
    for step in range(iterations):
        if cost == 0:
            break
        temperature = 0.5 * (1 - step / iterations) + 1e-3
        b1, b2 = np.random.randint(groups), np.random.randint(groups)
        t1, t2 = np.random.randint(size), np.random.randint(size)
        p, q = blocks[b1, t1], blocks[b2, t2]
        if b1 == b2 or (p >= finite) != (q >= finite):
            continue
        delta = _change(blocks[b1], t1, p, count, -1, m, levels)
        delta += _change(blocks[b2], t2, q, count, -1, m, levels)
        delta += _change(blocks[b1], t1, q, count, 1, m, levels)
        delta += _change(blocks[b2], t2, p, count, 1, m, levels)
        if delta <= 0 or np.random.random() < np.exp(-delta / temperature):
            blocks[b1, t1], blocks[b2, t2] = q, p
            cost += delta
        else:
            _change(blocks[b1], t1, q, count, -1, m, levels)
            _change(blocks[b2], t2, p, count, -1, m, levels)
            _change(blocks[b1], t1, p, count, 1, m, levels)
            _change(blocks[b2], t2, q, count, 1, m, levels)
    return blocks, cost
