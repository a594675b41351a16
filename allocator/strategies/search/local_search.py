"""Local search: tabu over swaps and moves, compiled with numba.

It works on search rounds (see `groupings`): people who reshuffle every round move in
each round; people who keep their groups over rotations move in every kept round at once,
and whole groups move between the groups of a merged round. It owns the rules it can score
incrementally (sizes, organisation cap, max_meetings, fixed seats, balance, role ratios,
apart and together, visitors met once) and the terms `same_organisation`, `repeat_pairs`,
`imbalance` and `pairs`; the visitors' schedule is built first (see `groupings`), and
duties are handed out afterwards by an exact min-cost flow. On anything else (a repair, a
merge of a merged round) it refuses loudly, so that `auto` hands the instance to another
strategy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from itertools import combinations
from typing import NamedTuple

import numpy as np

from allocator.analysis.bounds import metric_bounds
from allocator.model.problem import Codes, Problem, compile_problem
from allocator.model.validate import parse_instance
from allocator.strategies.base import (
    ABSENT,
    Announce,
    Assignment,
    Progress,
    ProgressCallback,
    Result,
    Stop,
    UnsupportedError,
    stopped,
)
from allocator.strategies.designs.fit import DesignStart, fitted_design
from allocator.strategies.search import kernels
from allocator.strategies.search.duties import hand_out_duties
from allocator.strategies.search.greedy import greedy_start
from allocator.strategies.search.groupings import (
    SearchLayout,
    compress,
    expand,
    grouping_start,
    search_layout,
    visitor_schedule,
)

DENSE_PAIRS_LIMIT = 6000
"""A `pairs` term is held as a dense n × n matrix up to this many participants."""

TENURE = (4, 30)
"""A moved seat stays tabu for TENURE[0] + a random number below TENURE[1] steps."""

SWAP_TENURE = (4, 97)
"""A swap stays tabu for SWAP_TENURE[0] + a random number below SWAP_TENURE[1] steps (as in
Dotú and Van Hentenryck's search: there are n² swaps per round to forbid, not n·g seats)."""

STALL = 20
"""Steps without a new best, per participant, before returning to the best plan perturbed."""

PERTURBATION = 0.05
"""Random swaps of a perturbation, per participant."""

CHUNK = (2000, 0.1)
"""At most this many search steps, and about this many seconds, between two looks at the
clock (steps cost from microseconds to tens of milliseconds, by the day's shape)."""

WHOLE_NEIGHBOURHOOD_LIMIT = 1500
"""Up to this many (participant, root round) seats, every step weighs every conflicted seat."""

MERGE_EVERY = 100
"""Search steps, at most, between two rounds of merge-map moves (taken between two calls of
the compiled search, so that a day without merges never compiles them)."""


def unsupported(problem: Problem) -> list[str]:
    """What stops the local search from owning every rule of this instance."""
    _, reasons = search_layout(problem)
    if problem.keep is not None:
        reasons.append("repairing an earlier plan")
    pairs = [t for t in problem.objective if t.term == "pairs"]
    if pairs and problem.n > DENSE_PAIRS_LIMIT:
        reasons.append(f"a pairs term over more than {DENSE_PAIRS_LIMIT} participants")
    if any(t.term == "duty_repeats" and t.weight < 0 for t in problem.objective):
        reasons.append("a negative duty_repeats weight")
    return reasons


def _layout(problem: Problem) -> SearchLayout:
    layout, reasons = search_layout(problem)
    if layout is None:
        raise UnsupportedError("the local search does not handle: " + ", ".join(reasons))
    return layout


@dataclass
class SearchState:
    """The compiled kernels' state (see `kernels`) and the layout it stands for."""

    shape: SearchLayout
    layout: kernels.Layout
    rules: kernels.Rules
    seats: kernels.Seats

    def __post_init__(self) -> None:
        self.compiled = kernels.compiled(self.seats, self.layout, self.rules)
        """(seats, layout, rules) as the kernels take them."""

    def rebuild(self) -> None:
        kernels.rebuild(*self.compiled)

    def cost(self) -> float:
        return kernels.total_cost(*self.compiled)

    def penalised(self) -> bool:
        """Does the plan break a rule the search only penalises (organisation cap,
        max_meetings, balance, role ratios, derived sizes)? Its cost with every objective
        weight set to zero says so."""
        rules_only = self.rules.attr_w.copy()
        rules_only[:, 0] = 0.0
        rules = self.rules._replace(
            w_same=0.0, w_rep=0.0, pair_w=np.zeros((1, 1)), attr_w=rules_only
        )
        return kernels.total_cost(*kernels.compiled(self.seats, self.layout, rules)) > 0


def _weight(problem: Problem, term: str) -> float:
    return sum(t.weight for t in problem.objective if t.term == term)


def _pair_costs(problem: Problem) -> np.ndarray:
    """The cost of each pair's meeting: minus the weighted `pairs` numbers."""
    terms = [t for t in problem.objective if t.term == "pairs"]
    if not terms:
        return np.zeros((1, 1))
    dense = np.zeros((problem.n, problem.n))
    for t in terms:
        dense[t.pair_i, t.pair_j] -= t.weight * t.pair_w
    return dense + dense.T


def _reached(target: float) -> float:
    """The cost at which the search stops: the target, less strict by the float noise that
    summing millions of move deltas leaves (no target when negative weights leave the
    counting bound unknown)."""
    if not np.isfinite(target):
        return target
    return target + 1e-6 * max(1.0, abs(target))


def reaches_bound(problem: Problem, cost: float) -> bool:
    """Has the search's cost reached the counting bound of the terms it scores?"""
    return cost <= _reached(search_target(problem))


def search_target(problem: Problem) -> float:
    """The counting bound of the terms the search scores: reaching it proves optimality."""
    if any(t.weight < 0 for t in problem.objective if t.term != "duty_repeats"):
        return -np.inf
    bounds = metric_bounds(problem)
    return sum(t.weight * bounds[t.key] for t in problem.objective if t.term != "duty_repeats")


def _attribute_rules(problem: Problem) -> tuple[list[Codes], np.ndarray, np.ndarray]:
    """Every attribute counted per group (imbalance terms, balance rules, the role for
    ratios), with its imbalance weight and balance flag, and the ratio rules as integers."""
    attributes: list[Codes] = []
    weights: list[list[float]] = []

    def slot(codes: Codes) -> int:
        for k, known in enumerate(attributes):
            if known.name == codes.name:
                return k
        attributes.append(codes)
        weights.append([0.0, 0.0])
        return len(attributes) - 1

    for term in problem.objective:
        if term.term == "imbalance":
            weights[slot(term.codes)][0] += term.weight
    for codes in problem.balance:
        weights[slot(codes)][1] = 1.0
    rules = []
    if problem.ratios:
        t = slot(problem.role)
        for rule in problem.ratios:
            low = (-1, -1) if rule.min is None else (rule.min.numerator, rule.min.denominator)
            high = (-1, -1) if rule.max is None else (rule.max.numerator, rule.max.denominator)
            rules.append([t, rule.role, rule.per, *low, *high])
    return (
        attributes,
        np.array(weights, dtype=np.float64).reshape(len(attributes), 2),
        np.array(rules, dtype=np.int64).reshape(len(rules), 7),
    )


def _hosts(problem: Problem, shape: SearchLayout, visitors: np.ndarray, groups: int) -> np.ndarray:
    """(search rounds, groups, visitors) rounds each visitor spends in each group, where the
    search scores who meets them (else no visitors dimension)."""
    count = len(problem.visitor_ids) if shape.scores_visits else 0
    hosts = np.zeros((len(shape.rounds), groups, count), dtype=np.int64)
    for k, v in zip(*np.nonzero(visitors[:, :count] != ABSENT), strict=True):
        hosts[shape.of_round[k], visitors[k, v], v] += 1
    return hosts


def _visit_rules(problem: Problem, shape: SearchLayout) -> np.ndarray:
    """(participants, visitors): 2 where one must meet the visitor exactly once (present in
    all its rounds, under `exactly_once`), 1 at most once, 0 never present with it."""
    count = len(problem.visitor_ids) if shape.scores_visits else 0
    rule = np.zeros((problem.n, count), dtype=np.int64)
    for v in range(count):
        listed = [k for k, names in enumerate(problem.round_visitors) if v in names]
        attended = problem.present[listed].sum(axis=0)
        rule[attended > 0, v] = 1
        if problem.visitors_exactly_once:
            rule[attended == len(listed), v] = 2
    return rule


def _kernel_layout(problem: Problem, shape: SearchLayout, visitors: np.ndarray) -> kernels.Layout:
    rounds = len(shape.rounds)
    groups = max(len(s.min_size) for s in shape.rounds)
    min_size = np.zeros((rounds, groups), dtype=np.int64)
    max_size = np.zeros((rounds, groups), dtype=np.int64)
    for x, spec in enumerate(shape.rounds):
        min_size[x, : len(spec.min_size)] = spec.min_size
        max_size[x, : len(spec.max_size)] = spec.max_size
    attends = np.array([s.present for s in shape.rounds], dtype=bool).reshape(rounds, problem.n)
    movable = attends.copy()
    for x, spec in enumerate(shape.rounds):
        if spec.root != x:
            movable[x] = False
    for r, q in shape.pins:
        movable[r, q] = False
    roots = shape.roots()
    most = max([len(shape.derived(r)) for r in roots] + [1])
    derived = np.full((rounds, most), -1, dtype=np.int64)
    for r in roots:
        below = shape.derived(r)
        derived[r, : len(below)] = below
    return kernels.Layout(
        n_groups=np.array([len(s.min_size) for s in shape.rounds], dtype=np.int64),
        min_size=min_size,
        max_size=max_size,
        present=attends.sum(axis=1).astype(np.int64),
        attends=attends,
        movable=movable,
        roots=np.array(roots, dtype=np.int64),
        derived=derived,
        mapping=np.array([s.merge for s in shape.rounds], dtype=np.int64),
        merge_root=np.array(shape.merge_roots, dtype=np.int64),
        meetings=np.array([s.meetings for s in shape.rounds], dtype=np.int64),
        defer=np.array([s.defer for s in shape.rounds], dtype=np.int64),
        shares=np.array([s.shares for s in shape.rounds], dtype=np.int64).reshape(
            rounds, problem.n
        ),
        imbalance=np.array([float(s.imbalance) for s in shape.rounds]),
        rules=np.array([float(s.rules) for s in shape.rounds]),
        hosts=_hosts(problem, shape, visitors, groups),
    )


def _links(
    problem: Problem, shape: SearchLayout, attends: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`apart` lists as every pair of members, `together` lists as their first member with
    each other one, in both directions, grouped by participant (see `kernels.Rules`); an
    apart pair holds where both are present, a together pair where the whole list is, and
    neither in a phantom root."""
    rules_on = np.array([s.rules for s in shape.rounds], dtype=bool)
    links: list[tuple[int, int, bool, np.ndarray]] = []
    for people in problem.apart:
        for a, b in combinations(people.tolist(), 2):
            links.append((a, b, True, attends[:, a] & attends[:, b] & rules_on))
    for people in problem.together:
        everyone = attends[:, people].all(axis=1) & rules_on
        first, *rest = people.tolist()
        links.extend((first, b, False, everyone) for b in rest if b != first)
    both = links + [(b, a, apart, held) for a, b, apart, held in links]
    both.sort(key=lambda link: link[0])
    start = np.searchsorted([a for a, *_ in both], np.arange(problem.n + 1)).astype(np.int64)
    return (
        start,
        np.array([b for _, b, _, _ in both], dtype=np.int64),
        np.array([apart for _, _, apart, _ in both], dtype=bool),
        np.array([held for *_, held in both], dtype=bool).reshape(len(both), len(shape.rounds)),
    )


def _kernel_rules(
    problem: Problem, shape: SearchLayout, attends: np.ndarray
) -> tuple[kernels.Rules, np.ndarray]:
    """The rules and weights, and the attribute codes per participant."""
    n = problem.n
    attributes, attr_w, ratios = _attribute_rules(problem)
    values = max([len(a.values) for a in attributes] + [1])
    codes = np.array([a.of for a in attributes], dtype=np.int64).reshape(len(attributes), n)
    nv = np.zeros((len(attributes), len(shape.rounds), values), dtype=np.int64)
    for t in range(len(attributes)):
        for x in range(len(shape.rounds)):
            here = codes[t][attends[x] & (codes[t] >= 0)]
            nv[t, x] = np.bincount(here, minlength=values)
    penalty = 1.0 + 1000.0 * sum(abs(t.weight) for t in problem.objective) * max(1, n)
    link_start, link_other, link_apart, link_rounds = _links(problem, shape, attends)
    rules = kernels.Rules(
        org=problem.organisation.of.astype(np.int64),
        cap=np.array([n + 1 if s.cap is None else s.cap for s in shape.rounds], dtype=np.int64),
        codes=codes,
        nv=nv,
        attr_w=attr_w,
        ratios=ratios,
        pair_w=_pair_costs(problem),
        w_same=float(_weight(problem, "same_organisation")),
        w_rep=float(_weight(problem, "repeat_pairs")),
        penalty=float(penalty),
        max_meet=int(problem.max_meetings if problem.max_meetings is not None else 255),
        target=float(_reached(search_target(problem))),
        link_start=link_start,
        link_other=link_other,
        link_apart=link_apart,
        link_rounds=link_rounds,
        visit_rule=_visit_rules(problem, shape),
    )
    return rules, codes


def build_state(
    problem: Problem, seats: np.ndarray, maps: np.ndarray, visitors: np.ndarray
) -> SearchState:
    """The kernels' state for these search-round seats and merge maps, and this visitor
    schedule ((rounds, visitors) groups)."""
    shape = _layout(problem)
    layout = _kernel_layout(problem, shape, visitors)
    rules, _ = _kernel_rules(problem, shape, layout.attends)
    rounds, groups = layout.min_size.shape
    # a root's groups keep their bounds; a derived round's may stray past them (penalised)
    roots = layout.roots
    derived = np.setdiff1d(np.arange(rounds), roots)
    biggest = int(max(layout.max_size[roots].max(), layout.present[derived].max(initial=0)))
    state = SearchState(
        shape=shape,
        layout=layout,
        rules=rules,
        seats=kernels.Seats(
            group_of=seats.astype(np.int64).copy(),
            # +1: a swap passes through one extra seat
            members=np.full((rounds, groups, min(biggest, problem.n) + 1), -1, dtype=np.int64),
            size=np.zeros((rounds, groups), dtype=np.int64),
            slot=np.full((rounds, problem.n), -1, dtype=np.int64),
            maps=maps.astype(np.int64).copy(),
            meet=np.zeros((problem.n, problem.n), dtype=np.uint8),
            org_count=np.zeros(
                (rounds, groups, max(1, len(problem.organisation.values))), dtype=np.int64
            ),
            vcount=np.zeros(
                (rules.codes.shape[0], rounds, groups, rules.nv.shape[2]), dtype=np.int64
            ),
            visits=np.zeros(rules.visit_rule.shape, dtype=np.int64),
        ),
    )
    state.rebuild()
    return state


def state_of(problem: Problem, plan: Assignment) -> SearchState:
    """The kernels' state of a plan over the problem's rounds."""
    return build_state(
        problem, *compress(problem, _layout(problem), plan.group), plan.visitor_group
    )


def plan_cost(problem: Problem, plan: Assignment) -> float:
    """The search's own score of a plan (objective plus penalties), to compare strategies'
    plans without borrowing the independent evaluator."""
    duty_weight = _weight(problem, "duty_repeats")
    held = (plan.duty != ABSENT).sum(axis=0)
    return state_of(problem, plan).cost() + duty_weight * np.maximum(held - 1, 0).sum()


class _Start(NamedTuple):
    """Search-round seats and merge maps to start from, and what they come from."""

    seats: np.ndarray
    maps: np.ndarray
    construction: str


@dataclass(frozen=True)
class _Limits:
    """What ends a walk besides its share of the time, for every start of one solve."""

    began: float
    progress: ProgressCallback | None
    stop: Stop | None
    patience: float | None
    give_up_at: float | None
    """When to give up (clock time) if no plan keeps every rule yet; None: never."""


class _Walked(NamedTuple):
    """The best plan one walk found, and whether the solve ends with it (at the target,
    stopped, or given up)."""

    seats: np.ndarray
    maps: np.ndarray
    best_cost: float
    construction: str
    iterations: int
    evaluations: int
    final: bool


FEWER_DESIGN_ROUNDS = (1, 2)
"""Past a design's last round, the search also starts from the design with this many fewer
of its rounds (the greedy seats the rest): all of them can hold it in a basin that fewer
leave (from 8, 7 and 6 design rounds: 8-5-9 at 19, 5 and 5 repeats; 9-5-10 from 9, 8 and
7 at 16, 0 and 0; 10-5-10 best from all 9, at 15; measured at 6 s each)."""


def design_budget(time_limit: float) -> float:
    """Seconds a search of `time_limit` gives the design fit (it takes milliseconds on most
    days; the budget caps the days whose pins or caps it cannot keep)."""
    return min(2.0, time_limit / 10)


def _starts(
    problem: Problem,
    shape: SearchLayout,
    seed: int,
    time_limit: float,
    start: Assignment | DesignStart | None,
    designs: bool = True,
) -> list[_Start]:
    """Where the search starts, in turn: `start`, else a design (unless `designs` is off),
    and past its last round the design with fewer rounds too, or the greedy on days that
    reshuffle, else the grouping greedy."""
    weights = (_weight(problem, "same_organisation"), _weight(problem, "repeat_pairs"))
    if isinstance(start, DesignStart):
        return [_Start(*compress(problem, shape, start.assignment.group), start.construction)]
    if start is not None:
        return [_Start(*compress(problem, shape, start.group), "the plan given")]
    if not shape.plain:
        return [_Start(*grouping_start(problem, shape, seed, weights), "greedy over groupings")]
    budget = design_budget(time_limit)
    design = fitted_design(problem, seed, budget) if designs else None
    if design is None:
        greedy = greedy_start(problem, seed, weights).group
        return [_Start(*compress(problem, shape, greedy), "greedy")]
    fitted = [design]
    if design.design_rounds < len(problem.rounds):
        for fewer in FEWER_DESIGN_ROUNDS:
            if design.design_rounds > fewer:
                other = fitted_design(problem, seed, budget, design.design_rounds - fewer)
                fitted += [other] if other is not None else []
    return [_Start(*compress(problem, shape, d.assignment.group), d.construction) for d in fitted]


COMPILE_SECONDS = 15
"""About how long the kernels take to compile on 2 cores, once per install (measured)."""

_WARM: set[bool] = set()
"""The kernel sets compiled or loaded in this process (with merges: True)."""

_TINY_DAY = {
    "name": "warm-up",
    "participants": [{"id": f"p{k}", "organisation": "o"} for k in range(6)],
    "rounds": [
        {"id": "a", "groups": 2},
        {"id": "b", "groups": 2},
        {"id": "c", "same_groups_as": "b"},
    ],
}


def prepare(problem: Problem, announce: Announce | None = None) -> None:
    """Compile (or load from numba's cache) the kernels a solve of this problem runs, on a
    tiny day, so that their compilation is not taken out of its time limit; `announce`
    hears of a compilation first."""
    merges = any(r.kind == "merge" for r in problem.rounds)
    if merges in _WARM:
        return
    needed = (kernels.search, kernels.total_cost, kernels.rebuild, kernels._references)
    needed += (kernels.improve_merges,) if merges else ()
    if announce is not None and not kernels.cached(*needed):
        announce(f"compiling the search kernels once, about {COMPILE_SECONDS} s")
    day = dict(_TINY_DAY)
    if merges:
        day["rounds"] = [*day["rounds"], {"id": "d", "merge_of": "c", "groups": 1}]
    tiny = compile_problem(parse_instance(day))
    shape = _layout(tiny)
    seats, maps = grouping_start(tiny, shape, 0, (1.0, 1.0))
    state = build_state(tiny, seats, maps, visitor_schedule(tiny, shape, 0, 1.0))
    tune = kernels.Tuning(1, 1, 1, 1, 1, True, False)
    tabu = np.zeros((*seats.shape, 2), dtype=np.int32)
    cost = state.cost()
    walk = kernels.Walk(0, cost, cost, 0)
    kernels.search(*state.compiled, tune, tabu, 1, walk, seats.copy(), maps.copy())
    if merges:
        kernels.improve_merges(*state.compiled)
    _WARM.add(merges)


def _improve_merges(
    state: SearchState, walk: kernels.Walk, best: np.ndarray, best_maps: np.ndarray
) -> kernels.Walk:
    """The merge-map moves between two chunks of the walk, keeping a new best."""
    cost = walk.cost + kernels.improve_merges(*state.compiled)
    if cost >= walk.best_cost - 1e-9:
        return walk._replace(cost=cost)
    best[:], best_maps[:] = state.seats.group_of, state.seats.maps
    return walk._replace(cost=cost, best_cost=cost, since_best=0)


def repeats_alone(shape: SearchLayout, state: SearchState) -> bool:
    """Is the search's cost repeated pairs alone (and rules), on rounds that all reshuffle:
    a Social Golfer day, perhaps with pins, absences and lists?"""
    rules = state.rules
    return (
        shape.plain
        and bool((rules.org < 0).all())
        and rules.codes.shape[0] == 0
        and rules.pair_w.shape[0] == 1
        and state.layout.hosts.shape[2] == 0
    )


def _tuning(
    problem: Problem,
    shape: SearchLayout,
    state: SearchState,
    whole: bool,
    swap_tabu: bool | None = None,
) -> kernels.Tuning:
    """The search's parameters for this day. Unless `swap_tabu` says otherwise: the swap
    tabu where every step weighs the whole neighbourhood of a day scored by repeats alone
    (fewer repeats on golfer days in the neighbourhoods benchmark), the seat tabu elsewhere
    (the Partner Day's search was measured with it)."""
    swap = whole and (repeats_alone(shape, state) if swap_tabu is None else swap_tabu)
    return kernels.Tuning(
        tenure=SWAP_TENURE[0] if swap else TENURE[0],
        tenure_spread=SWAP_TENURE[1] if swap else TENURE[1],
        perturbation=int(max(2, problem.n * PERTURBATION)),
        stall=max(200, STALL * problem.n),
        candidate_groups=64,
        whole_neighbourhood=whole,
        swap_tabu=swap,
    )


def _tabu_list(state: SearchState, tune: kernels.Tuning) -> np.ndarray:
    """The step at which each tabu entry expires (see `kernels.Tuning.swap_tabu`)."""
    rounds, n = state.seats.group_of.shape
    groups = max(1, int(state.layout.n_groups.max()))
    return np.zeros((rounds, n, n + groups if tune.swap_tabu else groups), dtype=np.int32)


def _penalised(problem: Problem, walked: _Walked, visitors: np.ndarray) -> bool:
    """Does the walk's best plan break a rule the search owns?"""
    return build_state(problem, walked.seats, walked.maps, visitors).penalised()


def _next_chunk(steps: int, spent: float, left: float) -> int:
    """Steps for the next look at the clock: about CHUNK[1] seconds' worth at the speed just
    measured, never past the time left."""
    per_step = max(spent, 1e-6) / steps
    wanted = max(1.0, min(CHUNK[1], left) / per_step, steps // 2)  # halve at most, when slowed
    return int(max(1, min(CHUNK[0], wanted, left / per_step)))


class LocalSearch:
    """Construction (a design, or a greedy), then compiled tabu search to the time limit
    or to the counting bound, whichever comes first."""

    name = "local"
    designs = True
    """Start from the design library's schedules where they apply."""
    swap_tabu: bool | None = None
    """Make the swaps taken tabu (True) or the seats left (False); None: by the day, see
    `_tuning` (the neighbourhoods benchmark runs both)."""

    def prepare(self, problem: Problem, announce: Announce | None = None) -> None:
        prepare(problem, announce)

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float,
        seed: int,
        progress: ProgressCallback | None = None,
        stop: Stop | None = None,
        start: Assignment | DesignStart | None = None,
        frozen: np.ndarray | None = None,
        patience: float | None = None,
        give_up: float | None = None,
    ) -> Result:
        """Search from `start` (a design or the greedy by default, and past a design's last
        round from fewer of its rounds too: each start in turn, with an equal share of the
        time left; a caller's design keeps its name in the result); seats marked in
        `frozen` (rounds × participants, on days that reshuffle) stay where `start` has
        them. With `patience`, a start ends once that many seconds bring no new best, and
        the solve with its last start (for a caller with a better use of the time left).
        With `give_up`, stop after that many seconds if no plan keeps every rule yet (for a
        caller with another engine to try)."""
        reasons = unsupported(problem)
        if reasons:
            raise UnsupportedError("the local search does not handle: " + ", ".join(reasons))
        self.prepare(problem)
        began = time.perf_counter()
        shape = _layout(problem)
        visitors = visitor_schedule(problem, shape, seed, time_limit / 4)
        if visitors is None:
            return Result(self.name, seed, 0.0, "unknown", None)
        starts = _starts(problem, shape, seed, time_limit, start, self.designs)
        limits = _Limits(
            began, progress, stop, patience, None if give_up is None else began + give_up
        )
        kernels.seed_rng(seed)
        kept: _Walked | None = None
        iterations = evaluations = 0
        for index, begin in enumerate(starts):
            now = time.perf_counter()
            until = now + (time_limit - (now - began)) / (len(starts) - index)
            floor = kept.best_cost if kept is not None else np.inf
            walked = self._walk(problem, shape, visitors, begin, frozen, until, limits, floor)
            iterations, evaluations = (
                iterations + walked.iterations,
                evaluations + walked.evaluations,
            )
            if kept is None or walked.best_cost < kept.best_cost:
                kept = walked
            if walked.final:
                break
            if limits.give_up_at is not None and not _penalised(problem, kept, visitors):
                limits = replace(limits, give_up_at=None)  # a plan keeps every rule
        assert kept is not None
        seconds = time.perf_counter() - began
        stats = {
            "iterations": iterations,
            "evaluations": evaluations,
            "evaluations_per_second": evaluations / max(seconds, 1e-9),
        }
        group = expand(problem, shape, kept.seats)
        plan = Assignment(group=group, visitor_group=visitors, duty=np.full_like(group, ABSENT))
        found = not _penalised(problem, kept, visitors) and hand_out_duties(problem, plan)
        return Result(
            self.name,
            seed,
            seconds,
            "feasible" if found else "unknown",
            plan if found else None,
            search_cost=kept.best_cost,
            construction=kept.construction,
            stats=stats,
        )

    def _walk(
        self,
        problem: Problem,
        shape: SearchLayout,
        visitors: np.ndarray,
        begin: _Start,
        frozen: np.ndarray | None,
        until: float,
        limits: _Limits,
        floor: float,
    ) -> _Walked:
        """The tabu walk from one start until `until` (or the target, a stop, the caller's
        patience or its giving up); `floor` is the best cost of the earlier starts, for
        progress reports."""
        state = build_state(problem, begin.seats, begin.maps, visitors)
        if frozen is not None:
            state.layout.movable[:] &= ~frozen[[s.rounds[0] for s in shape.rounds]]
        whole = problem.n * len(shape.roots()) <= WHOLE_NEIGHBOURHOOD_LIMIT
        tune = _tuning(problem, shape, state, whole, self.swap_tabu)
        best, best_maps = state.seats.group_of.copy(), state.seats.maps.copy()
        cost = state.cost()
        walk = kernels.Walk(0, cost, cost, 0)
        tabu = _tabu_list(state, tune)
        evaluations, steps = 0, 1
        improved_at = now = time.perf_counter()
        merges = len(shape.merge_roots) > 0
        final = not state.layout.movable.any()
        while not final and walk.best_cost > state.rules.target and now < until:
            if stopped(limits.stop):
                final = True
                break
            before = walk.best_cost
            if merges:
                walk = _improve_merges(state, walk, best, best_maps)
            walk, done = kernels.search(*state.compiled, tune, tabu, steps, walk, best, best_maps)
            evaluations += done
            spent, now = time.perf_counter() - now, time.perf_counter()
            steps = _next_chunk(steps, spent, until - now)
            steps = min(steps, MERGE_EVERY) if merges else steps
            if walk.best_cost < before:
                improved_at = now
            if limits.progress:
                limits.progress(Progress(now - limits.began, min(floor, walk.best_cost), None))
            if limits.patience is not None and now - improved_at >= limits.patience:
                if not build_state(problem, best, best_maps, visitors).penalised():
                    break  # on to the next start, if any
                improved_at = now  # no plan keeps every rule yet: keep looking
            if limits.give_up_at is not None and now >= limits.give_up_at:
                if build_state(problem, best, best_maps, visitors).penalised():
                    final = True
                    break
                limits = replace(limits, give_up_at=None)
        final = final or walk.best_cost <= state.rules.target
        return _Walked(
            best, best_maps, walk.best_cost, begin.construction, walk.iteration, evaluations, final
        )


class PlainTabu(LocalSearch):
    """The local search from the greedy alone, without the design library: the baseline
    that shows what the designs bring (the golfers benchmark runs it side by side)."""

    name = "tabu"
    designs = False
