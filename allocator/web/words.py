"""The page's own words in English and French; the plan's words (round, group, quality,
the metrics) are the library's, as plan.html uses them."""

from __future__ import annotations

from typing import Any

from allocator import LANGS, Lang, labels, number

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "app": "Allocator",
        "days": "Your days",
        "no_days": "No day yet: start one below.",
        "start": "Start a day",
        "upload": "A registration spreadsheet (.csv, .xlsx) or an instance (.json)",
        "groups": "Groups per round",
        "rounds_count": "Rounds",
        "send": "Open this file",
        "examples": "Or start from an example",
        "open": "Open",
        "duplicate": "Duplicate",
        "delete": "Delete",
        "confirm_delete_day": "Delete the day “{title}” and all its plans? A solve of it, running or waiting, is stopped. This cannot be undone.",
        "confirm_delete_draft": "Delete the draft {number}, edited by hand? This cannot be undone.",
        "not_a_draft": "Only a draft edited by hand can be deleted: a solved plan stays with its day.",
        "changed": "changed",
        "queue": "Solves running and waiting",
        "queue_empty": "No solve is running.",
        "day": "Day",
        "people": "people",
        "instance": "The day as an instance (JSON)",
        "instance_help": "Edit rounds, people, duties, rules and weights here; every error names its field, as the command line does.",
        "save": "Save the day",
        "saved": "Saved.",
        "solve": "Solve",
        "time_limit": "Time limit (seconds)",
        "stop": "Stop and keep the best plan",
        "plans": "Plans of this day",
        "no_plans": "No plan yet.",
        "valid": "valid",
        "invalid": "breaks rules",
        "draft": "hand-edited draft",
        "kind_solve": "solved",
        "kind_reoptimise": "re-optimised",
        "kind_repair": "repaired",
        "kind_hand-edited": "edited by hand",
        "state_queued": "waiting in the queue (position {position})",
        "state_running": "solving",
        "state_done": "done",
        "state_stopped": "stopped",
        "state_failed": "failed",
        "state_infeasible": "no plan can satisfy the rules",
        "state_cancelled": "cancelled",
        "elapsed": "elapsed",
        "best": "best objective",
        "proven": "proven bound",
        "see_plan": "See the plan",
        "search": "Find a person",
        "route": "Route through the day",
        "undo": "Undo",
        "lock": "Lock this seat",
        "locked": "locked",
        "lock_short": "lock",
        "reoptimise": "Re-optimise the rest",
        "repair": "Repair after changes to the day",
        "repair_help": "Uses the day as last saved (people added or removed) and keeps as many seats of this plan as the rules allow.",
        "downloads": "Download",
        "zip": "the whole folder (.zip)",
        "no_download": "Only a valid plan can be downloaded: undo or change the seats that break a rule.",
        "broken": "Broken rules",
        "back_day": "Back to the day",
        "drag_help": "Drag a person to another group, or onto a person to swap them.",
        "lang": "Français",
        "error": "Error",
        "upload_help": "Groups and rounds apply to a spreadsheet; an instance sets its own.",
        "made_how": "Made by",
        "status": "Status",
        "stopped_early": "stopped early",
        "plan": "Plan",
        "not_found": "No such day, plan or solve (a stale link?).",
        "shape": "Shape the day",
        "shape_help": "Every change here is written into the instance below; Save checks it as the command line does and shows each error beside its field.",
        "f_id": "id",
        "f_name": "name",
        "f_groups": "groups",
        "f_min": "min size",
        "f_max": "max size",
        "f_same": "same groups as",
        "f_merge": "merge of",
        "f_visitors": "visitors",
        "f_org_cap": "max per organisation",
        "f_add_round": "Add a round",
        "f_rounds": "Rounds",
        "f_attributes": "attributes (key=value; …)",
        "f_add_person": "Add a person",
        "f_people": "People",
        "f_add_visitor": "Add a visitor",
        "f_per_group": "per group",
        "f_rounds_list": "rounds (comma-separated; empty: all)",
        "f_roles": "eligible roles (empty: all)",
        "f_add_duty": "Add a duty",
        "f_duties": "Duties",
        "f_rules": "Rules",
        "f_meetings": "max meetings of a pair",
        "f_visitor_meetings": "visitor meetings",
        "f_balance": "balance (attributes, comma-separated)",
        "f_ratios": "Role ratios",
        "f_per": "per",
        "f_add_ratio": "Add a ratio",
        "f_apart": "apart (one list per line, ids comma-separated)",
        "f_together": "together (one list per line)",
        "f_pins": "pins (participant, round, group per line)",
        "f_objective": "Objective",
        "f_objective_help": "Without terms, the default objective holds (organisations mixed, repeated meetings avoided, roles balanced).",
        "f_term": "term",
        "f_weight": "weight",
        "f_attribute": "attribute",
        "f_add_term": "Add a term",
        "json_error": "The JSON text does not parse",
        # the heat map of each round
        "mixing_kept": "Same groups as {round}: see the heat map of that round.",
        # a round's groups listed one by one in the shape form
        "f_list_groups": "List them",
        "f_count_groups": "Count only",
        "f_listed": "{count} listed",
        "f_groups_of": "Groups of round {round} (empty sizes: the round's)",
        "f_add_group": "Add a group",
    },
    "fr": {
        "app": "Allocator",
        "days": "Vos journées",
        "no_days": "Pas encore de journée : commencez-en une ci-dessous.",
        "start": "Commencer une journée",
        "upload": "Un tableau d’inscriptions (.csv, .xlsx) ou une instance (.json)",
        "groups": "Groupes par tour",
        "rounds_count": "Tours",
        "send": "Ouvrir ce fichier",
        "examples": "Ou partir d’un exemple",
        "open": "Ouvrir",
        "duplicate": "Dupliquer",
        "delete": "Supprimer",
        "confirm_delete_day": "Supprimer la journée « {title} » et tous ses plans ? Un calcul de cette journée, en cours ou en attente, est arrêté. C’est définitif.",
        "confirm_delete_draft": "Supprimer le brouillon {number}, modifié à la main ? C’est définitif.",
        "not_a_draft": "Seul un brouillon modifié à la main se supprime : un plan calculé reste avec sa journée.",
        "changed": "modifiée",
        "queue": "Calculs en cours et en attente",
        "queue_empty": "Aucun calcul en cours.",
        "day": "Journée",
        "people": "personnes",
        "instance": "La journée comme instance (JSON)",
        "instance_help": "Modifiez ici tours, personnes, fonctions, règles et poids ; chaque erreur nomme son champ, comme en ligne de commande.",
        "save": "Enregistrer la journée",
        "saved": "Enregistré.",
        "solve": "Calculer",
        "time_limit": "Durée maximale (secondes)",
        "stop": "Arrêter et garder le meilleur plan",
        "plans": "Plans de cette journée",
        "no_plans": "Pas encore de plan.",
        "valid": "valide",
        "invalid": "enfreint des règles",
        "draft": "brouillon modifié à la main",
        "kind_solve": "calculé",
        "kind_reoptimise": "ré-optimisé",
        "kind_repair": "réparé",
        "kind_hand-edited": "modifié à la main",
        "state_queued": "en attente (position {position})",
        "state_running": "calcul en cours",
        "state_done": "terminé",
        "state_stopped": "arrêté",
        "state_failed": "échec",
        "state_infeasible": "aucun plan ne peut respecter les règles",
        "state_cancelled": "annulé",
        "elapsed": "écoulé",
        "best": "meilleur objectif",
        "proven": "borne prouvée",
        "see_plan": "Voir le plan",
        "search": "Trouver une personne",
        "route": "Parcours de la journée",
        "undo": "Annuler",
        "lock": "Verrouiller cette place",
        "locked": "verrouillée",
        "lock_short": "verrouiller",
        "reoptimise": "Ré-optimiser le reste",
        "repair": "Réparer après des changements",
        "repair_help": "Part de la journée telle qu’enregistrée (personnes ajoutées ou retirées) et garde autant de places de ce plan que les règles le permettent.",
        "downloads": "Télécharger",
        "zip": "tout le dossier (.zip)",
        "no_download": "Seul un plan valide se télécharge : annulez ou changez les places qui enfreignent une règle.",
        "broken": "Règles enfreintes",
        "back_day": "Retour à la journée",
        "drag_help": "Glissez une personne vers un autre groupe, ou sur une personne pour les échanger.",
        "lang": "English",
        "error": "Erreur",
        "upload_help": "Groupes et tours valent pour un tableau ; une instance fixe les siens.",
        "made_how": "Obtenu par",
        "status": "Statut",
        "stopped_early": "arrêté avant la fin",
        "plan": "Plan",
        "not_found": "Pas de telle journée, de tel plan ni de tel calcul (un lien périmé ?).",
        "shape": "Façonner la journée",
        "shape_help": "Chaque changement ici s’écrit dans l’instance ci-dessous ; Enregistrer la vérifie comme la ligne de commande et montre chaque erreur à côté de son champ.",
        "f_id": "id",
        "f_name": "nom",
        "f_groups": "groupes",
        "f_min": "taille min.",
        "f_max": "taille max.",
        "f_same": "mêmes groupes que",
        "f_merge": "fusion de",
        "f_visitors": "visiteur·euses",
        "f_org_cap": "max. par structure",
        "f_add_round": "Ajouter un tour",
        "f_rounds": "Tours",
        "f_attributes": "attributs (clé=valeur ; …)",
        "f_add_person": "Ajouter une personne",
        "f_people": "Personnes",
        "f_add_visitor": "Ajouter un·e visiteur·euse",
        "f_per_group": "par groupe",
        "f_rounds_list": "tours (séparés par des virgules ; vide : tous)",
        "f_roles": "rôles admis (vide : tous)",
        "f_add_duty": "Ajouter une fonction",
        "f_duties": "Fonctions",
        "f_rules": "Règles",
        "f_meetings": "rencontres max. d’une paire",
        "f_visitor_meetings": "rencontres des visiteur·euses",
        "f_balance": "équilibre (attributs, séparés par des virgules)",
        "f_ratios": "Proportions de rôles",
        "f_per": "pour",
        "f_add_ratio": "Ajouter une proportion",
        "f_apart": "séparé·es (une liste par ligne, ids séparés par des virgules)",
        "f_together": "ensemble (une liste par ligne)",
        "f_pins": "places imposées (participant, tour, groupe par ligne)",
        "f_objective": "Objectif",
        "f_objective_help": "Sans critère, l’objectif par défaut vaut (structures mélangées, rencontres répétées évitées, rôles équilibrés).",
        "f_term": "critère",
        "f_weight": "poids",
        "f_attribute": "attribut",
        "f_add_term": "Ajouter un critère",
        "json_error": "Le texte JSON ne se lit pas",
        # the heat map of each round
        "mixing_kept": "Mêmes groupes que {round} : voir la carte de ce tour-là.",
        # a round's groups listed one by one in the shape form
        "f_list_groups": "Les lister",
        "f_count_groups": "Nombre seul",
        "f_listed": "{count} listés",
        "f_groups_of": "Groupes du tour {round} (tailles vides : celles du tour)",
        "f_add_group": "Ajouter un groupe",
    },
}


