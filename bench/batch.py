"""Batch benchmarks (issue 14's targets), each a whole ``planner batch`` process tree timed
and its peak memory (the sum of the resident memory of the process and its workers,
sampled every 0.1 s) measured:

- England, the 4,982 practices with patients, by ``stp_code``, maps included (<= 60 s,
  < 2 GB); then the same again with nothing changed (<= 5 s);
- Denmark, the 1,720 clinics by region (<= 20 s), and by region x 3 thresholds (<= 45 s);
- a synthetic country in 200 parts on a Dask ``LocalCluster``, at 10,000, 25,000 and
  50,000 clinics: wall time, peak memory, and the time per clinic.

    .venv/bin/python -m bench.batch [--only england,denmark,synthetic] [--sizes 10000,25000]

The real data sets are read from ``../shared/data``; a case whose data is absent is skipped
with a message.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from bench.instances import DENMARK, DENMARK_LAND, ENGLAND

PLANNER = [sys.executable, "-m", "planner.cli.app"]


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def measure(cmd: list[str], *, whole_tree: bool = False) -> tuple[float, float, int]:
    """Wall seconds, peak MB of the process tree, exit code.  ``whole_tree``: the tree of
    this process (a LocalCluster's workers are its children), less what it held before."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watched = psutil.Process() if whole_tree else psutil.Process(proc.pid)
    peak = 0
    sys.stdout.flush()
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, _tree_rss(watched))
        time.sleep(0.1)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 4):
        sys.stderr.write(proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else "")
    return wall, peak / 2**20, proc.returncode


def _row(name: str, wall: float, peak: float, code: int, target: str) -> None:
    print(f"| {name} | {wall:.1f} s | {peak:.0f} MB | {code} | {target} |", flush=True)


def england(tmp: Path) -> None:
    if not ENGLAND.exists():
        print(f"england: skipped, {ENGLAND} is absent", file=sys.stderr)
        return
    table = pd.read_csv(ENGLAND, dtype=str, keep_default_na=False)
    path = tmp / "england.csv"
    table[table["patients_jan2021"].str.strip() != ""].to_csv(path, index=False)
    out = tmp / "en"
    cmd = [*PLANNER, "batch", str(path), "--by", "stp_code", "--profile", "england",
           "--patients-per-gp", "1800", "--out", str(out), "-q"]  # fmt: skip
    _row("England by STP (32 parts), maps", *measure(cmd), "<= 60 s, < 2 GB")
    _row("England again, nothing changed", *measure(cmd), "<= 5 s")


def denmark(tmp: Path) -> None:
    if not DENMARK.exists():
        print(f"denmark: skipped, {DENMARK} is absent", file=sys.stderr)
        return
    base = [*PLANNER, "batch", str(DENMARK), "--by", "region", "--land", str(DENMARK_LAND), "-q"]
    _row("Denmark by region (5 parts), maps", *measure([*base, "--out", str(tmp / "dk1")]),
         "<= 20 s")  # fmt: skip
    three = [*base, "--out", str(tmp / "dk3"), "--min-patients", "25000,30000,35000"]
    _row("Denmark by region x 3 thresholds", *measure(three), "<= 45 s")


def country(n: int, parts: int = 200, seed: int = 0) -> pd.DataFrame:
    """A synthetic country: ``parts`` square districts of 40 x 40 km on a grid, each with
    its share of ``n`` clinics (towns and scatter), ~3,600 patients per clinic."""
    rng = np.random.default_rng(seed)
    cols = int(np.ceil(np.sqrt(parts * 2)))
    rows = []
    per = np.full(parts, n // parts)
    per[: n - per.sum()] += 1
    for p in range(parts):
        gx, gy = p % cols, p // cols
        k = int(per[p])
        towns = rng.uniform(0, 40, size=(3, 2))
        near = towns[rng.integers(0, 3, k)] + rng.normal(0, 3, size=(k, 2))
        spread = rng.uniform(0, 40, size=(k, 2))
        xy = np.where(rng.random((k, 1)) < 0.6, near, spread).clip(0, 40)
        x = gx * 40 + xy[:, 0]
        y = gy * 40 + xy[:, 1]
        lat = 50 + y / 111.0
        lon = 5 + x / (111.0 * np.cos(np.radians(lat)))
        patients = rng.lognormal(np.log(3_000), 0.5, k).clip(500, 15_000).round()
        rows.append(pd.DataFrame({
            "clinic_id": [f"P{p:03d}C{i:04d}" for i in range(k)],
            "name": [f"Clinic {p}-{i}" for i in range(k)],
            "lat": lat.round(5), "lon": lon.round(5),
            "patients": patients.astype(int),
            "doctors": (patients / 1_600).round().clip(1).astype(int),
            "part": f"D{p:03d}",
        }))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def synthetic(tmp: Path, sizes: list[int]) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:  # fmt: skip
        for n in sizes:
            path = tmp / f"country-{n}.csv"
            country(n).to_csv(path, index=False)
            cmd = [*PLANNER, "batch", str(path), "--by", "part", "--out", str(tmp / f"c{n}"),
                   "--no-map", "-q", "--scheduler", cluster.scheduler_address]  # fmt: skip
            wall, peak, code = measure(cmd, whole_tree=True)
            _row(f"synthetic {n:,} clinics, 200 parts, LocalCluster(2)", wall, peak,
                 code, f"{1000 * wall / n:.2f} ms per clinic")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="england,denmark,synthetic")
    parser.add_argument("--sizes", default="10000,25000,50000")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="planner-bench-batch-"))
    print("| case | wall | peak memory | exit | target |")
    print("| --- | --- | --- | --- | --- |")
    try:
        if "england" in only:
            england(tmp)
        if "denmark" in only:
            denmark(tmp)
        if "synthetic" in only:
            synthetic(tmp, [int(s) for s in args.sizes.split(",")])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
