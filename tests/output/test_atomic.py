"""Tests of planner.output.atomic: a failed write never leaves a half-written file behind."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point

import planner.output.atomic as atomic
from planner.core.errors import PlannerError
from planner.output.atomic import (
    atomic_directory,
    atomic_write_bytes,
    atomic_write_text,
    write_geodataframe_atomic,
)


def listing(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> content)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_write_text_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "summary.json"
    atomic_write_text(target, "første\n")
    assert target.read_bytes() == "første\n".encode()
    atomic_write_text(target, "anden\n", encoding="cp1252")
    assert target.read_bytes() == "anden\n".encode("cp1252")
    assert os.listdir(target.parent) == ["summary.json"]  # no temporary files left


def test_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(target, "Ærø", encoding="ascii")
    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_failed_replace_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_replacing_keeps_the_file_mode(tmp_path: Path) -> None:
    target = tmp_path / "shared.csv"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write_text(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_atomic_directory_moves_files_into_place(tmp_path: Path) -> None:
    final = tmp_path / "out"
    final.mkdir()
    (final / "keep.txt").write_text("untouched")
    (final / "map.html").write_text("old map")
    with atomic_directory(final) as tmp:
        assert tmp.is_dir() and tmp.parent == tmp_path and not any(tmp.iterdir())
        (tmp / "map.html").write_text("new map")
        (tmp / "tables").mkdir()
        (tmp / "tables" / "a.csv").write_text("a")
    assert listing(final) == {
        "keep.txt": b"untouched",
        "map.html": b"new map",
        str(Path("tables", "a.csv")): b"a",
    }
    assert sorted(os.listdir(tmp_path)) == ["out"]  # the temporary directory is gone


def test_atomic_directory_creates_the_final_directory(tmp_path: Path) -> None:
    final = tmp_path / "a" / "b"
    with atomic_directory(final) as tmp:
        (tmp / "x.txt").write_text("x")
    assert listing(final) == {"x.txt": b"x"}


def test_failure_inside_atomic_directory_leaves_the_old_directory(tmp_path: Path) -> None:
    final = tmp_path / "out"
    final.mkdir()
    (final / "map.html").write_text("old map")
    with pytest.raises(RuntimeError, match="render failed"), atomic_directory(final) as tmp:
        (tmp / "map.html").write_text("half a map")
        raise RuntimeError("render failed")
    assert listing(final) == {"map.html": b"old map"}
    assert os.listdir(tmp_path) == ["out"]


def test_failure_inside_atomic_directory_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyError), atomic_directory(tmp_path / "new") as tmp:
        (tmp / "x").write_text("x")
        raise KeyError("boom")
    assert os.listdir(tmp_path) == []


def points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"clinic_id": ["A", "B"], "name": ["Ærø", "Bornholm"]},
        geometry=[Point(10.4, 54.9), Point(14.9, 55.1)],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("name", ["clusters.gpkg", "clusters.geojson"])
def test_write_geodataframe_round_trip(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    write_geodataframe_atomic(points(), target)
    write_geodataframe_atomic(points().iloc[:1], target)  # replaces the old file
    back = gpd.read_file(target)
    assert back["name"].tolist() == ["Ærø"]
    assert back.crs == "EPSG:4326"
    assert os.listdir(tmp_path) == [name]
    if name.endswith(".gpkg"):
        assert pyogrio.list_layers(target)[0][0] == "clusters"  # not the temporary name


def test_failed_geodataframe_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "clusters.gpkg"
    write_geodataframe_atomic(points(), target)
    before = target.read_bytes()
    with pytest.raises(Exception, match=r"NoSuchDriver|driver"):
        write_geodataframe_atomic(points(), target, driver="NoSuchDriver")
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["clusters.gpkg"]


def test_unknown_suffix_needs_a_driver(tmp_path: Path) -> None:
    with pytest.raises(PlannerError, match="file format"):
        write_geodataframe_atomic(points(), tmp_path / "clusters.xyz")
