"""Staff pages for collections: list, create from a search, curate, publish, history, delete.

Every control is a plain form (POST with a CSRF token), so curating works from the keyboard
and without JavaScript; after each change the browser is sent back to the entry it changed.
Changes go through `collections.change`, which versions and audits them.
"""

from __future__ import annotations

from dataclasses import replace

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from search import SORTS, SearchRequest, Theme

from . import collections, embed
from .auth import actor, staff_required
from .collections_public import within
from .db import get_db
from .engine import get_engine
from .params import BadParam, search_request

bp = Blueprint("collections_staff", __name__, url_prefix="/staff/collections")

STAFF_PER_PAGE = 50
#: Form fields of the saved search, by the search parameter each one gives.
SEARCH_FIELDS = {"q": "q", "theme": "theme", "author": "authors", "type": "types", "from": "from", "to": "to"}


@bp.record_once
def _menu(state) -> None:
    state.app.config.setdefault("COOPSEARCH_STAFF_LINKS", []).append(
        ("collections_staff.index", "Collections")
    )


@bp.after_request
def private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _themes() -> list[tuple[Theme, int]]:
    return get_engine().themes()


def _collection(slug: str) -> collections.Collection:
    found = collections.get(get_db(), slug)
    if found is None:
        raise NotFound(f"There is no collection {slug!r}.")
    return found


def _count(state: collections.State) -> int:
    req = SearchRequest(scope=state.scope(), per_page=1, facets=False, snippets=False)
    return get_engine().search(req).total


# -- the list, and new collections ----------------------------------------------------------


@bp.get("")
@staff_required
def index() -> str:
    engine = get_engine()
    rows = []
    for c in collections.list_all(get_db()):
        rows.append((c, _count(c.state), len(engine.missing(c.state.pinned))))
    return render_template("staff/collections.html", rows=rows)


def _search_of(args: MultiDict) -> collections.SavedSearch:
    """A saved search from /search's query-string parameters, checked as /search checks them."""
    try:
        req = search_request(args, {t.id for t, _ in _themes()})
    except BadParam as exc:
        raise collections.CollectionError(exc.message, SEARCH_FIELDS.get(exc.param, exc.param)) from None
    return collections.SavedSearch.from_request(req)


def _saved_search(form: MultiDict) -> collections.SavedSearch:
    """The saved search from the form, whose authors and types are one per line."""
    args = MultiDict([(k, form.get(k, "")) for k in ("q", "from", "to", "sort")])
    args.setlist("theme", form.getlist("theme"))
    for param in ("author", "type"):
        args.setlist(param, [v for v in form.get(SEARCH_FIELDS[param], "").splitlines() if v.strip()])
    return _search_of(args)


def _metadata(form: MultiDict) -> dict:
    known = {t.id for t, _ in _themes()}
    themes = tuple(dict.fromkeys(t for t in form.getlist("collection_theme") if t in known))
    return {
        "title": form.get("title", "").strip(),
        "slug": form.get("slug", "").strip().lower(),
        "description": form.get("description", "").replace("\r\n", "\n").strip(),
        "themes": themes,
        "search": _saved_search(form),
    }


def _values(state: collections.State) -> dict:
    """What the form's fields hold for `state` (the same names as the form posts)."""
    search = state.search
    return {
        "title": state.title,
        "slug": state.slug,
        "description": state.description,
        "collection_theme": list(state.themes),
        "published": "1" if state.published else "0",
        "q": search.query,
        "theme": list(search.themes),
        "authors": "\n".join(search.authors),
        "types": "\n".join(search.types),
        "from": search.date_from.isoformat() if search.date_from else "",
        "to": search.date_to.isoformat() if search.date_to else "",
        "sort": search.sort,
    }


