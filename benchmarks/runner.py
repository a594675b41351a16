"""Run each benchmark in a child process of its own, and measure it from outside.

A fresh process per run means the peak memory read by `os.wait4` belongs to that run
alone, a crash or a runaway run costs one row rather than the whole benchmark, and a
run past its deadline is killed and recorded as `timeout`. The child is this module:

    python -m benchmarks.runner RUN_JSON RESULT_PATH
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from allocator import InfeasibleError, NoPlanError, solve
from benchmarks.suites import ROOT, Case

Row = dict[str, Any]


@dataclass(frozen=True)
class Run:
    case: Case
    strategy: str
    seed: int
    time_limit: float


def plan_runs(
    cases: Iterable[Case],
    strategies: list[str],
    seeds: list[int],
    time_limits: list[float] | None,
) -> list[Run]:
    """Every (instance, time limit, strategy, seed); a case's own limits unless some are given."""
    return [
        Run(case, strategy, seed, float(limit))
        for case in cases
        for limit in (time_limits or case.time_limits)
        for strategy in strategies
        for seed in seeds
    ]


def deadline(time_limit: float) -> float:
    """Seconds before a child is killed: the limit bounds the search only, so leave room for
    building, compiling, verifying, and a strategy that overruns a little."""
    return 2 * time_limit + 60


def run_all(
    runs: list[Run], jobs: int, done: Callable[[int, Row], None], dask: str | None = None
) -> None:
    """Run up to `jobs` children at once on this machine, or send every run to the Dask
    scheduler at `dask` (its workers need this repository importable); call
    `done(index, row)` as each finishes."""
    sizes: dict[str, int] = {}
    for run in runs:
        if run.case.name not in sizes:
            sizes[run.case.name] = len(run.case.instance().participants)
    if dask is not None:
        _run_on_dask(runs, sizes, dask, done)
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(measure, run, sizes[run.case.name]): k for k, run in enumerate(runs)}
        for future in as_completed(futures):
            done(futures[future], future.result())


def _run_on_dask(
    runs: list[Run], sizes: dict[str, int], address: str, done: Callable[[int, Row], None]
) -> None:
    """The same `measure` per run, on a cluster: each worker still times and meters its own
    child process, so rows mean the same wherever they ran."""
    from dask.distributed import Client  # optional dependency
    from dask.distributed import as_completed as completed

    with Client(address) as client:
        futures = {
            client.submit(measure, run, sizes[run.case.name], pure=False): k
            for k, run in enumerate(runs)
        }
        for future in completed(futures):
            done(futures[future], future.result())


def measure(run: Run, n: int) -> Row:
    """One run in a child process: its record, wall time and peak resident memory."""
    with tempfile.TemporaryDirectory(prefix="allocator-bench-") as tmp:
        result_path, stderr_path = Path(tmp, "result.json"), Path(tmp, "stderr.txt")
        start = time.perf_counter()
        returncode, peak_kb, expired = _wait_for_child(run, result_path, stderr_path)
        wall = time.perf_counter() - start
        if returncode == 0 and result_path.exists():
            record = json.loads(result_path.read_text(encoding="utf-8"))
        elif expired:
            record = {"status": "timeout", "error": f"killed after {deadline(run.time_limit):g} s"}
        else:
            record = {"status": "crashed", "error": _last_line(stderr_path, returncode)}
    return {
        "instance": run.case.name,
        "n": n,
        "strategy": run.strategy,
        "seed": run.seed,
        "time_limit": run.time_limit,
        **record,
        "wall_seconds": round(wall, 2),
        "peak_mb": round(peak_kb / 1024, 1),
    }


def _wait_for_child(run: Run, result_path: Path, stderr_path: Path) -> tuple[int, int, bool]:
    """Start the child and reap it with `wait4`, the one call that returns that child's own
    resource usage; a timer kills it at its deadline. Returns (exit code, max RSS in KiB,
    killed by the timer)."""
    command = [sys.executable, "-m", "benchmarks.runner", json.dumps(asdict(run)), str(result_path)]
    with stderr_path.open("wb") as stderr:
        child = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, env=_env()
        )
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        child.kill()

    timer = threading.Timer(deadline(run.time_limit), expire)
    timer.start()
    _, status, usage = os.wait4(child.pid, 0)
    timer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait
    return child.returncode, usage.ru_maxrss, expired.is_set()


def _env() -> dict[str, str]:
    """The child imports `benchmarks` from this checkout, whatever the working directory."""
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def _last_line(stderr_path: Path, returncode: int) -> str:
    """The exception line of a traceback says what went wrong; a signal has no traceback."""
    lines = stderr_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return lines[-1] if lines else f"exit code {returncode}"


def child(run_json: str, result_path: str) -> None:
    """Build the instance, solve it and write the record: failures that are answers
    (infeasible, no plan in time) are records too; anything else crashes the child."""
    spec = json.loads(run_json)
    case = Case(**{**spec["case"], "time_limits": tuple(spec["case"]["time_limits"])})
    instance = case.instance()
    try:
        solution = solve(
            instance, spec["strategy"], time_limit=spec["time_limit"], seed=spec["seed"]
        )
    except InfeasibleError as exc:
        record: Row = {"status": "infeasible", "error": str(exc).splitlines()[0]}
    except NoPlanError as exc:
        record = {"status": "no_plan", "error": str(exc)}
    else:
        plan = solution.plan
        record = {
            key: plan[key] for key in ("status", "objective", "bound", "metrics", "metric_bounds")
        }
        record.update(
            violations=len(solution.violations),
            seconds=plan["seconds"],
            engine=solution.result.engine or solution.result.strategy,
            construction=solution.result.construction,
        )
    if case.reference is not None:
        record["reference"] = case.reference
    Path(result_path).write_text(json.dumps(record), encoding="utf-8")


if __name__ == "__main__":
    child(*sys.argv[1:])
