"""Errors the engine reports to people: bad input (exit 2) and proven infeasibility (exit 3)."""

from __future__ import annotations

from dataclasses import dataclass


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


class InputError(Exception):
    """The instance file is not a valid instance; nothing can be solved."""

    def __init__(self, issues: list[FieldIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass(frozen=True)
class Conflict:
    """A hard rule that cannot hold, with the counts that prove it."""

    rule: str
    message: str
    suggestion: str = ""

    def lines(self) -> list[str]:
        lines = [f"[{self.rule}] {self.message}"]
        return [*lines, f"    suggestion: {self.suggestion}"] if self.suggestion else lines

    def __str__(self) -> str:
        return "\n".join(self.lines())


class InfeasibleError(Exception):
    """The instance has no valid plan; `conflicts` say which rules clash and why."""

    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        super().__init__("\n".join(str(c) for c in conflicts))
