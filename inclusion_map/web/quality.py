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

The harvest writes its statuses, row problems and messages in English, for the command line:
the page shows them in its language (:func:`status_text`, :func:`problem_text`,
:func:`message_text`), an unknown English message marked as English (``lang="en"``), and never a
path of the server's disk (:func:`public_text`): only a file's name, or « dossier du serveur ».
"""

from __future__ import annotations

import csv
import re
import threading
from datetime import date

import pandas as pd
from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from ..errors import BadRequest
from ..schedule import read_status
from ..stores import AnyStore, open_store
from .auth import current_organiser, organiser_required, organiser_store
from .corrections_view import quality_context
from .filters import page_url
from .i18n import REPORT_KINDS
from .public import reports_path
from .reports_store import ReportStore
from .venue_index import get_index

bp = Blueprint("quality", __name__)
STATUSES = ("nouveau", "en cours", "corrigé", "rejeté")
#: what the public sees of an error report (its message and contact are for organisers only)
PUBLIC_REPORT_FIELDS = ("id", "venue_id", "venue_name", "kind", "status", "created_at")
_HARVEST = {"running": False, "last": None}
_HARVEST_LOCK = threading.Lock()
#: a harvest's status per source (harvest/pipeline.py), in French and English
STATUS_TEXTS = {"ok": ("réussie", "succeeded"), "failed": ("échec", "failed"), "skipped": ("non moissonnée", "skipped"),
                "suspect": ("suspecte : la couche précédente reste", "suspect: the previous layer stays")}  # fmt: skip
#: the problems of rejected rows (harvest/base.py, schema.py, the sources' readers), in French and English
PROBLEMS = [(re.compile(pattern), fr, en) for pattern, fr, en in (
    (r"required value missing", "valeur obligatoire manquante", "required value missing"),
    (r"row has no identifier", "ligne sans identifiant", "row has no identifier"),
    (r"duplicate id within the source \(first seen at row (\d+)\)",
     "identifiant en double dans la source (vu d'abord à la ligne {0})",
     "duplicate id within the source (first seen at row {0})"),
    (r"value not in the standard's vocabulary", "valeur hors du vocabulaire du standard",
     "value not in the standard's vocabulary"),
    (r"not a web address", "pas une adresse web", "not a web address"),
    (r"longer than (\d+) characters; shortened", "plus de {0} caractères ; raccourci",
     "longer than {0} characters; shortened"),
    (r"not a 5-digit postcode", "pas un code postal à 5 chiffres", "not a 5-digit postcode"),
    (r"not an INSEE commune code", "pas un code de commune INSEE", "not an INSEE commune code"),
    (r"not a valid phone number", "numéro de téléphone invalide", "not a valid phone number"),
    (r"not a valid OSM opening_hours string", "horaires illisibles (format OSM opening_hours)",
     "opening hours not readable (OSM opening_hours format)"),
    (r"hours of this day could not be read", "horaires de ce jour illisibles", "hours of this day could not be read"),
    (r"missing or unreadable; set to the file's date \(publication, else download\)",
     "absente ou illisible : remplacée par la date du fichier (publication, sinon téléchargement)",
     "missing or unreadable; set to the file's date (publication, else download)"),
    (r"no coordinates and the address could not be located", "pas de coordonnées, et l'adresse n'a pas été trouvée",
     "no coordinates and the address could not be located"),
)]  # fmt: skip
#: the harvest's own messages about a source, in French and English (others stay in English)
MESSAGES = [(re.compile(pattern, re.S), fr, en) for pattern, fr, en in (
    (r"(\w+): no mirror file of this source in .+? \(live copies: (.*?)\)\s*→.*",
     "{0} : aucun fichier de cette source dans le dossier miroir (copies du direct : {1}). Déposez-y une copie du "
     "fichier de la source, ou moissonnez la source en direct (sans --mirror).",
     "{0}: no file of this source in the mirror folder (live copies: {1}). Put a copy of the source's file there, "
     "or harvest the live source (without --mirror)."),
    (r"the source returned no rows", "la source n'a renvoyé aucune ligne", "the source returned no rows"),
    (r"no valid row: most rows were rejected \(see the report\)",
     "aucune ligne valide : la plupart ont été rejetées (voir le rapport de moisson)",
     "no valid row: most rows were rejected (see the harvest report)"),
    (r"(\w+): no live channel is configured, only an archive",
     "{0} : aucune source en direct n'est configurée, seulement une archive",
     "{0}: no live channel is configured, only an archive"),
    (r"(\w+): no live file is configured", "{0} : aucun fichier en direct n'est configuré",
     "{0}: no live file is configured"),
    (r"(\w+): the ([^:]+?) API needs a token and \$(\w+) is not set.*",
     "{0} : l'API {1} demande un jeton et la variable ${2} n'est pas définie",
     "{0}: the {1} API needs a token and ${2} is not set"),
)]  # fmt: skip
# A path of the server's disk: « /srv/data/x.json », « C:\data\x.json », « ~/data »; not the path
# part of a web address (« https://host/path »: its slashes follow a letter or another slash).
_PATH = re.compile(r"(?<![\w.:/\\-])(?:~?/|[A-Za-z]:\\)[^\s'\"()<>,;]*")
_FILE = re.compile(r"[\w.@+-]+\.[A-Za-z0-9]{1,8}")


def public_text(text: str | None, lang: str) -> str:
    """``text`` without any path of the server's disk: a file is named by its name only, a
    folder becomes « dossier du serveur » / "server folder" (paths tell an attacker how the
    server is laid out, and say nothing to the public)."""

    def neutral(match: re.Match) -> str:
        path = match.group(0).rstrip(".:!?")  # the sentence's punctuation is not the path's
        tail = match.group(0)[len(path) :]
        last = re.split(r"[/\\]", path.rstrip("/\\"))[-1]
        if _FILE.fullmatch(last):
            return last + tail
        return ("dossier du serveur" if lang == "fr" else "server folder") + tail

    return _PATH.sub(neutral, text or "")


def _translated(patterns, text: str, lang: str) -> tuple[str, str | None]:
    for pattern, fr, en in patterns:
        found = pattern.fullmatch(text.strip())
        if found:
            return (en if lang == "en" else fr).format(*found.groups()), None
    return text, "en"


def status_text(status: str | None, lang: str) -> str:
    """A source's harvest status in the page's language."""
    fr, en = STATUS_TEXTS.get(status or "", (status or "", status or ""))
    return en if lang == "en" else fr


def problem_text(problem: str | None, lang: str) -> tuple[str, str | None]:
    """A rejected row's problem in the page's language, and the ``lang`` attribute it needs
    (``"en"`` when it could only be shown as the harvest wrote it, else ``None``)."""
    text, own = _translated(PROBLEMS, public_text(problem, lang), lang)
    return text, (own if lang != "en" else None)


def message_text(message: str | None, lang: str) -> tuple[str, str | None]:
    """A source's message in the page's language (as :func:`problem_text`), without paths."""
    if not message:
        return "", None
    text, own = _translated(MESSAGES, message, lang)
    return public_text(text, lang), (own if lang != "en" else None)


def _settings():
    return current_app.config["SETTINGS"]


def _table(store: AnyStore, name: str) -> pd.DataFrame:
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
    records = get_index(settings.store_location).records
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
    store = open_store(settings.store_location)
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
        status_text=lambda s: status_text(s, g.lang), problem_text=lambda p: problem_text(p, g.lang),
        message_text=lambda m: message_text(m, g.lang), report_status=lambda s: REPORT_STATUS.get(s, (s, s))[
            g.lang == "en"], report_kind=lambda k: REPORT_KINDS.get(k, (k, k))[g.lang == "en"],
        harvest_last=_last_harvest_text(g.lang), scheduled=read_status(settings),
        **quality_context(settings, organiser, request.args),  # corrections, conflicts, completeness
    )  # fmt: skip


#: the statuses of the public's reports, as stored (French) and in English
REPORT_STATUS = {"nouveau": ("nouveau", "new"), "en cours": ("en cours", "in progress"),
                 "corrigé": ("corrigé", "fixed"), "rejeté": ("rejeté", "rejected")}  # fmt: skip


def _last_harvest_text(lang: str) -> str | None:
    """How the harvest started from this page ended, in the page's language."""
    last = _HARVEST["last"]
    if not last:
        return None
    if last.get("ok"):
        return (f"Moisson terminée : {last['venues']} lieux ({last['run_id']})." if lang == "fr" else
                f"Harvest finished: {last['venues']} venues ({last['run_id']}).")  # fmt: skip
    text, _ = message_text(last.get("message"), lang)
    return f"La moisson a échoué : {text}" if lang == "fr" else f"The harvest failed: {text}"


def _held_text(layer: dict | None, lang: str) -> str:
    """What the store holds of a source: live or archive (with its vintage), the records' dates."""
    from ..freshness import month_text, period_text

    if not layer:
        return "rien" if lang == "fr" else "nothing"
    period = period_text(layer.get("date_from"), layer.get("date_to"), lang)
    if layer.get("source_kind") == "archive":
        head = ("Archive de " if lang == "fr" else "Archive of ") + (
            month_text(layer.get("vintage"), lang) or "?"
        )
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
    elsewhere = harvest_running(settings.store_location)  # from the command line, or another worker
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
            _HARVEST["last"] = {"ok": True, "venues": report.venues, "run_id": report.run_id}
        except InclusionMapError as exc:
            _HARVEST["last"] = {"ok": False, "message": exc.message}
        finally:
            _HARVEST["running"] = False

    threading.Thread(target=work, daemon=True, name="harvest").start()
    organiser_store().log(g.organiser, "harvest-started")
    return redirect(url_for("quality.page", _anchor="sources"))
