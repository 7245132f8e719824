"""Embedding the search (webui/embed.py): the widget script, the iframe page and its checks,
the embed builder's snippets, on the test library with a real staff database.

The widget's behaviour in a browser, on another origin under a strict CSP, is in
tests/browser/test_embed.py.
"""

from __future__ import annotations

import re

import pytest
from conftest import STAFF_EMAIL
from pagehtml import parse
from testdata import ROOT

from webui import collections
from webui.db import open_db

SCRIPT = ROOT / "webui" / "static" / "embed.js"
PUBLISHED = "care-and-housing"
DRAFT = "a-draft"
LIB = "http://localhost"


@pytest.fixture
def client(staff_settings, staff_app):
    """A visitor of a library with one published collection and one draft."""
    conn = open_db(staff_settings.staff_db)
    published = collections.State("Care & housing", PUBLISHED, published=True)
    collections.create(conn, published, STAFF_EMAIL, "published")
    collections.create(conn, collections.State("A draft", DRAFT), STAFF_EMAIL, "draft")
    conn.close()
    return staff_app.test_client()


def frame_ancestors(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(d for d in policy.split("; ") if d.startswith("frame-ancestors"))


# -- the script ----------------------------------------------------------------------------------


def test_the_widget_is_under_20_kb():
    assert SCRIPT.stat().st_size < 20 * 1024


def code(source: str) -> str:
    """The script without its comments (which say what it does not do)."""
    return re.sub(r"\s//[^\n]*", "", re.sub(r"/\*.*?\*/", "", source, flags=re.S))


def test_the_widget_uses_nothing_a_strict_csp_or_a_privacy_promise_forbids():
    source = code(SCRIPT.read_text(encoding="utf-8"))
    assert "function mount" in source
    for forbidden in ("eval(", "new Function", "innerHTML", "document.write", 'setAttribute("style"'):
        assert forbidden not in source, forbidden
    for storage in ("document.cookie", "localStorage", "sessionStorage", "indexedDB"):
        assert storage not in source, storage
    assert 'credentials: "omit"' in source
    assert "adoptedStyleSheets" in source and "replaceSync" in source


def test_the_script_is_javascript_cached_for_an_hour(client):
    with client.get("/embed.js") as response:
        body = response.get_data()
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.cache_control.public and response.cache_control.max_age == 3600
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert body == SCRIPT.read_bytes()
    with client.get("/embed.js", headers={"If-None-Match": response.headers["ETag"]}) as again:
        assert again.status_code == 304


# -- the iframe page ------------------------------------------------------------------------------


def test_the_frame_runs_the_widget_for_a_theme(client):
    response = client.get("/embed?theme=energy&placeholder=Solar%20%22co-ops%22")
    assert response.status_code == 200
    doc = parse(response.get_data(as_text=True))
    assert "data-coopsearch-frame-page" in doc.find("html").attrs
    widget = doc.find("div", data_coopsearch=True)
    assert widget.attrs["data-theme"] == "energy"
    assert widget.attrs["data-placeholder"] == 'Solar "co-ops"'
    assert widget.attrs["data-label"] == "Search the library (Energy)"
    assert "data-collection" not in widget.attrs
    assert [s.attrs.get("src") for s in doc.find_all("script")] == ["/embed.js"]


def test_the_frame_runs_the_widget_for_a_published_collection(client):
    response = client.get(f"/embed?collection={PUBLISHED}&theme=health")
    assert response.status_code == 200
    widget = parse(response.get_data(as_text=True)).find("div", data_coopsearch=True)
    assert widget.attrs["data-collection"] == PUBLISHED and widget.attrs["data-theme"] == "health"
    assert widget.attrs["data-label"] == "Search the library (Care & housing, Health and care)"


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("theme=nope", 400, "The library has no theme 'nope'."),
        (f"collection={DRAFT}", 404, f"The library has no published collection '{DRAFT}'."),
        ("collection=gone", 404, "The library has no published collection 'gone'."),
        ("collection=..%2Fstaff", 404, "The library has no published collection '../staff'."),
        ("placeholder=" + "x" * 121, 400, "placeholder is longer than 120 characters"),
    ],
)
def test_the_frame_refuses_a_scope_that_does_not_exist(client, query, status, message):
    response = client.get(f"/embed?{query}")
    assert response.status_code == status
    doc = parse(response.get_data(as_text=True))
    assert message in doc.find("p", cls="error").text
    assert not doc.find_all("div", data_coopsearch=True) and not doc.find_all("script")
    # Shown inside the partner's frame, so that its editor sees why.
    assert frame_ancestors(response) == "frame-ancestors *"


