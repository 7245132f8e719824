"""webui/themes_staff.py: staff set an entry's themes, review and confirm automatic ones, and
edit a theme with a preview of what would change; every change reaches the index at once and
survives incremental runs and full rebuilds of `coopsearch index`.

The library here is the test library plus two entries without themes (written as files), so
that three entries have automatic themes; their expected changes were worked out by hand:
with "wind", "turbine", "grid" and "electric" added to housing's keywords, "Wind Energy and the
Electric Grid" gains housing (its housing hits come to over 0.7 of its energy hits) and
"Tenants Own a Wind Turbine" loses energy (housing 21 weighted hits, energy 12: below 0.7).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import STAFF_EMAIL, build_index, csrf_token, log_in
from pagehtml import parse
from testdata import AUTO_THEMED_ID, THEMES

import indexer
import webui
from indexer.lock import WriteLock
from search import SearchEngine
from webui import accounts
from webui.cli import main
from webui.db import open_db

TURBINE = "tenants-own-a-turbine"
BREAD = "rent-and-bread"
EXTRA = {
    TURBINE: (
        "Tenants Own a Wind Turbine",
        "A housing co-op's tenants bought a turbine.",
        "The tenants of the housing co-op pay less rent since their wind turbine sells "
        "electricity to the grid.",
    ),
    BREAD: (
        "Rent and Bread",
        "A tenant union runs a bakery.",
        "The tenant union's bakery sells bread below cost to tenants facing a rent rise.",
    ),
}
AUTO_IDS = {AUTO_THEMED_ID, TURBINE, BREAD}
HOUSING_KEYWORDS = "housing\ntenant\nrent\napartment\nlandlord"
WINDY_HOUSING = HOUSING_KEYWORDS + "\nwind\nturbine, grid\nelectric"


@pytest.fixture
def library(library_copy: Path, index_copy: Path) -> Path:
    """The test library plus EXTRA, indexed into `index_copy`; yields the library folder."""
    for entry_id, (title, summary, body) in EXTRA.items():
        text = f'---\ntitle: "{title}"\ndate: "2025"\nsummary: "{summary}"\n---\n{body}\n'
        (library_copy / f"{entry_id}.md").write_text(text, encoding="utf-8")
    assert build_index(index_copy, [library_copy]).added == 2
    return library_copy


@pytest.fixture
def theme_settings(staff_settings: webui.Settings, index_copy: Path, library: Path) -> webui.Settings:
    return replace(staff_settings, index_dir=index_copy)


@pytest.fixture
def theme_app(theme_settings):
    app = webui.create_app(theme_settings)
    app.config["COOPSEARCH_WRITE_WAIT"] = 0.3
    return app


@pytest.fixture
def staff(theme_app):
    client = theme_app.test_client()
    assert log_in(client).status_code == 302
    return client


def themes_of(index_dir: Path) -> dict[str, tuple[tuple[str, ...], str]]:
    """Every entry's indexed themes and theme source."""
    return {s.entry.id: (s.themes, s.theme_source) for s in indexer.stored_entries(index_dir)}


def index_version(index_dir: Path) -> str:
    engine = SearchEngine(index_dir, refresh_seconds=0)
    try:
        return engine.version
    finally:
        engine.close()


def engine_labels(index_dir: Path) -> dict[str, str]:
    engine = SearchEngine(index_dir, refresh_seconds=0)
    try:
        return {theme.id: theme.label for theme, _ in engine.themes()}
    finally:
        engine.close()


def rows(settings: webui.Settings, table: str) -> list[dict]:
    conn = open_db(settings.staff_db)
    try:
        return [dict(row) for row in conn.execute(f"SELECT * FROM {table}")]
    finally:
        conn.close()


def last_audit(settings: webui.Settings) -> tuple[str, str, str, str]:
    conn = open_db(settings.staff_db)
    try:
        row = accounts.audit_entries(conn, 1)[0]
        return row["actor"], row["action"], row["target"], row["detail"]
    finally:
        conn.close()


def post(client, path: str, data: dict, form_path: str | None = None):
    """POST a form the way a browser does: with the CSRF token of the page it came from."""
    return client.post(path, data={"csrf_token": csrf_token(client, form_path or path), **data})


