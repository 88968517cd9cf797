"""The planner: propose contiguous clusters (klynger) of GP clinics of at least 30,000 patients.

>>> from planner import plan, Rules
>>> Rules().min_patients
30000
"""

from __future__ import annotations

import logging

from planner.api import plan
from planner.errors import PlannerError, Problem, ValidationError
from planner.result import PlanResult
from planner.rules import Rules

__all__ = ["PlanResult", "PlannerError", "Problem", "Rules", "ValidationError", "plan"]
__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
