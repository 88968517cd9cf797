"""Writing files so that a reader never sees half of one.

Every helper writes to a temporary file in the destination's own directory (so the final
:func:`os.replace` is a rename on one file system, atomic on POSIX and Windows), flushes and
fsyncs it, then replaces the destination.  On any error the temporary file is removed and the
destination is left as it was.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import geopandas as gpd

from planner.core.errors import PlannerError

__all__ = [
    "atomic_directory",
    "atomic_write_bytes",
    "atomic_write_text",
    "write_geodataframe_atomic",
]

logger = logging.getLogger(__name__)

_DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON"}
_SIDECARS = ("-journal", "-wal", "-shm")


def _temp_path(path: Path) -> Path:
    """A fresh name beside ``path`` that keeps its suffix (drivers look at it)."""
    return path.with_name(f".{path.stem}.{secrets.token_hex(6)}.tmp{path.suffix}")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable; a no-op where directories cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _keep_mode(tmp: Path, path: Path) -> None:
    """Give the new file the mode of the file it replaces, if any."""
    with suppress(FileNotFoundError):
        os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))


def _remove(*paths: Path) -> None:
    for p in paths:
        with suppress(FileNotFoundError):
            p.unlink()


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically.

    Parameters
    ----------
    path
        Destination; its directory is created when missing.  An existing file is replaced
        (keeping its permission bits) only once the new content is safely on disk.
    data
        The bytes to write.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(path)
    # os.open with 0o666 lets the umask decide the mode, as for an ordinary new file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _keep_mode(tmp, path)
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
    _fsync_dir(path.parent)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (no newline translation).

    Parameters
    ----------
    path
        Destination, as for :func:`atomic_write_bytes`.
    text
        The text to write; ``"\\n"`` is written as is on every platform.
    encoding
        Text encoding.
    """
    atomic_write_bytes(path, text.encode(encoding))


def _move_tree(src: Path, dst: Path) -> list[Path]:
    """Move every file under ``src`` to the same place under ``dst``, each by os.replace."""
    moved = []
    dst.mkdir(parents=True, exist_ok=True)
    for entry in sorted(src.iterdir()):
        target = dst / entry.name
        if entry.is_dir() and not entry.is_symlink():
            moved += _move_tree(entry, target)
        else:
            if entry.is_file() and not entry.is_symlink():
                _fsync_file(entry)
            os.replace(entry, target)
            moved.append(target)
    _fsync_dir(dst)
    return moved


@contextmanager
def atomic_directory(final_dir: str | Path) -> Iterator[Path]:
    """Write a set of files into a temporary directory, then move them into place.

    Parameters
    ----------
    final_dir
        The directory the files belong in; created on success when missing.  Files already
        there that the block did not write are left alone.

    Yields
    ------
    Path
        A fresh, empty directory beside ``final_dir`` (same file system).

    Notes
    -----
    When the block raises, the temporary directory is removed and ``final_dir`` is not
    touched.  On success each file is moved with :func:`os.replace`, so each file is
    replaced atomically; the set of files as a whole is not (a crash midway through the moves
    can leave some files new and some old).

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "out"
    >>> with atomic_directory(out) as tmp:
    ...     _ = (tmp / "a.txt").write_text("hello")
    >>> (out / "a.txt").read_text()
    'hello'
    """
    final_dir = Path(final_dir)
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final_dir.name}.", suffix=".tmp", dir=final_dir.parent))
    try:
        yield tmp
        moved = _move_tree(tmp, final_dir)
        logger.debug("moved %d file(s) into %s", len(moved), final_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_geodataframe_atomic(
    gdf: gpd.GeoDataFrame, path: str | Path, driver: str | None = None
) -> None:
    """Write a GeoDataFrame to a file atomically.

    Parameters
    ----------
    gdf
        The data to write.  Not modified.
    path
        Destination.  For a GeoPackage the layer is named after the file's stem.
    driver
        OGR driver; by default from the suffix: ``.gpkg`` GPKG, ``.geojson``/``.json``
        GeoJSON.

    Raises
    ------
    PlannerError
        No driver was given and the suffix is not one of the above.
    """
    path = Path(path)
    if driver is None:
        driver = _DRIVERS.get(path.suffix.lower())
        if driver is None:
            raise PlannerError(
                f"cannot tell the file format of {path}; use one of "
                f"{', '.join(sorted(_DRIVERS))} or name a driver"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(path)
    sidecars = [tmp.with_name(tmp.name + s) for s in _SIDECARS]
    try:
        kwargs = {"layer": path.stem} if driver.upper() == "GPKG" else {}
        gdf.to_file(tmp, driver=driver, engine="pyogrio", **kwargs)
        _fsync_file(tmp)
        _keep_mode(tmp, path)
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp, *sidecars)
        raise
    _fsync_dir(path.parent)
