"""allocator: seat people into groups over the rounds of a collaborative day.

from allocator import load_instance, solve
solution = solve(load_instance("instances/partner_day.json"), time_limit=30)
solution.plan["metrics"]
"""

from allocator.io.files import load_instance
from allocator.model.errors import InfeasibleError, InputError
from allocator.model.instance import Instance
from allocator.model.problem import Problem, compile_problem
from allocator.model.validate import parse_instance
from allocator.solve import STRATEGIES, NoPlanError, Solution, solve

__all__ = [
    "STRATEGIES",
    "InfeasibleError",
    "InputError",
    "Instance",
    "NoPlanError",
    "Problem",
    "Solution",
    "compile_problem",
    "load_instance",
    "parse_instance",
    "solve",
]
