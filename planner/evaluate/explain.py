"""Why a part of the region has no valid plan, and the smallest change that would fix it.

Clinics a plan leaves out form connected *parts*.  For each part the explanation names it
(by its municipalities when known), says why it cannot form a cluster ("Læsø and its
linked neighbours hold 1,762 patients, below the 30,000 a cluster needs") and lists the
smallest changes that would fix it: a link to the nearest clinic across the water, a
boundary that could be crossed, or the threshold that would let it stand alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner.core.adjacency import Adjacency
from planner.core.reasons import Reason
from planner.core.rules import Rules

__all__ = ["Infeasible", "explain_left_out"]


@dataclass(frozen=True)
class Infeasible:
    """A part of the region without a valid cluster."""

    clinics: tuple[int, ...]
    name: str
    patients: int
    doctors: int
    why_reason: Reason
    fix_reasons: tuple[Reason, ...]

    @property
    def why(self) -> str:
        """Why the part has no cluster, in English."""
        return self.why_reason.text("en")

    @property
    def fixes(self) -> tuple[str, ...]:
        """The changes that would fix it, in English."""
        return tuple(f.text("en") for f in self.fix_reasons)

    @property
    def reason(self) -> Reason:
        """The whole explanation, why and fixes."""
        if not self.fix_reasons:
            return self.why_reason
        return Reason("left_out_fix", {"why": self.why_reason, "fixes": self.fix_reasons})

    @property
    def text(self) -> str:
        """The whole explanation as one sentence (English)."""
        return self.reason.text("en")


def _part_name(nodes: np.ndarray, names: np.ndarray, munis: np.ndarray | None) -> str:
    if munis is not None:
        found = sorted(set(munis[nodes].tolist()) - {""})
        if found:
            return ", ".join(found)
    shown = ", ".join(names[nodes[:3]].tolist())
    return shown + (" ..." if len(nodes) > 3 else "")


def _needs(rules: Rules) -> Reason:
    if rules.min_doctors:
        return Reason(
            "needs_cluster_or_gps", {"patients": rules.min_patients, "gps": rules.min_doctors}
        )
    return Reason("needs_cluster", {"patients": rules.min_patients})


def _link_fix(
    nodes: np.ndarray,
    xy: np.ndarray,
    ids: np.ndarray,
    names: np.ndarray,
    region: np.ndarray | None,
    labels: np.ndarray,
) -> Reason | None:
    """Add a link from the part to the nearest clinic in a cluster (same region)."""
    inside = np.zeros(len(xy), dtype=bool)
    inside[nodes] = True
    target = ~inside & (labels >= 0)
    if region is not None:
        target &= np.isin(region, region[nodes])
    if not target.any():
        return None
    cand = np.flatnonzero(target)
    d = np.hypot(xy[nodes, None, 0] - xy[None, cand, 0], xy[nodes, None, 1] - xy[None, cand, 1])
    a, b = np.unravel_index(int(np.argmin(d)), d.shape)
    i, j = nodes[a], cand[b]
    fields = {"id_a": str(ids[i]), "name_a": str(names[i]), "id_b": str(ids[j])}
    km = int(f"{d[a, b] / 1_000:.0f}")
    return Reason("fix_link", {**fields, "name_b": str(names[j]), "km": km})


def _boundary_fix(
    nodes: np.ndarray,
    full: Adjacency,
    labels: np.ndarray,
    areas: Sequence[tuple[str, np.ndarray | None]],
) -> Reason | None:
    """The boundary the part touches in the full graph but may not cross."""
    across = {
        int(j) for i in nodes for j in full.neighbours(int(i)) if labels[j] >= 0 and j not in nodes
    }
    for word, area in areas:
        if area is None:
            continue
        other = sorted({str(area[j]) for j in across} - set(area[nodes].tolist()))
        if other:
            return Reason(f"fix_cross_{word}", {"area": other[0]})
    return None


def explain_left_out(
    labels: np.ndarray,
    allowed: Adjacency,
    full: Adjacency,
    patients: np.ndarray,
    doctors: np.ndarray,
    xy: np.ndarray,
    ids: Sequence[str],
    names: Sequence[str],
    rules: Rules,
    *,
    municipality: Sequence[str] | np.ndarray | None = None,
    region: Sequence[str] | np.ndarray | None = None,
) -> list[Infeasible]:
    """Explain every connected part of clinics the plan leaves out.

    Parameters
    ----------
    labels
        Cluster label per clinic position, ``-1`` when left out.
    allowed, full
        The graph the plan was made on (boundaries cut) and the whole contiguity graph.
    patients, doctors, xy, ids, names
        Per clinic position.
    rules
        The size rule.
    municipality, region
        Area names per clinic, when known.

    Returns
    -------
    list of Infeasible
        One per part, in order of its first clinic.
    """
    ids_a, names_a = np.asarray(ids, dtype=object), np.asarray(names, dtype=object)
    munis = None if municipality is None else np.asarray(municipality, dtype=object).astype(str)
    regs = None if region is None else np.asarray(region, dtype=object).astype(str)
    out = np.flatnonzero(labels < 0)
    comp = allowed.restricted(labels < 0).components()
    parts = []
    for c in dict.fromkeys(comp[out].tolist()):
        nodes = out[comp[out] == c]
        p, d = int(patients[nodes].sum()), int(doctors[nodes].sum())
        name = _part_name(nodes, names_a, munis)
        key = "part_linked_below" if len(nodes) < len(labels) else "part_below"
        why = Reason(key, {"name": name, "patients": p, "needs": _needs(rules)})
        if len(nodes) == len(labels):
            why = Reason("whole_region_below", {"patients": p, "needs": _needs(rules)})
        fixes = [
            f
            for f in (
                _link_fix(nodes, xy, ids_a, names_a, regs, labels),
                _boundary_fix(nodes, full, labels, [("region", regs), ("municipality", munis)]),
            )
            if f
        ]
        fixes.append(Reason("fix_lower", {"patients": max(p, 1)}))
        parts.append(Infeasible(tuple(nodes.tolist()), name, p, d, why, tuple(fixes)))
    return parts
