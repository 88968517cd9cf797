"""Reasons as values: written in English and Danish, kept as codes, shown in the map's language."""

from __future__ import annotations

import html
import json
import string

import pandas as pd
import pytest

from conftest import grid, island_table
from planner import plan
from planner.core.choices import Choices
from planner.core.i18n import REASONS
from planner.core.reasons import Reason, decode, format_reason, localise, reason_text
from planner.core.rules import Rules
from planner.demo.region import load_demo, load_demo_land
from planner.output.read import load_plan
from planner.output.report_html import report_html
from planner.output.write import write_outputs
from planner.render import render_map

_NESTED = {
    "needs": Reason("needs_patients", {"patients": 30_000}),
    "how": Reason("how_keep"),
    "where": Reason("where_empty"),
    "merge": Reason("one_unit"),
    "what": Reason("what_group", {"name": "G1"}),
    "why": Reason("fix_lower", {"patients": 1_762}),
    "fixes": (Reason("fix_lower", {"patients": 1_762}), Reason("fix_cross_region", {"area": "R"})),
    "items": (Reason("one_unit"), Reason("kept_current")),
    "small": ("Læsø",),
    "joins": ("Frederikshavn", "Hjørring"),
    "areas": ("A", "B (part)"),
    "patients": 30_000,
    "gps": 12,
    "n": 3,
    "km": 42,
}


def _sample(key: str) -> Reason:
    """The reason ``key`` with every field of both its templates filled."""
    wanted = {f for text in REASONS[key] for _, f, _, _ in string.Formatter().parse(text) if f}
    return Reason(key, {f: _NESTED.get(f, f"<{f}>") for f in sorted(wanted)})


def _shown(page: str, text: str) -> bool:
    """Whether ``text`` is in a page as it is, HTML-escaped or JSON-escaped."""
    forms = {text, html.escape(text), json.dumps(text)[1:-1], json.dumps(html.escape(text))[1:-1]}
    return any(f in page for f in forms)


@pytest.mark.parametrize("key", sorted(REASONS))
def test_every_reason_reads_in_english_and_danish_with_every_field_filled(key):
    reason = _sample(key)
    en, da = format_reason(reason, "en"), format_reason(reason, "da")
    for text in (en, da):
        assert text and "{" not in text and "}" not in text
    if "patients" in reason.fields:
        assert "30,000" in en and "30.000" in da
    if key not in ("several", "closing") and not key.startswith(("fix_lower", "needs_")):
        assert en != da  # really translated
    assert decode(reason.code()) == reason


def test_the_danish_island_sentence_reads_naturally():
    reason = Reason(
        "too_small_joins",
        {
            "small": ("Læsø",),
            "patients": 1_762,
            "needs": Reason("needs_patients", {"patients": 30_000}),
            "joins": ("Frederikshavn",),
        },
    )
    assert format_reason(reason, "da") == (
        "Læsø (1.762 patienter) er for lille til sin egen klynge (en klynge skal have mindst "
        "30.000 patienter) og går derfor sammen med Frederikshavn, de færreste naboer der giver "
        "en klynge"
    )
    assert format_reason(reason, "en").startswith("Læsø (1,762 patients) is too small")


def test_lists_of_names_and_of_fixes_are_joined_in_the_language():
    reason = _sample("left_out_fix")
    assert "; or allow crossing into region R" in format_reason(reason, "en")
    assert "; eller tillad at krydse grænsen til region R" in format_reason(reason, "da")
    joins = format_reason(_sample("too_small_joins"), "da")
    assert "Frederikshavn og Hjørring" in joins
    assert "B (del)" in format_reason(_sample("together"), "da")


def test_a_missing_code_falls_back_to_the_text():
    assert reason_text("closing", "", "da") == "closing"
    assert reason_text("closing", None, "da") == "closing"
    assert reason_text("closing", "not json", "da") == "closing"
    assert reason_text("closing", '{"key": "no_such_key", "fields": {}}', "da") == "closing"
    assert reason_text("closing", Reason("closing").code(), "da") == "lukker"


def test_unknown_keys_and_missing_fields_are_refused():
    with pytest.raises(KeyError):
        Reason("no_such_key")
    with pytest.raises(KeyError, match="patients"):
        format_reason(Reason("fix_lower"), "da")


# -- plans -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_result():
    return plan(load_demo(), land=load_demo_land(), random_state=0)


@pytest.fixture(scope="module")
def island_result():
    table = island_table()
    return plan(table, rules=Rules(min_patients=30_000, link_max_km=5.0))


def _pages(result, lang: str) -> dict[str, str]:
    return {
        "map": render_map(result, lang=lang, tiles=None).get_root().render(),
        "report": report_html(result, lang=lang),
    }


def test_the_demo_crossing_reason_is_danish_in_a_danish_map_and_report(demo_result):
    crossing = demo_result.clusters[demo_result.clusters["crossings"] != ""].iloc[0]
    english = crossing["crossings"]
    danish = format_reason(decode(crossing["crossings_code"]), "da")
    assert "er for lille til sin egen klynge" in danish
    for name, page in _pages(demo_result, "da").items():
        assert _shown(page, danish), name
        assert not _shown(page, english), name
    for name, page in _pages(demo_result, "en").items():
        assert _shown(page, english), name


