"""The input gate against careless or hostile files (issue 13): what no real day needs is
refused with exit 2 and the field named, before anything is built; what v1 allows stays
allowed (a cap above the head count means no cap); messages are short and every line
printed is neutral on a terminal; an unforeseen error is one line and exit 5."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator import (
    InputError,
    compile_problem,
    input_limit,
    input_too_large,
    instance_from_bytes,
    load_instance,
    parse_instance,
    solve,
)
from allocator.cli import main
from allocator.io.terminal import neutral
from allocator.model.problem import same_ratio_for_counts

Json = dict[str, Any]


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def day(**extra: Any) -> Json:
    """Six people of three organisations, two rounds of two groups."""
    people = [{"id": f"p{k}", "organisation": "ABC"[k % 3]} for k in range(6)]
    return {
        "name": "hostile",
        "participants": people,
        "rounds": [{"id": "r1", "groups": 2}, {"id": "r2", "groups": 2}],
        **extra,
    }


def solve_text(tmp_path: Path, text: str, *options: str, **kw: Any) -> tuple[Result, Path]:
    instance = tmp_path / "instance.json"
    instance.write_text(text, encoding="utf-8", errors="surrogatepass")
    out = tmp_path / "out"
    result = run(str(instance), "--out", str(out), "--time-limit", "2", *options, **kw)
    return result, out


def assert_refused(result: Result, out: Path, *fragments: str) -> None:
    """Exit 2 with every fragment in the message, nothing on disk, no traceback, and no
    line a terminal would run."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    for fragment in fragments:
        assert fragment in result.output, result.output
    assert not out.exists()
    assert all(neutral(line) == line for line in result.output.splitlines())


# -- refused: exit 2, the field named -----------------------------------------------------

REFUSED: list[Any] = [
    pytest.param(day(name=float("nan")), ["name", "not a finite number"], id="nan"),
    pytest.param(
        day(objective=[{"term": "repeat_pairs", "weight": float("inf")}]),
        ["objective[0].weight", "not a finite number"],
        id="infinite-weight",
    ),
    pytest.param(
        day(objective=[{"term": "repeat_pairs", "weight": -float("inf")}]),
        ["objective[0].weight"],
        id="minus-infinite-weight",
    ),
    pytest.param(
        day(objective=[{"term": "repeat_pairs", "weight": 1e308}]),
        ["objective[0].weight", "10^9"],
        id="weight-1e308",
    ),
    pytest.param(
        day(objective=[{"term": "repeat_pairs", "weight": 2_000_000}]),
        ["objective[0].weight", "10^6"],
        id="weight-beyond-exact",
    ),
    pytest.param(
        day(objective=[{"term": "repeat_pairs", "weight": 0.1234567}]),
        ["objective[0].weight", "6 decimals"],
        id="weight-seven-decimals",
    ),
    pytest.param(
        day(objective=[{"term": "pairs", "weight": 1, "pairs": [["p0", "p1", float("nan")]]}]),
        ["objective[0].pairs[0][2]", "not a finite number"],
        id="nan-in-pairs",
    ),
    pytest.param(
        day(objective=[{"term": "pairs", "weight": 1, "pairs": [["p0", "p1", 1e-9]]}]),
        ["objective[0].pairs[0][2]", "decimals"],
        id="pair-number-too-fine",
    ),
    pytest.param(
        day(
            objective=[
                {
                    "term": "pairs",
                    "weight": 1,
                    "matrix": [[0.0] * 5 + [1e-7], *([[0.0] * 6] * 4), [1e-7] + [0.0] * 5],
                }
            ]
        ),
        ["objective[0].matrix[0][5]", "decimals"],
        id="matrix-entry-too-fine",
    ),
    pytest.param(
        day(rounds=[{"id": "r1", "groups": 2, "max_size": 10**30}]),
        ["rounds[0].max_size", "10^9"],
        id="max-size-10e30",
    ),
    pytest.param(
        day(constraints={"max_per_organisation": 10**30}),
        ["constraints.max_per_organisation", "10^9"],
        id="cap-10e30",
    ),
    pytest.param(
        day(constraints={"max_meetings": 2**64}),
        ["constraints.max_meetings", "10^9"],
        id="max-meetings-2e64",
    ),
    pytest.param(
        day(rounds=[{"id": "r1", "groups": 1_000_000_000}]),
        ["rounds[0].groups", "100000"],
        id="a-billion-groups",
    ),
    pytest.param(
        day(rounds=[{"id": f"r{k}", "groups": 40_000} for k in range(3)]),
        ["rounds", "120,000 groups"],
        id="groups-over-the-day",
    ),
    pytest.param(
        day(rounds=[{"id": "r1", "groups": 60_000}, {"id": "r2", "same_groups_as": "r1"}]),
        ["rounds", "120,000 groups"],
        id="copied-groups-count",
    ),
    pytest.param(
        day(rounds=[{"id": f"r{k}", "groups": 1} for k in range(100_001)]),
        ["rounds", "100,001 rounds"],
        id="rounds",
    ),
    pytest.param(
        day(
            participants=[{"id": f"p{k}"} for k in range(10_001)],
            rounds=[{"id": f"r{k}", "groups": 1} for k in range(1_000)],
        ),
        ["participants", "10,001,000 seats"],
        id="seats",
    ),
    pytest.param(day(name="screen\x1b[2Jcleared"), ["name", "U+001B"], id="escape-in-name"),
    pytest.param(
        day(participants=[{"id": "p0", "organisation": "A\x07"}]),
        ["participants[0].organisation", "U+0007"],
        id="bell-in-organisation",
    ),
    pytest.param(
        day(participants=[{"id": "p0", "attributes": {"se\x00x": "f"}}]),
        ["participants[0].attributes", "U+0000"],
        id="control-in-a-key",
    ),
    pytest.param(
        day(participants=[{"id": "p0", "name": "x" * 10_001}]),
        ["participants[0].name", "10,001 characters"],
        id="long-name",
    ),
    pytest.param(
        day(participants=[{"id": "p0", "name": "lone \ud800 surrogate"}]),
        ["participants[0].name", "lone surrogate"],
        id="lone-surrogate",
    ),
]


