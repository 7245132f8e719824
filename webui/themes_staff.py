"""Staff pages for themes: set an entry's themes, review automatic ones, edit a theme.

Every change is stored in the staff database (so every later indexing run keeps it, see
`curation`) and applied to the index at once through `indexer.retheme`, inside one database
transaction: if the index cannot be written, nothing is stored. An entry's themes set by staff
are indexed as "curated" (shown as "chosen by the library"), like themes an entry names itself.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState

import indexer
from indexer import Curation, Entry, IndexLocked, IndexReport, InvalidEntry, StoredEntry
from search import Theme

from . import accounts, curation
from .auth import actor, staff_required
from .db import get_db
from .engine import get_engine
from .params import int_param

bp = Blueprint("themes_staff", __name__, url_prefix="/staff/themes")

REVIEW_PAGE_SIZE = 25
MAX_LABEL = 80
MAX_DESCRIPTION = 1000
MAX_KEYWORDS = 200
MAX_KEYWORD = 80


@bp.record_once
def add_to_menu(state: BlueprintSetupState) -> None:
    state.app.config.setdefault("COOPSEARCH_STAFF_LINKS", []).append(("themes_staff.themes", "Themes"))


@bp.after_request
def private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(IndexLocked)
def index_locked(exc: IndexLocked) -> Response:
    message = "Another indexing run is writing the index, so nothing was changed. Try again in a minute."
    response = Response(render_template("error.html", status=503, message=message), status=503)
    response.headers["Retry-After"] = str(curation.RETRY_AFTER)
    return response


# -- the themes, as the index has them with staff's edits ---------------------------------------


def _themes() -> list[tuple[Theme, int, curation.ThemeEdit | None]]:
    """Each theme (staff's edit in place of the index's copy), its entry count, and the edit."""
    edits = curation.theme_edits(get_db())
    found = []
    for theme, count in get_engine().themes():
        edit = edits.get(theme.id)
        found.append((edit.theme if edit else theme, count, edit))
    return found


def _theme(theme_id: str) -> tuple[Theme, curation.ThemeEdit | None]:
    for theme, _, edit in _themes():
        if theme.id == theme_id:
            return theme, edit
    abort(404, f"There is no theme {theme_id!r}.")


def _labels() -> dict[str, str]:
    return {theme.id: theme.label for theme, _, _ in _themes()}


def _to_review() -> list[StoredEntry]:
    """Entries whose themes were assigned automatically and that staff have not settled."""
    settled = curation.overrides(get_db())
    index_dir, _ = curation.index_target()
    entries = indexer.stored_entries(index_dir)
    found = [s for s in entries if s.theme_source == "auto" and s.entry.id not in settled]
    return sorted(found, key=lambda s: (s.entry.title.casefold(), s.entry.id))


def _stored(entry_id: str) -> StoredEntry:
    index_dir, _ = curation.index_target()
    found = indexer.stored_entries(index_dir, ids=[entry_id])
    if not found:
        abort(404, f"There is no entry {entry_id!r} in the library.")
    return found[0]


def _retheme(cur: Curation, **options) -> IndexReport:
    """Apply staff's themes to the index at once; its warnings are shown to staff."""
    index_dir, wait = curation.index_target()
    report = indexer.retheme(index_dir, cur, wait=wait, **options)
    get_engine().snapshot(wait=True)  # the page staff see next shows their change
    for warning in report.warnings:
        flash(warning)
    return report


# -- the list of themes -------------------------------------------------------------------------


@bp.get("")
@staff_required
def themes() -> str:
    return render_template("staff/themes.html", themes=_themes(), to_review=len(_to_review()))


# -- one entry's themes -------------------------------------------------------------------------


@bp.get("/entries/<entry_id>")
@staff_required
def entry_form(entry_id: str) -> str:
    stored = _stored(entry_id)
    override = curation.get_override(get_db(), entry_id)
    chosen = override.themes if override else stored.themes
    return _entry_page(stored, override, chosen)


def _entry_page(stored: StoredEntry, override, chosen, error: str = "", status: int = 200) -> Response:
    body = render_template(
        "staff/themes_entry.html",
        stored=stored,
        override=override,
        chosen=set(chosen),
        themes=_themes(),
        labels=_labels(),
        pushed=curation.get_pushed(get_db(), stored.entry.id) is not None,
        error=error,
    )
    return Response(body, status=status)


@bp.post("/entries/<entry_id>")
@staff_required
def set_entry_themes(entry_id: str) -> Response:
    stored = _stored(entry_id)
    if request.form.get("action") == "remove":
        return _remove_override(stored)
    known = [theme.id for theme, _, _ in _themes()]
    chosen = tuple(dict.fromkeys(request.form.getlist("theme")))
    unknown = [t for t in chosen if t not in known]
    if unknown:
        error = f"Unknown theme {unknown[0][:80]!r}: choose among {', '.join(known)}."
        return _entry_page(stored, curation.get_override(get_db(), entry_id), (), error, 422)
    conn = get_db()
    with curation.transaction(conn):
        curation.set_override(conn, entry_id, chosen, actor())
        _retheme(Curation(overrides={entry_id: chosen}), ids=[entry_id])
        accounts.audit(conn, actor(), "theme.override", f"entry {entry_id}", _ids(chosen))
    flash(f"Themes of “{stored.entry.title}” set to: {_names(chosen)}.")
    return redirect(url_for(".entry_form", entry_id=entry_id))


