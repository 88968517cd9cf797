"""The map's data as one compact payload that the page's own script draws.

Instead of thousands of folium objects (each marker, tooltip and popup with its own
script), the map carries one JSON payload: clusters (figures, colour, territory), clinics
(short keys), the current clusters, links, problems and moves.  The script
(:mod:`planner.render.draw`) draws each layer in one go and builds a tooltip or popup only
when it opens.  Only counts per clinic and per cluster are written, never a patient.

Keys of a cluster: ``id``, ``t`` (its title, "Cluster C01" in the map's language),
``at`` (where its name goes) and ``bounds``, ``c`` (palette index), ``g`` (territory,
:func:`planner.render.shapes.encode`), ``p`` patients, ``d`` GPs, ``n`` clinics, ``s``
status, ``mu`` municipalities, ``b`` annual budget and ``su`` start-up grant (with a funding
rule only), ``mc`` meeting
clinic, ``co`` coordinator, ``f`` farthest km, ``no`` size note, ``x`` boundary crossings,
``pr`` a problem (``"bad"`` or ``"crossing"``).
Keys of a clinic: ``id``, ``name``, ``at`` ([lat, lon]), ``r`` radius in pixels, ``p``
patients, ``d`` GPs, ``k`` cluster, ``o`` clusters it may be proposed for, ``s`` status
and ``w`` reason (when not clustered), ``mu`` municipality, ``rg`` region, ``cu``
current cluster and ``mv`` (moves) when plans are compared.  Empty values are left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.core.i18n import fmt_num, label, status_label
from planner.evaluate.compare import none_if_blank
from planner.evaluate.figures import territory_holders
from planner.render.shapes import DECIMALS, encode, light_coverage
from planner.result.plan_result import PlanResult
from planner.result.schema import crossing_flags

__all__ = [
    "clinic_records",
    "cluster_records",
    "current_records",
    "link_records",
    "move_texts",
    "neighbour_options",
    "radii",
    "status_labels",
]


def _text(value: Any) -> str | None:
    """A cell as text, or None when missing or blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if not isinstance(value, str) and pd.isna(value):
        return None
    text = str(value)
    return text if text.strip() else None


def _whole(value: Any) -> int:
    """A count rounded as ``fmt_int`` rounds it (the page only adds separators)."""
    number = float(value)
    return round(number) if math.isfinite(number) else 0


def _tenth(value: Any) -> float:
    """A figure rounded to one decimal as ``fmt_num`` shows it."""
    number = float(value)
    return float(f"{number:.1f}") if math.isfinite(number) else 0.0


def neighbour_options(result: PlanResult) -> list[list[str]]:
    """Clusters each clinic could move to: those of its neighbours in the graph.

    These are the moves the planner can honour.  A clinic that borders only its own
    cluster (an interior clinic) is offered none, and the page says why, rather than a
    cluster the next run could only refuse.
    """
    own = none_if_blank(result.clinics["cluster_id"]).tolist()
    options: list[list[str]] = []
    for i, cid in enumerate(own):
        near = {own[j] for j in result.graph.neighbors(i)} if i in result.graph else set()
        options.append(sorted(c for c in near if c is not None and c != cid))
    return options


def _round_point(lat: float, lon: float) -> list[float]:
    return [round(float(lat), DECIMALS), round(float(lon), DECIMALS)]


def cluster_records(
    result: PlanResult, colours: dict[str, int], problems: pd.Series, lang: str
) -> list[dict[str, Any]]:
    """One record per cluster: title, figures, palette index, territory, name's place."""
    clusters = result.clusters
    shapes = light_coverage(clusters.geometry.to_numpy(), clusters.crs)
    shown = clusters.geometry.to_crs("EPSG:4326").to_numpy()
    crossings = crossing_flags(clusters)
    records = []
    for i, row in enumerate(clusters.to_dict("records")):
        cid = str(row["cluster_id"])
        record: dict[str, Any] = {"id": cid, "t": f"{label('cluster', lang)} {cid}"}
        record["c"] = colours.get(cid, 0)
        geom = shown[i]
        if geom is not None and not geom.is_empty:
            point = shapely.point_on_surface(geom)
            west, south, east, north = geom.bounds
            record["at"] = _round_point(point.y, point.x)
            record["bounds"] = [_round_point(south, west), _round_point(north, east)]
        record["g"] = encode(shapes[i])
        record.update(
            p=_whole(row["patients"]),
            n=_whole(row["clinics"]),
            s=str(row["status"]),
            f=_tenth(row["farthest_km"]),
        )
        funding = result.profile.funding
        if funding is not None and funding.columns[0] in row:  # else no money at all
            budget, startup = funding.columns
            record["b"] = _whole(row[budget])
            if startup in row:  # per GP: none without GP counts
                record["su"] = _whole(row[startup])
        if "doctors" in row:  # GP counts are optional (planner.load.units)
            record["d"] = _whole(row["doctors"])
        optional = {
            "mu": _text(row.get("municipalities")),
            "mc": _text(row.get("meeting_clinic")) or "",
            "co": _text(row.get("coordinator_clinic")),
            "no": _text(row.get("size_note")),
            "x": _text(crossings.iloc[i]),
            "pr": _text(problems.iloc[i]),
        }
        if optional["co"] == optional["mc"]:
            optional["co"] = None
        record.update({k: v for k, v in optional.items() if v is not None})
        records.append(record)
    return records


