"""``--clusters N`` (``clusters=`` in the API, ``[plan] clusters`` in a config): exactly N
clusters meeting the rules, or an error naming the bound."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from planner.api import plan
from planner.cli.app import app
from planner.core.errors import InfeasibleError, PlannerError

runner = CliRunner()


@pytest.fixture(scope="module")
def free_plan():
    return plan(boundaries="none")


def test_exactly_n_clusters_each_meeting_the_rule(free_plan) -> None:
    n = free_plan.n_clusters - 6
    fixed = plan(boundaries="none", clusters=n)
    assert fixed.n_clusters == n and fixed.complete
    assert (fixed.clusters["patients"] >= 30_000).all()
    assert set(fixed.clinics["clinic_id"]) == set(free_plan.clinics["clinic_id"])
    assert fixed.unassigned.empty


def test_more_than_the_tight_bound_names_it(free_plan) -> None:
    tight = free_plan.metrics["upper_bound_tight"]
    with pytest.raises(InfeasibleError, match=f"no plan has more than {tight}"):
        plan(boundaries="none", clusters=tight + 5)


def test_a_fixed_count_does_not_go_with_re_planning(tmp_path) -> None:
    with pytest.raises(PlannerError, match="cannot yet be combined with re-planning"):
        plan(mode="replan", clusters=10)
    with pytest.raises(PlannerError, match="clusters must be a whole number"):
        plan(clusters=0)


def test_from_the_command_line_and_its_config(tmp_path) -> None:
    out = tmp_path / "p"
    result = runner.invoke(app, ["plan", "--clusters", "18", "--out", str(out), "-q", "--no-map"])
    assert result.exit_code == 0, result.output
    config = (out / "config.toml").read_text(encoding="utf-8")
    assert "clusters = 18" in config
    again = tmp_path / "again"
    result = runner.invoke(
        app, ["plan", "--config", str(out / "config.toml"), "--out", str(again), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert (again / "assignments.csv").read_bytes() == (out / "assignments.csv").read_bytes()
    too_many = runner.invoke(app, ["plan", "--clusters", "99", "--out", str(tmp_path / "x"), "-q"])
    assert too_many.exit_code == 5 and "tight bound" in too_many.output
