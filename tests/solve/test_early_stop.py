"""With a time limit, the search stops once many rounds in a row bring nothing, and says so;
the plan stays valid."""

from __future__ import annotations

import logging

import numpy as np

from conftest import grid_instance
from planner.core.rules import Rules
from planner.evaluate.checks import check_plan
from planner.solve import get_solver


def test_a_long_time_limit_stops_early_when_nothing_improves(caplog) -> None:
    instance = grid_instance(6, 6, 1_000)  # every plan of 6 clusters is as good: no progress
    rules = Rules(min_patients=6_000)
    with caplog.at_level(logging.INFO, logger="planner.solve.maxp"):
        outcome = get_solver("grow")(instance, rules, np.random.default_rng(0), time_limit=120)
    stops = [r.getMessage() for r in caplog.records if "stopped early" in r.getMessage()]
    assert stops and "rounds in a row found no better plan" in stops[0]
    assert check_plan(instance.adjacency, outcome.labels, instance.patients, rules) == []
    assert len(np.unique(outcome.labels)) == 6
