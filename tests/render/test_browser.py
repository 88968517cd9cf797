"""The map in a real headless Chromium, offline: no script error, coloured territories.

Chromium runs with every host name unresolvable, so anything the page tried to fetch
would fail; the page must draw all the same.  In CI (``CI=true``) a missing browser is a
failure (scripts/install-browser.sh installs Debian's chromium); elsewhere the tests skip.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import popups_reference as reference
import pytest
import shapely

from conftest import chromium_path, dom_attr, island_table, js_errors, run_page
from planner.api import plan
from planner.core.i18n import label
from planner.core.reasons import localise_result
from planner.core.rules import Rules
from planner.demo.region import load_demo, load_demo_land
from planner.evaluate.compare import match_clusters, moved, none_if_blank
from planner.output.write import write_outputs
from planner.render import FILL_OPACITY, PALETTE, cluster_colours, render_map
from planner.result.schema import crossing_flags

#: Leaflet's container background, seen where no tile loads (offline).
BACKGROUND = (221, 221, 221)


@pytest.fixture(scope="module")
def plan_dirs(tmp_path_factory):
    result = plan(load_demo(), land=load_demo_land(), random_state=0)
    dirs = {}
    for lang in ("en", "da"):
        out = tmp_path_factory.mktemp(f"plan_{lang}")
        write_outputs(result, out, lang=lang)
        dirs[lang] = out
    return result, dirs


def _pixels(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"), dtype=np.int16)


def _blend(colour: str) -> np.ndarray:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], float)
    return np.round(FILL_OPACITY * rgb + (1 - FILL_OPACITY) * np.array(BACKGROUND))


def test_map_renders_offline_without_errors(chromium, plan_dirs, tmp_path):
    result, dirs = plan_dirs
    shot = tmp_path / "map_en.png"
    dom, log = run_page(chromium, dirs["en"] / "map.html", shot)
    assert dom_attr(dom, "data-planner-errors") is None, dom_attr(dom, "data-planner-errors")
    assert js_errors(log) == []
    assert dom_attr(dom, "data-planner-ready") == str(len(result.clinics))
    # The controls are on the page, with their English labels.
    assert "Find clinic (name or id)" in dom and "Propose a change" in dom
    assert "leaflet-control-layers" in dom and "Cluster proposal" in dom

    pixels = _pixels(shot)
    assert pixels.shape[:2] == (900, 1200)
    used = sorted(set(cluster_colours(result.clusters).values()))
    counts = {}
    for colour in used:
        close = np.abs(pixels - _blend(colour)).max(axis=2) <= 8
        counts[colour] = int(close.sum())
    territory = sum(counts.values())
    # The region is fitted between the search box and the legend, so that neither covers it.
    assert territory > 0.08 * pixels.shape[0] * pixels.shape[1], counts
    # The region fills the window in one direction: no wide empty margin around it.
    drawn = np.zeros(pixels.shape[:2], dtype=bool)
    for colour in used:
        drawn |= np.abs(pixels - _blend(colour)).max(axis=2) <= 8
    # (rows and columns with a few pixels only are the legend's swatch, not the region)
    rows, cols = np.flatnonzero(drawn.sum(axis=1) > 25), np.flatnonzero(drawn.sum(axis=0) > 25)
    # The region is fitted between the search box (left) and the legend (right).
    fit = json.loads(dom_attr(dom, "data-planner-fit") or "{}")
    free = pixels.shape[1] - fit["left"] - fit["right"]
    spans = ((rows[-1] - rows[0]) / pixels.shape[0], (cols[-1] - cols[0]) / free)
    assert max(spans) > 0.75, spans  # 0.61 when the view snapped out a whole zoom level
    assert cols[0] >= fit["left"] - 2 and cols[-1] <= pixels.shape[1] - fit["right"] + 2
    assert sum(n > 2_000 for n in counts.values()) >= 3, counts
    assert set(used) <= set(PALETTE)


def test_danish_map_renders_offline(chromium, plan_dirs, tmp_path):
    result, dirs = plan_dirs
    dom, log = run_page(chromium, dirs["da"] / "map.html", tmp_path / "map_da.png")
    assert dom_attr(dom, "data-planner-errors") is None
    assert js_errors(log) == []
    assert dom_attr(dom, "data-planner-ready") == str(len(result.clinics))
    assert "Find praksis (navn eller nr.)" in dom and "Foreslå en ændring" in dom
    assert "Foreslåede klynger" in dom and "Klyngeforslag" in dom


def test_reviewer_proposes_a_change_and_gets_the_csv(chromium, plan_dirs, tmp_path):
    result, dirs = plan_dirs
    clinic = result.clinics.iloc[0]
    page = (dirs["en"] / "map.html").read_text(encoding="utf-8")
    driver = """<script>
