"""A delimited file's records checked in one streaming pass, in memory that does not grow.

A broken file can make a CSV parser hold most of the file as one cell: an unterminated
quote near the start (every later line end is then inside the quoted cell), a file cut
short inside a quoted cell, or a "line" of hundreds of megabytes with no line end.  Before
any table is parsed, :func:`check_records` reads the file in blocks of :data:`BLOCK` bytes
and rejects, naming the file and the row (and the column where it can), a record longer
than :data:`MAX_RECORD` characters, a cell longer than the csv module's field limit
(131,072 characters) and a file that ends inside a quoted cell.

How
---
The quote state at each line end is the parity of the quotes before it (numpy, at the
speed of memory), so a line end with an even count is a record's end; a block without
quotes is counted with :meth:`bytes.count` alone.  A quote inside an unquoted cell
(``12" screen``) is literal for the csv module, not an opening quote, so parity can be
wrong; whenever it claims a record longer than the field limit, that stretch (at most the
record limit and one block) is walked exactly by the csv module's rules (:func:`_walk`),
which either confirms the problem or finds the true record ends and resumes there; a file
whose every quote is CSV quoting is judged exactly as the csv module reads it.  The
encodings the planner reads keep ``"``, the separators and line ends as single ASCII bytes
(UTF-8, Windows-1252, Latin-1); UTF-16 is re-encoded as UTF-8 block by block first.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planner.core.errors import Problem, ValidationError

__all__ = ["BLOCK", "MAX_RECORD", "check_records"]

#: Bytes read at a time.
BLOCK = 1 << 20
#: The longest record (row) accepted, in characters: no clinic table, patient list or side
#: file has a row of a megabyte, and a broken file is rejected after reading this far.
MAX_RECORD = 1 << 20

_QUOTE, _START, _FIELD, _QUOTED, _AFTER_QUOTE = 0x22, 0, 1, 2, 3


def _blocks(path: Path, encoding: str) -> Iterator[bytes]:
    """The file in blocks whose quotes, separators and line ends are single bytes."""
    wide = encoding.lower().replace("_", "-").startswith("utf-16")
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace") if wide else None
    with path.open("rb") as fh:
        while block := fh.read(BLOCK):
            if decoder is None:
                yield block
            else:
                yield decoder.decode(block).encode("utf-8", "surrogatepass")


@dataclass
class _Walk:
    """What walking a stretch of text by the csv module's rules found."""

    ends: list[int]  # offset just past each complete record's line end
    problem: str | None = None
    at: int = 0  # where the problem's record starts
    column: int | None = None  # the cell concerned (0-based), when known
    quote_line: int | None = None  # line (0-based, in the stretch) of the unclosed quote


def _walk(text: str, sep: str, *, limit: int, field_limit: int, at_eof: bool) -> _Walk:
    """Walk ``text`` (starting at a record's start) as :func:`csv.reader` reads it.

    The csv module's non-strict rules: a quote opens a quoted cell only at the start of a
    cell, a doubled quote inside one is a quote, characters after the closing quote join
    the cell, and a line end inside a quoted cell belongs to it.  Stops at the first record
    longer than ``limit`` or cell longer than ``field_limit``.
    """
    tokens = re.compile('"|' + re.escape(sep) + r"|\r\n|\n|\r")
    ends: list[int] = []
    state, pos, record, cell, column, opened = _START, 0, 0, 0, 0, 0
    here = len(text)
    for match in tokens.finditer(text):
        start, token = match.start(), match.group()
        if start - cell > field_limit or start - record > limit:
            here = start
            break
        if start > pos and state in (_START, _AFTER_QUOTE):
            state = _FIELD
        if token == '"':
            if state == _START:
                state, opened = _QUOTED, start
            elif state == _QUOTED:
                state = _AFTER_QUOTE
            elif state == _AFTER_QUOTE:
                state = _QUOTED
        elif state != _QUOTED:
            if token == sep:
                column += 1
            else:
                ends.append(match.end())
                record, column = match.end(), 0
            state, cell = _START, match.end()
        pos = match.end()
    quote_line = text.count("\n", record, opened) if state == _QUOTED else None
    if here - cell > field_limit:
        what = f"holds a cell longer than {field_limit:,} characters"
        return _Walk(ends, what, record, column, quote_line)
    if here - record > limit:
        what = f"is longer than {limit:,} characters"
        return _Walk(ends, what, record, column if state == _QUOTED else None, quote_line)
    if at_eof and state == _QUOTED:
        return _Walk(ends, "ends inside a quoted cell", record, column, quote_line)
    return _Walk(ends)


