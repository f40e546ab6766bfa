"""The territory's other actors on the public site: a list by kind around a place, each actor's
page, the map's layers, and a short guided choice of French-language workshops.

Everything here reads the PUBLISHED ``actors`` layer of the GeoPackage store
(:func:`inclusion_map.actors.publish.publish`), never ``actors.sqlite``: that layer holds the
public kinds only and no organiser's column, so an organisers-only kind (``partenaire``) or a
private contact can never reach a public page. A kind that stops being public in the configuration
is hidden at once, before the layer is written again.

Routes (every state in the URL, plain GET forms, working without JavaScript):

- ``/acteurs?type=<kind>&q=<place>[&rayon=<km>]``: the actors of one public kind nearest the place
  searched, results first, the map after them. The home page's search form leads here when a kind
  is chosen (``type``), and links each kind.
- ``/acteurs/carte.geojson?type=<kind>[&bbox=w,s,e,n]``: one kind's points for the map's layer.
- ``/acteur/<id>``: an actor's page; ``?print=1`` one A4 sheet.
- ``/apprendre-le-francais`` (level), ``…/jours`` (days), ``…/ou`` (commune), ``…/ateliers``
  (the matching workshops, each with why), ``…/fiche`` (the printable sheet).

Decision: the actors get their own list page rather than a place in the venues' finder. The
finder's index, filters (services, modalities, publics, fees, labels), paging and cache are the
national standard's for digital-help venues; actors have other columns (services of their kind,
languages, levels), few rows, and no national ids. The list page reuses the finder's search
resolution (communes, postcodes, typos, addresses), its cards' layout and its results-first order.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import quote, urlencode

from flask import Blueprint, abort, current_app, g, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ..actors.kinds import ActorKind, public_kinds
from ..actors.publish import LAYER, PROVENANCE, PROVENANCE_EN
from ..actors.records import extra_values
from ..config import Coverage
from ..errors import BadRequest
from ..gaps.distances import Walk
from ..locations import as_location
from ..phones import display_phone
from ..stores import open_store, store_version
from ..urls import is_web_address
from ..vocab import fold
from . import i18n, now_local
from .filters import RADII_KM, keep_presentation, parse_search
from .hours_text import WORDS, coming_week, date_words, opens_during, status, week
from .mapview import results_map
from .orientation import next_opening
from .places import Place
from .view_helpers import date_text, distance_text, split

bp = Blueprint("actors_public", __name__)

LANGUAGE_KIND = "langue"  # the kind of the French-language workshops
LEVEL_FIELD = "niveau"
AUDIENCE_FIELD = "public_vise"
DEFAULT_RADIUS_KM = 5
LIST_MAX = 50  # actors listed at most on one page
NEAREST_FALLBACK = 3  # workshops offered when none matches
SHEET_MAX = 5  # workshops on the printed sheet
#: the levels a person chooses from, in the URL (``niveau=a1``) → the value of the field ``niveau``
LEVELS: dict[str, str] = {"alpha": "alphabétisation", "a1": "A1", "a2": "A2", "b1": "B1", "b2": "B2"}
UNSURE = "je-ne-sais-pas"
#: words of an actor's description or audience that say it tests the person's level first
TEST_WORDS = ("test de niveau", "tests de niveau", "positionnement", "diagnostic", "evaluation",
              "tous niveaux", "tout niveau", "tous les niveaux")  # fmt: skip
DAY_KEYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_BBOX = re.compile(r"-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}")


def _settings():
    return current_app.config["SETTINGS"]


def _t(key: str, **values) -> str:
    return i18n.text(key, g.lang, **values)


# --- the published layer -------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _published(store_path: str, stamp: tuple[int, int] | None) -> tuple[dict, ...]:
    """Every row of the published ``actors`` layer (``()`` when the store has none yet), read
    again only when the store file changes."""
    store = open_store(as_location(store_path))
    if stamp is None or not store.exists() or not store.has(LAYER):
        return ()
    frame = store.read(LAYER)
    rows = []
    for record in frame.drop(columns="geometry", errors="ignore").to_dict("records"):
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()}
        if clean.get("latitude") is not None and clean.get("longitude") is not None:
            rows.append(clean)
    return tuple(rows)


def published_actors(kind: str | None = None) -> list[dict]:
    """The published actors of the kinds the configuration says are public (of ``kind`` only
    when given), copies the caller may change."""
    settings = _settings()
    public = public_kinds(settings)
    rows = _published(str(settings.store_location), store_version(settings.store_location))
    return [dict(r) for r in rows if r.get("kind") in public and (kind is None or r.get("kind") == kind)]


def _kinds() -> dict[str, ActorKind]:
    return public_kinds(_settings())


def _kind_or_400(value: str | None, kinds: dict[str, ActorKind]) -> ActorKind:
    if not value:
        raise i18n.public_error("ap_err_type_missing", g.lang, choices=_kind_list(kinds))
    if value not in kinds:
        raise i18n.public_error("ap_err_type", g.lang, value=value[:60], choices=_kind_list(kinds))
    return kinds[value]


def _kind_list(kinds: dict[str, ActorKind]) -> str:
    return ", ".join(f"{k.title(g.lang)} ({slug})" for slug, k in kinds.items())


# --- distances -----------------------------------------------------------------------------------
_WALK = Walk.from_settings(Coverage())


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def by_distance(actors: list[dict], place: Place) -> list[dict]:
    """The actors with ``distance_m`` and ``walk_min``, nearest first (then by name)."""
    for actor in actors:
        metres = _metres(place.lon, place.lat, float(actor["longitude"]), float(actor["latitude"]))
        actor["distance_m"] = round(metres, 1)
        actor["walk_min"] = round(float(_WALK.minutes(metres)), 1)
    return sorted(actors, key=lambda a: (a["distance_m"], fold(a.get("nom"))))


# --- what the pages show -------------------------------------------------------------------------
def levels_of(record: dict) -> list[str]:
    """The workshop's levels (values of the field ``niveau``), in the configuration's order."""
    value = extra_values(record).get(LEVEL_FIELD)
    return (
        [str(v) for v in value] if isinstance(value, list) else split(value) if isinstance(value, str) else []
    )


def level_words(value: str, lang: str) -> str:
    """« Débutant (A1) », "Literacy"… for a value of ``niveau`` (the value itself when unknown)."""
    key = next((k for k, v in LEVELS.items() if v == value), None)
    return i18n.text(f"ap_level_{key}_short", lang) if key else value


def network_words(value: str, lang: str) -> tuple[str, str]:
    """A network's label and the language it is written in (a network not configured: as written,
    in French)."""
    label = _settings().actors.networks.get(value)
    if label is None:
        return value, "fr"
    return (label.en, "en") if lang == "en" else (label.fr, "fr")


def _address(record: dict) -> str:
    parts = [
        record.get("adresse"),
        " ".join(p for p in (record.get("code_postal"), record.get("commune")) if p),
    ]
    return ", ".join(p for p in parts if p)


def show(record: dict, now: datetime, lang: str, kinds: dict[str, ActorKind]) -> dict:
    """What the cards and the page show of an actor (never HTML: the templates escape it all)."""
    item = dict(record)
    kind = kinds[record["kind"]]
    item["kind_title"] = kind.title(lang)
    item["approximate"] = record.get("geocode_precision") == "commune"
    item["address_text"] = _address(record)
    # Directions by the address (what people and their phones' maps understand), else the point.
    destination = (
        quote(item["address_text"])
        if record.get("adresse")
        else f"{record['latitude']},{record['longitude']}"
    )
    item["directions_url"] = f"https://www.openstreetmap.org/directions?to={destination}"
    item["phones"] = [(p, display_phone(p)) for p in split(record.get("telephone"))]
    item["emails"] = split(record.get("courriel"))
    item["websites"] = [w for w in split(record.get("site_web")) if is_web_address(w)]
    item["status"] = status(record.get("horaires"), now, lang)
    item["services_list"] = [kind.service_label(s, lang) for s in split(record.get("services"))]
    item["languages"] = split(record.get("langues"))
    item["networks"] = [network_words(n, lang) for n in split(record.get("reseaux"))]
    item["levels"] = [level_words(v, lang) for v in levels_of(record)]
    audience = extra_values(record).get(AUDIENCE_FIELD)
    item["audience"] = str(audience) if audience else None
    item["distance_text"] = distance_text(record.get("distance_m"), lang)
    walk = record.get("walk_min")
    item["walk_text"] = i18n.text("walk", lang, min=max(1, round(walk))) if walk is not None else None
    return item


def _colours_css(kinds: dict[str, ActorKind]) -> str:
    """The kinds' colours as classes (a nonce'd ``<style>``: the site's policy refuses style
    attributes). Colours are checked ``#rrggbb`` by the configuration."""
    return "".join(f".dot-actor-{slug} {{ background: {k.config.colour}; }}" for slug, k in kinds.items())


