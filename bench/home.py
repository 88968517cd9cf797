"""The planner and its peers on the peers' own home data, judged by one code.

The instances are the max-p literature's and the peers' test suites' polygons, all
shipped inside installed wheels (no download): libpysal's Georgia counties (``G_utm``),
North Carolina counties (``sids2``), Mexican states (``mexicojoin``, as spopt's
``test_maxp.py`` sets them), spopt's own two-component box grid from the same test file,
and a 10x10 rook lattice with unit counts (threshold 3: the optimum is 33).

For every instance the planner runs first, through its public API on the polygons
(``planner.api.plan(..., columns=..., min_patients=T, crs=..., contiguity=...)``); the
contiguity graph it builds (``PlanResult.graph``, with any link across water) is then
given to every peer as a ``libpysal.weights.W`` (spopt) or a GAL file (pygeoda), so every
method sees the same graph, and it is compared with libpysal's own ``Rook``/``Queen``
weights of the same polygons (column ``graph``).  Every plan is judged by
:func:`planner.evaluate.checks.check_plan` on that graph and by :func:`figures` (the
planner's compactness figures plus the largest distance to a cluster's centre).

Usage (from the repository root)::

    .venv/bin/python -m bench.home
    .venv/bin/python -m bench.home --instances lattice-10x10,georgia-100k --cap 60

Every run is a child process with a time cap and one thread (``bench/README.md``).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.peers import SPOPT_DEFAULT, markdown, spopt_maxp, write_results
from planner.core.adjacency import Adjacency
from planner.core.instance import Instance
from planner.core.rules import Rules
from planner.core.sizes import relabel, weighted_centres
from planner.evaluate.checks import check_plan, compactness, tight_upper_bound

__all__ = ["HOMES", "Home", "capped", "figures", "planner_on", "run_home"]

#: Beside spopt's ``MaxPHeuristic`` defaults (:data:`bench.peers.SPOPT_DEFAULT`), the
#: "more iterations" run: ten times the construction (the module-level
#: ``maxp()`` function's own default, 999) and five times the annealing.
SPOPT_MORE = (999, 50)
#: The columns of the per-method table as printed (the CSV has them all).
LONG_COLUMNS = (
    "instance",
    "method",
    "clusters",
    "valid",
    "left_out",
    "pat_km",
    "centre_max_km",
    "diam_km",
    "time_s",
    "proof",
)
PEERS = ("spopt", "spopt-more", "geoda-greedy", "geoda-sa", "geoda-tabu")


# --------------------------------------------------------------------------- instances


@dataclass(frozen=True)
class Home:
    """One home instance: where its polygons come from and the size rule on them."""

    name: str
    source: Callable[[], Any]  # -> a path (str) or a GeoDataFrame of polygons
    id_col: str
    count_col: str
    threshold: int
    crs: str | None  # the CRS of a file that names none
    contiguity: str = "rook"
    top_n: int = 2  # spopt's candidate regions for an enclave (its tests' value where set)
    optimum: int | None = None  # a count known to be the maximum
    expected: Callable[[], np.ndarray] | None = None  # spopt's test's expected labels
    note: str = ""


def _example(name: str) -> str:
    import libpysal

    return str(libpysal.examples.get_path(name))


def _mexico() -> Any:
    import geopandas as gpd

    frame = gpd.read_file(_example("mexicojoin.shp"))
    frame["count"] = 1  # as spopt's test_maxp.py: every state counts 1
    return frame


def lattice(rows: int = 10, cols: int = 10, size: float = 1_000.0) -> Any:
    """A rows x cols lattice of square units (``size`` metres, EPSG:32617), count 1 each."""
    import geopandas as gpd
    import shapely

    x0, y0 = 500_000.0, 4_000_000.0
    boxes = [
        shapely.box(x0 + c * size, y0 + r * size, x0 + (c + 1) * size, y0 + (r + 1) * size)
        for r in range(rows)
        for c in range(cols)
    ]
    return gpd.GeoDataFrame(
        {"unit": [f"u{i:03d}" for i in range(len(boxes))], "count": 1},
        geometry=boxes,
        crs="EPSG:32617",
    )


def _spopt_test() -> Any:
    """spopt's ``TestMaxPHeuristic`` fixture, as its installed test file sets it up."""
    from spopt.tests.test_region.test_maxp import TestMaxPHeuristic

    test = TestMaxPHeuristic()
    test.setup_method()
    return test


