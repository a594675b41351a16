"""`allocate`: a thin command line over the library.

Exit codes: 0 done, 1 plan invalid (verify), 2 bad input, 3 infeasible, 4 no valid plan
found, 5 an unforeseen error (`--debug` shows its traceback), 130 / 143 interrupted by
SIGINT / SIGTERM. Every line printed goes through `neutral`: text from the input cannot
drive the terminal.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import click

from allocator.evaluation import evaluate, verify
from allocator.i18n import LANGS, Lang, labels, number
from allocator.io.files import OutputFolder, load_instance, read_json, write_files_atomically
from allocator.io.html_plan import people_met
from allocator.io.interrupts import guard_process
from allocator.io.mdgplib import is_mdgplib, read_mdgplib
from allocator.io.plan_folder import plan_file_names, plan_files
from allocator.io.spreadsheet import is_spreadsheet, spreadsheet_instance
from allocator.io.terminal import neutral
from allocator.model import limits
from allocator.model.errors import FieldIssue, InfeasibleError, InputError, NoPlanError
from allocator.model.instance import Instance
from allocator.model.limits import excerpt
from allocator.solve import DEFAULT_STRATEGY, STRATEGIES, Solution, StrategyName, solve
from allocator.strategies.base import Progress

EXIT_INVALID, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_PLAN, EXIT_UNFORESEEN = 1, 2, 3, 4, 5
DEBUG = "allocator.debug"


def run() -> None:
    """The `allocate` program: interrupts handled, then the command line."""
    guard_process()  # every CP-SAT solve runs with its own SIGINT handler off (exact/solver.py)
    main()


class _DefaultToSolve(click.Group):
    """`allocate FILE ...` runs `allocate solve FILE ...`; `verify` and `schema` stay commands.
    `--debug` may stand anywhere; without it an unforeseen error is one line and exit 5."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        debug = "--debug" in args
        args = [arg for arg in args if arg != "--debug"]
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["solve", *args]
        return super().parse_args(ctx, ["--debug", *args] if debug else args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if ctx.meta.get(DEBUG):
                raise
            cause = "out of memory" if isinstance(exc, MemoryError) else _cause(exc)
            _fail(
                EXIT_UNFORESEEN,
                f"allocate stopped on an unforeseen error: {cause}",
                ["rerun with --debug to see where, and please report it"],
            )


def _cause(exc: Exception) -> str:
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first[: limits.EXCERPT * 2]}" if first else type(exc).__name__


