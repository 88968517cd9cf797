"""Writing one file so that a reader never sees half of it.

Every helper writes to a temporary file in the destination's own directory (so the final
:func:`os.replace` is a rename on one file system, atomic on POSIX and Windows), flushes and
fsyncs it, then replaces the destination.  On any error the temporary file is removed and
the destination is left as it was; a failed write is raised as an :class:`OSError` naming
the destination, "disk full" when it is (:func:`planner.output.space.write_error`).  Whole
folders: :mod:`planner.output.atomic`.
"""

from __future__ import annotations

import os
import secrets
import stat
from contextlib import suppress
from pathlib import Path

import geopandas as gpd

from planner.core.errors import PlannerError
from planner.output.space import write_error

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "fsync_dir",
    "fsync_file",
    "write_geodataframe_atomic",
]

_DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON"}
_SIDECARS = ("-journal", "-wal", "-shm")


def _temp_path(path: Path) -> Path:
    """A fresh name beside ``path`` that keeps its suffix (drivers look at it)."""
    return path.with_name(f".{path.stem}.{secrets.token_hex(6)}.tmp{path.suffix}")


def fsync_file(path: Path) -> None:
    """Make ``path``'s content durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
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
    except BaseException as exc:
        failed = write_error(exc, tmp, path, writing=False)  # "cannot write <path>: disk full"
        _remove(tmp)
        if failed is None:
            raise
        raise failed from exc
    fsync_dir(path.parent)


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
        fsync_file(tmp)
        _keep_mode(tmp, path)
        os.replace(tmp, path)
    except BaseException as exc:
        failed = write_error(exc, tmp, path, writing=False)
        _remove(tmp, *sidecars)
        if failed is None:
            raise
        raise failed from exc
    fsync_dir(path.parent)
