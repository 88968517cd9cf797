"""The report's charts as inline SVG: patients per cluster against the floor and ceiling,
the count of clusters against the most possible, distances to the meeting clinic.

Each chart has a title, labelled axes and labelled reference lines in the report's
language, and a tooltip per bar.  Bars carry ``data-v`` (the value drawn) and reference
lines ``data-value``, so a test can check what is drawn against what the plan says.
Only counts and distances per cluster are drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.core.i18n import fmt_int, fmt_num, label
from planner.core.rules import Rules
from planner.output.svg import bars_of, esc, nice_ticks, num, shorten, text_width, word

__all__ = ["CHART_WIDTH", "bound_chart", "distance_chart", "size_chart"]

#: Width of the full-width charts in SVG pixels (the page's content is this wide).
CHART_WIDTH = 1000
_HEIGHT = 250
_TOP, _LEFT, _RIGHT = 44, 74, 136
_FONT = 12
#: Bars narrower than this (pixels) carry no tooltip: too thin to point at, and many.
_TIP_SLOT = 4.0
_NAME_CHARS = 14  # longer cluster names are shortened under a bar (in full in the tooltip)

OK_COLOUR, LOW_COLOUR, HIGH_COLOUR = "#4e79a7", "#b00020", "#e08214"
FAR_COLOUR, MEAN_COLOUR = "#a6c8e6", "#2b5d8c"


@dataclass
class _Columns:
    """What one column chart shows: a bar per cluster, an inner bar, reference lines."""

    kind: str
    title: str
    x_label: str
    y_label: str
    names: list[str]
    values: np.ndarray
    tips: list[str]
    colours: list[str]
    ticks: Callable[[float], str]
    inner: np.ndarray | None = None
    lines: list[tuple[float, str, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)


def _svg(kind: str, title: str, width: float, height: float, body: list[str]) -> str:
    return (
        f'<svg class="chart {kind}" viewBox="0 0 {num(width)} {num(height)}" '
        f'width="{num(width)}" height="{num(height)}" role="img" aria-label="{esc(title)}">'
        + "".join(body)
        + "</svg>"
    )


def _legend(items: Sequence[tuple[str, str]], right: float) -> list[str]:
    """Swatches with their texts, right-aligned on the title's line."""
    out, x = [], right
    for colour, text in reversed(items):
        x -= text_width(text, _FONT) + 6
        out.append(f'<text x="{num(x)}" y="20" class="lg">{esc(text)}</text>')
        x -= 16
        out.append(f'<rect x="{num(x)}" y="10" width="12" height="12" fill="{colour}"/>')
        x -= 18
    return out


