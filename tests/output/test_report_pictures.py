"""The report's charts and per-cluster pictures (issue 12): drawn from the plan, self-contained,
escaped, small, and readable on a laptop screen."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
import shapely

from conftest import chromium_path, dom_attr, js_errors, run_page
from planner.api import plan
from planner.demo.region import load_demo, load_demo_land
from planner.output.pictures import NAME_CHARS, PICTURE_HEIGHT, PICTURE_WIDTH, frame_of
from planner.output.read import load_plan
from planner.output.report_html import report_html
from planner.output.svg import geometry_path, nice_ticks, shorten
from planner.output.write import write_outputs

HOSTILE = (
    "<script>window.PWNED=1</script>",
    '"><img src=x onerror="window.PWNED=2">',
    "A & B < C > D 'q' \"qq\"",
    "]]><!-- --> </svg><svg onload=alert(1)>",
)


@pytest.fixture(scope="module")
def demo_result():
    return plan(load_demo(), land=load_demo_land(), random_state=0)


@pytest.fixture(scope="module")
def page(demo_result):
    return report_html(demo_result)


def svgs(page: str, cls: str) -> list[str]:
    """Every ``<svg class="{cls} ...">...</svg>`` of the page."""
    return re.findall(rf'<svg class="{cls}[ "].*?</svg>', page, flags=re.S)


def tree(svg: str) -> ET.Element:
    """The SVG as XML: it must be well formed, whatever the names held."""
    return ET.fromstring(svg)


def dots(d: str) -> np.ndarray:
    """The dots of a path drawn as ``M x yh0`` steps."""
    return np.array(re.findall(r"M(-?[\d.]+) (-?[\d.]+)h0", d), dtype=float).reshape(-1, 2)


def bars(chart: ET.Element, cls: str = "bar") -> list[ET.Element]:
    return [r for r in chart.iter("rect") if r.get("class") == cls]


def refs(chart: ET.Element) -> dict[str, ET.Element]:
    """Reference lines by their class (``floor``, ``ceiling``, ``bound``)."""
    return {
        g.get("class", "").split()[1]: g
        for g in chart.iter("g")
        if g.get("class", "").startswith("ref ")
    }


def points(d: str) -> np.ndarray:
    """The absolute points of path data written with M, l, h, v, H, V and z."""
    tokens = re.findall(r"[MlhvHVz]|-?\d*\.?\d+", d)
    out, x, y, cmd, i = [], 0.0, 0.0, "", 0
    while i < len(tokens):
        if tokens[i].isalpha():
            cmd = tokens[i]
            i += 1
            if cmd == "z":
                continue
        if cmd == "M":
            x, y = float(tokens[i]), float(tokens[i + 1])
            i += 2
        elif cmd == "l":
            x, y = x + float(tokens[i]), y + float(tokens[i + 1])
            i += 2
        elif cmd in "hH":
            x = float(tokens[i]) + (x if cmd == "h" else 0.0)
            i += 1
        elif cmd in "vV":
            y = float(tokens[i]) + (y if cmd == "v" else 0.0)
            i += 1
        out.append((x, y))
    return np.array(out).reshape(-1, 2)


# --- the charts ---


def test_size_chart_has_one_bar_per_cluster_and_the_floor_at_its_value(demo_result, page):
    (svg,) = svgs(page, "chart sizes")
    chart = tree(svg)
    drawn = bars(chart)
    assert len(drawn) == len(demo_result.clusters)
    values = [float(r.get("data-v")) for r in drawn]
    assert values == sorted(demo_result.clusters["patients"].astype(float), reverse=True)
    # One scale for every bar: height proportional to patients, on one base line.
    base = {round(float(r.get("y")) + float(r.get("height")), 1) for r in drawn}
    assert len(base) == 1
    per = np.array([float(r.get("height")) / v for r, v in zip(drawn, values, strict=True)])
    assert np.ptp(per) < 1e-4 * per.mean() + 0.2 / max(values)
    floor = refs(chart)["floor"]
    assert float(floor.get("data-value")) == demo_result.rules.min_patients == 30_000
    line = floor.find("line")
    assert abs(float(line.get("y1")) - (base.pop() - 30_000 * per.mean())) < 0.2
    assert floor.find("text").text == "Minimum 30,000"
    assert "ceiling" not in refs(chart)
    texts = [t.text for t in chart.iter("text")]
    assert "Patients per cluster" in texts and "Patients" in texts
    assert f"Clusters, largest first ({len(values)})" in texts
    assert set(demo_result.clusters["cluster_id"]) <= set(texts)  # a name under every bar


def test_size_chart_shows_the_ceiling_and_the_clusters_breaking_a_rule(demo_result):
    rules = dataclasses.replace(demo_result.rules, max_patients=45_000)
    clusters = demo_result.clusters.copy()
    clusters.loc[clusters.index[0], ["patients", "status"]] = [29_000, "below minimum"]
    page = report_html(dataclasses.replace(demo_result, rules=rules, clusters=clusters))
    chart = tree(svgs(page, "chart sizes")[0])
    lines = refs(chart)
    assert float(lines["ceiling"].get("data-value")) == 45_000
    assert lines["ceiling"].find("text").text == "Maximum 45,000"
    y = {k: float(g.find("line").get("y1")) for k, g in lines.items()}
    assert y["ceiling"] < y["floor"]  # higher up: more patients
    fills = {float(r.get("data-v")): r.get("fill") for r in bars(chart)}
    ok = {fills[v] for v in fills if 30_000 <= v <= 45_000}
    over = {fills[v] for v in fills if v > 45_000}
    assert len(ok) == len(over) == 1 and over != ok  # above the maximum: its own colour
    assert fills[29_000] not in ok | over  # below the minimum: its own colour
    legend = [t.text for t in chart.iter("text")]
    assert "Below the minimum" in legend and "Above the maximum" in legend


def test_bound_chart_sets_the_count_against_the_tight_bound(demo_result, page):
    (svg,) = svgs(page, "chart bound")
    chart = tree(svg)
    (bar,) = bars(chart)
    assert int(bar.get("data-v")) == len(demo_result.clusters) == 26
    bound = refs(chart)["bound"]
    assert float(bound.get("data-value")) == demo_result.metrics["upper_bound_tight"] == 27
    assert bound.find("text").text == "Most possible: 27"
    # The bound's line stands where a bar of 27 would end.
    per = float(bar.get("width")) / 26
    x = float(bound.find("line").get("x1"))
    assert abs(x - (float(bar.get("x")) + 27 * per)) < 0.2
    texts = [t.text for t in chart.iter("text")]
    assert "This plan: 26 (96% of the most possible)" in texts and "Clusters" in texts


def test_distance_chart_shows_the_farthest_clinic_and_the_mean_per_gp(demo_result, page):
    (svg,) = svgs(page, "chart distances")
    chart = tree(svg)
    far, mean = bars(chart), bars(chart, "inner")
    clusters = demo_result.clusters.sort_values("farthest_km", ascending=False)
    assert [float(r.get("data-v")) for r in far] == clusters["farthest_km"].tolist()
    assert sorted(float(r.get("data-v")) for r in mean) == sorted(clusters["mean_gp_km"])
    texts = [t.text for t in chart.iter("text")]
    assert {"Distance to the meeting clinic", "km", "Farthest clinic"} <= set(texts)
    assert "Mean distance per GP" in texts


def test_charts_and_pictures_speak_danish(demo_result):
    page = report_html(demo_result, lang="da")
    for text in (
        "Diagrammer",
        "Patienter pr. klynge",
        "Mindst 30.000",
        "Størst muligt: 27",
        "Afstand til mødepraksis",
        "Hver klynges område",
    ):
        assert text in page, text
    for english in ("Patients per cluster", "Minimum 30,000", "Most possible", "Each cluster"):
        assert english not in page


# --- the pictures ---


def test_one_picture_per_cluster_in_the_table_order_with_its_shapes_inside(demo_result, page):
    pictures = svgs(page, "pic")
    clusters = demo_result.clusters
    assert len(pictures) == len(clusters)
    for svg, row in zip(pictures, clusters.itertuples(), strict=True):
        pic = tree(svg)
        assert pic.get("viewBox") == f"0 0 {PICTURE_WIDTH} {PICTURE_HEIGHT}"
        ids = [t.text for t in pic.iter("text") if t.get("class") == "id"]
        assert ids == [row.cluster_id]
        paths = {p.get("class"): p.get("d") for p in pic.iter("path")}
        own = points(paths["me"])
        assert len(own) >= 3
        assert own.min() >= 0 and (own.max(axis=0) <= [PICTURE_WIDTH, PICTURE_HEIGHT]).all()
        # The territory fills the frame on its longer side, less the margin.
        span = np.ptp(own, axis=0) / [PICTURE_WIDTH, PICTURE_HEIGHT]
        assert span.max() > 0.8
        seen = dots(paths["cl"])
        assert 1 <= len(seen) <= row.clinics  # clinics at one site are one dot
        assert seen.min() >= 0 and (seen.max(axis=0) <= [PICTURE_WIDTH, PICTURE_HEIGHT]).all()
        nb = points(paths["nb"])  # every demo cluster has a neighbour in its frame
        assert nb.min() >= -3 and (nb.max(axis=0) <= [PICTURE_WIDTH + 3, PICTURE_HEIGHT + 3]).all()
        assert len(list(pic.iter("circle"))) == 1  # the meeting clinic
    assert page.count('<figure class="pic">') == len(clusters)
    caption = page.split('<figure class="pic">')[1].split("</figure>")[0]
    first = clusters.iloc[0]
    assert f"{first.patients:,} patients · {first.clinics} clinics" in caption
    assert f"Meeting clinic: {first.meeting_clinic}" in caption


def test_a_picture_is_drawn_where_the_cluster_is(demo_result, page):
    """The meeting clinic's ring lies inside the drawn territory of its cluster."""
    clusters = demo_result.clusters
    clinics = demo_result.clinics.set_index("clinic_id")
    for svg, row in zip(svgs(page, "pic"), clusters.itertuples(), strict=True):
        pic = tree(svg)
        ring = next(pic.iter("circle"))
        where = shapely.Point(float(ring.get("cx")), float(ring.get("cy")))
        d = next(p.get("d") for p in pic.iter("path") if p.get("class") == "me")
        parts = [shapely.Polygon(points("M" + r)) for r in d.split("M")[1:]]
        drawn = shapely.union_all([p.buffer(0) for p in parts if len(p.exterior.coords) > 3])
        point = clinics.loc[row.meeting_clinic_id, "geometry"]
        if row.geometry.buffer(1.0).contains(point):
            assert drawn.buffer(2.0).contains(where), row.cluster_id


