"""webui/openapi.json and webui/apidocs.py: real responses validate against the OpenAPI document,
the document covers every API route and search parameter, and /api renders it.

Validation uses openapi-schema-validator's OAS 3.1 validator. The whole document is one
`referencing` resource, and each response is checked against the schema the document gives for
its path, status and media type, so `$ref`s resolve the way they do for any client of the API.
The schemas say `additionalProperties: false` and list what is `required`: a field added,
renamed or dropped in the code fails here until the document says so too.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

import openapi_spec_validator
import pytest
from flask import Request
from jsonschema.exceptions import best_match
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from werkzeug.datastructures import ImmutableMultiDict

import webui
from webui import apidocs

DOCUMENT = apidocs.load_document()
BASE = "urn:coopsearch:openapi"
REGISTRY = Registry().with_resource(BASE, DRAFT202012.create_resource(DOCUMENT))

SEARCH = "/api/v1/search"
ENTRY = "/api/v1/entries/{entry_id}"
SUGGEST = "/api/v1/suggest"
THEMES = "/api/v1/themes"
OPENAPI = "/api/v1/openapi.json"
API_PATHS = [SEARCH, ENTRY, SUGGEST, THEMES, "/api/v1/collections/{slug}", OPENAPI]
SCHEMAS = ["SearchResults", "Hit", "FacetValue", "Relaxation", "Entry", "Suggestions", "Themes", "Error"]
SCHEMAS += ["Approximation", "WordsRelaxed", "NamedTheme"]
#: Every query parameter that webui/params.py reads for a search, and `analytics` (webui/analytics.py).
SEARCH_PARAMS = ["q", "theme", "author", "type", "from", "to", "sort", "page", "per_page", "facet_size"]
SEARCH_PARAMS += ["analytics"]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def app(app, settings):
    """The session app once webui/__init__.py registers apidocs; until then a fresh app with it."""
    if "apidocs" in app.blueprints:
        return app
    fresh = webui.create_app(settings)
    fresh.register_blueprint(apidocs.bp)
    return fresh


# -- checking a response against the document ----------------------------------------------


def pointer(*keys: str) -> str:
    """A JSON pointer into the document: "#/paths/~1api~1v1~1search/get"."""
    return "#/" + "/".join(k.replace("~", "~0").replace("/", "~1") for k in keys)


def follow(ptr: str) -> tuple[str, dict]:
    """The object at `ptr` and its pointer, after following `$ref`s."""
    node = REGISTRY.resolver().lookup(BASE + ptr).contents
    while "$ref" in node:
        ptr = node["$ref"]
        node = REGISTRY.resolver().lookup(BASE + ptr).contents
    return ptr, node


def schema_error(instance: object, schema_ptr: str) -> str | None:
    """Why `instance` does not match the schema at `schema_ptr`, or None if it does."""
    validator = OAS31Validator(
        {"$ref": BASE + schema_ptr}, registry=REGISTRY, format_checker=oas31_format_checker
    )
    error = best_match(validator.iter_errors(instance))
    if error is None:
        return None
    return f"{error.message} at {'/'.join(map(str, error.absolute_path)) or 'the top'}"


def header_value(raw: str, schema: dict) -> object:
    return int(raw) if schema.get("type") == "integer" and raw.isdigit() else raw


def check_headers(response, response_ptr: str, documented: dict) -> None:
    for name in documented.get("headers", {}):
        header_ptr, header = follow(f"{response_ptr}/headers/{pointer(name)[2:]}")
        raw = response.headers.get(name)
        if raw is None:
            assert not header.get("required"), f"the documented header {name} is missing"
            continue
        error = schema_error(header_value(raw, header["schema"]), header_ptr + "/schema")
        assert error is None, f"header {name}: {raw!r}: {error}"


def check_response(response, path: str) -> None:
    """Fail unless status, media type, body and headers are as the document says for GET `path`."""
    status = str(response.status_code)
    responses = DOCUMENT["paths"][path]["get"]["responses"]
    assert status in responses, f"{status} is not a documented response of GET {path}"
    response_ptr, documented = follow(pointer("paths", path, "get", "responses", status))
    content = documented.get("content", {})
    if not content:
        assert response.data == b"", f"{status} has no documented body"
    else:
        assert response.mimetype in content, f"{response.mimetype} is not documented for {status}"
        schema_ptr = f"{response_ptr}/content/{pointer(response.mimetype)[2:]}/schema"
        error = schema_error(response.get_json(), schema_ptr)
        assert error is None, f"GET {path} {status}: {error}"
    check_headers(response, response_ptr, documented)


# -- real responses --------------------------------------------------------------------------

CASES = [
    ("search", SEARCH, "/api/v1/search?q=co-op", 200),
    ("everything", SEARCH, "/api/v1/search", 200),
    (
        "filters-page-2",
        SEARCH,
        "/api/v1/search?q=co-op&theme=energy&theme=food&type=news&author=Maya+Chen"
        "&from=2020&to=June+2024&sort=newest&per_page=1&page=2&facet_size=3",
        200,
    ),
    ("zero-results", SEARCH, "/api/v1/search?q=tricycle&theme=housing", 200),
    ("typo", SEARCH, "/api/v1/search?q=bakkery", 200),
    ("prefix", SEARCH, "/api/v1/search?q=mondr", 200),
    ("no-entry-has-all-words", SEARCH, "/api/v1/search?q=turbine+bakery", 200),
    ("no-entry-has-the-rare-word", SEARCH, "/api/v1/search?q=cooperative+qqqzz", 200),
    ("theme-named", SEARCH, "/api/v1/search?q=nursing", 200),
    ("relaxations", SEARCH, "/api/v1/search?theme=housing&from=2022", 200),
    ("past-last-page", SEARCH, "/api/v1/search?q=tricycle&page=5", 200),
    ("entry", ENTRY, "/api/v1/entries/nurses-home-care-coop", 200),
    ("entry-jsonl", ENTRY, "/api/v1/entries/j-wind-turbine", 200),
    ("entry-undated", ENTRY, "/api/v1/entries/undated-grocery-notes", 200),
    ("entry-auto-themed", ENTRY, "/api/v1/entries/auto-themed-energy", 200),
    ("entry-missing", ENTRY, "/api/v1/entries/no-such-entry", 404),
    ("suggest", SUGGEST, "/api/v1/suggest?q=sol", 200),
    ("suggest-limit", SUGGEST, "/api/v1/suggest?q=nurse+tra&limit=3", 200),
    ("suggest-opensearch", SUGGEST, "/api/v1/suggest?q=nur&format=opensearch", 200),
    ("suggest-limit-0", SUGGEST, "/api/v1/suggest?q=sol&limit=0", 400),
    ("suggest-limit-21", SUGGEST, "/api/v1/suggest?q=sol&limit=21", 400),
    ("themes", THEMES, "/api/v1/themes", 200),
    ("openapi", OPENAPI, "/api/v1/openapi.json", 200),
    ("bad-sort", SEARCH, "/api/v1/search?sort=best", 400),
    ("bad-page", SEARCH, "/api/v1/search?page=0", 400),
    ("page-not-a-number", SEARCH, "/api/v1/search?page=two", 400),
    ("unknown-theme", SEARCH, "/api/v1/search?theme=astronomy", 400),
    ("bad-date", SEARCH, "/api/v1/search?from=garbage", 400),
    ("from-after-to", SEARCH, "/api/v1/search?from=2021&to=2020", 400),
    ("per-page-101", SEARCH, "/api/v1/search?per_page=101", 400),
    ("facet-size-0", SEARCH, "/api/v1/search?facet_size=0", 400),
    ("facet-size-201", SEARCH, "/api/v1/search?facet_size=201", 400),
    ("long-query", SEARCH, "/api/v1/search?q=" + "a " * 600, 200),  # cut and answered
]


@pytest.mark.parametrize(("path", "url", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_real_responses_match_the_document(client, path, url, status):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    check_response(response, path)


#: What each request above is there to show; without it the validation could pass vacuously.
SHOWN = [
    ("/api/v1/search?q=co-op", lambda b: b["hits"] and all(b["facets"].values())),
    ("/api/v1/search?q=co-op&theme=energy&per_page=1&page=2", lambda b: b["page"] == 2 and b["hits"]),
    ("/api/v1/search?q=co-op&theme=energy&per_page=1&page=2", lambda b: b["filters"]["theme"] == ["energy"]),
    (
        "/api/v1/search?q=co-op&from=June+2023&to=2024",
        lambda b: (b["filters"]["from"], b["filters"]["to"]) == ("2023-06-01", "2024-12-31"),
    ),
    ("/api/v1/search?q=bakkery", lambda b: b["total"] and b["approximate"][0]["matches"] == ["bakery"]),
    ("/api/v1/search?q=mondr", lambda b: b["approximate"][0]["kind"] == "prefix"),
    ("/api/v1/search?q=turbine+bakery", lambda b: b["relaxed"]["kept"] == ["turbine"]),
    ("/api/v1/search?q=cooperative+qqqzz", lambda b: b["relaxed"] == {"wanted": ["qqqzz"], "kept": []}),
    ("/api/v1/search?q=nursing", lambda b: b["themes_named"][0]["id"] == "health"),
    ("/api/v1/search?theme=housing&from=2022", lambda b: b["total"] == 0 and b["relaxations"]),
    ("/api/v1/entries/j-wind-turbine", lambda b: b["related"] and b["body_html"]),
    ("/api/v1/suggest?q=sol", lambda b: b["suggestions"]),
    ("/api/v1/suggest?q=tricycle", lambda b: any(s["kind"] == "title" for s in b["suggestions"])),
    ("/api/v1/themes", lambda b: len(b["themes"]) == 5),
]


@pytest.mark.parametrize(("url", "shows"), SHOWN, ids=[f"{i}:{u}" for i, (u, _) in enumerate(SHOWN)])
def test_the_requests_show_the_optional_parts(client, url, shows):
    response = client.get(url)
    assert response.status_code == 200
    assert shows(response.get_json())


def test_opensearch_suggestions_are_an_opensearch_array(client):
    response = client.get("/api/v1/suggest?q=nur&format=opensearch")
    assert response.status_code == 200
    assert response.mimetype == "application/x-suggestions+json"
    body = response.get_json()
    assert isinstance(body, list) and len(body) >= 2
    assert body[0] == "nur"
    assert all(isinstance(item, list) and all(isinstance(s, str) for s in item) for item in body[1:])
    assert body[1], "no completions for 'nur'"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/search?q=co-op", "/api/v1/entries/j-wind-turbine", "/api/v1/suggest?q=sol"]
    + ["/api/v1/themes", "/api/v1/openapi.json"],
)
def test_conditional_requests_get_a_documented_304(client, url):
    path = next(p for p in API_PATHS if re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", p), url.split("?")[0]))
    first = client.get(url)
    assert first.status_code == 200
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    check_response(again, path)
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


@pytest.fixture(scope="module")
def client_without_index(tmp_path_factory, settings):
    app = webui.create_app(replace(settings, index_dir=tmp_path_factory.mktemp("none") / "no-index"))
    if "apidocs" not in app.blueprints:
        app.register_blueprint(apidocs.bp)
    return app.test_client()


@pytest.mark.parametrize(
    ("path", "url"),
    [(SEARCH, "/api/v1/search?q=co-op"), (ENTRY, "/api/v1/entries/j-rent-strike")]
    + [(SUGGEST, "/api/v1/suggest?q=sol"), (THEMES, "/api/v1/themes")],
)
def test_missing_index_is_a_documented_503(client_without_index, path, url):
    response = client_without_index.get(url)
    assert response.status_code == 503
    check_response(response, path)


def example_requests() -> list[tuple[str, str]]:
    return [
        (path, op["x-example-request"])
        for path, item in DOCUMENT["paths"].items()
        for op in item.values()
        if "x-example-request" in op
    ]


@pytest.mark.parametrize(("path", "url"), example_requests())
def test_every_example_request_gets_a_documented_response(client, path, url):
    # Examples name entries of the real library, which the test library may not have: a 404 is
    # documented for entries, and the validation still checks its shape.
    check_response(client.get(url), path)


def test_every_operation_has_an_example_request():
    operations = [op for item in DOCUMENT["paths"].values() for op in item.values()]
    assert len(example_requests()) == len(operations)


# -- the document against the code -----------------------------------------------------------


def route_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: /api/v1/entries/<entry_id> -> /api/v1/entries/{entry_id}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_route_path():
    assert route_path("/api/v1/entries/<entry_id>") == "/api/v1/entries/{entry_id}"
    assert route_path("/api/v1/x/<int:n>/<path:rest>") == "/api/v1/x/{n}/{rest}"


def test_every_api_route_is_documented_and_every_documented_path_is_a_route(app):
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            routes.setdefault(route_path(rule.rule), set()).update(rule.methods - {"HEAD", "OPTIONS"})
    documented = {
        path: {method.upper() for method in item if method in HTTP_METHODS}
        for path, item in DOCUMENT["paths"].items()
    }
    assert routes == documented


def test_the_document_has_the_specified_paths_and_schemas():
    assert list(DOCUMENT["paths"]) == API_PATHS
    assert set(SCHEMAS) <= set(DOCUMENT["components"]["schemas"])
    assert (DOCUMENT["openapi"], DOCUMENT["info"]["title"], DOCUMENT["info"]["version"]) == (
        "3.1.0",
        "coopsearch API",
        "1",
    )


def query_parameters(path: str) -> list[dict]:
    return [p for p in DOCUMENT["paths"][path]["get"].get("parameters", []) if p["in"] == "query"]


def test_every_search_parameter_is_documented():
    assert sorted(p["name"] for p in query_parameters(SEARCH)) == sorted(SEARCH_PARAMS)


class RecordingArgs(ImmutableMultiDict):
    """Query-string arguments that remember which names the app asked for."""

    read: set[str] = set()

    def __getitem__(self, key):
        RecordingArgs.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        RecordingArgs.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        RecordingArgs.read.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        RecordingArgs.read.add(key)
        return super().__contains__(key)


class RecordingRequest(Request):
    parameter_storage_class = RecordingArgs


@pytest.fixture(scope="module")
def recording_client(settings):
    app = webui.create_app(settings)
    if "apidocs" not in app.blueprints:
        app.register_blueprint(apidocs.bp)
    app.request_class = RecordingRequest
    return app.test_client()


@pytest.mark.parametrize(("path", "url"), example_requests())
def test_the_api_reads_exactly_the_documented_query_parameters(recording_client, path, url):
    RecordingArgs.read = set()
    assert recording_client.get(url).status_code in (200, 404)
    assert RecordingArgs.read == {p["name"] for p in query_parameters(path)}


def all_parameters() -> list[tuple[str, dict]]:
    return [
        (f"{path}:{p['name']}", p)
        for path, item in DOCUMENT["paths"].items()
        for op in item.values()
        for p in op.get("parameters", [])
    ]


@pytest.mark.parametrize("param", [p for _, p in all_parameters()], ids=[i for i, _ in all_parameters()])
def test_every_parameter_says_what_it_is(param):
    assert len(param["description"]) > 20
    assert param["schema"].get("type") in {"string", "integer", "array"}
    if param["schema"]["type"] == "array":
        assert (param["style"], param["explode"]) == ("form", True), "repeatable: ?theme=a&theme=b"


def objects_without_closed_properties(schema: object, where: str = "") -> list[str]:
    """Object schemas anywhere in `schema` that do not say `additionalProperties: false`."""
    found = []
    if isinstance(schema, dict):
        if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
            found.append(where)
        for key, value in schema.items():
            found += objects_without_closed_properties(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            found += objects_without_closed_properties(value, f"{where}/{i}")
    return found


def test_every_object_schema_is_closed_so_drift_fails():
    assert objects_without_closed_properties(DOCUMENT["components"]["schemas"]) == []


def test_the_document_is_a_valid_openapi_3_1_document():
    assert openapi_spec_validator.validate(DOCUMENT) is None  # raises on an invalid document
    broken = {k: v for k, v in DOCUMENT.items() if k != "info"}
    with pytest.raises(OpenAPIValidationError):  # the validator does look
        openapi_spec_validator.validate(broken)


def test_the_served_document_is_the_file_with_this_host_as_server(client):
    response = client.get("/api/v1/openapi.json", base_url="https://partner.example")
    assert response.status_code == 200
    body = response.get_json()
    assert body["servers"] == [{"url": "https://partner.example"}]
    assert {k: v for k, v in body.items() if k != "servers"} == {
        k: v for k, v in DOCUMENT.items() if k != "servers"
    }


def test_load_document_returns_a_copy():
    apidocs.load_document()["info"]["title"] = "changed"
    assert apidocs.load_document()["info"]["title"] == "coopsearch API"


# -- the human-readable page -----------------------------------------------------------------


class Outline(HTMLParser):
    """What the accessibility checks need from a page: headings, tables, attributes, links."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[str, list[str]] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag):
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag) :]

    def handle_data(self, data):
        for tag in self._open:
            self.text.setdefault(tag, []).append(data)

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)


