"""Property tests of the streaming record check (planner.load.records).

The scanner reads a file in blocks and trusts quote parity except where parity claims a
record too long; these tests cut files into tiny blocks with a tiny record limit, so that
every path (a record across blocks, parity misled, the exact walk resuming) is taken, and
compare the verdict with the exact walk over the whole text and with the csv module.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner.load.records as records
from planner.core.errors import ValidationError

#: Examples per property (the report names these counts).
EXAMPLES = 300
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

plain_text = st.text(alphabet="ab ,;\r\n\"'æ", max_size=12)
unquoted = st.text(alphabet="abcæ 1", max_size=6)
quoted = st.text(alphabet='ab,;"\r\næ', max_size=8).map(lambda s: '"' + s.replace('"', '""') + '"')
cell = st.one_of(unquoted, quoted)
record = st.lists(cell, min_size=1, max_size=4).map(",".join)
newline = st.sampled_from(["\n", "\r\n"])


@st.composite
def regular_csv(draw: st.DrawFn) -> str:
    """CSV whose every quote is CSV quoting (so parity is exact), maybe cut short or with one
    cell's closing quote missing."""
    nl = draw(newline)
    text = "".join(r + nl for r in draw(st.lists(record, min_size=1, max_size=8)))
    fault = draw(st.sampled_from(["none", "cut", "open"]))
    if fault == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif fault == "open":  # a cell opens a quote that nothing closes
        starts = [i for i in range(len(text) + 1) if i == 0 or text[i - 1] in ",\n"]
        at = draw(st.sampled_from(starts))
        text = text[:at] + '"' + draw(st.text(alphabet="ab,\r\n", max_size=30))
    return text


def _verdict(path: Path, text: str, limit: int, block: int) -> tuple[int, str | None] | None:
    """(row, column) of the problem the scanner reports, or None."""
    with mock.patch.object(records, "BLOCK", block):
        try:
            records.check_records(path, "utf-8", ",", header=["a", "b", "c"], limit=limit)
        except ValidationError as exc:
            (problem,) = exc.problems
            assert problem.row is not None and problem.row >= 1
            return problem.row, problem.column
    return None


def _exact(text: str, limit: int) -> int | None:
    """The row of the problem the exact walk over the whole text finds, or None."""
    data = text.encode("utf-8").decode("latin-1")
    if not data.endswith(("\n", "\r")):
        data += "\n"  # ends the last record, or stays inside a quoted cell left open
    field_limit = min(csv.field_size_limit(), limit)
    walk = records._walk(data, ",", limit=limit, field_limit=field_limit, at_eof=True)
    if walk.problem is None:
        return None
    return sum(end <= walk.at for end in walk.ends) + 1


@SETTINGS
@given(text=regular_csv(), limit=st.integers(4, 40), block=st.integers(1, 9))
def test_on_regular_csv_the_scanner_agrees_with_the_exact_walk(
    tmp_path: Path, text: str, limit: int, block: int
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    found = _verdict(path, text, limit, block)
    assert (found[0] if found else None) == _exact(text, limit)


@SETTINGS
@given(text=plain_text, limit=st.integers(1, 20), block=st.integers(1, 7))
def test_any_text_is_answered_with_a_row_or_passes(
    tmp_path: Path, text: str, limit: int, block: int
) -> None:
    """Whatever the bytes, the check passes or names a row; it never raises anything else."""
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    _verdict(path, text, limit, block)


@SETTINGS
@given(rows=st.lists(record, min_size=1, max_size=8), nl=newline)
def test_the_walk_ends_records_where_the_csv_module_does(rows: list[str], nl: str) -> None:
    text = "".join(r + nl for r in rows)
    walk = records._walk(text, ",", limit=10**6, field_limit=10**6, at_eof=True)
    assert walk.problem is None
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert len(walk.ends) == len(parsed)
    # Each record's text, read alone, is one record of the same cells.
    starts = [0, *walk.ends[:-1]]
    for begin, end, cells in zip(starts, walk.ends, parsed, strict=True):
        assert list(csv.reader(io.StringIO(text[begin:end], newline=""))) == [cells]
