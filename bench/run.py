"""Run the planner and its peers on the same instances and print one table.

Usage (from the repository root)::

    .venv/bin/python -m bench.run                      # everything, ~15 min
    .venv/bin/python -m bench.run --instances synthetic --sizes 300,1000 --methods planner
    .venv/bin/python -m bench.run --instances en --cap 30

See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from bench.instances import Case, cases
from bench.peers import METHODS, available, run_capped
from planner.core.rules import Rules
from planner.evaluate.checks import check_plan, compactness, splittable_clusters, tight_upper_bound

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_METHODS = "planner,spopt,geoda-greedy,geoda-sa,geoda-tabu"


def _row(case: Case, method: str, labels: np.ndarray, seconds: float, rules: Rules) -> dict:
    inst = case.instance
    problems = check_plan(inst.adjacency, labels, inst.patients, rules, inst.doctors)
    k = int(labels.max()) + 1 if (labels >= 0).any() else 0
    sizes = np.bincount(labels[labels >= 0], weights=inst.patients[labels >= 0], minlength=k)
    figs = compactness(labels, inst.xy, inst.patients, inst.doctors)
    big = sizes >= rules.min_patients
    return {
        "clusters": int(big.sum()) if method == "real PCNs" else k,
        "in_30_50k": round(float(np.mean((sizes >= rules.min_patients) & (sizes <= 50_000))), 3)
        if k
        else 0.0,
        "gp_km": round(figs["mean_gp_km"], 2),
        "max_km": round(figs["max_km"], 1),
        "pat_km": round(figs["mean_patient_km"], 2),
        "diam_km": round(figs["mean_diameter_km"], 1),
        "time_s": round(seconds, 2),
        "valid": "yes" if not problems else f"no ({len(problems)})",
        "splittable": len(splittable_clusters(inst.adjacency, labels, inst.patients, rules))
        if not problems
        else "",
        "left_out": int((labels < 0).sum()),
    }


def run(args: argparse.Namespace) -> pd.DataFrame:
    """Run every selected method on every selected case; return the table."""
    rules = Rules(min_patients=args.threshold)
    methods = [m for m in args.methods.split(",") if m]
    for m in methods:
        if m not in METHODS:
            raise SystemExit(f"unknown method {m!r}; choose from {', '.join(METHODS)}")
    skipped = [m for m in methods if not available(m)]
    for m in skipped:
        print(f"skipping {m}: its package ({METHODS[m][1]}) is not installed", file=sys.stderr)
    methods = [m for m in methods if m not in skipped]
    rows = []
    which = set(args.instances.split(","))
    sizes = [int(s) for s in args.sizes.split(",") if s]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    dk = args.dk_regions.split(",") if args.dk_regions else None
    en = args.en_regions.split(",") if args.en_regions else None
    for case in cases(sizes, seeds, dk, en, which):
        inst = case.instance
        bound = tight_upper_bound(inst.adjacency, inst.patients, rules, inst.doctors)
        base = {"instance": case.name, "clinics": inst.n, "bound": bound}
        for m in methods:
            status, labels, seconds = run_capped(m, inst, rules.min_patients, args.seed, args.cap)
            row = {**base, "method": m}
            if status == "ok":
                row |= _row(case, m, labels, seconds, rules)  # type: ignore[arg-type]
            else:
                row |= {"valid": status if status == "timeout" else f"error: {labels}"}
                row["time_s"] = round(seconds, 1)
            rows.append(row)
            print(_fmt_row(row), flush=True)
        if case.pcn is not None:
            row = {**base, "method": "real PCNs"} | _row(case, "real PCNs", case.pcn, 0.0, rules)
            rows.append(row)
            print(_fmt_row(row), flush=True)
    table = pd.DataFrame(rows)
    if "clusters" in table:
        table.insert(
            table.columns.get_loc("clusters") + 1,
            "share",
            (table["clusters"] / table["bound"]).round(3),
        )
    return table


def _fmt_row(row: dict) -> str:
    keys = ("instance", "method", "clusters", "bound", "gp_km", "diam_km", "time_s", "valid")
    return "  ".join(f"{k}={row.get(k, '')}" for k in keys)


def main(argv: list[str] | None = None) -> None:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument("--instances", default="synthetic,dk,en", help="synthetic, dk, en")
    p.add_argument("--sizes", default="300,1000,3000", help="synthetic region sizes")
    p.add_argument("--seeds", default="0", help="synthetic region seeds")
    p.add_argument("--dk-regions", default="", help="e.g. hovedstaden,sjælland (default all)")
    p.add_argument("--en-regions", default="", help="e.g. london,midlands (default all)")
    p.add_argument("--methods", default=DEFAULT_METHODS, help=f"of: {', '.join(METHODS)}")
    p.add_argument("--cap", type=float, default=60.0, help="seconds per run before giving up")
    p.add_argument("--seed", type=int, default=0, help="seed passed to every method")
    p.add_argument("--threshold", type=int, default=30_000, help="patients per cluster")
    p.add_argument("--out", type=Path, default=None, help="table file (default bench/results/)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    table = run(args)
    text = table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False)
    print()
    print(text)
    out = args.out or RESULTS / f"bench-{dt.datetime.now():%Y%m%d-%H%M%S}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    table.to_csv(out.with_suffix(".csv"), index=False)
    print(f"\nwritten to {out}")


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
