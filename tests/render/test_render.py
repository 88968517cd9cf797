"""The review map: its folium object tree and its HTML, offline and in two languages."""

from __future__ import annotations

import dataclasses
import json
import re

import folium
import pandas as pd
import pytest

from conftest import island_table
from planner.api import plan
from planner.core.i18n import LABELS, LANGUAGES, label
from planner.core.rules import Rules
from planner.demo.region import load_demo, load_demo_land
from planner.output.report_html import report_html
from planner.render import PALETTE, cluster_adjacency, cluster_colours, render_map
from planner.render.elements import Pop, ReviewControls, Tip


@pytest.fixture(scope="module")
def demo_result():
    return plan(load_demo(), land=load_demo_land(), random_state=0)


@pytest.fixture(scope="module")
def demo_html(demo_result):
    return render_map(demo_result).get_root().render()


def _walk(element):
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _tips(element) -> str:
    return " ".join(c.text for c in element._children.values() if isinstance(c, Tip | Pop))


def _has(page: str, text: str) -> bool:
    """Whether ``text`` is in the page as it is or as JSON escapes it."""
    return text in page or json.dumps(text)[1:-1] in page


def test_object_tree_has_every_cluster_and_clinic(demo_result):
    fmap = render_map(demo_result)
    elements = list(_walk(fmap))
    territories = [e for e in elements if isinstance(e, folium.GeoJson)]
    shown = {
        e.data["features"][0]["properties"].get("cluster_id")
        for e in territories
        if e.data["features"][0]["properties"].get("cluster_id")
    }
    assert shown == set(demo_result.clusters["cluster_id"])
    markers = [e for e in elements if isinstance(e, folium.CircleMarker)]
    texts = " ".join(_tips(m) for m in markers)
    for cid in demo_result.clinics["clinic_id"]:
        assert f"({cid})" in texts
    (controls,) = [e for e in elements if isinstance(e, ReviewControls)]
    assert set(controls.markers) == set(demo_result.clinics["clinic_id"])
    assert [c["id"] for c in controls.data["clinics"]] == demo_result.clinics["clinic_id"].tolist()
    # The script's data names clinics and clusters; the counts are in tooltips only.
    assert all(set(c) == {"id", "name", "cluster", "options"} for c in controls.data["clinics"])
    layers = {e.layer_name for e in elements if isinstance(e, folium.FeatureGroup)}
    assert {"Proposed clusters", "Clinics", "Links across water"} <= layers
    assert any(isinstance(e, folium.LayerControl) for e in elements)


def test_cluster_popup_has_every_figure(demo_result):
    fmap = render_map(demo_result)
    row = demo_result.clusters.iloc[0]
    (gj,) = [
        e
        for e in _walk(fmap)
        if isinstance(e, folium.GeoJson)
        and e.data["features"][0]["properties"].get("cluster_id") == row["cluster_id"]
    ]
    text = _tips(gj)
    for word in ("Patients", "GPs", "Clinics", "Municipalities", "Annual budget", "Start-up"):
        assert word in text
    assert row["meeting_clinic"] in text and f"{row['patients']:,}" in text
    assert f"{row['farthest_km']:.1f} km" in text and "Status" in text
    # Its clinics are listed, so a practice finds its cluster's members in one place.
    members = demo_result.clinics[demo_result.clinics["cluster_id"] == row["cluster_id"]]
    assert "Clinics in the cluster" in text
    assert all(f"({cid})" in text for cid in members["clinic_id"])


def test_html_needs_no_external_url(demo_html):
    assert re.search(r"<script[^>]*\bsrc=", demo_html) is None
    assert re.search(r"<link[^>]*\bhref=", demo_html) is None
    for url in re.findall(r"https?://[^\s\"'<>)\\]+", demo_html):
        # Only the optional tile layer (and comments or attributions inside Leaflet).
        assert url.startswith(
            (
                "https://tile.openstreetmap.org/",
                "https://www.openstreetmap.org/copyright",
                "https://leafletjs.com",
                "http://www.w3.org/",
                "https://bugs.chromium.org/",
                "https://bugzilla.mozilla.org/",
            )
        ), url
    assert "url(images/" not in demo_html and "sourceMappingURL" not in demo_html
    assert "L.map(" in demo_html and "Leaflet 1.9" in demo_html
    assert "jquery" not in demo_html.lower() and "bootstrap" not in demo_html.lower()


def test_without_tiles_no_tile_url(demo_result):
    page = render_map(demo_result, tiles=None).get_root().render()
    assert "tile.openstreetmap.org" not in page
    assert "L.tileLayer" not in page