(function () {
  var api = window.plannerReviewApi, out = {};
  try {
    out.search = api.search(NAME);
    out.options = api.select(CLINIC_ID);
    out.count = api.propose(out.options[0], 'Closer to "them", by bus\\n=2+3');
    out.csv = api.csv();
    out.summary = document.querySelector(".planner-feedback summary").textContent;
  } catch (e) { out.error = String(e); }
  document.documentElement.setAttribute("data-test", JSON.stringify(out));
})();
</script>"""
    driver = driver.replace("NAME", json.dumps(clinic["name"][:6]))
    driver = driver.replace("CLINIC_ID", json.dumps(clinic["clinic_id"]))
    driven = tmp_path / "driven.html"
    driven.write_text(page.replace("</html>", driver + "\n</html>"), encoding="utf-8")
    dom, log = run_page(chromium, driven)
    out = json.loads(dom_attr(dom, "data-test") or "{}")
    assert "error" not in out, out
    assert clinic["name"] in out["search"]
    assert out["options"] and clinic["cluster_id"] not in out["options"]
    assert out["count"] == 1
    assert out["summary"].endswith("(1 proposal)")  # not "1 proposals"
    assert out["csv"] == (
        "clinic_id,proposed_cluster,comment\r\n"
        f'{clinic["clinic_id"]},{out["options"][0]},"Closer to ""them"", by bus\n=2+3"\r\n'
    )
    assert dom_attr(dom, "data-planner-errors") is None and js_errors(log) == []


def test_missing_browser_fails_in_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setattr("conftest.CHROMIUM_PATHS", ())
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    monkeypatch.delenv("PLANNER_CHROMIUM", raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser test"):
        chromium_path()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        chromium_path()


def _driven(page: Path, script: str, out: Path) -> Path:
    """A copy of ``page`` with ``script`` run a moment after the page has loaded."""
    text = page.read_text(encoding="utf-8")
    head, tail = text.rsplit("</html>", 1)
    driver = (
        '<script>window.addEventListener("load", function () { setTimeout(function () {\n'
        f"{script}\n}}, 300); }});</script>"
    )
    out.write_text(head + driver + "\n</html>" + tail, encoding="utf-8")
    return out


def test_clicking_a_search_result_keeps_its_popup_open(chromium, plan_dirs, tmp_path):
    result, dirs = plan_dirs
    clinic = result.clinics.set_index("clinic_id").loc["DEMO0050"]
    script = f"""
  var input = document.querySelector(".planner-search input");
  input.value = {json.dumps(clinic["name"][:12])};
  input.dispatchEvent(new Event("input"));
  var hit = Array.prototype.find.call(document.querySelectorAll(".planner-search li"),
    function (li) {{ return li.textContent.indexOf("DEMO0050") >= 0; }});
  hit.click();
  setTimeout(function () {{
    var pop = document.querySelector(".leaflet-popup-content");
    document.documentElement.setAttribute("data-test", pop ? pop.textContent : "none");
  }}, 1500);"""
    dom, log = run_page(chromium, _driven(dirs["en"] / "map.html", script, tmp_path / "s.html"))
    assert js_errors(log) == []
    shown = dom_attr(dom, "data-test") or ""
    assert "DEMO0050" in shown and clinic["name"] in shown  # still open 1.5 s later


def test_a_link_with_a_clinic_id_opens_its_clinic_and_outlines_its_cluster(
    chromium, plan_dirs, tmp_path
):
    result, dirs = plan_dirs
    script = """
  var pop = document.querySelector(".leaflet-popup-content");
  document.documentElement.setAttribute("data-test", pop ? pop.textContent : "");"""
    page = _driven(dirs["en"] / "map.html", script, tmp_path / "h.html")
    dom, log = run_page(chromium, page, fragment="#DEMO0050")
    assert js_errors(log) == []
    assert "DEMO0050" in (dom_attr(dom, "data-test") or "")
    own = result.clinics.set_index("clinic_id").loc["DEMO0050", "cluster_id"]
    assert dom_attr(dom, "data-planner-outlined") == own  # its cluster is outlined


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768)])
def test_on_a_laptop_screen_names_show_and_the_legend_covers_no_territory(
    chromium, plan_dirs, tmp_path, size
):
    result, dirs = plan_dirs
    shot = tmp_path / "laptop.png"
    dom, log = run_page(chromium, dirs["en"] / "map.html", shot, size=size)
    assert js_errors(log) == []
    names = re.findall(r'class="[^"]*planner-name[^"]*"[^>]*>([^<]+)<', dom)
    assert len(set(names)) >= 0.8 * len(result.clusters), names  # clusters are named
    assert set(names) <= set(result.clusters["cluster_id"])
    fit = json.loads(dom_attr(dom, "data-planner-fit") or "{}")
    pixels = _pixels(shot)
    drawn = np.zeros(pixels.shape[:2], dtype=bool)
    for colour in set(cluster_colours(result.clusters).values()):
        drawn |= np.abs(pixels - _blend(colour)).max(axis=2) <= 8
    # Nothing of the region lies right of the free area, where the legend stands.
    assert drawn[:, size[0] - fit["right"] + 4 :].sum() < 30


def test_the_report_fits_a_laptop_screen(chromium, plan_dirs, tmp_path):
    _result, dirs = plan_dirs
    script = """
  var wide = document.documentElement.scrollWidth > window.innerWidth + 1;
  document.documentElement.setAttribute("data-test", String(wide));"""
    page = _driven(dirs["en"] / "report.html", script, tmp_path / "r.html")
    dom, log = run_page(chromium, page, size=(1366, 768))
    assert js_errors(log) == []
    assert dom_attr(dom, "data-test") == "false"  # the page never scrolls sideways


# --- the compact layer: what the page's script draws from its payload -----------------


def _run(chromium, page: Path, steps: list[str], tmp_path: Path, prelude: str = "") -> dict:
    """Run each of ``steps`` (which fill ``out``) 300 ms apart on ``page``; their ``out``.

    The pause lets Leaflet finish what a step began (a closed tooltip fades out);
    ``prelude`` is run first, in the steps' scope.
    """
    calls = ",\n".join(f"function () {{\n{step}\n}}" for step in steps)
    body = f"""
  var out = {{}};
  {prelude}
  var steps = [{calls}];
  function next(i) {{
    try {{
      if (i < steps.length) {{
        steps[i]();
        setTimeout(function () {{ next(i + 1); }}, 300);
        return;
      }}
    }} catch (e) {{ out.error = String(e && e.stack || e); }}
    document.documentElement.setAttribute("data-test", JSON.stringify(out));
  }}
  next(0);"""
    dom, log = run_page(chromium, _driven(page, body, tmp_path / "driven.html"))
    assert js_errors(log) == [] and dom_attr(dom, "data-planner-errors") is None
    out = json.loads(dom_attr(dom, "data-test") or "{}")
    assert "error" not in out, out.get("error")
    return out


class _Marks(HTMLParser):
    """HTML as its tags (with classes) and texts, blind to wrappers that show nothing."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("span", "tbody"):
            cls = dict(attrs).get("class")
            self.parts.append(f"<{tag}{'.' + cls if cls else ''}>")

    def handle_endtag(self, tag):
        if tag not in ("span", "tbody", "br"):
            self.parts.append(f"</{tag}>")

    def handle_data(self, data):
        if self.parts and self.parts[-1].startswith("#"):
            self.parts[-1] += data
        else:
            self.parts.append("#" + data)


