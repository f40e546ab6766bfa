"""Organiser accounts, login and the log of who decided what.

Reading is public; every action that changes stored data (duplicate decisions, report statuses,
triggering a harvest) needs an organiser session. Accounts live in ``organisers.sqlite`` beside
the store (created with ``python run.py organiser add NAME``; passwords hashed with werkzeug's
scrypt), or one account ``organisateur`` whose hash is given by the environment variable
``INCLUSION_MAP_ORGANISER_PASSWORD_HASH``. Nothing secret is ever in the repository.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import BadRequest
from . import security
from .embedded_db import connect

ENV_HASH = "INCLUSION_MAP_ORGANISER_PASSWORD_HASH"
ENV_ACCOUNT = "organisateur"
MAX_FAILURES = 5  # per address and 10 minutes

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS actions (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, who TEXT NOT NULL,
                                    action TEXT NOT NULL, target TEXT, detail TEXT);
"""


class OrganiserStore:
    """Accounts and the action log (one SQLite file)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path, SCHEMA)

    def add_account(self, name: str, password: str) -> None:
        if len(password) < 10:
            raise BadRequest("the password must hold at least 10 characters")
        with self._connect() as con:
            con.execute("INSERT OR REPLACE INTO accounts VALUES (?, ?, ?)",
                        (name, generate_password_hash(password), _now()))  # fmt: skip

    def accounts(self) -> list[str]:
        if not self.path.is_file():
            return []
        with self._connect() as con:
            return [r["name"] for r in con.execute("SELECT name FROM accounts ORDER BY name")]

    def check(self, name: str, password: str) -> bool:
        env_hash = os.environ.get(ENV_HASH)
        if name == ENV_ACCOUNT and env_hash:
            return check_password_hash(env_hash, password)
        if not self.path.is_file():
            return False
        with self._connect() as con:
            row = con.execute("SELECT password_hash FROM accounts WHERE name = ?", (name,)).fetchone()
        return bool(row) and check_password_hash(row["password_hash"], password)

    def log(self, who: str, action: str, target: str = "", detail: str = "") -> None:
        with self._connect() as con:
            con.execute("INSERT INTO actions (at, who, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                        (_now(), who, action, target, detail))  # fmt: skip

    def recent(self, action: str, who: str, within: timedelta) -> int:
        since = (datetime.now(UTC) - within).isoformat(timespec="seconds")
        with self._connect() as con:
            row = con.execute("SELECT COUNT(*) FROM actions WHERE action = ? AND who = ? AND at >= ?",
                              (action, who, since)).fetchone()  # fmt: skip
        return int(row[0])

    def actions(self, limit: int = 50) -> list[dict]:
        if not self.path.is_file():
            return []
        with self._connect() as con:
            return [dict(r) for r in con.execute("SELECT * FROM actions ORDER BY id DESC LIMIT ?", (limit,))]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def organiser_store() -> OrganiserStore:
    return OrganiserStore(current_app.config["SETTINGS"].store_path.with_name("organisers.sqlite"))


def current_organiser() -> str | None:
    return session.get("organiser")


def organiser_required(view):
    """Refuse the action (401 page with a login link) unless an organiser is logged in; check CSRF."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_organiser():
            return render_template("login.html", error="login_needed", next_url=request.referrer or "/qualite"), 401
        if request.method == "POST" and not security.csrf_ok(request.form.get("csrf")):
            raise BadRequest("the form has expired; reload the page and send it again")
        g.organiser = current_organiser()
        return view(*args, **kwargs)

    return wrapper


bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else url_for("quality.page")


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", error=None, next_url=_safe_next(request.args.get("next")))
    if not security.csrf_ok(request.form.get("csrf")):
        raise BadRequest("the form has expired; reload the page and send it again")
    store = organiser_store()
    client = security.client_key(current_app.config["SECRET_KEY"])
    if store.recent("login-failed", client, timedelta(minutes=10)) >= MAX_FAILURES:
        return render_template("login.html", error="too_many", next_url=_safe_next(request.form.get("next"))), 429
    name, password = request.form.get("name", "")[:80], request.form.get("password", "")[:200]
    if not store.check(name, password):
        store.log(client, "login-failed", name)
        return render_template("login.html", error="wrong", next_url=_safe_next(request.form.get("next"))), 401
    session.clear()  # a new session on login: no fixation
    session["organiser"] = name
    store.log(name, "login")
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/deconnexion")
def logout():
    if security.csrf_ok(request.form.get("csrf")) and current_organiser():
        organiser_store().log(current_organiser(), "logout")
    session.pop("organiser", None)
    return redirect(url_for("public.home"))
