"""webui/judgments.py: staff judge results from the search page (CSRF-protected forms), the
judgments become a test set for `coopsearch evaluate --judgments`, and the dashboard shows
nDCG@10 for the index being served against the generation before the last rebuild.
"""

from __future__ import annotations

import json
import math
import time

import pytest
from conftest import STAFF_EMAIL, STAFF_PASSWORD, build_index, csrf_token, log_in
from pagehtml import parse
from testdata import SYNONYMS, THEMES

import webui
from webui import accounts, judgments
from webui.cli import main
from webui.db import connect, open_db

ENV = {"COOPSEARCH_SYNONYMS": str(SYNONYMS), "COOPSEARCH_THEMES": str(THEMES)}


def stored(settings) -> list[tuple]:
    conn = connect(settings.staff_db)
    try:
        return [tuple(r) for r in conn.execute("SELECT query, entry_id, grade, judged_by FROM judgments")]
    finally:
        conn.close()


def judge_forms(client, url: str) -> dict[str, dict[str, str]]:
    """The judgment form of each hit on a search page, by entry id: its hidden fields."""
    doc = parse(client.get(url).get_data(as_text=True))
    forms = {}
    for form in doc.find_all("form", cls="judge"):
        fields = {i.attrs["name"]: i.attrs.get("value", "") for i in form.find_all("input")}
        fields["_action"], fields["_status"] = form.attrs["action"], form.find("span", cls="judged").text
        forms[fields["entry_id"]] = fields
    return forms


def forms_titles(html: str) -> list[str]:
    """The plain titles of the hits, in order."""
    return [li.find("h2").text for li in parse(html).find("ol", id_="hits").find_all("li", cls="hit")]


def submit(client, form: dict[str, str], grade: str, **headers):
    data = {k: v for k, v in form.items() if not k.startswith("_")}
    return client.post(form["_action"], data={**data, "grade": grade}, headers=headers)


# -- judging from the search page -----------------------------------------------------------


def test_visitors_see_no_judgment_buttons(anonymous):
    html = anonymous.get("/search?q=solar").get_data(as_text=True)
    assert 'class="judge"' not in html and "csrf_token" not in html
    data = json.loads(parse(html).find("script", id_="page-data").text)
    assert data["staff"] is None


def test_staff_see_relevant_and_not_relevant_on_every_hit(staff):
    forms = judge_forms(staff, "/search?q=Solar")
    # "Solar" also names the energy theme (issue 13): its four entries.
    assert set(forms) == {"pv-array-farm", "solar-coop-rooftops", "j-wind-turbine", "auto-themed-energy"}
    form = forms["solar-coop-rooftops"]
    assert form["_action"] == "/staff/judgments" and form["q"] == "Solar" and form["csrf_token"]
    assert form["next"] == "/search?q=Solar" and form["_status"] == "Not judged"
    html = staff.get("/search?q=Solar").get_data(as_text=True)
    buttons = parse(html).find("form", cls="judge").find_all("button")
    title = forms_titles(html)[0]
    assert [(b.attrs["name"], b.attrs["value"], b.text) for b in buttons] == [
        ("grade", "1", f"Relevant: {title}"),
        ("grade", "0", f"Not relevant: {title}"),
    ]
    data = json.loads(parse(html).find("script", id_="page-data").text)
    token = parse(html).find("form", cls="judge").find("input", name="csrf_token").attrs["value"]
    assert data["staff"] == {
        "csrf": token,
        "judge": "/staff/judgments",
        "grades": "/staff/judgments/grades",
    }


def test_a_browse_without_words_has_nothing_to_judge(staff):
    assert judge_forms(staff, "/search?theme=energy") == {}