def _posted() -> dict:
    """The form as posted, to show it again with an error."""
    form = request.form
    values = {k: form.get(k, "") for k in ("title", "slug", "description", "published", "q")}
    values.update({k: form.get(k, "") for k in ("authors", "types", "from", "to", "sort")})
    return values | {"collection_theme": form.getlist("collection_theme"), "theme": form.getlist("theme")}


def _form_page(
    values: dict, error: collections.CollectionError | None = None, count: int | None = None, **context
):
    body = render_template(
        "staff/collections_form.html",
        values=values,
        error=error,
        themes=_themes(),
        sorts=SORTS,
        count=count,
        **context,
    )
    return body, 422 if error else 200


def _suggested_title(search: collections.SavedSearch) -> str:
    labels = {t.id: t.label for t, _ in _themes()}
    words = search.query or ", ".join(labels.get(t, t) for t in search.themes) or ", ".join(search.authors)
    return words[:1].upper() + words[1:] if words else ""


@bp.get("/new")
@staff_required
def new() -> tuple[str, int]:
    """The form, filled in from a search's query string (/search?… → /staff/collections/new?…)."""
    try:
        search = _search_of(request.args)
    except collections.CollectionError as exc:
        abort(400, exc.message)
    state = collections.State(title=_suggested_title(search), slug="", search=search)
    return _form_page(_values(state), count=_count(state), creating=True)


@bp.post("/new")
@staff_required
def create() -> Response | tuple[str, int]:
    db = get_db()
    try:
        state = collections.State(**_metadata(request.form), published=request.form.get("published") == "1")
        if not state.slug:
            state = replace(state, slug=collections.free_slug(db, collections.slugify(state.title)))
        collection = collections.create(db, state, actor(), _created_summary(state.search))
    except collections.CollectionError as exc:
        return _form_page(_posted(), exc, creating=True)
    flash(f"Collection “{collection.state.title}” created ({'published' if state.published else 'draft'}).")
    return redirect(url_for(".edit", slug=collection.slug))


def _created_summary(search: collections.SavedSearch) -> str:
    return f"created from the search {search.describe()}"


# -- one collection ------------------------------------------------------------------------


@bp.get("/<slug>")
@staff_required
def edit(slug: str) -> str:
    collection = _collection(slug)
    state = collection.state
    engine = get_engine()
    req = search_request(request.args, {t.id for t, _ in _themes()})
    if "per_page" not in request.args:
        req = replace(req, per_page=STAFF_PER_PAGE)
    results = engine.search(within(req, state, request.args))
    missing = engine.missing(state.pinned + state.hidden)
    shown_pinned = [p for p in state.pinned if p not in missing]
    hidden = [(h, engine.get_entry(h, related=0)) for h in state.hidden if h not in missing]
    return render_template(
        "staff/collections_edit.html",
        collection=collection,
        state=state,
        results=results,
        positions={p: i + 1 for i, p in enumerate(shown_pinned)},
        pinned_count=len(shown_pinned),
        hidden=hidden,
        missing=[(m, "pinned" if m in state.pinned else "hidden") for m in missing],
        page=req.page,
        theme_labels={t.id: t.label for t, _ in _themes()},
        root=request.host_url.rstrip("/"),
        embed_snippet=embed.script_snippet(embed.Options(collection=state.slug)),
    )


_ACTIONS = {"pin", "unpin", "hide", "unhide", "up", "down", "forget"}


def _entry_change(action: str, entry_id: str, state: collections.State):
    """The change for one entry button; pin and hide need an entry that is in the library."""
    engine = get_engine()
    entry = engine.get_entry(entry_id, related=0)
    if entry is None and action in ("pin", "hide"):
        raise collections.CollectionError(f"There is no entry {entry_id!r} in the library.")
    title = entry.title if entry else entry_id
    missing = frozenset(engine.missing(state.pinned + state.hidden))
    return {
        "pin": lambda: collections.pin(entry_id, title, missing),
        "unpin": lambda: collections.unpin(entry_id, title),
        "hide": lambda: collections.hide(entry_id, title),
        "unhide": lambda: collections.unhide(entry_id, title),
        "up": lambda: collections.move(entry_id, title, -1, missing),
        "down": lambda: collections.move(entry_id, title, +1, missing),
        "forget": lambda: collections.forget(entry_id),
    }[action]()