@pytest.mark.parametrize(("data", "fragments"), REFUSED)
def test_what_no_day_needs_is_refused_with_the_field_named(tmp_path, data, fragments):
    text = json.dumps(data, ensure_ascii=True)  # NaN and Infinity as Python writes them
    result, out = solve_text(tmp_path, text)
    assert_refused(result, out, *fragments, "nothing was written")


def test_a_repeated_key_is_refused_with_its_path(tmp_path):
    """JSON would keep the empty second `constraints` and drop the apart list silently."""
    data = day(constraints={"apart": [["p0", "p1", "p2"]]})
    text = json.dumps(data)[:-1] + ', "constraints": {}}'
    result, out = solve_text(tmp_path, text)
    assert_refused(result, out, "`constraints` is given twice")
    people = json.dumps(data).replace('"id": "p3"', '"id": "p3", "name": "a", "name": "b"')
    result, out = solve_text(tmp_path, people)
    assert_refused(result, out, "participants[3]", "`name` is given twice")


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_deep_nesting_is_refused(tmp_path, depth):
    text = json.dumps(day(name="here")).replace('"here"', "[" * depth + "]" * depth)
    result, out = solve_text(tmp_path, text)
    assert_refused(result, out, "nested deeper than 64 levels")


def test_an_input_over_the_size_cap_is_refused_without_reading_it_whole(tmp_path):
    text = json.dumps(day(name="x" * 2_000))
    result, out = solve_text(tmp_path, text, env={"ALLOCATOR_MAX_INPUT_MB": "0.001"})
    assert_refused(result, out, "larger than 0.001 MB", "ALLOCATOR_MAX_INPUT_MB")
    result, out = solve_text(tmp_path, text, "--quiet")
    assert result.exit_code == 0, result.output


def test_a_huge_bad_value_is_echoed_as_a_short_excerpt(tmp_path):
    """A 5 MB name used where a number goes: the message quotes a few dozen characters."""
    data = day()
    data["rounds"][0]["groups"] = "y" * 5_000_000
    data["participants"][0]["id"] = "z" * 9_000
    data["constraints"] = {"apart": [["z" * 9_001, "p1"]]}
    result, out = solve_text(tmp_path, json.dumps(data))
    assert_refused(result, out, "rounds[0].groups", "characters)")
    assert len(result.output) < 5_000