def _components() -> Any:
    frame = _spopt_test().gdf.copy()  # 5 + 50 boxes of 10 x 10, the two blocks 10 apart
    frame["unit"] = [f"b{i:02d}" for i in range(len(frame))]
    return frame.set_crs("EPSG:32617")  # its units as metres: the gap is 10 m


def _expected(attr: str) -> Callable[[], np.ndarray]:
    return lambda: np.asarray(getattr(_spopt_test(), attr))


_MX = "spopt test_maxp.py: Mexican states, count 1"
HOMES: tuple[Home, ...] = (
    Home("lattice-10x10", lattice, "unit", "count", 3, None, optimum=33, note="unit counts"),
    Home(
        "georgia-100k",
        lambda: _example("G_utm.shp"),
        "AreaKey",
        "TotPop90",
        100_000,
        "EPSG:32617",
        note="Georgia counties, TotPop90",
    ),
    Home(
        "georgia-250k",
        lambda: _example("G_utm.shp"),
        "AreaKey",
        "TotPop90",
        250_000,
        "EPSG:32617",
        note="Georgia counties, TotPop90",
    ),
    Home(
        "sids2-5k",
        lambda: _example("sids2.shp"),
        "FIPSNO",
        "BIR74",
        5_000,
        "EPSG:4326",
        note="North Carolina counties, BIR74",
    ),
    Home(
        "sids2-10k",
        lambda: _example("sids2.shp"),
        "FIPSNO",
        "BIR74",
        10_000,
        "EPSG:4326",
        note="North Carolina counties, BIR74",
    ),
    Home(
        "mexico-4-queen",
        _mexico,
        "POLY_ID",
        "count",
        4,
        "EPSG:4326",
        "queen",
        top_n=2,
        expected=_expected("basic_labels"),
        note=_MX + ", threshold 4, top_n 2 (basic)",
    ),
    Home(
        "mexico-5-queen",
        _mexico,
        "POLY_ID",
        "count",
        5,
        "EPSG:4326",
        "queen",
        top_n=5,
        expected=_expected("var1_labels"),
        note=_MX + ", threshold 5, top_n 5 (one var)",
    ),
    Home(
        "mexico-10-queen",
        _mexico,
        "POLY_ID",
        "count",
        10,
        "EPSG:4326",
        "queen",
        top_n=5,
        expected=_expected("complex_labels"),
        note=_MX + ", threshold 10, top_n 5 (complex)",
    ),
    Home(
        "mexico-4-rook",
        _mexico,
        "POLY_ID",
        "count",
        4,
        "EPSG:4326",
        "rook",
        top_n=2,
        note="Mexican states on rook contiguity",
    ),
    Home(
        "mexico-10-rook",
        _mexico,
        "POLY_ID",
        "count",
        10,
        "EPSG:4326",
        "rook",
        top_n=5,
        note="Mexican states on rook contiguity",
    ),
    Home(
        "spopt-components",
        _components,
        "unit",
        "var",
        6,
        None,
        "queen",
        note="spopt test_maxp.py: 5 + 50 boxes in two parts, var 1, threshold 6",
    ),
)


# --------------------------------------------------------------------------- the judge


def figures(labels: np.ndarray, xy: np.ndarray, patients: np.ndarray) -> dict[str, float]:
    """The one judge of compactness for every method (km; ``xy`` in metres).

    ``pat_km``: the patient-weighted mean distance to the cluster's patient-weighted
    centre (the planner's :func:`~planner.evaluate.checks.compactness`
    ``mean_patient_km``); ``centre_max_km``: the largest distance of a unit to its
    cluster's centre; ``diam_km``: the mean cluster diameter (also the planner's).
    Units left out (``-1``) count in none.
    """
    labels = np.asarray(labels)
    pat = np.asarray(patients, dtype=float)
    figs = compactness(labels, xy, pat, pat)  # GP weights = patients: there are no GPs
    keep = labels >= 0
    pts = np.asarray(xy, dtype=float) / 1_000.0
    far = 0.0
    if keep.any():
        centres = weighted_centres(labels, pts, pat + 1e-9)
        far = float(np.hypot(*(pts[keep] - centres[labels[keep]]).T).max())
    return {
        "pat_km": round(figs["mean_patient_km"], 3),
        "centre_max_km": round(far, 3),
        "diam_km": round(figs["mean_diameter_km"], 2),
    }


