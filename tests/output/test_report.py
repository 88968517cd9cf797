"""Outputs beside the map: clinics and links as GeoJSON, report.html, no patient record."""

from __future__ import annotations

import dataclasses
import re

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.api import plan
from planner.cli.app import app
from planner.demo.region import load_demo, load_demo_land
from planner.output.report_html import report_html
from planner.output.write import OUTPUT_FILES, write_outputs
from planner.result.schema import CLINIC_FIELDS

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_result():
    return plan(load_demo(), land=load_demo_land(), random_state=0)


@pytest.fixture(scope="module")
def written(demo_result, tmp_path_factory):
    out = tmp_path_factory.mktemp("plan")
    write_outputs(demo_result, out)
    return out


def test_every_output_file_is_written(written):
    for name in (*OUTPUT_FILES, "map.html"):
        assert (written / name).stat().st_size > 0, name


def test_clinics_geojson_has_counts_and_neighbours_only(demo_result, written):
    clinics = gpd.read_file(written / "clinics.geojson")
    assert clinics.crs.to_epsg() == 4326
    assert clinics["clinic_id"].tolist() == demo_result.clinics["clinic_id"].tolist()
    expected = {*CLINIC_FIELDS, "municipality", "region", "neighbours", "geometry"}
    assert set(clinics.columns) == expected
    assert clinics["patients"].tolist() == demo_result.clinics["patients"].tolist()
    first = clinics.iloc[0]
    ids = demo_result.clinics["clinic_id"].tolist()
    assert set(first["neighbours"].split(";")) == {ids[j] for j in demo_result.graph.neighbors(0)}


def test_links_geojson(demo_result, written):
    links = gpd.read_file(written / "links.geojson")
    assert len(links) == len(demo_result.links)
    assert {"clinic_a", "clinic_b", "distance_km", "kind"} <= set(links.columns)


def test_empty_links_are_an_empty_collection(tmp_path):
    table = pd.DataFrame(
        {
            "clinic_id": ["a", "b", "c", "d"],
            "name": ["A", "B", "C", "D"],
            "lat": [55.0, 55.0, 55.01, 55.01],
            "lon": [10.0, 10.01, 10.0, 10.01],
            "patients": [20_000, 15_000, 18_000, 12_000],
            "doctors": [10, 8, 9, 6],
        }
    )
    write_outputs(plan(table), tmp_path, with_map=False)
    assert gpd.read_file(tmp_path / "links.geojson").empty
    assert not (tmp_path / "map.html").exists()
    assert "map.html" not in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_report_lists_every_cluster_with_its_figures(demo_result, written):
    page = (written / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="en"' in page
    assert 'class="sortable"' in page and "aria-sort" in page
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == len(demo_result.clusters)
    for row in demo_result.clusters.itertuples():
        assert f"<td>{row.cluster_id}</td>" in body
        assert f'data-v="{row.patients:g}">{row.patients:,}<' in body
    for word in ("Start-up grant", "Annual budget", "Meeting clinic", "Farthest clinic"):
        assert word in page
    total = demo_result.clusters["patients"].sum()
    assert f"{total:,}" in page.split("<tfoot>")[1]
    assert "Every clinic is in a cluster." in page
    assert re.search(r"<(script|link)[^>]*(src|href)=\"https?:", page) is None


def test_report_names_coordinator_and_region_and_lists_choices_not_honoured(demo_result):
    conflicts = pd.DataFrame(
        {"kind": ["proposal"], "clinics": ["DEMO0005"], "detail": ["cluster C99 is unknown"]}
    )
    page = report_html(dataclasses.replace(demo_result, conflicts=conflicts))
    head = page.split("<thead>")[1].split("</thead>")[0]  # the cluster table
    assert "Suggested coordinator" in head and "Regions" in head
    for row in demo_result.clusters.itertuples():
        assert f"<td>{row.coordinator_clinic}</td>" in page
    assert "Choices not honoured as asked" in page and "cluster C99 is unknown" in page
    assert "Choices not honoured" not in report_html(demo_result)


def test_report_in_danish_lists_left_out_clinics(demo_result):
    unassigned = pd.DataFrame(
        {"clinic_id": ["X1"], "name": ["Ø-lægen"], "patients": [1234], "reason": ["an island"]}
    )

    page = report_html(dataclasses.replace(demo_result, unassigned=unassigned), lang="da")
    assert 'lang="da"' in page and "Klyngeforslag: rapport" in page
    assert "Udeladte praksisser" in page and "Ø-lægen" in page and "1.234" in page
    assert "Opstartstilskud" in page and "Patients" not in page


def test_no_patient_level_data_in_any_output(tmp_path):
    """A patient list with CPR-like ids feeds the counts; no id reaches any output file."""
    clinics = tmp_path / "clinics.csv"
    clinics.write_text(
        "clinic_id,name,lat,lon,doctors\n"
        "k1,Klinik 1,55.00,10.00,2\nk2,Klinik 2,55.00,10.02,2\n"
        "k3,Klinik 3,55.02,10.00,2\nk4,Klinik 4,55.02,10.02,2\n",
        encoding="utf-8",
    )
    cprs = [f"{d:02d}0190-{1000 + i:04d}" for i, d in enumerate(range(1, 29))]
    rows = [
        f"{cpr},k{1 + i % 4},Pt Navnesen {i},1" for i, cpr in enumerate(cprs * 2)
    ]  # 56 patients
    patients = tmp_path / "patients.csv"
    patients.write_text(
        "cpr,clinic_id,patient_name,sikringsgruppe\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "plan",
            str(clinics),
            "--patients",
            str(patients),
            "--min-patients",
            "20",
            "--out",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert {"map.html", "report.html", "clinics.geojson", "summary.json"} <= {f.name for f in files}
    for path in files:
        text = path.read_text(encoding="utf-8")
        for cpr in cprs:
            assert cpr not in text, (path.name, cpr)
            assert cpr.replace("-", "") not in text, (path.name, cpr)
        assert "Navnesen" not in text and "patient_name" not in text, path.name
    assert gpd.read_file(out / "clinics.geojson")["patients"].sum() == 56
