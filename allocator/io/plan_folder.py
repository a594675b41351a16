"""The plan's folder: plan.json, the CSV seating plans, plan.html and plan.xlsx, written
all at once, by the command line and by `write_plan` alike."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from allocator.i18n import Lang
from allocator.io.csv_plans import seating_plan_names, seating_plans
from allocator.io.files import OutputFolder
from allocator.io.html_plan import render_html
from allocator.io.plan_json import dump_plan
from allocator.io.xlsx_plan import workbook_bytes
from allocator.model.errors import NoPlanError
from allocator.model.instance import Instance

if TYPE_CHECKING:
    from allocator.solve import Solution


def plan_file_names(instance: Instance, generated: bool = False) -> list[str]:
    """The files `plan_files` makes, known before the solve."""
    made = ["instance.json"] if generated else []
    return [*made, "plan.json", *seating_plan_names(instance), "plan.html", "plan.xlsx"]


def plan_files(
    instance: Instance, plan: dict[str, Any], lang: Lang = "en", generated: str | None = None
) -> dict[str, str | bytes]:
    """Every file of a plan, by name; `generated`, the instance JSON a spreadsheet made,
    comes first as instance.json."""
    files: dict[str, str | bytes] = {} if generated is None else {"instance.json": generated}
    files["plan.json"] = dump_plan(plan)
    files.update(seating_plans(instance, plan))
    files["plan.html"] = render_html(instance, plan, lang)
    files["plan.xlsx"] = workbook_bytes(instance, plan, lang)
    return files


def write_plan(
    solution: Solution, directory: str | Path, lang: Lang = "en", *, allow_invalid: bool = False
) -> list[Path]:
    """Write the solution's folder as `allocate --out DIR` does, all files or none, and
    return their paths. A plan breaking hard rules is refused (`NoPlanError`, reason
    `invalid`, with its violations) unless `allow_invalid`; files in the folder that an
    earlier run did not write are never replaced (`InputError`)."""
    if not solution.valid and not allow_invalid:
        shown = "; ".join(f"[{v.rule}] {v.message}" for v in solution.violations[:3])
        raise NoPlanError(
            f"the plan breaks {len(solution.violations)} hard rule(s), so it was not written"
            f" (pass allow_invalid=True to write it anyway): {shown}",
            reason="invalid",
            strategy=solution.plan["strategy"],
            time_limit=solution.plan["time_limit"],
            violations=solution.violations,
        )
    folder = OutputFolder(
        Path(directory), plan_file_names(solution.instance), [], option="directory"
    )
    return folder.write(plan_files(solution.instance, solution.plan, lang))
