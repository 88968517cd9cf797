"""Compactness at equal count: the planner asked for each peer's count, against that peer.

For every instance each peer (spopt's ``MaxPHeuristic``, pygeoda's ``maxp_greedy``,
``maxp_sa``, ``maxp_tabu``) runs first; then the planner makes exactly that peer's count
of clusters, as ``plan(..., clusters=N)`` does (README, "A fixed count"): its max-p solve
(``grow``, judged by ``check_plan``) and then :func:`planner.solve.count.fixed_count`
with the same generator, on the same graph the peer had.  On the benchmark's instances
(``bench/instances.py``: synthetic, Danish and English regions, which are solver
instances, not files) these two calls are made directly, in one child process per
instance; on the home polygons (``--instances home``, :mod:`bench.home`) the public
``plan(..., clusters=N)`` itself is called.  Both plans are judged by
:func:`bench.home.figures`: the patient-weighted mean distance to the cluster's centre
(``pat_km``) and the largest distance to it (``centre_max_km``).

Usage (from the repository root)::

    .venv/bin/python -m bench.equal_count
    .venv/bin/python -m bench.equal_count --instances synthetic --sizes 300,1000 --cap 60

The target (issue 15): ``pat_km`` at least 15 % below the peer's at its count.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.home import HOMES, Home, capped, judge, peer_runner, planner_on
from bench.home import available as peer_available
from bench.instances import cases
from bench.peers import markdown, write_results
from planner.core.adjacency import Adjacency
from planner.core.instance import Instance
from planner.core.rules import Rules
from planner.evaluate.checks import check_plan, checked
from planner.solve import get_solver
from planner.solve.count import fixed_count

__all__ = ["at_counts", "main"]

HOME_NAMES = frozenset(h.name for h in HOMES)

PEERS = ("spopt", "geoda-greedy", "geoda-sa", "geoda-tabu")
#: The target: the planner's mean distance at least this share below the peer's.
TARGET = 0.15
#: The table's columns, in order.
COLUMNS = ("instance", "units", "peer", "count", "peer_valid", "peer_left_out", "peer_pat_km",
           "planner_pat_km", "mean_below", "peer_max_km", "planner_max_km", "max_below",
           "planner_valid", "planner_count", "peer_s", "planner_s")  # fmt: skip


def at_counts(inst: Instance, threshold: int, seed: int, counts: list[int]) -> dict[str, Any]:
    """The planner's max-p plan and, for every count asked, its fixed-count plan, exactly as
    ``plan(..., clusters=n)`` makes them: ``checked(grow)`` then ``fixed_count`` with the
    generator as the solve left it.  ``{"maxp": (labels, s), n: (labels or error, s)}``."""
    rules = Rules(min_patients=threshold)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    labels = checked(get_solver("grow"), rules)(inst, rng).labels
    solved = time.perf_counter() - start
    out: dict[Any, Any] = {"maxp": (labels, solved)}
    for n in sorted(set(counts)):
        again = copy.deepcopy(rng)  # each count from the generator as plan() would have it
        start = time.perf_counter()
        try:
            fixed = fixed_count(inst, rules, labels, n, again)
            problems = check_plan(inst.adjacency, fixed, inst.patients, rules, inst.doctors)
            out[n] = (
                fixed if not problems else f"invalid: {problems[0]}",
                solved + time.perf_counter() - start,
            )
        except Exception as exc:  # too many, too few: the planner's own explanation
            out[n] = (f"{type(exc).__name__}: {exc}", solved + time.perf_counter() - start)
    return out


def _home_counts(home: Home, seed: int, counts: list[int]) -> dict[int, Any]:
    """``plan(..., clusters=n)`` through the public API on home polygons, per count."""
    out: dict[int, Any] = {}
    for n in sorted(set(counts)):
        start = time.perf_counter()
        try:
            out[n] = (planner_on(home, seed, clusters=n)["labels"], time.perf_counter() - start)
        except Exception as exc:
            out[n] = (f"{type(exc).__name__}: {exc}", time.perf_counter() - start)
    return out


def _compare(
    name: str, inst: Instance, rules: Rules, peer: str, theirs: Any, mine: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {"instance": name, "units": inst.n, "peer": peer}
    labels, seconds = theirs
    peer_fig = judge(inst, labels, rules)
    k = peer_fig["clusters"]
    row |= {
        "count": k,
        "peer_valid": peer_fig["valid"],
        "peer_left_out": peer_fig["left_out"],
        "peer_pat_km": peer_fig["pat_km"],
        "peer_max_km": peer_fig["centre_max_km"],
        "peer_s": round(seconds, 2),
    }
    plabels, pseconds = mine
    if isinstance(plabels, str):
        row |= {"planner_valid": plabels, "planner_s": round(pseconds, 2)}
        return row
    me = judge(inst, plabels, rules)
    row |= {
        "planner_count": me["clusters"],
        "planner_valid": me["valid"],
        "planner_pat_km": me["pat_km"],
        "planner_max_km": me["centre_max_km"],
        "planner_s": round(pseconds, 2),
        "mean_below": round(1 - me["pat_km"] / peer_fig["pat_km"], 3)
        if peer_fig["pat_km"]
        else None,
        "max_below": round(1 - me["centre_max_km"] / peer_fig["centre_max_km"], 3)
        if peer_fig["centre_max_km"]
        else None,
    }
    return row


def _say(row: dict[str, Any]) -> None:
    keys = (
        "instance",
        "peer",
        "count",
        "peer_pat_km",
        "planner_pat_km",
        "mean_below",
        "peer_max_km",
        "planner_max_km",
        "max_below",
        "planner_valid",
    )
    print("  ".join(f"{k}={row.get(k, '')}" for k in keys), flush=True)


def _peer_rows(name, inst, threshold, args, home=None) -> tuple[dict[str, Any], list[dict]]:
    """Every peer on ``inst``: their plans by name, and rows for those that failed."""
    plans, failed = {}, []
    for peer in args.peers:
        status, labels, seconds = capped(
            peer_runner(peer, home), (inst, threshold, args.seed), args.cap
        )
        if status == "ok":
            plans[peer] = (labels, seconds)
            continue
        text = "timeout" if status == "timeout" else f"error: {labels}"
        row = {
            "instance": name,
            "units": inst.n,
            "peer": peer,
            "peer_valid": text,
            "peer_s": round(seconds, 1),
        }
        failed.append(row)
        _say(row)
    return plans, failed


def _count(labels: np.ndarray) -> int:
    return len(np.unique(labels[labels >= 0]))


def run_bench(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The benchmark's instances (``bench/instances.py``)."""
    rows: list[dict[str, Any]] = []
    which = set(args.instances.split(",")) & {"synthetic", "dk", "en"}
    if not which:
        return rows
    sizes = [int(s) for s in args.sizes.split(",") if s]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    dk = args.dk_regions.split(",") if args.dk_regions else None
    en = args.en_regions.split(",") if args.en_regions else None
    rules = Rules(min_patients=args.threshold)
    for case in cases(sizes, seeds, dk, en, which):
        inst = case.instance
        plans, failed = _peer_rows(case.name, inst, args.threshold, args)
        rows += failed
        counts = [_count(labels) for labels, _ in plans.values()]
        status, mine, seconds = capped(
            at_counts, (inst, args.threshold, args.seed, counts), args.planner_cap
        )
        if status != "ok":
            text = "timeout" if status == "timeout" else f"error: {mine}"
            mine = {n: (text, seconds) for n in counts} | {"maxp": (text, seconds)}
        rows.append(_own(case.name, inst, rules, mine["maxp"]))
        _say(rows[-1])
        for peer, theirs in plans.items():
            rows.append(_compare(case.name, inst, rules, peer, theirs, mine[_count(theirs[0])]))
            _say(rows[-1])
    return rows


