"""An exact method for small regions: OR-Tools CP-SAT with tree-based contiguity.

Model, per connected part, with clinics ``i`` and candidate roots ``j``:

- ``x[i, j]`` puts clinic ``i`` in the cluster rooted at ``j``; every clinic is in one
  cluster; ``x[j, j]`` says ``j`` is a root;
- size: a root's cluster meets the size rule (patients, or GPs when ``min_doctors`` is set)
  and, when the ceiling is hard, stays under it;
- contiguity: every clinic that is not a root picks a neighbour in its cluster as parent,
  with a strictly smaller depth, so every cluster is a tree hanging from its root.

Stage 1 maximises the number of roots, the roots being the lowest-numbered clinic of
their cluster (no symmetric copies).  Stage 2 fixes that number, lets any clinic be the
root and minimises the GP-weighted distance from every clinic to its root: the root then
is the meeting clinic, and the objective is the planner's compactness measure.  The best
plan of the heuristic is the starting hint.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from planner.core.errors import PlannerError
from planner.core.instance import Instance, Progress
from planner.core.rules import Rules
from planner.core.sizes import relabel

__all__ = ["ExactResult", "solve_exact_with_status"]

log = logging.getLogger(__name__)

#: Default seconds for the exact method when no time limit is given.
DEFAULT_TIME_LIMIT = 60.0


@dataclass(frozen=True)
class ExactResult:
    """The best plan found and what was proven about it.

    Attributes
    ----------
    labels
        ``0..k-1`` per clinic, ``-1`` where a connected part cannot meet the size rule.
    optimal
        Whether the cluster count was proven maximal (in every part).
    compact_optimal
        Whether, at that count, the compactness objective was proven minimal too.
    bound
        A proven upper bound on the number of clusters.
    travel
        GP-weighted distance (km) from every clinic to its meeting clinic, summed.
    """

    labels: np.ndarray
    optimal: bool
    compact_optimal: bool
    bound: int
    travel: float

    @property
    def clusters(self) -> int:
        """Number of clusters in the plan."""
        return int(self.labels.max()) + 1 if (self.labels >= 0).any() else 0


def solve_exact_with_status(
    instance: Instance,
    rules: Rules,
    rng: np.random.Generator,
    *,
    time_limit: float | None = None,
    progress: Progress | None = None,
    compactness: bool = True,
) -> ExactResult:
    """Solve every connected part with CP-SAT; return the plan, status and bound.

    Parameters
    ----------
    instance, rules, rng
        As for every solver; ``rng`` seeds the heuristic hint and CP-SAT.
    time_limit
        Seconds in total (default :data:`DEFAULT_TIME_LIMIT`), shared by the parts by size.
    progress
        Optional callback ``progress(done, total, message)``.
    compactness
        Whether to run stage 2 (minimise travel at the best count).

    Returns
    -------
    ExactResult
    """
    from planner.solve.maxp import solve_maxp

    try:
        import ortools  # noqa: F401
    except ImportError:
        raise PlannerError("the exact method needs OR-Tools: pip install ortools") from None
    limit = DEFAULT_TIME_LIMIT if time_limit is None else time_limit
    hint = solve_maxp(instance, rules, rng, effort=0.5)
    labels = np.full(instance.n, -1, dtype=np.int64)
    comp = instance.adjacency.components()
    optimal = compact_optimal = True
    bound, travel, next_label = 0, 0.0, 0
    work = max(int((hint >= 0).sum()), 1)
    done = 0
    for c in range(int(comp.max()) + 1 if instance.n else 0):
        nodes = np.flatnonzero(comp == c)
        if hint[nodes[0]] < 0:
            continue
        share = limit * len(nodes) / work
        seed = int(rng.integers(2**31))
        part = _solve_part(instance, rules, nodes, hint[nodes], share, seed, compactness)
        part_labels, opt, copt, part_bound, part_travel = part
        labels[nodes] = part_labels + next_label
        next_label += int(part_labels.max()) + 1
        optimal &= opt
        compact_optimal &= copt
        bound += part_bound
        travel += part_travel
        done += len(nodes)
        if progress is not None:
            progress(done, work, f"{next_label} clusters, optimal={optimal}")
    return ExactResult(labels, optimal, compact_optimal and optimal, bound, travel)


def _solve_part(
    instance: Instance,
    rules: Rules,
    nodes: np.ndarray,
    hint: np.ndarray,
    time_limit: float,
    seed: int,
    compactness: bool,
) -> tuple[np.ndarray, bool, bool, int, float]:
    """Both stages on one connected part (labels local to the part)."""
    from planner.solve.exact_model import PartModel

    start = time.perf_counter()
    model = PartModel(instance, rules, nodes)
    hint = relabel(hint)
    labels, optimal, bound = model.max_clusters(hint, 0.7 * time_limit, seed)
    spent = time.perf_counter() - start
    labels2, compact_optimal = labels, False
    if compactness:
        labels2, compact_optimal = model.min_travel(labels, max(time_limit - spent, 0.1), seed)
    travel = model.travel(labels2)
    log.debug(
        "exact part of %d clinics: %d clusters (optimal %s, bound %d)",
        len(nodes),
        int(labels2.max()) + 1,
        optimal,
        bound,
    )
    return labels2, optimal, compact_optimal, bound, travel
