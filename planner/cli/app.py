"""The command line: ``planner plan`` batch-plans a region and writes map and files.

Exit codes: 0 a plan was written; 2 usage error; 3 the input failed validation;
4 a plan was written but some clinic could not be placed in a cluster that meets the rules
(or rows were skipped with ``--skip-invalid``); 5 the input is valid but no plan meets the
rules (a hard ceiling, say): nothing is written.
"""

from __future__ import annotations

import logging
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from planner.core.choices import LOCK_MODES
from planner.core.config import load_config, merge_settings
from planner.core.errors import InfeasibleError, PlannerError, ValidationError
from planner.core.i18n import LANGUAGES, use_words
from planner.core.profiles import PROFILES
from planner.core.request import (
    BOUNDARY_MODES,
    METHODS,
    MODES,
    MUNICIPALITY_KEY,
    REGION_KEY,
    OutputOptions,
    PlanRequest,
)

if TYPE_CHECKING:
    from planner.result.plan_result import PlanResult

__all__ = ["app", "main", "plan_flags", "setup_logging"]

EXIT_OK, EXIT_USAGE, EXIT_INVALID, EXIT_INCOMPLETE, EXIT_INFEASIBLE = 0, 2, 3, 4, 5

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    # Plain help: wrapped to the terminal (80 columns too), nothing cut, no '<bool>' metavars.
    rich_markup_mode=None,
    help="Propose contiguous clusters (klynger) of GP clinics and draw them on a map.",
)
err = Console(stderr=True)
out = Console()


def _col(canonical: str) -> Any:
    """A ``--*-col`` option: the file's own name of a canonical column."""
    return typer.Option(
        metavar="COLUMN",
        show_default=False,
        help=f"The file's column for {canonical} (default {canonical} or a known alias).",
    )


#: The defaults the help texts name, from the one place they are defined.
_REQ = PlanRequest()
_RULES = _REQ.rules


def _words(allowed: tuple[str, ...]) -> str:
    return ", ".join(allowed[:-1]) + " or " + allowed[-1]


def _column_map(**flags: str | None) -> dict[str, str]:
    return {name: col for name, col in flags.items() if col}


def _flag_settings(**flags: Any) -> dict[str, Any]:
    """Settings given on the command line (``None``: not given)."""
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in flags.items()}


def setup_logging(quiet: bool) -> None:
    logging.basicConfig(
        level=logging.ERROR if quiet else logging.INFO,  # -q: errors only
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False, show_time=False)],
        force=True,
    )
    logging.getLogger("pyogrio").setLevel(logging.WARNING)


def plan_flags(params: dict[str, Any]) -> dict[str, Any]:
    """The settings the flags of ``planner plan`` give (``None``: not given), from its
    parameters by name (``planner batch`` reads the same flags)."""
    p = params
    mapping = _column_map(
        clinic_id=p["id_col"], name=p["name_col"], lat=p["lat_col"], lon=p["lon_col"],
        patients=p["patients_col"], doctors=p["doctors_col"],
        municipality=p["municipality_col"], region=p["region_col"],
    )  # fmt: skip
    return _flag_settings(
        clinics=p["clinics"], out=p["out_dir"], patients=p["patients_file"], land=p["land"],
        links=p["links"], layer=p["layer"], min_patients=p["min_patients"],
        min_doctors=p["min_doctors"], max_patients=p["max_patients"], max_hard=p["max_hard"],
        link_max_km=p["link_max_km"], boundaries=p["boundaries"],
        municipalities=p["municipalities"], municipality_key=p["municipality_key"],
        regions=p["regions"], region_key=p["region_key"], cannot_link=p["cannot_link"],
        leaving=p["leaving"], feedback=p["choices"], current=p["current"], lock=p["lock"],
        profile=p["profile"], mode="replan" if p["replan"] else p["mode"], seed=p["seed"],
        time_limit=p["time_limit"], patients_per_gp=p["patients_per_gp"], method=p["method"],
        clusters=p["clusters"],
        lang=p["lang"], map=False if p["no_map"] else None, columns=mapping or None,
        skip_invalid=p["skip_invalid"], crs=p.get("crs"), contiguity=p.get("contiguity"),
    )  # fmt: skip