def _columns(chart: _Columns) -> str:
    """A column chart: one bar per cluster in the order given, y from 0."""
    n = len(chart.values)
    plot_w = CHART_WIDTH - _LEFT - _RIGHT
    slot = plot_w / max(n, 1)
    names = [shorten(s, _NAME_CHARS) for s in chart.names]
    longest = max((text_width(s, _FONT - 1) for s in names), default=0.0)
    show = slot >= _FONT  # a name fits under its bar (turned when narrower than the name)
    turned = show and slot < longest + 4
    bottom = 26 + (longest + 12 if turned else (_FONT + 8 if show else 0)) + _FONT
    height = _TOP + _HEIGHT + bottom
    peak = max([float(chart.values.max(initial=0.0)), *(v for v, _t, _c in chart.lines)])
    ticks = nice_ticks(peak * 1.04)
    top = ticks[-1]
    base = _TOP + _HEIGHT

    def y(v: float) -> float:
        return base - _HEIGHT * v / top

    body = [f'<text x="{_LEFT}" y="22" class="ttl">{esc(chart.title)}</text>']
    body += _legend(chart.legend, CHART_WIDTH - _RIGHT)
    for t in ticks:
        body.append(
            f'<line x1="{_LEFT}" x2="{_LEFT + plot_w}" y1="{num(y(t))}" y2="{num(y(t))}" '
            f'class="grid"/><text x="{_LEFT - 6}" y="{num(y(t) + 4)}" class="tk" '
            f'text-anchor="end">{esc(chart.ticks(t))}</text>'
        )
    width = slot * 0.8 if slot >= 3 else slot  # thin bars touch: no stripes between them
    inner = chart.inner
    for k in range(n):
        x = _LEFT + slot * k + (slot - width) / 2
        v = float(chart.values[k])
        tip = f"<title>{esc(chart.tips[k])}</title>" if slot >= _TIP_SLOT else ""
        body.append(
            f'<rect class="bar" x="{num(x)}" y="{num(y(v))}" width="{num(width)}" '
            f'height="{num(base - y(v))}" fill="{chart.colours[k]}" data-v="{v:g}"'
            + (f">{tip}</rect>" if tip else "/>")
        )
        if inner is not None and inner[k] > 0:
            w2, v2 = (width * 0.5 if slot >= 3 else width), float(inner[k])
            body.append(
                f'<rect class="inner" x="{num(x + (width - w2) / 2)}" y="{num(y(v2))}" '
                f'width="{num(w2)}" height="{num(base - y(v2))}" fill="{MEAN_COLOUR}" '
                f'data-v="{v2:g}"/>'
            )
        if show:
            cx = _LEFT + slot * (k + 0.5)
            where = (
                f'transform="translate({num(cx + 4)} {base + 6}) rotate(-90)" text-anchor="end"'
                if turned
                else f'x="{num(cx)}" y="{base + _FONT + 4}" text-anchor="middle"'
            )
            body.append(f'<text {where} class="nm">{esc(names[k])}</text>')
    for value, text, cls in chart.lines:
        yy = num(y(value))
        body.append(
            f'<g class="ref {cls}" data-value="{value:g}"><line x1="{_LEFT}" '
            f'x2="{_LEFT + plot_w + 4}" y1="{yy}" y2="{yy}"/>'
            f'<text x="{_LEFT + plot_w + 8}" y="{num(y(value) + 4)}">{esc(text)}</text></g>'
        )
    body.append(
        f'<line x1="{_LEFT}" x2="{_LEFT + plot_w}" y1="{base}" y2="{base}" class="axis"/>'
        f'<text x="{_LEFT + plot_w / 2}" y="{num(height - 8)}" class="al" '
        f'text-anchor="middle">{esc(chart.x_label)}</text>'
        f'<text transform="translate(16 {_TOP + _HEIGHT / 2}) rotate(-90)" class="al" '
        f'text-anchor="middle">{esc(chart.y_label)}</text>'
    )
    return _svg(chart.kind, chart.title, CHART_WIDTH, height, body)


def size_chart(clusters: pd.DataFrame, rules: Rules, lang: str) -> str:
    """Patients per cluster, largest first, against the floor and any ceiling."""
    order = clusters.sort_values(["patients", "cluster_id"], ascending=[False, True])
    names = order["cluster_id"].astype(str).tolist()
    values = bars_of(order["patients"].tolist())
    status = order["status"].astype(str).tolist() if "status" in order else ["ok"] * len(order)
    ceiling = rules.max_patients
    colours = []
    for v, s in zip(values, status, strict=True):
        low = s == "below minimum" or (v < rules.min_patients and s != "ok")
        high = s == "above maximum" or (ceiling is not None and v > ceiling)
        colours.append(LOW_COLOUR if low else HIGH_COLOUR if high else OK_COLOUR)
    lines = [
        (
            float(rules.min_patients),
            word("floor", lang, v=fmt_int(rules.min_patients, lang)),
            "floor",
        )
    ]
    if ceiling is not None:
        lines.append((float(ceiling), word("ceiling", lang, v=fmt_int(ceiling, lang)), "ceiling"))
    legend = [(OK_COLOUR, label("patients", lang))]
    if LOW_COLOUR in colours:
        legend.append((LOW_COLOUR, word("below", lang)))
    if HIGH_COLOUR in colours:
        legend.append((HIGH_COLOUR, word("above", lang)))
    chart = _Columns(
        kind="sizes",
        title=word("sizes_title", lang),
        x_label=word("sizes_x", lang, n=fmt_int(len(names), lang)),
        y_label=label("patients", lang),
        names=names,
        values=values,
        tips=[f"{n}: {fmt_int(v, lang)}" for n, v in zip(names, values, strict=True)],
        colours=colours,
        ticks=lambda t: fmt_int(t, lang),
        lines=lines,
        legend=legend if len(legend) > 1 else [],
    )
    return _columns(chart)


