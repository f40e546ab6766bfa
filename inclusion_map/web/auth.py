"""Organiser accounts, their sessions, login and the log of who decided what.

Reading is public; every action that changes stored data (duplicate decisions, report statuses,
triggering a harvest) needs an organiser session. Accounts live in ``organisers.sqlite`` beside
the store (created with ``python run.py organiser add NAME``, removed with ``organiser remove
NAME``; passwords hashed with werkzeug's scrypt), or one account ``organisateur`` whose hash is
given by the environment variable ``INCLUSION_MAP_ORGANISER_PASSWORD_HASH``. Nothing secret is ever
in the repository.

With a PostGIS store, accounts, sessions and the log live in the schema ``side_organisers`` of its
database instead (:func:`~inclusion_map.locations.side_db`), shared by every web worker.

Sessions are kept on the server, in the same file: the signed cookie holds only a random session
key (the file holds its hash). Every request checks the session there, so logging out, changing
the password and removing the account end it at once, and a copy of the cookie is worth nothing
afterwards; a session also ends after ``server.session_idle_minutes`` without a request and
``server.session_max_hours`` after the login.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from ..embedded_db import Target, exists, immediate, transaction
from ..errors import BadRequest
from ..locations import SideDatabase, side_db
from . import security

ENV_HASH = "INCLUSION_MAP_ORGANISER_PASSWORD_HASH"
ENV_ACCOUNT = "organisateur"
MAX_FAILURES = 5  # per address and 10 minutes
FAILURE_WINDOW = timedelta(minutes=10)
#: a session's last request is written at most this often (seconds): the idle limit is exact to
#: within this, and browsing the organiser pages does not write the file at each request
TOUCH_S = 30

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS actions (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, who TEXT NOT NULL,
                                    action TEXT NOT NULL, target TEXT, detail TEXT);
CREATE INDEX IF NOT EXISTS actions_recent ON actions (action, who, at);
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, name TEXT NOT NULL, account_tag TEXT NOT NULL,
                                     started REAL NOT NULL, last_seen REAL NOT NULL);
"""


def _clock() -> float:
    """Seconds since the epoch (a function, so that tests can move time forward)."""
    return time.time()


def _digest(token: str) -> str:
    """What the file keeps of a session key: its hash (a copy of the file opens no session)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _account_tag(password_hash: str) -> str:
    """A fingerprint of the password hash a session was opened with: when the password changes
    (here or in the environment variable), the fingerprint changes and the session ends."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


