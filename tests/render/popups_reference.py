"""Tooltip and popup HTML of clusters, clinics and links, as the map wrote them in Python
before they were built on demand by the page's script (``planner/render/draw.py``).

The browser tests render every tooltip and popup of a map in Chromium and compare it,
text and marks, with these: the page shows what it always showed.
"""

from __future__ import annotations

import html
from typing import Any

from planner.core.i18n import fmt_int, fmt_num, label, status_label
from planner.core.profiles import DENMARK

__all__ = [
    "clinic_popup",
    "clinic_tip",
    "cluster_popup",
    "cluster_tip",
    "esc",
    "link_tip",
    "problem_tip",
]


def esc(value: Any) -> str:
    """HTML-escaped text of ``value`` (blank for missing values)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value))


def _table(rows: list[tuple[str, str]], *, bad: set[str] | None = None) -> str:
    bad = bad or set()
    marked = ' class="bad"'
    cells = "".join(
        f"<tr><td>{esc(k)}</td><td{marked if k in bad else ''}>{v}</td></tr>" for k, v in rows
    )
    return f"<table>{cells}</table>"


def _status_cell(status: str, lang: str) -> str:
    return esc(status_label(status, lang))


def cluster_tip(row: dict[str, Any], lang: str) -> str:
    """Short hover text of a cluster."""
    rows = [
        (label("patients", lang), fmt_int(row["patients"], lang)),
        (label("gps", lang), fmt_int(row["doctors"], lang)),
        (label("clinics", lang), fmt_int(row["clinics"], lang)),
        (label("status", lang), _status_cell(row["status"], lang)),
    ]
    bad = {label("status", lang)} if row["status"] != "ok" else set()
    head = f"<b>{label('cluster', lang)} {esc(row['cluster_id'])}</b>"
    return f'<div class="planner-tip">{head}{_table(rows, bad=bad)}</div>'


def cluster_popup(row: dict[str, Any], lang: str, crossing: str = "") -> str:
    """Everything about a cluster: figures, budget, meeting clinic, status."""
    kr, km = DENMARK.funding.symbol_in(lang), label("km", lang)
    rows = [
        (label("patients", lang), fmt_int(row["patients"], lang)),
        (label("gps", lang), fmt_int(row["doctors"], lang)),
        (label("clinics", lang), fmt_int(row["clinics"], lang)),
    ]
    if row.get("municipalities"):
        rows.append((label("municipalities", lang), esc(row["municipalities"])))
    rows += [
        (label("budget", lang), f"{fmt_int(row['budget_dkk'], lang)} {kr}"),
        (label("startup", lang), f"{fmt_int(row['startup_dkk'], lang)} {kr}"),
        (label("meeting_clinic", lang), esc(row["meeting_clinic"])),
    ]
    coordinator = row.get("coordinator_clinic")
    if coordinator and coordinator != row["meeting_clinic"]:
        rows.append((label("coordinator", lang), esc(coordinator)))
    rows += [
        (label("farthest", lang), f"{fmt_num(row['farthest_km'], lang)} {km}"),
        (label("status", lang), _status_cell(row["status"], lang)),
    ]
    bad = {label("status", lang)} if row["status"] != "ok" else set()
    if row.get("size_note"):
        rows.append((label("note", lang), esc(row["size_note"])))
    if crossing:
        rows.append((label("crossings", lang), esc(crossing)))
        bad.add(label("crossings", lang))
    head = f"<b>{label('cluster', lang)} {esc(row['cluster_id'])}</b>"
    members = row.get("members") or []
    listing = ""
    if members:
        items = "".join(f"<li>{esc(m)}</li>" for m in members)
        heading = esc(label("members", lang))
        listing = f'<div class="planner-members"><b>{heading}</b><ol>{items}</ol></div>'
    return f'<div class="planner-tip">{head}{_table(rows, bad=bad)}{listing}</div>'


def clinic_tip(row: dict[str, Any], lang: str) -> str:
    """Short hover text of a clinic."""
    cluster = row.get("cluster_id") or label("none", lang)
    rows = [
        (label("patients", lang), fmt_int(row["patients"], lang)),
        (label("gps", lang), fmt_int(row["doctors"], lang)),
        (label("cluster", lang), esc(cluster)),
    ]
    bad = set()
    if row["status"] != "clustered":
        rows.append((label("status", lang), _status_cell(row["status"], lang)))
        bad.add(label("status", lang))
    head = f"<b>{esc(row['name'])}</b> ({esc(row['clinic_id'])})"
    return f'<div class="planner-tip">{head}{_table(rows, bad=bad)}</div>'


def clinic_popup(row: dict[str, Any], lang: str, extra: dict[str, Any]) -> str:
    """Everything about a clinic, and a hint how to propose another cluster for it."""
    cluster = row.get("cluster_id") or label("none", lang)
    rows = [
        (label("clinic_id", lang), esc(row["clinic_id"])),
        (label("patients", lang), fmt_int(row["patients"], lang)),
        (label("gps", lang), fmt_int(row["doctors"], lang)),
    ]
    for key in ("municipality", "region"):
        if row.get(key):
            rows.append((label(key, lang), esc(row[key])))
    rows.append((label("proposed_cluster", lang), esc(cluster)))
    bad = set()
    if extra.get("current") is not None:
        rows.append((label("current_cluster", lang), esc(extra["current"])))
        if extra.get("moves"):
            bad.add(label("current_cluster", lang))
    rows.append((label("status", lang), _status_cell(row["status"], lang)))
    if row["status"] != "clustered":
        bad.add(label("status", lang))
        rows.append((label("reason", lang), esc(row.get("reason"))))
    head = f"<b>{esc(row['name'])}</b>"
    hint = f"<div><i>{esc(label('feedback_propose', lang))} \u2199</i></div>"
    return f'<div class="planner-tip">{head}{_table(rows, bad=bad)}{hint}</div>'


def link_tip(row: dict[str, Any], lang: str) -> str:
    """Hover text of a link across water."""
    return esc(
        label(
            "link_tip",
            lang,
            kind=row.get("kind", ""),
            a=row.get("clinic_a", ""),
            b=row.get("clinic_b", ""),
            km=fmt_num(row.get("distance_km", 0.0), lang),
        )
    )


def problem_tip(row: dict[str, Any], crossing: str, lang: str) -> str:
    """Hover text of a problem outline."""
    parts = [f"<b>{label('cluster', lang)} {esc(row['cluster_id'])}</b>"]
    if row["status"] != "ok":
        parts.append(f"{label('status', lang)}: {_status_cell(row['status'], lang)}")
    if crossing:
        parts.append(f"{label('crossings', lang)}: {esc(crossing)}")
    return "<br>".join(parts)
