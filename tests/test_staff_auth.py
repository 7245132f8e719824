"""Staff accounts, login, CSRF, tokens, the audit log and backups, through the real app and CLI."""

from __future__ import annotations

import sqlite3
import time

from conftest import STAFF_EMAIL, STAFF_PASSWORD, csrf_token, log_in

from webui import accounts, login_throttle
from webui.cli import main
from webui.db import open_db


def test_passwords_are_stored_only_as_strong_hashes(staff_settings):
    conn = open_db(staff_settings.staff_db)
    stored = conn.execute("SELECT password_hash FROM accounts").fetchone()[0]
    assert STAFF_PASSWORD not in stored
    assert stored.startswith("scrypt:")


def test_login_with_the_right_password_opens_the_dashboard(anonymous):
    response = log_in(anonymous)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = anonymous.get("/staff/")
    assert page.status_code == 200
    assert STAFF_EMAIL in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_the_cookie_is_secure_over_https(staff_app):
    client = staff_app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/staff/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/staff/login"},  # Flask-WTF checks it over HTTPS
        data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_wrong_password_and_unknown_account_are_refused_alike(anonymous):
    wrong = log_in(anonymous, password="not the password")
    unknown = log_in(anonymous, email="nobody@example.org")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "do not match an account" in response.get_data(as_text=True)
    assert anonymous.get("/staff/").status_code == 302


def test_repeated_failures_slow_down_that_address_even_with_the_right_password(anonymous):
    for _ in range(login_throttle.FREE_FAILURES):
        assert log_in(anonymous, password="guess").status_code == 401
    response = log_in(anonymous)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "too many failed attempts" in response.get_data(as_text=True)


def test_failures_are_forgotten_after_the_window(staff_settings):
    conn = open_db(staff_settings.staff_db)
    past = time.time() - login_throttle.WINDOW_SECONDS - 1
    for _ in range(login_throttle.FREE_FAILURES):
        assert accounts.check_login(conn, STAFF_EMAIL, "guess", "203.0.113.9", now=past) is None
    assert accounts.check_login(conn, STAFF_EMAIL, STAFF_PASSWORD, "203.0.113.9") is not None


