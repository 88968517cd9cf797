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

import logging
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable

import numpy as np

from planner.core.rules import Rules
from planner.core.workers import worker_cap
from planner.solve.context import Context
from planner.solve.improve import split_pass
from planner.solve.maxp import (
    POLISH_DIAMETER_WEIGHT,
    Effort,
    regrow,
    solve_part,
    spawn_streams,
)
from planner.solve.polish import polish_moves
from planner.solve.state import Plan

__all__ = [
    "PIECE",
    "SPLIT_AT",
    "in_pieces",
    "seam_clinics",
    "solve_in_pieces",
    "split_part",
]

log = logging.getLogger(__name__)

#: Parts of at least this many clinics are solved in pieces.
SPLIT_AT = 30_000
#: Clinics per piece, about.
PIECE = 20_000


def in_pieces(n: int, rules: Rules) -> bool:
    """Whether a part of ``n`` clinics is solved in pieces: from :data:`SPLIT_AT` clinics,
    and never under a hard ceiling (a cut could leave a piece that no plan under the
    ceiling fits, and the seams' mending cannot always repair that)."""
    return n >= SPLIT_AT and rules.hard_ceiling is None


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


#: Regrows per cluster on the seams between pieces (see :func:`solve_in_pieces`).
SEAM_REGROWS = 6
#: Share of a time limit the pieces may use (the rest mends the seams).
PIECES_SHARE = 0.8


def solve_in_pieces(
    ctx: Context,
    nodes: list[int],
    rng: np.random.Generator,
    time_limit: float | None,
    effort: Effort,
    report: Callable[[float, str], None],
) -> Plan:
    """A large part solved in pieces (:mod:`.pieces`), in parallel where there are
    cores, then the clusters on the seams between pieces regrown and polished.

    Each piece gets the part's constructions and its share of the part's regrows; its own
    random stream makes its plan the same with any number of workers.
    """
    start = time.perf_counter()
    pieces = split_part(ctx, nodes, max(round(len(nodes) / PIECE), 2))
    if len(pieces) < 2:
        return solve_part(ctx, nodes, rng, time_limit, effort, report)
    streams = spawn_streams(rng, len(pieces) + 1)
    workers = _workers(len(pieces))
    rounds = -(-len(pieces) // workers)  # pieces per worker, rounded up
    tasks = []
    for piece, stream in zip(pieces, streams, strict=False):
        share = len(piece) / len(nodes)
        limit = None
        if time_limit is not None:
            limit = time_limit * PIECES_SHARE / rounds  # the pieces run in rounds
        own = Effort(effort.constructions, int(effort.total_regrows * share), effort.sweeps)
        tasks.append((piece, stream, limit, own))
    report(0.05, f"{len(nodes):,} clinics in {len(pieces)} pieces, {workers} at a time")
    labels: list[list[int]] = []
    for done, found in enumerate(_map_pieces(ctx, tasks, workers), start=1):
        labels.append(found)
        report(0.8 * done / len(pieces), f"{done} of {len(pieces)} pieces solved")
    plan = Plan(ctx, nodes)
    for piece, found in zip(pieces, labels, strict=True):
        ids: dict[int, int] = {}
        for i, c in zip(piece, found, strict=True):
            if c not in ids:
                ids[c] = plan.new_cluster()
            plan.add(i, ids[c])
    seam = seam_clinics(plan, pieces)
    if seam:
        bound = ctx.rules.size_bound(*ctx.totals(nodes))

        def used() -> float:
            return 0.0 if time_limit is None else (time.perf_counter() - start) / time_limit

        steps = SEAM_REGROWS * len({plan.label[i] for i in seam})
        mend = streams[-1]
        plan = regrow(plan, seam, mend, steps, bound, used, report, limit=0.95)
        split_pass(plan)
        near = sorted({j for i in seam for j in (i, *ctx.nbrs[i])})
        polish_moves(plan, near, mend, effort.sweeps, POLISH_DIAMETER_WEIGHT)
        split_pass(plan)
    log.info(
        "%d clinics solved in %d pieces (%d worker(s)): %d clusters in %.1f s",
        len(nodes),
        len(pieces),
        workers,
        plan.k,
        time.perf_counter() - start,
    )
    return plan


def _workers(pieces: int) -> int:
    """Processes to solve pieces in: one per core on Linux (at most ``PLANNER_WORKERS``
    when that is set), none inside a daemon process (a batch worker, which may not start
    processes of its own).  The plan is the same with any number."""
    if sys.platform != "linux" or multiprocessing.current_process().daemon:
        return 1  # fork is safe on Linux only (macOS: system libraries; Windows: none)
    return max(min(worker_cap(), pieces), 1)


#: The part's context in a piece-solving process (set once per process).
_PIECE_CTX: list[Context] = []


def _init_piece_worker(ctx: Context) -> None:
    _PIECE_CTX[:] = [ctx]


_Task = tuple[list[int], np.random.Generator, float | None, Effort]


def _piece_labels(task: _Task) -> list[int]:
    """Labels ``0..k-1`` of one piece, solved alone."""
    piece, stream, limit, effort = task
    plan = solve_part(_PIECE_CTX[0], piece, stream, limit, effort, lambda *_: None)
    return plan.labels(np.asarray(piece)).tolist()


def _map_pieces(ctx: Context, tasks: list[_Task], workers: int) -> Iterable[list[int]]:
    """Each task's labels, in order; in ``workers`` processes when more than one."""
    if workers <= 1:
        _init_piece_worker(ctx)
        yield from map(_piece_labels, tasks)
        return
    # fork: the pieces' processes start with the part in memory, and a caller's script
    # is not run again in them (as spawn would, without an ``if __name__`` guard)
    with multiprocessing.get_context("fork").Pool(
        workers, initializer=_init_piece_worker, initargs=(ctx,)
    ) as pool:
        yield from pool.imap(_piece_labels, tasks)
