"""The front door: ``plan(clinics) -> PlanResult``."""

from __future__ import annotations

import functools
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.choices.locks import solve_with_choices
from planner.choices.outcome import Conflict
from planner.choices.replan import replan
from planner.choices.table import choices_from_table
from planner.core.choices import Choices, unknown_ids
from planner.core.errors import PlannerError, Problem, ValidationError
from planner.core.reasons import Reason
from planner.core.rules import Rules
from planner.core.sizes import Sizes
from planner.geography.areas import assign_areas
from planner.geography.boundaries import Units, boundary_mode, cut_between, planning_units
from planner.geography.territories import Geography, build_geography
from planner.load.onland import off_land_problems
from planner.load.validate import file_rows, to_metric, validate_clinics
from planner.result.assemble import Run, assemble
from planner.result.plan_result import PlanResult
from planner.solve import Instance, Progress, get_solver
from planner.solve.exact import ExactResult, solve_exact_with_status

__all__ = ["MODES", "plan"]

#: Planning modes: a fresh plan, or the least change to the current plan.
MODES = ("plan", "replan")

log = logging.getLogger(__name__)

LandLike = shapely.Geometry | gpd.GeoSeries | gpd.GeoDataFrame | None
LinkLike = tuple[str, str] | tuple[str, str, float | None]


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


def _file_columns(func: Callable[..., PlanResult]) -> Callable[..., PlanResult]:
    """Problems found in the clinic table name its columns as the file has them."""

    @functools.wraps(func)
    def wrapper(clinics: pd.DataFrame, *args: Any, **kwargs: Any) -> PlanResult:
        try:
            return func(clinics, *args, **kwargs)
        except ValidationError as exc:
            source = kwargs.get("source") or str(clinics.attrs.get("source", "<clinics>"))
            raise exc.in_file_columns(clinics.attrs.get("columns"), source) from None

    return wrapper


