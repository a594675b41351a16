"""Compiled hot loop of the local search (numba, nopython).

The state travels as three named tuples (see `local_search.build_state`):
- `Layout`, fixed: the search rounds (see `groupings`), their groups and size bounds, who
  attends which, who may move;
- `Rules`, fixed: organisations, attribute codes, ratio rules, pair numbers and weights;
- `Seats`, updated by every move: who sits where, group member lists, merge maps, the
  pair meeting-count matrix, organisation and attribute counts per group.

A person moves in a root round and, with them, in every round derived from it; a merge map
moves a whole root group between merged groups. Every move is scored incrementally in
O(group size) per round it touches; the hard rules the search owns (organisation cap,
max_meetings, balance, role ratios, apart/together, visitors met once, the sizes of derived
rounds) are penalised with `penalty` per unit of excess, the sizes of root rounds are kept
by the moves themselves.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numba.core import types
from numba.experimental import structref


class Layout(NamedTuple):
    n_groups: np.ndarray
    """(rounds,) groups of each search round."""
    min_size: np.ndarray
    """(rounds, groups)."""
    max_size: np.ndarray
    present: np.ndarray
    """(rounds,) people present."""
    attends: np.ndarray
    """(rounds, participants) bool."""
    movable: np.ndarray
    """(rounds, participants) bool: a free seat of a root round (not pinned)."""
    roots: np.ndarray
    """The root rounds, where people move."""
    derived: np.ndarray
    """(rounds, most derived) the rounds each root decides, -1 padded."""
    mapping: np.ndarray
    """(rounds,) the merge map giving the round's groups from its root's (-1: the same)."""
    merge_root: np.ndarray
    """(merges,) the root round each merge map reads."""
    meetings: np.ndarray
    """(rounds,) how sharing a group here counts as meeting in the grouping: 0 not here,
    1 every pair, 2 pairs that also share a kept round and are not both in round `defer`
    (see `groupings.SearchRound.meetings`)."""
    defer: np.ndarray
    """(rounds,) the merged round that counts the pairs both there (−1: none)."""
    shares: np.ndarray
    """(rounds, participants) bit masks of the kept rounds each attends."""
    imbalance: np.ndarray
    """(rounds,) 1.0 where the imbalance term counts the round, else 0.0."""
    rules: np.ndarray
    """(rounds,) 1.0 where balance and role ratios hold (not in a phantom root)."""
    hosts: np.ndarray
    """(rounds, groups, visitors) how many of the round's rounds each visitor spends in each
    group (no visitors dimension when the schedule alone makes everyone meet them)."""


class Rules(NamedTuple):
    org: np.ndarray
    """(participants,) organisation code, -1 for none."""
    cap: np.ndarray
    """(rounds,) organisation cap (participants + 1: none)."""
    codes: np.ndarray
    """(attributes, participants) value codes, -1 for none."""
    nv: np.ndarray
    """(attributes, rounds, values) people present with each value."""
    attr_w: np.ndarray
    """(attributes, 2): the imbalance weight, and 1 where `balance` makes it a rule."""
    ratios: np.ndarray
    """(rules, 7): t_role, role, per, min numerator, min denominator, max num., max den."""
    pair_w: np.ndarray
    """(participants, participants) weighted cost of a meeting (minus the pairs term), or
    (1, 1) when there is no pairs term."""
    w_same: float
    w_rep: float
    penalty: float
    max_meet: int
    target: float
    """The search stops once its best cost is at most this (the counting bound)."""
    link_start: np.ndarray
    """(participants + 1,) where each one's `apart`/`together` partners start in the
    `link_*` arrays (both directions are listed)."""
    link_other: np.ndarray
    link_apart: np.ndarray
    """(links,) bool: True for `apart` (never one group), False for `together` (one group)."""
    link_rounds: np.ndarray
    """(links, rounds) bool: the rounds where the link holds."""
    visit_rule: np.ndarray
    """(participants, visitors): 2 must meet the visitor exactly once, 1 at most once, 0 no
    rule (attends none of its rounds)."""


class Seats(NamedTuple):
    group_of: np.ndarray
    """(rounds, participants) group, -1 when absent."""
    members: np.ndarray
    """(rounds, groups, room) participants of each group, in slots 0 .. size - 1."""
    size: np.ndarray
    slot: np.ndarray
    """(rounds, participants) index in the group's member list."""
    maps: np.ndarray
    """(merges, groups) merged group of each root group."""
    meet: np.ndarray
    """(participants, participants) groupings in which the pair shares a group."""
    org_count: np.ndarray
    """(rounds, groups, organisations)."""
    vcount: np.ndarray
    """(attributes, rounds, groups, values)."""
    visits: np.ndarray
    """(participants, visitors) rounds in which each one shares a group with each visitor."""


# -- the compiled code's view of the state ---------------------------------------------------
#
# Python builds the named tuples above; the kernels receive each as a structref, which the
# compiled code passes around as one reference (a tuple of thirty arrays would be copied,
# and reference-counted array by array, at every call of every helper).


class _Fields(types.StructRef):
    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(kind)) for name, kind in fields)


@structref.register
class _LayoutType(_Fields):
    pass


@structref.register
class _RulesType(_Fields):
    pass


@structref.register
class _SeatsType(_Fields):
    pass


class LayoutRef(structref.StructRefProxy):
    """A `Layout` as the kernels take it."""


class RulesRef(structref.StructRefProxy):
    """`Rules` as the kernels take them."""


