"""The service's public address (COOPSEARCH_BASE_URL), the same for every request.

Absolute URLs (the OpenSearch description, the Atom feeds, OpenSearch suggestions, the embed
builder's snippets, the API page, anything built with `url_for(..., _external=True)` or
`request.host_url`) are built from the request's scheme and Host. Those responses are
publicly cacheable, so a client sending `Host: evil.example` (or `X-Forwarded-Host` through a
trusting proxy) could have a shared cache hand its links to everyone. With a base URL set,
every request is seen as addressed to it before the app reads anything: no header changes
an absolute URL, and the views need not know. Installed inside ProxyFix (`limits.init_app`
wraps the app later, so it runs first), it has the last word on scheme and host, and leaves
the client's address to ProxyFix.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask


class PinnedHost:
    """WSGI middleware: every request's scheme, Host and server name are the base URL's."""

    def __init__(self, app, base_url: str) -> None:
        self.app = app
        parts = urlsplit(base_url)
        self.scheme = parts.scheme
        self.host = parts.netloc
        self.server_name = parts.hostname or ""
        self.server_port = str(parts.port or (443 if parts.scheme == "https" else 80))

    def __call__(self, environ: dict, start_response):
        environ["wsgi.url_scheme"] = self.scheme
        environ["HTTP_HOST"] = self.host
        environ["SERVER_NAME"] = self.server_name
        environ["SERVER_PORT"] = self.server_port
        return self.app(environ, start_response)


def init_app(app: Flask) -> None:
    """Pin the app to COOPSEARCH_BASE_URL, if set. Call it before `limits.init_app`."""
    base_url = app.config["COOPSEARCH"].base_url
    if base_url:
        app.wsgi_app = PinnedHost(app.wsgi_app, base_url)  # type: ignore[method-assign]