def test_only_the_frame_may_be_framed_by_any_site(client):
    assert frame_ancestors(client.get("/embed?theme=energy")) == "frame-ancestors *"
    policy = client.get("/embed").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy
    for path in ("/", "/search?q=co-op", "/embed/builder", "/embed.js", f"/collections/{PUBLISHED}"):
        with client.get(path) as response:
            assert frame_ancestors(response) == "frame-ancestors 'self'", path


# -- the builder ----------------------------------------------------------------------------------


def snippets(response) -> tuple[str, str]:
    doc = parse(response.get_data(as_text=True))
    return tuple(doc.find("textarea", id=name).raw_text for name in ("script-snippet", "frame-snippet"))


def test_the_builder_snippets_for_a_theme(client):
    response = client.get("/embed/builder?theme=energy&placeholder=Search+co-op+energy&height=300")
    assert response.status_code == 200
    script, frame = snippets(response)
    assert script == (
        f'<script src="{LIB}/embed.js" async></script>\n'
        '<div data-coopsearch data-theme="energy" data-placeholder="Search co-op energy"></div>'
    )
    assert frame == (
        f'<iframe data-coopsearch-frame src="{LIB}/embed?theme=energy&amp;placeholder=Search+co-op+energy" '
        'title="Co-op Library Search: Energy" width="100%" height="300" loading="lazy"></iframe>'
    )


def test_the_builder_snippets_for_a_collection(client):
    response = client.get(f"/embed/builder?collection={PUBLISHED}&label=Care+%26+housing+%3Cnow%3E&width=480")
    assert response.status_code == 200
    script, frame = snippets(response)
    # Attribute values are escaped once: pasted into a page, they read as typed.
    label = "Care &amp; housing &lt;now&gt;"
    assert f'<div data-coopsearch data-collection="{PUBLISHED}" data-label="{label}">' in script
    assert f'src="{LIB}/embed?collection={PUBLISHED}&amp;label=Care+%26+housing+%3Cnow%3E"' in frame
    assert 'title="Co-op Library Search: Care &amp; housing" width="480" height="400"' in frame
    doc = parse(response.get_data(as_text=True))
    preview = doc.find("div", id="preview-widget")
    assert preview.attrs["data-collection"] == PUBLISHED
    assert doc.find("iframe", id="preview-frame").attrs["src"].startswith(f"/embed?collection={PUBLISHED}")


def test_the_builder_offers_published_collections_only(client):
    doc = parse(client.get("/embed/builder").get_data(as_text=True))
    offered = [o.attrs["value"] for o in doc.find("select", id="embed-collection").find_all("option")]
    assert offered == ["", PUBLISHED]
    themes = [o.attrs["value"] for o in doc.find("select", id="embed-theme").find_all("option")]
    assert themes[0] == "" and {"energy", "health", "housing"} <= set(themes)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("theme=nope", "theme"),
        (f"collection={DRAFT}", "collection"),
        ("height=20", "height"),
        ("height=tall", "height"),
        ("width=150%25", "width"),
        ("width=wide", "width"),
        ("label=" + "x" * 200, "label"),
    ],
)
def test_the_builder_explains_a_bad_choice(client, query, field):
    response = client.get(f"/embed/builder?{query}")
    assert response.status_code == 400
    doc = parse(response.get_data(as_text=True))
    assert doc.find("p", id="builder-error").text
    invalid = [n for n in doc.iter() if n.attrs.get("aria-invalid") == "true"]
    assert [n.attrs["name"] for n in invalid] == [field]
    assert "builder-error" in invalid[0].attrs["aria-describedby"].split()
    assert not doc.find_all("textarea")


def test_every_page_links_to_the_builder(client):
    doc = parse(client.get("/").get_data(as_text=True))
    assert "/embed/builder" in [a.attrs.get("href") for a in doc.find("footer").find_all("a")]


def test_the_builder_page_has_no_inline_script_or_style(client):
    html = client.get(f"/embed/builder?collection={PUBLISHED}").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html
