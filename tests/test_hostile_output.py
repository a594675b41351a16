"""The output folder against careless use and interrupts (issue 13): `--out` is checked
before the solve; a run replaces only what an earlier run recorded in the folder's manifest
and removes that run's leftovers; writes are all or nothing and take the user's umask; and
SIGINT or SIGTERM, sent to a real `allocate` process, end it promptly with 130 or 143,
nothing written and no temporary file left."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from allocator import examples
from allocator.cli import main
from allocator.io import files
from allocator.io.files import MANIFEST

Json = dict[str, Any]
PLAN_FILES = ["groups.csv", "itinerary.csv", "plan.html", "plan.json", "plan.xlsx"]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def cafe(visitors: bool = False) -> Json:
    data = examples.world_cafe(seed=2, people=12, tables=3, rotations=2)
    if visitors:
        data["visitors"] = [{"id": "host"}]
        data["rounds"][0]["visitors"] = ["host"]
        data["constraints"] = {"visitor_meetings": "at_most_once"}
    return data


def write_json(path: Path, data: Json) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def solve_into(out: Path, instance: Path, *extra: str) -> Result:
    return run(str(instance), "--out", str(out), "--time-limit", "2", "--quiet", *extra)


def temporary_files(root: Path) -> list[Path]:
    return sorted(root.rglob(".*.tmp"))


# -- the folder is checked before the solve -----------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        lambda tmp: tmp / "a-file",
        lambda tmp: tmp / "a-file" / "below",
        lambda tmp: Path("/proc/allocator-out"),
    ],
    ids=["a-file", "under-a-file", "under-proc"],
)
def test_an_impossible_out_is_refused_before_solving(tmp_path, target):
    (tmp_path / "a-file").write_text("mine", encoding="utf-8")
    instance = write_json(tmp_path / "day.json", cafe())
    out = target(tmp_path)
    started = time.perf_counter()
    result = run(str(instance), "--out", str(out), "--time-limit", "60")
    assert result.exit_code == 2, result.output
    assert str(out) in result.output
    assert "cannot write" in result.output or "is a file" in result.output
    assert time.perf_counter() - started < 30  # refused before a 60 s solve
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "mine"
    assert temporary_files(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_folder_without_write_access_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = solve_into(locked / "plan", write_json(tmp_path / "day.json", cafe()))
    assert result.exit_code == 2 and "cannot write" in result.output


# -- the manifest -------------------------------------------------------------------------


def test_a_rerun_replaces_its_own_files_and_removes_its_leftovers(tmp_path):
    out = tmp_path / "plan"
    with_host = write_json(tmp_path / "hosted.json", cafe(visitors=True))
    assert solve_into(out, with_host).exit_code == 0
    assert (out / "visitors.csv").exists()
    (out / "notes.txt").write_text("the organiser's own notes", encoding="utf-8")
    plain = write_json(tmp_path / "plain.json", cafe())
    result = solve_into(out, plain)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST, "notes.txt", *PLAN_FILES])
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == PLAN_FILES


def test_an_instance_made_from_a_spreadsheet_goes_with_its_run_unless_it_is_the_input(tmp_path):
    sheet = tmp_path / "people.csv"
    with sheet.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(
            [["Nom", "Structure"], *([f"P{k}", "ABC"[k % 3]] for k in range(9))]
        )
    out = tmp_path / "plan"
    made = run(str(sheet), "--groups", "3", "--rounds", "2", "--out", str(out), "--quiet")
    assert made.exit_code == 0, made.output
    instance = out / "instance.json"
    before = instance.read_bytes()
    assert solve_into(out, instance).exit_code == 0  # its own input stays
    assert instance.read_bytes() == before
    assert solve_into(out, write_json(tmp_path / "other.json", cafe())).exit_code == 0
    assert instance.exists()  # no longer in the manifest: never the run's to remove


def test_a_file_the_run_did_not_write_is_never_replaced(tmp_path):
    out = tmp_path / "plan"
    out.mkdir()
    (out / "itinerary.csv").write_text("the organiser's own table", encoding="utf-8")
    result = solve_into(out, write_json(tmp_path / "day.json", cafe()))
    assert result.exit_code == 2, result.output
    assert "itinerary.csv" in result.output and "not written by an earlier run" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["itinerary.csv"]


def test_a_file_changed_since_the_run_wrote_it_is_kept(tmp_path):
    out, instance = tmp_path / "plan", write_json(tmp_path / "day.json", cafe())
    assert solve_into(out, instance).exit_code == 0
    (out / "plan.html").write_text("annotated by hand", encoding="utf-8")
    result = solve_into(out, instance)
    assert result.exit_code == 2 and "plan.html" in result.output
    assert (out / "plan.html").read_text(encoding="utf-8") == "annotated by hand"


def test_a_hostile_manifest_removes_nothing_outside_its_folder(tmp_path):
    out, instance = tmp_path / "plan", write_json(tmp_path / "day.json", cafe())
    assert solve_into(out, instance).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("x", encoding="utf-8")
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    digest = files._digest(b"x")
    manifest["files"].update({"../victim.txt": digest, str(victim): digest, "sub/x": digest})
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert solve_into(out, instance).exit_code == 0
    assert victim.exists()


# -- all or nothing, and the umask --------------------------------------------------------


def test_a_file_failing_to_render_writes_nothing(tmp_path, monkeypatch):
    out, instance = tmp_path / "plan", write_json(tmp_path / "day.json", cafe())
    assert solve_into(out, instance).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*args: Any) -> bytes:
        raise RuntimeError("the workbook cannot be made")

    monkeypatch.setattr("allocator.io.plan_folder.workbook_bytes", broken)
    result = solve_into(out, instance, "--seed", "5")
    assert result.exit_code == 5, result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert temporary_files(tmp_path) == []


def test_a_file_failing_to_write_leaves_the_others_and_no_temporary_file(tmp_path, monkeypatch):
    out, instance = tmp_path / "plan", write_json(tmp_path / "day.json", cafe())
    assert solve_into(out, instance).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    stage = files._stage

    def fail_on_the_workbook(directory: Path, name: str, data: bytes) -> Path:
        if name == "plan.xlsx":
            raise OSError(28, "No space left on device")
        return stage(directory, name, data)

    monkeypatch.setattr(files, "_stage", fail_on_the_workbook)
    result = solve_into(out, instance, "--seed", "5")
    assert result.exit_code == 5 and "No space left" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert temporary_files(tmp_path) == []


def test_a_new_folder_is_removed_when_the_write_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "_stage", lambda *args: (_ for _ in ()).throw(OSError("full")))
    out = tmp_path / "new" / "plan"
    result = solve_into(out, write_json(tmp_path / "day.json", cafe()))
    assert result.exit_code == 5
    assert not (tmp_path / "new").exists()


def test_files_take_the_umask(tmp_path):
    mask = os.umask(0o027)
    try:
        out = tmp_path / "plan"
        assert solve_into(out, write_json(tmp_path / "day.json", cafe())).exit_code == 0
    finally:
        os.umask(mask)
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()}
    assert set(modes.values()) == {0o640}, modes


# -- interrupts, on a real process ----------------------------------------------------------

SLOW_WRITER = (
    "import time, allocator.io.files as f\n"
    "stage = f._stage\n"
    "def slow(*args):\n"
    "    path = stage(*args)\n"
    "    time.sleep(0.4)\n"
    "    return path\n"
    "f._stage = slow\n"
)


def start(args: list[str], prelude: str = "") -> subprocess.Popen[bytes]:
    """`allocate ARGS` in a process of its own, once its handlers are installed."""
    code = prelude + "from allocator.cli import run\nrun()\n"
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None and not _guarded(process.pid):
        time.sleep(0.02)
    return process


def _guarded(pid: int) -> bool:
    """SIGTERM is caught (Python alone leaves it at its default)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = int(next(line for line in status.splitlines() if line.startswith("SigCgt:"))[7:], 16)
    return bool(caught >> (signal.SIGTERM - 1) & 1)


