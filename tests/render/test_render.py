"""The review map: its folium object tree, its one data payload and its HTML, offline and
in two languages.  What the page's script makes of the payload (tooltips, popups, the DOM)
is checked in a real browser in ``test_browser.py``."""

from __future__ import annotations

import dataclasses
import json
import re

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from conftest import island_table
from planner.api import plan
from planner.core.i18n import LABELS, LANGUAGES, label
from planner.core.rules import Rules
from planner.demo.region import load_demo, load_demo_land
from planner.output.report_html import report_html
from planner.render import PALETTE, cluster_adjacency, cluster_colours, render_map
from planner.render.elements import ReviewControls
from planner.render.shapes import decode


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


def _data(fmap) -> dict:
    (controls,) = [e for e in _walk(fmap) if isinstance(e, ReviewControls)]
    return controls.data


def _payload(page: str) -> dict:
    """The JSON payload the page's script reads (``plannerReview(map, DATA, groups)``)."""
    start = page.index("{", page.rindex("plannerReview("))
    data, _end = json.JSONDecoder().raw_decode(page, start)
    return data


def _has(page: str, text: str) -> bool:
    """Whether ``text`` is in the page as it is or as JSON escapes it."""
    return text in page or json.dumps(text)[1:-1] in page


def _layers(fmap) -> dict:
    return {e.layer_name: e for e in _walk(fmap) if isinstance(e, folium.FeatureGroup)}


#: Every key a clinic's or cluster's record may have (layers.py): counts, never a patient.
CLINIC_KEYS = {"id", "name", "at", "r", "p", "d", "k", "o", "s", "w", "mu", "rg", "cu", "mv"}
CLUSTER_KEYS = {"id", "t", "at", "bounds", "c", "g", "p", "d", "n", "s", "mu", "b", "su", "mc"}
CLUSTER_KEYS |= {"co", "f", "no", "x", "pr"}


def test_one_payload_holds_every_cluster_and_clinic(demo_result):
    fmap = render_map(demo_result)
    elements = list(_walk(fmap))
    data = _data(fmap)
    clusters = {k["id"]: k for k in data["clusters"]}
    assert list(clusters) == demo_result.clusters["cluster_id"].tolist()
    assert all(k["g"] for k in clusters.values())  # every territory drawn
    assert [c["id"] for c in data["clinics"]] == demo_result.clinics["clinic_id"].tolist()
    assert [c["name"] for c in data["clinics"]] == demo_result.clinics["name"].tolist()
    # Counts per clinic and per cluster, nothing else: never a patient-level record.
    assert all(set(c) <= CLINIC_KEYS for c in data["clinics"])
    assert all(set(k) <= CLUSTER_KEYS for k in data["clusters"])
    for clinic, row in zip(
        data["clinics"], demo_result.clinics.to_crs("EPSG:4326").itertuples(), strict=True
    ):
        assert clinic["k"] == row.cluster_id and clinic["p"] == row.patients
        assert clinic["at"] == pytest.approx([row.geometry.y, row.geometry.x], abs=1e-5)
        assert 3 <= clinic["r"] <= 12
    # One compact layer: no folium marker, tooltip, popup or GeoJSON object per item.
    heavy = (folium.CircleMarker, folium.GeoJson, folium.Tooltip, folium.Popup, folium.PolyLine)
    assert not [e for e in elements if isinstance(e, heavy)]
    layers = _layers(fmap)
    assert {"Proposed clusters", "Clinics", "Links across water"} <= set(layers)
    assert any(isinstance(e, folium.LayerControl) for e in elements)
    # The page carries exactly this payload.
    assert _payload(fmap.get_root().render()) == json.loads(json.dumps(data))


def test_territories_are_the_clusters(demo_result):
    data = _data(render_map(demo_result))
    shown = gpd.GeoSeries([decode(k["g"]) for k in data["clusters"]], crs="EPSG:4326").to_crs(
        demo_result.clusters.crs
    )
    real = demo_result.clusters.geometry.reset_index(drop=True)
    overlap = shown.intersection(real).area / real.area
    assert overlap.min() > 0.995  # each territory is its cluster, lightly simplified
    lonlat = demo_result.clusters.to_crs("EPSG:4326")
    for k, geom in zip(data["clusters"], lonlat.geometry, strict=True):
        west, south, east, north = geom.bounds
        (south_, west_), (north_, east_) = k["bounds"]
        assert [south_, west_, north_, east_] == pytest.approx([south, west, north, east], abs=1e-5)
        # The name is written at a point of the cluster.
        assert geom.buffer(1e-5).contains(shapely.Point(k["at"][1], k["at"][0]))