def test_judging_through_the_form_stores_the_latest_judgment(staff, staff_settings):
    form = judge_forms(staff, "/search?q=++Solar+")["solar-coop-rooftops"]
    response = submit(staff, form, "1")
    assert response.status_code == 302 and response.headers["Location"] == "/search?q=++Solar+"
    assert stored(staff_settings) == [("solar", "solar-coop-rooftops", 1, STAFF_EMAIL)]
    assert judge_forms(staff, "/search?q=solar")["solar-coop-rooftops"]["_status"] == "Judged relevant"

    submit(staff, form, "0")  # a change of mind: the latest wins
    assert stored(staff_settings) == [("solar", "solar-coop-rooftops", 0, STAFF_EMAIL)]
    assert judge_forms(staff, "/search?q=solar")["solar-coop-rooftops"]["_status"] == "Judged not relevant"
    conn = connect(staff_settings.staff_db)
    audit = conn.execute("SELECT actor, action, target, detail FROM audit_log WHERE action = 'judgment.set'")
    assert [tuple(r) for r in audit] == [
        (STAFF_EMAIL, "judgment.set", "solar → solar-coop-rooftops", "relevant"),
        (STAFF_EMAIL, "judgment.set", "solar → solar-coop-rooftops", "not relevant"),
    ]


def test_a_judgment_without_the_csrf_token_is_refused(staff, staff_settings):
    form = judge_forms(staff, "/search?q=solar")["pv-array-farm"]
    del form["csrf_token"]
    assert submit(staff, form, "1").status_code == 400
    form["csrf_token"] = "forged"
    assert submit(staff, form, "1").status_code == 400
    assert stored(staff_settings) == []


def test_a_visitor_cannot_judge(anonymous, staff, staff_settings):
    form = judge_forms(staff, "/search?q=solar")["pv-array-farm"]
    # A session of its own, with a valid CSRF token of its own: refused for not being staff.
    response = submit(anonymous, {**form, "csrf_token": csrf_token(anonymous)}, "1")
    assert response.status_code == 401
    assert stored(staff_settings) == []


def test_app_js_gets_json_back(staff, staff_settings):
    form = judge_forms(staff, "/search?q=wind")["j-wind-turbine"]
    response = submit(staff, form, "1", Accept="application/json")
    assert response.status_code == 200
    assert response.get_json() == {"query": "wind", "entry_id": "j-wind-turbine", "grade": 1}
    grades = staff.get("/staff/judgments/grades?q=WIND").get_json()
    assert grades == {"query": "wind", "grades": {"j-wind-turbine": 1}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"grade": "2"}, "choose relevant (grade 1) or not relevant (grade 0)"),
        ({"grade": ""}, "choose relevant (grade 1) or not relevant (grade 0)"),
        ({"entry_id": "no-such-entry"}, "there is no entry 'no-such-entry' in the library"),
        ({"entry_id": ""}, "a judgment needs the id of an entry"),
        ({"q": "   "}, "a judgment needs the query it was made for"),
    ],
)
def test_a_judgment_that_cannot_be_stored_is_a_422(staff, staff_settings, change, message):
    form = judge_forms(staff, "/search?q=solar")["pv-array-farm"]
    data = {k: v for k, v in form.items() if not k.startswith("_")} | {"grade": "1"} | change
    as_json = staff.post("/staff/judgments", data=data, headers={"Accept": "application/json"})
    assert as_json.status_code == 422
    assert as_json.get_json()["error"]["message"] == message
    as_html = staff.post("/staff/judgments", data=data)
    assert as_html.status_code == 422 and message in as_html.get_data(as_text=True).replace("&#39;", "'")
    assert stored(staff_settings) == []


def test_next_never_leads_off_the_site(staff):
    form = judge_forms(staff, "/search?q=solar")["pv-array-farm"]
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = submit(staff, {**form, "next": target}, "1")
        assert response.headers["Location"] == "/staff/judgments"


# -- the test set and `coopsearch evaluate --judgments` -------------------------------------

#: Rankings in the test library: solar -> pv-array-farm, solar-coop-rooftops; tricycle ->
#: tricycle-delivery; wind -> auto-themed-energy, j-wind-turbine (j-rent-strike not found).
JUDGED = [
    ("solar", "solar-coop-rooftops", 1),  # relevant at rank 2
    ("solar", "pv-array-farm", 0),
    ("tricycle", "tricycle-delivery", 1),  # relevant at rank 1
    ("wind", "j-wind-turbine", 1),  # rank 2
    ("wind", "j-rent-strike", 1),  # not found
    ("bakery", "bakery-worker-owners", 0),  # no relevant entry: left out of the averages
]
R2 = 1 / math.log2(3)  # the gain of a relevant entry at rank 2
NDCG = (R2 + 1 + R2 / (1 + R2)) / 3
EXPECTED = (
    "queries     3\n"
    f"ndcg@10     {NDCG:.4f}\n"
    "map@100     0.5833\n"  # (1/2 + 1 + (1/2)/2) / 3
    "p@10        0.1000\n"
    "recall@100  0.8333\n"  # (1 + 1 + 1/2) / 3
)


