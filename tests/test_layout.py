"""Group bounds resolved per round: a round that keeps another's groups keeps its bounds
as written, applied to its own head count."""

from __future__ import annotations

from allocator import parse_instance, solve
from allocator.model.layout import round_shapes


def test_a_kept_round_inherits_no_max_as_no_max():
    # the first round gives a min only (no max: unbounded), the second keeps its groups and
    # has a late arrival: its one group must hold all three
    day = parse_instance(
        {
            "name": "late arrival",
            "participants": [{"id": "p0"}, {"id": "p1"}, {"id": "p2", "rounds": ["r1"]}],
            "rounds": [
                {"id": "r0", "groups": [{"id": "g"}], "min_size": 0},
                {"id": "r1", "same_groups_as": "r0"},
            ],
        }
    )
    first, kept = round_shapes(day)
    assert (first.groups[0].max_size, kept.groups[0].max_size) == (2, 3)
    assert not kept.balanced
    assert solve(day, "random").valid


def test_a_kept_round_inherits_a_max_as_written():
    day = parse_instance(
        {
            "name": "kept",
            "participants": [{"id": f"p{i}"} for i in range(6)],
            "rounds": [
                {"id": "r0", "groups": 2, "min_size": 2, "max_size": 4},
                {"id": "r1", "same_groups_as": "r0"},
                {"id": "r2", "same_groups_as": "r1"},
            ],
        }
    )
    assert {(g.min_size, g.max_size) for s in round_shapes(day) for g in s.groups} == {(2, 4)}
