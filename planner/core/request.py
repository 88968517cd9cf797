"""The unit of work: one frozen :class:`PlanRequest` says everything that decides a plan.

A request holds the rules, where the land and links come from, the boundaries, the
clinics' choices and the lock policy, the mode, the method, the seed and the time limit,
and how to read the clinics file (column names, a patient list, GPs per patient).  The
command line builds one from its flags and ``--config``; ``config.toml`` beside a plan's
outputs is its serialisation (:mod:`planner.core.config`); ``planner batch`` will plan
many requests over many parts.  Every setting, its default and its allowed values are
defined here once, in :data:`SETTINGS` and the dataclass defaults.

Inputs that live in files (land, links, boundary polygons, choice files) may be given as
a path or, from Python, as the value itself; :mod:`planner.load.inputs` reads paths.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from planner.core.choices import LOCK_MODES, Choices
from planner.core.errors import PlannerError
from planner.core.i18n import LANGUAGES
from planner.core.profiles import PROFILES, Profile, get_profile
from planner.core.rules import Rules

__all__ = [
    "BOUNDARY_MODES",
    "COLUMN_KEYS",
    "CONTIGUITY",
    "METHODS",
    "MODES",
    "MUNICIPALITY_KEY",
    "REGION_KEY",
    "SETTINGS",
    "OutputOptions",
    "PlanRequest",
    "Setting",
    "seed_from",
]

#: The rules of a request built without any (identity marks "not given").
_DEFAULT_RULES = Rules()

#: How administrative boundaries bind clusters.
BOUNDARY_MODES: tuple[str, ...] = ("auto", "none", "region", "municipality")
#: When two polygon units are neighbours: a shared border of positive length (rook), or
#: any shared point, corners too (queen).
CONTIGUITY: tuple[str, ...] = ("rook", "queen")
#: Planning modes: a fresh plan, or the least change to the current plan.
MODES: tuple[str, ...] = ("plan", "replan")
#: Solver names (each registered in :data:`planner.solve.SOLVERS`).
METHODS: tuple[str, ...] = ("exact", "grow")
#: Name columns of boundary files when none is given (Danish DAGI's).
MUNICIPALITY_KEY = "KOMNAVN"
REGION_KEY = "REGIONNAVN"
#: Clinic-table columns a ``columns`` map may name.
COLUMN_KEYS: tuple[str, ...] = (
    "clinic_id", "name", "lat", "lon", "patients", "doctors", "municipality", "region",
)  # fmt: skip

PATH, TEXT, WHOLE, NUMBER, FLAG, MAP = "path", "text", "whole number", "number", "true/false", "map"

PathLike = str | Path


@dataclass(frozen=True)
class Setting:
    """One setting: its flat name (keyword, flag, scenario key) and its TOML place."""

    name: str
    section: str
    key: str
    kind: str
    allowed: tuple[Any, ...] | None = None
    #: Where the value lives: ``"request"``, ``"rules"`` or ``"output"``.
    owner: str = "request"


#: Every setting of a plan, in the order ``config.toml`` writes them.
SETTINGS: tuple[Setting, ...] = (
    Setting("clinics", "input", "clinics", PATH),
    Setting("patients", "input", "patients", PATH),
    Setting("land", "input", "land", PATH),
    Setting("links", "input", "links", PATH),
    Setting("patients_per_gp", "input", "patients_per_gp", WHOLE),
    Setting("layer", "input", "layer", TEXT),
    Setting("crs", "input", "crs", TEXT),
    Setting("contiguity", "input", "contiguity", TEXT, CONTIGUITY),
    Setting("by", "input", "by", TEXT),
    Setting("part", "input", "part", TEXT),
    Setting("columns", "input", "columns", MAP),
    Setting("skip_invalid", "input", "skip_invalid", FLAG),
    Setting("min_patients", "rules", "min_patients", WHOLE, owner="rules"),
    Setting("min_doctors", "rules", "min_doctors", WHOLE, owner="rules"),
    Setting("max_patients", "rules", "max_patients", WHOLE, owner="rules"),
    Setting("max_hard", "rules", "max_hard", FLAG, owner="rules"),
    Setting("link_max_km", "rules", "link_max_km", NUMBER, owner="rules"),
    Setting("boundaries", "boundaries", "mode", TEXT, BOUNDARY_MODES),
    Setting("municipalities", "boundaries", "municipalities", PATH),
    Setting("municipality_key", "boundaries", "municipality_key", TEXT),
    Setting("regions", "boundaries", "regions", PATH),
    Setting("region_key", "boundaries", "region_key", TEXT),
    Setting("lock", "choices", "lock", TEXT, LOCK_MODES),
    Setting("cannot_link", "choices", "cannot_link", PATH),
    Setting("leaving", "choices", "leaving", PATH),
    Setting("feedback", "choices", "feedback", PATH),
    Setting("current", "choices", "current", PATH),
    Setting("profile", "plan", "profile", TEXT),
    Setting("clusters", "plan", "clusters", WHOLE),
    Setting("mode", "plan", "mode", TEXT, MODES),
    Setting("method", "plan", "method", TEXT, METHODS),
    Setting("seed", "plan", "seed", WHOLE),
    Setting("time_limit", "plan", "time_limit", NUMBER),
    Setting("out", "output", "out", PATH, owner="output"),
    Setting("lang", "output", "lang", TEXT, LANGUAGES, owner="output"),
    Setting("map", "output", "map", FLAG, owner="output"),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def _frozen_map(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class PlanRequest:
    """Everything that decides a plan besides the clinics themselves.

    Parameters
    ----------
    rules
        The size rule, ceiling and link distance.
    clinics, patients, patients_per_gp, columns
        How to read the clinics when :func:`planner.plan` is given a path or nothing (the
        demo region): the file, a patient list whose group-1 patients are counted per
        clinic, GPs estimated as patients / ``patients_per_gp`` when the file has none,
        and the file's column names for the planner's (``{"clinic_id": "ydernummer"}``).
        Known aliases (``kommune``, ``ydernummer`` ...) are always recognised.
    layer
        The layer of a clinics file with several (a GeoPackage); by default its only layer
        or its only point layer.
    crs
        The coordinate reference system of a clinics or units file that names none (a
        Shapefile without ``.prj``), e.g. ``"EPSG:32617"``; a file's own CRS wins.
    contiguity
        One of :data:`CONTIGUITY`: when two polygon units are neighbours (a shared border
        of positive length, or corners too).  Clinic points' territories always share
        borders.
    by, part
        Plan only the clinics whose column ``by`` holds ``part`` (one part of a batch, see
        :mod:`planner.batch`); choice files and links may name clinics of other parts.
    skip_invalid
        Plan without the clinic rows that fail validation instead of refusing the file;
        every row skipped is listed with its reason (``skipped.csv``), and the plan counts
        as incomplete.  Problems of the whole file (a missing column) still refuse it.
    land
        Land to clip territories to: a polygon file, a geometry in lon/lat, or a
        GeoSeries/GeoDataFrame; ``None`` estimates land from the clinics.
    links
        Links across water: a file ``clinic_a,clinic_b[,travel_minutes]`` or a sequence
        of ``(a, b)`` / ``(a, b, minutes)``.
    boundaries
        One of :data:`BOUNDARY_MODES`.
    municipalities, municipality_key, regions, region_key
        Boundary polygons (file or GeoDataFrame) and their name columns.
    lock
        One of :data:`~planner.core.choices.LOCK_MODES`.
    cannot_link, leaving, feedback, current
        Choice files: pairs kept apart, clinics closing, the map's proposals, the current
        clusters.
    choices
        Choices given as a value (from Python), added to those of the files and columns.
    mode, method, seed, time_limit
        One of :data:`MODES`; one of :data:`METHODS`; the random seed (same seed, same
        plan); seconds the solver may use (``None``: fixed work, deterministic).
    clusters
        Exactly this many clusters, each meeting the size rule, as compact as the
        heuristic finds (the p-regions problem); ``None``: as many as the geography allows.
    profile
        The country profile (:mod:`planner.core.profiles`): a name (``"denmark"``, the
        default, or ``"england"``) or a :class:`~planner.core.profiles.Profile`.  Its
        words, funding and column names apply here, and its default rules where no
        ``rules`` are given (``PlanRequest(profile="england")`` plans 30,000-50,000
        patients, a soft ceiling) and beneath the rule settings of :meth:`with_settings`,
        the command line, a configuration file and :func:`planner.plan`'s keywords.
    """

    rules: Rules = field(default_factory=lambda: _DEFAULT_RULES)
    clinics: PathLike | None = None
    patients: PathLike | None = None
    patients_per_gp: int | None = None
    columns: Mapping[str, str] = field(default_factory=lambda: _frozen_map(None))
    layer: str | None = None
    crs: str | None = None
    contiguity: str = "rook"
    by: str | None = None
    part: str | None = None
    skip_invalid: bool = False
    land: Any = None
    links: Any = None
    boundaries: str = "auto"
    municipalities: Any = None
    municipality_key: str | None = None
    regions: Any = None
    region_key: str | None = None
    lock: str = "keep"
    cannot_link: PathLike | None = None
    leaving: PathLike | None = None
    feedback: PathLike | None = None
    current: PathLike | None = None
    choices: Choices = field(default_factory=Choices)
    mode: str = "plan"
    method: str = "grow"
    seed: int = 0
    time_limit: float | None = None
    clusters: int | None = None
    profile: Profile = field(default_factory=lambda: PROFILES["denmark"])

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", _frozen_map(self.columns))
        object.__setattr__(self, "profile", get_profile(self.profile))
        if self.rules is _DEFAULT_RULES:  # no rules given: the profile's default rules
            given = Rules(**self.profile.rules)
            if given != _DEFAULT_RULES:
                object.__setattr__(self, "rules", given)
        for name in ("boundaries", "lock", "mode", "method", "contiguity"):
            _check_word(name, getattr(self, name))
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise PlannerError(f"seed must be a non-negative whole number, got {self.seed!r}")
        if self.time_limit is not None and not 0 < self.time_limit < math.inf:
            raise PlannerError(
                f"time_limit must be a positive, finite number of seconds, got {self.time_limit!r}"
            )
        if self.clusters is not None and (
            not isinstance(self.clusters, int)
            or isinstance(self.clusters, bool)
            or self.clusters < 1
        ):
            raise PlannerError(f"clusters must be a whole number >= 1, got {self.clusters!r}")
        if self.patients_per_gp is not None and not self.patients_per_gp >= 1:
            raise PlannerError(f"patients_per_gp must be at least 1, got {self.patients_per_gp!r}")
        if self.crs is not None:
            _check_crs(self.crs)
        if (self.by is None) != (self.part is None):
            raise PlannerError(f"by and part go together, got by={self.by!r}, part={self.part!r}")
        unknown = sorted(set(self.columns) - set(COLUMN_KEYS))
        if unknown:
            raise PlannerError(
                f"columns names unknown column(s) {', '.join(unknown)}; "
                f"known: {', '.join(COLUMN_KEYS)}"
            )

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable (worker processes, Dask): read-only maps travel as dicts.
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["columns"] = dict(self.columns)
        return (_request_from_fields, (values,))

    def with_settings(self, settings: Mapping[str, Any]) -> PlanRequest:
        """This request with flat settings (:data:`SETTINGS` names) applied.

        ``None`` means "not given" and keeps the current value; ``columns`` maps are
        merged.  Output settings are ignored (see :class:`OutputOptions`).

        >>> PlanRequest().with_settings({"min_patients": 25_000, "seed": 3}).rules.min_patients
        25000
        """
        changes: dict[str, Any] = {}
        rules: dict[str, Any] = {}
        if settings.get("profile") is not None:  # its default rules, beneath those given
            profile = get_profile(settings["profile"])
            settings = {**profile.rules, **{k: v for k, v in settings.items() if v is not None}}
        for name, value in settings.items():
            spec = _BY_NAME.get(name)
            if spec is None:
                raise PlannerError(f"unknown setting '{name}'; known: {', '.join(_BY_NAME)}")
            if value is None or spec.owner == "output":
                continue
            if spec.owner == "rules":
                rules[name] = value
            elif name == "columns":
                changes[name] = {**self.columns, **value}
            else:
                changes[name] = value
        if rules:
            changes["rules"] = replace(self.rules, **rules)
        return replace(self, **changes)

    def settings(self) -> dict[str, Any]:
        """The request as flat settings (values that are not files are left out)."""
        out: dict[str, Any] = {}
        for spec in SETTINGS:
            if spec.owner == "output":
                continue
            value = getattr(self.rules if spec.owner == "rules" else self, spec.name)
            if spec.kind == PATH and not isinstance(value, str | Path):
                continue  # a value given in memory has no file to name
            if spec.kind == MAP:
                value = dict(value)
            if isinstance(value, Profile) and value.builtin:
                value = value.name  # a custom profile stays a value (a [profile] table)
            out[spec.name] = str(value) if isinstance(value, Path) else value
        return out

    def input_files(self) -> dict[str, Path]:
        """The files the request reads (clinics, patient list, land, links, boundaries,
        choice files), by setting name; values given in memory are left out.

        >>> files = PlanRequest(clinics="c.csv", land="land.geojson").input_files()
        >>> {name: path.name for name, path in files.items()}
        {'clinics': 'c.csv', 'land': 'land.geojson'}
        """
        return {
            s.name: Path(value)
            for s in SETTINGS
            if s.kind == PATH
            and s.owner == "request"
            and isinstance(value := getattr(self, s.name), str | Path)
        }

    def in_memory(self) -> list[str]:
        """Settings given as values rather than files (``config.toml`` cannot name them)."""
        held = [
            s.name
            for s in SETTINGS
            if s.kind == PATH
            and s.owner == "request"
            and getattr(self, s.name) is not None
            and not isinstance(getattr(self, s.name), str | Path)
        ]
        return [*held, *(["choices"] if not self.choices.empty else [])]


@dataclass(frozen=True)
class OutputOptions:
    """How a plan is written: the folder, the language of map and report, the map."""

    out: PathLike = "out"
    lang: str = "en"
    map: bool = True

    def __post_init__(self) -> None:
        _check_word("lang", self.lang)

    def with_settings(self, settings: Mapping[str, Any]) -> OutputOptions:
        """These options with the flat output settings applied (``None``: not given)."""
        given = {
            k: v
            for k, v in settings.items()
            if v is not None and k in _BY_NAME and _BY_NAME[k].owner == "output"
        }
        return replace(self, **given)

    def settings(self) -> dict[str, Any]:
        """The options as flat settings."""
        return {"out": str(self.out), "lang": self.lang, "map": self.map}


def _request_from_fields(values: dict[str, Any]) -> PlanRequest:
    return PlanRequest(**values)


def _check_word(name: str, value: Any) -> None:
    allowed = _BY_NAME[name].allowed
    if allowed is not None and value not in allowed:
        raise PlannerError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


def _check_crs(crs: Any) -> None:
    """A CRS pyproj knows ("EPSG:32617", a WKT or PROJ string), or a usage error."""
    import pyproj

    try:
        pyproj.CRS.from_user_input(crs)
    except (pyproj.exceptions.CRSError, TypeError) as exc:
        raise PlannerError(
            f"crs must be a coordinate reference system such as EPSG:32617, got {crs!r}"
        ) from exc


def seed_from(random_state: Any) -> int:
    """The seed of ``random_state``: an int as it is, or one drawn from a Generator.

    >>> import numpy as np
    >>> seed_from(7), seed_from(None), seed_from(np.random.default_rng(0)) >= 0
    (7, 0, True)
    """
    import numpy as np

    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    if random_state is None:
        return 0
    whole = isinstance(random_state, int | np.integer) and not isinstance(random_state, bool)
    if whole and random_state >= 0:
        return int(random_state)
    raise PlannerError(f"random_state must be a non-negative int, got {random_state!r}")


def request_fields() -> tuple[str, ...]:
    """The field names of :class:`PlanRequest` (the keywords :func:`planner.plan` takes)."""
    return tuple(f.name for f in fields(PlanRequest))
