"""The outcome of a planning run: one frozen object every output is drawn from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from planner.core.profiles import DENMARK, Profile
from planner.core.request import PlanRequest
from planner.core.rules import Rules
from planner.result.schema import (
    CHANGE_COLUMNS,
    CONFLICT_COLUMNS,
    INFEASIBLE_COLUMNS,
    SKIPPED_COLUMNS,
)

__all__ = ["PlanResult"]


@dataclass(frozen=True)
class PlanResult:
    """A proposal: which clinic goes in which cluster, and everything said about it.

    Attributes
    ----------
    clinics
        The validated clinics (metric CRS) with ``cluster_id`` (``None`` when left out),
        ``status`` (``"clustered"`` or ``"left out"``) and ``reason`` (``"closing"`` for a
        clinic closing); ``current_cluster`` (str, ``""`` when none) when existing
        clusters were given.
    clusters
        One row per cluster, its territory as geometry (metric CRS) and its figures:
        ``cluster_id, patients, doctors, clinics, municipalities, regions,
        meeting_clinic_id, meeting_clinic, coordinator_clinic_id, coordinator_clinic,
        mean_gp_km, farthest_km, diameter_km, budget_dkk, startup_dkk, status,
        size_note, crossings`` (why the cluster crosses a municipality boundary, ``""``
        when it does not); when re-planning also ``patients_gained, patients_lost,
        patients_before``.
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
    request
        The request the plan was made for (written beside the outputs as
        ``config.toml``); ``None`` for a plan read back from its files.
    conflicts
        Choices that could not be honoured as asked: ``kind, clinics, detail``.
    changes
        Clinics whose cluster differs from their current one (``existing_cluster``):
        ``clinic_id, name, patients, doctors, from_cluster, to_cluster``.
    skipped
        Rows of the clinics file left out of the plan by ``skip_invalid``, one line per
        problem: ``row, clinic_id, column, reason``.
    profile
        The country profile: the words of map and report, the funding shown.
    infeasible
        Parts of the region without a valid cluster: ``part, clinics, patients, doctors,
        why, fixes`` (the smallest changes that would fix each).
    """

    clinics: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame
    unassigned: pd.DataFrame
    links: gpd.GeoDataFrame
    territories: gpd.GeoSeries
    graph: nx.Graph
    labels: np.ndarray
    metrics: Mapping[str, Any]
    rules: Rules
    seed: int
    method: str
    request: PlanRequest | None = None
    conflicts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CONFLICT_COLUMNS))
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANGE_COLUMNS))
    infeasible: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=INFEASIBLE_COLUMNS)
    )
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SKIPPED_COLUMNS))
    profile: Profile = DENMARK

    def __post_init__(self) -> None:
        # Built once, complete: the plan-wide figures cannot be patched afterwards.
        object.__setattr__(self, "metrics", MappingProxyType(dict(self.metrics)))

    @property
    def n_clusters(self) -> int:
        """Number of clusters in the plan."""
        return len(self.clusters)

    @property
    def complete(self) -> bool:
        """Whether every clinic not closing is in a cluster that meets the rules, and no row
        of the clinics file was skipped (``skip_invalid``).

        The command line exits 0 when this holds and 4 when it does not.
        """
        left = self.unassigned["reason"] != "closing"
        ok = not left.any() and bool((self.clusters["status"] == "ok").all())
        return ok and self.skipped.empty

    def assignments(self) -> pd.DataFrame:
        """``clinic_id, cluster_id`` per clinic (empty cluster id when left out)."""
        out = self.clinics[["clinic_id", "cluster_id"]].copy()
        out["cluster_id"] = out["cluster_id"].fillna("")
        return pd.DataFrame(out)
