"""Running ``planner plan``: the plan run with a progress bar, and its summary printed.

:mod:`planner.cli.app` parses the flags into a request and calls these; the library reads
the inputs, plans and writes the files.  Errors are
:class:`~planner.core.errors.PlannerError` (or a subclass) for the CLI to turn into an
exit code.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from planner.api import plan
from planner.core.errors import PlannerError
from planner.core.i18n import label, link_key, worded
from planner.core.request import PlanRequest
from planner.output.atomic import current_folder
from planner.output.write import inputs_inside, replace_problem
from planner.result.plan_result import PlanResult

__all__ = ["check_out", "print_summary", "run_plan", "say"]

err = Console(stderr=True)
out = Console()


def say(text: str) -> None:
    """Print plain text to stderr: no markup, no wrapping (messages name files and rows)."""
    err.print(text, markup=False, highlight=False, soft_wrap=True)


def print_summary(result: PlanResult, out_dir: Path) -> None:
    m = result.metrics
    grid = Table(title="Proposal", show_header=False, box=None)
    grid.add_row(worded("Clinics"), f"{m['clinics']:,}")
    grid.add_row("Patients", f"{m['patients']:,}")
    grid.add_row(
        worded("Clusters"),
        f"{m['clusters']} of at most {m.get('upper_bound_tight', m['upper_bound_parts'])} "
        f"({100 * m['share_of_bound']:.1f} %; floor(total/min) = {m['upper_bound']})",
    )
    if "exact" in m:
        proof = m["exact"]
        proven = (
            "count proven maximal"
            if proof["count_proven_optimal"]
            else "count not proven maximal in the time limit"
        )
        if proof["count_proven_optimal"] and proof["travel_proven_optimal"]:
            proven += ", travel proven minimal"
        if proof.get("proven_upper_bound") is not None:
            proven += f"; proven bound {proof['proven_upper_bound']}"
        grid.add_row("Exact method", proven)
    grid.add_row(worded("GP-weighted mean distance to meeting clinic"), f"{m['mean_gp_km']:.1f} km")
    grid.add_row(worded("Farthest clinic from its meeting clinic"), f"{m['max_km']:.1f} km")
    grid.add_row(label(link_key("report_links", m.get("land"))), f"{m['links']}")
    grid.add_row("Boundaries", Text(str(m.get("boundaries", "none"))))
    if m.get("boundaries", "none") == "municipality":  # with boundaries off it means nothing
        grid.add_row(
            worded("Clusters crossing a municipality"),
            f"{m.get('clusters_crossing_municipality', 0)}",
        )
    if m.get("clinics_closing"):
        grid.add_row(worded("Clinics closing"), f"{m['clinics_closing']}")
    if not result.changes.empty:
        grid.add_row(worded("Clinics moved"), f"{len(result.changes)}")
    if not result.skipped.empty:
        grid.add_row(worded("Rows skipped (skipped.csv)"), f"{result.skipped['row'].nunique()}")
    grid.add_row("Run time", f"{m['runtime_s']['total']:.1f} s")
    grid.add_row("Outputs", Text(str(out_dir)))
    out.print(grid)
    _print_lists(result)


def _print_lists(result: PlanResult) -> None:
    if "regions" in result.clusters.columns and result.clusters["regions"].ne("").any():
        per = result.clusters.groupby("regions")["patients"].agg(["count", "mean"])
        for region, row in per.iterrows():
            n, mean = int(row["count"]), row["mean"]
            say(f"  {region}: {n} {worded('clusters')}, mean {mean:,.0f} patients")
    for row in result.clusters[result.clusters["crossings"] != ""].itertuples():
        say(f"  {row.cluster_id} crosses {row.municipalities}: {row.crossings}")
    for row in result.changes.itertuples():
        say(f"  move {row.clinic_id}: {row.from_cluster or '-'} -> {row.to_cluster or '-'}")
    if not result.conflicts.empty:
        err.print(f"[bold yellow]{len(result.conflicts)} choice(s) not honoured as asked:[/]")
        for row in result.conflicts.itertuples():
            say(f"  {row.kind} ({row.clinics}): {row.detail}")
    if not result.skipped.empty:
        rows = result.skipped["row"].nunique()
        err.print(f"[bold red]{rows} row(s) of the clinics file skipped (--skip-invalid):[/]")
        for row in result.skipped.itertuples():
            say(
                f"  row {row.row} ({row.clinic_id or 'no id'}), column '{row.column}': {row.reason}"
            )
    left = result.unassigned[result.unassigned["reason"] != "closing"]
    if not left.empty:
        err.print(f"[bold red]{len(left)} {worded('clinic(s) left out of every cluster')}:[/]")
        for row in left.itertuples():
            say(f"  {row.clinic_id} ({row.name}): {row.reason}")


def run_plan(request: PlanRequest, quiet: bool, *, source: str | None = None) -> PlanResult:
    """Plan the request, with a progress bar on stderr unless ``quiet``."""
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task("Planning", total=1.0, note="")

        def report(done: float, total: float, message: str) -> None:
            bar.update(task, completed=done / max(total, 1e-9), note=escape(message))

        return plan(request=request, progress=report, source=source)


def check_out(target: Path, request: PlanRequest | None = None, *, overwrite: bool = False) -> None:
    """Refuse an output folder the plan must not be written to, before any planning is done.

    Refused: the working directory (an empty ``--out``) or a folder holding it; a file; a
    place that cannot be written; a folder holding one of the request's input files; a
    folder with files that is not a plan folder, unless ``overwrite``.
    """
    where = target.resolve()
    with suppress(OSError):
        cwd = Path.cwd().resolve()
        if where == cwd or where in cwd.parents:
            what = (
                "is the working directory (as an empty --out is)"
                if where == cwd
                else "holds the working directory"
            )
            raise PlannerError(
                f"--out '{target}' {what}: the plan's folder is replaced as a whole; "
                "name a folder of its own, for example --out plan/"
            )
    if target.exists() and not target.is_dir():
        raise PlannerError(f"--out {target} is a file; name a directory for the plan's files")
    parent = next((p for p in target.absolute().parents if p.exists()), None)
    for place in (parent, target if target.is_dir() else parent):
        if place is None or not place.is_dir() or not os.access(place, os.W_OK | os.X_OK):
            raise PlannerError(f"--out {target}: cannot write there ({place} is not writable)")
    inside = inputs_inside(request, target)
    if inside:
        raise PlannerError(
            f"--out {target} holds an input file, {'; '.join(inside)}: the plan's folder is "
            "replaced as a whole; write the plan to another folder"
        )
    problem = replace_problem(current_folder(target), overwrite=overwrite)
    if problem:
        raise PlannerError(problem)
