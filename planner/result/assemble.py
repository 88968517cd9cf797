"""From labels to a :class:`~planner.result.PlanResult`: tables, reasons, changes, metrics."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from planner.choices.outcome import Solved
from planner.core.adjacency import Adjacency
from planner.core.choices import Choices
from planner.core.instance import Instance
from planner.core.reasons import Reason, code_of
from planner.core.request import PlanRequest
from planner.core.rules import Rules
from planner.evaluate.checks import compactness, part_upper_bound, tight_upper_bound, upper_bound
from planner.evaluate.explain import explain_left_out
from planner.evaluate.figures import cluster_table
from planner.geography.boundaries import Units, crossing_reason_values
from planner.geography.territories import Geography
from planner.load.units import SHAPE, gp_weights, has_gp_counts
from planner.result.plan_result import PlanResult
from planner.result.schema import (
    CHANGE_COLUMNS,
    CONFLICT_COLUMNS,
    INFEASIBLE_COLUMNS,
    SKIPPED_COLUMNS,
    UNASSIGNED_COLUMNS,
)
from planner.solve.contract import Proof

__all__ = ["Run", "assemble"]


@dataclass(frozen=True)
class Run:
    """Everything one planning run produced, before it becomes a result."""

    table: gpd.GeoDataFrame  # every clinic, metric CRS
    active: np.ndarray  # positions in ``table`` of the clinics planned (not closing)
    geo: Geography  # on the active clinics
    units: Units
    solved: Solved
    choices: Choices
    request: PlanRequest
    land_given: bool = False  # land came with the request (else it was estimated)
    proofs: tuple[Proof, ...] = ()  # what an exact method proved, per solve
    timings: Mapping[str, float] = field(default_factory=dict)  # perf_counter marks
    #: Rows of the clinics file left out by ``skip_invalid`` (``SKIPPED_COLUMNS``).
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SKIPPED_COLUMNS))

    @property
    def rules(self) -> Rules:
        """The rules of the run."""
        return self.request.rules

    @property
    def mode(self) -> str:
        """``"plan"`` or ``"replan"``."""
        return self.request.mode


def _full_graph(run: Run) -> tuple[nx.Graph, gpd.GeoSeries]:
    n = len(run.table)
    if len(run.active) == n and bool((run.active == np.arange(n)).all()):
        graph = run.geo.graph  # every clinic is planned: the same numbering (read only)
    else:
        graph = nx.relabel_nodes(run.geo.graph, dict(enumerate(run.active.tolist())), copy=True)
        graph.add_nodes_from(range(n))
        graph = nx.Graph(graph.subgraph(range(n)))
    pieces = np.array([shapely.Polygon()] * n, dtype=object)
    pieces[run.active] = run.geo.territories.to_numpy()
    territories = gpd.GeoSeries(pieces, index=run.table.index, crs=run.table.crs)
    return graph, territories


def _area(table: pd.DataFrame, column: str) -> np.ndarray | None:
    return table[column].astype(str).to_numpy() if column in table.columns else None


def _reasons(
    run: Run, labels: np.ndarray, instance: Instance
) -> tuple[list[Reason | None], pd.DataFrame]:
    """A reason per clinic left out, and the infeasible parts explained."""
    table = run.table
    reasons: list[Reason | None] = [None] * len(table)
    for i in np.flatnonzero(~np.isin(np.arange(len(table)), run.active)):
        reasons[int(i)] = Reason("closing")
    for k, why in run.solved.reasons.items():
        reasons[int(run.active[k])] = why
    sub = table.iloc[run.active]
    parts = explain_left_out(
        run.solved.labels,
        run.units.adjacency,
        run.geo.adjacency,
        instance.patients[run.active],
        instance.doctors[run.active],
        instance.xy[run.active],
        sub["clinic_id"].astype(str).tolist(),
        sub["name"].astype(str).tolist(),
        run.rules,
        municipality=_area(sub, "municipality"),
        region=_area(sub, "region") if run.units.mode != "none" else None,
    )
    rows = []
    for part in parts:
        for k in part.clinics:
            if not reasons[int(run.active[k])]:
                reasons[int(run.active[k])] = part.reason
        ids = sub["clinic_id"].astype(str).to_numpy()[list(part.clinics)]
        rows.append(
            {
                "part": part.name,
                "clinics": "; ".join(ids.tolist()),
                "patients": part.patients,
                "doctors": part.doctors,
                "why": part.why,
                "fixes": "; or ".join(part.fixes),
                "why_code": part.why_reason.code(),
                "fixes_code": _codes(part.fix_reasons),
            }
        )
    return reasons, pd.DataFrame(rows, columns=INFEASIBLE_COLUMNS)


def _codes(reasons: tuple[Reason, ...]) -> str:
    """Codes of a list of reasons: one JSON list."""
    return "[" + ", ".join(r.code() for r in reasons) + "]"


def _changes(run: Run, clinics: pd.DataFrame) -> pd.DataFrame:
    """Clinics that leave their current cluster or join one (only when clusters are given)."""
    if not run.choices.existing:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    frame = pd.DataFrame(clinics[[c for c in CHANGE_COLUMNS[:4] if c in clinics.columns]])
    frame["from_cluster"] = clinics["current_cluster"].to_numpy()
    frame["to_cluster"] = clinics["cluster_id"].fillna("").astype(str).to_numpy()
    current = set(run.choices.existing.values())
    differs = frame["from_cluster"] != frame["to_cluster"]
    # A clinic without a current cluster counts only when it joins a current cluster.
    counted = (frame["from_cluster"] != "") | frame["to_cluster"].isin(current)
    moved = frame[differs & counted]
    return moved.reset_index(drop=True)[[c for c in CHANGE_COLUMNS if c in moved.columns]]


def _crossings(run: Run) -> dict[int, Reason]:
    sub = run.table.iloc[run.active]
    labels = run.solved.labels
    found = crossing_reason_values(labels, _area(sub, "municipality"), run.units)
    if run.mode != "replan" or run.units.mode != "municipality":
        return found
    # Re-planning makes no crossing between planning units: one it has comes from the current
    # plan, or from a reviewer's proposal that moved a clinic across.
    unit = run.units.unit
    ids = sub["clinic_id"].astype(str).to_numpy()
    proposed = np.isin(ids, list(run.choices.proposed))
    out = {}
    for c, why in found.items():
        mine = labels == c
        if len(set(unit[mine].tolist())) == 1:
            out[c] = why
        elif proposed[mine].any():
            out[c] = Reason("kept_proposal", {"clinics": ", ".join(sorted(ids[mine & proposed]))})
        else:
            out[c] = Reason("kept_current")
    return out


def _with_changes(clusters: gpd.GeoDataFrame, changes: pd.DataFrame) -> gpd.GeoDataFrame:
    gained = changes.groupby("to_cluster")["patients"].sum()
    lost = changes.groupby("from_cluster")["patients"].sum()
    out = clusters.copy()
    out["patients_gained"] = out["cluster_id"].map(gained).fillna(0).astype(int)
    out["patients_lost"] = out["cluster_id"].map(lost).fillna(0).astype(int)
    out["patients_before"] = out["patients"] - out["patients_gained"] + out["patients_lost"]
    return out


def assemble(run: Run) -> PlanResult:
    """Build the result of a run: clinics, clusters, left-out reasons, conflicts, changes."""
    table, n = run.table, len(run.table)
    labels = np.full(n, -1, dtype=np.int64)
    labels[run.active] = run.solved.labels
    graph, territories = _full_graph(run)
    xy = np.column_stack([table.geometry.x, table.geometry.y])
    gps = has_gp_counts(table)
    instance = Instance.from_arrays(
        Adjacency.from_networkx(graph),
        table["patients"].to_numpy(),
        xy,
        gp_weights(table),  # without GP counts the patients: figures weighted by patients
    )
    clusters, ids = cluster_table(
        table, territories, instance, labels, run.rules, names=run.solved.names,
        crossings=_crossings(run), funding=run.request.profile.funding, gp_counts=gps,
    )  # fmt: skip
    # A polygon unit's polygon is its territory (``territories``), not a clinic column.
    clinics = table.drop(columns=[SHAPE], errors="ignore")
    clinics["cluster_id"] = [ids[int(c)] if c >= 0 else None for c in labels]
    clinics["status"] = np.where(labels >= 0, "clustered", "left out")
    reasons, infeasible = _reasons(run, labels, instance)
    if not gps:  # no GP counts: the parts' "doctors" would be patients
        infeasible = infeasible.drop(columns="doctors")
    clinics["reason"] = [r.text("en") if r else "" for r in reasons]
    clinics["reason_code"] = [code_of(r) for r in reasons]
    if run.choices.existing:
        current = clinics["clinic_id"].astype(str).map(run.choices.existing)
        clinics["current_cluster"] = current.fillna("").astype(str)
    changes = _changes(run, clinics)
    if run.mode == "replan":
        clusters = _with_changes(clusters, changes)
    unassigned = pd.DataFrame(clinics.loc[labels < 0, UNASSIGNED_COLUMNS]).reset_index(drop=True)
    conflicts = pd.DataFrame(
        [(c.kind, c.clinics, c.detail, code_of(c.why)) for c in run.solved.conflicts]
        + [("boundary", "", why.text("en"), why.code()) for why in run.units.conflicts],
        columns=CONFLICT_COLUMNS,
    )
    metrics = _metrics(run, instance, labels, clusters, unassigned)
    if not gps:  # no GP counts: no GP total, distances weighted by patients
        metrics.pop("doctors")
        metrics["gp_counts"] = False
    metrics.update(conflicts=len(conflicts), moves=len(changes), rows_skipped=len(run.skipped))
    # Without a land map the land is estimated, and a link may cross open country.
    metrics["land"] = "given" if run.land_given else "estimated"
    if run.proofs:
        metrics["exact"] = _proven(run)
    marks = run.timings
    if marks:
        metrics["runtime_s"] = {
            "geography": round(marks["built"] - marks["started"], 3),
            "solve": round(marks["solved"] - marks["built"], 3),
            "total": round(time.perf_counter() - marks["started"], 3),
        }
    return PlanResult(
        clinics=clinics,
        clusters=clusters,
        unassigned=unassigned,
        links=run.geo.links,
        territories=territories,
        graph=graph,
        labels=labels,
        metrics=metrics,
        rules=run.rules,
        seed=run.request.seed,
        method=run.request.method,
        request=run.request,
        conflicts=conflicts,
        changes=changes,
        infeasible=infeasible,
        skipped=run.skipped.reset_index(drop=True),
        profile=run.request.profile,
    )


def _proven(run: Run) -> dict[str, Any]:
    """What the exact method proved, over every solve of the run."""
    proofs = run.proofs
    return {
        "count_proven_optimal": all(p.count_optimal for p in proofs),
        "travel_proven_optimal": all(p.travel_optimal for p in proofs),
        # Under the planning rules; only for a single solve over every clinic.
        "proven_upper_bound": proofs[0].bound
        if len(proofs) == 1 and not run.choices.existing
        else None,
    }


def _metrics(
    run: Run,
    instance: Instance,
    labels: np.ndarray,
    clusters: gpd.GeoDataFrame,
    unassigned: pd.DataFrame,
) -> dict[str, Any]:
    active_patients = instance.patients[run.active]
    active_doctors = instance.doctors[run.active]
    adjacency = run.units.adjacency
    parts = part_upper_bound(adjacency, active_patients, run.rules, active_doctors)
    bound = tight_upper_bound(adjacency, active_patients, run.rules, active_doctors)
    metrics: dict[str, Any] = {
        "clinics": len(run.table),
        "patients": int(instance.patients.sum()),
        "doctors": int(instance.doctors.sum()),
        "clusters": len(clusters),
        "clinics_left_out": len(unassigned),
        "patients_left_out": int(unassigned["patients"].sum()),
        "clinics_closing": len(run.table) - len(run.active),
        "upper_bound": upper_bound(active_patients, run.rules, active_doctors),
        "upper_bound_parts": parts,
        "upper_bound_tight": bound,
        "links": len(run.geo.links),
        "boundaries": run.units.mode,
        "clusters_crossing_municipality": int((clusters["crossings"] != "").sum()),
        **compactness(labels, instance.xy, instance.patients, instance.doctors),
    }
    metrics["share_of_bound"] = round(len(clusters) / bound, 4) if bound else 1.0
    return metrics
