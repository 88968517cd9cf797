"""Property test: on random valid regions the plan's invariants hold (issue 13).

Random point sets of 5-60 clinics (now and then two at the same place) with random patient
and GP counts are planned through the front door.  Every clinic is in one cluster or listed
as left out with a reason; every cluster is contiguous on the plan's own graph, meets the
size rule and has the totals of its clinics; a plan that is not complete says so (the
clinics left out, with reasons, or an infeasible part named).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from planner.api import plan
from planner.core.errors import InfeasibleError

#: Examples (the report names this count).
PLAN_EXAMPLES = 40


@st.composite
def region(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    n = draw(st.integers(5, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    spread = draw(st.sampled_from([0.05, 0.3, 1.5]))  # a town, a county, a region
    lat = 55.5 + rng.uniform(-spread, spread, n) / 2
    lon = 10.0 + rng.uniform(-spread, spread, n)
    if draw(st.booleans()):  # two practices at one address
        lat[-1], lon[-1] = lat[0], lon[0]
    patients = rng.integers(0, 15_000, n)
    if draw(st.booleans()):
        patients[rng.integers(0, n)] = draw(st.integers(0, 200_000))
    table = pd.DataFrame(
        {
            "clinic_id": [f"k{i:02d}" for i in range(n)],
            "name": [f"Clinic {i}" for i in range(n)],
            "lat": lat.round(6),
            "lon": lon.round(6),
            "patients": patients,
            "doctors": rng.integers(0, 9, n),
        }
    )
    minimum = draw(st.sampled_from([1_000, 10_000, 30_000, 100_000]))
    return table, minimum


@settings(
    max_examples=PLAN_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=region(), seed=st.integers(0, 3))
def test_every_plan_keeps_its_invariants(case: tuple[pd.DataFrame, int], seed: int) -> None:
    table, minimum = case
    try:
        result = plan(table, min_patients=minimum, random_state=seed)
    except InfeasibleError as exc:  # reported, with what makes it so
        assert str(exc)
        event("infeasible")
        return
    clinics = result.clinics
    assert sorted(clinics["clinic_id"]) == sorted(table["clinic_id"])
    left = clinics["cluster_id"].isna()
    # Every clinic in one cluster, or listed as left out with its reason.
    assert set(result.unassigned["clinic_id"]) == set(clinics.loc[left, "clinic_id"])
    assert (result.unassigned["reason"].astype(str).str.strip() != "").all()
    assert ((result.labels >= 0) == ~left.to_numpy()).all()
    # Each cluster contiguous, big enough, and with its clinics' totals.
    graph: nx.Graph = result.graph
    for row in result.clusters.itertuples():
        members = np.flatnonzero((clinics["cluster_id"] == row.cluster_id).to_numpy())
        assert len(members) == row.clinics
        assert nx.is_connected(graph.subgraph(members.tolist())), row.cluster_id
        assert int(clinics["patients"].iloc[members].sum()) == row.patients
        assert row.patients >= minimum and row.status == "ok"
    assert set(result.clusters["cluster_id"]) == set(clinics.loc[~left, "cluster_id"])
    # A plan that is not complete says why; a complete one has every clinic placed.
    if result.complete:
        assert not left.any()
    else:
        assert left.any() or not result.infeasible.empty
    assert result.n_clusters <= int(table["patients"].sum()) // minimum
    event("complete" if result.complete else "clinics left out")
