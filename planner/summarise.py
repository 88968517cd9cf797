"""Per-cluster facts and the reasons a clinic was left out."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.evaluate import cluster_figures
from planner.geography import Geography
from planner.rules import (
    BUDGET_MIN_PER_CLUSTER_DKK,
    BUDGET_PER_GP_STARTUP_DKK,
    BUDGET_PER_PATIENT_DKK,
    Rules,
)
from planner.solve import Instance

__all__ = ["annual_budget", "cluster_table", "left_out_reasons"]

CLUSTER_COLUMNS = [
    "cluster_id",
    "patients",
    "doctors",
    "clinics",
    "municipalities",
    "meeting_clinic_id",
    "meeting_clinic",
    "mean_gp_km",
    "farthest_km",
    "diameter_km",
    "budget_dkk",
    "startup_dkk",
    "status",
]


def annual_budget(patients: int) -> float:
    """Annual funding of a cluster: 4.20 kr per patient, at least 125,000 kr.

    >>> annual_budget(30_000), annual_budget(10_000)
    (126000.0, 125000.0)
    """
    return round(max(BUDGET_PER_PATIENT_DKK * patients, BUDGET_MIN_PER_CLUSTER_DKK), 2)


def _status(patients: int, rules: Rules) -> str:
    if patients < rules.min_patients:
        return "below minimum"
    if rules.max_patients is not None and patients > rules.max_patients:
        return "above maximum"
    return "ok"


def cluster_table(
    table: gpd.GeoDataFrame,
    territories: gpd.GeoSeries,
    instance: Instance,
    labels: np.ndarray,
    rules: Rules,
) -> tuple[gpd.GeoDataFrame, dict[int, str]]:
    """One row per cluster with its territory, and the id given to each label.

    Clusters are numbered north to south (then west to east) by their patient-weighted
    centre, so ids read naturally on a map and do not depend on the solver's numbering.
    """
    used = np.unique(labels[labels >= 0])
    w = instance.patients.astype(float) + 1.0
    centres = {
        int(c): np.average(instance.xy[labels == c], axis=0, weights=w[labels == c]) for c in used
    }
    order = sorted(used.tolist(), key=lambda c: (-round(centres[c][1]), round(centres[c][0])))
    width = max(2, len(str(len(order))))
    ids = {c: f"C{rank + 1:0{width}d}" for rank, c in enumerate(order)}
    names = table["name"].astype(str).to_numpy()
    clinic_ids = table["clinic_id"].astype(str).to_numpy()
    has_muni = "municipality" in table.columns
    rows = []
    for c in order:
        nodes = np.flatnonzero(labels == c)
        fig = cluster_figures(nodes, instance.xy, instance.patients, instance.doctors)
        munis = sorted(set(table["municipality"].iloc[nodes].astype(str))) if has_muni else []
        rows.append(
            {
                "cluster_id": ids[c],
                "patients": fig.patients,
                "doctors": fig.doctors,
                "clinics": fig.clinics,
                "municipalities": "; ".join(munis),
                "meeting_clinic_id": clinic_ids[fig.meeting],
                "meeting_clinic": names[fig.meeting],
                "mean_gp_km": round(fig.mean_gp_km, 2),
                "farthest_km": round(fig.max_km, 2),
                "diameter_km": round(fig.diameter_km, 2),
                "budget_dkk": annual_budget(fig.patients),
                "startup_dkk": round(BUDGET_PER_GP_STARTUP_DKK * fig.doctors, 2),
                "status": _status(fig.patients, rules),
                "geometry": shapely.union_all(territories.iloc[nodes].to_numpy(), grid_size=0.01),
            }
        )
    frame = pd.DataFrame(rows, columns=[*CLUSTER_COLUMNS, "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=table.crs), ids


def left_out_reasons(
    table: gpd.GeoDataFrame, geo: Geography, labels: np.ndarray, rules: Rules
) -> dict[int, str]:
    """Why each left-out clinic (label ``-1``) is in no cluster, by position."""
    comp = geo.adjacency.components()
    patients = table["patients"].to_numpy()
    ids = table["clinic_id"].astype(str).to_numpy()
    total = int(patients.sum())
    reasons: dict[int, str] = {}
    for c in np.unique(comp[labels < 0]):
        members = np.flatnonzero(comp == c)
        part_total = int(patients[members].sum())
        if len(members) == len(table):
            text = (
                f"the whole region holds {total:,} patients, below the {rules.min_patients:,} "
                "a cluster needs"
            )
        else:
            shown = ", ".join(ids[members[:5]]) + (" ..." if len(members) > 5 else "")
            text = (
                f"its land mass and linked neighbours ({len(members)} clinic(s): {shown}) hold "
                f"{part_total:,} patients, below the {rules.min_patients:,} a cluster needs, and "
                f"no clinic across the water lies within {rules.link_max_km:g} km; "
                "add a link (bridge or ferry) to join it to a neighbouring cluster"
            )
        for i in members:
            if labels[i] < 0:
                reasons[int(i)] = text
    return reasons
