"""Fuzzing the whole command line with hostile input (issue 13): instances and options a
careless or hostile user writes, spreadsheets, tampered plans for `verify`, and signals at
random moments. The property, every time: exit 0 with a plan the verifier accepts, or
exit 2/3/4 (130/143 for a signal) with a message and no file written or left; never a
traceback, never a live formula or an unescaped tag in any file, never a control
character from the input on the terminal. A run may take a minute at most (a generous
cap against hangs, not a timing target). Small days and one-second limits keep the whole
file within a minute or so of CI."""

from __future__ import annotations

import copy
import csv
import io
import json
import signal
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_hostile_output import interrupt, start, temporary_files

from allocator import examples
from allocator.cli import main
from allocator.evaluation import evaluate, objective_value, verify
from allocator.io.terminal import neutral
from allocator.model.validate import parse_instance

Json = dict[str, Any]
FUZZ = settings(
    deadline=60_000,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TAG = "<script>alert(1)</script>"
FORMULA_STARTS = ("=", "+", "-", "@")

texts = st.one_of(
    st.text(max_size=12),
    st.text(st.characters(codec="utf-8"), max_size=8),
    st.sampled_from(
        [
            "\x1b[2J\x1b]0;owned\x07",
            "line\nforged: VALID",
            "\u202ereversed",
            "\ud800 lone",
            TAG,
            '=HYPERLINK("http://x","y")',
            "\x0b=cmd|' /C calc'!A0",
            " @SUM(A1)",
            "x" * 10_001,
            "",
        ]
    ),
)
numbers = st.one_of(
    st.integers(-3, 12),
    st.sampled_from([0, -1, 10**9, 10**9 + 1, 10**30, 2**63, 2**64, -(2**31)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, 0.1234567, 1e-300]),
)


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


deep = st.integers(60, 300).map(_nested)  # the text-level tests go to 100,000 levels
plausible = st.one_of(st.integers(0, 4), st.sampled_from(["A", "user", "r1", "p1", None]))
values = st.one_of(
    plausible,
    plausible,
    texts,
    numbers,
    st.none(),
    st.booleans(),
    deep,
    st.lists(st.one_of(texts, numbers), max_size=4),
    st.dictionaries(texts, st.one_of(texts, numbers), max_size=3),
)

PATHS: list[tuple[Any, ...]] = [
    ("name",),
    ("participants", 0, "id"),
    ("participants", 1, "name"),
    ("participants", 2, "organisation"),
    ("participants", 3, "role"),
    ("participants", 4, "attributes", "level"),
    ("participants", 5, "rounds"),
    ("rounds", 0, "groups"),
    ("rounds", 0, "min_size"),
    ("rounds", 0, "max_size"),
    ("rounds", 1, "max_per_organisation"),
    ("rounds", 1, "same_groups_as"),
    ("rounds", 1, "merge_of"),
    ("constraints", "max_per_organisation"),
    ("constraints", "max_meetings"),
    ("constraints", "apart"),
    ("constraints", "together"),
    ("constraints", "role_ratio"),
    ("constraints", "fixed"),
    ("objective", 0, "weight"),
    ("objective", 1, "attribute"),
    ("objective", 1, "term"),
    ("objective",),
    ("surplus",),
]


def base_day() -> Json:
    """Twelve people of four organisations, two rounds of three groups."""
    people = [
        {
            "id": f"p{k}",
            "name": f"Person {k}",
            "organisation": "ABCD"[k % 4],
            "role": ("worker", "user")[k % 2],
            "attributes": {"level": k % 3},
        }
        for k in range(12)
    ]
    return {
        "name": "fuzzed day",
        "participants": people,
        "rounds": [{"id": "r1", "groups": 3}, {"id": "r2", "groups": 3}],
        "constraints": {"max_per_organisation": 2},
        "objective": [
            {"term": "same_organisation", "weight": 10},
            {"term": "imbalance", "attribute": "role", "weight": 1},
        ],
    }


def mutated(day: Json, changes: list[tuple[tuple[Any, ...], Any, bool]]) -> Json:
    """Each change sets (or deletes) the value at a path, creating what is missing."""
    for path, value, delete in changes:
        target: Any = day
        for key in path[:-1]:
            if isinstance(target, dict):
                target = target.setdefault(key, {})
            elif isinstance(target, list) and isinstance(key, int) and key < len(target):
                target = target[key]
            else:
                break
        else:
            last = path[-1]
            if isinstance(target, dict) and delete:
                target.pop(last, None)
            elif isinstance(target, dict) or (
                isinstance(target, list) and isinstance(last, int) and last < len(target)
            ):
                target[last] = value
    return day


changes = st.lists(st.tuples(st.sampled_from(PATHS), values, st.booleans()), min_size=1, max_size=3)
options = st.fixed_dictionaries(
    {
        "--strategy": st.sampled_from(["random", "local", "local", "auto"]),
        "--time-limit": st.sampled_from(["1", "1", "1", "0.5", "nan", "inf", "-1"]),
        "--seed": st.sampled_from(["0", "0", "7", "7", "-1", str(2**31), str(2**64)]),
    }
)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_the_property(result: Result, root: Path, out: Path, instance: Any) -> None:
    event(f"exit {result.exit_code}")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 2, 3, 4), result.output
    assert all(neutral(line) == line for line in result.output.splitlines()), result.output
    assert temporary_files(root) == []
    if result.exit_code != 0:
        assert result.output.strip()
        assert not out.exists(), sorted(out.iterdir())
        return
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert verify(instance, plan) == []
    assert_safe_files(out)


