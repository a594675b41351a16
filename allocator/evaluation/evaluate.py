"""Recount a plan's objective terms straight from FORMAT.md.

This module is a second opinion on the solvers: it reads only the instance
models and the plan's JSON, never the solvers' compiled layout, so a bug in
the layout cannot hide itself here.

A *seating* is the plan read back into participant indices: for each round
(in instance order), a dict from group id to the indices of its members. Meetings are
counted from group memberships (`meetings.py`), never by listing a plenary's pairs.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any

import numpy as np

from allocator.evaluation.meetings import (
    ABSENT,
    Vectors,
    meetings_of,
    pairs_met,
    pairs_met_per_grouping,
)
from allocator.model.instance import AttributeValue, Instance, Participant, Term

Seating = list[dict[str, list[int]]]


def attribute_value(person: Participant, attribute: str) -> AttributeValue | None:
    """`role` and `organisation` are fields; any other name is looked up in `attributes`."""
    if attribute == "role":
        return person.role
    if attribute == "organisation":
        return person.organisation
    return person.attributes.get(attribute)


def grouping_of_rounds(instance: Instance) -> list[int]:
    """For each round, the number (0, 1, ...) of the grouping it belongs to.

    A round without `same_groups_as` / `merge_of` opens a new grouping; a linked
    round joins the grouping of the round it names (which is always earlier).
    """
    index = {rnd.id: k for k, rnd in enumerate(instance.rounds)}
    grouping: list[int] = []
    count = 0
    for rnd in instance.rounds:
        linked = rnd.same_groups_as or rnd.merge_of
        if linked is None:
            grouping.append(count)
            count += 1
        else:
            grouping.append(grouping[index[linked]])
    return grouping


def seating(instance: Instance, plan: dict[str, Any]) -> Seating:
    """Read a structurally valid plan into indices (unknown ids are skipped, not guessed)."""
    person = {p.id: i for i, p in enumerate(instance.participants)}
    seats: Seating = []
    for plan_round in plan["rounds"]:
        seats.append(
            {
                group["id"]: [person[m] for m in group.get("members", []) if m in person]
                for group in plan_round["groups"]
            }
        )
    return seats


def seat_vectors(instance: Instance, seats: Seating) -> Vectors:
    """Per round, each participant's group (its position in the round) or ABSENT."""
    vectors = []
    for groups in seats:
        v = np.full(len(instance.participants), ABSENT, dtype=np.int64)
        for g, members in enumerate(groups.values()):
            v[members] = g
        vectors.append(v)
    return vectors


def groupings(instance: Instance, vectors: Vectors) -> list[Vectors]:
    """The rounds' vectors, gathered by grouping."""
    grouping = grouping_of_rounds(instance)
    gathered: list[Vectors] = [[] for _ in range(max(grouping) + 1)]
    for k, v in enumerate(vectors):
        gathered[grouping[k]].append(v)
    return gathered


def codes_of(values: list[object]) -> np.ndarray:
    """Integer codes of values, ABSENT for None."""
    index: dict[object, int] = {}
    return np.array(
        [ABSENT if v is None else index.setdefault(v, len(index)) for v in values], dtype=np.int64
    )


def round_imbalance(instance: Instance, groups: dict[str, list[int]], attribute: str) -> Fraction:
    """Σ over groups g and values v of |count(g, v) − e|, e = n_v × size(g) / present.

    A value absent from g contributes e itself, so those are summed in one go as
    size(g) / present × (members with a value − those of the values g holds).
    """
    values = [
        [attribute_value(instance.participants[i], attribute) for i in members]
        for members in groups.values()
    ]
    present = sum(len(row) for row in values)
    if present == 0:
        return Fraction(0)
    in_round = Counter(v for row in values for v in row if v is not None)
    with_value = sum(in_round.values())
    total = Fraction(0)
    for row in values:
        size = len(row)
        in_group = Counter(v for v in row if v is not None)
        for value, count in in_group.items():
            total += abs(Fraction(count) - Fraction(in_round[value] * size, present))
        absent = with_value - sum(in_round[value] for value in in_group)
        total += Fraction(absent * size, present)
    return total


def _imbalance(instance: Instance, seats: Seating, attribute: str) -> float:
    """Rounds declared `same_groups_as` repeat an earlier round's groups and are not counted."""
    total = Fraction(0)
    for rnd, groups in zip(instance.rounds, seats, strict=True):
        if rnd.same_groups_as is None:
            total += round_imbalance(instance, groups, attribute)
    return float(total)


def _same_organisation(instance: Instance, by_grouping: list[Vectors]) -> float:
    """Each grouping in which a same-organisation pair meets counts once."""
    organisation = codes_of([p.organisation for p in instance.participants])
    return float(pairs_met_per_grouping(by_grouping, organisation))


def _repeat_pairs(by_grouping: list[Vectors]) -> float:
    """A pair meeting in m groupings counts m − 1: the meetings summed over groupings, less
    the pairs that meet at all."""
    every_round = [v for vectors in by_grouping for v in vectors]
    return float(pairs_met_per_grouping(by_grouping) - pairs_met(every_round))


def _pairs(instance: Instance, term: Term, by_grouping: list[Vectors]) -> float:
    """Minus Σ weight(pair) × groupings met; the matrix is read at [i][j] with i < j."""
    if term.matrix is not None:
        matrix = np.asarray(term.matrix, dtype=float)
        first, second = np.nonzero(np.triu(matrix, k=1))
        weights = matrix[first, second]
    else:
        person = {p.id: i for i, p in enumerate(instance.participants)}
        listed = [
            (*sorted((person[a], person[b])), weight)
            for a, b, weight in term.pairs or []
            if a in person and b in person and a != b
        ]
        first = np.array([i for i, _, _ in listed], dtype=np.int64)
        second = np.array([j for _, j, _ in listed], dtype=np.int64)
        weights = np.array([w for _, _, w in listed], dtype=float)
    met = meetings_of(by_grouping, first, second)
    return -float(np.dot(weights, met)) + 0.0


def _duty_repeats(instance: Instance, plan: dict[str, Any]) -> float:
    """Every appearance in a holder list is one duty held."""
    held: Counter[str] = Counter()
    for plan_round in plan["rounds"]:
        for group in plan_round["groups"]:
            for holders in (group.get("duties") or {}).values():
                held.update(holders)
    known = {p.id for p in instance.participants}
    return float(sum(n - 1 for pid, n in held.items() if pid in known and n > 1))


def evaluate(instance: Instance, plan: dict[str, Any]) -> dict[str, float]:
    """Every term of the effective objective, keyed `term` or `term:attribute`.

    The plan must pass verify's `structure` rule; this function does not re-check it.
    """
    seats = seating(instance, plan)
    by_grouping = groupings(instance, seat_vectors(instance, seats))
    metrics: dict[str, float] = {}
    for term in instance.effective_objective():
        if term.term == "same_organisation":
            metrics[term.key] = _same_organisation(instance, by_grouping)
        elif term.term == "repeat_pairs":
            metrics[term.key] = _repeat_pairs(by_grouping)
        elif term.term == "imbalance":
            metrics[term.key] = _imbalance(instance, seats, term.attribute or "")
        elif term.term == "pairs":
            metrics[term.key] = _pairs(instance, term, by_grouping)
        else:
            metrics[term.key] = _duty_repeats(instance, plan)
    return metrics


def objective_value(instance: Instance, metrics: dict[str, float]) -> float:
    """Σ weight × value over the effective objective."""
    return float(sum(t.weight * metrics[t.key] for t in instance.effective_objective()))
