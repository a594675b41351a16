"""Negative weights are legal v1 input (issue 13): every strategy either handles them (a
plan whose objective takes the sign into account) or refuses with exit 4 and why; never a
traceback."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from allocator import examples
from allocator.cli import main
from allocator.evaluation import verify
from allocator.model.validate import parse_instance

CASES = [
    (term, strategy)
    for term in ("same_organisation", "repeat_pairs")
    for strategy in ("auto", "cpsat", "local", "hybrid")
]


@pytest.mark.parametrize(("term", "strategy"), CASES)
def test_a_negative_weight_is_handled_or_refused(tmp_path, term, strategy):
    """Weight -1: a plan seating colleagues or old acquaintances together is better, and
    such plans exist here (each round can repeat the last), so a plan that takes the sign
    into account scores below 0."""
    data = examples.world_cafe(seed=1, people=16, tables=4)
    data["objective"] = [{"term": term, "weight": -1}]
    (tmp_path / "day.json").write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out"
    args = [str(tmp_path / "day.json"), "--out", str(out), "--strategy", strategy]
    result = CliRunner().invoke(main, [*args, "--time-limit", "2", "--quiet"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 4), result.output
    if result.exit_code == 4:
        assert result.output.strip() and not out.exists()
        return
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert verify(parse_instance(data), plan) == []
    assert plan["objective"] < 0, plan["metrics"]
