"""The CP-SAT models of one connected part (see :mod:`planner.solve.exact` and
:mod:`planner.solve.finish`)."""

from __future__ import annotations

import math

import numpy as np
from ortools.sat.python import cp_model

from planner.core.instance import Instance
from planner.core.rules import Rules

__all__ = ["PartModel", "max_packing"]

#: Distances enter the objective in units of 10 m.
SCALE = 100.0


class PartModel:
    """Builds and solves the two stages on the clinics ``nodes`` (one connected part)."""

    def __init__(self, instance: Instance, rules: Rules, nodes: np.ndarray) -> None:
        self.rules = rules
        self.m = len(nodes)
        pos = {int(g): i for i, g in enumerate(nodes)}
        self.nbrs = [[pos[int(j)] for j in instance.adjacency.neighbours(int(g))] for g in nodes]
        self.pat = instance.patients[nodes].astype(int).tolist()
        self.gps = instance.doctors[nodes].astype(int).tolist()
        xy = instance.xy[nodes] / 1_000.0
        self.dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])

    def _build(self, min_root: bool) -> tuple[cp_model.CpModel, dict, dict]:
        m, rules = self.m, self.rules
        model = cp_model.CpModel()
        x = {
            (i, j): model.new_bool_var(f"x{i}_{j}")
            for i in range(m)
            for j in range(m)
            if not min_root or j <= i
        }
        parent = {(i, p): model.new_bool_var(f"a{i}_{p}") for i in range(m) for p in self.nbrs[i]}
        label = [model.new_int_var(0, m - 1, f"l{i}") for i in range(m)]
        depth = [model.new_int_var(0, m - 1, f"d{i}") for i in range(m)]
        for i in range(m):
            row = [x[i, j] for j in range(m) if (i, j) in x]
            model.add_exactly_one(row)
            model.add(label[i] == sum(j * x[i, j] for j in range(m) if (i, j) in x))
            model.add(sum(parent[i, p] for p in self.nbrs[i]) + x[i, i] == 1)
            for p in self.nbrs[i]:
                model.add(label[i] == label[p]).only_enforce_if(parent[i, p])
                model.add(depth[i] >= depth[p] + 1).only_enforce_if(parent[i, p])
        for j in range(m):
            col = [i for i in range(m) if (i, j) in x]
            for i in col:
                if i != j:
                    model.add_implication(x[i, j], x[j, j])
                    # a member other than the root has a neighbour in the same cluster
                    near = [x[p, j] for p in self.nbrs[i] if (p, j) in x]
                    model.add_bool_or(near).only_enforce_if(x[i, j])
            pat = sum(self.pat[i] * x[i, j] for i in col)
            if rules.min_doctors is None:
                model.add(pat >= rules.min_patients * x[j, j])
            else:
                bp, bd = model.new_bool_var(f"bp{j}"), model.new_bool_var(f"bd{j}")
                model.add(pat >= rules.min_patients * bp)
                model.add(sum(self.gps[i] * x[i, j] for i in col) >= rules.min_doctors * bd)
                model.add_bool_or([bp, bd]).only_enforce_if(x[j, j])
            if rules.hard_ceiling is not None:
                model.add(pat <= rules.hard_ceiling)
        return model, x, parent

    def _hint(
        self, model: cp_model.CpModel, x: dict, parent: dict, labels: np.ndarray, roots: list[int]
    ) -> None:
        for c, root in enumerate(roots):
            members = set(np.flatnonzero(labels == c).tolist())
            seen, queue = {root}, [root]
            while queue:
                u = queue.pop(0)
                for v in self.nbrs[u]:
                    if v in members and v not in seen:
                        seen.add(v)
                        queue.append(v)
                        model.add_hint(parent[v, u], 1)
            for i in members:
                model.add_hint(x[i, root], 1)

    def _solver(self, time_limit: float, seed: int) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(time_limit, 0.05)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed % (2**31)
        return solver

    def _labels(self, solver: cp_model.CpSolver, x: dict) -> np.ndarray:
        root = np.array(
            [
                next(j for j in range(self.m) if (i, j) in x and solver.value(x[i, j]))
                for i in range(self.m)
            ]
        )
        _, labels = np.unique(root, return_inverse=True)
        return labels.astype(np.int64)

    def max_clusters(
        self, hint: np.ndarray, time_limit: float, seed: int
    ) -> tuple[np.ndarray, bool, int]:
        """Stage 1: the most clusters; returns labels, whether proven, and the bound."""
        model, x, parent = self._build(min_root=True)
        roots = [int(np.flatnonzero(hint == c).min()) for c in range(int(hint.max()) + 1)]
        self._hint(model, x, parent, hint, roots)
        n_roots = sum(x[j, j] for j in range(self.m))
        model.add(n_roots >= len(roots))
        if self.rules.min_doctors is None:
            model.add(n_roots <= sum(self.pat) // self.rules.min_patients)
        model.maximize(n_roots)
        solver = self._solver(time_limit, seed)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return hint, False, self._trivial_bound()
        bound = math.floor(solver.best_objective_bound + 1e-6)
        return self._labels(solver, x), status == cp_model.OPTIMAL, bound

    def _trivial_bound(self) -> int:
        if self.rules.min_doctors is None:
            return sum(self.pat) // self.rules.min_patients
        return self.m

    def meeting(self, labels: np.ndarray) -> list[int]:
        """The meeting clinic (least GP-weighted travel) of every cluster."""
        gp = np.maximum(np.asarray(self.gps, float), 1e-9)
        out = []
        for c in range(int(labels.max()) + 1):
            mem = np.flatnonzero(labels == c)
            travel = self.dist[np.ix_(mem, mem)] @ gp[mem]
            out.append(int(mem[int(np.argmin(travel))]))
        return out

    def travel(self, labels: np.ndarray) -> float:
        """GP-weighted km from every clinic to its cluster's meeting clinic."""
        roots = self.meeting(labels)
        return float(sum(self.gps[i] * self.dist[i, roots[labels[i]]] for i in range(self.m)))

    def min_travel(
        self, labels: np.ndarray, time_limit: float, seed: int
    ) -> tuple[np.ndarray, bool]:
        """Stage 2: at the same count, the least GP-weighted travel to meeting clinics."""
        model, x, parent = self._build(min_root=False)
        k = int(labels.max()) + 1
        self._hint(model, x, parent, labels, self.meeting(labels))
        model.add(sum(x[j, j] for j in range(self.m)) == k)
        cost = {key: round(self.gps[key[0]] * self.dist[key] * SCALE) for key in x}
        model.minimize(sum(cost[key] * var for key, var in x.items()))
        solver = self._solver(time_limit, seed)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return labels, False
        found = self._labels(solver, x)
        if self.travel(found) > self.travel(labels):
            return labels, False
        return found, status == cp_model.OPTIMAL


def max_packing(
    sets: list[list[int]],
    m: int,
    hint: list[int],
    seed: int,
    time_limit: float | None,
    work: float,
) -> tuple[list[int] | None, bool, float]:
    """The most pairwise disjoint of ``sets`` (of positions ``0..m-1``), with ``hint``
    (indices of disjoint sets) as the starting point.

    Nothing but the sets and the count: bounds on the count (even a valid one) make
    CP-SAT lose its way (on North Carolina's counties at 10,000 births: 27 after 30
    deterministic units with them, 28 proven the most in 1.4 without).

    One worker, ``seed``, at most ``work`` deterministic time units (the same answer on any
    machine) and, when given, ``time_limit`` seconds.  Returns the chosen sets' indices
    (``None`` when none was found), whether that many is proven the most, and the
    deterministic time spent.
    """
    model = cp_model.CpModel()
    take = [model.new_bool_var(f"s{k}") for k in range(len(sets))]
    holding: list[list[cp_model.IntVar]] = [[] for _ in range(m)]
    for var, members in zip(take, sets, strict=True):
        for i in members:
            holding[i].append(var)
    for row in holding:
        if len(row) > 1:
            model.add_at_most_one(row)
    for k in hint:
        model.add_hint(take[k], 1)
    model.maximize(sum(take))
    solver = cp_model.CpSolver()
    if time_limit is not None:
        solver.parameters.max_time_in_seconds = max(time_limit, 0.05)
    solver.parameters.max_deterministic_time = work
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed % (2**31)
    status = solver.solve(model)
    spent = solver.deterministic_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, status == cp_model.INFEASIBLE, spent
    chosen = [k for k, var in enumerate(take) if solver.value(var)]
    return chosen, status == cp_model.OPTIMAL, spent
