"""Staff pages: the dashboard, API tokens and the audit log. Every view is `staff_required`.

Collections, themes, analytics and judgments add their own blueprints; this one is the
staff area's home and its account tools.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from . import accounts
from .auth import actor, current_account, staff_required
from .db import get_db

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.after_request
def private(response: Response) -> Response:
    """Staff pages are never stored by browsers or shared caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@staff_required
def dashboard() -> str:
    return render_template("staff/dashboard.html")


@bp.get("/tokens")
@staff_required
def tokens() -> str:
    db = get_db()
    owners = {a.id: a.email for a in accounts.list_accounts(db)}
    return render_template("staff/tokens.html", tokens=accounts.list_tokens(db), owners=owners)


@bp.post("/tokens")
@staff_required
def create_token() -> str:
    db = get_db()
    account = current_account()
    assert account is not None
    token, secret = accounts.create_token(db, account.id, request.form.get("name", ""))
    accounts.audit(db, actor(), "token.create", f"token {token.id}", token.name)
    owners = {a.id: a.email for a in accounts.list_accounts(db)}
    return render_template(
        "staff/tokens.html", tokens=accounts.list_tokens(db), owners=owners, new_token=token, secret=secret
    )


@bp.post("/tokens/<int:token_id>/revoke")
@staff_required
def revoke_token(token_id: int) -> Response:
    db = get_db()
    try:
        token = accounts.revoke_token(db, token_id)
    except accounts.AccountError as exc:
        flash(str(exc))
        return redirect(url_for("staff.tokens"))
    accounts.audit(db, actor(), "token.revoke", f"token {token.id}", token.name)
    flash(f"Token “{token.name}” ({token.prefix}…) is revoked.")
    return redirect(url_for("staff.tokens"))


@bp.get("/audit")
@staff_required
def audit_log() -> str:
    return render_template("staff/audit.html", rows=accounts.audit_entries(get_db()))