def set_themes(client, entry_id: str, themes: list[str]):
    path = f"/staff/themes/entries/{entry_id}"
    return post(client, path, {"theme": themes, "action": "save"})


def edit_theme(client, theme_id: str, action: str, **fields: str):
    path = f"/staff/themes/{theme_id}"
    page = parse(client.get(path).get_data(as_text=True))
    values = {
        "label": page.find("input", id_="theme-label").attrs["value"],
        "description": page.find("textarea", id_="theme-description").text,
        "keywords": page.find("textarea", id_="theme-keywords").raw_text,
    }
    return post(client, path, {**values, **fields, "action": action})


def preview_rows(html: str) -> dict[str, tuple[str, str]]:
    """The preview table: entry id -> (themes gained, themes lost), ids space-separated."""
    table = parse(html).find("section", cls="theme-preview")
    return {
        tr.attrs["data-entry"]: (
            tr.find("td", data_gains=True).attrs["data-gains"],
            tr.find("td", data_loses=True).attrs["data-loses"],
        )
        for tr in table.find_all("tr")
        if "data-entry" in tr.attrs
    }


# -- the link on the entry page -----------------------------------------------------------------


def test_the_entry_page_links_to_the_theme_form_only_for_staff(theme_app, staff):
    form = "/staff/themes/entries/esop-buyout"
    visitor = theme_app.test_client().get("/entries/esop-buyout").get_data(as_text=True)
    assert form not in visitor
    page = staff.get("/entries/esop-buyout")
    assert page.status_code == 200
    assert (form, []) in parse(page.get_data(as_text=True)).links()
    assert "public" not in page.headers.get("Cache-Control", "")


# -- one entry's themes -------------------------------------------------------------------------


def test_the_form_has_a_checkbox_per_theme_with_the_current_ones_ticked(staff):
    response = staff.get("/staff/themes/entries/housing-tenants-union")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = parse(response.get_data(as_text=True))
    assert len(page.find_all("h1")) == 1
    boxes = {b.attrs["value"]: "checked" in b.attrs for b in page.find_all("input", type="checkbox")}
    assert boxes == {"health": False, "energy": False, "housing": True, "food": False, "governance": True}
    for box in page.find_all("input", type="checkbox"):
        assert page.find("label", for_=box.attrs["id"]).text
    assert page.find("fieldset").find("legend").text


def test_staff_set_an_entrys_themes_and_the_index_has_them_at_once(staff, theme_settings, index_copy):
    response = set_themes(staff, AUTO_THEMED_ID, ["health", "food"])
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/themes/entries/{AUTO_THEMED_ID}"
    assert themes_of(index_copy)[AUTO_THEMED_ID] == (("health", "food"), "curated")
    (row,) = rows(theme_settings, "theme_overrides")
    assert (row["entry_id"], json.loads(row["themes"]), row["confirmed"], row["set_by"]) == (
        AUTO_THEMED_ID,
        ["health", "food"],
        0,
        STAFF_EMAIL,
    )
    assert last_audit(theme_settings) == (
        STAFF_EMAIL,
        "theme.override",
        f"entry {AUTO_THEMED_ID}",
        "health, food",
    )
    page = staff.get(f"/staff/themes/entries/{AUTO_THEMED_ID}").get_data(as_text=True)
    assert "set to: Health and care, Food." in page
    assert "Chosen by librarian@example.org" in page


def test_an_entry_page_shows_themes_set_by_staff_as_chosen_by_the_library(staff, theme_settings):
    set_themes(staff, AUTO_THEMED_ID, ["housing"])
    app = webui.create_app(theme_settings)  # a fresh engine: no wait for its refresh
    page = parse(app.test_client().get(f"/entries/{AUTO_THEMED_ID}").get_data(as_text=True))
    assert [a.text for a in page.find_all("a", cls="tag")] == ["Housing"]
    assert page.find("small", cls="theme-source").text == "Themes chosen by the library"


def test_setting_themes_needs_a_csrf_token(staff, theme_settings, index_copy):
    version = index_version(index_copy)
    response = staff.post(
        f"/staff/themes/entries/{AUTO_THEMED_ID}", data={"theme": ["food"], "action": "save"}
    )
    assert response.status_code == 400
    assert rows(theme_settings, "theme_overrides") == []
    assert index_version(index_copy) == version