def map_layers(kinds: dict[str, ActorKind], lang: str, on: str | None = None) -> list[dict]:
    """The map's actor layers (one per public kind): title, colour, the URL its points load from,
    and whether it starts shown."""
    return [{"kind": slug, "title": k.title(lang), "colour": k.config.colour, "on": slug == on,
             "url": url_for("actors_public.layer", type=slug, **({"lang": "en"} if lang == "en" else {}))}
            for slug, k in kinds.items()]  # fmt: skip


@bp.app_context_processor
def _helpers():
    """``actor_kinds()`` for the home page: the public kinds that have published actors."""

    def actor_kinds() -> list[dict]:
        try:
            kinds = _kinds()
            present = {a["kind"] for a in published_actors()}
        except Exception:  # noqa: BLE001 - a store being replaced never breaks the home page
            return []
        lang = getattr(g, "lang", "fr")
        return [{"slug": slug, "title": k.title(lang), "colour": k.config.colour} for slug, k in kinds.items()
                if slug in present]  # fmt: skip

    def actor_map_layers() -> list[dict]:
        try:
            return map_layers(_kinds(), getattr(g, "lang", "fr"))
        except Exception:  # noqa: BLE001
            return []

    return {"actor_kinds": actor_kinds, "actor_map_layers": actor_map_layers}


