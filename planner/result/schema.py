"""Every column list of a plan's tables, in one place: what the result holds, what the
files carry (counts only, never a patient-level record), and how a crossing is flagged."""

from __future__ import annotations

import pandas as pd

from planner.load.skipped import SKIPPED_COLUMNS

__all__ = [
    "CHANGE_COLUMNS",
    "CLINIC_FIELDS",
    "CLUSTER_COLUMNS",
    "CONFLICT_COLUMNS",
    "CROSSING_COLUMNS",
    "INFEASIBLE_COLUMNS",
    "LINK_FIELDS",
    "OPTIONAL_CLINIC_FIELDS",
    "SKIPPED_COLUMNS",
    "UNASSIGNED_COLUMNS",
    "crossing_flags",
]

#: Choices not honoured as asked (``conflicts.csv``).
CONFLICT_COLUMNS = ["kind", "clinics", "detail", "detail_code"]
#: Clinics that change cluster when re-planning (``changes.csv``).
CHANGE_COLUMNS = ["clinic_id", "name", "patients", "doctors", "from_cluster", "to_cluster"]
#: Parts of the region without a valid cluster, and the fixes (``infeasible.csv``).
INFEASIBLE_COLUMNS = [
    "part", "clinics", "patients", "doctors", "why", "fixes", "why_code", "fixes_code",
]  # fmt: skip
#: Rows of the clinics file skipped with ``skip_invalid`` (``skipped.csv``) are
#: :data:`SKIPPED_COLUMNS`: row, clinic_id, column, reason.
#: Clinics in no cluster (``unassigned.csv``).
UNASSIGNED_COLUMNS = ["clinic_id", "name", "patients", "reason", "reason_code"]
#: The figures every cluster row has (``clusters.geojson``), at the least.
CLUSTER_COLUMNS = [
    "cluster_id", "patients", "doctors", "clinics", "municipalities", "meeting_clinic_id",
    "meeting_clinic", "mean_gp_km", "farthest_km", "diameter_km", "budget_dkk", "startup_dkk",
    "status",
]  # fmt: skip
#: Fields of ``clinics.geojson`` (counts only), and the optional ones when a plan has them.
CLINIC_FIELDS = (
    "clinic_id", "name", "patients", "doctors", "cluster_id", "status", "reason", "reason_code",
)  # fmt: skip
OPTIONAL_CLINIC_FIELDS = ("municipality", "region", "current_cluster")
#: Fields of ``links.geojson``.
LINK_FIELDS = ("clinic_a", "clinic_b", "distance_km", "kind")
#: Columns a cluster table may carry to flag boundary crossings.
CROSSING_COLUMNS = ("crossings", "boundary_crossings", "crosses_municipality", "crosses_region")


def crossing_flags(clusters: pd.DataFrame) -> pd.Series:
    """Per cluster, a note on boundary crossings ('' for none), from any known column.

    >>> crossing_flags(pd.DataFrame({"crossings": ["", "Ærø is too small"]})).tolist()
    ['', 'Ærø is too small']
    """
    notes = pd.Series("", index=clusters.index, dtype=object)
    for col in CROSSING_COLUMNS:
        if col not in clusters.columns:
            continue
        for idx, value in clusters[col].items():
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            text = str(value).strip()
            if text.lower() in ("", "0", "0.0", "false", "none", "[]"):
                continue
            shown = col.replace("_", " ") if text.lower() == "true" else text
            notes[idx] = "; ".join(filter(None, [notes[idx], shown]))
    return notes
