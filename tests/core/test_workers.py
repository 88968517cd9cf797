"""PLANNER_WORKERS caps every pool the planner starts: a large part's pieces and a batch."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import planner.batch.runner as runner
import planner.core.workers as workers
from planner.core.errors import PlannerError


def test_the_cap_is_the_cores_or_the_variable_whichever_is_less(monkeypatch) -> None:
    monkeypatch.setattr(workers, "available_workers", lambda: 4)
    monkeypatch.delenv("PLANNER_WORKERS", raising=False)
    assert workers.worker_cap() == 4
    monkeypatch.setenv("PLANNER_WORKERS", "2")
    assert workers.worker_cap() == 2
    monkeypatch.setenv("PLANNER_WORKERS", "16")
    assert workers.worker_cap() == 4


@pytest.mark.parametrize("bad", ["0", "-1", "two", "1.5"])
def test_a_bad_value_is_refused_by_name(monkeypatch, bad: str) -> None:
    monkeypatch.setenv("PLANNER_WORKERS", bad)
    with pytest.raises(PlannerError, match=r"PLANNER_WORKERS must be a whole number.*" + bad):
        workers.worker_cap()


def test_a_batch_without_workers_given_starts_at_most_the_cap(monkeypatch, tmp_path) -> None:
    asked: list[int] = []

    def local(tasks, n):
        asked.append(n)
        return iter(())

    monkeypatch.setattr(runner, "_local_results", local)
    monkeypatch.setattr(workers, "available_workers", lambda: 8)
    monkeypatch.setenv("PLANNER_WORKERS", "3")
    batch = SimpleNamespace(pending=[], tasks=[], reused={}, root=tmp_path)
    runner.run_tasks(batch, workers=None)
    runner.run_tasks(batch, workers=5)  # given: as given
    assert asked == [3, 5]