def _marks(fragment: str) -> list[str]:
    parser = _Marks()
    parser.feed(fragment)
    parser.close()
    return parser.parts


def _expected(result, lang: str) -> dict[tuple[str, str], str]:
    """Every tooltip and popup as the map wrote them in Python (popups_reference)."""
    result = localise_result(result, lang)
    clinics = result.clinics.to_crs("EPSG:4326")
    members: dict[str, list[str]] = {}
    for cid, name, cluster in zip(
        clinics["clinic_id"], clinics["name"], clinics["cluster_id"], strict=True
    ):
        if cluster is not None and cluster == cluster and str(cluster) != "":
            members.setdefault(str(cluster), []).append(f"{name} ({cid})")
    crossings = crossing_flags(result.clusters)
    out = {}
    for idx, row in result.clusters.iterrows():
        record = {**row.to_dict(), "members": members.get(str(row["cluster_id"]), [])}
        cid = str(row["cluster_id"])
        out["cluster_tip", cid] = reference.cluster_tip(record, lang)
        out["cluster_popup", cid] = reference.cluster_popup(record, lang, crossings[idx])
        if row["status"] != "ok" or crossings[idx]:
            tip = reference.problem_tip(row.to_dict(), crossings[idx], lang)
            out["problem_tip", cid] = f"<div>{tip}</div>"
    current = (
        none_if_blank(clinics["current_cluster"])
        if "current_cluster" in clinics.columns
        else pd.Series([None] * len(clinics), dtype=object)
    )
    compare = bool(current.notna().any())
    moves = pd.Series(False, index=range(len(clinics)))
    if compare:
        match = match_clusters(current, clinics["cluster_id"], clinics["patients"])
        moves = moved(current, clinics["cluster_id"], match)
    for i, row in enumerate(clinics.to_dict("records")):
        row["cluster_id"] = none_if_blank([row["cluster_id"]]).iloc[0]  # blank: "none"
        extra = {"current": current.iloc[i] if compare else None, "moves": bool(moves.iloc[i])}
        out["clinic_tip", row["clinic_id"]] = reference.clinic_tip(row, lang)
        out["clinic_popup", row["clinic_id"]] = reference.clinic_popup(row, lang, extra)
        if compare and moves.iloc[i]:
            a = current.iloc[i] or label("none", lang)
            b = row["cluster_id"] or label("none", lang)
            text = f"{row['name']}: " + label("moves_from_to", lang, a=a, b=b)
            out["move_tip", row["clinic_id"]] = reference.esc(text)
    if compare:
        for cid in sorted(set(current.dropna())):
            out["current_tip", cid] = (
                f"<b>{label('current_cluster', lang)} {reference.esc(cid)}</b>"
            )
    for i, row in enumerate(result.links.to_dict("records")):
        out["link_tip", str(i)] = reference.link_tip(row, lang)
    return out


