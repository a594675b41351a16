"""How the local search sees a day whose rounds keep or merge groups.

FORMAT.md's grouping is a round with the later rounds linked to it by `same_groups_as`
and `merge_of`. The search works on *search rounds*: a root (a round that forms new
groups) holds the only free seats of its grouping; a kept round with the same people
present is the root itself (one seat for the whole chain), a kept round with fewer people
is a derived round with the root's groups, and a merged round is a derived round whose
groups are unions of the root's, through a *merge map* (root group → merged group) that
the search also owns. A move of a person in the root moves them in every derived round.

Meetings of a grouping are counted in its *witness*: the merged round if there is one
(its groups hold the root's whole groups, so sharing any round's group means sharing the
merged one), else the root. That is exact when everyone present in the grouping is
present in the witness, which the layout requires.

Visitors circulating through kept groups meet the same people whoever sits where, so their
schedule is built apart: a cyclic Latin rectangle when every round lists the same
visitors, a small CP-SAT model otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.model.problem import Problem
from allocator.strategies.base import ABSENT

NO_MERGE = -1


@dataclass(frozen=True)
class SearchRound:
    """One round as the search holds it; it stands for one or more rounds of the problem."""

    rounds: tuple[int, ...]
    """The problem rounds it stands for (kept rounds with the same people present)."""
    root: int
    """The search round whose seats decide this one's (itself for a root)."""
    merge: int
    """The merge map that gives this round's groups from the root's (NO_MERGE: the root's)."""
    witness: bool
    """Meetings and colleagues of its grouping are counted here."""
    imbalance: bool
    """The imbalance term counts it (FORMAT: rounds not declared same_groups_as)."""
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

    @property
    def plain(self) -> bool:
        """Does every round form its own groups (a search round per problem round)?"""
        return all(s.root == k for k, s in enumerate(self.rounds)) and len(self.rounds) == len(
            self.of_round
        )

    def roots(self) -> list[int]:
        return [k for k, s in enumerate(self.rounds) if s.root == k]

    def derived(self, root: int) -> list[int]:
        return [k for k, s in enumerate(self.rounds) if s.root == root and k != root]


def _tighter(cap: int | None, other: int | None) -> int | None:
    if cap is None:
        return other
    return cap if other is None else min(cap, other)


def search_layout(problem: Problem) -> tuple[SearchLayout | None, list[str]]:
    """The search rounds of the problem, or the reasons the local search cannot hold it."""
    rounds: list[dict] = []
    of_round: list[int] = []
    merge_roots: list[int] = []
    reasons: list[str] = []
    for k, shape in enumerate(problem.rounds):
        present = problem.present[k]
        sizes = ([g.min_size for g in shape.groups], [g.max_size for g in shape.groups])
        if shape.kind == "new":
            of_round.append(len(rounds))
            rounds.append(_round(k, len(rounds), NO_MERGE, True, True, sizes, problem, present))
            continue
        source = rounds[of_round[shape.source]]
        root = rounds[source["root"]]
        if shape.kind == "same":
            if (present == source["present"]).all():
                _collapse(source, k, sizes, problem.org_cap[k])
                of_round.append(of_round[shape.source])
            elif (present <= root["present"]).all():
                of_round.append(len(rounds))
                rounds.append(
                    _round(
                        k, source["root"], source["merge"], False, False, sizes, problem, present
                    )
                )
            else:
                reasons.append(
                    f"round `{shape.id}` keeps groups with people absent from `{problem.rounds[root['rounds'][0]].id}`"
                )
                of_round.append(of_round[shape.source])
            continue
        # a merged round
        if source["merge"] != NO_MERGE or any(
            r["root"] == source["root"] and r["merge"] != NO_MERGE for r in rounds
        ):
            reasons.append(f"round `{shape.id}` merges a grouping merged already")
        elif not (present == root["present"]).all():
            reasons.append(f"round `{shape.id}` merges groups with other people present")
        root["witness"] = False
        merge_roots.append(source["root"])
        of_round.append(len(rounds))
        rounds.append(
            _round(k, source["root"], len(merge_roots) - 1, True, True, sizes, problem, present)
        )
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
            SearchRound(
                rounds=tuple(s["rounds"]),
                root=s["root"],
                merge=s["merge"],
                witness=s["witness"],
                imbalance=s["imbalance"],
                min_size=tuple(s["min_size"]),
                max_size=tuple(s["max_size"]),
                cap=s["cap"],
                present=s["present"],
            )
            for s in rounds
        ),
        of_round=tuple(of_round),
        merge_roots=tuple(merge_roots),
        pins=pins,
    )
    return layout, visitor_reasons(problem, layout)


