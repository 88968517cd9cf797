"""The package shows the pipeline: one folder per stage, and no stage imports a later one.

The order (``../shared/DESIGN.md``): core -> load -> demo -> geography -> choices -> solve
-> evaluate -> result -> render -> output -> the front door (``planner/api.py``) -> cli.
Only the render package imports folium, only the CLI imports typer and rich and prints,
and no module imports another's private name.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "planner"
ORDER = (
    "core", "load", "demo", "geography", "choices", "solve", "evaluate", "result", "render",
    "output", "api", "batch", "cli",
)  # fmt: skip
RANK = {stage: i for i, stage in enumerate(ORDER)}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _stage(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    if len(rel.parts) == 1:
        return "api"  # the package root: __init__ and the front door
    return rel.parts[0]


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """``(module, names, line)`` of every import in ``path``, lazy ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names]
    return found


def test_the_root_holds_only_the_front_door():
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "api.py"]
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert stages == set(ORDER) - {"api"}


def layering_problems(path: Path, stage_of: Path | None = None) -> list[str]:
    """Imports of ``path`` that reach a later stage or another module's private name
    (``stage_of``: the place in the package the module is judged as being at)."""
    mine, problems = _stage(stage_of or path), []
    for module, names, line in _imports(path):
        if not module.startswith("planner."):
            continue
        theirs = module.split(".")[1]
        theirs = "api" if theirs not in RANK else theirs
        if RANK[theirs] > RANK[mine]:
            problems.append(f"{path.name}:{line} ({mine}) imports {module}")
        private = [n for n in names if n.startswith("_")]
        if private:
            problems.append(f"{path.name}:{line} imports private {private} from {module}")
    return problems


def test_no_module_imports_a_later_stage_or_a_private_name():
    assert [p for path in _modules() for p in layering_problems(path)] == []


def test_the_layering_check_catches_a_backward_import(tmp_path):
    source = tmp_path / "fake.py"
    source.write_text(
        "from planner.render.map import render_map\nfrom planner.core.sizes import _x\n",
        encoding="utf-8",
    )
    problems = layering_problems(source, stage_of=PACKAGE / "core" / "fake.py")
    assert len(problems) == 2
    assert "(core) imports planner.render.map" in problems[0] and "private" in problems[1]


def test_folium_typer_rich_and_print_stay_in_their_stage():
    problems = []
    for path in _modules():
        stage = _stage(path)
        for module, _names, line in _imports(path):
            top = module.split(".")[0]
            if top in ("folium", "branca") and stage != "render":
                problems.append(f"{path.name}:{line} imports {module}")
            if top in ("typer", "rich") and stage != "cli":
                problems.append(f"{path.name}:{line} imports {module}")
        if stage == "cli" or path.name == "region.py":  # the demo's own __main__ reports
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        problems += [
            f"{path.name}:{n.lineno} prints; log instead"
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
        ]
    assert problems == []


def test_modules_stay_small_enough_to_read():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 560
    }
    assert long == {}, long