@pytest.fixture(scope="module")
def api_page(app) -> tuple[str, Outline]:
    response = app.test_client().get("/api")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    outline = Outline()
    outline.feed(html)
    return html, outline


def test_the_api_page_mentions_every_documented_path(api_page):
    html, _ = api_page
    for path in DOCUMENT["paths"]:
        assert f"GET {path}" in html, path
    assert 'href="/api/v1/openapi.json"' in html


def test_the_api_page_lists_every_parameter_and_links_every_example(api_page):
    html, outline = api_page
    for _, param in all_parameters():
        assert f"<code>{param['name']}</code>" in html
    hrefs = {attrs.get("href") for tag, attrs in outline.tags if tag == "a"}
    assert {url for _, url in example_requests()} <= hrefs
    assert "/api/v1/search?q=nurse+co-ops&theme=health" in hrefs


def test_the_api_page_headings_one_h1_and_an_h2_per_endpoint(api_page):
    _, outline = api_page
    operations = sum(1 for item in DOCUMENT["paths"].values() for _ in item)
    assert outline.count("h1") == 1
    assert outline.count("h2") == operations + 1  # and one for the response objects


def test_the_api_page_tables_are_labelled_with_column_headers(api_page):
    html, outline = api_page
    assert outline.count("table") == outline.count("caption") > 0
    assert all(attrs.get("scope") in {"col", "row"} for tag, attrs in outline.tags if tag == "th")
    assert "<thead>" in html


def test_the_api_page_has_no_inline_styles_or_scripts(api_page):
    html, outline = api_page
    assert all("style" not in attrs for _, attrs in outline.tags)
    assert all("src" in attrs for tag, attrs in outline.tags if tag == "script")
    assert "".join(outline.text.get("script", [])).strip() == ""
    assert outline.count("style") == 0
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers need unsafe-inline"


def test_the_api_page_ids_are_unique(api_page):
    _, outline = api_page
    ids = [attrs["id"] for _, attrs in outline.tags if "id" in attrs]
    assert len(ids) == len(set(ids))