class SeatsRef(structref.StructRefProxy):
    """`Seats` as the kernels take them (the same arrays: moves update both views)."""


structref.define_proxy(LayoutRef, _LayoutType, list(Layout._fields))
structref.define_proxy(RulesRef, _RulesType, list(Rules._fields))
structref.define_proxy(SeatsRef, _SeatsType, list(Seats._fields))


@njit(cache=True)
def _references(seats, layout, rules):
    """The three structrefs, built in compiled code so that their constructors are cached
    with the kernels (a proxy built from Python compiles its constructor anew in every
    process: a second and more)."""
    return SeatsRef(*seats), LayoutRef(*layout), RulesRef(*rules)


def compiled(seats: Seats, layout: Layout, rules: Rules) -> tuple[SeatsRef, LayoutRef, RulesRef]:
    """The kernels' arguments for this state (sharing its arrays)."""
    return _references(seats, layout, rules)


def cached(*kernels) -> bool:
    """Does numba's cache hold a compiled version of each of these kernels for today's
    source? (A look at numba's cache index: on any surprise, no.)"""
    try:
        return all(len(kernel._cache._cache_file._load_index()) > 0 for kernel in kernels)
    except Exception:
        return False


class Tuning(NamedTuple):
    tenure: int
    tenure_spread: int
    perturbation: int
    """Random swaps of a perturbation."""
    stall: int
    """Steps without a new best before returning to the best plan, perturbed."""
    candidate_groups: int
    whole_neighbourhood: bool
    swap_tabu: bool
    """What a step makes tabu: the swap itself (Dotú and Van Hentenryck's social-golfer
    search: `tabu[r, p, q]`, p < q, and a move's `tabu[r, p, n + g]`), or else the seats
    left (`tabu[r, p, g]`: nobody goes back to a group they left within the tenure)."""


class Walk(NamedTuple):
    """Where the tabu walk stands between two calls of `search`: the caller looks at the
    clock between calls, and the walk must not depend on how its steps were chunked (a
    stall count reset at every call made the plan depend on the machine's speed)."""

    iteration: int
    cost: float
    best_cost: float
    since_best: int
    """Steps since the last new best (a return to the best plan at `Tuning.stall`)."""


# -- costs of one group's state ---------------------------------------------------------------
#
# The helpers called once per group member take scalars, and the few that loop take the
# arrays they read: a named tuple passed to a compiled function costs a reference count
# per array it holds, which in the innermost loops would cost more than the arithmetic.


@njit(cache=True, inline="always")
def _pair_delta(m, change, w_pair, colleague, rules):
    """Cost change when a pair that meets `m` times gains (+1) or loses (−1) a meeting;
    `colleague` adds w_same where pairs of colleagues are counted one by one."""
    d = 0.0
    if change > 0:
        if m >= 1:
            d += rules.w_rep
        if m >= rules.max_meet:
            d += rules.penalty
        d += w_pair
    else:
        if m >= 2:
            d -= rules.w_rep
        if m > rules.max_meet:
            d -= rules.penalty
        d -= w_pair
    if colleague:
        d += change * rules.w_same
    return d


@njit(cache=True, inline="always")
def _counted(mode, both_deferred, share_p, share_y):
    """Does sharing a group make the pair meet (see `Layout.meetings`)?"""
    if mode == 1:
        return True
    if mode == 0 or both_deferred:
        return False
    return (share_p & share_y) != 0


@njit(cache=True)
def _pair_counted(lay, x, p, y):
    """`_counted` for one pair, read from the layout (outside the innermost loops)."""
    w = lay.defer[x]
    both = w >= 0 and lay.attends[w, p] and lay.attends[w, y]
    return _counted(lay.meetings[x], both, lay.shares[x, p], lay.shares[x, y])


@njit(cache=True)
def _meetings_delta(s, lay, rules, x, p, g, skip, change):
    """Cost change when p starts (+1) or stops (−1) sharing group g of round x with its
    members (but p and `skip`)."""
    mode = lay.meetings[x]
    if mode == 0:
        return 0.0
    members, meet, pair_w, org, shares = s.members, s.meet, rules.pair_w, rules.org, lay.shares
    dense = pair_w.shape[0] > 1
    w = lay.defer[x]
    p_deferred = w >= 0 and lay.attends[w, p]
    o = org[p]
    d = 0.0
    for k in range(s.size[x, g]):
        y = members[x, g, k]
        if y == p or y == skip:  # noqa: SIM109 (numba compiles `in (p, skip)` slowly)
            continue
        both = p_deferred and lay.attends[w, y]
        if _counted(mode, both, shares[x, p], shares[x, y]):
            colleague = mode == 2 and o >= 0 and org[y] == o
            w_pair = pair_w[p, y] if dense else 0.0
            d += _pair_delta(meet[p, y], change, w_pair, colleague, rules)
    return d


@njit(cache=True, inline="always")
def _org_delta(c_from, c_to, cap, w_same, penalty):
    """One member of an organisation leaves a group holding `c_from` of it for one holding
    `c_to` (w_same: 0 where colleagues are not counted by group)."""
    d = w_same * (c_to - (c_from - 1))
    if c_from > cap:
        d -= penalty
    if c_to >= cap:
        d += penalty
    return d


@njit(cache=True, inline="always")
def _size_cost(low, high, size, penalty):
    """`penalty` per person outside the group's bounds (derived rounds; roots never are)."""
    return penalty * (max(0, low - size) + max(0, size - high))