def seed_judgments(settings, judged=JUDGED) -> None:
    conn = open_db(settings.staff_db)
    for query, entry_id, grade in judged:
        judgments.judge(conn, query, entry_id, grade, STAFF_EMAIL)
    conn.close()


def test_the_expected_figures():
    assert f"{NDCG:.4f}" == "0.6726"


def test_evaluate_runs_the_judgments_like_the_cacm_files(runner, staff_settings, library_index, tmp_path):
    seed_judgments(staff_settings)
    args = ["evaluate", "--index", str(library_index), "--db", str(staff_settings.staff_db)]
    result = runner.invoke(main, [*args, "--judgments", "--run", str(tmp_path / "run.trec")], env=ENV)
    assert result.exit_code == 0, result.output
    assert result.stdout == EXPECTED

    run = (tmp_path / "run.trec").read_text().splitlines()
    # "solar" also names the energy theme (issue 13): the entries with the word, then the
    # theme's others.
    assert [line.split()[:4] for line in run if line.startswith("j2 ")] == [
        ["j2", "Q0", "pv-array-farm", "1"],
        ["j2", "Q0", "solar-coop-rooftops", "2"],
        ["j2", "Q0", "j-wind-turbine", "3"],
        ["j2", "Q0", "auto-themed-energy", "4"],
    ]
    # The same set written as the CACM files gives the same figures.
    conn = connect(staff_settings.staff_db)
    queries, qrels = judgments.as_test_set(conn)
    conn.close()
    assert queries == [("j1", "bakery"), ("j2", "solar"), ("j3", "tricycle"), ("j4", "wind")]
    (tmp_path / "q.jsonl").write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in queries))
    lines = ["query-id\tcorpus-id\tscore"] + [
        f"{q}\t{d}\t{g}" for q, docs in qrels.items() for d, g in docs.items()
    ]
    (tmp_path / "qrels.tsv").write_text("\n".join(lines) + "\n")
    files = ["--queries", str(tmp_path / "q.jsonl"), "--qrels", str(tmp_path / "qrels.tsv")]
    assert (
        runner.invoke(main, ["evaluate", "--index", str(library_index), *files], env=ENV).stdout == EXPECTED
    )


def test_evaluate_wants_one_test_set(runner, staff_settings, library_index, tmp_path):
    base = ["evaluate", "--index", str(library_index), "--db", str(staff_settings.staff_db)]
    empty = runner.invoke(main, [*base, "--judgments"], env=ENV)
    assert empty.exit_code == 1 and "there are no relevance judgments" in empty.output
    neither = runner.invoke(main, base, env=ENV)
    assert neither.exit_code == 2 and "give --queries and --qrels, or --judgments" in neither.output
    (tmp_path / "q.jsonl").write_text('{"id": "1", "text": "solar"}\n')
    both = runner.invoke(main, [*base, "--judgments", "--queries", str(tmp_path / "q.jsonl")], env=ENV)
    assert both.exit_code == 2 and "not both" in both.output


# -- the dashboard's nDCG@10 ----------------------------------------------------------------


def test_the_dashboard_shows_the_current_ndcg(staff, staff_settings, library_index):
    doc = parse(staff.get("/staff/analytics").get_data(as_text=True))
    assert "No judgments yet" in doc.find("section", cls="ranking-score").text
    seed_judgments(staff_settings)
    doc = parse(staff.get("/staff/analytics").get_data(as_text=True))
    assert doc.find("td", cls="ndcg-current").text == f"{NDCG:.3f}" == "0.673"
    generation = (library_index / "CURRENT").read_text().strip().rstrip("/")
    assert generation in doc.find("table", cls="score-table").text
    assert doc.find_all("td", cls="ndcg-previous") == []
    assert "the change shows after the next rebuild" in doc.find("p", cls="ndcg-change").text


