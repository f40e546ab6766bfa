"""Organisers' corrections: correct a venue's record, mark it closed, add a venue no source knows,
decide the conflicts with the sources; and what the pages show of them.

Every write needs an organiser session and the form's CSRF token (:func:`.auth.organiser_required`)
and goes to the action log. What is saved goes to ``corrections.sqlite``
(:mod:`inclusion_map.corrections_store`) and is applied to the store's venues at once, then again
after every harvest. A value the standard refuses answers 400 with the form as it was typed and
each problem said in the page's language.

Routes (all under ``/qualite``, never cached): ``/qualite/lieu/<id>/corriger`` (the form; with
``?signalement=N`` it answers an error report, whose status becomes « corrigé » on saving),
``/qualite/lieu/<id>/fermer``, ``/qualite/ajouter-un-lieu``, ``/qualite/conflits/<n>``,
``/qualite/corrections/<n>/retirer`` and ``/qualite/fermetures/<n>/rouvrir``.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import shapely
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from .. import corrections as corr
from .. import vocab
from ..corrections_store import CorrectionStore, corrections_path, harvested_layer, reapply
from ..errors import BadRequest, GeocoderUnavailable, StoreError
from ..hours import OSM_DAYS, osm_to_week, validate_opening_hours, week_to_osm
from ..schema import PIVOT_PLACEHOLDER
from ..stores import open_store
from .auth import current_organiser, organiser_required, organiser_store
from .filters import keep_presentation
from .mapview import results_map
from .places import COMMUNE_LIST_MAX, gazette
from .reports_store import ReportStore
from .store_cache import per_store
from .venue_index import get_index
from .view_helpers import date_text

bp = Blueprint("corrections", __name__)

DAY_NAMES = {"Mo": ("lundi", "Monday"), "Tu": ("mardi", "Tuesday"), "We": ("mercredi", "Wednesday"),
             "Th": ("jeudi", "Thursday"), "Fr": ("vendredi", "Friday"), "Sa": ("samedi", "Saturday"),
             "Su": ("dimanche", "Sunday")}  # fmt: skip
#: the form's groups of fields: key, heading (fr, en), fields (``position`` and ``horaires`` apart)
GROUPS = (
    ("identite", ("Le lieu", "The place"), ("nom", "typologie", "pivot", "structure_parente")),
    ("adresse", ("Adresse", "Address"), ("adresse", "complement_adresse", "code_postal", "commune")),
    ("contact", ("Contact", "Contact"), ("telephone", "courriels", "site_web", "prise_rdv")),
    ("offre", ("Ce que le lieu propose", "What the place offers"),
     ("services", "modalites_accompagnement", "modalites_acces", "publics_specifiquement_adresses",
      "prise_en_charge_specifique", "frais_a_charge", "dispositif_programmes_nationaux", "formations_labels",
      "itinerance", "autres_formations_labels", "fiche_acces_libre")),
    ("presentation", ("Présentation", "Description"), ("presentation_resume", "presentation_detail")),
)  # fmt: skip
FORM_FIELDS = tuple(f for _, _, fields in GROUPS for f in fields)
LONG_TEXT = ("presentation_detail",)
HINTS = {
    "typologie": ("Codes du standard séparés par |, par exemple TIERS_LIEUX|CCAS.",
                  "Codes of the standard separated by |, e.g. TIERS_LIEUX|CCAS."),
    "courriels": ("Plusieurs adresses : séparez-les par |.", "Several addresses: separate them with |."),
    "site_web": ("Plusieurs adresses : séparez-les par |.", "Several addresses: separate them with |."),
    "telephone": ("Un seul numéro, par exemple 01 45 67 89 10.", "One number, e.g. 01 45 67 89 10."),
    "presentation_resume": ("280 caractères au plus.", "280 characters at most."),
}  # fmt: skip
REASON_MAX, NOTE_MAX = 500, 500
#: shown after a write, by the ``fait`` parameter of the page it leads to
DONE = {
    "correction": ("Correction enregistrée et appliquée.", "Correction saved and applied."),
    "rien": ("Rien n'a changé : aucune correction enregistrée.", "Nothing changed: no correction saved."),
    "ajout": ("Lieu ajouté.", "Venue added."),
    "fermeture": ("Lieu marqué comme fermé : il n'apparaît plus dans les résultats.",
                  "Venue marked closed: it no longer shows in the results."),
    "reouverture": ("Fermeture annulée : le lieu apparaît de nouveau.",
                    "Closure withdrawn: the venue shows again."),
    "retrait": ("Correction retirée : la valeur de la source s'affiche de nouveau.",
                "Correction withdrawn: the source's value shows again."),
    "garder": ("Correction gardée.", "Correction kept."),
    "source": ("Valeur de la source reprise.", "The source's value is used again."),
    "differe": ("Enregistré. Le magasin de données est occupé (une moisson ?) : ce sera appliqué à la "
                "prochaine moisson.",
                "Saved. The data store is busy (a harvest?): it will be applied at the next harvest."),
}  # fmt: skip
#: the form's problems that are not one field's value (``{day}``: the day's name)
PROBLEMS = {
    "range_incomplete": ("{day} : donnez le début et la fin de chaque créneau (heures comme 09:30).",
                         "{day}: give the start and the end of each range (times like 09:30)."),
    "range_order": ("{day} : la fin d'un créneau doit venir après son début.",
                    "{day}: a range must end after it starts."),
    "range_overlap": ("{day} : le second créneau doit commencer après la fin du premier.",
                      "{day}: the second range must start after the first ends."),
    "both_hours": ("Vous avez changé la grille et le texte OSM : gardez l'un des deux.",
                   "You changed both the week and the OSM text: keep one."),
    "geocoder_off": ("Le géocodeur n'est pas activé ici : donnez la latitude et la longitude, ou déplacez le "
                     "marqueur sur la carte.",
                     "The geocoder is not enabled here: give the latitude and longitude, or move the marker "
                     "on the map."),
    "geocoder_down": ("Le géocodeur ne répond pas : donnez la latitude et la longitude, ou déplacez le "
                      "marqueur sur la carte.",
                      "The geocoder does not answer: give the latitude and longitude, or move the marker on "
                      "the map."),
    "not_found": ("Adresse introuvable par le géocodeur : « {query} ».",
                  "The geocoder did not find the address “{query}”."),
    "no_position": ("Donnez la position du lieu.", "Give the venue's position."),
    "outside": ("Ce point est hors du territoire.", "This point is outside the territory."),
}  # fmt: skip


def _say(key: str, lang: str, **values) -> str:
    """A problem of the form in ``lang``."""
    return PROBLEMS[key][lang == "en"].format(**values)


def _settings():
    return current_app.config["SETTINGS"]


def _cstore() -> CorrectionStore:
    return CorrectionStore(corrections_path(_settings().store_location))


def _t(pair: tuple[str, str]) -> str:
    return pair[g.lang == "en"]


# --- what the pages show ------------------------------------------------------------------------

def corrected_notes(item: dict, *fields: str) -> list[str]:
    """« Téléphone : corrigé par l'équipe du territoire le 2 décembre 2026 », one per corrected field
    among ``fields`` (all of them when none is named), in the page's language."""
    lang = getattr(g, "lang", "fr")
    notes = []
    for entry in corr.entries(item):
        if fields and entry.get("field") not in fields:
            continue
        day = date_text(corr.local_date(entry.get("at") or ""), lang)
        what = corr.label(str(entry.get("field")), lang)
        notes.append(f"{what}: corrected by the territory team on {day}" if lang == "en"
                     else f"{what} : corrigé par l'équipe du territoire le {day}")  # fmt: skip
    return notes