def words(lang: Lang) -> dict[str, str]:
    """The page's words and the plan's (the library's labels), in one table."""
    return {**labels(lang), **_WORDS[lang]}


def choose_lang(cookie: str | None, accept_language: str | None) -> Lang:
    """The switch's choice (a cookie), else French when the browser prefers it to English."""
    if cookie in LANGS:
        return cookie  # type: ignore[return-value]
    best: tuple[float, Lang] = (0.0, "en")
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        lang = tag.strip().lower().split("-")[0]
        if lang in LANGS and quality > best[0]:
            best = (quality, lang)  # type: ignore[assignment]
    return best[1]


# -- the verifier's broken rules, worded from their facts ----------------------------------

RULE_NAMES: dict[str, dict[str, str]] = {
    "fr": {
        "structure": "structure du plan",
        "sizes": "tailles",
        "same_groups_as": "mêmes groupes",
        "merge_of": "fusion",
        "visitors": "visiteur·euses",
        "duties": "fonctions",
        "organisation_cap": "max. par structure",
        "role_ratio": "proportion de rôles",
        "balance": "équilibre",
        "apart": "séparé·es",
        "together": "ensemble",
        "fixed": "places imposées",
        "max_meetings": "rencontres max.",
        "metrics": "chiffres du plan",
    },
}
"""The verifier's rule names in each language but English (where they are the stable
names the command line prints, `[sizes]`)."""

