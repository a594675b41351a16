"""Round robins: 2n people in pairs over 2n − 1 rounds, every two people paired exactly once."""

from __future__ import annotations

import numpy as np


def round_robin_rounds(people: int, rounds: int) -> np.ndarray | None:
    """The first `rounds` rounds of the circle method (Lucas 1883, after Walecki): person
    2n − 1 stays put while the others sit on a circle of 2n − 1 seats turning one seat a
    round; in round r the fixed person pairs with r and every other x with 2r − x (mod 2n − 1).
    Entry [r, x] is the pair (0 … n − 1) of person x. None for an odd count or too many rounds."""
    if people < 2 or people % 2 or not 0 <= rounds <= people - 1:
        return None
    turning = people - 1
    plan = np.empty((rounds, people), dtype=np.int64)
    x = np.arange(turning)
    for r in range(rounds):
        plan[r, :turning] = np.minimum((x - r) % turning, (r - x) % turning)  # x and 2r − x
        plan[r, turning] = 0  # with r itself
    return plan