def _active_corrections(venue_id: str) -> list[dict]:
    rows = _cstore().active_for(venue_id)
    lang = getattr(g, "lang", "fr")
    return [{**r, "label": corr.label(r["field"], lang), "day": date_text(corr.local_date(r["at"]), lang)}
            for r in rows]  # fmt: skip


@bp.app_context_processor
def _template_helpers():
    return {"organiser_name": current_organiser, "corrected_notes": corrected_notes,
            "venue_corrections": _active_corrections, "correction_done": _done_text}  # fmt: skip


def _done_text() -> str | None:
    key = request.args.get("fait")
    return _t(DONE[key]) if key in DONE else None


# --- the form -------------------------------------------------------------------------------------

@dataclass
class Shown:
    """What the form shows: the record's values, or what was typed (after an error)."""

    text: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    week: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    hours: str = ""
    hours_initial: str = ""
    week_initial: str = ""
    week_fits: bool = True
    latitude: str = ""
    longitude: str = ""
    locate: bool = False
    note: str = ""


def _text(value) -> str:
    return "" if corr.field_text({"v": value}, "v") is None else str(value)


def shown_from_record(record: dict | None) -> Shown:
    """The form filled with a venue's current values (empty for a new venue)."""
    record = record or {}
    shown = Shown()
    for name in FORM_FIELDS:
        if corr.FIELD_KINDS[name] == "vocab":
            shown.lists[name] = [v for v in _text(record.get(name)).split("|") if v]
        else:
            shown.text[name] = _text(record.get(name))
    if shown.text.get("pivot") == PIVOT_PLACEHOLDER:  # the standard's « unknown »: shown empty
        shown.text["pivot"] = ""
    shown.hours = shown.hours_initial = _text(record.get("horaires"))
    week = osm_to_week(shown.hours) if shown.hours else {d: [] for d in OSM_DAYS}
    shown.week_fits = week is not None
    shown.week = {d: list((week or {}).get(d, [])) for d in OSM_DAYS}
    shown.week_initial = (week_to_osm(week) or "") if week else ""
    position = corr.field_text(record, corr.POSITION)
    if position:
        shown.latitude, shown.longitude = position.split(",")
    return shown