@_file_columns
def plan(
    clinics: pd.DataFrame,
    *,
    rules: Rules | None = None,
    land: LandLike = None,
    links: Sequence[LinkLike] | None = None,
    method: str = "grow",
    random_state: int | np.random.Generator | None = 0,
    time_limit: float | None = None,
    progress: Progress | None = None,
    source: str | None = None,
    boundaries: str = "auto",
    municipalities: gpd.GeoDataFrame | None = None,
    municipality_key: str | None = None,
    regions: gpd.GeoDataFrame | None = None,
    region_key: str | None = None,
    choices: Choices | None = None,
    lock: str = "keep",
    mode: str = "plan",
) -> PlanResult:
    """Propose contiguous clusters of clinics that meet the size rule.

    Parameters
    ----------
    clinics
        A table with ``clinic_id, name, lat, lon, patients, doctors`` (optionally
        ``municipality``, ``region`` and the choice columns ``existing_cluster``,
        ``group``, ``cannot_link``, ``leaving``); validated here, never modified.
    rules
        The size rule and link settings; :class:`~planner.core.rules.Rules` defaults when omitted.
    land
        Land to clip territories to (a geometry in lon/lat, or a GeoSeries/GeoDataFrame
        in any CRS).  ``None`` estimates land from the clinics.
    links
        Explicit links across water, as pairs of clinic ids, optionally with a travel
        cost (``(a, b, minutes)``); a small island joins the cluster across its cheapest.
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
    boundaries
        ``"auto"`` (default: the columns present decide), ``"none"``, ``"region"`` (a
        cluster never crosses a region) or ``"municipality"`` (nor a municipality, unless
        it is too small for a cluster of its own; then it joins the fewest neighbours).
    municipalities, regions
        Boundary polygons; each clinic gets the name (column ``municipality_key`` /
        ``region_key``, default the first column) of the polygon it lies in, replacing
        its own column.
    choices
        More choices (from files) added to those in the table's columns.
    lock
        ``"keep"`` a locked existing cluster as it is, or ``"top_up"`` one below the
        size rule with neighbouring clinics.
    mode
        ``"plan"`` (existing clusters are locked) or ``"replan"`` (existing clusters are
        the current plan, changed as little as makes every cluster valid; the boundaries
        hold as in planning: crossings the current plan has are kept, no move makes one).

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
    if mode not in MODES:
        raise PlannerError(f"mode must be one of {', '.join(MODES)}, got '{mode}'")
    solver = get_solver(method)
    table = to_metric(validate_clinics(clinics, source=source))
    name = source or str(table.attrs.get("source", "<clinics>"))
    table = _with_areas(table, municipalities, municipality_key, regions, region_key)
    wanted = _choices(table, choices, lock, name, int(clinics.attrs.get("first_row", 2)))
    wanted, rejected = _known_targets(wanted)
    bmode = boundary_mode(boundaries, list(table.columns))
    active = np.flatnonzero(~table["clinic_id"].isin(wanted.leaving).to_numpy())
    if len(active) == 0:
        raise PlannerError("every clinic is closing: there is nothing to plan")
    land_m = _land_in(land, table.crs)
    if land_m is not None:  # a clinic at sea has a wrong coordinate (or lat/lon swapped)
        problems = off_land_problems(table, land_m, source=name, rows=file_rows(clinics))
        if problems:
            raise ValidationError(problems)
    sub = table.iloc[active].reset_index(drop=True)
    region = _column(sub, "region") if bmode != "none" else None
    geo = build_geography(
        sub,
        land=land_m,
        links=links,
        link_max_km=rules.link_max_km,
        areas=region,
    )
    built = time.perf_counter()
    ids = sub["clinic_id"].astype(str).to_numpy()
    sizes = Sizes(
        sub["patients"].to_numpy(),
        sub["doctors"].to_numpy(),
        np.column_stack([sub.geometry.x, sub.geometry.y]),
        rules,
    )
    together = [] if mode == "replan" else _together(ids, wanted)
    units = _units(geo, sub, sizes, bmode, together)

    proofs: list[ExactResult] = []

    def solve(instance: Instance) -> np.ndarray:
        if method == "exact":  # keep what CP-SAT proved, for the summary
            found = solve_exact_with_status(
                instance, rules, rng, time_limit=time_limit, progress=progress
            )
            proofs.append(found)
            return found.labels
        return solver(instance, rules, rng, time_limit=time_limit, progress=progress)

    if mode == "replan":
        # Current clusters may cross municipalities (kept), never regions; moves stay in units.
        within_regions = cut_between(geo.adjacency, region) if region is not None else geo.adjacency
        solved = replan(ids, within_regions, sizes, wanted, solve, unit=units.unit)
    else:
        solved = solve_with_choices(
            ids, units.adjacency, sizes, wanted, solve, links=_link_positions(geo.links, ids)
        )
    solved.conflicts[:0] = rejected
    solved_at = time.perf_counter()
    run = Run(table, active, geo, units, solved, wanted, rules, seed, method, mode)
    result = assemble(run)
    # Without a land map the land is estimated, and a link may cross open country.
    result.metrics["land"] = "given" if land_m is not None else "estimated"
    if proofs:
        result.metrics["exact"] = {
            "count_proven_optimal": all(p.optimal for p in proofs),
            "travel_proven_optimal": all(p.compact_optimal for p in proofs),
            # Under the planning rules; only for a single solve over every clinic.
            "proven_upper_bound": proofs[0].bound
            if len(proofs) == 1 and not wanted.existing
            else None,
        }
    result.metrics["runtime_s"] = {
        "geography": round(built - started, 3),
        "solve": round(solved_at - built, 3),
        "total": round(time.perf_counter() - started, 3),
    }
    log.info(
        "%d clusters of at most %d possible in %.1f s",
        result.n_clusters,
        result.metrics.get("upper_bound_tight", result.metrics["upper_bound_parts"]),
        result.metrics["runtime_s"]["total"],
    )
    return result


def _units(
    geo: Geography,
    sub: gpd.GeoDataFrame,
    sizes: Sizes,
    bmode: str,
    together: list[tuple[str, np.ndarray]],
) -> Units:
    """Planning units within the boundaries (the same for planning and re-planning)."""
    return planning_units(
        geo.adjacency,
        sizes.patients,
        sizes.doctors,
        sizes.xy,
        rules=sizes.rules,
        mode=bmode,
        region=_column(sub, "region") if bmode != "none" else None,
        municipality=_column(sub, "municipality"),
        together=together,
    )


def _column(table: pd.DataFrame, column: str) -> np.ndarray | None:
    return table[column].astype(str).to_numpy() if column in table.columns else None


def _with_areas(
    table: gpd.GeoDataFrame,
    municipalities: gpd.GeoDataFrame | None,
    municipality_key: str | None,
    regions: gpd.GeoDataFrame | None,
    region_key: str | None,
) -> gpd.GeoDataFrame:
    """The clinics with ``municipality``/``region`` taken from boundary polygons."""
    problems: list[Problem] = []
    out = table
    for column, polygons, key in (
        ("municipality", municipalities, municipality_key),
        ("region", regions, region_key),
    ):
        if polygons is None:
            continue
        key = key or next(c for c in polygons.columns if c != polygons.geometry.name)
        source = str(polygons.attrs.get("source", f"{column} boundaries"))
        ids = table["clinic_id"].astype(str).tolist()
        names, found = assign_areas(table.geometry, polygons, key, source=source, ids=ids)
        problems += found
        if out is table:
            out = table.copy()
        out[column] = names
    if problems:
        raise ValidationError(problems)
    return out


def _choices(
    table: gpd.GeoDataFrame, extra: Choices | None, lock: str, source: str, first_row: int
) -> Choices:
    wanted = choices_from_table(table, source=source, first_row=first_row)
    if extra is not None:
        wanted = wanted.merged(extra)
    wanted = Choices(
        existing=wanted.existing,
        groups=wanted.groups,
        cannot_link=wanted.cannot_link,
        leaving=wanted.leaving,
        proposed=wanted.proposed,
        lock=lock,
    )
    missing = unknown_ids(wanted, table["clinic_id"].astype(str))
    if missing:
        raise ValidationError(
            [
                Problem(source, None, "clinic_id", f"a choice names clinic '{m}', not in the table")
                for m in missing
            ]
        )
    return wanted


def _known_targets(wanted: Choices) -> tuple[Choices, list[Conflict]]:
    """Drop proposals naming a cluster the current plan does not have, as conflicts.

    A proposal moves a clinic into a cluster of the plan the reviewer saw; without that plan
    (``existing_cluster`` or ``--current``) the cluster's name means nothing, and honouring
    it would lock the clinic into a new cluster of its own.
    """
    size = Counter(wanted.existing.values())
    rejected: list[Conflict] = []
    proposed = {}
    for clinic, target in sorted(wanted.proposed.items()):
        if size[target] > (wanted.existing.get(clinic) == target):
            proposed[clinic] = target
            continue
        where = Reason("where_no_plan" if not wanted.existing else "where_empty")
        why = Reason("proposal_unknown", {"target": target, "where": where})
        rejected.append(Conflict.of("proposal", clinic, why))
    return replace(wanted, proposed=proposed), rejected


def _together(ids: np.ndarray, wanted: Choices) -> list[tuple[Reason, np.ndarray]]:
    """Clinics the boundaries must let share a cluster: groups and locked clusters."""
    pos = {c: i for i, c in enumerate(ids.tolist())}
    out = []
    for name, members in sorted(wanted.groups.items()):
        nodes = [pos[c] for c in members if c in pos]
        if len(nodes) > 1:
            out.append((Reason("what_group", {"name": name}), np.asarray(nodes)))
    current = {**wanted.existing, **wanted.proposed}
    clusters: dict[str, list[int]] = {}
    for clinic, cluster in current.items():
        if clinic in pos:
            clusters.setdefault(cluster, []).append(pos[clinic])
    for name, nodes in sorted(clusters.items()):
        if len(nodes) > 1:
            out.append((Reason("what_existing", {"name": name}), np.asarray(sorted(nodes))))
    return out


def _link_positions(links: gpd.GeoDataFrame, ids: np.ndarray) -> list[tuple[int, int, float]]:
    pos = {c: i for i, c in enumerate(ids.tolist())}
    return [
        (pos[str(a)], pos[str(b)], float(t))
        for a, b, t in zip(links["clinic_a"], links["clinic_b"], links["travel"], strict=True)
    ]
