"""The benchmark's two outputs: a CSV with one row per run, for analysis, and a markdown
page with one table per instance and time limit, strategies side by side, for reading."""

from __future__ import annotations

import csv
import io
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ortools

from benchmarks.runner import Row

LEADING = [
    "instance", "n", "strategy", "seed", "time_limit", "status", "objective", "bound", "gap",
    "reference", "reference_gap",
]  # fmt: skip
TRAILING = [
    "violations", "seconds", "wall_seconds", "peak_mb", "engine", "construction", "error",
]  # fmt: skip


def gap(row: Row) -> float | None:
    """How far the plan may be from optimal, relative to its objective."""
    objective, bound = row.get("objective"), row.get("bound")
    if objective is None or bound is None:
        return None
    return (objective - bound) / max(1.0, abs(objective))


def reference_gap(row: Row) -> float | None:
    """How far the plan is from the best objective known, relative to that value."""
    objective, reference = row.get("objective"), row.get("reference")
    if objective is None or reference is None:
        return None
    return (objective - reference) / max(1.0, abs(reference))


def metric_names(rows: list[Row]) -> list[str]:
    """Every objective term met in any run, in order of first appearance."""
    return list(dict.fromkeys(key for row in rows for key in row.get("metrics", {})))


def csv_text(rows: list[Row]) -> str:
    """One row per run; each metric beside its counting bound (`<metric>_bound`)."""
    metrics = metric_names(rows)
    paired = [column for m in metrics for column in (m, f"{m}_bound")]
    columns = [*LEADING, *paired, *TRAILING]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        relative = gap(row)
        to_best = reference_gap(row)
        flat = {
            **row,
            "gap": None if relative is None else round(relative, 6),
            "reference_gap": None if to_best is None else round(to_best, 6),
        }
        for m in metrics:
            flat[m] = row.get("metrics", {}).get(m)
            flat[f"{m}_bound"] = row.get("metric_bounds", {}).get(m)
        writer.writerow(["" if flat.get(c) is None else flat[c] for c in columns])
    return buffer.getvalue()


def markdown(rows: list[Row], title: str, command: str, planned: int) -> str:
    """The page: how to regenerate it and where it ran, then a table per instance and limit."""
    lines = [
        f"# Benchmarks: {title}",
        "",
        f"Regenerate with `{command}` (from the repository root).",
        "",
        f"Machine: {machine()}. Runs: {len(rows)} of {planned}.",
        "",
        "Lower is better everywhere; the best valid objective is in bold, and a plan the verifier",
        "rejects is `invalid`. gap = (objective − bound) / max(1, |objective|); a metric's",
        "counting bound is in brackets; seconds = the strategy's own, wall = the whole child",
        "process (start-up, build, verification); peak MB = the child's peak resident memory.",
    ]
    if len({row["seed"] for row in rows}) > 1:
        lines += ["", *spread_table(rows)]
    for key in dict.fromkeys((row["instance"], row["time_limit"]) for row in rows):
        lines += ["", *instance_table([r for r in rows if (r["instance"], r["time_limit"]) == key])]
    return "\n".join(lines) + "\n"


