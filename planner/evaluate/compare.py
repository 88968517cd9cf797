"""Two cluster assignments of the same clinics side by side: who moves, who gains.

Cluster ids of two plans need not mean the same area (a plan numbers its clusters north
to south, so one extra cluster in the north renumbers all the others, and current
clusters carry names of their own).  The clusters are therefore paired first, each
cluster of the second plan with the cluster of the first that shares most patients with
it (an optimal one-to-one assignment), and a clinic moves when its new cluster is not
the partner of its old one.

>>> import pandas as pd
>>> a = pd.Series(["N", "N", "S", "S"])
>>> b = pd.Series(["C02", "C01", "C01", "C01"])
>>> match_clusters(a, b, [5, 1, 3, 3])
{'C01': 'S', 'C02': 'N'}
>>> moved(a, b, match_clusters(a, b, [5, 1, 3, 3])).tolist()
[False, True, False, False]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

__all__ = ["PlanDiff", "diff_assignments", "match_clusters", "moved", "none_if_blank"]


def none_if_blank(values: Sequence[object] | pd.Series) -> pd.Series:
    """Cluster ids as strings, with missing, NaN and blank ids as ``None``."""
    index = values.index if isinstance(values, pd.Series) else None
    clean = [None if v is None or pd.isna(v) or str(v).strip() == "" else str(v) for v in values]
    return pd.Series(clean, index=index, dtype=object)


def match_clusters(
    a: Sequence[object] | pd.Series,
    b: Sequence[object] | pd.Series,
    weights: Sequence[float] | np.ndarray | None = None,
) -> dict[str, str]:
    """Pair each cluster of ``b`` with at most one cluster of ``a``.

    Parameters
    ----------
    a, b
        Cluster id per clinic in the first and second plan (blank: in no cluster).
    weights
        Weight per clinic (its patients); every clinic weighs 1 when omitted.

    Returns
    -------
    dict
        Cluster of ``b`` -> its partner in ``a``, chosen to maximise the weight the pairs
        share; clusters without a partner are absent.
    """
    a, b = none_if_blank(a), none_if_blank(b)
    w = pd.Series(np.ones(len(a)) if weights is None else np.asarray(weights, float) + 1e-9)
    both = a.notna() & b.notna()
    if not both.any():
        return {}
    shared = pd.crosstab(b[both], a[both], values=w[both], aggfunc="sum").fillna(0.0)
    rows, cols = linear_sum_assignment(shared.to_numpy(), maximize=True)
    return {
        str(shared.index[r]): str(shared.columns[c])
        for r, c in zip(rows, cols, strict=True)
        if shared.iat[r, c] > 0
    }


def moved(
    a: Sequence[object] | pd.Series, b: Sequence[object] | pd.Series, match: dict[str, str]
) -> pd.Series:
    """Whether each clinic changes cluster between ``a`` and ``b`` under ``match``."""
    a, b = none_if_blank(a), none_if_blank(b)
    partner = b.map(lambda v: match.get(v) if v is not None else None)
    same = (a.isna() & b.isna()) | (a.notna() & b.notna() & (partner == a))
    return ~same.astype(bool)


@dataclass(frozen=True)
class PlanDiff:
    """What changes from plan A to plan B.

    Attributes
    ----------
    moves
        One row per clinic that changes cluster: ``clinic_id, name, patients, cluster_a,
        cluster_b``.
    clusters
        One row per cluster pair: ``cluster_a, cluster_b, patients_a, patients_b, gained,
        lost, net`` (a cluster found in one plan only has a blank partner).
    match
        Cluster of B -> paired cluster of A.
    only_a, only_b
        Clinic ids found in one plan only.
    unweighed
        Clinics whose patients neither plan records (a folder with only
        ``assignments.csv``): they count as 0 patients in the figures.
    """

    moves: pd.DataFrame
    clusters: pd.DataFrame
    match: dict[str, str]
    only_a: list[str]
    only_b: list[str]
    unweighed: int = 0


def diff_assignments(a: pd.DataFrame, b: pd.DataFrame) -> PlanDiff:
    """Compare two assignments ``clinic_id, name, patients, cluster_id`` (A before B)."""
    keep = ["clinic_id", "name", "patients", "cluster_id"]
    left = a[keep].assign(clinic_id=a["clinic_id"].astype(str))
    right = b[["clinic_id", "cluster_id", "patients"]].assign(clinic_id=b["clinic_id"].astype(str))
    joined = left.merge(right, on="clinic_id", suffixes=("_a", "_b"), how="inner")
    joined["cluster_a"] = none_if_blank(joined["cluster_id_a"]).to_numpy()
    joined["cluster_b"] = none_if_blank(joined["cluster_id_b"]).to_numpy()
    # A plan folder with only assignments.csv has no counts: take them from the other plan.
    counts = pd.to_numeric(joined["patients_a"], errors="coerce")
    counts = counts.fillna(pd.to_numeric(joined["patients_b"], errors="coerce"))
    unweighed = int(counts.isna().sum())
    patients = counts.fillna(0).astype(int)
    joined["patients"] = patients
    match = match_clusters(joined["cluster_a"], joined["cluster_b"], patients.to_numpy())
    is_moved = moved(joined["cluster_a"], joined["cluster_b"], match).to_numpy()
    moves = joined.loc[is_moved, ["clinic_id", "name", "patients", "cluster_a", "cluster_b"]]
    moves = moves.sort_values(["cluster_a", "cluster_b", "clinic_id"], na_position="first")

    pairs: list[tuple[str | None, str | None]] = [(ca, cb) for cb, ca in match.items()]
    paired_a = set(match.values())
    pairs += [(ca, None) for ca in sorted(set(joined["cluster_a"].dropna()) - paired_a)]
    pairs += [(None, cb) for cb in sorted(set(joined["cluster_b"].dropna()) - set(match))]
    rows = []
    for ca, cb in pairs:
        in_a = joined["cluster_a"] == ca if ca is not None else pd.Series(False, joined.index)
        in_b = joined["cluster_b"] == cb if cb is not None else pd.Series(False, joined.index)
        rows.append(
            {
                "cluster_a": ca or "",
                "cluster_b": cb or "",
                "patients_a": int(patients[in_a].sum()),
                "patients_b": int(patients[in_b].sum()),
                "gained": int(patients[in_b & ~in_a].sum()),
                "lost": int(patients[in_a & ~in_b].sum()),
            }
        )
    clusters = pd.DataFrame(
        rows, columns=["cluster_a", "cluster_b", "patients_a", "patients_b", "gained", "lost"]
    )
    clusters["net"] = clusters["patients_b"] - clusters["patients_a"]
    order = sorted(
        range(len(clusters)),
        key=lambda k: (
            clusters["cluster_a"].iat[k] == "",
            clusters["cluster_a"].iat[k],
            clusters["cluster_b"].iat[k],
        ),
    )
    clusters = clusters.iloc[order].reset_index(drop=True)
    ids_a, ids_b = set(left["clinic_id"]), set(right["clinic_id"])
    return PlanDiff(
        moves=moves.reset_index(drop=True),
        clusters=clusters,
        match=match,
        only_a=sorted(ids_a - ids_b),
        only_b=sorted(ids_b - ids_a),
        unweighed=unweighed,
    )
