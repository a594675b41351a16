"""Day-of repair: after cancellations and walk-ins, keep as many seats as the rules allow."""

from __future__ import annotations

import copy
import json

from click.testing import CliRunner

from allocator.cli import main
from allocator.examples import world_cafe


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_world_cafe_repair_keeps_nine_seats_in_ten(tmp_path):
    """48 people, three rotations; two cancel and one walks in on the day."""
    data = world_cafe(seed=4)
    (tmp_path / "day.json").write_text(json.dumps(data), encoding="utf-8")
    assert (
        _run(
            str(tmp_path / "day.json"),
            "--out",
            str(tmp_path / "before"),
            "--time-limit",
            "5",
            "--quiet",
        ).exit_code
        == 0
    )

    changed = copy.deepcopy(data)
    gone = {changed["participants"][5]["id"], changed["participants"][30]["id"]}
    changed["participants"] = [p for p in changed["participants"] if p["id"] not in gone]
    changed["participants"].append(
        {
            "id": "walk-in",
            "name": "Walk In",
            "organisation": changed["participants"][0]["organisation"],
        }
    )
    (tmp_path / "changed.json").write_text(json.dumps(changed), encoding="utf-8")
    result = _run(
        str(tmp_path / "changed.json"),
        "--from",
        str(tmp_path / "before" / "plan.json"),
        "--out",
        str(tmp_path / "after"),
        "--time-limit",
        "10",
        "--quiet",
    )
    assert result.exit_code == 0, result.output

    before = json.loads((tmp_path / "before" / "plan.json").read_text(encoding="utf-8"))
    after = json.loads((tmp_path / "after" / "plan.json").read_text(encoding="utf-8"))
    seats = {
        (pid, rnd["id"]): group["id"]
        for rnd in before["rounds"]
        for group in rnd["groups"]
        for pid in group["members"]
    }
    remaining = {key: g for key, g in seats.items() if key[0] not in gone}
    kept = sum(
        remaining.get((pid, rnd["id"])) == group["id"]
        for rnd in after["rounds"]
        for group in rnd["groups"]
        for pid in group["members"]
    )
    assert kept >= 0.9 * len(remaining)
    assert after["repair"] == {"seats_compared": len(remaining), "seats_kept": kept}
    verified = _run("verify", str(tmp_path / "changed.json"), str(tmp_path / "after" / "plan.json"))
    assert verified.exit_code == 0, verified.output


def test_repair_refuses_a_file_that_is_not_a_plan(tmp_path):
    (tmp_path / "day.json").write_text(
        json.dumps(world_cafe(seed=1, people=16, tables=4)), encoding="utf-8"
    )
    (tmp_path / "old.json").write_text("[1, 2]", encoding="utf-8")
    result = _run(
        str(tmp_path / "day.json"),
        "--from",
        str(tmp_path / "old.json"),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 2
    assert "not a plan" in result.output
    assert not (tmp_path / "out").exists()


MALFORMED = {
    "rounds of numbers": {"rounds": [1, 2]},
    "groups as text": {"rounds": [{"id": "round1", "groups": "a b"}]},
    "members as a list of lists": {
        "rounds": [{"id": "round1", "groups": [{"id": "round1-1", "members": [["p1"]]}]}]
    },
    "a round twice": {"rounds": [{"id": "round1", "groups": []}, {"id": "round1", "groups": []}]},
    "someone in two groups": {
        "rounds": [
            {
                "id": "round1",
                "groups": [
                    {"id": "round1-1", "members": ["p1"]},
                    {"id": "round1-2", "members": ["p1"]},
                ],
            }
        ]
    },
}


def _cafe_and_plan(tmp_path, earlier: object) -> tuple[str, str]:
    day = tmp_path / "day.json"
    day.write_text(json.dumps(world_cafe(seed=1, people=16, tables=4)), encoding="utf-8")
    old = tmp_path / "old.json"
    old.write_text(json.dumps(earlier), encoding="utf-8")
    return str(day), str(old)


def test_a_malformed_earlier_plan_is_refused_with_where(tmp_path):
    for name, earlier in MALFORMED.items():
        day, old = _cafe_and_plan(tmp_path, earlier)
        result = CliRunner().invoke(main, [day, "--from", old, "--out", str(tmp_path / "out")])
        assert result.exit_code == 2, (name, result.output, result.exception)
        assert "earlier plan:" in result.output and "Traceback" not in result.output, name
        assert not (tmp_path / "out").exists()


def test_the_plan_of_another_day_is_refused_with_why(tmp_path):
    other = {"rounds": [{"id": "morning", "groups": [{"id": "t1", "members": ["zoe", "yan"]}]}]}
    day, old = _cafe_and_plan(tmp_path, other)
    result = CliRunner().invoke(main, [day, "--from", old, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "shares no seat with this instance: 0 of its 2 participants, 0 of its 1 rounds" in (
        result.output
    )


def test_the_summary_reports_the_seats_kept(tmp_path):
    data = world_cafe(seed=1, people=16, tables=4)
    (tmp_path / "day.json").write_text(json.dumps(data), encoding="utf-8")
    first = _run(str(tmp_path / "day.json"), "--out", str(tmp_path / "a"), "--time-limit", "3")
    assert first.exit_code == 0
    again = _run(
        str(tmp_path / "day.json"),
        "--from",
        str(tmp_path / "a" / "plan.json"),
        "--out",
        str(tmp_path / "b"),
        "--time-limit",
        "3",
    )
    assert again.exit_code == 0, again.output
    plan = json.loads((tmp_path / "b" / "plan.json").read_text(encoding="utf-8"))
    kept, compared = plan["repair"]["seats_kept"], plan["repair"]["seats_compared"]
    assert f"repair: {kept} of the {compared} seats of the earlier plan kept" in again.stderr
