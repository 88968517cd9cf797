"""MkDocs hook: the parts of the docs that are generated from the planner's own code.

A page asks for a generated part with a marker on a line of its own::

    <!-- planner-docs: cli -->                  every command and option (the click tree)
    <!-- planner-docs: columns -->              every output file and column
    <!-- planner-docs: settings -->             every configuration key, its flag and default
    <!-- planner-docs: profiles -->             the built-in country profiles
    <!-- planner-docs: aliases -->              the clinic columns and the names recognised
    <!-- planner-docs: constants planner.solve.maxp --> a module's documented constants
    <!-- planner-docs: include bench/README.md --> a Markdown file of the repository

The markers are replaced when the site is built (``on_page_markdown``), so the reference
cannot drift from the code: a flag added to the command line appears in the CLI
reference, a column added to a list of ``planner/result/schema.py`` (or the other lists
named in ``columns.toml``) without a description here fails ``mkdocs build --strict``.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
# Strict mode counts the warnings of loggers under "mkdocs".
log = logging.getLogger("mkdocs.hooks.planner_docs")

MARKER = re.compile(r"^<!--\s*planner-docs:\s*([a-z-]+)(?:\s+(\S+))?\s*-->\s*$", re.M)


# --- Markdown helpers -------------------------------------------------------------------


def cell(text: Any) -> str:
    """Text for a Markdown table cell: one line, ``|`` and markup characters escaped."""
    out = " ".join(str(text).split())
    out = out.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
    return out.replace("<", "&lt;").replace(">", "&gt;").replace("`", "\\`")


_ROLE = re.compile(r":(?:data|mod|func|class|meth|attr|exc):`~?\.?([^`]+)`")


def prose(text: Any) -> str:
    """A docstring or comment for a table cell: reST roles and ````literals```` as code
    spans, everything outside them escaped as :func:`cell` does."""
    out = _ROLE.sub(lambda m: "`" + m.group(1).split(".")[-1] + "`", " ".join(str(text).split()))
    out = out.replace("``", "`")
    pieces = out.split("`")
    return "`".join(p.replace("|", "\\|") if i % 2 else cell(p) for i, p in enumerate(pieces))


def code(text: Any) -> str:
    """Inline code for a table cell (a ``|`` inside stays escaped)."""
    return "`" + str(text).replace("|", "\\|") + "`"


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _load(path: str) -> Any:
    """``package.module:NAME`` -> the object."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


# --- The CLI reference ------------------------------------------------------------------

#: Commands in the order a planner meets them; any other command follows.
COMMAND_ORDER = ("plan", "batch", "render", "diff", "demo")


def cli_tree() -> tuple[Any, list[tuple[str, Any]]]:
    """The click group of the ``planner`` command and its commands, in reading order."""
    import typer

    from planner.cli.app import app

    group = typer.main.get_command(app)
    names = list(group.commands)  # type: ignore[attr-defined]
    ordered = [n for n in COMMAND_ORDER if n in names] + [
        n for n in names if n not in COMMAND_ORDER
    ]
    return group, [(n, group.commands[n]) for n in ordered]  # type: ignore[attr-defined]


def option_strings(param: Any) -> list[str]:
    """Every string that names an option on the command line (``--max-hard``, ``-q``)."""
    return [*param.opts, *getattr(param, "secondary_opts", [])]


def _usage(name: str, command: Any) -> str:
    pieces = [f"planner {name}", "[OPTIONS]"]
    for param in command.params:
        if param.param_type_name != "argument":
            continue
        word = param.name.upper() + ("..." if param.nargs == -1 else "")
        pieces.append(word if param.required else f"[{word}]")
    if command.context_settings.get("allow_extra_args"):
        pieces.append("[PLAN OPTIONS]")
    return " ".join(pieces)


def _value(param: Any) -> str:
    if getattr(param, "is_flag", False):
        return "flag"
    metavar = param.metavar
    kind = getattr(param, "type", None)  # click's parameter type (a click-based typer)
    if not metavar and getattr(kind, "name", None):
        metavar = kind.name.upper()
    if not metavar:  # typer's own parameters: the annotation
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        metavar = {Path: "PATH", int: "INTEGER", float: "FLOAT", str: "TEXT"}.get(annotation)
    return code(metavar or "VALUE")


