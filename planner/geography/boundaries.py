"""Administrative boundaries: regions a cluster never crosses, municipalities it rarely does.

The rule is applied around any solver, as a change to the graph it sees.  Clinics are
grouped into *planning units*: a municipality (or a piece of one cut off by water) that is
big enough for a cluster of its own is a unit by itself; one that is too small joins the
fewest neighbouring municipalities it needs.  Edges between units are cut, so no solver
can build a cluster across them, and every unit of more than one municipality carries
the reason, which the outputs repeat for every cluster that crosses a boundary.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from planner.core.adjacency import Adjacency
from planner.core.errors import PlannerError
from planner.core.reasons import Reason, names_list
from planner.core.rules import Rules
from planner.core.sizes import weighted_centres
from planner.geography.areas import assign_areas

__all__ = [
    "BOUNDARY_MODES",
    "Merge",
    "Units",
    "assign_areas",
    "boundary_mode",
    "crossing_reason_values",
    "crossing_reasons",
    "cut_between",
    "planning_units",
]

log = logging.getLogger(__name__)

#: Accepted values of the boundary option.
BOUNDARY_MODES = ("auto", "none", "region", "municipality")
_EXHAUSTIVE = 3  # merges of up to this many neighbours are searched exhaustively


@dataclass(frozen=True)
class Merge:
    """Municipalities joined into one planning unit, and why."""

    municipalities: tuple[str, ...]
    why: Reason
    cause: tuple[str, ...] = ()  # the municipalities (or pieces) whose need made the merge

    @property
    def reason(self) -> str:
        """Why, in English."""
        return self.why.text("en")


@dataclass(frozen=True)
class Units:
    """Planning units of the clinics and the graph a solver may use.

    Attributes
    ----------
    mode
        ``"none"``, ``"region"`` or ``"municipality"`` (``"auto"`` resolved).
    unit
        Unit label per clinic position.
    adjacency
        The contiguity graph with every edge between units cut.
    merges
        Each unit of more than one municipality (or with a piece of another), and why.
    unit_merges
        Indexes into ``merges`` per unit label.
    conflicts
        Requests to keep clinics together that the boundaries forbid (region crossings).
    """

    mode: str
    unit: np.ndarray
    adjacency: Adjacency
    merges: tuple[Merge, ...] = ()
    unit_merges: dict[int, list[int]] = field(default_factory=dict)
    conflicts: tuple[Reason, ...] = ()


def boundary_mode(mode: str, columns: Sequence[str]) -> str:
    """Resolve ``"auto"`` from the columns present; check the value.

    >>> boundary_mode("auto", ["region", "municipality"]), boundary_mode("auto", ["x"])
    ('municipality', 'none')
    """
    if mode not in BOUNDARY_MODES:
        raise PlannerError(f"boundaries must be one of {', '.join(BOUNDARY_MODES)}, got '{mode}'")
    if mode == "auto":
        if "municipality" in columns:
            return "municipality"
        return "region" if "region" in columns else "none"
    needed = "municipality" if mode == "municipality" else "region"
    if mode != "none" and needed not in columns:
        raise PlannerError(
            f"boundaries = '{mode}' needs a '{needed}' column or a {needed} boundary file"
        )
    return mode


def cut_between(adjacency: Adjacency, label: Sequence | np.ndarray) -> Adjacency:
    """The graph without the edges whose two clinics carry different labels.

    >>> adj = Adjacency.from_edges(3, [(0, 1), (1, 2)])
    >>> cut_between(adj, ["a", "a", "b"]).n_edges
    1
    """
    return adjacency.within(np.asarray(label))


def _atoms(adjacency: Adjacency, region: np.ndarray, muni: np.ndarray) -> np.ndarray:
    """Atom per clinic: a connected piece of one municipality within one region."""
    return adjacency.within(region).within(muni).components()


class _Groups:
    """Union-find over atoms with totals, for merging small municipalities."""

    def __init__(
        self, atom: np.ndarray, patients: np.ndarray, doctors: np.ndarray, xy: np.ndarray
    ) -> None:
        k = int(atom.max()) + 1 if len(atom) else 0
        self.parent = list(range(k))
        self.p = np.bincount(atom, weights=patients, minlength=k)
        self.d = np.bincount(atom, weights=doctors, minlength=k)
        w = patients.astype(float) + 1.0
        self.xy = weighted_centres(atom, xy, w, k)
        self.w = np.bincount(atom, weights=w, minlength=k)

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, members: Sequence[int]) -> int:
        root = self.find(members[0])
        for other in members[1:]:
            r = self.find(other)
            if r == root:
                continue
            w = self.w[root] + self.w[r]
            self.xy[root] = (self.xy[root] * self.w[root] + self.xy[r] * self.w[r]) / w
            self.w[root] = w
            self.p[root] += self.p[r]
            self.d[root] += self.d[r]
            self.parent[r] = root
        return root


def _best_merge(
    g: int, nbrs: dict[int, set[int]], groups: _Groups, rules: Rules
) -> tuple[int, ...] | None:
    """The fewest neighbouring groups that make ``g`` big enough (then most clusters, nearest)."""
    frontier: set[frozenset[int]] = {frozenset()}
    threshold = rules.min_patients
    for _ in range(_EXHAUSTIVE):
        grown: set[frozenset[int]] = set()
        for chosen in frontier:
            touching = set(nbrs[g]).union(*(nbrs[c] for c in chosen)) - chosen - {g}
            grown.update(chosen | {t} for t in touching)
        best, best_key = None, None
        for chosen in grown:
            p = groups.p[g] + sum(groups.p[c] for c in chosen)
            d = groups.d[g] + sum(groups.d[c] for c in chosen)
            if not rules.big_enough(int(p), int(d)):
                continue
            gain = int(p // threshold) - sum(int(groups.p[c] // threshold) for c in chosen)
            travel = sum(float(np.hypot(*(groups.xy[c] - groups.xy[g]))) for c in chosen)
            key = (-gain, round(travel, 3), sorted(chosen))
            if best_key is None or key < best_key:
                best, best_key = chosen, key
        if best is not None:
            return tuple(sorted(best))
        frontier = set(itertools.islice(sorted(grown, key=sorted), 2_000))
        if not frontier:
            return None
    return _greedy_merge(g, nbrs, groups, rules)


def _greedy_merge(
    g: int, nbrs: dict[int, set[int]], groups: _Groups, rules: Rules
) -> tuple[int, ...] | None:
    chosen: list[int] = []
    p, d = groups.p[g], groups.d[g]
    while not rules.big_enough(int(p), int(d)):
        touching = set(nbrs[g]).union(*(nbrs[c] for c in chosen)) - set(chosen) - {g}
        if not touching:
            return None
        nxt = min(touching, key=lambda c: (float(np.hypot(*(groups.xy[c] - groups.xy[g]))), c))
        chosen.append(nxt)
        p, d = p + groups.p[nxt], d + groups.d[nxt]
    return tuple(sorted(chosen))


def _names(atoms: Sequence[int], atom_name: dict[int, str]) -> tuple[str, ...]:
    """The atoms' names as a reason field ("A, B and C")."""
    return names_list(atom_name[a] for a in atoms)