def test_an_unknown_theme_is_refused_and_nothing_changes(staff, theme_settings, index_copy):
    version = index_version(index_copy)
    response = set_themes(staff, AUTO_THEMED_ID, ["food", "astronomy"])
    assert response.status_code == 422
    assert "Unknown theme 'astronomy'" in parse(response.get_data(as_text=True)).find("p", cls="error").text
    assert rows(theme_settings, "theme_overrides") == []
    assert index_version(index_copy) == version


def test_no_theme_at_all_is_a_choice_too(staff, index_copy):
    assert set_themes(staff, "esop-buyout", []).status_code == 302
    assert themes_of(index_copy)["esop-buyout"] == ((), "curated")


def test_undoing_a_choice_gives_back_the_entrys_own_or_automatic_themes(staff, theme_settings, index_copy):
    before = themes_of(index_copy)
    for entry_id in ("esop-buyout", AUTO_THEMED_ID):
        assert set_themes(staff, entry_id, ["health"]).status_code == 302
        assert themes_of(index_copy)[entry_id] == (("health",), "curated")
        response = post(staff, f"/staff/themes/entries/{entry_id}", {"action": "remove"})
        assert response.status_code == 302
        assert last_audit(theme_settings)[1:3] == ("theme.override.remove", f"entry {entry_id}")
    assert themes_of(index_copy) == before
    assert rows(theme_settings, "theme_overrides") == []


def test_a_choice_on_a_pushed_entry_wins_over_the_cms_until_undone(staff, theme_settings, index_copy):
    conn = open_db(theme_settings.staff_db)
    _, secret = accounts.create_token(conn, accounts.find_account(conn, STAFF_EMAIL).id, "CMS")
    conn.close()

    def push(themes: list[str]) -> int:
        body = {"title": "Bakery Notes", "themes": themes}
        headers = {"Authorization": f"Bearer {secret}"}
        return staff.put("/api/v1/entries/pushed-one", json=body, headers=headers).status_code

    assert push(["food"]) == 201
    set_themes(staff, "pushed-one", ["energy"])
    assert themes_of(index_copy)["pushed-one"] == (("energy",), "curated")
    assert push(["health"]) == 200  # the CMS sends the entry again: the staff's choice stays
    assert themes_of(index_copy)["pushed-one"] == (("energy",), "curated")
    post(staff, "/staff/themes/entries/pushed-one", {"action": "remove"})
    assert themes_of(index_copy)["pushed-one"] == (("health",), "curated")


def test_undoing_a_choice_on_an_entry_pushed_before_todays_checks_still_works(staff, theme_settings):
    conn = open_db(theme_settings.staff_db)
    _, secret = accounts.create_token(conn, accounts.find_account(conn, STAFF_EMAIL).id, "CMS")
    body = {"title": "Bakery Notes", "themes": ["food"]}
    headers = {"Authorization": f"Bearer {secret}"}
    assert staff.put("/api/v1/entries/old-push", json=body, headers=headers).status_code == 201
    set_themes(staff, "old-push", ["energy"])
    # As an older version stored it: a URL that today's validation refuses.
    stored = json.dumps({**body, "id": "old-push", "url": "javascript:alert(1)"})
    conn.execute("UPDATE pushed_entries SET entry = ? WHERE id = 'old-push'", (stored,))
    conn.commit()
    conn.close()
    response = post(staff, "/staff/themes/entries/old-push", {"action": "remove"})
    assert response.status_code == 302
    assert rows(theme_settings, "theme_overrides") == []


def test_an_unknown_entry_is_404(staff):
    assert staff.get("/staff/themes/entries/no-such-entry").status_code == 404


def test_a_locked_index_refuses_the_change_and_stores_nothing(staff, theme_settings, index_copy):
    token = csrf_token(staff, f"/staff/themes/entries/{AUTO_THEMED_ID}")
    with WriteLock(index_copy):
        response = staff.post(
            f"/staff/themes/entries/{AUTO_THEMED_ID}",
            data={"csrf_token": token, "theme": ["food"], "action": "save"},
        )
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert "nothing was changed" in response.get_data(as_text=True)
    assert rows(theme_settings, "theme_overrides") == []
    assert themes_of(index_copy)[AUTO_THEMED_ID] == (("energy",), "auto")


# -- the review list ----------------------------------------------------------------------------


