"""`write_plan`: the command line's folder from the library, a plan breaking rules refused
unless asked, nothing written on a failure."""

from __future__ import annotations

import json

import pytest

from allocator import InputError, NoPlanError, parse_instance, plan_file_names, solve, write_plan

DAY = {
    "name": "small",
    "participants": [{"id": f"p{i}", "organisation": f"o{i % 3}"} for i in range(9)],
    "rounds": [{"id": "a", "groups": 3}, {"id": "b", "groups": 3}],
}


@pytest.fixture(scope="module")
def valid():
    return solve(parse_instance(DAY), "random")


@pytest.fixture(scope="module")
def invalid():
    data = {**DAY, "rounds": [{"id": "a", "groups": 1}], "constraints": {"apart": [["p0", "p1"]]}}
    return solve(parse_instance(data), "random")


def test_the_folder_is_the_command_lines(valid, tmp_path):
    written = write_plan(valid, str(tmp_path / "plan"), lang="fr")
    assert [p.name for p in written] == plan_file_names(valid.instance)
    assert json.loads((tmp_path / "plan" / "plan.json").read_text()) == valid.plan
    assert 'lang="fr"' in (tmp_path / "plan" / "plan.html").read_text()
    assert (tmp_path / "plan" / ".allocate-manifest.json").is_file()
    assert write_plan(valid, tmp_path / "plan") == written  # its own files, replaced


def test_a_plan_breaking_rules_is_written_only_when_asked(invalid, tmp_path):
    with pytest.raises(NoPlanError) as refused:
        write_plan(invalid, tmp_path / "plan")
    assert refused.value.reason == "invalid"
    assert [v.rule for v in refused.value.violations] == [v.rule for v in invalid.violations]
    assert not (tmp_path / "plan").exists()
    assert write_plan(invalid, tmp_path / "plan", allow_invalid=True)


def test_a_file_it_did_not_write_is_never_replaced(valid, tmp_path):
    (tmp_path / "plan.json").write_text("mine")
    with pytest.raises(InputError) as refused:
        write_plan(valid, tmp_path)
    assert refused.value.paths == ["directory"]
    assert (tmp_path / "plan.json").read_text() == "mine"


def test_an_unknown_language_writes_nothing(valid, tmp_path):
    with pytest.raises(InputError) as refused:
        write_plan(valid, tmp_path / "plan", lang="de")  # type: ignore[arg-type]
    assert refused.value.paths == ["lang"]
    assert not (tmp_path / "plan").exists()
