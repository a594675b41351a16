"""`allocate`: a thin command line over the library.

Exit codes: 0 done, 1 plan invalid (verify), 2 bad input, 3 infeasible, 4 no valid plan found.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from allocator.evaluation import evaluate, verify
from allocator.i18n import LANGS, labels, number
from allocator.io.csv_plans import seating_plans
from allocator.io.files import load_instance, read_json, write_files_atomically
from allocator.io.html_plan import people_met, render_html
from allocator.io.mdgplib import is_mdgplib, read_mdgplib
from allocator.io.plan_json import dump_plan
from allocator.io.spreadsheet import is_spreadsheet, spreadsheet_instance
from allocator.io.xlsx_plan import workbook_bytes
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
    allocate INSTANCE.json --out DIR     solve and write plan.json, CSVs, plan.html, plan.xlsx
    allocate PEOPLE.csv --groups N --rounds R --out DIR
                                         the same from a spreadsheet of participants (or .xlsx)
    allocate init PEOPLE.csv --groups N --rounds R
                                         write the instance JSON of a spreadsheet, to edit
    allocate verify INSTANCE.json PLAN   check a plan against every hard rule
    allocate schema                      print the instance JSON Schema
    """


def _fail(code: int, title: str, details: list[str]) -> NoReturn:
    click.secho(title, fg="red", err=True, bold=True)
    for line in details:
        click.echo(f"  {line}", err=True)
    sys.exit(code)


def _load(path: str) -> Instance:
    try:
        return load_instance(path)
    except InputError as exc:
        _fail_input(f"{path}: the instance is not valid", exc)


def _fail_input(title: str, exc: InputError) -> NoReturn:
    lines = [str(issue).replace("\n", "\n  ") for issue in exc.issues]
    _fail(EXIT_INPUT, f"{title} ({len(exc.issues)} problem(s)); nothing was written", lines)


def _from_spreadsheet(path: str, groups: int, rounds: int, lang: str) -> tuple[Instance, str]:
    """The instance a spreadsheet of participants makes, and its JSON text to keep."""
    try:
        data, instance = spreadsheet_instance(
            path, groups=groups, rounds=rounds, round_prefix=labels(lang)["round_prefix"]
        )
    except InputError as exc:
        _fail_input(f"{path}: cannot make participants of this spreadsheet", exc)
    return instance, json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _read_input(
    path: str, groups: int | None, rounds: int | None, lang: str
) -> tuple[Instance, str | None]:
    """A JSON instance or an MDGPLIB file as it is; a spreadsheet with the rounds and groups
    given on the command line, plus the instance JSON it makes (None otherwise)."""
    if is_mdgplib(path):
        try:
            return read_mdgplib(path), None
        except InputError as exc:
            _fail(
                EXIT_INPUT,
                f"{path}: not a valid MDGPLIB file; nothing was written",
                [str(i) for i in exc.issues],
            )
    if not is_spreadsheet(path):
        if groups is not None or rounds is not None:
            _fail(
                EXIT_INPUT,
                f"{path}: --groups and --rounds only apply to a spreadsheet of participants",
                ["a JSON instance sets its own rounds and groups: edit its `rounds` instead"],
            )
        return _load(path), None
    if groups is None or rounds is None:
        _fail(
            EXIT_INPUT,
            f"{path}: a spreadsheet of participants needs --groups N and --rounds R",
            [f"e.g. allocate {path} --groups 6 --rounds 3 --out plan"],
        )
    return _from_spreadsheet(path, groups, rounds, lang)