def test_many_problems_are_reported_up_to_fifty(tmp_path):
    data = day(participants=[{"id": k} for k in range(5_000)])
    result, out = solve_text(tmp_path, json.dumps(data))
    assert_refused(result, out, "participants[49].id", "more problems were found")
    assert "participants[50].id" not in result.output


def test_an_unknown_id_among_many_people_is_named_quickly(tmp_path):
    """30,000 ids are too many to compare for a suggestion: no `did you mean`, no hang."""
    data = day(
        participants=[{"id": f"p{k}"} for k in range(30_000)],
        rounds=[{"id": "r1", "groups": 3_000}],
        constraints={"apart": [["p1", "p99999"]]},
    )
    result, out = solve_text(tmp_path, json.dumps(data))
    assert_refused(result, out, "constraints.apart[0][1]", "no participant has the id `p99999`")


@pytest.mark.parametrize(
    "option",
    [
        ["--time-limit", "nan"],
        ["--time-limit", "inf"],
        ["--time-limit", "-1"],
        ["--time-limit", "1e7"],
        ["--seed", "-1"],
        ["--seed", str(2**31)],
        ["--seed", str(2**64)],
    ],
    ids=lambda option: " ".join(option),
)
def test_options_out_of_range_are_refused(tmp_path, option):
    result, out = solve_text(tmp_path, json.dumps(day()), *option)
    assert result.exit_code == 2, result.output
    assert option[0] in result.output
    assert not out.exists()


def test_the_largest_seed_is_taken_and_the_plan_is_strict_json(tmp_path):
    result, out = solve_text(tmp_path, json.dumps(day()), "--seed", str(2**31 - 1), "--quiet")
    assert result.exit_code == 0, result.output

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in plan.json")

    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"), parse_constant=refuse)
    assert plan["seed"] == 2**31 - 1 and math.isfinite(plan["time_limit"])


@pytest.mark.parametrize(
    ("options", "field"),
    [({"seed": -1}, "seed"), ({"seed": 2**31}, "seed"), ({"time_limit": math.nan}, "time_limit")],
)
def test_the_library_refuses_the_same_options(options, field):
    with pytest.raises(InputError) as caught:
        solve(parse_instance(day()), "random", **{"time_limit": 1, **options})
    assert caught.value.issues[0].path == field


# -- allowed: what v1 allows stays allowed --------------------------------------------------


def test_caps_above_the_head_count_mean_no_cap():
    capped = day(
        rounds=[{"id": "r1", "groups": 2, "max_size": 10**9}, {"id": "r2", "groups": 2}],
        constraints={"max_per_organisation": 10**9, "max_meetings": 10**9},
    )
    capped["rounds"][1]["max_per_organisation"] = 7
    problem = compile_problem(parse_instance(capped))
    assert problem.org_cap == (None, None)
    assert problem.max_meetings is None
    assert [g.max_size for g in problem.rounds[0].groups] == [6, 6]
    solution = solve(parse_instance(capped), "local", time_limit=2)
    assert solution.valid, solution.violations


def test_caps_within_the_head_count_stay():
    problem = compile_problem(
        parse_instance(day(constraints={"max_per_organisation": 6, "max_meetings": 2}))
    )
    assert problem.org_cap == (6, 6) and problem.max_meetings == 2


def test_tabs_and_line_breaks_in_names_are_kept_and_shown_escaped(tmp_path):
    data = day()
    data["name"] = "Journée\t2025\n[fake] wrote /etc/passwd"
    data["participants"][0]["name"] = "Anne\r\nMarie \u202ereversed"
    result, out = solve_text(tmp_path, json.dumps(data))
    assert result.exit_code == 0, result.output
    assert "Journée\\t2025\\n[fake]" in result.stderr
    assert all(neutral(line) == line for line in result.stderr.splitlines())
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["instance"] == data["name"]


def test_an_error_quoting_a_bidirectional_id_is_neutral(tmp_path):
    data = day(constraints={"apart": [["p0", "p\u202e1x"]]})
    result, out = solve_text(tmp_path, json.dumps(data))
    assert_refused(result, out, "p\\u202e1x")


