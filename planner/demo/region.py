"""A fictional Danish-like demo region, made by the project's own deterministic generator.

The region has a wobbly mainland split into municipalities of two regions, one island big
enough for a cluster of its own, and a few small islands that must join a cluster across
water.  Clinics crowd in one city and a dozen towns and scatter thinly over the country.
Everything is drawn from one :class:`numpy.random.Generator`, so a seed always gives the
same region and :func:`write_demo_region` always writes the same bytes.

Geometry is built in a flat kilometre plane centred at 56.0 N, 5.0 E (open North Sea, so
the fictional land covers no real place) and converted to
longitude/latitude (EPSG:4326) at the end, rounded to 6 decimals (about 0.1 m).  Clinics
keep a margin from coasts and municipal borders, so rounding never moves one out of its
polygon.
"""

from __future__ import annotations

import argparse
import logging
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

from planner.load.common import Sheet
from planner.load.readers import read_table

__all__ = [
    "CLINIC_COLUMNS",
    "DEFAULT_SEED",
    "FILE_NAMES",
    "DemoRegion",
    "demo_clinics_path",
    "demo_sheet",
    "load_demo",
    "load_demo_land",
    "make_demo_region",
    "write_demo_region",
]

logger = logging.getLogger(__name__)

_Rng = np.random.Generator
_Mass = tuple[str, str, Polygon]  # name, kind, polygon (km plane)
_Muni = tuple[str, str, BaseGeometry]  # municipality, region, geometry (km plane)

DEFAULT_SEED: int = 2026
#: Columns of the demo clinic table, in order.
CLINIC_COLUMNS: tuple[str, ...] = (
    *("clinic_id", "name", "lat", "lon", "patients", "doctors", "municipality", "region"),
)
#: File names written by :func:`write_demo_region`, in the order returned.
FILE_NAMES = ("demo_clinics.csv", "demo_land.geojson", "demo_municipalities.geojson")

_LAT0, _LON0 = 56.0, 5.0
_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON = 111.320 * math.cos(math.radians(_LAT0))
_MIN_PATIENTS, _MAX_PATIENTS, _PATIENTS_PER_GP = 400, 16_000, 1_600
_COAST_MARGIN_KM, _BORDER_MARGIN_KM = 0.3, 0.1
_PREFIXES = (
    *("Ege", "Bøge", "Lyng", "Ravn", "Mølle", "Kirke", "Vester", "Øster", "Nør", "Sønder"),
    *("Hede", "Skov", "Hav", "Fjord", "Grå", "Hjorte", "Ulve", "Aske", "Tran", "Stor"),
    *("Ny", "Bjerg", "Sol", "Rise", "Hvid", "Rød", "Hasle", "Elle", "Birke", "Kalve"),
)
_SUFFIXES = (
    *("by", "rup", "strup", "lev", "sted", "bjerg", "lund", "holm", "vig", "købing"),
    *("skov", "ager", "høj", "mark", "borg", "dal", "toft", "løse", "bæk", "næs"),
)
_TEMPLATES = ("Lægehuset {}", "Lægerne i {}", "Lægeklinikken {}", "{} Lægepraksis")


@dataclass(frozen=True)
class DemoRegion:
    """The demo region: clinics, land masses and municipalities.

    Parameters
    ----------
    clinics
        One row per clinic with the columns :data:`CLINIC_COLUMNS`.
    land
        One row per land mass (EPSG:4326): ``name``, ``kind`` ("mainland" or "island"),
        ``geometry`` (Polygon).
    municipalities
        The municipalities (EPSG:4326): ``municipality``, ``region``, ``geometry``.  They
        tile the land; a small island may be part of a mainland municipality.
    """

    clinics: pd.DataFrame
    land: gpd.GeoDataFrame
    municipalities: gpd.GeoDataFrame


