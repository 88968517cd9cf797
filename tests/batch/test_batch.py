"""``planner batch``: parts x scenarios, the index, resuming, failures and exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli.app import app

runner = CliRunner()
DEMO = Path("data/demo_clinics.csv").resolve()
LAND = Path("data/demo_land.geojson").resolve()
PLAN_FILES = ("assignments.csv", "clusters.geojson", "summary.json", "config.toml", "map.html")


def _batch(out: Path, *args: str):
    return runner.invoke(
        app, ["batch", str(DEMO), "--by", "region", "--out", str(out), "--land", str(LAND),
              "-q", *args],
    )  # fmt: skip


@pytest.fixture(scope="module")
def two_thresholds(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch") / "b"
    result = _batch(out, "--min-patients", "25000,30000", "--workers", "2")
    return result, out


def test_every_part_and_scenario_is_planned_and_indexed(two_thresholds) -> None:
    result, out = two_thresholds
    assert result.exit_code == 0, result.output
    index = pd.read_csv(out / "index.csv")
    regions = sorted(pd.read_csv(DEMO)["region"].unique())
    assert sorted(index["part"].unique()) == regions
    assert sorted(index["scenario"].unique()) == ["min25000", "min30000"]
    assert len(index) == 4 and (index["status"] == "planned").all()
    for row in index.itertuples():
        folder = out / row.folder
        assert all((folder / name).is_file() for name in PLAN_FILES), row.folder
        assert (out / row.map).is_file()
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert summary["totals"]["clusters"] == row.clusters
        assert summary["rules"]["min_patients"] == int(row.scenario[3:])
        clinics = pd.read_csv(folder / "assignments.csv", dtype=str)
        assert len(clinics) == row.clinics
        sizes = gpd.read_file(folder / "clusters.geojson")["patients"]
        assert (row.smallest, row.largest) == (sizes.min(), sizes.max())
        assert row.smallest >= int(row.scenario[3:])
        assert row.mean_patient_km == round(summary["compactness_km"]["mean_patient_km"], 3)
    data = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert data["by"] == "region" and len(data["rows"]) == 4
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Scenarios compared" in page and "parts/" in page and "<svg" in page


def test_the_parts_tile_the_land_without_overlap(two_thresholds) -> None:
    _, out = two_thresholds
    shapes = [
        gpd.read_file(path).to_crs(32632).union_all()
        for path in sorted(out.glob("parts/*/min30000/clusters.geojson"))
    ]
    assert len(shapes) == 2
    assert shapes[0].intersection(shapes[1]).area < 1e4  # under 0.01 km²


def test_a_parts_config_plans_the_same_part_again(two_thresholds, tmp_path) -> None:
    _, out = two_thresholds
    folder = next(out.glob("parts/*/min25000"))
    again = tmp_path / "again"
    result = runner.invoke(
        app, ["plan", "--config", str(folder / "config.toml"), "--out", str(again), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert (again / "assignments.csv").read_bytes() == (folder / "assignments.csv").read_bytes()


def test_a_rerun_reuses_what_is_unchanged_and_force_replans(two_thresholds) -> None:
    _, out = two_thresholds
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("parts/*/*/summary.json")}
    result = _batch(out, "--min-patients", "25000,30000", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # nothing re-planned
    data = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert len(data["rows"]) == 4
    # A changed setting re-plans (a new key); --force re-plans everything.
    result = _batch(out, "--min-patients", "25000,30000", "--workers", "1", "--force")
    assert result.exit_code == 0
    assert all(p.stat().st_mtime_ns != t for p, t in stamps.items())


def test_a_failing_part_does_not_stop_the_others_and_exits_5(tmp_path) -> None:
    scenarios = tmp_path / "scenarios.toml"
    scenarios.write_text(
        "[scenarios.ok]\nmin_patients = 30000\n\n"
        "[scenarios.tight]\nmin_patients = 30000\nmax_patients = 31000\nmax_hard = true\n",
        encoding="utf-8",
    )
    out = tmp_path / "b"
    result = _batch(out, "--scenarios", str(scenarios), "--workers", "1")
    assert result.exit_code == 5, result.output
    index = pd.read_csv(out / "index.csv", keep_default_na=False)
    assert set(index[index["scenario"] == "ok"]["status"]) == {"planned"}
    failed = index[index["scenario"] == "tight"]
    assert set(failed["status"]) == {"failed"}
    assert all("hard ceiling of 31,000" in reason for reason in failed["reason"])
    assert "hard ceiling" in (out / "index.html").read_text(encoding="utf-8")


def test_bad_input_exits_3_before_any_part_runs(tmp_path) -> None:
    table = pd.read_csv(DEMO, dtype=str)
    table.loc[5, "patients"] = "many"
    path = tmp_path / "clinics.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "b"
    result = runner.invoke(app, ["batch", str(path), "--by", "region", "--out", str(out), "-q"])
    assert result.exit_code == 3, result.output
    assert "row 7" in result.output and "patients" in result.output
    assert not out.exists()
    result = runner.invoke(app, ["batch", str(DEMO), "--by", "county", "--out", str(out), "-q"])
    assert result.exit_code == 3 and "county" in result.output and "region" in result.output


def test_usage_errors_exit_2(tmp_path) -> None:
    out = tmp_path / "b"
    bad = runner.invoke(app, ["batch", str(DEMO), "--by", "region", "--out", str(out),
                              "--min-patients", "25k"])  # fmt: skip
    assert bad.exit_code == 2 and "comma" in bad.output
    unknown = runner.invoke(app, ["batch", str(DEMO), "--by", "region", "--out", str(out),
                                  "--no-such-flag"])  # fmt: skip
    assert unknown.exit_code == 2 and "no-such-flag" in unknown.output
    inside = runner.invoke(app, ["batch", str(DEMO), "--by", "region", "--out",
                                 str(DEMO.parent)])  # fmt: skip
    assert inside.exit_code == 2 and "holds the input file" in inside.output


def test_choice_files_may_name_clinics_of_other_parts(tmp_path, two_thresholds) -> None:
    """A current plan of the whole country (one file) serves every part."""
    _, out = two_thresholds
    current = pd.concat(
        [pd.read_csv(p, dtype=str) for p in sorted(out.glob("parts/*/min30000/assignments.csv"))]
    )
    path = tmp_path / "current.csv"
    current.to_csv(path, index=False)
    result = _batch(tmp_path / "b", "--current", str(path), "--replan", "--workers", "1")
    assert result.exit_code == 0, result.output
    index = pd.read_csv(tmp_path / "b" / "index.csv")
    assert (index["status"] == "planned").all()
    for folder in (tmp_path / "b").glob("parts/*/base"):
        changes = pd.read_csv(folder / "changes.csv")
        assert changes.empty  # re-planning a valid plan moves nothing


def _run_killed(out: Path, sig: int, env: dict[str, str]) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "planner.cli.app", "batch", str(DEMO), "--by", "region",
           "--out", str(out), "--land", str(LAND), "--min-patients", "25000,30000",
           "--workers", "1", "--no-map", "-q"]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        env=env,
        stderr=subprocess.PIPE,
        start_new_session=True,
        # Ctrl-C as at a terminal, even when this run was started with SIGINT ignored
        # (a background job): Python then turns SIGINT into KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # one task recorded, the next paused while writing
        if len(list((out / ".state").glob("*.json"))) >= 1 and proc.poll() is None:
            time.sleep(0.5)
            break
        time.sleep(0.1)
    os.killpg(proc.pid, sig)
    proc.wait(timeout=60)
    return proc


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_an_interrupted_batch_goes_on_where_it_stopped(tmp_path, sig) -> None:
    out = tmp_path / "b"
    env = {**os.environ, "PLANNER_TEST_PAUSE_AT": "writing", "PLANNER_TEST_PAUSE_SECONDS": "4"}
    proc = _run_killed(out, sig, env)
    if sig == signal.SIGINT:
        assert proc.returncode == 130
        index = pd.read_csv(out / "index.csv", keep_default_na=False)
        assert "pending" in set(index["status"])
    states = list((out / ".state").glob("*.json"))
    assert 1 <= len(states) < 4
    for folder in out.glob("parts/*/[!.]*"):  # no half-written part in place
        assert (folder / "summary.json").is_file() and (folder / "assignments.csv").is_file()
    done = {p: p.stat().st_mtime_ns for p in out.glob("parts/*/*/summary.json")}
    env.pop("PLANNER_TEST_PAUSE_AT")
    again = subprocess.run(
        [sys.executable, "-m", "planner.cli.app", "batch", str(DEMO), "--by", "region", "--out",
         str(out), "--land", str(LAND), "--min-patients", "25000,30000", "--workers", "1",
         "--no-map", "-q"], env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert len(list(out.glob("parts/*/*/summary.json"))) == 4
    assert all(p.stat().st_mtime_ns == t for p, t in done.items())  # done work kept
    leftovers = [p for p in out.rglob(".*.tmp")]
    assert leftovers == []
