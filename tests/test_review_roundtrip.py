"""The review loop end to end: proposals made in the map page (headless Chromium, offline)
are downloaded, taken back with the plan they were made on, and every one is either a move
in ``changes.csv`` or a row in ``conflicts.csv``: never nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from conftest import dom_attr, run_page
from planner.cli.app import app

runner = CliRunner()


def test_proposals_made_in_the_page_come_back_as_moves_or_conflicts(chromium, tmp_path: Path):
    first = tmp_path / "plan1"
    done = runner.invoke(app, ["plan", "--out", str(first), "-q"])
    assert done.exit_code == 0, done.output
    clinics = pd.read_csv(first / "assignments.csv", dtype=str)
    # Every tenth clinic tries to move to the first cluster the page offers it (a clinic
    # inside its cluster is offered none and proposes nothing).
    chosen = clinics["clinic_id"].iloc[::10].tolist()
    driver = """<script>
(function () {
  var api = window.plannerReviewApi, out = {offered: {}};
  try {
    IDS.forEach(function (id) {
      var options = api.select(id);
      out.offered[id] = options;
      if (options.length) { api.propose(options[0], "from the page"); }
    });
    out.csv = api.csv();
  } catch (e) { out.error = String(e); }
  document.documentElement.setAttribute("data-test", JSON.stringify(out));
})();
</script>""".replace("IDS", json.dumps(chosen))
    page = (first / "map.html").read_text(encoding="utf-8")
    driven = tmp_path / "driven.html"
    driven.write_text(page.replace("</html>", driver + "\n</html>"), encoding="utf-8")
    dom, _ = run_page(chromium, driven)
    out = json.loads(dom_attr(dom, "data-test") or "{}")
    assert "error" not in out, out
    proposals_path = tmp_path / "proposals.csv"
    proposals_path.write_text(out["csv"], encoding="utf-8", newline="")
    proposals = pd.read_csv(proposals_path, dtype=str, keep_default_na=False)
    offered = {cid: opts for cid, opts in out["offered"].items() if opts}
    assert len(proposals) == len(offered) >= 5
    assert sum(not opts for opts in out["offered"].values()) >= 1  # an interior clinic too

    second = tmp_path / "plan2"
    done = runner.invoke(
        app,
        ["plan", "--out", str(second), "-q", "--current", str(first / "assignments.csv"),
         "--choices", str(proposals_path), "--replan"],
    )  # fmt: skip
    assert done.exit_code in (0, 4), done.output
    changes = pd.read_csv(second / "changes.csv", dtype=str, keep_default_na=False)
    conflicts = pd.read_csv(second / "conflicts.csv", dtype=str, keep_default_na=False)
    moved = dict(zip(changes["clinic_id"], changes["to_cluster"], strict=True))
    listed = " ".join(conflicts["clinics"])
    for row in proposals.itertuples():
        honoured = moved.get(row.clinic_id) == row.proposed_cluster
        assert honoured or row.clinic_id in listed, row
    assert any(moved.get(r.clinic_id) == r.proposed_cluster for r in proposals.itertuples())
