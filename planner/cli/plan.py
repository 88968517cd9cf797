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
from planner.core.i18n import fmt_int, fmt_num, label, link_key
from planner.core.reasons import localise_result
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


def print_summary(result: PlanResult, out_dir: Path, lang: str = "en") -> None:
    """The plan's figures and lists on the console, in ``lang`` and the profile's words."""
    result = localise_result(result, lang)  # reasons in the console's language
    m = result.metrics

    def t(key: str, **fields: object) -> str:
        return label(key, lang, **fields)

    def n(value: object) -> str:
        return fmt_int(value, lang)

    grid = Table(title=t("console_title"), show_header=False, box=None)
    grid.add_row(t("clinics"), n(m["clinics"]))
    grid.add_row(t("patients"), n(m["patients"]))
    bound = m.get("upper_bound_tight", m["upper_bound_parts"])
    share = fmt_num(100 * m["share_of_bound"], lang, 1)
    grid.add_row(
        t("clusters"),
        t("console_count", n=m["clusters"], bound=bound, share=share, ub=m["upper_bound"]),
    )
    if "exact" in m:
        proof = m["exact"]
        proven = t("console_proven" if proof["count_proven_optimal"] else "console_not_proven")
        if proof["count_proven_optimal"] and proof["travel_proven_optimal"]:
            proven += t("console_travel_proven")
        if proof.get("proven_upper_bound") is not None:
            proven += t("console_proven_bound", n=proof["proven_upper_bound"])
        grid.add_row(t("console_exact"), proven)
    grid.add_row(t("console_mean_gp"), f"{fmt_num(m['mean_gp_km'], lang, 1)} km")
    grid.add_row(t("console_farthest"), f"{fmt_num(m['max_km'], lang, 1)} km")
    grid.add_row(t(link_key("report_links", m.get("land"))), n(m["links"]))
    grid.add_row(t("console_boundaries"), Text(str(m.get("boundaries", "none"))))
    if m.get("boundaries", "none") == "municipality":  # with boundaries off it means nothing
        grid.add_row(t("console_crossing"), n(m.get("clusters_crossing_municipality", 0)))
    if m.get("clinics_closing"):
        grid.add_row(t("console_closing"), n(m["clinics_closing"]))
    if not result.changes.empty:
        grid.add_row(t("console_moved"), n(len(result.changes)))
    if not result.skipped.empty:
        grid.add_row(t("console_skipped"), n(result.skipped["row"].nunique()))
    grid.add_row(t("console_runtime"), f"{fmt_num(m['runtime_s']['total'], lang, 1)} s")
    grid.add_row(t("console_outputs"), Text(str(out_dir)))
    out.print(grid)
    _print_lists(result, lang)


def _print_lists(result: PlanResult, lang: str) -> None:
    def t(key: str, **fields: object) -> str:
        return label(key, lang, **fields)

    if "regions" in result.clusters.columns and result.clusters["regions"].ne("").any():
        per = result.clusters.groupby("regions")["patients"].agg(["count", "mean"])
        for region, row in per.iterrows():
            mean = fmt_int(row["mean"], lang)
            say("  " + t("console_region", region=region, n=int(row["count"]), mean=mean))
    for row in result.clusters[result.clusters["crossings"] != ""].itertuples():
        say("  " + t("console_crosses", id=row.cluster_id, areas=row.municipalities,
                     why=row.crossings))  # fmt: skip
    for row in result.changes.itertuples():
        say("  " + t("console_move", id=row.clinic_id, a=row.from_cluster or "-",
                     b=row.to_cluster or "-"))  # fmt: skip
    if not result.conflicts.empty:
        err.print(f"[bold yellow]{escape(t('console_conflicts', n=len(result.conflicts)))}[/]")
        for row in result.conflicts.itertuples():
            say(f"  {row.kind} ({row.clinics}): {row.detail}")
    if not result.skipped.empty:
        rows = result.skipped["row"].nunique()
        err.print(f"[bold red]{escape(t('console_skipped_rows', n=rows))}[/]")
        for row in result.skipped.itertuples():
            say("  " + t("console_skipped_row", row=row.row, id=row.clinic_id or "-",
                         column=row.column, reason=row.reason))  # fmt: skip
    left = result.unassigned[result.unassigned["reason"] != "closing"]
    if not left.empty:
        err.print(f"[bold red]{escape(t('console_left_out', n=len(left)))}[/]")
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