def _compared(result):
    clinics = result.clinics.copy()
    current = clinics["cluster_id"].map(lambda c: f"K{c}").astype(object)
    mover = clinics.index[clinics["cluster_id"] == result.clusters["cluster_id"].iloc[0]][0]
    current[mover] = f"K{result.clusters['cluster_id'].iloc[1]}"
    current[clinics.index[-1]] = ""  # in a re-plan, a clinic new to the plan joins
    clinics["current_cluster"] = current
    request = dataclasses.replace(result.request, mode="replan")
    return dataclasses.replace(result, clinics=clinics, request=request)


@pytest.mark.parametrize(
    ("case", "lang"), [("demo", "en"), ("demo", "da"), ("compared", "en"), ("island", "da")]
)
def test_every_tooltip_and_popup_shows_what_it_always_showed(
    chromium, plan_dirs, tmp_path, case, lang
):
    result = plan_dirs[0]
    if case == "compared":
        result = _compared(result)
    elif case == "island":  # a clinic left out, with its reason
        result = plan(island_table(), rules=Rules(min_patients=30_000, link_max_km=5.0))
    page = tmp_path / "map.html"
    render_map(result, tiles=None, lang=lang).save(str(page))
    out = _run(chromium, page, ["out.items = window.plannerReviewApi.contents();"], tmp_path)
    shown = {(item["kind"], item["id"]): item["html"] for item in out["items"]}
    expected = _expected(result, lang)
    assert set(shown) == set(expected)
    for key, html_text in expected.items():
        assert _marks(shown[key]) == _marks(html_text), key
    if lang == "da" and case == "demo":  # Danish separators: 31.234 patients, 12,5 km
        first = result.clusters.iloc[0]
        assert (
            f"{first['patients']:,}".replace(",", ".") in shown["cluster_tip", first["cluster_id"]]
        )