def interrupt(
    process: subprocess.Popen[bytes], number: int, after: float
) -> tuple[int, str, float]:
    """Send the signal `after` seconds on; the exit code, stderr, and seconds to stop."""
    time.sleep(after)
    sent = time.monotonic()
    if process.poll() is None:
        process.send_signal(number)
    _, err = process.communicate(timeout=120)
    return process.returncode, err.decode("utf-8", "replace"), time.monotonic() - sent


def assert_interrupted(code: int, err: str, number: int, root: Path, out: Path) -> None:
    assert code == 128 + number, err
    assert "interrupted" in err and "nothing was written" in err
    assert "Traceback" not in err
    assert not out.exists(), sorted(out.iterdir())
    assert temporary_files(root) == []


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_during_cp_sat_stops_the_run(tmp_path, number):
    """CP-SAT alone runs a Partner Day to its full limit; the interrupt is not swallowed."""
    instance = write_json(tmp_path / "partner.json", examples.partner_day(seed=1))
    out = tmp_path / "plan"
    process = start([str(instance), "--out", str(out), "--strategy", "cpsat", "--time-limit", "60"])
    code, err, stopped = interrupt(process, number, after=4)
    assert_interrupted(code, err, number, tmp_path, out)
    assert stopped < 15  # long before the 60 s limit (it takes about a second)


def test_an_interrupt_while_writing_leaves_no_file(tmp_path):
    instance = write_json(tmp_path / "day.json", cafe())
    out = tmp_path / "plan"
    process = start([str(instance), "--out", str(out), "--time-limit", "1"], SLOW_WRITER)
    deadline = time.monotonic() + 60
    while not temporary_files(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert temporary_files(tmp_path), "the writer never started"
    code, err, _ = interrupt(process, signal.SIGTERM, after=0.1)
    assert_interrupted(code, err, signal.SIGTERM, tmp_path, out)


def test_an_interrupt_once_the_files_are_in_place_changes_nothing(tmp_path):
    """Past the commit the run ignores interrupts: Python restores the default handlers
    while it exits, where a late Ctrl-C would otherwise kill a finished run by signal."""
    instance = write_json(tmp_path / "day.json", cafe())
    out = tmp_path / "plan"
    report = (
        "import atexit, signal, sys\n"
        "atexit.register(lambda: print('ignored' if all(signal.getsignal(n) == signal.SIG_IGN"
        " for n in (signal.SIGINT, signal.SIGTERM)) else 'caught', file=sys.stderr))\n"
    )
    process = start([str(instance), "--out", str(out), "--time-limit", "1"], report)
    err = process.communicate(timeout=120)[1].decode()
    assert process.returncode == 0, err
    assert err.rstrip().endswith("ignored"), err
    assert (out / "plan.json").exists()