def shown_from_form(form) -> Shown:
    """The form as it was typed (kept when something in it is refused)."""
    shown = Shown()
    for name in FORM_FIELDS:
        if corr.FIELD_KINDS[name] == "vocab":
            shown.lists[name] = form.getlist(name)
        else:
            shown.text[name] = form.get(name, "")[: corr.MAX_LENGTH + 1]
    shown.hours, shown.hours_initial = form.get("horaires", ""), form.get("horaires_initial", "")
    shown.week_initial = form.get("semaine_initiale", "")
    shown.week_fits = form.get("semaine_lisible", "1") == "1"
    shown.week = {d: [(form.get(f"h-{d}-{n}-debut", ""), form.get(f"h-{d}-{n}-fin", "")) for n in (1, 2)]
                  for d in OSM_DAYS}  # fmt: skip
    shown.latitude, shown.longitude = form.get("latitude", ""), form.get("longitude", "")
    shown.locate = form.get("placer") == "1"
    shown.note = form.get("note", "")[:NOTE_MAX]
    return shown


def _clock(text: str) -> tuple[int, int] | None:
    """``09:30``, ``9:30``, ``9h30``, ``9h`` → (9, 30); ``None`` when it is not a time of day."""
    m = re.fullmatch(r"\s*(\d{1,2})\s*[:hH.]\s*(\d{2})?\s*", text or "")
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    return (hour, minute) if hour <= 23 and minute <= 59 else None


