"""How the local search sees a day whose rounds keep or merge groups.

FORMAT.md's grouping is a round with the later rounds linked to it by `same_groups_as`
and `merge_of`. The search works on *search rounds*: a root (a round that forms new
groups) holds the only free seats of its grouping; a kept round with the same people
present is the root itself (one seat for the whole chain), a kept round with fewer people
is a derived round with the root's groups, and a merged round is a derived round whose
groups are unions of the root's, through a *merge map* (root group → merged group) that
the search also owns. A move of a person in the root moves them in every derived round.

When some of a grouping's people miss its first round (late arrivals), the root is a
*phantom* round of everyone in the grouping, with no rules of its own, and the first round
is derived from it like the others: a person's seat is one group for the whole chain.

Meetings of a grouping are counted where that is exact: in its merged round for the pairs
present there (its groups hold the root's whole groups, so sharing any round's group means
sharing the merged one), and in its root for the others (early leavers), when they share a
kept round (`SearchRound.meetings`).

Visitors circulating through kept groups meet the same people whoever sits where, so their
schedule is built apart: a cyclic Latin rectangle when every round lists the same
visitors, a small CP-SAT model otherwise. Where visitors circulate among people who
reshuffle (or through a merged round), who meets whom depends on the seats: the schedule
is built the same way, and the search scores each person's meetings with each visitor as
a penalised rule (`SearchLayout.scores_visits`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from allocator.model.problem import Problem
from allocator.strategies.base import ABSENT

NO_MERGE = -1


ALL_PAIRS, NO_PAIRS, SHARED_ROUND_PAIRS = 1, 0, 2
"""How a search round counts its grouping's meetings (`SearchRound.meetings`)."""


@dataclass(frozen=True)
class SearchRound:
    """One round as the search holds it; it stands for one or more rounds of the problem
    (none for a phantom root, which holds the seats of a grouping whose people are not
    all present in its first round)."""

    rounds: tuple[int, ...]
    """The problem rounds it stands for (kept rounds with the same people present)."""
    root: int
    """The search round whose seats decide this one's (itself for a root)."""
    merge: int
    """The merge map that gives this round's groups from the root's (NO_MERGE: the root's)."""
    meetings: int
    """ALL_PAIRS: people sharing a group here meet in the grouping (its merged round, or its
    root when everyone is there); SHARED_ROUND_PAIRS: they meet when they also share a
    round of the kept groups (`shares`) and are not both in the merged round `defer`, which
    counts them; NO_PAIRS: meetings are counted elsewhere."""
    defer: int
    shares: np.ndarray
    """Bit mask per participant of the kept rounds they attend (SHARED_ROUND_PAIRS)."""
    imbalance: bool
    """The imbalance term counts it (FORMAT: rounds not declared same_groups_as)."""
    rules: bool
    """Balance and role ratios hold here (not in a phantom root)."""
    min_size: tuple[int, ...]
    max_size: tuple[int, ...]
    cap: int | None
    present: np.ndarray
    """Boolean per participant."""


@dataclass(frozen=True)
class SearchLayout:
    rounds: tuple[SearchRound, ...]
    of_round: tuple[int, ...]
    """The search round of each problem round."""
    merge_roots: tuple[int, ...]
    """The root search round each merge map starts from."""
    pins: dict[tuple[int, int], int]
    """(root search round, participant) → group: the seats `fixed` decides."""
    scores_visits: bool = False
    """Do the seats decide who meets the visitors (see `visits_need_scoring`)?"""

    @property
    def plain(self) -> bool:
        """Does every round form its own groups (a search round per problem round)?"""
        return len(self.rounds) == len(self.of_round) and all(
            s.root == k and s.rounds == (k,) for k, s in enumerate(self.rounds)
        )

    def roots(self) -> list[int]:
        return [k for k, s in enumerate(self.rounds) if s.root == k]

    def derived(self, root: int) -> list[int]:
        return self._below.get(root, [])

    @cached_property
    def _below(self) -> dict[int, list[int]]:
        """The rounds each root decides, listed once (days of thousands of rounds ask often)."""
        below: dict[int, list[int]] = {}
        for k, s in enumerate(self.rounds):
            if s.root != k:
                below.setdefault(s.root, []).append(k)
        return below