class _Ticker:
    """One line of progress on a terminal: time, best objective, proven bound, and the
    apart/together lists still to repair."""

    def __call__(self, progress: Progress) -> None:
        bound = "?" if progress.bound is None else f"{progress.bound:,.6g}"
        broken = f"{progress.broken_lists} list breaks to repair" if progress.broken_lists else ""
        click.echo(
            f"\r  {progress.seconds:7.1f} s   objective {progress.objective:,.6g}   "
            f"bound {bound}   {broken}\x1b[K",  # erase the rest of the last line
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
@click.option(
    "--groups", type=click.IntRange(min=1), help="Groups per round (spreadsheet input only)."
)
@click.option("--rounds", type=click.IntRange(min=1), help="Rounds (spreadsheet input only).")
@click.option(
    "--lang",
    type=click.Choice(LANGS),
    default="en",
    show_default=True,
    help="Language of plan.html, plan.xlsx and the summary.",
)
@click.option(
    "--from",
    "earlier_path",
    type=click.Path(dir_okay=False),
    help="Day-of repair: an earlier plan.json to change as little as possible.",
)
def solve_command(
    instance_path: str,
    out_dir: str | None,
    strategy: str,
    time_limit: float,
    seed: int,
    quiet: bool,
    groups: int | None,
    rounds: int | None,
    lang: str,
    earlier_path: str | None,
) -> None:
    """Solve INSTANCE (a JSON instance, an MDGPLIB .txt file, or a .csv/.xlsx spreadsheet of
    participants with --groups and --rounds) and write DIR/plan.json, itinerary.csv, groups.csv (and
    visitors.csv), plan.html and plan.xlsx; from a spreadsheet, also DIR/instance.json.
    With --from, first keep as many seats of the earlier plan as every rule allows."""
    instance, generated = _read_input(instance_path, groups, rounds, lang)
    earlier = _read_earlier(earlier_path)
    out = Path(out_dir) if out_dir else Path(Path(instance_path).stem + "-plan")
    show = not quiet and sys.stderr.isatty()
    try:
        solution = solve(
            instance,
            strategy,
            time_limit=time_limit,
            seed=seed,
            progress=_Ticker() if show else None,
            earlier_plan=earlier,
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
    written = write_files_atomically(out, _plan_files(instance, solution.plan, generated, lang))
    if not quiet:
        _summary(solution, written, lang)


def _read_earlier(path: str | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        earlier = read_json(Path(path))
    except InputError as exc:
        _fail(EXIT_INPUT, f"{path}: cannot read the earlier plan", [str(i) for i in exc.issues])
    if not isinstance(earlier, dict) or not isinstance(earlier.get("rounds"), list):
        _fail(
            EXIT_INPUT,
            f"{path}: not a plan (no `rounds` list)",
            ["pass the plan.json that allocate wrote"],
        )
    return earlier


def _plan_files(
    instance: Instance, plan: dict[str, Any], generated: str | None, lang: str
) -> dict[str, str | bytes]:
    """Every file of a solve, by name: the instance made from a spreadsheet first."""
    files: dict[str, str | bytes] = {} if generated is None else {"instance.json": generated}
    files["plan.json"] = dump_plan(plan)
    files.update(seating_plans(instance, plan))
    files["plan.html"] = render_html(instance, plan, lang)
    files["plan.xlsx"] = workbook_bytes(instance, plan, lang)
    return files


def _summary(solution: Solution, written: list[Path], lang: str) -> None:
    plan, words = solution.plan, labels(lang)
    click.echo(
        f"{plan['instance']}: {plan['status']} plan by {plan['strategy']} in {plan['seconds']:.1f} s",
        err=True,
    )
    click.echo(f"  {words['term']:<24}{words['value_lc']:>12}{words['bound_lc']:>14}", err=True)
    for key, value in plan["metrics"].items():
        bound = plan["metric_bounds"].get(key)
        click.echo(
            f"  {key:<24}{value:>12,.6g}{'' if bound is None else format(bound, ',.6g'):>14}",
            err=True,
        )
    bound = words["none_known"] if plan["bound"] is None else f"{plan['bound']:,.6g}"
    click.echo(f"  {'objective':<24}{plan['objective']:>12,.6g}{bound:>14}", err=True)
    met = list(people_met(plan).values())
    if met:
        average = number(round(sum(met) / len(met), 1), lang)
        click.echo(
            f"  {words['people_met']}: {words['average']} {average}, {words['minimum']} {min(met)}",
            err=True,
        )
    for path in written:
        click.echo(f"  {words['wrote']} {path}", err=True)


@main.command("init")
@click.argument("people_path", metavar="PEOPLE", type=click.Path(dir_okay=False))
@click.option("--groups", type=click.IntRange(min=1), required=True, help="Groups per round.")
@click.option("--rounds", type=click.IntRange(min=1), required=True, help="Rounds.")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    help="The instance file to write  [default: PEOPLE with .json].",
)
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True)
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def init_command(
    people_path: str, groups: int, rounds: int, out_path: str | None, lang: str, force: bool
) -> None:
    """Write the instance JSON of a .csv/.xlsx spreadsheet of participants, to edit for a
    richer day (group sizes, duties, visitors, rules), then solve with `allocate FILE`."""
    if not is_spreadsheet(people_path):
        _fail(EXIT_INPUT, f"{people_path}: `init` reads a .csv or .xlsx spreadsheet", [])
    out = Path(out_path) if out_path else Path(people_path).with_suffix(".json")
    if out.exists() and not force:
        _fail(EXIT_INPUT, f"{out} exists; nothing was written", ["pass --force to overwrite it"])
    _, text = _from_spreadsheet(people_path, groups, rounds, lang)
    written = write_files_atomically(out.parent, {out.name: text})
    click.echo(
        f"{labels(lang)['wrote']} {written[0]}; then: allocate {written[0]} --out DIR", err=True
    )


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
