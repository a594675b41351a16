"""Search for the group-developed resolvable coverings with quadruples carried in
allocator/strategies/designs/coverings.py: g groups of 4 over r rounds where every pair meets,
developed by G = Z_m1 × … acting on people G × levels (see that module), so that only a few
blocks are searched and "every pair meets" becomes "every orbit of pairs under G meets a base
block".

    python -m benchmarks.find_coverings 6 8 3 --fixed 2      # 6-4-8 over Z_3, 16 s
    python -m benchmarks.find_coverings 9 12 3 3 --fixed 3   # 9-4-12 over Z_3 × Z_3, 14 s

Simulated annealing on swaps within a round (and, in a fixed round, on moving a person to
another element of its level), restarted with seeds 0, 1, … until no orbit is uncovered.
What else was tried (one core each): CP-SAT on the same model (person-in-block booleans,
every orbit covered) was UNKNOWN after 300-600 s for 6-4-8 over Z_4 (2 base rounds) and Q_8,
and for 9-4-12 over Z_12, Z_9 and Z_3 × Z_3 (3 fixed rounds); annealing stalled at 3-4
uncovered orbits for 6-4-8 over Z_8, Q_8 and Z_4, and at 1-2 for 9-4-12 over Z_12, the
dicyclic group of order 12 and Z_9 (3 fixed rounds). For 9-4-12 any Z_m of even order
moving every round is impossible: the pairs across the even and odd elements must then be
covered an odd number of times, while a block of four holds 0, 3 or 4 such pairs and the
blocks with 3 come in an even number."""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
from numba import njit

from allocator.strategies.designs.coverings import Covering, addition, developed


def orbits(add: np.ndarray, levels: int) -> np.ndarray:
    """Entry [p, q]: index of the orbit of pair {p, q} under G."""
    n = len(add)
    people = n * levels
    index = np.full((people, people), -1, dtype=np.int64)
    count = 0
    for p, q in itertools.combinations(range(people), 2):
        if index[p, q] >= 0:
            continue
        u = p // n * n + add[:, p % n]
        v = q // n * n + add[:, q % n]
        index[u, v] = index[v, u] = count
        count += 1
    return index


@njit(cache=True)
def _change(
    block: np.ndarray, skip: int, person: int, orbit: np.ndarray, count: np.ndarray, step: int
) -> int:
    """Add (step = 1) or remove (−1) the pairs of `person` with `block` but its slot `skip`;
    the change of the number of uncovered orbits."""
    delta = 0
    for u in range(4):
        if u == skip:
            continue
        o = orbit[person, block[u]]
        if step < 0:
            count[o] -= 1
            delta += count[o] == 0
        else:
            delta -= count[o] == 0
            count[o] += 1
    return delta


