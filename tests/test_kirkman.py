"""Kirkman triple systems: every round splits everyone into triples and every two people share
a triple exactly once over the (v − 1)/2 rounds."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.strategies.designs.kirkman import kirkman_rounds

ORDERS = range(3, 202, 6)
REQUIRED = (15, 21, 27, 33, 39, 45)


def _meetings(plan: np.ndarray) -> np.ndarray:
    """How many rounds each two points share a group in (the diagonal counts every round)."""
    return (plan[:, :, None] == plan[:, None, :]).sum(axis=0)


@pytest.mark.parametrize("v", ORDERS)
def test_rounds_are_triples_and_every_pair_meets_once(v: int) -> None:
    rounds = (v - 1) // 2
    plan = kirkman_rounds(v, rounds)
    if plan is None:
        pytest.skip(f"no construction for v = {v}")
    assert plan.shape == (rounds, v) and plan.dtype == np.int64
    for row in plan:  # groups 0 … v/3 − 1, three people each
        assert (np.bincount(row) == 3).all()
    meetings = _meetings(plan)
    np.fill_diagonal(meetings, 1)
    assert (meetings == 1).all()


def test_required_orders_are_covered() -> None:
    assert all(kirkman_rounds(v, (v - 1) // 2) is not None for v in REQUIRED)


def test_every_order_to_200_is_covered() -> None:
    assert [v for v in ORDERS if kirkman_rounds(v, (v - 1) // 2) is None] == []


@pytest.mark.parametrize("v", [9, 15, 33, 45, 69])
def test_fewer_rounds_are_the_first_rounds(v: int) -> None:
    full = kirkman_rounds(v, (v - 1) // 2)
    for rounds in (0, 1, v // 4):
        assert np.array_equal(kirkman_rounds(v, rounds), full[:rounds])


def test_result_is_a_fresh_array() -> None:
    kirkman_rounds(15, 7)[:] = 0
    assert len(np.unique(kirkman_rounds(15, 7)[0])) == 5


@pytest.mark.parametrize("v", [3, 15, 21, 33])
def test_too_many_rounds_is_none(v: int) -> None:
    assert kirkman_rounds(v, (v - 1) // 2 + 1) is None


@pytest.mark.parametrize("v", [1, 2, 4, 5, 6, 7, 8, 10, 12, 13, 16, 18, 19, 24, 25, 31, 100])
def test_orders_not_3_mod_6_are_none(v: int) -> None:
    assert kirkman_rounds(v, 1) is None
