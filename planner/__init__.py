"""The planner: propose contiguous clusters (klynger) of GP clinics of at least 30,000 patients.

>>> from planner import plan, Rules
>>> Rules().min_patients
30000
"""

from __future__ import annotations

import logging

from planner.api import plan
from planner.core.choices import Choices
from planner.core.errors import PlannerError, Problem, ValidationError
from planner.core.request import OutputOptions, PlanRequest
from planner.core.rules import Rules
from planner.output.write import write_outputs
from planner.result.plan_result import PlanResult

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
