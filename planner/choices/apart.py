"""Repairs after solving: pairs that must not share a cluster, islands and their links.

Both move as few clinics as they can and only when every cluster touched stays
contiguous and meets the size rule; what cannot be repaired is listed as a conflict.
"""

from __future__ import annotations

import logging

import numpy as np

from planner.choices.outcome import Context
from planner.choices.repair import neighbour_clusters, stays_valid
from planner.core.reasons import Reason

__all__ = ["cheapest_links", "move_apart"]

log = logging.getLogger(__name__)


def move_apart(ctx: Context, pinned: np.ndarray) -> None:
    """Repair every pair that must not share a cluster by moving one clinic out."""
    labels, sizes = ctx.out.labels, ctx.sizes
    partners: dict[int, set[int]] = {}
    pairs = [
        (ctx.pos[a], ctx.pos[b])
        for a, b in ctx.choices.cannot_link
        if a in ctx.pos and b in ctx.pos
    ]
    for a, b in pairs:
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    for a, b in pairs:
        if labels[a] < 0 or labels[a] != labels[b]:
            continue
        cent = sizes.centres(labels)
        options = []
        for x in (a, b):
            if pinned[x] or not stays_valid(ctx.adj, labels, np.array([x]), sizes):
                continue
            for c in neighbour_clusters(ctx.adj, labels, np.array([x])):
                clash = any(labels[p] == c for p in partners.get(x, ()))
                if clash or sizes.too_big(np.append(np.flatnonzero(labels == c), x)):
                    continue
                options.append((float(np.hypot(*(sizes.xy[x] - cent[c]))), x, c))
        if options:
            _, x, c = min(options)
            labels[x] = c
            log.info("moved %s to keep it apart from its pair", ctx.ids[x])
            continue
        if _swap_apart(ctx, (a, b), pinned, partners):
            continue
        why = "apart_pinned" if pinned[a] and pinned[b] else "apart_stuck"
        ctx.conflict("cannot_link", [a, b], Reason(why))


def _swap_ok(ctx: Context, labels: np.ndarray, c: int) -> bool:
    nodes = np.flatnonzero(labels == c)
    sizes = ctx.sizes
    return sizes.valid(nodes) and ctx.adj.subgraph_connected(nodes)


def _swap_apart(
    ctx: Context, pair: tuple[int, int], pinned: np.ndarray, partners: dict[int, set[int]]
) -> bool:
    """Keep a pair apart by swapping one of them with a clinic of a neighbouring cluster."""
    labels = ctx.out.labels
    for x in pair:
        if pinned[x]:
            continue
        c = int(labels[x])
        for c2 in neighbour_clusters(ctx.adj, labels, np.array([x])):
            if any(labels[p] == c2 for p in partners.get(x, ())):
                continue
            for y in np.flatnonzero(labels == c2).tolist():
                if pinned[y] or any(labels[p] == c for p in partners.get(y, ())):
                    continue
                trial = labels.copy()
                trial[x], trial[y] = c2, c
                if _swap_ok(ctx, trial, c) and _swap_ok(ctx, trial, c2):
                    labels[x], labels[y] = c2, c
                    log.info("swapped %s and %s to keep a pair apart", ctx.ids[x], ctx.ids[y])
                    return True
    return False


def cheapest_links(ctx: Context, links: list[tuple[int, int, float]], pinned: np.ndarray) -> None:
    """A small land mass joins the cluster across its cheapest link when it can."""
    if not links:
        return
    labels, sizes = ctx.out.labels, ctx.sizes
    links = [(i, j, t) for i, j, t in links if j in ctx.adj.neighbours(i)]  # not cut
    link_set = {(min(i, j), max(i, j)) for i, j, _ in links}
    pairs = ctx.adj.edge_array()
    land = ctx.adj.keep_edges(
        np.array([(int(i), int(j)) not in link_set for i, j in pairs], dtype=bool)
    ).components()
    for mass in np.unique(land):
        nodes = np.flatnonzero(land == mass)
        own = set(labels[nodes].tolist())
        if len(own) != 1 or -1 in own or sizes.big_enough(nodes) or pinned[nodes].any():
            continue
        crossing = [(t, i, j) for i, j, t in links if (land[i] == mass) != (land[j] == mass)]
        far = [(t, j if land[i] == mass else i) for t, i, j in crossing]
        out = [(t, int(labels[k])) for t, k in far if labels[k] >= 0]
        if not out:
            continue
        _, target = min(out)
        current = labels[nodes[0]]
        if target == current or not stays_valid(ctx.adj, labels, nodes, sizes):
            continue
        if sizes.too_big(np.concatenate([np.flatnonzero(labels == target), nodes])):
            continue
        labels[nodes] = target
        log.info("island of %d clinic(s) joins the cluster across its cheapest link", len(nodes))