def assert_safe_files(out: Path) -> None:
    """No cell a spreadsheet would run, no tag from the input in the page."""
    for table in out.glob("*.csv"):
        rows = csv.reader(io.StringIO(table.read_text(encoding="utf-8"), newline=""))
        cells = [cell.lstrip(" \t\r\n\x0b\x0c") for row in rows for cell in row]
        assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)], table
    assert TAG not in (out / "plan.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(out / "plan.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in archive.read(n) for n in sheets)
    book = openpyxl.load_workbook(out / "plan.xlsx")
    assert all(cell.data_type != "f" for sheet in book for row in sheet.iter_rows() for cell in row)


@settings(FUZZ, max_examples=100)
@given(changes=changes, chosen=options)
def test_hostile_instances_and_options(changes, chosen):
    day = mutated(base_day(), changes)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / "day.json"
        path.write_text(json.dumps(day), encoding="utf-8")
        out = root / "out"
        flags = [item for pair in chosen.items() for item in pair]
        result = invoke(str(path), "--out", str(out), "--quiet", *flags)
        instance = parse_instance(day) if result.exit_code == 0 else None
        assert_the_property(result, root, out, instance)


text_changes = st.sampled_from(
    [
        lambda text: text[:-1] + ', "constraints": {}}',
        lambda text: text[: len(text) // 2],
        lambda text: "\ufeff" + text,
        lambda text: text.replace('"p3"', '"p3", "name": "twice"', 1),
        lambda text: text.replace("3", "3" * 400, 1),
        lambda text: text + "\x00",
    ]
)


@settings(FUZZ, max_examples=12)
@given(change=text_changes)
def test_hostile_json_text(change):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        text = change(json.dumps(base_day()))
        (root / "day.json").write_text(text, encoding="utf-8")
        out = root / "out"
        result = invoke(
            str(root / "day.json"), "--out", str(out), "--quiet", "--strategy", "random"
        )
        instance = (
            parse_instance(json.loads(text.lstrip("\ufeff"))) if result.exit_code == 0 else None
        )
        assert_the_property(result, root, out, instance)


cells = st.one_of(
    st.sampled_from(["Anne", "B", "CPAS", "AMO", "Zoé"]),
    st.sampled_from(["Anne", "B", "CPAS", "AMO", "Zoé"]),
    texts,
    st.sampled_from(['"', 'a"b', '"unclosed', ";", ",", "\r\n", "sep=;"]),
)
sheets = st.lists(st.lists(cells, min_size=1, max_size=5), min_size=1, max_size=10)


@settings(FUZZ, max_examples=50)
@given(
    header=st.sampled_from([["Nom", "Structure"], ["Name", "Company", "Service"], ["id", "Nom"]]),
    rows=sheets,
    raw=st.booleans(),
    extra=st.sampled_from(["", '\n"open', "\nA,B,C,D,E,F"]),
)
def test_hostile_spreadsheets(header, rows, raw, extra):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, *rows])
        text = (
            ",".join(header) + "\n" + "\n".join(",".join(r) for r in rows)
            if raw
            else buffer.getvalue()
        ) + extra
        sheet = root / "people.csv"
        sheet.write_text(text, encoding="utf-8", errors="surrogatepass")
        out = root / "out"
        result = invoke(
            str(sheet),
            "--groups",
            "2",
            "--rounds",
            "2",
            "--out",
            str(out),
            "--quiet",
            "--strategy",
            "random",
        )
        instance = None
        if result.exit_code == 0:
            instance = parse_instance(
                json.loads((out / "instance.json").read_text(encoding="utf-8"))
            )
        assert_the_property(result, root, out, instance)