@dataclass(frozen=True)
class _Settlement:
    """Where a group of clinics lies (kilometre plane) and how many patients they have."""

    places: list[str]
    allowed: BaseGeometry
    centre: tuple[float, float] | None
    spread_km: float
    patients: np.ndarray
    shared_site: bool = False


def _blob(
    rng: _Rng,
    radius: float,
    *,
    aspect: tuple[float, float] = (1.0, 1.0),
    wobble: float = 0.3,
    vertices: int = 360,
    smoothness: float = 1.5,
) -> Polygon:
    """Return a star-shaped polygon around the origin with a wobbly outline (km).

    The outline's radius is a sum of random harmonics whose amplitude falls as
    ``k ** -smoothness``; ``wobble`` is the largest relative deviation from ``radius``.
    """
    theta = np.linspace(0.0, 2.0 * np.pi, vertices, endpoint=False)
    k = np.arange(2, vertices // 8)
    amplitude = rng.normal(size=k.size) / k**smoothness
    phase = rng.uniform(0.0, 2.0 * np.pi, size=k.size)
    deviation = (amplitude[:, None] * np.cos(k[:, None] * theta + phase[:, None])).sum(axis=0)
    r = radius * (1.0 + deviation * wobble / np.abs(deviation).max())
    return Polygon(np.column_stack([aspect[0] * r * np.cos(theta), aspect[1] * r * np.sin(theta)]))


def _push_out(shape: Polygon, land: BaseGeometry, angle: float, gap_km: float) -> Polygon:
    """Move ``shape`` out from the origin along ``angle`` until it lies ``gap_km`` off land."""
    dx, dy = math.cos(angle), math.sin(angle)
    for step in range(4000):
        moved = affinity.translate(shape, 0.1 * step * dx, 0.1 * step * dy)
        if moved.distance(land) >= gap_km:
            return moved
    raise RuntimeError("could not place an island")  # pragma: no cover


def _place_names(rng: _Rng, n: int, suffixes: tuple[str, ...]) -> list[str]:
    """Return ``n`` distinct fictional place names made of a prefix and a suffix."""
    combos = [p + s for p in _PREFIXES for s in suffixes]
    picked = rng.choice(len(combos), size=n, replace=False)
    return [combos[i].capitalize() for i in picked]


def _build_land(rng: _Rng, names: list[str]) -> list[_Mass]:
    """Return (name, kind, polygon) for the mainland, the big island and three small islands."""
    mainland = _blob(rng, 38.0, aspect=(0.8, 1.15), wobble=0.3, vertices=480, smoothness=1.2)
    big_angle = rng.uniform(-0.6, 0.6)
    big = _blob(rng, rng.uniform(9.0, 11.0), wobble=0.3, vertices=200, smoothness=1.7)
    big = _push_out(big, mainland, big_angle, rng.uniform(14.0, 20.0))
    masses = [("Fastlandet", "mainland", mainland), (names[0], "island", big)]
    strait = shapely.shortest_line(mainland, big)
    mid = strait.interpolate(0.5, normalized=True)
    side = np.array([-(big.centroid.y), big.centroid.x]) / big.centroid.distance(Point(0, 0))
    offset = rng.uniform(-4.0, 4.0) * side
    small = _blob(rng, rng.uniform(1.3, 2.0), wobble=0.2, vertices=60)
    masses.append(
        (names[1], "island", affinity.translate(small, mid.x + offset[0], mid.y + offset[1]))
    )
    for name, turn in zip(names[2:4], (rng.uniform(2.0, 2.6), rng.uniform(3.7, 4.3)), strict=True):
        small = _blob(rng, rng.uniform(1.3, 2.2), wobble=0.2, vertices=60)
        land = shapely.union_all([m[2] for m in masses])
        masses.append(
            (name, "island", _push_out(small, land, big_angle + turn, rng.uniform(5, 11)))
        )
    return masses


def _sample_sites(
    rng: _Rng, area: BaseGeometry, n: int, spacing_km: float, start: np.ndarray | None = None
) -> np.ndarray:
    """Return ``n`` points inside ``area`` at least ``spacing_km`` apart (relaxing if needed).

    Points in ``start`` come first and count towards ``n``.
    """
    shapely.prepare(area)
    x0, y0, x1, y1 = area.bounds
    sites: list[np.ndarray] = [] if start is None else list(start)
    while len(sites) < n:
        for _ in range(500):
            p = rng.uniform((x0, y0), (x1, y1))
            near = any(np.hypot(*(p - s)) < spacing_km for s in sites)
            if not near and shapely.contains_xy(area, p[0], p[1]):
                sites.append(p)
                break
        else:
            spacing_km *= 0.9
    return np.array(sites)


def _farthest_first(points: np.ndarray, n: int) -> list[int]:
    """Return indices of ``n`` spread-out points, starting with point 0."""
    chosen = [0]
    while len(chosen) < n:
        dist = np.min(np.hypot(*(points[:, None, :] - points[chosen][None]).T), axis=0)
        chosen.append(int(np.argmax(dist)))
    return chosen


def _mainland_municipalities(rng: _Rng, mainland: Polygon, seats: np.ndarray) -> list[BaseGeometry]:
    """Split the mainland among ``seats``: Voronoi cells of seats and parish points, dissolved."""
    parishes = _sample_sites(rng, mainland, 90, 3.0)
    generators = np.vstack([seats, parishes])
    owner = np.argmin(np.hypot(*(generators[:, None, :] - seats[None]).T), axis=0)
    cells = shapely.voronoi_polygons(
        MultiPoint(generators), extend_to=mainland.buffer(50), ordered=True
    )
    cells = np.asarray(shapely.get_parts(cells))
    parts = [shapely.union_all(cells[owner == i]).intersection(mainland) for i in range(len(seats))]
    for i in range(len(parts)):  # give stray fragments to the neighbour sharing most border
        pieces = shapely.get_parts(parts[i])
        keep = [p for p in pieces if p.contains(Point(seats[i]))]
        for piece in (p for p in pieces if not p.contains(Point(seats[i]))):
            shared = [
                piece.boundary.intersection(q).length if j != i else -1 for j, q in enumerate(parts)
            ]
            j = int(np.argmax(shared))
            parts[j] = shapely.union_all([parts[j], piece])
        parts[i] = keep[0]
    return parts


def _municipalities(
    rng: _Rng, masses: list[_Mass], seats: np.ndarray, seat_names: list[str]
) -> list[_Muni]:
    """Return (municipality, region, geometry) tiling all land, northern ones first."""
    parts = _mainland_municipalities(rng, masses[0][2], seats)
    order = np.argsort(-seats[:, 1], kind="stable")
    north = set(order[: math.ceil(len(seats) / 2)].tolist())
    munis = [
        [f"{seat_names[i]} Kommune", "Region Nord" if i in north else "Region Syd", parts[i]]
        for i in order
    ]
    big_name, _, big = masses[1]
    munis.append([f"{big_name} Kommune", min(munis, key=lambda m: m[2].distance(big))[1], big])
    smalls = masses[2:]
    others = [shapely.union_all([m[2] for m in masses if m[0] != s[0]]) for s in smalls]
    loner = int(np.argmax([s[2].distance(o) for s, o in zip(smalls, others, strict=True)]))
    joined = list(munis)
    for k, (name, _, island) in enumerate(smalls):
        nearest = min(joined, key=lambda m: m[2].distance(island))
        if k == loner:
            munis.append([f"{name} Kommune", nearest[1], island])
        else:
            nearest[2] = shapely.union_all([nearest[2], island])
    return [(m[0], m[1], m[2]) for m in munis]


def _patients(rng: _Rng, n: int, total: float, sigma: float = 0.5) -> np.ndarray:
    """Return ``n`` lognormal-ish list sizes summing to about ``total``."""
    weights = rng.lognormal(0.0, sigma, size=n)
    return np.clip(np.rint(total * weights / weights.sum()), _MIN_PATIENTS, _MAX_PATIENTS)


def _town_settlements(
    rng: _Rng, towns: np.ndarray, names: list[str], seats: list[int], area: BaseGeometry
) -> list[_Settlement]:
    """Return the city (town 0, with three health centres) and the towns."""
    out = []
    for i, (centre, place) in enumerate(zip(towns, names, strict=True)):
        if i == 0:
            centres = rng.uniform(9_000, 15_500, size=3)
            total = rng.uniform(140_000, 185_000) - centres.sum()
            patients = np.concatenate(
                [np.rint(centres), _patients(rng, round(total / 3_900), total)]
            )
            spread = 2.2
        else:
            total = rng.uniform(20_000, 40_000) if i in seats else rng.uniform(10_000, 22_000)
            patients = _patients(rng, max(3, round(total / 3_900)), total)
            spread = 0.6 + 0.25 * math.sqrt(patients.size)
        shared = i == 0 or i == seats[1]
        out.append(
            _Settlement([place] * patients.size, area, tuple(centre), spread, patients, shared)
        )
    return out


def _rural_settlements(
    rng: _Rng,
    masses: list[_Mass],
    usable: BaseGeometry,
    towns: np.ndarray,
    villages: list[str],
    total: float,
) -> list[_Settlement]:
    """Return the clinics of every island and a rural scatter making ``total`` patients."""
    big_name, _, big = masses[1]
    island = usable.intersection(big)
    n_big = int(rng.integers(12, 19))
    patients = _patients(rng, n_big, rng.uniform(42_000, 56_000))
    town = _sample_sites(rng, big.buffer(-2.0), 1, 0.0)[0]
    n_town = round(0.6 * n_big)
    out = [_Settlement([big_name + "by"] * n_town, island, tuple(town), 1.2, patients[:n_town])]
    out.append(_Settlement(villages[: n_big - n_town], island, None, 0.0, patients[n_town:]))
    villages = villages[n_big - n_town :]
    for name, _, geom in masses[2:]:
        small = rng.uniform(1_500, 6_000)
        n = min(int(rng.integers(1, 4)), int(small // 900))
        out.append(
            _Settlement([name] * n, usable.intersection(geom), None, 0, _patients(rng, n, small))
        )
    rest = total - sum(s.patients.sum() for s in out)
    n_rural = int(np.clip(round(rest / 2_800), 60, len(villages)))
    rural = np.clip(
        np.rint(rng.lognormal(math.log(2_500), 0.45, n_rural)), _MIN_PATIENTS, _MAX_PATIENTS
    )
    keep_out = shapely.union_all([Point(t).buffer(2.5) for t in towns])
    mainland = usable.intersection(masses[0][2]).difference(keep_out)
    return [_Settlement(villages[:n_rural], mainland, None, 0.0, rural), *out]


def _scatter(rng: _Rng, settlement: _Settlement) -> np.ndarray:
    """Return one point (km) per clinic of ``settlement``, inside its allowed area."""
    n, area = settlement.patients.size, settlement.allowed
    shapely.prepare(area)
    x0, y0, x1, y1 = area.bounds
    found = np.empty((0, 2))
    while len(found) < n:
        if settlement.centre is None:
            cand = rng.uniform((x0, y0), (x1, y1), size=(4 * n, 2))
        else:
            cand = rng.normal(settlement.centre, settlement.spread_km, size=(4 * n, 2))
        found = np.vstack([found, cand[shapely.contains_xy(area, cand[:, 0], cand[:, 1])]])
    found = found[:n]
    if settlement.shared_site:
        found[1] = found[0]
    return found


def _clinic_names(rng: _Rng, settlements: list[_Settlement]) -> list[str]:
    """Return one Danish-style practice name per clinic, numbered where they repeat."""
    names = []
    for s in settlements:
        for k, place in enumerate(s.places):
            if s.shared_site and k < 2:
                names.append(("Sundhedshuset {}", "Lægerne i Sundhedshuset {}")[k].format(place))
            else:
                names.append(_TEMPLATES[int(rng.integers(len(_TEMPLATES)))].format(place))
    seen: Counter[str] = Counter()
    numbered = []
    for name in names:
        seen[name] += 1
        numbered.append(name if seen[name] == 1 else f"{name} {seen[name]}")
    return numbered


def _to_lonlat(xy: np.ndarray) -> np.ndarray:
    """Convert kilometre-plane coordinates to longitude/latitude rounded to 6 decimals."""
    lon = _LON0 + xy[:, 0] / _KM_PER_DEG_LON
    lat = _LAT0 + xy[:, 1] / _KM_PER_DEG_LAT
    return np.round(np.column_stack([lon, lat]), 6)


def _clinic_table(rng: _Rng, settlements: list[_Settlement], munis: list[_Muni]) -> pd.DataFrame:
    """Place every clinic and return the clinic table."""
    xy = np.vstack([_scatter(rng, s) for s in settlements])
    patients = np.concatenate([s.patients for s in settlements]).astype(np.int64)
    which = np.full(len(xy), -1)
    for i, (_, _, geom) in enumerate(munis):
        inner = geom.buffer(-_BORDER_MARGIN_KM)
        which[shapely.contains_xy(inner, xy[:, 0], xy[:, 1])] = i
    if (which < 0).any():  # pragma: no cover - the allowed areas exclude border bands
        raise RuntimeError("a demo clinic fell on a municipal border")
    lonlat = _to_lonlat(xy)
    return pd.DataFrame(
        {
            "clinic_id": [f"DEMO{i + 1:04d}" for i in range(len(xy))],
            "name": _clinic_names(rng, settlements),
            "lat": lonlat[:, 1],
            "lon": lonlat[:, 0],
            "patients": patients,
            "doctors": np.maximum(1, (patients + _PATIENTS_PER_GP // 2) // _PATIENTS_PER_GP),
            "municipality": [munis[i][0] for i in which],
            "region": [munis[i][1] for i in which],
        },
        columns=list(CLINIC_COLUMNS),
    )


def _land_from_municipalities(municipalities: np.ndarray, masses: list[_Mass]) -> list[Polygon]:
    """Return each land mass (lon/lat) as the union of the municipality pieces on it.

    Built from the rounded municipality polygons, so the municipalities tile the land
    exactly, vertex for vertex.
    """
    pieces = shapely.get_parts(municipalities)
    inside = shapely.point_on_surface(pieces)
    masses_lonlat = [shapely.transform(m[2], _to_lonlat) for m in masses]
    return [shapely.coverage_union_all(pieces[shapely.contains(m, inside)]) for m in masses_lonlat]


def make_demo_region(seed: int = DEFAULT_SEED) -> DemoRegion:
    """Generate the fictional demo region.

    Parameters
    ----------
    seed
        Seed of the one :class:`numpy.random.Generator` behind every random choice.

    Returns
    -------
    DemoRegion
        Clinics, land masses and municipalities, all in EPSG:4326.

    Examples
    --------
    >>> region = make_demo_region()
    >>> sorted(region.land["kind"].unique())
    ['island', 'mainland']
    """
    rng = np.random.default_rng(seed)
    names = _place_names(rng, 180, _SUFFIXES)
    masses = _build_land(rng, _place_names(rng, 4, ("ø",)))
    mainland = masses[0][2]
    n_muni, n_towns = int(rng.integers(6, 9)), int(rng.integers(14, 18))
    city = _sample_sites(rng, mainland.buffer(-3.0).difference(mainland.buffer(-7.0)), 1, 0.0)
    towns = _sample_sites(rng, mainland.buffer(-3.0), n_towns, 11.0, start=city)
    seats = _farthest_first(towns, n_muni)
    munis = _municipalities(rng, masses, towns[seats], [names[i] for i in seats])
    inner_land = shapely.union_all([m[2].buffer(-_COAST_MARGIN_KM) for m in masses])
    inner_munis = shapely.union_all([m[2].buffer(-_BORDER_MARGIN_KM) for m in munis])
    usable = inner_land.intersection(inner_munis)
    settlements = _town_settlements(
        rng, towns, names[:n_towns], seats, usable.intersection(mainland)
    )
    rest = rng.uniform(840_000, 940_000) - sum(s.patients.sum() for s in settlements)
    settlements += _rural_settlements(rng, masses, usable, towns, names[n_towns:], rest)
    clinics = _clinic_table(rng, settlements, munis)
    municipalities = gpd.GeoDataFrame(
        {"municipality": [m[0] for m in munis], "region": [m[1] for m in munis]},
        geometry=[shapely.transform(m[2], _to_lonlat) for m in munis],
        crs="EPSG:4326",
    )
    land = gpd.GeoDataFrame(
        {"name": [m[0] for m in masses], "kind": [m[1] for m in masses]},
        geometry=_land_from_municipalities(municipalities.geometry.values, masses),
        crs="EPSG:4326",
    )
    logger.info("demo region: %d clinics, %d patients", len(clinics), clinics["patients"].sum())
    return DemoRegion(clinics=clinics, land=land, municipalities=municipalities)


def write_demo_region(directory: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the demo region's three files to ``directory``, byte-identically for a seed.

    Parameters
    ----------
    directory
        Folder to write into; created when missing.
    seed
        Seed passed to :func:`make_demo_region`.

    Returns
    -------
    list of Path
        The clinic CSV, the land GeoJSON and the municipality GeoJSON.
    """
    region = make_demo_region(seed)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / name for name in FILE_NAMES]
    region.clinics.to_csv(paths[0], sep=",", index=False, encoding="utf-8", lineterminator="\n")
    for path, frame in zip(paths[1:], (region.land, region.municipalities), strict=True):
        path.unlink(missing_ok=True)
        frame.to_file(path, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=6)
    logger.info("wrote %s", ", ".join(str(p) for p in paths))
    return paths


def demo_clinics_path() -> Path:
    """Return the path of the committed demo clinic table, ``data/demo_clinics.csv``."""
    return Path(__file__).resolve().parents[2] / "data" / FILE_NAMES[0]


def demo_sheet() -> Sheet:
    """The demo clinic table as :func:`~planner.load.readers.read_table` reads any clinic file.

    Every cell is text.  When the committed file is absent (an installed package has no
    ``data/``), the region is generated in memory instead (source ``<demo region>``).
    """
    path = demo_clinics_path()
    if path.is_file():
        return read_table(path)
    logger.info("%s not found; generating the demo region in memory", path)
    return Sheet(make_demo_region().clinics.astype(str), "<demo region>", first_row=2)


def load_demo() -> pd.DataFrame:
    """The demo clinic table, every cell as text (see :func:`demo_sheet`)."""
    return demo_sheet().frame


def load_demo_land() -> gpd.GeoDataFrame:
    """Return the demo region's land masses (EPSG:4326), from ``data/`` or generated."""
    path = demo_clinics_path().with_name(FILE_NAMES[1])
    if path.is_file():
        return gpd.read_file(path, engine="pyogrio")
    return make_demo_region().land


def main(argv: list[str] | None = None) -> None:
    """Regenerate the demo files: ``python -m planner.demo [--out data] [--seed 2026]``."""
    parser = argparse.ArgumentParser(description="Regenerate the planner's demo region.")
    parser.add_argument("--out", type=Path, default=Path("data"), help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    paths = write_demo_region(args.out, args.seed)
    clinics = pd.read_csv(paths[0])
    print(
        f"wrote {len(paths)} files to {args.out}: {len(clinics)} clinics, "
        f"{clinics['patients'].sum():,} patients, {clinics['doctors'].sum()} GPs"
    )


if __name__ == "__main__":
    main()
