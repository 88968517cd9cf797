"""How long validation takes, and how much memory, on a large clinic file (issue 13's target:
100,000 clinics pass or fail within 30 s and 2 GB).

    .venv/bin/python -m bench.validate_scale [--clinics 100000] [--bad-every 7]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from planner.core.errors import ValidationError
from planner.load.readers import read_table
from planner.load.validate import validate_clinics


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "clinic_id": [f"C{i:06d}" for i in range(n)],
            "name": [f"Clinic {i}" for i in range(n)],
            "lat": rng.uniform(54.5, 57.5, n).round(5).astype(str),
            "lon": rng.uniform(8.0, 12.5, n).round(5).astype(str),
            "patients": rng.integers(1_000, 20_000, n).astype(str),
            "doctors": rng.integers(1, 10, n).astype(str),
        }
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clinics", type=int, default=100_000)
    parser.add_argument("--bad-every", type=int, default=7, help="every k-th row is broken")
    args = parser.parse_args(argv)
    table = _table(args.clinics, 0)
    broken = table.copy()
    broken.loc[:: args.bad_every, "patients"] = "many"
    with tempfile.TemporaryDirectory() as tmp:
        for label, frame in (("valid", table), ("broken", broken)):
            path = Path(tmp) / f"{label}.csv"
            frame.to_csv(path, index=False)
            start = time.perf_counter()
            try:
                n = len(validate_clinics(read_table(path)))
                outcome = f"{n:,} clinics valid"
            except ValidationError as exc:
                outcome = f"{len(exc.problems):,} problems reported"
            seconds = time.perf_counter() - start
            print(f"{label:>6}: {outcome} in {seconds:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
