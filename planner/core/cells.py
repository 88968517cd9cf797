"""Spreadsheet formula injection, neutralised: a text cell that a spreadsheet would run as a
formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written
with a leading ``'``, which Excel and LibreOffice show as text; the planner's own readers
take the ``'`` off again, so ids round-trip through its files.
"""

from __future__ import annotations

__all__ = ["FORMULA_STARTS", "neutralise", "restore"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it as text.

    >>> neutralise("=HYPERLINK(1)"), neutralise("Lægehuset"), neutralise("'=x")
    ("'=HYPERLINK(1)", 'Lægehuset', "''=x")
    """
    if text.startswith(FORMULA_STARTS) or (text.startswith("'") and text[1:2] != ""):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The text :func:`neutralise` was given back from what it wrote.

    >>> restore("'=HYPERLINK(1)"), restore("Lægehuset"), restore("''=x")
    ('=HYPERLINK(1)', 'Lægehuset', "'=x")
    """
    rest = text[1:]
    if text.startswith("'") and (rest.startswith("'") or rest.startswith(FORMULA_STARTS)):
        return rest
    return text