@njit(cache=True, inline="always")
def _value_cost(n_v, present, w_imbalance, balanced, penalty, count, size):
    """One attribute value in one group: the imbalance weight × |count − e| plus, under
    `balance`, `penalty` per unit that present × count strays beyond present − 1 from
    n_v × size (count ∉ {⌊e⌋, ⌈e⌉})."""
    cost = w_imbalance * abs(count - n_v * size / present)
    if balanced:
        excess = abs(present * count - n_v * size) - (present - 1)
        if excess > 0:
            cost += penalty * excess
    return cost


@njit(cache=True)
def _values_swap_delta(s, lay, rules, t, x, g1, g2, a, b):
    """Value a leaves g1 for g2 and value b leaves g2 for g1 (sizes unchanged)."""
    d = 0.0
    pr = lay.present[x]
    w_imb = rules.attr_w[t, 0] * lay.imbalance[x]
    balanced = rules.attr_w[t, 1] > 0 and lay.rules[x] > 0
    s1, s2 = s.size[x, g1], s.size[x, g2]
    for v, leaves, joins, s_from, s_to in ((a, g1, g2, s1, s2), (b, g2, g1, s2, s1)):
        if v < 0:
            continue
        n_v = rules.nv[t, x, v]
        c_from, c_to = s.vcount[t, x, leaves, v], s.vcount[t, x, joins, v]
        d += _value_cost(n_v, pr, w_imb, balanced, rules.penalty, c_from - 1, s_from)
        d -= _value_cost(n_v, pr, w_imb, balanced, rules.penalty, c_from, s_from)
        d += _value_cost(n_v, pr, w_imb, balanced, rules.penalty, c_to + 1, s_to)
        d -= _value_cost(n_v, pr, w_imb, balanced, rules.penalty, c_to, s_to)
    return d


@njit(cache=True)
def _values_move_delta(s, lay, rules, t, x, g1, g2, a):
    """Value a moves from g1 to g2: both sizes change, so every value's target moves."""
    d = 0.0
    pr = lay.present[x]
    w_imb = rules.attr_w[t, 0] * lay.imbalance[x]
    balanced = rules.attr_w[t, 1] > 0 and lay.rules[x] > 0
    n1, n2 = s.size[x, g1], s.size[x, g2]
    for v in range(rules.nv.shape[2]):
        n_v = rules.nv[t, x, v]
        if n_v == 0:
            continue
        c1, c2 = s.vcount[t, x, g1, v], s.vcount[t, x, g2, v]
        c1_after, c2_after = c1 - (1 if v == a else 0), c2 + (1 if v == a else 0)
        d += _value_cost(n_v, pr, w_imb, balanced, rules.penalty, c1_after, n1 - 1)
        d -= _value_cost(n_v, pr, w_imb, balanced, rules.penalty, c1, n1)
        d += _value_cost(n_v, pr, w_imb, balanced, rules.penalty, c2_after, n2 + 1)
        d -= _value_cost(n_v, pr, w_imb, balanced, rules.penalty, c2, n2)
    return d


@njit(cache=True)
def _ratio_cost(vcount, ratios, penalty, x, g):
    """Role-ratio rules multiplied out as in FORMAT.md: `penalty` per unit of
    den·role − num·per beyond the bounds (−1: no bound)."""
    cost = 0.0
    for k in range(ratios.shape[0]):
        t = ratios[k, 0]
        role, per = vcount[t, x, g, ratios[k, 1]], vcount[t, x, g, ratios[k, 2]]
        if ratios[k, 3] >= 0:
            short = ratios[k, 3] * per - ratios[k, 4] * role
            if short > 0:
                cost += penalty * short
        if ratios[k, 5] >= 0:
            over = ratios[k, 6] * role - ratios[k, 5] * per
            if over > 0:
                cost += penalty * over
    return cost


@njit(cache=True)
def _ratio_delta(vcount, ratios, penalty, x, g1, g2, a, b):
    """Role code a goes from g1 to g2 and b (−1: nobody) from g2 to g1."""
    t = ratios[0, 0]
    before = _ratio_cost(vcount, ratios, penalty, x, g1) + _ratio_cost(
        vcount, ratios, penalty, x, g2
    )
    if a >= 0:
        vcount[t, x, g1, a] -= 1
        vcount[t, x, g2, a] += 1
    if b >= 0:
        vcount[t, x, g2, b] -= 1
        vcount[t, x, g1, b] += 1
    after = _ratio_cost(vcount, ratios, penalty, x, g1) + _ratio_cost(
        vcount, ratios, penalty, x, g2
    )
    if a >= 0:
        vcount[t, x, g1, a] += 1
        vcount[t, x, g2, a] -= 1
    if b >= 0:
        vcount[t, x, g2, b] += 1
        vcount[t, x, g1, b] -= 1
    return after - before


@njit(cache=True, inline="always")
def _broken(apart, g, h):
    """1 when a link between people in groups g and h is broken, else 0."""
    return 1 if (g == h) == apart else 0


@njit(cache=True)
def _links_delta(s, rules, x, p, g_from, g_to, skip):
    """`penalty` per apart/together link of p that p's move from g_from to g_to in round x
    breaks, less those it mends (`skip`: a partner moving too, in a swap)."""
    d = 0.0
    for k in range(rules.link_start[p], rules.link_start[p + 1]):
        y = rules.link_other[k]
        if y == skip or not rules.link_rounds[k, x]:
            continue
        h = s.group_of[x, y]
        apart = rules.link_apart[k]
        d += rules.penalty * (_broken(apart, g_to, h) - _broken(apart, g_from, h))
    return d


