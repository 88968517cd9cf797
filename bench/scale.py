"""The whole command at any size: ``planner plan`` processes timed end to end.

Prints Markdown tables (nothing here is part of the test suite):

1. **Whole process** on 2,000 synthetic clinics (``--boundaries none``, outputs and map
   included) against a pygeoda ``maxp_greedy`` process on the same clinics: it reads the
   same CSV, reads the planner's contiguity graph as a GAL file (made before the clock
   starts: pygeoda cannot build it from points), solves and writes its labels.  Also the
   planner with its search cut to ``--time-limit 0.05`` (what everything but the search
   costs) and ``planner --help``.
2. **Scale, one region**: ``planner plan`` on 10,000 / 25,000 / 50,000 / 100,000 clinics:
   wall time, peak memory of the process, the solve's and the plan's time (from
   ``summary.json``), clusters against the tight bound, and how each grows.
3. **Seeds**: the run time of ``planner plan`` over several seeds (max / min).
4. **Early stop**: ``--time-limit`` far above what the region needs, and whether the
   run stopped early (and said so).

Clinics come from :func:`planner.solve.synthetic.danish_like` (``bench.map_size``'s CSV).

    python -m bench.scale                      # everything: about 8 minutes
    python -m bench.scale --only scale --sizes 10000,50000
"""

from __future__ import annotations

import argparse
import compileall
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from bench.batch import PLANNER, measure
from bench.map_size import _synthetic

#: The pygeoda process: read the CSV and the GAL, solve, write labels (argv: csv gal out).
GEODA = """
import sys, numpy as np, pandas as pd, pygeoda
table = pd.read_csv(sys.argv[1])
w = pygeoda.read_gal(sys.argv[2], [str(i) for i in range(1, len(table) + 1)])
lat0 = float(table["lat"].mean())
xy = pd.DataFrame(
    {"x": table["lon"] * 111.32 * np.cos(np.radians(lat0)), "y": table["lat"] * 110.574}
)
out = pygeoda.maxp_greedy(w, xy, bound_variable=table["patients"].astype(float).tolist(),
                          min_bound=30000.0, random_seed=1, cpu_threads=1)
labels = pd.DataFrame({"clinic_id": table["clinic_id"], "cluster": out["Clusters"]})
labels.to_csv(sys.argv[3], index=False)
"""


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def _plan(csv: Path, out: Path, *extra: str) -> tuple[float, float, int, dict]:
    cmd = [*PLANNER, "plan", str(csv), "--boundaries", "none", "--out", str(out)]
    wall, peak, code = measure([*cmd, "--overwrite", "--quiet", *extra])
    return wall, peak, code, _summary(out) if code in (0, 4) else {}


def _gal(out: Path, csv: Path, gal: Path) -> None:
    """The planner's contiguity graph of a plan folder, as GAL (pygeoda's format)."""
    ids = pd.read_csv(csv, dtype=str)["clinic_id"].tolist()
    at = {c: i for i, c in enumerate(ids)}
    table = gpd.read_file(out / "clinics.geojson")  # its "neighbours": the graph
    nbrs: list[list[int]] = [[] for _ in ids]
    for cid, near in zip(table["clinic_id"], table["neighbours"], strict=True):
        nbrs[at[cid]] = sorted(at[j] + 1 for j in (near or "").split(";") if j)
    lines = [f"0 {len(ids)} bench id"]
    for i, nb in enumerate(nbrs):
        lines += [f"{i + 1} {len(nb)}", " ".join(map(str, nb))]
    gal.write_text("\n".join(lines) + "\n")