def _own(name: str, inst: Instance, rules: Rules, maxp: Any) -> dict[str, Any]:
    """The planner's own max-p plan, for reference (its count, its distances)."""
    labels, seconds = maxp
    row: dict[str, Any] = {"instance": name, "units": inst.n, "peer": "(planner max-p)"}
    if isinstance(labels, str):
        return row | {"planner_valid": labels, "planner_s": round(seconds, 2)}
    me = judge(inst, labels, rules)
    return row | {
        "count": me["clusters"],
        "planner_count": me["clusters"],
        "planner_valid": me["valid"],
        "planner_pat_km": me["pat_km"],
        "planner_max_km": me["centre_max_km"],
        "planner_s": round(seconds, 2),
    }


def run_homes(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The home polygons (:data:`bench.home.HOMES`), through ``plan(..., clusters=N)``."""
    rows: list[dict[str, Any]] = []
    if "home" not in args.instances.split(","):
        return rows
    for home in HOMES:
        if args.homes and home.name not in args.homes.split(","):
            continue
        rules = Rules(min_patients=home.threshold)
        status, out, seconds = capped(planner_on, (home, args.seed), args.planner_cap)
        if status != "ok":
            print(f"{home.name}: the planner failed ({status}: {out})", file=sys.stderr)
            continue
        n = len(out["ids"])
        graph = Adjacency.from_edges(n, out["edges"])
        inst = Instance.from_arrays(graph, out["patients"], out["xy"])
        plans, failed = _peer_rows(home.name, inst, home.threshold, args, home)
        rows += failed
        counts = [_count(labels) for labels, _ in plans.values()]
        status, mine, seconds2 = capped(_home_counts, (home, args.seed, counts), args.planner_cap)
        if status != "ok":
            text = "timeout" if status == "timeout" else f"error: {mine}"
            mine = {k: (text, seconds2) for k in counts}
        rows.append(_own(home.name, inst, rules, (out["labels"], seconds)))
        _say(rows[-1])
        for peer, theirs in plans.items():
            rows.append(_compare(home.name, inst, rules, peer, theirs, mine[_count(theirs[0])]))
            _say(rows[-1])
    return rows


def verdicts(table: pd.DataFrame) -> list[str]:
    """The target per instance and peer: met, or not with the figures."""
    lines = []
    if "mean_below" not in table:
        return ["no comparison was made"]
    for _, r in table[table["peer"] != "(planner max-p)"].iterrows():
        below = r.get("mean_below")
        if below is None or pd.isna(below):
            why = r.get("planner_valid") if not pd.isna(r.get("planner_valid")) else None
            lines.append(
                f"{r['instance']} vs {r['peer']}: no comparison ({why or r['peer_valid']})"
            )
            continue
        ok = below >= TARGET and r["planner_valid"] == "yes"
        note = "" if r["peer_valid"] == "yes" else f" (the peer's plan is {r['peer_valid']})"
        if r["instance"] in HOME_NAMES:
            note += " (home polygons: not one of the target's instances)"
        lines.append(
            f"{r['instance']} vs {r['peer']} at {int(r['count'])}: mean {r['planner_pat_km']} vs "
            f"{r['peer_pat_km']} km ({below:+.1%} below), max {r['planner_max_km']} vs "
            f"{r['peer_max_km']} km ({r['max_below']:+.1%}): {'met' if ok else 'NOT MET'}{note}"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    """The command line."""
    p = argparse.ArgumentParser(
        prog="python -m bench.equal_count", description=__doc__.split("\n")[0]
    )
    p.add_argument("--instances", default="synthetic,dk,en,home", help="synthetic, dk, en, home")
    p.add_argument("--sizes", default="300,1000,3000", help="synthetic region sizes")
    p.add_argument("--seeds", default="0", help="synthetic region seeds")
    p.add_argument("--dk-regions", default="", help="e.g. hovedstaden,sjælland (default all)")
    p.add_argument("--en-regions", default="", help="e.g. london,midlands (default all)")
    p.add_argument("--homes", default="", help="home instances (default all of bench.home)")
    p.add_argument("--peers", default=",".join(PEERS), help=f"of {', '.join(PEERS)}")
    p.add_argument("--cap", type=float, default=60.0, help="seconds per peer run")
    p.add_argument(
        "--planner-cap",
        type=float,
        default=900.0,
        help="seconds for the planner's max-p solve and all its fixed counts",
    )
    p.add_argument("--seed", type=int, default=0, help="seed passed to every method")
    p.add_argument("--threshold", type=int, default=30_000, help="patients per cluster")
    p.add_argument("--out", type=Path, default=None, help="table file (default bench/results/)")
    args = p.parse_args(argv)
    peers = [s for s in args.peers.split(",") if s]
    for peer in peers:
        if peer not in PEERS:
            raise SystemExit(f"unknown peer {peer!r}; choose from {', '.join(PEERS)}")
    args.peers = [
        s
        for s in peers
        if peer_available(s) or print(f"skipping {s}: not installed", file=sys.stderr)
    ]
    started = time.perf_counter()
    table = pd.DataFrame(run_bench(args) + run_homes(args))
    table = table[[c for c in COLUMNS if c in table.columns]]
    text = markdown(table) + "\n\n" + "\n".join(f"- {v}" for v in verdicts(table))
    text += f"\n\ntotal {time.perf_counter() - started:.0f} s\n"
    write_results(text, table, "equal-count", args.out)


if __name__ == "__main__":
    main()