def week_from_form(form, lang: str) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str]]:
    """The week editor's ranges (``HH:MM`` pairs per OSM day) and the problems, per day (``h-Mo``)."""
    week, errors = {}, {}
    for day in OSM_DAYS:
        name = DAY_NAMES[day][lang == "en"]
        ranges, last_end = [], None
        for n in (1, 2):
            start_text, end_text = form.get(f"h-{day}-{n}-debut", ""), form.get(f"h-{day}-{n}-fin", "")
            if not start_text.strip() and not end_text.strip():
                continue
            start, end = _clock(start_text), _clock(end_text)
            problem = None
            if start is None or end is None:
                problem = "range_incomplete"
            elif end <= start:
                problem = "range_order"
            elif last_end is not None and start < last_end:
                problem = "range_overlap"
            if problem:
                errors[f"h-{day}"] = _say(problem, lang, day=name.capitalize())
                break
            ranges.append((f"{start[0]:02d}:{start[1]:02d}", f"{end[0]:02d}:{end[1]:02d}"))
            last_end = end
        week[day] = ranges
    return week, errors


def hours_from_form(form, lang: str) -> tuple[bool, str | None, dict[str, str]]:
    """What the hours become: ``(changed, value, errors)``.

    The OSM text wins when it was edited; else the week editor, when it was; else nothing changes.
    Both edited to different hours is a mistake to say, not a choice to make.
    """
    raw, initial = form.get("horaires", "").strip(), form.get("horaires_initial", "").strip()
    week, errors = week_from_form(form, lang)
    from_week = None if errors else week_to_osm(week)
    week_changed = not errors and (from_week or "") != form.get("semaine_initiale", "")
    raw_changed = (validate_opening_hours(raw) or raw) != (validate_opening_hours(initial) or initial)
    value = None
    if raw_changed:  # checked even when the week has problems: every problem is said at once
        try:
            value = corr.normalise_value("horaires", raw)
        except corr.InvalidValue as exc:
            errors["horaires"] = exc.message(lang)
    if errors:
        return False, None, errors
    if raw_changed:
        if week_changed and value != from_week:
            return False, None, {"horaires": _say("both_hours", lang)}
        return True, value, {}
    if week_changed:
        return True, from_week, {}
    return False, None, {}


def _comparable(name: str, value) -> str | None:
    """A stored value as the form's would be written, so that an untouched field is no change."""
    text = corr.field_text({name: value}, name) if name != corr.POSITION else value
    try:
        return corr.normalise_value(name, text)
    except corr.InvalidValue:
        return text


def _geocode(values: dict, lang: str) -> tuple[tuple[float, float] | None, str | None]:
    """The position of the typed address from the project's geocoder: ``((lat, lon), None)`` or
    ``(None, why not)``."""
    from ..geocode import Geocoder

    settings = _settings()
    query = " ".join(v for v in (values.get(k) for k in ("adresse", "code_postal", "commune")) if v)
    if not settings.geocoding.enabled:
        return None, _say("geocoder_off", lang)
    try:
        matches = Geocoder(settings, interactive=True).search(query, limit=1)
    except GeocoderUnavailable:
        return None, _say("geocoder_down", lang)
    if not matches or matches[0].score < settings.geocoding.min_score:
        return None, _say("not_found", lang, query=query)
    return (round(matches[0].lat, 7), round(matches[0].lon, 7)), None


def _communes(store_path: Path):
    store = open_store(store_path)
    if not (store.exists() and store.has("communes")):
        return None
    frame = store.read("communes", columns=["code", "nom"])
    return frame[frame.geometry.notna()].reset_index(drop=True)


def commune_at(store_path: Path, lon: float, lat: float) -> tuple[str, str] | None:
    """The territory's commune (INSEE code, name) holding a point; ``None`` outside it, or when the
    communes layer is not built."""
    frame = per_store("correction-communes", store_path, _communes)
    if frame is None or frame.empty:
        return None
    hits = frame.sindex.query(shapely.Point(lon, lat), predicate="intersects")
    if not len(hits):
        return None
    row = frame.iloc[int(hits[0])]
    return str(row["code"]), str(row["nom"])


