"""The review map: cluster territories, clinics and links on a self-contained folium map.

Only the render package imports folium.  The map carries counts per clinic and per
cluster, never a patient-level record, and needs no internet: Leaflet is inlined (see
:mod:`planner.render.assets`) and background tiles are an optional layer.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from branca.element import Figure

from planner.core.i18n import check_lang, label, labels, link_key
from planner.core.reasons import localise_result
from planner.evaluate.compare import match_clusters, moved, none_if_blank
from planner.evaluate.figures import territory_holders
from planner.render import popups
from planner.render.assets import strip_cdn_assets
from planner.render.elements import (
    CircleMarker,
    ErrorCatcher,
    FeatureGroup,
    FitBounds,
    GeoJson,
    LayerControl,
    Map,
    PolyLine,
    Pop,
    ReviewControls,
    TileLayer,
    Tip,
    assert_safe,
)
from planner.result.plan_result import PlanResult
from planner.result.schema import crossing_flags

__all__ = [
    "FILL_OPACITY",
    "PALETTE",
    "cluster_adjacency",
    "cluster_colours",
    "map_bounds",
    "render_map",
]

log = logging.getLogger(__name__)

#: Colour-blind-friendly categorical colours; neighbouring clusters get different ones.
PALETTE: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
#: Opacity of territory fills (the browser test blends the palette with it).
FILL_OPACITY = 0.45
LEFT_OUT_COLOUR = "#000000"
PROBLEM_COLOUR = "#b00020"
CROSSING_COLOUR = "#ff8c00"
MOVE_COLOUR = "#7b2cbf"
LINK_COLOUR = "#0b3d91"
#: Zoom steps the view may take when fitting the region (Leaflet's ``zoomSnap``).
ZOOM_SNAP = 0.1
#: Pixels kept free around the region when the map opens.
FIT_PADDING = (12, 12)


def cluster_adjacency(clusters: gpd.GeoDataFrame, ids: str = "cluster_id") -> nx.Graph:
    """Clusters (by ``ids``) whose territories touch (within 1 m)."""
    frame = clusters
    if frame.crs is not None and frame.crs.is_geographic and len(frame):
        frame = frame.to_crs(frame.estimate_utm_crs())
    graph = nx.Graph()
    names = frame[ids].tolist()
    graph.add_nodes_from(names)
    geoms = frame.geometry.to_numpy()
    if len(geoms):
        tree = shapely.STRtree(geoms)
        left, right = tree.query(shapely.buffer(geoms, 1.0), predicate="intersects")
        graph.add_edges_from(
            (names[a], names[b]) for a, b in zip(left, right, strict=True) if a != b
        )
    return graph


def cluster_colours(clusters: gpd.GeoDataFrame, ids: str = "cluster_id") -> dict[str, str]:
    """A colour per cluster such that clusters sharing a border differ.

    Greedy colouring of the cluster adjacency (largest first) needs at most
    ``max degree + 1`` colours; the palette repeats only beyond that.
    """
    colouring = nx.greedy_color(cluster_adjacency(clusters, ids), strategy="largest_first")
    return {cid: PALETTE[colour % len(PALETTE)] for cid, colour in colouring.items()}


def _shape(geom: shapely.Geometry) -> dict[str, Any]:
    """Lon/lat geometry lightened for the page (about 20 m detail, 1 m precision)."""
    geom = shapely.set_precision(shapely.simplify(geom, 0.0002), 1e-5)
    return geom.__geo_interface__


def _neighbour_options(result: PlanResult) -> list[list[str]]:
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


def _plan_key(result: PlanResult) -> str:
    text = "|".join(result.assignments().astype(str).agg(":".join, axis=1))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _members(result: PlanResult) -> dict[str, list[str]]:
    """Cluster id -> ``name (id)`` of its clinics, in the clinic table's order."""
    out: dict[str, list[str]] = {}
    table = result.clinics
    for cid, name, cluster in zip(
        table["clinic_id"], table["name"], table["cluster_id"], strict=True
    ):
        if cluster is not None and cluster == cluster and str(cluster) != "":
            out.setdefault(str(cluster), []).append(f"{name} ({cid})")
    return out