def _open_spot(result, cluster_id: str) -> tuple[float, float]:
    """A point (lat, lon) inside ``cluster_id``, 3 km or more from every clinic."""
    geom = result.clusters.set_index("cluster_id").loc[cluster_id, "geometry"]
    clinics = shapely.union_all(result.clinics.geometry.buffer(3_000).to_numpy())
    spot = shapely.point_on_surface(geom.difference(clinics).buffer(-200))
    lonlat = gpd.GeoSeries([spot], crs=result.clusters.crs).to_crs("EPSG:4326").iloc[0]
    return lonlat.y, lonlat.x


_POINTER = """
  var map = window[document.querySelector(".folium-map").id];
  var canvas = document.querySelector(".leaflet-overlay-pane canvas");
  function fire(kind, latlng) {
    var p = map.latLngToContainerPoint(latlng), box = map.getContainer().getBoundingClientRect();
    canvas.dispatchEvent(new MouseEvent(kind, { clientX: box.left + p.x, clientY: box.top + p.y,
      bubbles: true, cancelable: true, view: window }));
  }
  function text(sel) {
    return Array.prototype.map.call(document.querySelectorAll(sel),
      function (e) { return e.textContent; });
  }
  var tips = ".leaflet-tooltip:not(.planner-name)";
  function toggle(name) {
    Array.prototype.forEach.call(document.querySelectorAll(".leaflet-control-layers label"),
      function (l) { if (l.textContent.trim() === name) { l.querySelector("input").click(); } });
  }
"""


def test_a_reviewer_hovers_and_clicks_clinics_and_territories(chromium, plan_dirs, tmp_path):
    result, dirs = plan_dirs
    clinic = result.clinics.set_index("clinic_id").loc["DEMO0050"]
    plain = next(c for c in result.clusters.itertuples() if c.status == "ok" and not c.crossings)
    spot = _open_spot(result, plain.cluster_id)
    lonlat = result.clinics.to_crs("EPSG:4326").set_index("clinic_id").loc["DEMO0050", "geometry"]
    at, spot = json.dumps([lonlat.y, lonlat.x]), json.dumps(list(spot))
    layer = json.dumps(label("layer_territories"))
    steps = [
        f'fire("mousemove", {at});',
        f'out.clinicTip = text(tips); fire("click", {at});',
        """out.clinicPopup = text(".leaflet-popup-content");
           out.tipsAfterPopup = text(tips);
           out.picked = document.querySelector(".planner-feedback div").textContent;"""
        + f'map.closePopup(); fire("mousemove", {spot});',
        f'out.clusterTip = text(tips); fire("click", {spot});',
        # Switched off and on again, the territories go back beneath the clinics.
        'out.clusterPopup = text(".leaflet-popup-content"); out.tipsAfterCluster = text(tips);'
        + f"map.closePopup(); toggle({layer}); toggle({layer});",
        f'fire("click", {at});',
        'out.afterToggle = text(".leaflet-popup-content");',
    ]
    out = _run(chromium, dirs["en"] / "map.html", steps, tmp_path, prelude=_POINTER)
    (tip,) = out["clinicTip"]
    assert tip.startswith(f"{clinic['name']} (DEMO0050)") and f"{clinic['patients']:,}" in tip
    (popup,) = out["clinicPopup"]
    assert "Clinic idDEMO0050" in popup and clinic["name"] in popup
    assert f"Proposed cluster{clinic['cluster_id']}" in popup and "Propose another cluster" in popup
    assert out["tipsAfterPopup"] == []  # an open popup closes the tooltips beneath it
    assert out["picked"].startswith(f"{clinic['name']} (DEMO0050)")
    (tip,) = out["clusterTip"]
    assert tip.startswith(f"Cluster {plain.cluster_id}") and f"{plain.patients:,}" in tip
    (popup,) = out["clusterPopup"]
    assert out["tipsAfterCluster"] == []
    for word in ("Patients", "GPs", "Clinics", "Municipalities", "Annual budget", "Start-up"):
        assert word in popup
    assert plain.meeting_clinic in popup and f"{plain.farthest_km:.1f} km" in popup
    members = result.clinics[result.clinics["cluster_id"] == plain.cluster_id]
    assert "Clinics in the cluster" in popup
    assert all(f"({cid})" in popup for cid in members["clinic_id"])
    (popup,) = out["afterToggle"]
    assert "Clinic idDEMO0050" in popup