def test_neighbouring_clusters_differ_in_colour(demo_result):
    colours = cluster_colours(demo_result.clusters)
    graph = cluster_adjacency(demo_result.clusters)
    assert graph.number_of_edges() > len(demo_result.clusters)  # a real map, not islands
    for a, b in graph.edges:
        assert colours[a] != colours[b]
    assert set(colours.values()) <= set(PALETTE)


def test_proposal_options_are_only_moves_the_planner_can_honour(demo_result):
    fmap = render_map(demo_result)
    (controls,) = [e for e in _walk(fmap) if isinstance(e, ReviewControls)]
    ids = demo_result.clinics["cluster_id"].tolist()
    interior = 0
    for i, entry in enumerate(controls.data["clinics"]):
        # Exactly the clusters of the clinic's neighbours in the graph (borders, links).
        near = {ids[j] for j in demo_result.graph.neighbors(i)} - {ids[i], None}
        assert entry["options"] == sorted(near), entry
        interior += entry["cluster"] is not None and not entry["options"]
    assert interior > 0  # the demo has clinics inside their cluster: they are offered none
    by_id = {e["id"]: e for e in controls.data["clinics"]}
    assert by_id["DEMO0050"]["options"] == []  # the interior clinic of the issue


def test_danish_labels(demo_result):
    page = render_map(demo_result, lang="da").get_root().render()
    for key in ("layer_territories", "layer_clinics", "search_placeholder", "feedback_title"):
        assert _has(page, label(key, "da")), key
    assert _has(page, "Foreslåede klynger") and _has(page, "Patienter")
    assert not _has(page, "Proposed clusters") and not _has(page, "Patients")
    # Danish thousands separator in a cluster's tooltip.
    first = demo_result.clusters.iloc[0]
    assert f"{first['patients']:,}".replace(",", ".") in page


def test_every_label_in_every_language():
    for key, texts in LABELS.items():
        assert len(texts) == len(LANGUAGES) and all(t.strip() for t in texts), key


def test_unknown_language_is_refused(demo_result):
    with pytest.raises(ValueError, match="language"):
        render_map(demo_result, lang="sv")


def test_problems_are_highlighted(demo_result):
    clusters = demo_result.clusters.copy()
    clusters.loc[0, "status"] = "below minimum"
    clusters["crossings"] = ""
    clusters["crosses_municipality"] = False
    clusters.loc[1, "crosses_municipality"] = True
    result = dataclasses.replace(demo_result, clusters=clusters)
    fmap = render_map(result)
    layers = {e.layer_name: e for e in _walk(fmap) if isinstance(e, folium.FeatureGroup)}
    problems = layers["Problems"]
    outlines = [e for e in _walk(problems) if isinstance(e, folium.GeoJson)]
    assert len(outlines) == 2
    page = fmap.get_root().render()
    assert "below minimum" in page and "Clusters breaking a rule: 1" in page
    assert "Clusters crossing a boundary: 1" in page and "crosses municipality" in page


def test_left_out_clinics_are_marked():
    table = island_table()
    result = plan(table, rules=Rules(min_patients=30_000, link_max_km=5.0))
    assert len(result.unassigned) == 1
    fmap = render_map(result, tiles=None)
    layers = {e.layer_name: e for e in _walk(fmap) if isinstance(e, folium.FeatureGroup)}
    rings = [e for e in _walk(layers["Problems"]) if isinstance(e, folium.CircleMarker)]
    assert len(rings) == 1
    (controls,) = [e for e in _walk(fmap) if isinstance(e, ReviewControls)]
    far = next(c for c in controls.data["clinics"] if c["id"] == "far")
    # It borders no cluster: nothing is offered that the next run could only refuse.
    assert far["cluster"] is None and far["options"] == []
    assert controls.data["labels"]["feedback_alone"].startswith("This clinic is in no cluster")
    assert "Clinics left out: 1" in fmap.get_root().render()


def test_comparison_layers_and_moves(demo_result):
    clinics = demo_result.clinics.copy()
    current = clinics["cluster_id"].map(lambda c: f"K{c}").astype(object)
    first = demo_result.clusters["cluster_id"].iloc[0]
    mover = clinics.index[clinics["cluster_id"] == first][0]
    other = demo_result.clusters["cluster_id"].iloc[1]
    current[mover] = f"K{other}"
    current[clinics.index[-1]] = ""  # a blank current cluster counts as none
    clinics["current_cluster"] = current
    fmap = render_map(dataclasses.replace(demo_result, clinics=clinics))
    layers = {e.layer_name: e for e in _walk(fmap) if isinstance(e, folium.FeatureGroup)}
    assert "Current clusters" in layers and not layers["Current clusters"].show
    rings = [e for e in _walk(layers["Clinics that move"]) if isinstance(e, folium.CircleMarker)]
    assert len(rings) == 2  # the mover, and the clinic with no current cluster
    page = fmap.get_root().render()
    assert f"Moves from K{other} to {first}" in page
    assert "Clinics that move: 2" in page


