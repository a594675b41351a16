"""Run every strategy on instances and print a markdown table of their plans.

    python -m benchmarks.compare instances/*.json --time-limit 60 --seeds 0 1 2

Each row is one run: the objective terms, the proven bound, how many hard-rule
violations the independent verifier found (the random draw keeps group sizes only),
and the wall time. Runs go one at a time so that every run has both cores.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from allocator import STRATEGIES, InfeasibleError, NoPlanError, load_instance, solve


def run(path: Path, strategy: str, time_limit: float, seed: int) -> dict[str, object]:
    instance = load_instance(path)
    start = time.perf_counter()
    try:
        solution = solve(instance, strategy, time_limit=time_limit, seed=seed)
    except (InfeasibleError, NoPlanError) as exc:
        return {
            "instance": path.stem,
            "strategy": strategy,
            "seed": seed,
            "status": type(exc).__name__,
        }
    plan = solution.plan
    return {
        "instance": path.stem,
        "strategy": strategy,
        "seed": seed,
        "status": plan["status"],
        "objective": plan["objective"],
        "bound": plan["bound"],
        "violations": len(solution.violations),
        "seconds": round(time.perf_counter() - start, 1),
        **plan["metrics"],
    }


def markdown(rows: list[dict[str, object]]) -> str:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.6g}"
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("instances", nargs="+", type=Path)
    parser.add_argument("--strategies", nargs="+", default=sorted(STRATEGIES))
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    args = parser.parse_args()
    rows = [
        run(path, strategy, args.time_limit, seed)
        for path in args.instances
        for strategy in args.strategies
        for seed in args.seeds
    ]
    print(markdown(rows))


if __name__ == "__main__":
    main()
