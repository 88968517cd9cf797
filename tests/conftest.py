"""Shared fixtures: small hand-made instances and the path to the real data."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.core.adjacency import Adjacency
from planner.solve import Instance

REPO = Path(__file__).resolve().parents[1]
#: The public data sets live beside the repository, never inside it.
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """Path into ../shared/data, skipping the test with a clear reason when absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not found at {path} (the shared data folder sits beside the repo)")
    return path


#: Corner and spacing (degrees) of the lat/lon grids of clinics the tests build.
LAT0, LON0, DLAT, DLON = 55.0, 10.0, 0.01, 0.016


def grid(rows=6, cols=6, patients=5_000, doctors=3, area=None, prefix="c"):
    """Clinic r*cols+c at a lat/lon grid point; ``area(r, c)`` gives extra columns."""
    out = []
    for r in range(rows):
        for c in range(cols):
            row = {
                "clinic_id": f"{prefix}{r * cols + c:03d}",
                "name": f"Clinic {r},{c}",
                "lat": LAT0 + r * DLAT,
                "lon": LON0 + c * DLON,
                "patients": patients,
                "doctors": doctors,
            }
            row.update(area(r, c) if area else {})
            out.append(row)
    return pd.DataFrame(out)


def cluster_of(result):
    return result.clinics.set_index("clinic_id")["cluster_id"]


def island_table(far: str = "far") -> pd.DataFrame:
    """Four clinics (65,000 patients: two clusters) and one far away on an island."""
    return pd.DataFrame(
        {
            "clinic_id": ["a", "b", "c", "d", far],
            "name": ["A", "B", "C", "D", far.title()],
            "lat": [55.0, 55.0, 55.01, 55.01, 56.5],
            "lon": [10.0, 10.01, 10.0, 10.01, 12.5],
            "patients": [20_000, 15_000, 18_000, 12_000, 3_000],
            "doctors": [10, 8, 9, 6, 2],
        }
    )


def grid_instance(rows: int, cols: int, patients: int | np.ndarray, spacing: float = 1_000.0):
    """A rook-contiguity grid: clinic r*cols+c at (c, r) * spacing."""
    edges = []
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            if c + 1 < cols:
                edges.append((i, i + 1))
            if r + 1 < rows:
                edges.append((i, i + cols))
    n = rows * cols
    xy = np.array([(c * spacing, r * spacing) for r in range(rows) for c in range(cols)], float)
    sizes = np.broadcast_to(np.asarray(patients), (n,)).astype(np.int64)
    return Instance.from_arrays(Adjacency.from_edges(n, edges), sizes, xy)


@pytest.fixture
def make_grid():
    return grid_instance


# --- headless Chromium, for the tests that open a page as a reviewer would ---

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str:
    for path in (os.environ.get("PLANNER_CHROMIUM"), *CHROMIUM_PATHS, shutil.which("chromium")):
        if path and Path(path).is_file() and os.access(path, os.X_OK):
            return path
    message = "Debian's chromium is not installed (run scripts/install-browser.sh as root)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser test: {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_path()


def run_page(
    chromium: str,
    page: Path,
    shot: Path | None = None,
    *,
    size: tuple[int, int] = (1200, 900),
    fragment: str = "",
) -> tuple[str, str]:
    """Open ``page`` offline; return the DOM after its scripts ran, and Chromium's log."""
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            f"--window-size={size[0]},{size[1]}",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ]
        if shot is not None:
            cmd.append(f"--screenshot={shot}")
        done = subprocess.run(
            [*cmd, page.resolve().as_uri() + fragment],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


def dom_attr(dom: str, name: str) -> str | None:
    found = re.search(rf'<html[^>]*\s{name}="([^"]*)"', dom)
    return html.unescape(found.group(1)) if found else None


def js_errors(log: str) -> list[str]:
    return [
        line
        for line in log.splitlines()
        if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)
    ]
