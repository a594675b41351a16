"""The local search's tabu list, measured: the seats left (a person may not go back to a
group they left within the tenure) against the swaps taken (Dotú and Van Hentenryck's
social-golfer search), on the golfer days where the search, not a design, decides.

    python -m benchmarks.neighbourhoods --time-limit 10 --seeds 3

Three kinds of day (issue 11, item 3): cells of the best-known table searched without the
design library (`tabu`, from the greedy), cells one round beyond an open best known (the
design plus a greedy round, then the search), and the 8-4-10 design day with lists a design
cannot honour. Each run is the strategy's own solve at the time limit; the table gives the
repeated pairs of each seed and their median. Results go to
benchmarks/results/neighbourhoods/results.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from allocator import compile_problem, examples, parse_instance
from allocator.strategies.search.local_search import LocalSearch, PlainTabu
from benchmarks.report import machine

RESULTS = Path(__file__).resolve().parent / "results" / "neighbourhoods" / "results.md"


@dataclass(frozen=True)
class Day:
    label: str
    kind: str
    """"no design" (the search from the greedy) or "design" (from the fitted design)."""
    golfer: dict[str, Any]
    """`examples.social_golfer` arguments."""


def _cells(kind: str, cells: str) -> list[Day]:
    days = []
    for cell in cells.split():
        g, s, w = (int(x) for x in cell.split("-"))
        days.append(Day(cell, kind, {"groups": g, "size": s, "rounds": w}))
    return days


DAYS = [
    *_cells("no design", "8-4-9 8-4-10 9-4-11 10-4-13 6-5-6 7-5-7 10-7-7 10-3-14 10-6-7"),
    *_cells("design", "5-4-6 6-5-7 7-5-8 8-5-9 7-6-8 8-6-9 9-5-10 10-5-10"),
    Day("8-4-10, 3 apart", "design", {"groups": 8, "size": 4, "rounds": 10, "apart": (3,)}),
    Day("8-4-10, 5 apart", "design", {"groups": 8, "size": 4, "rounds": 10, "apart": (5,)}),
    Day("8-4-10, 2 together", "design", {"groups": 8, "size": 4, "rounds": 10, "together": (2,)}),
]


def strategy(kind: str, swap_tabu: bool) -> LocalSearch:
    """The local search of that kind of day with its tabu list forced."""
    search = PlainTabu() if kind == "no design" else LocalSearch()
    search.swap_tabu = swap_tabu
    return search


def run(day: Day, swap_tabu: bool, seeds: int, time_limit: float) -> list[float]:
    problem = compile_problem(parse_instance(examples.social_golfer(**day.golfer)))
    search = strategy(day.kind, swap_tabu)
    search.prepare(problem)
    costs = []
    for seed in range(seeds):
        result = search.solve(problem, time_limit=time_limit, seed=seed)
        costs.append(result.search_cost if result.search_cost is not None else float("nan"))
    return costs


def _cell(costs: list[float]) -> str:
    return f"{statistics.median(costs):g} ({', '.join(f'{c:g}' for c in costs)})"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.neighbourhoods")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    lines = [
        "# Benchmarks: the local search's tabu list",
        "",
        f"Regenerate with `python -m benchmarks.neighbourhoods --time-limit {args.time_limit:g}"
        f" --seeds {args.seeds}` (from the repository root).",
        "",
        f"Machine: {machine()}.",
        "",
        "Repeated pairs (plus penalties where a rule stays broken): the median over the seeds,"
        " each seed's in brackets.",
        "",
        "| day | start | seats left tabu | swaps tabu |",
        "|---|---|---|---|",
    ]
    for day in DAYS:
        seats = run(day, False, args.seeds, args.time_limit)
        swaps = run(day, True, args.seeds, args.time_limit)
        lines.append(f"| {day.label} | {day.kind} | {_cell(seats)} | {_cell(swaps)} |")
        print(lines[-1], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main(sys.argv[1:])
