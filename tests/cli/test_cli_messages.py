"""What the command line says: help that fits 80 columns, infeasible rules with their own
exit code and the clusters named as the plan would name them."""

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli.app import app

runner = CliRunner()


@pytest.mark.parametrize("command", ["plan", "render", "diff"])
def test_help_fits_80_columns_and_cuts_nothing(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert "…" not in result.output
    assert "<bool>" not in result.output and "<int range>" not in result.output


def test_every_plan_option_has_a_help_text() -> None:
    result = runner.invoke(app, ["plan", "--help"], env={"COLUMNS": "100"}, terminal_width=100)
    options = re.findall(r"^  (-\w, )?(--[a-z-]+)[^\n]*$", result.output, flags=re.M)
    assert len(options) > 30
    for _, name in options:
        block = re.search(rf"^  (-\w, )?{re.escape(name)}\b(.*)$", result.output, flags=re.M)
        assert block is not None and block.group(2).strip(), f"{name} has no help"


def test_a_hard_ceiling_no_plan_meets_exits_5_naming_real_clinics(tmp_path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["plan", "--max-patients", "32000", "--max-hard", "--out", str(out), "-q"]
    )
    assert result.exit_code == 5, result.output
    text = " ".join(result.output.split())
    assert "No plan meets the rules" in text and "hard ceiling of 32,000" in text
    assert re.search(r"\bcluster \d+\b", text) is None  # no internal cluster number
    named = set(re.findall(r"the cluster of (\S+) and", text))
    clinics = set(pd.read_csv("data/demo_clinics.csv", dtype=str)["clinic_id"])
    assert named and named <= clinics
    assert not out.exists()  # nothing written


def test_the_command_line_loads_no_geography_stack_for_help() -> None:
    """``planner --help`` stays quick: geopandas, shapely, folium and OR-Tools load only
    when a command needs them (the time itself is measured in bench, not here)."""
    import subprocess
    import sys

    code = (
        "import sys; from planner.cli.app import app; "
        "print(sorted(m for m in ('geopandas', 'shapely', 'folium', 'ortools', 'pandas', "
        "'numpy', 'distributed') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_console_summary_speaks_the_maps_language(tmp_path) -> None:
    result = runner.invoke(app, ["plan", "--lang", "da", "--out", str(tmp_path / "p"), "--no-map"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Forslag" in text and "Klynger" in text and "af højst" in text
    assert "Patienter 913.889" in text  # Danish thousands
    assert "Run time" not in text and "Farthest clinic" not in text  # the summary's rows