# --- the list ------------------------------------------------------------------------------------
def _search_args(args) -> MultiDict:
    """The place and the distance, read as the finder reads them."""
    return MultiDict([(k, args[k]) for k in ("q", "lon", "lat", "rayon") if args.get(k)])


@bp.get("/acteurs")
def listing():
    kinds = _kinds()
    lang = g.lang
    typed = (request.args.get("type") or "").strip()
    q = (request.args.get("q") or "").strip()[:200]
    error = None
    if not typed and not q and "lon" not in request.args:  # a bare visit: the form, nothing refused
        kind = search = None
        return render_template(
            "actors_public_list.html", kinds=kinds, kind=None, typed="", q="", search=None, place=None, choices=[],
            message=None, found=None, items=[], total=0, radius=DEFAULT_RADIUS_KM, radii=RADII_KM, error=None,
            map=None, colours_css=_colours_css(kinds), layers=[], larger=None, keep=keep_presentation(request.args),
            intro=None,
        )  # fmt: skip
    try:
        kind = _kind_or_400(typed, kinds)
        search = parse_search(_search_args(request.args))
    except BadRequest as exc:
        # Said on the page itself, in its language, with what was typed kept in the form.
        said, said_lang, _ = i18n.error_text(exc, lang)
        error = {"text": said, "lang": said_lang}
        kind, search = kinds.get(typed), None
    place = choices = message = found = None
    items: list[dict] = []
    total = 0
    radius = search.radius_km if search and "rayon" in request.args else DEFAULT_RADIUS_KM
    if error is None and (search.q or search.lon is not None):
        from .public import resolve

        found = resolve(search)
        place, choices, message = found.place, found.choices or found.suggestions, found.message
        if place is not None:
            now = now_local()
            near = [
                a for a in by_distance(published_actors(kind.slug), place) if a["distance_m"] <= radius * 1000
            ]
            total = len(near)
            items = [show(a, now, lang, kinds) for a in near[:LIST_MAX]]
    parts = None
    if place is not None and request.args.get("print") != "1":
        parts = results_map(place.lon, place.lat, zoom=13 if radius <= 5 else 12)
    page = render_template(
        "actors_public_list.html", kinds=kinds, kind=kind, typed=typed, q=q, search=search, place=place,
        choices=choices or [], message=message, found=found, items=items, total=total, radius=radius,
        radii=RADII_KM, error=error, map=parts, colours_css=_colours_css(kinds),
        layers=map_layers(kinds, lang, on=kind.slug if kind else None), larger=next((r for r in RADII_KM if r > radius), None),
        keep=keep_presentation(request.args), intro=_intro(kind),
    )  # fmt: skip
    return (page, 400) if error else page