def judge(inst: Instance, labels: np.ndarray, rules: Rules) -> dict[str, Any]:
    """Count, validity (on the shared graph), units left out and :func:`figures`."""
    labels = np.asarray(labels)
    problems = check_plan(inst.adjacency, labels, inst.patients, rules)
    k = len(np.unique(labels[labels >= 0]))
    return {
        "clusters": k,
        "valid": "yes" if not problems else f"no ({len(problems)}: {problems[0]})",
        "left_out": int((labels < 0).sum()),
        **figures(labels, inst.xy, inst.patients),
    }


# --------------------------------------------------------------------------- running


def _child(fn: Callable[..., Any], args: tuple, conn: Any) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    logging.disable(logging.WARNING)
    try:
        start = time.perf_counter()
        out = fn(*args)
        conn.send(("ok", out, time.perf_counter() - start))
    except Exception as exc:  # any failure is a row of the table, never a crash
        conn.send(("error", f"{type(exc).__name__}: {exc}", 0.0))


def capped(fn: Callable[..., Any], args: tuple, cap: float) -> tuple[str, Any, float]:
    """``fn(*args)`` in a forked child: ``(status, value or message, seconds)``;
    ``("timeout", "", cap)`` when it takes longer than ``cap`` seconds."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn, args, child), daemon=True)
    proc.start()
    child.close()
    if parent.poll(cap):
        try:
            status, payload, seconds = parent.recv()
        except EOFError:  # the child died without a word (killed, out of memory)
            status, payload, seconds = "error", f"child exited {proc.exitcode}", 0.0
        proc.join()
        return status, payload, seconds
    proc.terminate()
    proc.join()
    return "timeout", "", cap


def planner_on(home: Home, seed: int, method: str = "grow", **settings: Any) -> dict[str, Any]:
    """The planner through its public API on the home polygons: labels, the graph it
    planned on and the figures needed to rebuild the instance for the peers."""
    from planner.api import plan

    source = home.source()
    result = plan(
        source,
        columns={"clinic_id": home.id_col, "patients": home.count_col},
        min_patients=home.threshold,
        crs=home.crs,
        contiguity=home.contiguity,
        random_state=seed,
        method=method,
        source=home.name if not isinstance(source, str) else None,
        **settings,
    )
    clinics = result.clinics
    edges = np.array(
        sorted((min(a, b), max(a, b)) for a, b in result.graph.edges()), dtype=np.int64
    )
    links = sum(1 for *_, kind in result.graph.edges(data="kind") if kind == "link")
    return {
        "ids": clinics["clinic_id"].astype(str).to_numpy(),
        "labels": np.asarray(result.labels, dtype=np.int64),
        "edges": edges.reshape(-1, 2),
        "links": links,
        "xy": np.column_stack([clinics.geometry.x, clinics.geometry.y]),
        "patients": clinics["patients"].to_numpy(dtype=np.int64),
        "bound": int(result.metrics["upper_bound_tight"]),
        "exact": dict(result.metrics.get("exact") or {}),
        "runtime": dict(result.metrics["runtime_s"]),
    }


def _geoda(kind: str) -> Callable[[Instance, int, int], np.ndarray]:
    from bench.peers import METHODS

    return METHODS[f"geoda-{kind}"][0]


def peer_runner(name: str, home: Home | None = None) -> Callable[[Instance, int, int], np.ndarray]:
    """``run(instance, threshold, seed) -> labels`` for a peer of :data:`PEERS`."""
    top_n = home.top_n if home is not None else 2
    if name == "spopt":
        return lambda inst, t, s: spopt_maxp(inst, t, s, top_n, SPOPT_DEFAULT)
    if name == "spopt-more":
        return lambda inst, t, s: spopt_maxp(inst, t, s, top_n, SPOPT_MORE)
    return _geoda(name.removeprefix("geoda-"))


def available(name: str) -> bool:
    """Whether the package a peer needs imports."""
    module = "spopt" if name.startswith("spopt") else "pygeoda"
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def libpysal_agreement(home: Home, ids: np.ndarray, edges: np.ndarray) -> str:
    """How the planner's graph compares with libpysal's Rook/Queen of the same polygons:
    ``same``, or the edges only the planner has (``+``) and only libpysal has (``-``)."""
    import geopandas as gpd
    import libpysal

    source = home.source()
    frame = gpd.read_file(source) if isinstance(source, str) else source
    if [str(v) for v in frame[home.id_col]] != list(ids):
        return "order differs: not compared"
    kind = libpysal.weights.Rook if home.contiguity == "rook" else libpysal.weights.Queen
    w = kind.from_dataframe(frame, use_index=False, silence_warnings=True)
    theirs = {(min(i, j), max(i, j)) for i, nb in w.neighbors.items() for j in nb}
    ours = {(int(a), int(b)) for a, b in edges}
    plus, minus = len(ours - theirs), len(theirs - ours)
    if not plus and not minus:
        return f"same as libpysal {kind.__name__}"
    return f"libpysal {kind.__name__} {'+' if plus else ''}{plus}/-{minus}"


# --------------------------------------------------------------------------- the run


def _status_row(status: str, payload: Any, seconds: float) -> dict[str, Any]:
    text = "timeout" if status == "timeout" else f"error: {payload}"
    return {"clusters": None, "valid": text, "time_s": round(seconds, 2)}


def run_home(home: Home, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every method on one home instance; one row per method."""
    rules = Rules(min_patients=home.threshold)
    base = {"instance": home.name, "threshold": home.threshold}
    status, out, seconds = capped(planner_on, (home, args.seed), args.cap)
    if status != "ok":
        print(f"{home.name}: the planner failed ({status}: {out}); no graph for the peers")
        return [{**base, "method": "planner", **_status_row(status, out, seconds)}]
    n = len(out["ids"])
    inst = Instance.from_arrays(Adjacency.from_edges(n, out["edges"]), out["patients"], out["xy"])
    bound = tight_upper_bound(inst.adjacency, inst.patients, rules)
    if bound != out["bound"]:  # the planner's figure and the judge's must agree
        print(f"{home.name}: metrics bound {out['bound']} != judge's {bound}", file=sys.stderr)
    graph = f"{home.contiguity}, {len(out['edges'])} edges"
    graph += f", {out['links']} link(s)" if out["links"] else ""
    try:
        graph += f"; {libpysal_agreement(home, out['ids'], out['edges'])}"
    except Exception as exc:  # libpysal missing or the polygons unreadable by it
        graph += f"; libpysal not compared ({type(exc).__name__})"
    base |= {"units": n, "bound": out["bound"], "optimum": home.optimum, "graph": graph}
    rows = [
        {
            **base,
            "method": "planner",
            **judge(inst, out["labels"], rules),
            "time_s": round(seconds, 2),
        }
    ]
    _say(rows[-1])
    if home.expected is not None:  # the labels spopt's own test asserts, on our graph
        try:
            expected = relabel(np.asarray(home.expected(), dtype=np.int64) - 1)
            rows.append({**base, "method": "spopt-test-labels", **judge(inst, expected, rules)})
            _say(rows[-1])
        except Exception as exc:
            print(f"{home.name}: spopt's test labels not read ({exc})", file=sys.stderr)
    for peer in args.peers:
        status, labels, seconds = capped(
            peer_runner(peer, home), (inst, home.threshold, args.seed), args.cap
        )
        row = {**base, "method": peer}
        if status == "ok":
            row |= judge(inst, labels, rules) | {"time_s": round(seconds, 2)}
        else:
            row |= _status_row(status, labels, seconds)
        rows.append(row)
        _say(row)
    if args.exact_max_units and n <= args.exact_max_units:
        limit = min(args.exact_limit, args.cap - 5)
        status, ex, seconds = capped(_exact, (home, args.seed, limit), args.cap)
        row = {**base, "method": "planner-exact"}
        if status == "ok":
            row |= judge(inst, ex["labels"], rules) | {"time_s": round(seconds, 2)}
            proof = ex["exact"]
            row["proof"] = (
                "count proven optimal"
                if proof.get("count_proven_optimal")
                else f"not proven (bound {proof.get('proven_upper_bound')})"
            )
        else:
            row |= _status_row(status, ex, seconds)
        rows.append(row)
        _say(row)
    return rows