def test_no_comparison_without_current_values(demo_result):
    clinics = demo_result.clinics.copy()
    clinics["current_cluster"] = None
    fmap = render_map(dataclasses.replace(demo_result, clinics=clinics))
    names = {e.layer_name for e in _walk(fmap) if isinstance(e, folium.FeatureGroup)}
    assert "Current clusters" not in names and "Clinics that move" not in names


def test_names_with_quotes_cannot_break_the_script(demo_result):
    clinics = demo_result.clinics.copy()
    clinics.loc[0, "name"] = "Dr. `O'Neil` </script><script>alert(1)</script> ${x}"
    page = render_map(dataclasses.replace(demo_result, clinics=clinics)).get_root().render()
    assert "<script>alert(1)" not in page
    assert page.count("</script>") == page.count("<script")


def test_map_opens_fitted_tightly_to_clinics_and_territories(demo_result):
    from planner.render.map import FIT_PADDING, map_bounds

    (south, west), (north, east) = map_bounds(demo_result)
    lon = demo_result.territories.to_crs("EPSG:4326").total_bounds
    assert (west, south, east, north) == pytest.approx(tuple(lon))
    dots = demo_result.clinics.to_crs("EPSG:4326").total_bounds
    assert west <= dots[0] and south <= dots[1] and east >= dots[2] and north >= dots[3]
    page = render_map(demo_result).get_root().render()
    # Fractional zoom: the view is not snapped out to the next whole zoom level.
    assert re.search(r'"zoomSnap": 0\.\d', page)
    assert json.dumps([[south, west], [north, east]]) in page
    assert f'"padding": {json.dumps(list(FIT_PADDING))}' in page


def test_links_without_a_land_map_are_not_called_links_across_water():
    # two towns 40 km apart, no land given: the land is estimated from the clinics and
    # the link between the towns crosses open country, not (known) water
    table = pd.DataFrame(
        {
            "clinic_id": ["a", "b", "c", "d"],
            "name": ["A", "B", "C", "D"],
            "lat": [55.0, 55.01, 55.0, 55.01],
            "lon": [10.0, 10.0, 10.63, 10.63],
            "patients": [20_000, 20_000, 20_000, 20_000],
            "doctors": [10, 10, 10, 10],
        }
    )
    result = plan(table, rules=Rules(min_patients=30_000))
    assert len(result.links) == 1 and result.metrics["land"] == "estimated"
    fmap = render_map(result, tiles=None)
    layers = {e.layer_name for e in _walk(fmap) if isinstance(e, folium.FeatureGroup)}
    assert "Links across gaps" in layers and "Links across water" not in layers
    assert _legend_texts(fmap) >= {label("legend_link_gap")}
    assert label("legend_link") not in _legend_texts(fmap)
    report = report_html(result)
    assert label("report_links_gap") in report and label("report_links") not in report
    danish = render_map(result, tiles=None, lang="da")
    assert "Forbindelser over afstande" in {
        e.layer_name for e in _walk(danish) if isinstance(e, folium.FeatureGroup)
    }


def test_links_with_a_land_map_are_links_across_water(demo_result):
    assert demo_result.metrics["land"] == "given" and len(demo_result.links)
    texts = _legend_texts(render_map(demo_result, tiles=None))
    assert label("legend_link") in texts and label("legend_link_gap") not in texts


def _legend_texts(fmap) -> set[str]:
    (controls,) = [e for e in _walk(fmap) if isinstance(e, ReviewControls)]
    return {item["text"] for item in controls.data["legend"]["items"]}


def test_every_element_of_the_map_renders_safely(demo_result):
    from branca.element import Element

    from planner.render.elements import SafeMacro, UnsafeElementError, assert_safe

    fmap = render_map(demo_result, tiles="OpenStreetMap")
    macros = [e for e in _walk(fmap.get_root()) if isinstance(e, folium.MacroElement)]
    assert macros and all(isinstance(e, SafeMacro) for e in macros)
    # A plain folium element, or an Element built from text, is refused.
    folium.Marker([55.0, 10.0], tooltip="{{7*7}}").add_to(fmap)
    with pytest.raises(UnsafeElementError, match="Marker"):
        assert_safe(fmap.get_root())
    other = render_map(demo_result, tiles=None)
    other.get_root().html.add_child(Element("<b>{{7*7}}</b>"))
    with pytest.raises(UnsafeElementError, match="Element"):
        assert_safe(other.get_root())