@njit(cache=True)
def _links_broken(s, rules, x, p):
    """p's apart/together links broken in round x."""
    count = 0
    for k in range(rules.link_start[p], rules.link_start[p + 1]):
        if rules.link_rounds[k, x]:
            y = rules.link_other[k]
            count += _broken(rules.link_apart[k], s.group_of[x, p], s.group_of[x, y])
    return count


# -- one round's change -------------------------------------------------------------------------


@njit(cache=True)
def _swap_in(s, lay, rules, x, p, q):
    """Cost change of swapping p and q (in different groups) in round x alone."""
    g1, g2 = s.group_of[x, p], s.group_of[x, q]
    d = 0.0
    if lay.meetings[x] > 0:
        d += _meetings_delta(s, lay, rules, x, p, g1, -1, -1)
        d += _meetings_delta(s, lay, rules, x, q, g1, p, 1)
        d += _meetings_delta(s, lay, rules, x, q, g2, -1, -1)
        d += _meetings_delta(s, lay, rules, x, p, g2, q, 1)
    op, oq = rules.org[p], rules.org[q]
    if op != oq:
        w_same = rules.w_same if lay.meetings[x] == 1 else 0.0
        cap = rules.cap[x]
        if op >= 0:
            c_from, c_to = s.org_count[x, g1, op], s.org_count[x, g2, op]
            d += _org_delta(c_from, c_to, cap, w_same, rules.penalty)
        if oq >= 0:
            c_from, c_to = s.org_count[x, g2, oq], s.org_count[x, g1, oq]
            d += _org_delta(c_from, c_to, cap, w_same, rules.penalty)
    for t in range(rules.codes.shape[0]):
        a, b = rules.codes[t, p], rules.codes[t, q]
        if a != b:
            d += _values_swap_delta(s, lay, rules, t, x, g1, g2, a, b)
    if rules.ratios.shape[0] > 0 and lay.rules[x] > 0:
        a, b = rules.codes[rules.ratios[0, 0], p], rules.codes[rules.ratios[0, 0], q]
        if a != b:
            d += _ratio_delta(s.vcount, rules.ratios, rules.penalty, x, g1, g2, a, b)
    if rules.link_start[p] < rules.link_start[p + 1]:
        d += _links_delta(s, rules, x, p, g1, g2, q)
    if rules.link_start[q] < rules.link_start[q + 1]:
        d += _links_delta(s, rules, x, q, g2, g1, p)
    return d


@njit(cache=True)
def _move_in(s, lay, rules, x, p, g2):
    """Cost change of moving p to group g2 in round x alone (sizes change)."""
    g1 = s.group_of[x, p]
    d = 0.0
    if lay.meetings[x] > 0:
        d += _meetings_delta(s, lay, rules, x, p, g1, -1, -1)
        d += _meetings_delta(s, lay, rules, x, p, g2, -1, 1)
    op = rules.org[p]
    if op >= 0:
        w_same = rules.w_same if lay.meetings[x] == 1 else 0.0
        c_from, c_to = s.org_count[x, g1, op], s.org_count[x, g2, op]
        d += _org_delta(c_from, c_to, rules.cap[x], w_same, rules.penalty)
    for t in range(rules.codes.shape[0]):
        d += _values_move_delta(s, lay, rules, t, x, g1, g2, rules.codes[t, p])
    if rules.ratios.shape[0] > 0 and lay.rules[x] > 0:
        a = rules.codes[rules.ratios[0, 0], p]
        d += _ratio_delta(s.vcount, rules.ratios, rules.penalty, x, g1, g2, a, -1)
    if rules.link_start[p] < rules.link_start[p + 1]:
        d += _links_delta(s, rules, x, p, g1, g2, -1)
    n1, n2 = s.size[x, g1], s.size[x, g2]
    low, high = lay.min_size[x], lay.max_size[x]
    d += _size_cost(low[g1], high[g1], n1 - 1, rules.penalty)
    d -= _size_cost(low[g1], high[g1], n1, rules.penalty)
    d += _size_cost(low[g2], high[g2], n2 + 1, rules.penalty)
    d -= _size_cost(low[g2], high[g2], n2, rules.penalty)
    return d


@njit(cache=True, inline="always")
def _mapped(s, lay, x, g):
    """The group of derived round x that holds root group g."""
    return g if lay.mapping[x] < 0 else s.maps[lay.mapping[x], g]


# -- visitors met ---------------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _visit_cost(rule, count, penalty):
    """`penalty` per meeting with a visitor beyond the rule (once, or at most once) and, when
    it must be met, per missing meeting."""
    if rule == 2:
        return penalty * abs(count - 1)
    if rule == 1 and count > 1:
        return penalty * (count - 1)
    return 0.0


@njit(cache=True)
def _visits_delta(s, lay, rules, x, p, g_from, g_to):
    """Cost change of p's meetings with the visitors when p goes from g_from to g_to in
    round x alone."""
    d = 0.0
    for v in range(lay.hosts.shape[2]):
        change = lay.hosts[x, g_to, v] - lay.hosts[x, g_from, v]
        if change != 0:
            c, rule = s.visits[p, v], rules.visit_rule[p, v]
            d += _visit_cost(rule, c + change, rules.penalty) - _visit_cost(rule, c, rules.penalty)
    return d