def whole(tmp: Path, runs: int) -> None:
    csv = Path(_synthetic(tmp, 2_000)[0])
    print("\n### Whole process, 2,000 clinics (median of", runs, "runs)\n")
    print("| process | wall | peak memory | clusters |")
    print("| --- | --- | --- | --- |")
    walls, peaks = [], []
    summary: dict = {}
    for _ in range(runs):
        wall, peak, _code, summary = _plan(csv, tmp / "p2000")
        walls.append(wall)
        peaks.append(peak)
    k = summary.get("totals", {}).get("clusters")
    print(f"| planner plan (outputs, map, report) | {np.median(walls):.2f} s | "
          f"{np.median(peaks):.0f} MB | {k} |")  # fmt: skip
    # The same with the search cut short: what reading, the geography, the outputs, the
    # map and the report cost on their own (the floor no faster solve can go below).
    floor = [_plan(csv, tmp / "p2000-floor", "--time-limit", "0.05") for _ in range(runs)]
    solve = np.median([f[3].get("runtime_s", {}).get("solve", float("nan")) for f in floor])
    print(f"| planner plan, search cut to --time-limit 0.05 (solve {solve:.2f} s) | "
          f"{np.median([f[0] for f in floor]):.2f} s | {np.median([f[1] for f in floor]):.0f} MB "
          f"| {floor[-1][3].get('totals', {}).get('clusters')} |")  # fmt: skip
    gal = tmp / "w.gal"
    _gal(tmp / "p2000", csv, gal)
    walls, peaks = [], []
    out = tmp / "geoda.csv"
    cmd = [sys.executable, "-c", GEODA, str(csv), str(gal), str(out)]
    for _ in range(runs):  # one process per run: its wall time and peak memory at once
        wall, peak, code = measure(cmd)
        if code:
            print(f"| pygeoda maxp_greedy | failed (exit {code}) | | |")
            break
        walls.append(wall)
        peaks.append(peak)
    else:
        found = pd.read_csv(out)["cluster"]
        clusters = found[found > 0].nunique()
        print(f"| pygeoda maxp_greedy (graph given) | {np.median(walls):.2f} s | "
              f"{np.median(peaks):.0f} MB | {clusters} |")  # fmt: skip
    helps = []
    for _ in range(max(runs, 5)):
        start = time.perf_counter()
        subprocess.run([*PLANNER, "--help"], capture_output=True, check=True)
        helps.append(time.perf_counter() - start)
    print(f"| planner --help | {np.median(helps):.2f} s | | |")


def scale(tmp: Path, sizes: list[int]) -> None:
    print("\n### Scale, one region (--boundaries none)\n")
    print("| clinics | wall | peak memory | plan | solve | clusters | tight bound | share |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    rows = []
    for n in sizes:
        csv = Path(_synthetic(tmp, n)[0])
        wall, peak, code, summary = _plan(csv, tmp / f"p{n}")
        if code not in (0, 4):
            print(f"| {n:,} | failed ({code}) | | | | | | |")
            continue
        k, bound = summary["totals"]["clusters"], summary["upper_bound_tight"]
        run = summary["runtime_s"]
        rows.append((n, wall, peak))
        print(f"| {n:,} | {wall:.1f} s | {peak / 1024:.2f} GB | {run['total']:.1f} s | "
              f"{run['solve']:.1f} s | {k:,} | {bound:,} | {k / bound:.3f} |",
              flush=True)  # fmt: skip
    if len(rows) > 1:
        (n0, w0, m0), (n1, w1, m1) = rows[0], rows[-1]
        growth = math.log(w1 / w0) / math.log(n1 / n0)
        memory = math.log(m1 / m0) / math.log(n1 / n0)
        print(f"\nWall time grows as n^{growth:.2f}, memory as n^{memory:.2f} "
              f"({n0:,} to {n1:,} clinics).")  # fmt: skip


def seeds(tmp: Path, n: int, count: int) -> None:
    csv = Path(_synthetic(tmp, n)[0])
    walls, ks = [], []
    for seed in range(count):
        wall, _peak, _code, summary = _plan(csv, tmp / "seed", "--seed", str(seed), "--no-map")
        walls.append(wall)
        ks.append(summary["totals"]["clusters"])
    print(f"\n### Seeds, {n:,} clinics, seeds 0-{count - 1}\n")
    print("| wall min | wall max | max / min | clusters |")
    print("| --- | --- | --- | --- |")
    print(f"| {min(walls):.1f} s | {max(walls):.1f} s | {max(walls) / min(walls):.2f} | "
          f"{min(ks)}-{max(ks)} |")  # fmt: skip


def early(tmp: Path, n: int, limit: float) -> None:
    csv = Path(_synthetic(tmp, n)[0])
    cmd = [*PLANNER, "plan", str(csv), "--boundaries", "none", "--out", str(tmp / "early")]
    cmd += ["--overwrite", "--no-map", "--time-limit", str(limit)]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    said = [line.strip() for line in done.stderr.splitlines() if "stopped early" in line]
    print(f"\n### Early stop, {n:,} clinics, --time-limit {limit:g}\n")
    print(f"wall {wall:.1f} s; " + (f"said: {said[0]}" if said else "ran to the limit"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", default="whole,scale,seeds,early")
    parser.add_argument("--sizes", default="10000,25000,50000,100000")
    parser.add_argument("--runs", type=int, default=3, help="runs of the 2,000-clinic race")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--seed-size", type=int, default=10_000)
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    # A user's machine keeps the planner's bytecode after the first run; where
    # PYTHONDONTWRITEBYTECODE is set (as here) every run would compile it again.
    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "planner"), quiet=1)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if "whole" in only:
            whole(tmp, args.runs)
        if "scale" in only:
            scale(tmp, [int(s) for s in args.sizes.split(",")])
        if "seeds" in only:
            seeds(tmp, args.seed_size, args.seeds)
        if "early" in only:
            early(tmp, 2_000, 120.0)


if __name__ == "__main__":
    main()
