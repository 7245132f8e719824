"""The write API for entries: `PUT` and `DELETE /api/v1/entries/<id>`, for the CMS (API token).

A pushed entry is kept in the staff database (so a full rebuild includes it) and written to
the index, one push at a time (`curation.push_lock`; a push that waited a second for another
gets 503 with Retry-After). The row is written in a short transaction, then the index; if the
index cannot be written (another indexing run holds it: 503 with Retry-After), the row is put
back as it was. No database transaction is held while the index is written, so logins and
other staff writes never wait for a push. An invalid entry changes nothing. Workers re-check the index every
COOPSEARCH_REFRESH_SECONDS, so the change is searchable about a second later, without a
restart.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

import indexer
from indexer import Curation, Entry, IndexLocked, InvalidEntry

from . import accounts, curation
from .auth import actor, token_required
from .db import get_db
from .engine import get_engine
from .errors import error_body

bp = Blueprint("entries_api", __name__, url_prefix="/api/v1")

#: The fields of an entry in the corpus's JSON shape (README "Entries"); others are refused.
FIELDS = ("id", "title", "date", "authors", "summary", "body", "themes", "type", "url")
MAX_BODY = 4_000_000
SOURCE = "<api>"


@bp.after_request
def never_cached(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def printable(text: str) -> str:
    """`text` with any lone surrogate written as an escape (\\ud800): a message quoting what
    the client sent must still encode as UTF-8, or the answer itself would fail (a 500)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@bp.errorhandler(InvalidEntry)
def invalid_entry(exc: InvalidEntry) -> tuple[Response, int]:
    field = printable(str(exc.field))
    return jsonify(error_body("invalid_entry", f"{field}: {printable(str(exc.reason))}", field)), 422


@bp.errorhandler(IndexLocked)
def index_locked(exc: IndexLocked) -> Response:
    response = jsonify(
        error_body(
            "index_locked",
            "another indexing run is writing the index; nothing was changed: try again shortly",
        )
    )
    response.status_code = 503
    response.headers["Retry-After"] = str(curation.RETRY_AFTER)
    return response


@bp.errorhandler(curation.Busy)
def busy(exc: curation.Busy) -> Response:
    message = "another entry is being written to the index; nothing was changed: try again shortly"
    response = jsonify(error_body("busy", message))
    response.status_code = 503
    response.headers["Retry-After"] = str(curation.PUSH_RETRY_AFTER)
    return response


@contextmanager
def _restored_on_failure(conn: sqlite3.Connection, entry_id: str, previous: curation.Pushed | None):
    """Around the index write that follows a row's change: if it fails, the row is put back."""
    try:
        yield
    except BaseException:
        try:
            curation.restore_pushed(conn, entry_id, previous)
        except sqlite3.Error:
            current_app.logger.exception("entry %s: index not written, row not restored", entry_id)
        raise


@bp.put("/entries/<entry_id>")
@token_required
def put_entry(entry_id: str) -> Response:
    """Create or replace the entry `entry_id`: 201 when new, 200 when replaced."""
    entry = _entry_from_request(entry_id)
    conn = get_db()
    with curation.push_lock():
        previous = curation.get_pushed(conn, entry.id)
        with curation.transaction(conn):
            stored, created = curation.save_pushed(conn, entry, actor())
        override = curation.get_override(conn, entry.id)
        overrides = {entry.id: override.themes} if override else {}
        index_dir, wait = curation.index_target()
        with _restored_on_failure(conn, entry.id, previous):
            indexer.update(index_dir, [entry], curation=Curation(overrides=overrides), wait=wait)
    action = "entry.create" if created else "entry.replace"
    accounts.audit(conn, actor(), action, f"entry {entry.id}", entry.title[:200])
    response = jsonify(stored.to_dict())
    response.status_code = 201 if created else 200
    if created:
        response.headers["Location"] = url_for("api.entry", entry_id=entry.id)
    return response


@bp.delete("/entries/<entry_id>")
@token_required
def delete_entry(entry_id: str) -> Response:
    """Remove a pushed entry from the staff database and the index: 204, or 404."""
    conn = get_db()
    with curation.push_lock():
        previous = curation.get_pushed(conn, entry_id)
        with curation.transaction(conn):
            if previous is None or not curation.delete_pushed(conn, entry_id):
                raise NotFound(
                    f"no entry with id {entry_id!r} was pushed through the API "
                    "(an entry from the library's files goes when its file does)"
                )
        index_dir, wait = curation.index_target()
        with _restored_on_failure(conn, entry_id, previous):
            indexer.update(index_dir, [], deleted=[entry_id], wait=wait)
    accounts.audit(conn, actor(), "entry.delete", f"entry {entry_id}")
    return Response(status=204)


def _entry_from_request(entry_id: str) -> Entry:
    """The request body as a valid entry with the URL's id, or InvalidEntry naming the field."""
    data = _json_body()
    if not isinstance(data, dict):
        raise _invalid("entry", "the body must be a JSON object with at least a title")
    for name in data:
        if name not in FIELDS:
            raise _invalid(str(name)[:100], f"unknown field; an entry has {', '.join(FIELDS)}")
    given = data.get("id")
    if given is not None and str(given).strip() != entry_id:
        raise _invalid("id", f"the body's id {str(given)[:200]!r} differs from the URL's {entry_id!r}")
    entry = Entry.from_mapping({**data, "id": entry_id}, SOURCE, 1)
    _check_themes(entry)
    return entry


def _json_body() -> object:
    if (request.content_length or 0) > MAX_BODY:
        raise RequestEntityTooLarge(f"an entry may be at most {MAX_BODY:,} bytes of JSON")
    try:
        data = json.loads(request.get_data(as_text=True))
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise _invalid("json", f"the body is not valid JSON ({exc.msg} at {where})") from None
    except RecursionError:
        raise _invalid("json", "the body nests arrays or objects too deeply for an entry") from None
    _refuse_lone_surrogates(data)
    return data


def _refuse_lone_surrogates(data: object) -> None:
    """JSON may escape half of a UTF-16 pair (\\ud800) alone; that is no character, cannot be
    stored or indexed as UTF-8, and is refused here, naming the field, before anything
    encodes it. Walked without recursion: the body may nest as deeply as the parser allows."""
    pending: list[tuple[str, object]] = [("entry", data)]
    while pending:
        field, value = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                name = key if field == "entry" else field
                _check_text(name, key)
                pending.append((name, item))
        elif isinstance(value, list):
            pending.extend((field, item) for item in value)
        elif isinstance(value, str):
            _check_text(field, value)


def _check_text(field: str, text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = printable(exc.object[exc.start : exc.end])
        reason = f"contains {bad}, half of a UTF-16 surrogate pair, which is not a character"
        raise _invalid(printable(field)[:100], reason) from None


def _check_themes(entry: Entry) -> None:
    """Refuse theme ids the library does not have (a file's entry only gets a warning)."""
    known = [theme.id for theme, _ in get_engine().themes()]
    for theme in entry.themes:
        if known and theme not in known:
            raise _invalid("themes", f"unknown theme {theme[:100]!r}; the themes are {', '.join(known)}")


def _invalid(field: str, reason: str) -> InvalidEntry:
    return InvalidEntry(SOURCE, 1, field, reason)
