"""The exact method (CP-SAT) against obvious answers and against the heuristic."""

import numpy as np
import pytest

from conftest import grid_instance
from planner.core.rules import Rules
from planner.evaluate.checks import check_plan, tight_upper_bound
from planner.solve import get_solver
from planner.solve.synthetic import random_small

pytest.importorskip("ortools")

from planner.solve.exact import solve_exact_with_status

RULES = Rules(min_patients=30_000)


def test_a_four_by_four_grid_is_solved_to_proven_optimality():
    inst = grid_instance(4, 4, 10_000)
    result = solve_exact_with_status(inst, RULES, np.random.default_rng(0), time_limit=10)
    assert check_plan(inst.adjacency, result.labels, inst.patients, RULES) == []
    assert result.clusters == 5 and result.optimal and result.bound == 5


def test_the_registered_method_returns_labels():
    inst = grid_instance(2, 3, 10_000)
    labels = get_solver("exact")(inst, RULES, np.random.default_rng(0), time_limit=5).labels
    assert check_plan(inst.adjacency, labels, inst.patients, RULES) == []
    assert labels.max() + 1 == 2


def test_gp_rule_in_the_exact_model():
    inst = grid_instance(1, 6, 5_000)
    inst = type(inst).from_arrays(inst.adjacency, inst.patients, inst.xy, np.full(6, 10))
    rules = Rules(min_patients=30_000, min_doctors=20)
    result = solve_exact_with_status(inst, rules, np.random.default_rng(0), time_limit=10)
    assert result.clusters == 3 and result.optimal
    assert check_plan(inst.adjacency, result.labels, inst.patients, rules, inst.doctors) == []


@pytest.mark.parametrize("seed", [0, 3, 6, 11])
def test_the_heuristic_finds_the_optimal_count(seed):
    inst = random_small(20 + seed, seed)
    exact = solve_exact_with_status(
        inst, RULES, np.random.default_rng(seed), time_limit=10, compactness=False
    )
    heur = get_solver("grow")(inst, RULES, np.random.default_rng(seed)).labels
    assert check_plan(inst.adjacency, exact.labels, inst.patients, RULES) == []
    assert exact.optimal
    assert heur.max() + 1 == exact.clusters
    assert exact.clusters <= exact.bound <= tight_upper_bound(inst.adjacency, inst.patients, RULES)


def test_the_api_reports_what_the_exact_method_proved():
    import pandas as pd

    from planner.api import plan

    # Six clinics in a row, 12,000 patients each: at most two clusters of 30,000.
    table = pd.DataFrame(
        {
            "clinic_id": [f"c{i}" for i in range(6)],
            "name": [f"Clinic {i}" for i in range(6)],
            "lat": [55.0] * 6,
            "lon": [10.0 + 0.02 * i for i in range(6)],
            "patients": [12_000] * 6,
            "doctors": [6] * 6,
        }
    )
    result = plan(table, rules=RULES, method="exact", time_limit=10)
    proof = result.metrics["exact"]
    assert result.n_clusters == 2
    assert proof["count_proven_optimal"] and proof["proven_upper_bound"] == 2
    assert "exact" not in plan(table, rules=RULES).metrics
