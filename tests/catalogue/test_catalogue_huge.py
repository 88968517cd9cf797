"""Huge broken files (issue 13): refused within seconds, in memory that does not grow.

A truncated multi-gigabyte CSV once took 57 s and 4.3 GB before its error.  These cases
put 50 MB behind the fault (``bench/huge_csv.py`` measures 2 GB) and bound the time and
the memory the planner allocates while refusing the file (``tracemalloc``: numpy's
buffers included).
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
from bad_inputs import HEADER, SECRET, no_traceback, run, snapshot, text_of

SIZE = 50 << 20
#: What refusing may allocate, whatever the file's size (the check reads 1 MiB blocks).
MEMORY = 32 << 20
#: Generous for a shared two-core machine; the refusals take well under a second alone.
SECONDS = 8.0
CLINIC = b"c00001,Some clinic name here,55.10000,10.20000,5000,3\n"
PATIENT = f"{SECRET},c00,1\n".encode()


def _fill(path: Path, head: bytes, line: bytes, tail: bytes = b"") -> None:
    block = line * ((1 << 20) // len(line) + 1)
    with path.open("wb") as fh:
        fh.write(head)
        for _ in range(SIZE // len(block)):
            fh.write(block)
        fh.write(tail)


CASES = {
    "clinics-open-quote-at-the-start": (
        "clinics",
        HEADER.encode() + b'\n"c0,A,55,10,5000,3\n',
        CLINIC,
        b"",
        ("row 2", "column 'clinic_id'", "never closed"),
    ),
    "clinics-one-cell-of-50-mb": (
        "clinics",
        HEADER.encode() + b"\nc0,",
        b"N" * 4096,
        b"",
        ("row 2", "column 'name'", "longer than 131,072 characters without a line end"),
    ),
    "clinics-cut-short-in-a-quote-at-the-end": (
        "clinics",
        HEADER.encode() + b"\n",
        CLINIC,
        b'c9,"Cut sho',
        ("column 'name'", "the file ends inside a quoted cell"),
    ),
    "patients-open-quote-at-the-start": (
        "patients",
        b'cpr,clinic_id,sikringsgruppe\n"' + PATIENT,
        PATIENT,
        b"",
        ("patients.csv", "row 2", "never closed"),
    ),
    "patients-cut-short-in-a-quote-at-the-end": (
        "patients",
        b"cpr,clinic_id,sikringsgruppe\n",
        PATIENT,
        f'{SECRET},"c0'.encode(),
        ("patients.csv", "column 'clinic_id'", "the file ends inside a quoted cell"),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_huge_broken_file_is_refused_soon_in_little_memory(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind, head, line, tail, says = CASES[name]
    (tmp_path / "in").mkdir()
    small = tmp_path / "in" / "clinics.csv"
    small.write_bytes(HEADER.encode() + b"\nc00,A,55,10,5000,3\n")
    big = tmp_path / "in" / f"{kind}.csv"
    _fill(big, head, line, tail)
    monkeypatch.chdir(tmp_path / "in")
    out = tmp_path / "plan"
    args = ["plan", str(big if kind == "clinics" else small), "--out", str(out), "-q"]
    if kind == "patients":
        args += ["--patients", str(big)]
    before = snapshot(tmp_path)
    tracemalloc.start()
    try:
        start = time.perf_counter()
        result = run(args)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    no_traceback(result)
    text = text_of(result)
    assert result.exit_code == 3, text
    assert all(s in text for s in says), text
    assert SECRET not in result.output
    assert seconds < SECONDS, f"{seconds:.1f} s"
    assert peak < MEMORY, f"{peak / 2**20:.0f} MiB allocated"
    assert snapshot(tmp_path) == before
