"""The README's examples work: its configuration plans the demo region."""

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from planner.cli.app import app
from planner.core.config import load_config

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    assert "pip install -e ." in blocks[0] and "planner plan" in blocks[0]
    command = blocks[1].strip()
    assert command == "bash scripts/setup-tests.sh && .venv/bin/python -m pytest"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.strip().splitlines()[-1] == command


def test_readme_configuration_plans_the_demo_region(tmp_path):
    (block,) = re.findall(r"```toml\n(.*?)```", README, flags=re.S)
    # Paths in the file are relative to it: place it beside a copy of data/ by reference.
    text = block.replace('"data/', f'"{(REPO / "data").as_posix()}/')
    text = text.replace('out = "out/region"', f'out = "{(tmp_path / "out").as_posix()}"')
    config = tmp_path / "region.toml"
    config.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "--config", str(config), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["seed"] == 1
    assert summary["rules"]["max_patients"] == 50_000
    assert summary["totals"]["clusters"] > 0
    assert "<title>Klyngeforslag</title>" in (tmp_path / "out" / "map.html").read_text("utf-8")


def test_readme_python_example_runs(tmp_path, monkeypatch):
    (block,) = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    monkeypatch.chdir(REPO)
    code = block.replace('"out/api"', repr(str(tmp_path / "api")))
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    result, bigger = namespace["result"], namespace["bigger"]
    assert result.n_clusters > 0 and result.metrics["land"] == "given"
    assert (bigger.clusters["patients"] >= 35_000).all() and bigger.seed == 1
    # The request written beside the outputs names the clinic file and plans the same again.
    assert load_config(tmp_path / "api" / "config.toml")["clinics"].endswith("demo_clinics.csv")
    again = CliRunner().invoke(
        app,
        ["plan", "--config", str(tmp_path / "api" / "config.toml"), "--out",
         str(tmp_path / "again"), "--quiet"],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    first = (tmp_path / "api" / "assignments.csv").read_text(encoding="utf-8")
    assert (tmp_path / "again" / "assignments.csv").read_text(encoding="utf-8") == first
