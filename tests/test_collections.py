"""Collections: the data layer (webui/collections.py) and the staff pages (collections_staff.py),
through the real app, a real staff database and the test library's index."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import STAFF_EMAIL, csrf_token, log_in
from pagehtml import parse
from testdata import SYNONYMS, THEMES

import indexer
import webui
from webui import accounts, collections
from webui.db import open_db

ENERGY_NEWEST = ["j-wind-turbine", "solar-coop-rooftops", "pv-array-farm", "auto-themed-energy"]
BAKERY = "The Bakery That Became a Worker Co-operative"
SOLAR = "A Solar Coop on City Rooftops"


# -- helpers ---------------------------------------------------------------------------------


def form(**fields) -> dict:
    """A complete collection form, as the page posts it."""
    data = {
        "title": "Energy co-ops",
        "slug": "",
        "description": "",
        "q": "",
        "theme": "energy",
        "authors": "",
        "types": "",
        "from": "",
        "to": "",
        "sort": "newest",
        "published": "0",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def create(client, **fields) -> str:
    """Create a collection through the form; returns its slug."""
    data = form(**fields) | {"csrf_token": csrf_token(client, "/staff/collections/new")}
    response = client.post("/staff/collections/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return response.headers["Location"].rsplit("/", 1)[-1]


def act(client, slug: str, action: str, entry: str, **extra) -> object:
    token = csrf_token(client, f"/staff/collections/{slug}")
    data = {"csrf_token": token, "action": action, "entry": entry, **extra}
    return client.post(f"/staff/collections/{slug}/entries", data=data)


def curated_ids(client, slug: str) -> list[str]:
    """The entries of the staff page, in order (as visitors see them)."""
    page = parse(client.get(f"/staff/collections/{slug}").get_data(as_text=True))
    return [li.attrs["id"].removeprefix("entry-") for li in page.find("ol", cls="curate").find_all("li")]


def history(client, slug: str) -> list[list[str]]:
    page = parse(client.get(f"/staff/collections/{slug}/history").get_data(as_text=True))
    return [
        [cell.text for cell in row.find_all() if cell.tag in ("th", "td")]
        for row in page.find("tbody").find_all("tr")
    ]


def audit_actions(settings) -> list[tuple[str, str, str]]:
    conn = open_db(settings.staff_db)
    rows = conn.execute(
        "SELECT actor, action, detail FROM audit_log WHERE action LIKE 'collection.%' ORDER BY id"
    )
    found = [tuple(r) for r in rows]
    conn.close()
    return found


# -- the data layer ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Co-ops in Health & Care", "co-ops-in-health-care"),
        ("Mondragón: la historia", "mondragon-la-historia"),
        ("  --  ", "collection"),
        ("a" * 50 + " " + "b" * 50, "a" * 50),
    ],
)
def test_slugify(title, slug):
    assert collections.slugify(title) == slug
    assert collections.SLUG.match(slug)


def test_a_state_survives_json_whole():
    state = collections.State(
        title="Energy",
        slug="energy",
        description="**Sun**",
        themes=("energy",),
        published=True,
        search=collections.SavedSearch(
            "solar", ("energy",), ("Maya Chen",), ("news",), dt.date(2020, 1, 1), None, "newest"
        ),
        pinned=("a", "b"),
        hidden=("c",),
    )
    assert collections.State.from_json(state.to_json()) == state
    scope = state.scope()
    assert (scope.query, scope.themes, scope.pinned, scope.hidden, scope.date_from) == (
        "solar",
        ("energy",),
        ("a", "b"),
        ("c",),
        dt.date(2020, 1, 1),
    )


def test_changes_say_what_they_did():
    state = collections.State(title="T", slug="t", pinned=("a", "gone", "b"), hidden=("c",))
    missing = frozenset({"gone"})
    state, summary = collections.pin("c", "C", missing)(state)
    assert (state.pinned, state.hidden, summary) == (("a", "gone", "b", "c"), (), "pinned “C” at position 3")
    state, summary = collections.move("c", "C", -1, missing)(state)
    assert (state.pinned, summary) == (("a", "gone", "c", "b"), "moved “C” up to position 2")
    state, summary = collections.move("c", "C", -1, missing)(state)  # skips the missing one
    assert (state.pinned, summary) == (("c", "gone", "a", "b"), "moved “C” up to position 1")
    state, summary = collections.hide("a", "A")(state)
    assert (state.pinned, state.hidden, summary) == (("c", "gone", "b"), ("a",), "hid “A”")
    state, summary = collections.forget("gone")(state)
    assert (state.pinned, summary) == (("c", "b"), "removed the missing entry 'gone'")
    with pytest.raises(collections.CollectionError, match="already first"):
        collections.move("c", "C", -1)(state)
    with pytest.raises(collections.CollectionError, match="already hidden"):
        collections.hide("a", "A")(state)
    with pytest.raises(collections.CollectionError, match="not pinned"):
        collections.unpin("a", "A")(state)


def test_edits_name_the_fields_that_changed():
    state = collections.State(title="T", slug="t")
    search = collections.SavedSearch("wind")
    new, summary = collections.edit("T2", "t", "", (), search)(state)
    assert summary == "changed the title and the saved search"
    with pytest.raises(collections.CollectionError, match="nothing changed"):
        collections.edit("T2", "t", "", (), search)(new)


@pytest.fixture
def conn(staff_settings):
    connection = open_db(staff_settings.staff_db)
    yield connection
    connection.close()


def test_versions_are_only_added_and_restore_adds_one(conn):
    first = collections.create(conn, collections.State(title="T", slug="t"), "a@example.org", "created")
    collections.change(conn, "t", collections.pin("x", "X"), "b@example.org", "pin")
    collections.change(conn, "t", collections.pin("y", "Y"), "b@example.org", "pin")
    restored, summary = collections.restore(conn, "t", 1, "c@example.org")
    assert summary == "restored version 1 (created)"
    assert restored.version == 4 and restored.state == first.state
    versions = collections.history(conn, first.id)
    assert [(v.number, v.actor, v.summary, v.state.pinned) for v in versions] == [
        (4, "c@example.org", "restored version 1 (created)", ()),
        (3, "b@example.org", "pinned “Y” at position 2", ("x", "y")),
        (2, "b@example.org", "pinned “X” at position 1", ("x",)),
        (1, "a@example.org", "created", ()),
    ]
    with pytest.raises(collections.CollectionError, match="current version"):
        collections.restore(conn, "t", 4, "c@example.org")


def test_slugs_are_unique_among_live_collections_and_checked(conn):
    collections.create(conn, collections.State(title="T", slug="t"), "a@example.org", "created")
    with pytest.raises(collections.CollectionError, match="already a collection") as caught:
        collections.create(conn, collections.State(title="U", slug="t"), "a@example.org", "created")
    assert caught.value.field == "slug"
    assert collections.free_slug(conn, "t") == "t-2"
    for bad in ("T", "a b", "new", "-a", "a--b", ""):
        with pytest.raises(collections.CollectionError, match="slug"):
            collections.create(conn, collections.State(title="U", slug=bad), "a@example.org", "created")
    collections.delete(conn, "t", "a@example.org")
    assert collections.get(conn, "t") is None
    assert (
        collections.create(conn, collections.State(title="T again", slug="t"), "a@example.org", "c").version
        == 1
    )
    kept = conn.execute("SELECT COUNT(*) FROM collection_versions").fetchone()[0]
    assert kept == 2  # the deleted collection's history stays


def test_a_failed_change_writes_nothing(conn):
    collections.create(conn, collections.State(title="T", slug="t", pinned=("x",)), "a@example.org", "c")
    with pytest.raises(collections.CollectionError):
        collections.change(conn, "t", collections.pin("x", "X"), "a@example.org", "pin")
    assert collections.get(conn, "t").version == 1
    assert conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'collection.pin'").fetchone()[0] == 0


# -- staff pages ------------------------------------------------------------------------------


def test_save_as_collection_prefills_the_form_from_a_search(staff):
    url = "/staff/collections/new?q=co-op&theme=energy&author=Maya+Chen&from=2020&to=2021&sort=newest"
    response = staff.get(url)
    assert response.status_code == 200
    page = parse(response.get_data(as_text=True))
    assert page.find("input", id="field-title").attrs["value"] == "Co-op"
    assert page.find("input", id="field-q").attrs["value"] == "co-op"
    assert [i.attrs["value"] for i in page.find_all("input", name="theme", checked=True)] == ["energy"]
    assert page.find("textarea", id="field-authors").text == "Maya Chen"
    assert page.find("input", id="field-from").attrs["value"] == "2020-01-01"
    assert page.find("input", id="field-to").attrs["value"] == "2021-12-31"
    assert "selected" in page.find("option", value="newest").attrs
    assert page.find("p", cls="form-count").text.startswith("2 entries")  # pv-array-farm, solar-coop-rooftops


def test_save_as_collection_refuses_a_bad_search(staff):
    response = staff.get("/staff/collections/new?theme=astronomy")
    assert response.status_code == 400
    assert "unknown theme" in response.get_data(as_text=True)


def test_creating_needs_the_csrf_token(staff, staff_settings):
    response = staff.post("/staff/collections/new", data=form())
    assert response.status_code == 400
    assert collections.list_all(open_db(staff_settings.staff_db)) == []


def test_create_derives_a_free_slug_and_audits(staff, staff_settings):
    assert create(staff) == "energy-co-ops"
    assert create(staff) == "energy-co-ops-2"
    assert create(staff, slug="power", published="1") == "power"
    assert (
        audit_actions(staff_settings)
        == [
            (
                STAFF_EMAIL,
                "collection.create",
                "created from the search all entries, themes energy, newest first",
            )
        ]
        * 3
    )
    listing = parse(staff.get("/staff/collections").get_data(as_text=True))
    rows = [
        [c.text for c in r.find_all() if c.tag in ("th", "td")] for r in listing.find("tbody").find_all("tr")
    ]
    assert [r[:4] for r in rows] == [
        ["Energy co-ops", "energy-co-ops", "draft", "4"],
        ["Energy co-ops", "energy-co-ops-2", "draft", "4"],
        ["Energy co-ops", "power", "published", "4"],
    ]


def test_a_bad_form_is_shown_again_with_the_error_and_its_values(staff, staff_settings):
    data = form(title="", description="keep me", **{"from": "garbage"}) | {
        "csrf_token": csrf_token(staff, "/staff/collections/new")
    }
    response = staff.post("/staff/collections/new", data=data)
    assert response.status_code == 422
    page = parse(response.get_data(as_text=True))
    assert "from" in page.find("div", cls="error").text
    assert page.find("input", id="field-from").attrs["aria-invalid"] == "true"
    assert page.find("textarea", id="field-description").text == "keep me"
    assert collections.list_all(open_db(staff_settings.staff_db)) == []


def test_pin_hide_and_reorder(staff, staff_settings):
    slug = create(staff)
    assert curated_ids(staff, slug) == ENERGY_NEWEST
    assert (
        act(staff, slug, "pin", "bakery-worker-owners")
        .headers["Location"]
        .endswith("#entry-bakery-worker-owners")
    )
    assert act(staff, slug, "pin", "solar-coop-rooftops").status_code == 302
    assert act(staff, slug, "hide", "pv-array-farm").status_code == 302
    assert curated_ids(staff, slug) == [
        "bakery-worker-owners",
        "solar-coop-rooftops",
        "j-wind-turbine",
        "auto-themed-energy",
    ]
    act(staff, slug, "down", "bakery-worker-owners")
    assert curated_ids(staff, slug)[:2] == ["solar-coop-rooftops", "bakery-worker-owners"]
    act(staff, slug, "up", "bakery-worker-owners")
    act(staff, slug, "unpin", "solar-coop-rooftops")
    assert curated_ids(staff, slug) == [
        "bakery-worker-owners",
        "j-wind-turbine",
        "solar-coop-rooftops",
        "auto-themed-energy",
    ]
    act(staff, slug, "unhide", "pv-array-farm")
    assert "pv-array-farm" in curated_ids(staff, slug)
    assert [detail for _, action, detail in audit_actions(staff_settings)[1:]] == [
        f"pinned “{BAKERY}” at position 1",
        f"pinned “{SOLAR}” at position 2",
        "hid “Photovoltaic Panels for a Dairy Cooperative”",
        f"moved “{BAKERY}” down to position 2",
        f"moved “{BAKERY}” up to position 1",
        f"unpinned “{SOLAR}”",
        "unhid “Photovoltaic Panels for a Dairy Cooperative”",
    ]


def test_the_buttons_are_forms_named_after_their_entry(staff):
    slug = create(staff)
    act(staff, slug, "pin", "bakery-worker-owners")
    act(staff, slug, "pin", "solar-coop-rooftops")
    act(staff, slug, "hide", "pv-array-farm")
    page = parse(staff.get(f"/staff/collections/{slug}").get_data(as_text=True))

    def buttons(entry_id):
        return [b.text for b in page.find("li", id=f"entry-{entry_id}").find_all("button")]

    assert buttons("bakery-worker-owners") == [
        f"Move down: “{BAKERY}”",
        f"Unpin “{BAKERY}”",
        f"Hide “{BAKERY}”",
    ]
    assert buttons("solar-coop-rooftops") == [f"Move up: “{SOLAR}”", f"Unpin “{SOLAR}”", f"Hide “{SOLAR}”"]
    assert buttons("j-wind-turbine")[0] == "Pin “Wind Turbine Cooperative Pays Members”"
    hidden = page.find("section", id="hidden")
    assert [b.text for b in hidden.find_all("button")] == [
        "Unhide “Photovoltaic Panels for a Dairy Cooperative”"
    ]
    for form_node in page.find_all("form", method="post"):
        assert form_node.find("input", name="csrf_token")


def test_pinning_needs_an_entry_of_the_library_and_a_known_action(staff):
    slug = create(staff)
    response = act(staff, slug, "pin", "no-such-entry")
    assert response.status_code == 302
    assert (
        "no entry 'no-such-entry'"
        in parse(staff.get(response.headers["Location"]).get_data(as_text=True)).text
    )
    assert act(staff, slug, "promote", "j-wind-turbine").status_code == 400
    assert act(staff, slug, "pin", "").status_code == 400
    token = csrf_token(staff, f"/staff/collections/{slug}")
    data = {"csrf_token": token, "action": "pin", "entry": "j-wind-turbine"}
    assert staff.post("/staff/collections/no-such-collection/entries", data=data).status_code == 404
    assert staff.get("/staff/collections/no-such-collection").status_code == 404


def test_anonymous_changes_are_refused_and_change_nothing(staff, staff_app, staff_settings):
    slug = create(staff)
    visitor = staff_app.test_client()
    token = csrf_token(visitor)
    response = visitor.post(
        f"/staff/collections/{slug}/entries",
        data={"csrf_token": token, "action": "hide", "entry": "j-wind-turbine"},
    )
    assert response.status_code == 401
    assert visitor.get(f"/staff/collections/{slug}").status_code == 302
    assert collections.get(open_db(staff_settings.staff_db), slug).version == 1


def test_publish_unpublish(staff, staff_app):
    slug = create(staff)
    visitor = staff_app.test_client()
    assert visitor.get(f"/collections/{slug}").status_code == 404
    token = csrf_token(staff, f"/staff/collections/{slug}")
    staff.post(f"/staff/collections/{slug}/publish", data={"csrf_token": token, "published": "1"})
    assert visitor.get(f"/collections/{slug}").status_code == 200
    staff.post(f"/staff/collections/{slug}/publish", data={"csrf_token": token, "published": "0"})
    assert visitor.get(f"/collections/{slug}").status_code == 404
    assert [row[3] for row in history(staff, slug)] == [
        "unpublished (back to draft)",
        "published",
        "created from the search all entries, themes energy, newest first",
    ]


def test_settings_change_the_saved_search_and_the_slug(staff, staff_app):
    slug = create(staff, published="1")
    data = form(
        title="Wind", slug="wind", q="wind", theme=None, sort="relevance", description="# Wind\n\n<b>x</b>"
    )
    response = staff.post(
        f"/staff/collections/{slug}/settings", data=data | {"csrf_token": csrf_token(staff)}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/staff/collections/wind"
    # "wind" also names the energy theme (issue 13): the entries with the word first.
    assert curated_ids(staff, "wind")[:2] == ["auto-themed-energy", "j-wind-turbine"]
    assert set(curated_ids(staff, "wind")[2:]) == {"solar-coop-rooftops", "pv-array-farm"}
    assert history(staff, "wind")[0][3] == "changed the title, the slug, the description and the saved search"
    visitor = staff_app.test_client()
    assert visitor.get(f"/collections/{slug}").status_code == 404
    assert visitor.get("/collections/wind").status_code == 200
    settings_page = parse(staff.get("/staff/collections/wind/settings").get_data(as_text=True))
    assert settings_page.find("input", id="field-q").attrs["value"] == "wind"


def test_settings_refuse_a_slug_in_use(staff):
    create(staff, slug="taken")
    slug = create(staff)
    data = form(slug="taken") | {"csrf_token": csrf_token(staff)}
    response = staff.post(f"/staff/collections/{slug}/settings", data=data)
    assert response.status_code == 422
    assert "already a collection at 'taken'" in parse(response.get_data(as_text=True)).text


def test_history_and_restore(staff, staff_settings):
    slug = create(staff)
    act(staff, slug, "pin", "bakery-worker-owners")
    act(staff, slug, "hide", "j-wind-turbine")
    token = csrf_token(staff, f"/staff/collections/{slug}/history")
    response = staff.post(f"/staff/collections/{slug}/history/2/restore", data={"csrf_token": token})
    assert response.status_code == 302
    assert curated_ids(staff, slug) == ["bakery-worker-owners", *ENERGY_NEWEST]
    rows = history(staff, slug)
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("4 (current)", STAFF_EMAIL, f"restored version 2 (pinned “{BAKERY}” at position 1)"),
        ("3", STAFF_EMAIL, "hid “Wind Turbine Cooperative Pays Members”"),
        ("2", STAFF_EMAIL, f"pinned “{BAKERY}” at position 1"),
        ("1", STAFF_EMAIL, "created from the search all entries, themes energy, newest first"),
    ]
    assert rows[0][-1] == "" and rows[1][-1] == "Restore version 3"
    assert audit_actions(staff_settings)[-1][1] == "collection.restore"
    assert (
        staff.post(f"/staff/collections/{slug}/history/9/restore", data={"csrf_token": token}).status_code
        == 302
    )
    assert len(history(staff, slug)) == 4


def test_delete_needs_confirmation(staff, staff_settings):
    slug = create(staff)
    token = csrf_token(staff, f"/staff/collections/{slug}")
    staff.post(f"/staff/collections/{slug}/delete", data={"csrf_token": token})
    assert staff.get(f"/staff/collections/{slug}").status_code == 200
    response = staff.post(f"/staff/collections/{slug}/delete", data={"csrf_token": token, "confirm": "yes"})
    assert response.headers["Location"] == "/staff/collections"
    assert staff.get(f"/staff/collections/{slug}").status_code == 404
    assert audit_actions(staff_settings)[-1][:2] == (STAFF_EMAIL, "collection.delete")


def test_the_embed_snippet_names_the_collection(staff):
    slug = create(staff)
    page = parse(staff.get(f"/staff/collections/{slug}").get_data(as_text=True))
    snippet = page.find("textarea", id="embed-snippet").raw_text
    assert snippet == (
        '<script src="http://localhost/embed.js" async></script>\n'
        f'<div data-coopsearch data-collection="{slug}"></div>'
    )
    builder = page.find("section", id="embed").find("a")
    assert builder.attrs["href"] == f"/embed/builder?collection={slug}"


def test_collections_are_in_the_staff_menu(staff):
    menu = parse(staff.get("/staff/").get_data(as_text=True)).find("nav", cls="staff-nav")
    assert ("/staff/collections", []) in menu.links()


# -- an entry that leaves the library --------------------------------------------------------


@pytest.fixture
def live_settings(index_copy, tmp_path):
    """A private index that the test changes, seen at once by the app, and a staff database."""
    settings = webui.Settings(
        index_dir=index_copy,
        synonyms_file=SYNONYMS,
        themes_file=THEMES,
        db_file=tmp_path / "live.sqlite3",
        refresh_seconds=0,
    )
    conn = open_db(settings.staff_db)
    accounts.add_account(conn, STAFF_EMAIL, "correct horse battery")
    conn.close()
    return settings


def test_a_pinned_entry_deleted_from_the_library_is_missing_for_staff_and_absent_for_visitors(live_settings):
    app = webui.create_app(live_settings)
    staff, visitor = app.test_client(), app.test_client()
    log_in(staff)
    slug = create(staff, published="1")
    act(staff, slug, "pin", "bakery-worker-owners")
    act(staff, slug, "pin", "j-wind-turbine")
    act(staff, slug, "hide", "j-coop-clinic")
    assert (
        indexer.update(live_settings.index_dir, [], deleted=["bakery-worker-owners", "j-coop-clinic"]).deleted
        == 2
    )

    page = parse(staff.get(f"/staff/collections/{slug}").get_data(as_text=True))
    missing = page.find("section", id="missing")
    assert "Missing from the library" in missing.text
    assert [
        [c.text for c in r.find_all() if c.tag in ("th", "td")][:2]
        for r in missing.find("tbody").find_all("tr")
    ] == [
        ["bakery-worker-owners", "pinned"],
        ["j-coop-clinic", "hidden"],
    ]
    assert curated_ids(staff, slug)[0] == "j-wind-turbine"
    assert "Pinned, position 1" in page.find("li", id="entry-j-wind-turbine").text
    listing = parse(staff.get("/staff/collections").get_data(as_text=True))
    assert listing.find("tbody").find("tr").find_all("td")[-1].text == "1"

    public = visitor.get(f"/collections/{slug}").get_data(as_text=True)
    assert "bakery-worker-owners" not in public and "Bakery" not in public
    body = visitor.get(f"/api/v1/collections/{slug}").get_json()
    assert [h["id"] for h in body["results"]["hits"]] == [
        "j-wind-turbine",
        "solar-coop-rooftops",
        "pv-array-farm",
        "auto-themed-energy",
    ]

    act(staff, slug, "forget", "bakery-worker-owners")
    page = parse(staff.get(f"/staff/collections/{slug}").get_data(as_text=True))
    assert [r.find("th").text for r in page.find("section", id="missing").find("tbody").find_all("tr")] == [
        "j-coop-clinic"
    ]
    assert history(staff, slug)[0][3] == "removed the missing entry 'bakery-worker-owners'"


def test_staff_see_the_public_page_uncached(staff):
    slug = create(staff, published="1", q="co-op")
    response = staff.get(f"/collections/{slug}?q=wind")
    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert parse(response.get_data(as_text=True)).find("ol", id="hits")


def test_staff_can_save_the_search_they_see_as_a_collection(staff, anonymous):
    link = parse(staff.get("/search?q=co-op&theme=energy").get_data(as_text=True)).find(
        "a", cls="save-collection"
    )
    assert link.attrs["href"] == "/staff/collections/new?q=co-op&theme=energy"
    assert staff.get(link.attrs["href"]).status_code == 200
    assert not parse(anonymous.get("/search?q=co-op").get_data(as_text=True)).find_all(
        "a", cls="save-collection"
    )
