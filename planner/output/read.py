"""Read a plan back from the files a run wrote, to redraw or compare it.

``write_outputs`` writes ``clusters.geojson`` (territories and figures),
``clinics.geojson`` (clinic points with counts, cluster and neighbour ids),
``links.geojson``, ``unassigned.csv`` and ``summary.json``; :func:`load_plan` turns them
into a :class:`~planner.result.PlanResult` the map and report accept.  Clinic territories
are not written, so they are rebuilt as Voronoi cells clipped to the clusters' land (used
only to draw the current clusters of a comparison).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from planner.core.cells import restore
from planner.core.crs import utm_crs
from planner.core.errors import PlannerError
from planner.core.profiles import Profile, get_profile, profile_from_mapping
from planner.core.reasons import CODE_COLUMNS, canonical_code
from planner.core.rules import Rules
from planner.result.plan_result import PlanResult
from planner.result.schema import CLUSTER_COLUMNS, LINK_FIELDS, SKIPPED_COLUMNS

__all__ = ["NEIGHBOUR_SEP", "load_assignments", "load_plan"]

log = logging.getLogger(__name__)

#: Separator of neighbour ids in ``clinics.geojson``.
NEIGHBOUR_SEP = ";"


def _empty(columns: list[str]) -> gpd.GeoDataFrame:
    """An empty layer with ``columns`` (an empty GeoJSON file reads back without any)."""
    return gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))


def _need(plan_dir: Path, name: str) -> Path:
    path = plan_dir / name
    if not path.is_file():
        raise PlannerError(
            f"{plan_dir} is not a plan directory: {name} is missing "
            "(write one with 'planner plan --out DIR')"
        )
    return path


def _blank_to_none(series: pd.Series) -> list[str | None]:
    return [None if v is None or pd.isna(v) or str(v) == "" else str(v) for v in series]


def _rules(data: dict[str, Any]) -> Rules:
    known = {f.name for f in dataclasses.fields(Rules)}
    try:
        return Rules(**{k: v for k, v in data.items() if k in known})
    except (PlannerError, TypeError):
        log.warning("rules in summary.json not understood; using the defaults")
        return Rules()


def _territories(points: gpd.GeoSeries, land: shapely.Geometry) -> gpd.GeoSeries:
    """Voronoi cell of each point, clipped to ``land`` (points at one site share a cell)."""
    if points.empty or land is None or land.is_empty:
        return gpd.GeoSeries([shapely.Polygon()] * len(points), crs=points.crs)
    cells = shapely.voronoi_polygons(
        shapely.MultiPoint(points.to_numpy()), extend_to=shapely.envelope(land).buffer(1e4)
    )
    polys = np.asarray(shapely.get_parts(cells))
    tree = shapely.STRtree(polys)
    out = []
    for point in points.to_numpy():
        hit = tree.query(point, predicate="intersects")
        cell = polys[hit[0]] if len(hit) else shapely.Polygon()
        out.append(shapely.intersection(cell, land))
    return gpd.GeoSeries(out, index=points.index, crs=points.crs)


def load_plan(plan_dir: str | Path) -> PlanResult:
    """Rebuild a plan from the files ``write_outputs`` wrote into ``plan_dir``.

    Parameters
    ----------
    plan_dir
        A directory written by ``planner plan`` (needs ``clinics.geojson``,
        ``clusters.geojson`` and ``summary.json``).

    Returns
    -------
    PlanResult
        In a metric CRS, like a fresh plan; the graph links each clinic with the
        neighbours recorded in ``clinics.geojson``.

    Raises
    ------
    PlannerError
        When a needed file is missing.
    """
    plan_dir = Path(plan_dir)
    with _readable(plan_dir):
        return _load_plan(plan_dir)


@contextmanager
def _readable(plan_dir: Path) -> Iterator[None]:
    """Turn a damaged plan file (bad JSON, GeoJSON or CSV; a missing column) into one error."""
    try:
        yield
    except PlannerError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise PlannerError(
            f"{plan_dir}: a plan file cannot be read ({type(exc).__name__}: {exc}); "
            "write the plan again with 'planner plan --out DIR'"
        ) from exc


def _load_plan(plan_dir: Path) -> PlanResult:
    clinics = gpd.read_file(_need(plan_dir, "clinics.geojson"))
    clusters = gpd.read_file(_need(plan_dir, "clusters.geojson"))
    if clusters.empty:
        clusters = _empty(CLUSTER_COLUMNS)
    summary = _read_summary(plan_dir)
    crs = utm_crs(clinics) if len(clinics) else "EPSG:3857"
    clinics = _typed_clinics(clinics.to_crs(crs))
    clusters = clusters.to_crs(crs)
    _canonical_codes(clusters)
    graph = _neighbour_graph(clinics)
    clinics = clinics.drop(columns="neighbours", errors="ignore")
    links = _read_optional_geojson(plan_dir / "links.geojson", list(LINK_FIELDS)).to_crs(crs)
    ids = {cid: k for k, cid in enumerate(clusters["cluster_id"])}
    labels = np.array([ids.get(c, -1) if c else -1 for c in clinics["cluster_id"]])
    land = shapely.union_all(clusters.geometry.to_numpy()) if len(clusters) else None
    metrics = {**summary.get("totals", {}), "runtime_s": summary.get("runtime_s", {})}
    for key in ("upper_bound", "upper_bound_parts", "upper_bound_tight", "share_of_bound"):
        if key in summary:
            metrics[key] = summary[key]
    metrics["mode"] = str(summary.get("config", {}).get("mode", "plan"))  # the request's mode
    return PlanResult(
        clinics=clinics,
        clusters=clusters,
        unassigned=_read_optional_csv(
            plan_dir / "unassigned.csv", ["clinic_id", "name", "patients", "reason"]
        ),
        links=links,
        territories=_territories(clinics.geometry, land),
        graph=graph,
        labels=labels,
        metrics=metrics,
        rules=_rules(summary.get("rules", {})),
        seed=int(summary.get("seed", 0)),
        method=str(summary.get("method", "")),
        conflicts=_read_optional_csv(plan_dir / "conflicts.csv", ["kind", "clinics", "detail"]),
        skipped=_read_optional_csv(plan_dir / "skipped.csv", SKIPPED_COLUMNS),
        profile=_profile(summary.get("profile")),
    )


def _profile(value: Any) -> Profile:
    """The plan's profile from its summary: a name, a custom table, or (older plans) none."""
    try:
        if isinstance(value, dict):
            return profile_from_mapping(value, "summary.json")
        return get_profile(value)
    except PlannerError as exc:
        raise PlannerError(f"summary.json: the plan's profile cannot be read: {exc}") from exc


