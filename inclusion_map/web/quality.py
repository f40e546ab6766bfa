"""``/qualite``: data quality for hub organisers.

Per source: rows fetched, kept, rejected (with reasons and rows), last harvest and history;
how complete each venue's record is (hours, phone or e-mail, services, precise position, update
date; :mod:`.completeness`), per venue and per commune, and the venues with stale data; the
organisers' corrections, closures, added venues and the conflicts with the sources to decide
(:mod:`.corrections_view`); duplicate candidates awaiting a decision (confirm or reject, stored in
the decisions file and applied at the next harvest); the error reports of the public with their
status, each one a link to the correction form. Reading is public except reporters' messages and
contacts (organisers only); every change needs an organiser login and is logged. The answers are
never cached (``Cache-Control: no-store``, see :mod:`.security`).
"""

from __future__ import annotations

import csv
import threading
from datetime import date

import pandas as pd
from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from ..errors import BadRequest
from ..store import GeoPackageStore
from .auth import current_organiser, organiser_required, organiser_store
from .corrections_view import quality_context
from .filters import page_url
from .public import reports_path
from .reports_store import ReportStore
from .venue_index import get_index

bp = Blueprint("quality", __name__)
STATUSES = ("nouveau", "en cours", "corrigé", "rejeté")
#: what the public sees of an error report (its message and contact are for organisers only)
PUBLIC_REPORT_FIELDS = ("id", "venue_id", "venue_name", "kind", "status", "created_at")
_HARVEST = {"running": False, "last": None}
_HARVEST_LOCK = threading.Lock()


def _settings():
    return current_app.config["SETTINGS"]


def _table(store: GeoPackageStore, name: str) -> pd.DataFrame:
    return store.read(name) if store.exists() and store.has(name) else pd.DataFrame()


def pending_pairs(settings) -> list[dict]:
    """Candidate duplicates of the last harvest that no one has decided on yet."""
    from ..dedupe import load_decisions

    review = settings.path(settings.dedupe.review_file)
    if not review.is_file():
        return []
    decided = load_decisions(settings.path(settings.dedupe.decisions_file))
    with review.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if (r.get("decision") or "").strip() == "to review"]
    return [r for r in rows if frozenset((r["id_a"], r["id_b"])) not in decided]


def venue_checks(settings, today: date) -> dict[str, list[dict]]:
    """Venues with data older than the threshold, without hours, without any contact."""
    records = get_index(settings.store_path).records
    months = settings.thresholds.stale_months
    stale, no_hours, no_contact = [], [], []
    for r in records:
        updated = str(r.get("date_maj") or "")[:10]
        try:
            old = (today - date.fromisoformat(updated)).days > months * 30.4
        except ValueError:
            old = True
        if old:
            stale.append(r)
        if not r.get("horaires"):
            no_hours.append(r)
        if not (r.get("telephone") or r.get("courriels") or r.get("site_web")):
            no_contact.append(r)
    return {"stale": stale, "no_hours": no_hours, "no_contact": no_contact}


@bp.get("/qualite")
def page():
    settings = _settings()
    store = GeoPackageStore(settings.store_path)
    runs = store.history(limit=10) if store.exists() else []
    last = runs[0] if runs else None
    rejections = _table(store, "harvest_rejections")
    if last is not None and len(rejections):
        rejections = rejections[rejections["run_id"] == last["run_id"]]
    organiser = current_organiser()
    meta = store.meta() if store.exists() else {}
    held = {name: _held_text(meta.get(f"source_{name}"), g.lang) for name in settings.sources}
    reports = ReportStore(reports_path(settings)).list(200)
    if not organiser:
        # The public sees that reports exist and how they are followed, never what people wrote
        # (a message may name or describe its writer) nor how to reach them.
        reports = [{k: r[k] for k in PUBLIC_REPORT_FIELDS} for r in reports]
    counts = [(s, n) for s in STATUSES if (n := sum(r["status"] == s for r in reports))]
    return render_template(
        "quality.html", runs=runs, last=last, held=held, rejections=rejections.groupby("source").head(50) if len(rejections) else rejections,
        checks=venue_checks(settings, date.today()), pairs=pending_pairs(settings)[:100],
        reports=reports, report_counts=counts, statuses=STATUSES, organiser=organiser,
        actions=organiser_store().actions(30) if organiser else [], harvest=_HARVEST, months=settings.thresholds.stale_months,
        page_url=lambda **changes: page_url(request.args, **changes),
        **quality_context(settings, organiser, request.args),  # corrections, conflicts, completeness
    )  # fmt: skip


