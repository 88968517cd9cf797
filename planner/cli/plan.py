"""Running ``planner plan``: settings to rules, inputs read, the plan run, outputs written.

:mod:`planner.cli.app` parses the flags and calls these; they print through rich and raise
:class:`~planner.core.errors.PlannerError` (or a subclass) for the CLI to turn into an exit code.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from planner.api import MODES, plan
from planner.core.choices import LOCK_MODES, Choices
from planner.core.config import config_toml
from planner.core.errors import PlannerError
from planner.core.i18n import LANGUAGES, label, link_key
from planner.core.rules import Rules
from planner.demo.region import demo_clinics_path, load_demo, load_demo_land
from planner.geography.boundaries import BOUNDARY_MODES
from planner.load.readers import (
    apply_column_map,
    read_land,
    read_patient_counts,
    read_polygons,
    read_table,
)
from planner.load.side_files import (
    read_cannot_link,
    read_current,
    read_feedback,
    read_leaving,
    read_links,
)
from planner.load.validate import parse_count
from planner.output.write import write_outputs
from planner.result.plan_result import PlanResult
from planner.solve import SOLVERS

__all__ = [
    "check_out",
    "complete",
    "load_clinics",
    "print_summary",
    "rules_from",
    "run_plan",
    "say",
    "write_plan",
]

err = Console(stderr=True)
out = Console()


def say(text: str) -> None:
    """Print plain text to stderr: no markup, no wrapping (messages name files and rows)."""
    err.print(text, markup=False, highlight=False, soft_wrap=True)


def load_clinics(
    clinics: Path | None,
    patients_file: Path | None,
    mapping: dict[str, str],
    patients_per_gp: int | None,
) -> tuple[pd.DataFrame, str]:
    """Read and map the clinics table, counting patients from a patient list if given."""
    if clinics is None:
        table, source = load_demo(), str(demo_clinics_path())
    else:
        table, source = apply_column_map(read_table(clinics), mapping), str(clinics)
    if patients_file is not None and "clinic_id" in table.columns:
        # Without a clinic_id column, validation reports the missing column below.
        ids = set(table["clinic_id"].astype(str).str.strip())
        counts = read_patient_counts(patients_file, valid_ids=ids)
        table = table.copy()
        table["patients"] = table["clinic_id"].astype(str).str.strip().map(counts).fillna(0)
        table["patients"] = table["patients"].astype(int).astype(str)
    if patients_per_gp and "doctors" in table.columns:
        err.print(
            f"[yellow]Warning: --patients-per-gp {patients_per_gp:,} is not used: "
            f"{escape(source)} has a GP column ('doctors'), whose counts are used as they are.[/]",
            highlight=False,
            soft_wrap=True,
        )
    elif patients_per_gp and "patients" in table.columns:
        table = table.copy()
        counts = pd.to_numeric(table["patients"].map(parse_count), errors="coerce")
        # A row whose patients cannot be read gets 0 GPs: validation names the patients cell.
        doctors = (counts / patients_per_gp).round().clip(lower=1).fillna(0)
        table["doctors"] = doctors.astype(int).astype(str)
        err.print(
            f"[yellow]No GP counts in {escape(source)}: "
            f"estimated as patients / {patients_per_gp:,}.[/]"
        )
    return table, source


def print_summary(result: PlanResult, out_dir: Path) -> None:
    m = result.metrics
    grid = Table(title="Proposal", show_header=False, box=None)
    grid.add_row("Clinics", f"{m['clinics']:,}")
    grid.add_row("Patients", f"{m['patients']:,}")
    grid.add_row(
        "Clusters",
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
    grid.add_row("GP-weighted mean distance to meeting clinic", f"{m['mean_gp_km']:.1f} km")
    grid.add_row("Farthest clinic from its meeting clinic", f"{m['max_km']:.1f} km")
    grid.add_row(label(link_key("report_links", m.get("land"))), f"{m['links']}")
    grid.add_row("Boundaries", Text(str(m.get("boundaries", "none"))))
    grid.add_row(
        "Clusters crossing a municipality", f"{m.get('clusters_crossing_municipality', 0)}"
    )
    if m.get("clinics_closing"):
        grid.add_row("Clinics closing", f"{m['clinics_closing']}")
    if not result.changes.empty:
        grid.add_row("Clinics moved", f"{len(result.changes)}")
    grid.add_row("Run time", f"{m['runtime_s']['total']:.1f} s")
    grid.add_row("Outputs", Text(str(out_dir)))
    out.print(grid)
    _print_lists(result)


def _print_lists(result: PlanResult) -> None:
    if "regions" in result.clusters.columns and result.clusters["regions"].ne("").any():
        per = result.clusters.groupby("regions")["patients"].agg(["count", "mean"])
        for region, row in per.iterrows():
            say(f"  {region}: {int(row['count'])} clusters, mean {row['mean']:,.0f} patients")
    for row in result.clusters[result.clusters["crossings"] != ""].itertuples():
        say(f"  {row.cluster_id} crosses {row.municipalities}: {row.crossings}")
    for row in result.changes.itertuples():
        say(f"  move {row.clinic_id}: {row.from_cluster or '-'} -> {row.to_cluster or '-'}")
    if not result.conflicts.empty:
        err.print(f"[bold yellow]{len(result.conflicts)} choice(s) not honoured as asked:[/]")
        for row in result.conflicts.itertuples():
            say(f"  {row.kind} ({row.clinics}): {row.detail}")
    left = result.unassigned[result.unassigned["reason"] != "closing"]
    if not left.empty:
        err.print(f"[bold red]{len(left)} clinic(s) left out of every cluster:[/]")
        for row in left.itertuples():
            say(f"  {row.clinic_id} ({row.name}): {row.reason}")


def complete(result: PlanResult) -> bool:
    """Every clinic not closing is in a cluster that meets the rules."""
    left = result.unassigned["reason"] != "closing"
    return not left.any() and bool((result.clusters["status"] == "ok").all())


def rules_from(settings: dict[str, Any]) -> Rules:
    """The rules from the settings, after checking the options that take one of a few words."""
    words = (
        ("boundaries", BOUNDARY_MODES),
        ("lock", LOCK_MODES),
        ("mode", MODES),
        ("method", tuple(sorted(SOLVERS))),
        ("lang", LANGUAGES),
    )
    for key, allowed in words:
        if settings[key] not in allowed:
            raise PlannerError(
                f"--{key} must be one of {', '.join(allowed)}, got '{settings[key]}'"
            )
    return Rules(
        min_patients=settings["min_patients"],
        min_doctors=settings.get("min_doctors"),
        max_patients=settings.get("max_patients"),
        max_hard=bool(settings.get("max_hard", False)),
        link_max_km=float(settings["link_max_km"]),
    )


def _polygons(settings: dict[str, Any], kind: str, default_key: str) -> tuple[Any, str | None]:
    path = settings.get(f"{kind}s" if kind == "region" else "municipalities")
    if not path:
        return None, None
    key = settings.setdefault(f"{kind}_key", default_key)
    polygons = read_polygons(path, name_col=key)
    polygons.attrs["source"] = str(path)
    return polygons, key


def _side_files(settings: dict[str, Any], known: set[str]) -> tuple[list, Choices]:
    links = read_links(settings["links"], known=known) if settings.get("links") else None
    wanted = Choices()
    for key, reader in (
        ("current", read_current),
        ("cannot_link", read_cannot_link),
        ("leaving", read_leaving),
        ("choices", read_feedback),
    ):
        if settings.get(key):
            wanted = wanted.merged(reader(settings[key], known=known))
    return links or [], wanted


def run_plan(settings: dict[str, Any], rules: Rules, quiet: bool) -> PlanResult:
    clinics = Path(settings["clinics"]) if settings.get("clinics") else None
    patients = Path(settings["patients"]) if settings.get("patients") else None
    table, source = load_clinics(
        clinics, patients, settings.get("columns", {}), settings.get("patients_per_gp")
    )
    if settings.get("land"):
        land_geom = read_land(settings["land"])
    elif clinics is None:
        land_geom = load_demo_land()
    else:
        land_geom = None
    known = set(table["clinic_id"].astype(str).str.strip()) if "clinic_id" in table else set()
    links, wanted = _side_files(settings, known)
    municipalities, m_key = _polygons(settings, "municipality", "KOMNAVN")
    regions, r_key = _polygons(settings, "region", "REGIONNAVN")
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
            bar.update(task, completed=done / max(total, 1e-9), note=message)

        return plan(
            table,
            rules=rules,
            land=land_geom,
            links=links,
            method=settings["method"],
            random_state=settings["seed"],
            time_limit=settings.get("time_limit"),
            progress=report,
            source=source,
            boundaries=settings["boundaries"],
            municipalities=municipalities,
            municipality_key=m_key,
            regions=regions,
            region_key=r_key,
            choices=wanted,
            lock=settings["lock"],
            mode=settings["mode"],
        )


def _extra_files(result: PlanResult, settings: dict[str, Any]) -> dict[str, str]:
    """The effective configuration and the tables of crossings, conflicts and changes."""
    columns = ["cluster_id", "municipalities", "crossings", "crossings_code"]
    crossings = pd.DataFrame(
        result.clusters.loc[
            result.clusters["crossings"] != "", [c for c in columns if c in result.clusters]
        ]
    ).rename(columns={"crossings": "reason", "crossings_code": "reason_code"})
    files = {
        "config.toml": config_toml(
            settings, header="Effective configuration of this plan.", base=settings["out"]
        ),
        "crossings.csv": crossings.to_csv(index=False),
        "conflicts.csv": result.conflicts.to_csv(index=False),
        "infeasible.csv": result.infeasible.to_csv(index=False),
    }
    if "current_cluster" in result.clinics.columns:
        files["changes.csv"] = result.changes.to_csv(index=False)
    return files


#: Files a plan writes only sometimes; an earlier plan's copy is removed when not rewritten.
_SOMETIMES = ("map.html", "changes.csv")


def check_out(target: Path) -> None:
    """Refuse an output directory that cannot be written, before any planning is done."""
    if target.exists() and not target.is_dir():
        raise PlannerError(f"--out {target} is a file; name a directory for the plan's files")
    parent = next((p for p in (target, *target.absolute().parents) if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise PlannerError(f"--out {target}: cannot write there ({parent} is not writable)")


def write_plan(result: PlanResult, settings: dict[str, Any], target: Path) -> None:
    """Write every output, then remove an earlier plan's files this plan did not write."""
    written = write_outputs(
        result,
        target,
        with_map=bool(settings["map"]),
        lang=settings["lang"],
        extra_files=_extra_files(result, settings),
    )
    for name in _SOMETIMES:
        stale = target / name
        if stale not in written and stale.is_file():
            stale.unlink()
            logging.getLogger(__name__).info("removed %s: it belonged to an earlier plan", stale)