def _default(param: Any) -> str:
    default = param.default
    if callable(default) or default is None:
        return ""
    if getattr(param, "is_flag", False):
        if param.secondary_opts:
            return code(param.opts[0] if default else param.secondary_opts[0])
        return "" if default is False else "on"
    if isinstance(default, Path):
        return code(default.as_posix())
    return code(default)


def _help_row() -> list[str]:
    return [code("--help"), "flag", "", "Show the command's help and exit."]


def _params(command: Any) -> str:
    rows = []
    for param in command.params:
        if param.param_type_name == "argument":
            kind = "argument" if param.required else "argument, optional"
            rows.append([code(param.name.upper()), cell(kind), "", cell(param.help or "")])
    for param in command.params:
        if param.param_type_name != "option":
            continue
        names = ", ".join(code(s) for s in param.opts)
        if param.secondary_opts:
            names += " / " + ", ".join(code(s) for s in param.secondary_opts)
        required = " (required)" if param.required else ""
        rows.append([names + required, _value(param), _default(param), cell(param.help or "")])
    rows.append(_help_row())
    return table(["option", "value", "default", "what it does"], rows)


def cli_reference(_: str | None = None) -> str:
    group, commands = cli_tree()
    out = [
        "## `planner`",
        "",
        cell(group.help or ""),
        "",
        "```text",
        "planner [--help] COMMAND [ARGS]...",
        "```",
        "",
        table(
            ["command", "what it does"],
            [[f"[`planner {n}`](#planner-{n})", cell(c.help or "")] for n, c in commands],
        ),
    ]
    for name, command in commands:
        out += [
            "",
            f"## `planner {name}` {{#planner-{name}}}",
            "",
            cell(command.help or ""),
            "",
            "```text",
            _usage(name, command),
            "```",
            "",
            _params(command),
        ]
    return "\n".join(out) + "\n"


# --- Output files and columns -----------------------------------------------------------


def _columns_spec() -> dict[str, Any]:
    return tomllib.loads((HERE / "columns.toml").read_text(encoding="utf-8"))


def file_columns(entry: dict[str, Any]) -> list[str]:
    """The columns (or keys) of one file: its code list, then the ones listed by hand."""
    listed: list[str] = []
    for source in entry.get("source", []):
        listed += [str(c) for c in _load(source)]
    listed += entry.get("extra", [])
    return list(dict.fromkeys(listed))


def output_columns(_: str | None = None) -> str:
    spec = _columns_spec()
    common: dict[str, str] = spec.get("common", {})
    checks = spec.get("subset", [])
    for check in checks:  # a list that must stay inside another (schema's cluster columns)
        inner, outer = _load(check["inner"]), _load(check["outer"])
        extra = [c for c in inner if c not in outer]
        if extra:
            log.warning("columns.toml: %s has %s, not in %s", check["inner"], extra, check["outer"])
    out = []
    for entry in spec["file"]:
        columns = file_columns(entry)
        describe: dict[str, str] = entry.get("describe", {})
        for stale in sorted(set(describe) - set(columns)):
            log.warning("columns.toml: %s describes '%s', which it no longer has", entry["name"],
                        stale)  # fmt: skip
        rows = []
        for col in columns:
            text = describe.get(col, common.get(col))
            if text is None:
                log.warning(
                    "columns.toml: column '%s' of %s has no description (add it under "
                    "[file.describe] or [common])",
                    col,
                    entry["name"],
                )
                text = ""
            rows.append([code(col), prose(text)])
        sources = ", ".join(code(s.replace(":", ".")) for s in entry.get("source", []))
        out += [f"### `{entry['name']}`", "", entry["what"].strip(), ""]
        if entry.get("when"):
            out += [f"*Written:* {entry['when'].strip()}", ""]
        kind = entry.get("kind", "column")
        out += [table([kind, "what it holds"], rows), ""]
        if sources:
            out += [f"<small>The {kind}s come from {sources}.</small>", ""]
    return "\n".join(out)


# --- Configuration settings -------------------------------------------------------------

