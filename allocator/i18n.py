"""English and French labels for what organisers read: the HTML plan, the workbook and the
terminal summary. The CSV headers stay the English ones of FORMAT.md (a contract)."""

from __future__ import annotations

from typing import Literal, get_args

from allocator.model.errors import FieldIssue, InputError
from allocator.model.limits import excerpt

Lang = Literal["en", "fr"]
LANGS: tuple[Lang, ...] = get_args(Lang)

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Seating plan",
        "round": "Round",
        "round_prefix": "round",
        "group": "Group",
        "participant": "Participant",
        "participants": "participants",
        "rounds": "rounds",
        "organisations": "organisations",
        "organisation": "Organisation",
        "role": "Role",
        "visitor": "Visitor",
        "visitor_line": "Visitor: {name}",
        "duty": "Duty",
        "members": "members",
        "itineraries": "Itineraries",
        "itinerary": "Itinerary",
        "quality": "Quality of the plan",
        "measure": "Measure",
        "value": "Value",
        "bound": "Lower bound",
        "objective": "Objective (weighted sum)",
        "optimal": "Optimal: no plan can do better on the weighted objective.",
        "gap": "At most {gap} above the best possible objective (proven lower bound).",
        "no_bound": "No lower bound is known for this objective.",
        "met": "New people met per person over the day",
        "met_line": "average {avg}, minimum {min}, maximum {max} (out of {most} other people)",
        "average": "average",
        "minimum": "minimum",
        "mixing": "Mixing: members of each organisation per group",
        "mixing_note": "Two or more members of one organisation in a group make same-organisation pairs.",
        "mixing_crowded": "{groups} groups and {organisations} organisations: shown are the groups holding two or more members of one organisation ({shown_groups} of {crowded_groups}) and those organisations ({shown_organisations} of {crowded_organisations}).",
        "mixing_clear": "No group holds two members of one organisation.",
        "none": "none",
        "no_organisation": "no organisation",
        "absent": "absent",
        "made_by": "Plan by {strategy}, seed {seed}, {seconds} s; status {status}.",
        "term": "term",
        "value_lc": "value",
        "bound_lc": "lower bound",
        "none_known": "none known",
        "wrote": "wrote",
        "people_met": "new people met per person",
        "seats_kept": "repair: {kept} of the {compared} seats of the earlier plan kept",
        "same_organisation": "Same-organisation pairs",
        "repeat_pairs": "Repeated meetings",
        "imbalance": "Imbalance ({attribute})",
        "pairs": "Pair preferences (negated)",
        "duty_repeats": "Duties beyond one per person",
    },
    "fr": {
        "title": "Plan de table",
        "round": "Tour",
        "round_prefix": "tour",
        "group": "Groupe",
        "participant": "Participant·e",
        "participants": "participant·es",
        "rounds": "tours",
        "organisations": "structures",
        "organisation": "Structure",
        "role": "Rôle",
        "visitor": "Visiteur·euse",
        "visitor_line": "Visiteur·euse : {name}",
        "duty": "Fonction",
        "members": "membres",
        "itineraries": "Parcours des participant·es",
        "itinerary": "Parcours",
        "quality": "Qualité du plan",
        "measure": "Mesure",
        "value": "Valeur",
        "bound": "Borne inférieure",
        "objective": "Objectif (somme pondérée)",
        "optimal": "Optimal : aucun plan ne peut faire mieux sur l’objectif pondéré.",
        "gap": "Au plus {gap} au-dessus du meilleur objectif possible (borne inférieure prouvée).",
        "no_bound": "Aucune borne inférieure n’est connue pour cet objectif.",
        "met": "Nouvelles personnes rencontrées par personne sur la journée",
        "met_line": "moyenne {avg}, minimum {min}, maximum {max} (sur {most} autres personnes)",
        "average": "moyenne",
        "minimum": "minimum",
        "mixing": "Brassage : membres de chaque structure par groupe",
        "mixing_note": "Deux membres ou plus d’une même structure dans un groupe forment des paires de même structure.",
        "mixing_crowded": "{groups} groupes et {organisations} structures : sont montrés les groupes comptant deux membres ou plus d’une même structure ({shown_groups} sur {crowded_groups}) et ces structures ({shown_organisations} sur {crowded_organisations}).",
        "mixing_clear": "Aucun groupe ne compte deux membres d’une même structure.",
        "none": "aucun·e",
        "no_organisation": "sans structure",
        "absent": "absent·e",
        "made_by": "Plan calculé par {strategy}, graine {seed}, {seconds} s ; statut {status}.",
        "term": "critère",
        "value_lc": "valeur",
        "bound_lc": "borne inf.",
        "none_known": "inconnue",
        "wrote": "écrit",
        "people_met": "nouvelles personnes rencontrées",
        "seats_kept": "réparation : {kept} des {compared} places du plan précédent gardées",
        "same_organisation": "Paires d’une même structure",
        "repeat_pairs": "Rencontres répétées",
        "imbalance": "Déséquilibre ({attribute})",
        "pairs": "Affinités entre paires (opposé)",
        "duty_repeats": "Fonctions au-delà d’une par personne",
    },
}


def labels(lang: Lang) -> dict[str, str]:
    """The labels of one language; `InputError` for another."""
    if lang not in _LABELS:
        raise InputError(
            [
                FieldIssue(
                    "lang", f"unknown language {excerpt(lang)}", f"use one of: {', '.join(LANGS)}"
                )
            ]
        )
    return _LABELS[lang]


def metric_label(key: str, lang: Lang) -> str:
    """`imbalance:role` → `Imbalance (role)`: a metric key of the plan, in words."""
    term, _, attribute = key.partition(":")
    words = labels(lang)
    if attribute in ("role", "organisation"):
        attribute = words[attribute].lower()
    text = words.get(term, term)
    return text.format(attribute=attribute) if attribute else text


def number(value: float, lang: Lang) -> str:
    """A number as its readers write it: `1,234.5` in English, `1 234,5` in French."""
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text
