"""Re-planning with least change: make the current clusters valid with as few moves as can be.

The current plan is the clinics' ``existing_cluster``.  Clusters that are valid stay as
they are.  A cluster split by the graph keeps its biggest piece; clinics without a cluster
(new, or cut off) form new clusters where there are enough of them, else join the nearest
neighbouring cluster; a cluster below the size rule either takes in border clinics its
neighbours can spare or, when that needs more moves, gives its clinics to its
neighbours; a cluster above a hard ceiling is split by the solver.  Reviewers' proposals
(the map's feedback file) are applied first and those clinics are never moved.

Boundaries hold as in planning: given the planning units (municipalities, or small ones
joined with their neighbours), a clinic only joins a cluster that already holds clinics of
its unit in the current plan, and a new cluster stays inside one unit.  Crossings the
current plan has are kept; re-planning never makes a new one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

from planner.choices.outcome import Conflict, Solved
from planner.choices.repair import neighbour_clusters, stays_valid
from planner.core.adjacency import Adjacency
from planner.core.choices import Choices
from planner.core.instance import Instance
from planner.core.reasons import Reason
from planner.core.sizes import Sizes, relabel_map
from planner.geography.boundaries import cut_between

__all__ = ["replan"]

log = logging.getLogger(__name__)


class _State:
    def __init__(
        self,
        ids: Sequence[str] | np.ndarray,
        adj: Adjacency,
        sizes: Sizes,
        choices: Choices,
        unit: np.ndarray | None,
    ) -> None:
        self.ids = np.asarray(ids, dtype=object)
        self.adj, self.sizes = adj, sizes
        self.unit = np.zeros(adj.n, dtype=np.int64) if unit is None else np.asarray(unit)
        # The graph a new cluster may grow on: no edge between planning units.
        self.local = cut_between(adj, self.unit)
        current = {**choices.existing, **choices.proposed}
        names = sorted(set(current.values()))
        self.names = dict(enumerate(names))
        label_of = {n: k for k, n in self.names.items()}
        self.labels = np.array(
            [label_of.get(current.get(str(c), ""), -1) for c in self.ids], dtype=np.int64
        )
        self.pinned = np.isin(self.ids.astype(str), list(choices.proposed))
        self.conflicts: list[Conflict] = []
        # Clusters held below the size rule by pinned clinics; listed if still small at the end.
        self.stuck: dict[int, Conflict] = {}
        # The planning units each cluster may hold: those it holds in the current plan.
        self.allowed: dict[int, set[int]] = {k: set() for k in self.names}
        for i in np.flatnonzero(self.labels >= 0):
            self.allowed[int(self.labels[i])].add(int(self.unit[i]))

    def new_label(self, name: str, units: set[int]) -> int:
        k = max(self.names, default=-1) + 1
        self.names[k] = name
        self.allowed[k] = set(units)
        return k

    def fits(self, i: int, c: int) -> bool:
        """Whether clinic ``i`` may join cluster ``c`` without a new boundary crossing."""
        return int(self.unit[i]) in self.allowed.get(c, ())

    def members(self, c: int) -> np.ndarray:
        return np.flatnonzero(self.labels == c)

    def big(self, c: int) -> bool:
        return self.sizes.big_enough(self.members(c))


def _pieces(adj: Adjacency, nodes: np.ndarray) -> list[np.ndarray]:
    inside = np.zeros(adj.n, dtype=bool)
    inside[nodes] = True
    comp = adj.restricted(inside).components()
    return [nodes[comp[nodes] == c] for c in dict.fromkeys(comp[nodes].tolist())]


def _split_pieces(st: _State) -> None:
    """A cluster not contiguous keeps its biggest piece; the rest is freed."""
    for c in sorted(st.names):
        nodes = st.members(c)
        if len(nodes) == 0:
            continue
        pieces = _pieces(st.adj, nodes)
        if len(pieces) < 2:
            continue
        pieces.sort(key=lambda p: (-int(st.sizes.patients[p].sum()), int(p[0])))
        for p in pieces[1:]:
            st.labels[p] = -1


def _new_clusters(st: _State, solve: Callable[[Instance], np.ndarray]) -> None:
    """Clinics without a cluster that are enough for clusters of their own get them."""
    free = np.flatnonzero(st.labels < 0)
    for piece in _pieces(st.local, free) if len(free) else []:
        if not st.sizes.big_enough(piece):
            continue
        sz = st.sizes
        instance = Instance.from_arrays(
            st.local.induced(piece),
            sz.patients[piece],
            sz.xy[piece],
            sz.doctors[piece],
        )
        got = solve(instance)
        for k in np.unique(got[got >= 0]):
            label = st.new_label(f"new-{len(st.names) + 1}", {int(st.unit[piece[0]])})
            st.labels[piece[got == k]] = label


def _attach(st: _State, nodes: np.ndarray, banned: int = -2) -> bool:
    """Each clinic joins the neighbouring cluster with the nearest centre, in waves."""
    pending = [int(i) for i in nodes]
    while pending:
        cent = st.sizes.centres(st.labels)
        left, moved = [], False
        for i in pending:
            near = [
                c
                for c in neighbour_clusters(st.adj, st.labels, np.array([i]))
                if c != banned and c != st.labels[i] and st.fits(i, c)
            ]
            if not near:
                left.append(i)
                continue
            st.labels[i] = min(
                near, key=lambda c: (float(np.hypot(*(st.sizes.xy[i] - cent[c]))), c)
            )
            moved = True
        pending = left
        if not moved:
            return False
    return True


def _top_up_moves(
    st: _State, c: int, labels: np.ndarray | None = None, depth: int = 1
) -> list[tuple[int, int]] | None:
    """Moves ``(clinic, to cluster)`` that make cluster ``c`` valid, or None.

    A neighbour gives a border clinic it can spare.  When none can, a neighbour may give
    one it cannot spare if it is then topped up itself in the same way (a chain of
    ``depth`` steps): two moves instead of sharing out the whole cluster.
    """
    labels = st.labels.copy() if labels is None else labels.copy()
    moves: list[tuple[int, int]] = []
    sizes = st.sizes
    while not sizes.big_enough(np.flatnonzero(labels == c)):
        mine = np.flatnonzero(labels == c)
        near = {int(j) for i in mine for j in st.adj.neighbours(int(i)) if labels[j] >= 0}
        border = sorted(j for j in near - set(mine.tolist()) if not st.pinned[j] and st.fits(j, c))
        spare = [j for j in border if stays_valid(st.adj, labels, np.array([j]), sizes)]
        if spare:
            pick = max(spare, key=lambda j: (int(sizes.patients[j]), -j))
            moves.append((pick, c))
            labels[pick] = c
            continue
        chain = _chain(st, c, labels, border, depth) if depth > 0 else None
        if chain is None:
            return None
        for j, to in chain:
            labels[j] = to
        moves += chain
    return moves


def _chain(
    st: _State, c: int, labels: np.ndarray, border: list[int], depth: int
) -> list[tuple[int, int]] | None:
    """The shortest chain: ``c`` takes a border clinic, its cluster is topped up in turn."""
    best: list[tuple[int, int]] | None = None
    for j in border:
        d = int(labels[j])
        rest = np.setdiff1d(np.flatnonzero(labels == d), [j])
        if len(rest) == 0 or not st.adj.subgraph_connected(rest):
            continue
        after = labels.copy()
        after[j] = c
        more = _top_up_moves(st, d, after, depth - 1)
        if more is None:
            continue
        chain = [(j, c), *more]
        if best is None or len(chain) < len(best):
            best = chain
    return best


def _fix_small(st: _State) -> None:
    """Make every cluster below the size rule valid with the fewer moves."""
    tried: set[int] = set()
    while True:
        small = [c for c in st.names if len(st.members(c)) and not st.big(c) and c not in tried]
        if not small:
            return
        c = min(small, key=lambda k: (int(st.sizes.patients[st.members(k)].sum()), k))
        tried.add(c)
        nodes = st.members(c)
        moves = _top_up_moves(st, c)
        if moves is not None and len(moves) <= len(nodes):
            for j, to in moves:
                st.labels[j] = to
            continue
        if st.pinned[nodes].any():
            keep = "; ".join(st.ids[nodes[st.pinned[nodes]]].tolist())
            st.stuck[c] = Conflict.of(
                "proposal", keep, Reason("proposal_stuck", {"name": st.names[c]})
            )
            continue
        saved = st.labels.copy()
        st.labels[nodes] = -1
        if not _attach(st, nodes, banned=c):
            st.labels = saved
            st.conflicts.append(
                Conflict.of("replan", st.names[c], Reason("replan_stuck", {"name": st.names[c]}))
            )
        if not (st.labels == saved).all():
            tried.clear()  # the neighbours changed: clusters tried before may now work


def _split_big(st: _State, solve: Callable[[Instance], np.ndarray]) -> None:
    """A cluster above a hard ceiling is split by the solver; the biggest part keeps its name."""
    for c in sorted(st.names):
        nodes = st.members(c)
        if len(nodes) == 0 or not st.sizes.too_big(nodes):
            continue
        sz = st.sizes
        got = solve(
            Instance.from_arrays(
                st.adj.induced(nodes),
                sz.patients[nodes],
                sz.xy[nodes],
                sz.doctors[nodes],
            )
        )
        parts = sorted(
            np.unique(got[got >= 0]), key=lambda k: -int(sz.patients[nodes[got == k]].sum())
        )
        for n, k in enumerate(parts[1:], start=2):
            st.labels[nodes[got == k]] = st.new_label(f"{st.names[c]}-{n}", st.allowed[c])


def replan(
    ids: Sequence[str] | np.ndarray,
    adjacency: Adjacency,
    sizes: Sizes,
    choices: Choices,
    solve: Callable[[Instance], np.ndarray],
    *,
    unit: np.ndarray | None = None,
) -> Solved:
    """Make the current plan valid with the fewest moves.

    Parameters
    ----------
    ids
        Clinic id per position (clinics closing already removed).
    adjacency
        The graph clusters must be contiguous on (region boundaries cut, municipality
        boundaries not: a current cluster may cross them).
    sizes
        Patients, GPs, coordinates and rules.
    choices
        ``existing`` is the current plan; ``proposed`` moves clinics first and pins them.
    solve
        ``solve(instance) -> labels`` for clinics without a cluster and for splits.
    unit
        Planning unit per position (see :func:`planner.geography.boundaries.planning_units`); a
        clinic joins only a cluster holding its unit in the current plan, a new cluster
        stays in one unit.  ``None``: one unit, no boundary.

    Returns
    -------
    Solved
        Labels with the current clusters' names kept.
    """
    st = _State(ids, adjacency, sizes, choices, unit)
    _split_pieces(st)
    _new_clusters(st, solve)
    _attach(st, np.flatnonzero(st.labels < 0))
    _fix_small(st)
    _split_big(st, solve)
    st.conflicts += [x for c, x in sorted(st.stuck.items()) if not st.big(c)]
    labels, mapping = relabel_map(st.labels)
    names = {mapping[k]: v for k, v in st.names.items() if k in mapping}
    moved = int((labels >= 0).sum())
    log.info("re-planned %d clinics into %d clusters", moved, len(mapping))
    return Solved(labels=labels, names=names, conflicts=st.conflicts)