def _tighter(cap: int | None, other: int | None) -> int | None:
    if cap is None:
        return other
    return cap if other is None else min(cap, other)


_LAYOUTS: dict[int, tuple[weakref.ref, tuple[SearchLayout | None, list[str]]]] = {}
"""Layouts already made, by problem (immutable; the search asks several times a solve)."""


def search_layout(problem: Problem) -> tuple[SearchLayout | None, list[str]]:
    """The search rounds of the problem, or the reasons the local search cannot hold it."""
    key = id(problem)
    known = _LAYOUTS.get(key)
    if known is None or known[0]() is not problem:
        made = _search_layout(problem)
        _LAYOUTS[key] = (weakref.ref(problem, lambda _: _LAYOUTS.pop(key, None)), made)
        known = _LAYOUTS[key]
    layout, reasons = known[1]
    return layout, list(reasons)


def _search_layout(problem: Problem) -> tuple[SearchLayout | None, list[str]]:
    rounds: list[dict] = []
    of_round = [NO_MERGE] * len(problem.rounds)
    merge_roots: list[int] = []
    reasons: list[str] = []
    for grouping in range(problem.n_groupings):
        _grouping_rounds(problem, grouping, rounds, of_round, merge_roots, reasons)
    pins: dict[tuple[int, int], int] = {}
    for q, k, g in problem.fixed:
        s = rounds[of_round[k]]
        if s["merge"] != NO_MERGE:
            reasons.append("a fixed seat in a merged round")
        elif pins.setdefault((s["root"], q), g) != g:
            reasons.append("two fixed seats of one person in rounds that keep groups")
    for s in rounds:
        if any(lo > hi for lo, hi in zip(s["min_size"], s["max_size"], strict=True)):
            reasons.append(
                f"kept rounds of `{problem.rounds[s['rounds'][0]].id}` share no group size"
            )
    if reasons:
        return None, sorted(set(reasons))
    layout = SearchLayout(
        rounds=tuple(
            SearchRound(**{key: tuple(v) if isinstance(v, list) else v for key, v in s.items()})
            for s in rounds
        ),
        of_round=tuple(of_round),
        merge_roots=tuple(merge_roots),
        pins=pins,
    )
    return replace(layout, scores_visits=visits_need_scoring(problem, layout)), []


def _grouping_rounds(
    problem: Problem,
    grouping: int,
    rounds: list[dict],
    of_round: list[int],
    merge_roots: list[int],
    reasons: list[str],
) -> None:
    """The search rounds of one grouping: its root (a phantom one when some of its people
    miss its first round), then its kept and merged rounds, derived from the root."""
    first, *later = problem.rounds_of_grouping(grouping)
    everyone = problem.present[[first, *later]].any(axis=0)
    n = problem.n
    root = len(rounds)
    if (everyone & ~problem.present[first]).any():
        # a phantom group holds a first-round group and, at most, everyone who missed it
        late = int((everyone & ~problem.present[first]).sum())
        highs = [min(n, g.max_size + late) for g in problem.rounds[first].groups]
        rounds.append(_round(problem, None, root, NO_MERGE, everyone, ([0] * len(highs), highs)))
        rounds[root].update(rules=False, imbalance=False, cap=None)
        of_round[first] = len(rounds)
        rounds.append(_round(problem, first, root, NO_MERGE))
    else:
        of_round[first] = root
        rounds.append(_round(problem, first, root, NO_MERGE))
    kept = [first]
    merged = None
    for k in later:
        shape = problem.rounds[k]
        source = rounds[of_round[shape.source]]
        if shape.kind == "same":
            if source["merge"] == NO_MERGE:
                kept.append(k)
            elif (problem.present[k] & ~rounds[merged]["present"]).any():
                reasons.append(f"round `{shape.id}` keeps merged groups with other people")
            if (problem.present[k] == source["present"]).all():
                _collapse(source, k, problem)
                of_round[k] = of_round[shape.source]
            else:
                of_round[k] = len(rounds)
                rounds.append(_round(problem, k, root, source["merge"]))
                rounds[-1].update(imbalance=False)
            continue
        if merged is not None:
            reasons.append(f"round `{shape.id}` merges a grouping merged already")
            continue
        merge_roots.append(root)
        merged = of_round[k] = len(rounds)
        rounds.append(_round(problem, k, root, len(merge_roots) - 1))
        rounds[-1].update(meetings=ALL_PAIRS)
    shares = np.zeros(n, dtype=np.int64)
    for bit, k in enumerate(kept):
        shares |= problem.present[k].astype(np.int64) << (bit % 62)
    top = rounds[root]
    if merged is not None and (rounds[merged]["present"] == everyone).all():
        top.update(meetings=NO_PAIRS)
    elif merged is not None or (everyone & ~problem.present[first]).any():
        top.update(meetings=SHARED_ROUND_PAIRS, defer=NO_MERGE if merged is None else merged)
        top.update(shares=shares)
    else:
        top.update(meetings=ALL_PAIRS)


