"""The command line end to end: the demo region, exit codes, outputs that agree."""

import json
import os
import signal
import subprocess
import sys
import threading

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli.app import app
from planner.output.atomic import current_folder
from planner.output.read import load_plan

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
    # Redrawn from the folder, the plan is still a re-plan (the map marks its joiners).
    assert load_plan(out).metrics["mode"] == "replan"


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
    args = ["plan", str(src), "--out", str(out), "--no-map", "--patients-per-gp", "1600"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "--patients-per-gp 1,600 is not used" in result.output
    assert "GP column" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["doctors"] == 6 * 3  # the file's counts, not patients / 1,600


# --- data loss (issue 13): a killed or concurrent run never leaves a mix of two plans ---


def _tree(folder):
    """Every file under ``folder`` (relative path -> content), hidden ones included."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _planner(args, **env):
    """``planner`` in a process of its own, stderr piped (the pause hook writes there)."""
    code = "import sys; from planner.cli.app import main; sys.argv[0] = 'planner'; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def _wait_for(proc, stage, timeout=60.0):
    """Wait until ``proc`` says it paused at ``stage`` (read on a thread: no deadlock)."""
    seen = threading.Event()
    lines = []

    def read():
        for line in proc.stderr:
            lines.append(line)
            if f"paused at {stage}" in line:
                seen.set()

    threading.Thread(target=read, daemon=True).start()
    assert seen.wait(timeout), f"never paused at {stage}: {''.join(lines)[-2000:]}"
    return lines


def _old_plan(tmp_path):
    """A grid of clinics and a plan of it in ``out`` (seed 0, 30,000 patients a cluster)."""
    src = _grid_csv(tmp_path / "clinics.csv")
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(src), "--out", str(out), "--quiet", "--no-map"])
    assert result.exit_code == 0, result.output
    return src, out


def _new_args(src, out):
    """A different plan of the same clinics (another rule), with a map this time."""
    return ["plan", str(src), "--out", str(out), "--quiet", "--min-patients", "25000"]


def _is_new_plan(out):
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    names = {p.name for p in out.iterdir()}
    expected = {"assignments.csv", "clinics.geojson", "clusters.geojson", "summary.json"}
    expected |= {"map.html", "report.html", "links.geojson", "config.toml", "unassigned.csv"}
    return summary["rules"]["min_patients"] == 25_000 and expected <= names


#: Where a run is killed: planning (a solver with time to spend), and each stage of writing.
KILL_POINTS = ("solve", "writing", "written", "switch", "switched")


@pytest.mark.parametrize("stage", KILL_POINTS)
def test_a_run_killed_at_any_point_leaves_one_whole_plan(tmp_path, stage):
    src, out = _old_plan(tmp_path)
    old = _tree(out)
    if stage == "solve":
        proc = _planner(_new_args(src, out), PLANNER_TEST_PAUSE_AT="solving")
        _wait_for(proc, "solving")
        assert (tmp_path / ".out.lock").exists()  # taken before planning, held to the end
        assert proc.poll() is None and not list(tmp_path.glob(".out.new-*"))
    else:
        proc = _planner(_new_args(src, out), PLANNER_TEST_PAUSE_AT=stage)
        _wait_for(proc, stage)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # What a reader finds now is entirely the old plan or entirely the new one.
    if stage == "switched":
        assert _is_new_plan(out)
    elif stage == "switch":
        assert not out.exists()  # between the two renames: the old plan waits beside it
        assert _tree(current_folder(out)) == old
    else:
        assert _tree(out) == old
    # The next run repairs, cleans up what the killed one left, and writes its plan.
    again = runner.invoke(app, _new_args(src, out))
    assert again.exit_code == 0, again.output
    assert _is_new_plan(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clinics.csv", "out"]


def test_two_runs_on_one_folder_the_second_is_refused(tmp_path):
    src, out = _old_plan(tmp_path)
    old = _tree(out)
    first = _planner(
        _new_args(src, out), PLANNER_TEST_PAUSE_AT="written", PLANNER_TEST_PAUSE_SECONDS="4"
    )
    lines = _wait_for(first, "written")
    second = runner.invoke(app, ["plan", str(src), "--out", str(out), "--quiet", "--no-map"])
    assert second.exit_code == 2, second.output
    assert f"another run is writing {out}" in " ".join(second.output.split())
    assert _tree(out) == old  # the second run wrote nothing
    assert first.wait(timeout=60) == 0, "".join(lines)
    assert _is_new_plan(out)  # the first one finished, untroubled
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clinics.csv", "out"]
    third = runner.invoke(app, ["plan", str(src), "--out", str(out), "--quiet", "--no-map"])
    assert third.exit_code == 0, third.output  # free again


def test_a_plan_folder_keeps_the_users_own_files(tmp_path):
    src, out = _old_plan(tmp_path)
    (out / "notes.txt").write_text("ring Ærø on Monday", encoding="utf-8")
    (out / "minutes").mkdir()
    (out / "minutes" / "meeting.md").write_text("agreed", encoding="utf-8")
    inode = out.stat().st_ino
    result = runner.invoke(app, _new_args(src, out))
    assert result.exit_code == 0, result.output
    assert _is_new_plan(out) and out.stat().st_ino != inode  # a new folder, switched in
    assert (out / "notes.txt").read_text(encoding="utf-8") == "ring Ærø on Monday"
    assert (out / "minutes" / "meeting.md").read_text(encoding="utf-8") == "agreed"


def _snapshot(folder):
    return sorted(
        (str(p.relative_to(folder)), p.is_file() and p.read_bytes()) for p in folder.rglob("*")
    )


@pytest.mark.parametrize("out_flag", ["", ".", "..", "{cwd}"])
def test_the_working_directory_as_out_is_a_usage_error(tmp_path, monkeypatch, out_flag):
    work = tmp_path / "work"
    work.mkdir()
    src = _grid_csv(work / "clinics.csv", rows=2, cols=2)
    (work / "summary.json").write_text("{}", encoding="utf-8")
    (work / "report.html").write_text("my own report", encoding="utf-8")
    monkeypatch.chdir(work)
    before = _snapshot(tmp_path)
    flag = out_flag.format(cwd=work)
    result = runner.invoke(app, ["plan", str(src), "--out", flag, "--quiet", "--overwrite"])
    assert result.exit_code == 2, result.output
    assert "working directory" in result.output
    assert _snapshot(tmp_path) == before  # nothing written, nothing changed


#: An input of every kind the request names, as a flag and a file name.
INPUT_FLAGS = [
    ("clinics", "clinics.csv"),
    ("--patients", "patients.csv"),
    ("--land", "land.geojson"),
    ("--links", "links.csv"),
    ("--municipalities", "kommuner.geojson"),
    ("--regions", "regioner.geojson"),
    ("--cannot-link", "pairs.csv"),
    ("--leaving", "leaving.csv"),
    ("--choices", "proposals.csv"),
    ("--current", "assignments.csv"),
]


@pytest.mark.parametrize(("flag", "name"), INPUT_FLAGS)
@pytest.mark.parametrize("depth", ["", "inputs/"])
def test_an_out_that_holds_an_input_is_a_usage_error(tmp_path, flag, name, depth):
    src, out = _old_plan(tmp_path)
    inside = out / depth / name
    inside.parent.mkdir(exist_ok=True)
    if flag == "clinics":
        inside.write_bytes(src.read_bytes())
        args = ["plan", str(inside)]
    else:
        inside.write_text("clinic_id\nc000\n", encoding="utf-8")
        args = ["plan", str(src), flag, str(inside)]
    before = _snapshot(tmp_path)
    result = runner.invoke(app, [*args, "--out", str(out), "--quiet", "--overwrite"])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"holds an input file, {inside}" in text
    assert _snapshot(tmp_path) == before


def test_an_input_beside_out_is_fine_and_a_config_inside_it_too(tmp_path):
    _, out = _old_plan(tmp_path)
    again = runner.invoke(app, ["plan", "--config", str(out / "config.toml"), "--quiet"])
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize(
    "content",
    [
        {"notes.txt": "mine"},
        {"summary.json": '{"planner": "another tool"}', "data.csv": "a,b\n"},
        {"summary.json": "not json", "sub/deep.txt": "x"},
    ],
)
def test_a_folder_that_is_not_a_plan_needs_overwrite(tmp_path, content):
    src = _grid_csv(tmp_path / "clinics.csv", rows=2, cols=3)
    out = tmp_path / "mine"
    for name, text in content.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    args = ["plan", str(src), "--out", str(out), "--quiet", "--no-map", "--min-patients", "10000"]
    before = _snapshot(tmp_path)
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2, refused.output
    text = " ".join(refused.output.split())
    assert "is not a plan folder" in text and "--overwrite" in text
    assert _snapshot(tmp_path) == before
    done = runner.invoke(app, [*args, "--overwrite"])
    assert done.exit_code == 0, done.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["planner"] == "gp-cluster-planner"
    for name, text in content.items():  # every file that is not the planner's is kept
        if name != "summary.json":
            assert (out / name).read_text(encoding="utf-8") == text
    # Now it is a plan folder: the next run needs no --overwrite.
    assert runner.invoke(app, args).exit_code == 0


def test_an_empty_folder_needs_no_overwrite(tmp_path):
    src = _grid_csv(tmp_path / "clinics.csv", rows=2, cols=3)
    out = tmp_path / "empty"
    out.mkdir()
    args = ["plan", str(src), "--out", str(out), "--quiet", "--no-map", "--min-patients", "10000"]
    assert runner.invoke(app, args).exit_code == 0


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("9223372036854775808", "patients"),  # 2**63: overflowed to a negative total
        ("9223372036854775807", "patients"),
        ("10000001", "patients"),
        ("100000000000000000000", "patients"),  # 1e20
        ("10001", "doctors"),
        ("18446744073709551616", "doctors"),
    ],
)
def test_counts_beyond_any_practice_exit_3_naming_the_cell(tmp_path, cell, column):
    src = _grid_csv(tmp_path / "clinics.csv", rows=2, cols=2)
    lines = src.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[4 if column == "patients" else 5] = cell
    lines[2] = ",".join(cells)
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(src), "--out", str(out), "--quiet"])
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert f"clinics.csv, row 3, column '{column}'" in text and "plausible" in text
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()


def test_an_overflowing_count_with_estimated_gps_is_one_problem(tmp_path):
    src = tmp_path / "practices.csv"
    rows = ["clinic_id,name,lat,lon,patients"]
    rows += [f"P{i},Practice {i},{52 + 0.01 * i},-1.0,9000" for i in range(3)]
    rows.append("P9,Huge,52.05,-1.0,92233720368547758070")
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["plan", str(src), "--out", str(out), "--quiet", "--patients-per-gp", "1600"]
    result = runner.invoke(app, args)
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert "1 problem in the input" in text and "row 5, column 'patients'" in text
    assert not out.exists()


def test_quiet_prints_nothing_but_errors_and_the_summary_names_only_what_applies(tmp_path):
    src = _grid_csv(tmp_path / "clinics.csv", rows=3, cols=4)
    far = tmp_path / "far.csv"
    table = pd.read_csv(src, dtype=str)
    table.loc[len(table)] = ["far", "Far away", "58.5", "14.5", "100", "1"]
    table.to_csv(far, index=False)
    quiet = runner.invoke(app, ["plan", str(far), "--out", str(tmp_path / "q"), "-q"])
    assert quiet.exit_code == 4 and quiet.output == ""  # a warning and a left-out, said nowhere
    loud = runner.invoke(app, ["plan", str(src), "--out", str(tmp_path / "l"), "--no-map"])
    assert loud.exit_code == 0, loud.output
    assert "Clusters crossing a municipality" not in loud.output  # no boundaries here
    summary = json.loads((tmp_path / "l" / "summary.json").read_text(encoding="utf-8"))
    assert "exact" in summary and summary["exact"] is None  # a heuristic proves nothing
