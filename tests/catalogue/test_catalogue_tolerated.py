"""Odd inputs the planner reads as meant (issue 13's catalogue, the part that is not refused):
ids that look like spreadsheet formulas round-trip through the planner's own files, hostile
names read back row for row, and files as editors really write them plan the same.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pandas as pd
import pytest
from bad_inputs import HEADER, csv_text, geojson, no_traceback, rows, run, square, text_of

FORMULAS = ['=HYPERLINK("http://x","y")', "+4512345678", "-7", "@SUM(A1)"]


def _plan(src: Path, out: Path, *extra: str) -> str:
    result = run(
        ["plan", str(src), "--out", str(out), "--no-map", "--min-patients", "10000", *extra]
    )
    no_traceback(result)
    assert result.exit_code == 0, result.output
    return text_of(result)


def test_formula_like_ids_round_trip_through_the_current_plan(tmp_path: Path) -> None:
    lines = [HEADER]
    for i, (row, cid) in enumerate(zip(rows(4), FORMULAS, strict=True)):
        cells = row.split(",")
        lines.append(",".join([f'"{cid.replace(chr(34), chr(34) * 2)}"', f"Name {i}", *cells[2:]]))
    src = tmp_path / "clinics.csv"
    src.write_text(csv_text(*lines), encoding="utf-8")
    first = tmp_path / "first"
    _plan(src, first, "-q")
    written = pd.read_csv(first / "assignments.csv", dtype=str, keep_default_na=False)
    assert sorted(written["clinic_id"]) == sorted("'" + f for f in FORMULAS)  # shown as text
    second = tmp_path / "second"
    _plan(src, second, "-q", "--current", str(first / "assignments.csv"), "--replan")
    again = pd.read_csv(second / "assignments.csv", dtype=str, keep_default_na=False)
    assert again.sort_values("clinic_id").to_dict("records") == written.sort_values(
        "clinic_id"
    ).to_dict("records")
    changes = pd.read_csv(second / "changes.csv", dtype=str, keep_default_na=False)
    assert changes.empty  # every clinic found in its current cluster, by its real id


def test_hostile_names_read_back_row_for_row(tmp_path: Path) -> None:
    hostile = 'Line\nbreak; "quoted", tab\there'
    far = f'far,"{hostile.replace(chr(34), chr(34) * 2)}",57.5,12.5,1000,1'
    src = tmp_path / "clinics.csv"
    src.write_text(csv_text(HEADER, *rows(), far), encoding="utf-8")
    out = tmp_path / "out"
    result = run(["plan", str(src), "--out", str(out), "-q", "--no-map", "--min-patients", "10000"])
    no_traceback(result)
    assert result.exit_code == 4, result.output  # the far clinic is left out, with its reason
    left = pd.read_csv(out / "unassigned.csv", dtype=str, keep_default_na=False)
    assert left["clinic_id"].tolist() == ["far"] and left["name"].tolist() == [hostile]
    every = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    assert len(every) == 7


@pytest.mark.parametrize(
    ("label", "encode"),
    [
        ("crlf", lambda t: t.replace("\n", "\r\n").encode("utf-8")),
        ("old-mac-cr", lambda t: t.replace("\n", "\r").encode("utf-8")),
        ("utf16-le-no-bom", lambda t: t.encode("utf-16-le")),
        ("utf16-be-no-bom", lambda t: t.encode("utf-16-be")),
        ("double-bom", lambda t: codecs.BOM_UTF8 * 2 + t.encode("utf-8")),
        ("latin-1", lambda t: t.encode("latin-1")),
        (
            "danish-excel",
            lambda t: (
                "sep=;\n"
                + t.replace(",", ";").replace("55.", "55,").replace("10.", "10,")
                + ";;;;;\n;;;;;\n"
            ).encode("cp1252"),
        ),
    ],
)
def test_files_as_editors_write_them_plan_the_same(tmp_path: Path, label: str, encode) -> None:
    text = csv_text(HEADER, *rows()).replace("Clinic 1,", "Ærø Lægehus,")
    reference = tmp_path / "reference.csv"
    reference.write_text(text, encoding="utf-8")
    src = tmp_path / f"{label}.csv"
    src.write_bytes(encode(text))
    _plan(reference, tmp_path / "a", "-q")
    _plan(src, tmp_path / "b", "-q")
    for name in ("assignments.csv", "unassigned.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    names = json.loads((tmp_path / "b" / "clinics.geojson").read_text(encoding="utf-8"))
    assert "Ærø Lægehus" in {f["properties"]["name"] for f in names["features"]}


def test_one_stray_windows_byte_is_located_in_a_warning(tmp_path: Path) -> None:
    text = csv_text(HEADER, *rows()).replace("Clinic 1,", "Ærø,").replace("Clinic 2,", "Læge,")
    data = text.encode("utf-8").replace("Læge".encode(), "Læge".encode("cp1252"))
    src = tmp_path / "clinics.csv"
    src.write_bytes(data)
    said = _plan(src, tmp_path / "out")
    assert "0xE6 on line 4" in said and "save it as UTF-8" in said


def test_polygons_given_as_clinics_are_planned(tmp_path: Path) -> None:
    features = [
        square(10 + 0.016 * i, 55, 10.01 + 0.016 * i, 55.01, clinic_id=f"p{i}", name=f"P{i}")
        | {"properties": {"clinic_id": f"p{i}", "name": f"P{i}", "patients": 5000, "doctors": 3}}
        for i in range(4)
    ]
    src = tmp_path / "clinics.geojson"
    src.write_bytes(geojson(features))
    _plan(src, tmp_path / "out", "-q")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["clinics"] == 4 and summary["totals"]["clusters"] == 2


def test_land_given_as_a_geometry_collection_of_polygons(tmp_path: Path) -> None:
    ring = [[9.5, 54.5], [10.5, 54.5], [10.5, 55.5], [9.5, 55.5], [9.5, 54.5]]
    collection = {
        "type": "GeometryCollection",
        "geometries": [{"type": "Polygon", "coordinates": [ring]}],
    }
    land = tmp_path / "land.geojson"
    land.write_bytes(geojson([{"type": "Feature", "properties": {}, "geometry": collection}]))
    src = tmp_path / "clinics.csv"
    src.write_text(csv_text(HEADER, *rows()), encoding="utf-8")
    _plan(src, tmp_path / "out", "-q", "--land", str(land))


@pytest.mark.parametrize(
    ("where", "lat", "lons"),
    [
        ("across-the-antimeridian", -17.8, [179.90, 179.95, 179.99, -179.99, -179.95, -179.90]),
        ("near-the-north-pole", 89.5, [0, 60, 120, 180, -120, -60]),
    ],
)
def test_clinics_at_the_edges_of_the_map_plan(
    tmp_path: Path, where: str, lat: float, lons: list[float]
) -> None:
    lines = [HEADER] + [
        f"e{i},Edge {i},{lat + 0.01 * (i % 2)},{lon},5000,3" for i, lon in enumerate(lons)
    ]
    src = tmp_path / "clinics.csv"
    src.write_text(csv_text(*lines), encoding="utf-8")
    result = run(["plan", str(src), "--out", str(tmp_path / "out"), "-q", "--no-map",
                  "--min-patients", "10000"])  # fmt: skip
    no_traceback(result)
    assert result.exit_code in (0, 4), result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["clinics"] == 6
