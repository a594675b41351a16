"""Named benchmark suites, as data: which instances, and the time limit each is judged at.

Instances are built on the fly from `allocator.examples` (a generator name and its
arguments), so a 10,000-person instance costs no committed JSON and every child process
rebuilds exactly the same one.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allocator import Instance, examples, parse_instance
from allocator.io.mdgplib import read_mdgplib

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Case:
    """One instance of a suite: a JSON file or a generator call, and its time limits."""

    name: str
    time_limits: tuple[float, ...]
    path: str | None = None
    generator: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    mdgplib: str | None = None
    reference: float | None = None
    """The best objective known (for MDGPLIB: minus the best diversity published)."""

    def build(self) -> dict[str, Any]:
        """The instance as JSON data: read from the file, or generated."""
        if self.path is not None:
            return json.loads(Path(self.path).read_text(encoding="utf-8"))
        return getattr(examples, str(self.generator))(**self.kwargs)

    def instance(self) -> Instance:
        """The validated instance: an MDGPLIB file, or the JSON data."""
        if self.mdgplib is not None:
            return read_mdgplib(self.mdgplib)
        return parse_instance(self.build())


def generated(
    name: str, generator: str, time_limit: float | tuple[float, ...], **kwargs: Any
) -> Case:
    """A generator call judged at one time limit, or at each of several (one table each)."""
    limits = time_limit if isinstance(time_limit, tuple) else (time_limit,)
    return Case(name, limits, generator=generator, kwargs=kwargs)


def from_file(path: Path, time_limit: float) -> Case:
    return Case(path.stem, (time_limit,), path=str(path.resolve()))


def golfer(groups: int, size: int, rounds: int, time_limit: float) -> Case:
    return generated(
        f"golfer_{groups}_{size}_{rounds}",
        "social_golfer",
        time_limit,
        groups=groups,
        size=size,
        rounds=rounds,
    )


SGP = ROOT.parent / "shared" / "benchmarks" / "sgp" / "best_known.csv"
"""The Social Golfer best-known table (g, s ≤ 10), beside the repository."""


def golfer_table_cases(time_limit: float = 20) -> list[Case]:
    """Every cell with g ≥ s of the best-known table at its best-known rounds and at one
    round more: past a cell at the counting bound one more round forces repeats (the bound
    counts them); past an open cell, below that bound, it is what no schedule settles yet."""
    if not SGP.exists():
        return []
    with SGP.open(encoding="utf-8", newline="") as stream:
        rows = [r for r in csv.DictReader(stream) if int(r["groups"]) >= int(r["size"])]
    cases = []
    for row in rows:
        groups, size, best = int(row["groups"]), int(row["size"]), int(row["best_known_rounds"])
        cases.append(golfer(groups, size, best, time_limit))
        cases.append(golfer(groups, size, best + 1, time_limit))
    return cases


def adjacent_cases(count: int = 20, time_limit: float = 20) -> list[Case]:
    """`count` different adjacent-sizes days drawn with a fixed seed: 20–100 people in groups
    of 4–5 or 5–6 over 4–8 rounds."""
    rng = random.Random(11)
    cases: dict[str, Case] = {}
    while len(cases) < count:
        people, size, rounds = rng.randint(20, 100), rng.choice((4, 5)), rng.randint(4, 8)
        name = f"adjacent_{people}_{size}_{size + 1}_{rounds}"
        cases[name] = generated(
            name, "adjacent_sizes", time_limit, people=people, size=size, rounds=rounds
        )
    return list(cases.values())


MDGP = ROOT.parent / "shared" / "benchmarks" / "mdgp"
"""The MDGPLIB sample and its best known values, beside the repository."""


def mdgp_cases() -> list[Case]:
    """Every shipped MDGPLIB file at the published limit for its size (n ≤ 120: 3 s,
    240: 20 s, 480: 120 s), with minus its best known diversity as the reference."""
    reference_csv = MDGP / "reference.csv"
    if not reference_csv.exists():
        return []
    with reference_csv.open(encoding="utf-8", newline="") as stream:
        best = {row["instance"]: float(row["best_known"]) for row in csv.DictReader(stream)}
    cases = []
    for name, value in sorted(best.items()):
        n = int(name.split("_n")[1][:3])
        limit = 3.0 if n <= 120 else 20.0 if n <= 240 else 120.0
        cases.append(Case(name, (limit,), mdgplib=str(MDGP / f"{name}.txt"), reference=-value))
    return cases


SUITES: dict[str, list[Case]] = {
    # Issue 3's Social Golfer targets: zero repeated pairs within these limits.
    "golfers": [
        golfer(5, 3, 7, 20),
        golfer(4, 4, 5, 20),
        golfer(5, 5, 6, 30),
        golfer(7, 7, 8, 60),
        golfer(8, 4, 9, 60),
        golfer(10, 6, 4, 20),
        # Kirkman schedules (triples), beyond the tabu search's reach in a minute.
        golfer(7, 3, 10, 20),
        golfer(11, 3, 16, 30),
    ],
    # Issue 11: the whole best-known table (g, s ≤ 10) at 20 s per cell, one round more where
    # the best known reaches the counting bound; and days of adjacent group sizes.
    "golfers_table": golfer_table_cases(),
    "golfers_adjacent": adjacent_cases(),
    # Issue 11's side-by-side: 15 cells of the table, the hard ones included, for `auto`
    # against `cpsat` and the tabu search started without designs (`tabu`), at 20 s.
    "golfers_sample": [
        golfer(g, s, w, 20)
        for g, s, w in (
            (5, 3, 7),
            (6, 3, 8),
            (8, 3, 11),
            (10, 3, 14),
            (4, 4, 5),
            (8, 4, 10),
            (9, 4, 11),
            (10, 4, 13),
            (5, 5, 6),
            (6, 5, 6),
            (7, 5, 7),
            (10, 6, 7),
            (6, 6, 3),
            (10, 7, 7),
            (10, 10, 4),
        )
    ],
    # Issue 3's scale targets: both mixing terms at their counting bounds; then the same
    # events with `together` pairs and `apart` lists, beyond the whole CP-SAT model's size.
    "scale": [
        generated("large_event_800", "large_event", 60, people=800, organisations=50),
        generated(
            "large_event_10000", "large_event", 600, people=10_000, organisations=600, rounds=4
        ),
        generated(
            "large_event_800_lists",
            "large_event",
            60,
            people=800,
            organisations=50,
            together=20,
            apart=10,
        ),
        generated(
            "large_event_10000_lists",
            "large_event",
            600,
            people=10_000,
            organisations=600,
            rounds=4,
            together=250,
            apart=125,
        ),
    ],
    # The instances an organiser sees first, read from their committed files.
    "shipped": [from_file(path, 60) for path in sorted((ROOT / "instances").glob("*.json"))],
    # MDGPLIB at the published time limits (issue 4), judged against the best known values.
    "mdgp": mdgp_cases(),
    # Partner days: kept working groups visited by case actors, then merged for a synthesis,
    # scored with professions spread as well (`examples.PROFESSION_OBJECTIVE`). The shipped
    # day's shape on three draws, then two larger days (80 → 144 → 300 people).
    "partner": [
        *(generated(f"partner_80_s{seed}", "partner_80", 60, seed=seed) for seed in (1, 2, 3)),
        generated("partner_144", "partner_144", (30, 60), seed=1),
        generated("partner_300", "partner_300", (60, 120), seed=1),
    ],
    # Issue 14's routing of apart/together lists: world cafés of 48 and 120 people with 1, 5
    # and 20 lists, at three limits, for `auto` against `cpsat` and `hybrid`.
    "lists": [
        generated(
            f"cafe_{people}_lists_{lists}",
            "world_cafe",
            (8, 20, 60),
            people=people,
            tables=tables,
            lists=lists,
        )
        for people, tables in ((48, 8), (120, 20))
        for lists in (1, 5, 20)
    ],
    # Seconds-long runs that exercise the whole runner (used by the tests).
    "smoke": [
        golfer(3, 3, 2, 2),
        generated("world_cafe_small", "world_cafe", 2, people=16, tables=4, rotations=2),
    ],
}