BROKEN: dict[str, dict[str, str]] = {
    "fr": {
        "structure.not_object": "le plan n’est pas un objet JSON",
        "structure.no_rounds": "le plan n’a pas de liste `rounds`",
        "structure.rounds": "les tours du plan sont {value}, attendus dans cet ordre : {expected}",
        "structure.groups": "tour {round} : `groups` n’est pas une liste",
        "structure.group": "tour {round} : le groupe nº {position} n’est pas un objet avec un `id` texte",
        "structure.unknown_group": "tour {round} : groupe inconnu {group}",
        "structure.twice": "tour {round} : le groupe {group} apparaît deux fois",
        "structure.missing": "tour {round} : groupes manquants {groups}",
        "structure.unseated": "tour {round} : {people_count} participant·es présent·es sans place : {people}",
        "structure.members": "tour {round} groupe {group} : `members` n’est pas une liste",
        "structure.unknown_person": "tour {round} groupe {group} : participant·e inconnu·e {value}",
        "structure.absent": "tour {round} groupe {group} : {person} ne participe pas à ce tour",
        "structure.seated_twice": "tour {round} : {person} a une place dans deux groupes, {groups}",
        "structure.unknown_visitor": "tour {round} groupe {group} : visiteur·euse inconnu·e {value}",
        "structure.duties": "tour {round} groupe {group} : `duties` n’est pas un objet",
        "structure.unknown_duty": "tour {round} groupe {group} : fonction inconnue {value}",
        "structure.holders": "tour {round} groupe {group} : les titulaires de la fonction {duty} ne sont pas une liste d’ids",
        "sizes.balanced": "tour {round} groupe {group} : {members} membres, mais des tailles équilibrées sont de {low} ou {high} ({present} présent·es pour {groups} groupes)",
        "sizes.min": "tour {round} groupe {group} : {members} membres (min. {min})",
        "sizes.max": "tour {round} groupe {group} : {members} membres (max. {max})",
        "same_groups_as.moved": "tour {round} : {person} est dans {group} mais dans {kept_group} au tour {kept_round}",
        "merge_of.split": "tour {round} : le groupe {group} de {merged_round} est réparti entre {parts}",
        "visitors.placed": "tour {round} : {visitor} est dans {groups_count} groupes ({groups}) au lieu d’un seul",
        "visitors.unlisted": "tour {round} : {visitor} est dans {groups} mais le tour ne le ou la prévoit pas",
        "visitors.met_twice": "{visitor} (tours {rounds}) : rencontré·e plus d’une fois par {people}",
        "visitors.never_met": "{visitor} (tours {rounds}) : jamais rencontré·e par {people_count} participant·es présent·es à tous ses tours : {people}",
        "duties.unlisted": "tour {round} groupe {group} : la fonction {duty} est tenue ({people}) à un tour qu’elle ne prévoit pas",
        "duties.holders": "tour {round} groupe {group} : la fonction {duty} a {count} titulaires ({people}), {expected} attendu·es",
        "duties.outsiders": "tour {round} groupe {group} : la fonction {duty} est tenue par des non-membres : {people}",
        "duties.roles": "tour {round} groupe {group} : la fonction {duty} est tenue par {holders}, hors des rôles admis ({roles})",
        "duties.two_duties": "tour {round} : plus d’une fonction tenue par {people}",
        "organisation_cap.cap": "tour {round} groupe {group} : {count} membres de la structure {organisation} (max. {cap}) : {people}",
        "role_ratio.ratio": "tour {round} groupe {group} : {count} {role} pour {per_count} {per} (proportion admise : min. {min}, max. {max})",
        "balance.share": "tour {round} groupe {group} : {count} membres avec {attribute} = {attribute_value}, {expected} attendu·es ({in_round} sur {present} présent·es, groupe de {size})",
        "apart.apart": "tour {round} groupe {group} : {people} doivent être séparé·es",
        "together.split": "tour {round} : {people} doivent être ensemble mais sont répartis : {parts}",
        "fixed.pinned": "tour {round} : la place de {person} est imposée dans {group}, mais elle est dans {actual}",
        "fixed.unseated": "tour {round} : la place de {person} est imposée dans {group}, mais elle n’a pas de place",
        "max_meetings.pair": "{people} se rencontrent dans {met} regroupements (max. {max}) : {shared}",
        "max_meetings.more": "… et {count} autres paires se rencontrent dans plus de {max} regroupements",
        "metrics.not_number": "{field} vaut {value}, pas un nombre fini",
        "metrics.objective": "l’objectif annoncé est {claimed}, mais Σ poids × critère donne {value}",
        "metrics.bound": "la borne {bound} dépasse l’objectif recompté {value}",
        "metrics.not_object": "{field} n’est pas un objet",
        "metrics.missing": "le critère {metric} manque (recompté : {value})",
        "metrics.recount": "le critère {metric} vaut {claimed}, mais se recompte à {value}",
        "metrics.unknown": "le critère {metric} n’est pas un terme de l’objectif",
        "metrics.unknown_bound": "la borne du critère {metric} n’est pas un terme de l’objectif",
        "metrics.bound_not_number": "la borne du critère {metric} vaut {value}, pas un nombre fini",
        "metrics.bound_above": "la borne du critère {metric} vaut {bound}, au-dessus du critère recompté {value}",
    },
}
"""A sentence per (rule, case) of the verifier's messages, filled from the violation's
facts; English is the library's own message."""