def test_cluster_record_has_every_figure(demo_result):
    data = _data(render_map(demo_result))
    for k, row in zip(data["clusters"], demo_result.clusters.itertuples(), strict=True):
        assert (k["p"], k["d"], k["n"]) == (row.patients, round(row.doctors), row.clinics)
        assert k["b"] == round(row.budget_dkk) and k["su"] == round(row.startup_dkk)
        assert k["f"] == round(row.farthest_km, 1) and k["mc"] == row.meeting_clinic
        assert k["s"] == row.status and k.get("mu", "") == (row.municipalities or "")
        assert k.get("co") in (None, row.coordinator_clinic)
    # A cluster's members are the clinics whose record names it (listed in its popup).
    first = data["clusters"][0]["id"]
    members = [c["id"] for c in data["clinics"] if c.get("k") == first]
    own = demo_result.clinics["cluster_id"] == first
    assert members == demo_result.clinics.loc[own, "clinic_id"].tolist()


def test_the_map_is_light(demo_result):
    page = render_map(demo_result).get_root().render()
    assert len(page.encode("utf-8")) < 400_000  # 760 kB when every item had its own script
    # The body holds folium's few layer groups and the payload: no script per item.
    body = page[page.index("</head>") :]
    for call in ("L.circleMarker(", "L.geoJson(", "bindTooltip(", "bindPopup(", "L.polyline("):
        assert call not in body, call
    assert body.count("L.featureGroup(") == len(_layers(render_map(demo_result)))


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
    data = _data(render_map(demo_result))
    ids = demo_result.clinics["cluster_id"].tolist()
    interior = 0
    for i, entry in enumerate(data["clinics"]):
        # Exactly the clusters of the clinic's neighbours in the graph (borders, links).
        near = {ids[j] for j in demo_result.graph.neighbors(i)} - {ids[i], None}
        assert entry.get("o", []) == sorted(near), entry
        interior += entry.get("k") is not None and not entry.get("o")
    assert interior > 0  # the demo has clinics inside their cluster: they are offered none
    by_id = {e["id"]: e for e in data["clinics"]}
    assert "o" not in by_id["DEMO0050"]  # the interior clinic of the issue


def test_danish_labels(demo_result):
    page = render_map(demo_result, lang="da").get_root().render()
    for key in ("layer_territories", "layer_clinics", "search_placeholder", "feedback_title"):
        assert _has(page, label(key, "da")), key
    assert _has(page, "Foreslåede klynger") and _has(page, "Patienter")
    assert not _has(page, "Proposed clusters") and not _has(page, "Patients")
    # Danish separators (the tooltips show 31.234 and 12,5 km: see test_browser.py).
    assert _payload(page)["fmt"] == {"t": ".", "d": ","}
    assert _payload(render_map(demo_result).get_root().render())["fmt"] == {"t": ",", "d": "."}


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
    assert "Problems" in _layers(fmap)
    outlined = {k["id"]: k.get("pr") for k in _data(fmap)["clusters"] if k.get("pr")}
    first, second = clusters["cluster_id"].iloc[:2]
    assert outlined == {first: "bad", second: "crossing"}
    page = fmap.get_root().render()
    assert "below minimum" in page and "Clusters breaking a rule: 1" in page
    assert "Clusters crossing a boundary: 1" in page and "crosses municipality" in page


