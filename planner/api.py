"""The front door: ``plan(clinics, request) -> PlanResult``.

It runs the stages in order, each in its own package, and holds no stage's logic itself::

    load -> geography -> choices -> solve -> evaluate -> result
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.choices.gather import gather_choices, known_targets, together, unkept_proposals
from planner.choices.locks import solve_with_choices
from planner.choices.outcome import Conflict
from planner.choices.replan import replan
from planner.core.choices import Choices
from planner.core.errors import InfeasibleError, PlannerError, ValidationError
from planner.core.i18n import use_words
from planner.core.instance import Instance, Progress
from planner.core.profiles import get_profile
from planner.core.request import PlanRequest, request_fields, seed_from
from planner.core.rules import Rules
from planner.core.sizes import Sizes
from planner.demo.region import demo_sheet, load_demo_land
from planner.evaluate.checks import check_plan, checked, tight_upper_bound
from planner.geography.areas import with_areas
from planner.geography.boundaries import boundary_mode, cut_between, planning_units
from planner.geography.land import land_in
from planner.geography.parts import part_land
from planner.geography.polygons import polygon_geography
from planner.geography.territories import build_geography
from planner.load.common import Sheet
from planner.load.inputs import ClinicsLike, Inputs, read_clinics, read_inputs
from planner.load.onland import off_land_problems
from planner.load.parts import part_of
from planner.load.skipped import no_skipped, skip_rows
from planner.load.units import check_gp_rule, gp_weights, has_shapes
from planner.load.validate import file_rows, to_metric, validate_clinics
from planner.output.atomic import pause_point
from planner.result.assemble import Run, assemble
from planner.result.plan_result import PlanResult
from planner.solve import Proof, get_solver
from planner.solve.count import fixed_count

__all__ = ["plan", "request_from"]

log = logging.getLogger(__name__)

_RULE_FIELDS = tuple(f.name for f in fields(Rules))


def request_from(request: PlanRequest | None = None, **settings: Any) -> PlanRequest:
    """A request from keywords: any :class:`PlanRequest` field, any :class:`Rules` field,
    and ``random_state`` (an int or a ``numpy.random.Generator``) for ``seed``.

    >>> request_from(min_patients=25_000, random_state=3).rules.min_patients
    25000
    """
    request = request or PlanRequest()
    known = set(request_fields()) | set(_RULE_FIELDS) | {"random_state"}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise PlannerError(
            f"plan() got unknown keyword(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    if "random_state" in settings:
        settings["seed"] = seed_from(settings.pop("random_state"))
    if settings.get("profile") is not None and "rules" not in settings:
        # The profile's default rules, beneath the rule keywords given.
        profile = get_profile(settings["profile"])
        settings = {**profile.rules, **settings, "profile": profile}
    rules = settings.pop("rules", None) or request.rules
    overrides = {k: settings.pop(k) for k in _RULE_FIELDS if k in settings}
    if overrides:
        rules = Rules(**{**rules.to_dict(), **overrides})
    given = {k: v for k, v in settings.items() if v is not None}
    return replace(request, **given, rules=rules)  # the request checks every value


def plan(
    clinics: ClinicsLike | None = None,
    request: PlanRequest | None = None,
    *,
    progress: Progress | None = None,
    source: str | None = None,
    **settings: Any,
) -> PlanResult:
    """Propose contiguous clusters of clinics that meet the size rule.

    Parameters
    ----------
    clinics
        A clinic file (CSV, GeoJSON, GeoPackage, Shapefile) or table with ``clinic_id,
        lat, lon, patients`` and optionally ``name`` (the id stands in), ``doctors`` (GP
        counts: without them no GP rule, figures weighted by patients, no per-GP grant),
        ``municipality``, ``region`` and the choice columns ``existing_cluster``,
        ``group``, ``cannot_link``, ``leaving``.  A spatial file or GeoDataFrame of
        polygons is planned as polygon units, the polygons being the territories
        (:mod:`planner.load.units`, ``contiguity`` rook or queen, ``crs`` for a file
        that names none).  Columns go under these names, the request's ``columns`` map
        or a known alias (``ydernummer``, ``kommune`` ...).  Validated, never modified.
        ``None``: ``request.clinics``, or the embedded demo region (with its land) when
        that is unset too.
    request
        Everything else that decides the plan (:class:`~planner.core.request.PlanRequest`):
        rules, land, links, boundaries, choices, mode, method, seed, time limit.
    progress
        Callback ``progress(done, total, message)`` for long runs.
    source
        Name of a table given in Python, used in error messages (default ``<clinics>``).
    **settings
        Keywords that change the request: its fields (``rules``, ``land``, ``links``,
        ``boundaries``, ``municipalities``, ``choices``, ``lock``, ``mode``, ``method``,
        ``time_limit`` ...), the fields of :class:`~planner.core.rules.Rules`
        (``min_patients`` ...), and ``random_state`` (seed or generator).

    Returns
    -------
    PlanResult

    Raises
    ------
    ValidationError
        Every problem of the input at once, each naming the file, row and column.
    PlannerError
        A request that cannot be planned (every clinic closing, a hard ceiling no plan
        keeps), with what to change.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({
    ...     "clinic_id": ["a", "b", "c", "d"], "name": ["A", "B", "C", "D"],
    ...     "lat": [55.0, 55.0, 55.01, 55.01], "lon": [10.0, 10.01, 10.0, 10.01],
    ...     "patients": [20_000, 15_000, 18_000, 12_000], "doctors": [10, 8, 9, 6]})
    >>> result = plan(table, min_patients=30_000)
    >>> result.n_clusters, result.complete
    (2, True)
    """
    started = time.perf_counter()
    request = request_from(request, **settings)
    if isinstance(clinics, str | Path):  # the file is part of what decides the plan
        request = replace(request, clinics=str(clinics))
        clinics = None
    sheet, demo_land = _clinic_sheet(clinics, request, source)
    everyone: set[str] | None = None  # planning one part: the ids of every part
    others = None  # and where the other parts' clinics are (lon, lat)
    if request.by is not None and request.part is not None:
        sheet, everyone, others = part_of(sheet, request.by, request.part)
    try:
        with use_words(request.profile.words):  # reasons in the profile's words
            return _plan(sheet, request, progress, started, demo_land, everyone, others)
    except ValidationError as exc:
        raise exc.in_file_columns(dict(sheet.columns), sheet.source) from None


def _clinic_sheet(
    clinics: ClinicsLike | None, request: PlanRequest, source: str | None
) -> tuple[Sheet, Any]:
    """The clinic table, read as the request says, and the land to use when the request
    names none: the demo region and its land when no clinics are named at all."""
    if clinics is None and request.clinics is None:
        return read_clinics(demo_sheet(), request), load_demo_land()
    named = request.clinics if clinics is None else clinics
    assert named is not None
    return read_clinics(named, request, source=source), None


@dataclass(frozen=True)
class _Prepared:
    """The clinics ready to plan: validated, with areas, choices and side inputs."""

    table: gpd.GeoDataFrame
    inputs: Inputs
    land: shapely.Geometry | None  # in the clinics' metric CRS
    choices: Choices
    rejected: list[Conflict]
    skipped: pd.DataFrame  # rows left out by ``skip_invalid``, with their reasons


def _validated(
    sheet: Sheet, request: PlanRequest, problems: list | None = None
) -> tuple[Sheet, gpd.GeoDataFrame, pd.DataFrame]:
    """The clinics validated (in a metric CRS); with ``skip_invalid``, without the rows
    that fail (``problems`` found later, off land say, are skipped the same way)."""
    skipped = no_skipped()
    if problems:
        if not request.skip_invalid:
            raise ValidationError(problems)
        sheet, skipped = skip_rows(sheet, problems)
    try:
        clean = validate_clinics(sheet)
    except ValidationError as exc:
        if not request.skip_invalid:
            raise
        sheet, more = skip_rows(sheet, exc.problems)
        skipped = pd.concat([skipped, more], ignore_index=True) if len(skipped) else more
        clean = validate_clinics(sheet)
    if len(skipped):
        log.warning(
            "%s: %d row(s) skipped (--skip-invalid), each listed with its reason in skipped.csv",
            sheet.source,
            skipped["row"].nunique(),
        )
    return sheet, to_metric(clean), skipped


def _in_part(inputs: Inputs, ids: set[str]) -> Inputs:
    """The side inputs about one part's clinics: links and choices naming another part's
    clinics are for that part (clusters never cross a part)."""
    links = tuple(link for link in inputs.links if link[0] in ids and link[1] in ids)
    across = [link for link in inputs.links if (link[0] in ids) != (link[1] in ids)]
    if across:
        log.warning(
            "%d link(s) join this part to another and are not used (clusters never cross a "
            "part): %s",
            len(across),
            ", ".join(f"{a}-{b}" for a, b, _ in across[:5]),
        )
    return replace(inputs, links=links, choices=inputs.choices.restricted(ids))


def _prepare(
    sheet: Sheet, request: PlanRequest, default_land: Any, everyone: set[str] | None = None
) -> _Prepared:
    sheet, table, skipped = _validated(sheet, request)
    check_gp_rule(table, request.rules, sheet.source)
    ids = set(table["clinic_id"].astype(str))
    inputs = read_inputs(request, everyone or ids)
    if everyone is not None:
        inputs = _in_part(inputs, ids)
    if inputs.land is None and default_land is not None:
        inputs = replace(inputs, land=default_land)
    land_m = land_in(inputs.land, table.crs)
    if land_m is not None:  # a clinic at sea has a wrong coordinate (or lat/lon swapped)
        problems = off_land_problems(table, land_m, source=sheet.source, rows=file_rows(sheet))
        if problems:
            sheet, table, more = _validated(sheet, request, problems)
            skipped = pd.concat([skipped, more], ignore_index=True)
            ids = set(table["clinic_id"].astype(str))
            again = read_inputs(request, everyone or ids)
            inputs = replace(inputs, choices=again.choices.restricted(ids))
            land_m = land_in(inputs.land, table.crs)  # the clinics' CRS may have changed
    table = with_areas(table, inputs.municipalities, inputs.regions)
    wanted = gather_choices(
        table, inputs.choices, request.lock, source=sheet.source, first_row=sheet.first_row
    )
    wanted, rejected = known_targets(wanted)
    return _Prepared(table, inputs, land_m, wanted, rejected, skipped)


def _plan(
    sheet: Sheet,
    request: PlanRequest,
    progress: Progress | None,
    started: float,
    default_land: Any = None,
    everyone: set[str] | None = None,
    others: np.ndarray | None = None,
) -> PlanResult:
    ready = _prepare(sheet, request, default_land, everyone)
    table, wanted, rules = ready.table, ready.choices, request.rules
    bmode = boundary_mode(request.boundaries, list(table.columns))
    active = np.flatnonzero(~table["clinic_id"].isin(wanted.leaving).to_numpy())
    if len(active) == 0:
        raise PlannerError("every clinic is closing: there is nothing to plan")
    sub = table.iloc[active].reset_index(drop=True)
    region = _column(sub, "region") if bmode != "none" else None
    land, estimated = ready.land, ready.land is None
    if others is not None:  # one part of a batch: its own share of the land
        mine = np.column_stack([sub.geometry.x, sub.geometry.y])
        theirs = gpd.GeoSeries(gpd.points_from_xy(others[:, 0], others[:, 1]), crs="EPSG:4326")
        theirs = theirs.to_crs(sub.crs)
        land, estimated = part_land(mine, np.column_stack([theirs.x, theirs.y]), ready.land)
    alone_from = rules.min_patients if rules.min_doctors is None else None
    if has_shapes(sub):  # polygon units: their polygons are the territories
        if ready.inputs.land is not None:
            log.info("polygon units are their own territories: the land map is not used")
        geo = polygon_geography(
            sub, contiguity=request.contiguity, links=list(ready.inputs.links),
            link_max_km=rules.link_max_km, areas=region, alone_from=alone_from,
        )  # fmt: skip
    else:
        geo = build_geography(
            sub, land=land, links=list(ready.inputs.links), link_max_km=rules.link_max_km,
            areas=region, alone_from=alone_from, estimated=estimated,
        )  # fmt: skip
    built = time.perf_counter()
    ids = sub["clinic_id"].astype(str).to_numpy()
    sizes = Sizes(
        sub["patients"].to_numpy(),
        gp_weights(sub),  # no GP counts: patients weigh the figures (there is no GP rule)
        np.column_stack([sub.geometry.x, sub.geometry.y]),
        rules,
    )
    units = planning_units(
        geo.adjacency, sizes.patients, sizes.doctors, sizes.xy, rules=rules, mode=bmode,
        region=region, municipality=_column(sub, "municipality"),
        together=[] if request.mode == "replan" else together(ids, wanted),
    )  # fmt: skip
    proofs: list[Proof] = []
    pause_point("solving")  # a test hook (planner.output.atomic), inert without its variable
    solver = checked(get_solver(request.method), rules)
    rng = np.random.default_rng(request.seed)

    def solve(instance: Instance) -> np.ndarray:
        outcome = solver(instance, rng, time_limit=request.time_limit, progress=progress)
        if outcome.proof is not None:
            proofs.append(outcome.proof)
        if request.clusters is not None:
            return _fixed_count(instance, rules, outcome.labels, request.clusters, rng)
        return outcome.labels

    if request.clusters is not None and (request.mode == "replan" or wanted.existing):
        raise PlannerError(
            "clusters (a fixed count) cannot yet be combined with re-planning or locked "
            "existing clusters; plan without one of them"
        )

    if request.mode == "replan":
        # Current clusters may cross municipalities (kept), never regions; moves stay in units.
        graph = cut_between(geo.adjacency, region) if region is not None else geo.adjacency
        solved = replan(ids, graph, sizes, wanted, solve, unit=units.unit)
    else:
        graph = units.adjacency
        solved = solve_with_choices(ids, graph, sizes, wanted, solve, links=geo.link_positions(ids))
    solved.conflicts += unkept_proposals(ids, graph, solved, wanted)
    solved.conflicts[:0] = ready.rejected
    run = Run(
        table=table, active=active, geo=geo, units=units, solved=solved, choices=wanted,
        request=request, land_given=ready.land is not None or has_shapes(sub),
        proofs=tuple(proofs),
        skipped=ready.skipped,
        timings={"started": started, "built": built, "solved": time.perf_counter()},
    )  # fmt: skip
    result = assemble(run)
    log.info(
        "%d clusters of at most %d possible in %.1f s",
        result.n_clusters,
        result.metrics.get("upper_bound_tight", result.metrics["upper_bound_parts"]),
        result.metrics["runtime_s"]["total"],
    )
    return result


def _fixed_count(
    instance: Instance, rules: Rules, labels: np.ndarray, n: int, rng: np.random.Generator
) -> np.ndarray:
    """Exactly ``n`` clusters from the max-p plan ``labels``, or an error naming the bound."""
    found = len(np.unique(labels[labels >= 0]))
    if n > found:
        tight = tight_upper_bound(instance.adjacency, instance.patients, rules, instance.doctors)
        if n > tight:
            raise InfeasibleError(
                f"{n} clusters cannot be made: no plan has more than {tight} (the tight bound: "
                f"the patients of each joined part over {rules.min_patients:,}); the planner "
                f"found {found}"
            )
        raise InfeasibleError(
            f"{n} clusters were asked for; the tight bound is {tight} but the planner found "
            f"only {found}: ask for at most {found}, or give it more time (--time-limit 60)"
        )
    fixed = fixed_count(instance, rules, labels, n, rng)
    problems = check_plan(instance.adjacency, fixed, instance.patients, rules, instance.doctors)
    if problems:  # a bug, never a plan to hand out
        raise PlannerError(f"the fixed count broke the rules: {'; '.join(problems)}")
    return fixed


def _column(table: pd.DataFrame, column: str) -> np.ndarray | None:
    return table[column].astype(str).to_numpy() if column in table.columns else None
