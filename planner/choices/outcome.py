"""What applying clinics' choices produced: labels, names, conflicts, reasons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from planner.core.adjacency import Adjacency
from planner.core.choices import Choices
from planner.core.reasons import Reason
from planner.core.sizes import Sizes

__all__ = ["Conflict", "Context", "Solved"]


@dataclass(frozen=True)
class Conflict:
    """A choice that could not be honoured as asked."""

    kind: str
    clinics: str
    detail: str  # in English
    why: Reason | None = None  # the same, to be written in any language

    @classmethod
    def of(cls, kind: str, clinics: str, why: Reason) -> Conflict:
        """A conflict whose detail is written from ``why``."""
        return cls(kind, clinics, why.text("en"), why)


@dataclass
class Solved:
    """Labels per clinic position with what was said about them."""

    labels: np.ndarray
    names: dict[int, str] = field(default_factory=dict)  # label -> locked cluster's name
    conflicts: list[Conflict] = field(default_factory=list)
    reasons: dict[int, Reason] = field(default_factory=dict)  # position -> why left out


class Context:
    """Working state of one planning run with choices: ids, graph, sizes, output."""

    def __init__(
        self, ids: Sequence[str] | np.ndarray, adjacency: Adjacency, sizes: Sizes, choices: Choices
    ) -> None:
        self.ids = np.asarray(ids, dtype=object)
        self.pos = {str(c): i for i, c in enumerate(self.ids.tolist())}
        self.adj = adjacency
        self.sizes = sizes
        self.choices = choices
        self.out = Solved(np.full(len(self.ids), -1, dtype=np.int64))

    def conflict(self, kind: str, nodes: Iterable[int], why: Reason) -> None:
        names = "; ".join(str(self.ids[i]) for i in nodes)
        self.out.conflicts.append(Conflict.of(kind, names, why))

    def reachable(self, start: int, allowed: np.ndarray) -> dict[int, int]:
        """Breadth-first parents from ``start`` over allowed clinics."""
        parent = {start: start}
        queue = [start]
        for i in queue:
            for j in self.adj.neighbours(i):
                j = int(j)
                if allowed[j] and j not in parent:
                    parent[j] = i
                    queue.append(j)
        return parent