def position_from_form(form, values: dict, lang: str,
                       current: str | None = None) -> tuple[str | None, dict[str, str]]:  # fmt: skip
    """The position typed, dragged or geocoded (``"lat,lon"``), and its problem, if any.

    ``current`` is the venue's position (``None`` for a new venue, which is then placed at its
    address when no position is given). Only a new point must lie in the territory: a harvested one
    a few metres over its border is left alone.
    """
    lat_text = form.get("latitude", "").strip().replace(",", ".")
    lon_text = form.get("longitude", "").strip().replace(",", ".")
    if form.get("placer") == "1" or (current is None and not lat_text and not lon_text):
        point, why = _geocode(values, lang)
        if point is None:
            return None, {"position": why}
        position = corr.position_text(*point)
    elif lat_text or lon_text:
        try:
            position = corr.normalise_value(corr.POSITION, f"{lat_text},{lon_text}")
        except corr.InvalidValue as exc:
            return None, {"position": exc.message(lang)}
    else:
        return None, {"position": _say("no_position", lang)}
    lat, lon = corr.parse_position(position)
    area = gazette(_settings().store_location)
    if position != current and area.area is not None and not area.contains(lon, lat):
        return None, {"position": _say("outside", lang)}
    return position, {}


def values_from_form(form, lang: str) -> tuple[dict[str, str | None], dict[str, str]]:
    """Every field of the form checked: ``(values, errors)`` (errors by field, in ``lang``)."""
    values, errors = {}, {}
    for name in FORM_FIELDS:
        typed = "|".join(form.getlist(name)) if corr.FIELD_KINDS[name] == "vocab" else form.get(name, "")
        try:
            values[name] = corr.normalise_value(name, typed)
        except corr.InvalidValue as exc:
            errors[name] = exc.message(lang)
    return values, errors


def _report(report_id) -> dict | None:
    if not str(report_id or "").isdigit():
        return None
    from .public import reports_path

    return ReportStore(reports_path(_settings())).get(int(report_id))


def _answer_report(report: dict | None) -> None:
    """The error report an organiser answered becomes « corrigé » (logged)."""
    if report is None or report["status"] == "corrigé":
        return
    from .public import reports_path

    if ReportStore(reports_path(_settings())).set_status(report["id"], "corrigé"):
        organiser_store().log(g.organiser, "report-status", str(report["id"]), "corrigé")


def apply_now() -> str | None:
    """Lay the corrections over the store's venues now; the notice to give when that must wait."""
    from ..harvest.guards import harvest_running

    store_path = _settings().store_location
    if harvest_running(store_path):
        return "differe"
    for attempt in range(3):  # two organisers saving at once: the second waits a moment
        try:
            reapply(store_path)
            return None
        except StoreError:
            time.sleep(0.3 * (attempt + 1))
    return "differe"


def _venue(venue_id: str) -> dict | None:
    return get_index(_settings().store_location).get(venue_id)


def _current_id(venue_id: str) -> str | None:
    """The id a venue has today (it may have merged into another since a link was made)."""
    try:
        from .moved import resolve
    except ImportError:  # before the stable-id registry
        return None
    return resolve(_settings().store_location, venue_id).current


def _harvested_record(venue_id: str, record: dict) -> dict:
    """The venue as the last harvest gave it (before corrections): what a correction replaces."""
    if venue_id.startswith(corr.ADDED_PREFIX):
        return _cstore().addition(venue_id) or record
    store = open_store(_settings().store_location)
    base, _, _ = harvested_layer(store)
    hit = base[base["id"].astype(str) == venue_id]
    if hit.empty:
        return record
    row = pd.DataFrame(hit.drop(columns=hit.geometry.name)).iloc[0].to_dict()
    return row


