"""Tests of planner.load.validate: every problem of a clinic table reported at once."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from planner.core.errors import PlannerError, ValidationError
from planner.core.request import PlanRequest
from planner.load.common import Sheet
from planner.load.inputs import read_clinics
from planner.load.readers import apply_column_map, read_table
from planner.load.validate import COLUMN_FLAGS, MOST, to_metric, validate_clinics

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

HEADER = "clinic_id;name;lat;lon;patients;doctors;kommune"


def shared_file(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found at {path.resolve()} (it sits beside the repository)")
    return path


def csv_table(tmp_path: Path, rows: list[str], header: str = HEADER) -> pd.DataFrame:
    path = tmp_path / "clinics.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return apply_column_map(read_table(path))


def good_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "clinic_id": ["A", "B", "C"],
            "name": ["Alfa", "", "Charlie"],
            "lat": ["55,6761", "56.1", 55.4],
            "lon": ["12,5683", "10.2", 10.4],
            "patients": ["3000", "4000.0", 2500],
            "doctors": ["2", "3,0", 1.0],
            "region": ["Hovedstaden", "Midtjylland", "Syddanmark"],
            "note": ["x", "y", None],
        },
        index=[10, 20, 30],
    )


def test_valid_table_becomes_clean_points() -> None:
    table = good_frame()
    before = table.copy()
    out = validate_clinics(table, source="test")
    pd.testing.assert_frame_equal(table, before)  # the caller's frame is untouched
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.crs == "EPSG:4326"
    assert out.index.tolist() == [0, 1, 2]
    assert out["clinic_id"].tolist() == ["A", "B", "C"]
    assert out["name"].tolist() == ["Alfa", "B", "Charlie"]  # empty name -> clinic id
    assert out["patients"].dtype == np.int64 and out["doctors"].dtype == np.int64
    assert out["patients"].tolist() == [3000, 4000, 2500]
    assert out["doctors"].tolist() == [2, 3, 1]
    assert out["region"].tolist() == ["Hovedstaden", "Midtjylland", "Syddanmark"]
    assert out["note"].tolist()[:2] == ["x", "y"]  # other columns kept as they were
    assert out.geometry.iloc[0].equals(Point(12.5683, 55.6761))
    assert list(out.columns[:6]) == ["clinic_id", "name", "lat", "lon", "patients", "doctors"]


def test_danish_excel_file_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "klinikker.csv"
    text = "\r\n".join(
        [
            "Ydernummer;Navn;Latitude;Longitude;Patienter;Læger;Kommune",
            "012345;Lægehuset Ærø;54,8833;10,4167;3 100;2;Ærø",
            ";;;;;;",  # an empty row Excel left behind
        ]
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    out = validate_clinics(apply_column_map(read_table(path)))
    assert out[["clinic_id", "name", "patients", "municipality"]].iloc[0].tolist() == [
        "012345",
        "Lægehuset Ærø",
        3100,
        "Ærø",
    ]
    assert len(out) == 1


def test_every_bad_cell_is_reported_with_its_spreadsheet_row(tmp_path: Path) -> None:
    table = csv_table(
        tmp_path,
        [
            "A;Alfa;55,6;12,5;3000;2;København",  # row 2: fine
            "B;Bravo;abc;12,5;3000;2;København",  # row 3: lat not a number
            "C;Charlie;55,6;200;-5;2;København",  # row 4: lon out of range, negative patients
            "D;Delta;55,6;12,5;;1,5;København",  # row 5: patients empty, doctors not whole
            "",  # row 6: blank, ignored
            ";Echo;55,6;12,5;3.000;;København",  # row 7: no id (3.000 is 3000 here), no doctors
        ],
    )
    with pytest.raises(ValidationError) as info:
        validate_clinics(table)
    found = [(p.row, p.column) for p in info.value.problems]
    assert found == [
        (3, "lat"),
        (4, "lon"),
        (4, "patients"),
        (5, "patients"),
        (5, "doctors"),
        (7, "clinic_id"),
        (7, "doctors"),
    ]
    assert all(p.source.endswith("clinics.csv") for p in info.value.problems)
    text = str(info.value)
    assert text.startswith("7 problems in the input:")
    assert "'abc'" in text and "out of range" in text


def test_duplicate_ids_name_both_rows(tmp_path: Path) -> None:
    table = csv_table(
        tmp_path,
        [
            "A;Alfa;55,6;12,5;3000;2;K",
            "B;Bravo;55,6;12,5;3000;2;K",
            " A ;Again;55,6;12,5;3000;2;K",
        ],
    )
    with pytest.raises(ValidationError) as info:
        validate_clinics(table)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (4, "clinic_id")
    assert "rows 2, 4" in problem.message


def test_missing_columns_name_the_flag() -> None:
    table = pd.DataFrame({"clinic_id": ["A"], "name": ["x"], "lat": [55.0], "lon": [12.0]})
    with pytest.raises(ValidationError) as info:
        validate_clinics(table, source="clinics.csv")
    problems = {p.column: p.message for p in info.value.problems}
    assert set(problems) == {"patients"}  # GP counts (doctors) and names are optional
    assert "use --patients-col to name the patients column" in problems["patients"]
    assert "--patients FILE" in problems["patients"]
    assert "columns present: clinic_id, name, lat, lon" in problems["patients"]
    assert set(COLUMN_FLAGS) >= {"clinic_id", "name", "lat", "lon", "patients", "doctors"}


def test_cells_are_still_checked_when_a_column_is_missing() -> None:
    table = good_frame().drop(columns="patients").assign(lat=["x", "56", "57"])
    with pytest.raises(ValidationError) as info:
        validate_clinics(table)
    assert [(p.row, p.column) for p in info.value.problems] == [(None, "patients"), (2, "lat")]


@pytest.mark.parametrize("rows", [[], [";;;;;;"]])
def test_a_table_without_rows_is_a_problem(tmp_path: Path, rows: list[str]) -> None:
    with pytest.raises(ValidationError, match="no rows"):
        validate_clinics(csv_table(tmp_path, rows))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("3000", 3000), ("3000.0", 3000), ("3000,00", 3000), (" 3 000 ", 3000), ("0", 0)],
)
def test_whole_numbers_accepted(cell: str, expected: int) -> None:
    out = validate_clinics(good_frame().assign(patients=[cell, "1", "1"]))
    assert out.loc[0, "patients"] == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("3.000", "ambiguous"),
        ("30,000", "ambiguous"),
        ("1.5", "not a whole number"),
        ("-3", "negative"),
        ("", "empty"),
        ("   ", "empty"),
        ("3_000", "not a whole number"),
        ("1e3", "not a whole number"),
        ("nan", "not a whole number"),
    ],
)
def test_whole_numbers_rejected(cell: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_clinics(good_frame().assign(patients=[cell, "1", "1"]))


@pytest.mark.parametrize(("lat", "ok"), [("90", True), ("-90,0", True), ("90.5", False)])
def test_latitude_range(lat: str, ok: bool) -> None:
    table = good_frame().assign(lat=[lat, "1", "1"])
    if ok:
        validate_clinics(table)
    else:
        with pytest.raises(ValidationError, match="out of range"):
            validate_clinics(table)


@given(st.integers(min_value=0, max_value=10_000))  # the most GPs taken as real
def test_any_whole_number_round_trips(n: int) -> None:
    for cell in (str(n), f"{n}.0", f"{n},0", n, float(n)):
        out = validate_clinics(good_frame().assign(doctors=[cell, 1, 1]))
        assert out.loc[0, "doctors"] == n


def test_spatial_rows_are_numbered_from_one(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"clinic_id": ["A", "B"], "name": ["a", "b"], "patients": [10, None], "doctors": [1, 1]},
        geometry=[Point(10, 55), Point(11, 56)],
        crs="EPSG:4326",
    )
    gdf.to_file(tmp_path / "c.gpkg")
    with pytest.raises(ValidationError) as info:
        validate_clinics(read_table(tmp_path / "c.gpkg"))
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "patients")]


def test_geodataframe_input_uses_its_points() -> None:
    gdf = gpd.GeoDataFrame(
        {"clinic_id": ["A"], "name": ["a"], "patients": [10], "doctors": [1]},
        geometry=[Point(500_000, 6_100_000)],
        crs="EPSG:25832",
    )
    out = validate_clinics(gdf)
    assert out.crs == "EPSG:4326"
    assert out.loc[0, "lon"] == pytest.approx(9.0, abs=1e-6)
    assert gdf.crs == "EPSG:25832"  # untouched


def test_to_metric_is_a_utm_copy() -> None:
    clinics = validate_clinics(good_frame())
    metric = to_metric(clinics)
    assert metric.crs.to_epsg() == 32632  # UTM 32N for Denmark
    assert clinics.crs == "EPSG:4326"
    assert to_metric(clinics).crs == metric.crs  # deterministic
    with pytest.raises(PlannerError):
        to_metric(clinics.set_crs(None, allow_override=True))


ENGLAND = {
    "clinic_id": "practice_code",
    "patients": "patients_jan2021",
    "name": "practice_name",
    "region": "region_name",
}


@pytest.mark.realdata
def test_real_england_file_reports_exactly_the_four_empty_counts() -> None:
    path = shared_file("england_gp_pcn", "england_gp_practices_pcn.csv")
    table = apply_column_map(read_table(path), ENGLAND)
    # The English file has no GP counts (optional: no GP rule, no GP figures); validation
    # reports only the four empty counts.
    with pytest.raises(ValidationError) as info:
        validate_clinics(table)
    rows = {p.row for p in info.value.problems if p.row is not None}
    assert rows == {4984, 4985, 4986, 4987}
    assert not any(p.column == "doctors" for p in info.value.problems)
    with pytest.raises(ValidationError) as info:
        validate_clinics(Sheet(table.frame.assign(doctors="1"), table.source))
    assert [(p.row, p.column) for p in info.value.problems] == [
        (4984, "patients"),
        (4985, "patients"),
        (4986, "patients"),
        (4987, "patients"),
    ]
    frame = table.frame
    clean = validate_clinics(frame[frame["patients"] != ""].assign(doctors="1"))
    assert len(clean) == 4982 and clean["clinic_id"].is_unique


@pytest.mark.realdata
def test_real_synthetic_danish_clinics_validate() -> None:
    path = shared_file("denmark_synthetic_clinics", "clinics.csv")
    clinics = validate_clinics(apply_column_map(read_table(path)))
    assert len(clinics) == 1720
    assert int(clinics["patients"].sum()) == 5_843_594
    assert int(clinics["doctors"].sum()) == 3_671
    assert clinics["municipality"].nunique() == 98


# --- counts beyond any practice: input errors, never a wrong total (issue 13) ---


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("patients", "10000001"),
        ("patients", 10_000_001),
        ("patients", 1e20),
        ("patients", 2**63),
        ("patients", "9223372036854775808"),  # 2**63 as text
        ("patients", np.int64(2**63 - 1)),
        ("patients", np.uint64(2**64 - 1)),
        ("patients", "10000000000000000000000000000000000000000"),
        ("doctors", "10001"),
        ("doctors", 1e20),
        ("doctors", 2**63),
        ("doctors", float(2**64)),
    ],
)
def test_counts_beyond_any_practice_are_problems_of_their_cell(column: str, cell: object) -> None:
    table = good_frame().astype(object)
    table.loc[20, column] = cell  # the second row: row 3 of a spreadsheet
    with pytest.raises(ValidationError) as caught:
        validate_clinics(table, source="clinics.csv")
    problems = caught.value.problems
    assert [(p.source, p.row, p.column) for p in problems] == [("clinics.csv", 3, column)]
    assert "beyond any plausible practice" in problems[0].message
    assert f"at most {MOST[column]:,}" in problems[0].message


def test_every_implausible_count_is_reported_at_once() -> None:
    table = good_frame().astype(object)
    table["patients"] = [2**63, 1e20, "10000001"]
    table["doctors"] = ["10001", 1, 2**70]
    with pytest.raises(ValidationError) as caught:
        validate_clinics(table, source="clinics.csv")
    where = [(p.row, p.column) for p in caught.value.problems]
    assert where == [
        (2, "patients"),
        (2, "doctors"),
        (3, "patients"),
        (4, "patients"),
        (4, "doctors"),
    ]


def test_the_largest_plausible_counts_are_accepted_and_sum_exactly() -> None:
    table = good_frame().assign(patients=[MOST["patients"]] * 3, doctors=[str(MOST["doctors"])] * 3)
    out = validate_clinics(table)
    assert out["patients"].tolist() == [10_000_000] * 3
    assert int(out["patients"].sum()) == 30_000_000 and int(out["doctors"].sum()) == 30_000


def test_an_overflowing_count_in_a_file_is_reported_not_a_traceback(tmp_path: Path) -> None:
    rows = [
        "A;Alfa;55,1;10,1;9223372036854775808;2;Ærø",
        "B;Beta;55,2;10,2;3000;18446744073709551616;Ærø",
        "C;Gamma;55,3;10,3;1e20;2;Ærø",
    ]
    with pytest.raises(ValidationError) as caught:
        validate_clinics(csv_table(tmp_path, rows))
    text = str(caught.value)
    assert "row 2, column 'patients': patients is 9,223,372,036,854,775,808" in text
    assert "row 3, column 'doctors'" in text and "row 4, column 'patients'" in text


def _points(lons, lats):
    return gpd.GeoSeries(gpd.points_from_xy(lons, lats), crs="EPSG:4326")


def test_a_metric_crs_is_found_anywhere_on_earth():
    from planner.load.validate import metric_crs

    rng = np.random.default_rng(0)
    denmark = metric_crs(_points(rng.uniform(8, 15, 50), rng.uniform(54.5, 57.7, 50)))
    assert denmark.to_epsg() == 32632  # as before: Danish plans do not change
    fiji = metric_crs(
        _points([177.5, 178.9, 179.8, -179.6, -178.7], [-18, -17, -16.5, -16.8, -17.5])
    )
    assert "Lambert Azimuthal Equal Area" in repr(fiji)  # not a UTM zone half a world away
    polar = metric_crs(_points([-20, 0, 20], [85, 86, 85.5]))
    assert "Lambert Azimuthal Equal Area" in repr(polar)


def test_clinics_across_the_antimeridian_and_near_a_pole_plan_with_true_distances():
    from planner import plan

    rng = np.random.default_rng(1)
    n = 24
    lon = np.concatenate([rng.uniform(178.0, 179.9, n // 2), rng.uniform(-179.9, -178.5, n // 2)])
    for lat, lons in (
        (rng.uniform(-18.0, -16.5, n), lon),
        (rng.uniform(84.5, 85.5, n), rng.uniform(-10, 10, n)),
    ):
        table = pd.DataFrame(
            {"clinic_id": [f"c{i}" for i in range(n)], "name": "x", "lat": lat, "lon": lons,
             "patients": 10_000, "doctors": 6}
        )  # fmt: skip
        result = plan(table)
        assert result.n_clusters >= 1
        assert result.metrics["max_km"] < 400  # distances on the ground, not across the map


def test_a_danish_excel_export_with_thousands_points_is_read(tmp_path: Path) -> None:
    """Decimal commas in the coordinates: '9.885' and '12.034,0' are thousands, not decimals."""
    table = csv_table(
        tmp_path,
        ["A;Alfa;55,6;12,5;9.885;6;K", "B;Bravo;55,7;12,6;12.034,0;7;K", "C;C;55,8;12,7;800;1;K"],
    )
    out = validate_clinics(table)
    assert out["patients"].tolist() == [9885, 12034, 800]


def test_an_english_export_with_thousands_commas_is_read(tmp_path: Path) -> None:
    header = "clinic_id,name,lat,lon,patients,doctors,municipality"
    rows = ['A,Alfa,55.6,12.5,"9,885",6,K', 'B,Bravo,55.7,12.6,"12,034.0",7,K']
    out = validate_clinics(csv_table(tmp_path, rows, header=header))
    assert out["patients"].tolist() == [9885, 12034]


@pytest.mark.parametrize(("cell", "lat"), [("9,885", "55,6"), ("9.885", "55.6")])
def test_a_separator_that_is_the_files_decimal_mark_stays_an_error(cell: str, lat: str) -> None:
    """'9,885' where the decimal mark is a comma is 9.885, not a whole number of patients."""
    table = good_frame().assign(lat=[lat] * 3, lon=[lat] * 3, patients=[cell, "1", "1"])
    with pytest.raises(ValidationError, match="patients"):
        validate_clinics(table)


def test_gps_are_estimated_from_thousands_grouped_counts(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "clinic_id;name;lat;lon;patients\nA;Alfa;55,6;12,5;9.000\nB;B;55,7;12,6;1.800\n",
        encoding="utf-8",
    )
    sheet = read_clinics(path, PlanRequest(patients_per_gp=1800))
    out = validate_clinics(sheet)
    assert out["doctors"].tolist() == [5, 1]
