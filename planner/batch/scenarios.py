"""Scenarios of a batch: comma lists of the size and effort settings, and named overrides.

``--min-patients 25000,30000 --seeds 0,1`` is four scenarios (every combination); a
scenarios file adds named ones, each a table of request settings (the names of
:data:`planner.core.request.SETTINGS`)::

    [scenarios.small]
    min_patients = 25000

    [scenarios.wide]
    min_patients = 35000
    boundaries = "none"

A batch plans every part under every scenario (named x lists).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.core.config import read_toml
from planner.core.errors import PlannerError, Problem, ValidationError
from planner.core.request import SETTINGS, PlanRequest

__all__ = ["LIST_FLAGS", "Scenario", "parse_list", "read_scenarios", "scenarios_from"]

#: Settings a comma list may vary, the flag and the short name used in scenario names.
LIST_FLAGS: dict[str, tuple[str, str]] = {
    "min_patients": ("--min-patients", "min"),
    "max_patients": ("--max-patients", "max"),
    "seed": ("--seeds", "seed"),
}


@dataclass(frozen=True)
class Scenario:
    """One scenario: its name (a folder name) and the settings it overrides."""

    name: str
    settings: Mapping[str, Any] = field(default_factory=dict)


def parse_list(text: str | None, flag: str) -> list[int]:
    """Whole numbers of a comma list (``"25000,30000"``); an empty list is ``[]``.

    >>> parse_list("25000, 30000", "--min-patients"), parse_list(None, "--seeds")
    ([25000, 30000], [])
    >>> parse_list("25k", "--min-patients")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner.core.errors.PlannerError: --min-patients takes whole numbers ... got '25k'
    """
    if text is None or not str(text).strip():
        return []
    items = [item.strip().replace("_", "") for item in str(text).split(",")]
    if not all(re.fullmatch(r"\d+", item) for item in items):
        raise PlannerError(
            f"{flag} takes whole numbers separated by commas (25000,30000), got {text!r}"
        )
    values = [int(item) for item in items]
    if len(set(values)) != len(values):
        raise PlannerError(f"{flag} lists a value twice: {text!r}")
    return values


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def read_scenarios(path: str | Path) -> dict[str, dict[str, Any]]:
    """Named scenarios from a TOML file, each checked as request settings.

    Raises
    ------
    ValidationError
        Every problem at once, naming the file and ``scenarios.NAME.key``.
    """
    source = str(path)
    data = read_toml(path)
    problems: list[Problem] = []
    unknown = sorted(set(data) - {"scenarios"})
    if unknown or not isinstance(data.get("scenarios"), dict) or not data["scenarios"]:
        problems.append(
            Problem(source, None, None, "a scenarios file holds [scenarios.NAME] tables only")
        )
        raise ValidationError(problems)
    known = {s.name for s in SETTINGS if s.owner != "output"} - {"clinics", "by", "part"}
    out: dict[str, dict[str, Any]] = {}
    for name, body in data["scenarios"].items():
        where = f"scenarios.{name}"
        if not _NAME.match(name):
            problems.append(Problem(source, None, where, "a name of letters, digits, _ . -"))
            continue
        if not isinstance(body, dict):
            problems.append(Problem(source, None, where, "must be a table of settings"))
            continue
        bad = sorted(set(body) - known)
        for key in bad:
            problems.append(
                Problem(
                    source,
                    None,
                    f"{where}.{key}",
                    f"unknown setting; known: {', '.join(sorted(known))}",
                )
            )
        settings = {k: v for k, v in body.items() if k in known}
        try:
            PlanRequest().with_settings(settings)
        except PlannerError as exc:
            problems.append(Problem(source, None, where, str(exc)))
            continue
        out[name] = settings
    if problems:
        raise ValidationError(problems)
    return out


def scenarios_from(
    lists: Mapping[str, Sequence[int]], named: Mapping[str, Mapping[str, Any]] | None = None
) -> list[Scenario]:
    """Every scenario: each named one (or ``base``) under every combination of the lists.

    >>> [s.name for s in scenarios_from({"min_patients": [25000, 30000], "seed": [1]})]
    ['min25000', 'min30000']
    >>> [s.name for s in scenarios_from({}, {"wide": {"boundaries": "none"}})]
    ['wide']
    >>> scenarios_from({})[0]
    Scenario(name='base', settings={})
    """
    varied = [(key, list(values)) for key, values in lists.items() if values]
    bases = dict(named) if named else {"base": {}}
    out = []
    for base_name, base in bases.items():
        for combo in itertools.product(*(values for _, values in varied)):
            settings = dict(base)
            tags = []
            for (key, values), value in zip(varied, combo, strict=True):
                settings[key] = value
                if len(values) > 1:
                    tags.append(f"{LIST_FLAGS[key][1]}{value}")
            if named or not tags:
                tags.insert(0, base_name)
            out.append(Scenario("_".join(tags), settings))
    return out
