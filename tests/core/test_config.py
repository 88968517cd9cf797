"""Region settings from TOML: checked with clear errors, flags win, written back."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import grid
from planner.cli.app import app
from planner.core.config import config_toml, load_config, merge_settings, request_toml
from planner.core.errors import PlannerError, ValidationError
from planner.core.request import OutputOptions, PlanRequest
from planner.core.rules import Rules

runner = CliRunner()


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_a_config_file_is_read_with_paths_relative_to_it(tmp_path):
    cfg = write(
        tmp_path / "region.toml",
        '[input]\nclinics = "clinics.csv"\n[input.columns]\nclinic_id = "ydernummer"\n'
        "[rules]\nmin_patients = 25000\nmin_doctors = 18\nmax_hard = true\n"
        '[boundaries]\nmode = "region"\n[choices]\nlock = "top_up"\n[plan]\nmode = "replan"\n',
    )
    got = load_config(cfg)
    assert got["clinics"] == str(tmp_path / "clinics.csv")
    assert got["columns"] == {"clinic_id": "ydernummer"}
    assert got["min_patients"] == 25_000 and got["min_doctors"] == 18 and got["max_hard"]
    assert got["boundaries"] == "region" and got["lock"] == "top_up" and got["mode"] == "replan"


def test_every_problem_names_the_file_and_the_key(tmp_path):
    cfg = write(
        tmp_path / "bad.toml",
        '[rules]\nmin_patients = "many"\nmax_patinets = 5\n[boundaries]\nmode = "county"\n'
        '[colours]\nred = 1\n[input.columns]\nward = "x"\n',
    )
    with pytest.raises(ValidationError) as info:
        load_config(cfg)
    text = str(info.value)
    assert "5 problems" in text
    for key in ("rules.min_patients", "rules.max_patinets", "boundaries.mode", "colours"):
        assert f"bad.toml, column '{key}'" in text
    assert "input.columns.ward" in text


def test_broken_toml_and_a_missing_file_are_reported(tmp_path):
    with pytest.raises(ValidationError, match="not valid TOML"):
        load_config(write(tmp_path / "x.toml", "[rules\n"))
    with pytest.raises(ValidationError, match="file not found"):
        load_config(tmp_path / "none.toml")


def _defaults():
    both = {**PlanRequest().settings(), **OutputOptions().settings()}
    return {k: v for k, v in both.items() if v is not None}


def test_flags_override_the_file_and_the_file_overrides_defaults():
    merged = merge_settings(_defaults(), {"min_patients": 25_000, "lang": "da"}, {"lang": "en"})
    assert merged["min_patients"] == 25_000 and merged["lang"] == "en"
    assert merged["seed"] == 0
    request = PlanRequest().with_settings(merged)
    assert request.rules.min_patients == 25_000 and request.seed == 0
    assert OutputOptions().with_settings(merged).lang == "en"


def test_the_effective_configuration_reads_back_the_same(tmp_path):
    settings = merge_settings(
        _defaults(), {"min_doctors": 18, "columns": {"name": "navn"}, "time_limit": 2.5}
    )
    path = write(tmp_path / "config.toml", config_toml(settings, header="test"))
    back = load_config(path)
    for key, value in back.items():
        if key != "out":
            assert settings[key] == value, key


def test_config_toml_is_the_request_serialised(tmp_path):
    (tmp_path / "land.geojson").write_text("{}", encoding="utf-8")
    request = PlanRequest(
        rules=Rules(min_patients=25_000, min_doctors=18, max_patients=45_000, max_hard=True),
        clinics=str(tmp_path / "clinics.csv"),
        land=str(tmp_path / "land.geojson"),
        columns={"clinic_id": "ydernummer"},
        boundaries="region",
        lock="top_up",
        mode="replan",
        seed=7,
        time_limit=3.0,
    )
    out = tmp_path / "plan"
    out.mkdir()
    text = request_toml(request, OutputOptions(out=str(out), lang="da"), base=out)
    back = load_config(write(out / "config.toml", text))
    again = PlanRequest().with_settings(back)
    assert again == request
    assert OutputOptions().with_settings(back) == OutputOptions(out=str(out), lang="da")


def test_a_request_refuses_words_it_does_not_know():
    for name, value in (("boundaries", "county"), ("lock", "x"), ("mode", "x"), ("method", "x")):
        with pytest.raises(PlannerError, match=f"{name} must be one of"):
            PlanRequest().with_settings({name: value})
    with pytest.raises(PlannerError, match="unknown setting 'colour'"):
        PlanRequest().with_settings({"colour": "red"})


def test_plan_with_a_config_file_flags_win_and_config_is_written_beside(tmp_path):
    clinics = tmp_path / "clinics.csv"
    grid(2, 3, patients=4_000, doctors=4).to_csv(clinics, index=False)
    cfg = write(
        tmp_path / "region.toml",
        f'[input]\nclinics = "clinics.csv"\n[rules]\nmin_patients = 50000\nmin_doctors = 18\n'
        f'[output]\nout = "{(tmp_path / "out").as_posix()}"\nmap = false\n',
    )
    result = runner.invoke(
        app, ["plan", "--config", str(cfg), "--quiet", "--min-patients", "40000"]
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rules"]["min_patients"] == 40_000 and summary["rules"]["min_doctors"] == 18
    written = load_config(out / "config.toml")
    assert written["min_patients"] == 40_000 and written["min_doctors"] == 18
    assert pd.read_csv(out / "conflicts.csv").empty


def test_a_bad_config_exits_2_naming_file_and_key(tmp_path):
    cfg = write(tmp_path / "region.toml", "[rules]\nmin_patients = -5\n")
    result = runner.invoke(app, ["plan", "--config", str(cfg), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "region.toml" in result.output and "rules.min_patients" in result.output


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1"])
def test_a_time_limit_that_would_hang_or_divide_by_zero_is_a_usage_error(tmp_path, value):
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", "--time-limit", value, "--out", str(out), "-q"])
    assert result.exit_code == 2, result.output
    assert "time_limit must be a positive, finite number" in result.output
    assert not out.exists()


def test_an_infinite_link_distance_is_refused():
    with pytest.raises(PlannerError, match="link_max_km must be a positive, finite"):
        Rules(link_max_km=float("inf"))
    with pytest.raises(PlannerError, match="link_max_km"):
        PlanRequest().with_settings({"link_max_km": float("nan")})
