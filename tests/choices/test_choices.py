"""Clinics' own choices on a 6 x 6 grid of 5,000-patient clinics (six clusters at most)."""

import pandas as pd
import pytest

from conftest import cluster_of, grid
from planner import ValidationError, plan
from planner.choices.table import choices_from_table
from planner.core.choices import Choices, parse_flag
from planner.load.side_files import read_cannot_link, read_feedback, read_leaving, read_links


def test_clinics_closing_are_left_out_with_the_reason_closing():
    table = grid()
    table["leaving"] = ""
    table.loc[table["clinic_id"].isin(["c000", "c035"]), "leaving"] = "ja"
    result = plan(table)
    row = result.clinics.set_index("clinic_id").loc["c000"]
    assert row["status"] == "left out" and row["reason"] == "closing"
    assert set(result.unassigned["clinic_id"]) == {"c000", "c035"}
    assert result.metrics["clinics_closing"] == 2
    assert result.territories.iloc[0].is_empty
    assert result.n_clusters == 5  # 170,000 patients


def test_a_group_stays_together_with_the_clinic_between_them():
    table = grid()
    table["group"] = ""
    table.loc[table["clinic_id"].isin(["c000", "c002"]), "group"] = "old partners"
    result = plan(table)
    where = cluster_of(result)
    assert where["c000"] == where["c002"] == where["c001"]
    assert result.complete


def test_a_locked_cluster_below_the_rule_is_kept_as_is_and_listed():
    table = grid()
    table["existing_cluster"] = ""
    table.loc[table["clinic_id"].isin(["c000", "c001", "c006", "c007"]), "existing_cluster"] = "K1"
    result = plan(table)
    k1 = result.clusters.set_index("cluster_id").loc["K1"]
    assert k1["patients"] == 20_000 and k1["status"] == "below minimum"
    assert set(result.clinics.loc[result.clinics["cluster_id"] == "K1", "clinic_id"]) == {
        "c000",
        "c001",
        "c006",
        "c007",
    }
    assert "K1" in result.conflicts["detail"].str.cat()
    assert result.clinics["current_cluster"].eq("K1").sum() == 4
    assert result.changes.empty  # nobody moved


def test_a_locked_cluster_is_topped_up_when_asked():
    table = grid()
    table["existing_cluster"] = ""
    table.loc[table["clinic_id"].isin(["c000", "c001", "c006", "c007"]), "existing_cluster"] = "K1"
    result = plan(table, lock="top_up")
    k1 = result.clusters.set_index("cluster_id").loc["K1"]
    assert k1["patients"] >= 30_000 and k1["status"] == "ok"
    assert (cluster_of(result)[["c000", "c001", "c006", "c007"]] == "K1").all()
    assert set(result.changes["to_cluster"]) == {"K1"}  # only clinics that joined K1


def test_a_pair_that_must_not_link_is_moved_apart():
    table = grid()
    base = cluster_of(plan(table))
    # Two neighbours in a row that the plan puts together, the second on a cluster border.
    pair = next(
        (f"c{i:03d}", f"c{i + 1:03d}")
        for i in range(34)
        if i % 6 < 4 and base[f"c{i:03d}"] == base[f"c{i + 1:03d}"] != base[f"c{i + 2:03d}"]
    )
    result = plan(table, choices=Choices(cannot_link=(pair,)))
    where = cluster_of(result)
    assert where[pair[0]] != where[pair[1]]
    assert result.complete and result.conflicts.empty


def test_a_pair_deep_inside_a_cluster_of_exact_size_is_listed_when_it_cannot_be_split():
    table = grid(2, 3)  # 30,000 patients: one cluster, nowhere to move to
    result = plan(table, choices=Choices(cannot_link=(("c000", "c001"),)))
    assert result.n_clusters == 1
    assert result.conflicts["kind"].tolist() == ["cannot_link"]


def test_a_pair_in_one_group_cannot_be_moved_apart_and_is_listed():
    table = grid()
    table["group"] = ""
    table.loc[table["clinic_id"].isin(["c000", "c001"]), "group"] = "G"
    table["cannot_link"] = ""
    table.loc[table["clinic_id"] == "c000", "cannot_link"] = "c001"
    result = plan(table)
    conflict = result.conflicts[result.conflicts["kind"] == "cannot_link"]
    assert len(conflict) == 1 and conflict["clinics"].iloc[0] == "c000; c001"
    assert "group or locked" in conflict["detail"].iloc[0]