def _remove_override(stored: StoredEntry) -> Response:
    conn = get_db()
    entry_id = stored.entry.id
    with curation.transaction(conn):
        if not curation.remove_override(conn, entry_id):
            flash("This entry's themes were not set by staff: nothing to undo.")
            return redirect(url_for(".entry_form", entry_id=entry_id))
        pushed = curation.get_pushed(conn, entry_id)
        _retheme(Curation(), ids=[entry_id], originals=_originals(pushed))
        accounts.audit(conn, actor(), "theme.override.remove", f"entry {entry_id}")
    flash(f"“{stored.entry.title}” has its own or automatic themes again.")
    return redirect(url_for(".entry_form", entry_id=entry_id))


def _originals(pushed: curation.Pushed | None) -> list[Entry]:
    """The pushed entry as sent, to take its own themes back from; none if it was stored by an
    older version and today's validation refuses it (the indexing runs report it)."""
    try:
        return [curation.as_entry(pushed)] if pushed else []
    except InvalidEntry:
        return []


def _ids(theme_ids) -> str:
    return ", ".join(theme_ids) or "no themes"


def _names(theme_ids) -> str:
    labels = _labels()
    return ", ".join(labels.get(t, t) for t in theme_ids) or "no themes"


# -- the review list ----------------------------------------------------------------------------


@bp.get("/review")
@staff_required
def review() -> str:
    entries = _to_review()
    pages = max(1, -(-len(entries) // REVIEW_PAGE_SIZE))
    page = int_param(request.args, "page", 1, 1, pages)
    shown = entries[(page - 1) * REVIEW_PAGE_SIZE : page * REVIEW_PAGE_SIZE]
    return render_template(
        "staff/themes_review.html",
        entries=shown,
        total=len(entries),
        page=page,
        pages=pages,
        labels=_labels(),
    )


@bp.post("/review/<entry_id>/confirm")
@staff_required
def confirm(entry_id: str) -> Response:
    """Keep an entry's automatic themes: they become an override, marked confirmed."""
    stored = _stored(entry_id)
    page = request.form.get("page", "1")
    back = url_for(".review", page=page if page.isdigit() else 1)
    conn = get_db()
    if stored.theme_source != "auto" or curation.get_override(conn, entry_id):
        flash(f"“{stored.entry.title}” already has themes chosen by the library.")
        return redirect(back)
    with curation.transaction(conn):
        curation.set_override(conn, entry_id, stored.themes, actor(), confirmed=True)
        _retheme(Curation(overrides={entry_id: stored.themes}), ids=[entry_id])
        accounts.audit(conn, actor(), "theme.confirm", f"entry {entry_id}", _ids(stored.themes))
    flash(f"Confirmed the themes of “{stored.entry.title}”: {_names(stored.themes)}.")
    return redirect(back)


# -- editing a theme ----------------------------------------------------------------------------


@bp.get("/<theme_id>")
@staff_required
def edit(theme_id: str) -> str:
    theme, edit = _theme(theme_id)
    return render_template("staff/themes_edit.html", theme=theme, edit=edit, form=_form_values(theme))


@bp.post("/<theme_id>")
@staff_required
def save(theme_id: str) -> Response:
    """Preview (which entries would gain or lose which automatic theme) or apply an edit."""
    current, edit = _theme(theme_id)
    new, errors = _theme_from_form(theme_id)
    page = {"theme": current, "edit": edit, "form": request.form, "errors": errors}
    if errors:
        return Response(render_template("staff/themes_edit.html", **page), status=422)
    conn = get_db()
    if request.form.get("action") != "apply":
        index_dir, _ = curation.index_target()
        wanted = Curation(overrides=curation.overrides(conn), theme_edits={theme_id: new})
        changes = indexer.preview_themes(index_dir, wanted)
        return Response(render_template("staff/themes_edit.html", changes=changes, labels=_labels(), **page))
    with curation.transaction(conn):
        curation.save_theme_edit(conn, new, actor())
        report = _retheme(curation.load(conn, with_pushed=False))
        detail = _edit_detail(current, new, report)
        accounts.audit(conn, actor(), "theme.edit", f"theme {theme_id}", detail)
    flash(f"Theme “{new.label}” saved: {detail}.")
    return redirect(url_for(".edit", theme_id=theme_id))


def _form_values(theme: Theme) -> dict[str, str]:
    return {"label": theme.label, "description": theme.description, "keywords": "\n".join(theme.keywords)}


def _theme_from_form(theme_id: str) -> tuple[Theme, dict[str, str]]:
    """The theme as the form has it, and what is wrong with it by field (empty if nothing)."""
    form = request.form
    label = " ".join(form.get("label", "").split())
    description = " ".join(form.get("description", "").split())
    words = (" ".join(k.split()) for k in re.split(r"[\n,]", form.get("keywords", "")))
    keywords = tuple(dict.fromkeys(k for k in words if k))
    errors = {}
    if not label or len(label) > MAX_LABEL:
        errors["label"] = f"A label is needed, of at most {MAX_LABEL} characters."
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = f"The description may have at most {MAX_DESCRIPTION} characters."
    if len(keywords) > MAX_KEYWORDS or any(len(k) > MAX_KEYWORD for k in keywords):
        errors["keywords"] = f"At most {MAX_KEYWORDS} keywords, each of at most {MAX_KEYWORD} characters."
    return Theme(theme_id, label, description, keywords), errors


def _edit_detail(old: Theme, new: Theme, report: IndexReport) -> str:
    parts = []
    if old.label != new.label:
        parts.append(f"label {old.label!r} → {new.label!r}")
    if old.description != new.description:
        parts.append("description changed")
    added = [k for k in new.keywords if k not in old.keywords]
    removed = [k for k in old.keywords if k not in new.keywords]
    if added or removed:
        parts.append("keywords " + " ".join([f"+{k}" for k in added] + [f"−{k}" for k in removed]))
    parts.append(f"{report.updated} {'entry' if report.updated == 1 else 'entries'} re-themed")
    return "; ".join(parts)
