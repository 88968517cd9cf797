"""What the catalogue of bad inputs shares: small files, one run of ``planner plan``, and the
check that a refused run changed nothing.

Every case runs in a fresh folder laid out as::

    tmp/in/      the inputs (clinics.csv and whatever the case adds)
    tmp/plan/    the previous plan (a real plan folder): the default --out
    tmp/work/    the working directory, holding a note of the user's

A refused run must leave all of ``tmp`` byte-identical: the previous plan, the inputs, the
working directory, and no hidden temporary folder or lock beside any of them.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from planner.cli.app import app

HEADER = "clinic_id,name,lat,lon,patients,doctors"
#: A number no output may repeat: stands for a CPR number in a patient list.
SECRET = "0101701234"

runner = CliRunner()


def rows(n: int = 6, patients: str = "5000") -> list[str]:
    """``n`` clinics on a small grid in Denmark, 5,000 patients each (two make a cluster)."""
    return [
        f"c{i:02d},Clinic {i},{55 + 0.01 * (i % 3):.3f},{10 + 0.016 * (i // 3):.3f},{patients},3"
        for i in range(n)
    ]


def csv_text(*lines: str, nl: str = "\n") -> str:
    return nl.join(lines) + nl


def clinics(*extra: str, header: str = HEADER, n: int = 6) -> bytes:
    """The standard clinics file, with ``extra`` rows after the good ones (file row 8 on)."""
    return csv_text(header, *rows(n), *extra).encode("utf-8")


def with_bad(row: str) -> bytes:
    """Five good clinics and then ``row`` (file row 7)."""
    return csv_text(HEADER, *rows(5), row).encode("utf-8")


GOOD = clinics()


def geojson(features: list[dict[str, object]]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8")


def point_feature(lon: float, lat: float, clinic_id: str = "a", **props: object) -> dict:
    properties = {"clinic_id": clinic_id, "name": clinic_id.upper(), "patients": 5000}
    properties |= {"doctors": 3, **props}
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def square(x0: float, y0: float, x1: float, y1: float, **props: object) -> dict:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


#: Land around the standard clinics.
LAND = geojson([square(9.5, 54.5, 10.5, 55.5, name="land")])

Files = Mapping[str, bytes | Callable[[Path], None]]


@dataclass(frozen=True)
class Case:
    """One class of bad input: its files, the flags, and what the planner must answer.

    ``files`` maps a path under ``tmp`` to its bytes (or a function writing it);
    ``clinics/in/clinics.csv`` holds :data:`GOOD` unless given.  ``args`` follow
    ``plan <clinics> --out <out> -q --no-map --min-patients 10000`` (``{tmp}``, ``{in}`` and
    ``{out}`` are filled in); ``clinics=None`` gives no clinics argument and ``out=None`` no
    ``--out``.  ``says`` must all appear in the message (whitespace folded), ``never`` none.
    """

    id: str
    code: int
    says: tuple[str, ...]
    files: Files = field(default_factory=dict)
    args: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    clinics: str | None = "{in}/clinics.csv"
    out: str | None = "{out}"
    quiet: bool = True
    xfail: str | None = None


def fill(text: str, tmp: Path) -> str:
    return text.format(tmp=tmp, **{"in": tmp / "in", "out": tmp / "plan"})


def lay_out(tmp: Path, files: Files, previous_plan: Path) -> None:
    """The folder of a case: inputs, the previous plan, the working directory."""
    (tmp / "in").mkdir()
    (tmp / "work").mkdir()
    (tmp / "work" / "notes.txt").write_text("my notes\n", encoding="utf-8")
    shutil.copytree(previous_plan, tmp / "plan")
    everything: dict[str, bytes | Callable[[Path], None]] = {"in/clinics.csv": GOOD, **files}
    for name, content in everything.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        else:
            path.write_bytes(content)


def snapshot(folder: Path) -> dict[str, tuple[int, bytes | str]]:
    """Every entry under ``folder``: its mode and content (a link's target, b'' for folders)."""
    found: dict[str, tuple[int, bytes | str]] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            info = path.lstat()
            if path.is_symlink():
                content: bytes | str = os.readlink(path)
            elif path.is_dir():
                content = b""
            else:
                content = path.read_bytes()
            found[str(path.relative_to(folder))] = (info.st_mode, content)
    return found


def command(case: Case, tmp: Path) -> list[str]:
    args = ["plan"]
    if case.clinics is not None:
        args.append(fill(case.clinics, tmp))
    if case.out is not None:
        args += ["--out", fill(case.out, tmp)]
    if case.quiet:
        args.append("-q")
    args += ["--no-map", "--min-patients", "10000"]
    return args + [fill(a, tmp) for a in case.args]


def run(args: list[str]) -> Result:
    return runner.invoke(app, args)


def text_of(result: Result) -> str:
    """The run's whole output, whitespace folded (messages may wrap)."""
    return " ".join(result.output.split())


def no_traceback(result: Result) -> None:
    """The run ended by its own exit code, not by an exception."""
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), (
        f"{type(exc).__name__}: {exc}\n{result.output}"
    )