def test_left_out_clinics_are_marked():
    table = island_table()
    result = plan(table, rules=Rules(min_patients=30_000, link_max_km=5.0))
    assert len(result.unassigned) == 1
    fmap = render_map(result, tiles=None)
    assert "Problems" in _layers(fmap)
    data = _data(fmap)
    ringed = [c for c in data["clinics"] if c.get("s")]  # drawn with a ring in Problems
    assert [c["id"] for c in ringed] == ["far"]
    far = ringed[0]
    assert far["s"] == "left out" and far["w"] == result.unassigned["reason"].iloc[0]
    # It borders no cluster: nothing is offered that the next run could only refuse.
    assert "k" not in far and "o" not in far
    assert data["labels"]["feedback_alone"].startswith("This clinic is in no cluster")
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
    assert demo_result.request is not None
    request = dataclasses.replace(demo_result.request, mode="replan")
    replanned = dataclasses.replace(demo_result, clinics=clinics, request=request)
    fmap = render_map(replanned)
    layers = _layers(fmap)
    assert "Current clusters" in layers and not layers["Current clusters"].show
    assert "Clinics that move" in layers
    data = _data(fmap)
    ids = clinics["clinic_id"].tolist()
    rings = [ids[i] for i, _text in data["moves"]]
    assert rings == [ids[mover], ids[-1]]  # the mover, and the clinic with no current cluster
    assert {k["id"] for k in data["current"]} == set(current) - {""}
    assert all(k["g"] for k in data["current"])
    by_id = {c["id"]: c for c in data["clinics"]}
    assert by_id[ids[mover]]["cu"] == f"K{other}" and by_id[ids[mover]]["mv"] == 1
    assert "cu" not in by_id[ids[-1]] and by_id[ids[-1]]["mv"] == 1
    page = fmap.get_root().render()
    assert f"Moves from K{other} to {first}" in page
    assert "Clinics that move: 2" in page


def test_locked_clusters_of_a_new_plan_mark_only_their_own_clinics_as_moving(demo_result):
    """In a new plan the current clusters are the locked ones: the clinics outside every lock
    have no cluster to move from (in a re-plan such a clinic is new, and joining is a move)."""
    clinics = demo_result.clinics.copy()
    first = demo_result.clusters["cluster_id"].iloc[0]
    current = pd.Series([""] * len(clinics), dtype=object)
    locked = clinics.index[clinics["cluster_id"] == first]
    current[locked] = "Klynge Nord"
    current[locked[0]] = "Klynge Syd"  # one locked clinic that the plan puts elsewhere
    clinics["current_cluster"] = current
    data = _data(render_map(dataclasses.replace(demo_result, clinics=clinics)))
    ids = clinics["clinic_id"].tolist()
    assert [ids[i] for i, _text in data["moves"]] == [ids[locked[0]]]


def test_no_comparison_without_current_values(demo_result):
    clinics = demo_result.clinics.copy()
    clinics["current_cluster"] = None
    fmap = render_map(dataclasses.replace(demo_result, clinics=clinics))
    assert not {"Current clusters", "Clinics that move"} & set(_layers(fmap))
    data = _data(fmap)
    assert "current" not in data and "moves" not in data
    assert not any("cu" in c or "mv" in c for c in data["clinics"])


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
    return {item["text"] for item in _data(fmap)["legend"]["items"]}


def test_every_element_of_the_map_renders_safely(demo_result):
    from branca.element import Element

    from planner.render.elements import SafeMacro, UnsafeElementError, assert_safe

    fmap = render_map(demo_result, tiles="OpenStreetMap")
    macros = [e for e in _walk(fmap.get_root()) if isinstance(e, folium.MacroElement)]
    assert macros and all(isinstance(e, SafeMacro) for e in macros)
    # The payload is data: no text of it is part of a template.
    fmap_names = dataclasses.replace(
        demo_result,
        clinics=demo_result.clinics.assign(name="{{ 7*7 }} {% if 1 %}X{% endif %} </script>"),
    )
    page = render_map(fmap_names).get_root().render()
    assert "{{ 7*7 }} {% if 1 %}X{% endif %} \\u003c/script\\u003e" in page and ">49<" not in page
    # A plain folium element, or an Element built from text, is refused.
    folium.Marker([55.0, 10.0], tooltip="{{7*7}}").add_to(fmap)
    with pytest.raises(UnsafeElementError, match="Marker"):
        assert_safe(fmap.get_root())
    other = render_map(demo_result, tiles=None)
    other.get_root().html.add_child(Element("<b>{{7*7}}</b>"))
    with pytest.raises(UnsafeElementError, match="Element"):
        assert_safe(other.get_root())