def radii(patients: pd.Series) -> np.ndarray:
    """Marker radius in pixels by patients: 3 to 12, by the square root."""
    values = np.sqrt(np.maximum(patients.to_numpy(dtype=float), 0.0))
    scale = float(np.sqrt(max(float(patients.max()), 1.0))) if len(patients) else 1.0
    return 3 + 9 * values / scale


def clinic_records(
    result: PlanResult, current: pd.Series | None, moves: pd.Series
) -> list[dict[str, Any]]:
    """One record per clinic, in the clinic table's order (see the module's keys)."""
    clinics = result.clinics
    points = clinics.geometry.to_crs("EPSG:4326")
    lat, lon = points.y.to_numpy(), points.x.to_numpy()
    radius = radii(clinics["patients"])
    options = neighbour_options(result)
    own = none_if_blank(clinics["cluster_id"]).tolist()
    columns = {key: key in clinics.columns for key in ("municipality", "region", "reason")}
    records = []
    for i, row in enumerate(clinics.to_dict("records")):
        record: dict[str, Any] = {
            "id": str(row["clinic_id"]),
            "name": str(row["name"]),
            "at": _round_point(lat[i], lon[i]),
            "r": round(float(radius[i]), 1),
            "p": _whole(row["patients"]),
        }
        if "doctors" in row:  # GP counts are optional
            record["d"] = _whole(row["doctors"])
        if own[i] is not None:
            record["k"] = str(own[i])
        if options[i]:
            record["o"] = options[i]
        if row["status"] != "clustered":
            record["s"] = str(row["status"])
            record["w"] = (_text(row.get("reason")) if columns["reason"] else None) or ""
        for key, short in (("municipality", "mu"), ("region", "rg")):
            text = _text(row.get(key)) if columns[key] else None
            if text is not None:
                record[short] = text
        if current is not None:
            if current.iloc[i] is not None:
                record["cu"] = str(current.iloc[i])
            if moves.iloc[i]:
                record["mv"] = 1
        records.append(record)
    return records


def current_records(
    result: PlanResult, current: pd.Series, colours: Callable[[gpd.GeoDataFrame, str], dict]
) -> list[dict[str, Any]]:
    """The current clusters: clinic territories dissolved by current cluster.

    ``colours(frame, ids)`` gives each a palette index (neighbours differ).
    """
    terr = gpd.GeoDataFrame(
        {"current": current.to_numpy()},
        geometry=result.territories.to_numpy(),
        crs=result.territories.crs,
    )
    codes, _ = pd.factorize(terr["current"])  # NaN -> -1: no current cluster
    points = result.clinics.geometry.to_crs(terr.crs)
    xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    held = territory_holders(xy, codes, result.clinics["patients"].to_numpy())
    terr = terr[held & ~terr.geometry.is_empty].dissolve("current").reset_index()
    palette = colours(terr, "current")
    shapes = light_coverage(terr.geometry.to_numpy(), terr.crs)
    return [
        {"id": str(cid), "c": palette[cid], "g": encode(shape)}
        for cid, shape in zip(terr["current"], shapes, strict=True)
    ]


def link_records(result: PlanResult, lang: str) -> list[dict[str, Any]]:
    """Links across water (or gaps): the line and its hover text."""
    if not len(result.links):
        return []
    links = result.links.to_crs("EPSG:4326")
    out = []
    for row in links.to_dict("records"):
        text = label(
            "link_tip",
            lang,
            kind=row.get("kind", ""),
            a=row.get("clinic_a", ""),
            b=row.get("clinic_b", ""),
            km=fmt_num(row.get("distance_km", 0.0), lang),
        )
        line = [_round_point(y, x) for x, y in row["geometry"].coords]
        out.append({"line": line, "t": text})
    return out


def move_texts(
    result: PlanResult, current: pd.Series, moves: pd.Series, lang: str
) -> list[list[Any]]:
    """``[clinic position, hover text]`` of each clinic that moves."""
    out = []
    for i in np.flatnonzero(moves.to_numpy()):
        row = result.clinics.iloc[i]
        a = current.iloc[i] or label("none", lang)
        b = row["cluster_id"] or label("none", lang)
        out.append([int(i), f"{row['name']}: " + label("moves_from_to", lang, a=a, b=b)])
    return out


def status_labels(result: PlanResult, lang: str) -> dict[str, str]:
    """Every status of a cluster or clinic in the plan, in ``lang``."""
    found = {"ok", "clustered"}
    found |= {str(s) for s in result.clusters["status"]}
    found |= {str(s) for s in result.clinics["status"]}
    return {status: status_label(status, lang) for status in sorted(found)}
