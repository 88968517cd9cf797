"""Country profiles: words, funding, column names and default rules, and a custom one."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from planner.api import plan, request_from
from planner.core.config import load_config, request_toml
from planner.core.errors import PlannerError, ValidationError
from planner.core.i18n import label, labels, use_words
from planner.core.profiles import DENMARK, ENGLAND, get_profile, profile_from_mapping
from planner.core.reasons import Reason
from planner.core.request import OutputOptions, PlanRequest
from planner.core.rules import Rules
from planner.load.columns import apply_column_map


def test_england_words_replace_the_planners_own_in_both_languages() -> None:
    with use_words(ENGLAND.words):
        assert label("problems_clusters", "en", n=2) == "PCNs breaking a rule: 2"
        assert label("search_placeholder", "en") == "Find practice (name or id)"
        assert label("municipality", "en") == "Sub-ICB location"
        assert label("legend_title", "da") == "PCN-forslag"
        assert "klynge" not in " ".join(labels("da").values()).lower()
        assert "cluster" not in " ".join(labels("en").values()).lower()
    assert label("legend_title", "da") == "Klyngeforslag"  # only inside the context


def test_the_fields_of_a_label_keep_their_own_words() -> None:
    """A practice called 'Cluster Road Surgery' is data: never reworded."""
    with use_words(ENGLAND.words):
        text = label("moves_from_to", "en", a="Cluster Road Surgery", b="C02")
    assert text == "Moves from Cluster Road Surgery to C02"


def test_reasons_are_written_in_the_profiles_words() -> None:
    reason = Reason("fix_cross_municipality", {"area": "Leeds"})
    with use_words(ENGLAND.words):
        assert reason.text("en") == "allow crossing into sub-ICB location Leeds"
    assert reason.text("en") == "allow crossing into municipality Leeds"


def test_england_names_its_columns_without_flags() -> None:
    table = pd.DataFrame(
        {"practice_code": ["A81001"], "practice_name": ["THE DENSHAM SURGERY"],
         "patients_jan2021": ["4100"], "ccg_code": ["16C"], "stp_code": ["QHM"]}
    )  # fmt: skip
    sheet = apply_column_map(table, aliases=ENGLAND.aliases)
    assert {"clinic_id", "name", "patients", "municipality", "region"} <= set(sheet.frame.columns)
    assert sheet.columns["patients"] == "patients_jan2021"
    assert "clinic_id" not in apply_column_map(table).frame.columns  # not in Denmark's


def test_a_profiles_rules_lie_beneath_what_is_given() -> None:
    assert request_from(profile="england").rules.max_patients == 50_000
    assert request_from(profile="england", max_patients=45_000).rules.max_patients == 45_000
    settings = {"profile": "england", "min_patients": 25_000}
    request = PlanRequest().with_settings(settings)
    assert (request.rules.min_patients, request.rules.max_patients) == (25_000, 50_000)
    assert PlanRequest().rules.max_patients is None  # Denmark: no ceiling


def test_funding_decides_the_money_columns() -> None:
    table = pd.DataFrame({
        "clinic_id": ["a", "b"], "name": ["A", "B"], "lat": [55.0, 55.0], "lon": [10.0, 10.01],
        "patients": [20_000, 15_000], "doctors": [10, 8]})  # fmt: skip
    dk = plan(table)
    assert dk.clusters["budget_dkk"].tolist() == [max(4.2 * 35_000, 125_000)]
    assert dk.clusters["startup_dkk"].tolist() == [180_000.0]
    en = plan(table, profile="england")
    assert not any(c.startswith(("budget", "startup")) for c in en.clusters.columns)
    assert en.profile is ENGLAND


def test_unknown_profile_is_a_clear_error() -> None:
    with pytest.raises(PlannerError, match="profile must be one of denmark, england"):
        get_profile("france")


def test_a_custom_profile_from_the_config_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "region.toml"
    path.write_text(
        '[profile]\nname = "norway"\nbase = "denmark"\nmin_patients = 25000\n'
        "funding = { per_patient = 5.0, minimum = 150000, per_gp_startup = 0, "
        'currency = "NOK", symbol = ["NOK", "kr."] }\n'
        '[profile.words.en]\nCluster = "Legeklynge"\n',
        encoding="utf-8",
    )
    settings = load_config(path)
    request = PlanRequest().with_settings(settings)
    profile = request.profile
    assert profile.name == "norway" and request.rules.min_patients == 25_000
    assert profile.funding is not None and profile.funding.columns == ("budget_nok", "startup_nok")
    assert profile.funding.annual(40_000) == 200_000.0
    with use_words(profile.words):
        assert label("cluster") == "Legeklynge"
    again = tmp_path / "again.toml"
    again.write_text(request_toml(request, OutputOptions()), encoding="utf-8")
    back = PlanRequest().with_settings(load_config(again)).profile
    assert back == profile


def test_custom_profile_problems_are_all_named(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        profile_from_mapping({"base": "mars", "colour": "red", "min_patients": -3}, "r.toml")
    where = {p.column for p in info.value.problems}
    assert where == {"profile.base", "profile.colour", "profile.min_patients", "profile.name"}


def test_a_builtin_profile_is_written_by_name(tmp_path: Path) -> None:
    request = PlanRequest().with_settings({"profile": "england"})
    text = request_toml(request, OutputOptions())
    assert 'profile = "england"' in text and "[profile]" not in text
    assert DENMARK.builtin and ENGLAND.builtin


def test_a_request_with_a_profile_and_no_rules_takes_the_profiles_rules() -> None:
    """``PlanRequest(profile="england")`` plans PCNs of 30,000-50,000 (a soft ceiling), as
    ``plan(..., profile="england")`` and the command line do; rules given are kept."""
    england = PlanRequest(profile="england")
    assert (england.rules.min_patients, england.rules.max_patients) == (30_000, 50_000)
    assert not england.rules.max_hard
    assert dataclasses.replace(PlanRequest(), profile="england").rules == england.rules
    assert PlanRequest(profile="england", rules=Rules()).rules.max_patients is None
    assert PlanRequest().rules == Rules()
    assert dataclasses.replace(england, seed=3).rules == england.rules
