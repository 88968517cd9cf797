"""Clinics' own choices as one value: locked clusters, groups, pairs kept apart, clinics
closing, reviewers' proposals.

Choices come from optional columns of the clinic table (read by
:func:`planner.choices.table.choices_from_table`) and from files (read by
:mod:`planner.load.side_files`); :mod:`planner.choices.locks` applies them around the
solver.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from planner.core.errors import Problem, ValidationError

__all__ = ["CHOICE_COLUMNS", "LOCK_MODES", "Choices", "ordered_pair", "parse_flag", "unknown_ids"]

#: Optional clinic-table columns that carry choices.
CHOICE_COLUMNS = ("existing_cluster", "group", "cannot_link", "leaving")
#: How a locked existing cluster below the size rule is treated.
LOCK_MODES = ("keep", "top_up")

_TRUE = {"1", "true", "yes", "ja", "y", "j", "x", "closing", "lukker", "sand"}
_FALSE = {"", "0", "false", "no", "nej", "n", "falsk"}


def parse_flag(value: object) -> bool | None:
    """A yes/no cell: ``True``, ``False`` or ``None`` when unreadable.

    >>> parse_flag("Ja"), parse_flag(""), parse_flag("maybe")
    (True, False, None)
    """
    if isinstance(value, bool):
        return value
    if value is None or (isinstance(value, float) and value != value):
        return False
    text = str(value).strip().casefold()
    if text.endswith(".0"):
        text = text[:-2]
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


@dataclass(frozen=True)
class Choices:
    """Every choice made by or for the clinics, by clinic id.

    Attributes
    ----------
    existing
        Clinic id -> the cluster it is in today (locked, or the current plan when
        re-planning).
    groups
        Group name -> clinic ids that must share a cluster.
    cannot_link
        Pairs of clinic ids that must not share a cluster.
    leaving
        Clinic ids closing: left out with the reason ``"closing"``.
    proposed
        Clinic id -> cluster a reviewer proposed (the map's feedback file); honoured as a
        locked choice when valid.
    lock
        ``"keep"``: a locked cluster stays exactly as it is; ``"top_up"``: one below the
        size rule takes in neighbouring clinics until it meets it.
    """

    existing: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    cannot_link: tuple[tuple[str, str], ...] = ()
    leaving: frozenset[str] = frozenset()
    proposed: Mapping[str, str] = field(default_factory=dict)
    lock: str = "keep"

    def __post_init__(self) -> None:
        if self.lock not in LOCK_MODES:
            raise ValidationError(
                [Problem("<rules>", None, "lock", f"lock must be one of {LOCK_MODES}")]
            )

    @property
    def empty(self) -> bool:
        """Whether no choice was made."""
        return not (
            self.existing or self.groups or self.cannot_link or self.leaving or self.proposed
        )

    def merged(self, other: Choices) -> Choices:
        """These choices with ``other``'s added (``other`` wins on the same clinic)."""
        groups = {k: tuple(v) for k, v in self.groups.items()}
        for name, ids in other.groups.items():
            groups[name] = tuple(dict.fromkeys([*groups.get(name, ()), *ids]))
        return replace(
            self,
            existing={**self.existing, **other.existing},
            groups=groups,
            cannot_link=tuple(dict.fromkeys([*self.cannot_link, *other.cannot_link])),
            leaving=self.leaving | other.leaving,
            proposed={**self.proposed, **other.proposed},
        )

    def restricted(self, ids: Iterable[str]) -> Choices:
        """The choices about the clinics ``ids`` only (one part of a batch): a group keeps
        its members there, a pair kept apart needs both.

        >>> c = Choices(existing={"a": "K1", "z": "K9"}, cannot_link=(("a", "b"), ("a", "z")))
        >>> r = c.restricted({"a", "b"})
        >>> dict(r.existing), r.cannot_link
        ({'a': 'K1'}, (('a', 'b'),))
        """
        keep = set(ids)
        groups = {
            name: tuple(i for i in members if i in keep) for name, members in self.groups.items()
        }
        return replace(
            self,
            existing={k: v for k, v in self.existing.items() if k in keep},
            groups={name: members for name, members in groups.items() if members},
            cannot_link=tuple(p for p in self.cannot_link if p[0] in keep and p[1] in keep),
            leaving=frozenset(i for i in self.leaving if i in keep),
            proposed={k: v for k, v in self.proposed.items() if k in keep},
        )

    def to_dict(self) -> dict[str, object]:
        """Counts of each kind of choice (for the effective configuration)."""
        return {
            "lock": self.lock,
            "locked_clinics": len(self.existing),
            "groups": len(self.groups),
            "cannot_link_pairs": len(self.cannot_link),
            "leaving": len(self.leaving),
            "proposed": len(self.proposed),
        }


def ordered_pair(a: str, b: str) -> tuple[str, str]:
    """The pair in sorted order (a pair kept apart has no direction)."""
    return (a, b) if a <= b else (b, a)


def unknown_ids(choices: Choices, known: Iterable[str]) -> list[str]:
    """Clinic ids a choice names that are not in the table (for one clear error)."""
    known = set(known)
    named = [
        *choices.existing,
        *(i for ids in choices.groups.values() for i in ids),
        *(i for pair in choices.cannot_link for i in pair),
        *choices.leaving,
        *choices.proposed,
    ]
    return sorted({i for i in named if i not in known})
