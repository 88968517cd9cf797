"""The notebooks run: every code cell of each notebook, in order, in a scratch folder.

A notebook is stored without outputs, imports the planner only through its public names
(``planner`` and the ``__all__`` of its subpackages), and names the shared data folders it
needs in its metadata (``"planner": {"needs": ["england_gp_pcn"]}``); where one is absent
beside the repository (``../shared/data``) it skips with the reason.  The notebooks read
that folder as ``PLANNER_DATA`` (default ``../../shared/data``, right when Jupyter runs in
``notebooks/``); the test points it at the real one.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

from planner import PlanResult

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SHARED = ROOT.parent / "shared" / "data"


def _notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _code(notebook: dict) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def _planner_imports(source: str) -> list[tuple[str, str]]:
    """``(module, name)`` for every name a cell imports from the planner."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "planner":
            found += [(node.module or "", alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.split(".")[0] == "planner"]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_code_cells_run(path, tmp_path, monkeypatch):
    notebook = _notebook(path)
    cells = _code(notebook)
    assert cells, f"{path.name} has no code"
    for needed in notebook["metadata"].get("planner", {}).get("needs", []):
        if not (SHARED / needed).exists():
            pytest.skip(f"{path.name} needs {SHARED / needed}, which is absent")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PLANNER_DATA", str(SHARED))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": "__main__"}
    for number, source in enumerate(cells, start=1):
        exec(compile(source, f"{path.name} cell {number}", "exec"), namespace)
    # Every notebook plans something and writes a map a practice could open.
    assert list(tmp_path.rglob("map*.html")), f"{path.name} wrote no map"
    results = {k: v for k, v in namespace.items() if isinstance(v, PlanResult)}
    assert results, f"{path.name} holds no plan"
    assert all(r.n_clusters > 0 for r in results.values()), {
        k: r.n_clusters for k, r in results.items()
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_are_stored_without_outputs(path):
    for cell in _notebook(path)["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_use_the_public_api_only(path):
    for source in _code(_notebook(path)):
        for module, name in _planner_imports(source):
            assert not any(part.startswith("_") for part in module.split(".")), (path.name, module)
            if name:
                public = getattr(importlib.import_module(module), "__all__", None)
                assert public is not None and name in public, (
                    f"{path.name} imports {name} from {module}, which is not in its __all__"
                )


def test_the_four_notebooks_of_the_guide_are_there():
    names = {p.name for p in NOTEBOOKS}
    assert {
        "01_plan_a_region.ipynb",
        "02_rules_and_what_ifs.ipynb",
        "03_compare_with_real_networks.ipynb",
        "04_neighbourhoods_from_areas.ipynb",
    } <= names
