"""Small folium elements that need nothing but Leaflet (folium's Popup needs jQuery), and
the safe rendering every element of the map goes through.

branca's ``MacroElement.render`` wraps each macro's output in an ``Element``, whose text is
parsed *again* as a Jinja template when the page is rendered: a clinic named
``{{ 7*7 }}`` would show as ``49``, and a name such as ``{{ lipsum.__globals__... }}``
would run code.  Here no data is ever part of a template's source:

- templates are constants of the package, compiled with autoescaping on; data reaches
  them only through their context, as JSON (``tojson``, or :func:`page_json`);
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

from planner.render.draw import DRAW_JS
from planner.render.script import REVIEW_CSS, REVIEW_JS

__all__ = [
    "ErrorCatcher",
    "FeatureGroup",
    "FitBounds",
    "LayerControl",
    "Map",
    "Raw",
    "ReviewControls",
    "SafeMacro",
    "TileLayer",
    "UnsafeElementError",
    "assert_safe",
    "page_json",
]

#: The one environment of the package's own templates: autoescaping on.
_ENV = Environment(autoescape=True)


def constant_template(source: str) -> Template:
    """A constant template of the package (never built from data)."""
    return _ENV.from_string(source)


def page_json(value: Any) -> str:
    """``value`` as compact JSON that is safe anywhere in a page's ``<script>``.

    ``<``, ``>``, ``&`` and ``'`` are written as ``\\u`` escapes, so no text from the data
    can end the script, open a comment, an element or an attribute; the line and
    paragraph separators too.  Letters such as æøå stay as they are (UTF-8), and no
    spaces are written: the map's payload is most of the page.

    >>> print(page_json({"name": "</script><b>'Ø'&", "n": [1, 2]}))
    {"name":"\\u003c/script\\u003e\\u003cb\\u003e\\u0027Ø\\u0027\\u0026","n":[1,2]}
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char in "<>&'\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


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


class FitBounds(SafeMacro):
    """Fit the map to ``bounds``, and again when the window resizes before the reviewer
    has moved the map (a window opened small and then enlarged keeps a tight view).  The
    map event ``plannerhold`` counts as a move (the page opened a clinic)."""

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
                // A script that moved the view on purpose (a clinic opened) keeps it.
                map.on("plannerhold", function () { touched = true; });
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
    """The map's layers drawn from one compact payload, and its legend, search, full
    screen and proposal panel, in plain JavaScript.

    Parameters
    ----------
    data
        JSON-ready payload (:mod:`planner.render.layers`): labels, clusters with their
        territories, clinics, links, problems, moves, legend, the region's bounds.  It is
        written into the page with :func:`page_json`, so no text from it can end the
        script.
    groups
        Layer (``territories``, ``clinics``, ``links`` ...) -> the folium name of the
        layer group it is drawn into (so the layer control switches it).
    """

    _template = constant_template(
        """
        {% macro script(this, kwargs) %}
            plannerReview({{ this._parent.get_name() }}, {{ this.payload }}, {
            {%- for key, name in this.groups.items() %}
                {{ key|tojson }}: {{ name }},
            {%- endfor %}
            });
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any], groups: dict[str, str]) -> None:
        super().__init__()
        self._name = "ReviewControls"
        self.data = data
        self.groups = groups

    @property
    def payload(self) -> Markup:
        """The data as script-safe JSON (``<``, ``>``, ``&``, ``'`` as ``\\u`` escapes)."""
        return Markup(page_json(self.data))

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as SafeMacro.render
        """Add the shared script and style to the page header, then the call."""
        figure = self.get_root()
        if isinstance(figure, Figure):
            figure.header.add_child(
                Raw(f"<style>{REVIEW_CSS}</style>\n<script>{DRAW_JS}\n{REVIEW_JS}</script>"),
                name="planner_review",
            )
        super().render(**kwargs)
