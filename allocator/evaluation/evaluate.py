"""Recount a plan's objective terms straight from FORMAT.md.

This module is a second opinion on the solvers: it reads only the instance
models and the plan's JSON, never the solvers' compiled layout, so a bug in
the layout cannot hide itself here.

A *seating* is the plan read back into participant indices: for each round
(in instance order), a dict from group id to the indices of its members.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any

import numpy as np

from allocator.model.instance import AttributeValue, Instance, Participant, Term

Seating = list[dict[str, list[int]]]
Pair = tuple[int, int]


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


def grouping_pairs(instance: Instance, seats: Seating) -> list[set[Pair]]:
    """The pairs (i < j) meeting in each grouping: a pair sharing a group in several of
    its rounds meets there once."""
    grouping = grouping_of_rounds(instance)
    pairs: list[set[Pair]] = [set() for _ in range(max(grouping) + 1)]
    for k, groups in enumerate(seats):
        met = pairs[grouping[k]]
        for members in groups.values():
            ordered = sorted(members)
            for a, i in enumerate(ordered):
                for j in ordered[a + 1 :]:
                    met.add((i, j))
    return pairs


def meeting_counts(instance: Instance, seats: Seating) -> Counter[Pair]:
    """For every pair that meets at all, the number of groupings in which it meets."""
    counts: Counter[Pair] = Counter()
    for met in grouping_pairs(instance, seats):
        counts.update(met)
    return counts


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


def _same_organisation(instance: Instance, counts: Counter[Pair]) -> float:
    """Each grouping in which a same-organisation pair meets counts once."""
    people = instance.participants
    return float(
        sum(
            met
            for (i, j), met in counts.items()
            if people[i].organisation is not None
            and people[i].organisation == people[j].organisation
        )
    )


def _repeat_pairs(counts: Counter[Pair]) -> float:
    """A pair meeting in m groupings counts m − 1."""
    return float(sum(met - 1 for met in counts.values() if met > 1))


def _pairs(instance: Instance, term: Term, counts: Counter[Pair]) -> float:
    """Minus Σ weight(pair) × groupings met; the matrix is read at [i][j] with i < j."""
    if not counts:
        return 0.0
    if term.matrix is not None:
        matrix = np.asarray(term.matrix, dtype=float)
        firsts = np.fromiter((i for i, _ in counts), dtype=np.int64, count=len(counts))
        seconds = np.fromiter((j for _, j in counts), dtype=np.int64, count=len(counts))
        met = np.fromiter(counts.values(), dtype=float, count=len(counts))
        return -float(np.dot(matrix[firsts, seconds], met)) + 0.0
    person = {p.id: i for i, p in enumerate(instance.participants)}
    weights: Counter[Pair] = Counter()
    for a, b, weight in term.pairs or []:
        if a in person and b in person and a != b:
            i, j = sorted((person[a], person[b]))
            weights[(i, j)] += weight
    return -float(sum(weight * counts[pair] for pair, weight in weights.items())) + 0.0


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
    counts = meeting_counts(instance, seats)
    metrics: dict[str, float] = {}
    for term in instance.effective_objective():
        if term.term == "same_organisation":
            metrics[term.key] = _same_organisation(instance, counts)
        elif term.term == "repeat_pairs":
            metrics[term.key] = _repeat_pairs(counts)
        elif term.term == "imbalance":
            metrics[term.key] = _imbalance(instance, seats, term.attribute or "")
        elif term.term == "pairs":
            metrics[term.key] = _pairs(instance, term, counts)
        else:
            metrics[term.key] = _duty_repeats(instance, plan)
    return metrics


def objective_value(instance: Instance, metrics: dict[str, float]) -> float:
    """Σ weight × value over the effective objective."""
    return float(sum(t.weight * metrics[t.key] for t in instance.effective_objective()))
