"""Security for the pages: headers (content security policy with a per-response nonce), a CSRF
token bound to the session, and the error-report form's rate limit key.

Only the embed mode (``?embed=1``) may be framed by other sites; every other page refuses frames.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Flask, g, request, session

OPEN_DATA_PATHS = ("/api/", "/ogc/", "/exports/")  # read by other sites' scripts: CORS open
TILES = "https://tile.openstreetmap.org https://*.tile.openstreetmap.org"


def nonce() -> str:
    """The nonce of the current response, for inline ``<script>`` and ``<style>`` elements."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def csrf_token() -> str:
    """The session's CSRF token (created on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok(sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent and hmac.compare_digest(expected, sent))


def client_key(app_secret: str) -> str:
    """A salted hash of the client address: enough to rate-limit, never stored in clear."""
    address = request.remote_addr or "unknown"
    return hashlib.sha256((app_secret + address).encode()).hexdigest()[:32]


def install(app: Flask) -> None:
    """Add the security headers to every response, and open CORS on the data (API, OGC, downloads)."""

    @app.after_request
    def headers(response):
        embed = request.args.get("embed") == "1"
        script_nonce = nonce()
        policy = [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{script_nonce}'",
            f"style-src 'self' 'nonce-{script_nonce}'",
            f"img-src 'self' data: {TILES}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors *" if embed else "frame-ancestors 'none'",
        ]
        response.headers["Content-Security-Policy"] = "; ".join(policy)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=()"
        if not embed:
            response.headers["X-Frame-Options"] = "DENY"
        if request.path.startswith(OPEN_DATA_PATHS):
            response.headers["Access-Control-Allow-Origin"] = "*"
        return response