def _intro(kind: ActorKind | None) -> str | None:
    """A sentence saying what the kind's actors do (the default kinds'; none for others)."""
    if kind is None:
        return None
    key = f"ap_intro_{kind.slug}"
    return _t(key) if key in i18n.TEXTS else None


@bp.get("/acteurs/carte.geojson")
def layer():
    """One public kind's points for the map (JSON errors: this is read by a script)."""
    kinds = _kinds()
    slug = request.args.get("type", "")
    if slug not in kinds:
        return jsonify(
            error=f"unknown type « {slug[:60]} »", hint="accepted: " + ", ".join(kinds), status=400
        ), 400
    bbox = request.args.get("bbox", "")
    box = None
    if bbox:
        if not _BBOX.fullmatch(bbox):
            return jsonify(error="bbox must be west,south,east,north in degrees", status=400), 400
        box = [float(x) for x in bbox.split(",")]
    lang = g.lang
    features = []
    for actor in published_actors(slug):
        lon, lat = float(actor["longitude"]), float(actor["latitude"])
        if box and not (box[0] <= lon <= box[2] and box[1] <= lat <= box[3]):
            continue
        features.append({"type": "Feature", "id": actor["id"], "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"nom": actor.get("nom"), "kind": slug, "adresse": actor.get("adresse"),
                                        "code_postal": actor.get("code_postal"), "commune": actor.get("commune"),
                                        "url": url_for("actors_public.actor", actor_id=actor["id"],
                                                       **({"lang": "en"} if lang == "en" else {}))}})  # fmt: skip
    response = jsonify(type="FeatureCollection", features=features)
    response.mimetype = "application/geo+json"
    return response


# --- one actor -----------------------------------------------------------------------------------
@bp.get("/acteur/<path:actor_id>")
def actor(actor_id: str):
    kinds = _kinds()
    record = next((a for a in published_actors() if a.get("id") == actor_id), None)
    if record is None:
        abort(404)  # unknown, removed, or of a kind that is not public
    now = now_local()
    item = show(record, now, g.lang, kinds)
    monday = now.date() - timedelta(days=now.date().weekday())
    printing = request.args.get("print") == "1"
    return render_template(
        "actor.html", item=item, week=week(record.get("horaires"), monday, g.lang),
        coming=coming_week(record.get("horaires"), now.date(), g.lang),
        status_now=status(record.get("horaires"), now, g.lang, absolute=printing),
        updated=date_text(record.get("updated_at"), g.lang) if record.get("updated_at") else None,
        provenance=PROVENANCE_EN if g.lang == "en" else PROVENANCE, colours_css=_colours_css(kinds),
        printed_on=date_words(now.date(), g.lang, year=True), keep=keep_presentation(request.args),
        page_url=url_for("actors_public.actor", actor_id=actor_id, _external=True),
    )  # fmt: skip


