"""Who meets whom, counted from group memberships without listing pairs where counts
give the answer: a plenary of 5,000 holds 12.5 million pairs but one group size.

A pair meets in a set of rounds when it shares a group in at least one of them. For one
round that is Σ C(size, 2) over its groups; for several, inclusion–exclusion over the
subsets S of the rounds counts the pairs sharing a group in every round of S, which are
the pairs within a class of people with the same groups in all of S. That costs
2^|S| passes over the people, so when the rounds are many and the groups small the
pairs are listed instead (vectorised, one array of pair codes), whichever is cheaper.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

ABSENT = -1
Vectors = list[np.ndarray]
"""Per round, each participant's group index there (ABSENT when not seated)."""


def distinct_met(vectors: Vectors, classes: np.ndarray | None = None) -> np.ndarray:
    """For each participant, how many others share a group with them in at least one of
    these rounds (only others of the same class ≥ 0 when `classes` is given)."""
    n = len(vectors[0]) if vectors else 0
    vectors = _distinct(vectors)
    if not vectors:
        return np.zeros(n, dtype=np.int64)
    if classes is not None:
        vectors = [np.where(classes >= 0, _joint(v, classes), ABSENT) for v in vectors]
    subsets = 2 ** len(vectors) - 1
    if subsets * n <= sum(_pair_count(v) for v in vectors):
        return _by_inclusion_exclusion(vectors)
    codes = _met_codes(vectors)
    return np.bincount(codes // n, minlength=n) + np.bincount(codes % n, minlength=n)


def pairs_met(vectors: Vectors, classes: np.ndarray | None = None) -> int:
    """Pairs (i < j) sharing a group in at least one of these rounds (of the same class)."""
    return int(distinct_met(vectors, classes).sum()) // 2


def pairs_met_per_grouping(groupings: list[Vectors], classes: np.ndarray | None = None) -> int:
    """`pairs_met` summed over groupings; those of one round are counted together, group
    sizes of every such round in one pass (a day of thousands of one-round groupings)."""
    single = [g[0] for g in groupings if len(g) == 1]
    total = sum(pairs_met(g, classes) for g in groupings if len(g) != 1)
    if single:
        rows = np.stack(single)
        if classes is not None:
            rows = np.where(classes >= 0, rows, ABSENT)
        seated = rows != ABSENT
        key = np.nonzero(seated)[0].astype(np.int64) * (int(rows.max()) + 1) + rows[seated]
        if classes is not None:
            key = key * (int(classes.max()) + 1) + np.broadcast_to(classes, rows.shape)[seated]
        sizes = np.unique(key, return_counts=True)[1]
        total += int((sizes * (sizes - 1) // 2).sum())
    return total


def meetings_of(groupings: list[Vectors], first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """For each listed pair (first[k], second[k]): the groupings in which it meets."""
    met = np.zeros(len(first), dtype=np.int64)
    for vectors in groupings:
        together = np.zeros(len(first), dtype=bool)
        for v in vectors:
            together |= (v[first] == v[second]) & (v[first] != ABSENT)
        met += together
    return met


def pairs_meeting_more_than(groupings: list[Vectors], limit: int) -> Iterator[tuple[int, int, int]]:
    """(i, j, groupings met) for every pair i < j meeting in more than `limit` groupings,
    in order; none when there are no more groupings than that."""
    if len(groupings) <= limit:
        return
    n = len(groupings[0][0])
    codes, counts = np.unique(
        np.concatenate([_met_codes(_distinct(g)) for g in groupings]), return_counts=True
    )
    over = counts > limit
    for code, count in zip(codes[over].tolist(), counts[over].tolist(), strict=True):
        yield code // n, code % n, count


def _distinct(vectors: Vectors) -> Vectors:
    """Rounds seating everyone alike count once (a kept round with the same people)."""
    kept: Vectors = []
    for v in vectors:
        if (v != ABSENT).any() and not any(np.array_equal(v, other) for other in kept):
            kept.append(v)
    return kept


def _joint(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One label per distinct (a, b), ABSENT where either is; labels stay below n."""
    present = (a != ABSENT) & (b != ABSENT)
    joint = np.full(len(a), ABSENT, dtype=np.int64)
    if present.any():
        keys = a[present].astype(np.int64) * (int(b.max()) + 1) + b[present]
        joint[present] = np.unique(keys, return_inverse=True)[1]
    return joint


def _pair_count(v: np.ndarray) -> int:
    sizes = np.bincount(v[v != ABSENT])
    return int((sizes * (sizes - 1) // 2).sum())


def _by_inclusion_exclusion(vectors: Vectors) -> np.ndarray:
    """Σ over non-empty subsets S of (−1)^(|S|+1) × (class size over S − 1), per person."""
    met = np.zeros(len(vectors[0]), dtype=np.int64)
    stack = [(v, k, 1) for k, v in enumerate(vectors)]
    while stack:
        labels, last, size = stack.pop()
        present = labels != ABSENT
        shared = np.bincount(labels[present])[labels[present]] - 1
        met[present] += shared if size % 2 else -shared
        stack.extend(
            (_joint(labels, vectors[k]), k, size + 1) for k in range(last + 1, len(vectors))
        )
    return met


def _met_codes(vectors: Vectors) -> np.ndarray:
    """Codes i·n + j (i < j) of the distinct pairs sharing a group in one of the rounds."""
    n = len(vectors[0]) if vectors else 0
    codes = [_round_codes(v, n) for v in vectors]
    return np.unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)


def _round_codes(v: np.ndarray, n: int) -> np.ndarray:
    """Pair codes of one round: members sorted by group, then all pairs of each group,
    groups of one size at a time."""
    seated = np.flatnonzero(v != ABSENT)
    order = seated[np.argsort(v[seated], kind="stable")]
    sizes = np.bincount(v[seated])
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    codes = []
    for size in np.unique(sizes[sizes > 1]).tolist():
        members = order[starts[sizes == size][:, None] + np.arange(size)]
        a, b = np.triu_indices(size, k=1)
        codes.append(members[:, a].ravel() * n + members[:, b].ravel())
    return np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)
