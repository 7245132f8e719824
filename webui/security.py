"""Security headers on every response.

The Content-Security-Policy allows scripts and styles only from our own origin: no inline
script, no inline style, no `eval`. Entry text is escaped wherever it is shown, and this is
the second line of defence if a template ever forgets. The public API allows any origin
(CORS), so partner sites can call it from their pages.
"""

from __future__ import annotations

from flask import Flask, Response, request

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)


def init_app(app: Flask) -> None:
    @app.after_request
    def secure(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if request.path.startswith("/api/"):
            headers.setdefault("Access-Control-Allow-Origin", "*")
        return response
