"""A write that failed, said plainly: which file could not be written, and a full disk
named as one.

Python's own writes report a full disk as :class:`OSError` ``ENOSPC`` (``EDQUOT`` for a
quota), without naming the file when the data is written after opening it; GDAL (the
GeoJSON writer, through pyogrio) reports only that a feature could not be written.
:func:`write_error` turns either into one :class:`OSError` whose message names the file as
the user knows it (in the output folder, not the hidden folder being written) and says
"disk full" when the disk is full: a GDAL error counts as one when the file system has less
than :data:`LOW_SPACE` bytes free.  It stays an ``OSError`` (with the errno), which every
caller of the writers already handles; the command line prints its message and exits 2.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

__all__ = ["LOW_SPACE", "free_bytes", "write_error"]

#: Free bytes below which a write error that does not say why is taken for a full disk.
LOW_SPACE = 1 << 20
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def free_bytes(folder: str | Path) -> int | None:
    """Bytes an unprivileged writer may still use on the file system of ``folder``.

    >>> free_bytes("/") is None or free_bytes("/") >= 0
    True
    """
    try:
        vfs = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs (Windows), or the folder is gone
        return None
    return vfs.f_bavail * vfs.f_frsize


def _disk_full(exc: BaseException, folder: Path) -> bool:
    if isinstance(exc, OSError) and exc.errno in _FULL:
        return True
    text = str(exc).lower()
    if "no space" in text or "disk full" in text or "quota" in text:
        return True
    free = free_bytes(folder)
    return free is not None and free < LOW_SPACE


def _from_gdal(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] in ("pyogrio", "fiona")


def _newest(folder: Path) -> Path | None:
    """The file written last under ``folder`` (the one a write without a name failed on);
    None when no file is, or several are, the newest (timestamps are coarse)."""
    newest: list[Path] = []
    when = -1
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root, name)
            try:
                stamp = path.lstat().st_mtime_ns
            except OSError:
                continue
            if stamp > when:
                newest, when = [path], stamp
            elif stamp == when:
                newest.append(path)
    return newest[0] if len(newest) == 1 else None


def _shown(exc: BaseException, new: Path, final: Path, *, writing: bool) -> Path:
    """The file the write failed on, as the user knows it: in ``final``, not in ``new``.

    An error that names no file is put on the file written last while the files are being
    written (``writing``) when one file is the newest, else on the folder.
    """
    name = getattr(exc, "filename", None)
    if isinstance(name, str | bytes):
        path: Path | None = Path(os.fsdecode(name))
    else:
        path = _newest(new) if writing else None
    if path is None:
        return final
    try:
        return final / path.relative_to(new)
    except ValueError:
        return final if path == new else path


def write_error(
    exc: BaseException, new: Path, final: Path, *, writing: bool = True
) -> OSError | None:
    """The error to raise for ``exc``, raised while writing ``new`` for the folder ``final``.

    Parameters
    ----------
    exc
        What the writing raised.
    new
        The hidden folder being written (still there: its files show which was last).
    final
        The folder the user named, which stays as it was.
    writing
        Whether the files were being written (else the folder was being put in place).

    Returns
    -------
    OSError or None
        For an :class:`OSError`, or a GDAL error on a full disk: an ``OSError`` (errno
        ``ENOSPC`` for a full disk) whose message is ``cannot write <file>: disk full
        (...)``, saying that ``final`` is as it was.  ``None`` for anything else (a bug to
        be seen as it is).

    Examples
    --------
    >>> new, final = Path("/plans/.out.new-0123456789ab.tmp"), Path("/plans/out")
    >>> full = OSError(errno.ENOSPC, "No space left on device", str(new / "a.csv"))
    >>> err = write_error(full, new, final)
    >>> err.errno == errno.ENOSPC, err.filename
    (True, '/plans/out/a.csv')
    >>> for part in err.strerror.split("; "):
    ...     print(part)
    cannot write /plans/out/a.csv: disk full (No space left on device)
    /plans/out is as it was before this run: free some space and write again
    """
    if not isinstance(exc, OSError) and not _from_gdal(exc):
        return None
    full = _disk_full(exc, new if new.exists() else new.parent)
    if not isinstance(exc, OSError) and not full:
        return None
    path = _shown(exc, new, final, writing=writing)
    why = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
    code = exc.errno if isinstance(exc, OSError) and exc.errno else None
    text = f"cannot write {path}: {why}; {final} is as it was before this run"
    if full:
        code = code if code in _FULL else errno.ENOSPC
        text = (
            f"cannot write {path}: disk full ({why}); {final} is as it was before this "
            "run: free some space and write again"
        )
    return OSError(code, text, str(path)) if code is not None else OSError(text)
