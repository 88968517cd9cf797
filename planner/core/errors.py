"""Errors raised by the planner.

Every error the planner raises on purpose subclasses :class:`PlannerError`, itself a
``ValueError``, so a caller can catch one type.  Validation problems are collected and
raised together, each naming the file, the row and the column concerned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["InfeasibleError", "PlannerError", "Problem", "ValidationError"]


class PlannerError(ValueError):
    """Base class of every error the planner raises on purpose."""


class InfeasibleError(PlannerError):
    """The inputs are valid but no plan meets the rules (a hard ceiling, say); the message
    names what stands in the way and which rule to relax."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Parameters
    ----------
    source
        The file (or other source) the problem was found in.
    row
        The row as a spreadsheet numbers it (in a CSV the header is row 1 and the first data
        row is row 2; feature ``i`` of a spatial file is row ``i + 1``), or ``None`` for the
        whole file.
    column
        The column concerned, or ``None`` when the problem concerns the whole row or file.
    message
        What is wrong, in words a planner understands.
    """

    source: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class ValidationError(PlannerError):
    """Input failed validation; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem], *, limit: int = 50) -> None:
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[:limit]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problem(s)")
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input:"
        super().__init__("\n".join([head, *("  " + s for s in shown)]))

    def in_file_columns(self, columns: dict[str, str] | None, source: str) -> ValidationError:
        """The same problems with canonical column names replaced by ``source``'s own.

        ``columns`` maps a canonical name (``patients``) to the file's column
        (``patients_jan2021``), as :func:`planner.load.readers.apply_column_map` records it.
        """
        if not columns:
            return self
        return ValidationError(
            [
                replace(p, column=columns.get(p.column, p.column))
                if p.source == source and p.column is not None
                else p
                for p in self.problems
            ]
        )
