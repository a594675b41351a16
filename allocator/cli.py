"""`allocate`: a thin command line over the library.

Exit codes: 0 done, 1 plan invalid (verify), 2 bad input, 3 infeasible, 4 no valid plan found.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from allocator.evaluation import evaluate, verify
from allocator.io.csv_plans import seating_plans
from allocator.io.files import load_instance, read_json, write_files_atomically
from allocator.io.plan_json import dump_plan
from allocator.model.errors import InfeasibleError, InputError
from allocator.model.instance import Instance
from allocator.solve import DEFAULT_STRATEGY, STRATEGIES, NoPlanError, Solution, solve
from allocator.strategies.base import Progress

EXIT_INVALID, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_PLAN = 1, 2, 3, 4


class _DefaultToSolve(click.Group):
    """`allocate FILE ...` runs `allocate solve FILE ...`; `verify` and `schema` stay commands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["solve", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultToSolve, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Seat participants into groups over the rounds of a day.

    \b
    allocate INSTANCE.json --out DIR     solve and write plan.json + CSV seating plans
    allocate verify INSTANCE.json PLAN   check a plan against every hard rule
    allocate schema                      print the instance JSON Schema
    """


def _fail(code: int, title: str, details: list[str]) -> None:
    click.secho(title, fg="red", err=True, bold=True)
    for line in details:
        click.echo(f"  {line}", err=True)
    sys.exit(code)


def _load(path: str) -> Instance:
    try:
        return load_instance(path)
    except InputError as exc:
        lines = [str(issue).replace("\n", "\n  ") for issue in exc.issues]
        _fail(
            EXIT_INPUT,
            f"{path}: the instance is not valid ({len(exc.issues)} problem(s)); nothing was written",
            lines,
        )
        raise  # unreachable: _fail exits


class _Ticker:
    """One line of progress on a terminal: time, best objective, proven bound."""

    def __call__(self, progress: Progress) -> None:
        bound = "?" if progress.bound is None else f"{progress.bound:,.6g}"
        click.echo(
            f"\r  {progress.seconds:7.1f} s   objective {progress.objective:,.6g}   bound {bound}   ",
            nl=False,
            err=True,
        )


@main.command("solve")
@click.argument("instance_path", metavar="INSTANCE", type=click.Path(dir_okay=False))
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), help="Folder for plan.json and the CSVs."
)
@click.option(
    "--strategy", type=click.Choice(sorted(STRATEGIES)), default=DEFAULT_STRATEGY, show_default=True
)
@click.option(
    "--time-limit", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds."
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress or summary.")
def solve_command(
    instance_path: str,
    out_dir: str | None,
    strategy: str,
    time_limit: float,
    seed: int,
    quiet: bool,
) -> None:
    """Solve INSTANCE and write DIR/plan.json, itinerary.csv, groups.csv (and visitors.csv)."""
    instance = _load(instance_path)
    out = Path(out_dir) if out_dir else Path(Path(instance_path).stem + "-plan")
    show = not quiet and sys.stderr.isatty()
    try:
        solution = solve(
            instance,
            strategy,
            time_limit=time_limit,
            seed=seed,
            progress=_Ticker() if show else None,
        )
    except InfeasibleError as exc:
        _fail(
            EXIT_INFEASIBLE,
            "No plan can satisfy the rules of this instance; nothing was written.",
            [str(c) for c in exc.conflicts],
        )
    except NoPlanError as exc:
        _fail(EXIT_NO_PLAN, str(exc), [])
    if show:
        click.echo("", err=True)
    if not solution.valid:
        _fail(
            EXIT_NO_PLAN,
            f"The `{strategy}` plan breaks hard rules, so it was not written:",
            [f"[{v.rule}] {v.message}" for v in solution.violations[:20]],
        )
    files = {"plan.json": dump_plan(solution.plan), **seating_plans(instance, solution.plan)}
    written = write_files_atomically(out, files)
    if not quiet:
        _summary(solution, written)


def _summary(solution: Solution, written: list[Path]) -> None:
    plan = solution.plan
    click.echo(
        f"{plan['instance']}: {plan['status']} plan by {plan['strategy']} in {plan['seconds']:.1f} s",
        err=True,
    )
    click.echo(f"  {'term':<24}{'value':>12}{'lower bound':>14}", err=True)
    for key, value in plan["metrics"].items():
        bound = plan["metric_bounds"].get(key)
        click.echo(
            f"  {key:<24}{value:>12,.6g}{'' if bound is None else format(bound, ',.6g'):>14}",
            err=True,
        )
    bound = "none known" if plan["bound"] is None else f"{plan['bound']:,.6g}"
    click.echo(f"  {'objective':<24}{plan['objective']:>12,.6g}{bound:>14}", err=True)
    for path in written:
        click.echo(f"  wrote {path}", err=True)


@main.command("verify")
@click.argument("instance_path", metavar="INSTANCE", type=click.Path(dir_okay=False))
@click.argument("plan_path", metavar="PLAN", type=click.Path(dir_okay=False))
def verify_command(instance_path: str, plan_path: str) -> None:
    """Check PLAN (a plan.json) against every hard rule of INSTANCE and its own metrics."""
    instance = _load(instance_path)
    try:
        plan = read_json(Path(plan_path))
    except InputError as exc:
        _fail(EXIT_INPUT, f"{plan_path}: cannot read the plan", [str(i) for i in exc.issues])
    violations = verify(instance, plan)
    if violations:
        _fail(
            EXIT_INVALID,
            f"INVALID: {len(violations)} broken rule(s)",
            [f"[{v.rule}] {v.message}" for v in violations],
        )
    metrics = evaluate(instance, plan)
    click.echo("VALID: every hard rule holds; metrics " + json.dumps(metrics, ensure_ascii=False))


@main.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of an instance."""
    click.echo(json.dumps(Instance.model_json_schema(), indent=2, ensure_ascii=False))
