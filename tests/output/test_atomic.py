"""Tests of planner.output.atomic: a failed write never leaves a half-written file behind."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
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


# --- the folder switch: one step, locked, repaired after a crash (issue 13, data loss) ---


def plan_like(folder: Path, tag: str) -> dict[str, bytes]:
    """A folder of several files that all say ``tag``: a mix of two is easy to see."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("summary.json", "assignments.csv", "map.html"):
        (folder / name).write_text(f"{tag} {name}", encoding="utf-8")
    return listing(folder)


def test_the_old_folder_stays_whole_until_the_new_one_replaces_it(tmp_path: Path) -> None:
    final = tmp_path / "out"
    old = plan_like(final, "old")
    old_inode = final.stat().st_ino
    with atomic_directory(final) as tmp:
        (tmp / "summary.json").write_text("new summary.json", encoding="utf-8")
        assert listing(final) == old  # half of the new folder is not in the target yet
        (tmp / "assignments.csv").write_text("new assignments.csv", encoding="utf-8")
        (tmp / "map.html").write_text("new map.html", encoding="utf-8")
        assert listing(final) == old
    assert listing(final) == {n: f"new {n}".encode() for n in old}
    assert final.stat().st_ino != old_inode  # a new folder, switched in, not files moved in
    assert os.listdir(tmp_path) == ["out"]  # no lock, backup or temporary folder left


def test_files_that_are_not_the_writers_are_carried_over(tmp_path: Path) -> None:
    final = tmp_path / "out"
    plan_like(final, "old")
    (final / "notes.txt").write_text("my notes", encoding="utf-8")
    (final / "drafts").mkdir()
    (final / "drafts" / "idea.md").write_text("idea", encoding="utf-8")
    (final / "link").symlink_to("notes.txt")
    with atomic_directory(final, replaces=("map.html", "summary.json")) as tmp:
        (tmp / "summary.json").write_text("new", encoding="utf-8")
    got = listing(final)
    assert got["summary.json"] == b"new"
    assert "map.html" not in got  # the writer's, not written again: dropped
    assert got["assignments.csv"] == b"old assignments.csv"  # not claimed: kept
    assert got["notes.txt"] == b"my notes" and got[str(Path("drafts", "idea.md"))] == b"idea"
    assert os.readlink(final / "link") == "notes.txt"


