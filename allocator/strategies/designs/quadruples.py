"""Groups of four where nobody meets twice: resolvable (v, 4, 1) designs for v = 3q + 1, and
resolvable 4-GDDs of type 3^u (people in u triples that never meet) from labeled designs."""

from __future__ import annotations

import numpy as np

from allocator.strategies.designs.finite_fields import field_tables, primitive_powers

LABELED = {
    8: (
        None,
        (
            (((0, 1, 3, 6), (0, 0, 1)), ((2, 4, 5, 7), (1, 2, 0))),
            (((0, 1, 2, 4), (2, 2, 2)), ((3, 5, 6, 7), (1, 2, 0))),
            (((1, 2, 3, 5), (2, 2, 2)), ((0, 4, 6, 7), (1, 2, 1))),
            (((2, 3, 4, 6), (2, 2, 2)), ((0, 1, 5, 7), (1, 2, 2))),
            (((0, 3, 4, 5), (1, 0, 0)), ((1, 2, 6, 7), (1, 2, 2))),
            (((1, 4, 5, 6), (1, 0, 0)), ((0, 2, 3, 7), (1, 2, 0))),
            (((0, 2, 5, 6), (0, 1, 0)), ((1, 3, 4, 7), (1, 2, 0))),
        ),
    ),
    12: (
        11,
        ((((0, 1, 4, 10), (2, 2, 0)), ((2, 5, 6, 8), (2, 0, 0)), ((3, 7, 9, 11), (1, 2, 1))),),
    ),
    16: (
        15,
        (
            (
                ((0, 1, 2, 5), (0, 1, 0)),
                ((8, 9, 12, 3), (2, 2, 1)),
                ((4, 6, 11, 13), (0, 1, 0)),
                ((7, 10, 14, 15), (1, 2, 0)),
            ),
        ),
    ),
}
"""Labeled resolvable designs LRB(4, 3, u): u → (modulus M or None, classes), each block
(its four points, the Z₃ labels of its 2nd–4th point against its 1st). With a modulus the
points are Z_M ∪ {∞ = M} and the one class given is developed over Z_M; without, every class
is listed. Construction after H. Shen (1992); the data as collected in the perfect-strangers
package (MIT), which takes u = 16 from "Existence of resolvable group divisible designs with
block size four I"."""


def rbibd_4_rounds(v: int, rounds: int) -> np.ndarray | None:
    """A resolvable (v, 4, 1) design for v = 3q + 1, q ≡ 1 (mod 4) a prime power the field
    tables reach, on GF(q) × Z₃ ∪ {∞}: the base class {(ωⁱ, j), (−ωⁱ, j), (εωⁱ, j + 1),
    (−εωⁱ, j + 1)} for i < (q − 1)/4 and j ∈ Z₃, ε = ω^((q−1)/4) a square root of −1, and
    {(0, 0), (0, 1), (0, 2), ∞}, developed additively over GF(q): q rounds, every pair once
    (Beth, Jungnickel & Lenz, Design Theory, VII.7.5(a)). Entry [r, x] is x's group."""
    q, rest = divmod(v - 1, 3)
    tables = field_tables(q) if not rest and q % 4 == 1 else None
    if tables is None or not 0 <= rounds <= q:
        return None
    add, mul = tables
    powers = primitive_powers(mul)
    negate = np.array([int(np.flatnonzero(add[x] == 0)[0]) for x in range(q)])
    quarter = (q - 1) // 4
    w = powers[:quarter]
    e = mul[w, powers[quarter]]
    value = np.tile(np.stack([w, negate[w], e, negate[e]], axis=1), (3, 1))  # (j, i) × 4
    level = (np.array([0, 0, 1, 1]) + np.arange(3).repeat(quarter)[:, None]) % 3
    plan = np.empty((rounds, v), dtype=np.int64)
    for r in range(rounds):
        plan[r, (level * q + add[value, r]).ravel()] = np.arange(3 * quarter).repeat(4)
        plan[r, np.arange(3) * q + r] = 3 * quarter
        plan[r, v - 1] = 3 * quarter
    return plan


def labeled_gdd_rounds(u: int, rounds: int) -> np.ndarray | None:
    """A resolvable 4-GDD of type 3^u from an LRB(4, 3, u): person 3x + i is copy i of point x;
    each labeled block {x₀ … x₃} with labels a₀ = 0, a₁ … a₃ gives the three groups
    {3x_k + (t + a_k mod 3)} for t ∈ Z₃, so two copies of different points meet once and the
    three copies of a point never. Its rounds are the LRB's classes."""
    if u not in LABELED:
        return None
    modulus, classes = LABELED[u]
    if modulus is not None:
        classes = [_shifted(classes[0], t, modulus) for t in range(modulus)]
    if not 0 <= rounds <= len(classes):
        return None
    plan = np.empty((rounds, 3 * u), dtype=np.int64)
    t = np.arange(3)[:, None]
    for r, blocks in enumerate(classes[:rounds]):
        for b, (points, labels) in enumerate(blocks):
            offsets = np.array((0, *labels))
            people = 3 * np.array(points)[None, :] + (t + offsets[None, :]) % 3
            plan[r, people] = 3 * b + t
    return plan


def _shifted(blocks: tuple, t: int, modulus: int) -> tuple:
    return tuple(
        (tuple(x if x == modulus else (x + t) % modulus for x in points), labels)
        for points, labels in blocks
    )


PEGG_32 = (
    "ABCD EFGH IJKL MNOP abcd efgh ijkl mnop",
    "AEIm BcgH DFKp dfkP aeiM bCGh jLNo JlnO",
    "Aflo Bhkm DGiN aFLO bHKM CeJP cEjp dgIn",
    "AciL BdjK bDJk FgoP fGOp aCIl EhMn eHmN",
    "AgKN BElP DHIo dhiO beLp Cfjm cFJM aGkn",
    "AhJp BFin cDmO bfIN eGKl CdMo EgkL aHjP",
    "AdeF BGJo aDEf chlN iKmP CHLn bgjO IkMp",
    "AbnP aBNp DglM ceko fHiJ CEKO FhIj dGLm",
    "AGjM BeIO DhLP agJm cfKn CFkN bEio dHlp",
    "AHkO BfLM Dejn bFlm cGIP Cgip dEJN ahKo",
)
"""The ten rounds of 8-4-10 (a resolvable 4-GDD of type 2^16: x and X never meet) shown in
Ed Pegg Jr.'s Wolfram Demonstration "Social Golfer Problem"; 8-4-10 was first solved by
Aguado (2004)."""


def pegg_32_rounds(rounds: int) -> np.ndarray | None:
    """The first `rounds` rounds of `PEGG_32`, person k the k-th of A … P, a … p."""
    if not 0 <= rounds <= len(PEGG_32):
        return None
    letters = "ABCDEFGHIJKLMNOPabcdefghijklmnop"
    plan = np.empty((rounds, 32), dtype=np.int64)
    for r, line in enumerate(PEGG_32[:rounds]):
        for g, group in enumerate(line.split()):
            plan[r, [letters.index(c) for c in group]] = g
    return plan