@bp.post("/<slug>/entries")
@staff_required
def entry_action(slug: str) -> Response:
    collection = _collection(slug)
    action = request.form.get("action", "")
    entry_id = request.form.get("entry", "").strip()
    if action not in _ACTIONS:
        abort(400, f"action must be one of {', '.join(sorted(_ACTIONS))}, not {action[:40]!r}")
    if not entry_id:
        abort(400, "Say which entry: the entry field is empty.")
    anchor = {"hide": "hidden", "forget": "missing", "unhide": "hidden"}.get(action, f"entry-{entry_id}")
    try:
        change = _entry_change(action, entry_id, collection.state)
        collection, summary = collections.change(get_db(), slug, change, actor(), action)
        flash(f"Done: {summary}.")
    except collections.CollectionError as exc:
        flash(f"Not changed: {exc.message}")
        anchor = "entries"
    return redirect(_back(slug, anchor))


def _back(slug: str, anchor: str) -> str:
    page = request.form.get("page", "").strip()
    args = {"page": page} if page.isdigit() and page != "1" else {}
    return url_for(".edit", slug=slug, **args) + f"#{anchor}"


@bp.post("/<slug>/publish")
@staff_required
def publish(slug: str) -> Response:
    _collection(slug)
    published = request.form.get("published") == "1"
    try:
        collection, summary = collections.change(
            get_db(), slug, collections.publish(published), actor(), "publish" if published else "unpublish"
        )
        flash(f"Done: {summary}.")
    except collections.CollectionError as exc:
        flash(f"Not changed: {exc.message}")
    return redirect(url_for(".edit", slug=slug))


@bp.get("/<slug>/settings")
@staff_required
def settings(slug: str) -> tuple[str, int]:
    collection = _collection(slug)
    return _form_page(
        _values(collection.state), count=_count(collection.state), creating=False, collection=collection
    )


@bp.post("/<slug>/settings")
@staff_required
def save_settings(slug: str) -> Response | tuple[str, int]:
    collection = _collection(slug)
    try:
        change = collections.edit(**_metadata(request.form))
        collection, summary = collections.change(get_db(), slug, change, actor(), "edit")
    except collections.CollectionError as exc:
        return _form_page(_posted(), exc, creating=False, collection=collection)
    flash(f"Done: {summary}.")
    return redirect(url_for(".edit", slug=collection.slug))


@bp.post("/<slug>/delete")
@staff_required
def delete(slug: str) -> Response:
    _collection(slug)
    if request.form.get("confirm") != "yes":
        flash("Not deleted: tick “Yes, delete this collection” to confirm.")
        return redirect(url_for(".edit", slug=slug) + "#delete")
    gone = collections.delete(get_db(), slug, actor())
    flash(f"Collection “{gone.state.title}” deleted.")
    return redirect(url_for(".index"))


# -- history ---------------------------------------------------------------------------------


@bp.get("/<slug>/history")
@staff_required
def history(slug: str) -> str:
    collection = _collection(slug)
    versions = collections.history(get_db(), collection.id)
    return render_template("staff/collections_history.html", collection=collection, versions=versions)


@bp.post("/<slug>/history/<int:number>/restore")
@staff_required
def restore(slug: str, number: int) -> Response:
    _collection(slug)
    try:
        collection, summary = collections.restore(get_db(), slug, number, actor())
    except collections.CollectionError as exc:
        flash(f"Not restored: {exc.message}")
        return redirect(url_for(".history", slug=slug))
    flash(f"Done: {summary}. The collection is now version {collection.version}.")
    return redirect(url_for(".history", slug=collection.slug))