def _add_territories(
    fmap: folium.Map, result: PlanResult, lang: str
) -> tuple[dict[str, str], dict[str, str]]:
    """The cluster territories; returns each cluster's colour and its layer's name."""
    clusters = result.clusters.to_crs("EPSG:4326")
    colours = cluster_colours(result.clusters)
    crossings = crossing_flags(result.clusters)
    members = _members(result)
    names: dict[str, str] = {}
    layer = FeatureGroup(name=label("layer_territories", lang), show=True)
    for idx, row in clusters.iterrows():
        colour = colours[row["cluster_id"]]
        record = {**row.to_dict(), "members": members.get(str(row["cluster_id"]), [])}
        feature = {
            "type": "Feature",
            "properties": {"cluster_id": str(row["cluster_id"]), "status": str(row["status"])},
            "geometry": _shape(row.geometry),
        }
        gj = GeoJson(
            feature,
            name=f"cluster {row['cluster_id']}",
            style_function=lambda _f, c=colour: {
                "fillColor": c,
                "color": "#333333",
                "weight": 1,
                "fillOpacity": FILL_OPACITY,
            },
            highlight_function=lambda _f: {"weight": 3},
        )
        Tip(popups.cluster_tip(record, lang)).add_to(gj)
        Pop(popups.cluster_popup(record, lang, crossings[idx])).add_to(gj)
        gj.add_to(layer)
        names[str(row["cluster_id"])] = gj.get_name()
    layer.add_to(fmap)
    return colours, names


def _add_current(fmap: folium.Map, result: PlanResult, current: pd.Series, lang: str) -> None:
    """The current clusters as a layer to switch to: clinic territories dissolved."""
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
    colours = cluster_colours(terr, ids="current")
    shown = terr.to_crs("EPSG:4326")
    layer = FeatureGroup(name=label("layer_current", lang), show=False)
    for row in shown.itertuples():
        gj = GeoJson(
            {
                "type": "Feature",
                "properties": {"current": row.current},
                "geometry": _shape(row.geometry),
            },
            style_function=lambda _f, c=colours[row.current]: {
                "fillColor": c,
                "color": c,
                "weight": 3,
                "dashArray": "6 4",
                "fillOpacity": 0.0,  # outlines: the proposal's fills stay readable beneath
            },
        )
        Tip(f"<b>{label('current_cluster', lang)} {popups.esc(row.current)}</b>").add_to(gj)
        gj.add_to(layer)
    layer.add_to(fmap)


def _radius(patients: float, scale: float) -> float:
    return 3 + 9 * float(np.sqrt(max(patients, 0))) / scale


def _add_clinics(
    fmap: folium.Map, result: PlanResult, colours: dict[str, str], extra: pd.DataFrame, lang: str
) -> dict[str, str]:
    clinics = result.clinics.to_crs("EPSG:4326")
    layer = FeatureGroup(name=label("layer_clinics", lang), show=True)
    scale = float(np.sqrt(max(float(clinics["patients"].max()), 1.0))) if len(clinics) else 1.0
    markers: dict[str, str] = {}
    for i, row in enumerate(clinics.to_dict("records")):
        point = row["geometry"]
        left_out = row["status"] != "clustered"
        colour = LEFT_OUT_COLOUR if left_out else colours.get(row["cluster_id"], "#444444")
        marker = CircleMarker(
            location=[point.y, point.x],
            radius=_radius(row["patients"], scale),
            color="#ff0000" if left_out else "#ffffff",
            weight=3 if left_out else 1,
            fill=True,
            fill_color=colour,
            fill_opacity=0.9,
        )
        Tip(popups.clinic_tip(row, lang)).add_to(marker)
        Pop(popups.clinic_popup(row, lang, extra.iloc[i].to_dict())).add_to(marker)
        marker.add_to(layer)
        markers[str(row["clinic_id"])] = marker.get_name()
    layer.add_to(fmap)
    return markers


def _add_links(fmap: folium.Map, result: PlanResult, lang: str) -> None:
    if not len(result.links):
        return
    links = result.links.to_crs("EPSG:4326")
    key = link_key("layer_links", result.metrics.get("land"))
    layer = FeatureGroup(name=label(key, lang), show=True)
    for row in links.to_dict("records"):
        coords = [(y, x) for x, y in row["geometry"].coords]
        line = PolyLine(coords, color=LINK_COLOUR, weight=2, dash_array="6 6")
        Tip(popups.link_tip(row, lang)).add_to(line)
        line.add_to(layer)
    layer.add_to(fmap)