_MORE = {"en": "… ({count} in all)", "fr": "… ({count} au total)"}
_NONE = {"en": "none", "fr": "aucun"}
_OR = {"en": "or", "fr": "ou"}
_ROLE = {"en": "role", "fr": "rôle"}
_SHOWN = 10
_ID_KEYS = {
    "round",
    "group",
    "person",
    "visitor",
    "duty",
    "organisation",
    "attribute",
    "kept_round",
    "kept_group",
    "merged_round",
    "actual",
    "role",
    "per",
    "metric",
    "field",
}


def rule_name(rule: str, lang: Lang) -> str:
    """The rule as the page names it: its stable name in English, translated otherwise."""
    return RULE_NAMES.get(lang, {}).get(rule, rule)


def broken_rule(rule: str, message: str, facts: dict[str, Any] | None, lang: Lang) -> str:
    """The violation in the page's language, from its facts; the library's (English)
    message where no sentence or no facts fit (a plan stored before facts existed)."""
    template = BROKEN.get(lang, {}).get(f"{rule}.{(facts or {}).get('case')}")
    if template is None:
        return message
    try:
        return template.format(**_fields(facts or {}, lang))
    except (KeyError, IndexError, TypeError, ValueError):
        return message


def _id(value: Any) -> str:
    text = str(value)
    return f"`{text if len(text) <= 80 else text[:79] + '…'}`"


