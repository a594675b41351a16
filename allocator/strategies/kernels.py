"""Compiled hot loop of the local search (numba, nopython).

The state is a set of flat arrays (see `local_search.SearchState`): who sits where,
group member lists, the pair meeting-count matrix, organisation and attribute counts
per group. Every move is scored incrementally in O(group size); hard rules the search
owns (organisation cap, max_meetings) are penalised with `penalty` per unit of excess.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# -- scoring a change to one pair's meeting count ----------------------------------------------


@njit(cache=True, inline="always")
def _pair_delta(m, change, w_rep, max_meet, penalty, w_pair):
    """Cost change when a pair that meets `m` times gains (+1) or loses (-1) a meeting."""
    d = 0.0
    if change > 0:
        if m >= 1:
            d += w_rep
        if m >= max_meet:
            d += penalty
        d -= w_pair
    else:
        if m >= 2:
            d -= w_rep
        if m > max_meet:
            d -= penalty
        d += w_pair
    return d


@njit(cache=True, inline="always")
def _org_delta(c_from, c_to, cap, w_same, penalty):
    """One member of an organisation leaves a group holding `c_from` of it for one holding `c_to`."""
    d = w_same * ((c_to) - (c_from - 1))
    if c_from > cap:
        d -= penalty
    if c_to >= cap:
        d += penalty
    return d


@njit(cache=True)
def _value_cost(t, r, v, count, size, nv, present, attr_w, penalty):
    """One attribute value in one group: attr_w[t, 0] × |count − e| (the imbalance term)
    plus, when the attribute is under `balance` (attr_w[t, 1] = 1), `penalty` per unit that
    present × count strays beyond present − 1 from n_v × size (count ∉ {⌊e⌋, ⌈e⌉})."""
    n_v, pr = nv[t, r, v], present[r]
    cost = attr_w[t, 0] * abs(count - n_v * size / pr)
    if attr_w[t, 1] > 0:
        excess = abs(pr * count - n_v * size) - (pr - 1)
        if excess > 0:
            cost += penalty * excess
    return cost


@njit(cache=True)
def _values_swap_delta(t, r, g1, g2, a, b, vcount, nv, size, present, attr_w, penalty):
    """Value a leaves g1 for g2 and value b leaves g2 for g1 (sizes unchanged)."""
    d = 0.0
    s1, s2 = size[r, g1], size[r, g2]
    for v, leaves, joins in ((a, g1, g2), (b, g2, g1)):
        if v < 0:
            continue
        c_from, c_to = vcount[t, r, leaves, v], vcount[t, r, joins, v]
        s_from, s_to = (s1, s2) if leaves == g1 else (s2, s1)
        d += _value_cost(t, r, v, c_from - 1, s_from, nv, present, attr_w, penalty)
        d -= _value_cost(t, r, v, c_from, s_from, nv, present, attr_w, penalty)
        d += _value_cost(t, r, v, c_to + 1, s_to, nv, present, attr_w, penalty)
        d -= _value_cost(t, r, v, c_to, s_to, nv, present, attr_w, penalty)
    return d


@njit(cache=True)
def _values_move_delta(t, r, g1, g2, a, vcount, nv, size, present, attr_w, penalty):
    """Value a moves from g1 to g2: both sizes change, so every value's target moves."""
    d = 0.0
    for v in range(nv.shape[2]):
        if nv[t, r, v] == 0:
            continue
        c1, c2 = vcount[t, r, g1, v], vcount[t, r, g2, v]
        n1, n2 = c1 - (1 if v == a else 0), c2 + (1 if v == a else 0)
        d += _value_cost(t, r, v, n1, size[r, g1] - 1, nv, present, attr_w, penalty)
        d -= _value_cost(t, r, v, c1, size[r, g1], nv, present, attr_w, penalty)
        d += _value_cost(t, r, v, n2, size[r, g2] + 1, nv, present, attr_w, penalty)
        d -= _value_cost(t, r, v, c2, size[r, g2], nv, present, attr_w, penalty)
    return d