# --- the French workshops, step by step ----------------------------------------------------------
@dataclass
class Choice:
    """The workshop choice's answers, read from the URL."""

    level: str = ""  # a key of LEVELS, or UNSURE
    days: list[int] = field(default_factory=list)  # 0 = Monday
    q: str = ""
    lon: float | None = None
    lat: float | None = None

    def pairs(self, *skip: str) -> list[tuple[str, str]]:
        pairs = [("niveau", self.level)] if self.level else []
        pairs += [("jour", DAY_KEYS[d]) for d in self.days]
        if self.lon is not None:
            pairs += [("lon", repr(self.lon)), ("lat", repr(self.lat))]
        elif self.q:
            pairs.append(("q", self.q))
        return [(k, v) for k, v in pairs if k not in skip and not (k in ("q", "lon", "lat") and "ou" in skip)]


def parse_choice(args) -> tuple[Choice, dict | None]:
    """The answers, and the first bad value (``{"field", "text"}``, in the page's language), if any:
    the page then asks again with what was typed kept."""
    choice = Choice(q=(args.get("q") or "").strip()[:200])
    level = args.get("niveau", "")
    if level and level not in (*LEVELS, UNSURE):
        return choice, {"field": "niveau", "text": _t("ap_err_level", value=level[:40])}
    choice.level = level
    days = args.getlist("jour")
    if bad := [d for d in days if d not in DAY_KEYS]:
        return choice, {"field": "jour", "text": _t("ap_err_day", value=bad[0][:40])}
    choice.days = sorted({DAY_KEYS.index(d) for d in days})
    try:
        where = parse_search(MultiDict([(k, args[k]) for k in ("q", "lon", "lat") if args.get(k)]))
    except BadRequest as exc:
        return choice, {"field": "q", "text": i18n.error_text(exc, g.lang)[0]}
    choice.lon, choice.lat = where.lon, where.lat
    return choice, None


def _days_words(days: list[int], lang: str) -> str:
    names = [WORDS[lang]["days"][d] for d in days]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {i18n.text('or_and', lang)} {names[-1]}"


def _open_days(expr, days: list[int], today: date) -> tuple[list[int], bool]:
    """The chosen days the hours open on (their next date), and whether the hours are unknown."""
    if not isinstance(expr, str) or not expr.strip():
        return [], True
    monday = today - timedelta(days=today.weekday())
    open_days, unknown = [], False
    for day in days:
        week_monday = monday + timedelta(days=7) if day < today.weekday() else monday
        state = opens_during(expr, day, time(0), time(0), week_monday)
        if state:
            open_days.append(day)
        elif state is None:
            unknown = True
    return open_days, unknown and not open_days


def _tests_level(record: dict, choices: tuple[str, ...]) -> bool:
    """The workshop tests the person's level first (its text says so), or takes every level."""
    levels = levels_of(record)
    if choices and all(c in levels for c in choices if c != "alphabétisation"):
        return True
    text = fold(
        " ".join(str(v) for v in (record.get("description"), extra_values(record).get(AUDIENCE_FIELD)) if v)
    )
    return any(fold(word) in text for word in TEST_WORDS)


def workshop_reasons(
    record: dict, choice: Choice, today: date, lang: str, choices: tuple[str, ...]
) -> list[dict] | None:
    """Why a workshop matches the answers (``ok``: said by its record, ``unknown``: not said),
    or ``None`` when it does not (another level, or known hours closed on every chosen day)."""
    reasons = []
    levels = levels_of(record)
    if choice.level == UNSURE:
        if _tests_level(record, choices):
            reasons.append({"kind": "ok", "text": i18n.text("ap_why_test", lang)})
        elif not levels:
            reasons.append({"kind": "unknown", "text": i18n.text("ap_why_level_unknown", lang)})
        else:
            return None
    elif choice.level:
        wanted = LEVELS[choice.level]
        if wanted in levels:
            reasons.append(
                {"kind": "ok", "text": i18n.text("ap_why_level", lang, level=level_words(wanted, lang))}
            )
        elif not levels:
            reasons.append({"kind": "unknown", "text": i18n.text("ap_why_level_unknown", lang)})
        else:
            return None
    if choice.days:
        open_days, unknown = _open_days(record.get("horaires"), choice.days, today)
        if open_days:
            reasons.append(
                {"kind": "ok", "text": i18n.text("ap_why_days", lang, days=_days_words(open_days, lang))}
            )
        elif unknown:
            reasons.append({"kind": "unknown", "text": i18n.text("ap_why_days_unknown", lang)})
        else:
            return None
    return reasons


