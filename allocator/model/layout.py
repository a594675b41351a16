"""The shape of the day derived from an instance: who is present when, which groups
each round has and how large they may be, and how rounds link into groupings."""

from __future__ import annotations

from dataclasses import dataclass

from allocator.model.instance import Instance, Round


@dataclass(frozen=True)
class GroupShape:
    id: str
    min_size: int
    max_size: int


@dataclass(frozen=True)
class RoundShape:
    id: str
    groups: tuple[GroupShape, ...]
    balanced: bool
    present: tuple[int, ...]
    """Indices of the participants present in this round."""
    source: int | None
    """Index of the earlier round this one is `same_groups_as` or `merge_of`."""
    kind: str
    """`"new"`, `"same"` (same_groups_as) or `"merge"` (merge_of)."""
    grouping: int


def presence(instance: Instance) -> list[list[int]]:
    """Participant indices present in each round, in participant order."""
    index = {r.id: k for k, r in enumerate(instance.rounds)}
    present: list[list[int]] = [[] for _ in instance.rounds]
    for p, person in enumerate(instance.participants):
        attended = (
            range(len(instance.rounds))
            if person.rounds is None
            else {index[r] for r in person.rounds}
        )
        for k in sorted(attended):
            present[k].append(p)
    return present


def _explicit_groups(rnd: Round) -> list[tuple[str, int | None, int | None]]:
    if isinstance(rnd.groups, int):
        return [(f"{rnd.id}-{k}", None, None) for k in range(1, rnd.groups + 1)]
    assert rnd.groups is not None
    return [(g.id, g.min_size, g.max_size) for g in rnd.groups]


def _sized(
    raw: list[tuple[str, int | None, int | None]], rnd: Round, n_present: int, n: int
) -> tuple[tuple[GroupShape, ...], bool]:
    """Apply the round's bounds to groups that set none; balance when no bound is given at
    all. A max_size above the n participants caps nothing: it is read as no max."""
    gives_bound = rnd.min_size is not None or rnd.max_size is not None
    gives_bound = gives_bound or any(lo is not None or hi is not None for _, lo, hi in raw)
    if not gives_bound:
        low, high = n_present // len(raw), -(-n_present // len(raw))
        return tuple(GroupShape(gid, low, high) for gid, _, _ in raw), True
    shapes = []
    for gid, lo, hi in raw:
        if lo is None and hi is None:
            lo, hi = rnd.min_size, rnd.max_size
        low = lo if lo is not None else 0
        shapes.append(
            GroupShape(gid, low, hi if hi is not None and hi <= n else max(low, n_present))
        )
    return tuple(shapes), False


def round_shapes(instance: Instance) -> list[RoundShape]:
    """Resolve every round's groups, bounds and grouping (rounds must already be cross-checked)."""
    index = {r.id: k for k, r in enumerate(instance.rounds)}
    present = presence(instance)
    shapes: list[RoundShape] = []
    groupings = 0
    for k, rnd in enumerate(instance.rounds):
        if rnd.same_groups_as is not None:
            src = index[rnd.same_groups_as]
            raw = [(g.id, None, None) for g in shapes[src].groups]
            if rnd.min_size is None and rnd.max_size is None and not shapes[src].balanced:
                raw = [(g.id, g.min_size, g.max_size) for g in shapes[src].groups]
            groups, balanced = _sized(raw, rnd, len(present[k]), len(instance.participants))
            shapes.append(
                RoundShape(
                    rnd.id, groups, balanced, tuple(present[k]), src, "same", shapes[src].grouping
                )
            )
            continue
        groups, balanced = _sized(
            _explicit_groups(rnd), rnd, len(present[k]), len(instance.participants)
        )
        if rnd.merge_of is not None:
            src = index[rnd.merge_of]
            shapes.append(
                RoundShape(
                    rnd.id, groups, balanced, tuple(present[k]), src, "merge", shapes[src].grouping
                )
            )
        else:
            shapes.append(
                RoundShape(rnd.id, groups, balanced, tuple(present[k]), None, "new", groupings)
            )
            groupings += 1
    return shapes