def _add_problems(fmap: folium.Map, result: PlanResult, lang: str) -> dict[str, int]:
    """Outlines of clusters that break a rule or cross a boundary; rings round left-outs."""
    clusters = result.clusters.to_crs("EPSG:4326")
    crossings = crossing_flags(result.clusters)
    bad = clusters["status"] != "ok"
    crossing = crossings != ""
    clinics = result.clinics.to_crs("EPSG:4326")
    left_out = clinics[clinics["status"] != "clustered"]
    counts = {"bad": int(bad.sum()), "crossing": int(crossing.sum()), "left_out": len(left_out)}
    if not any(counts.values()):
        return counts
    layer = FeatureGroup(name=label("layer_problems", lang), show=True)
    for idx, row in clusters[bad | crossing].iterrows():
        style = (
            {"color": PROBLEM_COLOUR, "weight": 4, "fill": False}
            if bad[idx]
            else {"color": CROSSING_COLOUR, "weight": 3, "dashArray": "8 5", "fill": False}
        )
        gj = GeoJson(
            {"type": "Feature", "properties": {}, "geometry": _shape(row.geometry)},
            style_function=lambda _f, s=style: s,
        )
        Tip(popups.problem_tip(row.to_dict(), crossings[idx], lang)).add_to(gj)
        gj.add_to(layer)
    for row in left_out.to_dict("records"):
        CircleMarker(
            location=[row["geometry"].y, row["geometry"].x],
            radius=16,
            color=PROBLEM_COLOUR,
            weight=3,
            fill=False,
            dash_array="4 3",
        ).add_to(layer)
    layer.add_to(fmap)
    return counts


def _add_moves(
    fmap: folium.Map, result: PlanResult, moves: pd.Series, current: pd.Series, lang: str
) -> None:
    clinics = result.clinics.to_crs("EPSG:4326")
    layer = FeatureGroup(name=label("layer_moves", lang), show=True)
    scale = float(np.sqrt(max(float(clinics["patients"].max()), 1.0)))
    for i in np.flatnonzero(moves.to_numpy()):
        row = clinics.iloc[i]
        marker = CircleMarker(
            location=[row.geometry.y, row.geometry.x],
            radius=_radius(row["patients"], scale) + 4,
            color=MOVE_COLOUR,
            weight=3,
            fill=False,
        )
        a = current.iloc[i] or label("none", lang)
        b = row["cluster_id"] or label("none", lang)
        Tip(popups.esc(f"{row['name']}: " + label("moves_from_to", lang, a=a, b=b))).add_to(marker)
        marker.add_to(layer)
    layer.add_to(fmap)


def _legend(
    lang: str, counts: dict[str, int], n_moves: int | None, land: str | None = None
) -> dict[str, Any]:
    sym = "border:1px solid #333;background:{};opacity:.75"
    items = [
        {"css": sym.format(PALETTE[0]), "text": label("layer_territories", lang)},
        {
            "css": "width:14px;border-radius:50%;background:#888;border:1px solid #fff",
            "text": label("legend_size", lang),
        },
        {
            "css": f"height:0;border-top:2px dashed {LINK_COLOUR}",
            "text": label(link_key("legend_link", land), lang),
        },
    ]
    left_out_css = f"width:14px;border-radius:50%;background:{LEFT_OUT_COLOUR};border:3px solid red"
    for key, css, text in (
        ("bad", f"border:3px solid {PROBLEM_COLOUR}", "legend_problem"),
        ("crossing", f"border:2px dashed {CROSSING_COLOUR}", "legend_crossing"),
        ("left_out", left_out_css, "legend_left_out"),
    ):
        if counts[key]:
            items.append({"css": css, "text": label(text, lang)})
    if n_moves is not None:
        items.insert(1, {"css": "border:2px dashed #222", "text": label("layer_current", lang)})
        items.append(
            {
                "css": f"width:14px;border-radius:50%;border:3px solid {MOVE_COLOUR}",
                "text": label("legend_moves", lang),
            }
        )
    problems = [
        {"bad": True, "text": label(text, lang, n=counts[key])}
        for key, text in (
            ("bad", "problems_clusters"),
            ("left_out", "problems_left_out"),
            ("crossing", "problems_crossings"),
        )
        if counts[key]
    ] or [{"bad": False, "text": label("problems_none", lang)}]
    if n_moves is not None:
        problems.append({"bad": False, "text": label("moves_count", lang, n=n_moves)})
    return {"title": label("legend_title", lang), "items": items, "problems": problems}


