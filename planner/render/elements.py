"""Small folium elements that need nothing but Leaflet (folium's Popup needs jQuery).

Text reaches JavaScript through ``tojson`` only, so a clinic named with quotes or
backticks can never break the page.
"""

from __future__ import annotations

import json
from typing import Any

from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from planner.render.script import REVIEW_CSS, REVIEW_JS

__all__ = ["ErrorCatcher", "FitBounds", "Pop", "ReviewControls", "Tip", "js_string"]


def js_string(text: str) -> str:
    """``text`` as a JavaScript string literal that is safe inside ``<script>``.

    Plain JSON keeps letters such as æøå as they are (a third of the size of ``\\u``
    escapes); only the sequences that could end the script element are broken up.

    >>> js_string('Læge "A" </script>')
    '"Læge \\\\"A\\\\" <\\\\/script>"'
    """
    literal = json.dumps(text, ensure_ascii=False)
    return literal.replace("</", "<\\/").replace("<!--", "<\\!--")


class Tip(MacroElement):
    """A tooltip bound to its parent layer, content given as HTML."""

    _template = Template(
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
        self.literal = js_string(text)
        self.sticky = sticky


class Pop(MacroElement):
    """A popup bound to its parent layer, content given as HTML (no jQuery)."""

    _template = Template(
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
        self.literal = js_string(text)
        self.max_width = max_width


class FitBounds(MacroElement):
    """Fit the map to ``bounds``, and again when the window resizes before the reviewer
    has moved the map (a window opened small and then enlarged keeps a tight view)."""

    _template = Template(
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


class ReviewControls(MacroElement):
    """Legend, search, full screen and the proposal panel, in plain JavaScript.

    Parameters
    ----------
    data
        JSON-ready payload: labels, clinics (id, name, cluster, options), legend items.
    markers
        Clinic id -> folium name of its marker.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            plannerReview({{ this._parent.get_name() }}, {{ this.data|tojson }}, {
            {%- for cid, name in this.markers.items() %}
                {{ cid|tojson }}: {{ name }},
            {%- endfor %}
            });
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any], markers: dict[str, str]) -> None:
        super().__init__()
        self._name = "ReviewControls"
        self.data = data
        self.markers = markers

    def render(self, **kwargs: Any) -> None:
        """Add the shared script and style to the page header, then the call."""
        figure = self.get_root()
        if isinstance(figure, Figure):
            figure.header.add_child(
                Element(f"<style>{REVIEW_CSS}</style>\n<script>{REVIEW_JS}</script>"),
                name="planner_review",
            )
        super().render(**kwargs)
