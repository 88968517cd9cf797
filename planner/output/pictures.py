"""A small static picture of each cluster for the report: inline SVG, no tiles, no network.

Each picture frames one cluster's territory (filled in its colour on the map) with the
neighbouring territories in grey around it, its clinics as dots, the meeting clinic as a
ring, the cluster's name, the names of the neighbours big enough to carry one, and a
scale bar.  Geometry is simplified to half a pixel of the picture and coordinates are
written to a tenth of a pixel, so a report with a thousand pictures stays a few megabytes
at most.  Only positions of clinics and territories are drawn, never a patient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.core.crs import utm_crs
from planner.core.i18n import fmt_int, label
from planner.output.svg import esc, geometry_path, num, shorten, text_width, word
from planner.result.plan_result import PlanResult

__all__ = [
    "NAME_CHARS",
    "PICTURE_HEIGHT",
    "PICTURE_WIDTH",
    "Frame",
    "cluster_pictures",
    "frame_of",
    "picture_svg",
]

#: Size of a picture in SVG pixels.
PICTURE_WIDTH, PICTURE_HEIGHT = 220, 165
#: Share of the frame kept free around the cluster on its longer side.
_PAD = 0.07
#: The smallest extent a frame shows (metres): a cluster at one site still has a setting.
_MIN_EXTENT_M = 600.0
#: A neighbour is named when at least this share of the picture shows it.
_NAMED_SHARE = 0.05
#: Names longer than this are shortened in a picture (in full in its caption and tooltip).
NAME_CHARS = 22
_NEIGHBOUR_CHARS = 16
#: At most this many neighbours are named in a picture (the biggest in it).
_MAX_NAMED = 6
#: Neighbours are simplified to this many pixels and drawn to whole pixels (the cluster
#: itself to half a pixel, drawn to a tenth).
_NEIGHBOUR_TOLERANCE_PX = 0.8
_DEFAULT_COLOUR = "#4e79a7"
#: A box in picture pixels: ``(left, top, right, bottom)``.
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Frame:
    """Where a picture looks: the metric point at its top left, and pixels per metre."""

    x0: float
    y0: float
    scale: float

    @property
    def box(self) -> Box:
        """``(xmin, ymin, xmax, ymax)`` in metres."""
        return (
            self.x0,
            self.y0 - PICTURE_HEIGHT / self.scale,
            self.x0 + PICTURE_WIDTH / self.scale,
            self.y0,
        )

    def px(self, xy: np.ndarray) -> np.ndarray:
        """Metric points as picture pixels (y down)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        return np.column_stack(
            ((xy[:, 0] - self.x0) * self.scale, (self.y0 - xy[:, 1]) * self.scale)
        )


def frame_of(bounds: tuple[float, float, float, float]) -> Frame:
    """The frame that shows ``bounds`` (metres) whole and centred, with a margin.

    >>> f = frame_of((0.0, 0.0, 4000.0, 1000.0))
    >>> round(f.scale * 4000 / PICTURE_WIDTH, 2), f.px(np.array([2000.0, 500.0])).round(1).tolist()
    (0.86, [[110.0, 82.5]])
    """
    xmin, ymin, xmax, ymax = bounds
    w = max(xmax - xmin, _MIN_EXTENT_M)
    h = max(ymax - ymin, _MIN_EXTENT_M)
    scale = min(PICTURE_WIDTH / w, PICTURE_HEIGHT / h) * (1 - 2 * _PAD)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    return Frame(cx - PICTURE_WIDTH / 2 / scale, cy + PICTURE_HEIGHT / 2 / scale, scale)


def _dots(points: np.ndarray) -> str:
    """Path data drawing a round dot at each point (zero-length steps, round caps)."""
    seen = dict.fromkeys(tuple(p) for p in np.rint(points * 10).astype(np.int64).tolist())
    return "".join(f"M{num(x / 10)} {num(y / 10)}h0" for x, y in seen)


