"""Small folium elements that need nothing but Leaflet (folium's Popup needs jQuery), and
the safe rendering every element of the map goes through.

branca's ``MacroElement.render`` wraps each macro's output in an ``Element``, whose text is
parsed *again* as a Jinja template when the page is rendered: a clinic named
``{{ 7*7 }}`` would show as ``49``, and a name such as ``{{ lipsum.__globals__... }}``
would run code.  Here no data is ever part of a template's source:

- templates are constants of the package, compiled with autoescaping on; data reaches
  them only through their context, as JSON (``tojson``, or :func:`js_string`);
- :class:`SafeMacro` renders a macro once and places its output in the page as
  :class:`Raw` text, never parsed again;
- the map uses only the safe subclasses below (:func:`assert_safe` checks a whole map).
"""

from __future__ import annotations

import json
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Environment, Template
from markupsafe import Markup

from planner.render.script import REVIEW_CSS, REVIEW_JS

__all__ = [
    "CircleMarker",
    "ErrorCatcher",
    "FeatureGroup",
    "FitBounds",
    "GeoJson",
    "LayerControl",
    "Map",
    "PolyLine",
    "Pop",
    "Raw",
    "ReviewControls",
    "SafeMacro",
    "TileLayer",
    "Tip",
    "UnsafeElementError",
    "assert_safe",
    "js_string",
]

#: The one environment of the package's own templates: autoescaping on.
_ENV = Environment(autoescape=True)


def constant_template(source: str) -> Template:
    """A constant template of the package (never built from data)."""
    return _ENV.from_string(source)


def js_string(text: str) -> str:
    """``text`` as a JavaScript string literal that is safe inside ``<script>``.

    Plain JSON keeps letters such as æøå as they are (a third of the size of ``\\u``
    escapes); only the sequences that could end the script element are broken up.

    >>> js_string('Læge "A" </script>')
    '"Læge \\\\"A\\\\" <\\\\/script>"'
    """
    literal = json.dumps(text, ensure_ascii=False)
    return literal.replace("</", "<\\/").replace("<!--", "<\\!--")


class Raw(Element):
    """Text placed in the page exactly as given: never read as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Raw"
        self.text = str(text)

    def render(self, **kwargs: object) -> str:
        return self.text


class SafeMacro(MacroElement):
    """A ``MacroElement`` whose macro output is placed as :class:`Raw` text.

    Its subclasses (and the folium classes wrapped below, which reach this ``render``
    through their own ``super().render()``) render each macro once: text that came
    from data can never be evaluated as a template.
    """

    # branca's MacroElement.render returns nothing though Element.render is typed as str.
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError(f"{type(self).__name__} can only render inside a Figure")
        module = self._template.module.__dict__
        for part, target in (
            ("header", figure.header),
            ("html", figure.html),
            ("script", figure.script),
        ):
            macro = module.get(part)
            if macro is not None:
                target.add_child(Raw(str(macro(self, kwargs))), name=self.get_name())
        for element in list(self._children.values()):
            element.render(**kwargs)


class Map(folium.Map, SafeMacro):
    """``folium.Map``, rendered safely."""


class FeatureGroup(folium.FeatureGroup, SafeMacro):
    """``folium.FeatureGroup``, rendered safely."""


class GeoJson(folium.GeoJson, SafeMacro):
    """``folium.GeoJson``, rendered safely (its properties are data)."""


# folium's Marker.render takes no keywords; SafeMacro.render passes them on (a stub clash).
class CircleMarker(folium.CircleMarker, SafeMacro):  # type: ignore[misc]
    """``folium.CircleMarker``, rendered safely."""


class PolyLine(folium.PolyLine, SafeMacro):
    """``folium.PolyLine``, rendered safely."""


class TileLayer(folium.TileLayer, SafeMacro):
    """``folium.TileLayer``, rendered safely."""


class LayerControl(folium.LayerControl, SafeMacro):
    """``folium.LayerControl``, rendered safely (layer names are package labels)."""


class UnsafeElementError(TypeError):
    """A map holds an element that would parse its output as a template again."""


def assert_safe(root: Element) -> None:
    """Raise :class:`UnsafeElementError` if any element under ``root`` renders unsafely.

    Every ``MacroElement`` must be a :class:`SafeMacro`, and no plain ``Element`` may hold
    template syntax (its text would be evaluated when the page renders).  A ``Figure``'s
    header, body and script are walked too.
    """
    stack = [root]
    while stack:
        element = stack.pop()
        stack.extend(element._children.values())
        if isinstance(element, Figure):
            stack.extend((element.header, element.html, element.script))
        if isinstance(element, MacroElement):
            ok = isinstance(element, SafeMacro)
        else:
            text = element._template_str or ""
            ok = not any(mark in text for mark in ("{{", "{%", "{#"))
        if not ok:
            raise UnsafeElementError(f"{type(element).__name__} would render text as a template")


class Tip(SafeMacro):
    """A tooltip bound to its parent layer, content given as HTML."""

    _template = constant_template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindTooltip({{ this.literal }},
                {"sticky": {{ this.sticky|tojson }}});
        {% endmacro %}
        """
    )

    def __init__(self, text: str, *, sticky: bool = True) -> None:
        super().__init__()
        self._name = "Tip"
        self.text = text
        self.literal = Markup(js_string(text))  # script-safe JSON, see js_string
        self.sticky = sticky