@app.command("plan")
def plan_command(
    clinics: Annotated[
        Path | None,
        typer.Argument(
            help="Clinics file (CSV, GeoJSON, GeoPackage, Shapefile), or polygon units "
            "(their polygons are the territories). Default: the demo region."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", metavar="FILE", help="Region settings (TOML); flags override the file."
        ),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", metavar="DIR", help="Output directory (default out).")
    ] = None,
    patients_file: Annotated[
        Path | None,
        typer.Option(
            "--patients",
            metavar="FILE",
            help="Patient list: one row per patient (clinic_id, "
            "sikringsgruppe); only counts of group-1 patients are used.",
        ),
    ] = None,
    layer: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Layer of a clinics file with several (a GeoPackage)."),
    ] = None,
    land: Annotated[
        Path | None, typer.Option("--land", metavar="FILE", help="Polygon file of land (unioned).")
    ] = None,
    crs: Annotated[
        str | None,
        typer.Option(
            metavar="CRS",
            help="Coordinate reference system of a file that names none (a Shapefile "
            "without .prj), e.g. EPSG:32617.",
        ),
    ] = None,
    contiguity: Annotated[
        str | None,
        typer.Option(
            metavar="RULE",
            help=f"Polygon units are neighbours by a shared border (rook) or corners too "
            f"(queen); default {_REQ.contiguity}.",
        ),
    ] = None,
    min_patients: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help=f"Size rule: at least N patients (default {_RULES.min_patients:,}).",
            show_default=False,
        ),
    ] = None,
    min_doctors: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="Or at least N GPs.", show_default=False)
    ] = None,
    max_patients: Annotated[
        int | None, typer.Option(metavar="N", help="Optional ceiling: at most N patients.")
    ] = None,
    max_hard: Annotated[
        bool | None,
        typer.Option(
            "--max-hard/--max-soft",
            help=f"Ceiling is a hard rule (default {'hard' if _RULES.max_hard else 'soft'}).",
        ),
    ] = None,
    link_max_km: Annotated[
        float | None,
        typer.Option(
            metavar="KM", help=f"Longest automatic link (default {_RULES.link_max_km:g} km)."
        ),
    ] = None,
    links: Annotated[
        Path | None,
        typer.Option(
            "--links",
            metavar="FILE",
            help="Links across water: clinic_a,clinic_b[,travel_minutes].",
        ),
    ] = None,
    boundaries: Annotated[
        str | None,
        typer.Option(
            metavar="MODE",
            help=f"Boundaries: {_words(BOUNDARY_MODES)} (default {_REQ.boundaries}).",
        ),
    ] = None,
    municipalities: Annotated[
        Path | None, typer.Option("--municipalities", metavar="FILE", help="Municipality polygons.")
    ] = None,
    municipality_key: Annotated[
        str | None,
        typer.Option(
            metavar="COLUMN",
            help=f"Name column of --municipalities (default {MUNICIPALITY_KEY}).",
        ),
    ] = None,
    regions: Annotated[
        Path | None, typer.Option("--regions", metavar="FILE", help="Region polygons.")
    ] = None,
    region_key: Annotated[
        str | None,
        typer.Option(metavar="COLUMN", help=f"Name column of --regions (default {REGION_KEY})."),
    ] = None,
    cannot_link: Annotated[
        Path | None,
        typer.Option("--cannot-link", metavar="FILE", help="Pairs kept apart: clinic_a,clinic_b."),
    ] = None,
    leaving: Annotated[
        Path | None, typer.Option("--leaving", metavar="FILE", help="Clinics closing: clinic_id.")
    ] = None,
    choices: Annotated[
        Path | None,
        typer.Option(
            "--choices",
            metavar="FILE",
            help="Map feedback: clinic_id,proposed_cluster,comment; give the plan it was "
            "made on with --current.",
        ),
    ] = None,
    current: Annotated[
        Path | None,
        typer.Option(
            "--current",
            metavar="FILE",
            help="Current clusters (clinic_id,cluster_id, e.g. a plan's assignments.csv) "
            "as existing_cluster.",
        ),
    ] = None,
    lock: Annotated[
        str | None,
        typer.Option(metavar="MODE", help=f"Locked clusters below the rule: {_words(LOCK_MODES)}."),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help=f"Country profile: {_words(tuple(PROFILES))} (default denmark): the words "
            "of map, report and console, the funding shown, the column names recognised "
            "and the default rules (england: PCNs of 30,000-50,000 patients, no kr).",
        ),
    ] = None,
    mode: Annotated[
        str | None, typer.Option(metavar="MODE", help=f"{_words(MODES)} (default {_REQ.mode}).")
    ] = None,
    replan: Annotated[
        bool, typer.Option("--replan", help="Least change to existing_cluster (= --mode replan).")
    ] = False,
    clusters: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Exactly N clusters, each meeting the size rule, as compact as can be found "
            "(default: as many as the geography allows).",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, metavar="N", help="Random seed; same seed, same plan.")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option(metavar="SECONDS", help="Seconds for the solver.")
    ] = None,
    patients_per_gp: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="When the file has no GP column, estimate GPs as patients / N.",
        ),
    ] = None,
    method: Annotated[
        str | None, typer.Option(metavar="NAME", help=f"Solver: {_words(tuple(sorted(METHODS)))}.")
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            metavar="LANG",
            help=f"Map and report language: {_words(LANGUAGES)} (default {OutputOptions().lang}).",
        ),
    ] = None,
    no_map: Annotated[bool, typer.Option("--no-map", help="Skip map.html.")] = False,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Replace an --out folder with files that is not a plan folder (the "
            "planner's files there are replaced, every other file is kept).",
        ),
    ] = False,
    skip_invalid: Annotated[
        bool | None,
        typer.Option(
            "--skip-invalid",
            help="Plan without the clinic rows that fail validation; each is listed with "
            "its reason in skipped.csv, and the run exits 4.",
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="Print errors only: no progress, summary or warnings."),
    ] = False,
    id_col: Annotated[str | None, _col("clinic_id")] = None,
    name_col: Annotated[str | None, _col("name")] = None,
    lat_col: Annotated[str | None, _col("lat")] = None,
    lon_col: Annotated[str | None, _col("lon")] = None,
    patients_col: Annotated[str | None, _col("patients")] = None,
    doctors_col: Annotated[str | None, _col("doctors")] = None,
    municipality_col: Annotated[str | None, _col("municipality")] = None,
    region_col: Annotated[str | None, _col("region")] = None,
) -> None:
    """Plan a region: read clinics, propose clusters, write files and a map."""
    setup_logging(quiet)
    flags = plan_flags(locals())
    from planner.cli.plan import print_summary
    from planner.output.atomic import directory_lock
    from planner.output.write import write_outputs

    request, output = _settle(config, flags, overwrite=overwrite)
    target = Path(output.out)
    with ExitStack() as held:
        if target.absolute().parent.is_dir():
            # Held for the whole run, so a second run on the same folder stops at once.
            try:
                held.enter_context(directory_lock(target))
            except (PlannerError, OSError) as exc:
                _fail("Cannot write the plan:", str(exc), EXIT_USAGE)
        result = _plan_or_exit(request, quiet)
        try:
            write_outputs(
                result, target, lang=output.lang, with_map=output.map, overwrite=overwrite
            )
        except OSError as exc:
            _fail("Cannot write the plan:", f"{target}: {exc.strerror or exc}", EXIT_USAGE)
        except PlannerError as exc:
            _fail("Cannot write the plan:", str(exc), EXIT_USAGE)
    if not quiet:
        with use_words(result.profile.words):
            print_summary(result, target, output.lang)
    raise typer.Exit(EXIT_OK if result.complete else EXIT_INCOMPLETE)


