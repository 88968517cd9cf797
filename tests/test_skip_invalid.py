"""``--skip-invalid``: a file with a few unusable rows is planned without editing it, and
every row skipped is listed with its reason; whole-file problems still refuse it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.api import plan
from planner.cli.app import app
from planner.core.errors import ValidationError

runner = CliRunner()
DEMO = Path("data/demo_clinics.csv")


def _broken(tmp_path: Path) -> Path:
    """The demo clinics with an empty patient count (row 5), a latitude that is text
    (row 9), and a clinic at sea (row 12: far west of the demo land)."""
    table = pd.read_csv(DEMO, dtype=str, keep_default_na=False)
    table.loc[3, "patients"] = ""
    table.loc[7, "lat"] = "north"
    table.loc[10, ["lat", "lon"]] = ["56.0", "1.0"]
    path = tmp_path / "clinics.csv"
    table.to_csv(path, index=False)
    return path


def _cli(*args: str):
    return runner.invoke(app, ["plan", *args, "-q", "--no-map"])


def test_without_the_flag_the_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _cli(str(_broken(tmp_path)), "--out", str(out))
    assert result.exit_code == 3, result.output
    assert "row 5" in result.output and "row 9" in result.output
    assert not out.exists()


def test_skipped_rows_are_listed_and_the_rest_planned(tmp_path: Path) -> None:
    path, out = _broken(tmp_path), tmp_path / "out"
    land = "data/demo_land.geojson"
    result = _cli(str(path), "--land", land, "--skip-invalid", "--out", str(out))
    assert result.exit_code == 4, result.output  # planned, but not every row
    skipped = pd.read_csv(out / "skipped.csv", dtype=str, keep_default_na=False)
    table = pd.read_csv(DEMO, dtype=str)
    assert skipped["row"].tolist() == ["5", "9", "12"]
    assert skipped["clinic_id"].tolist() == table["clinic_id"].iloc[[3, 7, 10]].tolist()
    assert skipped["column"].tolist()[:2] == ["patients", "lat"]
    assert "empty" in skipped["reason"][0] and "'north'" in skipped["reason"][1]
    assert "land" in skipped["reason"][2]
    planned = pd.read_csv(out / "assignments.csv", dtype=str)
    assert set(planned["clinic_id"]) == set(table["clinic_id"]) - set(skipped["clinic_id"])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["rows_skipped"] == 3 and len(summary["skipped"]) == 3
    assert "skip_invalid = true" in (out / "config.toml").read_text(encoding="utf-8")


def test_the_api_returns_the_skipped_rows_and_an_incomplete_plan(tmp_path: Path) -> None:
    path = _broken(tmp_path)
    with pytest.raises(ValidationError):
        plan(path)
    result = plan(path, skip_invalid=True)
    assert not result.complete
    assert result.skipped["row"].tolist() == [5, 9]  # no land given: the sea row is kept
    assert len(result.clinics) == len(pd.read_csv(DEMO)) - 2


def test_a_missing_column_still_refuses_the_file(tmp_path: Path) -> None:
    table = pd.read_csv(DEMO, dtype=str).drop(columns="patients")
    path = tmp_path / "c.csv"
    table.to_csv(path, index=False)
    result = _cli(str(path), "--skip-invalid", "--out", str(tmp_path / "out"))
    assert result.exit_code == 3, result.output
    assert "required column 'patients' is missing" in result.output
    assert not (tmp_path / "out").exists()


def test_a_duplicate_keeps_its_first_row(tmp_path: Path) -> None:
    table = pd.read_csv(DEMO, dtype=str)
    table.loc[20, "clinic_id"] = table.loc[2, "clinic_id"]
    path = tmp_path / "c.csv"
    table.to_csv(path, index=False)
    result = plan(path, skip_invalid=True)
    assert result.skipped["row"].tolist() == [22]
    assert (result.clinics["clinic_id"] == table.loc[2, "clinic_id"]).sum() == 1