def _scale_bar(frame: Frame) -> tuple[str, Box]:
    """A bar of a round length, about a quarter of the picture's width, bottom right."""
    metres = PICTURE_WIDTH / 4 / frame.scale
    power = 10.0 ** math.floor(math.log10(metres))
    length = max(m * power for m in (1, 2, 5) if m * power <= metres)
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    x1, y = PICTURE_WIDTH - 8.0, PICTURE_HEIGHT - 7.0
    x0 = x1 - length * frame.scale
    svg = (
        f'<g class="sb"><path d="M{num(x0)} {num(y - 3)}v3H{num(x1)}v-3"/>'
        f'<text x="{num((x0 + x1) / 2)}" y="{num(y - 5)}">{text}</text></g>'
    )
    return svg, (min(x0, (x0 + x1 - text_width(text, 9)) / 2) - 2, y - 15, PICTURE_WIDTH, y + 2)


def _overlaps(box: Box, boxes: list[Box]) -> bool:
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes)


def _neighbours(
    frame: Frame, geoms: np.ndarray, others: list[int], names: list[str], taken: list[Box]
) -> tuple[str, list[str]]:
    """The neighbouring territories seen in the frame (one path), and their name labels.

    Neighbours are context: simplified a little more than the cluster itself, and only
    the few that fill most of the picture are named, where a name does not cover another
    text (``taken``: the boxes of the texts already placed, in pixels).
    """
    xmin, ymin, xmax, ymax = frame.box
    margin = 2 / frame.scale
    paths, named = [], []
    area = (xmax - xmin) * (ymax - ymin)
    if not others:
        return "", []
    # one call each for all the neighbours: clip to the frame, simplify, measure
    pieces = shapely.clip_by_rect(
        geoms[np.asarray(others)], xmin - margin, ymin - margin, xmax + margin, ymax + margin
    )
    simple = shapely.simplify(pieces, _NEIGHBOUR_TOLERANCE_PX / frame.scale)
    sizes = shapely.area(pieces)
    empty = shapely.is_empty(pieces) | shapely.is_missing(pieces)
    for j, piece, shape, size, none in zip(others, pieces, simple, sizes, empty, strict=True):
        if none:
            continue
        paths.append(geometry_path(shape, (frame.x0, frame.y0), frame.scale, whole=True))
        if size >= _NAMED_SHARE * area:
            named.append((-float(size), j, piece))
    labels: list[str] = []
    for _a, j, piece in sorted(named, key=lambda t: (t[0], t[1])):
        where = frame.px(np.array(shapely.point_on_surface(piece).coords))[0]
        text = shorten(names[j], _NEIGHBOUR_CHARS)
        half = text_width(text, 9) / 2
        x = min(max(where[0], half + 2), PICTURE_WIDTH - half - 2)
        y = min(max(where[1] + 3, 11), PICTURE_HEIGHT - 3)
        box = (x - half - 1, y - 9, x + half + 1, y + 2)
        if _overlaps(box, taken) or len(labels) >= _MAX_NAMED:
            continue
        taken.append(box)
        labels.append(f'<text x="{num(x)}" y="{num(y)}" class="nbid">{esc(text)}</text>')
    return "".join(paths), labels