def map_bounds(result: PlanResult) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` of the clinics and their territories, or None."""
    shapes = []
    for part in (result.clinics.geometry, result.territories):
        if part is None:
            continue
        geoms = part.to_numpy()
        drawn = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
        if len(drawn):
            shapes.append(gpd.GeoSeries(drawn, crs=part.crs).to_crs("EPSG:4326"))
    if not shapes:
        return None
    boxes = np.array([f.total_bounds for f in shapes])
    west, south = boxes[:, 0].min(), boxes[:, 1].min()
    east, north = boxes[:, 2].max(), boxes[:, 3].max()
    return [[float(south), float(west)], [float(north), float(east)]]


def _review_data(result: PlanResult, lang: str, legend: dict[str, Any]) -> dict[str, Any]:
    """What the page's own script reads: labels, the clinics and their options, the legend."""
    options = _neighbour_options(result)
    clinics = [
        {"id": str(cid), "name": str(name), "cluster": none_if_blank([c]).iloc[0], "options": opt}
        for cid, name, c, opt in zip(
            result.clinics["clinic_id"],
            result.clinics["name"],
            result.clinics["cluster_id"],
            options,
            strict=True,
        )
    ]
    return {
        "lang": lang,
        "labels": labels(lang),
        "plan_key": _plan_key(result),
        "clinics": clinics,
        "clusters": _cluster_marks(result),
        "legend": legend,
    }


def _cluster_marks(result: PlanResult) -> list[dict[str, Any]]:
    """Where each cluster's name is written (a point inside it) and its bounds."""
    clusters = result.clusters.to_crs("EPSG:4326")
    marks = []
    for cid, geom in zip(clusters["cluster_id"], clusters.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        point = shapely.point_on_surface(geom)
        west, south, east, north = geom.bounds
        marks.append(
            {
                "id": str(cid),
                "at": [round(point.y, 5), round(point.x, 5)],
                "bounds": [[round(south, 5), round(west, 5)], [round(north, 5), round(east, 5)]],
            }
        )
    return marks


def render_map(
    result: PlanResult, *, tiles: str | None = "OpenStreetMap", lang: str = "en"
) -> folium.Map:
    """Draw a plan as a self-contained folium map.

    Parameters
    ----------
    result
        The plan.  When ``result.clinics`` has a ``current_cluster`` column with any
        value, the current clusters are drawn as a second layer and the clinics that
        move are marked.
    tiles
        Background tiles, an optional layer that shows only when the viewer is online;
        ``None`` for none.  The territories show either way.
    lang
        Label language: ``"en"`` or ``"da"``.

    Returns
    -------
    folium.Map
        Save it with ``.save(path)``: one HTML file with everything inlined.
    """
    check_lang(lang)
    result = localise_result(result, lang)  # reasons in the map's language
    # A fractional zoom lets the view fit the region tightly instead of snapping to the
    # next whole zoom level out, which can leave half the window empty.
    fmap = Map(
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        zoom_start=8,
        zoom_snap=ZOOM_SNAP,
        zoom_delta=0.5,
    )
    strip_cdn_assets(fmap)
    page = fmap.get_root()
    assert isinstance(page, Figure)  # folium puts every map in a Figure
    page.header.add_child(ErrorCatcher(), name="planner_errors", index=0)
    page.title = label("legend_title", lang)
    if tiles:
        TileLayer(tiles, name=label("layer_background", lang), overlay=True).add_to(fmap)
    bounds = map_bounds(result)
    if bounds is not None:
        FitBounds(bounds, padding=FIT_PADDING).add_to(fmap)

    current = (
        none_if_blank(result.clinics["current_cluster"])
        if "current_cluster" in result.clinics.columns
        else pd.Series([None] * len(result.clinics), dtype=object)
    )
    compare = bool(current.notna().any())
    moves = pd.Series(False, index=range(len(result.clinics)))
    if compare:
        match = match_clusters(current, result.clinics["cluster_id"], result.clinics["patients"])
        moves = moved(current, result.clinics["cluster_id"], match)
        _add_current(fmap, result, current, lang)
    colours, territory_layers = _add_territories(fmap, result, lang)
    _add_links(fmap, result, lang)
    counts = _add_problems(fmap, result, lang)
    extra = pd.DataFrame({"current": current.to_numpy(), "moves": moves.to_numpy()})
    if not compare:
        extra["current"] = None
    markers = _add_clinics(fmap, result, colours, extra, lang)
    if compare:
        _add_moves(fmap, result, moves, current, lang)
    LayerControl(collapsed=False).add_to(fmap)

    legend = _legend(
        lang, counts, int(moves.sum()) if compare else None, result.metrics.get("land")
    )
    data = _review_data(result, lang, legend)
    data["bounds"] = bounds
    ReviewControls(data, markers, territory_layers).add_to(fmap)
    assert_safe(fmap.get_root())  # no element may read data as a template
    log.info("map of %d clusters and %d clinics", len(result.clusters), len(result.clinics))
    return fmap
