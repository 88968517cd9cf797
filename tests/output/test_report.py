"""Outputs beside the map: clinics and links as GeoJSON, report.html, no patient record."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.api import plan
from planner.cli.app import app
from planner.core.cells import restore
from planner.core.errors import PlannerError
from planner.core.request import PlanRequest
from planner.demo.region import load_demo, load_demo_land
from planner.output.report_html import report_html
from planner.output.tables import csv_bytes
from planner.output.write import OUTPUT_FILES, crossings_frame, is_plan_folder, write_outputs
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


# --- every CSV reads back as written; a plan never replaces what it must not (issue 13) ---

#: Texts that break a naive CSV: line breaks of every kind, quotes, both separators, tabs.
HOSTILE = [
    "new\nline",
    "carriage\rreturn",
    "both\r\nends",
    'say "hi"',
    "semi;colon",
    "com,ma",
    "tab\there",
    '"',
    ";",
    "',;\t\"\n\r",
    "æøå Ærø",
]


def hostile_table() -> pd.DataFrame:
    rows = []
    for i in range(16):
        rows.append(
            {
                "clinic_id": f"k{i}\r{HOSTILE[i % 11][:3]}".replace("\n", " "),
                "name": f"{HOSTILE[i % 11]} {i}",
                "lat": 55.0 + 0.01 * (i % 4),
                "lon": 10.0 + 0.016 * (i // 4),
                "patients": 8_000,
                "doctors": 4,
            }
        )
    return pd.DataFrame(rows)


def _filled(columns: list[str], n: int = len(HOSTILE)) -> pd.DataFrame:
    """A table with ``columns``, every text cell hostile, counts as numbers."""
    data: dict[str, list[object]] = {}
    for k, col in enumerate(columns):
        if col in ("patients", "doctors"):
            data[col] = [1000 + j for j in range(n)]
        elif col.endswith("_code"):
            data[col] = [""] * n
        else:
            data[col] = [HOSTILE[(j + k) % len(HOSTILE)] for j in range(n)]
    return pd.DataFrame(data)


@pytest.fixture(scope="module")
def hostile_plan(tmp_path_factory):
    """A plan of hostile names, every CSV of it filled with hostile text, written."""
    from planner.result.schema import (
        CHANGE_COLUMNS,
        CONFLICT_COLUMNS,
        INFEASIBLE_COLUMNS,
        UNASSIGNED_COLUMNS,
    )

    result = plan(hostile_table(), min_patients=30_000)
    n = len(result.clusters)
    clusters = result.clusters.assign(
        municipalities=[HOSTILE[j % len(HOSTILE)] for j in range(n)],
        crossings=[HOSTILE[(j + 3) % len(HOSTILE)] for j in range(n)],
        crossings_code=[""] * n,
    )
    result = dataclasses.replace(
        result,
        clinics=result.clinics.assign(current_cluster=result.clinics["cluster_id"]),
        clusters=clusters,
        unassigned=_filled(UNASSIGNED_COLUMNS),
        conflicts=_filled(CONFLICT_COLUMNS),
        infeasible=_filled(INFEASIBLE_COLUMNS),
        changes=_filled(CHANGE_COLUMNS),
    )
    out = tmp_path_factory.mktemp("hostile") / "plan"
    write_outputs(result, out, with_map=False)
    expected = {
        "assignments.csv": result.assignments(),
        "unassigned.csv": result.unassigned,
        "crossings.csv": crossings_frame(result),
        "conflicts.csv": result.conflicts,
        "infeasible.csv": result.infeasible,
        "changes.csv": result.changes,
    }
    return out, expected


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as its cells' texts (a missing value as empty text)."""
    return frame.astype(object).where(frame.notna(), "").map(str).reset_index(drop=True)


CSV_FILES = [
    "assignments.csv",
    "unassigned.csv",
    "crossings.csv",
    "conflicts.csv",
    "infeasible.csv",
    "changes.csv",
]


@pytest.mark.parametrize("name", CSV_FILES)
def test_every_csv_reads_back_with_pandas_as_written(hostile_plan, name):
    out, expected = hostile_plan
    want = _as_text(expected[name])
    assert len(want) > 0 and want.map(lambda v: any(c in v for c in '\n\r\t;,"')).any().any()
    back = pd.read_csv(out / name, dtype=str, keep_default_na=False)
    # A text a spreadsheet would run as a formula carries a leading "'" (taken off by restore).
    pd.testing.assert_frame_equal(back.map(restore), want, check_dtype=False)


