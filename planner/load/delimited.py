"""Delimited text as Danish Excel writes it: encoding and separator detected, cells as text.

The encoding is detected (UTF-8 with or without a byte-order mark, else cp1252, else
Latin-1) and so is the separator (``;``, ``,``, tab or ``|``; an Excel ``sep=`` first line
is honoured).  Data row ``i`` (0-based) is reported as row ``i + 2``: the header is row 1,
as in a spreadsheet.
"""

from __future__ import annotations

import codecs
import csv
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.core.errors import Problem, ValidationError
from planner.load.common import fail

__all__ = ["CsvFormat", "read_csv_text", "sniff_csv"]

logger = logging.getLogger(__name__)

_SEPARATORS = (";", ",", "\t", "|")
_SEP_LINE = re.compile(r'^\s*"?sep=(.)"?\s*$', re.IGNORECASE)
_BLOCK = 1 << 20


@dataclass(frozen=True)
class CsvFormat:
    """How a delimited file is written: its encoding, separator and lines before the header."""

    encoding: str
    sep: str
    skiprows: int


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            while block := fh.read(_BLOCK):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


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
    data = path.read_bytes()[: 1 << 24]
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        start = exc.start
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") > 3 or not any(ord(c) > 127 and c != "\ufffd" for c in text):
        return None
    return data[:start].count(b"\n") + 1, data[start]


def _detect_encoding(path: Path, source: str = "") -> str:
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    wide = _utf16_without_bom(head)
    if wide is not None:
        return wide
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


def sniff_csv(path: Path) -> CsvFormat:
    """Detect the encoding and separator of a delimited text file."""
    encoding = _detect_encoding(path, str(path))
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        lines = [line.rstrip("\r\n") for line, _ in zip(fh, range(50), strict=False)]
    lines = [line for line in lines if line.strip()]
    if lines and (match := _SEP_LINE.match(lines[0])):
        return CsvFormat(encoding, match.group(1), 1)
    if not lines:
        return CsvFormat(encoding, ",", 0)
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
    return CsvFormat(encoding, best, 0)


def read_csv_text(path: Path, source: str) -> pd.DataFrame:
    """Parse a delimited file with the csv module: every cell text, short rows padded."""
    fmt = sniff_csv(path)
    logger.debug("reading %s as %s, separator %r", source, fmt.encoding, fmt.sep)
    problems, rows = [], []
    try:
        with path.open(encoding=fmt.encoding, newline="") as fh:
            records = csv.reader(fh, delimiter=fmt.sep)
            for _ in range(fmt.skiprows):
                next(records, None)
            header = next(records, None)
            if header is None:
                raise fail(source, "the file is empty")
            width = len(header)
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
    except csv.Error as exc:
        raise fail(source, f"could not read the file as a table: {exc}") from exc
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
