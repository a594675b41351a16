"""The compiled problem: one immutable set of numpy arrays, indexed by participant
and round, that every strategy reads and none mutates."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from allocator.model.instance import Instance, Participant
from allocator.model.layout import RoundShape, round_shapes

NONE = -1
"""Code of a missing value (no organisation, no role, attribute not given)."""


def _frozen(values: object, dtype: type = np.int64) -> np.ndarray:
    array = np.array(values, dtype=dtype)
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class Codes:
    """A categorical attribute as integer codes per participant (NONE when missing)."""

    name: str
    values: tuple[object, ...]
    of: np.ndarray


@dataclass(frozen=True)
class DutySpec:
    name: str
    per_group: int
    rounds: frozenset[int]
    eligible: np.ndarray
    """Boolean per participant: may hold this duty."""


@dataclass(frozen=True)
class RatioRule:
    role: int
    per: int
    min: Fraction | None
    max: Fraction | None


@dataclass(frozen=True)
class Objective:
    """One weighted term; `codes` for imbalance, `pair_*` (i < j) for the pairs term."""

    key: str
    term: str
    weight: float
    codes: Codes | None = None
    pair_i: np.ndarray | None = None
    pair_j: np.ndarray | None = None
    pair_w: np.ndarray | None = None


@dataclass(frozen=True)
class Problem:
    instance: Instance
    rounds: tuple[RoundShape, ...]
    present: np.ndarray
    """(rounds, participants) bool."""
    organisation: Codes
    role: Codes
    org_cap: tuple[int | None, ...]
    """Per round: the organisation cap in force (None = no cap)."""
    round_visitors: tuple[tuple[int, ...], ...]
    visitor_ids: tuple[str, ...]
    duties: tuple[DutySpec, ...]
    ratios: tuple[RatioRule, ...]
    balance: tuple[Codes, ...]
    apart: tuple[np.ndarray, ...]
    together: tuple[np.ndarray, ...]
    fixed: tuple[tuple[int, int, int], ...]
    """(participant, round, group index) pins."""
    max_meetings: int | None
    visitors_exactly_once: bool
    objective: tuple[Objective, ...]
    keep: np.ndarray | None = None
    """Day-of repair: (rounds, participants) group index of the earlier plan, ABSENT where
    there is none; strategies first minimise how many of these seats change."""

    @property
    def n(self) -> int:
        return len(self.instance.participants)

    @property
    def n_groupings(self) -> int:
        return len(self._rounds_by_grouping)

    def rounds_of_grouping(self, grouping: int) -> list[int]:
        return list(self._rounds_by_grouping[grouping])

    @functools.cached_property
    def _rounds_by_grouping(self) -> tuple[tuple[int, ...], ...]:
        """Computed once: a day of many rounds asks per grouping, many times over."""
        gathered: list[list[int]] = [[] for _ in range(1 + max(r.grouping for r in self.rounds))]
        for k, shape in enumerate(self.rounds):
            gathered[shape.grouping].append(k)
        return tuple(tuple(rounds) for rounds in gathered)


def _value_of(person: Participant, name: str) -> object:
    if name == "organisation":
        return person.organisation
    if name == "role":
        return person.role
    return person.attributes.get(name)


def attribute_codes(instance: Instance, name: str) -> Codes:
    values: dict[object, int] = {}
    codes = []
    for person in instance.participants:
        value = _value_of(person, name)
        codes.append(NONE if value is None else values.setdefault(value, len(values)))
    return Codes(name, tuple(values), _frozen(codes))


def _duty_specs(instance: Instance, role: Codes) -> tuple[DutySpec, ...]:
    index = {r.id: k for k, r in enumerate(instance.rounds)}
    specs = []
    for duty in instance.duties:
        rounds = (
            range(len(instance.rounds)) if duty.rounds is None else [index[r] for r in duty.rounds]
        )
        if duty.eligible_roles is None:
            eligible = np.ones(len(instance.participants), dtype=bool)
        else:
            allowed = {role.values.index(r) for r in duty.eligible_roles}
            eligible = np.isin(role.of, list(allowed))
        eligible.flags.writeable = False
        specs.append(DutySpec(duty.name, duty.per_group, frozenset(rounds), eligible))
    return tuple(specs)


def _ratios(instance: Instance, role: Codes) -> tuple[RatioRule, ...]:
    n = len(instance.participants)

    def frac(x: float | None, rounding: Callable[[Fraction], int]) -> Fraction | None:
        """The decimal the organiser wrote: 0.1 means 1/10, not the nearest binary float."""
        return None if x is None else same_ratio_for_counts(Fraction(str(x)), n, rounding)

    return tuple(
        RatioRule(
            role.values.index(r.role),
            role.values.index(r.per),
            frac(r.min, math.ceil),
            frac(r.max, math.floor),
        )
        for r in instance.constraints.role_ratio
    )


def same_ratio_for_counts(ratio: Fraction, n: int, rounding: Callable[[Fraction], int]) -> Fraction:
    """The ratio with the smallest denominator that every count of at most n people compares
    with alike: for a max, count ≤ ratio·per ⟺ count ≤ ⌊ratio·per⌋, and the largest of
    ⌊ratio·q⌋/q over q ≤ n gives the same ⌊·⌋ for every per ≤ n (a min, with ⌈·⌉ and the
    smallest, likewise). A ratio with 17 digits then keeps the solvers' integers small."""
    if ratio.denominator <= n:
        return ratio
    candidates = (Fraction(rounding(ratio * q), q) for q in range(1, n + 1))
    return max(candidates) if rounding is math.floor else min(candidates)