@njit(cache=True)
def _shift_visits(s, lay, x, p, g_from, g_to):
    """Count p's meetings with the visitors as if p went from g_from to g_to in round x."""
    for v in range(lay.hosts.shape[2]):
        s.visits[p, v] += lay.hosts[x, g_to, v] - lay.hosts[x, g_from, v]


@njit(cache=True)
def _route_visits_delta(s, lay, rules, r, p, g2):
    """Cost change of p's meetings with the visitors when p goes to group g2 of root round r
    and so in every round r decides: the rounds are taken one after the other (a visitor may
    be met in several, and the cost of a meeting count is not linear), then undone."""
    if lay.hosts.shape[2] == 0:
        return 0.0
    g1 = s.group_of[r, p]
    d = _route_visits(s, lay, rules, r, p, g1, g2)
    _route_visits(s, lay, rules, r, p, g2, g1)
    return d


@njit(cache=True)
def _route_visits(s, lay, rules, r, p, g1, g2):
    """Count p's meetings with the visitors as if p went from g1 to g2 in root round r and
    the rounds it decides, round after round; returns the cost change."""
    d = _visits_delta(s, lay, rules, r, p, g1, g2)
    _shift_visits(s, lay, r, p, g1, g2)
    for k in range(lay.derived.shape[1]):
        x = lay.derived[r, k]
        if x < 0:
            break
        a1, a2 = _mapped(s, lay, x, g1), _mapped(s, lay, x, g2)
        if lay.attends[x, p] and a1 != a2:
            d += _visits_delta(s, lay, rules, x, p, a1, a2)
            _shift_visits(s, lay, x, p, a1, a2)
    return d


@njit(cache=True)
def _visits_broken(s, rules, p):
    """Does p meet a visitor more (or less) often than the rules allow?"""
    for v in range(s.visits.shape[1]):
        if _visit_cost(rules.visit_rule[p, v], s.visits[p, v], 1.0) > 0:
            return True
    return False


# -- a root move and every round it drags along ------------------------------------------------


@njit(cache=True)
def swap_delta(s, lay, rules, r, p, q):
    """Cost change of swapping p and q (in different groups) in root round r."""
    g1, g2 = s.group_of[r, p], s.group_of[r, q]
    d = _swap_in(s, lay, rules, r, p, q)
    d += _route_visits_delta(s, lay, rules, r, p, g2) + _route_visits_delta(s, lay, rules, r, q, g1)
    for k in range(lay.derived.shape[1]):
        x = lay.derived[r, k]
        if x < 0:
            break
        a1, a2 = _mapped(s, lay, x, g1), _mapped(s, lay, x, g2)
        if a1 == a2:
            continue
        here_p, here_q = lay.attends[x, p], lay.attends[x, q]
        if here_p and here_q:
            d += _swap_in(s, lay, rules, x, p, q)
        elif here_p:
            d += _move_in(s, lay, rules, x, p, a2)
        elif here_q:
            d += _move_in(s, lay, rules, x, q, a1)
    return d


@njit(cache=True)
def move_delta(s, lay, rules, r, p, g2):
    """Cost change of moving p to group g2 in root round r."""
    g1 = s.group_of[r, p]
    d = _move_in(s, lay, rules, r, p, g2)
    d += _route_visits_delta(s, lay, rules, r, p, g2)
    for k in range(lay.derived.shape[1]):
        x = lay.derived[r, k]
        if x < 0:
            break
        a2 = _mapped(s, lay, x, g2)
        if lay.attends[x, p] and _mapped(s, lay, x, g1) != a2:
            d += _move_in(s, lay, rules, x, p, a2)
    return d


@njit(cache=True)
def _leave(s, lay, rules, x, p):
    g = s.group_of[x, p]
    if lay.meetings[x] > 0:
        for k in range(s.size[x, g]):
            y = s.members[x, g, k]
            if y != p and _pair_counted(lay, x, p, y):
                s.meet[p, y] -= 1
                s.meet[y, p] -= 1
    last = s.members[x, g, s.size[x, g] - 1]
    s.members[x, g, s.slot[x, p]] = last
    s.slot[x, last] = s.slot[x, p]
    s.size[x, g] -= 1
    if rules.org[p] >= 0:
        s.org_count[x, g, rules.org[p]] -= 1
    for t in range(rules.codes.shape[0]):
        if rules.codes[t, p] >= 0:
            s.vcount[t, x, g, rules.codes[t, p]] -= 1
    for v in range(lay.hosts.shape[2]):
        s.visits[p, v] -= lay.hosts[x, g, v]
    s.group_of[x, p] = -1


@njit(cache=True)
def _join(s, lay, rules, x, p, g):
    if lay.meetings[x] > 0:
        for k in range(s.size[x, g]):
            y = s.members[x, g, k]
            if _pair_counted(lay, x, p, y):
                s.meet[p, y] += 1
                s.meet[y, p] += 1
    s.members[x, g, s.size[x, g]] = p
    s.slot[x, p] = s.size[x, g]
    s.size[x, g] += 1
    if rules.org[p] >= 0:
        s.org_count[x, g, rules.org[p]] += 1
    for t in range(rules.codes.shape[0]):
        if rules.codes[t, p] >= 0:
            s.vcount[t, x, g, rules.codes[t, p]] += 1
    for v in range(lay.hosts.shape[2]):
        s.visits[p, v] += lay.hosts[x, g, v]
    s.group_of[x, p] = g


@njit(cache=True)
def relocate(s, lay, rules, x, p, g):
    _leave(s, lay, rules, x, p)
    _join(s, lay, rules, x, p, g)


