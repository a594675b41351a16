"""The package as other apps use it: what it exports, what it ships, and the README's
library example, run as written."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import re
from pathlib import Path

import pytest

import allocator

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_library_example() -> str:
    section = README.read_text(encoding="utf-8").split("## As a library", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S)[1]


def test_everything_exported_is_there():
    missing = [name for name in allocator.__all__ if not hasattr(allocator, name)]
    assert missing == []
    assert issubclass(allocator.InputError, allocator.AllocatorError)
    assert issubclass(allocator.InfeasibleError, allocator.AllocatorError)
    assert issubclass(allocator.NoPlanError, allocator.AllocatorError)


def test_the_version_is_the_installed_one():
    assert allocator.__version__ == importlib.metadata.version("allocator")


@pytest.mark.parametrize("name", ["py.typed", "FORMAT.md"])
def test_the_package_ships(name):
    assert (importlib.resources.files("allocator") / name).is_file()


def test_the_readme_library_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(compile(readme_library_example(), str(README), "exec"), {"__name__": "readme"})
    said = capsys.readouterr().out
    plan = json.loads((tmp_path / "networking-plan" / "plan.json").read_text(encoding="utf-8"))
    assert plan["repair"]["seats_compared"] == plan["repair"]["seats_kept"] == 69
    assert re.search(r"objective \d", said)  # the progress callback was heard
    assert "Repair(seats_compared=69, seats_kept=69)" in said
    assert "organisation_cap r {'members': 4, 'groups': 3, 'cap': 1, 'seatable': 3}" in said
    stopped = float(re.search(r"stopped after ([\d.]+) s", said)[1])
    assert stopped < 10  # of a 60 s limit
