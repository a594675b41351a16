"""Day-of repair beyond the whole CP-SAT model's size: a start that keeps the earlier seats,
and the seats the local search may move.

Walk-ins and people whose group is gone are seated where there is room; groups left below
their minimum by cancellations take people from the fullest groups, and groups above
their maximum hand people to the emptiest. Only the seats this touched are open to the
search at first; the hybrid opens more while the rules cannot all hold.
"""

from __future__ import annotations

import numpy as np

from allocator.model.problem import Problem
from allocator.strategies.base import ABSENT, Assignment, empty_assignment


def repair_start(problem: Problem, rng: np.random.Generator) -> tuple[Assignment, np.ndarray]:
    """The earlier plan's seats, completed and brought within the size bounds, and which
    seats are still the earlier ones (True: kept)."""
    assert problem.keep is not None
    plan = empty_assignment(problem)
    kept = np.zeros(plan.group.shape, dtype=bool)
    for r, shape in enumerate(problem.rounds):
        low = np.array([g.min_size for g in shape.groups])
        high = np.array([g.max_size for g in shape.groups])
        seats = plan.group[r]
        here = problem.present[r]
        seats[here] = problem.keep[r, here]
        pins = [(q, g) for q, k, g in problem.fixed if k == r]
        for q, g in pins:
            seats[q] = g
        for q in rng.permutation(np.flatnonzero(here & (seats == ABSENT))):
            size = np.bincount(seats[seats >= 0], minlength=len(low))
            room = np.flatnonzero(size < high)
            seats[q] = room[np.argmin((size - low)[room])]
        _within_bounds(seats, low, high, {q for q, _ in pins}, problem.keep[r], rng)
        kept[r] = here & (seats == problem.keep[r])
    return plan, kept


def _within_bounds(
    seats: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    pinned: set[int],
    earlier: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Move people from groups above their minimum (the fullest first) into groups below
    it, then out of groups above their maximum: new seats move before earlier ones."""
    size = np.bincount(seats[seats >= 0], minlength=len(low))
    while (size < low).any() or (size > high).any():
        short = np.flatnonzero(size < low)
        if len(short):
            target = short[0]
            donors = np.flatnonzero(size > low)
        else:
            donors = np.flatnonzero(size > high)
            room = np.flatnonzero(size < high)
            if not len(room):
                return  # no room anywhere: the counting checks have refused this already
            target = room[np.argmin(size[room] - low[room])]
        if not len(donors):
            return
        donor = donors[np.argmax(size[donors] - low[donors])]
        movable = [q for q in np.flatnonzero(seats == donor).tolist() if q not in pinned]
        if not movable:
            return
        fresh = [q for q in movable if earlier[q] != donor]
        q = int(rng.choice(fresh or movable))
        seats[q] = target
        size[donor] -= 1
        size[target] += 1