def review_ids(client, page: int = 1) -> list[str]:
    response = client.get(f"/staff/themes/review?page={page}")
    assert response.status_code == 200
    return [
        tr.attrs["data-entry"]
        for tr in parse(response.get_data(as_text=True)).find_all("tr")
        if "data-entry" in tr.attrs
    ]


def test_the_review_list_shows_the_automatically_themed_entries(staff):
    assert set(review_ids(staff)) == AUTO_IDS
    # In title order: "Rent and Bread", "Tenants Own a Wind Turbine", "Wind Energy and the Electric Grid".
    assert review_ids(staff) == [BREAD, TURBINE, AUTO_THEMED_ID]
    page = parse(staff.get("/staff/themes/review").get_data(as_text=True))
    assert len(page.find_all("h1")) == 1 and page.find("caption").text
    assert all(th.attrs.get("scope") in ("col", "row") for th in page.find_all("th"))


def test_confirm_keeps_the_automatic_themes_as_a_confirmed_choice(staff, theme_settings, index_copy):
    response = post(staff, f"/staff/themes/review/{TURBINE}/confirm", {"page": "1"}, "/staff/themes/review")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/themes/review?page=1"
    assert themes_of(index_copy)[TURBINE] == (("energy", "housing"), "curated")
    (row,) = rows(theme_settings, "theme_overrides")
    assert (row["entry_id"], json.loads(row["themes"]), row["confirmed"]) == (
        TURBINE,
        ["energy", "housing"],
        1,
    )
    assert last_audit(theme_settings) == (STAFF_EMAIL, "theme.confirm", f"entry {TURBINE}", "energy, housing")
    assert review_ids(staff) == [BREAD, AUTO_THEMED_ID]


def test_confirm_needs_a_csrf_token(staff, theme_settings):
    assert staff.post(f"/staff/themes/review/{TURBINE}/confirm").status_code == 400
    assert rows(theme_settings, "theme_overrides") == []


def test_confirming_an_entry_with_chosen_themes_changes_nothing(staff, theme_settings, index_copy):
    version = index_version(index_copy)
    response = post(staff, "/staff/themes/review/esop-buyout/confirm", {}, "/staff/themes/review")
    assert response.status_code == 302
    assert rows(theme_settings, "theme_overrides") == []
    assert index_version(index_copy) == version


def test_the_review_list_is_paged(staff, index_copy):
    many = [indexer.Entry.from_mapping({"id": f"note-{i:02d}", "title": f"Note {i:02d}"}) for i in range(30)]
    indexer.update(index_copy, many)
    first, second = review_ids(staff, 1), review_ids(staff, 2)
    assert len(first) == 25 and len(second) == 8
    assert set(first) | set(second) == AUTO_IDS | {e.id for e in many}
    assert staff.get("/staff/themes/review?page=3").status_code == 400


# -- editing a theme ----------------------------------------------------------------------------


def test_the_themes_page_lists_every_theme_with_its_count(staff):
    page = parse(staff.get("/staff/themes").get_data(as_text=True))
    labels = [th.text for th in page.find_all("th", scope="row")]
    assert labels == ["Edit Health and care", "Edit Energy", "Edit Housing", "Edit Food", "Edit Governance"]
    assert "3 entries not yet confirmed" in page.text


def test_the_preview_lists_exactly_the_entries_that_would_change_and_saves_nothing(
    staff, theme_settings, index_copy
):
    version, before = index_version(index_copy), themes_of(index_copy)
    response = edit_theme(staff, "housing", "preview", keywords=WINDY_HOUSING)
    assert response.status_code == 200
    assert preview_rows(response.get_data(as_text=True)) == {
        AUTO_THEMED_ID: ("housing", ""),
        TURBINE: ("", "energy"),
    }
    assert rows(theme_settings, "theme_edits") == []
    assert index_version(index_copy) == version and themes_of(index_copy) == before


def test_the_preview_leaves_out_entries_whose_themes_staff_chose(staff):
    set_themes(staff, TURBINE, ["housing"])
    response = edit_theme(staff, "housing", "preview", keywords=WINDY_HOUSING)
    assert preview_rows(response.get_data(as_text=True)) == {AUTO_THEMED_ID: ("housing", "")}


def test_the_preview_says_when_nothing_would_change(staff):
    response = edit_theme(staff, "housing", "preview", label="Homes")
    assert "No automatically themed entry would change." in response.get_data(as_text=True)


