"""The map in a real headless Chromium, offline: no script error, coloured territories.

Chromium runs with every host name unresolvable, so anything the page tried to fetch
would fail; the page must draw all the same.  In CI (``CI=true``) a missing browser is a
failure (scripts/install-browser.sh installs Debian's chromium); elsewhere the tests skip.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import chromium_path, dom_attr, js_errors, run_page
from planner.api import plan
from planner.demo.region import load_demo, load_demo_land
from planner.output.write import write_outputs
from planner.render import FILL_OPACITY, PALETTE, cluster_colours

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
