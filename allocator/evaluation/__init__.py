"""An independent second opinion on plans: hard-rule checks and an objective recount."""

from allocator.evaluation.evaluate import evaluate, objective_value
from allocator.evaluation.verify import Violation, read_seats, verify

__all__ = ["Violation", "evaluate", "objective_value", "read_seats", "verify"]
