"""Orthogonal arrays and the schedules they give: groups of n people drawn one from each
of s teams of n (resolvable transversal designs), and n groups of n (mutually orthogonal
Latin squares)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from allocator.strategies.designs.finite_fields import field_tables, tabulated

PARKER_10 = (
    (
        (0, 4, 1, 7, 2, 9, 8, 3, 6, 5),
        (8, 1, 5, 2, 7, 3, 9, 4, 0, 6),
        (9, 8, 2, 6, 3, 7, 4, 5, 1, 0),
        (5, 9, 8, 3, 0, 4, 7, 6, 2, 1),
        (7, 6, 9, 8, 4, 1, 5, 0, 3, 2),
        (6, 7, 0, 9, 8, 5, 2, 1, 4, 3),
        (3, 0, 7, 1, 9, 8, 6, 2, 5, 4),
        (1, 2, 3, 4, 5, 6, 0, 7, 8, 9),
        (2, 3, 4, 5, 6, 0, 1, 8, 9, 7),
        (4, 5, 6, 0, 1, 2, 3, 9, 7, 8),
    ),
    (
        (0, 7, 8, 6, 9, 3, 5, 4, 1, 2),
        (6, 1, 7, 8, 0, 9, 4, 5, 2, 3),
        (5, 0, 2, 7, 8, 1, 9, 6, 3, 4),
        (9, 6, 1, 3, 7, 8, 2, 0, 4, 5),
        (3, 9, 0, 2, 4, 7, 8, 1, 5, 6),
        (8, 4, 9, 1, 3, 5, 7, 2, 6, 0),
        (7, 8, 5, 9, 2, 4, 6, 3, 0, 1),
        (4, 5, 6, 0, 1, 2, 3, 7, 8, 9),
        (1, 2, 3, 4, 5, 6, 0, 9, 7, 8),
        (2, 3, 4, 5, 6, 0, 1, 8, 9, 7),
    ),
)
"""Two orthogonal Latin squares of order 10, as published by E. T. Parker, "Orthogonal
Latin squares", PNAS 45 (1959) 859–862 (Z₇ with three points at infinity)."""


@lru_cache(maxsize=8)
def orthogonal_array(n: int) -> np.ndarray | None:
    """The widest OA(k, n) built here, n² rows × k columns over 0 … n − 1, any two columns
    holding every pair of values once: k = n + 1 over GF(n) (row (a, b) holds a·x + b at
    column x, and a last), Parker's k = 4 for n = 10, MacNeish's product of the arrays of
    the prime-power factors (k their narrowest), and k = 3 (a cyclic Latin square) otherwise,
    a prime power whose field has no tables here included. None for n < 2."""
    if n < 2:
        return None
    return _columns(n, list(range(transversal_width(n))))


def transversal_width(n: int) -> int:
    """The k of `orthogonal_array(n)`, without building it (0 for n < 2)."""
    return _construction(n)[1]


def _construction(n: int) -> tuple[str, int]:
    """Which construction `orthogonal_array(n)` takes, and its width k."""
    if n < 2:
        return "none", 0
    if tabulated(n):
        return "field", n + 1
    if n == 10:
        return "Parker", 4
    factors = _prime_power_factors(n)
    if len(factors) > 1 and min(factors) > 2:
        return "MacNeish", min(transversal_width(f) for f in factors)
    return "cyclic", 3


def _columns(n: int, columns: list[int]) -> np.ndarray:
    """Only the given columns of `orthogonal_array(n)` (any columns of an OA are one), so
    that a wide array over many groups is never built whole."""
    kind, width = _construction(n)
    if kind == "field":
        add, mul = field_tables(n)
        a, b = np.divmod(np.arange(n * n), n)
        return np.column_stack([a if c == n else add[mul[a, c], b] for c in columns])
    if kind == "Parker":
        squares = np.array(PARKER_10).reshape(2, -1)
        row, column = np.divmod(np.arange(100), 10)
        return np.column_stack([row, column, *squares])[:, columns]
    if kind == "MacNeish":
        return _macneish(_prime_power_factors(n), width)[:, columns]
    row, column = np.divmod(np.arange(n * n), n)
    return np.column_stack([row, column, (row + column) % n])[:, columns]


def _prime_power_factors(n: int) -> list[int]:
    factors, p = [], 2
    while n > 1:
        power = 1
        while n % p == 0:
            n //= p
            power *= p
        if power > 1:
            factors.append(power)
        p += 1
    return factors


def _macneish(factors: list[int], width: int) -> np.ndarray:
    """The product OA(width, n₁·n₂·…) of the first `width` columns of each OA(k, nᵢ): rows
    and values paired coordinate-wise (MacNeish 1922), width the narrowest factor's k."""
    product = np.zeros((1, width), dtype=np.int64)
    for f in factors:
        array = _columns(f, list(range(width)))
        product = (product[:, None, :] * f + array[None, :, :]).reshape(-1, width)
    return product


def transversal_rounds(groups: int, size: int, rounds: int) -> np.ndarray | None:
    """`rounds` rounds of `groups` groups of `size` from an OA(k, groups), nobody meeting
    twice. With size ≤ k − 1 a resolvable transversal design: people (team c, member y)
    for c < size sit in row-group "rows whose column c holds y", grouped by the value of
    the last column; `groups` rounds, and one more (the teams) when size = groups, the
    affine plane. Otherwise the first `size` rows of the array's Latin squares: person
    (row, column) of the square, one round per column of the array (the rows included
    when size = groups). None when the array gives fewer rounds."""
    width = transversal_width(groups)
    if not width or not 1 <= size <= groups:
        return None
    if size <= width - 1:
        if rounds > groups + (size == groups):
            return None
        teams = _columns(groups, [*range(size), width - 1])  # the teams' columns and the last
        return _resolvable_transversal(teams, groups, size, rounds)
    array = orthogonal_array(groups)
    first = 0 if size == groups else 1  # the rows are groups only when all are taken
    if rounds > width - first:
        return None
    cells = array[array[:, 0] < size]  # the first `size` rows of the squares
    return cells[:, first : first + rounds].T.copy()


def _resolvable_transversal(array: np.ndarray, n: int, size: int, rounds: int) -> np.ndarray:
    """RTD(size, n): person c·n + y is team c's member y; the array row holding y at
    column c for every c < size is one group, in the round named by the row's last value."""
    plan = np.empty((rounds, size * n), dtype=np.int64)
    last = array[:, -1]
    for r in range(min(rounds, n)):
        rows = array[last == r]  # n rows: each column c < size holds every y once
        block = np.arange(n)[:, None].repeat(size, axis=1)
        people = np.arange(size)[None, :] * n + rows[:, :size]
        plan[r, people.ravel()] = block.ravel()
    if rounds > n:  # size = n: the teams themselves
        plan[n] = np.arange(size * n) // n
    return plan