@njit(cache=True)
def apply_swap(s, lay, rules, r, p, q):
    g1, g2 = s.group_of[r, p], s.group_of[r, q]
    for k in range(lay.derived.shape[1]):
        x = lay.derived[r, k]
        if x < 0:
            break
        a1, a2 = _mapped(s, lay, x, g1), _mapped(s, lay, x, g2)
        if a1 != a2:
            if lay.attends[x, p]:
                relocate(s, lay, rules, x, p, a2)
            if lay.attends[x, q]:
                relocate(s, lay, rules, x, q, a1)
    relocate(s, lay, rules, r, p, g2)
    relocate(s, lay, rules, r, q, g1)


@njit(cache=True)
def apply_move(s, lay, rules, r, p, g2):
    g1 = s.group_of[r, p]
    for k in range(lay.derived.shape[1]):
        x = lay.derived[r, k]
        if x < 0:
            break
        a2 = _mapped(s, lay, x, g2)
        if lay.attends[x, p] and _mapped(s, lay, x, g1) != a2:
            relocate(s, lay, rules, x, p, a2)
    relocate(s, lay, rules, r, p, g2)


# -- merge-map moves ------------------------------------------------------------------------------


@njit(cache=True)
def shift_group(s, lay, rules, m, h, b):
    """Send root group h into merged group b of merge map m (every round the map gives its
    groups); returns the cost change, summed person by person, hence exact."""
    r = lay.merge_root[m]
    d = 0.0
    for x in range(lay.mapping.shape[0]):
        if lay.mapping[x] != m:
            continue
        for k in range(s.size[r, h]):
            p = s.members[r, h, k]
            if lay.attends[x, p] and s.group_of[x, p] != b:
                d += _move_in(s, lay, rules, x, p, b)
                d += _visits_delta(s, lay, rules, x, p, s.group_of[x, p], b)
                relocate(s, lay, rules, x, p, b)
    s.maps[m, h] = b
    return d


@njit(cache=True)
def _best_merge_move(s, lay, rules, m):
    """The best move (h to another merged group) or swap (h1 and h2 in different merged
    groups) of map m: (cost change, h1, h2 or −1, target group)."""
    r = lay.merge_root[m]
    groups = lay.n_groups[r]
    merged = 0
    for x in range(lay.mapping.shape[0]):
        if lay.mapping[x] == m:
            merged = lay.n_groups[x]
            break
    best_d, best_h1, best_h2, best_b = 1e300, -1, -1, -1
    for h1 in range(groups):
        a1 = s.maps[m, h1]
        for b in range(merged):
            if b == a1:
                continue
            d = shift_group(s, lay, rules, m, h1, b)
            shift_group(s, lay, rules, m, h1, a1)
            if d < best_d - 1e-9:
                best_d, best_h1, best_h2, best_b = d, h1, -1, b
        for h2 in range(h1 + 1, groups):
            a2 = s.maps[m, h2]
            if a2 == a1:
                continue
            d = shift_group(s, lay, rules, m, h1, a2) + shift_group(s, lay, rules, m, h2, a1)
            shift_group(s, lay, rules, m, h2, a2)
            shift_group(s, lay, rules, m, h1, a1)
            if d < best_d - 1e-9:
                best_d, best_h1, best_h2, best_b = d, h1, h2, a2
    return best_d, best_h1, best_h2, best_b


@njit(cache=True)
def improve_merges(s, lay, rules):
    """Take improving merge-map moves, best first, map by map (at most one per root group
    and map, so that a call is short); returns the change."""
    total = 0.0
    for m in range(lay.merge_root.shape[0]):
        for _ in range(lay.n_groups[lay.merge_root[m]]):
            d, h1, h2, b = _best_merge_move(s, lay, rules, m)
            if h1 < 0 or d >= -1e-6:  # below that, the float noise of penalised plans
                break
            a1 = s.maps[m, h1]
            shift_group(s, lay, rules, m, h1, b)
            if h2 >= 0:
                shift_group(s, lay, rules, m, h2, a1)
            total += d
    return total


# -- full evaluation ---------------------------------------------------------------------------


@njit(cache=True)
def rebuild(s, lay, rules):
    """Recompute every derived array from `group_of` (start, restarts, restoring the best)."""
    s.size[:] = 0
    s.meet[:] = 0
    s.org_count[:] = 0
    s.vcount[:] = 0
    s.visits[:] = 0
    rounds, n = s.group_of.shape
    for x in range(rounds):
        for p in range(n):
            g = s.group_of[x, p]
            if g >= 0:
                s.group_of[x, p] = -1
                _join(s, lay, rules, x, p, g)


@njit(cache=True)
def _colleagues_meeting(s, lay, rules, x, g):
    """Pairs of colleagues that group g of round x makes meet, counted pair by pair."""
    count = 0
    for i in range(s.size[x, g]):
        p = s.members[x, g, i]
        for j in range(i + 1, s.size[x, g]):
            y = s.members[x, g, j]
            if rules.org[p] >= 0 and rules.org[p] == rules.org[y] and _pair_counted(lay, x, p, y):
                count += 1
    return count


