"""The planner: propose contiguous clusters (klynger) of GP clinics of at least 30,000 patients.

>>> from planner import plan, Rules
>>> Rules().min_patients
30000
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from planner.core.choices import Choices
from planner.core.errors import PlannerError, Problem, ValidationError
from planner.core.request import OutputOptions, PlanRequest
from planner.core.rules import Rules

if TYPE_CHECKING:
    from planner.api import plan
    from planner.output.write import write_outputs
    from planner.result.plan_result import PlanResult

#: Imported when first used, so that ``planner --help`` does not load geopandas and folium.
_LAZY = {
    "plan": "planner.api",
    "write_outputs": "planner.output.write",
    "PlanResult": "planner.result.plan_result",
}

__all__ = [
    "Choices",
    "OutputOptions",
    "PlanRequest",
    "PlanResult",
    "PlannerError",
    "Problem",
    "Rules",
    "ValidationError",
    "plan",
    "write_outputs",
]
__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'planner' has no attribute {name!r}")