def _round(
    problem: Problem,
    k: int | None,
    root: int,
    merge: int,
    present: np.ndarray | None = None,
    sizes: tuple[list[int], list[int]] | None = None,
) -> dict:
    """A search round standing for problem round k (None: a phantom root)."""
    if k is not None:
        shape = problem.rounds[k]
        present = problem.present[k]
        sizes = ([g.min_size for g in shape.groups], [g.max_size for g in shape.groups])
    assert present is not None and sizes is not None
    return {
        "rounds": [] if k is None else [k],
        "root": root,
        "merge": merge,
        "meetings": NO_PAIRS,
        "defer": NO_MERGE,
        "shares": np.zeros(problem.n, dtype=np.int64),
        "imbalance": k is not None,
        "rules": True,
        "min_size": list(sizes[0]),
        "max_size": list(sizes[1]),
        "cap": None if k is None else problem.org_cap[k],
        "present": present,
    }


def _collapse(into: dict, k: int, problem: Problem) -> None:
    """A kept round with the same people is the same seats: its bounds and cap both hold."""
    groups = problem.rounds[k].groups
    into["rounds"].append(k)
    into["min_size"] = [max(a, g.min_size) for a, g in zip(into["min_size"], groups, strict=True)]
    into["max_size"] = [min(a, g.max_size) for a, g in zip(into["max_size"], groups, strict=True)]
    into["cap"] = _tighter(into["cap"], problem.org_cap[k])


# -- visitors --------------------------------------------------------------------------------


def _visitor_rounds(problem: Problem) -> dict[int, list[int]]:
    rounds: dict[int, list[int]] = {}
    for k, listed in enumerate(problem.round_visitors):
        for v in listed:
            rounds.setdefault(v, []).append(k)
    return rounds


def visits_need_scoring(problem: Problem, layout: SearchLayout) -> bool:
    """Can a schedule built apart from the seats make everyone meet each visitor as the rules
    ask? It can when each visitor circulates through the kept groups of one grouping and
    sees each group once (all of them when everyone must meet it); elsewhere the search
    scores the meetings."""
    for rounds in _visitor_rounds(problem).values():
        search = {layout.of_round[k] for k in rounds}
        groups = len(problem.rounds[rounds[0]].groups)
        if (
            len({layout.rounds[s].root for s in search}) > 1
            or any(layout.rounds[s].merge != NO_MERGE for s in search)
            or len(rounds) > groups
            or (problem.visitors_exactly_once and len(rounds) < groups)
        ):
            return True
    return False


def _chains(layout: SearchLayout, rounds: list[int]) -> list[list[int]]:
    """A visitor's rounds split by the groups they share (a grouping's kept rounds, or its
    merged rounds): a visitor sees such a group at most once, while the groups of different
    groupings are unrelated."""
    by_groups: dict[tuple[int, int], list[int]] = {}
    for k in rounds:
        spec = layout.rounds[layout.of_round[k]]
        by_groups.setdefault((spec.root, spec.merge), []).append(k)
    return list(by_groups.values())