@njit(cache=True)
def _ratio_cost(r, g, vcount, ratios, penalty):
    """Role-ratio rules (t_role, role, per, min_num, min_den, max_num, max_den; −1: no bound)
    multiplied out as in FORMAT.md: `penalty` per unit of den·role − num·per beyond bounds."""
    cost = 0.0
    for k in range(ratios.shape[0]):
        t = ratios[k, 0]
        role, per = vcount[t, r, g, ratios[k, 1]], vcount[t, r, g, ratios[k, 2]]
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
def _ratio_delta(r, g1, g2, a, b, vcount, ratios, penalty):
    """Role code a goes from g1 to g2 and b (−1: nobody) from g2 to g1."""
    if ratios.shape[0] == 0:
        return 0.0
    t = ratios[0, 0]
    before = _ratio_cost(r, g1, vcount, ratios, penalty) + _ratio_cost(
        r, g2, vcount, ratios, penalty
    )
    if a >= 0:
        vcount[t, r, g1, a] -= 1
        vcount[t, r, g2, a] += 1
    if b >= 0:
        vcount[t, r, g2, b] -= 1
        vcount[t, r, g1, b] += 1
    after = _ratio_cost(r, g1, vcount, ratios, penalty) + _ratio_cost(
        r, g2, vcount, ratios, penalty
    )
    if a >= 0:
        vcount[t, r, g1, a] += 1
        vcount[t, r, g2, a] -= 1
    if b >= 0:
        vcount[t, r, g2, b] += 1
        vcount[t, r, g1, b] -= 1
    return after - before


# -- move evaluation ------------------------------------------------------------------------------


@njit(cache=True)
def swap_delta(
    r,
    p,
    q,
    group_of,
    members,
    size,
    meet,
    org,
    org_count,
    cap,
    codes,
    vcount,
    nv,
    present,
    w_imb,
    ratios,
    pair_w,
    w,
):
    """Cost change of swapping p and q (in different groups) in round r."""
    w_same, w_rep, w_pairs, penalty, max_meet = w[0], w[1], w[2], w[3], w[4]
    g1, g2 = group_of[r, p], group_of[r, q]
    has_pairs = pair_w.shape[0] > 1
    d = 0.0
    for k in range(size[r, g1]):
        x = members[r, g1, k]
        if x == p:
            continue
        wp = w_pairs * pair_w[p, x] if has_pairs else 0.0
        wq = w_pairs * pair_w[q, x] if has_pairs else 0.0
        d += _pair_delta(meet[p, x], -1, w_rep, max_meet, penalty, wp)
        d += _pair_delta(meet[q, x], 1, w_rep, max_meet, penalty, wq)
    for k in range(size[r, g2]):
        y = members[r, g2, k]
        if y == q:
            continue
        wp = w_pairs * pair_w[p, y] if has_pairs else 0.0
        wq = w_pairs * pair_w[q, y] if has_pairs else 0.0
        d += _pair_delta(meet[q, y], -1, w_rep, max_meet, penalty, wq)
        d += _pair_delta(meet[p, y], 1, w_rep, max_meet, penalty, wp)
    op, oq = org[p], org[q]
    if op != oq:
        if op >= 0:
            d += _org_delta(org_count[r, g1, op], org_count[r, g2, op], cap[r], w_same, penalty)
        if oq >= 0:
            d += _org_delta(org_count[r, g2, oq], org_count[r, g1, oq], cap[r], w_same, penalty)
    for t in range(codes.shape[0]):
        a, b = codes[t, p], codes[t, q]
        if a != b:
            d += _values_swap_delta(t, r, g1, g2, a, b, vcount, nv, size, present, w_imb, penalty)
    if ratios.shape[0] > 0:
        a, b = codes[ratios[0, 0], p], codes[ratios[0, 0], q]
        if a != b:
            d += _ratio_delta(r, g1, g2, a, b, vcount, ratios, penalty)
    return d


@njit(cache=True)
def move_delta(
    r,
    p,
    g2,
    group_of,
    members,
    size,
    meet,
    org,
    org_count,
    cap,
    codes,
    vcount,
    nv,
    present,
    w_imb,
    ratios,
    pair_w,
    w,
):
    """Cost change of moving p to group g2 in round r (sizes change)."""
    w_same, w_rep, w_pairs, penalty, max_meet = w[0], w[1], w[2], w[3], w[4]
    g1 = group_of[r, p]
    has_pairs = pair_w.shape[0] > 1
    d = 0.0
    for k in range(size[r, g1]):
        x = members[r, g1, k]
        if x != p:
            d += _pair_delta(
                meet[p, x],
                -1,
                w_rep,
                max_meet,
                penalty,
                w_pairs * pair_w[p, x] if has_pairs else 0.0,
            )
    for k in range(size[r, g2]):
        y = members[r, g2, k]
        d += _pair_delta(
            meet[p, y], 1, w_rep, max_meet, penalty, w_pairs * pair_w[p, y] if has_pairs else 0.0
        )
    op = org[p]
    if op >= 0:
        d += _org_delta(org_count[r, g1, op], org_count[r, g2, op], cap[r], w_same, penalty)
    for t in range(codes.shape[0]):
        d += _values_move_delta(
            t, r, g1, g2, codes[t, p], vcount, nv, size, present, w_imb, penalty
        )
    if ratios.shape[0] > 0:
        d += _ratio_delta(r, g1, g2, codes[ratios[0, 0], p], -1, vcount, ratios, penalty)
    return d


