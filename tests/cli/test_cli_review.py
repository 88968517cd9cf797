"""``planner render`` and ``planner diff`` on plan directories."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli.app import app

runner = CliRunner()


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    base = tmp_path_factory.mktemp("plans")
    for name, seed in (("a", "0"), ("b", "3")):
        result = runner.invoke(
            app, ["plan", "--out", str(base / name), "--seed", seed, "--quiet", "--no-map"]
        )
        assert result.exit_code == 0, result.output
    return base


def test_render_redraws_map_and_report(plans, tmp_path):
    target = tmp_path / "kort.html"
    result = runner.invoke(app, ["render", str(plans / "a"), "--out", str(target), "--lang", "da"])
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    assert "L.map(" in page and "Klyngeforslag" in page
    clusters = pd.read_csv(plans / "a" / "assignments.csv", dtype=str, keep_default_na=False)
    for cid in set(clusters["cluster_id"]) - {""}:
        assert f"Klynge {cid}" in page
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'href="kort.html"' in report and "Klyngeforslag: rapport" in report


def test_render_default_target_and_no_tiles(plans):
    result = runner.invoke(app, ["render", str(plans / "b"), "--no-tiles", "--no-report"])
    assert result.exit_code == 0, result.output
    page = (plans / "b" / "map.html").read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" not in page


def test_render_of_a_non_plan_exits_3(tmp_path):
    result = runner.invoke(app, ["render", str(tmp_path)])
    assert result.exit_code == 3
    assert "clinics.geojson" in result.output


def test_render_refuses_unknown_language(plans):
    result = runner.invoke(app, ["render", str(plans / "a"), "--lang", "sv"])
    assert result.exit_code == 2


def test_diff_writes_moves_and_clusters(plans, tmp_path):
    out = tmp_path / "diff"
    result = runner.invoke(app, ["diff", str(plans / "a"), str(plans / "b"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    moves = pd.read_csv(out / "moves.csv", dtype={"clinic_id": str})
    clusters = pd.read_csv(out / "clusters.csv", keep_default_na=False)
    assert list(moves.columns) == ["clinic_id", "name", "patients", "cluster_a", "cluster_b"]
    assert f"{len(moves)} clinic(s) move" in result.output
    # Patients are conserved: what some clusters gain, others lose.
    assert clusters["gained"].sum() == clusters["lost"].sum()
    assert clusters["net"].sum() == 0
    a = pd.read_csv(plans / "a" / "assignments.csv", dtype=str, keep_default_na=False)
    assert set(clusters["cluster_a"]) - {""} == set(a["cluster_id"]) - {""}
    page = (out / "diff.html").read_text(encoding="utf-8")
    assert "Comparison of two plans" in page and f"({len(moves)})" in page


def test_diff_of_a_plan_with_itself_moves_nothing(plans, tmp_path):
    out = tmp_path / "same"
    result = runner.invoke(
        app, ["diff", str(plans / "a"), str(plans / "a"), "--out", str(out), "--lang", "da"]
    )
    assert result.exit_code == 0, result.output
    assert "0 clinic(s) move" in result.output
    assert pd.read_csv(out / "moves.csv").empty
    assert "Ingen praksis flytter." in (out / "diff.html").read_text(encoding="utf-8")


def test_diff_of_a_missing_plan_exits_3(plans, tmp_path):
    result = runner.invoke(app, ["diff", str(plans / "a"), str(tmp_path / "nowhere")])
    assert result.exit_code == 3
