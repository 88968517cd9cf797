"""One task of a batch: plan one part under one scenario and write its plan folder.

A task is a plain, picklable value (a request, a folder, the output options and a content
key), so the same :func:`run_task` runs in this process, in a local worker process or on a
Dask worker.  The key is a hash of everything that decides the part's files: the request
(``config.toml`` of the part), the content of every input file, the output options and the
planner's version; a re-run skips a task whose key is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import traceback
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from planner.core.config import request_toml
from planner.core.errors import InfeasibleError, PlannerError, ValidationError
from planner.core.request import OutputOptions, PlanRequest

__all__ = ["Outcome", "Task", "file_digest", "run_task", "slug", "task_key"]

log = logging.getLogger(__name__)

#: Index columns of a task, in order (``index.csv``).
INDEX_FIELDS = (
    "part", "scenario", "status", "clinics", "patients", "clusters", "tight_bound",
    "share_of_bound", "clinics_left_out", "rows_skipped", "crossings", "mean_gp_km",
    "max_km", "mean_patient_km", "smallest", "largest", "seconds", "map", "folder", "reason",
)  # fmt: skip


@dataclass(frozen=True)
class Task:
    """Plan ``request`` (one part, one scenario) and write the plan into ``folder``."""

    part: str
    scenario: str
    request: PlanRequest
    folder: str
    key: str
    lang: str = "en"
    with_map: bool = True
    clinics: int = 0  # clinics of the part, for progress


@dataclass(frozen=True)
class Outcome:
    """What a task produced: ``planned`` (every clinic placed), ``incomplete`` (a plan with
    clinics left out or rows skipped) or ``failed`` (no plan: ``reason`` says why)."""

    part: str
    scenario: str
    status: str
    key: str
    figures: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    seconds: float = 0.0
    reused: bool = False

    def row(self, root: Path) -> dict[str, Any]:
        """The task's index row; paths relative to the batch folder ``root``."""
        out: dict[str, Any] = {k: None for k in INDEX_FIELDS}
        out.update(self.figures)
        folder = self.figures.get("folder")
        out.update(part=self.part, scenario=self.scenario, status=self.status,
                   reason=self.reason, seconds=round(self.seconds, 2))  # fmt: skip
        if folder:
            rel = Path(folder).resolve().relative_to(root.resolve()).as_posix()
            out["folder"] = rel
            out["map"] = f"{rel}/map.html" if (Path(folder) / "map.html").exists() else None
        return out

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"figures": dict(self.figures)}


_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def slug(name: str) -> str:
    """A folder name for a part: ASCII letters, digits and dashes.

    >>> slug("Region Sjælland"), slug("NHS Tees Valley CCG / 16C"), slug("   ")
    ('region-sjaelland', 'nhs-tees-valley-ccg-16c', 'part')
    """
    text = unicodedata.normalize("NFKD", name.translate(_FOLD))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60] or "part"


def planner_version() -> str:
    try:
        return version("gp-cluster-planner")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "source"


def file_digest(path: str | Path) -> str:
    """sha256 of a file's bytes (read in blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def task_key(request: PlanRequest, output: OutputOptions, digests: Mapping[str, str]) -> str:
    """The content key of a task: the request as ``config.toml`` says it (without the
    output folder), every input file's content digest, the output options, the version."""
    parts = {
        "request": request_toml(request, OutputOptions(lang=output.lang, map=output.map)),
        "files": {
            name: digests[str(Path(path).resolve())] for name, path in request.input_files().items()
        },
        "version": planner_version(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _figures(result: Any, folder: Path) -> dict[str, Any]:
    m = result.metrics
    sizes = result.clusters["patients"]
    return {
        "clinics": int(m["clinics"]),
        "patients": int(m["patients"]),
        "clusters": int(m["clusters"]),
        "tight_bound": int(m.get("upper_bound_tight", m["upper_bound_parts"])),
        "share_of_bound": round(float(m["share_of_bound"]), 4),
        "clinics_left_out": int(m["clinics_left_out"]),
        "rows_skipped": int(m.get("rows_skipped", 0)),
        "crossings": int(m.get("clusters_crossing_municipality", 0)),
        "mean_gp_km": round(float(m["mean_gp_km"]), 3),
        "max_km": round(float(m["max_km"]), 3),
        "mean_patient_km": round(float(m["mean_patient_km"]), 3),
        "smallest": int(sizes.min()) if len(sizes) else None,
        "largest": int(sizes.max()) if len(sizes) else None,
        "folder": str(folder),
    }


def run_task(task: Task) -> Outcome:
    """Plan the task's part and write its folder (atomically); never raises for a part
    that cannot be planned: the outcome says ``failed`` and why."""
    from planner.api import plan
    from planner.output.write import write_outputs

    started = time.perf_counter()
    folder = Path(task.folder)
    try:
        result = plan(request=task.request)
        write_outputs(result, folder, lang=task.lang, with_map=task.with_map)
    except (InfeasibleError, ValidationError, PlannerError) as exc:
        return Outcome(task.part, task.scenario, "failed", task.key, reason=str(exc),
                       seconds=time.perf_counter() - started)  # fmt: skip
    except Exception as exc:  # a bug: reported with the part, the others go on
        where = traceback.format_exception_only(type(exc), exc)[-1].strip()
        log.exception("part %s, scenario %s failed", task.part, task.scenario)
        seconds = time.perf_counter() - started
        return Outcome(task.part, task.scenario, "failed", task.key,
                       reason=f"internal error: {where}", seconds=seconds)  # fmt: skip
    status = "planned" if result.complete else "incomplete"
    return Outcome(task.part, task.scenario, status, task.key, _figures(result, folder),
                   seconds=time.perf_counter() - started)  # fmt: skip
