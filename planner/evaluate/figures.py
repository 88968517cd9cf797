"""Per-cluster facts and the reasons a clinic was left out."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.core.instance import Instance
from planner.core.profiles import DENMARK, Funding
from planner.core.reasons import Reason, code_of
from planner.core.rules import Rules
from planner.core.sizes import members_by_label, weighted_centres
from planner.evaluate.checks import cluster_figures

__all__ = [
    "annual_budget",
    "cluster_table",
    "coordinator",
    "territory_holders",
    "territory_union",
]

CLUSTER_COLUMNS = [
    "cluster_id",
    "patients",
    "doctors",
    "clinics",
    "municipalities",
    "regions",
    "meeting_clinic_id",
    "meeting_clinic",
    "coordinator_clinic_id",
    "coordinator_clinic",
    "mean_gp_km",
    "farthest_km",
    "diameter_km",
    "budget_dkk",  # the funding's columns (budget_<currency>, startup_<currency>), if any
    "startup_dkk",
    "status",
    "size_note",
    "crossings",
    "size_note_code",
    "crossings_code",
]

#: The coordinator's clinic is the biggest practice whose GPs' travel to meetings is
#: within this share of the least possible.
COORDINATOR_SLACK = 0.10


def annual_budget(patients: int, funding: Funding | None = DENMARK.funding) -> float:
    """Annual funding of a cluster (Denmark: 4.20 kr per patient, at least 125,000 kr).

    >>> annual_budget(30_000), annual_budget(10_000)
    (126000.0, 125000.0)
    """
    assert funding is not None
    return funding.annual(patients)


def _columns(funding: Funding | None, gp_counts: bool = True) -> list[str]:
    """The cluster table's columns: the funding's own, or none without funding; without
    GP counts no ``doctors`` and no per-GP start-up grant."""
    out = [c for c in CLUSTER_COLUMNS if c not in ("budget_dkk", "startup_dkk")]
    if funding is not None:
        at = out.index("status")
        out[at:at] = list(funding.columns if gp_counts else funding.columns[:1])
    return out if gp_counts else [c for c in out if c != "doctors"]


def _money(
    funding: Funding | None, patients: int, doctors: int, gp_counts: bool = True
) -> dict[str, float]:
    if funding is None:
        return {}
    budget, startup = funding.columns
    grant = {startup: funding.startup(doctors)} if gp_counts else {}
    return {budget: funding.annual(patients), **grant}


def _status(patients: int, doctors: int, rules: Rules) -> tuple[str, Reason | None]:
    """Status (``ok``, ``below minimum``, ``above maximum``) and a note on the size."""
    if not rules.big_enough(patients, doctors):
        return "below minimum", Reason("below_min", {"patients": rules.min_patients})
    if rules.too_big(patients):
        assert rules.max_patients is not None  # too_big needs a ceiling
        return "above maximum", Reason("above_max", {"patients": rules.max_patients})
    if rules.max_patients is not None and patients > rules.max_patients:
        return "ok", Reason("above_soft_max", {"patients": rules.max_patients})
    if patients < rules.min_patients:
        return "ok", Reason("meets_by_gps", {"gps": int(doctors)})
    return "ok", None


def coordinator(nodes: np.ndarray, xy: np.ndarray, doctors: np.ndarray) -> int:
    """The coordinator's clinic: most central by GPs' travel, preferring a bigger practice.

    Among the clinics whose GP-weighted travel to them is within 10 % of the least (the
    meeting clinic's), the one with the most GPs; ties go to the more central.

    >>> xy = np.array([[0.0, 0], [1_000, 0], [2_000, 0]])
    >>> int(coordinator(np.arange(3), xy, np.array([1, 1, 6])))
    2
    """
    pts = xy[nodes]
    gp = np.maximum(doctors[nodes].astype(float), 1e-9)
    dist = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    travel = dist @ gp
    ok = np.flatnonzero(travel <= travel.min() * (1 + COORDINATOR_SLACK) + 1e-6)
    best = min(ok.tolist(), key=lambda k: (-int(doctors[nodes[k]]), float(travel[k]), k))
    return int(nodes[best])


def _ids_for(order: list[int], names: dict[int, str]) -> dict[int, str]:
    """Locked clusters keep their names; the others are numbered C01, C02, ..."""
    width = max(2, len(str(len(order))))
    taken = set(names.values())
    ids, rank = {}, 0
    for c in order:
        if c in names:
            ids[c] = names[c]
            continue
        rank += 1
        while f"C{rank:0{width}d}" in taken:
            rank += 1
        ids[c] = f"C{rank:0{width}d}"
    return ids


def territory_holders(xy: np.ndarray, labels: np.ndarray, patients: np.ndarray) -> np.ndarray:
    """Which clinics' territories a cluster's area is drawn from, so clusters never overlap.

    Clinics at one site (a health centre) share one territory.  When they belong to
    different clusters, the territory goes to the cluster with the most patients at the
    site (ties: the first label); the others keep their clinics but not that area.  A
    cluster left with no area at all keeps the shared territory (an overlap, but no
    cluster disappears from the map).

    Parameters
    ----------
    xy
        Clinic coordinates; identical coordinates mean one site.
    labels
        Cluster per clinic; a negative label is no cluster.
    patients
        Patients per clinic.

    Returns
    -------
    numpy.ndarray of bool
        True for each clinic whose territory belongs to its cluster's area.
    """
    labels = np.asarray(labels)
    keep = labels >= 0
    _, site = np.unique(np.asarray(xy, dtype=float), axis=0, return_inverse=True)
    site = site.ravel()
    shared = np.flatnonzero(np.bincount(site) > 1)
    for s in shared:
        at = np.flatnonzero((site == s) & keep)
        held = np.unique(labels[at])
        if len(held) < 2:
            continue
        weight = [patients[at][labels[at] == c].sum() for c in held]
        owner = held[int(np.argmax(weight))]
        keep[at[labels[at] != owner]] = False
    for c in np.unique(labels[labels >= 0]):
        mine = labels == c
        if not keep[mine].any():
            keep[mine] = True
    return keep


def cluster_table(
    table: gpd.GeoDataFrame,
    territories: gpd.GeoSeries,
    instance: Instance,
    labels: np.ndarray,
    rules: Rules,
    *,
    names: dict[int, str] | None = None,
    crossings: dict[int, Reason] | None = None,
    funding: Funding | None = DENMARK.funding,
    gp_counts: bool = True,
) -> tuple[gpd.GeoDataFrame, dict[int, str]]:
    """One row per cluster with its territory, and the id given to each label.

    With ``funding``, each cluster's annual budget and start-up grant (columns
    ``budget_<currency>``, ``startup_<currency>``); without, no money columns.
    Without ``gp_counts`` (the clinics have no GP column) there is no ``doctors`` column
    and no start-up grant (it is per GP), and ``instance.doctors`` holds the weights of
    the GP-weighted figures (the patients: meeting clinic, coordinator, ``mean_gp_km``).

    Clusters are numbered north to south (then west to east) by their patient-weighted
    centre, so ids read naturally on a map and do not depend on the solver's numbering.
    Clusters named in ``names`` (locked or current clusters) keep their names.
    ``crossings`` gives, by label, why a cluster crosses a municipality boundary.
    """
    used = np.unique(labels[labels >= 0])
    w = instance.patients.astype(float) + 1.0
    centre = weighted_centres(labels, instance.xy, w)
    centres = {int(c): centre[c] for c in used}
    order = sorted(used.tolist(), key=lambda c: (-round(centres[c][1]), round(centres[c][0])))
    ids = _ids_for(order, names or {})
    clinic_names = table["name"].astype(str).to_numpy()
    clinic_ids = table["clinic_id"].astype(str).to_numpy()
    holds = territory_holders(instance.xy, labels, instance.patients)
    rows = []
    members = members_by_label(labels)
    pieces = territories.to_numpy()
    for c in order:
        nodes = members[c]
        fig = cluster_figures(nodes, instance.xy, instance.patients, instance.doctors)
        boss = coordinator(nodes, instance.xy, instance.doctors)
        status, note = _status(fig.patients, fig.doctors, rules)
        crossing = (crossings or {}).get(int(c))
        rows.append(
            {
                "cluster_id": ids[c],
                "patients": fig.patients,
                "doctors": fig.doctors,
                "clinics": fig.clinics,
                "municipalities": _areas(table, "municipality", nodes),
                "regions": _areas(table, "region", nodes),
                "meeting_clinic_id": clinic_ids[fig.meeting],
                "meeting_clinic": clinic_names[fig.meeting],
                "coordinator_clinic_id": clinic_ids[boss],
                "coordinator_clinic": clinic_names[boss],
                "mean_gp_km": round(fig.mean_gp_km, 2),
                "farthest_km": round(fig.max_km, 2),
                "diameter_km": round(fig.diameter_km, 2),
                **_money(funding, fig.patients, fig.doctors, gp_counts),
                "status": status,
                "size_note": note.text("en") if note else "",
                "crossings": crossing.text("en") if crossing else "",
                "size_note_code": code_of(note),
                "crossings_code": code_of(crossing),
                "geometry": territory_union(pieces[nodes[holds[nodes]]]),
            }
        )
    frame = pd.DataFrame(rows, columns=[*_columns(funding, gp_counts), "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=table.crs), ids


def territory_union(pieces: np.ndarray) -> shapely.Geometry:
    """One cluster's territory: the union of its clinics' pieces.

    Voronoi pieces meet edge to edge (a coverage), and their union is made by joining
    them along the shared edges (:func:`shapely.coverage_union_all`, many times faster
    than overlaying them).  Where pieces overlap (polygon units drawn by hand, say), GEOS
    refuses them or the areas do not add up, and the union is made by overlay on a 1 cm
    grid.
    """
    if len(pieces) == 1:
        return pieces[0]
    try:
        whole = shapely.coverage_union_all(pieces)
    except shapely.errors.GEOSException:  # pieces that overlap: GEOS says so
        whole = None
    total = float(shapely.area(pieces).sum())
    if whole is not None and whole.is_valid and abs(total - whole.area) <= 1e-9 * total + 1e-6:
        return whole
    return shapely.union_all(pieces, grid_size=0.01)


def _areas(table: gpd.GeoDataFrame, column: str, nodes: np.ndarray) -> str:
    if column not in table.columns:
        return ""
    return "; ".join(sorted(set(table[column].iloc[nodes].astype(str)) - {""}))
