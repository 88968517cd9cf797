"""The notebooks run: every code cell of each notebook, in order, in a scratch folder."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_code_cells_run(path, tmp_path, monkeypatch):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert cells, f"{path.name} has no code"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for number, cell in enumerate(cells, start=1):
        source = "".join(cell["source"])
        exec(compile(source, f"{path.name} cell {number}", "exec"), namespace)
    assert (tmp_path / "notebook_out" / "map.html").exists()
    assert namespace["result"].n_clusters > 0


def test_there_is_a_notebook():
    assert NOTEBOOKS