def _fail(title: str, message: str, code: int) -> NoReturn:
    err.print(f"[bold red]{title}[/]")
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _settle(
    config: Path | None, flags: dict[str, Any], *, overwrite: bool = False
) -> tuple[PlanRequest, OutputOptions]:
    """The request and output options: defaults, then the file, then flags; exit 2 if bad."""
    from planner.cli.plan import check_out

    try:
        from_file = load_config(config) if config is not None else {}
        settings = merge_settings(from_file, flags)
        request = PlanRequest().with_settings(settings)
        output = OutputOptions().with_settings(settings)
        check_out(Path(output.out), request, overwrite=overwrite)
    except ValidationError as exc:
        _fail("Configuration failed validation", str(exc), EXIT_USAGE)
    except PlannerError as exc:
        _fail("Usage error:", str(exc), EXIT_USAGE)
    return request, output


def _plan_or_exit(request: PlanRequest, quiet: bool) -> PlanResult:
    """Read the inputs and plan; exit 3 when an input is bad (2 for a GP rule without GPs)."""
    from planner.cli.plan import run_plan
    from planner.load.units import NoGpCountsError

    try:
        return run_plan(request, quiet)
    except ValidationError as exc:
        _fail("Input failed validation", str(exc), EXIT_INVALID)
    except NoGpCountsError as exc:  # a GP rule for a table without GP counts
        _fail("Usage error:", str(exc), EXIT_USAGE)
    except InfeasibleError as exc:
        _fail("No plan meets the rules:", str(exc), EXIT_INFEASIBLE)
    except (PlannerError, OSError) as exc:
        _fail("Cannot plan:", str(exc), EXIT_INVALID)


@app.command("demo")
def demo_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the demo files.")] = Path(
        "data"
    ),
    seed: Annotated[int, typer.Option(min=0)] = 2026,
) -> None:
    """Regenerate the embedded demo region's files."""
    from planner.demo.region import write_demo_region

    for path in write_demo_region(out_dir, seed=seed):
        out.print(f"wrote {escape(str(path))}")


def _register_extra_commands() -> None:
    """Commands that live in their own modules (review tools) join the app here."""
    import importlib
    import importlib.util

    for name in ("planner.cli.review", "planner.cli.batch"):
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(app)


_register_extra_commands()


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
