"""Staff sessions end on the server: a cookie captured before logout, a password change or
the account's removal, or older than the absolute lifetime, no longer opens staff pages."""

from __future__ import annotations

import time

from conftest import STAFF_EMAIL, STAFF_PASSWORD, csrf_token, log_in

from webui import staff_sessions
from webui.cli import main
from webui.db import open_db

COOKIE = "coopsearch_session"


def captured_cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def replay(app, cookie: str):
    """A fresh client (another browser, an attacker) sending only the captured cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie)
    return other.get("/staff/tokens")


def test_a_cookie_captured_before_logout_is_refused_after_it(staff_app, staff):
    cookie = captured_cookie(staff)
    assert replay(staff_app, cookie).status_code == 200
    staff.post("/staff/logout", data={"csrf_token": csrf_token(staff, "/staff/")})
    response = replay(staff_app, cookie)
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


def test_logout_ends_only_that_session(staff_app, staff):
    other = staff_app.test_client()
    assert log_in(other).status_code == 302
    staff.post("/staff/logout", data={"csrf_token": csrf_token(staff, "/staff/")})
    assert other.get("/staff/tokens").status_code == 200


def test_a_session_ends_twelve_hours_after_login_however_active(staff_app, staff, staff_settings):
    cookie = captured_cookie(staff)
    conn = open_db(staff_settings.staff_db)
    logged_in = time.time() - staff_sessions.LIFETIME_SECONDS - 1
    conn.execute("UPDATE sessions SET created_at = ?", (logged_in,))  # as if 12 hours had passed
    assert replay(staff_app, cookie).status_code == 302
    assert staff.get("/staff/tokens").status_code == 302


def test_a_password_change_ends_every_session_of_the_account(staff_app, staff, staff_settings, runner):
    cookie = captured_cookie(staff)
    db = str(staff_settings.staff_db)
    changed = runner.invoke(main, ["staff", "password", STAFF_EMAIL, "--db", db], input="a new long secret\n")
    assert changed.exit_code == 0, changed.output
    assert "sessions are ended" in changed.output
    assert replay(staff_app, cookie).status_code == 302
    assert log_in(staff_app.test_client(), password=STAFF_PASSWORD).status_code == 401
    assert log_in(staff_app.test_client(), password="a new long secret").status_code == 302


def test_a_removed_account_s_cookie_does_not_open_a_new_account(staff_app, staff, staff_settings, runner):
    cookie = captured_cookie(staff)
    db = str(staff_settings.staff_db)
    assert runner.invoke(main, ["staff", "remove", STAFF_EMAIL, "--db", db]).exit_code == 0
    added = runner.invoke(main, ["staff", "add", "new@example.org", "--db", db], input="another secret!\n")
    assert added.exit_code == 0  # SQLite gives it the removed account's id
    response = replay(staff_app, cookie)
    assert response.status_code == 302
    assert "new@example.org" not in response.get_data(as_text=True)


def test_the_database_keeps_only_a_hash_of_the_session_id(staff, staff_settings):
    conn = open_db(staff_settings.staff_db)
    stored = [row[0] for row in conn.execute("SELECT id_hash FROM sessions")]
    assert len(stored) == 1 and len(stored[0]) == 64
    assert stored[0] not in captured_cookie(staff)