def visitor_schedule(
    problem: Problem, layout: SearchLayout, seed: int, time_limit: float
) -> np.ndarray | None:
    """(rounds, visitors) group of each visitor in each round that lists them: no group
    hosts two visitors at once and no visitor sees a kept group twice (so, with as many
    rounds as groups, every group once). None when no such schedule exists."""
    schedule = np.full((len(problem.rounds), len(problem.visitor_ids)), ABSENT, dtype=np.int64)
    rounds_of = _visitor_rounds(problem)
    if not rounds_of:
        return schedule
    listed = [k for k, names in enumerate(problem.round_visitors) if names]
    regular = len({problem.round_visitors[k] for k in listed}) == 1
    groups = {len(problem.rounds[k].groups) for k in listed}
    if regular and len(groups) == 1:
        count = groups.pop()
        for t, k in enumerate(listed):
            for j, v in enumerate(problem.round_visitors[k]):
                schedule[k, v] = (j + t) % count
        return schedule
    return _solved_schedule(problem, layout, rounds_of, schedule, seed, time_limit)


def _solved_schedule(
    problem: Problem,
    layout: SearchLayout,
    rounds_of: dict[int, list[int]],
    schedule: np.ndarray,
    seed: int,
    time_limit: float,
) -> np.ndarray | None:
    """The schedule as a small CP-SAT model (visitors × rounds × groups) when rounds list
    different visitors: completing such a rectangle takes a search, not a formula. Where
    the search scores the visits, a visitor may see a kept group twice if it has more
    rounds there than groups."""
    from ortools.sat.python import cp_model

    from allocator.strategies.exact.solver import cp_solver

    model = cp_model.CpModel()
    at = {
        (k, v, g): model.new_bool_var(f"v{v}_r{k}_g{g}")
        for v, rounds in rounds_of.items()
        for k in rounds
        for g in range(len(problem.rounds[k].groups))
    }
    for v, rounds in rounds_of.items():
        for k in rounds:
            model.add_exactly_one(at[k, v, g] for g in range(len(problem.rounds[k].groups)))
        for chain in _chains(layout, rounds):
            groups = len(problem.rounds[chain[0]].groups)
            if layout.scores_visits and len(chain) > groups:
                continue
            for g in range(groups):
                model.add_at_most_one(at[k, v, g] for k in chain)
    for k, names in enumerate(problem.round_visitors):
        for g in range(len(problem.rounds[k].groups)):
            model.add_at_most_one(at[k, v, g] for v in names)
    solver = cp_solver(seed=seed, seconds=max(0.1, time_limit))
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    for (k, v, g), lit in at.items():
        if solver.boolean_value(lit):
            schedule[k, v] = g
    return schedule


# -- a starting plan ---------------------------------------------------------------------------


def even_sizes(low: tuple[int, ...], high: tuple[int, ...], people: int) -> np.ndarray:
    """Sizes within the bounds, as even as they allow (fewest pairs seated together)."""
    sizes = np.array(low, dtype=np.int64)
    top = np.array(high, dtype=np.int64)
    for _ in range(people - int(sizes.sum())):
        room = np.flatnonzero(sizes < top)
        if not len(room):
            break
        sizes[room[np.argmin(sizes[room])]] += 1
    return sizes