def hold_lock_in_another_process(final: Path) -> subprocess.Popen[str]:
    code = (
        "import sys, time\n"
        "from planner.output.atomic import directory_lock\n"
        "with directory_lock(sys.argv[1]):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(final)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_writer_is_refused_while_another_process_writes(tmp_path: Path) -> None:
    final = tmp_path / "out"
    old = plan_like(final, "old")
    proc = hold_lock_in_another_process(final)
    try:
        with (
            pytest.raises(PlannerError, match=f"another run is writing {final}"),
            atomic_directory(final) as tmp,
        ):
            (tmp / "summary.json").write_text("new", encoding="utf-8")
        assert listing(final) == old
        assert sorted(os.listdir(tmp_path)) == [".out.lock", "out"]  # the holder's lock only
    finally:
        proc.kill()
        proc.wait()
    # A lock left by a killed process is free again (and the next writer removes the file).
    with atomic_directory(final) as tmp:
        (tmp / "summary.json").write_text("new", encoding="utf-8")
    assert listing(final) == {
        "summary.json": b"new",
        **{n: old[n] for n in old if n != "summary.json"},
    }
    assert os.listdir(tmp_path) == ["out"]


def test_the_same_thread_may_take_the_lock_again_another_thread_may_not(tmp_path: Path) -> None:
    final = tmp_path / "out"
    errors: list[BaseException] = []

    def other() -> None:
        try:
            with atomic_directory(final):
                pass
        except PlannerError as exc:
            errors.append(exc)

    with atomic.directory_lock(final), atomic_directory(final) as tmp:
        (tmp / "x.txt").write_text("x", encoding="utf-8")
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert len(errors) == 1 and "another run is writing" in str(errors[0])
    assert listing(final) == {"x.txt": b"x"}


def killed_mid_switch(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """The state a run killed between the two renames leaves: no target, a complete backup,
    the complete new folder, its lock file."""
    final = tmp_path / "out"
    old = plan_like(tmp_path / ".out.old-0123456789ab.tmp", "old")
    plan_like(tmp_path / ".out.new-ba9876543210.tmp", "new")
    (tmp_path / ".out.lock").write_text("12345\n", encoding="utf-8")
    past = time.time() - 60
    for name in os.listdir(tmp_path):
        os.utime(tmp_path / name, (past, past))
    return final, old


def test_a_run_killed_between_the_renames_is_repaired_by_the_next(tmp_path: Path) -> None:
    final, old = killed_mid_switch(tmp_path)
    assert atomic.current_folder(final) == tmp_path / ".out.old-0123456789ab.tmp"
    with atomic.directory_lock(final):
        assert listing(final) == old  # put back before anything else
    assert os.listdir(tmp_path) == ["out"]  # the new folder, the backup and the lock: gone
    assert atomic.current_folder(final) == final.resolve()


def test_the_next_write_after_a_killed_switch_replaces_the_old_folder(tmp_path: Path) -> None:
    final, _ = killed_mid_switch(tmp_path)
    with atomic_directory(final, replaces=("map.html",)) as tmp:
        (tmp / "summary.json").write_text("newer", encoding="utf-8")
    assert listing(final) == {"summary.json": b"newer", "assignments.csv": b"old assignments.csv"}
    assert os.listdir(tmp_path) == ["out"]


def test_only_the_protocols_own_stale_folders_are_removed(tmp_path: Path) -> None:
    final = tmp_path / "out"
    plan_like(final, "old")
    stale = [".out.new-aaaaaaaaaaaa.tmp", ".out.old-bbbbbbbbbbbb.tmp", ".out.del-cccccccccccc.tmp"]
    others = [".out.new-mine.tmp", ".other.new-aaaaaaaaaaaa.tmp", "out.new-aaaaaaaaaaaa.tmp"]
    for name in stale + others:
        plan_like(tmp_path / name, name)
    (tmp_path / ".out.old-dddddddddddd.tmp").write_text("a file, not a folder", encoding="utf-8")
    past = time.time() - 60
    for name in os.listdir(tmp_path):
        os.utime(tmp_path / name, (past, past))
    with atomic_directory(final) as tmp:
        (tmp / "summary.json").write_text("new", encoding="utf-8")
    assert sorted(os.listdir(tmp_path)) == sorted(["out", *others, ".out.old-dddddddddddd.tmp"])


def test_a_failed_second_rename_puts_the_old_folder_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    final = tmp_path / "out"
    old = plan_like(final, "old")
    real_rename = os.rename
    calls: list[str] = []

    def second_fails(src: str | Path, dst: str | Path) -> None:
        calls.append(Path(src).name)
        if Path(src).name.startswith(".out.new-") and Path(dst) == final:
            raise OSError("no space left on device")
        real_rename(src, dst)

    monkeypatch.setattr(atomic.os, "rename", second_fails)
    with pytest.raises(OSError, match="no space"), atomic_directory(final) as tmp:
        (tmp / "summary.json").write_text("new", encoding="utf-8")
    assert calls[0] == "out"  # the old folder was moved aside first
    assert listing(final) == old
    assert os.listdir(tmp_path) == ["out"]


@pytest.mark.parametrize("where", ["", ".", "..", "cwd-itself"])
def test_the_working_directory_is_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    work = tmp_path / "work"
    before = plan_like(work, "mine")
    monkeypatch.chdir(work)
    target = work if where == "cwd-itself" else where
    with pytest.raises(PlannerError, match="working directory"), atomic_directory(target) as tmp:
        (tmp / "summary.json").write_text("new", encoding="utf-8")
    assert listing(work) == before
    assert os.listdir(tmp_path) == ["work"]


def test_a_file_is_not_replaced_by_a_folder(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("a file", encoding="utf-8")
    with pytest.raises(PlannerError, match="is a file"), atomic_directory(target):
        pass
    assert target.read_text(encoding="utf-8") == "a file"
    assert os.listdir(tmp_path) == ["out"]


def test_a_check_that_refuses_writes_nothing(tmp_path: Path) -> None:
    final = tmp_path / "out"
    old = plan_like(final, "old")

    def refuse(folder: Path) -> None:
        raise PlannerError(f"not {folder.name}")

    with pytest.raises(PlannerError, match="not out"), atomic_directory(final, check=refuse):
        pytest.fail("the block must not run")
    assert listing(final) == old and os.listdir(tmp_path) == ["out"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_the_new_folder_keeps_the_old_folders_mode(tmp_path: Path) -> None:
    final = tmp_path / "out"
    plan_like(final, "old")
    final.chmod(0o750)
    with atomic_directory(final) as tmp:
        (tmp / "summary.json").write_text("new", encoding="utf-8")
    assert stat.S_IMODE(final.stat().st_mode) == 0o750
