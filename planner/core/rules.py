"""The planner's rules and the clinic table's schema.

A :class:`Rules` object is a frozen value: it says what makes a cluster valid.  The
solver, the evaluation and the outputs all read the same object, so a plan and its
checks can never disagree about the threshold.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from planner.core.errors import PlannerError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "BUDGET_MIN_PER_CLUSTER_DKK",
    "BUDGET_PER_GP_STARTUP_DKK",
    "BUDGET_PER_PATIENT_DKK",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Rules",
]

#: Columns every clinic table must have after column mapping.
REQUIRED_COLUMNS: tuple[str, ...] = ("clinic_id", "name", "lat", "lon", "patients", "doctors")
#: Columns the planner uses when present.
OPTIONAL_COLUMNS: tuple[str, ...] = ("municipality", "region")

#: Annual funding per listed patient (kr).
BUDGET_PER_PATIENT_DKK: float = 4.20
#: Minimum annual funding per cluster (kr).
BUDGET_MIN_PER_CLUSTER_DKK: float = 125_000.0
#: One-off start-up grant per GP (kr).
BUDGET_PER_GP_STARTUP_DKK: float = 10_000.0


@dataclass(frozen=True)
class Rules:
    """What makes a cluster valid.

    Parameters
    ----------
    min_patients
        A cluster must hold at least this many patients (group-1 patients in Denmark).
    min_doctors
        Optional alternative size rule: a cluster is also big enough when it has at least
        this many GPs (the 18-20 GP rule of thumb).  ``None`` means patients only.
    max_patients
        Optional ceiling on a cluster's patients.  ``None`` means no ceiling.
    max_hard
        Whether ``max_patients`` is a hard rule (a cluster above it is invalid) or a soft
        target the solver pursues without giving up a valid cluster (the default).
    link_max_km
        Land masses are joined to the nearest clinic across water only when that clinic
        lies within this distance; farther islands stay unlinked and are reported.

    Examples
    --------
    >>> Rules().min_patients
    30000
    >>> Rules(min_patients=0)
    Traceback (most recent call last):
    ...
    planner.core.errors.PlannerError: min_patients must be a positive whole number, got 0
    """

    min_patients: int = 30_000
    min_doctors: int | None = None
    max_patients: int | None = None
    max_hard: bool = False
    link_max_km: float = 60.0

    def __post_init__(self) -> None:
        if not isinstance(self.min_patients, int) or self.min_patients <= 0:
            raise PlannerError(
                f"min_patients must be a positive whole number, got {self.min_patients!r}"
            )
        if self.max_patients is not None and (
            not isinstance(self.max_patients, int) or self.max_patients < self.min_patients
        ):
            raise PlannerError(
                f"max_patients must be a whole number at least min_patients "
                f"({self.min_patients}), got {self.max_patients!r}"
            )
        if self.min_doctors is not None and (
            not isinstance(self.min_doctors, int) or self.min_doctors <= 0
        ):
            raise PlannerError(
                f"min_doctors must be a positive whole number, got {self.min_doctors!r}"
            )
        if not 0 < self.link_max_km < math.inf:
            raise PlannerError(
                f"link_max_km must be a positive, finite distance, got {self.link_max_km!r}"
            )

    def big_enough(self, patients: int, doctors: int = 0) -> bool:
        """Whether a cluster of this size meets the size rule.

        >>> Rules(min_doctors=18).big_enough(25_000, 18), Rules().big_enough(25_000, 18)
        (True, False)
        """
        if patients >= self.min_patients:
            return True
        return self.min_doctors is not None and doctors >= self.min_doctors

    def size_bound(self, patients: int, doctors: int = 0) -> int:
        """Most clusters a set of clinics with these totals can hold, by size alone.

        With patients only: ``floor(patients / min_patients)``.  With the GP alternative
        every cluster has ``p / min_patients + d / min_doctors >= 1``, and at most
        ``floor(p / min_patients)`` clusters meet the patient rule, ``floor(d / min_doctors)``
        the GP rule.

        >>> Rules().size_bound(95_000, 40), Rules(min_doctors=18).size_bound(95_000, 40)
        (3, 5)
        """
        t, d = self.min_patients, self.min_doctors
        by_patients = int(patients) // t
        if d is None:
            return by_patients
        return min(
            by_patients + int(doctors) // d, (int(patients) * d + int(doctors) * t) // (t * d)
        )

    def valid_sizes(self, patients: np.ndarray, doctors: np.ndarray) -> np.ndarray:
        """Per entry, whether a cluster of these totals meets the size rule and any hard
        ceiling (:meth:`big_enough` and not :meth:`too_big`, for arrays).

        >>> import numpy as np
        >>> Rules(max_patients=40_000, max_hard=True).valid_sizes(
        ...     np.array([25_000, 35_000, 45_000]), np.array([0, 0, 0])).tolist()
        [False, True, False]
        """
        import numpy as np  # here, so that the command line's --help need not load numpy

        ok = patients >= self.min_patients
        if self.min_doctors is not None:
            ok |= doctors >= self.min_doctors
        if self.hard_ceiling is not None:
            ok &= patients <= self.hard_ceiling
        return np.asarray(ok, dtype=bool)

    @property
    def hard_ceiling(self) -> int | None:
        """The most patients a cluster may have when the ceiling is hard, else ``None``.

        >>> Rules(max_patients=40_000, max_hard=True).hard_ceiling
        40000
        >>> Rules(max_patients=40_000).hard_ceiling is None
        True
        """
        return self.max_patients if self.max_hard else None

    def too_big(self, patients: int) -> bool:
        """Whether a cluster of this size breaks a *hard* ceiling."""
        return self.hard_ceiling is not None and patients > self.hard_ceiling

    def to_dict(self) -> dict[str, Any]:
        """Return the rules as a plain, JSON-ready dictionary."""
        return asdict(self)
