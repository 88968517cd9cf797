"""The command line end to end: the demo region, exit codes, outputs that agree."""

import json

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli.app import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    result = runner.invoke(app, ["plan", "--out", str(out), "--quiet"])
    return result, out


def test_demo_plan_exits_zero_and_writes_every_output(demo_run):
    result, out = demo_run
    assert result.exit_code == 0, result.output
    for name in (
        "assignments.csv",
        "unassigned.csv",
        "clusters.geojson",
        "summary.json",
        "map.html",
    ):
        assert (out / name).stat().st_size > 0, name


def test_demo_outputs_agree_with_each_other(demo_run):
    _, out = demo_run
    assignments = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    clusters = gpd.read_file(out / "clusters.geojson")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    clinics = pd.read_csv("data/demo_clinics.csv", dtype={"clinic_id": str})
    # Every clinic once.
    assert sorted(assignments["clinic_id"]) == sorted(clinics["clinic_id"])
    assert assignments["clinic_id"].is_unique
    # The same clusters everywhere, with the same patient totals.
    joined = assignments.merge(clinics[["clinic_id", "patients"]], on="clinic_id")
    per_cluster = joined[joined["cluster_id"] != ""].groupby("cluster_id")["patients"].sum()
    assert set(per_cluster.index) == set(clusters["cluster_id"])
    assert per_cluster.to_dict() == clusters.set_index("cluster_id")["patients"].to_dict()
    assert summary["totals"]["clusters"] == len(clusters) == len(summary["clusters"])
    assert (clusters["patients"] >= 30_000).all()
    assert summary["totals"]["clinics"] == len(clinics)
    assert summary["upper_bound"] == clinics["patients"].sum() // 30_000
    assert summary["totals"]["clusters"] <= summary["upper_bound_parts"] <= summary["upper_bound"]
    assert summary["seed"] == 0
    assert clusters.crs.to_epsg() == 4326
    # The map names every cluster.
    html = (out / "map.html").read_text(encoding="utf-8")
    assert all(f"Cluster {cid}" in html for cid in clusters["cluster_id"])


def test_same_seed_same_assignments(tmp_path, demo_run):
    _, first = demo_run
    result = runner.invoke(app, ["plan", "--out", str(tmp_path), "--quiet", "--no-map"])
    assert result.exit_code == 0
    assert (tmp_path / "assignments.csv").read_bytes() == (first / "assignments.csv").read_bytes()


def test_validation_failure_exits_3_and_names_file_row_and_column(tmp_path):
    bad = tmp_path / "clinics.csv"
    bad.write_text(
        "clinic_id;name;lat;lon;patients;doctors\na;A;55,1;10,1;5000;3\nb;B;55,2;10,2;lots;3\n",
        encoding="utf-8-sig",
    )
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(bad), "--out", str(out)])
    assert result.exit_code == 3
    text = result.output
    assert "clinics.csv" in text and "row 3" in text and "patients" in text
    assert not out.exists()  # nothing half-written


def test_usage_error_exits_2(tmp_path):
    result = runner.invoke(app, ["plan", "--min-patients", "zero"])
    assert result.exit_code == 2


def test_a_clinic_that_cannot_be_placed_exits_4_and_is_listed(tmp_path):
    src = tmp_path / "clinics.csv"
    rows = ["clinic_id,name,lat,lon,patients,doctors"]
    rows += [f"m{i},M{i},{55 + 0.01 * (i % 4)},{10 + 0.015 * (i // 4)},5000,3" for i in range(12)]
    rows.append("far,Far island,57.5,12.0,1700,1")
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(src), "--out", str(out), "--quiet", "--no-map"])
    assert result.exit_code == 4
    left = pd.read_csv(out / "unassigned.csv", dtype=str)
    assert left["clinic_id"].tolist() == ["far"]
    assert "add a link" in left["reason"].iloc[0]


