"""A batch's index: ``index.csv`` and ``index.json`` (one row per part and scenario) and
``index.html`` (the overview map, the scenario comparison with small charts, the failures).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import geopandas as gpd
import pandas as pd

from planner.batch.runner import Batch
from planner.batch.tasks import INDEX_FIELDS, Outcome
from planner.output.atomic import atomic_write_bytes, atomic_write_text
from planner.output.tables import csv_bytes

__all__ = ["index_rows", "write_index"]


def index_rows(batch: Batch, outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    """One row per part and scenario (:data:`~planner.batch.tasks.INDEX_FIELDS`)."""
    return [o.row(batch.root) for o in outcomes]


def write_index(batch: Batch, outcomes: Sequence[Outcome]) -> list[Path]:
    """Write ``index.csv``, ``index.json`` and ``index.html`` into the batch folder."""
    rows = index_rows(batch, outcomes)
    frame = pd.DataFrame(rows, columns=list(INDEX_FIELDS))
    root = batch.root
    atomic_write_bytes(root / "index.csv", csv_bytes(frame))
    summary = {
        "by": batch.by,
        "parts": len(batch.parts),
        "scenarios": [s.name for s in batch.scenarios],
        "status": {k: int(v) for k, v in frame["status"].value_counts().items()},
        "rows": rows,
    }
    text = json.dumps(summary, indent=1, ensure_ascii=False, allow_nan=False, default=str)
    atomic_write_text(root / "index.json", text + "\n")
    atomic_write_text(root / "index.html", _page(batch, frame))
    return [root / "index.csv", root / "index.json", root / "index.html"]


def _e(value: Any) -> str:
    return html.escape("" if value is None or value != value else str(value))


def _href(path: Any) -> str | None:
    """A relative link, or None for a row without one (a failed or pending part)."""
    return quote(path) if isinstance(path, str) and path else None


def _spark(
    points: list[tuple[float, float]], title: str, width: int = 120, height: int = 34
) -> str:
    """A small line chart (x ascending); the first and last values labelled."""
    if len(points) < 2:
        return ""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    span_y = (y1 - y0) or 1.0

    def at(x: float, y: float) -> str:
        px = 4 + (width - 8) * (x - x0) / ((x1 - x0) or 1.0)
        py = height - 4 - (height - 8) * (y - y0) / span_y
        return f"{px:.1f},{py:.1f}"

    line = " ".join(at(x, y) for x, y in points)
    dots = "".join(f'<circle cx="{at(x, y).split(",")[0]}" cy="{at(x, y).split(",")[1]}" r="2"/>'
                   for x, y in points)  # fmt: skip
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(title)}"><title>{_e(title)}</title>'
        f'<polyline fill="none" stroke="#2b6cb0" stroke-width="1.5" points="{line}"/>'
        f'<g fill="#2b6cb0">{dots}</g></svg>'
    )


def _thresholds(batch: Batch) -> dict[str, int]:
    return {
        s.name: int(s.settings["min_patients"])
        for s in batch.scenarios
        if "min_patients" in s.settings
    }


def _comparison(batch: Batch, frame: pd.DataFrame) -> str:
    scenarios = [s.name for s in batch.scenarios]
    head = "".join(f"<th>{_e(s)}</th>" for s in scenarios)
    thresholds = _thresholds(batch)
    charts = len(set(thresholds.values())) > 1
    extra = (
        "<th>Clusters against the threshold</th><th>Mean km against the threshold</th>"
        if charts
        else ""
    )
    body = []
    for part in batch.parts:
        cells = []
        rows = frame[frame["part"] == part].set_index("scenario")
        for s in scenarios:
            if s not in rows.index:
                cells.append("<td></td>")
                continue
            r = rows.loc[s]
            if r["status"] in ("failed", "pending"):
                cells.append(f'<td class="bad">{_e(r["status"])}</td>')
                continue
            link = _href(r["map"])
            shown = f"{int(r['clusters'])} / {int(r['tight_bound'])}"
            shown = f'<a href="{_e(link)}">{shown}</a>' if link else shown
            note = f"<br><small>{float(r['mean_gp_km']):.1f} km</small>"
            cls = ' class="warn"' if r["status"] == "incomplete" else ""
            cells.append(f"<td{cls}>{shown}{note}</td>")
        spark = ""
        if charts:
            got = rows[rows["status"].isin(["planned", "incomplete"])]
            pts = sorted(
                ((float(thresholds[s]), got.loc[s]) for s in got.index if s in thresholds),
                key=lambda p: p[0],
            )
            counts = [(x, float(r["clusters"])) for x, r in pts]
            km = [(x, float(r["mean_gp_km"])) for x, r in pts]
            first = _spark(counts, f"{part}: clusters against the threshold")
            second = _spark(km, f"{part}: mean km against the threshold")
            spark = f"<td>{first}</td><td>{second}</td>"
        body.append(f"<tr><th>{_e(part)}</th>{''.join(cells)}{spark}</tr>")
    return (
        "<h2>Scenarios compared</h2><p>Each cell: clusters / tight bound, and the GP-weighted "
        "mean distance to the meeting clinic; a link opens the part's map.</p>"
        f'<div class="scroll"><table><thead><tr><th>Part</th>{head}{extra}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _failures(frame: pd.DataFrame) -> str:
    bad = frame[frame["status"].isin(["failed", "pending"])]
    if bad.empty:
        return "<h2>Failures</h2><p>Every part was planned.</p>"
    items = "".join(
        f"<li><b>{_e(r.part)}</b> ({_e(r.scenario)}, {_e(r.status)}): {_e(r.reason)}</li>"
        for r in bad.itertuples()
    )
    return f"<h2>Failures</h2><ul>{items}</ul>"


def _overview(batch: Batch, frame: pd.DataFrame) -> str:
    from planner.render.overview import overview_map

    first = batch.scenarios[0].name
    parts = []
    for row in frame[frame["scenario"] == first].itertuples():
        if not isinstance(row.folder, str) or not row.folder:
            continue
        path = batch.root / row.folder / "clusters.geojson"
        if path.is_file():
            clusters = gpd.read_file(path, columns=["cluster_id", "patients"])  # all it draws
            parts.append((str(row.part), clusters, _href(row.map)))
    fmap = overview_map(
        parts,
        words={"cluster": "Cluster", "open": "Open the part's map"},
        title=f"Batch overview: {len(batch.parts)} parts by {batch.by}",
    )
    return fmap.get_root().render()


_STYLE = """
body{font-family:system-ui,sans-serif;margin:0}
main{padding:0 16px 24px;max-width:1200px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:14px}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:right;vertical-align:top}
th:first-child{text-align:left}
td.bad{background:#fde2e2;text-align:center}td.warn{background:#fff4d6}
svg.spark{display:block}
"""


def _page(batch: Batch, frame: pd.DataFrame) -> str:
    counts = frame["status"].value_counts().to_dict()
    said = ", ".join(f"{int(v)} {k}" for k, v in sorted(counts.items()))
    main = (
        f"<main><h1>Batch: {len(batch.parts)} parts by {_e(batch.by)} x "
        f"{len(batch.scenarios)} scenario(s)</h1><p>{_e(said)}. Files: "
        '<a href="index.csv">index.csv</a>, <a href="index.json">index.json</a>. The map '
        f"shows scenario {_e(batch.scenarios[0].name)}.</p>"
        f"{_comparison(batch, frame)}{_failures(frame)}</main>"
    )
    page = _overview(batch, frame)
    page = page.replace("</head>", f"<style>{_STYLE}</style></head>", 1)
    return page.replace("</body>", f"{main}</body>", 1)