def _exact(home: Home, seed: int, limit: float) -> dict[str, Any]:
    return planner_on(home, seed, "exact", time_limit=limit)


def _say(row: dict[str, Any]) -> None:
    keys = ("instance", "method", "clusters", "bound", "valid", "pat_km", "time_s")
    print("  ".join(f"{k}={row.get(k, '')}" for k in keys), flush=True)


def summary(long: pd.DataFrame) -> pd.DataFrame:
    """One row per instance: the bound and every method's count (``✗`` when invalid)."""
    out = []
    for name, group in long.groupby("instance", sort=False):
        first = group.iloc[0]
        row: dict[str, Any] = {
            "instance": name,
            "units": first.get("units"),
            "T": first["threshold"],
            "bound": first.get("bound"),
            "graph": first.get("graph"),
        }
        for _, r in group.iterrows():
            count = r.get("clusters")
            if count is None or pd.isna(count):
                cell = str(r["valid"])
            else:
                cell = str(int(count)) + ("" if r["valid"] == "yes" else " ✗")
                cell += f" (-{int(r['left_out'])})" if r.get("left_out") else ""
            row[r["method"]] = cell
            if r["method"] != "spopt-test-labels":
                row[f"{r['method']}_s"] = r.get("time_s")
        out.append(row)
    table = pd.DataFrame(out)
    counts = [c for c in table.columns if not c.endswith("_s")]
    times = [c for c in table.columns if c.endswith("_s")]
    return table[counts + times]


