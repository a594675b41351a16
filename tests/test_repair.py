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