def distance_chart(clusters: pd.DataFrame, lang: str) -> str:
    """Per cluster the farthest clinic's distance to the meeting clinic, and the mean per GP."""
    order = clusters.sort_values(["farthest_km", "cluster_id"], ascending=[False, True])
    names = order["cluster_id"].astype(str).tolist()
    far = bars_of(order["farthest_km"].tolist())
    mean = bars_of(order["mean_gp_km"].tolist()) if "mean_gp_km" in order else None
    km = label("km", lang)
    far_word, mean_word = label("farthest", lang), label("mean_gp_km", lang)
    tips = [f"{n}: {far_word} {fmt_num(v, lang)} {km}" for n, v in zip(names, far, strict=True)]
    legend = [(FAR_COLOUR, far_word)]
    if mean is not None:
        tips = [
            f"{t}; {mean_word} {fmt_num(m, lang)} {km}" for t, m in zip(tips, mean, strict=True)
        ]
        legend.append((MEAN_COLOUR, mean_word))
    chart = _Columns(
        kind="distances",
        title=word("distance_title", lang),
        x_label=word("distance_x", lang, n=fmt_int(len(names), lang)),
        y_label=km,
        names=names,
        values=far,
        tips=tips,
        colours=[FAR_COLOUR] * len(names),
        ticks=lambda t: fmt_num(t, lang, 0 if t == int(t) else 1),
        inner=mean,
        legend=legend,
    )
    return _columns(chart)


def bound_chart(n_clusters: int, bound: float | None, lang: str) -> str:
    """The plan's count of clusters as a bar against the most clusters possible."""
    width, left, right = 560.0, 16.0, 28.0
    plot_w = width - left - right
    most = float(bound) if bound is not None and bound > 0 else 0.0
    ticks = nice_ticks(max(n_clusters, most) * 1.02)
    top = ticks[-1]

    def x(v: float) -> float:
        return left + plot_w * v / top

    title = word("bound_title", lang)
    percent = " %" if lang == "da" else "%"
    share = fmt_num(100 * n_clusters / most, lang, 0) + percent if most else "–"
    body = [f'<text x="{left}" y="22" class="ttl">{esc(title)}</text>']
    if most:
        body.append(
            f'<rect x="{left}" y="62" width="{num(x(most) - left)}" height="30" fill="#e6e6e6"/>'
        )
    body.append(
        f'<rect class="bar" x="{left}" y="62" width="{num(x(n_clusters) - left)}" height="30" '
        f'fill="{OK_COLOUR}" data-v="{n_clusters}"><title>{esc(label("clusters", lang))}: '
        f"{n_clusters}</title></rect>"
    )
    plan_text = word("bound_plan", lang, n=fmt_int(n_clusters, lang), share=share)
    body.append(f'<text x="{left}" y="110" class="lg">{esc(plan_text)}</text>')
    if most:
        text = word("bound_line", lang, n=fmt_int(most, lang))
        anchor = "end" if x(most) + text_width(text, _FONT) / 2 > width - 2 else "middle"
        body.append(
            f'<g class="ref bound" data-value="{most:g}"><line x1="{num(x(most))}" '
            f'x2="{num(x(most))}" y1="52" y2="100"/><text x="{num(x(most))}" y="46" '
            f'text-anchor="{anchor}">{esc(text)}</text></g>'
        )
    axis_y = 134
    body.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{axis_y}" y2="{axis_y}" class="axis"/>'
    )
    for t in ticks:
        body.append(
            f'<line x1="{num(x(t))}" x2="{num(x(t))}" y1="{axis_y}" y2="{axis_y + 4}" '
            f'class="axis"/><text x="{num(x(t))}" y="{axis_y + 17}" class="tk" '
            f'text-anchor="middle">{esc(fmt_int(t, lang))}</text>'
        )
    body.append(
        f'<text x="{num(left + plot_w / 2)}" y="{axis_y + 36}" class="al" text-anchor="middle">'
        f"{esc(label('clusters', lang))}</text>"
    )
    return _svg("bound", title, width, axis_y + 44, body)
