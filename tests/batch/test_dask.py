"""``planner batch --scheduler``: the same batch on a Dask cluster gives the same files, byte
for byte, as the local run (a real ``LocalCluster``, and a scheduler and a worker started as
their own processes on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.batch import plan_batch, scenarios_from
from planner.cli.app import app
from planner.core.request import OutputOptions, PlanRequest

distributed = pytest.importorskip("distributed", reason="dask.distributed is a dependency")

DEMO = Path("data/demo_clinics.csv").resolve()
LAND = Path("data/demo_land.geojson").resolve()
SAME = ("assignments.csv", "unassigned.csv", "clusters.geojson", "clinics.geojson")


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for name in SAME
        for p in sorted(root.glob(f"parts/*/*/{name}"))
    }


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "b"
    base = PlanRequest().with_settings({"clinics": str(DEMO), "land": str(LAND)})
    scenarios = scenarios_from({"min_patients": [25_000, 30_000], "seed": [3]})
    plan_batch(base, "region", out, scenarios, output=OutputOptions(map=False), workers=1)
    return out


def test_a_local_cluster_gives_the_local_files(local_run: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    base = PlanRequest().with_settings({"clinics": str(DEMO), "land": str(LAND)})
    scenarios = scenarios_from({"min_patients": [25_000, 30_000], "seed": [3]})
    out = tmp_path / "b"
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        outcomes = plan_batch(
            base, "region", out, scenarios, output=OutputOptions(map=False),
            scheduler=cluster.scheduler_address,
        )  # fmt: skip
    assert [o.status for o in outcomes] == ["planned"] * 4
    assert not any(o.reused for o in outcomes)
    local, remote = _files(local_run), _files(out)
    assert len(local) == 16 and local.keys() == remote.keys()
    assert all(local[k] == remote[k] for k in local), [k for k in local if local[k] != remote[k]]


def test_a_scheduler_and_a_worker_of_their_own(local_run: Path, tmp_path: Path) -> None:
    file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    dask = [sys.executable, "-m", "distributed.cli"]
    scheduler = subprocess.Popen(
        [*dask[:2], "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
         "--scheduler-file", str(file), "--no-dashboard"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        worker = subprocess.Popen(
            [*dask[:2], "distributed.cli.dask_worker", address, "--nworkers", "1",
             "--nthreads", "1", "--no-dashboard"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        out = tmp_path / "b"
        result = CliRunner().invoke(
            app,
            ["batch", str(DEMO), "--by", "region", "--out", str(out), "--land", str(LAND),
             "--min-patients", "25000,30000", "--seeds", "3", "--no-map", "-q",
             "--scheduler", address],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        local, remote = _files(local_run), _files(out)
        assert local.keys() == remote.keys() and all(local[k] == remote[k] for k in local)
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        result = CliRunner().invoke(
        app,
            ["batch", str(DEMO), "--by", "region", "--out", str(tmp_path / "b"), "-q",
             "--scheduler", "tcp://127.0.0.1:1"],
        )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in " ".join(result.output.split())
