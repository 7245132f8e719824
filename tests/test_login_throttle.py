"""Failed logins slow down the address that fails, and the account only for strangers; login
POSTs have their own rate limit. Through the real app, with clients at different addresses."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import STAFF_EMAIL, STAFF_PASSWORD, log_in

import webui
from webui import accounts, login_throttle
from webui.db import open_db

STRANGER = "198.51.100.66"
DESK = "192.0.2.10"
CAFE = "203.0.113.5"


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def fail_repeatedly(client, times: int, email: str = STAFF_EMAIL) -> list[int]:
    return [log_in(client, email=email, password="wrong guess").status_code for _ in range(times)]


def test_a_stranger_failing_cannot_lock_the_librarian_out_of_her_desk(staff_app):
    desk = client_at(staff_app, DESK)
    assert log_in(desk).status_code == 302  # she has logged in from her desk before
    desk.post("/staff/logout")
    stranger = client_at(staff_app, STRANGER)
    codes = fail_repeatedly(stranger, login_throttle.FREE_FAILURES + 1)
    assert codes[-1] == 429  # the stranger is slowed down …
    assert log_in(stranger).status_code == 429  # … even with the right password
    assert log_in(client_at(staff_app, DESK)).status_code == 302  # she is not


def test_guessing_one_account_from_many_addresses_slows_down_new_addresses(staff_app):
    for n in range(login_throttle.FREE_FAILURES):
        assert fail_repeatedly(client_at(staff_app, f"198.51.100.{n}"), 1) == [401]
    response = log_in(client_at(staff_app, CAFE))  # an address the account never used
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1


def test_guessing_across_many_emails_from_one_address_is_throttled(staff_app):
    stranger = client_at(staff_app, STRANGER)
    codes = [
        log_in(stranger, email=f"guess{n}@example.org", password="wrong guess").status_code
        for n in range(login_throttle.FREE_FAILURES + 1)
    ]
    assert codes == [401] * login_throttle.FREE_FAILURES + [429]


def test_delays_grow_with_each_failure_up_to_a_cap(staff_settings):
    conn = open_db(staff_settings.staff_db)
    now = 1_000_000_000.0
    waits = []
    for _ in range(login_throttle.FREE_FAILURES + 12):
        waits.append(login_throttle.seconds_to_wait(conn, STAFF_EMAIL, STRANGER, now))
        if waits[-1] == 0:
            assert accounts.check_login(conn, STAFF_EMAIL, "wrong guess", STRANGER, now=now) is None
        else:
            with pytest.raises(accounts.Throttled):
                accounts.check_login(conn, STAFF_EMAIL, STAFF_PASSWORD, STRANGER, now=now)
            now += waits[-1]  # wait as told, then fail again
            assert accounts.check_login(conn, STAFF_EMAIL, "wrong guess", STRANGER, now=now) is None
    free = login_throttle.FREE_FAILURES
    assert waits[:free] == [0] * free
    assert waits[free : free + 4] == [1, 2, 4, 8]
    assert max(waits) == login_throttle.MAX_DELAY
    # Once the address waited as told, the right password gets in, and clears its failures.
    now += login_throttle.MAX_DELAY
    assert accounts.check_login(conn, STAFF_EMAIL, STAFF_PASSWORD, STRANGER, now=now) is not None
    assert login_throttle.seconds_to_wait(conn, STAFF_EMAIL, STRANGER, now) == 0


def test_login_posts_have_their_own_rate_limit(staff_settings):
    app = webui.create_app(dataclasses.replace(staff_settings, login_rate_limit="3/minute"))
    client = client_at(app, CAFE)
    responses = [log_in(client) for _ in range(4)]
    assert [r.status_code for r in responses] == [302, 302, 302, 429]
    assert int(responses[-1].headers["Retry-After"]) > 0
    assert client_at(app, DESK).get("/staff/login").status_code == 200  # other clients unaffected
    assert log_in(client_at(app, DESK), password=STAFF_PASSWORD).status_code == 302


def test_the_login_rate_limit_setting_is_checked():
    with pytest.raises(webui.config.SettingsError, match="COOPSEARCH_LOGIN_RATE_LIMIT"):
        webui.Settings.from_env({"COOPSEARCH_LOGIN_RATE_LIMIT": "lots"})
