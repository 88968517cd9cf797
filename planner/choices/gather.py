"""All of a run's choices in one value: the table's columns, the files, the lock policy;
proposals that name no cluster of the current plan set aside as conflicts; and the clinics
the boundaries must let share a cluster."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import geopandas as gpd
import numpy as np

from planner.choices.outcome import Conflict, Solved
from planner.choices.table import choices_from_table
from planner.core.adjacency import Adjacency
from planner.core.choices import Choices, unknown_ids
from planner.core.errors import Problem, ValidationError
from planner.core.reasons import Reason

__all__ = ["gather_choices", "known_targets", "together", "unkept_proposals"]


def gather_choices(
    table: gpd.GeoDataFrame, extra: Choices, lock: str, *, source: str, first_row: int
) -> Choices:
    """The table's choice columns with ``extra`` (from files) added, under ``lock``.

    Raises
    ------
    ValidationError
        A choice names a clinic not in the table (each one named), or a choice column
        holds an unreadable cell.
    """
    wanted = choices_from_table(table, source=source, first_row=first_row).merged(extra)
    wanted = replace(wanted, lock=lock)
    missing = unknown_ids(wanted, table["clinic_id"].astype(str))
    if missing:
        raise ValidationError(
            [
                Problem(source, None, "clinic_id", f"a choice names clinic '{m}', not in the table")
                for m in missing
            ]
        )
    return wanted


def known_targets(wanted: Choices) -> tuple[Choices, list[Conflict]]:
    """Drop proposals naming a cluster the current plan does not have, as conflicts.

    A proposal moves a clinic into a cluster of the plan the reviewer saw; without that plan
    (``existing_cluster`` or ``--current``) the cluster's name means nothing, and honouring
    it would lock the clinic into a new cluster of its own.
    """
    size = Counter(wanted.existing.values())
    rejected: list[Conflict] = []
    proposed = {}
    for clinic, target in sorted(wanted.proposed.items()):
        if size[target] > (wanted.existing.get(clinic) == target):
            proposed[clinic] = target
            continue
        where = Reason("where_no_plan" if not wanted.existing else "where_empty")
        why = Reason("proposal_unknown", {"target": target, "where": where})
        rejected.append(Conflict.of("proposal", clinic, why))
    return replace(wanted, proposed=proposed), rejected


def together(ids: np.ndarray, wanted: Choices) -> list[tuple[Reason, np.ndarray]]:
    """Clinics the boundaries must let share a cluster: groups and locked clusters."""
    pos = {c: i for i, c in enumerate(ids.tolist())}
    out = []
    for name, members in sorted(wanted.groups.items()):
        nodes = [pos[c] for c in members if c in pos]
        if len(nodes) > 1:
            out.append((Reason("what_group", {"name": name}), np.asarray(nodes)))
    current = {**wanted.existing, **wanted.proposed}
    clusters: dict[str, list[int]] = {}
    for clinic, cluster in current.items():
        if clinic in pos:
            clusters.setdefault(cluster, []).append(pos[clinic])
    for name, nodes in sorted(clusters.items()):
        if len(nodes) > 1:
            out.append((Reason("what_existing", {"name": name}), np.asarray(sorted(nodes))))
    return out


def unkept_proposals(
    ids: np.ndarray, adjacency: Adjacency, solved: Solved, wanted: Choices
) -> list[Conflict]:
    """Proposals the plan did not honour and no conflict explains yet, each with why.

    Every proposal ends as a move into its cluster or as a conflict, in every mode: one
    for a clinic that borders no clinic of the proposed cluster, or one the plan could
    not keep there.
    """
    pos = {c: i for i, c in enumerate(ids.tolist())}
    named = {
        clinic for c in solved.conflicts if c.kind == "proposal" for clinic in c.clinics.split("; ")
    }
    out = []
    for clinic, target in sorted(wanted.proposed.items()):
        if clinic not in pos or clinic in named:
            continue
        i = pos[clinic]
        label = int(solved.labels[i])
        if label >= 0 and solved.names.get(label) == target:
            continue
        borders = any(wanted.existing.get(str(ids[j])) == target for j in adjacency.neighbours(i))
        where = Reason("where_not_kept" if borders else "where_not_bordering")
        why = Reason("proposal_unknown", {"target": target, "where": where})
        out.append(Conflict.of("proposal", clinic, why))
    return out
