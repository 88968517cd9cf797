"""Leaflet inlined into the map, so that the page renders with no internet.

Leaflet's JavaScript and CSS come from the installed package ``django-js-lib-leaflet``
(read as package data, never copied into this repository); the images its CSS refers to
become ``data:`` URIs.  folium's other CDN assets (jQuery, Bootstrap, awesome-markers, Font
Awesome) are not used by this map and are dropped.
"""

from __future__ import annotations

import base64
import functools
import re
from importlib import resources

import folium
from branca.element import Element, Figure

__all__ = ["InlineLeaflet", "leaflet_css", "leaflet_js", "strip_cdn_assets"]

_PACKAGE = "js_lib_leaflet"
_STATIC = ("static", "js_lib_leaflet")


def _static(name: str) -> bytes:
    path = resources.files(_PACKAGE).joinpath(*_STATIC, *name.split("/"))
    return path.read_bytes()


@functools.cache
def leaflet_js() -> str:
    """Leaflet's minified JavaScript, without its source-map comment."""
    text = _static("leaflet.js").decode("utf-8")
    text = re.sub(r"//# sourceMappingURL=\S+", "", text)
    return text.replace("</script", "<\\/script")


@functools.cache
def leaflet_css() -> str:
    """Leaflet's CSS with every ``url(images/...)`` turned into a ``data:`` URI."""
    text = _static("leaflet.css").decode("utf-8")

    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode(_static(f"images/{match.group(1)}")).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    text = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, text)
    return text.replace("</style", "<\\/style")


class InlineLeaflet(Element):
    """Leaflet's CSS and JS as inline ``<style>`` and ``<script>`` in the page header."""

    def __init__(self) -> None:
        super().__init__()
        self._name = "InlineLeaflet"

    def render(self, **kwargs: object) -> str:
        return f"<style>{leaflet_css()}</style>\n<script>{leaflet_js()}</script>"


def strip_cdn_assets(fmap: folium.Map) -> None:
    """Drop folium's CDN links from ``fmap`` and put inline Leaflet in their place.

    Only the map object's own lists are replaced; folium's class-level defaults are left
    alone, so other maps in the same process are unaffected.
    """
    fmap.default_js = []
    fmap.default_css = []
    figure = fmap.get_root()
    if isinstance(figure, Figure):
        figure.header.add_child(InlineLeaflet(), name="leaflet_inline", index=0)