def test_hostile_cluster_names_show_as_text(chromium, tmp_path):
    # A plan folder received from elsewhere can carry any cluster id: the names written
    # on the map, the tooltips and the popups show it as text and never run it.
    result = plan(island_table(), rules=Rules(min_patients=30_000, link_max_km=5.0))
    hostile = '"><img src=x onerror="window.PWNED=1;document.title=\'PWNED\'"><b>{{7*7}}</b>'
    ids = {c: f"{hostile}{i}" for i, c in enumerate(result.clusters["cluster_id"])}
    clusters = result.clusters.assign(cluster_id=result.clusters["cluster_id"].map(ids))
    clinics = result.clinics.assign(cluster_id=result.clinics["cluster_id"].map(ids))
    page = tmp_path / "map.html"
    render_map(dataclasses.replace(result, clusters=clusters, clinics=clinics)).save(str(page))
    steps = [
        "out.names = Array.prototype.map.call(document.querySelectorAll('.planner-name'),"
        " function (e) { return e.textContent; });",
        "out.title = document.title; out.pwned = String(window.PWNED);",
    ]
    out = _run(chromium, page, steps, tmp_path)
    assert out["pwned"] == "undefined" and out["title"] == "Cluster proposal"
    assert sorted(out["names"]) == sorted(ids.values())  # shown as written


def test_a_click_on_a_moving_clinic_opens_the_clinic(chromium, plan_dirs, tmp_path):
    # The ring round a clinic that moves lies over it: its tooltip says where the clinic
    # moves, and a click on it opens the clinic.
    result = _compared(plan_dirs[0])
    page = tmp_path / "map.html"
    render_map(result, tiles=None).save(str(page))
    first, other = result.clusters["cluster_id"].iloc[:2]
    i = int(np.flatnonzero(result.clinics["cluster_id"] == first)[0])  # as _compared
    mover = result.clinics.iloc[i]
    assert mover["current_cluster"] == f"K{other}"
    point = result.clinics.to_crs("EPSG:4326").geometry.iloc[i]
    at = json.dumps([point.y, point.x])
    steps = [
        f"map.setView({at}, 12, {{ animate: false }});",
        f'fire("mousemove", {at});',
        f'out.tip = text(tips); fire("click", {at});',
        'out.popup = text(".leaflet-popup-content"); out.after = text(tips);',
    ]
    out = _run(chromium, page, steps, tmp_path, prelude=_POINTER)
    assert out["tip"] == [f"{mover['name']}: Moves from K{other} to {first}"]
    (popup,) = out["popup"]
    assert f"Clinic id{mover['clinic_id']}" in popup and out["after"] == []
