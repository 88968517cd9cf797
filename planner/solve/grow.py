"""Randomised region growing with restarts (the default solver).

One construction grows a cluster at a time from a peripheral unassigned clinic, always
adding the neighbouring clinic nearest the cluster's centre, and closes the cluster with
the neighbour that lifts it over the threshold with the least overshoot among the near
ones.  Clinics enclosed where no further cluster fits join the neighbouring cluster whose
centre is nearest.  Many randomised constructions run and the plan with the most clusters,
then the smallest spread of patients around the cluster centres, wins.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from planner.core.instance import Instance, Progress
from planner.core.rules import Rules
from planner.core.sizes import weighted_centres

__all__ = ["plan_cost", "solve_grow"]

log = logging.getLogger(__name__)

DEFAULT_RESTARTS = 40


def solve_grow(
    instance: Instance,
    rules: Rules,
    rng: np.random.Generator,
    *,
    time_limit: float | None = None,
    restarts: int = DEFAULT_RESTARTS,
    progress: Progress | None = None,
) -> np.ndarray:
    """Label clinics with contiguous clusters of at least ``rules.min_patients``.

    Parameters
    ----------
    instance
        The graph, sizes and coordinates.
    rules
        The size rule.
    rng
        The only source of randomness.
    time_limit
        Seconds to spend on restarts (at least one construction always runs).
    restarts
        Constructions to try when no time limit is given.
    progress
        Optional callback ``progress(done, total, message)``.

    Returns
    -------
    numpy.ndarray
        ``0..k-1`` per clinic, ``-1`` where its connected part is below the threshold.
    """
    labels = np.full(instance.n, -1, dtype=np.int64)
    comp = instance.adjacency.components()
    threshold = rules.min_patients
    parts = [np.flatnonzero(comp == c) for c in range(int(comp.max()) + 1 if len(comp) else 0)]
    parts = [p for p in parts if instance.patients[p].sum() >= threshold]
    work = sum(len(p) for p in parts) or 1
    done = 0
    next_label = 0
    for part in parts:
        share = None if time_limit is None else time_limit * len(part) / work
        part_labels = _solve_part(instance, part, threshold, rng, share, restarts)
        k = int(part_labels.max()) + 1
        labels[part] = part_labels + next_label
        next_label += k
        done += len(part)
        if progress is not None:
            progress(done, work, f"{next_label} clusters so far")
    return labels


def _solve_part(
    instance: Instance,
    part: np.ndarray,
    threshold: int,
    rng: np.random.Generator,
    time_limit: float | None,
    restarts: int,
) -> np.ndarray:
    """Best of several constructions on one connected part (labels local to the part)."""
    start = time.perf_counter()
    best: np.ndarray | None = None
    best_key: tuple[int, float] | None = None
    attempt = 0
    while True:
        full = _construct(instance, part, threshold, rng, randomise=attempt > 0)
        local = full[part]
        key = (-(int(local.max()) + 1), plan_cost(instance, part, local))
        if best_key is None or key < best_key:
            best, best_key = local, key
        attempt += 1
        elapsed = time.perf_counter() - start
        if time_limit is None:
            if attempt >= restarts:
                break
        elif elapsed >= time_limit or elapsed / attempt > time_limit - elapsed:
            break
    assert best is not None
    log.debug(
        "part of %d clinics: %d clusters after %d constructions",
        len(part),
        -best_key[0] if best_key else 0,
        attempt,
    )
    return best


def plan_cost(instance: Instance, nodes: np.ndarray, labels: np.ndarray) -> float:
    """Patient-weighted squared distance to the cluster centres, in km^2 (lower is better)."""
    xy = instance.xy[nodes] / 1_000.0
    w = instance.patients[nodes].astype(float) + 1e-9
    k = int(labels.max()) + 1
    cx, cy = weighted_centres(labels, xy, w, k).T
    return float(np.sum(w * ((xy[:, 0] - cx[labels]) ** 2 + (xy[:, 1] - cy[labels]) ** 2)))


def _construct(
    instance: Instance,
    part: np.ndarray,
    threshold: int,
    rng: np.random.Generator,
    *,
    randomise: bool,
) -> np.ndarray:
    """One region-growing construction; returns labels for all clinics (-1 outside part)."""
    adj, size, xy = instance.adjacency, instance.patients, instance.xy
    label = np.full(instance.n, -1, dtype=np.int64)
    free = np.zeros(instance.n, dtype=bool)
    free[part] = True
    stuck: list[int] = []
    k = 0
    while free.any():
        seed = _pick_seed(xy, free, rng, randomise)
        members, total = _grow(adj, size, xy, free, seed, threshold, rng, randomise)
        if total >= threshold:
            label[members] = k
            k += 1
        else:
            stuck.extend(members)
    if k == 0:
        label[part] = 0
        return label
    _absorb(adj, xy, size, label, stuck, k)
    return label


def _pick_seed(xy: np.ndarray, free: np.ndarray, rng: np.random.Generator, randomise: bool) -> int:
    """A peripheral free clinic: far from the centre of the free clinics."""
    idx = np.flatnonzero(free)
    centre = xy[idx].mean(axis=0)
    d = np.hypot(*(xy[idx] - centre).T)
    if not randomise or len(idx) < 3:
        return int(idx[int(np.argmax(d))])
    top = idx[np.argsort(-d, kind="stable")[: min(4, len(idx))]]
    return int(rng.choice(top))


def _grow(
    adj: object,
    size: np.ndarray,
    xy: np.ndarray,
    free: np.ndarray,
    seed: int,
    threshold: int,
    rng: np.random.Generator,
    randomise: bool,
) -> tuple[list[int], int]:
    """Grow one cluster from ``seed`` until it reaches the threshold or is enclosed."""
    members = [seed]
    free[seed] = False
    total = int(size[seed])
    weight = float(size[seed]) + 1.0
    centre_sum = xy[seed] * weight
    frontier: set[int] = {int(j) for j in adj.neighbours(seed) if free[j]}  # type: ignore[attr-defined]
    noise = 0.25 if randomise else 0.0
    while total < threshold and frontier:
        cand = np.fromiter(frontier, dtype=np.int64, count=len(frontier))
        cand.sort()
        centre = centre_sum / weight
        dist = np.hypot(*(xy[cand] - centre).T) + 1.0
        if noise:
            dist = dist * (1.0 + noise * rng.random(len(cand)))
        closing = total + size[cand] >= threshold
        if closing.any():
            # Among the clinics that close the cluster and are not much farther than the
            # nearest one, take the one that overshoots least.
            near = dist <= 1.5 * dist[closing].min()
            pool = np.flatnonzero(closing & near)
            over = (total + size[cand[pool]] - threshold) / threshold
            pick = int(cand[pool[np.argmin(dist[pool] * (1.0 + 4.0 * over))]])
        else:
            pick = int(cand[int(np.argmin(dist))])
        members.append(pick)
        free[pick] = False
        frontier.discard(pick)
        total += int(size[pick])
        w = float(size[pick]) + 1.0
        centre_sum = centre_sum + xy[pick] * w
        weight += w
        frontier.update(int(j) for j in adj.neighbours(pick) if free[j])  # type: ignore[attr-defined]
    return members, total


def _absorb(
    adj: object,
    xy: np.ndarray,
    size: np.ndarray,
    label: np.ndarray,
    stuck: list[int],
    k: int,
) -> None:
    """Give every enclosed clinic to a neighbouring cluster, nearest centre first."""
    w = size.astype(float) + 1.0
    cx, cy = weighted_centres(label, xy, w, k).T
    pending = sorted(stuck)
    while pending:
        left = []
        moved = False
        for i in pending:
            nb = [int(label[j]) for j in adj.neighbours(i) if label[j] >= 0]  # type: ignore[attr-defined]
            if not nb:
                left.append(i)
                continue
            options = np.unique(nb)
            d = np.hypot(cx[options] - xy[i, 0], cy[options] - xy[i, 1])
            label[i] = int(options[int(np.argmin(d))])
            moved = True
        if not moved:  # pragma: no cover - impossible in a connected part
            raise RuntimeError("enclosed clinics with no neighbouring cluster")
        pending = left
