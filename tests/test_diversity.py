"""MDGPLIB files through the whole engine, and the diversity search against proven optima."""

from __future__ import annotations

import json
from itertools import product
from math import comb
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator import InputError, solve
from allocator.cli import main
from allocator.evaluation import evaluate
from allocator.io.mdgplib import is_mdgplib, read_mdgplib
from allocator.strategies.search.diversity import most_pairs_sizes

DATA = Path(__file__).parent / "data"
PROVEN = {"RanReal_n010_ss_01": 1427.845, "RanReal_n010_ds_01": 1437.807}  # reference.csv


def test_reader_builds_the_instance_of_the_file():
    instance = read_mdgplib(DATA / "RanReal_n010_ds_01.txt")
    assert [p.id for p in instance.participants] == [str(i) for i in range(10)]
    groups = instance.rounds[0].groups
    assert [(g.id, g.min_size, g.max_size) for g in groups] == [("1", 5, 6), ("2", 4, 5)]
    matrix = instance.objective[0].matrix
    assert isinstance(matrix, np.ndarray) and not matrix.flags.writeable
    assert matrix[0, 1] == matrix[1, 0] == 80.829


@pytest.mark.parametrize("name", sorted(PROVEN))
def test_diversity_search_reaches_the_proven_optimum(name):
    instance = read_mdgplib(DATA / f"{name}.txt")
    solution = solve(instance, time_limit=2.0, seed=0)
    assert solution.plan["strategy"] == "auto"
    assert solution.valid
    assert -solution.plan["metrics"]["pairs"] == pytest.approx(PROVEN[name], abs=1e-3)


def test_cli_detects_an_mdgplib_file_and_writes_a_verified_plan(tmp_path):
    out = tmp_path / "plan"
    runner = CliRunner()
    result = runner.invoke(
        main,
        [str(DATA / "RanReal_n010_ss_01.txt"), "--out", str(out), "--time-limit", "1", "--quiet"],
    )
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    instance = read_mdgplib(DATA / "RanReal_n010_ss_01.txt")
    assert plan["metrics"] == evaluate(instance, plan)
    assert plan["metrics"]["pairs"] < 0


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("3 1 ss 3 3 \n0 1 1.0\n0 2 2.0\n", "line 2"),  # a pair line missing
        ("3 1 ss 3 3 \n0 1 1.0\n0 2 2.0\n2 1 3.0\n", "line 4"),  # i > j
        ("3 1 ss 3 3 \n0 1 1.0\n0 2 x\n1 2 3.0\n", "line 2"),  # not a number
        ("3 2 ss 3 3 \n0 1 1.0\n0 2 2.0\n1 2 3.0\n", "line 1"),  # bounds for one group only
    ],
)
def test_malformed_files_are_refused_at_their_line(tmp_path, text, where):
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    assert is_mdgplib(path)
    with pytest.raises(InputError, match=where):
        read_mdgplib(path)


@settings(max_examples=50, deadline=None)
@given(
    bounds=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=4),
    people=st.integers(0, 14),
)
def test_starting_sizes_seat_the_most_pairs(bounds, people):
    low = np.array([min(a, b) for a, b in bounds])
    high = np.array([max(a, b) for a, b in bounds])
    feasible = [
        sizes
        for sizes in product(*(range(lo, hi + 1) for lo, hi in zip(low, high, strict=True)))
        if sum(sizes) == people
    ]
    if not feasible:
        return
    sizes = most_pairs_sizes(low, high, people)
    assert sizes.sum() == people and (low <= sizes).all() and (sizes <= high).all()
    assert sum(comb(int(s), 2) for s in sizes) == max(sum(comb(s, 2) for s in f) for f in feasible)
