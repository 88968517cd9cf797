"""The review map (only this package imports folium).

>>> from planner.render import render_map  # doctest: +SKIP
"""

from planner.render.map import (
    FILL_OPACITY,
    PALETTE,
    cluster_adjacency,
    cluster_colours,
    render_map,
)

__all__ = ["FILL_OPACITY", "PALETTE", "cluster_adjacency", "cluster_colours", "render_map"]
