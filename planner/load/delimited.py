"""Delimited text as Danish Excel writes it: encoding and separator detected, cells as text.

The encoding is detected (UTF-8 with or without a byte-order mark, else cp1252, else
Latin-1) and so is the separator (``;``, ``,``, tab or ``|``; an Excel ``sep=`` first line
is honoured).  Data row ``i`` (0-based) is reported as row ``i + 2``: the header is row 1,
as in a spreadsheet.

A broken file costs neither time nor memory in proportion to its size: a binary file (a
workbook saved as ``.csv``, NUL bytes) is refused from its first bytes, and
:func:`sniff_csv` checks every record in one streaming pass before anything is parsed
(:func:`planner.load.records.check_records`: a record longer than
:data:`~planner.load.records.MAX_RECORD` characters, an unterminated quote, a file cut
short inside a quoted cell), so a truncated file of gigabytes is refused, naming the row,
after reading a megabyte past the fault.  Lines are read with that cap too.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.core.errors import Problem, ValidationError
from planner.load.common import fail
from planner.load.records import MAX_RECORD, check_records

__all__ = ["CsvFormat", "read_csv_text", "sniff_csv"]

logger = logging.getLogger(__name__)

_SEPARATORS = (";", ",", "\t", "|")
_SEP_LINE = re.compile(r'^\s*"?sep=(.)"?\s*$', re.IGNORECASE)
_BLOCK = 1 << 20
#: What the separator and encoding are guessed from: the file's first bytes.
_HEAD = 1 << 16
#: The first bytes of files that are not text: what they are, and what to do.
_SIGNATURES = {
    b"PK\x03\x04": "a zip archive (an Excel .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)",
    b"%PDF": "a PDF document",
    b"SQLite format 3": "an SQLite database (a GeoPackage?)",
}


@dataclass(frozen=True)
class CsvFormat:
    """How a delimited file is written: its encoding, separator and lines before the header."""

    encoding: str
    sep: str
    skiprows: int


def _undecodable(path: Path, encoding: str) -> tuple[int, int] | None:
    """Line and byte offset of the first bytes that are not ``encoding``, or None."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines, offset = 1, 0
    with path.open("rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            try:
                lines += decoder.decode(block, final=not block).count("\n")
            except UnicodeDecodeError as exc:
                good = block[: max(exc.start - len(exc.object) + len(block), 0)]
                lines += good.decode(encoding, errors="ignore").count("\n")
                return lines, offset + len(good)
            if not block:
                return None
            offset += len(block)


def _decodes(path: Path, encoding: str) -> bool:
    return _undecodable(path, encoding) is None


def _check_marked(path: Path, encoding: str, source: str) -> None:
    """Raise when a file whose byte-order mark (or UTF-16 bytes) names its encoding is not
    in it: a mark is a promise, and a reader must not guess past it."""
    bad = _undecodable(path, encoding)
    if bad is None:
        return
    line, offset = bad
    name = "UTF-8" if encoding == "utf-8-sig" else "UTF-16"
    what = (
        "ends in half a character (is the file cut short?)"
        if name == "UTF-16" and offset >= path.stat().st_size - 1
        else f"has bytes that are not {name} at byte {offset + 1:,} (line {line})"
    )
    raise fail(source, f"is {name} (by its first bytes) but {what}: save it as {name} again")


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when text looks like UTF-16 without a byte-order mark.

    Latin text in UTF-16 has a NUL in every other byte; no CSV of text has NULs else.
    """
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _first_bad_utf8(path: Path) -> tuple[int, int] | None:
    """Line and byte of the first byte that is not UTF-8, when the rest of the file is.

    ``None`` when the file holds no UTF-8 letter beyond ASCII at all (then it is simply
    another encoding) or when it is not UTF-8 in many places.
    """
    with path.open("rb") as fh:
        data = fh.read(1 << 24)
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        start = exc.start
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") > 3 or not any(ord(c) > 127 and c != "\ufffd" for c in text):
        return None
    return data[:start].count(b"\n") + 1, data[start]


def _wide_or_marked(head: bytes) -> str | None:
    """The encoding a byte-order mark or UTF-16 without one says, else None."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return _utf16_without_bom(head)


def _refuse_binary(head: bytes, source: str) -> None:
    """Raise when the file's first bytes show it is no text table."""
    for magic, what in _SIGNATURES.items():
        if head.startswith(magic):
            raise fail(source, f"is {what}, not a text table: save it as CSV and plan again")
    nul = head.find(b"\x00")
    if nul >= 0 and _wide_or_marked(head) is None:
        raise fail(
            source,
            f"holds binary data (a NUL byte at byte {nul + 1:,}), not text: is it a "
            "spreadsheet or another binary file saved under a text name?",
        )


def _detect_encoding(path: Path, source: str = "") -> str:
    with path.open("rb") as fh:
        head = fh.read(4096)
    marked = _wide_or_marked(head)
    if marked is not None:
        return marked
    if _decodes(path, "utf-8"):
        return "utf-8"
    stray = _first_bad_utf8(path)
    if stray is not None:
        line, byte = stray
        logger.warning(
            "%s is UTF-8 but for a byte 0x%02X on line %d (an editor wrote one letter in "
            "Windows-1252); the file is read as Windows-1252, so its other Danish letters may "
            "look wrong: save it as UTF-8 and plan again",
            source or path,
            byte,
            line,
        )
    if _decodes(path, "cp1252"):
        return "cp1252"
    return "latin-1"


def _count_outside_quotes(line: str, sep: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == sep and not quoted:
            count += 1
    return count


def _head_lines(path: Path, encoding: str) -> list[str]:
    """The non-blank lines of the file's first :data:`_HEAD` bytes (a cut last line dropped)."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
        cut = bool(fh.read(1))
    text = head.decode(encoding, errors="replace")
    lines = re.split(r"\r\n|\n|\r", text)  # the line ends of the csv module, no others
    if cut and len(lines) > 1:
        lines = lines[:-1]
    return [line for line in lines[:50] if line.strip()]


def _head_encoding(head: bytes) -> str:
    """UTF-8 when the first bytes are (a character cut at their end allowed), else cp1252:
    enough to find the separator and the header's names before the whole file is read."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _separator(lines: list[str]) -> tuple[str, int]:
    """The separator and the lines before the header (an Excel ``sep=`` line)."""
    if lines and (match := _SEP_LINE.match(lines[0])):
        return match.group(1), 1
    if not lines:
        return ",", 0
    header, body = lines[0], lines[1:]
    best, best_score = ",", (-1.0, 0)
    for sep in _SEPARATORS:
        n = _count_outside_quotes(header, sep)
        if n == 0:
            continue
        agree = sum(_count_outside_quotes(line, sep) == n for line in body)
        score = (agree / len(body) if body else 1.0, n)
        if score > best_score:
            best, best_score = sep, score
    return best, 0


def sniff_csv(path: Path, source: str | None = None) -> CsvFormat:
    """Detect the encoding and separator of a delimited text file, and check its records.

    Raises
    ------
    ValidationError
        The file is binary (a workbook, NUL bytes), or a record is broken: longer than
        :data:`~planner.load.records.MAX_RECORD` characters, an unterminated quote, the
        file cut short inside a quoted cell (:func:`~planner.load.records.check_records`),
        or its byte-order mark names an encoding the file is not in.  The records are
        checked before the whole file is decoded, so a broken file is refused soon.
    """
    source = source or str(path)
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
    _refuse_binary(head, source)
    marked = _wide_or_marked(head)
    lines = _head_lines(path, marked or _head_encoding(head))
    sep, skiprows = _separator(lines)
    cells = next(csv.reader(lines[skiprows : skiprows + 1], delimiter=sep), [])
    header = [c.strip().lstrip("\ufeff").strip() for c in cells]
    check_records(path, marked or "latin-1", sep, source=source, header=header, skiprows=skiprows)
    if marked is not None:
        _check_marked(path, marked, source)
    encoding = marked or _detect_encoding(path, source)
    return CsvFormat(encoding, sep, skiprows)


def _lines(fh: io.TextIOBase, source: str) -> Iterator[str]:
    """The file's lines, none longer than :data:`~planner.load.records.MAX_RECORD`."""
    row = 0
    while line := fh.readline(MAX_RECORD + 1):
        row += 1
        if len(line) > MAX_RECORD and not line.endswith(("\n", "\r")):
            msg = f"line {row} is longer than {MAX_RECORD:,} characters without a line end"
            raise ValidationError([Problem(source, row, None, msg)])
        yield line


def read_csv_text(path: Path, source: str) -> pd.DataFrame:
    """Parse a delimited file with the csv module: every cell text, short rows padded."""
    fmt = sniff_csv(path, source)
    logger.debug("reading %s as %s, separator %r", source, fmt.encoding, fmt.sep)
    problems, rows = [], []
    row = 1  # the spreadsheet row of the record being read (the header is row 1)
    try:
        with path.open(encoding=fmt.encoding, newline="") as fh:
            records = csv.reader(_lines(fh, source), delimiter=fmt.sep)
            for _ in range(fmt.skiprows):
                next(records, None)
            header = next(records, None)
            if header is None:
                raise fail(source, "the file is empty")
            if not any(c.strip() for c in header):
                if any(any(c.strip() for c in cells) for cells in records):
                    msg = "the first line is empty: the column names must be on the first line"
                    raise ValidationError([Problem(source, 1, None, msg)])
                raise fail(source, "the file holds only blank lines")
            width, row = len(header), 2
            for row, cells in enumerate(records, start=2):
                if len(cells) > width and any(c.strip() for c in cells[width:]):
                    problems.append(
                        Problem(
                            source,
                            row,
                            None,
                            f"the row has {len(cells)} cells but the header has {width} "
                            f"columns (does a value hold '{fmt.sep}' without quotes?)",
                        )
                    )
                rows.append((cells + [""] * width)[:width])
                row += 1
    except csv.Error as exc:
        what = str(exc)
        if "field limit" in what:
            what = f"a cell is longer than {csv.field_size_limit():,} characters ({exc})"
        msg = f"could not read the file as a table: {what}"
        raise ValidationError([Problem(source, row, None, msg)]) from exc
    if problems:
        raise ValidationError(problems)
    # A byte-order mark written twice (one kept by the decoder) is no part of a name.
    names = [c.strip().lstrip("\ufeff").strip() or f"Unnamed: {i}" for i, c in enumerate(header)]
    df = pd.DataFrame(rows, columns=names, dtype=str)
    unnamed = [c for c in names if c.startswith("Unnamed: ") and (df[c].str.strip() == "").all()]
    if unnamed:
        logger.debug("dropping empty unnamed columns %s from %s", unnamed, source)
        df = df.drop(columns=unnamed)
    return df
