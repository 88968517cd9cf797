"""How fast, and in how much memory, a huge broken CSV is refused (issue 13: a truncated
multi-gigabyte CSV took 57 s and 4.3 GB before its error).

    .venv/bin/python -m bench.huge_csv [--gb 2] [--only NAME,...] [--keep DIR]

Each case writes a file of ``--gb`` gigabytes (2**30 bytes) into a temporary folder and runs
``planner plan`` on it in a fresh process, timing it and reading its peak resident memory
from the kernel (``wait4``).  The cases: a clinic table with an unterminated quote at the
start, one whose second line is a single cell of the whole size, one cut short inside a
quoted cell at the very end (the whole file must be read to see it), a patient list with an
unterminated quote at the start, and one cut short at the end.  ``baseline`` is the same
command on a tiny broken file (starting Python and importing the planner), and
``check-valid`` the record check alone on a valid patient list of the same size, quoted
and not (what every run on a big patient list pays).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HEADER = b"clinic_id,name,lat,lon,patients,doctors\n"
PATIENTS = b"cpr,clinic_id,sikringsgruppe\n"
CLINIC = b"c00001,Some clinic name here,55.10000,10.20000,5000,3\n"
PATIENT = b"0101701234,c00,1\n"
QUOTED_PATIENT = b'"0101701234","c00","1"\n'


def _fill(path: Path, head: bytes, line: bytes, size: int, tail: bytes = b"") -> None:
    """``head``, whole ``line``s up to about ``size`` bytes, then ``tail``; on disk before
    the run starts (so that the run does not wait for the writing to finish)."""
    per = (1 << 20) // len(line) + 1
    block = line * per
    with path.open("wb") as fh:
        fh.write(head)
        left = (size - len(head) - len(tail)) // len(line)
        while left > 0:
            fh.write(block if left >= per else line * left)
            left -= per
        fh.write(tail)
        fh.flush()
        os.fsync(fh.fileno())


def _clinics(path: Path) -> list[str]:
    small = path.with_name("clinics_small.csv")
    small.write_bytes(HEADER + b"c00,A,55,10,5000,3\n")
    return [str(small), "--patients", str(path)]


CASES: dict[str, tuple[Callable[[Path, int], None], str]] = {
    "clinics-open-quote-at-start": (
        lambda p, n: _fill(p, HEADER + b'"c0,A,55,10,5000,3\n', CLINIC, n),
        "clinics",
    ),
    "clinics-one-huge-cell": (lambda p, n: _fill(p, HEADER + b"c0,", b"A" * 4096, n), "clinics"),
    "clinics-cut-in-a-quote-at-end": (
        lambda p, n: _fill(p, HEADER, CLINIC, n, b'c9,"Cut sho'),
        "clinics",
    ),
    "patients-open-quote-at-start": (
        lambda p, n: _fill(p, PATIENTS + b'"0101701234,c00,1\n', PATIENT, n),
        "patients",
    ),
    "patients-cut-in-a-quote-at-end": (
        lambda p, n: _fill(p, PATIENTS, PATIENT, n, b'0101701234,"c0'),
        "patients",
    ),
}


def _run(args: list[str]) -> tuple[float, float, int, str]:
    """Seconds, peak MB, exit code and the last line of stderr of ``planner`` with args."""
    code = "from planner.cli import main; main()"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [line.strip() for line in err.splitlines() if line.strip()]
    return seconds, usage.ru_maxrss / 1024, proc.returncode, (lines[-1] if lines else "")


def _check_valid(path: Path, quoted: bool, size: int) -> tuple[float, float]:
    _fill(path, PATIENTS, QUOTED_PATIENT if quoted else PATIENT, size)
    code = (
        "import sys, time; from pathlib import Path;"
        "from planner.load.records import check_records;"
        "t = time.perf_counter(); check_records(Path(sys.argv[1]), 'utf-8', ',');"
        "print(time.perf_counter() - t)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    seconds = float(proc.stdout.read())
    _, _, usage = os.wait4(proc.pid, 0)
    path.unlink()
    return seconds, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=2.0, help="size of each file (GiB)")
    parser.add_argument("--only", default="", help="comma-separated case names")
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    args = parser.parse_args(argv)
    size = int(args.gb * (1 << 30))
    wanted = [c for c in args.only.split(",") if c] or [*CASES, "check-valid"]
    with tempfile.TemporaryDirectory(dir=args.keep) as tmp:
        folder = Path(args.keep or tmp)
        tiny = folder / "tiny.csv"
        tiny.write_bytes(HEADER + b'"c0,A,55,10,5000,3\n')
        seconds, peak, code, _ = _run(["plan", str(tiny), "--out", str(folder / "out"), "-q"])
        print(f"{'baseline (tiny broken file)':<34} {seconds:6.2f} s {peak:7.0f} MB  exit {code}")
        for name, (write, kind) in CASES.items():
            if name not in wanted:
                continue
            path = folder / f"{name}.csv"
            write(path, size)
            target = [str(path)] if kind == "clinics" else _clinics(path)
            seconds, peak, code, last = _run(["plan", *target, "--out", str(folder / "out")])
            print(f"{name:<34} {seconds:6.2f} s {peak:7.0f} MB  exit {code}  {last[:90]}")
            if args.keep is None:
                path.unlink()
        if "check-valid" in wanted:
            for quoted in (False, True):
                seconds, peak = _check_valid(folder / "valid.csv", quoted, size)
                label = f"check-valid ({'quoted' if quoted else 'plain'} patient list)"
                print(f"{label:<34} {seconds:6.2f} s {peak:7.0f} MB  (the check alone)")
    print(f"files of {size / (1 << 30):g} GiB ({size:,} bytes)")


if __name__ == "__main__":
    main()
