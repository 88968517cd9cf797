"""An English plan end to end: PCNs and practices in every file a person reads, no kr,
England's column names read without flags; the map's every tooltip and popup checked in
a real browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
from typer.testing import CliRunner

from conftest import dom_attr, run_page
from planner.cli.app import app

runner = CliRunner()


def _english(tmp_path: Path) -> Path:
    """Demo clinics under NHS Digital's column names (no GP column), one CCG and ICS each."""
    table = pd.read_csv("data/demo_clinics.csv", dtype=str)
    out = pd.DataFrame({
        "practice_code": table["clinic_id"], "practice_name": table["name"],
        "lat": table["lat"], "lon": table["lon"], "patients_jan2021": table["patients"],
        "ccg_code": table["municipality"].str.slice(0, 3), "stp_code": table["region"],
    })  # fmt: skip
    path = tmp_path / "practices.csv"
    out.to_csv(path, index=False)
    return path


def test_an_english_plan_speaks_of_pcns_and_shows_no_money(tmp_path: Path, chromium) -> None:
    out = tmp_path / "plan"
    result = runner.invoke(
        app,
        ["plan", str(_english(tmp_path)), "--profile", "england", "--patients-per-gp", "1800",
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code in (0, 4), result.output
    console = " ".join(result.output.split())
    assert "PCNs" in console and "Clusters" not in console
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["profile"] == "england" and summary["rules"]["max_patients"] == 50_000
    clusters = gpd.read_file(out / "clusters.geojson")
    assert not [c for c in clusters.columns if c.startswith(("budget", "startup"))]
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "PCN" in report and not re.search(r"\bkr\b|Klynge|klynge|\bCluster\b", report)
    driver = """<script>
(function () {
  var parts = window.plannerReviewApi.contents().map(function (c) { return c.html; });
  document.documentElement.setAttribute("data-test", JSON.stringify(parts));
})();
</script>"""
    page = (out / "map.html").read_text(encoding="utf-8")
    driven = tmp_path / "driven.html"
    driven.write_text(page.replace("</html>", driver + "\n</html>"), encoding="utf-8")
    dom, _ = run_page(chromium, driven)
    shown = " ".join(json.loads(dom_attr(dom, "data-test") or "[]"))
    assert "PCN" in shown and "Practice" in shown
    assert not re.search(r"\bkr\b|Annual budget|Klynge|\bCluster\b|\bClinic\b", shown)


def test_render_map_from_the_api_uses_the_profiles_words(tmp_path: Path) -> None:
    """``render_map(result)`` in a notebook speaks of PCNs as the written map does."""
    from planner.api import plan
    from planner.render import render_map

    result = plan(str(_english(tmp_path)), profile="england", patients_per_gp=1800)
    page = render_map(result, tiles=None).get_root().render()
    assert "Proposed PCNs" in page and "Find practice" in page
    assert "Proposed clusters" not in page and "Find clinic" not in page
