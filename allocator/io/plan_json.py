"""The plan as the JSON object of FORMAT.md, built from a strategy's arrays."""

from __future__ import annotations

import json
from typing import Any

from allocator.model.problem import Problem
from allocator.strategies.base import ABSENT, Assignment


def plan_rounds(problem: Problem, assignment: Assignment) -> list[dict[str, Any]]:
    """Every round and every group, empty ones included, members in participant order (the
    present people bucketed by group once: a round of 2,500 tables is not 2,500 scans)."""
    people = [p.id for p in problem.instance.participants]
    rounds = []
    for r, shape in enumerate(problem.rounds):
        members: list[list[int]] = [[] for _ in shape.groups]
        for q, g in zip(
            shape.present, assignment.group[r, list(shape.present)].tolist(), strict=True
        ):
            if 0 <= g < len(members):
                members[g].append(q)
        groups = []
        for g, group in enumerate(shape.groups):
            seated = members[g]
            visitor = [
                problem.visitor_ids[v]
                for v in problem.round_visitors[r]
                if assignment.visitor_group[r, v] == g
            ]
            duties = {
                duty.name: [people[q] for q in seated if assignment.duty[r, q] == d]
                for d, duty in enumerate(problem.duties)
                if r in duty.rounds
            }
            groups.append(
                {
                    "id": group.id,
                    "members": [people[q] for q in seated],
                    "visitor": visitor[0] if visitor else None,
                    "duties": duties,
                }
            )
        rounds.append({"id": shape.id, "groups": groups})
    assert all(
        assignment.group[r, q] != ABSENT for r, s in enumerate(problem.rounds) for q in s.present
    )
    return rounds


def dump_plan(plan: dict[str, Any]) -> str:
    """Strict JSON: a NaN or an infinity is an error here, not a `NaN` no parser reads."""
    return json.dumps(plan, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
