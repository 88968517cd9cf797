"""Every visible word of the map and the reports, in Danish and English.

One table holds all labels, so a new language is one new column and a missing label is a
test failure rather than a half-translated page.

>>> label("patients", "da")
'Patienter'
>>> fmt_int(30000, "da"), fmt_int(30000, "en")
('30.000', '30,000')
>>> fmt_num(4.25, "da", 1)
'4,2'
"""

from __future__ import annotations

from typing import Any

from planner.errors import PlannerError

__all__ = [
    "LABELS",
    "LANGUAGES",
    "check_lang",
    "fmt_int",
    "fmt_num",
    "label",
    "labels",
    "status_label",
]

#: Supported label languages.
LANGUAGES: tuple[str, ...] = ("en", "da")

#: key -> (English, Danish).
LABELS: dict[str, tuple[str, str]] = {
    # Figures
    "cluster": ("Cluster", "Klynge"),
    "clusters": ("Clusters", "Klynger"),
    "clinic": ("Clinic", "Praksis"),
    "clinics": ("Clinics", "Praksisser"),
    "clinic_id": ("Clinic id", "Ydernummer"),
    "name": ("Name", "Navn"),
    "patients": ("Patients", "Patienter"),
    "gps": ("GPs", "Læger"),
    "municipalities": ("Municipalities", "Kommuner"),
    "municipality": ("Municipality", "Kommune"),
    "region": ("Region", "Region"),
    "budget": ("Annual budget", "Årligt budget"),
    "startup": ("Start-up grant", "Opstartstilskud"),
    "meeting_clinic": ("Meeting clinic", "Mødepraksis"),
    "coordinator": ("Suggested coordinator", "Foreslået koordinator"),
    "note": ("Note", "Bemærkning"),
    "farthest": ("Farthest clinic", "Længst væk"),
    "mean_gp_km": ("Mean distance per GP", "Gns. afstand pr. læge"),
    "status": ("Status", "Status"),
    "reason": ("Reason", "Årsag"),
    "crossings": ("Boundary crossings", "Grænseoverskridelser"),
    "current_cluster": ("Current cluster", "Nuværende klynge"),
    "proposed_cluster": ("Proposed cluster", "Foreslået klynge"),
    "none": ("none", "ingen"),
    "kr": ("kr", "kr."),
    "km": ("km", "km"),
    # Statuses
    "status_ok": ("ok", "ok"),
    "status_below minimum": ("below minimum", "under minimum"),
    "status_above maximum": ("above maximum", "over maksimum"),
    "status_clustered": ("clustered", "i klynge"),
    "status_left out": ("left out", "udeladt"),
    # Layers
    "layer_background": ("Background map (online)", "Baggrundskort (online)"),
    "layer_territories": ("Proposed clusters", "Foreslåede klynger"),
    "layer_current": ("Current clusters", "Nuværende klynger"),
    "layer_clinics": ("Clinics", "Praksisser"),
    "layer_links": ("Links across water", "Forbindelser over vand"),
    "layer_problems": ("Problems", "Problemer"),
    "layer_moves": ("Clinics that move", "Praksisser der flytter"),
    # Legend and problems
    "legend_title": ("Cluster proposal", "Klyngeforslag"),
    "legend_size": ("Circle size: patients", "Cirkelstørrelse: patienter"),
    "legend_link": ("Link across water", "Forbindelse over vand"),
    "legend_problem": ("Cluster breaking a rule", "Klynge der bryder en regel"),
    "legend_left_out": ("Clinic left out", "Udeladt praksis"),
    "legend_moves": ("Clinic that moves", "Praksis der flytter"),
    "legend_crossing": ("Crosses a boundary", "Krydser en grænse"),
    "problems_none": ("No problems found", "Ingen problemer fundet"),
    "problems_clusters": ("Clusters breaking a rule: {n}", "Klynger der bryder en regel: {n}"),
    "problems_left_out": ("Clinics left out: {n}", "Udeladte praksisser: {n}"),
    "problems_crossings": (
        "Clusters crossing a boundary: {n}",
        "Klynger der krydser en grænse: {n}",
    ),
    "moves_count": ("Clinics that move: {n}", "Praksisser der flytter: {n}"),
    "moves_from_to": ("Moves from {a} to {b}", "Flytter fra {a} til {b}"),
    "link_tip": ("{kind} link {a} – {b}: {km} km", "{kind}forbindelse {a} – {b}: {km} km"),
    # Controls
    "search_placeholder": ("Find clinic (name or id)", "Find praksis (navn eller nr.)"),
    "search_none": ("No clinic found", "Ingen praksis fundet"),
    "fullscreen": ("Full screen", "Fuld skærm"),
    "exit_fullscreen": ("Exit full screen", "Afslut fuld skærm"),
    "feedback_title": ("Propose a change", "Foreslå en ændring"),
    "feedback_pick": (
        "Click a clinic or find it above.",
        "Klik på en praksis eller find den ovenfor.",
    ),
    "feedback_move_to": ("Move to cluster", "Flyt til klynge"),
    "feedback_comment": ("Comment", "Kommentar"),
    "feedback_add": ("Add proposal", "Tilføj forslag"),
    "feedback_remove": ("Remove", "Fjern"),
    "feedback_download": ("Download proposals (CSV)", "Hent forslag (CSV)"),
    "feedback_count": ("proposals", "forslag"),
    "feedback_no_neighbour": (
        "No neighbouring cluster to move to.",
        "Ingen nabo-klynge at flytte til.",
    ),
    "feedback_propose": ("Propose another cluster", "Foreslå en anden klynge"),
    # Report
    "report_title": ("Cluster proposal: report", "Klyngeforslag: rapport"),
    "report_totals": ("Plan totals", "Planens totaler"),
    "report_clusters": ("Clusters", "Klynger"),
    "report_left_out": ("Clinics left out", "Udeladte praksisser"),
    "report_left_out_none": ("Every clinic is in a cluster.", "Alle praksisser er i en klynge."),
    "report_rules": ("Rules", "Regler"),
    "report_min": ("Minimum patients per cluster", "Mindste antal patienter pr. klynge"),
    "report_max": ("Maximum patients per cluster", "Største antal patienter pr. klynge"),
    "report_bound": ("Most clusters possible", "Største mulige antal klynger"),
    "report_sort_hint": ("Click a column heading to sort.", "Klik på en kolonne for at sortere."),
    "report_seed": ("Seed", "Frø (seed)"),
    "report_method": ("Method", "Metode"),
    "report_total": ("Total", "I alt"),
    "report_map": ("Open the map", "Åbn kortet"),
    "report_conflicts": ("Choices not honoured as asked", "Ønsker der ikke kunne opfyldes"),
    "choice": ("Choice", "Ønske"),
    "detail": ("Detail", "Forklaring"),
    "regions": ("Regions", "Regioner"),
    "report_links": ("Links across water", "Forbindelser over vand"),
    # Diff
    "diff_title": ("Comparison of two plans", "Sammenligning af to planer"),
    "diff_moves": ("Clinics that move", "Praksisser der flytter"),
    "diff_clusters": ("Patients per cluster", "Patienter pr. klynge"),
    "diff_plan_a": ("Plan A", "Plan A"),
    "diff_plan_b": ("Plan B", "Plan B"),
    "diff_gained": ("Gained", "Fået"),
    "diff_lost": ("Lost", "Mistet"),
    "diff_net": ("Net", "Netto"),
    "diff_none": ("No clinic moves.", "Ingen praksis flytter."),
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise :class:`~planner.errors.PlannerError`."""
    if lang not in LANGUAGES:
        raise PlannerError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return lang


def label(key: str, lang: str = "en", **fields: Any) -> str:
    """The label ``key`` in ``lang``, with ``{name}`` fields filled in."""
    text = LABELS[key][LANGUAGES.index(check_lang(lang))]
    return text.format(**fields) if fields else text


def labels(lang: str = "en") -> dict[str, str]:
    """Every label in ``lang`` (for the map's script)."""
    index = LANGUAGES.index(check_lang(lang))
    return {key: pair[index] for key, pair in LABELS.items()}


def status_label(status: str, lang: str = "en") -> str:
    """A cluster's or clinic's status in ``lang`` (unknown statuses shown as they are)."""
    key = f"status_{status}"
    return label(key, lang) if key in LABELS else str(status)


def fmt_int(value: Any, lang: str = "en") -> str:
    """A whole number with the language's thousands separator."""
    text = f"{round(float(value)):,}"
    return text.replace(",", ".") if lang == "da" else text


def fmt_num(value: Any, lang: str = "en", digits: int = 1) -> str:
    """A decimal number with the language's separators."""
    text = f"{float(value):,.{digits}f}"
    if lang == "da":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text
