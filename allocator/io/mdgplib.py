"""MDGPLIB files (Maximally Diverse Grouping Problem) as instances of the general engine.

Format: a first line `n m TYPE a_1 b_1 … a_m b_m` (TYPE `ss` or `ds`, group g holds between
a_g and b_g elements), then n(n−1)/2 lines `i j d_ij` with 0-based i < j. The instance has
participants "0" … "n−1", one round whose groups "1" … "m" carry those bounds, and the
`pairs` term over the distance matrix, so that `metrics.pairs` is minus the diversity.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from allocator.model.errors import FieldIssue, InputError
from allocator.model.instance import Instance
from allocator.model.validate import parse_instance

HEADER = re.compile(r"^\s*(\d+)\s+(\d+)\s+(ss|ds)((?:\s+\d+)*)\s*$")


def is_mdgplib(path: str | Path) -> bool:
    """Does the file start like an MDGPLIB instance?"""
    try:
        with open(path, encoding="utf-8") as stream:
            return HEADER.match(stream.readline()) is not None
    except (OSError, UnicodeDecodeError):
        return False


def _fail(path: Path, line: int, message: str, hint: str = "") -> InputError:
    return InputError([FieldIssue(f"{path.name} line {line}", message, hint)])


def read_mdgplib(path: str | Path) -> Instance:
    """Parse, check every pair is given once, and build the instance."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = HEADER.match(lines[0]) if lines else None
    if header is None:
        raise _fail(path, 1, "not an MDGPLIB header", "expected `n m ss|ds a_1 b_1 … a_m b_m`")
    n, m = int(header[1]), int(header[2])
    bounds = [int(x) for x in header[4].split()]
    if len(bounds) != 2 * m:
        raise _fail(path, 1, f"{m} groups need {2 * m} size bounds, found {len(bounds)}")
    matrix = _distances(path, lines[1:], n)
    groups = [
        {"id": str(g + 1), "min_size": bounds[2 * g], "max_size": bounds[2 * g + 1]}
        for g in range(m)
    ]
    return parse_instance(
        {
            "name": path.stem,
            "participants": [{"id": str(i)} for i in range(n)],
            "rounds": [{"id": "groups", "groups": groups}],
            "objective": [{"term": "pairs", "weight": 1, "matrix": matrix}],
        }
    )


def _distances(path: Path, lines: list[str], n: int) -> np.ndarray:
    rows = [line for line in lines if line.strip()]
    expected = n * (n - 1) // 2
    if len(rows) != expected:
        raise _fail(path, 2, f"{n} elements need {expected} pair lines, found {len(rows)}")
    try:
        table = np.array(" ".join(rows).split(), dtype=np.float64).reshape(expected, 3)
    except ValueError:
        raise _fail(path, 2, "every pair line must be `i j d_ij`, three numbers") from None
    i, j = table[:, 0].astype(np.int64), table[:, 1].astype(np.int64)
    bad = np.flatnonzero((i < 0) | (j >= n) | (i >= j))
    if len(bad):
        raise _fail(
            path, int(bad[0]) + 2, f"pair ({i[bad[0]]}, {j[bad[0]]}) is not 0 ≤ i < j < {n}"
        )
    matrix = np.zeros((n, n))
    matrix[i, j] = table[:, 2]
    if np.count_nonzero(np.bincount(i * n + j, minlength=n * n) > 1):
        raise _fail(path, 2, "a pair is listed twice", "list each pair i < j once")
    return matrix + matrix.T