#: Settings whose flag is not their own name (``planner plan``'s parameter -> setting).
FLAG_PARAMS = {"out_dir": "out", "patients_file": "patients", "choices": "feedback",
               "no_map": "map", "replan": "mode"}  # fmt: skip
#: Settings no ``planner plan`` flag sets, and what sets them.
NO_FLAG = {
    "columns": "the `--*-col` flags (`--id-col` ...); a `[input.columns]` table: "
    '`clinic_id = "ydernummer"`',
    "by": "`planner batch --by COLUMN`: the column that splits a batch into parts",
    "part": "set by `planner batch` for each part (with `by`): plan only that part's clinics",
    "clinics": "the `CLINICS` argument: the clinics file (or polygon units)",
}


def _plan_flags() -> dict[str, list[Any]]:
    """Setting name -> the ``planner plan`` options that set it."""
    _, commands = cli_tree()
    plan = dict(commands)["plan"]
    flags: dict[str, list[Any]] = {}
    for param in plan.params:
        name = FLAG_PARAMS.get(param.name, param.name)
        flags.setdefault(name, []).append(param)
    return flags


def _setting_default(setting: Any) -> Any:
    from planner.core.request import OutputOptions, PlanRequest

    owner = {"rules": PlanRequest().rules, "output": OutputOptions()}.get(setting.owner)
    value = getattr(owner if owner is not None else PlanRequest(), setting.name)
    if dataclasses.is_dataclass(value) and hasattr(value, "name"):
        return value.name  # the profile
    if value is None or value == {} or (hasattr(value, "__len__") and not len(value)):
        return None
    return value


