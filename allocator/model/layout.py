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


def _declared(
    raw: list[tuple[str, int | None, int | None]], rnd: Round
) -> list[tuple[str, int | None, int | None]] | None:
    """Each group's bounds as the instance gives them (its own, else the round's); None when
    it gives none at all (sizes balanced)."""
    gives_bound = rnd.min_size is not None or rnd.max_size is not None
    gives_bound = gives_bound or any(lo is not None or hi is not None for _, lo, hi in raw)
    if not gives_bound:
        return None
    return [
        (gid, lo, hi) if lo is not None or hi is not None else (gid, rnd.min_size, rnd.max_size)
        for gid, lo, hi in raw
    ]


def _sized(
    declared: list[tuple[str, int | None, int | None]] | None,
    ids: list[str],
    n_present: int,
    n: int,
) -> tuple[GroupShape, ...]:
    """The groups' bounds for the people present: balanced without declared bounds; a
    missing min is 0, a missing max (or one above the n participants) no max."""
    if declared is None:
        low, high = n_present // len(ids), -(-n_present // len(ids))
        return tuple(GroupShape(gid, low, high) for gid in ids)
    shapes = []
    for gid, lo, hi in declared:
        low = lo if lo is not None else 0
        shapes.append(
            GroupShape(gid, low, hi if hi is not None and hi <= n else max(low, n_present))
        )
    return tuple(shapes)


def round_shapes(instance: Instance) -> list[RoundShape]:
    """Resolve every round's groups, bounds and grouping (rounds must already be cross-checked)."""
    index = {r.id: k for k, r in enumerate(instance.rounds)}
    present = presence(instance)
    shapes: list[RoundShape] = []
    declared: list[list[tuple[str, int | None, int | None]] | None] = []
    groupings = 0
    n = len(instance.participants)
    for k, rnd in enumerate(instance.rounds):
        if rnd.same_groups_as is not None:
            src = index[rnd.same_groups_as]
            ids = [g.id for g in shapes[src].groups]
            inherits = rnd.min_size is None and rnd.max_size is None and not shapes[src].balanced
            bounds = declared[src] if inherits else _declared([(g, None, None) for g in ids], rnd)
            declared.append(bounds)
            shapes.append(
                RoundShape(
                    rnd.id,
                    _sized(bounds, ids, len(present[k]), n),
                    bounds is None,
                    tuple(present[k]),
                    src,
                    "same",
                    shapes[src].grouping,
                )
            )
            continue
        raw = _explicit_groups(rnd)
        bounds = _declared(raw, rnd)
        declared.append(bounds)
        groups = _sized(bounds, [gid for gid, _, _ in raw], len(present[k]), n)
        balanced = bounds is None
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
