"""Writing files and whole folders so that a reader never sees half of one.

Files
-----
The file helpers (:func:`atomic_write_bytes`, :func:`atomic_write_text`,
:func:`write_geodataframe_atomic`) live in :mod:`planner.output.files`: a temporary file
beside the destination, fsynced, then renamed over it.

Folders
-------
:func:`atomic_directory` replaces a whole folder (a plan, a diff) in one switch, so that the
folder is entirely the old one or entirely the new one, never a mix of two.  For a target
``P/N`` (symbolic links resolved) everything happens in ``P``, on one file system, under
these hidden names (``<token>``: 12 random hex digits)::

    .N.lock               the lock: an exclusive flock held while a run writes N
    .N.new-<token>.tmp    the new folder, being written
    .N.old-<token>.tmp    the old folder, moved aside during the switch; always complete
                          (made by one rename of N)
    .N.del-<token>.tmp    a folder being deleted (renamed first, so that a half-deleted
                          folder never carries the "old" name)

The protocol (:func:`directory_lock` does steps 1, 2 and 7):

1. Lock ``.N.lock`` without waiting.  When another process holds it, fail with
   :class:`PlannerError` "another run is writing P/N".  The thread that holds it may take it
   again (the command line holds it for a whole run, planning included; the writer takes it
   again).
2. Repair and clean, when the lock is first taken: if ``N`` is missing but an ``old``
   folder exists, a run was killed between the two renames of step 5, and the newest
   ``old`` folder is renamed back to ``N``.  Every other folder of exactly these names that
   is older than this run was left by a killed run (the lock says no run uses it) and is
   deleted.  Nothing else in ``P`` is touched.
3. Create ``.N.new-<token>.tmp`` (with the old folder's permission bits) and let the caller
   write the complete new folder into it.
4. Carry over: each entry of the old ``N`` that the new folder does not have and that the
   caller does not claim (``replaces``: names the writer owns, such as the map of an earlier
   plan that this one does not draw) is carried into the new folder as a hard link (a copy
   where a link cannot be made; folders recursively, symbolic links as links).  So files
   that are not the writer's (a user's notes) are kept, never lost.  Then the files written
   and every folder are fsynced.
5. The switch, only now that the new folder is complete: rename ``N`` to
   ``.N.old-<token>.tmp``, rename ``.N.new-<token>.tmp`` to ``N``, fsync ``P``.  (When ``N``
   did not exist, the second rename alone.)
6. Delete the old folder: rename it to ``.N.del-<token>.tmp``, then remove that.
7. Release the lock and remove its file.

A crash (SIGKILL, power loss) at any instant leaves ``N`` entirely the old folder (before the
first rename of step 5), entirely the new one (after the second), or, between the two,
missing with the complete old folder beside it, which the next run's step 2 puts back.
Leftover ``new``, ``old`` and ``del`` folders are removed by the next run on the same
target.  When the block raises, or anything fails before the switch, the new folder is
removed and ``N`` is not touched; a failed write (``ENOSPC``, or GDAL's error on a full
disk) is raised as an :class:`OSError` "cannot write <file in N>: disk full"
(:func:`planner.output.space.write_error`).  A target that is a file, or that is the working
directory or holds it (it cannot be renamed away safely), is refused.  The folder protocol
relies on POSIX ``rename`` of directories and ``flock`` (Linux, macOS).

Test hook
---------
``PLANNER_TEST_PAUSE_AT=<stage>`` makes a run stop at that stage for
``PLANNER_TEST_PAUSE_SECONDS`` seconds (default 60), after writing ``paused at <stage>`` to
stderr, so that a test can kill it there (:func:`pause_point`).  The stages are
:data:`PAUSE_STAGES`: ``solving`` (the plan being made, nothing written yet, called by
:func:`planner.plan`), ``writing`` (some of a plan's files written, called by
:func:`planner.output.write.write_outputs`), ``written`` (the block done, before carrying
over), ``switch`` (between the two renames) and ``switched`` (the new folder in place, the
old one not yet deleted).  The variables are read only here, and are meant only for tests.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from planner.core.errors import PlannerError
from planner.output.files import atomic_write_bytes, atomic_write_text, write_geodataframe_atomic
from planner.output.files import fsync_dir as _fsync_dir
from planner.output.files import fsync_file as _fsync_file
from planner.output.space import write_error

if sys.platform == "win32":  # pragma: no cover - the folder protocol is POSIX's
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


__all__ = [
    "PAUSE_STAGES",
    "atomic_directory",
    "atomic_write_bytes",
    "atomic_write_text",
    "current_folder",
    "directory_lock",
    "pause_point",
    "write_geodataframe_atomic",
]

logger = logging.getLogger(__name__)

# --- whole folders: the protocol of the module docstring -----------------------------------

#: Where :func:`pause_point` may stop a run (see "Test hook" above).
PAUSE_STAGES = ("solving", "writing", "written", "switch", "switched")
_PAUSE_AT = "PLANNER_TEST_PAUSE_AT"
_PAUSE_SECONDS = "PLANNER_TEST_PAUSE_SECONDS"


def pause_point(stage: str) -> None:
    """Test hook: stop here when ``PLANNER_TEST_PAUSE_AT`` names ``stage`` (module docstring).

    >>> pause_point("writing")  # without the variable: returns at once
    """
    if os.environ.get(_PAUSE_AT) != stage:
        return
    sys.stderr.write(f"{_PAUSE_AT}: paused at {stage}\n")
    sys.stderr.flush()
    time.sleep(float(os.environ.get(_PAUSE_SECONDS, "60")))


def _target(final_dir: str | Path) -> Path:
    """The folder to replace, symbolic links resolved; refused when it cannot be."""
    if str(final_dir).strip() == "":
        raise PlannerError(
            "the output folder is empty, which means the working directory; name a folder"
        )
    final = Path(final_dir).resolve()
    with suppress(OSError):  # a working directory that was removed holds nothing
        cwd = Path.cwd().resolve()
        if final == cwd or final in cwd.parents:
            what = "is the working directory" if final == cwd else "holds the working directory"
            raise PlannerError(
                f"{final_dir} {what}: an output folder is replaced as a whole; "
                "name a folder of its own"
            )
    if final.exists() and not final.is_dir():
        raise PlannerError(f"{final_dir} is a file; name a folder")
    return final


def _hidden(final: Path, kind: str) -> Path:
    """A fresh hidden name beside ``final``: ``.N.<kind>-<token>.tmp``."""
    return final.with_name(f".{final.name}.{kind}-{secrets.token_hex(6)}.tmp")


def _leftovers(final: Path) -> list[tuple[str, Path]]:
    """``(kind, path)`` of every folder beside ``final`` named by this protocol."""
    pattern = re.compile(rf"\.{re.escape(final.name)}\.(new|old|del)-[0-9a-f]{{12}}\.tmp")
    found = []
    for entry in sorted(final.parent.iterdir()):
        match = pattern.fullmatch(entry.name)
        if match and entry.is_dir() and not entry.is_symlink():
            found.append((match.group(1), entry))
    return found


def _discard(path: Path, final: Path) -> None:
    """Delete a folder of the protocol: renamed to a ``del`` name first, then removed."""
    doomed = path
    if ".del-" not in path.name:
        doomed = _hidden(final, "del")
        try:
            os.rename(path, doomed)
        except FileNotFoundError:
            return
        except OSError:
            doomed = path
    shutil.rmtree(doomed, ignore_errors=True)


def current_folder(final_dir: str | Path) -> Path | None:
    """The folder that holds what ``final_dir`` holds now, or None when nothing.

    That is ``final_dir`` itself, or, when a run was killed between the two renames of the
    switch, the complete old folder beside it that the next run puts back.
    """
    final = _target(final_dir)
    if final.is_dir():
        return final
    if not final.parent.is_dir():
        return None
    olds = [p for kind, p in _leftovers(final) if kind == "old"]
    return max(olds, key=lambda p: p.stat().st_mtime) if olds else None


def _repair(final: Path, started: float) -> None:
    """Step 2: put back a folder a killed run left moved aside; remove what killed runs left."""
    leftovers = _leftovers(final)
    if not os.path.lexists(final):
        olds = [p for kind, p in leftovers if kind == "old"]
        if olds:
            newest = max(olds, key=lambda p: p.stat().st_mtime)
            os.rename(newest, final)
            _fsync_dir(final.parent)
            logger.warning(
                "%s was missing: a run was killed while switching folders; put back the "
                "previous folder from %s",
                final,
                newest.name,
            )
            leftovers = [(k, p) for k, p in leftovers if p != newest]
    for _kind, path in leftovers:
        try:
            if path.stat().st_mtime >= started:
                continue
        except FileNotFoundError:
            continue
        _discard(path, final)
        logger.info("removed %s, left by a run that was killed", path)


_held: dict[Path, int] = {}  # lock file -> the thread of this process holding it
_held_guard = threading.Lock()


def _busy(shown: str | Path, lock: Path) -> PlannerError:
    return PlannerError(
        f"another run is writing {shown} (it holds {lock}); wait for it to finish or "
        "write to another folder"
    )


def _take(lock: Path, shown: str | Path) -> int:
    """Open and lock ``lock`` without waiting; the descriptor, or PlannerError when taken."""
    for _ in range(100):
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            if not _try_lock(fd):
                raise _busy(shown, lock)
            mine = os.fstat(fd)
            try:
                here = os.stat(lock)
            except FileNotFoundError:
                here = None
        except BaseException:
            os.close(fd)
            raise
        if here is not None and (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino):
            with suppress(OSError):  # the pid is for people: a full disk must not stop the lock
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)  # the run that held it removed the file meanwhile: lock the new one
    raise _busy(shown, lock)


@contextmanager
def directory_lock(final_dir: str | Path) -> Iterator[Path]:
    """Hold the exclusive lock of the folder ``final_dir`` (steps 1, 2 and 7 of the protocol).

    ``final_dir`` need not exist (its parent is created).  Yields the folder, symbolic
    links resolved, repaired and cleaned of what killed runs left.  Raises
    :class:`PlannerError` when another process (or thread) holds the lock, or the folder is
    a file, the working directory or holds it.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "out"
    >>> with directory_lock(out) as held, directory_lock(out):  # the same thread: again
    ...     sorted(p.name for p in held.parent.iterdir())
    ['.out.lock']
    >>> sorted(p.name for p in out.parent.iterdir())
    []
    """
    final = _target(final_dir)
    lock = final.with_name(f".{final.name}.lock")
    me = threading.get_ident()
    with _held_guard:
        owner = _held.get(lock)
    if owner == me:
        yield final
        return
    if owner is not None:
        raise _busy(final_dir, lock)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd = _take(lock, final_dir)
    except OSError as exc:  # a full disk, a folder that cannot be written
        raise write_error(exc, lock, final, writing=False) or exc from exc
    with _held_guard:
        _held[lock] = me
    try:
        _repair(final, time.time())
        yield final
    finally:
        with _held_guard:
            _held.pop(lock, None)
        with suppress(OSError):
            os.unlink(lock)  # while still locked, so no other run loses it
        os.close(fd)


def _carry(src: Path, dst: Path) -> None:
    """Put ``src`` at ``dst`` without touching it: hard links, folders rebuilt, links kept."""
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
    elif src.is_dir():
        os.mkdir(dst)
        for child in sorted(src.iterdir()):
            _carry(child, dst / child.name)
        shutil.copystat(src, dst)
    else:
        try:
            os.link(src, dst, follow_symlinks=False)
        except OSError:
            shutil.copy2(src, dst)


def _fsync_tree(folder: Path, written: set[str]) -> None:
    """fsync what the block wrote, and every folder (carried files are on disk already)."""
    for root, _dirs, files in os.walk(folder):
        here = Path(root)
        for path in (here / name for name in files):
            if path.relative_to(folder).parts[0] in written and not path.is_symlink():
                _fsync_file(path)
        _fsync_dir(here)


def _switch(final: Path, new: Path) -> None:
    """Step 5 and 6: the new folder in place of the old, by two renames."""
    if not os.path.lexists(final):
        os.rename(new, final)
        _fsync_dir(final.parent)
        return
    backup = _hidden(final, "old")
    os.rename(final, backup)
    _fsync_dir(final.parent)
    try:
        pause_point("switch")
        os.rename(new, final)
    except BaseException:
        os.rename(backup, final)
        raise
    _fsync_dir(final.parent)
    pause_point("switched")
    _discard(backup, final)


@contextmanager
def atomic_directory(
    final_dir: str | Path,
    *,
    replaces: Iterable[str] = (),
    check: Callable[[Path], None] | None = None,
) -> Iterator[Path]:
    """Write a complete new folder beside ``final_dir``, then switch it in, in one step.

    Parameters
    ----------
    final_dir
        The folder the files belong in; created on success when missing.  The protocol of
        the module docstring: locked, written beside, switched by rename.
    replaces
        Names of entries of an existing ``final_dir`` that belong to the writer: they are
        dropped when the block does not write them again.  Every other entry the block
        does not write (a user's notes) is carried over into the new folder.
    check
        Called with the (resolved, repaired) folder once the lock is held and before
        anything is written; raises to refuse.

    Yields
    ------
    Path
        A fresh, empty hidden folder beside ``final_dir`` (same file system).

    Notes
    -----
    Raises as :func:`directory_lock`.  When the block (or ``check``) raises, the new folder
    is removed and ``final_dir`` is not touched.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "out"
    >>> with atomic_directory(out) as tmp:
    ...     _ = (tmp / "a.txt").write_text("hello")
    >>> (out / "a.txt").read_text()
    'hello'
    """
    with directory_lock(final_dir) as final:
        if check is not None:
            check(final)
        new = _hidden(final, "new")
        writing = True
        try:
            os.mkdir(new)
            if final.is_dir():
                os.chmod(new, stat.S_IMODE(final.stat().st_mode))
            yield new
            writing = False
            pause_point("written")
            written = {entry.name for entry in new.iterdir()}
            if final.is_dir():
                skip = written | set(replaces)
                kept = [e.name for e in sorted(final.iterdir()) if e.name not in skip]
                for name in kept:
                    _carry(final / name, new / name)
                if kept:
                    logger.info("kept in %s what this run does not write: %s", final, kept)
            _fsync_tree(new, written)
            _switch(final, new)
        except BaseException as exc:
            failed = write_error(exc, new, final, writing=writing)  # before the files go
            _discard(new, final)
            if failed is None:
                raise
            raise failed from exc