def targets(long: pd.DataFrame) -> list[str]:
    """The issue's targets, one verdict line per instance."""
    lines = []
    for name, group in long.groupby("instance", sort=False):
        me = group[group["method"] == "planner"].iloc[0]
        if me["valid"] != "yes" or me.get("clusters") is None or pd.isna(me.get("clusters")):
            lines.append(f"{name}: NOT MET: the planner's plan is {me['valid']}")
            continue
        k, bound = int(me["clusters"]), int(me["bound"])
        others = group[~group["method"].isin(["planner", "planner-exact"])]
        beaten = [
            f"{r['method']} {int(r['clusters'])}"
            for _, r in others.iterrows()
            if r.get("clusters") is not None
            and not pd.isna(r["clusters"])
            and r["valid"] == "yes"
            and int(r["clusters"]) > k
        ]
        share = k / bound if bound else 1.0
        proven = group[
            (group["method"] == "planner-exact")
            & group.get("proof", pd.Series("", index=group.index))
            .astype(str)
            .str.startswith("count proven")
        ]
        best = int(proven.iloc[0]["clusters"]) if len(proven) else me.get("optimum")
        verdict = [f"valid, {k} clusters = {share:.3f} of the tight bound {bound}"]
        verdict.append("at least every peer" if not beaten else f"BELOW {', '.join(beaten)}")
        if share >= 0.95:
            verdict.append(">= 0.95 of the bound: met")
        elif best is not None and not pd.isna(best) and k >= int(best):
            verdict.append(f"< 0.95 of the bound, but {int(best)} is the proven optimum: met")
        else:
            verdict.append("< 0.95 of the bound: NOT MET (no proof the bound is unreachable)")
        if me.get("optimum") is not None and not pd.isna(me.get("optimum")):
            opt = int(me["optimum"])
            verdict.append(f"the optimum {opt}: {'met' if k == opt else 'NOT MET'}")
        lines.append(f"{name}: " + "; ".join(verdict))
    return lines


def main(argv: list[str] | None = None) -> None:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m bench.home", description=__doc__.split("\n")[0])
    p.add_argument("--instances", default="", help=f"of {', '.join(h.name for h in HOMES)}")
    p.add_argument("--peers", default=",".join(PEERS), help=f"of {', '.join(PEERS)}")
    p.add_argument("--cap", type=float, default=300.0, help="seconds per run before giving up")
    p.add_argument("--seed", type=int, default=0, help="seed passed to every method")
    p.add_argument(
        "--exact-max-units",
        type=int,
        default=60,
        help="also run the planner's exact method (CP-SAT) up to this many units (0: never)",
    )
    p.add_argument("--exact-limit", type=float, default=60.0, help="CP-SAT time limit (s)")
    p.add_argument("--out", type=Path, default=None, help="table file (default bench/results/)")
    args = p.parse_args(argv)
    wanted = [s for s in args.instances.split(",") if s]
    unknown = sorted(set(wanted) - {h.name for h in HOMES})
    if unknown:
        raise SystemExit(f"unknown instance(s) {', '.join(unknown)}")
    peers = [s for s in args.peers.split(",") if s]
    for peer in peers:
        if peer not in PEERS:
            raise SystemExit(f"unknown peer {peer!r}; choose from {', '.join(PEERS)}")
    args.peers = [
        s for s in peers if available(s) or print(f"skipping {s}: not installed", file=sys.stderr)
    ]
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for home in HOMES:
        if wanted and home.name not in wanted:
            continue
        try:
            rows += run_home(home, args)
        except ImportError as exc:
            print(f"skipping {home.name}: {exc}", file=sys.stderr)
    long = pd.DataFrame(rows)
    wide = summary(long)
    brief = long[[c for c in LONG_COLUMNS if c in long.columns]]
    text = "\n\n".join(
        [markdown(wide), markdown(brief), "\n".join(f"- {t}" for t in targets(long))]
    )
    text += f"\n\ntotal {time.perf_counter() - started:.0f} s\n"
    write_results(text, long, "home", args.out)


if __name__ == "__main__":
    main()
