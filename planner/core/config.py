"""A region's settings in one TOML file: read, checked, merged with flags, written back.

A configuration file groups the settings of the ``plan`` command in sections::

    [input]
    clinics = "clinics.csv"          # paths are relative to this file
    land = "kommuner.geojson"
    links = "links.csv"              # clinic_a, clinic_b[, travel_minutes]
    [input.columns]
    clinic_id = "ydernummer"

    [rules]
    min_patients = 30000
    min_doctors = 18                 # or at least this many GPs
    max_patients = 50000
    max_hard = false                 # a soft ceiling by default

    [boundaries]
    mode = "auto"                    # auto, none, region, municipality
    municipalities = "kommuner.geojson"
    municipality_key = "KOMNAVN"

    [choices]
    lock = "keep"                    # or top_up
    cannot_link = "pairs.csv"
    leaving = "closing.csv"
    feedback = "feedback.csv"        # the map's clinic_id,proposed_cluster,comment (--choices)
    current = "assignments.csv"      # current clusters: clinic_id,cluster_id

    [plan]
    profile = "denmark"              # or england: words, funding, column names, rules
    mode = "plan"                    # or replan
    seed = 0

    [profile]                        # or a custom profile (planner.core.profiles)
    name = "wales"
    base = "england"

Every problem (unknown section or key, wrong type, value out of range) is reported at
once, naming the file and the key.  Flags given on the command line override the file;
:func:`config_toml` writes the effective settings beside the outputs.  The keys, their
kinds and allowed values come from :data:`planner.core.request.SETTINGS`; the defaults are
those of :class:`~planner.core.request.PlanRequest` and
:class:`~planner.core.request.OutputOptions`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.core.errors import PlannerError, Problem, ValidationError
from planner.core.profiles import Profile, get_profile, profile_from_mapping
from planner.core.request import (
    COLUMN_KEYS,
    FLAG,
    MAP,
    NUMBER,
    PATH,
    SETTINGS,
    TEXT,
    WHOLE,
    OutputOptions,
    PlanRequest,
)

__all__ = ["SCHEMA", "config_toml", "load_config", "merge_settings", "read_toml", "request_toml"]

#: section -> key -> (kind, setting name, allowed values or None), from the one list of
#: settings in :data:`planner.core.request.SETTINGS`.
SCHEMA: dict[str, dict[str, tuple[str, str, tuple[Any, ...] | None]]] = {}
for _s in SETTINGS:
    SCHEMA.setdefault(_s.section, {})[_s.key] = (_s.kind, _s.name, _s.allowed)


def _check(kind: str, value: Any, allowed: tuple[Any, ...] | None) -> str | None:
    """What is wrong with a value, or None."""
    ok = {
        PATH: isinstance(value, str) and value.strip() != "",
        TEXT: isinstance(value, str) and value.strip() != "",
        WHOLE: isinstance(value, int) and not isinstance(value, bool) and value >= 0,
        NUMBER: isinstance(value, int | float) and not isinstance(value, bool) and value > 0,
        FLAG: isinstance(value, bool),
        MAP: isinstance(value, dict),
    }[kind]
    if not ok:
        return f"must be a {'positive ' if kind == NUMBER else ''}{kind}, got {value!r}"
    if allowed is not None and value not in allowed:
        return f"must be one of {', '.join(map(str, allowed))}, got {value!r}"
    return None


def _columns(value: dict[str, Any], source: str) -> list[Problem]:
    problems = []
    for key, col in value.items():
        where = f"input.columns.{key}"
        if key not in COLUMN_KEYS:
            msg = f"unknown column '{key}'; known: {', '.join(COLUMN_KEYS)}"
            problems.append(Problem(source, None, where, msg))
        elif not isinstance(col, str) or not col.strip():
            problems.append(Problem(source, None, where, f"must be a column name, got {col!r}"))
    return problems


def read_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file's tables; a missing, unreadable or invalid file is one problem naming it.

    Raises
    ------
    ValidationError
        The file is missing, a directory, unreadable, not UTF-8 or not valid TOML.
    """
    source = str(path)
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError([Problem(source, None, None, "file not found")]) from None
    except IsADirectoryError:
        msg = "is a directory, not a TOML file"
        raise ValidationError([Problem(source, None, None, msg)]) from None
    except OSError as exc:
        msg = f"cannot read the file: {exc.strerror or exc}"
        raise ValidationError([Problem(source, None, None, msg)]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(source, None, None, f"not valid TOML: {exc}")]) from None


