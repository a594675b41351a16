"""A greedy starting plan for the local search on days whose rounds all form new groups."""

from __future__ import annotations

import numpy as np

from allocator.model.problem import Problem
from allocator.strategies.base import ABSENT, Assignment, empty_assignment


def target_sizes(problem: Problem, r: int) -> np.ndarray:
    """Sizes as even as the bounds allow (fewest pairs seated together)."""
    shape = problem.rounds[r]
    sizes = np.array([g.min_size for g in shape.groups])
    high = np.array([g.max_size for g in shape.groups])
    for _ in range(len(shape.present) - int(sizes.sum())):
        room = np.flatnonzero(sizes < high)
        sizes[room[np.argmin(sizes[room])]] += 1
    return sizes


def greedy_start(problem: Problem, seed: int, weights: tuple[float, float]) -> Assignment:
    """Seat each round person by person (random order) in the group with room where they
    have the fewest colleagues and people already met; pins are seated first."""
    rng = np.random.default_rng(seed)
    w_same, w_rep = weights
    plan = empty_assignment(problem)
    met_before: list[dict[int, int]] = [{} for _ in range(problem.n)]
    """Per person, how many rounds they have shared with each other person so far."""
    org = problem.organisation.of
    pins = {(q, r): g for q, r, g in problem.fixed}
    for r, shape in enumerate(problem.rounds):
        room = target_sizes(problem, r).astype(float)
        orgs = np.zeros((len(shape.groups), max(1, len(problem.organisation.values))))
        people = rng.permutation(np.array(shape.present, dtype=np.int64))
        people = sorted(people.tolist(), key=lambda q: (q, r) not in pins)
        for q in people:
            if (q, r) in pins:
                g = pins[q, r]
            else:
                cost = np.zeros(len(shape.groups))
                if org[q] >= 0:
                    cost += w_same * orgs[:, org[q]]
                met = [(x, k) for x, k in met_before[q].items() if plan.group[r, x] != ABSENT]
                if met:
                    seated, times = zip(*met, strict=True)
                    groups = plan.group[r, list(seated)]
                    cost += w_rep * np.bincount(groups, times, minlength=len(shape.groups))
                cost += rng.random(len(shape.groups)) * 1e-3
                cost[room <= 0] = np.inf
                g = int(np.argmin(cost))
            plan.group[r, q] = g
            room[g] -= 1
            if org[q] >= 0:
                orgs[g, org[q]] += 1
        for g in range(len(shape.groups)):
            seated = np.flatnonzero(plan.group[r] == g).tolist()
            for q in seated:
                for x in seated:
                    if x != q:
                        met_before[q][x] = met_before[q].get(x, 0) + 1
    return plan
