"""The graph and sizes as plain Python lists, and small helpers on clusters.

Region growing touches one clinic at a time; for that, Python lists are several times
faster than indexing numpy arrays element by element.  :class:`Context` holds one
connected part's view of an :class:`~planner.core.instance.Instance` in that form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from planner.core.instance import Instance
from planner.core.rules import Rules

__all__ = ["Context"]


@dataclass(frozen=True)
class Context:
    """Neighbour lists, sizes and coordinates (km) as lists, plus the rules.

    Attributes
    ----------
    nbrs
        Neighbours of every clinic (global positions), sorted.
    pat, gps
        Patients and GPs per clinic.
    x, y
        Coordinates in km.
    rules
        The size rule and ceiling.
    to_centre, by_patients
        How :class:`~planner.solve.polish.Travel` prices a cluster.
    """

    nbrs: list[list[int]]
    pat: list[int]
    gps: list[int]
    x: list[float]
    y: list[float]
    rules: Rules
    #: Price a cluster's travel to its GP-weighted centre, not to its meeting clinic (see
    #: :class:`~planner.solve.polish.Travel`): a fixed count's compactness.
    to_centre: bool = False
    #: With ``to_centre``: weigh travel by patients, not GPs, and price no diameter (the
    #: patient-weighted distance to the patient-weighted centre, the report's mean patient km).
    by_patients: bool = False

    @classmethod
    def from_instance(cls, instance: Instance, rules: Rules) -> Context:
        """Convert an instance once; every later step works on lists."""
        ip, ix = instance.adjacency.indptr, instance.adjacency.indices.tolist()
        nbrs = [ix[ip[i] : ip[i + 1]] for i in range(instance.n)]
        xy = instance.xy / 1_000.0
        return cls(
            nbrs,
            instance.patients.tolist(),
            instance.doctors.tolist(),
            xy[:, 0].tolist(),
            xy[:, 1].tolist(),
            rules,
        )

    @property
    def threshold(self) -> int:
        """The patient threshold."""
        return self.rules.min_patients

    def big_enough(self, patients: int, gps: int) -> bool:
        """Whether a cluster of this size meets the size rule."""
        return self.rules.big_enough(patients, gps)

    def totals(self, nodes: Iterable[int]) -> tuple[int, int]:
        """Patients and GPs of a set of clinics."""
        pat, gps = self.pat, self.gps
        p = d = 0
        for i in nodes:
            p += pat[i]
            d += gps[i]
        return p, d

    @cached_property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Coordinates (km) and GPs (at least 0.001, to weigh travel) as numpy arrays."""
        return np.asarray(self.x), np.asarray(self.y), np.maximum(np.asarray(self.gps, float), 1e-3)

    @cached_property
    def gps_per_cluster(self) -> float:
        """GPs of an average cluster: all GPs over the most clusters the patients allow."""
        return sum(self.gps) / max(sum(self.pat) / max(self.threshold, 1), 1.0)

    def valid(self, nodes: Iterable[int]) -> bool:
        """Size rule (and hard ceiling) for a set of clinics."""
        p, d = self.totals(nodes)
        return self.big_enough(p, d) and not self.rules.too_big(p)