def test_a_form_without_its_csrf_token_is_refused(staff):
    response = staff.post("/staff/tokens", data={"name": "no csrf"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert "no csrf" not in staff.get("/staff/tokens").get_data(as_text=True)
    bad = staff.post("/staff/tokens", data={"name": "forged", "csrf_token": "forged-token"})
    assert bad.status_code == 400


def test_the_login_page_is_never_stored(anonymous):
    assert anonymous.get("/staff/login").headers["Cache-Control"] == "no-store"


def test_login_itself_needs_the_csrf_token(anonymous):
    response = anonymous.post("/staff/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD})
    assert response.status_code == 400


def test_a_token_is_shown_once_stored_hashed_and_revocable(staff, staff_settings):
    page = staff.post(
        "/staff/tokens", data={"name": "CMS sync", "csrf_token": csrf_token(staff, "/staff/tokens")}
    )
    html = page.get_data(as_text=True)
    secret = html.split('id="new-token-secret" readonly value="')[1].split('"')[0]
    assert secret.startswith(accounts.TOKEN_PREFIX)
    assert secret not in staff.get("/staff/tokens").get_data(as_text=True)  # shown once
    conn = open_db(staff_settings.staff_db)
    assert conn.execute("SELECT COUNT(*) FROM tokens WHERE token_hash = ?", (secret,)).fetchone()[0] == 0
    assert accounts.account_for_token(conn, secret).email == STAFF_EMAIL
    token_id = conn.execute("SELECT id FROM tokens").fetchone()[0]
    revoked = staff.post(
        f"/staff/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(staff, "/staff/tokens")}
    )
    assert revoked.status_code == 302
    assert accounts.account_for_token(conn, secret) is None
    assert accounts.account_for_token(conn, secret + "x") is None


def test_a_token_id_too_large_for_the_database_is_a_404_not_a_500(staff):
    form = {"csrf_token": csrf_token(staff, "/staff/tokens")}
    assert staff.post("/staff/tokens/99999999999999999999999/revoke", data=form).status_code == 404
    largest = staff.post(f"/staff/tokens/{2**63 - 1}/revoke", data=form)  # fits: simply no such token
    assert largest.status_code == 302
    assert "there is no token" in staff.get("/staff/tokens").get_data(as_text=True)


def test_the_audit_log_records_who_did_what(staff):
    staff.post("/staff/tokens", data={"name": "feeds", "csrf_token": csrf_token(staff, "/staff/tokens")})
    html = staff.get("/staff/audit").get_data(as_text=True)
    assert "token.create" in html and "feeds" in html and STAFF_EMAIL in html
    assert "login" in html


def test_logout_ends_the_session(staff):
    response = staff.post("/staff/logout", data={"csrf_token": csrf_token(staff, "/staff/")})
    assert response.status_code == 302
    assert staff.get("/staff/").status_code == 302


def test_login_only_returns_to_paths_on_this_site(anonymous):
    for target, expected in (
        ("/staff/tokens", "/staff/tokens"),
        ("https://evil.example/", "/staff/"),
        ("//evil", "/staff/"),
    ):
        token = csrf_token(anonymous)  # logging in starts a new session with a new token
        response = anonymous.post(
            "/staff/login",
            data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "csrf_token": token, "next": target},
        )
        assert response.headers["Location"] == expected


def test_public_pages_seen_by_staff_are_not_cacheable(staff):
    response = staff.get("/search?q=co-op")
    assert response.status_code == 200
    assert "public" not in response.headers.get("Cache-Control", "")
    assert "ETag" not in response.headers


# -- command line -------------------------------------------------------------------------


def test_staff_commands_add_list_remove(runner, tmp_path):
    db = str(tmp_path / "staff.sqlite3")
    added = runner.invoke(
        main, ["staff", "add", "ed@example.org", "--db", db], input="a long enough secret\n"
    )
    assert added.exit_code == 0, added.output
    assert "added ed@example.org" in added.output
    listed = runner.invoke(main, ["staff", "list", "--db", db])
    assert listed.output.startswith("ed@example.org\t")
    again = runner.invoke(main, ["staff", "add", "ed@example.org", "--db", db], input="another long secret\n")
    assert again.exit_code == 1 and "already an account" in again.output
    short = runner.invoke(main, ["staff", "add", "x@example.org", "--db", db], input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    removed = runner.invoke(main, ["staff", "remove", "ed@example.org", "--db", db])
    assert removed.exit_code == 0
    assert runner.invoke(main, ["staff", "list", "--db", db]).output == ""
    missing = runner.invoke(main, ["staff", "remove", "ed@example.org", "--db", db])
    assert missing.exit_code == 1 and "no account" in missing.output


def test_backup_is_a_consistent_copy_while_the_database_is_in_use(runner, staff_settings, tmp_path):
    writer = open_db(staff_settings.staff_db)
    writer.execute("BEGIN")
    accounts.audit(writer, "test", "uncommitted")  # an open write transaction during the backup
    target = tmp_path / "backup.sqlite3"
    result = runner.invoke(main, ["backup", str(target), "--db", str(staff_settings.staff_db)])
    writer.execute("COMMIT")
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT email FROM accounts").fetchall() == [(STAFF_EMAIL,)]
    assert copy.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'uncommitted'").fetchone()[0] == 0
    assert copy.execute("PRAGMA user_version").fetchone()[0] >= 1
    again = runner.invoke(main, ["backup", str(target), "--db", str(staff_settings.staff_db)])
    assert again.exit_code == 1 and "exists" in again.output


def test_the_database_is_in_wal_mode_and_migrated(staff_settings):
    conn = open_db(staff_settings.staff_db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    from webui.db import migrations

    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]
