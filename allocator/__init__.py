"""allocator: seat people into groups over the rounds of a collaborative day.

    from allocator import load_instance, solve, write_plan
    solution = solve(load_instance("instances/partner_day.json"), time_limit=30)
    solution.typed_plan.itinerary("w01"), solution.typed_plan.gap
    write_plan(solution, "partner-day-plan")

Importing the package loads neither OR-Tools nor numba: a solve does, for its strategy.
The README's "As a library" section walks through a whole day.
"""

from allocator.evaluation import Violation, evaluate, objective_value, verify
from allocator.i18n import LANGS, Lang
from allocator.io.csv_plans import seating_plans
from allocator.io.files import load_instance, write_files_atomically
from allocator.io.html_plan import render_html
from allocator.io.plan_folder import plan_files, write_plan
from allocator.io.plan_json import dump_plan
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
from allocator.solve import STRATEGIES, Solution, StrategyName, solve
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
    "Solution",
    "Stop",
    "StrategyName",
    "Term",
    "Violation",
    "Visitor",
    "__version__",
    "compile_problem",
    "dump_plan",
    "evaluate",
    "load_instance",
    "objective_value",
    "parse_instance",
    "plan_files",
    "render_html",
    "seating_plans",
    "solve",
    "verify",
    "workbook_bytes",
    "write_files_atomically",
    "write_plan",
]