@pytest.mark.parametrize("name", CSV_FILES)
def test_every_csv_reads_back_in_excels_dialect(hostile_plan, name):
    out, expected = hostile_plan
    want = _as_text(expected[name])
    raw = (out / name).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for Excel
    with open(out / name, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, dialect="excel"))
    assert rows[0] == list(want.columns)
    assert [[restore(c) for c in row] for row in rows[1:]] == want.to_numpy().tolist()


def test_csv_helper_quotes_text_and_ends_lines_in_crlf():
    frame = pd.DataFrame({"name": HOSTILE, "patients": range(len(HOSTILE))})
    raw = csv_bytes(frame)
    assert raw.startswith(b'\xef\xbb\xbf"name","patients"\r\n"new\nline",0\r\n')
    back = pd.read_csv(io.BytesIO(raw), dtype={"name": str}, keep_default_na=False)
    assert back["name"].map(restore).tolist() == HOSTILE
    assert back["patients"].tolist() == list(range(11))


def test_diff_csvs_read_back_as_written(tmp_path):
    from planner.evaluate.compare import diff_assignments
    from planner.output.read import load_assignments

    table = hostile_table()
    table["name"] = [f"{name}\r{i}" for i, name in enumerate(table["name"])]  # every mover
    plans = []
    for k, rule in enumerate((30_000, 40_000)):
        plans.append(tmp_path / f"p{k}")
        write_outputs(plan(table, min_patients=rule), plans[-1], with_map=False)
    out = tmp_path / "diff"
    result = runner.invoke(app, ["diff", str(plans[0]), str(plans[1]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    diff = diff_assignments(load_assignments(plans[0]), load_assignments(plans[1]))
    for name, frame in (("moves.csv", diff.moves), ("clusters.csv", diff.clusters)):
        back = pd.read_csv(out / name, dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(back, _as_text(frame), check_dtype=False)


def test_a_folder_that_is_not_a_plan_is_replaced_only_with_overwrite(demo_result, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "summary.json").write_text('{"planner": "not this one"}', encoding="utf-8")
    with pytest.raises(PlannerError, match="not a plan folder"):
        write_outputs(demo_result, out, with_map=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "summary.json"]
    write_outputs(demo_result, out, with_map=False, overwrite=True)
    assert is_plan_folder(out) and (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    write_outputs(demo_result, out, with_map=False)  # a plan folder now: no overwrite needed


def test_a_folder_holding_an_input_is_refused(tmp_path):
    out = tmp_path / "plan"
    out.mkdir()
    source = out / "clinics.csv"
    source.write_bytes(csv_bytes(hostile_table()))  # the planner reads its own CSV format
    result = plan(request=PlanRequest(clinics=str(source)), min_patients=30_000)
    before = source.read_bytes()
    with pytest.raises(PlannerError, match="holds an input of the plan"):
        write_outputs(result, out, with_map=False, overwrite=True)
    assert source.read_bytes() == before and os.listdir(out) == ["clinics.csv"]
    assert os.listdir(tmp_path) == ["plan"]


def test_formula_like_texts_are_written_as_text_and_read_back_as_ids(tmp_path):
    from typer.testing import CliRunner

    from planner.cli import app

    runner = CliRunner()
    table = pd.DataFrame(
        {
            "clinic_id": [f"{lead}c{i}" for i, lead in enumerate("=+-@=+-@=+-@")],
            "name": ['=HYPERLINK("http://x","click")'] * 12,
            "lat": [55.0 + 0.01 * (i // 4) for i in range(12)],
            "lon": [10.0 + 0.016 * (i % 4) for i in range(12)],
            "patients": [10_000] * 12,
            "doctors": [6] * 12,
        }
    )
    src = tmp_path / "clinics.csv"
    table.to_csv(src, index=False)
    first = runner.invoke(app, ["plan", str(src), "--out", str(tmp_path / "a"), "-q", "--no-map"])
    assert first.exit_code == 0, first.output
    with open(tmp_path / "a" / "assignments.csv", encoding="utf-8-sig", newline="") as fh:
        cells = [row[0] for row in csv.reader(fh)][1:]
    assert cells and all(c.startswith("'") for c in cells)  # no cell a spreadsheet would run
    # The planner's own readers take the "'" off: the current plan is the same plan.
    again = runner.invoke(
        app,
        ["plan", str(src), "--out", str(tmp_path / "b"), "-q", "--no-map", "--replan",
         "--current", str(tmp_path / "a" / "assignments.csv")],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert pd.read_csv(tmp_path / "b" / "changes.csv").empty  # nothing moves
    diff = runner.invoke(app, ["diff", str(tmp_path / "a"), str(tmp_path / "b"), "--out",
                               str(tmp_path / "d")])  # fmt: skip
    assert diff.exit_code == 0 and "0 clinic(s) move" in diff.output
