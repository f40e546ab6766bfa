"""Public pages: search and results (``/``), a venue (``/lieu/<id>``), its error report, embed help."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from ..errors import BadRequest
from . import i18n, moved, now_local, render_cache, security
from .filters import LABELS_SHOWN, PAGE_SIZE, RADII_KM, keep_presentation, page_url, parse_search
from .hours_text import status, week
from .mapview import results_map
from .places import AddressSearchUnavailable, Place, address_search, gazette
from .render_cache import store_stamp
from .reports_store import ReportStore
from .venue_index import get_index
from .view_helpers import decorate, freshness, split

bp = Blueprint("public", __name__)
REPORTS_PER_HOUR = 5
MESSAGE_MAX = 2000
CONTACT_MAX = 200


def _settings():
    return current_app.config["SETTINGS"]


@lru_cache(maxsize=1024)
def _communes_matching(store_path: str, stamp: tuple[int, int] | None, query: str) -> tuple[Place, ...]:
    """The communes a search names: a few passes of pandas over the communes (about a millisecond),
    the same answer for the same search until the store changes (``stamp``)."""
    return tuple(gazette(Path(store_path)).search(query))


def _resolve_place(search) -> tuple[Place | None, list[Place], str | None, bool]:
    """The place to search around, or the communes to choose from, or a message; and whether that
    answer came from the URL and the store alone (not from the geocoder, which may answer otherwise
    in a minute)."""
    if search.lon is not None:
        label = "Votre position" if g.lang == "fr" else "Your position"
        return Place(label, search.lon, search.lat, "position"), [], None, True
    if not search.q:
        return None, [], None, True
    settings = _settings()
    found = list(_communes_matching(str(settings.store_path), store_stamp(settings.store_path), search.q))
    if len(found) == 1 or (found and found[0].kind == "commune" and i18n.fold_eq(found[0].label, search.q)):
        return found[0], [], None, True
    if found:
        return None, found[:20], None, True
    if settings.geocoding.enabled and not search.q.isdigit():
        try:
            hits = address_search(search.q, settings)
        except AddressSearchUnavailable:
            return None, [], i18n.text("address_offline", g.lang), False
        if hits and gazette(settings.store_path).contains(hits[0].lon, hits[0].lat):
            return hits[0], [], None, False
        return None, [], i18n.text("unknown_place", g.lang, q=search.q), False
    return None, [], i18n.text("unknown_place", g.lang, q=search.q), True


@bp.get("/")
def home():
    store_path = _settings().store_path
    now = now_local()
    # A page answered from the URL and the store alone is kept and served again for the same URL,
    # store version and minute (opening hours change on the minute): rendering it (the results,
    # their opening hours, the filters, the map) costs far more than serving it.
    minute = now.replace(second=0, microsecond=0)
    key = ("home", str(store_path), store_stamp(store_path), request.query_string, minute)
    if (ready := render_cache.cached(key)) is not None:
        return ready
    search = parse_search(request.args)
    index = get_index(store_path)
    place, choices, message, offline = _resolve_place(search)
    result, items, parts = None, [], None
    if place is not None:
        result = index.query(lon=place.lon, lat=place.lat, radius_m=search.radius_km * 1000,
                             open_at=search.open_at(now), limit=PAGE_SIZE, offset=(search.page - 1) * PAGE_SIZE,
                             **search.query_kwargs())  # fmt: skip
        items = [decorate(item, now, g.lang) for item in result.items]
        if request.args.get("print") != "1":
            parts = results_map(place.lon, place.lat, zoom=14 if search.radius_km <= 2 else 13)
    return render_cache.render(
        "home.html", key if offline else None, search=search, place=place, choices=choices, message=message,
        result=result, items=items, map=parts, empty=len(index) == 0, radii=RADII_KM,
        labels_shown=LABELS_SHOWN, page_size=PAGE_SIZE, page_url=lambda **c: page_url(request.args, **c),
        keep=keep_presentation(request.args), vocab=i18n.VOCAB,
    )  # fmt: skip


@bp.get("/lieu/<path:venue_id>")  # some publishers' ids hold a "/"
def venue(venue_id: str):
    record = get_index(_settings().store_path).get(venue_id)
    if record is None:
        return _moved_or_gone(venue_id)
    now = now_local()
    monday = date.today() - timedelta(days=date.today().weekday())
    item = decorate(record, now, g.lang)
    return render_template("venue.html", item=item, week=week(record.get("horaires"), monday, g.lang),
                           fresh=freshness(record, _settings().thresholds.stale_months, now.date(),
                                           {name: cfg.title for name, cfg in _settings().sources.items()}),
                           kinds=i18n.REPORT_KINDS, thanks=_digits(request.args.get("merci")), split=split,
                           keep=keep_presentation(request.args), status_now=status(record.get("horaires"), now, g.lang),
                           form=None, form_error=None)  # fmt: skip


def _moved_or_gone(venue_id: str):
    """A venue that merged into another (301 there), or that is gone or closed (410), or 404."""
    found = moved.resolve(_settings().store_path, venue_id)
    if found.current:
        return redirect(url_for("public.venue", venue_id=found.current, **request.args), 301)
    if found.status in ("gone", "closed"):
        now = now_local()
        near = [decorate(item, now, g.lang) for item in moved.nearest(_settings().store_path, found.entry)]
        return render_template("venue_gone.html", entry=found.entry, status=found.status, nearest=near,
                               keep=keep_presentation(request.args)), 410  # fmt: skip
    abort(404)


@bp.post("/lieu/<path:venue_id>/signaler")
def report(venue_id: str):
    settings = _settings()
    record = get_index(settings.store_path).get(venue_id)
    if record is None:  # a page opened before a harvest merged the venue: the report follows it
        venue_id = moved.resolve(settings.store_path, venue_id).current or venue_id
        record = get_index(settings.store_path).get(venue_id)
    if record is None:
        abort(404)
    form = request.form
    if not security.csrf_ok(form.get("csrf")):
        raise BadRequest("the form has expired; reload the page and send it again")
    if form.get("site"):  # the spam trap, hidden from people, filled by robots
        return redirect(url_for("public.venue", venue_id=venue_id, merci="0", **keep_presentation(request.args)))
    kind, message, contact = form.get("kind", ""), form.get("message", "").strip(), form.get("contact", "").strip()
    if kind not in i18n.REPORT_KINDS:
        raise BadRequest("choose what is wrong in the list")
    if not 3 <= len(message) <= MESSAGE_MAX or len(contact) > CONTACT_MAX:
        raise BadRequest(f"the message must hold 3 to {MESSAGE_MAX} characters, the contact at most {CONTACT_MAX}")
    store = ReportStore(reports_path(settings))
    client = security.client_key(current_app.config["SECRET_KEY"])
    # Counted and stored in one transaction: parallel posts cannot all pass the same count.
    number = store.add_within_limit(venue_id, record.get("nom"), kind, message, contact, g.lang, client,
                                    limit=REPORTS_PER_HOUR, within=timedelta(hours=1))  # fmt: skip
    if number is None:
        return render_template("error.html", error=None, status=429), 429
    return redirect(url_for("public.venue", venue_id=venue_id, merci=number, **keep_presentation(request.args),
                            _anchor="signaler"))  # fmt: skip


def _digits(value: str | None) -> str | None:
    """A report number for the thank-you notice; anything else is ignored (it would be shown)."""
    return value if value and value.isdigit() and len(value) < 10 else None


def reports_path(settings):
    """The error reports' SQLite file, beside the store."""
    return settings.store_path.with_name("reports.sqlite")


@bp.get("/integrer")
def embed_help():
    communes = gazette(_settings().store_path).table.sort_values("nom")
    chosen = request.args.get("commune", "")
    snippet = None
    if chosen:
        if chosen not in communes.index:
            raise BadRequest(f"unknown commune code « {chosen[:10]} »")
        src = url_for("public.home", q=communes.at[chosen, "nom"], embed="1", lang=g.lang, _external=True)
        title = i18n.text("site_name", g.lang)
        snippet = (f'<iframe src="{src}" title="{title}" width="100%" height="640" loading="lazy" '
                   'allow="geolocation" style="border:0"></iframe>')  # fmt: skip
    return render_template("embed_help.html", communes=communes, chosen=chosen, snippet=snippet,
                           keep=keep_presentation(request.args))  # fmt: skip
