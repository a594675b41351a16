"""Finite fields GF(q) as addition and multiplication tables, and the affine plane over
them: the algebra behind the designs that seat people so that nobody meets twice."""

from __future__ import annotations

import numpy as np

IRREDUCIBLE = {
    4: (2, 2, (1, 1)),
    8: (2, 3, (1, 1, 0)),
    9: (3, 2, (1, 0)),
    16: (2, 4, (1, 1, 0, 0)),
    25: (5, 2, (2, 1)),
    27: (3, 3, (1, 2, 0)),
    32: (2, 5, (1, 0, 1, 0, 0)),
    49: (7, 2, (1, 0)),
}
"""q = p^k → (p, k, c_0..c_{k-1}) with x^k = −(c_0 + c_1 x + …) defining GF(q)."""


def is_prime(q: int) -> bool:
    return q >= 2 and all(q % d for d in range(2, int(q**0.5) + 1))


def tabulated(q: int) -> bool:
    """Does `field_tables` build GF(q)? (Primes, and the prime powers in IRREDUCIBLE.)"""
    return is_prime(q) or q in IRREDUCIBLE


def field_tables(q: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Addition and multiplication tables of GF(q), for primes and a few prime powers."""
    if not tabulated(q):
        return None
    if is_prime(q):
        a = np.arange(q)
        return (a[:, None] + a[None, :]) % q, (a[:, None] * a[None, :]) % q
    p, k, low = IRREDUCIBLE[q]
    digits = [[(e // p**i) % p for i in range(k)] for e in range(q)]

    def number(poly: list[int]) -> int:
        return sum(c * p**i for i, c in enumerate(poly))

    def times(a: list[int], b: list[int]) -> list[int]:
        prod = [0] * (2 * k - 1)
        for i, x in enumerate(a):
            for j, y in enumerate(b):
                prod[i + j] = (prod[i + j] + x * y) % p
        for d in range(2 * k - 2, k - 1, -1):  # reduce x^d = x^(d-k) · x^k
            c, prod[d] = prod[d], 0
            for i, coeff in enumerate(low):
                prod[d - k + i] = (prod[d - k + i] - c * coeff) % p
        return prod[:k]

    add = np.array(
        [[number([(x + y) % p for x, y in zip(a, b, strict=True)]) for b in digits] for a in digits]
    )
    mul = np.array([[number(times(a, b)) for b in digits] for a in digits])
    return add, mul


def affine_plane_rounds(q: int, rounds: int) -> np.ndarray | None:
    """Parallel classes of the affine plane AG(2, q): q² points in q groups of q for up to q + 1
    rounds, every pair of points together exactly once over all q + 1 rounds."""
    tables = field_tables(q)
    if tables is None or rounds > q + 1:
        return None
    add, mul = tables
    negate = np.array([int(np.flatnonzero(add[x] == 0)[0]) for x in range(q)])
    x, y = np.divmod(np.arange(q * q), q)
    plan = np.empty((rounds, q * q), dtype=np.int64)
    for m in range(rounds):
        plan[m] = x if m == q else add[y, negate[mul[m, x]]]  # line y = m·x + b → b
    return plan


def prime_power(value: int) -> tuple[int, int] | None:
    """(p, m) with value = p^m, p prime."""
    for p in range(2, value + 1):
        if value % p == 0:
            m = 0
            while value % p == 0:
                value //= p
                m += 1
            return (p, m) if value == 1 else None
    return None


def primitive_powers(mul: np.ndarray) -> np.ndarray:
    """g⁰, g¹, …, g^(q−2) for the smallest primitive element g of GF(q) (1 is the unit)."""
    q = len(mul)
    for g in range(2, q):
        powers = [1]
        while len(powers) < q - 1:
            powers.append(int(mul[powers[-1], g]))
        if len(set(powers)) == q - 1:
            return np.array(powers)
    raise ValueError(f"GF({q}) has no primitive element above 1")
