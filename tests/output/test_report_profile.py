"""The report in a profile's words and money: England's shows PCNs and no kr."""

from __future__ import annotations

import re

import pandas as pd

from planner.api import plan
from planner.core.i18n import use_words
from planner.output.report_html import report_html


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "clinic_id": list("abcd"), "name": ["A", "B", "C", "D"],
        "lat": [52.0, 52.0, 52.01, 52.01], "lon": [-1.0, -1.01, -1.0, -1.01],
        "patients": [20_000, 15_000, 18_000, 12_000], "doctors": [10, 8, 9, 6]})  # fmt: skip


def test_englands_report_has_pcns_and_no_money() -> None:
    result = plan(_table(), profile="england")
    with use_words(result.profile.words):
        page = report_html(result, map_file=None)
    assert "PCN" in page and not re.search(r"\bkr\b", page)
    assert "Annual budget" not in page and "Start-up grant" not in page
    text = page.lower()
    assert "cluster" not in text.replace("data-cluster", "").replace("cluster_id", "")


def test_denmarks_report_shows_the_budget_in_kr() -> None:
    result = plan(_table())
    page = report_html(result, map_file=None, lang="da")
    assert "Årligt budget" in page and "kr." in page and "Klynge" in page
