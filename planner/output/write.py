"""Write a plan's outputs: assignments, territories, clinics, links, summary, report and map.

All files of one run are written into a temporary directory first and moved into place
only when every one of them is complete, so a failed run never leaves a half-written
set.  Nothing written here carries a patient-level record: only counts per clinic and
per cluster.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.core.config import request_toml
from planner.core.i18n import check_lang
from planner.core.request import OutputOptions
from planner.output.atomic import atomic_directory
from planner.output.read import NEIGHBOUR_SEP
from planner.output.report_html import report_html
from planner.result.plan_result import PlanResult
from planner.result.schema import CLINIC_FIELDS, LINK_FIELDS, OPTIONAL_CLINIC_FIELDS

__all__ = [
    "OUTPUT_FILES",
    "SOMETIMES",
    "clinics_frame",
    "crossings_frame",
    "links_frame",
    "summary_dict",
    "write_outputs",
]

log = logging.getLogger(__name__)

#: Files a plan writes only sometimes; an earlier plan's copy is removed when not rewritten.
SOMETIMES = ("map.html", "changes.csv")
#: The files every run writes.
OUTPUT_FILES = (
    "assignments.csv",
    "unassigned.csv",
    "clusters.geojson",
    "clinics.geojson",
    "links.geojson",
    "summary.json",
    "report.html",
)


def _plain(value: Any) -> Any:
    """JSON-ready version of numpy scalars and containers."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a small table as JSON-ready records (missing values as null)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def summary_dict(result: PlanResult, output: OutputOptions | None = None) -> dict[str, Any]:
    """The plan's summary: totals, bounds, per-cluster figures, configuration, seed."""
    config: dict[str, Any] = {}
    if result.request is not None:
        config = {k: v for k, v in result.request.settings().items() if v is not None}
    if output is not None:
        config |= output.settings()
    clusters = result.clusters.drop(columns="geometry").to_dict("records")
    return _plain(
        {
            "planner": "gp-cluster-planner",
            "method": result.method,
            "seed": result.seed,
            "rules": result.rules.to_dict(),
            "config": config,
            "totals": {
                key: result.metrics[key]
                for key in (
                    "clinics",
                    "patients",
                    "doctors",
                    "clusters",
                    "clinics_left_out",
                    "patients_left_out",
                    "links",
                    "clinics_closing",
                    "clusters_crossing_municipality",
                )
                if key in result.metrics
            }
            | {"conflicts": len(result.conflicts), "moves": len(result.changes)},
            "boundaries": result.metrics.get("boundaries"),
            "land": result.metrics.get("land"),
            "upper_bound": result.metrics["upper_bound"],
            "upper_bound_parts": result.metrics["upper_bound_parts"],
            "upper_bound_tight": result.metrics.get(
                "upper_bound_tight", result.metrics["upper_bound_parts"]
            ),
            "share_of_bound": result.metrics["share_of_bound"],
            "compactness_km": {
                key: round(result.metrics[key], 3)
                for key in ("mean_gp_km", "max_km", "mean_patient_km", "mean_diameter_km")
            },
            "runtime_s": result.metrics.get("runtime_s", {}),
            "clusters": clusters,
            "left_out": result.unassigned.to_dict("records"),
            "links": result.links.drop(columns="geometry").to_dict("records"),
            "conflicts": _records(result.conflicts),
            "changes": _records(result.changes),
            "infeasible": _records(result.infeasible),
        }
    )


def clinics_frame(result: PlanResult) -> gpd.GeoDataFrame:
    """Clinic points (lon/lat) with counts, cluster, status and neighbour ids.

    Only the whitelisted fields are kept, so whatever else the input carried never
    reaches a file.  ``neighbours`` lists the ids of the clinics each one borders in the
    contiguity graph (``;``-separated), so a map can be redrawn from the files.
    """
    fields = [*CLINIC_FIELDS, *(c for c in OPTIONAL_CLINIC_FIELDS if c in result.clinics)]
    clinics = result.clinics
    if "reason_code" not in clinics.columns:  # a plan read back from before reasons had codes
        clinics = clinics.assign(reason_code="")
    frame = pd.DataFrame(clinics[fields]).copy()
    for col in ("cluster_id", "current_cluster"):
        if col in frame:
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    ids = result.clinics["clinic_id"].astype(str).tolist()
    frame["neighbours"] = [
        NEIGHBOUR_SEP.join(sorted(ids[j] for j in result.graph.neighbors(i)))
        if i in result.graph
        else ""
        for i in range(len(ids))
    ]
    points = gpd.GeoSeries(result.clinics.geometry.to_numpy(), crs=result.clinics.crs)
    return gpd.GeoDataFrame(frame, geometry=points.to_crs("EPSG:4326").to_numpy(), crs=4326)


