"""Security for the pages: headers (content security policy with a per-response nonce, no caching
of organiser pages), a CSRF token bound to the session, the client's address behind a trusted
reverse proxy (rate limit keys), and absolute links built from the configured public address.

Only the embed mode (``?embed=1``) may be framed by other sites; every other page refuses frames.

Static files are addressed with a version, the hash of their content (``/static/js/app.js?v=…``,
added by :func:`install_static` to every ``url_for('static', …)``): a versioned address never
changes content, so browsers keep it a year without asking again (``immutable``); an address
without the current version (an old page, a hand-typed link) is kept a few minutes only.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request, session

from ..errors import ConfigError

OPEN_DATA_PATHS = ("/api/", "/ogc/", "/exports/")  # read by other sites' scripts: CORS open
#: pages never kept by a browser's or a proxy's cache: the organiser pages and the login
PRIVATE_PATHS = ("/qualite", "/connexion", "/deconnexion", "/organisateurs", "/reseau")
TILES = "https://tile.openstreetmap.org https://*.tile.openstreetmap.org"
#: how long browsers keep a static file: a year for a versioned address (its content never
#: changes), a few minutes for one without the current version
STATIC_VERSIONED = "public, max-age=31536000, immutable"
STATIC_UNVERSIONED = "public, max-age=300"


@lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_version(folder: str | None, filename: str) -> str | None:
    """The version of a static file: the first 12 hex digits of its content's SHA-256, computed
    once per file modification; ``None`` when there is no such file."""
    if not folder:
        return None
    base = Path(folder).resolve()
    path = (base / filename).resolve()
    if base not in path.parents:
        return None
    try:
        info = path.stat()
    except OSError:
        return None
    return _digest(str(path), info.st_mtime_ns, info.st_size) if path.is_file() else None


def install_static(app: Flask) -> None:
    """Version every static address the templates build, so that it may be kept for a year."""

    @app.url_defaults
    def versioned(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = static_version(app.static_folder, values["filename"])
            if version:
                values["v"] = version


def _static_cache(response) -> None:
    filename = (request.view_args or {}).get("filename", "")
    current = static_version(current_app.static_folder, filename)
    versioned = current is not None and request.args.get("v") == current
    response.headers["Cache-Control"] = STATIC_VERSIONED if versioned else STATIC_UNVERSIONED
    response.headers.pop("Expires", None)


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
    return hashlib.sha256((app_secret + client_address()).encode()).hexdigest()[:32]


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(proxies: Iterable[str]) -> tuple[Network, ...]:
    """The ``server.trusted_proxies`` setting as networks (an address is a network of one).

    Raises
    ------
    ConfigError
        When an entry is neither an IP address nor a network (``10.0.0.0/8``).
    """
    networks = []
    for entry in proxies:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            raise ConfigError(f"server.trusted_proxies: '{entry}' is not an IP address or network",
                              hint="e.g. 127.0.0.1, ::1 or 10.0.0.0/8") from None  # fmt: skip
    return tuple(networks)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as proxies write it (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``, ``"[::1]"``)."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped  # ::ffff:10.0.0.1 from a dual-stack socket is 10.0.0.1
    return address


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address.version == n.version and address in n for n in networks)


def forwarded_hops(header: str, values: list[str]) -> list[str]:
    """The addresses a proxy header lists, nearest last (``Forwarded``: its ``for=`` values)."""
    hops = [hop.strip() for value in values for hop in value.split(",") if hop.strip()]
    if header.lower() == "forwarded":
        found = []
        for hop in hops:
            pairs = dict(p.strip().split("=", 1) for p in hop.split(";") if "=" in p)
            found.append({k.lower(): v for k, v in pairs.items()}.get("for", ""))
        hops = found
    return hops


def client_address() -> str:
    """The client's address: the connection's, unless it comes from a trusted reverse proxy.

    Only then is ``server.trusted_proxy_header`` read (otherwise anyone could write any address
    in it). Each proxy appends the address it saw, so the list is read from its end: the first
    address that is not itself a trusted proxy is the client; what the client itself wrote before
    it is never read. A hop that cannot be read there gives the connection's address.
    """
    remote = request.remote_addr or "unknown"
    server = current_app.config["SETTINGS"].server
    networks = current_app.config.get("TRUSTED_PROXIES", ())
    if not server.trusted_proxy_header or not _trusted(_ip(remote), networks):
        return remote
    hops = forwarded_hops(server.trusted_proxy_header, request.headers.getlist(server.trusted_proxy_header))
    for hop in reversed(hops):
        address = _ip(hop)
        if address is None:
            return remote
        if not _trusted(address, networks):
            return str(address)
    return str(_ip(hops[0])) if hops else remote  # every hop is a trusted proxy: the farthest is the client


class PublicBase:
    """WSGI middleware: every request is seen as addressed to ``server.public_base_url``.

    Absolute links (``url_for(..., _external=True)``, ``request.url_root``, ``request.host_url``)
    are then built from the configured address, never from the Host header a client may forge.
    A path in the address (``https://example.org/carte``) becomes the application's root; a
    proxy may forward the requests with or without that folder.
    """

    def __init__(self, app, base_url: str):
        parts = urlsplit(base_url)
        self.app = app
        self.scheme = parts.scheme
        self.host = parts.netloc
        self.name = parts.hostname or ""
        self.port = str(parts.port or (443 if parts.scheme == "https" else 80))
        self.prefix = parts.path.rstrip("/")

    def __call__(self, environ, start_response):
        environ.update({"wsgi.url_scheme": self.scheme, "HTTP_HOST": self.host, "SERVER_NAME": self.name,
                        "SERVER_PORT": self.port})  # fmt: skip
        environ.pop("HTTP_X_FORWARDED_HOST", None)
        if self.prefix:
            path = environ.get("PATH_INFO", "")
            if path == self.prefix or path.startswith(self.prefix + "/"):
                environ["PATH_INFO"] = path[len(self.prefix) :] or "/"
            environ["SCRIPT_NAME"] = self.prefix
        return self.app(environ, start_response)


def _organiser_session() -> bool:
    """Whether the request carries an organiser session (read only when a cookie is sent, so that
    the answers to everyone else do not vary with cookies)."""
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return False
    return bool(session.get("sid"))


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
        # Organiser pages show reporters' messages and contacts, the action log, the CSRF token:
        # neither the browser's cache (a shared computer, the back button after logging out) nor a
        # proxy may keep them. Public pages stay cacheable for visitors without a session.
        # Static files hold nothing private: they are cached whoever asks (see STATIC_VERSIONED).
        if request.endpoint == "static" and response.status_code in (200, 304):
            _static_cache(response)
        elif request.path.startswith(PRIVATE_PATHS) or _organiser_session():
            response.headers["Cache-Control"] = "no-store"
        return response