def test_apply_changes_only_the_automatically_themed_entries(staff, theme_settings, index_copy):
    set_themes(staff, TURBINE, ["housing"])
    before = themes_of(index_copy)
    response = edit_theme(staff, "housing", "apply", keywords=WINDY_HOUSING, label="Housing and homes")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/themes/housing"
    after = themes_of(index_copy)
    assert after[AUTO_THEMED_ID] == (("energy", "housing"), "auto")
    assert after[TURBINE] == before[TURBINE] == (("housing",), "curated")
    assert {k: v for k, v in after.items() if k != AUTO_THEMED_ID} == {
        k: v for k, v in before.items() if k != AUTO_THEMED_ID
    }
    assert engine_labels(index_copy)["housing"] == "Housing and homes"
    (edit,) = rows(theme_settings, "theme_edits")
    assert (edit["theme_id"], edit["label"], edit["edited_by"]) == (
        "housing",
        "Housing and homes",
        STAFF_EMAIL,
    )
    assert json.loads(edit["keywords"])[-4:] == ["wind", "turbine", "grid", "electric"]
    actor, action, target, detail = last_audit(theme_settings)
    assert (actor, action, target) == (STAFF_EMAIL, "theme.edit", "theme housing")
    assert "+wind +turbine +grid +electric" in detail and "1 entry re-themed" in detail
    page = staff.get("/staff/themes/housing").get_data(as_text=True)
    assert "Edited by librarian@example.org" in page and "Housing and homes" in page


def test_a_label_edit_alone_reaches_the_engine_and_rewrites_no_entry(staff, index_copy):
    before = themes_of(index_copy)
    assert edit_theme(staff, "food", "apply", label="Food and farming").status_code == 302
    assert engine_labels(index_copy)["food"] == "Food and farming"
    assert themes_of(index_copy) == before


def test_an_invalid_edit_is_refused_with_the_reason(staff, theme_settings):
    response = edit_theme(staff, "housing", "apply", label="  ")
    assert response.status_code == 422
    assert "A label is needed" in response.get_data(as_text=True)
    assert rows(theme_settings, "theme_edits") == []


def test_an_unknown_theme_is_404(staff):
    assert staff.get("/staff/themes/astronomy").status_code == 404


# -- kept by every indexing run -----------------------------------------------------------------


def run_index(runner, settings: webui.Settings, source: Path, *options: str):
    args = ["index", str(source), "--index", str(settings.index_dir), "--db", str(settings.staff_db)]
    result = runner.invoke(main, [*args, "--themes", str(THEMES), *options])
    assert result.exit_code == 0, result.output
    return result


def test_choices_and_edits_survive_incremental_runs_and_rebuilds(
    staff, theme_settings, index_copy, library, runner
):
    set_themes(staff, "esop-buyout", ["health"])
    post(staff, f"/staff/themes/review/{BREAD}/confirm", {}, "/staff/themes/review")
    edit_theme(staff, "housing", "apply", keywords=WINDY_HOUSING, label="Housing and homes")
    expected = themes_of(index_copy)
    assert expected["esop-buyout"] == (("health",), "curated")
    assert expected[BREAD] == (("housing", "food"), "curated")
    assert expected[AUTO_THEMED_ID] == (("energy", "housing"), "auto")

    result = run_index(runner, theme_settings, library)
    assert "added 0, updated 0, deleted 0, unchanged 20" in result.stdout
    assert themes_of(index_copy) == expected

    result = run_index(runner, theme_settings, library, "--rebuild")
    assert "added 20" in result.stdout
    assert themes_of(index_copy) == expected
    assert engine_labels(index_copy)["housing"] == "Housing and homes"


def test_a_changed_choice_rewrites_the_entry_at_the_next_run(
    staff, theme_settings, index_copy, library, runner
):
    set_themes(staff, "esop-buyout", ["health"])
    conn = open_db(theme_settings.staff_db)
    conn.execute("UPDATE theme_overrides SET themes = ? WHERE entry_id = 'esop-buyout'", ('["food"]',))
    conn.close()
    result = run_index(runner, theme_settings, library)
    assert "updated 1" in result.stdout
    assert themes_of(index_copy)["esop-buyout"] == (("food",), "curated")