def links_frame(result: PlanResult) -> gpd.GeoDataFrame:
    """Links across water (lon/lat): ``clinic_a, clinic_b, distance_km, kind``."""
    fields = [c for c in LINK_FIELDS if c in result.links.columns]
    return result.links[[*fields, "geometry"]].to_crs("EPSG:4326")


def _write_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    if frame.empty:  # drivers disagree on empty layers; an empty collection is unambiguous
        path.write_text('{"type": "FeatureCollection", "features": []}\n', encoding="utf-8")
    else:
        frame.to_file(path, driver="GeoJSON", engine="pyogrio")


def crossings_frame(result: PlanResult) -> pd.DataFrame:
    """Clusters that cross a municipality boundary, and why: ``crossings.csv``."""
    columns = ["cluster_id", "municipalities", "crossings", "crossings_code"]
    clusters = result.clusters
    crossing = clusters["crossings"] != "" if "crossings" in clusters else []
    frame = pd.DataFrame(clusters.loc[crossing, [c for c in columns if c in clusters]])
    return frame.rename(columns={"crossings": "reason", "crossings_code": "reason_code"})


def write_outputs(
    result: PlanResult,
    out_dir: str | Path,
    *,
    with_map: bool = True,
    tiles: str | None = None,
    lang: str = "en",
) -> list[Path]:
    """Write every file of a plan into ``out_dir`` atomically.

    The files are :data:`OUTPUT_FILES`, ``map.html`` (unless ``with_map`` is false),
    ``config.toml`` (the request, which plans the same again; not for a plan read back
    from its files) and ``changes.csv`` when current clusters were given.  A file of an
    earlier plan in ``out_dir`` that this plan does not write (a map, changes) is removed.

    Parameters
    ----------
    result
        The plan.
    out_dir
        Directory to write to (created when missing; files of the same names replaced).
    with_map
        Also write ``map.html`` (``report.html`` is always written, in ``lang``).
    tiles
        Background tiles of the map (``None``: the renderer's default).
    lang
        Language of the map's and report's labels (``"en"`` or ``"da"``).

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    check_lang(lang)
    texts: dict[str, str] = {
        "crossings.csv": crossings_frame(result).to_csv(index=False),
        "conflicts.csv": result.conflicts.to_csv(index=False),
        "infeasible.csv": result.infeasible.to_csv(index=False),
    }
    if "current_cluster" in result.clinics.columns:
        texts["changes.csv"] = result.changes.to_csv(index=False)
    output = OutputOptions(out=str(out_dir), lang=lang, map=with_map)
    if result.request is not None:
        texts["config.toml"] = request_toml(result.request, output, base=out_dir)
    names = [*OUTPUT_FILES, *(["map.html"] if with_map else []), *texts]
    with atomic_directory(out_dir) as tmp:
        tmp = Path(tmp)
        result.assignments().to_csv(tmp / "assignments.csv", index=False)
        result.unassigned.to_csv(tmp / "unassigned.csv", index=False)
        clusters = result.clusters.to_crs("EPSG:4326")
        clusters.to_file(tmp / "clusters.geojson", driver="GeoJSON", engine="pyogrio")
        _write_geojson(clinics_frame(result), tmp / "clinics.geojson")
        _write_geojson(links_frame(result), tmp / "links.geojson")
        report = report_html(result, lang=lang, map_file="map.html" if with_map else None)
        (tmp / "report.html").write_text(report, encoding="utf-8")
        summary = summary_dict(result, output)
        text = json.dumps(summary, indent=2, ensure_ascii=False)
        (tmp / "summary.json").write_text(text + "\n", encoding="utf-8")
        for name, content in texts.items():
            (tmp / name).write_text(content, encoding="utf-8")
        if with_map:
            from planner.render import render_map

            kwargs: dict[str, Any] = {"lang": lang}
            if tiles is not None:
                kwargs["tiles"] = tiles
            render_map(result, **kwargs).save(str(tmp / "map.html"))
    written = [out_dir / name for name in names]
    for name in SOMETIMES:
        stale = out_dir / name
        if stale not in written and stale.is_file():
            stale.unlink()
            log.info("removed %s: it belonged to an earlier plan", stale)
    log.info("wrote %s to %s", ", ".join(names), out_dir)
    return written
