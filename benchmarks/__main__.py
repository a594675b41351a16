"""Run strategies × instances × seeds × time limits, each in its own process, and write
`results.csv` and `results.md` (which records the command that regenerates it), and for
the golfers suites `cells.md`, one line per run.

    python -m benchmarks --suite shipped --time-limits 60
    python -m benchmarks --instances instances/world_cafe.json --strategies cpsat --seeds 0 1

Runs go one at a time by default: CP-SAT uses every core, so parallel runs would
measure each other. A crashed or timed-out run is a row, not a failure.
"""

from __future__ import annotations

import argparse
import csv
import io
import shlex
import sys
from pathlib import Path

from allocator import STRATEGIES
from allocator.io.files import write_files_atomically
from benchmarks.report import cells_markdown, csv_text, markdown
from benchmarks.runner import Row, Run, plan_runs, run_all
from benchmarks.suites import SUITES, Case, from_file

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_TIME_LIMIT = 60.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--suite", choices=sorted(SUITES), help="a named suite (suites.py)")
    source.add_argument("--instances", nargs="+", type=Path, metavar="FILE", help="JSON files")
    parser.add_argument(
        "--strategies", nargs="+", choices=sorted(STRATEGIES), default=list(STRATEGIES)
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument(
        "--time-limits",
        nargs="+",
        type=float,
        metavar="SECONDS",
        help="every instance at each of these (default: the suite's own, or 60 for files)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="CASE",
        help="run only these cases of the suite (by name, e.g. large_event_800)",
    )
    parser.add_argument("--jobs", type=_positive, default=1, help="runs at once (default 1)")
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="send the runs to this Dask scheduler (e.g. tcp://10.0.0.5:8786) instead of "
        "local processes; needs `pip install '.[dask]'` here and on the workers",
    )
    parser.add_argument(
        "--out", type=Path, help="output directory (default benchmarks/results/<suite>)"
    )
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def cases_of(args: argparse.Namespace) -> list[Case]:
    if args.suite:
        cases = SUITES[args.suite]
        if args.only:
            unknown = sorted(set(args.only) - {case.name for case in cases})
            if unknown:
                raise SystemExit(f"no case {', '.join(unknown)} in suite {args.suite}")
            cases = [case for case in cases if case.name in args.only]
        return cases
    return [from_file(path, DEFAULT_TIME_LIMIT) for path in args.instances]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    title = args.suite or "instances"
    out = args.out or RESULTS / title
    runs = plan_runs(cases_of(args), args.strategies, args.seeds, args.time_limits)
    command = shlex.join(["python", "-m", "benchmarks", *argv])
    rows: dict[int, Row] = {}

    def done(index: int, row: Row) -> None:
        """Report the run and rewrite both files, so that an interrupted benchmark keeps
        every run it finished."""
        rows[index] = row
        print(f"[{len(rows)}/{len(runs)}] {_summary(runs[index], row)}", file=sys.stderr)
        ordered = [rows[k] for k in sorted(rows)]
        table = csv_text(ordered)
        files = {"results.csv": table, "results.md": markdown(ordered, title, command, len(runs))}
        if title.startswith("golfers"):
            files["cells.md"] = cells_markdown(
                list(csv.DictReader(io.StringIO(table))), title, command
            )
        write_files_atomically(out, files)

    run_all(runs, args.jobs, done, dask=args.dask)
    print(f"wrote {out / 'results.csv'} and {out / 'results.md'}")


def _summary(run: Run, row: Row) -> str:
    found = "" if row.get("objective") is None else f" objective {row['objective']:g}"
    bound = "" if row.get("bound") is None else f" (bound {row['bound']:g})"
    return (
        f"{run.case.name} {run.strategy} seed {run.seed} {run.time_limit:g} s: {row['status']}"
        f"{found}{bound}, {row['wall_seconds']:g} s, {row['peak_mb']:g} MB"
    )


if __name__ == "__main__":
    main()