def _round(k, root, merge, witness, imbalance, sizes, problem: Problem, present) -> dict:
    return {
        "rounds": [k],
        "root": root,
        "merge": merge,
        "witness": witness,
        "imbalance": imbalance,
        "min_size": list(sizes[0]),
        "max_size": list(sizes[1]),
        "cap": problem.org_cap[k],
        "present": present,
    }


def _collapse(into: dict, k: int, sizes: tuple[list[int], list[int]], cap: int | None) -> None:
    """A kept round with the same people is the same seats: its bounds and cap both hold."""
    into["rounds"].append(k)
    into["min_size"] = [max(a, b) for a, b in zip(into["min_size"], sizes[0], strict=True)]
    into["max_size"] = [min(a, b) for a, b in zip(into["max_size"], sizes[1], strict=True)]
    into["cap"] = _tighter(into["cap"], cap)


# -- visitors --------------------------------------------------------------------------------


def _visitor_rounds(problem: Problem) -> dict[int, list[int]]:
    rounds: dict[int, list[int]] = {}
    for k, listed in enumerate(problem.round_visitors):
        for v in listed:
            rounds.setdefault(v, []).append(k)
    return rounds


def visitor_reasons(problem: Problem, layout: SearchLayout) -> list[str]:
    """Visitors whose schedule cannot be built apart from the seats: it can when each one
    circulates through the kept groups of one grouping, visiting each group at most once
    (and, when they must meet everyone, every group)."""
    reasons = set()
    for rounds in _visitor_rounds(problem).values():
        search = {layout.of_round[k] for k in rounds}
        if len({layout.rounds[s].root for s in search}) > 1:
            reasons.add("visitors in rounds that reshuffle")
        elif any(layout.rounds[s].merge != NO_MERGE for s in search):
            reasons.add("visitors in a merged round")
        elif len(rounds) > len(problem.rounds[rounds[0]].groups):
            reasons.add("a visitor listed in more rounds than there are groups to visit")
        elif problem.visitors_exactly_once and len(rounds) < len(problem.rounds[rounds[0]].groups):
            reasons.add("a visitor who must meet everyone in fewer rounds than there are groups")
    return sorted(reasons)


def visitor_schedule(problem: Problem, seed: int) -> np.ndarray | None:
    """(rounds, visitors) group of each visitor in each round that lists them: no group
    hosts two visitors at once and no visitor sees a group twice (so, with as many rounds as
    groups, every group once). None when no such schedule exists."""
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
    return _solved_schedule(problem, rounds_of, schedule, seed)


def _solved_schedule(
    problem: Problem, rounds_of: dict[int, list[int]], schedule: np.ndarray, seed: int
) -> np.ndarray | None:
    """The schedule as a small CP-SAT model (visitors × rounds × groups) when rounds list
    different visitors: completing such a rectangle takes a search, not a formula."""
    from ortools.sat.python import cp_model

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
        for g in range(len(problem.rounds[rounds[0]].groups)):
            model.add_at_most_one(at[k, v, g] for k in rounds)
    for k, names in enumerate(problem.round_visitors):
        for g in range(len(problem.rounds[k].groups)):
            model.add_at_most_one(at[k, v, g] for v in names)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = 10.0
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
            if met is not None and spec_x.witness:
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
        k = spec.rounds[0]
        seats[x, problem.present[k]] = group[k, problem.present[k]]
    for spec in layout.rounds:
        if spec.merge == NO_MERGE:
            continue
        merged = spec.rounds[0]
        source = problem.rounds[merged].source
        both = problem.present[merged] & problem.present[source]
        maps[spec.merge, group[source, both]] = group[merged, both]
    return seats, maps
