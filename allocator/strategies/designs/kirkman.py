"""Kirkman triple systems KTS(v), v ≡ 3 (mod 6): v people in triples over (v − 1)/2 rounds,
every pair together exactly once. Built from the direct algebraic constructions of
Ray-Chaudhuri & Wilson (1971) and the recursions that combine them, so no search is needed.

Internally a design is an int array classes × triples × 3 of points 0 … v − 1."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from math import isqrt

import numpy as np

from allocator.strategies.designs.finite_fields import (
    affine_plane_rounds,
    field_tables,
    primitive_powers,
)


def kirkman_rounds(v: int, rounds: int) -> np.ndarray | None:
    """The first `rounds` parallel classes of a KTS(v): entry [r, x] is the triple (0 … v/3 − 1)
    of point x in round r. None when v ≢ 3 (mod 6), rounds > (v − 1)/2, or no construction
    here reaches v (every v below 1200 is reached)."""
    if v % 6 != 3 or not 0 <= rounds <= (v - 1) // 2:
        return None
    design = _kts(v)
    if design is None:
        return None
    plan = np.empty((rounds, v), dtype=np.int64)
    plan[np.arange(rounds)[:, None, None], design[:rounds]] = np.arange(v // 3)[:, None]
    return plan


@cache
def _kts(v: int) -> np.ndarray | None:
    """A KTS(v) from the first construction that reaches v, direct ones first (cached, so the
    recursions build every smaller system once)."""
    if v % 6 != 3:
        return None
    if v == 3:
        return np.array([[[0, 1, 2]]])
    if v == 9:  # the affine plane AG(2, 3)
        plan = affine_plane_rounds(3, 4)
        return np.argsort(plan, axis=1, kind="stable").reshape(4, 3, 3)
    for build in (_two_q_plus_one, _three_q, _product, _doubled):
        design = build(v)
        if design is not None:
            return design
    return None


def _field_one_mod_six(q: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int] | None:
    """GF(q) for q = 6t + 1 a prime power the tables reach: addition, multiplication, the
    powers of a primitive element, and t; None otherwise."""
    tables = field_tables(q) if q % 6 == 1 else None
    if tables is None:
        return None
    add, mul = tables
    return add, mul, primitive_powers(mul), (q - 1) // 6


def _develop(base: list[list[tuple[int, int]]], add: np.ndarray) -> np.ndarray:
    """Translates of triples of points (x, j) ∈ GF(q) × levels by every s ∈ GF(q): shape
    q × triples × 3 over points j·q + x, where level −1 is a fixed point ∞ numbered last."""
    q = len(add)
    x = np.array([[p[0] for p in triple] for triple in base])
    level = np.array([[p[1] for p in triple] for triple in base])
    infinity = q * (level.max() + 1)
    moved = level * q + add[x[None], np.arange(q)[:, None, None]]
    return np.where(level < 0, infinity, moved)


def _two_q_plus_one(v: int) -> np.ndarray | None:
    """KTS(2q + 1) for a prime power q = 6t + 1 on GF(q) × {0, 1} ∪ {∞}: one base class
    developed additively over GF(q), with a primitive ω and ω^m = (ω^t + 1)/2
    (Ray-Chaudhuri & Wilson 1971, Theorem 6; Stinson's 1991 survey, Construction 1.1)."""
    q = (v - 1) // 2
    field = _field_one_mod_six(q)
    if field is None:
        return None
    add, mul, powers, t = field

    def w(e: int) -> int:
        return int(powers[e % (q - 1)])

    m = next(e for e in range(q - 1) if mul[add[1, 1], w(e)] == add[w(t), 1])
    base = [[(0, 0), (0, 1), (0, -1)]]
    base += [
        [(w(i), 0), (w(i + t), 0), (w(m + i), 1)]
        for s in (0, 2, 4)
        for i in range(s * t, (s + 1) * t)
    ]
    base += [[(w(m + t + i), 1), (w(m + 3 * t + i), 1), (w(m + 5 * t + i), 1)] for i in range(t)]
    return _develop(base, add)


def _three_q(v: int) -> np.ndarray | None:
    """KTS(3q) for a prime power q = 6t + 1 on GF(q) × {0, 1, 2}: a base class developed over
    GF(q), and 3t classes that are each the orbit of one transversal triple {ω^i·(1, ε, ε²)},
    ε a cube root of unity (Ray-Chaudhuri & Wilson 1971, Theorem 5; Stinson's 1991 survey,
    Construction 1.2)."""
    q = v // 3
    field = _field_one_mod_six(q)
    if field is None:
        return None
    add, _, powers, t = field

    def coset(i: int, levels: tuple[int, int, int]) -> list[tuple[int, int]]:
        return [(int(powers[(i + 2 * t * k) % (q - 1)]), j) for k, j in enumerate(levels)]

    flat = [coset(i, (j, j, j)) for j in range(3) for i in range(t)]
    cross = [[coset(i, (0, 1, 2)) for i in range(s * t, (s + 1) * t)] for s in range(6)]
    base = [[(0, 0), (0, 1), (0, 2)], *flat, *cross[1], *cross[3], *cross[5]]
    orbits = _develop(cross[0] + cross[2] + cross[4], add).swapaxes(0, 1)
    return np.concatenate([_develop(base, add), orbits])


def _product(v: int) -> np.ndarray | None:
    """KTS(u·w) from a KTS(u) and a KTS(3w), w odd: every point x of the KTS(u) becomes
    {x} × Z_w; the blocks of its first class carry copies of the KTS(3w), and each block
    {x₀, x₁, x₂} of every other class spreads into w classes {(x₀, y), (x₁, y + d), (x₂, y + 2d)}
    (one per d ∈ Z_w), a resolvable transversal design. With w = 3 this is the classical
    tripling KTS(u) → KTS(3u)."""
    for w in range(3, v // 9 + 1, 2):
        u = v // w
        if v % w or u % 6 != 3:
            continue
        outer, inner = _kts(u), _kts(3 * w)
        if outer is not None and inner is not None:
            return _inflate(outer, inner, w)
    return None


def _inflate(outer: np.ndarray, inner: np.ndarray, w: int) -> np.ndarray:
    """The product of `_product`, on points x·w + y (the KTS(3w) on points k·w + y)."""
    first, rest = outer[0], outer[1:]
    copies = np.moveaxis(first[:, inner // w], 0, 1) * w + (inner % w)[:, None]
    d, y, k = np.ogrid[:w, :w, :3]
    spread = rest[:, None, :, None, :] * w + ((y + k * d) % w)[None, :, None]
    triples = len(first) * w
    return np.concatenate([copies.reshape(-1, triples, 3), spread.reshape(-1, triples, 3)])


def _doubled(v: int) -> np.ndarray | None:
    """KTS(2n + 1) from a PBD(n) with block sizes k ≡ 1 (mod 3): every point x becomes x, x′,
    an ∞ joins them, round x holds {x, x′, ∞}, and on each doubled block sits a KTS(2k + 1)
    whose class through {y, y′, ∞} joins round y (Ray-Chaudhuri & Wilson 1971; Beth,
    Jungnickel & Lenz, Design Theory, Lemma IX.6.4)."""
    n = (v - 1) // 2
    blocks = _pbd(n)
    if blocks is None:
        return None
    rounds = [[np.array([[2 * x, 2 * x + 1, v - 1]])] for x in range(n)]
    for block in blocks:
        sub = _pinned(len(block))
        placed = 2 * block[sub // 2] + sub % 2
        for x, triples in zip(block, placed, strict=True):
            rounds[x].append(triples)
    return np.array([np.concatenate(r) for r in rounds])


@cache
def _pinned(k: int) -> np.ndarray:
    """A KTS(2k + 1) relabelled so class c holds {2c, 2c + 1, ∞ = 2k}, that triple dropped."""
    design = _kts(2 * k + 1)
    through = (design == 2 * k).any(axis=2)
    pairs = np.sort(design[through], axis=1)  # ∞ = 2k is the largest point
    label = np.empty(2 * k + 1, dtype=np.int64)
    label[pairs[:, 0]] = 2 * np.arange(k)
    label[pairs[:, 1]] = 2 * np.arange(k) + 1
    label[2 * k] = 2 * k
    return label[design[~through].reshape(k, -1, 3)]


def _pbd(n: int) -> list[np.ndarray] | None:
    """A PBD(n) (every pair of 0 … n − 1 in exactly one block) whose block sizes k all have a
    KTS(2k + 1) here."""
    for blocks in _pbd_candidates(n):
        if all(_kts(2 * len(b) + 1) is not None for b in blocks):
            return blocks
    return None


def _pbd_candidates(n: int) -> Iterator[list[np.ndarray]]:
    """The affine plane AG(2, q) (q ≡ 1 mod 3), the x → 3x + 1 inflation of a truncated
    TD(5, q), and Brouwer's PBD(34, {4, 7})."""
    q = isqrt(n)
    if q * q == n and q % 3 == 1 and field_tables(q) is not None:
        yield _affine_lines(q)
    for q in range(4, (n - 1) // 12 + 1):
        t, rest = divmod(n - 1 - 12 * q, 3)
        if not rest and t <= q and field_tables(q) is not None:
            yield _truncated_td_inflated(q, t)
    if n == 34:
        yield _brouwer_34()


def _transversal(k: int, q: int) -> np.ndarray:
    """Blocks of a TD(k, q), k ≤ q + 1, over GF(q): the lines {(i, a·i + b)} through groups
    i = 0 … k − 1 (point i·q + y), plus the point (q, a) when k = q + 1."""
    add, mul = field_tables(q)
    a, b = np.divmod(np.arange(q * q), q)
    blocks = np.arange(min(k, q)) * q + add[mul[a[:, None], np.arange(min(k, q))], b[:, None]]
    return np.column_stack([blocks, q * q + a]) if k == q + 1 else blocks


def _affine_lines(q: int) -> list[np.ndarray]:
    """The q² + q lines of AG(2, q): a TD(q, q) and its groups."""
    groups = np.arange(q * q).reshape(q, q)
    return [*_transversal(q, q), *groups]


@cache
def _gdd_3(k: int) -> np.ndarray:
    """A 4-GDD of type 3^k (k = 4, 5) with groups {3c, 3c + 1, 3c + 2}: blocks of size 4
    joining every two points of different groups once, none inside a group. TD(4, 3) for
    k = 4; AG(2, 4) minus a point (its lines through that point become the groups) for k = 5."""
    if k == 4:
        return _transversal(4, 3)
    lines = np.array(_affine_lines(4))
    through = (lines == 0).any(axis=1)
    order = np.sort(lines[through], axis=1)[:, 1:].ravel()  # drop the point 0 itself
    label = np.empty(16, dtype=np.int64)
    label[order] = np.arange(15)
    return label[lines[~through]]


def _truncated_td_inflated(q: int, t: int) -> list[np.ndarray]:
    """PBD(12q + 3t + 1) with block sizes 4, 3q + 1 and 3t + 1: a TD(5, q) with its last group
    cut to t points is a GDD with blocks of size 4 and 5; tripling every point turns each block
    into a 4-GDD of type 3⁴ or 3⁵, and each group G plus a new point ∞ into one block of size
    3|G| + 1 (Beth, Jungnickel & Lenz, Lemma IX.3.11 with Construction IX.4.5.m)."""
    u = 4 * q + t
    td = _transversal(5, q)
    blocks = [row if row[4] < u else row[:4] for row in td]
    groups = [np.arange(i * q, min((i + 1) * q, u)) for i in range(5)]
    inflated = []
    for block in blocks:
        gdd = _gdd_3(len(block))
        inflated.extend(3 * block[gdd // 3] + gdd % 3)
    for group in groups:
        if len(group):
            inflated.append(np.append((3 * group[:, None] + np.arange(3)).ravel(), 3 * u))
    return inflated


def _brouwer_34() -> list[np.ndarray]:
    """Brouwer's PBD(34, {4, 7}) on Z₉ × Z₃ (point 9y + x) plus ∞₀ … ∞₆ (27 … 33): three
    base blocks and the columns {x} × Z₃ ∪ {∞₆} developed over Z₉ × Z₃, and the block of all ∞
    (Beth, Jungnickel & Lenz, Design Theory, vol. I, p. 527)."""

    def points(base: list[tuple[int, int]], dx: int, dy: int) -> list[int]:
        return [9 * ((y + dy) % 3) + (x + dx) % 9 for x, y in base]

    blocks = [list(range(27, 34))]
    for i in range(9):
        blocks.append([*points([(0, 0), (0, 1), (0, 2)], i, i), 33])
        for j in range(3):
            blocks.append(points([(0, 0), (1, 1), (2, 0), (4, 1)], i, j))
            blocks.append([*points([(0, 0), (1, 0), (4, 2)], i, i + j), 27 + j])
            blocks.append([*points([(0, 0), (2, 2), (5, 0)], i + j, 2 * i + j), 30 + j])
    return [np.array(b) for b in blocks]
