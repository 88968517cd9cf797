"""``planner batch``: plan every part of a clinics file (a region or a country) under many
scenarios, in parallel, resumable; on a Dask cluster with ``--scheduler``.

Exit codes: 0 every part planned with every clinic placed; 2 usage error; 3 the input
failed validation before any part ran; 4 some clinics unplaced (or rows skipped); 5 some
parts failed while others were planned (the index lists why); 130 interrupted.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from planner.core.config import load_config, merge_settings
from planner.core.errors import PlannerError, ValidationError
from planner.core.request import OutputOptions, PlanRequest

__all__ = ["register"]

EXIT_OK, EXIT_USAGE, EXIT_INVALID, EXIT_INCOMPLETE, EXIT_FAILED = 0, 2, 3, 4, 5
err = Console(stderr=True)
out = Console()

#: Options of ``planner batch`` itself; every other option is ``planner plan``'s.
_HELP = (
    "Plan every part of CLINICS (split by --by) under every scenario and write each "
    "part's plan folder under OUT/parts, with OUT/index.csv, index.json and index.html. "
    "Every option of 'planner plan' applies too (see planner plan --help); "
    "--min-patients and --max-patients take comma lists here."
)


def _fail(title: str, message: str, code: int) -> None:
    err.print(f"[bold red]{title}[/]")
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _plan_options(app: typer.Typer, args: list[str]) -> dict[str, Any]:
    """``planner plan``'s flags among ``args``, as settings."""
    from planner.cli.app import plan_flags

    command = typer.main.get_command(app)
    plan = command.commands["plan"]  # type: ignore[attr-defined]
    try:
        context = plan.make_context("plan", list(args), resilient_parsing=False)
    except typer.Exit:  # --help
        raise
    except Exception as exc:  # click's usage errors
        _fail("Usage error:", str(getattr(exc, "message", exc)), EXIT_USAGE)
    return plan_flags(dict(context.params))


def register(app: typer.Typer) -> None:
    """Add ``planner batch`` to the app."""

    @app.command(
        "batch",
        help=_HELP,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def batch_command(
        ctx: typer.Context,
        clinics: Annotated[Path, typer.Argument(help="Clinics file (CSV, GeoJSON, GeoPackage).")],
        by: Annotated[
            str, typer.Option("--by", metavar="COLUMN", help="Column that splits the parts.")
        ],
        out_dir: Annotated[
            Path, typer.Option("--out", metavar="DIR", help="The batch folder.")
        ] = Path("batch"),
        min_patients: Annotated[
            str | None,
            typer.Option(metavar="N,N...", help="Size rules to compare (a comma list)."),
        ] = None,
        max_patients: Annotated[
            str | None, typer.Option(metavar="N,N...", help="Ceilings to compare.")
        ] = None,
        seeds: Annotated[
            str | None, typer.Option(metavar="N,N...", help="Seeds to compare.")
        ] = None,
        scenarios: Annotated[
            Path | None,
            typer.Option(metavar="FILE", help="Named scenarios: [scenarios.NAME] tables (TOML)."),
        ] = None,
        config: Annotated[
            Path | None, typer.Option(metavar="FILE", help="Region settings (TOML).")
        ] = None,
        workers: Annotated[
            int | None,
            typer.Option(
                min=1,
                metavar="N",
                help="Local worker processes (default: the cores, at most PLANNER_WORKERS).",
            ),
        ] = None,
        scheduler: Annotated[
            str | None,
            typer.Option(
                metavar="ADDRESS",
                help="Run on a Dask distributed scheduler (tcp://host:8786); its workers must "
                "see the same files.",
            ),
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="Re-plan every part, changed or not.")
        ] = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
    ) -> None:
        from planner.batch.runner import plan_batch
        from planner.batch.scenarios import LIST_FLAGS, parse_list, read_scenarios, scenarios_from
        from planner.cli.app import setup_logging

        setup_logging(True)  # the parts' own messages go to their folders' files, not here
        flags = _plan_options(app, ctx.args)
        try:
            lists = {
                key: parse_list(value, LIST_FLAGS[key][0])
                for key, value in (("min_patients", min_patients),
                                   ("max_patients", max_patients), ("seed", seeds))
            }  # fmt: skip
            named = read_scenarios(scenarios) if scenarios is not None else None
            from_file = load_config(config) if config is not None else {}
            settings = merge_settings(from_file, flags, {"clinics": str(clinics)})
            output = OutputOptions().with_settings(settings)
            base = PlanRequest().with_settings(settings)
            plans = scenarios_from(lists, named)
        except ValidationError as exc:
            _fail("Configuration failed validation", str(exc), EXIT_USAGE)
        except PlannerError as exc:
            _fail("Usage error:", str(exc), EXIT_USAGE)
        _check_out(out_dir, base)
        started = time.perf_counter()
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} parts"),
            TextColumn("{task.fields[clinics]} clinics"),
            TimeRemainingColumn(),
            console=err,
            disable=quiet,
            transient=True,
        ) as bar:
            task = bar.add_task("Planning", total=None, clinics="0")

            def report(done: int, total: int, clinics_done: int, clinics_total: int) -> None:
                bar.update(task, completed=done, total=total,
                           clinics=f"{clinics_done:,}/{clinics_total:,}")  # fmt: skip

            try:
                outcomes = plan_batch(
                    base, by, out_dir, plans, output=output, workers=workers,
                    scheduler=scheduler, force=force, progress=report,
                )  # fmt: skip
            except ValidationError as exc:
                _fail("Input failed validation", str(exc), EXIT_INVALID)
            except PlannerError as exc:
                _fail("Cannot plan the batch:", str(exc), EXIT_USAGE)
            except KeyboardInterrupt:
                err.print("[bold yellow]Interrupted:[/] run the same command again to go on.")
                raise typer.Exit(130) from None
        failed = [o for o in outcomes if o.status == "failed"]
        incomplete = [o for o in outcomes if o.status == "incomplete"]
        if not quiet:
            reused = sum(o.reused for o in outcomes)
            out.print(
                f"{len(outcomes)} part-scenario(s): {len(outcomes) - len(failed)} planned "
                f"({reused} unchanged, reused), {len(failed)} failed, {len(incomplete)} with "
                f"clinics left out; {time.perf_counter() - started:.1f} s. Index: "
                f"{out_dir / 'index.html'}",
                markup=False,
                highlight=False,
            )
        for o in failed:
            err.print(f"  failed: {o.part} ({o.scenario}): {o.reason}", markup=False)
        if failed:
            raise typer.Exit(EXIT_FAILED)
        raise typer.Exit(EXIT_INCOMPLETE if incomplete else EXIT_OK)


def _check_out(target: Path, request: PlanRequest) -> None:
    """Refuse a batch folder that is the working directory or holds an input file."""
    where = target.resolve()
    cwd = Path.cwd().resolve()
    if where == cwd or where in cwd.parents:
        _fail("Usage error:", f"--out {target} is the working directory (or holds it); name "
              "a folder for the batch", EXIT_USAGE)  # fmt: skip
    for name, path in request.input_files().items():
        if where in Path(path).resolve().parents:
            _fail("Usage error:", f"--out {target} holds the input file {path} ({name}); "
                  "name another folder", EXIT_USAGE)  # fmt: skip