def _pair_arrays(instance: Instance, pairs: list, matrix: list | None) -> tuple[np.ndarray, ...]:
    """Nonzero pair numbers as (i, j, w) arrays with i < j, duplicates summed."""
    n = len(instance.participants)
    if matrix is not None:
        dense = np.asarray(matrix, dtype=np.float64)
        i, j = np.triu_indices(n, k=1)
        w = dense[i, j]
    else:
        index = {p.id: k for k, p in enumerate(instance.participants)}
        summed: dict[tuple[int, int], float] = {}
        for a, b, number in pairs:
            key = tuple(sorted((index[a], index[b])))
            summed[key] = summed.get(key, 0.0) + number
        i = np.array([k[0] for k in summed], dtype=np.int64)
        j = np.array([k[1] for k in summed], dtype=np.int64)
        w = np.array(list(summed.values()), dtype=np.float64)
    keep = w != 0
    return _frozen(i[keep]), _frozen(j[keep]), _frozen(w[keep], np.float64)


def _objective(instance: Instance) -> tuple[Objective, ...]:
    terms = []
    for t in instance.effective_objective():
        if t.term == "imbalance":
            assert t.attribute is not None
            terms.append(
                Objective(t.key, t.term, t.weight, codes=attribute_codes(instance, t.attribute))
            )
        elif t.term == "pairs":
            i, j, w = _pair_arrays(instance, t.pairs or [], t.matrix)
            terms.append(Objective(t.key, t.term, t.weight, pair_i=i, pair_j=j, pair_w=w))
        else:
            terms.append(Objective(t.key, t.term, t.weight))
    return tuple(terms)


def no_cap_above(cap: int | None, n: int) -> int | None:
    """A cap above the number of participants caps nothing: it is read as no cap."""
    return None if cap is None or cap > n else cap


def earlier_seats(instance: Instance, shapes: tuple[RoundShape, ...], plan: dict) -> np.ndarray:
    """The seats of an earlier plan that still exist: same participant, round and group id."""
    person = {p.id: k for k, p in enumerate(instance.participants)}
    seats = np.full((len(shapes), len(person)), NONE, dtype=np.int64)
    for r, shape in enumerate(shapes):
        groups = {g.id: k for k, g in enumerate(shape.groups)}
        old = next((rnd for rnd in plan.get("rounds", []) if rnd.get("id") == shape.id), None)
        for group in (old or {}).get("groups", []):
            for pid in group.get("members", []):
                if pid in person and group.get("id") in groups and person[pid] in shape.present:
                    seats[r, person[pid]] = groups[group["id"]]
    seats.flags.writeable = False
    return seats


def compile_problem(instance: Instance, earlier_plan: dict | None = None) -> Problem:
    """Build the arrays once; `instance` must have passed `parse_instance`. With an
    `earlier_plan`, the problem is a repair that keeps as many of its seats as it can."""
    shapes = tuple(round_shapes(instance))
    n = len(instance.participants)
    present = np.zeros((len(shapes), n), dtype=bool)
    for k, shape in enumerate(shapes):
        present[k, list(shape.present)] = True
    present.flags.writeable = False
    role = attribute_codes(instance, "role")
    person = {p.id: k for k, p in enumerate(instance.participants)}
    round_index = {r.id: k for k, r in enumerate(instance.rounds)}
    visitor_index = {v.id: k for k, v in enumerate(instance.visitors)}
    c = instance.constraints
    caps = tuple(
        no_cap_above(
            r.max_per_organisation if r.overrides_organisation_cap else c.max_per_organisation, n
        )
        for r in instance.rounds
    )
    fixed = []
    for pin in c.fixed:
        k = round_index[pin.round]
        g = [grp.id for grp in shapes[k].groups].index(pin.group)
        fixed.append((person[pin.participant], k, g))
    return Problem(
        instance=instance,
        rounds=shapes,
        present=present,
        organisation=attribute_codes(instance, "organisation"),
        role=role,
        org_cap=caps,
        round_visitors=tuple(tuple(visitor_index[v] for v in r.visitors) for r in instance.rounds),
        visitor_ids=tuple(visitor_index),
        duties=_duty_specs(instance, role),
        ratios=_ratios(instance, role),
        balance=tuple(attribute_codes(instance, name) for name in c.balance),
        apart=tuple(_frozen([person[p] for p in ids]) for ids in c.apart),
        together=tuple(_frozen([person[p] for p in ids]) for ids in c.together),
        fixed=tuple(fixed),
        max_meetings=no_cap_above(c.max_meetings, n),
        visitors_exactly_once=c.visitor_meetings == "exactly_once",
        objective=_objective(instance),
        keep=None if earlier_plan is None else earlier_seats(instance, shapes, earlier_plan),
    )