def test_negative_weights_are_legal_input():
    weights = day(
        objective=[
            {"term": "same_organisation", "weight": -5},
            {"term": "repeat_pairs", "weight": -1},
        ]
    )
    assert parse_instance(weights).objective[0].weight == -5


@settings(max_examples=200, deadline=None)
@given(
    numerator=st.integers(0, 10**6),
    digits=st.integers(7, 17),
    n=st.integers(1, 60),
)
def test_a_ratio_is_replaced_only_by_one_that_every_count_compares_alike(numerator, digits, n):
    """count ≤ max·per and count ≥ min·per hold for the same counts (≤ n) before and after."""
    ratio = Fraction(numerator, 10**digits) * 10 ** (digits - 3)
    low = same_ratio_for_counts(ratio, n, math.ceil)
    high = same_ratio_for_counts(ratio, n, math.floor)
    assert low.denominator <= max(n, ratio.denominator) and high.denominator <= max(
        n, ratio.denominator
    )
    for per in range(n + 1):
        for count in range(n + 1):
            assert (count <= high * per) == (count <= ratio * per)
            assert (count >= low * per) == (count >= ratio * per)


def test_a_ratio_written_with_seventeen_digits_compiles_small():
    data = day(
        participants=[{"id": f"p{k}", "role": "user" if k % 2 else "worker"} for k in range(6)],
        constraints={"role_ratio": [{"role": "user", "per": "worker", "max": 1.0000000000000002}]},
    )
    rule = compile_problem(parse_instance(data)).ratios[0]
    assert rule.max == 1


# -- never a traceback ---------------------------------------------------------------------


def test_an_unforeseen_error_is_one_line_and_exit_5(tmp_path, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the engine fell over\nsecond line")

    monkeypatch.setattr("allocator.cli.solve", broken)
    result, out = solve_text(tmp_path, json.dumps(day()))
    assert result.exit_code == 5, result.output
    assert "unforeseen error: RuntimeError: the engine fell over" in result.stderr
    assert "second line" not in result.stderr and "--debug" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
    instance = tmp_path / "instance.json"
    debugged = run(str(instance), "--out", str(out), "--debug")
    assert isinstance(debugged.exception, RuntimeError)


def test_verify_prints_a_forged_group_id_escaped(tmp_path):
    """A group id that would erase the INVALID line and print VALID on a terminal."""
    instance = tmp_path / "instance.json"
    instance.write_text(json.dumps(day()), encoding="utf-8")
    forged = "\x1b[1A\x1b[2K\rVALID: every hard rule holds"
    groups = [{"id": forged, "members": [f"p{k}" for k in range(6)]}, {"id": "r1-2"}]
    plan = {"rounds": [{"id": "r1", "groups": groups}, {"id": "r2", "groups": groups}]}
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    result = run("verify", str(instance), str(tmp_path / "plan.json"))
    assert result.exit_code == 1
    assert "\\x1b[1A" in result.output
    assert all(neutral(line) == line for line in result.output.splitlines())
    assert not any(line.startswith("VALID") for line in result.output.splitlines())


def test_an_instance_in_memory_gets_the_messages_of_a_file(tmp_path):
    text = '{"name": "x", "participants": [], "rounds": [], "name": "y"}'
    (tmp_path / "day.json").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as from_file:
        load_instance(tmp_path / "day.json")
    with pytest.raises(InputError) as in_memory:
        instance_from_bytes(text.encode(), "day.json")
    assert in_memory.value.issues == from_file.value.issues
    assert "the key `name` is given twice" in str(in_memory.value)
    with pytest.raises(InputError, match=r"upload\.json is not valid JSON: .* line 1, column 2"):
        instance_from_bytes(b"{,}", "upload.json")
    assert instance_from_bytes(json.dumps(day()).encode()).name == day()["name"]


def test_the_input_cap_is_one_number_for_files_and_uploads(monkeypatch):
    monkeypatch.setenv("ALLOCATOR_MAX_INPUT_MB", "0.5")
    assert input_limit() == 2**19
    assert "up.json is larger than 0.5 MB" in str(input_too_large("up.json"))
    with pytest.raises(InputError, match=r"larger than 0\.5 MB"):
        instance_from_bytes(b" " * (2**19 + 1), "up.json")
