"""Write a plan's outputs: assignments, territories, clinics, links, summary, report and map.

All files of one run are written into a new folder beside ``out_dir`` and switched in
as a whole only when every one of them is complete
(:func:`~planner.output.atomic.atomic_directory`), so the folder is always entirely one
plan, never a mix of two, and a failed or killed run leaves the previous plan as it was.
Files in ``out_dir`` that are not the planner's (:data:`PLAN_FILES`) are carried over into
the new folder.  A folder that holds an input of the plan, or one with files that is not a
plan folder (unless ``overwrite``), is refused.  Every CSV is written by
:mod:`planner.output.tables`.  Nothing written here carries a patient-level record: only
counts per clinic and per cluster.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.core.config import request_toml
from planner.core.errors import PlannerError
from planner.core.i18n import check_lang, use_words
from planner.core.request import OutputOptions, PlanRequest
from planner.output.atomic import atomic_directory, pause_point
from planner.output.read import NEIGHBOUR_SEP
from planner.output.report_html import report_html
from planner.output.tables import csv_bytes
from planner.result.plan_result import PlanResult
from planner.result.schema import CLINIC_FIELDS, LINK_FIELDS, OPTIONAL_CLINIC_FIELDS

__all__ = [
    "OUTPUT_FILES",
    "PLANNER_NAME",
    "PLAN_FILES",
    "SOMETIMES",
    "clinics_frame",
    "crossings_frame",
    "inputs_inside",
    "is_plan_folder",
    "links_frame",
    "replace_problem",
    "summary_dict",
    "write_outputs",
]

log = logging.getLogger(__name__)

#: Files a plan writes only sometimes; an earlier plan's copy is removed when not rewritten.
SOMETIMES = ("map.html", "changes.csv", "skipped.csv")
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
#: Every file a plan folder may hold that the planner writes; the rest is carried over.
PLAN_FILES = (
    *OUTPUT_FILES,
    *SOMETIMES,
    "crossings.csv",
    "conflicts.csv",
    "infeasible.csv",
    "config.toml",
)
#: The ``planner`` key of every ``summary.json`` the planner writes.
PLANNER_NAME = "gp-cluster-planner"


def _plain(value: Any) -> Any:
    """JSON-ready version of numpy scalars and containers; standard JSON only, so a number
    that is not finite (``NaN``, ``Infinity``) becomes ``null``.

    >>> _plain({"a": np.float64("nan"), "b": [np.int64(2), float("inf")], "c": 1.5})
    {'a': None, 'b': [2, None], 'c': 1.5}
    """
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
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
            "planner": PLANNER_NAME,
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
                    "rows_skipped",
                )
                if key in result.metrics
            }
            | {"conflicts": len(result.conflicts), "moves": len(result.changes)},
            "profile": result.profile.name
            if result.profile.builtin
            else result.profile.to_mapping(),
            "boundaries": result.metrics.get("boundaries"),
            "land": result.metrics.get("land"),
            # What the exact method proved (null for a heuristic method).
            "exact": result.metrics.get("exact"),
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
            "skipped": _records(result.skipped),
        }
    )


def clinics_frame(result: PlanResult) -> gpd.GeoDataFrame:
    """Clinic points (lon/lat) with counts, cluster, status and neighbour ids.

    Only the whitelisted fields are kept, so whatever else the input carried never
    reaches a file.  ``neighbours`` lists the ids of the clinics each one borders in the
    contiguity graph (``;``-separated), so a map can be redrawn from the files.
    """
    # Without GP counts a plan's clinics have no "doctors" (planner.load.units).
    fields = [c for c in (*CLINIC_FIELDS, *OPTIONAL_CLINIC_FIELDS) if c in result.clinics]
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


def is_plan_folder(folder: str | Path) -> bool:
    """Whether ``folder`` holds a ``summary.json`` the planner wrote (its ``planner`` key)."""
    try:
        summary = json.loads((Path(folder) / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(summary, dict) and summary.get("planner") == PLANNER_NAME


def replace_problem(folder: Path | None, *, overwrite: bool = False) -> str | None:
    """Why a plan must not replace ``folder`` without ``overwrite``, or None when it may.

    An empty or missing folder, and a plan folder, may be replaced; a folder with files
    that is not a plan folder needs ``overwrite`` (its files that are not the planner's
    are carried over either way).
    """
    if folder is None or overwrite or not folder.is_dir() or not any(folder.iterdir()):
        return None
    if is_plan_folder(folder):
        return None
    return (
        f"{folder} holds files and is not a plan folder (no summary.json written by the "
        "planner); replacing it needs --overwrite (overwrite=True): the planner's files "
        f"({', '.join(PLAN_FILES)}) are replaced there, every other file is kept"
    )


def inputs_inside(request: PlanRequest | None, out_dir: str | Path) -> list[str]:
    """The input files of ``request`` that lie in the folder ``out_dir``, as messages."""
    if request is None:
        return []
    out = Path(out_dir).resolve()
    return [
        f"{path} (the {name.replace('_', '-')} input)"
        for name, path in request.input_files().items()
        if out == (where := path.resolve()) or out in where.parents
    ]


def _refuse(result: PlanResult, overwrite: bool) -> Callable[[Path], None]:
    """The check :func:`atomic_directory` runs on the folder before anything is written."""

    def check(folder: Path) -> None:
        inside = inputs_inside(result.request, folder)
        if inside:
            raise PlannerError(
                f"{folder} holds an input of the plan, {'; '.join(inside)}: the folder is "
                "replaced as a whole; write the plan to another folder"
            )
        problem = replace_problem(folder, overwrite=overwrite)
        if problem:
            raise PlannerError(problem)

    return check


def write_outputs(
    result: PlanResult,
    out_dir: str | Path,
    *,
    with_map: bool = True,
    tiles: str | None = None,
    lang: str = "en",
    overwrite: bool = False,
) -> list[Path]:
    """Write every file of a plan into the folder ``out_dir``, switched in as a whole.

    The files are :data:`OUTPUT_FILES`, ``map.html`` (unless ``with_map`` is false),
    ``config.toml`` (the request, which plans the same again; not for a plan read back
    from its files), ``crossings.csv``, ``conflicts.csv``, ``infeasible.csv`` and
    ``changes.csv`` when current clusters were given, ``skipped.csv`` when rows of the
    clinics file were skipped (``skip_invalid``).  The new folder replaces ``out_dir``
    in one step (:func:`planner.output.atomic.atomic_directory`): a file of an earlier plan
    that this plan does not write (a map, changes) is gone, every file that is not the
    planner's (:data:`PLAN_FILES`) is carried over.

    Parameters
    ----------
    result
        The plan.
    out_dir
        Folder to write (created when missing).
    with_map
        Also write ``map.html`` (``report.html`` is always written, in ``lang``).
    tiles
        Background tiles of the map (``None``: the renderer's default).
    lang
        Language of the map's and report's labels (``"en"`` or ``"da"``).
    overwrite
        Also replace a folder with files that is not a plan folder (its files that are not
        the planner's are kept).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    PlannerError
        Before anything is written: ``out_dir`` holds an input file of the plan, is a
        folder with files but no plan (without ``overwrite``), is a file, is the working
        directory or holds it, or another run is writing it.
    """
    out_dir = Path(out_dir)
    check_lang(lang)
    tables: dict[str, pd.DataFrame] = {
        "assignments.csv": result.assignments(),
        "unassigned.csv": result.unassigned,
        "crossings.csv": crossings_frame(result),
        "conflicts.csv": result.conflicts,
        "infeasible.csv": result.infeasible,
    }
    if "current_cluster" in result.clinics.columns:
        tables["changes.csv"] = result.changes
    if not result.skipped.empty:
        tables["skipped.csv"] = result.skipped
    texts: dict[str, bytes] = {name: csv_bytes(frame) for name, frame in tables.items()}
    output = OutputOptions(out=str(out_dir), lang=lang, map=with_map)
    if result.request is not None:
        texts["config.toml"] = request_toml(result.request, output, base=out_dir).encode()
    names = [*OUTPUT_FILES, *(["map.html"] if with_map else []), *texts]
    names = list(dict.fromkeys(names))
    with (
        use_words(result.profile.words),
        atomic_directory(out_dir, replaces=PLAN_FILES, check=_refuse(result, overwrite)) as tmp,
    ):
        for name, content in texts.items():
            (tmp / name).write_bytes(content)
        clusters = result.clusters.to_crs("EPSG:4326")
        clusters.to_file(tmp / "clusters.geojson", driver="GeoJSON", engine="pyogrio")
        _write_geojson(clinics_frame(result), tmp / "clinics.geojson")
        _write_geojson(links_frame(result), tmp / "links.geojson")
        pause_point("writing")
        report = report_html(result, lang=lang, map_file="map.html" if with_map else None)
        (tmp / "report.html").write_text(report, encoding="utf-8")
        summary = summary_dict(result, output)
        text = json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False)
        (tmp / "summary.json").write_text(text + "\n", encoding="utf-8")
        if with_map:
            from planner.render import render_map

            kwargs: dict[str, Any] = {"lang": lang}
            if tiles is not None:
                kwargs["tiles"] = tiles
            render_map(result, **kwargs).save(str(tmp / "map.html"))
    log.info("wrote %s to %s", ", ".join(names), out_dir)
    return [out_dir / name for name in names]
