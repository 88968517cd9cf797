"""Reasons as values: a key and its fields, written in English or Danish when shown.

The planner says why a cluster crosses a municipality, why a clinic is left out, why a
choice was not honoured.  Each such reason is a :class:`Reason`; the outputs keep its
English text in the familiar column and its machine-readable code (JSON) in a companion
``*_code`` column, so a map or report in another language can write it afresh.

>>> r = Reason("fix_lower", {"patients": 30000})
>>> format_reason(r, "en"), format_reason(r, "da")
('lower min_patients to 30,000', 'sænk min_patients til 30.000')
>>> decode(r.code()) == r
True
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Union

import pandas as pd

from planner.core.i18n import (
    LANGUAGES,
    REASON_JOINS,
    REASON_WORDS,
    REASONS,
    check_lang,
    fmt_int,
    worded,
)
from planner.core.i18n import fmt_num as _fmt_num

__all__ = [
    "CODE_COLUMNS",
    "Reason",
    "canonical_code",
    "code_of",
    "decode",
    "format_reason",
    "localise",
    "localise_result",
    "names_list",
    "reason_text",
]

Field = Union[str, int, float, "Reason", tuple["Reason", ...], tuple[str, ...]]

#: Text column -> the column holding its code, in every table the planner writes.
CODE_COLUMNS: dict[str, str] = {
    "reason": "reason_code",
    "crossings": "crossings_code",
    "size_note": "size_note_code",
    "detail": "detail_code",
    "why": "why_code",
    "fixes": "fixes_code",
}


@dataclass(frozen=True, eq=True)
class Reason:
    """Why something is so: a template key and the fields that fill it.

    Parameters
    ----------
    key
        A key of :data:`planner.core.i18n.REASONS`.
    fields
        Values by template field: text, numbers, nested reasons, or tuples of reasons
        (joined as the template's language says) or of names ("A, B and C").
    """

    key: str
    fields: Mapping[str, Field] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.key not in REASONS:
            raise KeyError(f"unknown reason {self.key!r}")

    def text(self, lang: str = "en") -> str:
        """The reason written in ``lang``."""
        return format_reason(self, lang)

    def code(self) -> str:
        """The reason as compact JSON: ``{"key": ..., "fields": {...}}``."""
        return json.dumps(_to_json(self), ensure_ascii=False, sort_keys=True)

    def with_fields(self, **fields: Field) -> Reason:
        """A copy with more fields."""
        return replace(self, fields={**self.fields, **fields})


def _to_json(value: Any) -> Any:
    if isinstance(value, Reason):
        return {"key": value.key, "fields": {k: _to_json(v) for k, v in value.fields.items()}}
    if isinstance(value, tuple | list):
        return [_to_json(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and "key" in value:
        return Reason(str(value["key"]), {k: _from_json(v) for k, v in value["fields"].items()})
    if isinstance(value, list):
        return tuple(_from_json(v) for v in value)
    return value


def _decode_any(code: Any) -> Any:
    if code is None or (not isinstance(code, str)) or not code.strip():
        return None
    try:
        return _from_json(json.loads(code))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def decode(code: Any) -> Reason | None:
    """The reason a code column holds, ``None`` when blank or not understood."""
    found = _decode_any(code)
    return found if isinstance(found, Reason) else None


def names_list(names: Any) -> tuple[str, ...]:
    """Names, sorted and unique, as a field written "A, B and C"."""
    return tuple(sorted({str(n) for n in names}))


def _words(text: str, lang: str) -> str:
    return text.replace(" (part)", REASON_WORDS[" (part)"][LANGUAGES.index(lang)])


def _value(name: str, value: Any, lang: str) -> str:
    index = LANGUAGES.index(lang)
    if isinstance(value, Reason):
        return format_reason(value, lang)
    if isinstance(value, tuple | list):
        if value and all(isinstance(v, Reason) for v in value):
            sep = REASON_JOINS.get(name, REASON_JOINS["items"])[index]
            return sep.join(format_reason(v, lang) for v in value)
        items = [_words(str(v), lang) for v in value]
        if len(items) < 2:
            return "".join(items)
        return ", ".join(items[:-1]) + REASON_WORDS[" and "][index] + items[-1]
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int) or (hasattr(value, "dtype") and value.dtype.kind in "iu"):
        return fmt_int(value, lang)
    if isinstance(value, float):
        return _fmt_num(value, lang, 1)
    return _words(str(value), lang)


def format_reason(reason: Reason, lang: str = "en") -> str:
    """``reason`` written in ``lang`` (``"en"`` or ``"da"``), every field filled in."""
    template = worded(REASONS[reason.key][LANGUAGES.index(check_lang(lang))], lang)
    wanted = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    missing = wanted - set(reason.fields)
    if missing:
        raise KeyError(f"reason {reason.key!r} lacks field(s) {', '.join(sorted(missing))}")
    return template.format(**{k: _value(k, reason.fields[k], lang) for k in wanted})


def reason_text(text: Any, code: Any, lang: str = "en") -> str:
    """A reason to show: from its code in ``lang``, else the stored text as it is."""
    found = _decode_any(code)
    try:
        if isinstance(found, Reason):
            return format_reason(found, lang)
        if isinstance(found, tuple) and found and all(isinstance(r, Reason) for r in found):
            sep = REASON_JOINS["fixes"][LANGUAGES.index(check_lang(lang))]
            return sep.join(format_reason(r, lang) for r in found)
    except (KeyError, IndexError, ValueError):
        pass
    return "" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text)


def localise(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy of ``frame`` whose reason columns are written in ``lang`` from their codes."""
    if lang == "en" or frame is None:
        return frame
    out = frame.copy()
    for text_col, code_col in CODE_COLUMNS.items():
        if text_col in out.columns and code_col in out.columns:
            out[text_col] = [
                reason_text(t, c, lang) for t, c in zip(out[text_col], out[code_col], strict=True)
            ]
    return out


def localise_result(result: Any, lang: str) -> Any:
    """A copy of a :class:`~planner.result.plan_result.PlanResult` with its reasons in ``lang``."""
    if lang == "en":
        return result
    tables = ("clinics", "clusters", "unassigned", "conflicts", "infeasible")
    changed = {
        name: localise(getattr(result, name), lang)
        for name in tables
        if getattr(result, name, None) is not None
    }
    return replace(result, **changed)


def canonical_code(value: Any) -> str:
    """A code as :meth:`Reason.code` writes it, however a file reader returned it.

    GeoJSON readers may hand a JSON-looking text back re-spaced, or parsed; blank is ``""``.
    """
    if value is None or (not isinstance(value, str | dict | list) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        if not value.strip():
            return ""
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def code_of(reason: Reason | None) -> str:
    """The code of ``reason``, ``""`` for none."""
    return reason.code() if reason is not None else ""