class OrganiserStore:
    """Accounts, sessions and the action log (one side database).

    Parameters
    ----------
    path : str, Path or SideDatabase
        The SQLite file, or the PostgreSQL schema (:func:`~inclusion_map.locations.side_db`).
    """

    def __init__(self, path: str | Path | SideDatabase):
        self.path: Target = path if isinstance(path, SideDatabase) else Path(path)

    def _connect(self):
        """A connection for a ``with`` block: committed at its end, then closed."""
        return transaction(self.path, SCHEMA)

    def add_account(self, name: str, password: str) -> None:
        """Create the account, or give it a new password; its open sessions end."""
        if len(password) < 10:
            raise BadRequest("the password must hold at least 10 characters")
        with immediate(self.path, SCHEMA) as con:
            con.execute("INSERT INTO accounts (name, password_hash, created_at) VALUES (?, ?, ?) "
                        "ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, "
                        "created_at = excluded.created_at",
                        (name, generate_password_hash(password), _now()))  # fmt: skip
            con.execute("DELETE FROM sessions WHERE name = ?", (name,))

    def remove_account(self, name: str) -> bool:
        """Remove the account and end its sessions; False when there is no such account."""
        if not exists(self.path):
            return False
        with immediate(self.path, SCHEMA) as con:
            removed = con.execute("DELETE FROM accounts WHERE name = ?", (name,)).rowcount == 1
            con.execute("DELETE FROM sessions WHERE name = ?", (name,))
        return removed

    def accounts(self) -> list[str]:
        if not exists(self.path):
            return []
        with self._connect() as con:
            return [r["name"] for r in con.execute("SELECT name FROM accounts ORDER BY name")]

    @staticmethod
    def _password_hash(con, name: str) -> str | None:
        env_hash = os.environ.get(ENV_HASH)
        if name == ENV_ACCOUNT and env_hash:
            return env_hash
        row = con.execute("SELECT password_hash FROM accounts WHERE name = ?", (name,)).fetchone()
        return row["password_hash"] if row else None

    def check(self, name: str, password: str) -> bool:
        env_hash = os.environ.get(ENV_HASH)
        if name == ENV_ACCOUNT and env_hash:
            return check_password_hash(env_hash, password)
        if not exists(self.path):
            return False
        with self._connect() as con:
            row = con.execute("SELECT password_hash FROM accounts WHERE name = ?", (name,)).fetchone()
        return bool(row) and check_password_hash(row["password_hash"], password)

    def reserve_login_attempt(self, client: str, name: str, limit: int = MAX_FAILURES,
                              within: timedelta = FAILURE_WINDOW) -> int | None:  # fmt: skip
        """Count a login attempt as a failure before its password is checked, unless ``client``
        already failed ``limit`` times during the last ``within``.

        The count and the insertion are one transaction (``BEGIN IMMEDIATE``): parallel guesses
        are counted one after the other, so no more than ``limit`` passwords are ever tried.

        Returns
        -------
        int or None
            The attempt's row, to release with :meth:`release_login_attempt` when the password is
            right; None when the limit is reached (the password must not be checked).
        """
        since = (datetime.now(UTC) - within).isoformat(timespec="seconds")
        with immediate(self.path, SCHEMA) as con:
            failed = con.execute("SELECT COUNT(*) FROM actions WHERE action = 'login-failed' AND who = ? "
                                 "AND at >= ?", (client, since)).fetchone()[0]  # fmt: skip
            if failed >= limit:
                return None
            cur = con.execute("INSERT INTO actions (at, who, action, target, detail) VALUES (?, ?, ?, ?, '') "
                              "RETURNING id", (_now(), client, "login-failed", name))  # fmt: skip
            return int(cur.fetchone()[0])

    def release_login_attempt(self, attempt: int) -> None:
        """The password was right: the attempt is not a failure."""
        with immediate(self.path, SCHEMA) as con:
            con.execute("DELETE FROM actions WHERE id = ? AND action = 'login-failed'", (attempt,))

    def open_session(self, name: str, now: float, idle_s: float, max_s: float) -> str | None:
        """A new session for ``name``: its random key (for the cookie), or None when the account
        is gone. Sessions past their lifetimes are cleared on the way."""
        token = secrets.token_urlsafe(32)
        with immediate(self.path, SCHEMA) as con:
            password_hash = self._password_hash(con, name)
            if password_hash is None:
                return None
            con.execute("DELETE FROM sessions WHERE last_seen < ? OR started < ?",
                        (now - idle_s, now - max_s))  # fmt: skip
            con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                        (_digest(token), name, _account_tag(password_hash), now, now))  # fmt: skip
        return token

    def session_owner(self, token: str, now: float, idle_s: float, max_s: float) -> str | None:
        """The organiser of a live session, or None (unknown, ended, idle too long, too old, its
        account removed or its password changed; a session found dead is deleted)."""
        if not token or not exists(self.path):
            return None
        key = _digest(token)
        with self._connect() as con:
            row = con.execute("SELECT * FROM sessions WHERE id = ?", (key,)).fetchone()
            if row is None:
                return None
            password_hash = self._password_hash(con, row["name"])
            alive = (now - row["last_seen"] <= idle_s and now - row["started"] <= max_s
                     and password_hash is not None
                     and hmac.compare_digest(_account_tag(password_hash), row["account_tag"]))  # fmt: skip
            if not alive:
                con.execute("DELETE FROM sessions WHERE id = ?", (key,))
            elif now - row["last_seen"] >= TOUCH_S:
                con.execute("UPDATE sessions SET last_seen = ? WHERE id = ?", (now, key))
        return row["name"] if alive else None

    def end_session(self, token: str) -> None:
        """Forget a session (logout): its cookie, even copied, opens nothing any more."""
        if token and exists(self.path):
            with immediate(self.path, SCHEMA) as con:
                con.execute("DELETE FROM sessions WHERE id = ?", (_digest(token),))

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
        if not exists(self.path):
            return []
        with self._connect() as con:
            return [dict(r) for r in con.execute("SELECT * FROM actions ORDER BY id DESC LIMIT ?", (limit,))]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def organiser_store() -> OrganiserStore:
    return OrganiserStore(side_db(current_app.config["SETTINGS"].store_location, "organisers"))


