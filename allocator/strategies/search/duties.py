"""Duties for a seating that is already fixed: an optimal hand-out by min-cost flow.

Each person's first duty costs nothing and every further one costs 1, so the cheapest flow
that fills every (round, group, duty) seat minimises `duty_repeats` exactly, while a person
holds at most one duty per round and only duties their role allows.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from allocator.model.problem import Problem
from allocator.strategies.base import ABSENT, Assignment


def hand_out_duties(problem: Problem, plan: Assignment) -> bool:
    """Fill `plan.duty`; False when some group has too few eligible members."""
    flow = min_cost_flow.SimpleMinCostFlow()
    seats = [
        (r, g, d)
        for d, duty in enumerate(problem.duties)
        for r in sorted(duty.rounds)
        for g in range(len(problem.rounds[r].groups))
    ]
    need = sum(problem.duties[d].per_group for _, _, d in seats)
    if need == 0:
        return True
    n, rounds = problem.n, len(problem.rounds)
    source, sink = 0, 1
    person = 2  # nodes 2 .. n+1
    person_round = person + n  # (q, r) → person_round + q * rounds + r
    slot = person_round + n * rounds
    slot_of = {key: slot + k for k, key in enumerate(seats)}
    for q in range(n):
        flow.add_arc_with_capacity_and_unit_cost(source, person + q, 1, 0)
        flow.add_arc_with_capacity_and_unit_cost(source, person + q, need, 1)
    holders: list[tuple[int, int, int, int]] = []
    for (r, g, d), node in slot_of.items():
        flow.add_arc_with_capacity_and_unit_cost(node, sink, problem.duties[d].per_group, 0)
        for q in np.flatnonzero((plan.group[r] == g) & problem.duties[d].eligible).tolist():
            arc = flow.add_arc_with_capacity_and_unit_cost(
                person_round + q * rounds + r, node, 1, 0
            )
            holders.append((arc, r, q, d))
    for q in range(n):
        for r in range(rounds):
            if plan.group[r, q] != ABSENT:
                flow.add_arc_with_capacity_and_unit_cost(
                    person + q, person_round + q * rounds + r, 1, 0
                )
    flow.set_node_supply(source, need)
    flow.set_node_supply(sink, -need)
    if flow.solve() != flow.OPTIMAL:
        return False
    for arc, r, q, d in holders:
        if flow.flow(arc) > 0:
            plan.duty[r, q] = d
    return True
