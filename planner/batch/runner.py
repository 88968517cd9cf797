"""Running a batch: parts x scenarios, in worker processes or on a Dask cluster, resumable.

Layout of a batch folder ``DIR``::

    DIR/index.csv, index.json, index.html     one row per part and scenario, the overview
    DIR/batch.toml                            the batch's own settings (base request, by)
    DIR/parts/<part>/<scenario>/              each task's full plan folder
    DIR/.state/<part>__<scenario>.json        each task's content key and outcome

A task's plan folder is written atomically (:func:`planner.output.atomic.atomic_directory`)
and its state only after it, so a batch interrupted at any instant (SIGINT, SIGKILL)
leaves each part either its previous plan or its new one; the next run re-plans exactly
the tasks whose state is missing or whose key changed (``force``: every task).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path

from planner.batch.scenarios import Scenario
from planner.batch.tasks import Outcome, Task, file_digest, run_task, slug, task_key
from planner.core.config import request_toml
from planner.core.errors import PlannerError
from planner.core.request import OutputOptions, PlanRequest
from planner.core.workers import worker_cap
from planner.load.inputs import read_clinics, read_inputs
from planner.load.parts import part_labels, part_values
from planner.load.validate import validate_clinics
from planner.output.atomic import atomic_write_text

__all__ = ["Batch", "BatchProgress", "plan_batch", "prepare_batch", "run_tasks"]

log = logging.getLogger(__name__)

#: ``progress(tasks_done, tasks_total, clinics_done, clinics_total)``.
BatchProgress = Callable[[int, int, int, int], None]


@dataclass(frozen=True)
class Batch:
    """A batch ready to run: its folder, every task, and the outcomes reused."""

    root: Path
    by: str
    tasks: tuple[Task, ...]
    reused: Mapping[tuple[str, str], Outcome]
    parts: tuple[str, ...]
    scenarios: tuple[Scenario, ...]

    @property
    def pending(self) -> list[Task]:
        return [t for t in self.tasks if (t.part, t.scenario) not in self.reused]


def _state_path(root: Path, part_slug: str, scenario: str) -> Path:
    return root / ".state" / f"{part_slug}__{scenario}.json"


def _reusable(path: Path, key: str, folder: Path) -> Outcome | None:
    """The recorded outcome when its key is ``key`` and (for a plan) its folder is there."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        outcome = Outcome(**{**data, "reused": True})
    except (OSError, ValueError, TypeError):
        return None
    if outcome.key != key:
        return None
    if outcome.status != "failed" and not (folder / "summary.json").is_file():
        return None
    return outcome


def prepare_batch(
    base: PlanRequest,
    by: str,
    out: str | Path,
    scenarios: Sequence[Scenario],
    *,
    output: OutputOptions | None = None,
    force: bool = False,
) -> Batch:
    """Check the whole input once and list the tasks, reusing those already done.

    Raises
    ------
    ValidationError
        The clinics file or a side file fails validation (before any part runs), or
        ``by`` names no column.
    PlannerError
        A scenario's settings cannot be applied.
    """
    if base.clinics is None:
        raise PlannerError("a batch needs a clinics file")
    output = output or OutputOptions()
    root = Path(out)
    sheet = read_clinics(base.clinics, base)
    table = validate_clinics(sheet) if not base.skip_invalid else None
    parts = part_values(sheet, by)
    ids = set(table["clinic_id"].astype(str)) if table is not None else None
    if ids is not None:
        read_inputs(base, ids)  # side files checked against every clinic, once
    counts = part_labels(sheet, by).value_counts()
    digests = {str(Path(p).resolve()): file_digest(p) for p in base.input_files().values()}
    slugs = _unique_slugs(parts)
    tasks, reused = [], {}
    for scenario in scenarios:
        request = base.with_settings(dict(scenario.settings))
        for part in parts:
            task_request = replace(request, by=by, part=part)
            folder = root / "parts" / slugs[part] / scenario.name
            key = task_key(task_request, output, digests)
            task = Task(part, scenario.name, task_request, str(folder), key, output.lang,
                        output.map, int(counts.get(part, 0)))  # fmt: skip
            tasks.append(task)
            found = (
                None
                if force
                else _reusable(_state_path(root, slugs[part], scenario.name), key, folder)
            )
            if found is not None:
                reused[(part, scenario.name)] = found
    return Batch(root, by, tuple(tasks), reused, tuple(parts), tuple(scenarios))


