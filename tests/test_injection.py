"""Hostile text in every input: shown literally, never evaluated, never run.

Every text field the planner reads (clinics, patient lists, links, pairs kept apart,
clinics closing, the map's proposals, current plans, configuration values, file and
folder names, a plan folder handed to ``render`` and ``diff``) carries template syntax
(Jinja, JavaScript template literals, ERB) and HTML/JavaScript breakers.  The outputs
must show the text as it was written, no file may appear outside ``--out``, and in a real
browser no injected script may run.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import dom_attr, island_table, js_errors, run_page
from planner.api import plan
from planner.cli.app import app
from planner.core.rules import Rules
from planner.output.report_html import report_html
from planner.render import render_map

runner = CliRunner()

#: Evaluated, these become EVALUATED, QQQ, 49 or 1337; shown literally, they stay as they are.
TEMPLATES = (
    "{{ 'EVALU' ~ 'ATED' }}",
    "{% for i in range(3) %}Q{% endfor %}",
    "{{7*7}}",
    "${7*191}",
    "<%= 7*191 %>",
    "#{7*191}",
)
#: Written into the page unescaped, each of these would run a script that says so.
BREAKERS = (
    "</script><script>document.title='PWNED',window.PWNED=1</script>",
    '"><img src=x onerror="document.title=\'PWNED\',window.PWNED=2">',
    "'-(window.PWNED=3)-'` ${window.PWNED=4} `",
    "line\u2028sep\u2029end <!-- <script>",
    "[bold red]rich[/] [link=javascript:alert(1)]x[/link] [/]",
)
PAYLOADS = TEMPLATES + BREAKERS
#: Words that appear in an output only if a template was evaluated.
_EVALUATED = re.compile(r"EVALUATED|QQQ|(?<![0-9A-Za-z])1337(?![0-9A-Za-z])")


def evaluated(text: str) -> list[str]:
    """The marks of an evaluated template in ``text`` (none when all stayed literal)."""
    return _EVALUATED.findall(text)


def _sentinel_payload(folder: Path) -> str:
    """A Jinja expression that would create ``folder`` if it were ever evaluated."""
    return "{{ lipsum.__globals__.os.makedirs(" + repr(str(folder)) + ") }}"


def _clinics(tmp: Path) -> pd.DataFrame:
    """12 clinics on a 3 x 4 grid; every text cell hostile."""
    names = [*PAYLOADS, _sentinel_payload(tmp / "pwned")]
    rows = []
    for r in range(3):
        for c in range(4):
            i = r * 4 + c
            rows.append(
                {
                    "clinic_id": f"{PAYLOADS[i % len(PAYLOADS)]}#{i}",
                    "name": names[i % len(names)],
                    "lat": 56.0 + 0.02 * r,
                    "lon": 10.0 + 0.035 * c,
                    "patients": 12_000,
                    "doctors": 7,
                    "municipality": TEMPLATES[0] if c < 2 else BREAKERS[0],
                    "region": TEMPLATES[1],
                    "group": BREAKERS[1] if i in (0, 1) else "",
                }
            )
    return pd.DataFrame(rows)


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A hostile region, planned and then re-planned from the CLI with every side file."""
    tmp = tmp_path_factory.mktemp("hostile")
    clinics = _clinics(tmp)
    ids = clinics["clinic_id"].tolist()
    # A folder and file names with template syntax.
    folder = tmp / "in {{7*7}} {% if 0 %}HIDDEN{% endif %}"
    folder.mkdir()
    clinic_file = _write_csv(clinics, folder / "clinics {{7*7}}.csv")
    patient_rows = [
        {"clinic_id": cid, "sikringsgruppe": "1", "cpr": PAYLOADS[k % len(PAYLOADS)]}
        for cid in ids
        for k in range(12)
    ]
    patients = _write_csv(pd.DataFrame(patient_rows), folder / "patients.csv")
    links = _write_csv(
        pd.DataFrame({"clinic_a": [ids[0]], "clinic_b": [ids[5]], "travel_minutes": [20]}),
        folder / "links.csv",
    )
    apart = _write_csv(
        pd.DataFrame({"clinic_a": [ids[2]], "clinic_b": [ids[11]]}), folder / "apart.csv"
    )
    leaving = _write_csv(pd.DataFrame({"clinic_id": [ids[11]]}), folder / "leaving.csv")
    config = folder / "region.toml"
    config.write_text(
        '[rules]\nmin_patients = 30\n\n[boundaries]\nmode = "auto"\n\n'
        f'[output]\nlang = "en"\nout = {json.dumps(str(tmp / "plan1 {{7*7}}"))}\n',
        encoding="utf-8",
    )
    plan1 = tmp / "plan1 {{7*7}}"
    # Re-plan from a current plan whose cluster ids are hostile, with hostile proposals.
    current = pd.DataFrame(
        {"clinic_id": ids, "cluster_id": [PAYLOADS[i // 3] for i in range(len(ids))]}
    )
    current_file = _write_csv(current, folder / "current.csv")
    proposals = pd.DataFrame(
        {
            "clinic_id": [ids[2], ids[3], ids[4]],
            "proposed_cluster": [PAYLOADS[1], "{{ 'NO' ~ 'SUCH' }}", PAYLOADS[0]],
            "comment": [BREAKERS[0], TEMPLATES[0], BREAKERS[1]],
        }
    )
    choices_file = _write_csv(proposals, folder / "proposals.csv")
    before = set(tmp.rglob("*"))
    first = runner.invoke(
        app,
        [
            "plan", str(clinic_file), "--config", str(config), "--patients", str(patients),
            "--links", str(links), "--cannot-link", str(apart), "--leaving", str(leaving),
            "--quiet",
        ],
    )  # fmt: skip
    plan2 = tmp / "plan2"
    second = runner.invoke(
        app,
        [
            "plan", str(clinic_file), "--min-patients", "30000", "--out", str(plan2),
            "--current", str(current_file), "--choices", str(choices_file), "--replan",
            "--quiet",
        ],
    )  # fmt: skip
    created = set(tmp.rglob("*")) - before
    return {
        "tmp": tmp,
        "clinics": clinics,
        "runs": (first, second),
        "plans": (plan1, plan2),
        "created": created,
    }


def _texts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.is_file()}


def _literal_in(page: str, text: str) -> bool:
    """``text`` in ``page`` as written, HTML-escaped, or as JSON writes it."""
    forms = {
        text,
        html.escape(text),
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
    }
    forms |= {html.escape(f) for f in list(forms)}
    forms |= {f.replace("</", "<\\/") for f in list(forms)}
    forms |= {_u_escaped(f) for f in list(forms)}  # the map's payload (elements.page_json)
    return any(f in page for f in forms)


def _u_escaped(text: str) -> str:
    for char in "<>&'\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def test_both_runs_plan_and_evaluate_nothing(hostile):
    for run in hostile["runs"]:
        assert run.exit_code in (0, 4), run.output
        assert evaluated(run.output) == []
    assert not (hostile["tmp"] / "pwned").exists()
    # Nothing but the two plan folders (and their files) appeared.
    plans = hostile["plans"]
    stray = [p for p in hostile["created"] if not any(p == d or d in p.parents for d in plans)]
    assert stray == []
    for folder in plans:
        for name, text in _texts(folder).items():
            assert evaluated(text) == [], (folder.name, name)


def test_outputs_show_every_text_literally(hostile):
    plan1, plan2 = hostile["plans"]
    pages = {**_texts(plan1), **{f"2/{k}": v for k, v in _texts(plan2).items()}}
    names = hostile["clinics"]["name"]
    # Every clinic name (template syntax, breakers, the sentinel) is on the map as written.
    for name in names:
        assert _literal_in(pages["map.html"], name), name
    for text in (TEMPLATES[0], BREAKERS[0]):  # municipality names, in the crossing reasons
        assert _literal_in(pages["clusters.geojson"], text)
    source = json.loads(pages["summary.json"])["config"]["clinics"]
    assert "{{7*7}} {% if 0 %}HIDDEN{% endif %}" in source
    # The current plan's hostile cluster ids are on the second map, as written.
    for cid in PAYLOADS[:4]:
        assert _literal_in(pages["2/map.html"], cid), cid
    # A proposal naming a cluster the current plan does not have is listed, as written.
    conflicts = pd.read_csv(plan2 / "conflicts.csv", dtype=str, keep_default_na=False)
    assert conflicts.apply(lambda r: "{{ 'NO' ~ 'SUCH' }}" in " ".join(r), axis=1).any()


def test_patient_level_text_never_reaches_an_output(hostile):
    # The patient list's extra column ("cpr") held the payloads; only counts are kept.
    for folder in hostile["plans"]:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert "cpr" not in json.dumps(summary)
    assert pd.read_csv(hostile["plans"][0] / "assignments.csv").shape[0] == 12


def _tamper(source: Path, target: Path) -> Path:
    """A copy of a plan folder whose cluster ids and method name are hostile."""
    target.mkdir()
    for path in source.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    clusters = gpd.read_file(target / "clusters.geojson")
    mapping = {
        old: f"{PAYLOADS[i % len(PAYLOADS)]}~{i}"
        for i, old in enumerate(clusters["cluster_id"].tolist())
    }
    clusters["cluster_id"] = clusters["cluster_id"].map(mapping)
    clusters["meeting_clinic"] = BREAKERS[1]
    clusters.to_file(target / "clusters.geojson", driver="GeoJSON")
    clinics = gpd.read_file(target / "clinics.geojson")
    clinics["cluster_id"] = clinics["cluster_id"].map(lambda c: mapping.get(c, c))
    clinics.to_file(target / "clinics.geojson", driver="GeoJSON")
    summary = json.loads((target / "summary.json").read_text(encoding="utf-8"))
    summary["method"] = TEMPLATES[0]
    (target / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def rendered(hostile):
    """``planner render`` and ``planner diff`` of a hostile plan folder."""
    tmp = hostile["tmp"]
    bad = _tamper(hostile["plans"][0], tmp / "received {{7*7}}")
    before = set(tmp.rglob("*"))
    shown = runner.invoke(app, ["render", str(bad)])
    diff_dir = tmp / "diff [red]x[bold] {{7*7}}"
    compared = runner.invoke(
        app, ["diff", str(bad), str(hostile["plans"][0]), "--out", str(diff_dir)]
    )
    created = set(tmp.rglob("*")) - before
    return bad, diff_dir, (shown, compared), created


def test_render_and_diff_of_a_hostile_plan_folder(rendered, hostile):
    bad, diff_dir, runs, created = rendered
    for run in runs:
        assert run.exit_code == 0, run.output
        assert evaluated(run.output) == []
    assert not (hostile["tmp"] / "pwned").exists()
    stray = [p for p in created if not (p == diff_dir or diff_dir in p.parents or p.parent == bad)]
    assert stray == []
    page = (bad / "map.html").read_text(encoding="utf-8")
    report = (bad / "report.html").read_text(encoding="utf-8")
    diff = (diff_dir / "diff.html").read_text(encoding="utf-8")
    clusters = gpd.read_file(bad / "clusters.geojson")
    for cid in clusters["cluster_id"]:
        assert _literal_in(page, cid) and _literal_in(report, cid) and _literal_in(diff, cid)
    assert _literal_in(report, TEMPLATES[0])  # the method name
    for text in (page, report, diff):
        assert evaluated(text) == []


_HARNESS = """<script>
window.addEventListener("load", function () {
  var original = document.title;
  setTimeout(function () {
    // Put every tooltip and popup into the page the way Leaflet opens them (innerHTML).
    var box = document.createElement("div"), n = 0;
    box.id = "harness";
    document.body.appendChild(box);
    Object.keys(window).forEach(function (key) {
      var layer = window[key];
      if (typeof L === "undefined" || !layer || !(layer instanceof L.Layer)) { return; }
      [layer.getPopup && layer.getPopup(), layer.getTooltip && layer.getTooltip()]
        .forEach(function (p) {
          if (p) { var d = document.createElement("div"); d.innerHTML = p.getContent();
                   box.appendChild(d); n += 1; }
        });
    });
    var api = window.plannerReviewApi, hits = [];
    // The map builds its tooltips and popups when they open: every one of them, too.
    ((api && api.contents && api.contents()) || []).forEach(function (item) {
      var d = document.createElement("div"); d.innerHTML = item.html; box.appendChild(d); n += 1;
    });
    if (api) {
      CLINICS.forEach(function (c) {
        hits.push(api.search(c.name.slice(0, 12)).length);
        api.select(c.id);
      });
    }
    document.documentElement.setAttribute("data-harness", String(n));
    document.documentElement.setAttribute("data-hits", JSON.stringify(hits));
    setTimeout(function () {
      document.documentElement.setAttribute("data-title-kept", String(document.title === original));
      document.documentElement.setAttribute("data-pwned", String(window.PWNED));
    }, 1000);
  }, 300);
});
</script>"""


def _drive(chromium: str, page: Path, clinics: list[dict[str, str]], out: Path) -> str:
    harness = _HARNESS.replace("CLINICS", json.dumps(clinics).replace("<", "\\u003c"))
    text = page.read_text(encoding="utf-8")
    head, tail = text.rsplit("</html>", 1)
    out.write_text(head + harness + "\n</html>" + tail, encoding="utf-8")
    dom, log = run_page(chromium, out)
    assert js_errors(log) == [], js_errors(log)
    return dom


def test_no_injected_script_runs_in_a_browser(chromium, hostile, rendered, tmp_path):
    clinics = [{"id": r.clinic_id, "name": r.name} for r in hostile["clinics"].itertuples()]
    bad, diff_dir, _runs, _created = rendered
    pages = [
        hostile["plans"][0] / "map.html",
        hostile["plans"][1] / "map.html",
        bad / "map.html",
        hostile["plans"][0] / "report.html",
        bad / "report.html",
        diff_dir / "diff.html",
    ]
    for k, page in enumerate(pages):
        dom = _drive(
            chromium, page, clinics if page.name == "map.html" else [], tmp_path / f"{k}.html"
        )
        assert dom_attr(dom, "data-pwned") == "undefined", page
        assert dom_attr(dom, "data-title-kept") == "true", page
        assert dom_attr(dom, "data-planner-errors") is None, page
        if page.name == "map.html":
            assert int(dom_attr(dom, "data-harness") or 0) >= 2 * 11, page  # tips and popups
            # Each name is found by the map's search, and shows as text in the popups.
            assert all(h >= 1 for h in json.loads(dom_attr(dom, "data-hits") or "[]")), page
            harness = dom[dom.index('id="harness"') :]
            assert "{{7*7}}" in harness and html.escape("</script><script>") in harness
        assert evaluated(dom) == [], page


# --- property test: any text round-trips through the page's data ---------------------


@pytest.fixture(scope="module")
def small_plan():
    table = island_table("e")
    return plan(table, rules=Rules(min_patients=30_000, link_max_km=5.0), random_state=0)


def _review_data(page: str) -> dict:
    """The JSON payload the map's own script reads (``plannerReview(map, DATA, ...)``)."""
    start = page.rindex("plannerReview(")
    start = page.index("{", start)
    data, _end = json.JSONDecoder().raw_decode(page, start)
    return data


unusual = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), min_codepoint=1),
    min_size=1,
    max_size=40,
)
names = st.one_of(
    unusual,
    st.sampled_from(PAYLOADS),
    st.builds("".join, st.lists(st.sampled_from(PAYLOADS), min_size=2, max_size=4)),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=names, other=names)
def test_any_name_round_trips_through_the_map_and_report(small_plan, name, other):
    clinics = small_plan.clinics.copy()
    clinics["name"] = [name, other, name, other, name]
    unassigned = small_plan.unassigned.copy()
    unassigned["name"] = name
    result = dataclasses.replace(small_plan, clinics=clinics, unassigned=unassigned)
    page = render_map(result, tiles=None).get_root().render()
    data = _review_data(page)
    assert [c["name"] for c in data["clinics"]] == clinics["name"].tolist()
    # No text ends a script element early: the page has as many as with plain names.
    assert page.count("</script") == _plain_scripts(small_plan)
    report = report_html(result)
    assert html.escape(name) in report
    if not evaluated(name + other):
        assert evaluated(page) == [] and evaluated(report) == []


_SCRIPTS: dict[int, int] = {}


def _plain_scripts(result) -> int:
    """How many ``</script`` the map of ``result`` has with its own, plain names."""
    if id(result) not in _SCRIPTS:
        _SCRIPTS[id(result)] = render_map(result, tiles=None).get_root().render().count("</script")
    return _SCRIPTS[id(result)]