def _toml(value: Any) -> str:
    """A value as TOML writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _toml_default(value: Any) -> str:
    return "" if value is None else code(_toml(value))


def settings_reference(_: str | None = None) -> str:
    from planner.core.request import SETTINGS

    flags = _plan_flags()
    rows = []
    for s in SETTINGS:
        params = [p for p in flags.get(s.name, []) if p.param_type_name == "option"]
        if params:
            flag = ", ".join(code(o) for p in params for o in option_strings(p))
            what = cell(" ".join(p.help or "" for p in params))
        elif s.name in NO_FLAG:
            flag, what = "", NO_FLAG[s.name]
        else:
            log.warning("settings: '%s' has no flag of planner plan and no description", s.name)
            flag, what = "", ""
        kind = s.kind + (" (" + ", ".join(map(str, s.allowed)) + ")" if s.allowed else "")
        rows.append(
            [code(f"[{s.section}] {s.key}"), flag, cell(kind), _toml_default(_setting_default(s)),
             what]
        )  # fmt: skip
    return table(["TOML key", "flag", "kind", "default", "what it sets"], rows) + "\n"


# --- Profiles and column names ----------------------------------------------------------


def profiles_reference(_: str | None = None) -> str:
    from planner.core.profiles import PROFILES

    def rules(p: Any) -> str:
        return "<br>".join(code(f"{k} = {_toml(v)}") for k, v in p.rules.items())

    def funding(p: Any) -> str:
        f = p.funding
        if f is None:
            return "none (no money figures anywhere)"
        return cell(
            f"{f.per_patient:g} {f.currency} per patient a year, at least {f.minimum:,.0f}; "
            f"{f.per_gp_startup:,.0f} per GP at start-up (columns {', '.join(f.columns)})"
        )

    def words(p: Any) -> str:
        en = dict(p.words.get("en", {}))
        if not en:
            return "the planner's own (cluster, clinic, municipality, region)"
        shown = [f"{w} → {r}" for w, r in en.items() if w[0].isupper()][:6]
        return cell("; ".join(shown) + f" (and {sum(len(w) for w in p.words.values())} in all)")

    def aliases(p: Any) -> str:
        if not p.aliases:
            return "only the planner's own (below)"
        return "<br>".join(
            cell(k) + ": " + ", ".join(code(a) for a in v) for k, v in p.aliases.items()
        )

    names = list(PROFILES)
    rows = [
        ["default rules", *(rules(PROFILES[n]) for n in names)],
        ["funding", *(funding(PROFILES[n]) for n in names)],
        ["words (English)", *(words(PROFILES[n]) for n in names)],
        ["column names recognised", *(aliases(PROFILES[n]) for n in names)],
    ]
    return table(["", *(code(n) for n in names)], rows) + "\n"


def aliases_reference(_: str | None = None) -> str:
    from planner.core.profiles import PROFILES
    from planner.core.rules import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
    from planner.load.columns import COLUMN_ALIASES
    from planner.load.validate import NEEDED

    extra = [n for n, p in PROFILES.items() if p.aliases]
    rows = []
    for col in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        need = "required" if col in NEEDED else "optional"
        flag = "--id-col" if col == "clinic_id" else f"--{col}-col"
        row = [code(col), need, code(flag), ", ".join(code(a) for a in COLUMN_ALIASES.get(col, ()))]
        row += [", ".join(code(a) for a in PROFILES[n].aliases.get(col, ())) for n in extra]
        rows.append(row)
    head = [
        "column",
        "",
        "flag",
        "also recognised as",
        *(f"and with `--profile {n}`" for n in extra),
    ]
    return table(head, rows) + "\n"


# --- Documented constants of a module ---------------------------------------------------


def _shown(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return repr(value)
    return f"{value:,}" if isinstance(value, int) else repr(value)


def constants(module: str | None) -> str:
    """The module-level constants of ``module`` that carry a ``#:`` comment, grouped as in
    the source (names assigned on the lines right below one comment share it)."""
    import ast

    if not module:
        raise PluginError(
            "planner-docs: constants needs a module, e.g. constants planner.solve.maxp"
        )
    mod = importlib.import_module(module)
    lines = Path(mod.__file__ or "").read_text(encoding="utf-8").splitlines()
    groups: list[tuple[list[str], list[str]]] = []
    last_end = -2
    for stmt in ast.parse("\n".join(lines)).body:
        targets = (
            stmt.targets
            if isinstance(stmt, ast.Assign)
            else ([stmt.target] if isinstance(stmt, ast.AnnAssign) else [])
        )
        names = [t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()]
        if not names:
            last_end = -2
            continue
        comment: list[str] = []
        at = stmt.lineno - 2
        while at >= 0 and lines[at].lstrip().startswith("#:"):
            comment.insert(0, lines[at].lstrip()[2:].strip())
            at -= 1
        if comment:
            groups.append((names, comment))
        elif groups and last_end == stmt.lineno - 1:
            groups[-1][0].extend(names)
        last_end = stmt.end_lineno or stmt.lineno
    rows = []
    for names, comment in groups:
        shown = "<br>".join(code(f"{n} = {_shown(getattr(mod, n))}") for n in names)
        rows.append([shown, prose(" ".join(comment))])
    if not rows:
        log.warning("planner-docs: %s has no documented constants", module)
    return table(["constant", "what it sets"], rows) + "\n"


# --- Files of the repository ------------------------------------------------------------


def include(path: str | None) -> str:
    """A Markdown file of the repository, its headings one level down, its title dropped."""
    if not path:
        raise PluginError("planner-docs: include needs a path, e.g. include bench/README.md")
    source = (REPO / path).resolve()
    if REPO not in source.parents or not source.is_file():
        raise PluginError(f"planner-docs: include {path}: no such file in the repository")
    text = source.read_text(encoding="utf-8")
    out, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("# "):
            continue  # the file's title: the page has its own
        elif not fenced and line.startswith("#"):
            line = "#" + line
        out.append(line)
    return "\n".join(out).strip() + "\n"


GENERATORS = {
    "cli": cli_reference,
    "columns": output_columns,
    "settings": settings_reference,
    "profiles": profiles_reference,
    "aliases": aliases_reference,
    "include": include,
    "constants": constants,
}


# --- MkDocs events ----------------------------------------------------------------------


def on_config(config: Any) -> Any:
    if str(REPO) not in sys.path:  # the planner from this checkout
        sys.path.insert(0, str(REPO))
    return config


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    def replace(match: re.Match[str]) -> str:
        name, arg = match.group(1), match.group(2)
        if name not in GENERATORS:
            known = ", ".join(GENERATORS)
            raise PluginError(f"{page.file.src_uri}: unknown marker '{name}'; known: {known}")
        return GENERATORS[name](arg)

    return MARKER.sub(replace, markdown)