# -- applying moves ---------------------------------------------------------------------------------


@njit(cache=True)
def _leave(r, p, group_of, members, size, slot, meet, org, org_count, codes, vcount):
    g = group_of[r, p]
    for k in range(size[r, g]):
        x = members[r, g, k]
        if x != p:
            meet[p, x] -= 1
            meet[x, p] -= 1
    last = members[r, g, size[r, g] - 1]
    members[r, g, slot[r, p]] = last
    slot[r, last] = slot[r, p]
    size[r, g] -= 1
    if org[p] >= 0:
        org_count[r, g, org[p]] -= 1
    for t in range(codes.shape[0]):
        if codes[t, p] >= 0:
            vcount[t, r, g, codes[t, p]] -= 1
    group_of[r, p] = -1


@njit(cache=True)
def _join(r, p, g, group_of, members, size, slot, meet, org, org_count, codes, vcount):
    for k in range(size[r, g]):
        x = members[r, g, k]
        meet[p, x] += 1
        meet[x, p] += 1
    members[r, g, size[r, g]] = p
    slot[r, p] = size[r, g]
    size[r, g] += 1
    if org[p] >= 0:
        org_count[r, g, org[p]] += 1
    for t in range(codes.shape[0]):
        if codes[t, p] >= 0:
            vcount[t, r, g, codes[t, p]] += 1
    group_of[r, p] = g


@njit(cache=True)
def relocate(r, p, g, group_of, members, size, slot, meet, org, org_count, codes, vcount):
    _leave(r, p, group_of, members, size, slot, meet, org, org_count, codes, vcount)
    _join(r, p, g, group_of, members, size, slot, meet, org, org_count, codes, vcount)


# -- full evaluation ---------------------------------------------------------------------------------


@njit(cache=True)
def rebuild(group_of, members, size, slot, meet, org, org_count, codes, vcount):
    """Recompute every derived array from `group_of` (start, restarts, restoring the best)."""
    size[:] = 0
    meet[:] = 0
    org_count[:] = 0
    vcount[:] = 0
    rounds, n = group_of.shape
    for r in range(rounds):
        for p in range(n):
            g = group_of[r, p]
            if g >= 0:
                group_of[r, p] = -1
                _join(r, p, g, group_of, members, size, slot, meet, org, org_count, codes, vcount)


@njit(cache=True)
def total_cost(size, meet, org_count, cap, vcount, nv, present, w_imb, ratios, pair_w, w):
    """The weighted objective plus penalties, from the derived arrays."""
    w_same, w_rep, w_pairs, penalty, max_meet = w[0], w[1], w[2], w[3], w[4]
    n = meet.shape[0]
    cost = 0.0
    has_pairs = pair_w.shape[0] > 1
    for a in range(n):
        for b in range(a + 1, n):
            m = meet[a, b]
            if m >= 2:
                cost += w_rep * (m - 1)
            if m > max_meet:
                cost += penalty * (m - max_meet)
            if has_pairs and m > 0:
                cost -= w_pairs * pair_w[a, b] * m
    rounds, groups, orgs = org_count.shape
    for r in range(rounds):
        for g in range(groups):
            for o in range(orgs):
                c = org_count[r, g, o]
                cost += w_same * c * (c - 1) / 2
                if c > cap[r]:
                    cost += penalty * (c - cap[r])
    for t in range(vcount.shape[0]):
        for r in range(rounds):
            for g in range(groups):
                if present[r] == 0:
                    continue
                for v in range(vcount.shape[3]):
                    if nv[t, r, v] > 0:
                        count = vcount[t, r, g, v]
                        cost += _value_cost(t, r, v, count, size[r, g], nv, present, w_imb, penalty)
    for r in range(rounds):
        for g in range(groups):
            cost += _ratio_cost(r, g, vcount, ratios, penalty)
    return cost