class Pop(SafeMacro):
    """A popup bound to its parent layer, content given as HTML (no jQuery)."""

    _template = constant_template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindPopup({{ this.literal }},
                {"maxWidth": {{ this.max_width|tojson }}});
        {% endmacro %}
        """
    )

    def __init__(self, text: str, *, max_width: int = 360) -> None:
        super().__init__()
        self._name = "Pop"
        self.text = text
        self.literal = Markup(js_string(text))  # script-safe JSON, see js_string
        self.max_width = max_width


class FitBounds(SafeMacro):
    """Fit the map to ``bounds``, and again when the window resizes before the reviewer
    has moved the map (a window opened small and then enlarged keeps a tight view)."""

    _template = constant_template(
        """
        {% macro script(this, kwargs) %}
            (function (map) {
                var bounds = {{ this.bounds|tojson }};
                var options = {"padding": {{ this.padding|tojson }}, "animate": false};
                var touched = false;
                map.fitBounds(bounds, options);
                ["pointerdown", "wheel", "keydown", "touchstart"].forEach(function (kind) {
                    map.getContainer().addEventListener(kind, function () {
                        touched = true;
                    });
                });
                map.on("resize", function () {
                    if (!touched) { map.fitBounds(bounds, options); }
                });
            })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]], *, padding: tuple[int, int] = (12, 12)) -> None:
        super().__init__()
        self._name = "FitBounds"
        self.bounds = bounds
        self.padding = list(padding)


class ErrorCatcher(Element):
    """Records uncaught script errors on ``<html data-planner-errors>`` (read by tests).

    It also shows them in a small banner, so a reviewer whose browser cannot draw the
    map sees why instead of an empty page.
    """

    def __init__(self) -> None:
        super().__init__()
        self._name = "ErrorCatcher"

    def render(self, **kwargs: object) -> str:
        return """<script>
(function () {
  var errors = [];
  window.addEventListener("error", function (event) {
    errors.push(String(event.message || event.error || "error"));
    document.documentElement.setAttribute("data-planner-errors", errors.join(" | "));
  });
})();
</script>"""


class ReviewControls(SafeMacro):
    """Legend, search, full screen and the proposal panel, in plain JavaScript.

    Parameters
    ----------
    data
        JSON-ready payload: labels, clinics (id, name, cluster, options), clusters (id,
        label point, bounds), legend items, the region's bounds.
    markers
        Clinic id -> folium name of its marker.
    territories
        Cluster id -> folium name of its territory layer (to highlight the cluster).
    """

    _template = constant_template(
        """
        {% macro script(this, kwargs) %}
            plannerReview({{ this._parent.get_name() }}, {{ this.data|tojson }}, {
            {%- for cid, name in this.markers.items() %}
                {{ cid|tojson }}: {{ name }},
            {%- endfor %}
            }, {
            {%- for cid, name in this.territories.items() %}
                {{ cid|tojson }}: {{ name }},
            {%- endfor %}
            });
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict[str, Any],
        markers: dict[str, str],
        territories: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self._name = "ReviewControls"
        self.data = data
        self.markers = markers
        self.territories = territories or {}

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as SafeMacro.render
        """Add the shared script and style to the page header, then the call."""
        figure = self.get_root()
        if isinstance(figure, Figure):
            figure.header.add_child(
                Raw(f"<style>{REVIEW_CSS}</style>\n<script>{REVIEW_JS}</script>"),
                name="planner_review",
            )
        super().render(**kwargs)