def _size_words(rules: Rules) -> Reason:
    if rules.min_doctors:
        return Reason(
            "needs_patients_or_gps", {"patients": rules.min_patients, "gps": rules.min_doctors}
        )
    return Reason("needs_patients", {"patients": rules.min_patients})


class _Merger:
    """Grows planning units from atoms; remembers every merge and why."""

    def __init__(
        self,
        atom: np.ndarray,
        region: np.ndarray,
        names: dict[int, str],
        patients: np.ndarray,
        doctors: np.ndarray,
        xy: np.ndarray,
        edges: list[tuple[int, int]],
    ) -> None:
        self.groups = _Groups(atom, patients, doctors, xy)
        self.region_of = {int(a): region[i] for i, a in enumerate(atom)}
        self.atom_name = names
        self.edges = edges  # atom pairs (same region)
        self.merges: list[tuple[list[int], Merge]] = []

    def members(self, root: int) -> list[int]:
        return [a for a in range(len(self.groups.parent)) if self.groups.find(a) == root]

    def neighbours(self) -> dict[int, set[int]]:
        find = self.groups.find
        roots = {find(a) for a in range(len(self.groups.parent))}
        nbrs: dict[int, set[int]] = {r: set() for r in roots}
        for a, b in self.edges:
            ra, rb = find(a), find(b)
            if ra != rb:
                nbrs[ra].add(rb)
                nbrs[rb].add(ra)
        return nbrs

    def join(self, atoms: Sequence[int], reason: Reason, cause: Sequence[int] = ()) -> None:
        roots = sorted({self.groups.find(a) for a in atoms})
        if len(roots) < 2:
            return
        every = sorted(a for r in roots for a in self.members(r))
        self.groups.union(roots)
        munis = tuple(sorted({self.atom_name[a] for a in every}))
        why = tuple(sorted({self.atom_name[a] for a in (cause or every)}))
        self.merges.append((every, Merge(munis, reason, why)))

    def merge_small(self, rules: Rules) -> None:
        hopeless: set[int] = set()
        while True:
            nbrs = self.neighbours()
            g_p, g_d = self.groups.p, self.groups.d
            small = [
                r
                for r in nbrs
                if r not in hopeless and not rules.big_enough(int(g_p[r]), int(g_d[r]))
            ]
            if not small:
                return
            g = min(small, key=lambda r: (g_p[r], r))
            chosen = _best_merge(g, nbrs, self.groups, rules)
            if chosen is None:
                hopeless.add(g)
                continue
            mine, theirs = self.members(g), [a for c in chosen for a in self.members(c)]
            reason = Reason(
                "too_small_joins",
                {
                    "small": _names(mine, self.atom_name),
                    "patients": int(g_p[g]),
                    "needs": _size_words(rules),
                    "joins": _names(theirs, self.atom_name),
                },
            )
            self.join([g, *chosen], reason, cause=mine)


