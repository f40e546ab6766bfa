"""Public pages: search and results (``/``), a venue (``/lieu/<id>``), its error report, embed help."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from ..errors import BadRequest
from ..locations import as_location, side_db
from ..stores import store_version
from . import i18n, moved, now_local, render_cache, security
from .filters import (
    LABELS_SHOWN,
    PAGE_SIZE,
    RADII_KM,
    active_filters,
    keep_presentation,
    page_url,
    parse_search,
)
from .hours_text import coming_week, date_time_text, status, week
from .mapview import results_map
from .places import COMMUNE_LIST_MAX, AddressSearchUnavailable, Outside, Place, address_search, gazette
from .reports_store import ReportStore
from .venue_index import get_index
from .view_helpers import decorate, freshness, split

bp = Blueprint("public", __name__)
REPORTS_PER_HOUR = 5
MESSAGE_MAX = 2000
CONTACT_MAX = 200
PRINT_COUNTS = (5, 10, 20)


def _settings():
    return current_app.config["SETTINGS"]


@lru_cache(maxsize=1024)
def _communes_matching(store_path: str, stamp: tuple[int, int] | None, query: str) -> tuple[Place, ...]:
    """The communes a search names: a few passes of pandas over the communes (about a millisecond),
    the same answer for the same search until the store changes (``stamp``)."""
    return tuple(gazette(as_location(store_path)).search(query))


@dataclass
class Resolution:
    """What a search names: a place to search around, or communes to choose from, or a message.

    ``offline`` says the answer came from the URL and the store alone (not from the geocoder,
    which may answer otherwise in a minute), so that the page may be kept and served again.
    """

    place: Place | None = None
    choices: list[Place] = field(default_factory=list)
    message: str | None = None
    offline: bool = True
    corrected_from: str | None = None  # the visitor's words when ``place`` is the commune a typo means
    suggestions: list[Place] = field(default_factory=list)  # « vouliez-vous dire »
    outside: Outside | None = None  # a commune the territory does not cover


def territory_name() -> str:
    """The territory's name as the build resolved it (else the configuration's, else its kind)."""
    settings = _settings()
    return gazette(settings.store_location).territory or settings.territory.name or settings.territory.kind


def resolve(search) -> Resolution:
    """Where to search: a position, a commune or postcode of the territory (typos forgiven), an
    address through the geocoder; or why not (outside the territory, unknown, geocoder down)."""
    if search.lon is not None:
        label = "Votre position" if g.lang == "fr" else "Your position"
        return Resolution(Place(label, search.lon, search.lat, "position"))
    if not search.q:
        return Resolution()
    settings = _settings()
    found = list(_communes_matching(str(settings.store_location), store_version(settings.store_location), search.q))
    if len(found) == 1 or (found and found[0].kind == "commune" and i18n.fold_eq(found[0].label, search.q)):
        return Resolution(found[0])
    if found:
        return Resolution(choices=found[:20])
    places = gazette(settings.store_location)
    if (outside := places.outside_match(search.q)) is not None:
        return _outside(outside, True)
    guesses = places.guesses(search.q)  # once: each call scores the 35,000 names of the list
    if (guess := places.sure_guess(search.q, guesses)) is not None:
        if guess.inside:
            return Resolution(guess.place, corrected_from=search.q)
        return _outside(places.outside_place(guess.place.label, guess.place.lon, guess.place.lat), True)
    offline = True
    if settings.geocoding.enabled and not search.q.isdigit():
        offline = False
        try:
            hits = address_search(search.q, settings)
        except AddressSearchUnavailable:
            hits = None
        if hits and places.contains(hits[0].lon, hits[0].lat):
            return Resolution(hits[0], offline=False)
        if hits:
            return _outside(places.outside_place(hits[0].label, hits[0].lon, hits[0].lat), False)
        if hits is None and not guesses:
            return Resolution(message=i18n.text("fi_address_offline", g.lang, territory=territory_name()),
                              offline=False)  # fmt: skip
    suggestions = [guess.place for guess in guesses if guess.inside]
    if suggestions:
        return Resolution(suggestions=suggestions, offline=offline,
                          message=i18n.text("fi_did_you_mean", g.lang, q=search.q))  # fmt: skip
    return Resolution(message=i18n.text("fi_unknown", g.lang, q=search.q, territory=territory_name()),
                      offline=offline)  # fmt: skip


def _outside(outside: Outside, offline: bool) -> Resolution:
    message = i18n.text("fi_outside", g.lang, place=outside.name, territory=territory_name())
    return Resolution(message=message, outside=outside, offline=offline)


def _resolve_place(search) -> tuple[Place | None, list[Place], str | None, bool]:
    """:func:`resolve` as ``(place, choices, message, offline)``: choices include suggestions."""
    found = resolve(search)
    return found.place, found.choices or found.suggestions, found.message, found.offline


@bp.get("/")
def home():
    if request.args.get("type"):  # another kind of help than venues: its own list (actors_public.py)
        return redirect(url_for("actors_public.listing") + page_url(request.args, page=None))
    store_path = _settings().store_location
    now = now_local()
    # A page answered from the URL and the store alone is kept and served again for the same URL,
    # store version and minute (opening hours change on the minute): rendering it (the results,
    # their opening hours, the filters, the map) costs far more than serving it.
    minute = now.replace(second=0, microsecond=0)
    key = ("home", str(store_path), store_version(store_path), request.query_string, minute)
    if (ready := render_cache.cached(key)) is not None:
        return ready
    search = parse_search(request.args)
    index = get_index(store_path)
    found = resolve(search)
    place, printing = found.place, request.args.get("print") == "1"
    # On paper, the nearest 5 (one A4 page) or 10 (two pages) places, or the page on screen.
    count = request.args.get("nombre", "")
    if printing and count not in ("", *map(str, PRINT_COUNTS)):
        raise BadRequest(f"nombre « {count[:10]} » must be one of {', '.join(map(str, PRINT_COUNTS))}")
    limit = int(count) if printing and count else PAGE_SIZE
    result, items, parts = None, [], None
    if place is not None:
        result = index.query(lon=place.lon, lat=place.lat, radius_m=search.radius_km * 1000,
                             open_at=search.open_at(now), limit=limit, offset=(search.page - 1) * PAGE_SIZE,
                             **search.query_kwargs())  # fmt: skip
        items = [decorate(item, now, g.lang) for item in result.items]
        if printing:
            # Paper is read on later days: dates instead of « demain », and each place's week.
            for item in items:
                item["status"] = status(item.get("horaires"), now, g.lang, absolute=True)
                item["week_lines"] = coming_week(item.get("horaires"), now.date(), g.lang)
        else:
            parts = results_map(place.lon, place.lat, zoom=14 if search.radius_km <= 2 else 13)
    communes = gazette(store_path).table
    return render_cache.render(
        "home.html", key if found.offline else None, search=search, place=place, found=found,
        choices=found.choices, message=found.message, result=result, items=items, map=parts,
        empty=len(index) == 0, radii=RADII_KM, labels_shown=LABELS_SHOWN, page_size=PAGE_SIZE,
        page_url=lambda **c: page_url(request.args, **c), keep=keep_presentation(request.args),
        vocab=i18n.VOCAB, territory=territory_name(), covered=sorted(communes["nom"]) if len(communes) else [],
        active_filters=active_filters(search, g.lang), edit_filters=request.args.get("filtres") == "1",
        printed_on=date_time_text(now, g.lang),
        list_url=url_for("public.home", _external=True) + page_url(request.args, print=None, nombre=None),
    )  # fmt: skip


@bp.get("/lieu/<path:venue_id>")  # some publishers' ids hold a "/"
def venue(venue_id: str):
    record = get_index(_settings().store_location).get(venue_id)
    if record is None:
        return _moved_or_gone(venue_id)
    return _venue_page(record)


def _venue_page(record: dict, form: dict | None = None, form_error: dict | None = None) -> str:
    """A venue's page; with ``form`` and ``form_error``, its error-report form as the person sent
    it, with what to fix on each field."""
    now = now_local()
    monday = date.today() - timedelta(days=date.today().weekday())
    item = decorate(record, now, g.lang)
    return render_template("venue.html", item=item, week=week(record.get("horaires"), monday, g.lang),
                           fresh=freshness(record, _settings().thresholds.stale_months, now.date(),
                                           {name: cfg.title for name, cfg in _settings().sources.items()}),
                           kinds=i18n.REPORT_KINDS, thanks=_digits(request.args.get("merci")), split=split,
                           keep=keep_presentation(request.args), status_now=status(record.get("horaires"), now, g.lang),
                           form=form, form_error=form_error)  # fmt: skip


def _moved_or_gone(venue_id: str):
    """A venue that merged into another (301 there), or that is gone or closed (410), or 404."""
    found = moved.resolve(_settings().store_location, venue_id)
    if found.current:
        return redirect(url_for("public.venue", venue_id=found.current, **request.args), 301)
    if found.status in ("gone", "closed"):
        now = now_local()
        near = [decorate(item, now, g.lang) for item in moved.nearest(_settings().store_location, found.entry)]
        return render_template("venue_gone.html", entry=found.entry, status=found.status, nearest=near,
                               keep=keep_presentation(request.args)), 410  # fmt: skip
    abort(404)


@bp.post("/lieu/<path:venue_id>/signaler")
def report(venue_id: str):
    settings = _settings()
    record = get_index(settings.store_location).get(venue_id)
    if record is None:  # a page opened before a harvest merged the venue: the report follows it
        venue_id = moved.resolve(settings.store_location, venue_id).current or venue_id
        record = get_index(settings.store_location).get(venue_id)
    if record is None:
        abort(404)
    form = request.form
    if form.get("site"):  # the spam trap, hidden from people, filled by robots
        return redirect(url_for("public.venue", venue_id=venue_id, merci="0", **keep_presentation(request.args)))
    kind, message, contact = form.get("kind", ""), form.get("message", "").strip(), form.get("contact", "").strip()
    # What is wrong is said on the field, in the page's language, with what the person wrote kept
    # (an expired page too: the form comes back with a fresh token, ready to send again).
    errors = {}
    if not security.csrf_ok(form.get("csrf")):
        errors["form"] = i18n.text("fi_report_expired", g.lang)
    if kind not in i18n.REPORT_KINDS:
        errors["kind"] = i18n.text("fi_report_kind", g.lang)
    if not 3 <= len(message) <= MESSAGE_MAX:
        errors["message"] = i18n.text("fi_report_message", g.lang)
    if len(contact) > CONTACT_MAX:
        errors["contact"] = i18n.text("fi_report_contact", g.lang)
    if errors:
        sent = {"kind": kind, "message": form.get("message", "")[: MESSAGE_MAX * 2],
                "contact": form.get("contact", "")[: CONTACT_MAX * 2]}  # fmt: skip
        return _venue_page(record, sent, errors), 400
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
    """The error reports' database: an SQLite file beside the GeoPackage, or a schema in PostGIS."""
    return side_db(settings.store_location, "reports")


@bp.get("/integrer")
def embed_help():
    places = gazette(_settings().store_location)
    communes = places.table.sort_values("nom")
    chosen = request.args.get("commune", "").strip()
    chosen = places.code_for(chosen) or chosen  # a name typed in the field of a large territory
    snippet = None
    if chosen:
        if chosen not in communes.index:
            raise i18n.public_error("sp_err_unknown_commune", g.lang, code=chosen[:10])
        src = url_for("public.home", q=communes.at[chosen, "nom"], embed="1", lang=g.lang, _external=True)
        title = i18n.text("site_name", g.lang)
        snippet = (f'<iframe src="{src}" title="{title}" width="100%" height="640" loading="lazy" '
                   'allow="geolocation" style="border:0"></iframe>')  # fmt: skip
    return render_template("embed_help.html", communes=communes, chosen=chosen, snippet=snippet,
                           keep=keep_presentation(request.args), commune_list_max=COMMUNE_LIST_MAX)  # fmt: skip