def test_column_flags_and_estimated_gps(tmp_path):
    src = tmp_path / "practices.csv"
    rows = ["practice_code,practice_name,latitude,longitude,patients_jan2021"]
    rows += [
        f"P{i},Practice {i},{52 + 0.01 * (i % 3)},{-1 + 0.015 * (i // 3)},9000" for i in range(9)
    ]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = [
        "plan",
        str(src),
        "--out",
        str(out),
        "--quiet",
        "--no-map",
        "--id-col",
        "practice_code",
        "--name-col",
        "practice_name",
        "--patients-col",
        "patients_jan2021",
        "--patients-per-gp",
        "1600",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["clusters"] == 2  # 81,000 patients
    assert summary["totals"]["doctors"] == 9 * 6


def test_problems_name_the_column_as_the_file_has_it(tmp_path):
    src = tmp_path / "practices.csv"
    rows = ["practice_code,practice_name,latitude,longitude,patients_jan2021,doctors"]
    rows += [f"P{i},Practice {i},{52 + 0.01 * i},-1.0,9000,5" for i in range(4)]
    rows[3] = "P2,Practice 2,52.02,-1.0,,5"  # file row 4: no patients
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    flags = ["--id-col", "practice_code", "--patients-col", "patients_jan2021"]
    result = runner.invoke(app, ["plan", str(src), "--out", str(out), "--quiet", *flags])
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert "row 4, column 'patients_jan2021'" in text
    assert not out.exists() or not any(out.iterdir())


def test_patient_list_gives_group_1_counts_and_nothing_patient_level(tmp_path):
    clinics = tmp_path / "clinics.csv"
    rows = ["clinic_id,name,lat,lon,doctors"]
    rows += [f"k{i},K{i},{55 + 0.01 * i},10.0,2" for i in range(3)]
    clinics.write_text("\n".join(rows) + "\n", encoding="utf-8")
    patients = tmp_path / "patients.csv"
    lines = ["cpr,clinic_id,sikringsgruppe"]
    n = 0
    for cid, count in (("k0", 12_000), ("k1", 11_000), ("k2", 9_000)):
        for j in range(count):
            lines.append(f"SECRET{n:07d},{cid},{1 if j % 10 else 2}")
            n += 1
    patients.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "plan",
            str(clinics),
            "--patients",
            str(patients),
            "--out",
            str(out),
            "--quiet",
            "--min-patients",
            "25000",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["patients"] == 28_800  # 90 % of 32,000 are group 1
    for path in out.iterdir():
        assert "SECRET" not in path.read_text(encoding="utf-8", errors="replace"), path.name


def _grid_csv(path, rows=6, cols=6, **extra):
    lines = ["clinic_id,name,lat,lon,patients,doctors" + "".join(f",{k}" for k in extra)]
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            cells = [f"c{i:03d}", f"C{i}", f"{55 + 0.01 * r:.3f}", f"{10 + 0.016 * c:.3f}"]
            cells += ["5000", "3"] + [str(fn(r, c)) for fn in extra.values()]
            lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_replan_writes_the_moves_and_the_gains_and_losses(tmp_path):
    src = _grid_csv(tmp_path / "clinics.csv", existing_cluster=lambda r, c: f"K{c + 1}")
    leaving = tmp_path / "leaving.csv"
    leaving.write_text("clinic_id\nc035\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["plan", str(src), "--out", str(out), "--no-map", "--replan", "--leaving", str(leaving)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output  # a clinic closing is not a failure
    changes = pd.read_csv(out / "changes.csv", dtype=str, keep_default_na=False)
    assert set(changes["from_cluster"]) == {"K6"}
    assert "move c029: K6 -> K5" in result.output.replace("\n", " ") or len(changes) == 6
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["mode"] == "replan"
    clusters = {c["cluster_id"]: c for c in summary["clusters"]}
    assert clusters["K5"]["patients_gained"] == 25_000


def test_map_feedback_on_the_current_plan_is_honoured(tmp_path):
    src = _grid_csv(tmp_path / "clinics.csv")
    first = tmp_path / "first"
    args = ["plan", str(src), "--out", str(first), "--quiet", "--no-map"]
    assert runner.invoke(app, args).exit_code == 0
    where = pd.read_csv(first / "assignments.csv", dtype=str).set_index("clinic_id")["cluster_id"]
    mover, target = next(
        (f"c{i:03d}", where[f"c{i + 1:03d}"])
        for i in range(35)
        if i % 6 != 5 and where[f"c{i:03d}"] != where[f"c{i + 1:03d}"]
    )
    feedback = tmp_path / "feedback.csv"
    feedback.write_text(
        f"clinic_id,proposed_cluster,comment\n{mover},{target},closer\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    args = ["plan", str(src), "--out", str(out), "--quiet", "--no-map", "--replan"]
    args += ["--current", str(first / "assignments.csv"), "--choices", str(feedback)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    now = pd.read_csv(out / "assignments.csv", dtype=str).set_index("clinic_id")["cluster_id"]
    assert now[mover] == target
    changes = pd.read_csv(out / "changes.csv", dtype=str)
    assert mover in set(changes["clinic_id"])
    config = (out / "config.toml").read_text()
    assert "feedback" in config and "current" in config


def test_cannot_link_and_links_files(tmp_path):
    src = _grid_csv(tmp_path / "clinics.csv")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("clinic_a,clinic_b\nc001,c002\n", encoding="utf-8")
    links = tmp_path / "links.csv"
    links.write_text("clinic_a,clinic_b,travel_minutes\nc000,c035,30\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["plan", str(src), "--out", str(out), "--quiet", "--no-map"]
    args += ["--cannot-link", str(pairs), "--links", str(links)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assignments = pd.read_csv(out / "assignments.csv", dtype=str).set_index("clinic_id")
    assert assignments.loc["c001", "cluster_id"] != assignments.loc["c002", "cluster_id"]
    summary = json.loads((out / "summary.json").read_text())
    assert any(link["travel"] == 30 for link in summary["links"])


def test_boundaries_flag_and_crossings_file(tmp_path):
    src = _grid_csv(
        tmp_path / "clinics.csv",
        municipality=lambda r, c: "A" if c <= 2 else ("C" if c == 5 and r <= 2 else "B"),
        region=lambda r, c: "R",
    )
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(src), "--out", str(out), "--quiet", "--no-map"])
    assert result.exit_code == 0, result.output
    crossings = pd.read_csv(out / "crossings.csv")
    assert len(crossings) >= 1 and crossings["reason"].str.contains("too small").all()
    out2 = tmp_path / "out2"
    args = ["plan", str(src), "--out", str(out2), "--quiet", "--no-map", "--boundaries", "none"]
    assert runner.invoke(app, args).exit_code == 0
    assert 'mode = "none"' in (out2 / "config.toml").read_text()
    bad = runner.invoke(app, ["plan", str(src), "--out", str(out2), "--boundaries", "county"])
    assert bad.exit_code == 2 and "boundaries must be one of" in bad.output


def test_bad_lang_or_method_is_a_usage_error_before_any_planning(tmp_path):
    src = _grid_csv(tmp_path / "clinics.csv", rows=2, cols=2)
    out = tmp_path / "out"
    for flag, value in (("--lang", "de"), ("--method", "bogus")):
        result = runner.invoke(app, ["plan", str(src), "--out", str(out), flag, value])
        assert result.exit_code == 2, result.output
        assert f"{flag[2:]} must be one of" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert not out.exists()


def test_an_output_path_that_is_a_file_is_a_usage_error(tmp_path):
    src = _grid_csv(tmp_path / "clinics.csv", rows=2, cols=2)
    target = tmp_path / "taken"
    target.write_text("not a directory", encoding="utf-8")
    result = runner.invoke(app, ["plan", str(src), "--out", str(target), "--quiet"])
    assert result.exit_code == 2, result.output
    assert "is a file" in result.output
    assert target.read_text(encoding="utf-8") == "not a directory"


def test_a_directory_given_as_config_is_reported_not_a_traceback(tmp_path):
    result = runner.invoke(app, ["plan", "--config", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "is a directory" in result.output


def test_the_written_config_plans_again_from_anywhere(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    _grid_csv(work / "clinics.csv", rows=2, cols=3)
    monkeypatch.chdir(work)
    args = ["plan", "clinics.csv", "--out", "plans/first", "--quiet", "--no-map"]
    args += ["--min-patients", "10000"]
    assert runner.invoke(app, args).exit_code == 0
    config = work / "plans" / "first" / "config.toml"
    assert 'clinics = "../../clinics.csv"' in config.read_text(encoding="utf-8")
    first = (work / "plans" / "first" / "assignments.csv").read_bytes()
    monkeypatch.chdir(tmp_path)
    again = runner.invoke(app, ["plan", "--config", str(config), "--quiet", "--no-map"])
    assert again.exit_code == 0, again.output
    assert (work / "plans" / "first" / "assignments.csv").read_bytes() == first


def test_files_of_an_earlier_plan_are_not_left_behind(tmp_path):
    src = _grid_csv(tmp_path / "clinics.csv", existing_cluster=lambda r, c: f"K{c // 2}")
    out = tmp_path / "out"
    base = ["plan", str(src), "--out", str(out), "--quiet"]
    assert runner.invoke(app, [*base, "--replan"]).exit_code == 0
    assert (out / "changes.csv").exists() and (out / "map.html").exists()
    plain = _grid_csv(tmp_path / "plain.csv")
    again = ["plan", str(plain), "--out", str(out), "--quiet", "--no-map"]
    assert runner.invoke(app, again).exit_code == 0
    assert not (out / "changes.csv").exists()
    assert not (out / "map.html").exists()
    assert (out / "assignments.csv").exists()


def test_estimated_gps_read_patients_as_validation_does(tmp_path):
    src = tmp_path / "practices.csv"
    rows = ["clinic_id;name;lat;lon;patients"]
    rows += [
        f"P{i};Practice {i};{52 + 0.01 * (i % 3)};{-1 + 0.015 * (i // 3)};16 000" for i in range(6)
    ]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["plan", str(src), "--out", str(out), "--quiet", "--no-map", "--patients-per-gp", "1600"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["doctors"] == 6 * 10
    # A practice without a patient count is one problem (its patients), not two.
    src.write_text("\n".join([*rows, "P9;New practice;52.05;-1.0;"]) + "\n", encoding="utf-8")
    result = runner.invoke(app, args)
    assert result.exit_code == 3
    assert "row 8, column 'patients'" in result.output
    assert "column 'doctors'" not in result.output


def test_patients_per_gp_with_a_gp_column_is_said_to_be_unused(tmp_path):
    src = tmp_path / "clinics.csv"
    rows = ["clinic_id,name,lat,lon,patients,doctors"]
    rows += [f"k{i},K{i},{55 + 0.01 * (i % 3)},{10 + 0.015 * (i // 3)},9000,3" for i in range(6)]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["plan", str(src), "--out", str(out), "--quiet", "--no-map", "--patients-per-gp", "1600"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "--patients-per-gp 1,600 is not used" in result.output
    assert "GP column" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["doctors"] == 6 * 3  # the file's counts, not patients / 1,600
