"""The catalogue of bad inputs (issue 13): one case per class of hostile or broken input.

Each case runs ``planner plan`` on a small broken input beside a previous plan and asserts
the exit code (2 usage error, 3 invalid input), that the message names the file, row and
column where they apply (and, for a patient list, never repeats the cell), that no
traceback ended the run, and that nothing changed: the previous plan, the inputs and the
working directory are byte-identical, with no temporary folder or lock left beside them.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import geopandas as gpd
import pytest
from bad_inputs import (
    GOOD,
    HEADER,
    LAND,
    SECRET,
    Case,
    clinics,
    command,
    csv_text,
    geojson,
    lay_out,
    no_traceback,
    point_feature,
    rows,
    run,
    snapshot,
    square,
    text_of,
    with_bad,
)
from shapely.geometry import Point, box

USAGE, INVALID = 2, 3


def _two_point_layers(path: Path) -> None:
    points = [Point(10 + 0.016 * i, 55) for i in range(4)]
    table = {
        "clinic_id": [f"c{i}" for i in range(4)],
        "name": ["A", "B", "C", "D"],
        "patients": [5000] * 4,
        "doctors": [3] * 4,
    }
    frame = gpd.GeoDataFrame(table, geometry=points, crs=4326)
    frame.to_file(path, layer="clinics_2025")
    frame.iloc[:2].to_file(path, layer="clinics_2019")


def _area_layer(path: Path) -> None:
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[box(9, 54, 11, 56)], crs=4326).to_file(path)


def _swap_lat_lon(row: str) -> str:
    clinic_id, name, lat, lon, *rest = row.split(",")
    return ",".join([clinic_id, name, lon, lat, *rest])


def _patients(*lines: str) -> bytes:
    return csv_text("cpr,clinic_id,sikringsgruppe", *lines).encode("utf-8")


def _toml(text: str) -> bytes:
    return text.encode("utf-8")


PATIENTS_OK = [f"{SECRET},c{i:02d},1" for i in range(6)]

CASES = [
    # --- encodings and whole files -----------------------------------------------------
    Case(
        "binary-junk",
        INVALID,
        ("clinics.csv", "binary data"),
        {"in/clinics.csv": bytes(range(256)) * 8},
    ),
    Case(
        "workbook-saved-as-csv",
        INVALID,
        ("clinics.csv", "zip archive", "save it as CSV"),
        {"in/clinics.csv": b"PK\x03\x04" + bytes(200)},
    ),
    Case("empty-file", INVALID, ("clinics.csv", "the file is empty"), {"in/clinics.csv": b""}),
    Case(
        "utf8-byte-order-mark-but-a-windows-byte",
        INVALID,
        ("clinics.csv", "is UTF-8 (by its first bytes)", "(line 4)", "save it as UTF-8"),
        {"in/clinics.csv": codecs.BOM_UTF8 + clinics().replace(b"Clinic 2", b"L\xe6ge")},
    ),
    Case(
        "utf16-cut-in-half-a-character",
        INVALID,
        ("clinics.csv", "is UTF-16", "ends in half a character"),
        {"in/clinics.csv": clinics().decode().encode("utf-16")[:-1]},
    ),
    Case(
        "only-blank-lines",
        INVALID,
        ("clinics.csv", "only blank lines"),
        {"in/clinics.csv": b"\n\r\n\n"},
    ),
    Case(
        "blank-first-line",
        INVALID,
        ("clinics.csv", "row 1", "column names must be on the first line"),
        {"in/clinics.csv": b"\n" + GOOD},
    ),
    Case(
        "header-only",
        INVALID,
        ("clinics.csv", "the table has no rows"),
        {"in/clinics.csv": (HEADER + "\n").encode()},
    ),
    Case(
        "unknown-file-type",
        INVALID,
        ("clinics.xlsx", "unsupported file type '.xlsx'"),
        {"in/clinics.xlsx": GOOD},
        clinics="{in}/clinics.xlsx",
    ),
    Case("missing-file", INVALID, ("nowhere.csv", "file not found"), clinics="{in}/nowhere.csv"),
    Case("a-folder-as-clinics", INVALID, ("is a directory",), clinics="{tmp}/work"),
    Case(
        "unterminated-quote",
        INVALID,
        ("clinics.csv", "row 3", "column 'clinic_id'", 'a quote (") opened on line 3'),
        {"in/clinics.csv": clinics().replace(b"c01,", b'"c01,')},
    ),
    Case(
        "cut-short-inside-a-quote",
        INVALID,
        ("clinics.csv", "row 8", "column 'name'", "the file ends inside a quoted cell"),
        {"in/clinics.csv": clinics() + b'c06,"Clinic six, cut sh'},
    ),
    Case(
        "huge-cell",
        INVALID,
        ("clinics.csv", "row 7", "column 'name'", "longer than 131,072 characters"),
        {"in/clinics.csv": with_bad("c09," + "N" * 200_000 + ",55,10,5000,3")},
    ),
    Case(
        "row-longer-than-the-header",
        INVALID,
        ("clinics.csv", "row 7", "the row has 8 cells but the header has 6"),
        {"in/clinics.csv": with_bad("c09,X,55,10,5000,3,extra,more")},
    ),
    # --- columns -------------------------------------------------------------------------
    Case(
        "no-id-column",
        INVALID,
        ("clinics.csv", "column 'clinic_id'", "is missing", "--id-col"),
        {"in/clinics.csv": b"name,lat,lon,patients,doctors\nA,55,10,5000,3\n"},
    ),
    Case(
        "no-patients-column",
        INVALID,
        ("column 'patients'", "is missing", "--patients FILE"),
        {"in/clinics.csv": b"clinic_id,name,lat,lon,doctors\na,A,55,10,3\n"},
    ),
    Case(
        "no-coordinates",
        INVALID,
        ("column 'lat'", "column 'lon'", "--lat-col"),
        {"in/clinics.csv": b"clinic_id,name,patients,doctors\na,A,5000,3\n"},
    ),
    Case(
        "duplicate-header",
        INVALID,
        ("clinics.csv", "column 'patients' appears more than once"),
        {"in/clinics.csv": clinics(header=HEADER + ",patients").replace(b",3\n", b",3,1\n")},
    ),
    Case(
        "duplicate-ids",
        INVALID,
        ("clinics.csv", "row 7", "column 'clinic_id'", "'c00' is duplicated (rows 2, 7)"),
        {"in/clinics.csv": with_bad("c00,Again,55.05,10.05,5000,3")},
    ),
    Case(
        "empty-id",
        INVALID,
        ("row 7", "column 'clinic_id'", "clinic_id is empty"),
        {"in/clinics.csv": with_bad(",Nameless,55.05,10.05,5000,3")},
    ),
    Case(
        "id-col-names-a-missing-column",
        INVALID,
        ("column 'practice'", "is not in the file", "available columns: clinic_id"),
        args=("--id-col", "practice"),
    ),
    # --- values --------------------------------------------------------------------------
    Case(
        "negative-patients",
        INVALID,
        ("row 7", "column 'patients'", "must not be negative"),
        {"in/clinics.csv": with_bad("c09,X,55.05,10.05,-5,3")},
    ),
    Case(
        "nan-latitude",
        INVALID,
        ("row 7", "column 'lat'", "not a number"),
        {"in/clinics.csv": with_bad("c09,X,nan,10.05,5000,3")},
    ),
    Case(
        "infinite-longitude",
        INVALID,
        ("row 7", "column 'lon'", "not a number"),
        {"in/clinics.csv": with_bad("c09,X,55.05,inf,5000,3")},
    ),
    Case(
        "patients-1e20",
        INVALID,
        ("row 7", "column 'patients'", "1e20"),
        {"in/clinics.csv": with_bad("c09,X,55.05,10.05,1e20,3")},
    ),
    Case(
        "patients-2-to-the-63",
        INVALID,
        ("row 7", "column 'patients'", "beyond any plausible practice"),
        {"in/clinics.csv": with_bad(f"c09,X,55.05,10.05,{2**63},3")},
    ),
    Case(
        "patients-just-beyond-any-practice",
        INVALID,
        ("row 7", "column 'patients'", "at most 10,000,000"),
        {"in/clinics.csv": with_bad("c09,X,55.05,10.05,10000001,3")},
    ),
    Case(
        "patients-not-a-number",
        INVALID,
        ("row 7", "column 'patients'", "not a whole number: 'lots'"),
        {"in/clinics.csv": with_bad("c09,X,55.05,10.05,lots,3")},
    ),
    Case(
        "doctors-a-fraction",
        INVALID,
        ("row 7", "column 'doctors'", "not a whole number"),
        {"in/clinics.csv": with_bad("c09,X,55.05,10.05,5000,2.5")},
    ),
    Case(
        "doctors-beyond-any-practice",
        INVALID,
        ("row 7", "column 'doctors'", "at most 10,000"),
        {"in/clinics.csv": with_bad("c09,X,55.05,10.05,5000,20000")},
    ),
    Case(
        "latitude-out-of-range",
        INVALID,
        ("row 7", "column 'lat'", "out of range (-90 to 90): 95"),
        {"in/clinics.csv": with_bad("c09,X,95,10.05,5000,3")},
    ),
    Case(
        "longitude-out-of-range",
        INVALID,
        ("row 7", "column 'lon'", "out of range (-180 to 180): 190"),
        {"in/clinics.csv": with_bad("c09,X,55.05,190,5000,3")},
    ),
    Case(
        "empty-coordinate",
        INVALID,
        ("row 7", "column 'lat'", "lat is empty"),
        {"in/clinics.csv": with_bad("c09,X,,10.05,5000,3")},
    ),
    Case(
        "every-bad-cell-at-once",
        INVALID,
        ("4 problems", "row 7, column 'lat'", "row 8, column 'patients'", "row 9, column 'lon'"),
        {
            "in/clinics.csv": csv_text(
                HEADER,
                *rows(5),
                "c09,X,north,10,5000,3",
                "c10,Y,55,10,-1,3",
                "c11,Z,55,999,5000,3",
                "c12,W,55,10,5000,many",
            ).encode()
        },
    ),
    Case(
        "lat-and-lon-swapped",
        INVALID,
        ("clinics.csv", "column 'lat'", "lat and lon look swapped", "--lat-col"),
        {
            "in/clinics.csv": csv_text(HEADER, *map(_swap_lat_lon, rows())).encode(),
            "in/land.geojson": LAND,
        },
        args=("--land", "{in}/land.geojson"),
    ),
    Case(
        "a-clinic-at-sea",
        INVALID,
        ("clinics.csv", "row 7", "column 'lat'", "off the land"),
        {"in/clinics.csv": with_bad("c09,X,56.5,12.5,5000,3"), "in/land.geojson": LAND},
        args=("--land", "{in}/land.geojson"),
    ),
    # --- geometry ------------------------------------------------------------------------
    Case(
        "geojson-without-features",
        INVALID,
        ("clinics.geojson", "column 'clinic_id'", "is missing"),
        {"in/clinics.geojson": geojson([])},
        clinics="{in}/clinics.geojson",
    ),
    Case(
        "geojson-invalid-json",
        INVALID,
        ("clinics.geojson", "could not open the file"),
        {"in/clinics.geojson": b'{"type": "FeatureCollection", "features": ['},
        clinics="{in}/clinics.geojson",
    ),
    Case(
        "geojson-null-geometry",
        INVALID,
        ("clinics.geojson", "row 2", "column 'lat'", "lat is empty"),
        {
            "in/clinics.geojson": geojson(
                [point_feature(10, 55), {**point_feature(10, 55, "b"), "geometry": None}]
            )
        },
        clinics="{in}/clinics.geojson",
    ),
    Case(
        "geojson-unknown-geometry-type",
        INVALID,
        ("clinics.geojson", "row 1", "column 'lat'"),
        {
            "in/clinics.geojson": geojson(
                [{**point_feature(10, 55), "geometry": {"type": "Circle", "coordinates": [10, 55]}}]
            )
        },
        clinics="{in}/clinics.geojson",
    ),
    Case(
        "geojson-coordinates-out-of-range",
        INVALID,
        ("clinics.geojson", "row 1", "column 'lon'", "out of range"),
        {"in/clinics.geojson": geojson([point_feature(200, 55)])},
        clinics="{in}/clinics.geojson",
    ),
    Case(
        "geopackage-with-two-point-layers",
        INVALID,
        ("clinics.gpkg", "clinics_2025", "clinics_2019", "--layer"),
        {"in/clinics.gpkg": _two_point_layers},
        clinics="{in}/clinics.gpkg",
    ),
    Case(
        "layer-that-is-not-there",
        INVALID,
        ("clinics.gpkg", "no layer 'clinics_2030'", "clinics_2025"),
        {"in/clinics.gpkg": _two_point_layers},
        clinics="{in}/clinics.gpkg",
        args=("--layer", "clinics_2030"),
    ),
    # --- land ----------------------------------------------------------------------------
    Case(
        "land-without-features",
        INVALID,
        ("land.geojson", "no polygons"),
        {"in/land.geojson": geojson([])},
        args=("--land", "{in}/land.geojson"),
    ),
    Case(
        "land-of-points",
        INVALID,
        ("land.geojson", "no polygons"),
        {"in/land.geojson": geojson([point_feature(10, 55)])},
        args=("--land", "{in}/land.geojson"),
    ),
    Case(
        "land-invalid-json",
        INVALID,
        ("land.geojson", "could not open the file"),
        {"in/land.geojson": b'{"type":'},
        args=("--land", "{in}/land.geojson"),
    ),
    Case(
        "land-a-table-without-geometries",
        INVALID,
        ("land.csv", "no geometries"),
        {"in/land.csv": b"a,b\n1,2\n"},
        args=("--land", "{in}/land.csv"),
    ),
    Case(
        "land-far-away",
        INVALID,
        ("clinics.csv", "row 2", "column 'lat'", "off the land"),
        {"in/land.geojson": geojson([square(0, 0, 1, 1, name="elsewhere")])},
        args=("--land", "{in}/land.geojson"),
    ),
    Case(
        "land-missing",
        INVALID,
        ("gone.geojson", "file not found"),
        args=("--land", "{in}/gone.geojson"),
    ),
    # --- links ---------------------------------------------------------------------------
    Case(
        "links-without-their-columns",
        INVALID,
        ("links.csv", "column 'clinic_a' is missing", "column 'clinic_b' is missing"),
        {"in/links.csv": b"a,b\nc00,c01\n"},
        args=("--links", "{in}/links.csv"),
    ),
    Case(
        "links-to-an-unknown-clinic",
        INVALID,
        ("links.csv", "row 2", "column 'clinic_b'", "'zz' is not in the clinic table"),
        {"in/links.csv": b"clinic_a,clinic_b\nc00,zz\n"},
        args=("--links", "{in}/links.csv"),
    ),
    Case(
        "links-with-every-cost-bad",
        INVALID,
        ("3 problems", "row 2", "row 3", "row 4", "column 'travel_minutes'", "'inf'"),
        {
            "in/links.csv": b"clinic_a,clinic_b,travel_minutes\n"
            b"c00,c01,-1\nc00,c02,abc\nc00,c03,inf\n"
        },
        args=("--links", "{in}/links.csv"),
    ),
    Case(
        "links-with-an-empty-id",
        INVALID,
        ("links.csv", "row 2", "column 'clinic_a'", "clinic_a is empty"),
        {"in/links.csv": b"clinic_a,clinic_b\n,c01\n"},
        args=("--links", "{in}/links.csv"),
    ),
    Case(
        "links-empty-file",
        INVALID,
        ("links.csv", "the file is empty"),
        {"in/links.csv": b""},
        args=("--links", "{in}/links.csv"),
    ),
    # --- boundaries ----------------------------------------------------------------------
    Case(
        "municipalities-without-the-name-column",
        INVALID,
        ("m.geojson", "column 'KOMNAVN' is not in the file", "available columns: x"),
        {"in/m.geojson": geojson([square(9, 54, 11, 56, x="a")])},
        args=("--municipalities", "{in}/m.geojson"),
    ),
    Case(
        "municipality-polygon-without-a-name",
        INVALID,
        ("m.geojson", "row 1", "column 'KOMNAVN'", "the polygon has no name"),
        {"in/m.geojson": geojson([square(9, 54, 11, 56, KOMNAVN=None)])},
        args=("--municipalities", "{in}/m.geojson"),
    ),
    Case(
        "municipalities-not-a-spatial-file",
        INVALID,
        ("m.geojson", "could not open the file"),
        {"in/m.geojson": b"not json at all"},
        args=("--municipalities", "{in}/m.geojson"),
    ),
    Case(
        "regions-without-features",
        INVALID,
        ("r.geojson", "column 'REGIONNAVN' is not in the file"),
        {"in/r.geojson": geojson([])},
        args=("--regions", "{in}/r.geojson"),
    ),
    Case(
        "municipalities-that-miss-the-clinics",
        INVALID,
        ("m.geojson", "outside every area"),
        {"in/m.geojson": geojson([square(0, 0, 1, 1, KOMNAVN="Elsewhere")])},
        args=("--municipalities", "{in}/m.geojson"),
    ),
    # --- choices, current plan, clinics closing, pairs kept apart -------------------------
    Case(
        "choices-without-proposed-cluster",
        INVALID,
        ("choices.csv", "column 'proposed_cluster' is missing"),
        {"in/choices.csv": b"clinic_id,comment\nc00,closer\n"},
        args=("--choices", "{in}/choices.csv"),
    ),
    Case(
        "choices-for-an-unknown-clinic",
        INVALID,
        ("choices.csv", "row 2", "column 'clinic_id'", "'zz' is not in the clinic table"),
        {"in/choices.csv": b"clinic_id,proposed_cluster,comment\nzz,K1,x\n"},
        args=("--choices", "{in}/choices.csv"),
    ),
    Case(
        "current-without-a-cluster-column",
        INVALID,
        ("current.csv", "column 'cluster_id' is missing"),
        {"in/current.csv": b"clinic_id\nc00\n"},
        args=("--current", "{in}/current.csv"),
    ),
    Case(
        "current-naming-an-unknown-clinic",
        INVALID,
        ("current.csv", "row 2", "column 'clinic_id'", "'zz' is not in the clinic table"),
        {"in/current.csv": b"clinic_id,cluster_id\nzz,K1\n"},
        args=("--current", "{in}/current.csv"),
    ),
    Case(
        "current-putting-a-clinic-in-two-clusters",
        INVALID,
        ("current.csv", "row 3", "column 'clinic_id'", "c00"),
        {"in/current.csv": b"clinic_id,cluster_id\nc00,K1\nc00,K2\n"},
        args=("--current", "{in}/current.csv"),
    ),
    Case(
        "current-cut-short-inside-a-quote",
        INVALID,
        ("current.csv", "row 3", "ends inside a quoted cell"),
        {"in/current.csv": b'clinic_id,cluster_id\nc00,K1\nc01,"K'},
        args=("--current", "{in}/current.csv"),
    ),
    Case(
        "leaving-with-a-bad-flag",
        INVALID,
        ("leaving.csv", "row 2", "column 'leaving'", "must be yes/no, got 'maybe'"),
        {"in/leaving.csv": b"clinic_id,leaving\nc00,maybe\n"},
        args=("--leaving", "{in}/leaving.csv"),
    ),
    Case(
        "leaving-an-unknown-clinic",
        INVALID,
        ("leaving.csv", "row 2", "'zz' is not in the clinic table"),
        {"in/leaving.csv": b"clinic_id\nzz\n"},
        args=("--leaving", "{in}/leaving.csv"),
    ),
    Case(
        "cannot-link-an-unknown-clinic",
        INVALID,
        ("pairs.csv", "row 2", "column 'clinic_b'", "'zz' is not in the clinic table"),
        {"in/pairs.csv": b"clinic_a,clinic_b\nc00,zz\n"},
        args=("--cannot-link", "{in}/pairs.csv"),
    ),
    Case(
        "cannot-link-binary",
        INVALID,
        ("pairs.csv", "binary data"),
        {"in/pairs.csv": b"\x00\x01\x02" * 50},
        args=("--cannot-link", "{in}/pairs.csv"),
    ),
    # --- patient lists: never the cell's value --------------------------------------------
    Case(
        "patients-of-an-unknown-clinic",
        INVALID,
        ("patients.csv", "row 8", "column 'clinic_id'", "not in the clinic table"),
        {"in/patients.csv": _patients(*PATIENTS_OK, f"{SECRET},{SECRET},1")},
        args=("--patients", "{in}/patients.csv"),
        never=(SECRET,),
    ),
    Case(
        "patients-with-a-bad-group",
        INVALID,
        ("patients.csv", "row 8", "column 'sikringsgruppe'", "must be 1 or 2"),
        {"in/patients.csv": _patients(*PATIENTS_OK, f"x,c00,{SECRET}")},
        args=("--patients", "{in}/patients.csv"),
        never=(SECRET,),
    ),
    Case(
        "patients-without-a-clinic-column",
        INVALID,
        ("patients.csv", "column 'clinic_id'", "not in the file"),
        {"in/patients.csv": f"cpr,sikringsgruppe\n{SECRET},1\n".encode()},
        args=("--patients", "{in}/patients.csv"),
        never=(SECRET,),
    ),
    Case(
        "patients-empty-file",
        INVALID,
        ("patients.csv", "the file is empty"),
        {"in/patients.csv": b""},
        args=("--patients", "{in}/patients.csv"),
    ),
    Case(
        "patients-unterminated-quote",
        INVALID,
        ("patients.csv", "row 3", "ends inside a quoted cell"),
        {"in/patients.csv": _patients(f"{SECRET},c00,1", f'"{SECRET},c01,1', f"{SECRET},c02,1")},
        args=("--patients", "{in}/patients.csv"),
        never=(SECRET,),
    ),
    Case(
        "patients-stray-quote-then-a-quote-left-open",
        INVALID,
        ("patients.csv", "row 2", "quote"),
        {"in/patients.csv": _patients(f'{SECRET[:5]}"{SECRET[5:]},c00,"1', *PATIENTS_OK)},
        args=("--patients", "{in}/patients.csv"),
        never=(SECRET,),
    ),
    Case(
        "patients-huge-cell",
        INVALID,
        ("patients.csv", "row 3", "longer than"),
        {"in/patients.csv": _patients(f"{SECRET},c00,1", f'"{SECRET * 120_000},c01,1')},
        args=("--patients", "{in}/patients.csv"),
        never=(SECRET,),
    ),
    Case(
        "patients-utf8-byte-order-mark-but-a-windows-byte",
        INVALID,
        ("patients.csv", "is UTF-8 (by its first bytes)", "(line 3)"),
        {"in/patients.csv": codecs.BOM_UTF8 + _patients(*PATIENTS_OK).replace(b",c01,", b",\xe6,")},
        args=("--patients", "{in}/patients.csv"),
        never=(SECRET,),
    ),
    Case(
        "patients-binary",
        INVALID,
        ("patients.csv", "binary data"),
        {"in/patients.csv": bytes(range(256)) * 4},
        args=("--patients", "{in}/patients.csv"),
    ),
    # --- the TOML configuration: usage errors ---------------------------------------------
    Case(
        "config-syntax-error",
        USAGE,
        ("region.toml", "not valid TOML"),
        {"in/region.toml": _toml("[rules\nmin_patients = 1\n")},
        args=("--config", "{in}/region.toml"),
    ),
    Case(
        "config-unknown-section",
        USAGE,
        ("region.toml", "unknown section [planning]"),
        {"in/region.toml": _toml("[planning]\nseed = 1\n")},
        args=("--config", "{in}/region.toml"),
    ),
    Case(
        "config-unknown-key",
        USAGE,
        ("region.toml", "rules.min_patient", "unknown key 'min_patient'"),
        {"in/region.toml": _toml("[rules]\nmin_patient = 1\n")},
        args=("--config", "{in}/region.toml"),
    ),
    Case(
        "config-wrong-type",
        USAGE,
        ("region.toml", "rules.min_patients", "must be a whole number, got 'many'"),
        {"in/region.toml": _toml('[rules]\nmin_patients = "many"\n')},
        args=("--config", "{in}/region.toml"),
    ),
    Case(
        "config-every-problem-at-once",
        USAGE,
        ("3 problems", "plan.seed", "output.lang", "rules.max_hard"),
        {
            "in/region.toml": _toml(
                '[plan]\nseed = -1\n[output]\nlang = "fr"\n[rules]\nmax_hard = 1\n'
            )
        },
        args=("--config", "{in}/region.toml"),
    ),
    Case(
        "config-unknown-column",
        USAGE,
        ("region.toml", "input.columns.ydernr", "unknown column 'ydernr'"),
        {"in/region.toml": _toml('[input.columns]\nydernr = "x"\n')},
        args=("--config", "{in}/region.toml"),
    ),
    Case(
        "config-time-limit-zero",
        USAGE,
        ("region.toml", "plan.time_limit", "positive"),
        {"in/region.toml": _toml("[plan]\ntime_limit = 0\n")},
        args=("--config", "{in}/region.toml"),
    ),
    Case(
        "config-time-limit-infinite",
        USAGE,
        ("time_limit must be a positive, finite number",),
        {"in/region.toml": _toml("[plan]\ntime_limit = inf\n")},
        args=("--config", "{in}/region.toml"),
    ),
    Case(
        "config-time-limit-nan",
        USAGE,
        ("time_limit",),
        {"in/region.toml": _toml("[plan]\ntime_limit = nan\n")},
        args=("--config", "{in}/region.toml"),
    ),
    Case(
        "config-binary",
        USAGE,
        ("region.toml", "not valid TOML"),
        {"in/region.toml": b"\xff\xfe\x00\x01binary"},
        args=("--config", "{in}/region.toml"),
    ),
    Case(
        "config-missing",
        USAGE,
        ("nowhere.toml", "file not found"),
        args=("--config", "{in}/nowhere.toml"),
    ),
    Case(
        "config-a-folder",
        USAGE,
        ("is a directory",),
        args=("--config", "{tmp}/work"),
    ),
    Case(
        "config-naming-a-missing-clinics-file",
        INVALID,
        ("gone.csv", "file not found"),
        {"in/region.toml": _toml('[input]\nclinics = "gone.csv"\n')},
        args=("--config", "{in}/region.toml"),
        clinics=None,
    ),
    # --- command-line options: usage errors -----------------------------------------------
    Case("time-limit-infinite", USAGE, ("time_limit", "inf"), args=("--time-limit", "inf")),
    Case("time-limit-nan", USAGE, ("time_limit", "nan"), args=("--time-limit", "nan")),
    Case("time-limit-zero", USAGE, ("time_limit", "positive"), args=("--time-limit", "0")),
    Case("time-limit-negative", USAGE, ("time_limit", "-3"), args=("--time-limit", "-3")),
    Case("link-max-km-infinite", USAGE, ("link_max_km", "finite"), args=("--link-max-km", "inf")),
    Case("min-patients-zero", USAGE, ("--min-patients",), args=("--min-patients", "0")),
    Case(
        "max-patients-below-min",
        USAGE,
        ("max_patients", "at least min_patients"),
        args=("--max-patients", "5000"),
    ),
    Case("seed-negative", USAGE, ("--seed",), args=("--seed", "-1")),
    Case("patients-per-gp-zero", USAGE, ("--patients-per-gp",), args=("--patients-per-gp", "0")),
    Case("unknown-language", USAGE, ("lang", "'xx'"), args=("--lang", "xx")),
    Case("unknown-method", USAGE, ("method", "'fastest'"), args=("--method", "fastest")),
    Case("unknown-boundaries", USAGE, ("boundaries", "'county'"), args=("--boundaries", "county")),
    Case("out-empty", USAGE, ("working directory",), out=""),
    Case("out-the-working-directory", USAGE, ("is the working directory",), out="."),
    Case("out-holding-the-working-directory", USAGE, ("holds the working directory",), out=".."),
    Case(
        "out-holding-the-clinics-file",
        USAGE,
        ("holds an input file", "clinics.csv"),
        out="{in}",
    ),
    Case(
        "out-holding-the-land-file",
        USAGE,
        ("holds an input file", "land.geojson"),
        {"plan/land.geojson": LAND},
        args=("--land", "{out}/land.geojson"),
    ),
    Case("out-a-file", USAGE, ("is a file",), out="{in}/clinics.csv"),
    Case(
        "out-below-a-file",
        USAGE,
        ("cannot write there",),
        out="{in}/clinics.csv/plan",
    ),
    Case(
        "out-a-folder-that-is-no-plan",
        USAGE,
        ("holds files and is not a plan folder", "--overwrite"),
        {"other/report.docx": b"the user's report"},
        out="{tmp}/other",
    ),
]


@pytest.fixture(scope="module")
def previous_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real plan folder, made once, copied beside every case."""
    where = tmp_path_factory.mktemp("previous")
    (where / "clinics.csv").write_bytes(clinics())
    out = where / "plan"
    result = run(["plan", str(where / "clinics.csv"), "--out", str(out), "-q", "--no-map"])
    assert result.exit_code == 0, result.output
    (out / "my notes.txt").write_text("kept by every run\n", encoding="utf-8")
    return out