@njit(cache=True)
def total_cost(s, lay, rules):
    """The weighted objective plus penalties, from the derived arrays."""
    n = s.meet.shape[0]
    cost = 0.0
    for a in range(n):
        for b in range(a + 1, n):
            m = s.meet[a, b]
            if m >= 2:
                cost += rules.w_rep * (m - 1)
            if m > rules.max_meet:
                cost += rules.penalty * (m - rules.max_meet)
            if m > 0:
                cost += (rules.pair_w[a, b] if rules.pair_w.shape[0] > 1 else 0.0) * m
    rounds = s.group_of.shape[0]
    for x in range(rounds):
        for g in range(lay.n_groups[x]):
            cost += _size_cost(lay.min_size[x, g], lay.max_size[x, g], s.size[x, g], rules.penalty)
            if lay.meetings[x] == 2:
                cost += rules.w_same * _colleagues_meeting(s, lay, rules, x, g)
            for o in range(s.org_count.shape[2]):
                c = s.org_count[x, g, o]
                if lay.meetings[x] == 1:
                    cost += rules.w_same * c * (c - 1) / 2
                if c > rules.cap[x]:
                    cost += rules.penalty * (c - rules.cap[x])
            if lay.present[x] > 0:
                for t in range(s.vcount.shape[0]):
                    w_imb = rules.attr_w[t, 0] * lay.imbalance[x]
                    balanced = rules.attr_w[t, 1] > 0 and lay.rules[x] > 0
                    for v in range(s.vcount.shape[3]):
                        n_v = rules.nv[t, x, v]
                        if n_v > 0:
                            count, size = s.vcount[t, x, g, v], s.size[x, g]
                            pr = lay.present[x]
                            cost += _value_cost(
                                n_v, pr, w_imb, balanced, rules.penalty, count, size
                            )
            if lay.rules[x] > 0:
                cost += _ratio_cost(s.vcount, rules.ratios, rules.penalty, x, g)
    for p in range(n):
        for v in range(s.visits.shape[1]):
            cost += _visit_cost(rules.visit_rule[p, v], s.visits[p, v], rules.penalty)
        for k in range(rules.link_start[p], rules.link_start[p + 1]):
            y = rules.link_other[k]
            if y > p and rules.link_rounds[k].any():
                for x in range(rounds):
                    if rules.link_rounds[k, x]:
                        cost += rules.penalty * _broken(
                            rules.link_apart[k], s.group_of[x, p], s.group_of[x, y]
                        )
    return cost


# -- the search --------------------------------------------------------------------------------


@njit(cache=True)
def _conflict_in(s, lay, rules, x, p):
    """How much p adds to repeats, colleagues and cap excess in round x."""
    g = s.group_of[x, p]
    c = 0.0
    o = rules.org[p]
    if lay.meetings[x] > 0:
        for k in range(s.size[x, g]):
            y = s.members[x, g, k]
            if y != p and _pair_counted(lay, x, p, y):
                if s.meet[p, y] >= 2:
                    c += rules.w_rep
                    if s.meet[p, y] > rules.max_meet:
                        c += rules.penalty
                if lay.meetings[x] == 2 and o >= 0 and rules.org[y] == o:
                    c += rules.w_same
        if lay.meetings[x] == 1 and o >= 0:
            c += rules.w_same * (s.org_count[x, g, o] - 1)
    if o >= 0 and s.org_count[x, g, o] > rules.cap[x]:
        c += rules.penalty
    return c + rules.penalty * _links_broken(s, rules, x, p)


@njit(cache=True)
def _person_conflict(s, lay, rules, r, p):
    """p's conflicts in root round r and the rounds it decides."""
    c = _conflict_in(s, lay, rules, r, p)
    if s.visits.shape[1] > 0 and _visits_broken(s, rules, p):
        c += rules.penalty
    for k in range(lay.derived.shape[1]):
        x = lay.derived[r, k]
        if x < 0:
            break
        if lay.attends[x, p]:
            c += _conflict_in(s, lay, rules, x, p)
    return c


@njit(cache=True)
def _copy(source, target):
    """target[:, :] = source, as a loop (numba's array assignment compiles its shape checks
    for seconds)."""
    for i in range(source.shape[0]):
        for j in range(source.shape[1]):
            target[i, j] = source[i, j]


@njit(cache=True)
def seed_rng(seed):
    np.random.seed(seed)


class _Best(NamedTuple):
    d: float
    r: int
    p: int
    q: int
    g: int
    ties: int


@njit(cache=True)
def _fold(best, d, r, p, q, g):
    """The running best move with d folded in (random tie-break)."""
    if d < best.d - 1e-9:
        return _Best(d, r, p, q, g, 1)
    if d < best.d + 1e-9:
        ties = best.ties + 1
        if np.random.randint(ties) == 0:
            return _Best(best.d, r, p, q, g, ties)
        return _Best(best.d, best.r, best.p, best.q, best.g, ties)
    return best


@njit(cache=True, inline="always")
def _swap_is_tabu(tune, tabu, r, p, q, g1, g2, it):
    """Is swapping p (in g1) and q (in g2) in root round r tabu at step `it`?"""
    if tune.swap_tabu:
        return tabu[r, min(p, q), max(p, q)] > it
    return tabu[r, p, g2] > it or tabu[r, q, g1] > it


@njit(cache=True, inline="always")
def _move_is_tabu(tune, tabu, n, r, p, g2, it):
    """Is moving p to group g2 of root round r tabu at step `it`?"""
    return tabu[r, p, n + g2 if tune.swap_tabu else g2] > it


@njit(cache=True)
def _forbid(tune, tabu, n, r, p, q, g1, g2, until):
    """Make the step just chosen tabu until step `until` (see `Tuning.swap_tabu`): p leaves
    g1 for g2, and q (−1: nobody, a move) leaves g2 for g1."""
    if tune.swap_tabu:
        if q >= 0:
            tabu[r, min(p, q), max(p, q)] = until
        else:
            tabu[r, p, n + g1] = until
        return
    tabu[r, p, g1] = until
    if q >= 0:
        tabu[r, q, g2] = until