def _atom_names(atom: np.ndarray, label: np.ndarray) -> dict[int, str]:
    pieces: dict[str, set[int]] = {}
    for a, name in zip(atom.tolist(), label.tolist(), strict=True):
        pieces.setdefault(name, set()).add(a)
    names = {}
    for name, atoms in pieces.items():
        for a in atoms:
            names[a] = name if len(atoms) == 1 else f"{name} (part)"
    return names


def planning_units(
    adjacency: Adjacency,
    patients: np.ndarray,
    doctors: np.ndarray,
    xy: np.ndarray,
    *,
    rules: Rules,
    mode: str,
    region: Sequence[str] | np.ndarray | None = None,
    municipality: Sequence[str] | np.ndarray | None = None,
    together: Sequence[tuple[Reason, np.ndarray]] = (),
) -> Units:
    """Group clinics into planning units and cut the graph between them.

    Parameters
    ----------
    adjacency
        The full contiguity graph.
    patients, doctors, xy
        Per clinic position.
    rules
        The size rule deciding which municipalities are big enough to stand alone.
    mode
        ``"none"``, ``"region"`` or ``"municipality"`` (see :func:`boundary_mode`).
    region, municipality
        Area name per clinic (``None`` when absent).
    together
        ``(what, positions)`` of clinics that must share a cluster (``what`` names a group
        or a locked cluster): their municipalities join one unit (within a region), and why.

    Returns
    -------
    Units
    """
    n = adjacency.n
    if mode == "none" or n == 0:
        return Units("none", np.zeros(n, dtype=np.int64), adjacency)
    reg = np.asarray(region if region is not None else [""] * n, dtype=object).astype(str)
    mun = (
        reg if mode == "region" or municipality is None else np.asarray(municipality, dtype=object)
    )
    mun = np.asarray(mun).astype(str)
    atom = _atoms(adjacency, reg, mun)
    names = _atom_names(atom, mun)
    edges = {
        (int(atom[i]), int(atom[j]))
        for i in range(n)
        for j in adjacency.neighbours(i)
        if i < j and reg[i] == reg[j] and atom[i] != atom[j]
    }
    merger = _Merger(atom, reg, names, patients, doctors, xy, sorted(edges))
    conflicts = []
    for what, nodes in together:
        nodes = np.asarray(nodes)
        regions = sorted(set(reg[nodes]))
        if len(regions) > 1:
            conflicts.append(Reason("spans_regions", {"what": what, "regions": ", ".join(regions)}))
        for r in regions:
            atoms = sorted(set(atom[nodes[reg[nodes] == r]].tolist()))
            merger.join(atoms, Reason("together", {"what": what, "areas": _names(atoms, names)}))
    if mode == "municipality":
        merger.merge_small(rules)
    return _units(merger, atom, adjacency, mode, conflicts)