def test_the_score_follows_new_judgments(staff, staff_settings):
    seed_judgments(staff_settings, JUDGED[:2])  # solar only: relevant at rank 2
    doc = parse(staff.get("/staff/judgments").get_data(as_text=True))
    assert doc.find("td", cls="ndcg-current").text == f"{R2:.3f}"
    form = judge_forms(staff, "/search?q=solar")["pv-array-farm"]
    submit(staff, form, "1")  # now both solar hits are relevant: a perfect ranking
    doc = parse(staff.get("/staff/judgments").get_data(as_text=True))
    assert doc.find("td", cls="ndcg-current").text == "1.000"


def test_the_dashboard_compares_with_the_generation_before_the_rebuild(tmp_path, library_copy, index_copy):
    settings = webui.Settings(
        index_dir=index_copy,
        synonyms_file=SYNONYMS,
        themes_file=THEMES,
        db_file=tmp_path / "staff.sqlite3",
        refresh_seconds=0.01,
    )
    conn = open_db(settings.staff_db)
    accounts.add_account(conn, STAFF_EMAIL, STAFF_PASSWORD)
    conn.close()
    seed_judgments(settings, JUDGED[:2])
    client = webui.create_app(settings).test_client()
    log_in(client)
    first = parse(client.get("/staff/analytics").get_data(as_text=True))
    assert first.find("td", cls="ndcg-current").text == "0.631"

    (library_copy / "pv-array-farm.md").unlink()  # the non-relevant entry ranked first goes
    report = build_index(index_copy, [library_copy], rebuild=True)
    assert report.errors == []
    time.sleep(0.05)  # the engine looks for a new generation every refresh_seconds
    doc = parse(client.get("/staff/analytics").get_data(as_text=True))
    assert doc.find("td", cls="ndcg-current").text == "1.000"
    assert doc.find("td", cls="ndcg-previous").text == "0.631"
    assert doc.find("p", cls="ndcg-change").text.startswith("Since the last rebuild: +0.369 (better).")
    rows = doc.find("table", cls="score-table").find("tbody").find_all("tr")
    assert [r.find_all("td")[0].text for r in rows] == ["gen-000002", "gen-000001"]


# -- the judgments page ---------------------------------------------------------------------


def test_the_judgments_page_lists_judged_queries_with_counts(staff, staff_settings):
    seed_judgments(staff_settings)
    doc = parse(staff.get("/staff/judgments").get_data(as_text=True))
    assert doc.find("h1").text == "Relevance judgments"
    body = doc.find("table", cls="judged-queries").find("tbody")
    assert [[c.text for c in tr.find_all() if c.tag in ("th", "td")][:4] for tr in body.find_all("tr")] == [
        ["bakery", "0", "1", "1"],
        ["solar", "1", "1", "2"],
        ["tricycle", "1", "0", "1"],
        ["wind", "2", "0", "2"],
    ]
    one = parse(staff.get("/staff/judgments?q=Wind").get_data(as_text=True))
    detail = one.find("table", cls="query-judgments").find("tbody")
    assert [[c.text for c in tr.find_all() if c.tag in ("th", "td")][:3] for tr in detail.find_all("tr")] == [
        ["j-rent-strike", "relevant", STAFF_EMAIL],
        ["j-wind-turbine", "relevant", STAFF_EMAIL],
    ]


def test_judgments_pages_are_for_staff_only(anonymous):
    for url in ("/staff/judgments", "/staff/judgments/grades?q=solar"):
        response = anonymous.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


def test_judged_queries_are_stored_normalized(staff_settings):
    conn = open_db(staff_settings.staff_db)
    assert judgments.judge(conn, "  Wind\tTurbines ", "j-wind-turbine", 1, STAFF_EMAIL) == "wind turbines"
    with pytest.raises(judgments.JudgmentError):
        judgments.judge(conn, "x" * 1001, "j-wind-turbine", 1, STAFF_EMAIL)
    conn.close()
