"""The plan as typed objects, beside its FORMAT.md JSON object: where each person sits in
each round, how far the plan may be from optimal, which engine made it."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["optimal", "feasible", "infeasible", "unknown"]
BoundBy = Literal["counting", "solver"]


@dataclass(frozen=True)
class Seat:
    """Where one participant sits in one round."""

    round: str
    group: str
    duty: str | None
    """The duty they hold there that round, if any."""
    visitor: str | None
    """The visitor in their group that round, if any."""


@dataclass(frozen=True)
class PlanGroup:
    id: str
    members: tuple[str, ...]
    visitor: str | None
    duties: Mapping[str, tuple[str, ...]]
    """Holders of each duty of the round, by duty name."""


@dataclass(frozen=True)
class PlanRound:
    id: str
    groups: tuple[PlanGroup, ...]


@dataclass(frozen=True)
class Repair:
    """A day-of repair: of the earlier plan's seats still possible, how many were kept."""

    seats_compared: int
    seats_kept: int


@dataclass(frozen=True)
class Plan:
    instance: str
    status: Status
    strategy: str
    """The strategy asked for (`auto` by default)."""
    engine: str
    """The strategy that made the plan (`auto` delegates to one)."""
    seed: int
    seconds: float
    time_limit: float | None
    objective: float
    bound: float | None
    """A proven lower bound on `objective`, None when none is known."""
    bound_by: BoundBy | None
    metrics: Mapping[str, float]
    metric_bounds: Mapping[str, float]
    rounds: tuple[PlanRound, ...]
    repair: Repair | None = None

    @classmethod
    def from_dict(cls, plan: Mapping[str, Any]) -> Plan:
        """The typed view of a plan object this engine made (`Solution.plan`, or a
        plan.json it wrote); check a plan from elsewhere with `verify` first."""
        repair = plan.get("repair")
        return cls(
            instance=plan["instance"],
            status=plan["status"],
            strategy=plan["strategy"],
            engine=plan.get("engine") or plan["strategy"],
            seed=plan["seed"],
            seconds=plan["seconds"],
            time_limit=plan.get("time_limit"),
            objective=plan["objective"],
            bound=plan.get("bound"),
            bound_by=plan.get("bound_by"),
            metrics=dict(plan.get("metrics", {})),
            metric_bounds=dict(plan.get("metric_bounds", {})),
            rounds=tuple(
                PlanRound(rnd["id"], tuple(_group(group) for group in rnd["groups"]))
                for rnd in plan["rounds"]
            ),
            repair=None if repair is None else Repair(**repair),
        )

    @property
    def gap(self) -> float | None:
        """How much the objective may lie above the best possible one (0: optimal)."""
        return None if self.bound is None else max(0.0, self.objective - self.bound)

    @property
    def relative_gap(self) -> float | None:
        """`gap` relative to the objective, as the benchmarks report it."""
        gap = self.gap
        return None if gap is None else gap / max(1.0, abs(self.objective))

    def seat(self, participant: str, round: str) -> Seat | None:
        """Where `participant` sits in `round`; None when they do not attend it."""
        return self._seats.get((participant, round))

    def itinerary(self, participant: str) -> list[Seat]:
        """The participant's seats over the day, in round order (the rounds they attend)."""
        found = (self.seat(participant, rnd.id) for rnd in self.rounds)
        return [seat for seat in found if seat is not None]

    @functools.cached_property
    def _seats(self) -> dict[tuple[str, str], Seat]:
        seats = {}
        for rnd in self.rounds:
            for group in rnd.groups:
                held = {pid: name for name, ids in group.duties.items() for pid in ids}
                for pid in group.members:
                    seats[pid, rnd.id] = Seat(rnd.id, group.id, held.get(pid), group.visitor)
        return seats


def _group(group: Mapping[str, Any]) -> PlanGroup:
    return PlanGroup(
        id=group["id"],
        members=tuple(group["members"]),
        visitor=group.get("visitor"),
        duties={name: tuple(ids) for name, ids in group.get("duties", {}).items()},
    )
