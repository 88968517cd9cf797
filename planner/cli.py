"""The command line: ``planner plan`` batch-plans a region and writes map and files.

Exit codes: 0 a plan was written; 2 usage error; 3 the input failed validation;
4 a plan was written but some clinic could not be placed in a cluster that meets the rules.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from planner.api import MODES, plan
from planner.boundaries import BOUNDARY_MODES
from planner.choices import LOCK_MODES, Choices
from planner.config import DEFAULTS, config_toml, load_config, merge_settings
from planner.demo import demo_clinics_path, load_demo, load_demo_land
from planner.errors import PlannerError, ValidationError
from planner.io import apply_column_map, read_land, read_patient_counts, read_polygons, read_table
from planner.io_extra import (
    read_cannot_link,
    read_current,
    read_feedback,
    read_leaving,
    read_links,
)
from planner.report import write_outputs
from planner.result import PlanResult
from planner.rules import Rules
from planner.solve import SOLVERS

__all__ = ["app", "main"]

EXIT_OK, EXIT_USAGE, EXIT_INVALID, EXIT_INCOMPLETE = 0, 2, 3, 4

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Propose contiguous clusters (klynger) of GP clinics and draw them on a map.",
)
err = Console(stderr=True)
out = Console()

Col = Annotated[str | None, typer.Option(show_default=False)]


def _say(text: str) -> None:
    """Print plain text to stderr: no markup, no wrapping (messages name files and rows)."""
    err.print(text, markup=False, highlight=False, soft_wrap=True)


def _column_map(**flags: str | None) -> dict[str, str]:
    return {name: col for name, col in flags.items() if col}


def _load_clinics(
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
    if patients_per_gp and "doctors" not in table.columns and "patients" in table.columns:
        table = table.copy()
        counts = pd.to_numeric(table["patients"], errors="coerce")
        table["doctors"] = (counts / patients_per_gp).round().clip(lower=1).astype("Int64")
        table["doctors"] = table["doctors"].astype(str).replace("<NA>", "")
        err.print(
            f"[yellow]No GP counts in {source}: estimated as patients / {patients_per_gp:,}.[/]"
        )
    return table, source


def _print_summary(result: PlanResult, out_dir: Path) -> None:
    m = result.metrics
    grid = Table(title="Proposal", show_header=False, box=None)
    grid.add_row("Clinics", f"{m['clinics']:,}")
    grid.add_row("Patients", f"{m['patients']:,}")
    grid.add_row(
        "Clusters",
        f"{m['clusters']} of at most {m['upper_bound_parts']} "
        f"({100 * m['share_of_bound']:.1f} %; floor(total/min) = {m['upper_bound']})",
    )
    grid.add_row("GP-weighted mean distance to meeting clinic", f"{m['mean_gp_km']:.1f} km")
    grid.add_row("Farthest clinic from its meeting clinic", f"{m['max_km']:.1f} km")
    grid.add_row("Links across water", f"{m['links']}")
    grid.add_row("Boundaries", str(m.get("boundaries", "none")))
    grid.add_row(
        "Clusters crossing a municipality", f"{m.get('clusters_crossing_municipality', 0)}"
    )
    if m.get("clinics_closing"):
        grid.add_row("Clinics closing", f"{m['clinics_closing']}")
    if not result.changes.empty:
        grid.add_row("Clinics moved", f"{len(result.changes)}")
    grid.add_row("Run time", f"{m['runtime_s']['total']:.1f} s")
    grid.add_row("Outputs", str(out_dir))
    out.print(grid)
    _print_lists(result)


def _print_lists(result: PlanResult) -> None:
    if "regions" in result.clusters.columns and result.clusters["regions"].ne("").any():
        per = result.clusters.groupby("regions")["patients"].agg(["count", "mean"])
        for region, row in per.iterrows():
            _say(f"  {region}: {int(row['count'])} clusters, mean {row['mean']:,.0f} patients")
    for row in result.clusters[result.clusters["crossings"] != ""].itertuples():
        _say(f"  {row.cluster_id} crosses {row.municipalities}: {row.crossings}")
    for row in result.changes.itertuples():
        _say(f"  move {row.clinic_id}: {row.from_cluster or '-'} -> {row.to_cluster or '-'}")
    if not result.conflicts.empty:
        err.print(f"[bold yellow]{len(result.conflicts)} choice(s) not honoured as asked:[/]")
        for row in result.conflicts.itertuples():
            _say(f"  {row.kind} ({row.clinics}): {row.detail}")
    left = result.unassigned[result.unassigned["reason"] != "closing"]
    if not left.empty:
        err.print(f"[bold red]{len(left)} clinic(s) left out of every cluster:[/]")
        for row in left.itertuples():
            _say(f"  {row.clinic_id} ({row.name}): {row.reason}")


def _complete(result: PlanResult) -> bool:
    """Every clinic not closing is in a cluster that meets the rules."""
    left = result.unassigned["reason"] != "closing"
    return not left.any() and bool((result.clusters["status"] == "ok").all())


def _flag_settings(**flags: Any) -> dict[str, Any]:
    """Settings given on the command line (``None``: not given)."""
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in flags.items()}


def _rules(settings: dict[str, Any]) -> Rules:
    """The rules from the settings, after checking the options that take one of a few words."""
    for key, allowed in (("boundaries", BOUNDARY_MODES), ("lock", LOCK_MODES), ("mode", MODES)):
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


def _run(settings: dict[str, Any], rules: Rules, quiet: bool) -> PlanResult:
    clinics = Path(settings["clinics"]) if settings.get("clinics") else None
    patients = Path(settings["patients"]) if settings.get("patients") else None
    table, source = _load_clinics(
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
    crossings = pd.DataFrame(
        result.clusters.loc[
            result.clusters["crossings"] != "", ["cluster_id", "municipalities", "crossings"]
        ]
    ).rename(columns={"crossings": "reason"})
    files = {
        "config.toml": config_toml(settings, header="Effective configuration of this plan."),
        "crossings.csv": crossings.to_csv(index=False),
        "conflicts.csv": result.conflicts.to_csv(index=False),
        "infeasible.csv": result.infeasible.to_csv(index=False),
    }
    if "current_cluster" in result.clinics.columns:
        files["changes.csv"] = result.changes.to_csv(index=False)
    return files


@app.command("plan")
def plan_command(
    clinics: Annotated[
        Path | None,
        typer.Argument(help="Clinics file (CSV, GeoJSON, GeoPackage). Default: the demo region."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Region settings (TOML); flags override the file."),
    ] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output directory.")] = None,
    patients_file: Annotated[
        Path | None,
        typer.Option(
            "--patients",
            help="Patient list: one row per patient (clinic_id, "
            "sikringsgruppe); only counts of group-1 patients are used.",
        ),
    ] = None,
    land: Annotated[
        Path | None, typer.Option("--land", help="Polygon file of land (unioned).")
    ] = None,
    min_patients: Annotated[
        int | None, typer.Option(min=1, help="Size rule (default 30,000).", show_default=False)
    ] = None,
    min_doctors: Annotated[
        int | None, typer.Option(min=1, help="Or at least this many GPs.", show_default=False)
    ] = None,
    max_patients: Annotated[int | None, typer.Option(help="Optional ceiling.")] = None,
    max_hard: Annotated[
        bool | None,
        typer.Option("--max-hard/--max-soft", help="Ceiling is a hard rule (default soft)."),
    ] = None,
    link_max_km: Annotated[
        float | None, typer.Option(help="Longest automatic link (default 60).")
    ] = None,
    links: Annotated[
        Path | None,
        typer.Option("--links", help="Links across water: clinic_a,clinic_b[,travel_minutes]."),
    ] = None,
    boundaries: Annotated[
        str | None,
        typer.Option(help="auto, none, region or municipality (default auto)."),
    ] = None,
    municipalities: Annotated[
        Path | None, typer.Option("--municipalities", help="Municipality polygons.")
    ] = None,
    municipality_key: Annotated[
        str | None, typer.Option(help="Name column of --municipalities (default KOMNAVN).")
    ] = None,
    regions: Annotated[Path | None, typer.Option("--regions", help="Region polygons.")] = None,
    region_key: Annotated[
        str | None, typer.Option(help="Name column of --regions (default REGIONNAVN).")
    ] = None,
    cannot_link: Annotated[
        Path | None,
        typer.Option("--cannot-link", help="Pairs kept apart: clinic_a,clinic_b."),
    ] = None,
    leaving: Annotated[
        Path | None, typer.Option("--leaving", help="Clinics closing: clinic_id.")
    ] = None,
    choices: Annotated[
        Path | None,
        typer.Option("--choices", help="Map feedback: clinic_id,proposed_cluster,comment."),
    ] = None,
    current: Annotated[
        Path | None,
        typer.Option(
            "--current",
            help="Current clusters (clinic_id,cluster_id, e.g. a plan's assignments.csv) "
            "as existing_cluster.",
        ),
    ] = None,
    lock: Annotated[
        str | None, typer.Option(help="Locked clusters below the rule: keep or top_up.")
    ] = None,
    mode: Annotated[str | None, typer.Option(help="plan or replan (default plan).")] = None,
    replan: Annotated[
        bool, typer.Option("--replan", help="Least change to existing_cluster (= --mode replan).")
    ] = False,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Random seed; same seed, same plan.")
    ] = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds for the solver.")] = None,
    patients_per_gp: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="When the file has no GP column, estimate GPs as patients / this number.",
        ),
    ] = None,
    method: Annotated[
        str | None, typer.Option(help=f"Solver: {', '.join(sorted(SOLVERS))}.")
    ] = None,
    lang: Annotated[str | None, typer.Option(help="Map language: en or da.")] = None,
    no_map: Annotated[bool, typer.Option("--no-map", help="Skip map.html.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    id_col: Col = None,
    name_col: Col = None,
    lat_col: Col = None,
    lon_col: Col = None,
    patients_col: Col = None,
    doctors_col: Col = None,
    municipality_col: Col = None,
    region_col: Col = None,
) -> None:
    """Plan a region: read clinics, propose clusters, write files and a map."""
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False, show_time=False)],
        force=True,
    )
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    mapping = _column_map(
        clinic_id=id_col,
        name=name_col,
        lat=lat_col,
        lon=lon_col,
        patients=patients_col,
        doctors=doctors_col,
        municipality=municipality_col,
        region=region_col,
    )
    flags = _flag_settings(
        clinics=clinics, out=out_dir, patients=patients_file, land=land, links=links,
        min_patients=min_patients, min_doctors=min_doctors, max_patients=max_patients,
        max_hard=max_hard, link_max_km=link_max_km, boundaries=boundaries,
        municipalities=municipalities, municipality_key=municipality_key, regions=regions,
        region_key=region_key, cannot_link=cannot_link, leaving=leaving, choices=choices,
        current=current,
        lock=lock, mode="replan" if replan else mode, seed=seed, time_limit=time_limit,
        patients_per_gp=patients_per_gp, method=method, lang=lang,
        map=False if no_map else None, columns=mapping or None,
    )  # fmt: skip
    try:
        from_file = load_config(config) if config is not None else {}
        settings = merge_settings(DEFAULTS, from_file, flags)
        rules = _rules(settings)
    except ValidationError as exc:
        err.print("[bold red]Configuration failed validation[/]")
        _say(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    except PlannerError as exc:
        err.print("[red]Usage error:[/]")
        _say(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    try:
        result = _run(settings, rules, quiet)
    except ValidationError as exc:
        err.print("[bold red]Input failed validation[/]")
        _say(str(exc))
        raise typer.Exit(EXIT_INVALID) from None
    except (PlannerError, OSError) as exc:
        err.print("[bold red]Cannot plan:[/]")
        _say(str(exc))
        raise typer.Exit(EXIT_INVALID) from None
    result = dataclasses.replace(result, config=settings)
    target = Path(settings["out"])
    write_outputs(
        result,
        target,
        with_map=bool(settings["map"]),
        lang=settings["lang"],
        extra_files=_extra_files(result, settings),
    )
    if not quiet:
        _print_summary(result, target)
    raise typer.Exit(EXIT_OK if _complete(result) else EXIT_INCOMPLETE)


@app.command("demo")
def demo_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the demo files.")] = Path(
        "data"
    ),
    seed: Annotated[int, typer.Option(min=0)] = 2026,
) -> None:
    """Regenerate the embedded demo region's files."""
    from planner.demo import write_demo_region

    for path in write_demo_region(out_dir, seed=seed):
        out.print(f"wrote {path}")


def _register_extra_commands() -> None:
    """Commands that live in their own modules (review tools) join the app here."""
    import importlib
    import importlib.util

    if importlib.util.find_spec("planner.cli_review") is not None:
        importlib.import_module("planner.cli_review").register(app)


_register_extra_commands()


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