def test_a_reviewers_proposal_is_honoured_when_the_clinic_borders_the_cluster():
    table = grid()
    first = plan(table)
    table["existing_cluster"] = table["clinic_id"].map(cluster_of(first))
    where = cluster_of(first)
    # A clinic whose right-hand neighbour is in another cluster moves there.
    mover, target = next(
        (f"c{i:03d}", where[f"c{i + 1:03d}"])
        for i in range(35)
        if i % 6 != 5 and where[f"c{i:03d}"] != where[f"c{i + 1:03d}"]
    )
    result = plan(table, choices=Choices(proposed={mover: target}), lock="top_up")
    assert cluster_of(result)[mover] == target
    far = plan(table, choices=Choices(proposed={"c000": where["c035"]}), lock="top_up")
    assert far.conflicts["kind"].eq("proposal").any()


def test_choice_columns_are_checked_and_every_problem_named():
    table = grid(1, 2)
    table["leaving"] = ["maybe", "0"]
    table["cannot_link"] = ["nobody", ""]
    with pytest.raises(ValidationError) as info:
        choices_from_table(table, source="clinics.csv")
    text = str(info.value)
    assert "clinics.csv, row 2, column 'leaving'" in text
    assert "column 'cannot_link'" in text and "nobody" in text
    assert parse_flag("X") is True and parse_flag("nej") is False


def test_side_files_are_read_and_checked(tmp_path):
    known = {"a", "b", "c"}
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("clinic_a;clinic_b\na;b\nb;zz\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"pairs.csv, row 3, column 'clinic_b'"):
        read_cannot_link(pairs, known=known)
    pairs.write_text("clinic_a,clinic_b\nb,a\n", encoding="utf-8")
    assert read_cannot_link(pairs, known=known).cannot_link == (("a", "b"),)
    leaving = tmp_path / "leaving.csv"
    leaving.write_text("clinic_id\nc\n", encoding="utf-8")
    assert read_leaving(leaving, known=known).leaving == {"c"}
    feedback = tmp_path / "feedback.csv"
    feedback.write_text(
        "clinic_id,proposed_cluster,comment\na,C02,closer\nb,,only a comment\n", encoding="utf-8"
    )
    assert dict(read_feedback(feedback, known=known).proposed) == {"a": "C02"}
    links = tmp_path / "links.csv"
    links.write_text("clinic_a,clinic_b,travel_minutes\na,b,45\na,c,\n", encoding="utf-8")
    assert read_links(links, known=known) == [("a", "b", 45.0), ("a", "c", None)]
    links.write_text("clinic_a,clinic_b,travel_minutes\na,b,soon\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="travel_minutes"):
        read_links(links, known=known)


def test_a_choice_naming_an_unknown_clinic_is_refused():
    with pytest.raises(ValidationError, match="ghost"):
        plan(grid(), choices=Choices(leaving=frozenset({"ghost"})))


def test_the_callers_table_is_not_modified_by_choices():
    table = grid()
    table["group"] = ["g" if i < 2 else "" for i in range(36)]
    before = table.copy()
    plan(table)
    pd.testing.assert_frame_equal(table, before)


def test_a_proposal_without_the_plan_it_was_made_on_is_listed_not_locked_alone():
    # Honouring "c000 -> C02" with no current plan would lock c000 alone in a cluster C02
    # of 5,000 patients; it is listed instead, with the fix, and the plan stays valid.
    result = plan(grid(), choices=Choices(proposed={"c000": "C02"}))
    assert result.complete
    assert (result.clusters["status"] == "ok").all()
    conflict = result.conflicts.set_index("clinics").loc["c000"]
    assert conflict["kind"] == "proposal" and "--current" in conflict["detail"]


def test_a_current_plan_in_the_clinic_files_own_column_names_is_read(tmp_path):
    from planner.load.side_files import read_current, read_feedback

    current = tmp_path / "current.csv"
    current.write_text("practice_code,cluster_id\nA1,K1\nA2,K1\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="clinic_id"):
        read_current(current, known={"A1", "A2"})  # the id column has the file's own name
    got = read_current(current, known={"A1", "A2"}, id_col="practice_code")
    assert dict(got.existing) == {"A1": "K1", "A2": "K1"}
    danish = tmp_path / "forslag.csv"
    danish.write_text("Ydernummer,proposed_cluster\nA1,K2\n", encoding="utf-8")
    assert dict(read_feedback(danish, known={"A1"}).proposed) == {"A1": "K2"}  # an alias
