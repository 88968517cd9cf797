"""The front door: ``plan(clinics) -> PlanResult``."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.errors import PlannerError
from planner.evaluate import check_plan, compactness, part_upper_bound, upper_bound
from planner.geography import Geography, build_geography
from planner.result import PlanResult
from planner.rules import Rules
from planner.solve import Instance, Progress, get_solver
from planner.summarise import cluster_table, left_out_reasons
from planner.validate import to_metric, validate_clinics

__all__ = ["plan"]

log = logging.getLogger(__name__)

LandLike = shapely.Geometry | gpd.GeoSeries | gpd.GeoDataFrame | None


def _seed_from(random_state: int | np.random.Generator | None) -> tuple[int, np.random.Generator]:
    if isinstance(random_state, np.random.Generator):
        seed = int(random_state.integers(0, 2**31 - 1))
    elif random_state is None:
        seed = 0
    elif isinstance(random_state, int | np.integer) and random_state >= 0:
        seed = int(random_state)
    else:
        raise PlannerError(f"random_state must be a non-negative int, got {random_state!r}")
    return seed, np.random.default_rng(seed)


def _land_in(land: LandLike, crs: Any) -> shapely.Geometry | None:
    """Land as one geometry in ``crs``; plain geometries are taken to be lon/lat."""
    if land is None:
        return None
    if isinstance(land, gpd.GeoDataFrame):
        land = land.geometry
    if isinstance(land, gpd.GeoSeries):
        series = land if land.crs is not None else land.set_crs("EPSG:4326")
        return shapely.union_all(series.to_crs(crs).to_numpy())
    return shapely.union_all(gpd.GeoSeries([land], crs="EPSG:4326").to_crs(crs).to_numpy())


def plan(
    clinics: pd.DataFrame,
    *,
    rules: Rules | None = None,
    land: LandLike = None,
    links: Sequence[tuple[str, str]] | None = None,
    method: str = "grow",
    random_state: int | np.random.Generator | None = 0,
    time_limit: float | None = None,
    progress: Progress | None = None,
    source: str | None = None,
) -> PlanResult:
    """Propose contiguous clusters of clinics that meet the size rule.

    Parameters
    ----------
    clinics
        A table with ``clinic_id, name, lat, lon, patients, doctors`` (optionally
        ``municipality``, ``region``); validated here, never modified.
    rules
        The size rule and link settings; :class:`~planner.rules.Rules` defaults when omitted.
    land
        Land to clip territories to (a geometry in lon/lat, or a GeoSeries/GeoDataFrame
        in any CRS).  ``None`` estimates land from the clinics.
    links
        Explicit links across water, as pairs of clinic ids.
    method
        Solver name (see :data:`planner.solve.SOLVERS`).
    random_state
        Seed (int) or generator; the same seed gives the same plan.
    time_limit
        Seconds the solver may spend improving the plan.
    progress
        Callback ``progress(done, total, message)`` for long runs.
    source
        Name of the input (a file path) used in error messages.

    Returns
    -------
    PlanResult

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({
    ...     "clinic_id": ["a", "b", "c", "d"], "name": ["A", "B", "C", "D"],
    ...     "lat": [55.0, 55.0, 55.01, 55.01], "lon": [10.0, 10.01, 10.0, 10.01],
    ...     "patients": [20_000, 15_000, 18_000, 12_000], "doctors": [10, 8, 9, 6]})
    >>> result = plan(table, rules=Rules(min_patients=30_000))
    >>> result.n_clusters, result.complete
    (2, True)
    """
    started = time.perf_counter()
    rules = rules or Rules()
    seed, rng = _seed_from(random_state)
    table = to_metric(validate_clinics(clinics, source=source))
    geo = build_geography(
        table, land=_land_in(land, table.crs), links=links, link_max_km=rules.link_max_km
    )
    built = time.perf_counter()
    instance = Instance.from_arrays(
        geo.adjacency,
        table["patients"].to_numpy(),
        np.column_stack([table.geometry.x, table.geometry.y]),
        table["doctors"].to_numpy(),
    )
    solver = get_solver(method)
    labels = solver(instance, rules, rng, time_limit=time_limit, progress=progress)
    problems = check_plan(geo.adjacency, labels, instance.patients, rules, instance.doctors)
    if problems:  # a solver bug must never reach a planner as a proposal
        raise PlannerError("the solver produced an invalid plan: " + "; ".join(problems))
    solved = time.perf_counter()
    result = _assemble(table, geo, instance, labels, rules, seed, method)
    metrics = result.metrics
    metrics["runtime_s"] = {
        "geography": round(built - started, 3),
        "solve": round(solved - built, 3),
        "total": round(time.perf_counter() - started, 3),
    }
    log.info(
        "%d clusters of at most %d possible in %.1f s",
        result.n_clusters,
        metrics["upper_bound_parts"],
        metrics["runtime_s"]["total"],
    )
    return result


def _assemble(
    table: gpd.GeoDataFrame,
    geo: Geography,
    instance: Instance,
    labels: np.ndarray,
    rules: Rules,
    seed: int,
    method: str,
) -> PlanResult:
    clusters, ids = cluster_table(table, geo.territories, instance, labels, rules)
    clinics = table.copy()
    clinics["cluster_id"] = [ids[c] if c >= 0 else None for c in labels]
    clinics["status"] = np.where(labels >= 0, "clustered", "left out")
    reasons = left_out_reasons(table, geo, labels, rules)
    clinics["reason"] = [reasons.get(i, "") for i in range(len(table))]
    unassigned = pd.DataFrame(
        clinics.loc[labels < 0, ["clinic_id", "name", "patients", "reason"]]
    ).reset_index(drop=True)
    total = int(instance.patients.sum())
    metrics: dict[str, Any] = {
        "clinics": len(table),
        "patients": total,
        "doctors": int(instance.doctors.sum()),
        "clusters": len(clusters),
        "clinics_left_out": len(unassigned),
        "patients_left_out": int(unassigned["patients"].sum()),
        "upper_bound": upper_bound(instance.patients, rules),
        "upper_bound_parts": part_upper_bound(geo.adjacency, instance.patients, rules),
        "links": len(geo.links),
        **compactness(labels, instance.xy, instance.patients, instance.doctors),
    }
    bound = metrics["upper_bound_parts"]
    metrics["share_of_bound"] = round(len(clusters) / bound, 4) if bound else 1.0
    return PlanResult(
        clinics=clinics,
        clusters=clusters,
        unassigned=unassigned,
        links=geo.links,
        territories=geo.territories,
        graph=geo.graph,
        labels=labels,
        metrics=metrics,
        rules=rules,
        seed=seed,
        method=method,
    )