@njit(cache=True)
def _best_move_for(s, lay, rules, tune, tabu, r, p, it, cost, best_cost, best):
    """Fold every swap and move of p in root round r into the running best; a tabu step
    (see `Tuning.swap_tabu`) is taken only if it gives a new best plan (aspiration).
    Returns the best and the number of moves weighed."""
    g1 = s.group_of[r, p]
    groups = lay.n_groups[r]
    offset = np.random.randint(groups)
    evaluations = 0
    for j in range(min(groups, tune.candidate_groups)):
        g2 = (offset + j) % groups
        if g2 == g1:
            continue
        for k in range(s.size[r, g2]):
            q = s.members[r, g2, k]
            if not lay.movable[r, q]:
                continue
            d = swap_delta(s, lay, rules, r, p, q)
            evaluations += 1
            if _swap_is_tabu(tune, tabu, r, p, q, g1, g2, it) and cost + d >= best_cost - 1e-9:
                continue
            best = _fold(best, d, r, p, q, g2)
        if s.size[r, g1] > lay.min_size[r, g1] and s.size[r, g2] < lay.max_size[r, g2]:
            d = move_delta(s, lay, rules, r, p, g2)
            evaluations += 1
            if _move_is_tabu(tune, tabu, s.group_of.shape[1], r, p, g2, it) and (
                cost + d >= best_cost - 1e-9
            ):
                continue
            best = _fold(best, d, r, p, -1, g2)
    return best, evaluations


@njit(cache=True)
def _sample_person(s, lay, rules, r):
    """A movable person of root round r, preferring one in conflict (64 random draws)."""
    n = s.group_of.shape[1]
    p = -1
    for _ in range(64):
        cand = np.random.randint(n)
        if lay.movable[r, cand]:
            if p < 0:
                p = cand
            if _person_conflict(s, lay, rules, r, cand) > 0:
                return cand
    return p


@njit(cache=True)
def _perturb(s, lay, rules, strength):
    """A few random swaps, so the search leaves the basin of the best plan."""
    n = s.group_of.shape[1]
    for _ in range(strength):
        r = lay.roots[np.random.randint(lay.roots.shape[0])]
        p, q = np.random.randint(n), np.random.randint(n)
        if lay.movable[r, p] and lay.movable[r, q] and s.group_of[r, p] != s.group_of[r, q]:
            apply_swap(s, lay, rules, r, p, q)


@njit(cache=True)
def search(s, lay, rules, tune, tabu, iterations, walk, best_group_of, best_maps):
    """Tabu search over swaps and moves, `iterations` steps on from `walk`; returns the
    walk's new position and the moves evaluated.

    With `whole_neighbourhood` (small instances), each step weighs every swap and move of
    every person in conflict, in every root round, as Dotú and Van Hentenryck's
    social-golfer search does; otherwise it samples one conflicted person of a random root
    round. The best move not tabu is taken even when it worsens the plan (merge-map moves
    are the caller's, between two calls: `improve_merges`). After `stall` steps
    without a new best, the search returns to the best plan and perturbs it.
    """
    n = s.group_of.shape[1]
    roots = lay.roots.shape[0]
    seats_r = np.empty(roots * n, dtype=np.int64)
    seats_p = np.empty(roots * n, dtype=np.int64)
    evaluations = 0
    it0, cost, best_cost, since_best = walk.iteration, walk.cost, walk.best_cost, walk.since_best
    for it in range(it0, it0 + iterations):
        if best_cost <= rules.target:
            break
        count = 0
        if tune.whole_neighbourhood:
            for i in range(roots):
                r = lay.roots[i]
                for p in range(n):
                    if lay.movable[r, p] and _person_conflict(s, lay, rules, r, p) > 0:
                        seats_r[count], seats_p[count] = r, p
                        count += 1
        if count == 0:
            r = lay.roots[np.random.randint(roots)]
            p = _sample_person(s, lay, rules, r)
            if p < 0:
                continue
            seats_r[0], seats_p[0], count = r, p, 1
        best = _Best(1e300, -1, -1, -1, -1, 0)
        for k in range(count):
            best, done = _best_move_for(
                s, lay, rules, tune, tabu, seats_r[k], seats_p[k], it, cost, best_cost, best
            )
            evaluations += done
        if best.g >= 0:
            g1 = s.group_of[best.r, best.p]
            tenure = tune.tenure + np.random.randint(tune.tenure_spread)
            _forbid(tune, tabu, n, best.r, best.p, best.q, g1, best.g, it + tenure)
            if best.q >= 0:
                apply_swap(s, lay, rules, best.r, best.p, best.q)
            else:
                apply_move(s, lay, rules, best.r, best.p, best.g)
            cost += best.d
        if cost < best_cost - 1e-9:
            best_cost = cost
            _copy(s.group_of, best_group_of)
            _copy(s.maps, best_maps)
            since_best = 0
        else:
            since_best += 1
        if since_best >= tune.stall:
            _copy(best_group_of, s.group_of)
            _copy(best_maps, s.maps)
            rebuild(s, lay, rules)
            _perturb(s, lay, rules, tune.perturbation)
            cost = total_cost(s, lay, rules)
            since_best = 0
    return Walk(it0 + iterations, cost, best_cost, since_best), evaluations