def _link(endpoint: str, pairs: list[tuple[str, str]], printing: bool = False) -> str:
    keep = keep_presentation(request.args)
    keep.pop("print", None)
    query = urlencode(pairs + list(keep.items()) + ([("print", "1")] if printing else []))
    return url_for(endpoint) + (f"?{query}" if query else "")


STEPS = (("actors_public.learn", "ap_step_level"), ("actors_public.learn_days", "ap_step_days"),
         ("actors_public.learn_where", "ap_step_where"))  # fmt: skip


def _steps(choice: Choice, current: int) -> list[dict]:
    steps = []
    for n, (endpoint, name) in enumerate(STEPS, start=1):
        state = "current" if n == current else "done" if n < current else "todo"
        steps.append({"n": n, "name": _t(name), "state": state,
                      "url": _link(endpoint, choice.pairs()) if state == "done" else None})  # fmt: skip
    return steps


def _level_options() -> list[dict]:
    """The levels offered: those the kind's field ``niveau`` knows, then « je ne sais pas »."""
    kind = _kinds().get(LANGUAGE_KIND)
    spec = kind.field(LEVEL_FIELD) if kind else None
    known = set(spec.choices) if spec else set(LEVELS.values())
    options = [{"key": k, "title": _t(f"ap_level_{k}_short"), "plain": _t(f"ap_level_{k}_plain")}
               for k, v in LEVELS.items() if v in known]  # fmt: skip
    options.append(
        {"key": UNSURE, "title": _t("ap_level_unsure_short"), "plain": _t("ap_level_unsure_plain")}
    )
    return options


def _step(template: str, choice: Choice, n: int | None, error: dict | None = None, **context):
    keep = keep_presentation(request.args)
    keep.pop("print", None)
    page = render_template(template, choice=choice, steps=_steps(choice, n) if n else [], error=error,
                           levels=_level_options(), day_keys=DAY_KEYS, days=WORDS[g.lang]["days"],
                           presentation=list(keep.items()),
                           link=lambda endpoint, *skip, **kw: _link(endpoint, choice.pairs(*skip), **kw),
                           **context)  # fmt: skip
    return (page, 400) if error and error.get("bad") else page


def _first_step(choice: Choice, error: dict | None):
    if error and error["field"] == "niveau":
        return _step("actors_public_learn_level.html", choice, 1, {**error, "bad": True})
    if error and error["field"] == "jour":
        return _step("actors_public_learn_days.html", choice, 2, {**error, "bad": True})
    if error:
        return _step("actors_public_learn_where.html", choice, 3, {**error, "bad": True})
    return None


@bp.get("/apprendre-le-francais")
def learn():
    choice, error = parse_choice(request.args)
    return _first_step(choice, error) or _step("actors_public_learn_level.html", choice, 1)


def _level_first(choice: Choice, error):
    """The level step again when the level is missing (or a bad value came), else ``None``."""
    if step := _first_step(choice, error):
        return step
    if not choice.level:
        return _step(
            "actors_public_learn_level.html", choice, 1, {"field": "niveau", "text": _t("ap_level_missing")}
        )
    return None


@bp.get("/apprendre-le-francais/jours")
def learn_days():
    choice, error = parse_choice(request.args)
    return _level_first(choice, error) or _step("actors_public_learn_days.html", choice, 2)


@bp.get("/apprendre-le-francais/ou")
def learn_where():
    choice, error = parse_choice(request.args)
    return _level_first(choice, error) or _step("actors_public_learn_where.html", choice, 3)