def _read_summary(plan_dir: Path) -> dict[str, Any]:
    path = _need(plan_dir, "summary.json")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:  # bad JSON or bad UTF-8
        raise PlannerError(f"{path}: not a plan summary (not valid JSON: {exc})") from exc
    if not isinstance(summary, dict):
        raise PlannerError(f"{path}: not a plan summary (a JSON object is expected)")
    return summary


def _typed_clinics(clinics: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Clinics as read back, with text, cluster and count columns in the planner's types."""
    for col in ("clinic_id", "name", "status", "reason"):
        clinics[col] = clinics[col].fillna("").astype(str)
    _canonical_codes(clinics)
    clinics["cluster_id"] = _blank_to_none(clinics["cluster_id"])
    if "current_cluster" in clinics.columns:
        clinics["current_cluster"] = _blank_to_none(clinics["current_cluster"])
    for col in ("patients", "doctors") if "doctors" in clinics.columns else ("patients",):
        clinics[col] = pd.to_numeric(clinics[col], errors="coerce").fillna(0).astype(int)
    return clinics


def _neighbour_graph(clinics: gpd.GeoDataFrame) -> nx.Graph:
    """The contiguity graph from the ``neighbours`` recorded per clinic."""
    position = {cid: i for i, cid in enumerate(clinics["clinic_id"])}
    graph = nx.Graph()
    graph.add_nodes_from(range(len(clinics)))
    if "neighbours" in clinics.columns:
        for i, text in enumerate(clinics["neighbours"].fillna("")):
            for other in filter(None, str(text).split(NEIGHBOUR_SEP)):
                if other in position:
                    graph.add_edge(i, position[other], kind="border")
    return graph


def _read_optional_geojson(path: Path, columns: list[str]) -> gpd.GeoDataFrame:
    frame = gpd.read_file(path) if path.is_file() else gpd.GeoDataFrame()
    return _empty(columns) if frame.empty else frame


def _read_optional_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    """A table the plan wrote, or an empty one with its columns when the file is absent."""
    if not path.is_file():
        return pd.DataFrame(columns=columns)
    frame = pd.read_csv(path, dtype={c: str for c in columns if c != "patients"})
    for column in frame.columns:  # texts the plan wrote safe for spreadsheets
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = [restore(v) if isinstance(v, str) else v for v in frame[column]]
    _canonical_codes(frame)
    return frame


def _canonical_codes(frame: pd.DataFrame) -> None:
    """Reason codes as the planner writes them (absent from plans written before codes)."""
    for col in CODE_COLUMNS.values():
        if col in frame.columns:
            frame[col] = [canonical_code(v) for v in frame[col]]


def load_assignments(plan_dir: str | Path) -> pd.DataFrame:
    """``clinic_id, name, patients, cluster_id`` of a plan directory (for comparisons).

    Reads ``clinics.geojson`` when present, else ``assignments.csv`` (names blank and
    patients unknown: ``NaN``, so moves are found but cannot be weighed from this plan).
    """
    plan_dir = Path(plan_dir)
    with _readable(plan_dir):
        return _load_assignments(plan_dir)


def _load_assignments(plan_dir: Path) -> pd.DataFrame:
    path = plan_dir / "clinics.geojson"
    if path.is_file():
        frame = pd.DataFrame(gpd.read_file(path).drop(columns="geometry"))
        frame["cluster_id"] = _blank_to_none(frame["cluster_id"])
        frame["patients"] = pd.to_numeric(frame["patients"], errors="coerce").fillna(0)
        frame["patients"] = frame["patients"].astype(int)
    else:
        frame = pd.read_csv(
            _need(plan_dir, "assignments.csv"), dtype=str, keep_default_na=False
        ).assign(name="", patients=float("nan"))
        for column in ("clinic_id", "cluster_id"):
            frame[column] = [restore(v) for v in frame[column].astype(str)]
        frame["cluster_id"] = _blank_to_none(frame["cluster_id"])
    frame["clinic_id"] = frame["clinic_id"].astype(str)
    frame["name"] = frame["name"].fillna("").astype(str)
    return frame[["clinic_id", "name", "patients", "cluster_id"]]
