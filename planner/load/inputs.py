"""Everything a :class:`~planner.core.request.PlanRequest` names, read: the clinics (the file's
column names and the known aliases, a patient list counted per clinic, GPs estimated), and
the land, links, boundary polygons and choice files.

The library does this work, not the command line, so a file gives the same plan from
``planner plan`` and from :func:`planner.plan`.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import geopandas as gpd
import pandas as pd

from planner.core.choices import Choices
from planner.core.profiles import PROFILES
from planner.core.request import MUNICIPALITY_KEY, REGION_KEY, PlanRequest
from planner.load.columns import apply_column_map
from planner.load.common import Sheet, normalise
from planner.load.readers import as_sheet, read_land, read_patient_counts, read_table
from planner.load.side_files import (
    read_cannot_link,
    read_current,
    read_feedback,
    read_leaving,
    read_links,
)
from planner.load.spatial import read_polygons
from planner.load.units import read_units
from planner.load.validate import decimal_mark, parse_count

__all__ = ["Inputs", "Polygons", "read_clinics", "read_inputs"]

log = logging.getLogger(__name__)

ClinicsLike: TypeAlias = Sheet | pd.DataFrame | str | Path


def read_clinics(clinics: ClinicsLike, request: PlanRequest, *, source: str | None = None) -> Sheet:
    """The clinic table as the planner reads it, not yet validated.

    Parameters
    ----------
    clinics
        A file (CSV, GeoJSON, GeoPackage, Shapefile, TopoJSON; polygons are read as
        planning units, see :mod:`planner.load.units`), a table read already, or a
        (Geo)DataFrame.
    request
        Its ``columns`` map names the file's columns (the aliases in
        :data:`~planner.load.columns.COLUMN_ALIASES` are always recognised); ``patients``
        is a patient list whose group-1 patients replace the ``patients`` column;
        ``patients_per_gp`` estimates GPs when the table has no GP column.
    source
        Name used in messages for a table given in Python (default ``<clinics>``).

    Returns
    -------
    Sheet
        The table with canonical column names, and where each came from.
    """
    units = read_units(  # a spatial file: polygon units, or points (a Shapefile too)
        clinics, layer=request.layer, crs=request.crs, columns=dict(request.columns), source=source
    )
    if units is not None:
        sheet = units
    elif isinstance(clinics, str | Path):
        sheet = _table(str(clinics), str(Path(clinics).resolve()), request.layer, *_stamp(clinics))
    else:
        sheet = as_sheet(clinics, source)
    sheet = apply_column_map(sheet, request.columns, request.profile.aliases)
    _hint_profile(sheet, request)
    frame = sheet.frame
    if request.patients is not None and "clinic_id" in frame.columns:
        # Without a clinic_id column, validation reports the missing column.
        ids = frame["clinic_id"].astype(str).str.strip()
        counts = read_patient_counts(request.patients, valid_ids=set(ids))
        frame = frame.copy()
        frame["patients"] = ids.map(counts).fillna(0).astype(int).astype(str)
    if request.patients_per_gp and "doctors" in frame.columns:
        log.warning(
            "--patients-per-gp %s is not used: %s has a GP column ('doctors'), whose counts "
            "are used as they are",
            f"{request.patients_per_gp:,}",
            sheet.source,
        )
    elif request.patients_per_gp and "patients" in frame.columns:
        frame = frame.copy()
        mark = decimal_mark(frame)
        counts = pd.to_numeric(
            frame["patients"].map(lambda cell: parse_count(cell, mark=mark)), errors="coerce"
        )
        # A row whose patients cannot be read gets 0 GPs: validation names the patients cell.
        doctors = (counts / request.patients_per_gp).round().clip(lower=1).fillna(0)
        frame["doctors"] = doctors.astype(int).astype(str)
        log.warning(
            "No GP counts in %s: estimated as patients / %s.",
            sheet.source,
            f"{request.patients_per_gp:,}",
        )
    return Sheet(frame, sheet.source, sheet.first_row, sheet.columns)


def _hint_profile(sheet: Sheet, request: PlanRequest) -> None:
    """Say so when the file's columns are another built-in profile's (England's names)."""
    present = {normalise(str(c)) for c in sheet.frame.columns} | {
        normalise(str(c)) for c in sheet.columns.values()
    }
    for profile in PROFILES.values():
        if profile is request.profile or not profile.aliases:
            continue
        theirs = {normalise(a) for names in profile.aliases.values() for a in names}
        if len(present & theirs) >= 2:
            log.warning(
                "%s has the column names of %s's files (%s): plan with --profile %s for its "
                "words, rules and columns",
                sheet.source,
                profile.name.title(),
                ", ".join(sorted(present & theirs)),
                profile.name,
            )


@dataclass(frozen=True)
class Polygons:
    """Boundary polygons, the column naming each area, and where they came from."""

    frame: gpd.GeoDataFrame
    key: str | None
    source: str


@dataclass(frozen=True)
class Inputs:
    """The request's side inputs, read.

    Attributes
    ----------
    land
        A geometry in lon/lat, a GeoSeries/GeoDataFrame, or ``None`` (estimated).
    links
        ``(clinic_a, clinic_b, travel or None)`` per explicit link.
    municipalities, regions
        Boundary polygons, or ``None``.
    choices
        The choices of the choice files and of ``request.choices`` (files first).
    """

    land: Any = None
    links: tuple[tuple[str, str, float | None], ...] = ()
    municipalities: Polygons | None = None
    regions: Polygons | None = None
    choices: Choices = field(default_factory=Choices)


def _stamp(path: str | Path) -> tuple[int, int]:
    """The file's change stamp (a missing file: the reader says so)."""
    try:
        info = Path(path).stat()
    except OSError:
        return (0, 0)
    return (info.st_mtime_ns, info.st_size)


@functools.lru_cache(maxsize=2)
def _table(path: str, resolved: str, layer: str | None, *stamp: int) -> Sheet:
    """A clinics file read once per process and file version (a batch plans many parts of
    one file); the sheet is never modified by its readers."""
    return read_table(path, layer=layer)


@functools.lru_cache(maxsize=4)
def _land(path: str, resolved: str, *stamp: int) -> Any:
    """Land read once per process and file version (a batch plans many parts on it);
    messages name the path as given."""
    return read_land(path)


@functools.lru_cache(maxsize=8)
def _boundaries(path: str, resolved: str, key: str, *stamp: int) -> gpd.GeoDataFrame:
    return read_polygons(path, name_col=key)


def _polygons(value: Any, key: str | None, default_key: str, kind: str) -> Polygons | None:
    if value is None:
        return None
    if isinstance(value, str | Path):
        key = key or default_key
        frame = _boundaries(str(value), str(Path(value).resolve()), key, *_stamp(value))
        return Polygons(frame.copy(), key, str(value))
    return Polygons(value, key, f"{kind} boundaries")


def _links(value: Any, known: set[str]) -> tuple[tuple[str, str, float | None], ...]:
    if value is None:
        return ()
    if isinstance(value, str | Path):
        return tuple(read_links(value, known=known))
    out = []
    for link in value:
        a, b, *rest = link
        out.append((str(a), str(b), rest[0] if rest else None))
    return tuple(out)


def read_inputs(request: PlanRequest, known: set[str]) -> Inputs:
    """Read every side input the request names; ids are checked against ``known``.

    Raises
    ------
    ValidationError
        A file is missing or unreadable, or names a clinic not in the table.
    """
    land = request.land
    if isinstance(land, str | Path):
        land = _land(str(land), str(Path(land).resolve()), *_stamp(land))
    wanted = Choices()
    id_col = request.columns.get("clinic_id")  # the clinic file's own name for the id
    for path, reader in (
        (request.current, functools.partial(read_current, id_col=id_col)),
        (request.cannot_link, read_cannot_link),
        (request.leaving, functools.partial(read_leaving, id_col=id_col)),
        (request.feedback, functools.partial(read_feedback, id_col=id_col)),
    ):
        if path is not None:
            wanted = wanted.merged(reader(path, known=known))
    if not request.choices.empty:
        wanted = wanted.merged(request.choices)
    return Inputs(
        land=land,
        links=_links(request.links, known),
        municipalities=_polygons(
            request.municipalities, request.municipality_key, MUNICIPALITY_KEY, "municipality"
        ),
        regions=_polygons(request.regions, request.region_key, REGION_KEY, "region"),
        choices=wanted,
    )
