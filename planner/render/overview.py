"""The overview map of a batch: every part's clusters, light, each part linking to its map.

The clusters of all parts are one payload drawn by a constant script; every text from the
data (part and cluster names) reaches the page as JSON and the page as ``textContent``,
never as HTML.
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from markupsafe import Markup

from planner.render.assets import strip_cdn_assets
from planner.render.elements import (
    FitBounds,
    Map,
    SafeMacro,
    TileLayer,
    assert_safe,
    constant_template,
    page_json,
)
from planner.render.map import PALETTE
from planner.render.shapes import simplify_together, valid_polygonal

__all__ = ["overview_map"]

#: Simplification of the overview's territories (degrees; about 300 m).
TOLERANCE = 0.003


class _Overview(SafeMacro):
    _template = constant_template(
        """
        {% macro script(this, kwargs) %}
        (function (map, d) {
          function text(tag, value, cls) {
            var el = document.createElement(tag);
            el.textContent = value;
            if (cls) { el.className = cls; }
            return el;
          }
          var layer = L.geoJSON(d.features, {
            style: function (f) {
              return {color: "#ffffff", weight: 1, fillOpacity: 0.65,
                      fillColor: d.palette[f.properties.k % d.palette.length]};
            },
            onEachFeature: function (f, l) {
              var p = f.properties;
              l.bindTooltip(p.part + " · " + p.id + ": " + p.pt, {sticky: true});
              var box = document.createElement("div");
              box.appendChild(text("b", p.part));
              box.appendChild(text("div", d.words.cluster + " " + p.id + ": " + p.pt));
              if (p.href) {
                var a = text("a", d.words.open);
                a.setAttribute("href", p.href);
                a.setAttribute("data-planner-part", p.part);
                box.appendChild(a);
              }
              l.bindPopup(box);
            }
          }).addTo(map);
          document.documentElement.setAttribute("data-planner-overview", String(d.features.length));
        })({{ this._parent.get_name() }}, {{ this.payload }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self._name = "Overview"
        self.data = data

    @property
    def payload(self) -> Markup:
        return Markup(page_json(self.data))  # JSON with <, >, & escaped


def overview_map(
    parts: list[tuple[str, gpd.GeoDataFrame, str | None]],
    *,
    words: dict[str, str],
    title: str = "Overview",
    tiles: str | None = "OpenStreetMap",
    height: str = "62vh",
) -> folium.Map:
    """One map of every part's clusters.

    Parameters
    ----------
    parts
        ``(part name, its clusters (any CRS, with cluster_id and patients), the href of
        its map or None)`` per part.
    words
        ``cluster`` and ``open`` (the popup's link text) in the page's language.
    """
    features = []
    bounds = None
    for k, (name, clusters, href) in enumerate(parts):
        if clusters.empty:
            continue
        frame = clusters.to_crs("EPSG:4326")
        # A cluster valid in its metric CRS may cross itself in lon/lat once written.
        valid = np.asarray([valid_polygonal(g) for g in frame.geometry], dtype=object)
        geoms = simplify_together(valid, TOLERANCE)
        geoms = shapely.set_precision(geoms, 1e-4)
        for (_, row), geom in zip(frame.iterrows(), geoms, strict=True):
            if geom is None or geom.is_empty:
                continue
            features.append({
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geom),
                "properties": {"part": str(name), "id": str(row["cluster_id"]),
                               "pt": f"{int(row['patients']):,}", "k": k, "href": href},
            })  # fmt: skip
        box = list(frame.total_bounds)
        if bounds is not None:
            box = [*map(min, bounds[:2], box[:2]), *map(max, bounds[2:], box[2:])]
        bounds = box
    fmap = Map(tiles=None, control_scale=True, prefer_canvas=True, height=height)
    strip_cdn_assets(fmap)
    fmap.get_root().title = title  # type: ignore[attr-defined]
    if tiles:
        TileLayer(tiles, name="Background", overlay=True).add_to(fmap)
    if bounds is not None:
        FitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]]).add_to(fmap)
    _Overview({"features": features, "palette": list(PALETTE), "words": words}).add_to(fmap)
    assert_safe(fmap.get_root())
    return fmap
