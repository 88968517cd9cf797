"""Printable HTML reports: the plan's clusters beside the map, and a comparison of two plans.

Plain HTML with inline CSS and a few lines of inline JavaScript to sort tables; nothing is
fetched.  Only counts per clinic and per cluster appear, never a patient-level record.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import pandas as pd

from planner.core.i18n import check_lang, fmt_int, fmt_num, label, link_key, status_label
from planner.core.reasons import localise_result
from planner.evaluate.compare import PlanDiff
from planner.output.charts import bound_chart, distance_chart, size_chart
from planner.output.pictures import cluster_pictures
from planner.output.svg import word
from planner.result.plan_result import PlanResult
from planner.result.schema import crossing_flags

__all__ = ["Column", "diff_html", "report_html", "table_html"]

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222;
  padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.meta { color: #555; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
.wide { overflow-x: auto; max-width: 100%; }
td { overflow-wrap: break-word; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.sortable th { cursor: pointer; user-select: none; background: #f4f4f4; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
tfoot td { font-weight: 600; border-top: 2px solid #999; }
.bad { color: #b00020; font-weight: 600; }
table.totals { width: auto; } table.totals td:first-child { padding-right: 2em; }
.hint { color: #666; font-size: .9em; }
.duo { display: flex; flex-wrap: wrap; gap: 1em 3em; align-items: flex-start; }
.duo svg.bound { flex: 1 1 360px; }
svg.chart { display: block; width: 100%; height: auto; max-width: 100%; margin: .8em 0; }
svg.bound { max-width: 560px; margin: 0; }
svg text { font: 12px system-ui, sans-serif; fill: #333; }
svg .ttl { font-size: 14px; font-weight: 600; } svg .tk { fill: #555; } svg .nm { font-size: 11px; }
svg .grid { stroke: #e8e8e8; } svg .axis { stroke: #666; }
svg .ref line { stroke: #222; stroke-width: 1.5; stroke-dasharray: 6 4; }
svg .ref text { font-weight: 600; } svg .ceiling line { stroke: #e08214; }
.pics { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 10px; }
figure.pic { margin: 0; border: 1px solid #ddd; padding: 4px; break-inside: avoid; }
figure.pic figcaption { font-size: .85em; overflow-wrap: anywhere; padding: 2px 2px 0; }
svg.pic { display: block; width: 100%; height: auto; background: #fafcff; }
svg.pic .nb { fill: #ececec; stroke: #b8b8b8; stroke-width: .6; fill-rule: evenodd; }
svg.pic .me { fill-opacity: .45; stroke: #333; stroke-width: 1.2; fill-rule: evenodd;
  stroke-linejoin: round; }
svg.pic .cl { fill: none; stroke: #222; stroke-width: 4; stroke-linecap: round; }
svg.pic .mt { fill: #fff; stroke: #222; stroke-width: 1.6; }
svg.pic .id { font-size: 13px; font-weight: 700; }
svg.pic .nbid { font-size: 9px; fill: #777; text-anchor: middle; }
svg.pic .id, svg.pic .nbid, svg.pic .sb text { paint-order: stroke; stroke: #fff; stroke-width: 3px;
  stroke-linejoin: round; }
svg.pic .sb path { fill: none; stroke: #333; }
svg.pic .sb text { font-size: 9px; text-anchor: middle; }
.legend { color: #555; font-size: .9em; }
@media print { .hint, a.map { display: none; } body { margin: 0; max-width: none; }
  table.sortable th { background: none; } tr, svg.chart { break-inside: avoid; } }
"""