def _unique_slugs(parts: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    used: set[str] = set()
    for part in parts:
        name, n = slug(part), 2
        candidate = name
        while candidate in used:
            candidate, n = f"{name}-{n}", n + 1
        used.add(candidate)
        out[part] = candidate
    return out


def _record(root: Path, task: Task, outcome: Outcome) -> None:
    folder = Path(task.folder)
    atomic_write_text(
        _state_path(root, folder.parent.name, task.scenario),
        json.dumps(outcome.to_json(), indent=1, ensure_ascii=False, allow_nan=False),
    )


def _local_results(tasks: Sequence[Task], workers: int) -> Iterator[Outcome]:
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield run_task(task)
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["planner.api", "planner.output.write"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: set[Future[Outcome]] = {pool.submit(run_task, t) for t in tasks}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()


def _dask_results(tasks: Sequence[Task], scheduler: str) -> Iterator[Outcome]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise PlannerError(
            "--scheduler needs dask.distributed: pip install 'dask[distributed]'"
        ) from exc
    try:
        client = Client(scheduler)  # waits distributed.comm.timeouts.connect (dask config)
    except (OSError, TimeoutError) as exc:
        raise PlannerError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    try:
        futures = client.map(run_task, list(tasks), pure=False)
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.close()


def run_tasks(
    batch: Batch,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: BatchProgress | None = None,
) -> list[Outcome]:
    """Run the batch's pending tasks (recording each as it ends); every outcome, in the
    order of the tasks."""
    pending = batch.pending
    by_task = {(t.part, t.scenario): t for t in batch.tasks}
    outcomes: dict[tuple[str, str], Outcome] = dict(batch.reused)
    total_clinics = sum(t.clinics for t in batch.tasks)
    done_clinics = sum(by_task[k].clinics for k in outcomes)
    if progress:
        progress(len(outcomes), len(batch.tasks), done_clinics, total_clinics)
    if scheduler:
        results = _dask_results(pending, scheduler)
    else:
        results = _local_results(pending, workers or worker_cap())
    for outcome in results:
        task = by_task[(outcome.part, outcome.scenario)]
        _record(batch.root, task, outcome)
        outcomes[(outcome.part, outcome.scenario)] = outcome
        done_clinics += task.clinics
        if progress:
            progress(len(outcomes), len(batch.tasks), done_clinics, total_clinics)
    return [outcomes[(t.part, t.scenario)] for t in batch.tasks if (t.part, t.scenario) in outcomes]


def plan_batch(
    base: PlanRequest,
    by: str,
    out: str | Path,
    scenarios: Sequence[Scenario],
    *,
    output: OutputOptions | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    progress: BatchProgress | None = None,
) -> list[Outcome]:
    """Plan every part of ``base.clinics`` (split by column ``by``) under every scenario,
    write each part's plan folder under ``out/parts`` and the index beside them.

    Returns
    -------
    list of Outcome
        One per part and scenario, in order (parts sorted, scenarios as given).
    """
    from planner.batch.index import write_index

    output = output or OutputOptions()
    batch = prepare_batch(base, by, out, scenarios, output=output, force=force)
    batch.root.mkdir(parents=True, exist_ok=True)
    atomic_write_text(batch.root / "batch.toml", _batch_toml(base, by, output, batch))
    outcomes: list[Outcome] = []
    try:
        outcomes = run_tasks(batch, workers=workers, scheduler=scheduler, progress=progress)
    finally:  # an interrupted batch still indexes what it has
        done = {(o.part, o.scenario) for o in outcomes} | set(batch.reused)
        if len(done) < len(batch.tasks):
            outcomes = _known_outcomes(batch)
        write_index(batch, outcomes)
    return outcomes


def _known_outcomes(batch: Batch) -> list[Outcome]:
    """What the state files say (after an interruption), the rest pending."""
    out = []
    for task in batch.tasks:
        folder = Path(task.folder)
        found = _reusable(
            _state_path(batch.root, folder.parent.name, task.scenario), task.key, folder
        )
        waiting = Outcome(
            task.part, task.scenario, "pending", task.key,
            reason="not planned yet (the batch was interrupted)",
        )  # fmt: skip
        out.append(found or waiting)
    return out


def _batch_toml(base: PlanRequest, by: str, output: OutputOptions, batch: Batch) -> str:
    text = request_toml(base, output, base=batch.root)
    names = ", ".join(s.name for s in batch.scenarios)
    return f"# planner batch: parts by '{by}', scenarios: {names}\n{text}"
