"""Who is asking: staff sessions (login, logout), API tokens, CSRF, and the guards on views.

Staff pages use a signed session cookie (HttpOnly, SameSite=Lax, Secure when the request
came over HTTPS) that names a session kept on the server (`staff_sessions`: logout, a
password change or removing the account ends it; it lasts 12 hours from login at most)
and CSRF tokens on every form that changes anything (Flask-WTF). Scripts
and the CMS use `Authorization: Bearer <token>` on the write API, which takes no cookie and
therefore needs no CSRF token. `staff_required` and `token_required` are the only two ways a
view that changes anything may be reached; tests/test_access.py walks the URL map to prove
that every such view refuses anonymous requests.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from . import accounts, staff_sessions
from .db import get_db

bp = Blueprint("auth", __name__, url_prefix="/staff")
csrf = CSRFProtect()


class _SessionInterface(SecureCookieSessionInterface):
    """Mark the cookie Secure whenever the request itself came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (request and request.is_secure))


def current_account() -> accounts.Account | None:
    """The logged-in staff member of this request, if any."""
    if "account" not in g:
        session_id = session.get("sid")
        g.account = staff_sessions.account_for(get_db(), session_id) if isinstance(session_id, str) else None
        if g.account is None and session_id is not None:
            session.clear()  # ended or expired: stop sending it
    return g.account


def staff_required(view: Callable) -> Callable:
    """Staff pages and forms: anonymous visitors are sent to the login page."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        if current_account() is None:
            if request.method in ("GET", "HEAD"):
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            abort(401, "Log in as staff to do this.")
        return view(*args, **kwargs)

    guarded.staff_only = True  # type: ignore[attr-defined]
    return guarded


def token_required(view: Callable) -> Callable:
    """The write API: a live API token in `Authorization: Bearer`, nothing else."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        account = accounts.account_for_token(get_db(), secret.strip()) if scheme.lower() == "bearer" else None
        if account is None:
            response = jsonify(
                {
                    "error": {
                        "code": "unauthorized",
                        "message": "send a live API token as Authorization: Bearer <token>; "
                        "staff create them at /staff/tokens",
                        "param": None,
                    }
                }
            )
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="coopsearch"'
            return response
        g.account = account
        return view(*args, **kwargs)

    guarded.staff_only = True  # type: ignore[attr-defined]
    return csrf.exempt(guarded)


def actor() -> str:
    account = current_account()
    return account.email if account else "anonymous"


def _safe_next(target: str | None) -> str:
    """Only paths on this site: a login link must not send staff elsewhere."""
    if not target:
        return url_for("staff.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("staff.dashboard")
    return target


@bp.after_request
def private(response: Response) -> Response:
    """The login form carries a CSRF token tied to this browser's session: never store it."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    if request.method == "GET":
        return render_template("staff/login.html", next=request.args.get("next", ""))
    email = request.form.get("email", "")
    try:
        password = request.form.get("password", "")
        account = accounts.check_login(get_db(), email, password, request.remote_addr or "")
    except accounts.Throttled as exc:
        response = Response(
            render_template(
                "staff/login.html", next=request.form.get("next", ""), error=str(exc), email=email
            ),
            status=429,
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if account is None:
        error = "That email and password do not match an account."
        body = render_template(
            "staff/login.html", next=request.form.get("next", ""), error=error, email=email
        )
        return Response(body, status=401)
    session.clear()
    session.permanent = True
    session["sid"] = staff_sessions.start(get_db(), account.id)
    session["account_id"] = account.id  # only a hint for caches and analytics: `sid` decides
    accounts.audit(get_db(), account.email, "login")
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    account = current_account()
    if account is not None:
        staff_sessions.end(get_db(), session["sid"])
        accounts.audit(get_db(), account.email, "logout")
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("pages.home"))


def init_app(app: Flask) -> None:
    settings = app.config["COOPSEARCH"]
    secret = settings.secret_key
    if not secret:
        from .db import open_db

        conn = open_db(settings.staff_db)
        secret = accounts.app_secret(conn)
        conn.close()
    app.config.update(
        SECRET_KEY=secret,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="coopsearch_session",
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=staff_sessions.LIFETIME_SECONDS),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    app.config.setdefault("SESSION_COOKIE_SECURE", False)
    app.session_interface = _SessionInterface()
    csrf.init_app(app)

    @app.context_processor
    def staff_context() -> dict:
        return {"staff_account": current_account() if session.get("sid") else None}
