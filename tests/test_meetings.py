"""Meetings counted from group memberships (evaluation/meetings.py) against the pairs
listed one by one: both ways of counting (inclusion–exclusion over rounds, and pair codes)
agree with the definition on random seatings, absences and classes included."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.evaluation import meetings
from allocator.evaluation.meetings import (
    ABSENT,
    distinct_met,
    meetings_of,
    pairs_meeting_more_than,
    pairs_met,
    pairs_met_per_grouping,
)


@st.composite
def seatings(draw: st.DrawFn) -> tuple[list[np.ndarray], np.ndarray]:
    n = draw(st.integers(1, 12))
    rounds = draw(st.integers(1, 4))
    groups = draw(st.integers(1, 4))
    seat = st.integers(ABSENT, groups - 1)
    vectors = [np.array(draw(st.lists(seat, min_size=n, max_size=n))) for _ in range(rounds)]
    classes = np.array(draw(st.lists(st.integers(ABSENT, 2), min_size=n, max_size=n)))
    return vectors, classes


def _met_by_listing(vectors: list[np.ndarray], classes: np.ndarray | None) -> np.ndarray:
    n = len(vectors[0])
    met = np.zeros(n, dtype=np.int64)
    for i, j in combinations(range(n), 2):
        same_class = classes is None or (classes[i] >= 0 and classes[i] == classes[j])
        if same_class and any(v[i] != ABSENT and v[i] == v[j] for v in vectors):
            met[i] += 1
            met[j] += 1
    return met


@settings(max_examples=300, deadline=None)
@given(seating=seatings(), by_class=st.booleans())
def test_both_ways_of_counting_agree_with_the_definition(seating, by_class):
    vectors, classes = seating
    wanted = _met_by_listing(vectors, classes if by_class else None)
    assert distinct_met(vectors, classes if by_class else None).tolist() == wanted.tolist()
    labelled = [
        np.where(classes >= 0, meetings._joint(v, classes), ABSENT) if by_class else v
        for v in meetings._distinct(vectors)
    ]
    if labelled:
        assert meetings._by_inclusion_exclusion(labelled).tolist() == wanted.tolist()
        n = len(vectors[0])
        codes = meetings._met_codes(labelled)
        listed = np.bincount(codes // n, minlength=n) + np.bincount(codes % n, minlength=n)
        assert listed.tolist() == wanted.tolist()
    assert pairs_met(vectors, classes if by_class else None) == wanted.sum() // 2


@settings(max_examples=200, deadline=None)
@given(first=seatings(), second=seatings(), limit=st.integers(0, 2))
def test_pairs_over_a_limit_and_listed_pairs(first, second, limit):
    n = min(len(first[0][0]), len(second[0][0]))
    groupings = [[v[:n] for v in first[0]], [v[:n] for v in second[0]]]
    counts = {
        (i, j): sum(any(v[i] != ABSENT and v[i] == v[j] for v in g) for g in groupings)
        for i, j in combinations(range(n), 2)
    }
    over = [(i, j, m) for (i, j), m in sorted(counts.items()) if m > limit]
    assert list(pairs_meeting_more_than(groupings, limit)) == over
    pairs = np.array(sorted(counts), dtype=np.int64).reshape(-1, 2)
    met = meetings_of(groupings, pairs[:, 0], pairs[:, 1])
    assert met.tolist() == [counts[i, j] for i, j in sorted(counts)]


def test_a_plenary_of_five_thousand_is_one_group_size():
    n = 5_000
    everyone = np.zeros(n, dtype=np.int64)
    organisation = np.arange(n) % 50
    assert pairs_met([everyone]) == n * (n - 1) // 2
    assert pairs_met([everyone, everyone], organisation) == 50 * (100 * 99 // 2)
    assert distinct_met([everyone]).tolist() == [n - 1] * n


@settings(max_examples=200, deadline=None)
@given(seating=seatings(), other=seatings(), by_class=st.booleans())
def test_groupings_of_one_round_are_counted_together_alike(seating, other, by_class):
    vectors, classes = seating
    n = len(vectors[0])
    extra = [v[:n] for v in other[0] if len(v) >= n]
    groupings = [[v] for v in vectors] + ([extra] if extra else [])
    chosen = classes if by_class else None
    assert pairs_met_per_grouping(groupings, chosen) == sum(pairs_met(g, chosen) for g in groupings)
