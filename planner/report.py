"""Write a plan's outputs: assignments, cluster territories, summary and map.

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

import numpy as np

from planner.atomic import atomic_directory
from planner.result import PlanResult

__all__ = ["OUTPUT_FILES", "summary_dict", "write_outputs"]

log = logging.getLogger(__name__)

#: The files every run writes.
OUTPUT_FILES = ("assignments.csv", "unassigned.csv", "clusters.geojson", "summary.json")


def _plain(value: Any) -> Any:
    """JSON-ready version of numpy scalars and containers."""
    if isinstance(value, dict):
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


def summary_dict(result: PlanResult) -> dict[str, Any]:
    """The plan's summary: totals, bounds, per-cluster figures, configuration, seed."""
    clusters = result.clusters.drop(columns="geometry").to_dict("records")
    return _plain(
        {
            "planner": "gp-cluster-planner",
            "method": result.method,
            "seed": result.seed,
            "rules": result.rules.to_dict(),
            "config": result.config,
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
                )
            },
            "upper_bound": result.metrics["upper_bound"],
            "upper_bound_parts": result.metrics["upper_bound_parts"],
            "share_of_bound": result.metrics["share_of_bound"],
            "compactness_km": {
                key: round(result.metrics[key], 3)
                for key in ("mean_gp_km", "max_km", "mean_patient_km", "mean_diameter_km")
            },
            "runtime_s": result.metrics.get("runtime_s", {}),
            "clusters": clusters,
            "left_out": result.unassigned.to_dict("records"),
            "links": result.links.drop(columns="geometry").to_dict("records"),
        }
    )


def write_outputs(
    result: PlanResult,
    out_dir: str | Path,
    *,
    with_map: bool = True,
    tiles: str | None = None,
    lang: str = "en",
    extra_files: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write every output of a plan into ``out_dir`` atomically.

    Parameters
    ----------
    result
        The plan.
    out_dir
        Directory to write to (created when missing; files of the same names replaced).
    with_map
        Also write ``map.html``.
    tiles
        Background tiles of the map (``None``: the renderer's default).
    lang
        Language of the map's labels (``"en"`` or ``"da"``).
    extra_files
        More text files to write in the same atomic step (name -> content), for example
        the effective configuration.

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    names = list(OUTPUT_FILES) + (["map.html"] if with_map else []) + list(extra_files or {})
    with atomic_directory(out_dir) as tmp:
        tmp = Path(tmp)
        result.assignments().to_csv(tmp / "assignments.csv", index=False)
        result.unassigned.to_csv(tmp / "unassigned.csv", index=False)
        clusters = result.clusters.to_crs("EPSG:4326")
        clusters.to_file(tmp / "clusters.geojson", driver="GeoJSON", engine="pyogrio")
        text = json.dumps(summary_dict(result), indent=2, ensure_ascii=False)
        (tmp / "summary.json").write_text(text + "\n", encoding="utf-8")
        for name, content in (extra_files or {}).items():
            (tmp / name).write_text(content, encoding="utf-8")
        if with_map:
            from planner.render import render_map

            kwargs: dict[str, Any] = {"lang": lang}
            if tiles is not None:
                kwargs["tiles"] = tiles
            render_map(result, **kwargs).save(str(tmp / "map.html"))
    log.info("wrote %s to %s", ", ".join(names), out_dir)
    return [out_dir / name for name in names]
