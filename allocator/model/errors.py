"""Errors the engine reports to people, one family under `AllocatorError`: bad input (exit
2), proven infeasibility (exit 3) and no valid plan (exit 4), each with its data as fields
as well as in its message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from allocator.evaluation.verify import Violation


class AllocatorError(Exception):
    """Every error the engine raises on purpose; anything else is a bug."""


@dataclass(frozen=True)
class FieldIssue:
    """One thing wrong with the input, at a JSON path such as `participants[12].organisation`."""

    path: str
    message: str
    hint: str = ""

    def lines(self) -> list[str]:
        lines = [f"{self.path or '(instance)'}: {self.message}"]
        return [*lines, f"    hint: {self.hint}"] if self.hint else lines

    def __str__(self) -> str:
        return "\n".join(self.lines())


class InputError(AllocatorError):
    """The input is not a valid instance (or option); nothing can be solved. `issues` name
    each bad field by its path."""

    def __init__(self, issues: list[FieldIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))

    @property
    def paths(self) -> list[str]:
        return [issue.path for issue in self.issues]


@dataclass(frozen=True)
class Conflict:
    """A hard rule that cannot hold, with the counts that prove it."""

    rule: str
    message: str
    suggestion: str = ""
    round: str | None = None
    """The round where it cannot hold, when it is one round's."""
    counts: Mapping[str, int | float] = field(default_factory=dict, hash=False)
    """The numbers of the proof, by name (`members`, `groups`, `cap`, `seatable`...)."""

    def lines(self) -> list[str]:
        lines = [f"[{self.rule}] {self.message}"]
        return [*lines, f"    suggestion: {self.suggestion}"] if self.suggestion else lines

    def __str__(self) -> str:
        return "\n".join(self.lines())


class InfeasibleError(AllocatorError):
    """The instance has no valid plan; `conflicts` say which rules clash and why."""

    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        super().__init__("\n".join(str(c) for c in conflicts))

    @property
    def rules(self) -> list[str]:
        return [conflict.rule for conflict in self.conflicts]


NoPlanReason = Literal["time", "stopped", "unsupported", "invalid"]


class NoPlanError(AllocatorError):
    """No plan keeping every hard rule, though none was proven impossible: the time ran out
    (`time`), the solve was stopped first (`stopped`), the strategy cannot take this
    instance (`unsupported`), or the plan breaks rules (`invalid`, with its `violations`)."""

    def __init__(
        self,
        message: str,
        *,
        reason: NoPlanReason,
        strategy: str,
        time_limit: float | None = None,
        violations: Sequence[Violation] = (),
    ):
        self.reason = reason
        self.strategy = strategy
        self.time_limit = time_limit
        self.violations = tuple(violations)
        super().__init__(message)
