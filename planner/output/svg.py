"""Small pieces of inline SVG for the report: numbers, paths, axis ticks and words.

Coordinates are written in tenths of an SVG pixel (one decimal), paths with relative
steps, so a picture stays small.  Every text is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely

from planner.core.i18n import label

__all__ = [
    "bars_of",
    "esc",
    "geometry_path",
    "nice_ticks",
    "num",
    "shorten",
    "text_width",
    "word",
]


def word(key: str, lang: str, **fields: Any) -> str:
    """The chart word ``key`` (``chart_<key>`` of :data:`planner.core.i18n.LABELS`) in
    ``lang``, in the profile's words, with ``{name}`` fields filled in (not escaped).

    >>> word("floor", "da", v="30.000")
    'Mindst 30.000'
    """
    return label(f"chart_{key}", lang, **fields)


def esc(value: Any) -> str:
    """``value`` as text safe inside SVG/HTML text and quoted attributes."""
    return html.escape(str(value), quote=True)


def num(value: float) -> str:
    """A coordinate with at most one decimal.

    >>> num(12.34), num(-0.04), num(3.0), num(-2.25)
    ('12.3', '0', '3', '-2.2')
    """
    return _tenths(round(float(value) * 10))


def _tenths(t: int) -> str:
    whole, frac = divmod(abs(t), 10)
    text = f"{whole}.{frac}" if frac else str(whole)
    return "-" + text if t < 0 and text != "0" else text


def _join(values: Iterable[int]) -> str:
    """Numbers in tenths joined as SVG path data does (a minus sign separates too)."""
    out = ""
    for t in values:
        text = _tenths(t)
        out += text if not out or text.startswith("-") else " " + text
    return out


def _ring(points: np.ndarray) -> str:
    """One closed ring, already in tenths of a pixel, as ``M x y l dx dy ... z``.

    A step along an axis is written as ``h`` or ``v``; repeated commands are not repeated.

    >>> _ring(np.array([[0, 0], [50, 0], [50, 50], [0, 0]]))
    'M0 0h5v5l-5-5z'
    """
    steps = np.diff(points, axis=0)
    steps = steps[(steps != 0).any(axis=1)]
    if len(steps) < 2:
        return ""
    out, command = [f"M{_join(points[0])}"], ""
    run: list[int] = []
    for dx, dy in steps.tolist():
        letter, values = ("v", [dy]) if dx == 0 else ("h", [dx]) if dy == 0 else ("l", [dx, dy])
        if letter != command and run:
            out.append(command + _join(run))
            run = []
        command = letter
        run += values
    out.append(command + _join(run))
    return "".join(out) + "z"


def geometry_path(
    geometry: shapely.Geometry, origin: tuple[float, float], scale: float, *, whole: bool = False
) -> str:
    """Path data of the polygons of ``geometry`` in SVG pixels.

    ``origin`` is the metric point drawn at the picture's top left and ``scale`` pixels per
    metre; y grows downwards.  Coordinates are rounded to a tenth of a pixel (``whole``: to
    a pixel).  Rings that shrink to less than a triangle are left out.

    >>> geometry_path(shapely.box(0, 0, 10, 5), (0.0, 5.0), 2.0)
    'M20 10v-10h-20v10z'
    """
    parts = []
    for polygon in shapely.get_parts(shapely.get_parts(geometry)):
        if not isinstance(polygon, shapely.Polygon) or polygon.is_empty:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)[:-1, :2]  # closed by "z"
            px = np.column_stack(((xy[:, 0] - origin[0]) * scale, (origin[1] - xy[:, 1]) * scale))
            tenths = np.rint(px) * 10 if whole else np.rint(px * 10)
            parts.append(_ring(tenths.astype(np.int64)))
    return "".join(parts)


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (about ``count`` steps).

    >>> nice_ticks(47_965)
    [0.0, 10000.0, 20000.0, 30000.0, 40000.0, 50000.0]
    >>> nice_ticks(0)
    [0.0, 1.0]
    """
    if not top > 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(k * step, 10) for k in range(n + 1)]


def shorten(name: str, chars: int) -> str:
    """``name`` cut to ``chars`` characters in its middle, so names that differ at the end
    still do.

    >>> shorten("Klynge Nordvestjylland 3", 14), shorten("C01", 14)
    ('Klynge …land 3', 'C01')
    """
    if len(name) <= chars:
        return name
    head = (chars - 1) // 2 + 1
    return name[:head] + "…" + name[len(name) - (chars - 1 - head) :]


def text_width(text: str, size: float) -> float:
    """A rough width of ``text`` in pixels at font size ``size`` (for placing labels)."""
    return 0.6 * size * len(text)


def bars_of(values: Sequence[float]) -> np.ndarray:
    """The values as floats, a missing one as 0."""
    array = np.asarray([float(v) if v is not None else math.nan for v in values], dtype=float)
    return np.where(np.isfinite(array), array, 0.0)