def _listing(ids: list[Any], lang: Lang) -> str:
    if not ids:
        return _NONE[lang]
    text = ", ".join(str(x) for x in ids[:_SHOWN])
    return text if len(ids) <= _SHOWN else f"{text}, {_MORE[lang].format(count=len(ids))}"


def _fields(facts: dict[str, Any], lang: Lang) -> dict[str, str]:
    """Each fact as the sentence shows it: ids in backquotes, lists cut short, numbers as
    the language writes them."""
    shown: dict[str, str] = {}
    for key, value in facts.items():
        if key == "parts":
            shown[key] = "; ".join(f"{_id(g)} ({_listing(ids, lang)})" for g, ids in value)
        elif key == "shared":
            shown[key] = ", ".join(f"{rid} ({gid})" for rid, gid in value)
        elif key == "holders":
            shown[key] = _listing([f"{h} ({_ROLE[lang]} {role})" for h, role in value], lang)
        elif key in ("groups", "rounds", "expected", "roles") and isinstance(value, list):
            shown[key] = _listing([_id(v) for v in value], lang)
            shown[f"{key}_count"] = str(len(value))
        elif isinstance(value, list):
            shown[key] = _listing(value, lang)
            shown[f"{key}_count"] = str(len(value))
        elif key == "attribute_value":
            shown[key] = repr(value)
        elif key in _ID_KEYS and value is not None:
            shown[key] = _id(value)
        elif isinstance(value, bool) or value is None:
            shown[key] = str(value)
        elif isinstance(value, int | float):
            shown[key] = number(value, lang)
        else:
            shown[key] = str(value)
    if "low" in facts and "high" in facts:
        low, high = shown["low"], shown["high"]
        shown.setdefault("expected", low if low == high else f"{low} {_OR[lang]} {high}")
    return shown
