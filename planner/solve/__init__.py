"""Stage 4, solve: from a contiguity graph and clinic sizes to cluster labels.

Every method is a plain callable of one signature (:class:`~planner.solve.contract.Solver`)::

    solver(instance, rules, rng, *, time_limit=None, progress=None) -> Outcome

whose :class:`~planner.solve.contract.Outcome` holds one label per clinic (``0..k-1`` for
the clusters, ``-1`` for a clinic whose connected part cannot reach the size rule) and,
for an exact method, what it proved.  A new method is a new module registered in
:data:`SOLVERS` under a name of :data:`planner.core.request.METHODS`.
"""

from __future__ import annotations

import numpy as np

from planner.core.errors import PlannerError
from planner.core.instance import Instance, Progress
from planner.core.request import METHODS
from planner.core.rules import Rules
from planner.solve.contract import Outcome, Proof, Solver
from planner.solve.exact import solve_exact_with_status
from planner.solve.maxp import solve_maxp

__all__ = ["SOLVERS", "Instance", "Outcome", "Progress", "Proof", "Solver", "get_solver"]


def grow(
    instance: Instance,
    rules: Rules,
    rng: np.random.Generator,
    *,
    time_limit: float | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """The default heuristic: construction, regrowing, pooling and polish (:mod:`.maxp`)."""
    return Outcome(solve_maxp(instance, rules, rng, time_limit=time_limit, progress=progress))


def exact(
    instance: Instance,
    rules: Rules,
    rng: np.random.Generator,
    *,
    time_limit: float | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """CP-SAT for small regions, with what it proved (:mod:`.exact`)."""
    found = solve_exact_with_status(instance, rules, rng, time_limit=time_limit, progress=progress)
    return Outcome(found.labels, Proof(found.optimal, found.compact_optimal, found.bound))


#: Registered solvers by name: ``grow`` (the default) and ``exact`` (CP-SAT, small regions).
SOLVERS: dict[str, Solver] = {"grow": grow, "exact": exact}
assert set(SOLVERS) == set(METHODS), "every method name has one solver"


def get_solver(name: str) -> Solver:
    """Return the solver registered under ``name``."""
    try:
        return SOLVERS[name]
    except KeyError:
        raise PlannerError(
            f"unknown method '{name}'; choose one of: {', '.join(sorted(SOLVERS))}"
        ) from None