def _form_page(record: dict | None, shown: Shown, errors: dict[str, str], report: dict | None,
               status: int = 200):  # fmt: skip
    """The correction form of ``record`` (a new venue's form when ``None``), as ``shown``."""
    settings = _settings()
    lat, lon = (float(shown.latitude), float(shown.longitude)) if _floats(shown.latitude, shown.longitude) \
        else (None, None)  # fmt: skip
    if lat is None:
        table = gazette(settings.store_location).table
        # a new venue: the middle of the territory (Paris when the communes are not built)
        lat, lon = (float(table["lat"].mean()), float(table["lon"].mean())) if len(table) else (48.8566, 2.35)
    zoom = 17 if record or shown.latitude else 12
    parts = results_map(lon, lat, zoom=zoom) if request.args.get("print") != "1" else None
    return render_template("correct.html", record=record, shown=shown, errors=errors, groups=GROUPS,
                           kinds=corr.FIELD_KINDS, vocabularies=vocab.VOCABULARIES, days=DAY_NAMES,
                           osm_days=OSM_DAYS, label=lambda name: corr.label(name, g.lang), hints=HINTS,
                           long_text=LONG_TEXT, map=parts, report=report,
                           active=_active_corrections(record["id"]) if record else [],
                           keep=keep_presentation(request.args), reason_max=REASON_MAX,
                           note_max=NOTE_MAX), status  # fmt: skip


def _floats(*texts: str) -> bool:
    try:
        return all(float(t) == float(t) for t in texts)
    except (TypeError, ValueError):
        return False


@bp.route("/qualite/lieu/<path:venue_id>/corriger", methods=["GET", "POST"])
@organiser_required
def correct(venue_id: str):
    """The correction form of a venue (GET), and its saving (POST)."""
    record = _venue(venue_id)
    if record is None:
        if current := _current_id(venue_id):
            return redirect(url_for("corrections.correct", venue_id=current, **request.args), 301)
        abort(404)
    report = _report(request.values.get("signalement"))
    if request.method == "GET":
        shown = shown_from_record(record)
        if report:
            shown.note = f"Signalement n° {report['id']}"
        return _form_page(record, shown, {}, report)

    lang = g.lang
    values, errors = values_from_form(request.form, lang)
    hours_changed, hours, hours_errors = hours_from_form(request.form, lang)
    errors.update(hours_errors)
    position, position_errors = position_from_form(request.form, values, lang,
                                                   corr.field_text(record, corr.POSITION))  # fmt: skip
    errors.update(position_errors)
    note = request.form.get("note", "").strip()[:NOTE_MAX]
    if errors:
        return _form_page(record, shown_from_form(request.form), errors, report, 400)

    changes = {name: value for name, value in values.items() if value != _comparable(name, record.get(name))}
    if hours_changed and hours != _comparable("horaires", record.get("horaires")):
        changes["horaires"] = hours
    if position != corr.field_text(record, corr.POSITION):
        changes[corr.POSITION] = position
        lat, lon = corr.parse_position(position)
        found = commune_at(_settings().store_location, lon, lat)
        if found and found[0] != record.get("code_insee"):
            changes["code_insee"] = found[0]  # the point moved to another commune: its code follows
    if not changes:
        return redirect(url_for("public.venue", venue_id=venue_id, fait="rien",
                                **keep_presentation(request.args), _anchor="corriger"))  # fmt: skip
    harvested = _harvested_record(venue_id, record)
    store = _cstore()
    active = {r["field"]: r for r in store.active_for(venue_id)}
    for name, value in changes.items():
        source_value = corr.field_text(harvested, name)
        if name in active and value == _comparable(name, source_value):
            store.withdraw(active[name]["id"], g.organiser)  # back to the source's value
        else:
            store.add_correction(venue_id, name, value, source_value, g.organiser, note,
                                 report["id"] if report else None)  # fmt: skip
    organiser_store().log(g.organiser, "correction", venue_id, ", ".join(sorted(changes)))
    _answer_report(report)
    notice = apply_now() or "correction"
    return redirect(url_for("public.venue", venue_id=venue_id, fait=notice, **keep_presentation(request.args),
                            _anchor="corriger"))  # fmt: skip