_SORT_JS = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, i) {
    th.addEventListener("click", function () {
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(row) {
        var cell = row.cells[i];
        return cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny
          : x.localeCompare(y, document.documentElement.lang, { numeric: true });
        return dir === "ascending" ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""

#: A table column: (heading, field, kind) with kind "text", "int", "km", "status" or
#: "money:<symbol>" (an amount in the profile's currency).
Column = tuple[str, str, str]


def _esc(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value))


def _cell(value: Any, kind: str, lang: str) -> str:
    if kind == "text":
        return f"<td>{_esc(value)}</td>"
    if kind == "status":
        cls = "" if value in ("ok", "clustered") else ' class="bad"'
        shown = _esc(status_label(str(value), lang))
        return f'<td{cls} data-v="{_esc(value)}">{shown}</td>'
    number = float(value) if value is not None and not pd.isna(value) else 0.0
    shown = fmt_num(number, lang) if kind == "km" else fmt_int(number, lang)
    if kind.startswith("money:"):
        shown += f" {html.escape(kind[6:])}"
    cls = "num bad" if kind == "signed" and number < 0 else "num"
    if kind == "signed" and number > 0:
        shown = "+" + shown
    return f'<td class="{cls}" data-v="{number:g}">{shown}</td>'


def table_html(
    rows: pd.DataFrame,
    columns: Sequence[Column],
    lang: str,
    *,
    totals: dict[str, Any] | None = None,
    sortable: bool = True,
) -> str:
    """An HTML table of ``rows`` with localised numbers; a totals row when given."""
    heads = "".join(
        f"<th{' class=num' if kind not in ('text', 'status') else ''}>{_esc(head)}</th>"
        for head, _f, kind in columns
    )
    body = "\n".join(
        "<tr>" + "".join(_cell(rec.get(f), kind, lang) for _h, f, kind in columns) + "</tr>"
        for rec in rows.to_dict("records")
    )
    foot = ""
    if totals is not None:
        cells = [
            _cell(totals[f], kind, lang) if f in totals else "<td></td>" for _h, f, kind in columns
        ]
        cells[0] = f"<td>{_esc(label('report_total', lang))}</td>"
        foot = "<tfoot><tr>" + "".join(cells) + "</tr></tfoot>"
    cls = ' class="sortable"' if sortable else ""
    table = f"<table{cls}><thead><tr>{heads}</tr></thead><tbody>\n{body}\n</tbody>{foot}</table>"
    return f'<div class="wide">{table}</div>'  # scrolls sideways on a narrow screen


def _page(title: str, body: str, lang: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{_esc(title)}</h1>\n{body}\n<script>{_SORT_JS}</script>\n</body>\n</html>\n"
    )


def _totals(result: PlanResult, lang: str) -> str:
    m = result.metrics
    rows = [
        (label("clinics", lang), fmt_int(m.get("clinics", len(result.clinics)), lang)),
        (label("patients", lang), fmt_int(m.get("patients", 0), lang)),
        *([(label("gps", lang), fmt_int(m["doctors"], lang))] if "doctors" in m else []),
        (label("clusters", lang), fmt_int(len(result.clusters), lang)),
        (
            label("report_bound", lang),
            fmt_int(m.get("upper_bound_tight", m.get("upper_bound_parts", 0)), lang),
        ),
        (label("report_left_out", lang), fmt_int(len(result.unassigned), lang)),
        (label(link_key("report_links", m.get("land")), lang), fmt_int(len(result.links), lang)),
        (label("report_min", lang), fmt_int(result.rules.min_patients, lang)),
    ]
    if result.rules.max_patients is not None:
        rows.append((label("report_max", lang), fmt_int(result.rules.max_patients, lang)))
    funding = result.profile.funding
    if funding is not None:  # England's profile has none: no money anywhere
        column = funding.columns[0]
        known = len(result.clusters) and column in result.clusters.columns
        budget = float(result.clusters[column].sum()) if known else 0.0
        rows.append((label("budget", lang), f"{fmt_int(budget, lang)} {_symbol(result, lang)}"))
    cells = "".join(f"<tr><td>{_esc(k)}</td><td class=num>{v}</td></tr>" for k, v in rows)
    return f'<table class="totals">{cells}</table>'


def report_html(result: PlanResult, *, lang: str = "en", map_file: str | None = "map.html") -> str:
    """The plan as a printable page: totals, a sortable cluster table, clinics left out.

    Parameters
    ----------
    result
        The plan.
    lang
        ``"en"`` or ``"da"``.
    map_file
        Relative link to the map beside the report (``None``: no link).

    Returns
    -------
    str
        A complete HTML document.
    """
    check_lang(lang)
    result = localise_result(result, lang)  # reasons in the report's language
    clusters = pd.DataFrame(result.clusters.drop(columns="geometry"))
    crossings = crossing_flags(clusters)
    if (crossings != "").any():
        clusters["crossing_note"] = crossings
    cols = _cluster_columns(clusters, lang, result)
    money = result.profile.funding.columns if result.profile.funding else ()
    sums = [k for k in ("patients", "doctors", "clinics", *money) if k in clusters.columns]
    totals = {k: clusters[k].sum() for k in sums} if len(clusters) else None
    left = table_html(
        result.unassigned,
        [
            (label("clinic_id", lang), "clinic_id", "text"),
            (label("name", lang), "name", "text"),
            (label("patients", lang), "patients", "int"),
            (label("reason", lang), "reason", "text"),
        ],
        lang,
    )
    meta = (
        f"{_esc(label('report_method', lang))}: {_esc(result.method)} · "
        f"{_esc(label('report_seed', lang))}: {result.seed}"
    )
    href = _esc(quote(map_file or ""))
    link = f' · <a class="map" href="{href}">{_esc(label("report_map", lang))}</a>'
    body = [
        f'<p class="meta">{meta}{link if map_file else ""}</p>',
        f"<h2>{_esc(label('report_totals', lang))}</h2>",
        f'<div class="duo">{_totals(result, lang)}{_bound(result, lang)}</div>',
        _charts(clusters, result, lang),
        f"<h2>{_esc(label('report_clusters', lang))}</h2>",
        f'<p class="hint">{_esc(label("report_sort_hint", lang))}</p>',
        table_html(clusters, cols, lang, totals=totals),
        cluster_pictures(result, lang),
        f"<h2>{_esc(label('report_left_out', lang))}</h2>",
        left if len(result.unassigned) else f"<p>{_esc(label('report_left_out_none', lang))}</p>",
        _conflicts(result, lang),
    ]
    return _page(label("report_title", lang), "\n".join(body), lang)


def _bound(result: PlanResult, lang: str) -> str:
    """The count of clusters against the most possible (empty when no bound is known)."""
    m = result.metrics
    bound = m.get("upper_bound_tight", m.get("upper_bound_parts"))
    if bound is None or (not bound and not len(result.clusters)):
        return ""
    return bound_chart(len(result.clusters), float(bound), lang)


def _charts(clusters: pd.DataFrame, result: PlanResult, lang: str) -> str:
    """Patients per cluster against the rules, distances to the meeting clinic."""
    if clusters.empty:
        return ""
    charts = [f"<h2>{_esc(word('charts', lang))}</h2>", size_chart(clusters, result.rules, lang)]
    if "farthest_km" in clusters.columns:
        charts.append(distance_chart(clusters, lang))
    return "\n".join(charts)


def _symbol(result: PlanResult, lang: str) -> str:
    funding = result.profile.funding
    return "" if funding is None else funding.symbol_in(lang)


def _cluster_columns(clusters: pd.DataFrame, lang: str, result: PlanResult) -> list[Column]:
    """The cluster table's columns; regions, crossings and money only where there are
    some (money in the profile's currency, none without a funding rule)."""
    funding = result.profile.funding
    money = [c for c in (funding.columns if funding else ()) if c in clusters.columns]
    cols: list[Column] = [
        (label("cluster", lang), "cluster_id", "text"),
        (label("patients", lang), "patients", "int"),
        *([(label("gps", lang), "doctors", "int")] if "doctors" in clusters.columns else []),
        (label("clinics", lang), "clinics", "int"),
        (label("municipalities", lang), "municipalities", "text"),
        *(
            (label(key, lang), column, f"money:{_symbol(result, lang)}")
            for key, column in zip(("budget", "startup"), money, strict=False)
        ),
        (label("meeting_clinic", lang), "meeting_clinic", "text"),
        (label("coordinator", lang), "coordinator_clinic", "text"),
        (label("farthest", lang) + f" ({label('km', lang)})", "farthest_km", "km"),
        (label("status", lang), "status", "status"),
    ]
    if "regions" in clusters.columns and clusters["regions"].fillna("").astype(str).ne("").any():
        cols.insert(5, (label("regions", lang), "regions", "text"))
    if "coordinator_clinic" not in clusters.columns:
        cols = [c for c in cols if c[1] != "coordinator_clinic"]
    if "crossing_note" in clusters.columns:
        cols.append((label("crossings", lang), "crossing_note", "text"))
    return cols


def _conflicts(result: PlanResult, lang: str) -> str:
    """The choices not honoured as asked (empty when every choice was honoured)."""
    conflicts = getattr(result, "conflicts", None)
    if conflicts is None or conflicts.empty:
        return ""
    table = table_html(
        conflicts,
        [
            (label("choice", lang), "kind", "text"),
            (label("clinics", lang), "clinics", "text"),
            (label("detail", lang), "detail", "text"),
        ],
        lang,
    )
    return f"<h2>{_esc(label('report_conflicts', lang))}</h2>\n{table}"


def diff_html(diff: PlanDiff, name_a: str, name_b: str, *, lang: str = "en") -> str:
    """A comparison of two plans as a page: clinics that move, patients per cluster."""
    check_lang(lang)
    a, b = label("diff_plan_a", lang), label("diff_plan_b", lang)
    moves = table_html(
        diff.moves,
        [
            (label("clinic_id", lang), "clinic_id", "text"),
            (label("name", lang), "name", "text"),
            (label("patients", lang), "patients", "int"),
            (f"{label('cluster', lang)} ({a})", "cluster_a", "text"),
            (f"{label('cluster', lang)} ({b})", "cluster_b", "text"),
        ],
        lang,
    )
    clusters = table_html(
        diff.clusters,
        [
            (f"{label('cluster', lang)} ({a})", "cluster_a", "text"),
            (f"{label('cluster', lang)} ({b})", "cluster_b", "text"),
            (f"{label('patients', lang)} ({a})", "patients_a", "int"),
            (f"{label('patients', lang)} ({b})", "patients_b", "int"),
            (label("diff_gained", lang), "gained", "int"),
            (label("diff_lost", lang), "lost", "int"),
            (label("diff_net", lang), "net", "signed"),
        ],
        lang,
    )
    body = [
        f'<p class="meta">{_esc(a)}: {_esc(name_a)}<br>{_esc(b)}: {_esc(name_b)}</p>',
        f"<h2>{_esc(label('diff_moves', lang))} ({len(diff.moves)})</h2>",
        moves if len(diff.moves) else f"<p>{_esc(label('diff_none', lang))}</p>",
        f"<h2>{_esc(label('diff_clusters', lang))}</h2>",
        clusters,
    ]
    return _page(label("diff_title", lang), "\n".join(body), lang)
