"""A full disk while the plan is written (issue 13): "cannot write <file>: disk full", the
previous plan intact, nothing left behind.

Always by fault injection (the writers made to fail with ``ENOSPC`` at each step: a CSV, the
GeoJSON writer GDAL, carrying the user's files over, the switch); for real on a small tmpfs
when the tests run as root and may mount one (skipped with the reason otherwise).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyogrio.errors
import pytest
from bad_inputs import clinics, no_traceback, run, snapshot, text_of

import planner.output.space as space
from planner.output.space import write_error

FULL = os.strerror(errno.ENOSPC)


@pytest.fixture(scope="module")
def previous_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("previous")
    (where / "clinics.csv").write_bytes(clinics())
    out = where / "plan"
    result = run(["plan", str(where / "clinics.csv"), "--out", str(out), "-q", "--no-map"])
    assert result.exit_code == 0, result.output
    (out / "my notes.txt").write_text("kept\n", encoding="utf-8")
    return out


@pytest.fixture()
def folder(tmp_path: Path, previous_plan: Path) -> Path:
    (tmp_path / "clinics.csv").write_bytes(clinics())
    shutil.copytree(previous_plan, tmp_path / "plan")
    return tmp_path


def _plan(folder: Path, *extra: str) -> list[str]:
    args = ["plan", str(folder / "clinics.csv"), "--out", str(folder / "plan"), "-q"]
    return [*args, "--min-patients", "10000", *extra]


def _hidden(path: Path) -> bool:
    return ".plan.new-" in str(path) or ".diff.new-" in str(path)


def _fails_on(name: str, *, named: bool) -> object:
    """``Path.write_bytes`` that fails with ENOSPC half-way through the file ``name``."""
    real = Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:
        if self.name == name and _hidden(self):
            real(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, FULL, str(self)) if named else OSError(errno.ENOSPC, FULL)
        return real(self, data)

    return write_bytes


def _refused(folder: Path, before: dict, args: list[str], *says: str) -> str:
    result = run(args)
    no_traceback(result)
    text = text_of(result)
    assert result.exit_code == 2, text
    assert "Cannot write the plan" in text and "disk full" in text, text
    assert all(s in text for s in says), text
    assert ".plan.new-" not in text  # the file is named where the user will look for it
    assert snapshot(folder) == before  # the previous plan intact, nothing left beside it
    return text


@pytest.mark.parametrize("named", [True, False], ids=["error-names-the-file", "error-names-none"])
def test_a_csv_that_cannot_be_written(
    folder: Path, monkeypatch: pytest.MonkeyPatch, named: bool
) -> None:
    before = snapshot(folder)
    monkeypatch.setattr(Path, "write_bytes", _fails_on("conflicts.csv", named=named))
    text = _refused(folder, before, _plan(folder, "--no-map"), f"cannot write {folder / 'plan'}")
    if named:
        assert f"{folder / 'plan' / 'conflicts.csv'}: disk full" in text


def test_the_geojson_writer_on_a_full_disk(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GDAL says only "Cannot write feature"; with no space left, that is a full disk."""
    before = snapshot(folder)

    def to_file(self: gpd.GeoDataFrame, path: object, *args: object, **kwargs: object) -> None:
        Path(str(path)).write_text('{"type": "FeatureCollection", "feat', encoding="utf-8")
        raise pyogrio.errors.FeatureError("Could not add feature to layer at index 2")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", to_file)
    monkeypatch.setattr(space, "free_bytes", lambda folder: 4096)
    _refused(folder, before, _plan(folder, "--no-map"), "clusters.geojson: disk full")


def test_carrying_the_users_files_over(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(folder)

    def no_link(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    def no_copy(src: object, dst: object, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, FULL, str(dst))

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(shutil, "copy2", no_copy)
    _refused(folder, before, _plan(folder, "--no-map"), "my notes.txt: disk full")


def test_the_switch(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(folder)
    real = os.rename

    def rename(src: str | Path, dst: str | Path) -> None:
        if _hidden(Path(src)) and Path(dst).name == "plan":
            raise OSError(errno.ENOSPC, FULL)
        real(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    _refused(folder, before, _plan(folder, "--no-map"), f"cannot write {folder / 'plan'}: disk")


def test_another_write_error_is_named_as_what_it_is(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(folder)
    real = Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:
        if self.name == "assignments.csv" and _hidden(self):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    result = run(_plan(folder, "--no-map"))
    no_traceback(result)
    text = text_of(result)
    assert result.exit_code == 2, text
    assert f"cannot write {folder / 'plan' / 'assignments.csv'}: {os.strerror(errno.EIO)}" in text
    assert "disk full" not in text
    assert snapshot(folder) == before


def test_a_gdal_error_with_space_to_spare_is_not_called_a_full_disk(tmp_path: Path) -> None:
    new, final = tmp_path / ".out.new-0123456789ab.tmp", tmp_path / "out"
    new.mkdir()
    bug = pyogrio.errors.FieldError("unsupported field type")
    assert space.free_bytes(tmp_path) is not None and space.free_bytes(tmp_path) > space.LOW_SPACE
    assert write_error(bug, new, final) is None  # a bug is raised as it is
    assert write_error(KeyError("x"), new, final) is None


# --- for real, on a small tmpfs --------------------------------------------------------


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, mounted for the test (root only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)
        if os.path.ismount(mount):
            subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> None:
    """Fill the disk so that about ``leave`` bytes stay free."""
    free = space.free_bytes(disk) or 0
    with (disk / "filler").open("wb") as fh:
        fh.write(b"\0" * max(free - leave, 0))


@pytest.mark.parametrize("leave", [0, 16 << 10, 64 << 10], ids=["none", "16k", "64k"])
def test_a_really_full_disk(small_disk: Path, leave: int) -> None:
    (small_disk / "clinics.csv").write_bytes(clinics())
    out = small_disk / "plan"
    first = run(["plan", str(small_disk / "clinics.csv"), "--out", str(out), "-q", "--no-map"])
    assert first.exit_code == 0, first.output
    _fill(small_disk, leave)
    before = snapshot(small_disk)
    args = ["plan", str(small_disk / "clinics.csv"), "--out", str(out), "-q", "--seed", "3"]
    result = run(args)  # with the map (a quarter of a megabyte): cannot fit
    no_traceback(result)
    text = text_of(result)
    assert result.exit_code == 2, text
    assert f"cannot write {out}" in text and "disk full" in text, text
    assert snapshot(small_disk) == before
    (small_disk / "filler").unlink()  # with space again, the next run writes the plan
    again = run(args)
    assert again.exit_code == 0, again.output
    assert sorted(os.listdir(small_disk)) == ["clinics.csv", "plan"]


def test_render_on_a_full_disk(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(folder)

    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, FULL)

    monkeypatch.setattr(os, "fsync", fsync)
    result = run(["render", str(folder / "plan"), "--no-report"])
    no_traceback(result)
    assert result.exit_code == 2 and "disk full" in text_of(result), result.output
    assert snapshot(folder) == before


def test_diff_on_a_full_disk(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(folder)
    monkeypatch.setattr(Path, "write_bytes", _fails_on("moves.csv", named=False))
    out = folder / "diff"
    result = run(["diff", str(folder / "plan"), str(folder / "plan"), "--out", str(out)])
    no_traceback(result)
    text = text_of(result)
    assert result.exit_code == 2, text
    assert f"cannot write {out}" in text and "disk full" in text, text
    assert snapshot(folder) == before
