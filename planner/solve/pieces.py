"""A large connected part cut into pieces that are solved apart, then mended at the seams.

:func:`split_part` cuts a part of many clinics in two again and again (always the largest
piece, across its longer side, at its patient-weighted median) until each piece holds about
:data:`PIECE` clinics.  A cut can leave a piece in several connected bits: every bit that
can hold a cluster is a piece of its own, and a bit too small for one joins the piece it
borders most, so every piece is connected and can hold a cluster.

The pieces are solved by the default solver each on its own (in parallel where there are
workers, see :mod:`.maxp`), with their share of the part's work, and the clusters that
touch another piece (:func:`seam_clinics`) are then regrown and polished on the whole
part.  How a part is cut depends on its clinics alone, never on the number of workers, so
a seed gives the same plan on any machine.
"""

from __future__ import annotations

import os

import numpy as np

from planner.solve.context import Context
from planner.solve.state import Plan

__all__ = ["PIECE", "SPLIT_AT", "available_workers", "seam_clinics", "split_part"]

#: Parts of at least this many clinics are solved in pieces.
SPLIT_AT = 30_000
#: Clinics per piece, about.
PIECE = 20_000


def available_workers() -> int:
    """Cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not on Linux
        return max(os.cpu_count() or 1, 1)


def split_part(ctx: Context, nodes: list[int], pieces: int) -> list[list[int]]:
    """Cut a connected part into about ``pieces`` connected pieces that can each hold a
    cluster (see the module's text); each piece ascending, pieces in a fixed order."""
    groups = [sorted(nodes)]
    while len(groups) < pieces:
        groups.sort(key=len)
        largest = groups.pop()
        if len(largest) < 2:
            groups.append(largest)
            break
        groups.extend(_bisect(ctx, largest))
    return _connected(ctx, groups)


def _bisect(ctx: Context, nodes: list[int]) -> list[list[int]]:
    idx = np.asarray(nodes)
    xs, ys = np.asarray(ctx.x)[idx], np.asarray(ctx.y)[idx]
    along = xs if np.ptp(xs) >= np.ptp(ys) else ys
    order = np.lexsort((idx, along))
    weight = np.asarray(ctx.pat)[idx[order]].astype(float) + 1.0
    cut = int(np.searchsorted(np.cumsum(weight), weight.sum() / 2))
    cut = min(max(cut, 1), len(nodes) - 1)
    return [sorted(idx[order[:cut]].tolist()), sorted(idx[order[cut:]].tolist())]


def _connected(ctx: Context, groups: list[list[int]]) -> list[list[int]]:
    """Connected bits of the groups; bits too small for a cluster join a neighbour."""
    nbrs = ctx.nbrs
    owner: dict[int, int] = {}
    bits: list[list[int]] = []
    for group in groups:
        inside = set(group)
        seen: set[int] = set()
        for start in group:
            if start in seen:
                continue
            bit, stack = [], [start]
            seen.add(start)
            while stack:
                i = stack.pop()
                bit.append(i)
                for j in nbrs[i]:
                    if j in inside and j not in seen:
                        seen.add(j)
                        stack.append(j)
            for i in bit:
                owner[i] = len(bits)
            bits.append(bit)
    alive = [True] * len(bits)
    changed = True
    while changed:
        changed = False
        for b, bit in enumerate(bits):
            if not alive[b] or ctx.big_enough(*ctx.totals(bit)):
                continue
            touch: dict[int, int] = {}
            for i in bit:
                for j in nbrs[i]:
                    o = owner[j]
                    if o != b:
                        touch[o] = touch.get(o, 0) + 1
            if not touch:
                continue
            into = max(sorted(touch), key=lambda o: touch[o])
            bits[into].extend(bit)
            for i in bit:
                owner[i] = into
            bits[b], alive[b], changed = [], False, True
    out = [sorted(bit) for b, bit in enumerate(bits) if alive[b] and bit]
    out.sort(key=lambda bit: bit[0])
    return out


def seam_clinics(plan: Plan, pieces: list[list[int]]) -> list[int]:
    """Clinics of the clusters that border a cluster of another piece, ascending."""
    piece_of: dict[int, int] = {}
    for p, piece in enumerate(pieces):
        for i in piece:
            piece_of[plan.label[i]] = p
    label, nbrs = plan.label, plan.ctx.nbrs
    seam: set[int] = set()
    for piece in pieces:
        for i in piece:
            c = label[i]
            if any(label[j] >= 0 and piece_of.get(label[j]) != piece_of[c] for j in nbrs[i]):
                seam.add(c)
    return sorted(i for c in seam for i in plan.members[c])
