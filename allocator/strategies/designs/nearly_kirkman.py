"""Nearly Kirkman triple systems NKTS(v), v ≡ 0 (mod 6): v people in triples over (v − 2)/2
rounds, every two people together once except v/2 fixed pairs who never meet (a resolvable
3-GDD of type 2^(v/2); they exist for every v ≥ 18, Baker & Wilson 1977)."""

from __future__ import annotations

import numpy as np

from allocator.strategies.designs.finite_fields import affine_plane_rounds

STARTERS = {
    24: ((0, 2, 8), (18, 6, 3), (4, 17, 22), (7, 9, 21), (10, 5, 11), (20, 13, 23),
         (12, 16, 15), (14, 1, 19)),
    30: ((0, 2, 10), (3, 19, 21), (22, 26, 1), (6, 12, 27), (8, 20, 5), (4, 9, 13),
         (16, 11, 17), (24, 15, 23), (14, 25, 28), (18, 7, 29)),
    36: ((0, 2, 24), (12, 16, 32), (5, 19, 21), (4, 10, 15), (20, 28, 29), (22, 13, 17),
         (6, 3, 9), (26, 25, 33), (18, 31, 7), (30, 11, 23), (8, 27, 34), (14, 1, 35)),
    42: ((0, 2, 18), (12, 22, 26), (3, 21, 31), (30, 36, 23), (38, 6, 27), (16, 28, 39),
         (14, 17, 19), (24, 33, 37), (4, 35, 1), (8, 7, 15), (10, 11, 25), (34, 13, 29),
         (32, 9, 40), (20, 5, 41)),
    48: ((0, 12, 36), (8, 10, 16), (14, 28, 32), (27, 41, 43), (2, 18, 7), (20, 40, 31),
         (30, 1, 5), (4, 13, 19), (44, 37, 45), (42, 15, 25), (22, 17, 29), (26, 39, 11),
         (24, 3, 23), (6, 33, 9), (34, 21, 46), (38, 35, 47)),
    54: ((0, 8, 14), (2, 4, 24), (5, 9, 25), (11, 19, 29), (26, 30, 45), (32, 42, 23),
         (6, 18, 47), (20, 36, 43), (16, 34, 21), (38, 10, 35), (22, 15, 17), (12, 33, 39),
         (40, 41, 1), (48, 51, 13), (28, 37, 7), (44, 3, 27), (46, 31, 52), (50, 49, 53)),
    60: ((0, 8, 24), (16, 26, 30), (32, 44, 50), (7, 9, 53), (15, 21, 25), (54, 56, 31),
         (2, 22, 29), (12, 34, 37), (46, 14, 27), (40, 10, 55), (36, 33, 41), (18, 3, 19),
         (20, 39, 57), (38, 49, 11), (6, 1, 23), (28, 51, 17), (4, 45, 13), (42, 35, 5),
         (52, 43, 58), (48, 47, 59)),
}  # fmt: skip
"""Starter classes of NKTS(v) on Z_(v−2) ∪ {∞₁ = v − 2, ∞₂ = v − 1}, from Table I of Abel
et al., J. Combin. Des. 21 (2013), doi:10.1002/jcd.21342: round r adds 2r to every finite
point and keeps ∞₁, ∞₂."""


def nearly_kirkman_rounds(v: int, rounds: int) -> np.ndarray | None:
    """The first `rounds` rounds of an NKTS(v): entry [r, x] is the triple (0 … v/3 − 1) of
    person x in round r. None when v is neither 18 nor a starter's order, or for more than
    (v − 2)/2 rounds."""
    if not 0 <= rounds <= (v - 2) // 2:
        return None
    if v == 18:
        triples = _doubled_affine_plane()
    elif v in STARTERS:
        triples = _developed(np.array(STARTERS[v]), v)
    else:
        return None
    plan = np.empty((rounds, v), dtype=np.int64)
    plan[np.arange(rounds)[:, None, None], triples[:rounds]] = np.arange(v // 3)[:, None]
    return plan


def _developed(starter: np.ndarray, v: int) -> np.ndarray:
    """Rounds × triples × 3: round r moves each finite point x to x + 2r (mod v − 2)."""
    shift = 2 * np.arange((v - 2) // 2)[:, None, None]
    return np.where(starter < v - 2, (starter + shift) % (v - 2), starter)


def _doubled_affine_plane() -> np.ndarray:
    """NKTS(18) on the nine points of AG(2, 3) in two copies (point x + 9c is x in copy c),
    the schedule Ed Pegg Jr. shows in his Math Games column (MAA, 2007): the plane's four
    parallel classes in two pairs (P, Q), each with a third class R that both cross once per
    line; for each even-weight φ: R's lines → {0, 1} a round seats P's lines in copies φ and
    Q's in the other copies, so every two points of a line meet once in each of the four
    copy pairs, and x never meets its own copy."""
    plane = affine_plane_rounds(3, 4)
    lines = np.argsort(plane, axis=1, kind="stable").reshape(4, 3, 3)  # class × line × point
    even = np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]])
    rounds = []
    for p, q, r in ((0, 1, 2), (2, 3, 0)):
        for phi in even:
            copy = phi[plane[r]]  # the copy each point takes in P's lines
            seated_p = lines[p] + 9 * copy[lines[p]]
            seated_q = lines[q] + 9 * (1 - copy[lines[q]])
            rounds.append(np.concatenate([seated_p, seated_q]))
    return np.array(rounds)