_SOLVED: dict[str, Any] = {}


def solved_day() -> tuple[Json, Json]:
    """A valid plan of the base day, solved once."""
    if not _SOLVED:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "day.json"
            path.write_text(json.dumps(base_day()), encoding="utf-8")
            result = invoke(str(path), "--out", f"{folder}/out", "--quiet", "--time-limit", "2")
            assert result.exit_code == 0, result.output
            _SOLVED["plan"] = json.loads(
                Path(f"{folder}/out/plan.json").read_text(encoding="utf-8")
            )
    return base_day(), copy.deepcopy(_SOLVED["plan"])


PLAN_PATHS: list[tuple[Any, ...]] = [
    ("metrics",),
    ("metrics", "same_organisation"),
    ("objective",),
    ("bound",),
    ("status",),
    ("seconds",),
    ("metric_bounds", "same_organisation"),
    ("rounds",),
    ("rounds", 0, "id"),
    ("rounds", 0, "groups"),
    ("rounds", 0, "groups", 0, "id"),
    ("rounds", 0, "groups", 0, "members"),
    ("rounds", 0, "groups", 0, "members", 0),
    ("rounds", 1, "groups", 2, "duties"),
    ("rounds", 1, "groups", 1, "visitor"),
]


@settings(FUZZ, max_examples=60)
@given(
    changes=st.lists(
        st.tuples(st.sampled_from(PLAN_PATHS), values, st.booleans()), min_size=1, max_size=3
    )
)
def test_tampered_plans_for_verify(changes):
    day, plan = solved_day()
    tampered = mutated(plan, changes)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "day.json").write_text(json.dumps(day), encoding="utf-8")
        (root / "plan.json").write_text(json.dumps(tampered), encoding="utf-8")
        result = invoke("verify", str(root / "day.json"), str(root / "plan.json"))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    event(f"exit {result.exit_code}")
    assert result.exit_code in (0, 1, 2), result.output
    assert all(neutral(line) == line for line in result.output.splitlines())
    if result.exit_code == 0:  # VALID: every claim the plan makes is the recount
        instance = parse_instance(day)
        truth = evaluate(instance, tampered)
        if isinstance(tampered.get("objective"), int | float):
            assert abs(tampered["objective"] - objective_value(instance, truth)) < 1e-6
        if isinstance(tampered.get("metrics"), dict):
            assert tampered["metrics"] == truth


@settings(FUZZ, max_examples=4)
@given(
    number=st.sampled_from([signal.SIGINT, signal.SIGTERM]),
    after=st.floats(0.0, 3.0),
    strategy=st.sampled_from(["auto", "cpsat", "local"]),
)
def test_signals_at_random_moments(number, after, strategy):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "day.json").write_text(json.dumps(examples.world_cafe(seed=3)), encoding="utf-8")
        out = root / "out"
        process = start(
            [str(root / "day.json"), "--out", str(out), "--strategy", strategy, "--time-limit", "3"]
        )
        code, err, _ = interrupt(process, number, after)
        event(f"exit {code}")
        assert "Traceback" not in err
        assert temporary_files(root) == []
        if code == 0:  # it finished first
            plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
            assert verify(parse_instance(examples.world_cafe(seed=3)), plan) == []
        else:
            assert code == 128 + number, err
            assert "nothing was written" in err and not out.exists()
