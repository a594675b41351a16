"""The page's own words in English and French; the plan's words (round, group, quality,
the metrics) are the library's, as plan.html uses them."""

from __future__ import annotations

from allocator import LANGS, Lang, labels

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
