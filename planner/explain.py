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

from planner.adjacency import Adjacency
from planner.rules import Rules

__all__ = ["Infeasible", "explain_left_out"]


@dataclass(frozen=True)
class Infeasible:
    """A part of the region without a valid cluster."""

    clinics: tuple[int, ...]
    name: str
    patients: int
    doctors: int
    why: str
    fixes: tuple[str, ...]

    @property
    def text(self) -> str:
        """The whole explanation as one sentence."""
        fix = "; or ".join(self.fixes)
        return f"{self.why}; to fix: {fix}" if fix else self.why


def _part_name(nodes: np.ndarray, names: np.ndarray, munis: np.ndarray | None) -> str:
    if munis is not None:
        found = sorted(set(munis[nodes].tolist()) - {""})
        if found:
            return ", ".join(found)
    shown = ", ".join(names[nodes[:3]].tolist())
    return shown + (" ..." if len(nodes) > 3 else "")


def _needs(rules: Rules) -> str:
    text = f"the {rules.min_patients:,} patients a cluster needs"
    return text + (f" (or {rules.min_doctors} GPs)" if rules.min_doctors else "")


def _link_fix(
    nodes: np.ndarray,
    xy: np.ndarray,
    ids: np.ndarray,
    names: np.ndarray,
    region: np.ndarray | None,
    labels: np.ndarray,
) -> str | None:
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
    return (
        f"add a link (bridge or ferry) from clinic {ids[i]} ({names[i]}) to clinic {ids[j]} "
        f"({names[j]}), {d[a, b] / 1_000:.0f} km"
    )


def _boundary_fix(
    nodes: np.ndarray,
    full: Adjacency,
    labels: np.ndarray,
    areas: Sequence[tuple[str, np.ndarray | None]],
) -> str | None:
    """The boundary the part touches in the full graph but may not cross."""
    across = {
        int(j) for i in nodes for j in full.neighbours(int(i)) if labels[j] >= 0 and j not in nodes
    }
    for word, area in areas:
        if area is None:
            continue
        other = sorted({str(area[j]) for j in across} - set(area[nodes].tolist()))
        if other:
            return f"allow crossing into {word} {other[0]}"
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
    municipality: Sequence[str] | None = None,
    region: Sequence[str] | None = None,
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
    edges = [(int(i), int(j)) for i in out for j in allowed.neighbours(int(i)) if labels[j] < 0]
    comp = Adjacency.from_edges(allowed.n, edges).components()
    parts = []
    for c in dict.fromkeys(comp[out].tolist()):
        nodes = out[comp[out] == c]
        p, d = int(patients[nodes].sum()), int(doctors[nodes].sum())
        name = _part_name(nodes, names_a, munis)
        linked = " and its linked neighbours" if len(nodes) < len(labels) else ""
        why = f"{name}{linked} hold{'' if linked else 's'} {p:,} patients, below {_needs(rules)}"
        if len(nodes) == len(labels):
            why = f"the whole region holds {p:,} patients, below {_needs(rules)}"
        fixes = [
            f
            for f in (
                _link_fix(nodes, xy, ids_a, names_a, regs, labels),
                _boundary_fix(nodes, full, labels, [("region", regs), ("municipality", munis)]),
            )
            if f
        ]
        fixes.append(f"lower min_patients to {max(p, 1):,}")
        parts.append(Infeasible(tuple(nodes.tolist()), name, p, d, why, tuple(fixes)))
    return parts