def _params() -> list:
    marks = {
        c.id: [pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [] for c in CASES
    }
    return [pytest.param(c, id=c.id, marks=marks[c.id]) for c in CASES]


@pytest.mark.parametrize("case", _params())
def test_a_bad_input_is_refused_and_changes_nothing(
    case: Case, tmp_path: Path, previous_plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lay_out(tmp_path, case.files, previous_plan)
    monkeypatch.chdir(tmp_path / "work")
    before = snapshot(tmp_path)
    result = run(command(case, tmp_path))
    no_traceback(result)
    text = text_of(result)
    assert result.exit_code == case.code, text
    missing = [s for s in case.says if " ".join(s.split()) not in text]
    assert not missing, f"{missing} not in: {text}"
    echoed = [s for s in case.never if s in result.output]
    assert not echoed, f"the message repeats {echoed}: {text}"
    assert snapshot(tmp_path) == before  # nothing written, changed or left behind


def test_the_catalogue_has_sixty_classes_with_distinct_names() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 60


def test_a_doubled_bom_and_utf16_without_bom_read_as_the_same_table(
    tmp_path: Path,
) -> None:
    """Not refused: read right (the catalogue's encodings that a planner meets for real)."""
    text = csv_text(HEADER, *rows()).replace("Clinic 1", "Ærø Lægehus")
    outs = {}
    for label, data in (
        ("utf8", text.encode("utf-8")),
        ("double-bom", codecs.BOM_UTF8 * 2 + text.encode("utf-8")),
        ("utf16-no-bom", text.encode("utf-16-le")),
        ("utf16-bom", text.encode("utf-16")),
        ("cp1252", text.encode("cp1252")),
    ):
        src = tmp_path / f"{label}.csv"
        src.write_bytes(data)
        out = tmp_path / label
        result = run(
            ["plan", str(src), "--out", str(out), "-q", "--no-map", "--min-patients", "10000"]
        )
        no_traceback(result)
        assert result.exit_code == 0, (label, result.output)
        clinics_out = json.loads((out / "clinics.geojson").read_text(encoding="utf-8"))
        outs[label] = sorted(
            (f["properties"]["clinic_id"], f["properties"]["name"]) for f in clinics_out["features"]
        )
    assert ("c01", "Ærø Lægehus") in outs["utf8"]
    assert all(found == outs["utf8"] for found in outs.values()), outs