def spread_table(rows: list[Row]) -> list[str]:
    """Per instance, limit and strategy, the best, mean and worst over the seeds: the gap to
    the best known where there is one, else the objective (valid plans only)."""
    lines = [
        "## Spread over seeds",
        "",
        "| instance | limit | strategy | runs | best | mean | worst |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    keys = dict.fromkeys((r["instance"], r["time_limit"], r["strategy"]) for r in rows)
    for instance, limit, strategy in keys:
        group = [
            r
            for r in rows
            if (r["instance"], r["time_limit"], r["strategy"]) == (instance, limit, strategy)
            and r.get("objective") is not None
            and not r.get("violations")
        ]
        to_best = [reference_gap(r) for r in group]
        if group and None not in to_best:
            values, show = sorted(to_best), _percent
        else:
            values, show = sorted(r["objective"] for r in group), _number
        cells = (
            [show(values[0]), show(sum(values) / len(values)), show(values[-1])]
            if values
            else ["", "", ""]
        )
        lines.append(
            f"| {instance} | {limit:g} s | {strategy} | {len(group)} | " + " | ".join(cells) + " |"
        )
    return lines


def instance_table(rows: list[Row]) -> list[str]:
    """Measures as rows, one column per strategy (and seed, when there are several)."""
    first = rows[0]
    several_seeds = len({row["seed"] for row in rows}) > 1
    headers = [f"{r['strategy']} s{r['seed']}" if several_seeds else r["strategy"] for r in rows]
    bounds = next((r["metric_bounds"] for r in rows if r.get("metric_bounds")), {})
    measures: list[tuple[str, list[str]]] = [
        ("status", ["invalid" if r.get("violations") else r["status"] for r in rows]),
        ("objective", _bold_best(rows)),
        ("bound", [_number(r.get("bound")) for r in rows]),
        ("gap", [_percent(gap(r)) for r in rows]),
        *(
            [("gap to best known", [_percent(reference_gap(r)) for r in rows])]
            if any(r.get("reference") is not None for r in rows)
            else []
        ),
        *(
            (_bounded(m, bounds.get(m)), [_number(r.get("metrics", {}).get(m)) for r in rows])
            for m in metric_names(rows)
        ),
        ("violations", [_number(r.get("violations")) for r in rows]),
        ("seconds", [_number(r.get("seconds")) for r in rows]),
        ("wall seconds", [_number(r["wall_seconds"]) for r in rows]),
        ("peak MB", [_number(r["peak_mb"]) for r in rows]),
    ]
    if any(r.get("error") for r in rows):
        measures.append(("error", [str(r.get("error") or "").replace("|", "\\|") for r in rows]))
    return [
        f"## {first['instance']} — {first['n']} people, {first['time_limit']:g} s",
        "",
        "| | " + " | ".join(headers) + " |",
        "|---|" + "---:|" * len(headers),
        *(f"| {name} | " + " | ".join(cells) + " |" for name, cells in measures),
    ]


def cells_markdown(csv_rows: list[dict[str, str]], title: str, command: str) -> str:
    """One line per run of a golfers suite, read from `results.csv`'s rows: the cell, what
    produced the plan (the design the search started from and the engine kept), the
    repeated pairs against their counting bound, and the strategy's own seconds."""
    lines = [
        f"# {title}: per cell",
        "",
        f"From `results.csv` of this folder (`{command}`): the design the run started from",
        "(the runner's `construction`; empty where none applied or the plan came from",
        "CP-SAT), the engine whose plan was kept, the repeated pairs against their counting",
        "bound, and the strategy's own seconds.",
        "",
        "| cell | strategy | design | engine | repeats | bound | seconds |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for row in csv_rows:
        cell = row["instance"].split("_", 1)[-1].replace("_", "-")
        repeats = "invalid" if row["violations"] not in ("", "0") else _count(row["repeat_pairs"])
        cells = [cell, row["strategy"], row.get("construction", ""), row.get("engine", ""), repeats]
        cells += [_count(row["repeat_pairs_bound"]), row["seconds"]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _count(text: str) -> str:
    """A count read from the CSV ("3.0") as written in a table ("3"); empty stays empty."""
    return f"{float(text):g}" if text else ""


def machine() -> str:
    """What the times mean: cores available, CPU model, memory, and the solver's version."""
    return (
        f"{len(os.sched_getaffinity(0))} cores ({_proc_field('/proc/cpuinfo', 'model name')}), "
        f"{_memory_gb()} RAM, Python {platform.python_version()}, "
        f"OR-Tools {ortools.__version__}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def _memory_gb() -> str:
    kilobytes = _proc_field("/proc/meminfo", "MemTotal").removesuffix(" kB")
    return f"{int(kilobytes) / 1024**2:.1f} GB" if kilobytes.isdigit() else "unknown"


def _proc_field(path: str, name: str) -> str:
    try:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == name:
                return value.strip()
    except OSError:
        pass
    return "unknown"


def _bounded(metric: str, bound: Any) -> str:
    return metric if bound is None else f"{metric} [{_number(bound)}]"


def _bold_best(rows: list[Row]) -> list[str]:
    """Bold the best objective among valid plans, so that each table's winner stands out."""
    values = [r.get("objective") for r in rows]
    valid = [
        v for r, v in zip(rows, values, strict=True) if v is not None and not r.get("violations")
    ]
    cells = [_number(v) for v in values]
    if len(rows) < 2 or not valid:
        return cells
    return [f"**{c}**" if v == min(valid) else c for c, v in zip(cells, values, strict=True)]


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.2%}"
