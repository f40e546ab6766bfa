"""The Flask front end: :func:`create_app` builds the application from validated settings.

Nothing is read at import time and there is no global state beyond caches keyed by the store
file (its venues index and communes are reloaded when a harvest replaces it).
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, g, jsonify, render_template, request

from ..config import Settings, load_settings
from ..errors import InclusionMapError
from . import i18n, security

PARIS = ZoneInfo("Europe/Paris")


def now_local() -> datetime:
    """Wall-clock time in France (naive), the time opening hours are written in."""
    return datetime.now(PARIS).replace(tzinfo=None)


#: what is sent compressed: pages, styles, scripts, JSON and GeoJSON (the gap map's grid: 371 KB
#: raw, 41 KB compressed); downloads in binary formats (GeoPackage, zip, PDF) are left as they are
COMPRESSED_TYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                    "application/geo+json", "image/svg+xml", "text/plain"]  # fmt: skip


def _compression(app: Flask) -> None:
    """Compress the answers (Flask-Compress: brotli, else gzip) unless ``INCLUSION_MAP_COMPRESS=0``
    (to compare, or when a reverse proxy already compresses)."""
    from flask_compress import Compress

    app.config.update(
        COMPRESS_REGISTER=os.environ.get("INCLUSION_MAP_COMPRESS", "1") != "0",
        COMPRESS_MIMETYPES=COMPRESSED_TYPES,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_ALGORITHM_STREAMING=["br", "gzip"],  # static files are sent as streams
        COMPRESS_BR_LEVEL=5,
    )
    Compress(app)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the application.

    Parameters
    ----------
    settings : Settings, optional
        Default: :func:`~inclusion_map.config.load_settings` (``config.yaml``).
    """
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=os.environ.get("INCLUSION_MAP_SECRET_KEY") or secrets.token_hex(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Behind HTTPS set INCLUSION_MAP_HTTPS=1 so that the session cookie is never sent in clear.
        SESSION_COOKIE_SECURE=os.environ.get("INCLUSION_MAP_HTTPS") == "1",
        MAX_CONTENT_LENGTH=32 * 1024,
        JSON_SORT_KEYS=False,
        # Parsed once: rate limits read the client's address from a proxy header only for these.
        TRUSTED_PROXIES=security.proxy_networks(settings.server.trusted_proxies),
    )
    app.json.ensure_ascii = False
    security.install(app)
    security.install_static(app)  # versioned static addresses, kept a year by browsers
    _compression(app)
    if settings.server.public_base_url:
        # Absolute links (OGC API, Link headers, the embed snippet, permalinks) from the configured
        # address, never from the Host header a client may forge.
        app.wsgi_app = security.PublicBase(app.wsgi_app, settings.server.public_base_url)

    from .actors_public import bp as actors_public_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .corrections_view import bp as corrections_bp
    from .coverage_map import bp as coverage_map_bp
    from .coverage_view import bp as coverage_bp
    from .docs import bp as docs_bp
    from .downloads import bp as downloads_bp
    from .health import bp as health_bp
    from .ogc import bp as ogc_bp
    from .orientation import bp as orientation_bp
    from .public import bp as public_bp
    from .quality import bp as quality_bp
    from .report import bp as report_bp
    from .service_pages import bp as service_pages_bp

    for blueprint in (health_bp, public_bp, api_bp, docs_bp, downloads_bp, ogc_bp, auth_bp, quality_bp, coverage_bp,
                      coverage_map_bp, report_bp, corrections_bp, orientation_bp, service_pages_bp, actors_public_bp):
        app.register_blueprint(blueprint)

    from .actors_organiser import bp as actors_organiser_bp  # organisers' actors pages and /reseau
    app.register_blueprint(actors_organiser_bp)

    @app.before_request
    def language():
        lang = request.args.get("lang", "fr")
        g.lang = lang if lang in i18n.LANGS else "fr"

    @app.context_processor
    def helpers():
        from ..freshness import footer_text, month_text, period_text
        from .data_info import data_info
        from .filters import keep_presentation, page_url
        from .view_helpers import date_text

        lang = getattr(g, "lang", "fr")
        return {
            "switch_url": page_url(request.args, lang="en" if lang == "fr" else None),
            "printing": request.args.get("print") == "1",
            "keep": keep_presentation(request.args),
            "date_text": lambda value: date_text(value, lang),
            "month_text": lambda value: month_text(value, lang) or "?",
            "period_text": lambda first, last: period_text(first, last, lang),
            "data_footer": lambda: footer_text(data_info(settings.store_location), lang),
            "t": lambda key, **values: i18n.text(key, lang, **values),
            "v": lambda label: i18n.value(label, lang),
            "lang": lang,
            "nonce": security.nonce,
            "csrf_token": security.csrf_token,
            "embed": request.args.get("embed") == "1",
        }

    def wants_json() -> bool:
        return request.path.startswith(("/api/", "/ogc/", "/exports/")) and request.path != "/api/docs"

    @app.errorhandler(InclusionMapError)
    def product_error(exc: InclusionMapError):
        if wants_json():
            return jsonify(error=exc.message, hint=exc.hint, status=exc.status), exc.status
        return render_template("error.html", error=exc, status=exc.status), exc.status

    @app.errorhandler(404)
    def not_found(exc):
        if wants_json():
            return jsonify(error="not found", status=404), 404
        return render_template("error.html", error=None, status=404), 404

    @app.errorhandler(405)
    def not_allowed(exc):
        # A 405 names the methods the resource allows (RFC 9110), as the OpenAPI checks expect.
        methods = getattr(exc, "valid_methods", None)
        allow = {"Allow": ", ".join(methods)} if methods else {}
        if wants_json():
            return jsonify(error="method not allowed", status=405), 405, allow
        return render_template("error.html", error=None, status=405), 405, allow

    @app.errorhandler(413)
    def too_large(exc):
        return render_template("error.html", error=None, status=413), 413

    @app.errorhandler(500)
    def server_error(exc):
        if wants_json():
            return jsonify(error="internal error", status=500), 500
        return render_template("error.html", error=None, status=500), 500

    return app


__all__ = ["create_app", "now_local"]