def _lifetimes() -> tuple[float, float]:
    """A session's idle and absolute lifetimes, in seconds (``server:`` settings)."""
    server = current_app.config["SETTINGS"].server
    return server.session_idle_minutes * 60.0, server.session_max_hours * 3600.0


def current_organiser() -> str | None:
    """The organiser whose session this request carries, checked on the server (once a request)."""
    if "organiser_checked" not in g:
        token = session.get("sid")
        name = organiser_store().session_owner(token, _clock(), *_lifetimes()) if token else None
        if token and name is None:
            session.pop("sid", None)  # ended on the server: the browser forgets it too
        g.organiser_checked = name
    return g.organiser_checked


def _referrer_path() -> str | None:
    """The path of the page the request came from, when it is a page of this site."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def organiser_required(view):
    """Refuse the action (401 page with a login link) unless an organiser is logged in; check CSRF."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_organiser():
            back = _safe_next(_referrer_path())
            return render_template("login.html", error="login_needed", next_url=back), 401
        if request.method == "POST" and not security.csrf_ok(request.form.get("csrf")):
            raise BadRequest("the form has expired; reload the page and send it again")
        g.organiser = current_organiser()
        return view(*args, **kwargs)

    return wrapper


bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    r"""``target`` when it is a path of this site, else the data-quality page.

    Browsers drop tabs and newlines inside a URL and read ``\`` as ``/``: ``/<tab>/evil.example``
    or ``/\evil.example`` would lead to another site, and a CR/LF cannot go in a header. Only a
    path starting with one ``/``, without control characters, spaces or backslashes, is kept.
    """
    if (not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//")
            or any(c == "\\" or c.isspace() or not c.isprintable() for c in target)):  # fmt: skip
        return url_for("quality.page")
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else url_for("quality.page")


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", error=None, next_url=_safe_next(request.args.get("next")))
    if not security.csrf_ok(request.form.get("csrf")):
        raise BadRequest("the form has expired; reload the page and send it again")
    store = organiser_store()
    client = security.client_key(current_app.config["SECRET_KEY"])
    next_url = _safe_next(request.form.get("next"))
    name, password = request.form.get("name", "")[:80], request.form.get("password", "")[:200]
    # Counted as a failure before the password is checked, in one step with the count: parallel
    # guesses cannot all pass the same count.
    attempt = store.reserve_login_attempt(client, name)
    if attempt is None:
        return render_template("login.html", error="too_many", next_url=next_url), 429
    token = None
    if store.check(name, password):
        store.release_login_attempt(attempt)
        token = store.open_session(name, _clock(), *_lifetimes())
    if token is None:
        return render_template("login.html", error="wrong", next_url=next_url), 401
    if previous := session.get("sid"):
        store.end_session(previous)  # the browser's former session is not left open behind it
    session.clear()  # a new session on login: no fixation
    session["sid"] = token
    store.log(name, "login")
    return redirect(next_url)


@bp.post("/deconnexion")
def logout():
    name = current_organiser()
    token = session.pop("sid", None)
    if token:
        organiser_store().end_session(token)  # on the server: a copy of the cookie opens nothing
    if name:
        organiser_store().log(name, "logout")
    return redirect(url_for("public.home"))
