"""The outcome of a planning run: one frozen object every output is drawn from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from planner.rules import Rules

__all__ = ["PlanResult"]


@dataclass(frozen=True)
class PlanResult:
    """A proposal: which clinic goes in which cluster, and everything said about it.

    Attributes
    ----------
    clinics
        The validated clinics (metric CRS) with ``cluster_id`` (``None`` when left out),
        ``status`` (``"clustered"`` or ``"left out"``) and ``reason``.
    clusters
        One row per cluster, its territory as geometry (metric CRS) and its figures:
        ``cluster_id, patients, doctors, clinics, municipalities, meeting_clinic_id,
        meeting_clinic, mean_gp_km, farthest_km, diameter_km, budget_dkk, startup_dkk,
        status``.
    unassigned
        Clinics in no cluster: ``clinic_id, name, patients, reason``.
    links
        Links across water used by the contiguity graph (metric CRS).
    territories
        Territory polygon of every clinic (metric CRS), indexed like ``clinics``.
    graph
        The contiguity graph on clinic positions (edges carry ``kind``: ``border``,
        ``site`` or ``link``).
    labels
        Cluster position per clinic (``-1`` when left out).
    metrics
        Plan-wide figures: totals, bounds, compactness, run time.
    rules
        The rules the plan was made under.
    seed
        The random seed; the same seed and input give the same plan.
    method
        The solver used.
    """

    clinics: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame
    unassigned: pd.DataFrame
    links: gpd.GeoDataFrame
    territories: gpd.GeoSeries
    graph: nx.Graph
    labels: np.ndarray
    metrics: dict[str, Any]
    rules: Rules
    seed: int
    method: str
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def n_clusters(self) -> int:
        """Number of clusters in the plan."""
        return len(self.clusters)

    @property
    def complete(self) -> bool:
        """Whether every clinic is in a cluster that meets the rules."""
        return self.unassigned.empty and bool((self.clusters["status"] == "ok").all())

    def assignments(self) -> pd.DataFrame:
        """``clinic_id, cluster_id`` per clinic (empty cluster id when left out)."""
        out = self.clinics[["clinic_id", "cluster_id"]].copy()
        out["cluster_id"] = out["cluster_id"].fillna("")
        return pd.DataFrame(out)