@bp.post("/qualite/lieu/<path:venue_id>/fermer")
@organiser_required
def close(venue_id: str):
    """Mark a venue closed (with a reason): it leaves the results, its page says it is closed."""
    if _venue(venue_id) is None:
        abort(404)
    reason = request.form.get("reason", "").strip()
    if not 3 <= len(reason) <= REASON_MAX:
        raise BadRequest(f"say why the venue is closed, in 3 to {REASON_MAX} characters")
    report = _report(request.form.get("signalement"))
    closure = _cstore().add_closure(venue_id, reason, g.organiser, report["id"] if report else None)
    organiser_store().log(g.organiser, "closure", venue_id, reason[:200])
    _answer_report(report)
    notice = apply_now() or "fermeture"
    return redirect(url_for("quality.page", fait=notice, fermeture=closure, **keep_presentation(request.args),
                            _anchor="corrections"))  # fmt: skip


@bp.route("/qualite/ajouter-un-lieu", methods=["GET", "POST"])
@organiser_required
def add():
    """Add a venue no source knows (a permanence in a town hall…): the form, and its saving."""
    if request.method == "GET":
        return _form_page(None, shown_from_record(None), {}, None)
    lang = g.lang
    values, errors = values_from_form(request.form, lang)
    _, hours, hours_errors = hours_from_form(request.form, lang)
    errors.update(hours_errors)
    if not errors:  # geocoding is asked only for an address that passed the checks
        position, position_errors = position_from_form(request.form, values, lang)
        errors.update(position_errors)
    if errors:
        return _form_page(None, shown_from_form(request.form), errors, None, 400)
    lat, lon = corr.parse_position(position)
    record = {k: v for k, v in values.items() if v is not None}
    record.update(latitude=lat, longitude=lon, horaires=hours, geocode_precision=corr.PRECISION,
                  date_maj=date.today().isoformat(), pivot=record.get("pivot") or PIVOT_PLACEHOLDER)
    found = commune_at(_settings().store_location, lon, lat)
    if found:
        record["code_insee"] = found[0]
    note = request.form.get("note", "").strip()[:NOTE_MAX]
    venue_id = _cstore().add_addition(record, g.organiser, note)
    organiser_store().log(g.organiser, "venue-added", venue_id, record.get("nom", "")[:200])
    notice = apply_now() or "ajout"
    return redirect(url_for("public.venue", venue_id=venue_id, fait=notice, **keep_presentation(request.args),
                            _anchor="corriger"))  # fmt: skip


def conflicts(settings) -> list[dict]:
    """The conflicts to decide: the store's table, for corrections still active (by venue)."""
    store = open_store(settings.store_location)
    if not (store.exists() and store.has(corr.CONFLICTS_TABLE)):
        return []
    table = pd.DataFrame(store.read(corr.CONFLICTS_TABLE))
    if table.empty:
        return []
    active = {c.id: c for c in CorrectionStore(corrections_path(settings.store_location)).load().fields}
    index = get_index(settings.store_location)
    rows = []
    for row in table.astype(object).where(table.notna(), None).to_dict("records"):
        number = int(row["correction_id"])
        if number not in active:
            continue
        venue = index.get(str(row["venue_id"])) or {}
        rows.append({**row, "correction_id": number, "nom": venue.get("nom") or row["venue_id"],
                     "label": corr.label(str(row["field"]), getattr(g, "lang", "fr"))})  # fmt: skip
    return sorted(rows, key=lambda r: (str(r["nom"]).casefold(), r["field"]))


@bp.post("/qualite/conflits/<int:correction_id>")
@organiser_required
def decide_conflict(correction_id: int):
    """Keep the correction against the source's new value, or take the source's value."""
    decision = request.form.get("decision", "")
    if decision not in ("garder", "source"):
        raise BadRequest("choose « garder la correction » or « prendre la valeur de la source »")
    found = [c for c in conflicts(_settings()) if c["correction_id"] == correction_id]
    if not found:
        raise BadRequest(f"no conflict awaits a decision for correction {correction_id}")
    store = _cstore()
    if decision == "garder":
        store.keep(correction_id, found[0]["harvested"], g.organiser)
    else:
        store.withdraw(correction_id, g.organiser)
    organiser_store().log(g.organiser, f"conflict-{'keep' if decision == 'garder' else 'source'}",
                          str(found[0]["venue_id"]), f"{found[0]['field']} (n° {correction_id})")  # fmt: skip
    notice = apply_now() or decision
    return redirect(url_for("quality.page", fait=notice, **keep_presentation(request.args),
                            _anchor="conflits"))  # fmt: skip