def _units(
    merger: _Merger, atom: np.ndarray, adjacency: Adjacency, mode: str, conflicts: list[Reason]
) -> Units:
    roots = np.array([merger.groups.find(int(a)) for a in atom], dtype=np.int64)
    _, unit = np.unique(roots, return_inverse=True)
    unit = unit.reshape(-1)
    merges = tuple(m for _, m in merger.merges)
    by_unit: dict[int, list[int]] = {}
    first_clinic = {int(a): i for i, a in reversed(list(enumerate(atom.tolist())))}
    for k, (atoms, _) in enumerate(merger.merges):
        u = int(unit[first_clinic[atoms[0]]])
        by_unit.setdefault(u, []).append(k)
    within = cut_between(adjacency, unit)
    cut = adjacency.n_edges - within.n_edges
    log.info("boundaries (%s): %d planning units, %d edges cut", mode, unit.max() + 1, cut)
    return Units(
        mode,
        unit,
        within,
        merges,
        by_unit,
        tuple(conflicts),
    )


def crossing_reasons(
    labels: np.ndarray, municipality: Sequence[str] | np.ndarray | None, units: Units
) -> dict[int, str]:
    """Why each cluster that spans municipalities does so, by cluster label (English)."""
    found = crossing_reason_values(labels, municipality, units)
    return {c: why.text("en") for c, why in found.items()}


def crossing_reason_values(
    labels: np.ndarray, municipality: Sequence[str] | np.ndarray | None, units: Units
) -> dict[int, Reason]:
    """Why each cluster that spans municipalities does so, by cluster label."""
    if municipality is None:
        return {}
    mun = np.asarray(municipality, dtype=object).astype(str)
    out: dict[int, Reason] = {}
    for c in np.unique(labels[labels >= 0]):
        nodes = np.flatnonzero(labels == c)
        munis = set(mun[nodes])
        if len(munis) < 2:
            continue
        if units.mode != "municipality":
            out[int(c)] = Reason("boundaries_off", {"mode": units.mode})
            continue
        merges = [
            units.merges[k]
            for u in sorted(set(units.unit[nodes].tolist()))
            for k in units.unit_merges.get(u, [])
        ]
        found = [m for m in merges if munis & _plain(m.cause)]
        if not found:
            found = [m for m in merges if len(munis & _plain(m.municipalities)) > 1]
        reasons = list({r.code(): r for r in (_reason_here(m, munis) for m in found)}.values())
        if not reasons:
            out[int(c)] = Reason("one_unit")
        else:
            out[int(c)] = (
                reasons[0] if len(reasons) == 1 else Reason("several", {"items": tuple(reasons)})
            )
    return out


def _reason_here(merge: Merge, munis: set[str]) -> Reason:
    """A merge's reason, saying which part of the merged unit this cluster holds."""
    if _plain(merge.municipalities) <= munis:
        return merge.why
    here = ", ".join(sorted(munis & _plain(merge.municipalities)))
    return Reason("crossing_part", {"merge": merge.why, "here": here})


def _plain(names: Sequence[str]) -> set[str]:
    return {n.removesuffix(" (part)") for n in names}
