"""The problem a solver sees: a graph in arrays, sizes and coordinates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planner.core.adjacency import Adjacency

__all__ = ["Instance", "Progress"]

#: Progress callback: ``progress(done, total, message)``.
Progress = Callable[[float, float, str], None]


@dataclass(frozen=True)
class Instance:
    """Everything a solver needs, as arrays indexed by clinic position.

    Attributes
    ----------
    adjacency
        Contiguity graph (CSR).
    patients
        Patients per clinic (int).
    doctors
        GPs per clinic (int).
    xy
        Coordinates in metres, shape ``(n, 2)``.
    """

    adjacency: Adjacency
    patients: np.ndarray
    doctors: np.ndarray
    xy: np.ndarray

    @property
    def n(self) -> int:
        """Number of clinics."""
        return len(self.patients)

    @classmethod
    def from_arrays(
        cls,
        adjacency: Adjacency,
        patients: np.ndarray,
        xy: np.ndarray,
        doctors: np.ndarray | None = None,
    ) -> Instance:
        """Build an instance, defaulting GPs to one per clinic."""
        patients = np.asarray(patients, dtype=np.int64)
        if doctors is None:
            doctors = np.ones(len(patients), dtype=np.int64)
        return cls(adjacency, patients, np.asarray(doctors, dtype=np.int64), np.asarray(xy, float))
