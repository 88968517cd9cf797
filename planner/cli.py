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

from planner.api import plan
from planner.demo import demo_clinics_path, load_demo, load_demo_land
from planner.errors import PlannerError, ValidationError
from planner.io import apply_column_map, read_land, read_patient_counts, read_table
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
    grid.add_row("Run time", f"{m['runtime_s']['total']:.1f} s")
    grid.add_row("Outputs", str(out_dir))
    out.print(grid)
    if not result.unassigned.empty:
        err.print(f"[bold red]{len(result.unassigned)} clinic(s) left out of every cluster:[/]")
        for row in result.unassigned.itertuples():
            _say(f"  {row.clinic_id} ({row.name}): {row.reason}")


@app.command("plan")
def plan_command(
    clinics: Annotated[
        Path | None,
        typer.Argument(help="Clinics file (CSV, GeoJSON, GeoPackage). Default: the demo region."),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("out"),
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
    min_patients: Annotated[int, typer.Option(min=1, help="Size rule.")] = 30_000,
    max_patients: Annotated[int | None, typer.Option(help="Optional soft ceiling.")] = None,
    link_max_km: Annotated[float, typer.Option(help="Longest automatic link.")] = 60.0,
    seed: Annotated[int, typer.Option(min=0, help="Random seed; same seed, same plan.")] = 0,
    time_limit: Annotated[float | None, typer.Option(help="Seconds for the solver.")] = None,
    patients_per_gp: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="When the file has no GP column, estimate GPs as patients / this number.",
        ),
    ] = None,
    method: Annotated[str, typer.Option(help=f"Solver: {', '.join(sorted(SOLVERS))}.")] = "grow",
    lang: Annotated[str, typer.Option(help="Map language: en or da.")] = "en",
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
    try:
        rules = Rules(min_patients=min_patients, max_patients=max_patients, link_max_km=link_max_km)
    except PlannerError as exc:
        err.print("[red]Usage error:[/]")
        _say(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    try:
        table, source = _load_clinics(clinics, patients_file, mapping, patients_per_gp)
        if land is not None:
            land_geom = read_land(land)
        elif clinics is None:
            land_geom = load_demo_land()
        else:
            land_geom = None
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

            result = plan(
                table,
                rules=rules,
                land=land_geom,
                random_state=seed,
                time_limit=time_limit,
                progress=report,
                source=source,
            )
    except ValidationError as exc:
        err.print("[bold red]Input failed validation[/]")
        _say(str(exc))
        raise typer.Exit(EXIT_INVALID) from None
    except (PlannerError, OSError) as exc:
        err.print("[bold red]Cannot plan:[/]")
        _say(str(exc))
        raise typer.Exit(EXIT_INVALID) from None
    config: dict[str, Any] = {
        "clinics": source,
        "patients": str(patients_file) if patients_file else None,
        "land": str(land) if land else None,
        "columns": mapping,
        "time_limit": time_limit,
        "method": method,
        "patients_per_gp": patients_per_gp,
    }
    result = dataclasses.replace(result, config=config)
    write_outputs(result, out_dir, with_map=not no_map, lang=lang)
    if not quiet:
        _print_summary(result, out_dir)
    raise typer.Exit(EXIT_OK if result.complete else EXIT_INCOMPLETE)


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
