"""Counting lower bounds on each objective term, valid for every plan of the problem."""

from __future__ import annotations

import heapq
import math
import weakref
from collections import Counter, defaultdict
from dataclasses import replace
from itertools import combinations
from math import comb

import numpy as np

from allocator.model.layout import RoundShape
from allocator.model.problem import Problem


def fewest_pairs(people: int, groups: int) -> int:
    """Pigeonhole: `people` in `groups` groups share at least this many pairs."""
    q, extra = divmod(people, groups)
    return extra * comb(q + 1, 2) + (groups - extra) * comb(q, 2)


def fewest_pairs_within_sizes(shape: RoundShape, spread_over: int = 1) -> int:
    """Fewest pairs that share a group of this round and also a group of a round with
    `spread_over` groups (1: just the pairs of this round). The cost of a group grows
    convexly with its size, so adding each person where it costs least is optimal."""

    def cost(size: int) -> int:
        return fewest_pairs(size, spread_over)

    sizes = [g.min_size for g in shape.groups]
    left = len(shape.present) - sum(sizes)
    heap = [(cost(s + 1) - cost(s), k) for k, s in enumerate(sizes) if s < shape.groups[k].max_size]
    heapq.heapify(heap)
    while left > 0 and heap:
        _, k = heapq.heappop(heap)
        sizes[k] += 1
        left -= 1
        if sizes[k] < shape.groups[k].max_size:
            heapq.heappush(heap, (cost(sizes[k] + 1) - cost(sizes[k]), k))
    return sum(cost(s) for s in sizes)


def linked_components(lists: list[list[int]]) -> list[list[int]]:
    """People linked by lists that share members, as disjoint sorted groups (union-find)."""
    parent: dict[int, int] = {}

    def root(q: int) -> int:
        parent.setdefault(q, q)
        while parent[q] != q:
            parent[q] = parent[parent[q]]
            q = parent[q]
        return q

    for people in lists:
        for q in people[1:]:
            parent[root(q)] = root(people[0])
    members: dict[int, list[int]] = defaultdict(list)
    for q in sorted(parent):
        members[root(q)].append(q)
    return list(members.values())


def forced_meetings(problem: Problem) -> dict[tuple[int, int], set[int]]:
    """The groupings in which `together` lists make each pair (a < b) meet: in a round where
    every member of a list is present they share a group, and lists sharing a member chain."""
    forced: dict[tuple[int, int], set[int]] = defaultdict(set)
    for r, shape in enumerate(problem.rounds):
        whole = [ids.tolist() for ids in problem.together if problem.present[r, ids].all()]
        for component in linked_components(whole):
            for pair in combinations(component, 2):
                forced[pair].add(shape.grouping)
    return forced


def same_organisation_bound(problem: Problem) -> int:
    """Per grouping and organisation, the members present in its most crowded round must share
    pairs by pigeonhole, and the colleagues `together` lists seat side by side meet too;
    either count is a floor for the pairs that meet in the grouping."""
    orgs = problem.organisation
    forced = Counter(
        (k, int(orgs.of[a]))
        for (a, b), groupings in forced_meetings(problem).items()
        if orgs.of[a] >= 0 and orgs.of[a] == orgs.of[b]
        for k in groupings
    )
    crowded = np.zeros((problem.n_groupings, len(orgs.values)), dtype=np.int64)
    for r, shape in enumerate(problem.rounds):
        members = orgs.of[problem.present[r] & (orgs.of >= 0)]
        counts = np.bincount(members, minlength=len(orgs.values))
        pairs = _fewest_pairs_each(counts, len(shape.groups))
        crowded[shape.grouping] = np.maximum(crowded[shape.grouping], pairs)
    for (k, o), pairs in forced.items():
        crowded[k, o] = max(crowded[k, o], pairs)
    return int(crowded.sum())


def _fewest_pairs_each(people: np.ndarray, groups: int) -> np.ndarray:
    """`fewest_pairs` of each count in `people`, over the same number of groups."""
    q, extra = np.divmod(people, groups)
    return extra * (q + 1) * q // 2 + (groups - extra) * q * (q - 1) // 2