def grouping_start(
    problem: Problem, layout: SearchLayout, seed: int, weights: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Seats for every search round and the merge maps: each root seated greedily (pins
    first, then people in random order into the group with room where they have the fewest
    colleagues and people met before), its merges packed to their size bounds."""
    rng = np.random.default_rng(seed)
    w_same, w_rep = weights
    n = problem.n
    org = problem.organisation.of
    seats = np.full((len(layout.rounds), n), ABSENT, dtype=np.int64)
    widest = max(len(s.min_size) for s in layout.rounds)
    maps = np.zeros((len(layout.merge_roots), widest), dtype=np.int64)
    met = np.zeros((n, n), dtype=np.int64) if n <= 3000 else None
    for r in layout.roots():
        spec = layout.rounds[r]
        people = np.flatnonzero(spec.present)
        room = even_sizes(spec.min_size, spec.max_size, len(people)).astype(float)
        colleagues = np.zeros((len(room), max(1, len(problem.organisation.values))))
        pinned = [q for q in people.tolist() if (r, q) in layout.pins]
        others = [q for q in rng.permutation(people).tolist() if (r, q) not in layout.pins]
        for q in pinned + others:
            if (r, q) in layout.pins:
                g = layout.pins[r, q]
            else:
                cost = rng.random(len(room)) * 1e-3
                if org[q] >= 0:
                    over = colleagues[:, org[q]] >= (spec.cap if spec.cap is not None else n)
                    cost += w_same * colleagues[:, org[q]] + 1e9 * over
                if met is not None:
                    seated = np.flatnonzero(seats[r] != ABSENT)
                    cost += w_rep * np.bincount(
                        seats[r, seated], weights=met[q, seated], minlength=len(room)
                    )
                cost[room <= 0] = np.inf
                g = int(np.argmin(cost))
            seats[r, q] = g
            room[g] -= 1
            if org[q] >= 0:
                colleagues[g, org[q]] += 1
        for x in layout.derived(r):
            spec_x = layout.rounds[x]
            if spec_x.merge != NO_MERGE:
                maps[spec_x.merge] = _packed(seats[r], spec, spec_x, widest, rng)
        for x in [r, *layout.derived(r)]:
            spec_x = layout.rounds[x]
            here = np.flatnonzero(spec_x.present)
            group = seats[r, here]
            seats[x, here] = group if spec_x.merge == NO_MERGE else maps[spec_x.merge][group]
            if met is not None and spec_x.meetings != NO_PAIRS:
                for g in np.unique(seats[x, here]):
                    inside = here[seats[x, here] == g]
                    met[np.ix_(inside, inside)] += 1
    return seats, maps


def _packed(
    root_seats: np.ndarray,
    root: SearchRound,
    merged: SearchRound,
    widest: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Root groups into merged groups, largest first, each into the merged group furthest
    below its least size (else with the most room): near the merged bounds when they allow."""
    sizes = np.bincount(root_seats[root_seats != ABSENT], minlength=len(root.min_size))
    filled = np.zeros(len(merged.min_size), dtype=np.int64)
    low, high = np.array(merged.min_size), np.array(merged.max_size)
    mapping = np.zeros(widest, dtype=np.int64)
    order = np.lexsort((rng.random(len(sizes)), -sizes))
    for h in order.tolist():
        short = low - filled
        target = int(np.argmax(short)) if short.max() > 0 else int(np.argmax(high - filled))
        mapping[h] = target
        filled[target] += sizes[h]
    return mapping


def expand(problem: Problem, layout: SearchLayout, seats: np.ndarray) -> np.ndarray:
    """The problem's (rounds, participants) groups from the search rounds' seats."""
    group = np.full((len(problem.rounds), problem.n), ABSENT, dtype=np.int64)
    for k, s in enumerate(layout.of_round):
        here = problem.present[k]
        group[k, here] = seats[s, here]
    return group


def compress(
    problem: Problem, layout: SearchLayout, group: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The search rounds' seats and merge maps of a plan over the problem's rounds."""
    seats = np.full((len(layout.rounds), problem.n), ABSENT, dtype=np.int64)
    widest = max(len(s.min_size) for s in layout.rounds)
    maps = np.zeros((len(layout.merge_roots), widest), dtype=np.int64)
    for x, spec in enumerate(layout.rounds):
        for k in spec.rounds[:1]:
            seats[x, problem.present[k]] = group[k, problem.present[k]]
    for spec in layout.rounds:
        if spec.merge == NO_MERGE:
            continue
        merged = spec.rounds[0]
        source = problem.rounds[merged].source
        both = problem.present[merged] & problem.present[source]
        maps[spec.merge, group[source, both]] = group[merged, both]
    for x, spec in enumerate(layout.rounds):
        if not spec.rounds:  # a phantom root: each person's seat in a kept round, else
            _phantom_seats(layout, x, seats, maps)  # a root group of their merged group
    return seats, maps


def _phantom_seats(layout: SearchLayout, root: int, seats: np.ndarray, maps: np.ndarray) -> None:
    groups = len(layout.rounds[root].min_size)
    for x in sorted(layout.derived(root), key=lambda x: layout.rounds[x].merge != NO_MERGE):
        spec = layout.rounds[x]
        free = (seats[root] == ABSENT) & spec.present
        if spec.merge == NO_MERGE:
            seats[root, free] = seats[x, free]
        else:
            for q in np.flatnonzero(free).tolist():
                inside = np.flatnonzero(maps[spec.merge, :groups] == seats[x, q])
                seats[root, q] = int(inside[0]) if len(inside) else 0
