"""The work after the solve, at scale: a whole `allocate` run timed against its limit, then
each stage that follows the solve timed on the plan it wrote.

    python -m benchmarks.after_solve --people 20000 --time-limit 60 [--roles] [--lists]
    python -m benchmarks.after_solve --plenary 5000 --time-limit 10

Issue 13's target: with a warm cache, 20,000 people at a 60 s limit end within the limit
+ max(5 s, 10 % of it) + 15 s of writing files; a plenary of 5,000 is scored and verified
in seconds.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from allocator import compile_problem, examples, parse_instance
from allocator.analysis.bounds import _metric_bounds
from allocator.evaluation import evaluate, verify
from allocator.io.csv_plans import seating_plans
from allocator.io.html_plan import render_html
from allocator.io.plan_json import dump_plan
from allocator.io.xlsx_plan import workbook_bytes


def plenary(people: int, organisations: int = 50) -> dict[str, Any]:
    """Everyone in one group, in one round."""
    return {
        "name": f"Plenary of {people}",
        "participants": [
            {"id": f"p{k}", "organisation": f"o{k % organisations}"} for k in range(people)
        ],
        "rounds": [{"id": "plenary", "groups": 1}],
    }


def timed(label: str, work: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    value = work()
    print(f"  {label:<26}{time.perf_counter() - start:8.2f} s", flush=True)
    return value


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.after_solve")
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--people", type=int, help="a large event of this many people")
    size.add_argument("--plenary", type=int, help="a plenary of this many people")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--roles", action="store_true", help="workers and users, balanced")
    parser.add_argument(
        "--lists", action="store_true", help="together pairs and apart lists (the hybrid)"
    )
    args = parser.parse_args(argv)
    if args.people:
        lists = {"together": args.people // 40, "apart": args.people // 80} if args.lists else {}
        data = examples.large_event(
            people=args.people, organisations=600, rounds=4, roles=args.roles, **lists
        )
    else:
        data = plenary(args.plenary)
    with tempfile.TemporaryDirectory() as folder:
        path, out = Path(folder) / "day.json", Path(folder) / "plan"
        path.write_text(json.dumps(data), encoding="utf-8")
        options = [str(path), "--out", str(out), "--time-limit", str(args.time_limit)]
        print(f"{data['name']}: allocate at --time-limit {args.time_limit:g}", flush=True)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", "from allocator.cli import run; run()", *options],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        plan = (
            json.loads((out / "plan.json").read_text(encoding="utf-8"))
            if done.returncode == 0
            else None
        )
    print(
        f"  exit {done.returncode}, wall {wall:.1f} s (limit {args.time_limit:g} s), peak {peak:.0f} MB"
    )
    if plan is None:
        print(done.stderr[-2000:])
        return
    print(f"  solve seconds in the plan: {plan['seconds']:.1f}")
    instance = timed("parse", lambda: parse_instance(data))
    problem = timed("compile", lambda: compile_problem(instance))
    timed("bounds (uncached)", lambda: _metric_bounds(problem))
    timed("evaluate", lambda: evaluate(instance, plan))
    timed("verify", lambda: verify(instance, plan))
    timed("plan.json", lambda: dump_plan(plan))
    timed("CSV files", lambda: seating_plans(instance, plan))
    timed("plan.html", lambda: render_html(instance, plan))
    timed("plan.xlsx", lambda: workbook_bytes(instance, plan))


if __name__ == "__main__":
    main(sys.argv[1:])
