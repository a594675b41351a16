"""Realistic example instances (FORMAT.md v1), built from the days in `shared/seeds`.

Plain JSON dicts rather than models, so they read exactly like what an organiser
writes. Every generator is deterministic in its arguments, which lets the files
shipped in `instances/` be checked against it and keeps demos and benchmarks
reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import accumulate, pairwise
from typing import Any

Json = dict[str, Any]

FIRST_NAMES = (
    "Amina", "Youssef", "Sophie", "Marc", "Nathalie", "Karim", "Fatima", "Julien", "Élodie",
    "Mehdi", "Aurélie", "Thomas", "Samira", "Nicolas", "Céline", "Mohamed", "Isabelle", "Pierre",
    "Chloé", "Antoine", "Inès", "Lucas", "Manon", "Bilal", "Laura", "Kevin", "Sarah", "Olivier",
    "Nadia", "Grégory", "Léa", "Hamza", "Camille", "Jérôme", "Yasmine", "Benoît", "Aïcha",
    "François", "Marie", "Rachid", "Véronique", "Damien", "Hélène", "Ibrahim", "Charlotte", "Luc",
    "Sofia", "Maxime", "Nora", "Arnaud",
)  # fmt: skip
LAST_NAMES = (
    "Dubois", "Lambert", "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes",
    "Goossens", "Wouters", "Dupont", "Martin", "Lejeune", "Renard", "Lemaire", "Simon", "Laurent",
    "Leroy", "Declercq", "Vandenberghe", "Van Damme", "Hermans", "Michel", "Collard", "Mathieu",
    "Fontaine", "Delvaux", "Henrard", "El Amrani", "Benali", "Bouzid", "Diallo", "Kabongo",
    "Mukendi", "Nowak", "Rossi", "Esposito", "Yilmaz", "Demir", "Ferreira", "Moreau", "Gérard",
    "Thiry", "Piron", "Denis", "Noël", "Charlier", "Wautier", "De Smet",
)  # fmt: skip
AGE_BANDS = ("18-25", "26-35", "36-50", "51-65", "65+")

# The partner structures of a Brussels zone, with their sector.
PARTNER_STRUCTURES = (
    ("CPAS d'Anderlecht", "social"),
    ("CPAS de Forest", "social"),
    ("CPAS de Saint-Gilles", "social"),
    ("CPAS d'Uccle", "social"),
    ("Épicerie sociale Le Panier", "social"),
    ("Mission locale d'Anderlecht", "emploi"),
    ("Mission locale de Forest", "emploi"),
    ("Mission locale de Saint-Gilles", "emploi"),
    ("Maison de l'emploi d'Uccle", "emploi"),
    ("Maison médicale Les Primevères", "santé"),
    ("Maison médicale du Midi", "santé"),
    ("Maison médicale Le Noyer", "santé"),
    ("Maison médicale des Tanneurs", "santé"),
    ("Centre de planning familial Le Chêne", "santé"),
    ("Service de santé mentale Le Méridien", "santé mentale"),
    ("Service de santé mentale Le Canevas", "santé mentale"),
    ("Service de santé mentale La Gerbe", "santé mentale"),
    ("Agence immobilière sociale Bruxelles-Sud", "logement"),
    ("Maison d'accueil Les Trois Pommiers", "logement"),
    ("Maison d'accueil L'Escale", "logement"),
    ("AMO Le Tremplin", "jeunesse"),
    ("AMO La Passerelle", "jeunesse"),
    ("Maison de jeunes Le Phare", "jeunesse"),
    ("Centre d'alphabétisation La Boussole", "formation"),
    ("EFT Les Ateliers du Midi", "formation"),
    ("CISP Cap Formation", "formation"),
)
SECTOR_PROFESSIONS = {
    "social": ("assistant·e social·e", "agent·e d'insertion", "juriste"),
    "emploi": ("conseiller·ère emploi", "job coach", "agent·e d'insertion"),
    "santé": ("médecin généraliste", "infirmier·ère", "accueillant·e", "assistant·e social·e"),
    "santé mentale": ("psychologue", "psychiatre", "assistant·e social·e"),
    "logement": ("éducateur·rice", "assistant·e social·e", "capteur·rice de logement"),
    "jeunesse": ("éducateur·rice", "animateur·rice"),
    "formation": ("formateur·rice", "agent·e de guidance"),
    "culture": ("animateur·rice", "médiateur·rice culturel·le", "bibliothécaire"),
}
# Emblematic cases played by actors: civility, situation, age range.
CASES = (
    ("Mme", "sans logement", (45, 65)),
    ("Mme", "mère isolée, trois enfants", (24, 40)),
    ("M.", "sortant de prison", (25, 45)),
    ("M.", "primo-arrivant sans titre de séjour", (20, 40)),
    ("Mme", "en burn-out, sans emploi depuis deux ans", (35, 55)),
    ("M.", "surendetté, vit de petits boulots", (30, 60)),
    ("M.", "en perte d'autonomie, vit seul", (75, 88)),
    ("M.", "en rupture familiale, a quitté l'école", (17, 22)),
    ("Mme", "victime de violences conjugales", (28, 50)),
    ("Mme", "aidante proche de son fils handicapé", (50, 70)),
)
LOCAL_AUTHORITIES = (
    "Mairie de Saint-Ouen",
    "Mairie de Montreuil",
    "Mairie de Pantin",
    "Mairie d'Aubervilliers",
    "Ville de Nantes",
    "Ville de Grenoble",
    "Ville de Rennes",
    "Métropole de Lyon",
    "Plaine Commune",
    "Conseil départemental de la Seine-Saint-Denis",
    "Région Île-de-France",
    "CCAS de Bobigny",
    "CNFPT",
    "Communauté urbaine de Dunkerque",
)
PUBLIC_PROFESSIONS = (
    "chargé·e de mission",
    "chef·fe de projet",
    "directeur·rice de service",
    "agent·e d'accueil",
    "responsable RH",
    "élu·e",
    "facilitateur·rice",
    "juriste",
    "technicien·ne",
    "travailleur·euse social·e",
)
MAISONS_MEDICALES = (
    "Maison médicale Les Primevères",
    "Maison médicale du Midi",
    "Maison médicale Le Noyer",
    "Maison médicale des Tanneurs",
    "Maison médicale Les Tilleuls",
    "Maison médicale Le Cadran",
    "Maison médicale du Parvis",
    "Maison médicale La Senne",
    "Maison médicale Les Glycines",
    "Maison médicale du Béguinage",
    "Maison médicale Santé Plurielle",
    "Maison médicale Calendula",
)
HEALTH_PROFESSIONS = (
    "médecin généraliste",
    "infirmier·ère",
    "kinésithérapeute",
    "assistant·e social·e",
    "accueillant·e",
    "psychologue",
    "coordinateur·rice",
    "animateur·rice en santé communautaire",
)
VOLUNTEER_PROFESSIONS = ("administrateur·rice", "patient·e partenaire", "accueillant·e bénévole")


def _require(ok: bool, message: str) -> None:
    """Refuse arguments that would give an instance no plan can satisfy."""
    if not ok:
        raise ValueError(message)


def _ids(prefix: str, n: int) -> list[str]:
    """`p01` … `p48`: zero-padded so that ids sort in order in a spreadsheet."""
    width = max(2, len(str(n)))
    return [f"{prefix}{k:0{width}d}" for k in range(1, n + 1)]


def _names(rng: random.Random, n: int) -> list[str]:
    """Distinct full names, so that seating plans read unambiguously."""
    pairs = rng.sample([(first, last) for first in FIRST_NAMES for last in LAST_NAMES], n)
    return [f"{first} {last}" for first, last in pairs]


def _sizes(rng: random.Random, total: int, parts: int, cap: int) -> list[int]:
    """Uneven sizes, each 1..cap (needs parts <= total <= parts * cap): real networks mix big
    and small members."""
    weights = [rng.uniform(0.1, 1.0) for _ in range(parts)]
    sizes = [1] * parts
    for _ in range(total - parts):
        open_ = [k for k in range(parts) if sizes[k] < cap]
        sizes[rng.choices(open_, weights=[weights[k] for k in open_])[0]] += 1
    return sizes


def _organisations(
    rng: random.Random, pool: tuple[str, ...], people: int, cap: int, typical: int
) -> list[str]:
    """Each person's organisation, about `typical` per organisation and at most `cap`."""
    count = max(-(-people // cap), round(people / typical))
    _require(
        count <= len(pool),
        f"{people} people need {count} organisations, more than the {len(pool)} known",
    )
    chosen = rng.sample(pool, count)
    return [
        org
        for org, size in zip(chosen, _sizes(rng, people, count, cap), strict=True)
        for _ in range(size)
    ]


def _bounded_round(rid: str, groups: int, low: int, high: int, present: int, **extra: Any) -> Json:
    """A round of `groups` groups of `low`..`high`, refused when `present` people cannot fit."""
    fits = groups >= 1 and groups * low <= present <= groups * high
    _require(fits, f"round `{rid}`: {present} people do not fit {groups} groups of {low}..{high}")
    return {"id": rid, "groups": groups, "min_size": low, "max_size": high, **extra}


def _participant(
    pid: str, name: str, organisation: str, role: str | None, **attributes: str
) -> Json:
    """One participant as an organiser would write it: no `role` key where roles play no part."""
    person: Json = {"id": pid, "name": name, "organisation": organisation}
    if role is not None:
        person["role"] = role
    return {**person, "attributes": attributes}


def _case_pool(count: int) -> tuple[tuple[str, str, tuple[int, int]], ...]:
    """The cases to draw `count` actors from: the emblematic ones, then as many variants of
    them as needed (`… — variante 2`, `… — variante 3`…), in a fixed order."""
    if count <= len(CASES):
        return CASES  # the draw of the shipped day: unchanged
    passes = -(-count // len(CASES))
    variants = tuple(
        (civility, f"{situation} — variante {k}", ages)
        for k in range(2, passes + 1)
        for civility, situation, ages in CASES
    )
    return CASES + variants


def _actors(rng: random.Random, count: int) -> list[Json]:
    """Case actors, named by the case they play so that groups know whom to expect."""
    visitors = []
    cases = rng.sample(_case_pool(count), count)
    for k, (civility, situation, (young, old)) in enumerate(cases, start=1):
        initial = rng.choice("ABCDEFGHJKLMNPRSTV")
        case = f"{civility} {initial}., {rng.randint(young, old)} ans, {situation}"
        visitors.append({"id": f"actor{k}", "name": f"Acteur·rice — Cas {k} : {case}"})
    return visitors


def _structure_pool(count: int) -> tuple[tuple[str, str], ...]:
    """The structures to draw `count` from: the zone's own, then (beyond them) structures of
    the neighbouring communes, named kind + town, in a fixed order (town by town)."""
    if count <= len(PARTNER_STRUCTURES):
        return PARTNER_STRUCTURES  # the draw of the shipped day: unchanged
    known_towns = {"Anderlecht", "Forest", "Saint-Gilles", "Uccle"}  # the zone's own
    extra = [
        (f"{kind} {town}", KIND_SECTORS[kind])
        for town in TOWNS
        if town not in known_towns
        for kind in ORGANISATION_KINDS
    ]
    missing = count - len(PARTNER_STRUCTURES)
    _require(
        missing <= len(extra),
        f"{count} structures exceed the {len(PARTNER_STRUCTURES) + len(extra)} named",
    )
    return PARTNER_STRUCTURES + tuple(extra[:missing])


PROFESSION_OBJECTIVE: tuple[Json, ...] = (
    {"term": "same_organisation", "weight": 1000},
    {"term": "repeat_pairs", "weight": 100},
    {"term": "imbalance", "attribute": "role", "weight": 10},
    {"term": "imbalance", "attribute": "profession", "weight": 1},
    {"term": "duty_repeats", "weight": 1},
)
"""The default objective, plus professions spread over the groups (workers' `profession`)."""
OBJECTIVES: dict[str, tuple[Json, ...]] = {"profession": PROFESSION_OBJECTIVE}
"""Named objectives `partner_day(objective=...)` accepts."""


def _size_pair(name: str, value: Sequence[int]) -> tuple[int, int]:
    """A (min, max) pair of group sizes, as a tuple or a list (JSON gives lists)."""
    pair = tuple(value)
    _require(
        len(pair) == 2 and all(isinstance(x, int) for x in pair) and 1 <= pair[0] <= pair[1],
        f"{name} must be (min, max) with 1 <= min <= max, not {value!r}",
    )
    return pair[0], pair[1]


def partner_day(
    seed: int = 0,
    structures: int = 20,
    *,
    breakfast_tables: int = 12,
    breakfast_sizes: Sequence[int] = (5, 8),
    groups: int = 6,
    group_sizes: Sequence[int] = (10, 15),
    rotations: int = 6,
    actors: int | None = None,
    visitor_meetings: str | None = None,
    merged: int = 3,
    merged_sizes: Sequence[int] | None = (20, 30),
    objective: str | Sequence[Json] | None = None,
) -> Json:
    """The case-study Partner Day of 002_*: two workers and two users per structure, a mixing
    breakfast, six working groups visited by six case actors, merged into three at the end.

    Every part of the day can be resized: `breakfast_tables` tables of `breakfast_sizes`
    (min, max); `groups` working groups of `group_sizes` kept over `rotations` case rounds,
    visited by `actors` actors (default: one per rotation); with `visitor_meetings` None
    (the key is left out: exactly once) every group meets every actor once, which needs as
    many rotations as groups; `"at_most_once"` lets each group meet only some of them. The
    groups are merged into `merged` groups of `merged_sizes` for the synthesis (None: no
    bounds, i.e. balanced sizes), where organisations are not capped. `objective` None
    leaves the default objective; a name of `OBJECTIVES` (`"profession"`) or a list of terms
    writes that objective. Beyond the 26 structures and 10 cases known, structures of
    neighbouring communes and variants of the cases are named."""
    people = 4 * structures
    actors = rotations if actors is None else actors
    breakfast_low, breakfast_high = _size_pair("breakfast_sizes", breakfast_sizes)
    group_low, group_high = _size_pair("group_sizes", group_sizes)
    _require(structures >= 1, f"a day needs at least one structure, not {structures}")
    _require(rotations >= 1, f"a day needs at least one case rotation, not {rotations}")
    _require(
        1 <= actors <= groups,
        f"{actors} actors cannot circulate among {groups} groups (one actor per group at most)",
    )
    _require(
        visitor_meetings in (None, "exactly_once", "at_most_once"),
        f'visitor_meetings must be None, "exactly_once" or "at_most_once", '
        f"not {visitor_meetings!r}",
    )
    if visitor_meetings == "at_most_once":
        _require(
            rotations <= groups,
            f"an actor visits a different group each rotation: {rotations} rotations need at "
            f"least as many groups, not {groups}",
        )
    else:
        _require(
            rotations == groups,
            f"every group meets every actor exactly once: {groups} groups need {groups} "
            f'rotations, not {rotations} (or visitor_meetings="at_most_once")',
        )
    _require(
        1 <= merged <= groups,
        f"the synthesis merges {groups} groups into 1..{groups} groups, not {merged}",
    )
    if isinstance(objective, str):
        _require(
            objective in OBJECTIVES,
            f"unknown objective {objective!r}: name one of {sorted(OBJECTIVES)} or give terms",
        )
        terms: list[Json] | None = [dict(term) for term in OBJECTIVES[objective]]
    else:
        terms = None if objective is None else [dict(term) for term in objective]
    case_ids = [f"case{k}" for k in range(1, rotations + 1)]
    structure_pool = _structure_pool(structures)
    rng = random.Random(seed)
    visitors = _actors(rng, actors)
    actor_ids = [a["id"] for a in visitors]
    if merged_sizes is None:
        _require(people >= merged, f"{people} people cannot fill {merged} synthesis groups")
        synthesis: Json = {
            "id": "synthesis",
            "groups": merged,
            "merge_of": case_ids[-1],
            "max_per_organisation": None,
        }
    else:
        merged_low, merged_high = _size_pair("merged_sizes", merged_sizes)
        synthesis = _bounded_round(
            "synthesis",
            merged,
            merged_low,
            merged_high,
            people,
            merge_of=case_ids[-1],
            max_per_organisation=None,
        )
    rounds = [
        _bounded_round("breakfast", breakfast_tables, breakfast_low, breakfast_high, people),
        _bounded_round(case_ids[0], groups, group_low, group_high, people, visitors=actor_ids),
        *(
            {"id": rid, "same_groups_as": case_ids[0], "visitors": actor_ids}
            for rid in case_ids[1:]
        ),
        synthesis,
    ]
    worker_ids, user_ids = iter(_ids("w", 2 * structures)), iter(_ids("u", 2 * structures))
    names = iter(_names(rng, people))
    workers: list[Json] = []
    users: list[Json] = []
    for structure, sector in rng.sample(structure_pool, structures):
        for _ in range(2):
            profession = rng.choice(SECTOR_PROFESSIONS[sector])
            age_band = rng.choice(AGE_BANDS[:4])
            worker = (next(worker_ids), next(names), structure, "worker")
            workers.append(
                _participant(*worker, profession=profession, sector=sector, age_band=age_band)
            )
        for _ in range(2):
            user = (next(user_ids), next(names), structure, "user")
            users.append(_participant(*user, sector=sector, age_band=rng.choice(AGE_BANDS)))
    constraints: Json = {
        "max_per_organisation": 1,
        "role_ratio": [{"role": "user", "per": "worker", "min": 0.5, "max": 1.5}],
    }
    if visitor_meetings is not None:
        constraints["visitor_meetings"] = visitor_meetings
    data: Json = {
        "name": "Partner Day — Zone Sud",
        "participants": workers + users,
        "rounds": rounds,
        "visitors": visitors,
        "duties": [
            {"name": "scribe", "per_group": 1, "rounds": case_ids},
            {"name": "timekeeper", "per_group": 1, "rounds": case_ids},
            {"name": "reporter", "per_group": 1, "rounds": ["synthesis"]},
        ],
        "constraints": constraints,
    }
    if terms is not None:
        data["objective"] = terms
    return data


def partner_80(seed: int = 1) -> Json:
    """The shipped day's shape (20 structures, 80 people) scored with the profession
    objective: the benchmark's small partner day."""
    return partner_day(seed, 20, objective="profession")


def partner_144(seed: int = 1) -> Json:
    """A larger partner day: 36 structures (144 people), breakfast at 20 tables of 6–8, ten
    groups of 12–16 kept over ten case rotations, each of ten actors meeting every group
    once, merged into five balanced groups for the synthesis; the profession objective."""
    return partner_day(
        seed,
        36,
        breakfast_tables=20,
        breakfast_sizes=(6, 8),
        groups=10,
        group_sizes=(12, 16),
        rotations=10,
        merged=5,
        merged_sizes=None,
        objective="profession",
    )


def partner_300(seed: int = 1) -> Json:
    """A forum-sized partner day: 75 structures (300 people), breakfast at 40 tables of 6–8,
    twenty groups of 13–17 kept over six case rotations, twenty actors all circulating every
    rotation (each group meets an actor at most once), merged into ten balanced groups for
    the synthesis; the profession objective."""
    return partner_day(
        seed,
        75,
        breakfast_tables=40,
        breakfast_sizes=(6, 8),
        groups=20,
        group_sizes=(13, 17),
        rotations=6,
        actors=20,
        visitor_meetings="at_most_once",
        merged=10,
        merged_sizes=None,
        objective="profession",
    )


def world_cafe(
    seed: int = 0, people: int = 48, tables: int = 8, rotations: int = 3, lists: int = 0
) -> Json:
    """The world café of 001_*: local authorities meet over timed rotations, each table
    naming a scribe and a timekeeper at the start of every rotation. `lists` adds as many
    hard lists: half of them pairs to keep together (a newcomer and their mentor), the rest
    three people to keep apart (a team in conflict), among the others."""
    cap = 2
    _require(
        people >= 2 * tables, f"{tables} tables need {2 * tables} people to hold two duties each"
    )
    rng = random.Random(seed)
    pool = LOCAL_AUTHORITIES  # and, for larger cafés, the town halls of more towns
    if round(people / 5) > len(pool):
        pool += tuple(f"Commune de {town}" for town in TOWNS)
    organisations = _organisations(rng, pool, people, tables * cap, typical=5)
    participants = [
        _participant(pid, name, org, None, profession=rng.choice(PUBLIC_PROFESSIONS))
        for pid, name, org in zip(
            _ids("p", people), _names(rng, people), organisations, strict=True
        )
    ]
    constraints: Json = {"max_per_organisation": cap}
    if lists:
        ids = rng.sample(_ids("p", people), people)
        pairs, rest = lists // 2, ids[2 * (lists // 2) :]
        _require(len(rest) >= 3, f"{people} people are too few for {lists} lists")
        together = [ids[2 * k : 2 * k + 2] for k in range(pairs)]
        apart = [rng.sample(rest, 3) for _ in range(lists - pairs)]  # a person may be in two
        constraints.update(apart=apart, together=together)
    return {
        "name": "World café — « Im »planter le collaboratif dans nos structures",
        "participants": participants,
        "rounds": [{"id": f"rotation{k}", "groups": tables} for k in range(1, rotations + 1)],
        "duties": [{"name": "scribe", "per_group": 1}, {"name": "timekeeper", "per_group": 1}],
        "constraints": constraints,
    }


def thematic_workshop(seed: int = 0, people: int = 40) -> Json:
    """The thematic workshop of 000_*: workers and volunteers of neighbouring maisons médicales
    debate at once in groups of about eight, each naming a reporter for the plenary."""
    cap = 2
    groups = people // 8
    workshop = _bounded_round("workshop", groups, 7, 9, people)
    rng = random.Random(seed)
    organisations = _organisations(rng, MAISONS_MEDICALES, people, groups * cap, typical=6)
    volunteers = set(rng.sample(range(people), people // 5))
    participants = []
    for k, (pid, name, org) in enumerate(
        zip(_ids("p", people), _names(rng, people), organisations, strict=True)
    ):
        role, professions = (
            ("volunteer", VOLUNTEER_PROFESSIONS)
            if k in volunteers
            else ("worker", HEALTH_PROFESSIONS)
        )
        participants.append(_participant(pid, name, org, role, profession=rng.choice(professions)))
    return {
        "name": "Atelier thématique — Collaborer avec les maisons médicales voisines",
        "participants": participants,
        "rounds": [workshop],
        "duties": [{"name": "reporter", "per_group": 1}],
        "constraints": {"max_per_organisation": cap, "balance": ["role"]},
    }


def social_golfer(
    groups: int,
    size: int,
    rounds: int,
    apart: Sequence[int] = (),
    together: Sequence[int] = (),
) -> Json:
    """The Social Golfer Problem as an instance: the classic benchmark for meeting new people.
    `apart` and `together` give the lengths of lists over the first people, in that order
    (rules a design cannot always honour)."""
    people = groups * size
    ids = _ids("p", people)
    _require(sum(apart) + sum(together) <= people, "the lists need more people than the day")
    data: Json = {
        "name": f"Social golfer — {groups} groups of {size}, {rounds} rounds",
        "participants": [{"id": pid} for pid in ids],
        "rounds": [
            _bounded_round(f"round{k}", groups, size, size, people) for k in range(1, rounds + 1)
        ],
        "objective": [{"term": "repeat_pairs", "weight": 1}],
    }
    ends = list(accumulate([*apart, *together], initial=0))
    lists = [ids[a:b] for a, b in pairwise(ends)]
    if lists:
        data["constraints"] = {"apart": lists[: len(apart)], "together": lists[len(apart) :]}
    return data


def adjacent_sizes(people: int, size: int, rounds: int) -> Json:
    """The Social Golfer Problem with adjacent group sizes: `people` in groups of `size` or
    `size` + 1 (as few groups as hold everyone) for `rounds` rounds, `repeat_pairs` only."""
    groups = -(-people // (size + 1))
    return {
        "name": f"Adjacent sizes — {people} people in groups of {size}–{size + 1}, {rounds} rounds",
        "participants": [{"id": pid} for pid in _ids("p", people)],
        "rounds": [
            _bounded_round(f"round{k}", groups, size, size + 1, people)
            for k in range(1, rounds + 1)
        ],
        "objective": [{"term": "repeat_pairs", "weight": 1}],
    }


def shipped() -> dict[str, Json]:
    """The files of `instances/` and what they hold: one list for the script and its test."""
    return {
        "partner_day.json": partner_day(),
        "world_cafe.json": world_cafe(),
        "thematic_workshop.json": thematic_workshop(),
        "social_golfer_5_3_7.json": social_golfer(5, 3, 7),
    }


# Kinds of structure and the towns they serve: their product names the members of a large
# network (a regional forum, a federation congress).
ORGANISATION_KINDS = (
    "CPAS", "Mission locale", "Maison médicale", "Service de santé mentale", "Maison de jeunes",
    "AMO", "Centre culturel", "Agence immobilière sociale", "Maison d'accueil", "CISP",
    "Bibliothèque", "Maison de l'emploi",
)  # fmt: skip
TOWNS = (
    "Anderlecht", "Forest", "Saint-Gilles", "Uccle", "Ixelles", "Schaerbeek", "Molenbeek",
    "Etterbeek", "Jette", "Evere", "Koekelberg", "Ganshoren", "Auderghem", "Watermael-Boitsfort",
    "Woluwe", "Berchem", "Laeken", "Haren", "Liège", "Namur", "Charleroi", "Mons", "Tournai",
    "Verviers", "Seraing", "Wavre", "Nivelles", "Arlon", "Dinant", "Huy", "Ottignies", "Ath",
    "Mouscron", "La Louvière", "Marche", "Bastogne", "Spa", "Gembloux", "Waterloo", "Braine",
    "Soignies", "Binche", "Fleurus", "Herstal", "Eupen", "Malmedy", "Ciney", "Andenne",
    "Philippeville", "Chimay",
)  # fmt: skip
# The sector of each kind of structure, for the partner days beyond the zone's own structures.
KIND_SECTORS = {
    "CPAS": "social",
    "Mission locale": "emploi",
    "Maison médicale": "santé",
    "Service de santé mentale": "santé mentale",
    "Maison de jeunes": "jeunesse",
    "AMO": "jeunesse",
    "Centre culturel": "culture",
    "Agence immobilière sociale": "logement",
    "Maison d'accueil": "logement",
    "CISP": "formation",
    "Bibliothèque": "culture",
    "Maison de l'emploi": "emploi",
}
INITIALS = "ABCDEFGHJKLMNPRSTVWY"


def _many_names(rng: random.Random, n: int) -> list[str]:
    """Distinct names for crowds of thousands: a middle initial multiplies the combinations, and
    drawing indices avoids listing them."""
    first, middle, last = len(FIRST_NAMES), len(INITIALS), len(LAST_NAMES)
    _require(n <= first * middle * last, f"{n} people exceed the {first * middle * last} names")
    names = []
    for k in rng.sample(range(first * middle * last), n):
        rest, f = divmod(k, first)
        surname, m = divmod(rest, middle)
        names.append(f"{FIRST_NAMES[f]} {INITIALS[m]}. {LAST_NAMES[surname]}")
    return names


def _zipf_sizes(people: int, parts: int, exponent: float = 1.0) -> list[int]:
    """Sizes proportional to 1/rank^exponent, each at least 1 (largest remainders get the
    rest): a few big federations, a long tail of small associations."""
    _require(1 <= parts <= people, f"{people} people cannot form {parts} organisations")
    weights = [1 / rank**exponent for rank in range(1, parts + 1)]
    shares = [(people - parts) * w / sum(weights) for w in weights]
    sizes = [1 + int(share) for share in shares]
    by_remainder = sorted(range(parts), key=lambda k: int(shares[k]) - shares[k])
    for k in by_remainder[: people - sum(sizes)]:
        sizes[k] += 1
    return sizes


def _worker_or_user(rng: random.Random) -> str:
    """About one user for two workers, as at the partner days."""
    return "user" if rng.random() < 1 / 3 else "worker"


def large_event(
    seed: int = 0,
    people: int = 800,
    organisations: int = 50,
    group_size: int = 8,
    rounds: int = 3,
    duty: str | None = "reporter",
    roles: bool = False,
    together: int = 0,
    apart: int = 0,
) -> Json:
    """A large networking event: organisations of Zipf-skewed sizes, everyone reshuffled into
    tables of `group_size` every round, one `duty` holder per table (None: no duty). No cap per
    organisation: mixing is the default objective's job, which is what scale benchmarks stress.
    `roles` makes about a third of the people users and the rest workers. `together` pairs
    (a user and the person who accompanies them) share every table; `apart` lists of
    five (a board, one member per table) never do."""
    groups = people // group_size
    _require(groups >= 1, f"{people} people cannot fill a group of {group_size}")
    pool = [f"{kind} {town}" for kind in ORGANISATION_KINDS for town in TOWNS]
    _require(organisations <= len(pool), f"at most {len(pool)} organisations are named")
    rng = random.Random(seed)
    members = [
        org
        for org, size in zip(
            rng.sample(pool, organisations), _zipf_sizes(people, organisations), strict=True
        )
        for _ in range(size)
    ]
    rng.shuffle(members)
    names = _many_names(rng, people)
    participants = [
        _participant(pid, name, org, _worker_or_user(rng) if roles else None)
        for pid, name, org in zip(_ids("p", people), names, members, strict=True)
    ]
    bounds = {"min_size": group_size, "max_size": group_size} if people % group_size == 0 else {}
    data: Json = {
        "name": f"Large event — {people} people, {organisations} organisations, "
        f"tables of {group_size}, {rounds} rounds",
        "participants": participants,
        "rounds": [{"id": f"round{k}", "groups": groups, **bounds} for k in range(1, rounds + 1)],
    }
    if duty is not None:
        data["duties"] = [{"name": duty, "per_group": 1}]
    if together or apart:
        ids = rng.sample(_ids("p", people), 2 * together + 5 * apart)
        data["constraints"] = {
            "together": [ids[2 * k : 2 * k + 2] for k in range(together)],
            "apart": [ids[2 * together + 5 * k :][:5] for k in range(apart)],
        }
    return data
