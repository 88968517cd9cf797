"""How big the review map is, and how soon it is usable in headless Chromium (issue 12).

    .venv/bin/python -m bench.map_size [--runs 3] [--keep DIR] [--shots DIR]
        [--only demo,england,synthetic]

For the demo region, the English practices (skipped with a message when ``../shared/data``
is absent) and 10,000 synthetic clinics, a plan is made with ``planner plan`` and its
``map.html`` is measured: its size in MB (10^6 bytes, and MiB) and its time to interactive,
the median over ``--runs`` loads of the time from navigation start until the map's own
script has run (``data-planner-ready`` on ``<html>``: the Leaflet map, its layers, search
and proposal panel are set up) and two animation frames have passed (the clinic layer's
canvas is drawn).  Chromium runs headless at 1280x720, offline, driven through the DevTools
protocol over a pipe (``--remote-debugging-pipe``); no other package is needed.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import json
import math
import os
import select
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from bench.fingerprint import english_args
from bench.instances import ENGLAND
from planner.cli import app
from planner.solve.synthetic import danish_like

CHROMIUM = os.environ.get("PLANNER_CHROMIUM", "/usr/bin/chromium")
SIZE = (1280, 720)
#: Set up on every new document: the time the map is ready and its canvas drawn.
_PROBE = """
(function () {
  function stamp() {
    requestAnimationFrame(function () { requestAnimationFrame(function () {
      window.__plannerTTI = performance.now();
    }); });
  }
  new MutationObserver(function (_m, obs) {
    var root = document.documentElement;
    if (root && root.hasAttribute("data-planner-ready")) { obs.disconnect(); stamp(); }
  }).observe(document, { attributes: true, subtree: true,
                         attributeFilter: ["data-planner-ready"] });
})();
"""


class Browser:
    """Headless Chromium spoken to over ``--remote-debugging-pipe`` (fds 3 and 4)."""

    def __init__(self, chromium: str = CHROMIUM) -> None:
        to_child, self._out = os.pipe()  # we write, Chromium reads on fd 3
        self._in, from_child = os.pipe()  # Chromium writes on fd 4, we read
        self._profile = tempfile.TemporaryDirectory()
        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={self._profile.name}", f"--window-size={SIZE[0]},{SIZE[1]}",
            "--remote-debugging-pipe", "about:blank",
        ]  # fmt: skip

        def fds() -> None:  # in the child: the pipe's ends on fds 3 and 4, whatever they were
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child, from_child)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self._proc = subprocess.Popen(
            [chromium, *flags],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=fds,
            close_fds=False,
        )
        os.close(to_child)
        os.close(from_child)
        self._buf = b""
        self._next = 0
        self._events: list[dict[str, Any]] = []

    def _read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buf += chunk
        message, self._buf = self._buf.split(b"\0", 1)
        return dict(json.loads(message))

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read(60.0)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self._events.append(reply)

    def wait_event(self, method: str, timeout: float = 60.0) -> dict[str, Any]:
        for i, event in enumerate(self._events):
            if event.get("method") == method:
                return self._events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            event = self._read(max(deadline - time.monotonic(), 0.001))
            if event.get("method") == method:
                return event
            self._events.append(event)

    def time_to_interactive(
        self, page: Path, shot: Path | None = None, fragment: str = ""
    ) -> dict[str, float | str | None]:
        """Open ``page`` in a fresh tab; milliseconds to interactive and to the load event.

        With ``shot``, a screenshot of the viewport is saved there once the map is drawn.
        """
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        try:
            self.send("Page.enable", session=session)
            self.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": SIZE[0], "height": SIZE[1], "deviceScaleFactor": 1, "mobile": False},
                session,
            )
            self.send("Page.addScriptToEvaluateOnNewDocument", {"source": _PROBE}, session)
            self._events.clear()
            self.send("Page.navigate", {"url": page.resolve().as_uri() + fragment}, session)
            self.wait_event("Page.loadEventFired")
            probe = (
                "new Promise(function (done) { (function poll() {"
                " if (window.__plannerTTI) { done(JSON.stringify({tti: window.__plannerTTI,"
                " load: performance.getEntriesByType('navigation')[0].loadEventEnd,"
                " errors: document.documentElement.getAttribute('data-planner-errors')})); }"
                " else { setTimeout(poll, 5); } })(); })"
            )
            answer = self.send(
                "Runtime.evaluate",
                {"expression": probe, "awaitPromise": True, "returnByValue": True},
                session,
            )
            if shot is not None:
                time.sleep(0.5)  # the names placed and any tile request given up
                png = self.send("Page.captureScreenshot", {"format": "png"}, session)["data"]
                shot.write_bytes(base64.b64decode(png))
            return dict(json.loads(answer["result"]["value"]))
        finally:
            self.send("Target.closeTarget", {"targetId": target})

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close")
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._in)
        os.close(self._out)
        self._profile.cleanup()


def _plan(args: list[str], out: Path) -> Path:
    done = CliRunner().invoke(app, ["plan", *args, "--out", str(out), "--quiet"])
    if done.exit_code not in (0, 4):
        raise RuntimeError(f"planner plan failed ({done.exit_code}): {done.output}")
    return out / "map.html"


def _england(tmp: Path) -> list[str] | None:
    """The English practices with a patient count, as the fingerprint plans them."""
    return english_args(tmp) if ENGLAND.exists() else None


def _synthetic(tmp: Path, n: int = 10_000, seed: int = 0) -> list[str]:
    """``n`` Danish-like clinics (``planner.solve.synthetic.danish_like``) placed near 56 N."""
    inst = danish_like(n, seed)
    lat0, lon0 = 54.0, 6.0
    lat = lat0 + inst.xy[:, 1] / 110_574.0
    lon = lon0 + inst.xy[:, 0] / (111_320.0 * math.cos(math.radians(lat0 + 2.0)))
    table = pd.DataFrame(
        {
            "clinic_id": [f"S{i:05d}" for i in range(n)],
            "name": [f"Lægehuset {i}" for i in range(n)],
            "lat": np.round(lat, 6),
            "lon": np.round(lon, 6),
            "patients": inst.patients,
            "doctors": inst.doctors,
        }
    )
    path = tmp / f"synthetic_{n}.csv"
    table.to_csv(path, index=False)
    return [str(path)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="page loads per map (median)")
    parser.add_argument("--keep", type=Path, help="keep the plan folders under this folder")
    parser.add_argument("--only", default="demo,england,synthetic", help="which maps")
    parser.add_argument("--shots", type=Path, help="save a 1280x720 screenshot of each map here")
    args = parser.parse_args(argv)
    wanted = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        root = args.keep or tmp
        cases: list[tuple[str, list[str] | None]] = []
        if "demo" in wanted:
            cases.append(("demo", []))
        if "england" in wanted:
            cases.append(("england", _england(tmp)))
        if "synthetic" in wanted:
            cases.append(("synthetic-10000", _synthetic(tmp)))
        browser = Browser() if Path(CHROMIUM).exists() else None
        if browser is None:
            print(f"no Chromium at {CHROMIUM}: sizes only")
        print(f"{'map':<16} {'clinics':>8} {'MB':>7} {'MiB':>7} {'TTI ms':>8} {'load ms':>8}")
        try:
            for name, plan_args in cases:
                if plan_args is None:
                    print(f"{name:<16} skipped: {ENGLAND} not found (../shared/data absent)")
                    continue
                page = _plan(plan_args, root / name)
                clinics = len(pd.read_csv(page.parent / "assignments.csv", dtype=str))
                size = page.stat().st_size
                tti = load = "-"
                if browser is not None:
                    runs = [browser.time_to_interactive(page) for _ in range(args.runs)]
                    if args.shots:
                        args.shots.mkdir(parents=True, exist_ok=True)
                        browser.time_to_interactive(page, args.shots / f"{name}.png")
                    errors = {r["errors"] for r in runs if r["errors"]}
                    if errors:
                        print(f"{name}: script errors {errors}")
                    tti = f"{statistics.median(float(r['tti'] or 0) for r in runs):.0f}"
                    load = f"{statistics.median(float(r['load'] or 0) for r in runs):.0f}"
                print(
                    f"{name:<16} {clinics:>8,} {size / 1e6:>7.2f} {size / 2**20:>7.2f}"
                    f" {tti:>8} {load:>8}"
                )
        finally:
            if browser is not None:
                browser.close()


if __name__ == "__main__":
    main()
