"""allocator: seat people into groups over the rounds of a collaborative day.

    from allocator import load_instance, solve, write_plan
    solution = solve(load_instance("instances/partner_day.json"), time_limit=30)
    solution.typed_plan.itinerary("w01"), solution.typed_plan.gap
    write_plan(solution, "partner-day-plan")

Importing the package loads neither OR-Tools nor numba: a solve does, for its strategy.
The README's "As a library" section walks through a whole day.
"""

from allocator.evaluation import Violation, evaluate, objective_value, verify
from allocator.examples import shipped as shipped_examples
from allocator.i18n import LANGS, Lang, labels, metric_label, number
from allocator.io.csv_plans import seating_plans
from allocator.io.files import (
    input_limit,
    input_too_large,
    instance_from_bytes,
    load_instance,
    write_files_atomically,
)
from allocator.io.html_plan import (
    HeatMap,
    group_name,
    heat_maps,
    mixing_note,
    people_met,
    render_html,
    round_name,
)
from allocator.io.plan_folder import plan_file_names, plan_files, write_plan
from allocator.io.plan_json import dump_plan
from allocator.io.spreadsheet import (
    SheetInstance,
    is_spreadsheet,
    spreadsheet_instance,
    spreadsheet_instance_from_bytes,
)
from allocator.io.xlsx_plan import workbook_bytes
from allocator.model.errors import (
    AllocatorError,
    Conflict,
    FieldIssue,
    InfeasibleError,
    InputError,
    NoPlanError,
)
from allocator.model.instance import (
    Constraints,
    Duty,
    GroupSpec,
    Instance,
    Participant,
    Pin,
    RoleRatio,
    Round,
    Term,
    Visitor,
)
from allocator.model.plan import Plan, PlanGroup, PlanRound, Repair, Seat
from allocator.model.problem import Problem, compile_problem
from allocator.model.validate import parse_instance
from allocator.solve import STRATEGIES, Solution, StrategyName, counting_bounds, solve
from allocator.strategies.base import Progress, Stop

__version__ = "0.1.0"

__all__ = [
    "LANGS",
    "STRATEGIES",
    "AllocatorError",
    "Conflict",
    "Constraints",
    "Duty",
    "FieldIssue",
    "GroupSpec",
    "HeatMap",
    "InfeasibleError",
    "InputError",
    "Instance",
    "Lang",
    "NoPlanError",
    "Participant",
    "Pin",
    "Plan",
    "PlanGroup",
    "PlanRound",
    "Problem",
    "Progress",
    "Repair",
    "RoleRatio",
    "Round",
    "Seat",
    "SheetInstance",
    "Solution",
    "Stop",
    "StrategyName",
    "Term",
    "Violation",
    "Visitor",
    "__version__",
    "compile_problem",
    "counting_bounds",
    "dump_plan",
    "evaluate",
    "group_name",
    "heat_maps",
    "input_limit",
    "input_too_large",
    "instance_from_bytes",
    "is_spreadsheet",
    "labels",
    "load_instance",
    "metric_label",
    "mixing_note",
    "number",
    "objective_value",
    "parse_instance",
    "people_met",
    "plan_file_names",
    "plan_files",
    "render_html",
    "round_name",
    "seating_plans",
    "shipped_examples",
    "solve",
    "spreadsheet_instance",
    "spreadsheet_instance_from_bytes",
    "verify",
    "workbook_bytes",
    "write_files_atomically",
    "write_plan",
]