@njit(cache=True)
def _anneal(
    orbit: np.ndarray, n: int, levels: int, moved: int, fixed: int, seed: int, iterations: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """(blocks [round, block, slot], blocks per round, uncovered orbits) after one run."""
    np.random.seed(seed)
    people = n * levels
    groups = people // 4
    total = moved + fixed
    blocks = np.zeros((total, groups, 4), np.int64)
    sizes = np.empty(total, np.int64)
    for r in range(moved):
        sizes[r] = groups
        blocks[r] = np.random.permutation(people).reshape(groups, 4)
    for r in range(moved, total):
        sizes[r] = levels // 4
        order = np.random.permutation(levels)
        for b in range(levels // 4):
            for t in range(4):
                blocks[r, b, t] = order[4 * b + t] * n + np.random.randint(n)
    count = np.zeros(orbit.max() + 1, np.int64)
    for r in range(total):
        for b in range(sizes[r]):
            for i in range(4):
                for j in range(i + 1, 4):
                    count[orbit[blocks[r, b, i], blocks[r, b, j]]] += 1
    cost = 0
    for c in count:
        cost += c == 0
    for step in range(iterations):
        if cost == 0:
            break
        temperature = 1.0 * (1 - step / iterations) + 0.02
        r = np.random.randint(total)
        b1, t1 = np.random.randint(sizes[r]), np.random.randint(4)
        p = blocks[r, b1, t1]
        if r >= moved and np.random.random() < 0.5:
            # a fixed round's person to another element of its level
            q = p // n * n + np.random.randint(n)
            if q == p:
                continue
            delta = _change(blocks[r, b1], t1, p, orbit, count, -1)
            blocks[r, b1, t1] = q
            delta += _change(blocks[r, b1], t1, q, orbit, count, 1)
            if delta <= 0 or np.random.random() < np.exp(-delta / temperature):
                cost += delta
            else:
                _change(blocks[r, b1], t1, q, orbit, count, -1)
                blocks[r, b1, t1] = p
                _change(blocks[r, b1], t1, p, orbit, count, 1)
            continue
        b2 = np.random.randint(sizes[r])
        if b1 == b2:
            continue
        t2 = np.random.randint(4)
        q = blocks[r, b2, t2]
        delta = _change(blocks[r, b1], t1, p, orbit, count, -1)
        delta += _change(blocks[r, b2], t2, q, orbit, count, -1)
        blocks[r, b1, t1], blocks[r, b2, t2] = q, p
        delta += _change(blocks[r, b1], t1, q, orbit, count, 1)
        delta += _change(blocks[r, b2], t2, p, orbit, count, 1)
        if delta <= 0 or np.random.random() < np.exp(-delta / temperature):
            cost += delta
        else:
            _change(blocks[r, b1], t1, q, orbit, count, -1)
            _change(blocks[r, b2], t2, p, orbit, count, -1)
            blocks[r, b1, t1], blocks[r, b2, t2] = p, q
            _change(blocks[r, b1], t1, p, orbit, count, 1)
            _change(blocks[r, b2], t2, q, orbit, count, 1)
    return blocks, sizes, cost


def search(
    groups: int, rounds: int, moduli: tuple[int, ...], fixed: int, budget: float
) -> Covering | None:
    """A covering of `groups` groups of 4 over `rounds` rounds developed by Z_moduli with
    `fixed` rounds fixed by G, by annealing restarted until `budget` seconds pass."""
    add = addition(moduli)
    n = len(add)
    levels, moved = 4 * groups // n, (rounds - fixed) // n
    if levels * n != 4 * groups or moved * n + fixed != rounds or (fixed and levels % 4):
        raise ValueError("|G| must divide the people and the moved rounds")
    orbit = orbits(add, levels)
    deadline = time.perf_counter() + budget
    seed = 0
    while time.perf_counter() < deadline:
        blocks, sizes, cost = _anneal(orbit, n, levels, moved, fixed, seed, 2_000_000)
        print(f"seed {seed}: {cost} orbits uncovered", flush=True)
        if cost == 0:
            found = [
                tuple(tuple(sorted(int(p) for p in block)) for block in blocks[r, : sizes[r]])
                for r in range(moved + fixed)
            ]
            return Covering(moduli, tuple(found[:moved]), tuple(found[moved:]))
        seed += 1
    return None


def repeats(plan: np.ndarray) -> tuple[int, int]:
    """(pairs that never meet, sum over pairs of max(0, meetings − 1)), counted afresh."""
    people = plan.shape[1]
    met = np.zeros((people, people), dtype=np.int64)
    for row in plan:
        for p, q in itertools.combinations(range(people), 2):
            met[p, q] += row[p] == row[q]
    upper = met[np.triu_indices(people, 1)]
    return int((upper == 0).sum()), int(np.maximum(upper - 1, 0).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("groups", type=int)
    parser.add_argument("rounds", type=int)
    parser.add_argument("moduli", type=int, nargs="+", help="G = Z_m1 × Z_m2 × …")
    parser.add_argument("--fixed", type=int, default=0, help="rounds fixed by G")
    parser.add_argument("--seconds", type=float, default=600)
    args = parser.parse_args()
    start = time.perf_counter()
    found = search(args.groups, args.rounds, tuple(args.moduli), args.fixed, args.seconds)
    if found is None:
        print("none found")
        return
    plan = developed(found)
    assert all((np.bincount(row, minlength=args.groups) == 4).all() for row in plan)
    unmet, repeated = repeats(plan)
    print(found)
    print(f"unmet {unmet}, repeats {repeated}, {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
