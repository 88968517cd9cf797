"""Clinics off the land they are planned on: wrong coordinates and swapped lat/lon."""

import pandas as pd
import pytest
import shapely

from planner.api import plan
from planner.core.errors import ValidationError
from planner.core.rules import Rules
from planner.load.common import Sheet

# A square of land around (55.5 N, 10.5 E), about 60 km across.
LAND = shapely.box(10.0, 55.2, 11.0, 55.8)


def _table(lats, lons):
    n = len(lats)
    table = pd.DataFrame(
        {
            "clinic_id": [f"c{i}" for i in range(n)],
            "name": [f"Clinic {i}" for i in range(n)],
            "lat": lats,
            "lon": lons,
            "patients": [16_000] * n,
            "doctors": [8] * n,
        }
    )
    return Sheet(table, "clinics.csv", first_row=2)


def test_a_clinic_at_sea_is_named_with_its_row_and_distance():
    table = _table([55.4, 55.5, 55.6, 55.5], [10.3, 10.5, 10.7, 12.0])
    with pytest.raises(ValidationError) as err:
        plan(table, land=LAND, rules=Rules(min_patients=30_000))
    [problem] = err.value.problems
    assert problem.source == "clinics.csv" and problem.row == 5 and problem.column == "lat"
    assert "'c3'" in problem.message and "km off the land" in problem.message


def test_swapped_lat_and_lon_are_recognised():
    table = _table([10.3, 10.5, 10.7, 10.4], [55.4, 55.5, 55.6, 55.7])
    with pytest.raises(ValidationError) as err:
        plan(table, land=LAND, rules=Rules(min_patients=30_000))
    [problem] = err.value.problems
    assert "look swapped" in problem.message and problem.row is None


def test_clinics_on_land_or_just_off_the_coast_plan():
    # 55.81 N is about 1 km north of the land: a generalised coastline, not an error.
    table = _table([55.4, 55.5, 55.6, 55.81], [10.3, 10.5, 10.7, 10.5])
    result = plan(table, land=LAND, rules=Rules(min_patients=30_000))
    assert result.n_clusters == 2 and result.complete
