"""Fingerprints of plans, to show a refactor changes no plan: the ``clinic_id, cluster_id``
rows of fixed runs (the demo, the Danish and English sets) hashed, saved once, compared after.

    .venv/bin/python -m bench.fingerprint --save before.txt    # on the old code
    .venv/bin/python -m bench.fingerprint --check before.txt   # on the new: exit 1 if any differs

The real data sets are read from ``../shared/data``; cases whose data is absent are skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from bench.instances import DATA, DENMARK, DENMARK_LAND, ENGLAND
from planner.cli import app

_DK = [str(DENMARK), "--land", str(DENMARK_LAND)]
_GP = ["--min-doctors", "20", "--max-patients", "50000"]
#: name -> (arguments of ``planner plan`` before ``--out``, the data it needs).
CASES: dict[str, tuple[list[str], list[Path]]] = {
    "demo": ([], []),
    "dk-s1": ([*_DK, "--seed", "1"], [DENMARK, DENMARK_LAND]),
    "dk-s2": ([*_DK, "--seed", "2"], [DENMARK, DENMARK_LAND]),
    "dk-gp-s1": ([*_DK, "--seed", "1", *_GP], [DENMARK, DENMARK_LAND]),
    "dk-gp-s2": ([*_DK, "--seed", "2", *_GP], [DENMARK, DENMARK_LAND]),
}


def english_args(tmp: Path) -> list[str]:
    """The English practices with a patient count (4 have none), GPs estimated."""
    table = pd.read_csv(ENGLAND, dtype=str, keep_default_na=False)
    path = tmp / "england.csv"
    table[table["patients_jan2021"].str.strip() != ""].to_csv(path, index=False)
    return [
        str(path), "--id-col", "practice_code", "--name-col", "practice_name",
        "--patients-col", "patients_jan2021", "--patients-per-gp", "1800",
    ]  # fmt: skip


def plan_hash(assignments: Path) -> str:
    """sha256 of the plan itself (``clinic_id,cluster_id`` rows), whatever the CSV's quoting."""
    table = pd.read_csv(assignments, dtype=str, keep_default_na=False)
    text = "\n".join(
        f"{a},{b}" for a, b in zip(table["clinic_id"], table["cluster_id"], strict=True)
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprints() -> dict[str, str]:
    """``case -> sha256 of assignments.csv`` for every case whose data is present."""
    runner = CliRunner()
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cases = dict(CASES)
        if ENGLAND.exists():
            cases["en"] = (english_args(tmp), [])
        for name, (args, needs) in cases.items():
            if any(not p.exists() for p in needs):
                print(f"skipping {name}: its data is not in {DATA}", file=sys.stderr)
                continue
            target = tmp / name
            run = runner.invoke(app, ["plan", *args, "--out", str(target), "--quiet", "--no-map"])
            if run.exit_code not in (0, 4):
                raise SystemExit(f"{name}: planner plan exited {run.exit_code}: {run.output}")
            out[name] = plan_hash(target / "assignments.csv")
            print(f"{name} {out[name][:16]}", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the fingerprints to this file")
    group.add_argument("--check", type=Path, help="compare with fingerprints saved before")
    args = parser.parse_args(argv)
    found = fingerprints()
    if args.save:
        args.save.write_text("".join(f"{k} {v}\n" for k, v in found.items()), encoding="utf-8")
        return
    saved = dict(line.split() for line in args.check.read_text(encoding="utf-8").splitlines())
    differ = [k for k in saved if k in found and saved[k] != found[k]]
    for name in saved:
        state = "missing" if name not in found else ("DIFFERS" if name in differ else "same")
        print(f"{name}: {state}")
    raise SystemExit(1 if differ else 0)


if __name__ == "__main__":
    main()
