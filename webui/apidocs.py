"""The API's description: the OpenAPI document at /api/v1/openapi.json and a readable page at /api.

`openapi.json` beside this module is the one source. The page is rendered from it at request
time, so the page and the document cannot disagree, and tests/test_openapi.py validates real
responses against it, so the document cannot drift from the code unnoticed. The helpers below
turn JSON Schema into the short texts a table cell needs ("integer", "1–100").
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from markupsafe import Markup, escape

DOCUMENT = Path(__file__).parent / "openapi.json"
#: The caching every public API response promises (the document's Cache-Control header).
CACHE_CONTROL = "public, max-age=60"

bp = Blueprint("apidocs", __name__)

Schema = dict[str, Any]


@functools.cache
def _document() -> dict[str, Any]:
    """Read once per process; shared, so never modified."""
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


def load_document() -> dict[str, Any]:
    """The OpenAPI document as written in webui/openapi.json: a copy the caller may change."""
    return copy.deepcopy(_document())


def _base_url() -> str:
    # host_url ends with "/"; OpenAPI appends paths that start with "/" to the server URL.
    return request.host_url.rstrip("/")


@bp.get("/api/v1/openapi.json")
def openapi_document() -> Response:
    document = {**_document(), "servers": [{"url": _base_url()}]}
    return _cacheable(jsonify(document))


@bp.get("/api")
def api_page() -> str:
    document = _document()
    return render_template(
        "api.html",
        info=document["info"],
        base_url=_base_url(),
        endpoints=endpoints(document),
        objects=objects(document),
    )


def _cacheable(response: Response) -> Response:
    """Give the document the ETag, Last-Modified and Cache-Control that it documents, and 304."""
    response.add_etag(weak=True)
    response.last_modified = dt.datetime.fromtimestamp(int(DOCUMENT.stat().st_mtime), dt.UTC)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response.make_conditional(request)


# -- from the document to table rows -------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    location: str
    required: bool
    type: Markup
    default: str
    limits: str
    description: str


@dataclass(frozen=True)
class Reply:
    status: str
    description: str
    bodies: list[tuple[str, Markup]]
    headers: list[str]


@dataclass(frozen=True)
class Endpoint:
    id: str
    method: str
    path: str
    summary: str
    description: str
    example: str | None
    params: list[Param]
    replies: list[Reply]


@dataclass(frozen=True)
class Field:
    name: str
    type: Markup
    required: bool
    limits: str
    description: str


@dataclass(frozen=True)
class Object:
    name: str
    description: str
    fields: list[Field]


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local `$ref`s ("#/components/...") to the object they name."""
    while "$ref" in node:
        target: Any = document
        for key in pointer_keys(node["$ref"]):
            target = target[key]
        node = target
    return node


def pointer_keys(ref: str) -> list[str]:
    """The keys of a local JSON pointer ("#/a/b~1c"), unescaped."""
    return [k.replace("~1", "/").replace("~0", "~") for k in ref.removeprefix("#/").split("/")]


def type_html(schema: Schema) -> Markup:
    """A schema's type in a few words; named schemas link to their table on the page."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return Markup('<a href="#schema-{0}">{0}</a>').format(name)
    if "oneOf" in schema:
        return Markup(" or ").join(type_html(s) for s in schema["oneOf"])
    if "const" in schema:
        return escape(json.dumps(schema["const"]))
    types = schema.get("type", "any")
    return Markup(" or ").join(_one_type(schema, t) for t in ([types] if isinstance(types, str) else types))


def _one_type(schema: Schema, name: str) -> Markup:
    if name == "array" and isinstance(schema.get("items"), dict):
        return Markup("array of ") + type_html(schema["items"])
    if name == "string" and "format" in schema:
        return escape(f"string ({schema['format']})")
    return escape(name)


def limits_text(schema: Schema, things: str = "items") -> str:
    """Enum, range, length and count limits as one short phrase."""
    parts = []
    if "enum" in schema:
        parts.append("one of " + ", ".join(str(v) for v in schema["enum"]))
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        parts.append(f"{low}–{high}")
    elif low is not None:
        parts.append(f"at least {low}")
    elif high is not None:
        parts.append(f"at most {high}")
    if "maxLength" in schema:
        parts.append(f"at most {schema['maxLength']:,} characters")
    if "maxItems" in schema:
        parts.append(f"at most {schema['maxItems']} {things}")
    return "; ".join(parts)


def _param(document: dict[str, Any], raw: dict[str, Any]) -> Param:
    param = resolve(document, raw)
    schema = param.get("schema", {})
    repeat = param.get("explode") and schema.get("type") == "array"
    return Param(
        name=param["name"],
        location=param["in"],
        required=bool(param.get("required")),
        type=type_html(schema) + (" (repeatable)" if repeat else ""),
        default="" if schema.get("default") is None else str(schema["default"]),
        limits=limits_text(schema, "values"),
        description=param.get("description", ""),
    )


def _reply(document: dict[str, Any], status: str, raw: dict[str, Any]) -> Reply:
    response = resolve(document, raw)
    content = response.get("content", {})
    bodies = [(media, type_html(body.get("schema", {}))) for media, body in content.items()]
    return Reply(status, response.get("description", ""), bodies, list(response.get("headers", {})))


def endpoints(document: dict[str, Any]) -> list[Endpoint]:
    """Every operation of the document, in its order, ready for the page's tables."""
    found = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            params = [_param(document, p) for p in item.get("parameters", []) + op.get("parameters", [])]
            replies = [_reply(document, status, r) for status, r in op["responses"].items()]
            found.append(
                Endpoint(
                    id=op.get("operationId", f"{method}-{path}"),
                    method=method.upper(),
                    path=path,
                    summary=op.get("summary", ""),
                    description=op.get("description", ""),
                    example=op.get("x-example-request"),
                    params=params,
                    replies=replies,
                )
            )
    return found


def _fields(schema: Schema) -> list[Field]:
    if "prefixItems" in schema:  # a tuple, such as the OpenSearch suggestions array
        return [
            Field(f"[{i}]", type_html(item), i < schema.get("minItems", 0), "", item.get("description", ""))
            for i, item in enumerate(schema["prefixItems"])
        ]
    required = set(schema.get("required", []))
    return [
        Field(name, type_html(prop), name in required, limits_text(prop), prop.get("description", ""))
        for name, prop in schema.get("properties", {}).items()
    ]


def objects(document: dict[str, Any]) -> list[Object]:
    """The named schemas of the document, each with its fields."""
    schemas = document.get("components", {}).get("schemas", {})
    return [Object(name, s.get("description", ""), _fields(s)) for name, s in schemas.items()]