def test_coordinates_are_written_to_a_tenth_of_a_pixel(page):
    body = "".join(svgs(page, "pic") + svgs(page, "chart"))
    numbers = re.findall(r'\s(?:d|x|y|cx|cy|x1|x2|y1|y2|width|height)="([^"]*)"', body)
    assert numbers and not [n for n in numbers if re.search(r"\d\.\d\d", n)]
    assert len(page.encode()) < 150_000  # the demo's report, with 26 pictures


def test_the_report_stays_self_contained(page):
    assert not re.search(r"(href|src)\s*=\s*\"(?!map\.html)", page)
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<image" not in page and "url(" not in page


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.handlers += [k for k, _v in attrs if k.startswith("on")]


def test_hostile_cluster_and_clinic_names_are_shown_literally(demo_result):
    n = len(demo_result.clusters)
    names = [f"{HOSTILE[k % len(HOSTILE)]} {k}" for k in range(n)]
    rename = dict(zip(demo_result.clusters["cluster_id"], names, strict=True))
    clusters = demo_result.clusters.assign(
        cluster_id=names, meeting_clinic=[HOSTILE[(k + 1) % len(HOSTILE)] for k in range(n)]
    )
    clinics = demo_result.clinics.assign(cluster_id=demo_result.clinics["cluster_id"].map(rename))
    page = report_html(dataclasses.replace(demo_result, clusters=clusters, clinics=clinics))
    for text in HOSTILE:
        assert text not in page
        assert html.escape(text) in page  # shown in full in the captions
    parser = _Tags()
    parser.feed(page)
    assert parser.tags.count("script") == 1 and "img" not in parser.tags
    assert parser.handlers == []
    pictures = svgs(page, "pic")
    assert len(pictures) == n
    for svg, name in zip(pictures, names, strict=True):
        pic = tree(svg)  # well formed: no name broke out of its text
        shown = [t.text for t in pic.iter("text") if t.get("class") == "id"]
        assert shown == [shorten(name, NAME_CHARS)] and len(shown[0]) <= NAME_CHARS
        assert next(pic.iter("title")).text == f"Cluster {name}"  # in full
        assert len(dots(next(p.get("d") for p in pic.iter("path") if p.get("class") == "cl")))
    for svg in svgs(page, "chart"):
        tree(svg)
    sizes = tree(svgs(page, "chart sizes")[0])
    tips = [t.text for t in sizes.iter("title")]
    assert len(tips) == n and all(any(t.startswith(f"{m}: ") for t in tips) for m in names)


def test_a_cluster_without_area_is_drawn_from_its_clinics(demo_result):
    clusters = demo_result.clusters.copy()
    clusters.loc[clusters.index[0], "geometry"] = shapely.Polygon()
    page = report_html(dataclasses.replace(demo_result, clusters=clusters))
    pic = tree(svgs(page, "pic")[0])
    classes = [p.get("class") for p in pic.iter("path")]
    assert "me" not in classes and "cl" in classes
    seen = dots(next(p.get("d") for p in pic.iter("path") if p.get("class") == "cl"))
    assert len(seen) and seen.min() >= 0
    assert (seen.max(axis=0) <= [PICTURE_WIDTH, PICTURE_HEIGHT]).all()


def test_a_plan_read_back_from_its_files_has_the_same_pictures(demo_result, tmp_path):
    write_outputs(demo_result, tmp_path / "plan", with_map=False)
    written = (tmp_path / "plan" / "report.html").read_text(encoding="utf-8")
    again = report_html(load_plan(tmp_path / "plan"))
    assert len(svgs(written, "pic")) == len(svgs(again, "pic")) == len(demo_result.clusters)
    assert len(svgs(again, "chart")) == 3


def test_a_plan_without_clusters_has_neither_charts_nor_pictures():
    table = pd.DataFrame(
        {
            "clinic_id": ["a", "b", "c"],
            "name": ["A", "B", "C"],
            "lat": [55.0, 55.0, 55.01],
            "lon": [10.0, 10.01, 10.0],
            "patients": [2_000, 1_500, 1_800],
            "doctors": [1, 1, 1],
        }
    )
    result = plan(table)
    assert result.clusters.empty
    page = report_html(result)
    assert svgs(page, "pic") == [] and svgs(page, "chart sizes") == []
    assert "Each cluster" not in page


def test_geometry_helpers():
    square = shapely.box(0, 0, 100, 100).difference(shapely.box(40, 40, 60, 60))
    d = geometry_path(square, (0.0, 100.0), 1.0)
    assert d.count("M") == 2 and d.count("z") == 2  # the hole is its own ring
    assert points(d).min() == 0 and points(d).max() == 100
    frame = frame_of((0.0, 0.0, 0.0, 0.0))  # one site: a frame of some hundred metres
    assert np.isfinite(frame.scale) and frame.scale > 0
    assert nice_ticks(26) == [0.0, 10.0, 20.0, 30.0] and nice_ticks(47_965)[-1] == 50_000


# --- what a reviewer sees ---


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768)])
def test_the_report_fits_a_laptop_screen(demo_result, tmp_path, size):
    chromium = chromium_path()
    page = report_html(demo_result)
    probe = """<script>
    var root = document.documentElement, out = {};
    out.page = root.scrollWidth - root.clientWidth;
    out.pics = Array.prototype.map.call(document.querySelectorAll("figure.pic"), function (f) {
      var s = f.querySelector("svg").getBoundingClientRect();
      return [Math.round(s.width), Math.round(s.height)]; });
    out.charts = Array.prototype.map.call(document.querySelectorAll("svg.chart"), function (s) {
      var r = s.getBoundingClientRect(); return [Math.round(r.left), Math.round(r.right)]; });
    root.setAttribute("data-test", JSON.stringify(out));
    </script>"""
    path = tmp_path / "report.html"
    path.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
    dom, log = run_page(chromium, path, size=size)
    assert js_errors(log) == []
    out = json.loads(dom_attr(dom, "data-test") or "{}")
    assert out["page"] <= 0  # no sideways scrolling of the page
    assert len(out["pics"]) == len(demo_result.clusters)
    assert all(
        w >= 180 and abs(h / w - PICTURE_HEIGHT / PICTURE_WIDTH) < 0.02 for w, h in out["pics"]
    )
    assert len(out["charts"]) == 3
    assert all(left >= 0 and right <= size[0] for left, right in out["charts"])
