"""The methods under test, each as ``run(instance, threshold, seed) -> labels``.

Peers (spopt, pygeoda) are optional: :func:`available` says which import.  Every run
happens in a child process with a time cap, so a slow peer cannot stall the benchmark.
Labels follow the planner's convention: ``0..k-1``, ``-1`` for a clinic left out.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from planner.core.rules import Rules
from planner.core.sizes import relabel
from planner.solve import Instance, get_solver

__all__ = ["METHODS", "available", "run_capped"]

Runner = Callable[[Instance, int, int], np.ndarray]


def _planner(method: str) -> Runner:
    def run(inst: Instance, threshold: int, seed: int) -> np.ndarray:
        solver = get_solver(method)
        return solver(inst, Rules(min_patients=threshold), np.random.default_rng(seed)).labels

    return run


#: spopt's own defaults (``max_iterations_construction``, ``max_iterations_sa``).
SPOPT_DEFAULT = (99, 10)


def spopt_maxp(
    inst: Instance, threshold: int, seed: int, top_n: int = 2, iterations: tuple = SPOPT_DEFAULT
) -> np.ndarray:
    """spopt's ``MaxPHeuristic`` on the shared graph, the units' coordinates (km) as the
    attributes it makes homogeneous (so its objective is compactness, as the planner's)."""
    import geopandas as gpd
    import libpysal
    from spopt.region import MaxPHeuristic

    np.random.seed(seed)  # noqa: NPY002 - spopt draws from numpy's global generator
    neighbours = {i: inst.adjacency.neighbours(i).tolist() for i in range(inst.n)}
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    gdf = gpd.GeoDataFrame(
        {"x": inst.xy[:, 0] / 1_000, "y": inst.xy[:, 1] / 1_000, "count": inst.patients},
        geometry=gpd.points_from_xy(inst.xy[:, 0], inst.xy[:, 1]),
    )
    construction, sa = iterations
    model = MaxPHeuristic(
        gdf,
        w,
        ["x", "y"],
        "count",
        threshold,
        top_n=top_n,
        max_iterations_construction=construction,
        max_iterations_sa=sa,
    )
    model.solve()
    raw = np.asarray(model.labels_, dtype=np.int64)
    return relabel(np.where(raw > 0, raw, -1))


def _spopt(inst: Instance, threshold: int, seed: int) -> np.ndarray:
    return spopt_maxp(inst, threshold, seed)


def write_results(text: str, table: object, prefix: str, out: Path | None) -> Path:
    """Print a result text and write it (Markdown) with its table (CSV) under
    ``bench/results`` (or ``out``); return the Markdown file."""
    import datetime as dt

    print()
    print(text)
    out = (
        out or Path(__file__).parent / "results" / f"{prefix}-{dt.datetime.now():%Y%m%d-%H%M%S}.md"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    table.to_csv(out.with_suffix(".csv"), index=False)  # type: ignore[attr-defined]
    print(f"written to {out}")
    return out


def markdown(table: object) -> str:
    """A table as Markdown (plain text without tabulate)."""
    try:
        return table.to_markdown(index=False)  # type: ignore[attr-defined]
    except ImportError:
        return table.to_string(index=False)  # type: ignore[attr-defined]


def _pygeoda(kind: str) -> Runner:
    def run(inst: Instance, threshold: int, seed: int) -> np.ndarray:
        import pandas as pd
        import pygeoda

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "w.gal"
            lines = [f"0 {inst.n} bench id"]
            for i in range(inst.n):
                nb = inst.adjacency.neighbours(i) + 1
                lines += [f"{i + 1} {len(nb)}", " ".join(map(str, nb.tolist()))]
            path.write_text("\n".join(lines) + "\n")
            w = pygeoda.read_gal(str(path), [str(i) for i in range(1, inst.n + 1)])
        data = pd.DataFrame({"x": inst.xy[:, 0], "y": inst.xy[:, 1]})
        solve = {"greedy": pygeoda.maxp_greedy, "sa": pygeoda.maxp_sa, "tabu": pygeoda.maxp_tabu}
        out = solve[kind](
            w,
            data,
            bound_variable=inst.patients.astype(float).tolist(),
            min_bound=float(threshold),
            random_seed=seed + 1,
            cpu_threads=1,
        )
        raw = np.asarray(out["Clusters"], dtype=np.int64)
        return relabel(np.where(raw > 0, raw, -1))

    return run


#: name -> (runner, module it needs or None)
METHODS: dict[str, tuple[Runner, str | None]] = {
    "planner": (_planner("grow"), None),
    "spopt": (_spopt, "spopt"),
    "geoda-greedy": (_pygeoda("greedy"), "pygeoda"),
    "geoda-sa": (_pygeoda("sa"), "pygeoda"),
    "geoda-tabu": (_pygeoda("tabu"), "pygeoda"),
}


def available(name: str) -> bool:
    """Whether the package a method needs can be imported."""
    module = METHODS[name][1]
    if module is None:
        return True
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _child(name: str, inst: Instance, threshold: int, seed: int, conn) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        start = time.perf_counter()
        labels = METHODS[name][0](inst, threshold, seed)
        conn.send(("ok", labels, time.perf_counter() - start))
    except Exception as exc:  # report any peer failure as a row, never crash the bench
        conn.send(("error", f"{type(exc).__name__}: {exc}", 0.0))


def run_capped(
    name: str, inst: Instance, threshold: int, seed: int, cap: float
) -> tuple[str, np.ndarray | str, float]:
    """Run a method in a child process; ``("timeout", "", cap)`` when it passes ``cap`` s."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(name, inst, threshold, seed, child), daemon=True)
    proc.start()
    child.close()
    if parent.poll(cap):
        status, payload, seconds = parent.recv()
        proc.join()
        return status, payload, seconds
    proc.terminate()
    proc.join()
    return "timeout", "", cap