def load_config(path: str | Path) -> dict[str, Any]:
    """Read and check a configuration file.

    Parameters
    ----------
    path
        A TOML file laid out as in this module's description.

    Returns
    -------
    dict
        Setting name -> value, only for the keys the file gives; paths are made relative
        to the current directory (they are written relative to the file).

    Raises
    ------
    ValidationError
        Every problem at once, each naming the file and the key (``section.key``).
    """
    path = Path(path)
    source = str(path)
    data = read_toml(path)
    problems: list[Problem] = []
    settings: dict[str, Any] = {}
    for section, body in data.items():
        if section == "profile" and isinstance(body, dict):
            try:
                settings["profile"] = profile_from_mapping(body, source)
            except ValidationError as exc:
                problems += exc.problems
            continue
        if section not in SCHEMA:
            msg = f"unknown section [{section}]; known: {', '.join(SCHEMA)}"
            problems.append(Problem(source, None, section, msg))
            continue
        if not isinstance(body, dict):
            problems.append(Problem(source, None, section, "must be a [section] of keys"))
            continue
        for key, value in body.items():
            where = f"{section}.{key}"
            if key not in SCHEMA[section]:
                known = ", ".join(SCHEMA[section])
                msg = f"unknown key '{key}' in [{section}]; known: {known}"
                problems.append(Problem(source, None, where, msg))
                continue
            kind, name, allowed = SCHEMA[section][key]
            wrong = _check(kind, value, allowed)
            if wrong:
                problems.append(Problem(source, None, where, wrong))
                continue
            if kind == MAP:
                problems += _columns(value, source)
            if name == "profile" and "profile" in data:
                continue  # the [profile] table defines it
            if name == "profile":
                try:
                    value = get_profile(value).name
                except PlannerError as exc:
                    problems.append(Problem(source, None, where, str(exc)))
                    continue
            settings[name] = os.path.normpath(path.parent / value) if kind == PATH else value
    if problems:
        raise ValidationError(problems)
    return settings


def merge_settings(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Later layers override earlier ones; ``None`` means "not given" and is skipped.

    >>> merge_settings({"seed": 0, "lang": "en"}, {"seed": 5}, {"seed": None, "lang": "da"})
    {'seed': 5, 'lang': 'da'}
    """
    out: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if value is None:
                continue
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = {**out[key], **value}
            else:
                out[key] = value
    return out


def _toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _path_from(value: Any, base: str | Path | None) -> str:
    """A path as seen from ``base`` (the directory the TOML file goes in), or as given."""
    if base is None:
        return str(value)
    target = Path(value).absolute()
    try:
        return Path(os.path.relpath(target, Path(base).absolute())).as_posix()
    except ValueError:  # another drive (Windows): only an absolute path works
        return str(target)


def config_toml(
    settings: Mapping[str, Any], *, header: str = "", base: str | Path | None = None
) -> str:
    """The settings as a TOML file that :func:`load_config` reads back.

    Paths are written as given, or, with ``base`` (the directory the file is written in),
    relative to it, so that :func:`load_config` (which reads paths relative to the file)
    finds the same files wherever the planner ran.

    >>> print(config_toml({"min_patients": 25000, "lock": "top_up"}).strip())
    [rules]
    min_patients = 25000
    <BLANKLINE>
    [choices]
    lock = "top_up"
    """
    lines = [f"# {line}" for line in header.splitlines()]
    for section, keys in SCHEMA.items():
        body = []
        tables = []
        for key, (kind, name, _) in keys.items():
            value = settings.get(name)
            if value is None or (kind == MAP and not value) or isinstance(value, Profile):
                continue
            if kind == MAP:
                tables.append(f"\n[{section}.{key}]")
                tables += [f"{k} = {_toml_value(v)}" for k, v in value.items()]
            else:
                value = _path_from(value, base) if kind == PATH else value
                body.append(f"{key} = {_toml_value(value)}")
        if body or tables:
            lines += [*([""] if lines else []), f"[{section}]", *body, *tables]
    custom = settings.get("profile")
    if isinstance(custom, Profile):
        table = custom.to_mapping()
        words = table.pop("words", {})
        lines += [*([""] if lines else []), "[profile]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in table.items()]
        for lang, pairs in words.items():
            lines += ["", f"[profile.words.{lang}]"]
            lines += [f"{_toml_value(w)} = {_toml_value(r)}" for w, r in pairs.items()]
    return "\n".join(lines) + "\n"


def request_toml(
    request: PlanRequest, output: OutputOptions, *, base: str | Path | None = None
) -> str:
    """``config.toml`` for a plan: the request and the output options, which plan the same
    again with ``planner plan --config``.  Values given in memory (not as files) cannot be
    named and are listed in the header."""
    settings = {k: v for k, v in request.settings().items() if v is not None}
    settings |= output.settings()
    header = "Effective configuration of this plan."
    held = request.in_memory()
    if held:
        header += f"\nGiven in memory, not written here: {', '.join(held)}."
    return config_toml(settings, header=header, base=base)
