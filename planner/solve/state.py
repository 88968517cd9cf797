"""A plan under construction: labels, members and running sums per cluster.

The running sums give every cluster's patients, GPs and centroid, and its spread
(patient-weighted squared distance to the centroid) in O(1), so construction and local
search can price a move without walking the cluster.
"""

from __future__ import annotations

import numpy as np

from planner.core.sizes import relabel
from planner.solve.context import Context

__all__ = ["FREE", "OUTSIDE", "STUCK", "Plan"]

#: Label of a clinic not yet in a cluster.
FREE = -1
#: Label of a clinic enclosed where no cluster fits, waiting to join a neighbour.
STUCK = -2
#: Label of a clinic outside the clinics a plan covers (another piece of a part).
OUTSIDE = -3


class Plan:
    """Mutable clusters over the clinics of a :class:`Context`.

    Cluster ids are never reused while a plan lives; a dissolved cluster keeps an empty
    member set.  :meth:`labels` renumbers them ``0..k-1``.
    """

    def __init__(self, ctx: Context, nodes: list[int] | None = None) -> None:
        self.ctx = ctx
        n = len(ctx.pat)
        if nodes is None:
            self.label: list[int] = [FREE] * n
        else:  # only these clinics are free to take: the others are OUTSIDE
            self.label = [OUTSIDE] * n
            for i in nodes:
                self.label[i] = FREE
        self.members: list[set[int]] = []
        self.pat: list[int] = []
        self.gps: list[int] = []
        self.w: list[float] = []
        self.sx: list[float] = []
        self.sy: list[float] = []
        self.sq: list[float] = []
        self.k = 0  # number of non-empty clusters
        self.pool: list[int] = []  # ids of empty clusters, for reuse
        self.touched: set[int] = set()  # clusters changed since the last copy
        self.parent: Plan | None = None  # the plan whose label list this one shares

    def copy(self, share_label: bool = False) -> Plan:
        """A copy that shares member sets until it changes them (copy on write).

        With ``share_label`` the copy writes its labels into this plan's list (no copy of
        a list as long as the clinics): until the copy is taken or :meth:`revert` ed,
        this plan's labels are not to be read.
        """
        other = Plan.__new__(Plan)
        other.ctx = self.ctx
        other.parent = self if share_label else None
        other.label = self.label if share_label else self.label.copy()
        other.members = self.members.copy()
        for name in ("pat", "gps", "w", "sx", "sy", "sq", "pool"):
            setattr(other, name, getattr(self, name).copy())
        other.k = self.k
        other.touched = set()
        self.touched = set()  # both sides now copy a shared set before changing it
        return other

    def revert(self) -> None:
        """Give a copy made with ``share_label`` its labels back to the plan it came from.

        Every clinic whose label the copy changed was in a cluster the copy changed, and
        the plan it came from still holds those clusters' members.
        """
        parent = self.parent
        if parent is None:
            return
        label, members = self.label, parent.members
        for c in self.touched:
            if c < len(members):
                for i in members[c]:
                    label[i] = c
        self.parent = None

    def _own(self, c: int) -> set[int]:
        if c not in self.touched:
            self.members[c] = set(self.members[c])
            self.touched.add(c)
        return self.members[c]

    def new_cluster(self) -> int:
        """Open an empty cluster (reusing an empty id when one is free) and return its id."""
        if self.pool:
            c = self.pool.pop()
            self._own(c)
            return c
        self.members.append(set())
        for name in ("pat", "gps", "w", "sx", "sy", "sq"):
            getattr(self, name).append(0)
        c = len(self.members) - 1
        self.touched.add(c)
        return c

    def add(self, i: int, c: int) -> None:
        """Put clinic ``i`` into cluster ``c``."""
        ctx = self.ctx
        p = ctx.pat[i]
        w = p + 1.0
        x, y = ctx.x[i], ctx.y[i]
        self.label[i] = c
        members = self._own(c)
        if not members:
            self.k += 1
        members.add(i)
        self.pat[c] += p
        self.gps[c] += ctx.gps[i]
        self.w[c] += w
        self.sx[c] += w * x
        self.sy[c] += w * y
        self.sq[c] += w * (x * x + y * y)

    def remove(self, i: int, to: int = FREE) -> None:
        """Take clinic ``i`` out of its cluster, labelling it ``to``."""
        c = self.label[i]
        ctx = self.ctx
        p = ctx.pat[i]
        w = p + 1.0
        x, y = ctx.x[i], ctx.y[i]
        self.label[i] = to
        members = self._own(c)
        members.discard(i)
        self.pat[c] -= p
        self.gps[c] -= ctx.gps[i]
        self.w[c] -= w
        self.sx[c] -= w * x
        self.sy[c] -= w * y
        self.sq[c] -= w * (x * x + y * y)
        if not members:
            self.w[c] = self.sx[c] = self.sy[c] = self.sq[c] = 0.0
            self.pat[c] = self.gps[c] = 0
            self.k -= 1
            self.pool.append(c)

    def dissolve(self, c: int, to: int = FREE) -> set[int]:
        """Empty cluster ``c`` at once, labelling its members ``to``; return them."""
        members = self.members[c]
        label = self.label
        for i in members:
            label[i] = to
        self.members[c] = set()
        self.touched.add(c)
        self.w[c] = self.sx[c] = self.sy[c] = self.sq[c] = 0.0
        self.pat[c] = self.gps[c] = 0
        if members:
            self.k -= 1
            self.pool.append(c)
        return members

    def move(self, i: int, c: int) -> None:
        """Move clinic ``i`` into cluster ``c``."""
        self.remove(i)
        self.add(i, c)

    def centre(self, c: int) -> tuple[float, float]:
        """The patient-weighted centroid of cluster ``c`` (km)."""
        w = self.w[c]
        return self.sx[c] / w, self.sy[c] / w

    def spread(self, c: int) -> float:
        """Patient-weighted squared distance to the centroid (km^2)."""
        w = self.w[c]
        if w <= 0:
            return 0.0
        return max(self.sq[c] - (self.sx[c] ** 2 + self.sy[c] ** 2) / w, 0.0)

    def spread_with(self, c: int, i: int, sign: int) -> float:
        """The spread of ``c`` after adding (``sign=1``) or removing (``-1``) clinic ``i``."""
        ctx = self.ctx
        w = (ctx.pat[i] + 1.0) * sign
        x, y = ctx.x[i], ctx.y[i]
        tw = self.w[c] + w
        if tw <= 1e-9:
            return 0.0
        sx, sy = self.sx[c] + w * x, self.sy[c] + w * y
        return max(self.sq[c] + w * (x * x + y * y) - (sx * sx + sy * sy) / tw, 0.0)

    def spread_traded(self, c: int, out: int, into: int) -> float:
        """The spread of ``c`` after trading its member ``out`` for clinic ``into``."""
        ctx = self.ctx
        wo, wi = ctx.pat[out] + 1.0, ctx.pat[into] + 1.0
        xo, yo, xi, yi = ctx.x[out], ctx.y[out], ctx.x[into], ctx.y[into]
        tw = self.w[c] - wo + wi
        sx = self.sx[c] - wo * xo + wi * xi
        sy = self.sy[c] - wo * yo + wi * yi
        sq = self.sq[c] - wo * (xo * xo + yo * yo) + wi * (xi * xi + yi * yi)
        return max(sq - (sx * sx + sy * sy) / tw, 0.0)

    def live(self) -> list[int]:
        """Ids of the non-empty clusters, ascending."""
        return [c for c, m in enumerate(self.members) if m]

    def neighbour_clusters(self, c: int) -> list[int]:
        """Clusters sharing an edge with cluster ``c``, ascending."""
        label, nbrs = self.label, self.ctx.nbrs
        out = {label[j] for i in self.members[c] for j in nbrs[i]}
        return sorted(d for d in out if d >= 0 and d != c)

    def labels(self, nodes: np.ndarray) -> np.ndarray:
        """Labels of ``nodes`` renumbered ``0..k-1`` (``-1`` for anything unassigned)."""
        raw = np.array([max(self.label[i], -1) for i in nodes.tolist()], dtype=np.int64)
        return relabel(raw)
