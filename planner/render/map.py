"""The review map: cluster territories, clinics and links on a self-contained folium map.

Only the render package imports folium.  folium gives the page its frame (the map, the
layer groups and their control, the fit, optional tiles); what is drawn is one compact
payload (:mod:`planner.render.layers`) that the page's own script draws and builds every
tooltip and popup from when it opens (:mod:`planner.render.draw`), with the territories
simplified as one coverage (:mod:`planner.render.shapes`): the map of England's 4,982
practices is 1.4 MB instead of 12.8 MB.  The map carries counts per clinic and per
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

from planner.core.crs import utm_crs
from planner.core.i18n import check_lang, label, labels, link_key, use_words
from planner.core.reasons import localise_result
from planner.evaluate.compare import match_clusters, moved, none_if_blank
from planner.render import layers
from planner.render.assets import strip_cdn_assets
from planner.render.elements import (
    ErrorCatcher,
    FeatureGroup,
    FitBounds,
    LayerControl,
    Map,
    ReviewControls,
    TileLayer,
    assert_safe,
)
from planner.render.shapes import DECIMALS
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
        frame = frame.to_crs(utm_crs(frame))
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


def _palette_index(colours: dict[str, str]) -> dict[str, int]:
    return {cid: PALETTE.index(colour) for cid, colour in colours.items()}


def _current_colours(frame: gpd.GeoDataFrame, ids: str) -> dict[str, int]:
    return _palette_index(cluster_colours(frame, ids=ids))


def _plan_key(result: PlanResult) -> str:
    text = "|".join(result.assignments().astype(str).agg(":".join, axis=1))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _problems(result: PlanResult) -> tuple[pd.Series, dict[str, int]]:
    """Per cluster ``"bad"`` (breaks a rule), ``"crossing"`` (crosses a boundary) or ''."""
    clusters = result.clusters
    bad = (clusters["status"] != "ok").to_numpy()
    crossing = (crossing_flags(clusters) != "").to_numpy()
    kinds = np.where(bad, "bad", np.where(crossing, "crossing", ""))
    left_out = int((result.clinics["status"] != "clustered").sum())
    counts = {"bad": int(bad.sum()), "crossing": int(crossing.sum()), "left_out": left_out}
    return pd.Series(kinds, index=clusters.index, dtype=object), counts


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


def _groups(
    fmap: folium.Map, result: PlanResult, lang: str, compare: bool, problems: bool
) -> dict[str, str]:
    """The map's layers as empty folium groups, in drawing order; the script fills them."""
    key = link_key("layer_links", result.metrics.get("land"))
    wanted = [
        ("current", "layer_current", False, compare),
        ("territories", "layer_territories", True, True),
        ("links", key, True, bool(len(result.links))),
        ("problems", "layer_problems", True, problems),
        ("clinics", "layer_clinics", True, True),
        ("moves", "layer_moves", True, compare),
    ]
    groups = {}
    for name, text, show, present in wanted:
        if not present:
            continue
        group = FeatureGroup(name=label(text, lang), show=show)
        group.add_to(fmap)
        groups[name] = group.get_name()
    return groups


def render_map(
    result: PlanResult, *, tiles: str | None = "OpenStreetMap", lang: str = "en"
) -> folium.Map:
    """Draw a plan as a self-contained folium map.

    The clusters, clinics, links, problems and moves are one compact payload
    (:mod:`planner.render.layers`) that the page's script draws
    (:mod:`planner.render.draw`); the territories are simplified as one coverage
    (:mod:`planner.render.shapes`).

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
        Save it with ``.save(path)``: one HTML file with everything inlined.  Its labels
        use the plan's profile's words (England: PCN, practice).
    """
    with use_words(result.profile.words):
        return _render_map(result, tiles, lang)


def _render_map(result: PlanResult, tiles: str | None, lang: str) -> folium.Map:
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
        moves = pd.Series(
            np.asarray(moved(current, result.clinics["cluster_id"], match), dtype=bool)
        )
        mode = result.request.mode if result.request else result.metrics.get("mode", "plan")
        if mode != "replan":
            # Current clusters of a new plan are its locked clusters: a clinic outside
            # them has no cluster to move from, so only their clinics can move.
            moves &= pd.Series(current.notna().to_numpy())
    kinds, counts = _problems(result)
    groups = _groups(fmap, result, lang, compare, any(counts.values()))
    LayerControl(collapsed=False).add_to(fmap)

    colours = _palette_index(cluster_colours(result.clusters))
    legend = _legend(
        lang, counts, int(moves.sum()) if compare else None, result.metrics.get("land")
    )
    data: dict[str, Any] = {
        "lang": lang,
        "labels": labels(lang),
        # The currency of the profile's funding ("" without one: no money is shown).
        "money": result.profile.funding.symbol_in(lang) if result.profile.funding else "",
        "fmt": {"t": "." if lang == "da" else ",", "d": "," if lang == "da" else "."},
        "status": layers.status_labels(result, lang),
        "palette": list(PALETTE),
        "style": {
            "fill": FILL_OPACITY,
            "left_out": LEFT_OUT_COLOUR,
            "problem": PROBLEM_COLOUR,
            "crossing": CROSSING_COLOUR,
            "move": MOVE_COLOUR,
            "link": LINK_COLOUR,
        },
        "scale": 10**DECIMALS,
        "plan_key": _plan_key(result),
        "clinics": layers.clinic_records(result, current if compare else None, moves),
        "clusters": layers.cluster_records(result, colours, kinds, lang),
        "links": layers.link_records(result, lang),
        "legend": legend,
        "bounds": bounds,
    }
    if compare:
        data["current"] = layers.current_records(result, current, _current_colours)
        data["moves"] = layers.move_texts(result, current, moves, lang)
    ReviewControls(data, groups).add_to(fmap)
    assert_safe(fmap.get_root())  # no element may read data as a template
    log.info("map of %d clusters and %d clinics", len(result.clusters), len(result.clinics))
    return fmap