@bp.post("/qualite/corrections/<int:correction_id>/retirer")
@organiser_required
def withdraw(correction_id: int):
    """Stop applying a correction: the source's value shows again."""
    row = _cstore().withdraw(correction_id, g.organiser)
    if row is None:
        raise BadRequest(f"no active correction number {correction_id}")
    organiser_store().log(g.organiser, "correction-withdrawn", row["venue_id"],
                          f"{row['field']} (n° {correction_id})")  # fmt: skip
    notice = apply_now() or "retrait"
    return redirect(url_for("public.venue", venue_id=row["venue_id"], fait=notice,
                            **keep_presentation(request.args), _anchor="corriger"))  # fmt: skip


@bp.post("/qualite/fermetures/<int:closure_id>/rouvrir")
@organiser_required
def reopen(closure_id: int):
    """Withdraw a closure: the venue shows again."""
    row = _cstore().reopen(closure_id, g.organiser)
    if row is None:
        raise BadRequest(f"no active closure number {closure_id}")
    organiser_store().log(g.organiser, "closure-withdrawn", row["venue_id"], f"n° {closure_id}")
    notice = apply_now() or "reouverture"
    return redirect(url_for("quality.page", fait=notice, **keep_presentation(request.args),
                            _anchor="corrections"))  # fmt: skip


# --- /qualite ------------------------------------------------------------------------------------

def _communes_shown(per_commune: list[dict]) -> dict:
    """The per-commune completeness table: every commune with venues, or for a large territory
    (thousands of communes for France: a 1 MB page) those with the most records to complete, by
    name, and how many more there are."""
    if len(per_commune) <= COMMUNE_LIST_MAX:
        return {"complete_communes": per_commune, "complete_communes_more": 0}
    worst = sorted(per_commune, key=lambda e: e["complete"] - e["venues"])[:COMMUNE_LIST_MAX]
    return {"complete_communes": sorted(worst, key=lambda e: e["commune"].casefold()),
            "complete_communes_more": len(per_commune) - COMMUNE_LIST_MAX}  # fmt: skip


def quality_context(settings, organiser: str | None, args) -> dict:
    """What ``/qualite`` shows of corrections and completeness (see ``quality.html``)."""
    from . import completeness

    sort = args.get("tri", "score")
    if sort not in completeness.SORTS:
        raise BadRequest(f"tri « {sort[:20]} » must be one of {', '.join(completeness.SORTS)}")
    descending = args.get("ordre", "asc") == "desc"
    commune = (args.get("commune") or "").strip()[:5] or None
    rows = completeness.table(get_index(settings.store_location).records)
    listed = completeness.to_complete(rows, sort, descending, commune)
    store = CorrectionStore(corrections_path(settings.store_location))
    lang = getattr(g, "lang", "fr")
    # who corrected what is for organisers only, as reporters' messages are
    history = [{**r, "label": corr.label(r["field"], lang)}
               for r in (store.history(limit=30) if organiser else [])]  # fmt: skip
    additions = []
    for row in store.additions(50):
        record = json.loads(row["record"])
        additions.append({**row, "nom": record.get("nom"), "commune": record.get("commune")})
    return {
        "complete_rows": listed[: completeness.LIST_MAX],
        "complete_more": max(0, len(listed) - completeness.LIST_MAX),
        **_communes_shown(completeness.by_commune(rows)), "complete_totals": completeness.totals(rows),
        "complete_criteria": completeness.CRITERIA, "complete_sort": sort, "complete_desc": descending,
        "complete_commune": commune,
        "conflicts": conflicts(settings), "correction_history": history, "closures": store.closures(50),
        "additions": additions, "done": _done_text(),
    }  # fmt: skip
