"""The docs site builds with no warning, its references are complete, the README points
into it and stays short.

The CLI, output-column and configuration references are generated from the code when the
site is built (``docs/hooks/planner_docs.py``); these tests check the generated pages
against the command line and against the files a real plan writes.
"""

from __future__ import annotations

import csv
import html
import importlib.util
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from planner.cli.app import app

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
#: The README stays a front page: the two commands, what it does, a picture, links.
README_MAX_LINES = 120


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built with ``mkdocs build --strict`` (every warning is an error)."""
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(REPO / "mkdocs.yml"), "--site-dir", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("WARNING")]
    assert not warnings, "\n".join(warnings)
    return out


def _page(site: Path, name: str) -> str:
    return (site / name / "index.html").read_text(encoding="utf-8")


def _codes(text: str) -> set[str]:
    """Every inline code text of an HTML page (or part of one), unescaped."""
    return {html.unescape(c) for c in re.findall(r"<code>(.*?)</code>", text, flags=re.S)}


def test_the_site_builds_strictly_with_every_page(site: Path) -> None:
    for page in ("", "getting-started", "inputs", "outputs", "configuration", "review",
                 "batch", "solver", "cli", "python-api", "benchmarks", "development"):  # fmt: skip
        assert (site / page / "index.html").is_file(), page
    assert (site / "img" / "map.png").is_file()
    # The markers are all replaced: no generated part is missing.
    for path in site.rglob("*.html"):
        assert "<!-- planner-docs:" not in path.read_text(encoding="utf-8"), path


def _commands() -> list[tuple[str, object]]:
    group = typer.main.get_command(app)
    return list(group.commands.items())  # type: ignore[attr-defined]


def test_every_command_and_option_is_in_the_cli_reference(site: Path) -> None:
    page = _page(site, "cli")
    commands = _commands()
    assert {"plan", "batch", "render", "diff"} <= {name for name, _ in commands}
    for name, command in commands:
        start = page.find(f'id="planner-{name}"')
        assert start >= 0, f"planner {name} has no section in the CLI reference"
        end = page.find("<h2", start + 1)
        section = _codes(page[start : end if end > 0 else None])
        assert f"planner {name}" in page
        for param in command.params:  # type: ignore[attr-defined]
            if param.param_type_name == "argument":
                assert param.name.upper() in section, f"planner {name}: {param.name}"
                continue
            for opt in (*param.opts, *param.secondary_opts):
                assert opt in section, f"planner {name} {opt} is missing from docs/cli.md"
        assert "--help" in section


def test_a_few_flags_by_name(site: Path) -> None:
    codes = _codes(_page(site, "cli"))
    for flag in ("--clusters", "--profile", "--no-map", "--max-soft", "--scheduler", "-q"):
        assert flag in codes, flag


def _columns_of(folder: Path) -> dict[str, list[str]]:
    """The columns (or keys) of every table a plan folder holds."""
    out: dict[str, list[str]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                out[path.name] = next(csv.reader(handle))
        elif path.suffix == ".geojson":
            features = json.loads(path.read_text(encoding="utf-8"))["features"]
            out[path.name] = sorted({key for f in features for key in f["properties"]})
        elif path.name == "summary.json":
            out[path.name] = list(json.loads(path.read_text(encoding="utf-8")))
    return out


def _sections(page: str) -> dict[str, set[str]]:
    """The inline codes of each file's section of the outputs page, by file name."""
    out = {}
    heads = list(re.finditer(r"<h3[^>]*>\s*<code>(.*?)</code>", page))
    for k, head in enumerate(heads):
        end = heads[k + 1].start() if k + 1 < len(heads) else len(page)
        out[html.unescape(head.group(1))] = _codes(page[head.end() : end])
    return out


def test_every_column_a_plan_writes_is_documented(site: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    first, second = tmp_path / "plan1", tmp_path / "plan2"
    done = runner.invoke(app, ["plan", "--out", str(first), "--no-map", "-q"])
    assert done.exit_code == 0, done.output
    # Re-planning from it: changes.csv and the clusters' gains and losses.
    done = runner.invoke(
        app,
        ["plan", "--out", str(second), "--no-map", "-q", "--replan",
         "--current", str(first / "assignments.csv")],
    )  # fmt: skip
    assert done.exit_code in (0, 4), done.output
    sections = _sections(_page(site, "outputs"))
    written = _columns_of(first) | _columns_of(second)
    assert {"assignments.csv", "clusters.geojson", "changes.csv", "summary.json"} <= set(written)
    for name, columns in written.items():
        assert name in sections, f"{name} has no section in docs/outputs.md"
        missing = [c for c in columns if c not in sections[name]]
        assert not missing, f"{name}: {missing} not documented (docs/hooks/columns.toml)"


def _hook():
    spec = importlib.util.spec_from_file_location(
        "planner_docs", REPO / "docs" / "hooks" / "planner_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_column_without_a_description_fails_the_build(monkeypatch, caplog) -> None:
    hook = _hook()
    spec = hook._columns_spec()
    clusters = next(f for f in spec["file"] if f["name"] == "clusters.geojson")
    del clusters["describe"]["diameter_km"]
    monkeypatch.setattr(hook, "_columns_spec", lambda: spec)
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        hook.output_columns()
    assert "diameter_km" in caplog.text and "no description" in caplog.text


def test_the_readme_is_short_and_its_links_into_docs_resolve(site: Path) -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    links = re.findall(r"\]\((docs/[^)\s]+)\)", text)
    assert len(links) >= 8  # every page of the docs is linked from the front page
    assert "docs/img/map.png" in links  # the picture of a map
    for link in links:
        path, _, anchor = link.partition("#")
        assert (REPO / path).is_file(), f"README links to {link}, which does not exist"
        if path.endswith(".md") and anchor:
            page = site / Path(path).relative_to("docs").with_suffix("") / "index.html"
            assert f'id="{anchor}"' in page.read_text(encoding="utf-8"), link
    assert "mkdocs build --strict" in text
