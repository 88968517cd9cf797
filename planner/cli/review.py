"""Review commands: ``planner render PLAN_DIR`` and ``planner diff A B``.

:func:`register` adds them to the main app (``planner.cli.app`` calls it when this module
exists).  Exit codes as for ``planner plan``: 0 done, 2 usage error, 3 a plan directory
cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from planner.core.errors import PlannerError

__all__ = ["diff_command", "register", "render_command"]

EXIT_OK, EXIT_USAGE, EXIT_UNREADABLE = 0, 2, 3

err = Console(stderr=True)
out = Console()

Lang = Annotated[str, typer.Option(metavar="LANG", help="Language of labels: en or da.")]


def _check_lang(lang: str) -> None:
    from planner.core.i18n import LANGUAGES

    if lang not in LANGUAGES:
        err.print(f"[red]Usage error:[/] --lang must be one of {', '.join(LANGUAGES)}")
        raise typer.Exit(EXIT_USAGE)


def _fail(
    exc: Exception, title: str = "Cannot read the plan:", code: int = EXIT_UNREADABLE
) -> None:
    err.print(f"[bold red]{title}[/]")
    err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def render_command(
    plan_dir: Annotated[Path, typer.Argument(help="A directory written by 'planner plan'.")],
    out_file: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="Map file. Default: PLAN_DIR/map.html."),
    ] = None,
    lang: Lang = "en",
    tiles: Annotated[
        str | None,
        typer.Option(
            metavar="TILES", help="Background tiles when online (a folium name or URL template)."
        ),
    ] = "OpenStreetMap",
    no_tiles: Annotated[bool, typer.Option("--no-tiles", help="No background layer.")] = False,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Also write report.html beside it.")
    ] = True,
) -> None:
    """Redraw the map (and report) of an existing plan from its output files."""
    _check_lang(lang)
    from planner.core.i18n import use_words
    from planner.output.atomic import atomic_write_text
    from planner.output.read import load_plan
    from planner.output.report_html import report_html
    from planner.render import render_map

    try:
        result = load_plan(plan_dir)
    except (PlannerError, OSError) as exc:
        _fail(exc)
    target = out_file or plan_dir / "map.html"
    with use_words(result.profile.words):
        fmap = render_map(result, tiles=None if no_tiles else tiles, lang=lang)
        page = report_html(result, lang=lang, map_file=target.name) if report else ""
    try:
        atomic_write_text(target, fmap.get_root().render())
        out.print(f"wrote {escape(str(target))}")
        if report:
            atomic_write_text(target.with_name("report.html"), page)
            out.print(f"wrote {escape(str(target.with_name('report.html')))}")
    except OSError as exc:  # a full disk, or --out below a file
        _fail(exc, "Cannot write the map:", EXIT_USAGE)


def diff_command(
    plan_a: Annotated[Path, typer.Argument(help="The first plan's directory (before).")],
    plan_b: Annotated[Path, typer.Argument(help="The second plan's directory (after).")],
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", metavar="DIR", help="Where to write moves.csv, clusters.csv, diff.html."
        ),
    ] = Path("diff"),
    lang: Lang = "en",
) -> None:
    """Compare two plans: which clinics move, patients gained and lost per cluster."""
    _check_lang(lang)
    from planner.evaluate.compare import diff_assignments
    from planner.output.atomic import atomic_directory
    from planner.output.read import load_assignments
    from planner.output.report_html import diff_html
    from planner.output.tables import write_csv

    try:
        diff = diff_assignments(load_assignments(plan_a), load_assignments(plan_b))
    except (PlannerError, OSError, KeyError) as exc:
        _fail(exc)
    try:
        with atomic_directory(out_dir) as tmp:
            write_csv(diff.moves, Path(tmp) / "moves.csv")
            write_csv(diff.clusters, Path(tmp) / "clusters.csv")
            page = diff_html(diff, str(plan_a), str(plan_b), lang=lang)
            (Path(tmp) / "diff.html").write_text(page, encoding="utf-8")
    except (PlannerError, OSError) as exc:
        _fail(exc, "Cannot write the comparison:", 2)

    n_a = diff.clusters["cluster_a"].ne("").sum()
    n_b = diff.clusters["cluster_b"].ne("").sum()
    out.print(
        f"{len(diff.moves)} clinic(s) move, {int(diff.moves['patients'].sum()):,} patients; "
        f"clusters: {n_a} in A, {n_b} in B"
    )
    changed = diff.clusters[(diff.clusters["gained"] > 0) | (diff.clusters["lost"] > 0)]
    if len(changed):
        table = Table(title="Clusters that change")
        for head in ("A", "B", "patients A", "patients B", "gained", "lost", "net"):
            table.add_column(head, justify="left" if len(head) == 1 else "right")
        for row in changed.itertuples():
            table.add_row(
                Text(row.cluster_a or "-"),
                Text(row.cluster_b or "-"),
                f"{row.patients_a:,}",
                f"{row.patients_b:,}",
                f"{row.gained:,}",
                f"{row.lost:,}",
                f"{row.net:+,}",
            )
        out.print(table)
    if diff.unweighed:
        err.print(
            f"[yellow]{diff.unweighed} clinic(s) have no patient count in either plan (a plan "
            "folder with only assignments.csv): their moves are listed, their patients count "
            "as 0[/]"
        )
    if diff.only_a or diff.only_b:
        err.print(
            f"[yellow]{len(diff.only_a)} clinic(s) only in A, {len(diff.only_b)} only in B[/]"
        )
    written = ", ".join(str(out_dir / n) for n in ("moves.csv", "clusters.csv", "diff.html"))
    out.print(Text(f"wrote {written}"))


def register(app: typer.Typer) -> None:
    """Add ``render`` and ``diff`` to the planner's command line."""
    app.command("render")(render_command)
    app.command("diff")(diff_command)
