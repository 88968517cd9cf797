"""The review map: cluster territories, clinics and links on a folium map.

Only this module imports folium.  The map carries counts per clinic and per cluster,
never a patient-level record.
"""

from __future__ import annotations

import html
import logging

import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from planner.result import PlanResult

__all__ = ["PALETTE", "cluster_colours", "render_map"]

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
LEFT_OUT_COLOUR = "#000000"


def cluster_colours(clusters: gpd.GeoDataFrame) -> dict[str, str]:
    """A colour per cluster such that clusters sharing a border differ.

    Greedy colouring of the cluster adjacency (largest first) needs at most
    ``max degree + 1`` colours; the palette repeats only beyond that.
    """
    graph = nx.Graph()
    ids = clusters["cluster_id"].tolist()
    graph.add_nodes_from(ids)
    geoms = clusters.geometry.to_numpy()
    if len(geoms):
        tree = shapely.STRtree(geoms)
        left, right = tree.query(shapely.buffer(geoms, 1.0), predicate="intersects")
        graph.add_edges_from((ids[a], ids[b]) for a, b in zip(left, right, strict=True) if a != b)
    colouring = nx.greedy_color(graph, strategy="largest_first")
    return {cid: PALETTE[colour % len(PALETTE)] for cid, colour in colouring.items()}


def _cluster_tooltip(row: dict) -> str:
    parts = [
        f"<b>Cluster {html.escape(str(row['cluster_id']))}</b>",
        f"Patients: {row['patients']:,}",
        f"GPs: {row['doctors']:,}",
        f"Clinics: {row['clinics']:,}",
        f"Meeting clinic: {html.escape(str(row['meeting_clinic']))}",
        f"Farthest clinic: {row['farthest_km']:.1f} km",
        f"Annual budget: {row['budget_dkk']:,.0f} kr",
    ]
    if row.get("municipalities"):
        parts.insert(4, f"Municipalities: {html.escape(str(row['municipalities']))}")
    if row["status"] != "ok":
        parts.append(f"<b>Status: {html.escape(str(row['status']))}</b>")
    return "<br>".join(parts)


def _clinic_tooltip(row: dict) -> str:
    cluster = row["cluster_id"] or "none"
    text = (
        f"<b>{html.escape(str(row['name']))}</b> ({html.escape(str(row['clinic_id']))})<br>"
        f"Patients: {row['patients']:,}<br>GPs: {row['doctors']:,}<br>"
        f"Cluster: {html.escape(str(cluster))}"
    )
    if row["status"] != "clustered":
        text += f"<br><b>Left out:</b> {html.escape(str(row['reason']))}"
    return text


def render_map(
    result: PlanResult, *, tiles: str | None = "OpenStreetMap", lang: str = "en"
) -> folium.Map:
    """Draw a plan as a folium map.

    Parameters
    ----------
    result
        The plan.
    tiles
        Background tiles (needs internet when viewed); ``None`` for none.
    lang
        Label language (``"en"``; Danish labels are still to come).

    Returns
    -------
    folium.Map
    """
    clusters = result.clusters.to_crs("EPSG:4326")
    clinics = result.clinics.to_crs("EPSG:4326")
    links = result.links.to_crs("EPSG:4326")
    minx, miny, maxx, maxy = clinics.total_bounds
    fmap = folium.Map(tiles=tiles, control_scale=True, prefer_canvas=True)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    colours = cluster_colours(result.clusters)

    territory_layer = folium.FeatureGroup(name="Cluster territories", show=True)
    for row in clusters.to_dict("records"):
        colour = colours[row["cluster_id"]]
        geom = shapely.simplify(row["geometry"], 0.0005)
        folium.GeoJson(
            geom.__geo_interface__,
            style_function=lambda _f, c=colour: {
                "fillColor": c,
                "color": "#333333",
                "weight": 1,
                "fillOpacity": 0.45,
            },
            tooltip=folium.Tooltip(_cluster_tooltip(row)),
        ).add_to(territory_layer)
    territory_layer.add_to(fmap)

    clinic_layer = folium.FeatureGroup(name="Clinics", show=True)
    scale = np.sqrt(max(float(clinics["patients"].max()), 1.0))
    for row in clinics.to_dict("records"):
        point = row["geometry"]
        left_out = row["status"] != "clustered"
        colour = LEFT_OUT_COLOUR if left_out else colours.get(row["cluster_id"], "#444444")
        folium.CircleMarker(
            location=[point.y, point.x],
            radius=3 + 9 * np.sqrt(max(row["patients"], 0)) / scale,
            color="#ffffff" if not left_out else "#ff0000",
            weight=1 if not left_out else 3,
            fill=True,
            fill_color=colour,
            fill_opacity=0.9,
            tooltip=folium.Tooltip(_clinic_tooltip(row)),
        ).add_to(clinic_layer)
    clinic_layer.add_to(fmap)

    if len(links):
        link_layer = folium.FeatureGroup(name="Links across water", show=True)
        for row in links.to_dict("records"):
            coords = [(y, x) for x, y in row["geometry"].coords]
            folium.PolyLine(
                coords,
                color="#0b3d91",
                weight=2,
                dash_array="6 6",
                tooltip=f"{row['kind']} link {row['clinic_a']} - {row['clinic_b']}: "
                f"{row['distance_km']:.1f} km",
            ).add_to(link_layer)
        link_layer.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap
