"""Health checks for a load balancer and for monitoring, in JSON, never cached.

- ``/healthz``: the process answers (always 200 while it does).
- ``/readyz``: the instance can serve: its store is reachable and holds venues (200), or not (503,
  with the failing check). It also says how old the last good harvest is and each source's status
  at that harvest, so that monitoring can alert on a source that keeps failing or data growing old.

What ``/readyz`` reads is kept per store version (a load balancer asks every few seconds): the
store's metadata and harvest history are read again only when the store file changes. Source
messages are left out (they may name server paths); the status says enough to alert.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify

from .. import __version__
from ..errors import InclusionMapError
from ..stores import open_store, store_version

bp = Blueprint("health", __name__)
_LOCK = threading.Lock()
_READY: dict[tuple, dict] = {}


def _answer(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return _answer({"status": "alive", "version": __version__, "pid": os.getpid(),
                    "time": datetime.now(UTC).isoformat(timespec="seconds")}, 200)  # fmt: skip


def _age_hours(stamp: str | None) -> float | None:
    try:
        when = datetime.fromisoformat(str(stamp))
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return round((datetime.now(UTC) - when).total_seconds() / 3600, 1)


def readiness(path) -> dict:
    """The checks of ``/readyz`` for the store at ``path`` (see the module's docstring).

    Returns
    -------
    dict
        ``ready`` (bool), ``checks`` (name → ``{"ok": bool, …}``), ``last_harvest`` and
        ``last_good_harvest`` (``finished_at``; :func:`readyz` adds their ``age_hours`` at each
        request) and ``sources`` (name → status at the last run).
    """
    store = open_store(path)
    checks: dict[str, dict] = {}
    out: dict = {"checks": checks, "last_harvest": None, "last_good_harvest": None, "sources": {}}
    started = time.perf_counter()
    try:
        layers = set(store.layers()) if store.exists() else None
        meta = store.meta() if layers else {}
        runs = store.history(limit=20) if layers else []
    except Exception as error:  # noqa: BLE001 (an unreadable store is a failed check, not a 500)
        checks["store"] = {"ok": False, "error": f"{type(error).__name__}: the store cannot be read"}
        out["ready"] = False
        return out
    checks["store"] = {"ok": layers is not None, "read_ms": round((time.perf_counter() - started) * 1000, 1)}
    if layers is None:
        checks["store"]["error"] = "no store yet: run `python run.py harvest`"
    venues = int(meta.get("venues", {}).get("rows") or 0)
    checks["venues"] = {"ok": venues > 0, "rows": venues}
    checks["territory"] = {"ok": bool(layers and "communes" in layers),
                           "rows": int(meta.get("communes", {}).get("rows") or 0)}  # fmt: skip
    if runs:
        last = runs[0]
        out["last_harvest"] = {"started_at": last.get("started_at"), "finished_at": last.get("finished_at")}
        out["sources"] = {s["source"]: {"status": s.get("status"), "kind": s.get("kind") or None,
                                        "kept": int(s.get("kept") or 0), "data_to": s.get("date_to") or None}
                          for s in last.get("sources", [])}  # fmt: skip
        good = next((r for r in runs if int(r.get("venues") or 0) > 0
                     and any(s.get("status") == "ok" for s in r.get("sources", []))), None)  # fmt: skip
        if good:
            out["last_good_harvest"] = {"finished_at": good.get("finished_at")}
    out["data_harvested_at"] = meta.get("venues", {}).get("harvested_at")
    # Ready means able to serve the finder: a store with venues. The territory layers and the age
    # of the data are reported for monitoring, not held against readiness (old data still serve).
    out["ready"] = checks["store"]["ok"] and checks["venues"]["ok"]
    return out


@bp.get("/readyz")
def readyz():
    """Whether this instance can serve (200) or not (503), with the checks and the data's age."""
    path = current_app.config["SETTINGS"].store_location
    try:
        key = (str(path), store_version(path))
    except InclusionMapError:  # the database does not answer: checked again at every request
        key = None
    with _LOCK:
        body = _READY.get(key) if key else None
    if body is None:
        body = readiness(path)
        if key:
            with _LOCK:
                _READY.clear()  # one store per app: the previous version's answer is no longer needed
                _READY[key] = body
    answer = {**body, "status": "ready" if body["ready"] else "not ready"}
    for name in ("last_harvest", "last_good_harvest"):  # ages grow while the store stays the same
        if body.get(name):
            answer[name] = {**body[name], "age_hours": _age_hours(body[name].get("finished_at"))}
    return _answer(answer, 200 if body["ready"] else 503)
