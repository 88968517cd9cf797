"""How many processes the planner may start: the cores it may use, at most
``PLANNER_WORKERS`` when that is set (a shared server).

Read by the pieces of a large part (:mod:`planner.solve.pieces`) and by a batch's
default number of workers (:mod:`planner.batch.runner`).
"""

from __future__ import annotations

import os

from planner.core.errors import PlannerError

__all__ = ["WORKERS_ENV", "available_workers", "worker_cap"]

#: The environment variable that caps the processes.
WORKERS_ENV = "PLANNER_WORKERS"


def available_workers() -> int:
    """Cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not on Linux
        return max(os.cpu_count() or 1, 1)


def worker_cap() -> int:
    """:func:`available_workers`, at most :data:`WORKERS_ENV` when that is set.

    Raises
    ------
    PlannerError
        The variable is set but not a whole number of at least 1.
    """
    cap = available_workers()
    wanted = os.environ.get(WORKERS_ENV, "").strip()
    if wanted:
        if not wanted.isdigit() or int(wanted) < 1:
            raise PlannerError(
                f"{WORKERS_ENV} must be a whole number of at least 1, not {wanted!r}"
            )
        cap = min(cap, int(wanted))
    return cap
