"""The compilation notice: `solve` hands `announce` to the strategy's preparation, before
its clock, and the command line shows the line where it shows progress (a terminal,
without --quiet)."""

from __future__ import annotations

import importlib
import json

import pytest
from click.testing import CliRunner

from allocator.cli import main
from allocator.strategies.random_draw import RandomDraw

NOTICE = "compiling the search kernels once, about 20 s"


class Compiling(RandomDraw):
    """The random draw, with a preparation that announces a compilation."""

    def prepare(self, problem, announce=None) -> None:
        if announce is not None:
            announce(NOTICE)


@pytest.fixture
def day(tmp_path, monkeypatch):
    monkeypatch.setattr(
        importlib.import_module("allocator.solve"), "STRATEGIES", {"random": Compiling}
    )
    path = tmp_path / "day.json"
    people = [{"id": f"p{i}"} for i in range(6)]
    path.write_text(
        json.dumps({"name": "d", "participants": people, "rounds": [{"id": "r", "groups": 2}]})
    )
    return path


@pytest.mark.parametrize(
    ("terminal", "quiet", "shown"),
    [(True, False, True), (True, True, False), (False, False, False)],
    ids=["terminal", "quiet", "not a terminal"],
)
def test_the_notice_shows_where_progress_does(day, tmp_path, monkeypatch, terminal, quiet, shown):
    monkeypatch.setattr("allocator.cli._on_terminal", lambda: terminal)
    args = [str(day), "--out", str(tmp_path / "out"), "--strategy", "random"]
    result = CliRunner().invoke(main, args + (["--quiet"] if quiet else []))
    assert result.exit_code == 0, result.output
    assert (NOTICE in result.output) == shown
