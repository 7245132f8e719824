"""Nobody gets in who does not belong: every staff page and every write refuses anonymous
requests, found by walking the app's whole URL map rather than a list that could fall behind.

A view is public only if it is named in PUBLIC below; anything else, and any method other
than GET/HEAD on any view, must refuse an anonymous request.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter, Rule

import webui

#: Views anyone may GET. Adding a view here is a decision: it must show nothing private.
PUBLIC = {
    "static",
    "pages.home",
    "pages.search_page",
    "pages.entry_page",
    "pages.favicon",
    "api.search",
    "api.entry",
    "api.suggest",
    "api.themes",
    "feeds.search_feed",
    "feeds.opensearch",
    "apidocs.openapi_document",
    "apidocs.api_page",
    "auth.login",
    # Published collections only: drafts and deleted ones are 404 (tests/test_collections_public.py).
    "collections_public.index",
    "collections_public.page",
    "collections_public.feed",
    "collections_public.api",
    # The embeddable search: its script, its iframe page (published collections only) and the
    # snippet builder (tests/test_embed.py).
    "embed.script",
    "embed.frame",
    "embed.builder",
}
#: Writes anyone may send: logging in (CSRF-protected) and logging out (harmless).
PUBLIC_WRITES = {("auth.login", "POST"), ("auth.logout", "POST")}


def example_url(rule: Rule) -> str:
    """The rule's path with a made-up value for each variable."""
    values = {
        name: 1 if isinstance(conv, IntegerConverter) else "x"
        for name, conv in rule._converters.items()
    }
    return rule.build(values, append_unknown=False)[1]


def every_request(app) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, example_url(rule)))
    return found


def refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


def test_the_walk_finds_staff_views(staff_app):
    endpoints = {endpoint for endpoint, _, _ in every_request(staff_app)}
    assert {"staff.dashboard", "staff.tokens", "staff.revoke_token", "auth.logout"} <= endpoints


@pytest.mark.parametrize("csrf", [True, False], ids=["csrf-on", "csrf-off"])
def test_every_private_view_refuses_anonymous_requests(staff_settings, csrf):
    # With CSRF checks off, the refusal can only come from the login guard itself.
    app = webui.create_app(staff_settings)
    app.config["WTF_CSRF_ENABLED"] = csrf
    client = app.test_client()
    checked = []
    for endpoint, method, url in every_request(app):
        if method == "GET" and endpoint in PUBLIC or (endpoint, method) in PUBLIC_WRITES:
            continue
        response = client.open(url, method=method)
        allowed = refused(response) or (csrf and response.status_code == 400 and method != "GET")
        assert allowed, f"{method} {url} ({endpoint}) answered {response.status_code} to an anonymous request"
        checked.append(endpoint)
    assert "staff.dashboard" in checked and "staff.create_token" in checked


def test_public_views_are_reachable_without_logging_in(staff_app):
    client = staff_app.test_client()
    for endpoint, method, url in every_request(staff_app):
        if method == "GET" and endpoint in PUBLIC and "<" not in url and endpoint != "static":
            with client.get(url) as response:
                assert response.status_code in (200, 404), url