class _Scanner:
    """Feed blocks in order; raises :class:`ValidationError` at the first broken record."""

    def __init__(
        self, source: str, sep: str, header: Sequence[str], skiprows: int, limit: int
    ) -> None:
        self.source, self.sep, self.header = source, sep, list(header)
        self.skiprows, self.limit = skiprows, limit
        self.field_limit = min(csv.field_size_limit(), limit)
        #: A record longer than this (by quote parity) is walked exactly.
        self.trigger = self.field_limit
        self.records = 0  # complete records before ``pending``
        self.lines = 0  # line ends before ``pending``
        self.pending = b""  # the bytes of the record not yet ended, from its start
        self.newline = 0x0A
        self.after_cr = False  # the walk ended a record at a CR that closed the text

    def feed(self, block: bytes, *, at_eof: bool = False) -> None:
        data = self.pending + block
        if self.after_cr and data[:1] == b"\n":  # the rest of a CRLF the walk ended at CR
            data, self.lines = data[1:], self.lines + 1
        self.after_cr = False
        while True:
            newline = bytes([self.newline])
            if b'"' not in data and self._short_lines(data, newline):
                last = data.rfind(newline)  # no quote: every line end ends a record
                if last >= 0:
                    n = data.count(newline)
                    self.records, self.lines = self.records + n, self.lines + n
                    data = data[last + 1 :]
                break
            arr = np.frombuffer(data, dtype=np.uint8)
            quotes = np.flatnonzero(arr == _QUOTE)
            breaks = np.flatnonzero(arr == self.newline)
            ends = breaks[(np.searchsorted(quotes, breaks) & 1) == 0]  # an even count before
            starts = np.concatenate(([0], ends[:-1] + 1)) if len(ends) else np.zeros(0, int)
            long = np.flatnonzero(ends - starts > self.trigger)
            if len(long) == 0:
                if len(ends):
                    self.records += len(ends)
                    self.lines += int(np.searchsorted(breaks, ends[-1], side="right"))
                    data = data[int(ends[-1]) + 1 :]
                if len(data) <= self.trigger:
                    break
                cut = 0
            else:
                cut = int(starts[long[0]])
                self.records += int(long[0])
                self.lines += int(np.searchsorted(breaks, cut, side="left"))
            rest = self._resume(data[cut:], at_eof=False)
            if len(rest) == len(data) - cut:  # one long record, not ended yet: read on
                data = data[cut:]
                break
            data = rest
        self.pending = data
        if at_eof and self.pending:
            self._finish()

    def _short_lines(self, data: bytes, newline: bytes) -> bool:
        """Whether no line of ``data`` (which starts a line) is longer than :attr:`trigger`:
        from each line end, jump to the last line end within reach (a few jumps a block)."""
        at, size = -1, len(data)
        while size - at - 1 > self.trigger:
            at = data.rfind(newline, at + 1, at + 2 + self.trigger)
            if at < 0:
                return False
        return True

    def _resume(self, data: bytes, *, at_eof: bool) -> bytes:
        """Walk a stretch parity finds long; raise, or return what follows its records."""
        text = data.decode("latin-1")  # one character per byte: offsets stay byte offsets
        walk = _walk(text, self.sep, limit=self.limit, field_limit=self.field_limit, at_eof=at_eof)
        if walk.problem is not None:
            self._raise(walk, text)
        if not walk.ends:  # a long record that is fine so far
            return data
        last = walk.ends[-1]
        self.records += len(walk.ends)
        self.lines += text.count(chr(self.newline), 0, last)
        self.after_cr = last == len(text) and text.endswith("\r") and self.newline == 0x0A
        return data[last:]

    def _finish(self) -> None:
        """The last record, which no line end closes: is it inside a quoted cell?"""
        if b'"' in self.pending:
            self._resume(self.pending + bytes([self.newline]), at_eof=True)

    def _raise(self, walk: _Walk, text: str) -> None:
        before = walk.ends.index(walk.at) + 1 if walk.at in walk.ends else 0
        record = self.records + before
        line = self.lines + text.count(chr(self.newline), 0, walk.at) + 1
        row = record + 1 - self.skiprows
        column = None
        if walk.column is not None and record >= self.skiprows + 1:
            column = (
                self.header[walk.column]
                if walk.column < len(self.header)
                else f"cell {walk.column + 1}"
            )
        where = "the row" if line == row else f"the row (line {line} of the file)"
        if walk.quote_line is not None:
            quoted = line + walk.quote_line
            opened = f'a quote (") opened on line {quoted} is never closed'
            if walk.problem == "ends inside a quoted cell":
                message = f"the file ends inside a quoted cell: {opened} (is the file cut short?)"
            else:
                message = (
                    f"{where} {walk.problem}: {opened} within them, so every later "
                    "line end is read as part of one cell; a cell that starts with a quote "
                    "must end with one (is a quote missing, or the file cut short?)"
                )
        else:
            message = (
                f"{where} {walk.problem} without a line end: is this a text table at all, "
                "or is a line end missing?"
            )
        raise ValidationError([Problem(self.source, row, column, message)])


def check_records(
    path: Path,
    encoding: str,
    sep: str,
    *,
    source: str | None = None,
    header: Sequence[str] = (),
    skiprows: int = 0,
    limit: int = MAX_RECORD,
) -> None:
    """Raise when a record of the delimited file ``path`` is too long or left open.

    Parameters
    ----------
    path, encoding, sep
        The file, its encoding and separator (as :func:`~planner.load.delimited.sniff_csv`
        detects them).
    source
        The file's name in messages (default the path).
    header
        The header's cells, to name the column of a cell that is too long.
    skiprows
        Lines before the header (an Excel ``sep=`` line): rows are numbered from the
        header, as a spreadsheet does.
    limit
        The longest record accepted, in characters.

    Raises
    ------
    ValidationError
        One problem naming the file and the row (and the column when known): a record
        longer than ``limit`` (an unterminated quote, or no line end), a cell longer than
        the csv module's field limit, or a file that ends inside a quoted cell.  Memory
        stays within a few times ``limit`` whatever the file's size.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "cut.csv"
    >>> _ = path.write_text('id,name\\n1,"Ærø\\n2,Fanø\\n', encoding="utf-8")
    >>> try:
    ...     check_records(path, "utf-8", ",", source="cut.csv", header=["id", "name"])
    ... except ValidationError as exc:
    ...     print(exc.problems[0].row, exc.problems[0].column, exc.problems[0].message[:40])
    2 name the file ends inside a quoted cell: a qu
    """
    scanner = _Scanner(source or str(path), sep, header, skiprows, limit)
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if b"\n" not in head and b"\r" in head:
        scanner.newline = 0x0D  # old Mac line ends
    previous: bytes | None = None
    for block in _blocks(path, encoding):
        if previous is not None:
            scanner.feed(previous)
        previous = block
    scanner.feed(previous or b"", at_eof=True)