# -- the search --------------------------------------------------------------------------------------


@njit(cache=True)
def _person_conflict(r, p, group_of, members, size, meet, org, org_count, cap, w):
    """How much p contributes to repeats, same-organisation pairs and penalties in round r."""
    g = group_of[r, p]
    c = 0.0
    for k in range(size[r, g]):
        x = members[r, g, k]
        if x != p and meet[p, x] >= 2:
            c += w[1]
            if meet[p, x] > w[4]:
                c += w[3]
    if org[p] >= 0:
        same = org_count[r, g, org[p]] - 1
        c += w[0] * same
        if same + 1 > cap[r]:
            c += w[3]
    return c


@njit(cache=True)
def seed_rng(seed):
    np.random.seed(seed)


@njit(cache=True)
def _best_move_for(
    r,
    p,
    it,
    cost,
    best_cost,
    group_of,
    members,
    size,
    meet,
    org,
    org_count,
    cap,
    codes,
    vcount,
    nv,
    present,
    w_imb,
    ratios,
    pair_w,
    w,
    movable,
    min_size,
    max_size,
    n_groups,
    tabu,
    candidate_groups,
    best_d,
    best_r,
    best_p,
    best_q,
    best_g,
    ties,
):
    """Fold every swap and move of p in round r into the running best (random tie-break);
    a move sending someone back to a group they left within the tenure is tabu, unless it
    gives a new best plan (aspiration)."""
    g1 = group_of[r, p]
    groups = n_groups[r]
    offset = np.random.randint(groups)
    evaluations = 0
    for j in range(min(groups, candidate_groups)):
        g2 = (offset + j) % groups
        if g2 == g1:
            continue
        for k in range(size[r, g2]):
            q = members[r, g2, k]
            if not movable[r, q]:
                continue
            d = swap_delta(
                r,
                p,
                q,
                group_of,
                members,
                size,
                meet,
                org,
                org_count,
                cap,
                codes,
                vcount,
                nv,
                present,
                w_imb,
                ratios,
                pair_w,
                w,
            )
            evaluations += 1
            if (tabu[r, p, g2] > it or tabu[r, q, g1] > it) and cost + d >= best_cost - 1e-9:
                continue
            if d < best_d - 1e-9:
                best_d, best_r, best_p, best_q, best_g, ties = d, r, p, q, g2, 1
            elif d < best_d + 1e-9:
                ties += 1
                if np.random.randint(ties) == 0:
                    best_r, best_p, best_q, best_g = r, p, q, g2
        if size[r, g1] > min_size[r, g1] and size[r, g2] < max_size[r, g2]:
            d = move_delta(
                r,
                p,
                g2,
                group_of,
                members,
                size,
                meet,
                org,
                org_count,
                cap,
                codes,
                vcount,
                nv,
                present,
                w_imb,
                ratios,
                pair_w,
                w,
            )
            evaluations += 1
            if tabu[r, p, g2] > it and cost + d >= best_cost - 1e-9:
                continue
            if d < best_d - 1e-9:
                best_d, best_r, best_p, best_q, best_g, ties = d, r, p, -1, g2, 1
            elif d < best_d + 1e-9:
                ties += 1
                if np.random.randint(ties) == 0:
                    best_r, best_p, best_q, best_g = r, p, -1, g2
    return best_d, best_r, best_p, best_q, best_g, ties, evaluations


