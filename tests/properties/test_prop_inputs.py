"""Property tests: malformed clinic CSVs, GeoJSON and TOML configurations never end in a
traceback, only in the planner's own exit codes (issue 13).

Each example runs ``planner plan`` in-process on a generated file in a fresh folder.  A
refused run (2 usage, 3 invalid input) writes nothing; a run that plans (0, or 4 when a
clinic is left out) writes a whole plan folder.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

from click.testing import Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner.cli.app import app
from planner.core.config import SCHEMA

#: Examples per property (the report names these counts).
CSV_EXAMPLES, GEOJSON_EXAMPLES, TOML_EXAMPLES = 80, 60, 150

runner = CliRunner()


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _plan(clinics: Path, *extra: str) -> tuple[Result, Path]:
    out = clinics.parent / "out"
    args = ["plan", str(clinics), "--out", str(out), "-q", "--no-map", "--min-patients", "9000"]
    return runner.invoke(app, [*args, *extra]), out


def _clean(result: Result, out: Path, codes: set[int]) -> None:
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"{type(exc).__name__}: {exc}"
    assert result.exit_code in codes, result.output
    event(f"exit {result.exit_code}")
    if result.exit_code in (2, 3):
        assert not out.exists(), "a refused run wrote something"
    else:
        assert (out / "summary.json").is_file()
    assert "Traceback" not in result.output


# --- CSV -------------------------------------------------------------------------------

COLUMNS = ["clinic_id", "name", "lat", "lon", "patients", "doctors"]
HEADERS = st.one_of(
    st.just(COLUMNS),
    st.lists(st.sampled_from([*COLUMNS, "ydernummer", "navn", "x", "", "lat"]), max_size=8),
    st.permutations(COLUMNS),
)
CELLS = st.one_of(
    st.sampled_from(
        [
            "", "5000", "9000", "-1", "0", "1e20", str(2**63), "10000001", "nan", "inf",
            "-inf", "55,1", "55.1", "10.2", "1.234,5", "3 000", '"quoted, cell"', '"',
            '"open', "Ærø", "=cmd|' /C calc'!A0", "\t", "NULL", "95", "-190", "2.5",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(2**70), 2**70).map(str),
)  # fmt: skip


@st.composite
def clinic_csv(draw: st.DrawFn) -> bytes:
    header = draw(HEADERS)
    sep = draw(st.sampled_from([",", ";", "\t"]))
    width = max(len(header), 1)
    good = draw(st.booleans())
    lines = [sep.join(header)]
    for i in range(draw(st.integers(0, 8))):
        if good and header == COLUMNS:
            cells = [f"k{i}", f"K{i}", f"{55 + 0.01 * (i % 3)}", f"{10 + 0.016 * (i // 3)}"]
            cells += [draw(st.sampled_from(["9000", "5000", "0"])), "2"]
            if draw(st.integers(0, 3)) == 0:  # now and then one bad cell in a good table
                cells[draw(st.integers(0, 5))] = draw(CELLS)
        else:
            cells = [draw(CELLS) for _ in range(draw(st.integers(0, width + 1)))]
        lines.append(sep.join(cells))
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    if draw(st.booleans()):
        text += "\n"
    data = text.encode(
        draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le"])), "replace"
    )
    cut = draw(st.integers(0, len(data)))
    return data[:cut] if draw(st.integers(0, 4)) == 0 else data


@_settings(CSV_EXAMPLES)
@given(data=clinic_csv())
def test_any_clinic_csv_is_planned_or_refused_cleanly(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "clinics.csv"
        src.write_bytes(data)
        result, out = _plan(src)
        _clean(result, out, {0, 3, 4})


# --- GeoJSON ---------------------------------------------------------------------------

NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(-(2**64), 2**64),
    st.sampled_from([55.0, 10.0, 1e308, -1e308, 0.0]),
)
COORDS = st.recursive(
    st.lists(NUMBERS, min_size=0, max_size=4),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=12,
)
GEOMETRY = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(
                [
                    "Point",
                    "MultiPoint",
                    "LineString",
                    "Polygon",
                    "MultiPolygon",
                    "Circle",
                    "",
                    "point",
                ]
            ),
            "coordinates": st.one_of(COORDS, st.just([10.0, 55.0]), st.text(max_size=3)),
        }
    ),
    st.fixed_dictionaries(
        {"type": st.just("GeometryCollection"), "geometries": st.lists(st.none(), max_size=2)}
    ),
)
JSON_VALUES = st.one_of(
    st.none(), st.booleans(), NUMBERS, st.text(max_size=8), st.lists(st.integers(), max_size=2)
)
PROPERTIES = st.dictionaries(
    st.sampled_from(["clinic_id", "name", "patients", "doctors", "lat", "lon", "x", "CLINIC_ID"]),
    st.one_of(JSON_VALUES, st.sampled_from(["a", "b", 5000, 9000, 3, "5000"])),
    max_size=8,
)
FEATURE = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Feature", "feature", "Thing"]),
        "properties": st.one_of(PROPERTIES, st.none()),
        "geometry": GEOMETRY,
    }
)


@st.composite
def good_feature(draw: st.DrawFn) -> dict[str, object]:
    """A clinic as it should be, now and then with one field replaced."""
    i = draw(st.integers(0, 99))
    feature: dict[str, object] = {
        "type": "Feature",
        "properties": {"clinic_id": f"g{i}", "name": f"G{i}", "patients": 9000, "doctors": 2},
        "geometry": {"type": "Point", "coordinates": [10 + 0.016 * (i % 7), 55 + 0.01 * (i // 7)]},
    }
    if draw(st.integers(0, 2)) == 0:
        key = draw(st.sampled_from(["type", "properties", "geometry"]))
        feature[key] = draw(st.one_of(GEOMETRY, PROPERTIES, JSON_VALUES))
    return feature


@st.composite
def clinic_geojson(draw: st.DrawFn) -> bytes:
    kind = st.one_of(FEATURE, JSON_VALUES) if draw(st.booleans()) else good_feature()
    features = draw(st.lists(kind, max_size=6))
    body: object = {"type": draw(st.sampled_from(["FeatureCollection", "Feature", "x"]))}
    body = {**body, "features": features} if draw(st.integers(0, 5)) else features
    data = json.dumps(body, allow_nan=True).encode("utf-8")
    if draw(st.integers(0, 5)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


@_settings(GEOJSON_EXAMPLES)
@given(data=clinic_geojson())
def test_any_clinic_geojson_is_planned_or_refused_cleanly(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "clinics.geojson"
        src.write_bytes(data)
        result, out = _plan(src)
        _clean(result, out, {0, 3, 4})


# --- TOML ------------------------------------------------------------------------------

NAMES = st.sampled_from(["a", "x.csv", "sub/y.geojson", "clinics.csv", "../z", " "])
TOML_VALUES = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    NAMES,
    st.sampled_from(["plan", "replan", "grow", "exact", "keep", "top_up", "en", "da", "auto"]),
    st.lists(st.integers(-2, 2), max_size=2),
    st.dictionaries(st.sampled_from(["clinic_id", "name", "bogus"]), NAMES, max_size=2),
)
SECTIONS = st.sampled_from([*SCHEMA, "planning", "input.columns"])


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"


@st.composite
def config_toml(draw: st.DrawFn) -> str:
    lines = []
    for section in draw(st.lists(SECTIONS, max_size=4, unique=True)):
        lines.append(f"[{section}]")
        keys = [*SCHEMA.get(section, {}), "bogus"]
        for key in draw(st.lists(st.sampled_from(keys), max_size=4, unique=True)):
            if key == "out":
                value: object = draw(st.sampled_from(["plan", "out/x", "", "."]))
            else:
                value = draw(TOML_VALUES)
            lines.append(f"{key} = {_toml_value(value)}")
    text = "\n".join(lines) + "\n"
    if draw(st.integers(0, 4)) == 0:  # a syntax error somewhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["[", "=", '"', "\n=\n", "]]", "\x00"])) + text[at:]
    return text


@_settings(TOML_EXAMPLES)
@given(text=config_toml())
def test_any_configuration_is_read_or_refused_cleanly(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "region.toml"
        config.write_text(text, encoding="utf-8")
        missing = Path(tmp) / "missing.csv"  # never planned: refused at the clinics at last
        result, out = _plan(missing, "--config", str(config))
        _clean(result, out, {2, 3})
        assert not (Path(tmp) / "plan").exists() and not (Path(tmp) / "out").exists()