def _place(choice: Choice):
    """The place of the answers, or the step to answer again (as a response)."""
    if not choice.level:
        return None, _step(
            "actors_public_learn_level.html", choice, 1, {"field": "niveau", "text": _t("ap_level_missing")}
        )
    if choice.lon is None and not choice.q:
        return None, _step(
            "actors_public_learn_where.html", choice, 3, {"field": "q", "text": _t("ap_where_missing")}
        )
    from .public import resolve

    search = parse_search(MultiDict([(k, v) for k, v in choice.pairs() if k in ("q", "lon", "lat")]))
    found = resolve(search)
    if found.place is None:
        choices = [(c.label, _link("actors_public.learn_results", [*choice.pairs("ou"), ("q", c.label.split(" (")[0])]))
                   for c in (found.choices or found.suggestions)]  # fmt: skip
        text = found.message or _t("ap_where_choose")
        return None, _step(
            "actors_public_learn_where.html", choice, 3, {"field": "q", "text": text}, choices=choices
        )
    return found.place, None


def _matches(choice: Choice, place: Place, now: datetime) -> tuple[list[dict], list[dict]]:
    """The matching workshops nearest first, each shown with its reasons; and, when none matches,
    the nearest workshops of any level and day."""
    kinds = _kinds()
    if LANGUAGE_KIND not in kinds:
        return [], []
    spec = kinds[LANGUAGE_KIND].field(LEVEL_FIELD)
    choices = tuple(spec.choices) if spec else tuple(LEVELS.values())
    nearest = by_distance(published_actors(LANGUAGE_KIND), place)
    matches = []
    for record in nearest:
        reasons = workshop_reasons(record, choice, now.date(), g.lang, choices)
        if reasons is not None:
            item = show(record, now, g.lang, kinds)
            item["reasons"] = reasons
            matches.append(item)
    fallback = [] if matches else [show(r, now, g.lang, kinds) for r in nearest[:NEAREST_FALLBACK]]
    for item in (*matches, *fallback):
        item["next_state"], item["next_text"] = next_opening(
            item.get("horaires"), now, g.lang, bool(item["phones"])
        )
        item["coming_week"] = coming_week(item.get("horaires"), now.date(), g.lang)
    return matches, fallback


def _summary(choice: Choice, place: Place) -> list[dict]:
    level = next(o["title"] for o in _level_options() if o["key"] == choice.level)
    return [
        {"label": _t("ap_answer_level"), "text": level, "url": _link("actors_public.learn", choice.pairs())},
        {"label": _t("ap_answer_days"), "text": _days_words(choice.days, g.lang) or _t("ap_any_day"),
         "url": _link("actors_public.learn_days", choice.pairs())},
        {"label": _t("ap_answer_where"), "text": place.label, "url": _link("actors_public.learn_where", choice.pairs())},
    ]  # fmt: skip


def _answers():
    """The choice, its place, the time and the matching workshops (with the nearest as a fallback),
    or the step to answer again (as a response)."""
    choice, error = parse_choice(request.args)
    if step := _first_step(choice, error):
        return None, step
    place, step = _place(choice)
    if step is not None:
        return None, step
    now = now_local()
    return (choice, place, now, *_matches(choice, place, now)), None


@bp.get("/apprendre-le-francais/ateliers")
def learn_results():
    answers, step = _answers()
    if step is not None:
        return step
    choice, place, _, matches, fallback = answers
    return _step("actors_public_learn_results.html", choice, None, place=place, items=matches, fallback=fallback,
                 summary=_summary(choice, place), sheet_url=_link("actors_public.learn_sheet", choice.pairs(), True),
                 colours_css=_colours_css(_kinds()))  # fmt: skip


@bp.get("/apprendre-le-francais/fiche")
def learn_sheet():
    answers, step = _answers()
    if step is not None:
        return step
    choice, place, now, matches, fallback = answers
    return _step("actors_public_learn_sheet.html", choice, None, place=place, items=(matches or fallback)[:SHEET_MAX],
                 matched=bool(matches), summary=_summary(choice, place),
                 results_url=_link("actors_public.learn_results", choice.pairs()),
                 prepared=date_words(now.date(), g.lang, year=True),
                 home_url=url_for("actors_public.learn", _external=True))  # fmt: skip


__all__ = ["LEVELS", "bp", "by_distance", "parse_choice", "published_actors", "show", "workshop_reasons"]