def test_a_left_out_island_is_explained_in_danish(island_result):
    row = island_result.unassigned.iloc[0]
    english = row["reason"]
    assert "add a link (bridge or ferry)" in english
    danish = reason_text(english, row["reason_code"], "da")
    assert "tilføj en forbindelse (bro eller færge)" in danish and "3.000 patienter" in danish
    for name, page in _pages(island_result, "da").items():
        assert _shown(page, danish), name
        assert not _shown(page, english), name
    part = island_result.infeasible.iloc[0]
    assert part["why"] in english  # the English columns are unchanged
    assert "tilsammen 3.000 patienter" in reason_text(part["why"], part["why_code"], "da")
    fixes = reason_text(part["fixes"], part["fixes_code"], "da")
    assert fixes.startswith("tilføj en forbindelse") and "; eller sænk min_patients" in fixes


def test_closing_and_conflicts_from_choices_are_danish():
    table = grid()
    table["leaving"] = ""
    table.loc[table["clinic_id"] == "c000", "leaving"] = "ja"
    result = plan(table, choices=Choices(proposed={"c001": "C02"}))
    closing = result.unassigned.set_index("clinic_id").loc["c000"]
    assert closing["reason"] == "closing"
    assert reason_text(closing["reason"], closing["reason_code"], "da") == "lukker"
    conflict = result.conflicts.iloc[0]
    assert "--current" in conflict["detail"]
    danish = reason_text(conflict["detail"], conflict["detail_code"], "da")
    assert danish.startswith("foreslået til klynge C02, men der er ikke angivet en nuværende plan")
    page = report_html(result, lang="da")
    assert _shown(page, danish) and not _shown(page, conflict["detail"])
    assert _shown(page, "lukker")


def test_localise_leaves_english_tables_alone_and_writes_danish_ones(island_result):
    frame = island_result.unassigned
    assert localise(frame, "en") is frame
    danish = localise(frame, "da")
    assert danish["reason"].iloc[0] != frame["reason"].iloc[0]
    assert frame["reason"].iloc[0].startswith("Far and its linked")  # the original is kept


def test_a_plan_directory_keeps_the_codes(demo_result, island_result, tmp_path):
    for k, result in enumerate((demo_result, island_result)):
        out = tmp_path / f"plan{k}"
        write_outputs(result, out, with_map=False)
        back = load_plan(out)
        assert back.clinics["reason_code"].tolist() == result.clinics["reason_code"].tolist()
        assert back.unassigned["reason_code"].tolist() == result.unassigned["reason_code"].tolist()
        assert back.clusters["crossings_code"].fillna("").tolist() == (
            result.clusters["crossings_code"].tolist()
        )
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert [c["crossings_code"] for c in summary["clusters"]] == (
            result.clusters["crossings_code"].tolist()
        )
        assert _pages(back, "da") is not None
    back = load_plan(tmp_path / "plan1")
    danish = reason_text("", back.unassigned["reason_code"].iloc[0], "da")
    assert _shown(report_html(back, lang="da"), danish)


def test_an_old_plan_directory_without_codes_shows_its_text(island_result, tmp_path):
    write_outputs(island_result, tmp_path, with_map=False)
    unassigned = pd.read_csv(tmp_path / "unassigned.csv").drop(columns="reason_code")
    unassigned.to_csv(tmp_path / "unassigned.csv", index=False)
    back = load_plan(tmp_path)
    page = report_html(back, lang="da")
    assert _shown(page, island_result.unassigned["reason"].iloc[0])


def test_a_crossing_kept_from_the_current_plan_and_a_size_note_are_danish():
    def area(r, c):
        muni = "B" if (r, c) == (0, 2) else ("A" if c <= 2 else "B")
        return {"municipality": muni, "region": "R", "existing_cluster": f"K{c + 1}"}

    result = plan(grid(area=area), mode="replan")
    k3 = result.clusters.set_index("cluster_id").loc["K3"]
    danish = reason_text(k3["crossings"], k3["crossings_code"], "da")
    assert danish.startswith("bevaret fra den nuværende plan")
    assert _shown(report_html(result, lang="da"), danish)
    small = plan(grid(2, 3, patients=4_000, doctors=4), rules=Rules(min_doctors=18))
    row = small.clusters.iloc[0]
    assert reason_text(row["size_note"], row["size_note_code"], "da") == (
        "opfylder reglen med sine 24 læger"
    )


def test_a_whole_region_too_small_is_danish():
    result = plan(grid(2, 3, patients=4_000, doctors=4))
    row = result.unassigned.iloc[0]
    assert row["reason"].startswith("the whole region holds 24,000 patients")
    danish = reason_text(row["reason"], row["reason_code"], "da")
    assert danish.startswith("hele regionen har kun 24.000 patienter, færre end de 30.000")
    page = render_map(result, lang="da", tiles=None).get_root().render()
    assert _shown(page, danish) and not _shown(page, row["reason"])