@click.group(cls=_DefaultToSolve, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the traceback of an unforeseen error.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Seat participants into groups over the rounds of a day.

    \b
    allocate INSTANCE.json --out DIR     solve and write plan.json, CSVs, plan.html, plan.xlsx
    allocate PEOPLE.csv --groups N --rounds R --out DIR
                                         the same from a spreadsheet of participants (or .xlsx)
    allocate init PEOPLE.csv --groups N --rounds R
                                         write the instance JSON of a spreadsheet, to edit
    allocate verify INSTANCE.json PLAN   check a plan against every hard rule
    allocate schema                      print the instance JSON Schema
    allocate serve                       the organiser's web page (pip install 'allocator[web]')
    """
    ctx.meta[DEBUG] = debug


def _say(text: str, **style: Any) -> None:
    """One line on stderr, neutralised: a line break from the input shows as `\\n`."""
    click.secho(neutral(text), err=True, **style)


def _fail(code: int, title: str, details: list[str]) -> NoReturn:
    _say(title, fg="red", bold=True)
    for line in details:
        _say(f"  {line}")
    sys.exit(code)


def _issue_lines(issues: list[FieldIssue]) -> list[str]:
    return [line for issue in issues for line in issue.lines()]


def _fail_input(title: str, exc: InputError) -> NoReturn:
    count = f"{len(exc.issues)} problem(s)" if len(exc.issues) <= limits.MAX_ISSUES else "problems"
    _fail(EXIT_INPUT, f"{title} ({count}); nothing was written", _issue_lines(exc.issues))


def _load(path: str) -> Instance:
    try:
        return load_instance(path)
    except InputError as exc:
        _fail_input(f"{path}: the instance is not valid", exc)


class _Seconds(click.ParamType):
    """A finite number of seconds between 0.1 and 10^6 (NaN compares false to any bound)."""

    name = "seconds"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{excerpt(value)} is not a number of seconds", param, ctx)
        if not (math.isfinite(seconds) and limits.MIN_SECONDS <= seconds <= limits.MAX_SECONDS):
            self.fail(
                f"{excerpt(value)} is not between {limits.MIN_SECONDS:g} and "
                f"{limits.MAX_SECONDS:g} seconds",
                param,
                ctx,
            )
        return seconds


COUNT = click.IntRange(min=1, max=limits.MAX_GROUPS)


class _Input(NamedTuple):
    instance: Instance
    generated: str | None
    """The instance JSON a spreadsheet made, to write beside the plan."""
    notes: tuple[str, ...] = ()
    """What reading the spreadsheet changed or could not tell, for the summary."""


def _from_spreadsheet(path: str, groups: int, rounds: int, lang: Lang) -> _Input:
    """The instance a spreadsheet of participants makes, its JSON text to keep, and notes."""
    try:
        made = spreadsheet_instance(
            path, groups=groups, rounds=rounds, round_prefix=labels(lang)["round_prefix"]
        )
    except InputError as exc:
        _fail_input(f"{path}: cannot make participants of this spreadsheet", exc)
    text = json.dumps(made.data, ensure_ascii=False, indent=2) + "\n"
    return _Input(made.instance, text, made.notes)


def _read_input(path: str, groups: int | None, rounds: int | None, lang: Lang) -> _Input:
    """A JSON instance or an MDGPLIB file as it is; a spreadsheet with the rounds and groups
    given on the command line, plus the instance JSON it makes."""
    if is_mdgplib(path):
        try:
            return _Input(read_mdgplib(path), None)
        except InputError as exc:
            _fail_input(f"{path}: not a valid MDGPLIB file", exc)
    if not is_spreadsheet(path):
        if groups is not None or rounds is not None:
            _fail(
                EXIT_INPUT,
                f"{path}: --groups and --rounds only apply to a spreadsheet of participants",
                ["a JSON instance sets its own rounds and groups: edit its `rounds` instead"],
            )
        return _Input(_load(path), None)
    if groups is None or rounds is None:
        _fail(
            EXIT_INPUT,
            f"{path}: a spreadsheet of participants needs --groups N and --rounds R",
            [f"e.g. allocate {path} --groups 6 --rounds 3 --out plan"],
        )
    return _from_spreadsheet(path, groups, rounds, lang)


def _on_terminal() -> bool:
    """Progress and the compilation notice are for a person watching: a terminal."""
    return sys.stderr.isatty()


def _announce(line: str) -> None:
    """What the strategy does before its clock starts (compiling its kernels), on a line."""
    _say(f"  {line}")


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
@click.option("--time-limit", type=_Seconds(), default=60.0, show_default=True, help="Seconds.")
@click.option(
    "--seed", type=click.IntRange(min=0, max=limits.MAX_SEED), default=0, show_default=True
)
@click.option("--quiet", is_flag=True, help="No progress or summary.")
@click.option("--groups", type=COUNT, help="Groups per round (spreadsheet input only).")
@click.option("--rounds", type=COUNT, help="Rounds (spreadsheet input only).")
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
    strategy: StrategyName,
    time_limit: float,
    seed: int,
    quiet: bool,
    groups: int | None,
    rounds: int | None,
    lang: Lang,
    earlier_path: str | None,
) -> None:
    """Solve INSTANCE (a JSON instance, an MDGPLIB .txt file, or a .csv/.xlsx spreadsheet of
    participants with --groups and --rounds) and write DIR/plan.json, itinerary.csv, groups.csv (and
    visitors.csv), plan.html and plan.xlsx; from a spreadsheet, also DIR/instance.json.
    With --from, first keep as many seats of the earlier plan as every rule allows."""
    instance, generated, notes = _read_input(instance_path, groups, rounds, lang)
    earlier = _read_earlier(earlier_path)
    out = Path(out_dir) if out_dir else Path(Path(instance_path).stem + "-plan")
    inputs = [Path(p) for p in (instance_path, earlier_path) if p is not None]
    folder = _output_folder(out, plan_file_names(instance, generated is not None), inputs)
    show = not quiet and _on_terminal()
    try:
        solution = solve(
            instance,
            strategy,
            time_limit=time_limit,
            seed=seed,
            progress=_Ticker() if show else None,
            earlier_plan=earlier,
            announce=_announce if show else None,
        )
    except InputError as exc:  # the earlier plan, read defensively
        _fail_input(f"{earlier_path}: not a plan to repair this instance from", exc)
    except InfeasibleError as exc:
        _fail(
            EXIT_INFEASIBLE,
            "No plan can satisfy the rules of this instance; nothing was written.",
            [line for c in exc.conflicts for line in c.lines()],
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
    written = folder.write(plan_files(instance, solution.plan, lang, generated))
    if not quiet:
        _summary(solution, written, notes, lang)


def _output_folder(out: Path, names: list[str], inputs: list[Path]) -> OutputFolder:
    try:
        return OutputFolder(out, names, inputs)
    except InputError as exc:
        _fail_input(f"{out}: cannot write the plan there", exc)


def _read_earlier(path: str | None) -> Any:
    if path is None:
        return None
    try:
        return read_json(Path(path))
    except InputError as exc:
        _fail_input(f"{path}: cannot read the earlier plan", exc)


def _summary(solution: Solution, written: list[Path], notes: tuple[str, ...], lang: Lang) -> None:
    plan, words = solution.plan, labels(lang)
    for note in notes:
        _say(f"note: {note}", fg="yellow")
    _say(
        f"{plan['instance']}: {plan['status']} plan by {plan['strategy']} in {plan['seconds']:.1f} s"
    )
    _say(f"  {words['term']:<24}{words['value_lc']:>12}{words['bound_lc']:>14}")
    for key, value in plan["metrics"].items():
        bound = plan["metric_bounds"].get(key)
        _say(f"  {key:<24}{value:>12,.6g}{'' if bound is None else format(bound, ',.6g'):>14}")
    bound = words["none_known"] if plan["bound"] is None else f"{plan['bound']:,.6g}"
    _say(f"  {'objective':<24}{plan['objective']:>12,.6g}{bound:>14}")
    if "repair" in plan:
        kept, compared = plan["repair"]["seats_kept"], plan["repair"]["seats_compared"]
        _say(f"  {words['seats_kept'].format(kept=kept, compared=compared)}")
    met = list(people_met(plan).values())
    if met:
        average = number(round(sum(met) / len(met), 1), lang)
        _say(
            f"  {words['people_met']}: {words['average']} {average}, {words['minimum']} {min(met)}"
        )
    for path in written:
        _say(f"  {words['wrote']} {path}")


@main.command("init")
@click.argument("people_path", metavar="PEOPLE", type=click.Path(dir_okay=False))
@click.option("--groups", type=COUNT, required=True, help="Groups per round.")
@click.option("--rounds", type=COUNT, required=True, help="Rounds.")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    help="The instance file to write  [default: PEOPLE with .json].",
)
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True)
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def init_command(
    people_path: str, groups: int, rounds: int, out_path: str | None, lang: Lang, force: bool
) -> None:
    """Write the instance JSON of a .csv/.xlsx spreadsheet of participants, to edit for a
    richer day (group sizes, duties, visitors, rules), then solve with `allocate FILE`."""
    if not is_spreadsheet(people_path):
        _fail(EXIT_INPUT, f"{people_path}: `init` reads a .csv or .xlsx spreadsheet", [])
    out = Path(out_path) if out_path else Path(people_path).with_suffix(".json")
    if out.exists() and not force:
        _fail(EXIT_INPUT, f"{out} exists; nothing was written", ["pass --force to overwrite it"])
    made = _from_spreadsheet(people_path, groups, rounds, lang)
    written = write_files_atomically(out.parent, {out.name: made.generated or ""})
    for note in made.notes:
        _say(f"note: {note}", fg="yellow")
    _say(f"{labels(lang)['wrote']} {written[0]}; then: allocate {written[0]} --out DIR")


@main.command("verify")
@click.argument("instance_path", metavar="INSTANCE", type=click.Path(dir_okay=False))
@click.argument("plan_path", metavar="PLAN", type=click.Path(dir_okay=False))
def verify_command(instance_path: str, plan_path: str) -> None:
    """Check PLAN (a plan.json) against every hard rule of INSTANCE and its own metrics."""
    instance = _load(instance_path)
    try:
        plan = read_json(Path(plan_path))
    except InputError as exc:
        _fail_input(f"{plan_path}: cannot read the plan", exc)
    violations = verify(instance, plan)
    if violations:
        shown = [f"[{v.rule}] {v.message}" for v in violations[: limits.MAX_ISSUES]]
        more = len(violations) - len(shown)
        _fail(
            EXIT_INVALID,
            f"INVALID: {len(violations)} broken rule(s)",
            [*shown, *([f"… and {more} more"] if more else [])],
        )
    metrics = evaluate(instance, plan)
    click.echo(
        neutral("VALID: every hard rule holds; metrics " + json.dumps(metrics, ensure_ascii=False))
    )


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False),
    help="Folder of the days  [default: $XDG_DATA_HOME/allocator or ~/.local/share/allocator].",
)
@click.option("--no-browser", is_flag=True, help="Do not open the browser.")
def serve_command(host: str, port: int, data_dir: str | None, no_browser: bool) -> None:
    """Start the organiser's web page (needs the web extra: pip install 'allocator[web]')."""
    from allocator.web.store import default_data_dir

    try:
        from allocator.web.server import serve
    except ImportError as exc:
        _fail(
            EXIT_INPUT,
            "allocate serve needs the web extra, which is not installed",
            ["install it with: pip install 'allocator[web]'", f"({exc})"],
        )
    serve(host, port, Path(data_dir) if data_dir else default_data_dir(), not no_browser)


@main.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of an instance."""
    click.echo(json.dumps(Instance.model_json_schema(), indent=2, ensure_ascii=False))