@njit(cache=True)
def search(
    iterations,
    cost,
    group_of,
    members,
    size,
    slot,
    meet,
    org,
    org_count,
    cap,
    codes,
    vcount,
    nv,
    present,
    w_imb,
    ratios,
    pair_w,
    w,
    movable,
    min_size,
    max_size,
    n_groups,
    tabu,
    it0,
    best_cost,
    best_group_of,
    stall_limit,
    candidate_groups,
    whole_neighbourhood,
):
    """Tabu search over swaps and moves; returns (cost, iteration, best cost, evaluations).

    With `whole_neighbourhood` (small instances), each step weighs every swap and move of
    every person in conflict, in every round, as Dotú and Van Hentenryck's social-golfer
    search does; otherwise it samples one conflicted person of a random round. The best
    move not tabu is taken even when it worsens the plan. After `stall_limit` steps without
    a new best, the search returns to the best plan and perturbs it with random swaps.
    """
    rounds, n = group_of.shape
    seats_r = np.empty(rounds * n, dtype=np.int64)
    seats_p = np.empty(rounds * n, dtype=np.int64)
    evaluations = 0
    since_best = 0
    for it in range(it0, it0 + iterations):
        if best_cost <= w[5]:
            break
        best_d, best_r, best_p, best_q, best_g, ties = 1e300, -1, -1, -1, -1, 0
        count = 0
        if whole_neighbourhood:
            for r in range(rounds):
                for p in range(n):
                    if movable[r, p] and group_of[r, p] >= 0:
                        conflict = _person_conflict(
                            r, p, group_of, members, size, meet, org, org_count, cap, w
                        )
                        if conflict > 0:
                            seats_r[count], seats_p[count] = r, p
                            count += 1
        if count == 0:
            r = np.random.randint(rounds)
            p = _sample_person(r, group_of, members, size, meet, org, org_count, cap, w, movable)
            if p < 0:
                continue
            seats_r[0], seats_p[0], count = r, p, 1
        for k in range(count):
            best_d, best_r, best_p, best_q, best_g, ties, done = _best_move_for(
                seats_r[k], seats_p[k], it, cost, best_cost, group_of, members, size, meet,
                org, org_count, cap, codes, vcount, nv, present, w_imb, ratios, pair_w, w, movable,
                min_size, max_size, n_groups, tabu, candidate_groups, best_d, best_r, best_p,
                best_q, best_g, ties,
            )  # fmt: skip
            evaluations += done
        if best_g < 0:
            continue
        g1 = group_of[best_r, best_p]
        relocate(
            best_r,
            best_p,
            best_g,
            group_of,
            members,
            size,
            slot,
            meet,
            org,
            org_count,
            codes,
            vcount,
        )
        tenure = int(w[6]) + np.random.randint(int(w[7]))
        tabu[best_r, best_p, g1] = it + tenure
        if best_q >= 0:
            relocate(
                best_r,
                best_q,
                g1,
                group_of,
                members,
                size,
                slot,
                meet,
                org,
                org_count,
                codes,
                vcount,
            )
            tabu[best_r, best_q, best_g] = it + tenure
        cost += best_d
        if cost < best_cost - 1e-9:
            best_cost = cost
            best_group_of[:, :] = group_of
            since_best = 0
        else:
            since_best += 1
        if since_best >= stall_limit:
            group_of[:, :] = best_group_of
            rebuild(group_of, members, size, slot, meet, org, org_count, codes, vcount)
            _perturb(
                group_of,
                members,
                size,
                slot,
                meet,
                org,
                org_count,
                codes,
                vcount,
                movable,
                int(w[8]),
            )
            cost = total_cost(
                size, meet, org_count, cap, vcount, nv, present, w_imb, ratios, pair_w, w
            )
            since_best = 0
    return cost, it0 + iterations, best_cost, evaluations


@njit(cache=True)
def _sample_person(r, group_of, members, size, meet, org, org_count, cap, w, movable):
    """A movable person of round r, preferring one in conflict (64 random draws)."""
    n = group_of.shape[1]
    p = -1
    for _ in range(64):
        cand = np.random.randint(n)
        if movable[r, cand] and group_of[r, cand] >= 0:
            if p < 0:
                p = cand
            if _person_conflict(r, cand, group_of, members, size, meet, org, org_count, cap, w) > 0:
                return cand
    return p


@njit(cache=True)
def _perturb(group_of, members, size, slot, meet, org, org_count, codes, vcount, movable, strength):
    """A few random swaps, so the search leaves the basin of the best plan."""
    rounds, n = group_of.shape
    for _ in range(strength):
        r = np.random.randint(rounds)
        p, q = np.random.randint(n), np.random.randint(n)
        if not (movable[r, p] and movable[r, q]) or group_of[r, p] < 0 or group_of[r, q] < 0:
            continue
        g1, g2 = group_of[r, p], group_of[r, q]
        if g1 == g2:
            continue
        relocate(r, p, g2, group_of, members, size, slot, meet, org, org_count, codes, vcount)
        relocate(r, q, g1, group_of, members, size, slot, meet, org, org_count, codes, vcount)
