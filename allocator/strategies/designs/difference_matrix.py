"""Schedules developed over the groups themselves: groups are Z_g, people are (level i, x) for
s levels and x in Z_g, and round r seats (i, x) in group x − D[i][r]. Two people of one level
never meet; (i, x) and (j, y) meet in round r exactly when y − x ≡ D[j][r] − D[i][r] (mod g).
So nobody meets twice when, for every two rows of the s × w array D, the differences
D[j][r] − D[i][r] are distinct over the w columns: D is a partial difference matrix over Z_g
(Colbourn & Dinitz, Handbook of Combinatorial Designs, 2nd ed., ch. VI.17 "Difference
matrices").

A full one (w = g) with three rows or more does not exist over a cyclic group of even order
(it would be an orthomorphism of Z_g; Hall & Paige, 1955), but partial ones do, and for
g = 10 they reach further than the best-known table we ship (`../shared/benchmarks/sgp/`):
8 rounds for 10 groups of 6, 7 and 8, where the table lists 7, 7 and 5. The arrays carried
here were found by `search_difference_matrix` (CP-SAT, 2 cores) and are checked by the tests with an
independent pair count; any array of s rows also serves every smaller size (its first rows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

MATRICES: dict[int, tuple[tuple[tuple[int, ...], ...], ...]] = {
    10: (
        # 8 rows × 8 columns: 10 groups of up to 8 for 8 rounds (CP-SAT on this model, 99 s)
        ((0, 0, 0, 0, 0, 0, 0, 0), (0, 1, 9, 6, 2, 4, 7, 5), (0, 5, 2, 8, 7, 1, 6, 3),
         (0, 6, 1, 4, 9, 5, 3, 8), (0, 9, 3, 1, 5, 6, 8, 2), (0, 4, 6, 5, 3, 2, 9, 1),
         (0, 2, 5, 9, 6, 3, 4, 7), (0, 7, 8, 3, 4, 9, 5, 6)),
        # 9 rows × 5 columns: 10 groups of 9 for 5 rounds (CP-SAT on this model, 2-3 s)
        ((0, 0, 0, 0, 0), (0, 2, 4, 1, 8), (0, 1, 7, 9, 3), (0, 8, 6, 4, 7), (0, 7, 1, 2, 4),
         (0, 5, 2, 8, 9), (0, 3, 8, 7, 6), (0, 6, 9, 3, 1), (0, 4, 3, 6, 2)),
    ),
}  # fmt: skip
"""Modulus (the number of groups) → carried partial difference matrices, rows × columns."""


def most_rounds(groups: int, size: int) -> int:
    """The most rounds a carried matrix gives `groups` groups of `size`, 0 where none does."""
    return max((len(m[0]) for m in MATRICES.get(groups, ()) if len(m) >= size >= 2), default=0)


def difference_matrix_rounds(groups: int, size: int, rounds: int) -> np.ndarray | None:
    """The first `rounds` rounds from the carried matrix with the most columns that has `size`
    rows (its first `size` rows); None when no carried matrix is that large."""
    fitting = [m for m in MATRICES.get(groups, ()) if len(m) >= size and len(m[0]) >= rounds]
    if size < 2 or not fitting:
        return None
    matrix = np.array(max(fitting, key=lambda m: len(m[0])))[:size, :rounds]
    return developed_over_groups(matrix, groups)


def developed_over_groups(matrix: np.ndarray, groups: int) -> np.ndarray:
    """Entry [r, i·g + x] = the group of person (i, x) in round r: x − D[i][r] mod g."""
    x = np.arange(groups)
    return np.stack(
        [np.concatenate([(x - matrix[i, r]) % groups for i in range(len(matrix))])
         for r in range(matrix.shape[1])]
    )  # fmt: skip


def search_difference_matrix(
    modulus: int, rows: int, columns: int, seed: int, budget: float
) -> np.ndarray | None:
    """A rows × columns partial difference matrix over Z_modulus by CP-SAT within `budget`
    seconds (first row and first column 0, which loses nothing: adding a constant to a row or
    a column keeps every difference's distinctness), or None."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    entry = [
        [model.new_int_var(0, modulus - 1, f"d_{i}_{r}") for r in range(columns)]
        for i in range(rows)
    ]
    for r in range(columns):
        model.add(entry[0][r] == 0)
    for i in range(rows):
        model.add(entry[i][0] == 0)
    for i in range(rows):
        for j in range(i + 1, rows):
            _add_distinct_differences(model, entry[i], entry[j], modulus, f"{i}_{j}")
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = budget
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = 2
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.array([[solver.value(v) for v in row] for row in entry])


def _add_distinct_differences(
    model: cp_model.CpModel,
    first: list[cp_model.IntVar],
    second: list[cp_model.IntVar],
    modulus: int,
    name: str,
) -> None:
    """Rows `first` and `second` differ by a distinct residue in every column: the two levels'
    people meet at most once."""
    residues = []
    for r, (a, b) in enumerate(zip(first, second, strict=True)):
        residue = model.new_int_var(0, modulus - 1, f"diff_{name}_{r}")
        model.add_modulo_equality(residue, b - a + modulus, modulus)
        residues.append(residue)
    model.add_all_different(residues)
