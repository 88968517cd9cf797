"""Batch planning: every part of a clinics file (regions of a country, integrated care
systems) under every scenario, in parallel or on a Dask cluster, resumable.

>>> from planner.batch import plan_batch, scenarios_from  # doctest: +SKIP
"""

from planner.batch.runner import Batch, plan_batch, prepare_batch, run_tasks
from planner.batch.scenarios import Scenario, parse_list, read_scenarios, scenarios_from
from planner.batch.tasks import Outcome, Task, run_task

__all__ = [
    "Batch",
    "Outcome",
    "Scenario",
    "Task",
    "parse_list",
    "plan_batch",
    "prepare_batch",
    "read_scenarios",
    "run_task",
    "run_tasks",
    "scenarios_from",
]
