"""Benchmark instances: seeded synthetic regions and the real data sets per region.

Every instance is a :class:`Case`: the planner's :class:`~planner.solve.Instance` (graph,
patients, GPs, coordinates) plus, for English regions, the real Primary Care Networks.
Real data is read from ``../shared/data`` beside the repository and its contiguity graph
is built by the planner's own geography, so every method sees the same graph.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from planner.geography.territories import build_geography
from planner.load.readers import apply_column_map, read_land, read_table
from planner.load.validate import to_metric, validate_clinics
from planner.solve import Instance
from planner.solve.synthetic import danish_like

__all__ = ["DATA", "Case", "cases"]

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DENMARK = DATA / "denmark_synthetic_clinics" / "clinics.csv"
DENMARK_LAND = DATA / "denmark_dagi" / "kommuner.geojson"
ENGLAND = DATA / "england_gp_pcn" / "england_gp_practices_pcn.csv"
ENGLAND_COLUMNS = {
    "clinic_id": "practice_code",
    "name": "practice_name",
    "patients": "patients_jan2021",
}


@dataclass(frozen=True)
class Case:
    """One benchmark instance."""

    name: str
    instance: Instance
    pcn: np.ndarray | None = None  # real PCN label per clinic (England only)


def synthetic(sizes: list[int], seeds: list[int]) -> Iterator[Case]:
    """Danish-like synthetic regions."""
    for n in sizes:
        for seed in seeds:
            yield Case(f"synthetic-{n}-s{seed}", danish_like(n, seed))


def _instance(table: pd.DataFrame, land: shapely.Geometry | None) -> tuple[Instance, pd.DataFrame]:
    gdf = to_metric(validate_clinics(table))
    if land is not None:
        import geopandas as gpd

        land = shapely.union_all(gpd.GeoSeries([land], crs="EPSG:4326").to_crs(gdf.crs).to_numpy())
    geo = build_geography(gdf, land=land)
    inst = Instance.from_arrays(
        geo.adjacency,
        gdf["patients"].to_numpy(),
        np.column_stack([gdf.geometry.x, gdf.geometry.y]),
        gdf["doctors"].to_numpy(),
    )
    return inst, gdf


def denmark(regions: list[str] | None) -> Iterator[Case]:
    """The synthetic Danish clinics, one case per region, on the municipal land."""
    if not DENMARK.exists():
        log.warning("skipping Danish clinics: %s not found", DENMARK)
        return
    clinics = read_table(DENMARK).frame.rename(columns={"kommune": "municipality"})
    land = None
    if DENMARK_LAND.exists():
        land = read_land(DENMARK_LAND)
    for region in sorted(clinics["region"].unique()):
        short = region.replace("Region ", "").lower()
        if regions and short not in regions:
            continue
        part = clinics[clinics["region"] == region].reset_index(drop=True)
        part_land = None if land is None else land.intersection(_hull(part, 40.0))
        inst, _ = _instance(part, part_land)
        yield Case(f"dk-{short}", inst)


def _hull(table: pd.DataFrame, buffer_km: float) -> shapely.Geometry:
    """A lon/lat hull around clinics, buffered (roughly) by ``buffer_km``."""
    pts = shapely.points(table["lon"].astype(float), table["lat"].astype(float))
    return shapely.convex_hull(shapely.multipoints(pts)).buffer(buffer_km / 70.0)


def england(regions: list[str] | None) -> Iterator[Case]:
    """The English practices, one case per NHS region, with the real PCNs."""
    if not ENGLAND.exists():
        log.warning("skipping English practices: %s not found", ENGLAND)
        return
    practices = read_table(ENGLAND).frame
    practices = practices[practices["patients_jan2021"].str.strip() != ""].copy()
    practices["doctors"] = "1"  # the file has no GP counts
    for region in sorted(practices["region_name"].unique()):
        short = region.lower().replace(" and ", "-").replace(" ", "-")
        if regions and short not in regions:
            continue
        part = practices[practices["region_name"] == region].reset_index(drop=True)
        table = apply_column_map(part, ENGLAND_COLUMNS).frame
        inst, gdf = _instance(table, None)
        codes = part.set_index("practice_code").loc[gdf["clinic_id"], "pcn_code"].to_numpy()
        _, pcn = np.unique(codes, return_inverse=True)
        yield Case(f"en-{short}", inst, pcn.astype(np.int64))


def cases(
    sizes: list[int], seeds: list[int], dk: list[str] | None, en: list[str] | None, which: set[str]
) -> Iterator[Case]:
    """All selected cases: ``which`` holds any of ``synthetic``, ``dk``, ``en``."""
    if "synthetic" in which:
        yield from synthetic(sizes, seeds)
    if "dk" in which:
        yield from denmark(dk)
    if "en" in which:
        yield from england(en)