def _held_text(layer: dict | None, lang: str) -> str:
    """What the store holds of a source: live or archive (with its vintage), the records' dates."""
    from ..freshness import month_text, period_text

    if not layer:
        return "rien" if lang == "fr" else "nothing"
    period = period_text(layer.get("date_from"), layer.get("date_to"), lang)
    if layer.get("source_kind") == "archive":
        head = ("Archive de " if lang == "fr" else "Archive of ") + (month_text(layer.get("vintage"), lang) or "?")
    else:
        head = "En direct" if lang == "fr" else "Live"
    rows = f"{layer.get('rows', 0)} {'lieux' if lang == 'fr' else 'venues'}"
    dates = (f"fiches {period}" if lang == "fr" else f"records {period}") if period else ""
    return " · ".join(x for x in (head, rows, dates) if x)


@bp.post("/qualite/doublons")
@organiser_required
def decide_pair():
    """Record « même lieu » / « lieux différents » for a pair; applied at the next harvest."""
    settings = _settings()
    id_a, id_b, decision = (request.form.get(k, "").strip() for k in ("id_a", "id_b", "decision"))
    if decision not in ("same", "different") or not id_a or not id_b or id_a == id_b:
        raise BadRequest("choose « même lieu » or « lieux différents » for a pair of two venues")
    if not any({p["id_a"], p["id_b"]} == {id_a, id_b} for p in pending_pairs(settings)):
        raise BadRequest("this pair is not awaiting a decision (already decided, or not a candidate)")
    path = settings.path(settings.dedupe.decisions_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.is_file()
    with path.open("a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(["id_a", "id_b", "decision", "decided_by"])
        writer.writerow([id_a, id_b, decision, g.organiser])
    organiser_store().log(g.organiser, f"duplicate-{decision}", f"{id_a} {id_b}")
    return redirect(url_for("quality.page", _anchor="doublons"))


@bp.post("/qualite/signalements/<int:report_id>")
@organiser_required
def report_status(report_id: int):
    status = request.form.get("status", "")
    if status not in STATUSES:
        raise BadRequest(f"unknown status « {status[:30]} »", hint="; ".join(STATUSES))
    if not ReportStore(reports_path(_settings())).set_status(report_id, status):
        raise BadRequest(f"no report number {report_id}")
    organiser_store().log(g.organiser, "report-status", str(report_id), status)
    return redirect(url_for("quality.page", _anchor="signalements"))


@bp.post("/qualite/moisson")
@organiser_required
def harvest():
    """Start a harvest, a build and the gap analysis in the background (one at a time)."""
    from ..harvest.guards import harvest_running

    settings = _settings()
    elsewhere = harvest_running(settings.store_path)  # from the command line, or another worker
    with _HARVEST_LOCK:
        if _HARVEST["running"] or elsewhere:
            raise BadRequest(f"a harvest is already running on this store ({elsewhere or 'started from this page'}); "
                             "start it again once that one has finished")  # fmt: skip
        _HARVEST["running"] = True

    def work():
        from ..errors import InclusionMapError
        from ..refresh import refresh

        try:
            report = refresh(settings).harvest
            _HARVEST["last"] = f"ok: {report.venues} venues ({report.run_id})"
        except InclusionMapError as exc:
            _HARVEST["last"] = f"failed: {exc.message}"
        finally:
            _HARVEST["running"] = False

    threading.Thread(target=work, daemon=True, name="harvest").start()
    organiser_store().log(g.organiser, "harvest-started")
    return redirect(url_for("quality.page", _anchor="sources"))
