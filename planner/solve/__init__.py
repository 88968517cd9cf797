"""Solvers: from a contiguity graph and clinic sizes to cluster labels.

Every solver is a plain callable with one signature::

    solver(instance: Instance, rules: Rules, rng: numpy.random.Generator,
           *, time_limit: float | None, progress: Progress | None) -> numpy.ndarray

returning one label per clinic: ``0..k-1`` for the clusters, ``-1`` for a clinic the
solver could not place (its connected part cannot reach the size rule).  A new method
is a new module registered in :data:`SOLVERS`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from planner.core.errors import PlannerError
from planner.core.instance import Instance, Progress
from planner.solve.exact import solve_exact
from planner.solve.grow import solve_grow
from planner.solve.maxp import solve_maxp

__all__ = ["SOLVERS", "Instance", "Progress", "Solver", "get_solver"]

Solver = Callable[..., np.ndarray]

#: Registered solvers by name: ``grow`` (the default: construction, regrowing and polish),
#: ``grow-basic`` (restarts of region growing only) and ``exact`` (CP-SAT, small regions).
SOLVERS: dict[str, Solver] = {
    "grow": solve_maxp,
    "grow-basic": solve_grow,
    "exact": solve_exact,
}


def get_solver(name: str) -> Solver:
    """Return the solver registered under ``name``."""
    try:
        return SOLVERS[name]
    except KeyError:
        raise PlannerError(
            f"unknown method '{name}'; choose one of: {', '.join(sorted(SOLVERS))}"
        ) from None
