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

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from planner.core.errors import PlannerError
from planner.core.profiles import replace_words

__all__ = [
    "LABELS",
    "LANGUAGES",
    "check_lang",
    "fmt_int",
    "fmt_num",
    "label",
    "labels",
    "status_label",
    "use_words",
    "worded",
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
    "layer_links_gap": ("Links across gaps", "Forbindelser over afstande"),
    "layer_problems": ("Problems", "Problemer"),
    "layer_moves": ("Clinics that move", "Praksisser der flytter"),
    # Legend and problems
    "legend_title": ("Cluster proposal", "Klyngeforslag"),
    "legend_size": ("Circle size: patients", "Cirkelstørrelse: patienter"),
    "legend_link": ("Link across water", "Forbindelse over vand"),
    "legend_link_gap": (
        "Link across a gap between clinics (no land map given)",
        "Forbindelse over en afstand mellem praksisser (intet landkort angivet)",
    ),
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
    "feedback_count_one": ("proposal", "forslag"),
    "members": ("Clinics in the cluster", "Praksisser i klyngen"),
    "feedback_alone": (
        "This clinic is in no cluster and borders none: a link (bridge, ferry) to a "
        "neighbour would let it join one. Write a comment.",
        "Praksissen er ikke i nogen klynge og grænser ikke op til nogen: en forbindelse (bro, "
        "færge) til en nabo ville lade den komme med i en. Skriv en kommentar.",
    ),
    "feedback_no_neighbour": (
        "No neighbouring cluster to move to: this clinic borders only its own cluster. "
        "Propose a move for a clinic on the border, or write a comment.",
        "Ingen nabo-klynge at flytte til: praksissen grænser kun op til sin egen klynge. "
        "Foreslå en flytning for en praksis ved grænsen, eller skriv en kommentar.",
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
    "report_links_gap": (
        "Links across gaps (land estimated from the clinics)",
        "Forbindelser over afstande (land skønnet ud fra praksisserne)",
    ),
    # Console (planner plan's summary)
    "console_title": ("Proposal", "Forslag"),
    "console_count": (
        "{n} of at most {bound} ({share} %; floor(total/min) = {ub})",
        "{n} af højst {bound} ({share} %; heltal(i alt/min) = {ub})",
    ),
    "console_exact": ("Exact method", "Eksakt metode"),
    "console_proven": ("count proven maximal", "antallet bevist størst muligt"),
    "console_not_proven": (
        "count not proven maximal in the time limit",
        "antallet ikke bevist størst muligt inden for tidsgrænsen",
    ),
    "console_travel_proven": (", travel proven minimal", ", rejsetiden bevist mindst mulig"),
    "console_proven_bound": ("; proven bound {n}", "; bevist grænse {n}"),
    "console_mean_gp": (
        "GP-weighted mean distance to meeting clinic",
        "Gns. afstand pr. læge til mødepraksis",
    ),
    "console_farthest": ("Farthest clinic from its meeting clinic", "Længst væk fra mødepraksis"),
    "console_boundaries": ("Boundaries", "Grænser"),
    "console_crossing": (
        "Clusters crossing a municipality",
        "Klynger der krydser en kommunegrænse",
    ),
    "console_closing": ("Clinics closing", "Praksisser der lukker"),
    "console_moved": ("Clinics moved", "Praksisser der flytter"),
    "console_skipped": ("Rows skipped (skipped.csv)", "Rækker sprunget over (skipped.csv)"),
    "console_runtime": ("Run time", "Køretid"),
    "console_outputs": ("Outputs", "Filer"),
    "console_region": (
        "{region}: {n} clusters, mean {mean} patients",
        "{region}: {n} klynger, gns. {mean} patienter",
    ),
    "console_crosses": ("{id} crosses {areas}: {why}", "{id} krydser {areas}: {why}"),
    "console_move": ("move {id}: {a} -> {b}", "flyt {id}: {a} -> {b}"),
    "console_conflicts": (
        "{n} choice(s) not honoured as asked:",
        "{n} ønske(r) der ikke kunne opfyldes:",
    ),
    "console_skipped_rows": (
        "{n} row(s) of the clinics file skipped (--skip-invalid):",
        "{n} række(r) i praksisfilen sprunget over (--skip-invalid):",
    ),
    "console_skipped_row": (
        "row {row} ({id}), column '{column}': {reason}",
        "række {row} ({id}), kolonne '{column}': {reason}",
    ),
    "console_left_out": (
        "{n} clinic(s) left out of every cluster:",
        "{n} praksis(ser) uden for alle klynger:",
    ),
    # Report charts and cluster pictures
    "chart_charts": ("Charts", "Diagrammer"),
    "chart_sizes_title": ("Patients per cluster", "Patienter pr. klynge"),
    "chart_sizes_x": ("Clusters, largest first ({n})", "Klynger, største først ({n})"),
    "chart_floor": ("Minimum {v}", "Mindst {v}"),
    "chart_ceiling": ("Maximum {v}", "Højst {v}"),
    "chart_below": ("Below the minimum", "Under minimum"),
    "chart_above": ("Above the maximum", "Over maksimum"),
    "chart_bound_title": (
        "Clusters in the plan against the most possible",
        "Klynger i planen mod det størst mulige antal",
    ),
    "chart_bound_plan": (
        "This plan: {n} ({share} of the most possible)",
        "Denne plan: {n} ({share} af det mulige)",
    ),
    "chart_bound_line": ("Most possible: {n}", "Størst muligt: {n}"),
    "chart_distance_title": ("Distance to the meeting clinic", "Afstand til mødepraksis"),
    "chart_distance_x": ("Clusters, farthest first ({n})", "Klynger, længst væk først ({n})"),
    "chart_pictures": ("Each cluster's area", "Hver klynges område"),
    "chart_pictures_hint": (
        "Dots: the cluster's clinics; ring: the meeting clinic; grey: neighbouring clusters.",
        "Prikker: klyngens praksisser; ring: mødepraksis; gråt: naboklynger.",
    ),
    "chart_picture_caption": ("{p} patients · {c} clinics", "{p} patienter · {c} praksisser"),
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
    """Return ``lang`` if supported, else raise :class:`~planner.core.errors.PlannerError`."""
    if lang not in LANGUAGES:
        raise PlannerError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return lang


#: The words of the profile in use (language -> word -> replacement); none by default.
_WORDS: ContextVar[Mapping[str, Mapping[str, str]] | None] = ContextVar(
    "planner_words", default=None
)


@contextmanager
def use_words(words: Mapping[str, Mapping[str, str]]) -> Iterator[None]:
    """Labels and reasons written inside use a profile's words (``Cluster`` -> ``PCN``).

    >>> with use_words({"en": {"Clusters": "PCNs"}}):
    ...     label("clusters")
    'PCNs'
    >>> label("clusters")
    'Clusters'
    """
    token = _WORDS.set(words)
    try:
        yield
    finally:
        _WORDS.reset(token)


def worded(text: str, lang: str = "en") -> str:
    """A text of the planner's own (never a name from the data) in the words in use."""
    words = (_WORDS.get() or {}).get(lang)
    return replace_words(text, words) if words else text


def label(key: str, lang: str = "en", **fields: Any) -> str:
    """The label ``key`` in ``lang``, in the profile's words, with ``{name}`` fields filled
    in (the fields are data and keep their own words)."""
    text = worded(LABELS[key][LANGUAGES.index(check_lang(lang))], lang)
    return text.format(**fields) if fields else text


def link_key(key: str, land: str | None) -> str:
    """``key`` for links, or its variant for gaps when the land was estimated.

    Without a land map the land is estimated from the clinics, so a link may cross
    open country rather than water.
    """
    return f"{key}_gap" if land == "estimated" else key


def labels(lang: str = "en") -> dict[str, str]:
    """Every label in ``lang`` (for the map's script)."""
    index = LANGUAGES.index(check_lang(lang))
    return {key: worded(pair[index], lang) for key, pair in LABELS.items()}


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


#: Reason key -> (English, Danish) template.  ``{field}`` is filled from the reason's fields:
#: numbers in the language's format, nested reasons formatted in turn, lists of names as
#: "A, B and C".  The English texts are the ones the planner has always written.
REASONS: dict[str, tuple[str, str]] = {
    # Why a cluster crosses a municipality boundary
    "too_small_joins": (
        "{small} ({patients} patients) is too small for a cluster of its own (a cluster needs "
        "{needs}), so it joins {joins}, the fewest neighbours that make one",
        "{small} ({patients} patienter) er for lille til sin egen klynge (en klynge skal have "
        "{needs}) og går derfor sammen med {joins}, de færreste naboer der giver en klynge",
    ),
    "needs_patients": ("{patients} patients", "mindst {patients} patienter"),
    "needs_patients_or_gps": (
        "{patients} patients or {gps} GPs",
        "mindst {patients} patienter eller {gps} læger",
    ),
    "together": (
        "{what} spans {areas} and must stay together",
        "{what} ligger i {areas} og skal holdes samlet",
    ),
    "what_group": ("group {name}", "gruppen {name}"),
    "what_existing": ("existing cluster {name}", "den nuværende klynge {name}"),
    "spans_regions": (
        "{what} spans regions {regions}: a cluster never crosses a region, so its clinics are "
        "planned apart in each region",
        "{what} ligger i regionerne {regions}: en klynge krydser aldrig en regionsgrænse, så "
        "praksisserne planlægges hver for sig i hver region",
    ),
    "boundaries_off": (
        "municipality boundaries are not applied (boundaries = '{mode}')",
        "kommunegrænserne anvendes ikke (boundaries = '{mode}')",
    ),
    "one_unit": (
        "its municipalities form one planning unit",
        "kommunerne udgør én planlægningsenhed",
    ),
    "crossing_part": (
        "{merge} (they are planned as one unit; this cluster holds {here})",
        "{merge} (de planlægges som én enhed; denne klynge omfatter {here})",
    ),
    "several": ("{items}", "{items}"),
    "kept_current": (
        "kept from the current plan (re-planning changes only what must change)",
        "bevaret fra den nuværende plan (en genplanlægning ændrer kun det, der skal ændres)",
    ),
    "kept_proposal": (
        "a reviewer proposed it: {clinics} moved here on request",
        "foreslået af en praksis: {clinics} er flyttet hertil efter ønske",
    ),
    # Why a clinic is left out
    "closing": ("closing", "lukker"),
    "left_out_fix": ("{why}; to fix: {fixes}", "{why}; mulige løsninger: {fixes}"),
    "part_below": (
        "{name} holds {patients} patients, below {needs}",
        "{name} har {patients} patienter, færre end {needs}",
    ),
    "part_linked_below": (
        "{name} and its linked neighbours hold {patients} patients, below {needs}",
        "{name} og de forbundne naboer har tilsammen {patients} patienter, færre end {needs}",
    ),
    "whole_region_below": (
        "the whole region holds {patients} patients, below {needs}",
        "hele regionen har kun {patients} patienter, færre end {needs}",
    ),
    "needs_cluster": (
        "the {patients} patients a cluster needs",
        "de {patients}, en klynge skal have",
    ),
    "needs_cluster_or_gps": (
        "the {patients} patients a cluster needs (or {gps} GPs)",
        "de {patients} patienter (eller {gps} læger), en klynge skal have",
    ),
    "fix_link": (
        "add a link (bridge or ferry) from clinic {id_a} ({name_a}) to clinic {id_b} "
        "({name_b}), {km} km",
        "tilføj en forbindelse (bro eller færge) fra praksis {id_a} ({name_a}) til praksis "
        "{id_b} ({name_b}), {km} km",
    ),
    "fix_cross_region": (
        "allow crossing into region {area}",
        "tillad at krydse grænsen til region {area}",
    ),
    "fix_cross_municipality": (
        "allow crossing into municipality {area}",
        "tillad at krydse kommunegrænsen til {area}",
    ),
    "fix_lower": ("lower min_patients to {patients}", "sænk min_patients til {patients}"),
    "enclosed": (
        "enclosed by locked existing cluster(s) {names}, kept as is; too few patients around "
        "it for a cluster of its own (lock = 'top_up' would let it join)",
        "omgivet af låste nuværende klynger ({names}), der bevares som de er; for få patienter "
        "omkring den til en klynge for sig (lock = 'top_up' ville lade den komme med)",
    ),
    # Notes on a cluster's size
    "below_min": (
        "below the minimum of {patients} patients",
        "under minimum på {patients} patienter",
    ),
    "above_max": (
        "above the maximum of {patients} patients",
        "over maksimum på {patients} patienter",
    ),
    "above_soft_max": (
        "above the soft maximum of {patients} patients",
        "over det bløde maksimum på {patients} patienter",
    ),
    "meets_by_gps": ("meets the rule by its {gps} GPs", "opfylder reglen med sine {gps} læger"),
    # Choices not honoured as asked
    "locked_small": (
        "existing cluster {name} holds {patients} patients, below the size rule; {how}",
        "den nuværende klynge {name} har {patients} patienter, under størrelseskravet; {how}",
    ),
    "how_keep": (
        "kept as is (lock = 'top_up' lets it take in neighbours)",
        "den bevares som den er (lock = 'top_up' lader den optage naboer)",
    ),
    "how_no_free": (
        "no free neighbour is left to top it up",
        "der er ingen ledig nabo tilbage at fylde den op med",
    ),
    "locked_big": (
        "existing cluster {name} is above the maximum",
        "den nuværende klynge {name} er over maksimum",
    ),
    "group_closing": (
        "group {name}: these clinics are closing",
        "gruppen {name}: disse praksisser lukker",
    ),
    "group_locked": (
        "group {name}: some clinics are in a locked existing cluster and others are not; the "
        "locked ones stay in their cluster",
        "gruppen {name}: nogle praksisser er i en låst nuværende klynge og andre ikke; de låste "
        "bliver i deres klynge",
    ),
    "group_apart": (
        "group {name}: these clinics cannot reach the others within the boundaries; they are "
        "planned apart",
        "gruppen {name}: disse praksisser kan ikke nå de andre inden for grænserne; de "
        "planlægges hver for sig",
    ),
    "apart_pinned": (
        "must not share a cluster but do: both are in one group or locked cluster",
        "må ikke være i samme klynge, men er det: begge er i samme gruppe eller låste klynge",
    ),
    "apart_stuck": (
        "must not share a cluster but do: moving either would break its cluster or no "
        "neighbouring cluster can take it",
        "må ikke være i samme klynge, men er det: at flytte en af dem ville splitte dens klynge, "
        "eller ingen nabo-klynge kan tage den",
    ),
    "proposal_stuck": (
        "cluster {name} stays below the size rule: its proposed clinics may not move and its "
        "neighbours cannot spare enough",
        "klynge {name} forbliver under størrelseskravet: de foreslåede praksisser må ikke "
        "flyttes, og naboerne kan ikke afgive nok",
    ),
    "replan_stuck": (
        "cluster {name} is below the size rule and neither its neighbours can spare clinics "
        "nor can they take its clinics",
        "klynge {name} er under størrelseskravet, og naboerne kan hverken afgive praksisser "
        "eller overtage dens praksisser",
    ),
    "proposal_unknown": (
        "proposed for cluster {target}, but {where}; not honoured",
        "foreslået til klynge {target}, men {where}; ikke opfyldt",
    ),
    "where_no_plan": (
        "no current plan was given (add the plan the proposal was made on, e.g. "
        "--current PLAN/assignments.csv)",
        "der er ikke angivet en nuværende plan (angiv den plan, forslaget blev lavet ud fra, "
        "f.eks. --current PLAN/assignments.csv)",
    ),
    "where_not_bordering": (
        "it does not border that cluster's clinics within the boundaries",
        "den grænser ikke op til klyngens praksisser inden for grænserne",
    ),
    "locked_split": (
        "existing cluster {name} is not contiguous within the boundaries; its largest connected "
        "piece is kept and these {n} clinic(s) are planned anew",
        "den nuværende klynge {name} hænger ikke sammen inden for grænserne; dens største "
        "sammenhængende del bevares, og disse {n} praksis(ser) planlægges på ny",
    ),
    "where_not_kept": (
        "the plan cannot keep it there without breaking a cluster",
        "planen kan ikke beholde den der uden at bryde en klynge",
    ),
    "where_empty": (
        "no other clinic of the current plan is in it",
        "ingen anden praksis fra den nuværende plan er i den",
    ),
}

#: How a list inside a reason is joined: field -> (English, Danish); names use "and".
REASON_JOINS: dict[str, tuple[str, str]] = {
    "fixes": ("; or ", "; eller "),
    "items": ("; ", "; "),
}

#: Words inside names the planner makes up itself (a municipality cut by water).
REASON_WORDS: dict[str, tuple[str, str]] = {
    " (part)": (" (part)", " (del)"),
    " and ": (" and ", " og "),
}
