"""Tests of planner.load.readers: reading clinic tables, patient lists, land and boundaries."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

import planner.load.patients as pio
from planner.core.errors import PlannerError, ValidationError
from planner.load.common import Sheet
from planner.load.readers import (
    apply_column_map,
    read_land,
    read_patient_counts,
    read_polygons,
    read_table,
)

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def shared_file(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found at {path.resolve()} (it sits beside the repository)")
    return path


DANISH_ROWS = [
    "ydernummer;navn;latitude;longitude;patienter;læger;kommune",
    "012345;Lægehuset Ærø;54,8833;10,4167;3100;2;Ærø",
    "023456;Klinikken Østerbro;55,7061;12,5786;4200;3;København",
]


def write(path: Path, lines: list[str], encoding: str, bom: bool = False) -> Path:
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


# ---------------------------------------------------------------- read_table: CSV


def test_danish_excel_csv_utf8_bom(tmp_path: Path) -> None:
    lines = [
        " clinic_id ;name; lat;lon ;patients;doctors;",  # Excel's trailing ';' too
        "012345;Lægehuset Ærø;54,8833;10,4167;3100;2;",
        "023456;Klinikken Østerbro;55,7061;12,5786;4200;3;",
    ]
    path = write(tmp_path / "klinikker.csv", lines, "utf-8", bom=True)
    sheet = read_table(path)
    table = sheet.frame
    assert list(table.columns) == ["clinic_id", "name", "lat", "lon", "patients", "doctors"]
    assert table.loc[0, "clinic_id"] == "012345"  # kept as text: the leading zero survives
    assert table.loc[0, "name"] == "Lægehuset Ærø"
    assert table["lat"].tolist() == ["54,8833", "55,7061"]
    assert (sheet.source, sheet.first_row) == (str(path), 2)


def test_cp1252_csv_reads_danish_letters(tmp_path: Path) -> None:
    path = write(tmp_path / "klinikker.csv", DANISH_ROWS, "cp1252")
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")
    table = read_table(path).frame
    assert list(table.columns) == DANISH_ROWS[0].split(";")
    assert table["navn"].tolist() == ["Lægehuset Ærø", "Klinikken Østerbro"]
    assert table["kommune"].tolist() == ["Ærø", "København"]


def test_comma_tab_and_excel_sep_line(tmp_path: Path) -> None:
    comma = write(tmp_path / "a.csv", ["id,name", '1,"Hansen, Jens"', "2,B"], "utf-8")
    assert read_table(comma).frame["name"].tolist() == ["Hansen, Jens", "B"]
    tab = write(tmp_path / "a.tsv", ["id\tname", "1\tA;B", "2\tC"], "utf-8")
    assert read_table(tab).frame["name"].tolist() == ["A;B", "C"]
    sep = write(tmp_path / "a.txt", ["sep=;", "id;lat", "1;55,5"], "utf-8")
    assert read_table(sep).frame.to_dict("list") == {"id": ["1"], "lat": ["55,5"]}


def test_blank_lines_are_kept_so_row_numbers_match(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", ["id;x", "1;a", "", "2;b"], "utf-8")
    assert read_table(path).frame["id"].tolist() == ["1", "", "2"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", b"", "empty"),
        ("a.xlsx", b"PK", "unsupported file type"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValidationError, match=message):
        read_table(path)


def test_missing_file_is_a_planner_error(tmp_path: Path) -> None:
    with pytest.raises(PlannerError, match="file not found"):
        read_table(tmp_path / "nope.csv")


def test_a_directory_is_named_as_one_by_every_reader(tmp_path: Path) -> None:
    for reader in (read_table, read_patient_counts, read_land):
        with pytest.raises(ValidationError, match="is a directory, not a file"):
            reader(tmp_path)
    with pytest.raises(ValidationError, match="is a directory, not a file"):
        read_polygons(tmp_path, name_col="navn")


def test_a_table_without_geometries_given_as_land_or_boundaries(tmp_path: Path) -> None:
    path = write(tmp_path / "kommuner.csv", ["navn;areal", "Ærø;90"], "utf-8")
    with pytest.raises(ValidationError, match="has no geometries"):
        read_land(path)
    with pytest.raises(ValidationError, match="has no geometries"):
        read_polygons(path, name_col="navn")


def test_pipe_separated_files_read_too(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", ["id|name|lat", "1|Hansen, Jens|55,5", "2|B|56"], "utf-8")
    assert read_table(path).frame.to_dict("list") == {
        "id": ["1", "2"],
        "name": ["Hansen, Jens", "B"],
        "lat": ["55,5", "56"],
    }


# ---------------------------------------------------------------- read_table: spatial


def clinic_points(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {"clinic_id": ["A", "B"], "name": ["Ærø", "Bornholm"], "patients": [3000, 4000]},
        geometry=[Point(10.4167, 54.8833), Point(14.9, 55.1)],
        crs="EPSG:4326",
    )
    return gdf.to_crs(crs)


@pytest.mark.parametrize(("suffix", "crs"), [(".geojson", "EPSG:4326"), (".gpkg", "EPSG:25832")])
def test_spatial_points_round_trip(tmp_path: Path, suffix: str, crs: str) -> None:
    path = tmp_path / f"clinics{suffix}"
    clinic_points(crs).to_file(path)
    sheet = read_table(path)
    table = sheet.frame
    assert not isinstance(table, gpd.GeoDataFrame)
    assert table["clinic_id"].tolist() == ["A", "B"]
    assert table["name"].tolist() == ["Ærø", "Bornholm"]
    np.testing.assert_allclose(table["lat"], [54.8833, 55.1], atol=1e-6)
    np.testing.assert_allclose(table["lon"], [10.4167, 14.9], atol=1e-6)
    assert (sheet.source, sheet.first_row) == (str(path), 1)


def test_spatial_lat_lon_columns_win_over_geometry(tmp_path: Path) -> None:
    gdf = clinic_points().assign(Latitude=[1.0, 2.0], lng=[3.0, 4.0])
    gdf.to_file(tmp_path / "c.geojson")
    table = read_table(tmp_path / "c.geojson")
    assert "lat" not in table.frame.columns and "lon" not in table.frame.columns
    mapped = apply_column_map(table).frame
    assert mapped["lat"].tolist() == [1.0, 2.0] and mapped["lon"].tolist() == [3.0, 4.0]


def test_polygons_become_representative_points(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ring = Polygon([(10, 55), (11, 55), (11, 55.2), (10.2, 55.2), (10.2, 56), (10, 56)])
    gdf = gpd.GeoDataFrame({"clinic_id": ["L"]}, geometry=[ring], crs="EPSG:4326")
    gdf.to_file(tmp_path / "c.geojson")
    with caplog.at_level(logging.WARNING, logger="planner.load.spatial"):
        table = read_table(tmp_path / "c.geojson").frame
    assert "not points" in caplog.text
    assert ring.contains(Point(table.loc[0, "lon"], table.loc[0, "lat"]))


# ---------------------------------------------------------------- apply_column_map

ENGLAND = {
    "clinic_id": "practice_code",
    "patients": "patients_jan2021",
    "name": "practice_name",
    "region": "region_name",
}


def england_table() -> Sheet:
    table = pd.DataFrame(
        {
            "Practice_Code ": ["A81001", "A81002"],
            "practice_name": ["THE DENSHAM SURGERY", "QUEENS PARK"],
            "lat": ["54.56", "54.57"],
            "lon": ["-1.31", "-1.32"],
            "patients_jan2021": ["4100", "18917"],
            "REGION_NAME": ["North East", "North East"],
            "pcn_code": ["U1", "U2"],
        }
    )
    return Sheet(table, "england.csv")


def test_england_mapping_is_case_and_space_insensitive() -> None:
    sheet = england_table()
    table = sheet.frame
    before = table.copy()
    mapped = apply_column_map(sheet, ENGLAND).frame
    assert list(mapped.columns) == [
        "clinic_id",
        "name",
        "lat",
        "lon",
        "patients",
        "region",
        "pcn_code",
    ]
    assert mapped["clinic_id"].tolist() == ["A81001", "A81002"]
    assert apply_column_map(sheet, ENGLAND).source == "england.csv"
    pd.testing.assert_frame_equal(table, before)  # the caller's frame is untouched


def test_mapping_to_a_missing_column_lists_available_ones() -> None:
    with pytest.raises(ValidationError) as info:
        apply_column_map(england_table(), {**ENGLAND, "doctors": "gp_count"})
    (problem,) = info.value.problems
    assert problem.source == "england.csv"
    assert problem.column == "gp_count"
    assert "doctors" in problem.message and "practice_name" in problem.message


def test_danish_aliases_only_fill_missing_canonical_columns() -> None:
    table = pd.DataFrame(
        columns=["Ydernummer", "navn", "name", "Latitude", "lng", "Patienter", "Læger", "kommune"]
    )
    mapped = apply_column_map(table).frame
    assert list(mapped.columns) == [
        "clinic_id",
        "navn",  # 'name' exists, so the alias is not used
        "name",
        "lat",
        "lon",
        "patients",
        "doctors",
        "municipality",
    ]
    assert "doctors" in apply_column_map(pd.DataFrame(columns=["laeger"])).frame.columns


def test_mapped_column_shadowing_an_existing_one_is_kept_aside() -> None:
    table = pd.DataFrame({"name": ["old"], "practice_name": ["new"]})
    mapped = apply_column_map(table, {"name": "practice_name"}).frame
    assert mapped.to_dict("list") == {"original_name": ["old"], "name": ["new"]}


# ---------------------------------------------------------------- read_patient_counts


def test_patient_counts_group_one_only(tmp_path: Path) -> None:
    lines = ["cpr_hidden;Ydernummer ;sikringsgruppe"] + [
        f"x;{clinic};{group}"
        for clinic, group in [
            ("A", "1"),
            ("A", " 1 "),
            ("A", "1.0"),
            ("A", "2"),
            ("B", "1,0"),
            ("B", "2"),
        ]
    ]
    path = write(tmp_path / "patients.csv", lines, "cp1252")
    counts = read_patient_counts(path, clinic_id_col="ydernummer", valid_ids={"A", "B", "C"})
    assert counts.name == "patients"
    assert counts.index.name == "clinic_id"
    assert counts.dtype == np.int64
    assert counts.to_dict() == {"A": 3, "B": 1, "C": 0}


def test_patient_counts_without_group_column_count_every_row(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", ["clinic_id", "A", "A", "B"], "utf-8")
    assert read_patient_counts(path).to_dict() == {"A": 2, "B": 1}


def test_patient_count_problems_name_row_and_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pio, "_CHUNK_ROWS", 2)  # row numbers must survive chunking
    lines = [
        "clinic_id,sikringsgruppe",
        "A,1",  # row 2
        "Z,1",  # row 3: unknown clinic
        "A,3",  # row 4: bad group
        "B,2",  # row 5
        "A,",  # row 6: empty group
        ",1",  # row 7: empty clinic
    ]
    path = write(tmp_path / "p.csv", lines, "utf-8")
    with pytest.raises(ValidationError) as info:
        read_patient_counts(path, valid_ids={"A", "B"})
    found = {(p.row, p.column) for p in info.value.problems}
    assert found == {
        (3, "clinic_id"),
        (4, "sikringsgruppe"),
        (6, "sikringsgruppe"),
        (7, "clinic_id"),
    }
    # The cells are described, never repeated (a patient list may hold personal data).
    assert "'Z'" not in str(info.value) and "'3'" not in str(info.value)
    text = str(info.value)
    assert "(a value of 1 character," in text and "(a value of 1 digit," in text


def test_patient_counts_missing_id_column(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", ["practice;sikringsgruppe", "A;1"], "utf-8")
    with pytest.raises(ValidationError, match="available columns: practice, sikringsgruppe"):
        read_patient_counts(path)


# ---------------------------------------------------------------- read_land / read_polygons


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def polygon_feature(coords: list[list[float]], **props: object) -> dict:
    geometry = {"type": "Polygon", "coordinates": [coords]}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def test_read_land_unions_polygons_and_drops_z(tmp_path: Path) -> None:
    west = [[0, 0, -999], [1, 0, -999], [1, 1, -999], [0, 1, -999], [0, 0, -999]]
    east = [[1, 0, -999], [2, 0, -999], [2, 1, -999], [1, 1, -999], [1, 0, -999]]
    path = write_geojson(
        tmp_path / "land.geojson",
        [polygon_feature(west, name="w"), polygon_feature(east, name="e")],
    )
    land = read_land(path)
    assert not shapely.has_z(land)
    assert land.is_valid
    assert land.equals(box(0, 0, 2, 1))


def test_read_land_repairs_invalid_polygons(tmp_path: Path) -> None:
    bowtie = [[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]
    land = read_land(write_geojson(tmp_path / "bow.geojson", [polygon_feature(bowtie)]))
    assert land.is_valid and land.area == pytest.approx(2.0)


def test_read_land_without_polygons_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "points.geojson"
    clinic_points().to_file(path)
    with pytest.raises(ValidationError, match="no polygons") as info:
        read_land(path)
    assert info.value.problems[0].source == str(path)


def test_read_polygons_dissolves_by_name(tmp_path: Path) -> None:
    a1 = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    a2 = [[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]]
    b = [[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]
    path = write_geojson(
        tmp_path / "k.geojson",
        [
            polygon_feature(a1, KOMKODE="0101", KOMNAVN="A"),
            polygon_feature(b, KOMKODE="0147", KOMNAVN="B"),
            polygon_feature(a2, KOMKODE="0101", KOMNAVN="A"),
        ],
    )
    areas = read_polygons(path, name_col="KOMKODE")
    assert areas["KOMKODE"].tolist() == ["0101", "0147"]
    assert areas["KOMNAVN"].tolist() == ["A", "B"]
    assert areas.crs == "EPSG:4326"
    assert shapely.area(areas.geometry.values).tolist() == pytest.approx([2.0, 1.0])
    with pytest.raises(ValidationError, match="available columns: KOMKODE, KOMNAVN"):
        read_polygons(path, name_col="navn")


@pytest.mark.realdata
def test_real_danish_kommuner() -> None:
    path = shared_file("denmark_dagi", "kommuner.geojson")
    started = time.perf_counter()
    land = read_land(path)
    elapsed = time.perf_counter() - started
    assert land.is_valid and not shapely.has_z(land)
    assert land.geom_type == "MultiPolygon"
    west, south, east, north = land.bounds
    assert 7.5 < west < 8.5 and 54.4 < south < 54.8 and 15.0 < east < 15.4 and 57.6 < north < 58
    assert land.contains(Point(12.5683, 55.6761))  # Copenhagen
    assert elapsed < 10  # ~0.2 s; generous for slow machines
    kommuner = read_polygons(path, name_col="KOMKODE")
    assert kommuner["KOMKODE"].is_unique and len(kommuner) >= 98
    assert not kommuner.has_z.any()


@pytest.mark.parametrize(
    "lines",
    [
        ["id;name", "1;Hansen;Jens", "2;B;x"],  # every row too long: no silent index column
        ["id;name", "1;A", "2;Hansen;Jens"],  # one row too long
    ],
)
def test_rows_longer_than_the_header_are_reported(tmp_path: Path, lines: list[str]) -> None:
    path = write(tmp_path / "a.csv", lines, "utf-8")
    with pytest.raises(ValidationError, match="3 cells but the header has 2 columns") as info:
        read_table(path)
    assert 3 in {p.row for p in info.value.problems}


def test_trailing_empty_cells_are_harmless(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", ["id;name", "1;A;", "2;B;;"], "utf-8")
    assert read_table(path).frame.to_dict("list") == {"id": ["1", "2"], "name": ["A", "B"]}


# ---------------------------------------------------------------- encodings nobody declares


def test_utf16_without_a_byte_order_mark_is_detected(tmp_path: Path) -> None:
    for encoding in ("utf-16-le", "utf-16-be"):
        path = write(tmp_path / f"{encoding}.csv", DANISH_ROWS, encoding)
        table = read_table(path).frame
        assert list(table.columns) == DANISH_ROWS[0].split(";"), encoding
        assert table["navn"].tolist() == ["Lægehuset Ærø", "Klinikken Østerbro"]


def test_a_doubled_byte_order_mark_is_not_part_of_the_first_name(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_bytes(("\ufeff\ufeff" + "\n".join(DANISH_ROWS) + "\n").encode("utf-8"))
    assert list(read_table(path).frame.columns) == DANISH_ROWS[0].split(";")


def test_one_stray_windows_byte_in_utf8_is_located(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = "\n".join([*DANISH_ROWS, "345678;Lægerne i Ølstykke;55,8;12,2;1000;1;Egedal"])
    data = text.encode("utf-8").replace("Ølstykke".encode(), "Ølstykke".encode("cp1252"))
    path = tmp_path / "mixed.csv"
    path.write_bytes(data + b"\n")
    with caplog.at_level(logging.WARNING, logger="planner.load.delimited"):
        read_table(path)
    assert "byte 0xD8 on line 4" in caplog.text and "save it as UTF-8" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="planner.load.delimited"):
        read_table(write(tmp_path / "cp.csv", DANISH_ROWS, "cp1252"))  # plainly Windows-1252
    assert caplog.text == ""


def test_land_given_as_a_geometry_collection_of_polygons(tmp_path: Path) -> None:
    square = {
        "type": "Polygon",
        "coordinates": [[[10, 55], [11, 55], [11, 56], [10, 56], [10, 55]]],
    }
    other = {"type": "Polygon", "coordinates": [[[12, 55], [13, 55], [13, 56], [12, 56], [12, 55]]]}
    collection = {"type": "GeometryCollection", "geometries": [square, other]}
    path = write_geojson(
        tmp_path / "land.geojson", [{"type": "Feature", "properties": {}, "geometry": collection}]
    )
    land = read_land(path)
    assert land.geom_type == "MultiPolygon" and land.area == pytest.approx(2.0)


def test_every_bad_link_cost_is_reported_and_infinity_is_one(tmp_path: Path) -> None:
    from planner.load.side_files import read_links

    path = tmp_path / "links.csv"
    path.write_text("clinic_a,clinic_b,travel_minutes\na,b,abc\nc,d,-5\ne,f,inf\ng,h,20\n")
    with pytest.raises(ValidationError) as info:
        read_links(path)
    assert [p.row for p in info.value.problems] == [2, 3, 4]  # all three, not the first


def test_a_patient_list_error_never_repeats_the_cell(tmp_path: Path) -> None:
    # Columns shifted by one: the CPR number lands where the group or the clinic should be.
    lines = ["clinic_id;sikringsgruppe", "A;0101901234", "0101904321;1", "B;1"]
    path = write(tmp_path / "patienter.csv", lines, "utf-8")
    with pytest.raises(ValidationError) as info:
        read_patient_counts(path, valid_ids={"A", "B"})
    text = str(info.value)
    assert "0101901234" not in text and "0101904321" not in text
    assert "row 2, column 'sikringsgruppe': must be 1 or 2 (a value of 10 digits" in text
    assert "row 3, column 'clinic_id': names a clinic that is not in the clinic table" in text
