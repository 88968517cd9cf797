"""The one contract every solver keeps: a plain callable from an instance to an outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from planner.core.instance import Instance, Progress
from planner.core.rules import Rules

__all__ = ["Outcome", "Proof", "Solver"]


@dataclass(frozen=True)
class Proof:
    """What an exact method proved about its plan.

    Attributes
    ----------
    count_optimal
        The number of clusters was proven maximal (in every connected part).
    travel_optimal
        At that count, the compactness objective was proven minimal too.
    bound
        A proven upper bound on the number of clusters.
    """

    count_optimal: bool
    travel_optimal: bool
    bound: int


@dataclass(frozen=True)
class Outcome:
    """A solver's plan: ``0..k-1`` per clinic (``-1``: its part cannot meet the size rule),
    and what was proven about it (``None`` for a heuristic)."""

    labels: np.ndarray
    proof: Proof | None = None


class Solver(Protocol):
    """``solver(instance, rules, rng, *, time_limit=None, progress=None) -> Outcome``.

    ``rng`` is the only source of randomness: the same generator state gives the same
    plan.  ``time_limit`` (seconds) makes a solver anytime; without it the work is fixed.
    """

    def __call__(
        self,
        instance: Instance,
        rules: Rules,
        rng: np.random.Generator,
        *,
        time_limit: float | None = None,
        progress: Progress | None = None,
    ) -> Outcome: ...