def least_company(problem: Problem) -> np.ndarray:
    """Per person, the fewest others they sit with over the day: in each grouping they
    attend, the smallest group's least size (less themselves) of its roomiest round they
    attend."""
    seats = np.zeros(problem.n, dtype=np.int64)
    for k in range(problem.n_groupings):
        best = np.full(problem.n, np.iinfo(np.int64).min)
        for r in problem.rounds_of_grouping(k):
            smallest = min(g.min_size for g in problem.rounds[r].groups) - 1
            best = np.where(problem.present[r], np.maximum(best, smallest), best)
        seats += np.where(best > np.iinfo(np.int64).min, best, 0)
    return seats


def repeat_pairs_bound(problem: Problem) -> int:
    """Meetings beyond the number of distinct pairs are repeats; per person, seats beyond
    the others they may meet are repeats (over everyone and over each `apart` list); and
    pairs kept together meet every time."""
    per_grouping = [
        max(fewest_pairs_within_sizes(problem.rounds[r]) for r in problem.rounds_of_grouping(k))
        for k in range(problem.n_groupings)
    ]
    by_pairs = sum(per_grouping) - comb(problem.n, 2)
    excess = _seats_beyond_company(problem)
    kept_together = sum(len(k) - 1 for k in forced_meetings(problem).values())
    return max(
        0,
        by_pairs,
        -(-int(excess.sum()) // 2),
        _consecutive_overlaps(problem),
        kept_together,
        _without_orthogonal_mates(problem),
        *(int(excess[ids].sum()) for ids in problem.apart),
    )


def _seats_beyond_company(problem: Problem) -> np.ndarray:
    """Per person, the seats beside them beyond the others they may sit with (everyone but
    themselves and their `apart` mates): each is a repeated meeting of a pair they are in.
    Summed over everyone, each repeat counts twice; summed over one `apart` list, once, since
    no repeated pair holds two members of a list that never meets."""
    mates: dict[int, set[int]] = defaultdict(set)
    for ids in problem.apart:
        for person in ids.tolist():
            mates[person].update(ids.tolist())
    kept_away = np.zeros(problem.n, dtype=np.int64)
    for person, them in mates.items():
        kept_away[person] = len(them) - 1
    return np.maximum(0, least_company(problem) - (problem.n - 1 - kept_away))


NO_ORTHOGONAL_MATES = (2, 6)
"""Orders m with no pair of orthogonal Latin squares (Euler's 36 officers: Tarry, 1900)."""


def _without_orthogonal_mates(problem: Problem) -> int:
    """m² people in m groups of exactly m, in four groupings or more, for m = 2 or 6: at
    least 2 repeats. Four such groupings without repeats would be two of them as the rows and
    columns of an m × m grid and the others as a pair of orthogonal Latin squares, which do
    not exist. Exactly one repeat cannot happen either (for any m): the two groupings that
    share the pair make, over a grid drawn by two others, two Latin squares whose
    superposition shows m² − 1 distinct ordered pairs; but the symbol pair (a, b) that
    appears twice leaves some (a, d) out among the m cells where the first square reads a,
    and some (c, b) out among those where the second reads b, so one pair is missing only
    if it is (a, b) itself."""
    m = math.isqrt(problem.n)
    if m * m != problem.n or m not in NO_ORTHOGONAL_MATES:
        return 0
    resolutions = sum(
        any(_exactly(problem.rounds[r], m) for r in problem.rounds_of_grouping(k))
        for k in range(problem.n_groupings)
    )
    return 2 if resolutions >= 4 else 0


def _exactly(shape: RoundShape, m: int) -> bool:
    """Does the round seat everyone in m groups of exactly m?"""
    return len(shape.groups) == m and all(g.min_size == g.max_size == m for g in shape.groups)


def _seen_by(shape: RoundShape, people: int) -> RoundShape:
    """The round as `people` of its participants see it: a group holds at least its least
    size less everyone else present, and at most its largest."""
    others = len(shape.present) - people
    groups = tuple(replace(g, min_size=max(0, g.min_size - others)) for g in shape.groups)
    return replace(shape, groups=groups, present=tuple(range(people)))


def _consecutive_overlaps(problem: Problem) -> int:
    """A group of one grouping spread over the g groups of the next still leaves pigeonhole
    pairs together among the people present in both; summed over consecutive groupings, no
    pair is counted twice."""
    total = 0
    for k in range(1, problem.n_groupings):
        a, b = (
            min(problem.rounds_of_grouping(j), key=lambda r: len(problem.rounds[r].groups))
            for j in (k - 1, k)
        )
        both = int((problem.present[a] & problem.present[b]).sum())
        shape_a, shape_b = _seen_by(problem.rounds[a], both), _seen_by(problem.rounds[b], both)
        total += max(
            fewest_pairs_within_sizes(shape_a, len(shape_b.groups)),
            fewest_pairs_within_sizes(shape_b, len(shape_a.groups)),
        )
    return total


def duty_repeats_bound(problem: Problem) -> int:
    """Every duty seat beyond the number of people who may hold one is a repeat."""
    seats = sum(
        len(problem.rounds[r].groups) * d.per_group for d in problem.duties for r in d.rounds
    )
    may_hold = np.zeros(problem.n, dtype=bool)
    for d in problem.duties:
        for r in d.rounds:
            may_hold |= d.eligible & problem.present[r]
    return max(0, seats - int(may_hold.sum()))


def pairs_bound(problem: Problem, term_index: int) -> float:
    """At best every pulling pair meets in every grouping both attend."""
    term = problem.objective[term_index]
    total = 0.0
    for a, b, w in zip(
        term.pair_i.tolist(), term.pair_j.tolist(), term.pair_w.tolist(), strict=True
    ):
        if w > 0:
            both = {
                problem.rounds[r].grouping
                for r in range(len(problem.rounds))
                if problem.present[r, a] and problem.present[r, b]
            }
            total -= w * len(both)
    return total


MOST_SIZE_MIXES = 2_000
"""Size mixes a round may have for the imbalance bound to try each one."""

WIDEST_SIZE_RANGE = 64
"""Sizes a group may take, at most, for the imbalance bound to list the mixes."""


def size_mixes(shape: RoundShape) -> list[np.ndarray] | None:
    """Every multiset of group sizes the round allows (as size counts), when all its groups
    share their bounds and there are few enough to list; else None."""
    bounds = {(g.min_size, g.max_size) for g in shape.groups}
    if len(bounds) != 1:
        return None
    low, high = bounds.pop()
    people, groups = len(shape.present), len(shape.groups)
    high = min(high, people - (groups - 1) * low)
    if low > high:
        return []
    if high - low >= WIDEST_SIZE_RANGE:
        return None
    found: list[np.ndarray] = []
    counts = np.zeros(high - low + 1, dtype=np.int64)

    def fill(size: int, groups_left: int, people_left: int) -> bool:
        """Counts for sizes `size` down to `low`; False once too many mixes were found."""
        if size == low:
            if people_left == groups_left * low:
                counts[0] = groups_left
                found.append(counts.copy())
            return len(found) <= MOST_SIZE_MIXES
        for k in range(groups_left + 1):
            rest = people_left - k * size
            if rest < (groups_left - k) * low:
                break
            if rest <= (groups_left - k) * (size - 1):
                counts[size - low] = k
                if not fill(size - 1, groups_left - k, rest):
                    return False
        counts[size - low] = 0
        return True

    if groups == 0 or not fill(high, groups, people):
        return None
    return found


def _least_spread(value_counts: np.ndarray, sizes: np.ndarray, people: int) -> float:
    """The least Σ_g |c_g − e_g| over whole counts c adding up to each value's total, for
    groups of these sizes (e_g = n_v × size_g / people): every count is e_g rounded down or
    up, and the groups rounded up are those nearest to their next integer."""
    total = 0.0
    for n_v in value_counts.tolist():
        targets = n_v * sizes / people
        floors = np.floor(targets)
        fractions = np.sort(targets - floors)
        up = round(n_v - floors.sum())
        total += float(
            fractions[: len(fractions) - up].sum() + (1 - fractions[len(fractions) - up :]).sum()
        )
    return total


def _round_spread(shape: RoundShape, codes: np.ndarray) -> float:
    """The least spread of one round: per value, the counts are whole numbers that add up to
    the value's total, so the least spread of the best mix of group sizes the round allows;
    where the groups' bounds differ, each group of fixed size costs at least its targets'
    distance to the nearest integer."""
    counts = _value_counts(shape, codes)
    people = len(shape.present)
    mixes = size_mixes(shape)
    if mixes is not None:
        low = shape.groups[0].min_size
        return min(
            (
                _least_spread(counts, np.repeat(np.arange(low, low + len(mix)), mix), people)
                for mix in mixes
            ),
            default=0.0,
        )
    total = 0.0
    for group in shape.groups:
        if group.min_size == group.max_size:
            total += float(_nearest_integer_distance(counts * group.min_size / people).sum())
    return total


def _value_counts(shape: RoundShape, codes: np.ndarray) -> np.ndarray:
    here = codes[list(shape.present)]
    counts = np.bincount(here[here >= 0])
    return counts[counts > 0]


def _nearest_integer_distance(targets: np.ndarray) -> np.ndarray:
    return np.minimum(targets - np.floor(targets), np.ceil(targets) - targets)


def _uniform_bounds(shape: RoundShape) -> tuple[int, int] | None:
    bounds = {(g.min_size, g.max_size) for g in shape.groups}
    return bounds.pop() if len(bounds) == 1 else None


def _merged_chain_spread(problem: Problem, codes: np.ndarray, first: int, merged: int) -> float:
    """A floor for the spread of a grouping's first round and its merged round together: a
    merged group's size is the sum of its source groups' sizes, so the sizes that suit one
    round may not suit the other (groups of 14 or 15 merged into groups of 29 leave an odd
    group in each pair). Each group costs at least its targets' distance to the nearest
    integer, and the cheapest sizes and merge are found by min-plus convolution (the
    merged groups are alike, so only how many source groups each takes, and its size,
    matter). Needs the same people in both rounds and uniform bounds in each; else 0."""
    top, low = problem.rounds[first], problem.rounds[merged]
    if top.present != low.present or not top.present:
        return 0.0
    bounds = _uniform_bounds(top), _uniform_bounds(low)
    if None in bounds:
        return 0.0
    (lo, hi), (merged_lo, merged_hi) = bounds
    people, sources, groups = len(top.present), len(top.groups), len(low.groups)
    hi, merged_hi = min(hi, people), min(merged_hi, people)
    if lo > hi or merged_lo > merged_hi:
        return 0.0
    counts = _value_counts(top, codes)
    sizes = np.arange(people + 1)
    cost = _nearest_integer_distance(counts[None, :] * sizes[:, None] / people).sum(axis=1)
    source_cost = np.where((sizes >= lo) & (sizes <= hi), cost, np.inf)
    # by_sources[k, s]: the least cost of k source groups holding s people
    by_sources = np.full((sources + 1, people + 1), np.inf)
    by_sources[0, 0] = 0.0
    for k in range(1, sources + 1):
        by_sources[k] = _min_plus(by_sources[k - 1], source_cost)
    allowed = (sizes >= merged_lo) & (sizes <= merged_hi)
    # one merged group: k sources and s people, its own cost included
    one = np.where(allowed[None, :], by_sources + cost[None, :], np.inf)
    # total[k, s] over the merged groups placed so far
    total = np.full((sources + 1, people + 1), np.inf)
    total[0, 0] = 0.0
    for _ in range(groups):
        total = _min_plus_2d(total, one)
    best = total[sources, people]
    return float(best) if np.isfinite(best) else 0.0


def _min_plus(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a ⊕ b)[s] = min over t of a[s − t] + b[t], on the same length."""
    out = np.full(len(a), np.inf)
    for t in np.flatnonzero(np.isfinite(b)).tolist():
        out[t:] = np.minimum(out[t:], a[: len(a) - t] + b[t])
    return out


def _min_plus_2d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The same over two indices (source groups, people)."""
    out = np.full(a.shape, np.inf)
    rows, cols = a.shape
    for k, t in zip(*np.nonzero(np.isfinite(b)), strict=True):
        out[k:, t:] = np.minimum(out[k:, t:], a[: rows - k, : cols - t] + b[k, t])
    return out


def imbalance_bound(problem: Problem, term_index: int) -> float:
    """The least spread of each counted round (rounds declared same_groups_as are not), and,
    for a grouping that merges, the larger of its two counted rounds' floors and the floor
    of both together."""
    codes = problem.objective[term_index].codes.of
    spread = {
        r: _round_spread(shape, codes)
        for r, shape in enumerate(problem.rounds)
        if shape.kind != "same" and shape.present
    }
    for merged, shape in enumerate(problem.rounds):
        first = problem.rounds_of_grouping(shape.grouping)[0]
        if shape.kind == "merge" and merged in spread and first in spread:
            both = _merged_chain_spread(problem, codes, first, merged)
            if both > spread[first] + spread[merged]:
                spread[merged] = both - spread[first]
    return sum(spread.values())


_COMPUTED: dict[int, tuple[weakref.ref, dict[str, float]]] = {}
"""Bounds already computed, by problem (a problem is immutable; strategies ask often)."""


def metric_bounds(problem: Problem) -> dict[str, float]:
    """A lower bound for every term of the objective, keyed like the plan's metrics;
    computed once for a problem and for the problems made from it that bound alike."""
    known = _COMPUTED.get(id(problem))
    if known is None or known[0]() is not problem:
        alike = (
            bounds
            for ref, bounds in list(_COMPUTED.values())
            if (other := ref()) is not None and _bound_alike(other, problem)
        )
        bounds = next(alike, None) or _metric_bounds(problem)
        key = id(problem)
        _COMPUTED[key] = (weakref.ref(problem, lambda _: _COMPUTED.pop(key, None)), bounds)
        known = _COMPUTED[key]
    return dict(known[1])


def _bound_alike(a: Problem, b: Problem) -> bool:
    """The same day and objective (shared, as `dataclasses.replace` keeps them: a strategy
    relaxing a problem's lists or its earlier plan) and equal `together` and `apart` lists,
    the other fields the bounds read."""
    return (
        a.instance is b.instance
        and a.rounds is b.rounds
        and a.present is b.present
        and a.organisation is b.organisation
        and a.duties is b.duties
        and a.objective is b.objective
        and _same_lists(a.together, b.together)
        and _same_lists(a.apart, b.apart)
    )


def _same_lists(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _metric_bounds(problem: Problem) -> dict[str, float]:
    bounds: dict[str, float] = {}
    for t, term in enumerate(problem.objective):
        if term.term == "same_organisation":
            bounds[term.key] = same_organisation_bound(problem)
        elif term.term == "repeat_pairs":
            bounds[term.key] = repeat_pairs_bound(problem)
        elif term.term == "duty_repeats":
            bounds[term.key] = duty_repeats_bound(problem)
        elif term.term == "pairs":
            bounds[term.key] = pairs_bound(problem, t)
        elif term.term == "imbalance":
            bounds[term.key] = imbalance_bound(problem, t)
    return bounds


def objective_bound(problem: Problem, bounds: dict[str, float]) -> float | None:
    """Σ weight × bound when every weight is non-negative (a lower bound needs no upper ones)."""
    if any(term.weight < 0 for term in problem.objective):
        return None
    return sum(term.weight * bounds[term.key] for term in problem.objective)
