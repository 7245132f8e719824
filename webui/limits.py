"""Rate limits on public views, per client address, with Flask-Limiter.

Each client address has one budget, COOPSEARCH_RATE_LIMIT (300/minute by default), shared by
every public view (pages, feeds, the read API, the embed script and frame: see
`security.public_view`); "off" turns limiting off. Logging in (a POST to the login form)
has a budget of its own, COOPSEARCH_LOGIN_RATE_LIMIT (10/minute): every attempt costs a
password hash, so one client must not be able to make many (failed logins also slow down:
`login_throttle`); a client over the public budget can still log in. Staff pages, the write
API (token holders) and static files are not limited. Over the limit, a request gets 429
with `Retry-After` (seconds until the client's budget allows one more), in the API's JSON
error shape under /api/ and as the HTML error page elsewhere, with the CORS headers of
public data so a widget can read it.

Counters use fixed windows (a minute from the client's first request, for a per-minute
limit) and live in memory by default, so each gunicorn worker counts on its own (a client
whose requests spread over W workers may get up to W times the limit); a shared storage
(COOPSEARCH_RATE_LIMIT_STORAGE=redis://…) makes one count for all. A storage that fails does
not fail the request: the request goes through and the error is logged.

Behind a reverse proxy every request comes from the proxy's address, so every visitor would
share one budget: COOPSEARCH_PROXIES=n trusts the X-Forwarded-For, -Proto and -Host headers
set by n proxies (Werkzeug's ProxyFix), and the client's own address is counted.
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits.errors import ConfigurationError
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import SettingsError
from .errors import _respond
from .security import READ_METHODS, public_view

#: The view whose POSTs are limited although it is not public.
LOGIN = "auth.login"
#: One counter per client and window, so memory stays small however many clients come, and
#: Retry-After is exact (the window's end); a client may burst across a window boundary.
STRATEGY = "fixed-window"
_KEY = "coopsearch.limiter"


def exempt() -> bool:
    """Requests the limits do not count: anything but a GET or HEAD of a public view, or a login."""
    if request.method == "POST" and request.endpoint == LOGIN:
        return False
    return request.method not in READ_METHODS or not public_view(request.endpoint)


def _logging_in() -> bool:
    """A login counts only in its own budget, not in the public one."""
    return request.endpoint == LOGIN


def retry_after(limiter: Limiter) -> int:
    """Whole seconds until the breached limit lets this client in again (at least 1)."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    return max(1, math.ceil(breached.window.reset_time - time.time()))


def too_many(exc: RateLimitExceeded) -> Response:
    seconds = retry_after(current_app.extensions[_KEY])
    response = _respond(
        429,
        "rate_limited",
        f"Too many requests from your address: at most {exc.limit.limit}. Try again in {seconds} seconds.",
    )
    response.headers["Retry-After"] = str(seconds)
    return response


def _trust_proxies(app: Flask, proxies: int) -> None:
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def init_app(app: Flask) -> None:
    """Trust the configured proxies and limit public views. Call it before any other
    `before_request` hook that may answer early (a 304 is still a request to count)."""
    settings = app.config["COOPSEARCH"]
    _trust_proxies(app, settings.proxies)
    if settings.rate_limit == "off" and settings.login_rate_limit == "off":
        return
    limiter = Limiter(
        get_remote_address,
        application_limits=[] if settings.rate_limit == "off" else [settings.rate_limit],
        application_limits_exempt_when=_logging_in,
        storage_uri=settings.rate_limit_storage,
        strategy=STRATEGY,
        key_prefix="coopsearch",
        swallow_errors=True,
    )
    limiter.request_filter(exempt)
    try:
        limiter.init_app(app)
    except ConfigurationError as exc:
        raise SettingsError(f"COOPSEARCH_RATE_LIMIT_STORAGE={settings.rate_limit_storage!r}: {exc}") from None
    if settings.login_rate_limit != "off":
        from .auth import bp as auth_bp

        limiter.limit(settings.login_rate_limit, methods=["POST"], scope="login")(auth_bp)
    app.extensions[_KEY] = limiter
    app.register_error_handler(RateLimitExceeded, too_many)