def picture_svg(
    k: int,
    geoms: np.ndarray,
    tree: shapely.STRtree,
    names: list[str],
    clinics: np.ndarray,
    meeting: np.ndarray | None,
    colour: str,
    lang: str,
) -> str:
    """The picture of cluster ``k``: its territory and clinics, the neighbours' around.

    The frame shows the territory and every clinic of the cluster (a clinic sharing a
    site with a bigger cluster has no area of its own, see
    :func:`~planner.evaluate.figures.territory_holders`).
    """
    geom = geoms[k]
    has_area = geom is not None and not geom.is_empty
    corners = [shapely.bounds(geom).reshape(2, 2)] if has_area else []
    if len(clinics):
        corners.append(clinics)
    points = np.concatenate(corners) if corners else np.zeros((1, 2))
    frame = frame_of((*points.min(axis=0).tolist(), *points.max(axis=0).tolist()))
    bar, bar_box = _scale_bar(frame)
    name = shorten(names[k], NAME_CHARS)
    taken = [(0.0, 0.0, 10 + text_width(name, 13) * 1.1, 22.0), bar_box]
    others = sorted(int(j) for j in tree.query(shapely.box(*frame.box)) if int(j) != k)
    nb_path, nb_labels = _neighbours(frame, geoms, others, names, taken)
    parts = [f"<title>{esc(label('cluster', lang))} {esc(names[k])}</title>"]
    if nb_path:
        parts.append(f'<path class="nb" d="{nb_path}"/>')
    if has_area:
        simple = shapely.simplify(geom, 0.5 / frame.scale)
        own = geometry_path(simple, (frame.x0, frame.y0), frame.scale)
        parts.append(f'<path class="me" fill="{esc(colour)}" d="{own}"/>')
    parts += nb_labels
    if len(clinics):
        parts.append(f'<path class="cl" d="{_dots(frame.px(clinics))}"/>')
    if meeting is not None:
        mx, my = frame.px(meeting)[0]
        parts.append(f'<circle class="mt" cx="{num(mx)}" cy="{num(my)}" r="4"/>')
    parts.append(bar)
    parts.append(f'<text x="6" y="17" class="id">{esc(name)}</text>')
    return (
        f'<svg class="pic" viewBox="0 0 {PICTURE_WIDTH} {PICTURE_HEIGHT}" '
        f'width="{PICTURE_WIDTH}" height="{PICTURE_HEIGHT}" role="img">' + "".join(parts) + "</svg>"
    )


def _metric(result: PlanResult) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Clusters and clinics in one metric CRS."""
    clusters, clinics = result.clusters, result.clinics
    if clusters.crs is not None and clusters.crs.is_geographic and len(clusters):
        clusters = clusters.to_crs(utm_crs(clusters))
    if clinics.crs is not None and clusters.crs is not None and clinics.crs != clusters.crs:
        clinics = clinics.to_crs(clusters.crs)
    return clusters, clinics


def _colours(clusters: gpd.GeoDataFrame) -> dict[str, str]:
    """The clusters' colours on the map (neighbours differ)."""
    from planner.render import cluster_colours  # the map's colours; folium only when drawn

    return cluster_colours(clusters)


def cluster_pictures(result: PlanResult, lang: str) -> str:
    """A grid of one captioned picture per cluster, in the cluster table's order (HTML)."""
    clusters, clinics = _metric(result)
    if clusters.empty:
        return ""
    names = clusters["cluster_id"].astype(str).tolist()
    geoms = clusters.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    colours = {str(c): colour for c, colour in _colours(clusters).items()}
    points = clinics.geometry.to_numpy()
    xy = np.column_stack((shapely.get_x(points), shapely.get_y(points)))  # NaN: no position
    placed = np.isfinite(xy).all(axis=1)
    ids = clinics["clinic_id"].astype(str).to_numpy()
    member = [None if pd.isna(c) else str(c) for c in clinics["cluster_id"]]
    by_cluster: dict[str, list[int]] = {}
    for i, c in enumerate(member):
        if c is not None and placed[i]:
            by_cluster.setdefault(c, []).append(i)
    at = {cid: xy[i] for i, cid in enumerate(ids) if placed[i]}
    cards = []
    for k, row in enumerate(clusters.drop(columns="geometry").to_dict("records")):
        mine = xy[by_cluster.get(names[k], [])]
        meeting = at.get(str(row.get("meeting_clinic_id", "")))
        svg = picture_svg(
            k, geoms, tree, names, mine, meeting, colours.get(names[k], _DEFAULT_COLOUR), lang
        )
        caption = word(
            "picture_caption",
            lang,
            p=fmt_int(row.get("patients", 0), lang),
            c=fmt_int(row.get("clinics", len(mine)), lang),
        )
        meet = row.get("meeting_clinic")
        meet_line = (
            f"<br>{esc(label('meeting_clinic', lang))}: {esc(meet)}"
            if isinstance(meet, str)
            else ""
        )
        cards.append(
            f'<figure class="pic">{svg}<figcaption><b>{esc(names[k])}</b> · {esc(caption)}'
            f"{meet_line}</figcaption></figure>"
        )
    return (
        f"<h2>{esc(word('pictures', lang))}</h2>\n"
        f'<p class="legend">{esc(word("pictures_hint", lang))}</p>\n'
        f'<div class="pics">\n' + "\n".join(cards) + "\n</div>"
    )
