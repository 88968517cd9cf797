"""Sizes of clinics and clusters: the size rule over sets of clinics, weighted centres and
cluster numbering, each defined once for every stage."""

from __future__ import annotations

import numpy as np

from planner.core.rules import Rules

__all__ = ["Sizes", "members_by_label", "relabel", "relabel_map", "weighted_centres"]


class Sizes:
    """Patients, GPs and coordinates per clinic position, with the rules."""

    def __init__(
        self, patients: np.ndarray, doctors: np.ndarray, xy: np.ndarray, rules: Rules
    ) -> None:
        self.patients = np.asarray(patients, dtype=np.int64)
        self.doctors = np.asarray(doctors, dtype=np.int64)
        self.xy = np.asarray(xy, dtype=float)
        self.rules = rules

    def big_enough(self, nodes: np.ndarray) -> bool:
        """Whether these clinics together meet the size rule."""
        return self.rules.big_enough(
            int(self.patients[nodes].sum()), int(self.doctors[nodes].sum())
        )

    def too_big(self, nodes: np.ndarray) -> bool:
        """Whether these clinics together break a hard ceiling."""
        return self.rules.too_big(int(self.patients[nodes].sum()))

    def valid(self, nodes: np.ndarray) -> bool:
        """Whether these clinics together meet the size rule and any hard ceiling."""
        return self.big_enough(nodes) and not self.too_big(nodes)

    def centres(self, labels: np.ndarray) -> dict[int, np.ndarray]:
        """Patient-weighted centre (weights ``patients + 1``) of every cluster in ``labels``."""
        centre = weighted_centres(labels, self.xy, self.patients.astype(float) + 1.0)
        return {int(c): centre[c] for c in np.unique(labels[labels >= 0])}


def weighted_centres(
    labels: np.ndarray, xy: np.ndarray, weights: np.ndarray, k: int | None = None
) -> np.ndarray:
    """The weighted centre of every group ``0..k-1`` of ``labels`` (``-1`` is ignored).

    Row ``c`` is the centre of the points labelled ``c`` (``nan`` for an empty group).

    >>> weighted_centres(np.array([0, 0, 1, -1]), np.array([[0, 0], [2, 0], [5, 5], [9, 9]]),
    ...                  np.array([1.0, 3.0, 1.0, 1.0])).tolist()
    [[1.5, 0.0], [5.0, 5.0]]
    """
    labels = np.asarray(labels)
    keep = labels >= 0
    if k is None:
        k = int(labels[keep].max()) + 1 if keep.any() else 0
    lab = labels[keep]
    w = np.asarray(weights, dtype=float)[keep]
    pts = np.asarray(xy, dtype=float)[keep]
    tot = np.bincount(lab, weights=w, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.column_stack(
            [np.bincount(lab, weights=w * pts[:, d], minlength=k) / tot for d in (0, 1)]
        )


def relabel_map(labels: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Labels renumbered ``0..k-1`` in order of first clinic (``-1`` stays), and the map.

    >>> relabel_map(np.array([5, -1, 2, 5]))
    (array([ 0, -1,  1,  0]), {5: 0, 2: 1})
    """
    out = np.full(len(labels), -1, dtype=np.int64)
    mapping: dict[int, int] = {}
    for i, c in enumerate(np.asarray(labels).tolist()):
        if c >= 0:
            out[i] = mapping.setdefault(c, len(mapping))
    return out, mapping


def relabel(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered ``0..k-1`` in order of first clinic; ``-1`` stays."""
    return relabel_map(labels)[0]


def members_by_label(labels: np.ndarray) -> dict[int, np.ndarray]:
    """The positions holding each label ``>= 0``, ascending, by label (in label order).

    >>> members_by_label(np.array([2, -1, 0, 2]))
    {0: array([2]), 2: array([0, 3])}
    """
    labels = np.asarray(labels)
    placed = np.flatnonzero(labels >= 0)
    order = placed[np.argsort(labels[placed], kind="stable")]
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return {int(labels[g[0]]): g for g in np.split(order, cuts) if len(g)}
