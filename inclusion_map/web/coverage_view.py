"""``/couverture``: the gap map and the priority table for hub organisers.

The page runs :func:`inclusion_map.gaps.analysis.analyse` for the options in its URL (service, time
slot, threshold, sub-territory, suggested sites, a scenario) — nothing is written — and shows
the priority table, the suggestions (named by their nearest address when the geocoder answers)
and the scenario. The map loads the zones and the grid by URL (``/couverture/zones.geojson``,
``/couverture/grille.geojson``, simplified), never inlined.

Analyses are kept per store version and options (the last :data:`KEEP`), run at most
``server.analysis_workers`` at a time and once per options however many requests ask for them at
once; a request waits :data:`WAIT_S` for its analysis, then gets a short « en préparation » page
(HTTP 503, ``Retry-After``) that reloads itself. What the page derives from an analysis (the
sorted table, the map's centre, the simplified GeoJSON) is computed once per analysis, and the
page itself is kept per URL and store version (:mod:`inclusion_map.web.render_cache`).

The analysis writes its reasons, class labels and population basis in French; the English page
shows them in English (:func:`reason_text`), and names the sub-territories, which are proper
names, as French words (``lang="fr"``).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable

import shapely
from flask import Blueprint, Response, current_app, g, render_template, request, url_for
from geopandas import GeoSeries

from ..errors import BadRequest
from ..gaps.analysis import GapOptions, GapResult, analyse
from ..gaps.demand import SERVICE_SLUGS
from ..gaps.slots import PRESETS, parse_slot
from ..territory.classify import LEVELS_EN, LEVELS_FR
from . import render_cache
from .filters import page_url
from .mapview import results_map
from .places import nearby_labels
from .render_cache import store_stamp

bp = Blueprint("coverage", __name__)
THRESHOLDS = (10, 15, 20, 30)
SORTS = {"rank": "rank", "zone": "nom", "population": "population", "fragilite": "fragility",
         "distance": "dist_mean_m", "accessibilite": "access"}  # fmt: skip
SIMPLIFY_DEG = 0.0002  # about 20 m: enough for a map of a territory, far lighter to send
PRECISION_DEG = 0.00001  # coordinates to about 1 m
KEEP = 16  # analyses kept in memory (each holds its zones and grid)
WAIT_S = 10.0  # a request waits this long for its analysis, then answers « en préparation »
TYPICAL_S = 2.0  # about how long an analysis takes, for Retry-After
ZONE_COLUMNS = ["code", "nom", "population", "fragility", "fragility_class", "fragility_label", "access",
                "access_label", "walk_mean_min", "share_beyond", "rank", "reason"]  # fmt: skip
GRID_COLUMNS = ["cell", "zone_code", "walk_min", "within"]
#: the time slots' names shown in the form (the URL keeps the short French key)
SLOT_NAMES = {"samedi-matin": ("samedi matin", "Saturday morning"), "samedi": ("samedi", "Saturday"),
              "soir": ("soir de semaine", "weekday evening"), "midi": ("midi en semaine", "weekday lunchtime"),
              "dimanche": ("dimanche", "Sunday"), "mercredi-apres-midi": ("mercredi après-midi", "Wednesday afternoon")}  # fmt: skip
DAY_NAMES = {"fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
             "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}  # fmt: skip
#: the population bases the analysis states (gaps_parts.to_outputs), in English
BASIS_EN = {
    "population des IRIS, supposée répartie également sur leur surface":
        "IRIS population, assumed spread evenly over their area",
    "population de la commune partagée entre ses IRIS résidentiels (estimation)":
        "the commune's population shared among its residential IRIS (an estimate)",
    "population de la commune, supposée répartie également sur sa surface (estimation)":
        "the commune's population, assumed spread evenly over its area (an estimate)",
}  # fmt: skip
#: the population bases of the build's IRIS (territory.zones.iris_population), in English
BASIS_EN.update({
    "population légale de la commune (absente de la table des IRIS)":
        "the commune's legal population (the commune is not in the IRIS table)",
})  # fmt: skip


def levels_by_name(result) -> dict[str, list[str]]:
    """For a mixed analysis, the names of the communes read through their IRIS (``iris``) and of
    those read as whole communes (``commune``); empty otherwise."""
    if result.meta.get("level") != "mixed":
        return {}
    zones = result.zones
    names = dict(zip(zones["commune"], zones["nom_com"] if "nom_com" in zones else zones["nom"], strict=False))
    communes = zones[zones["level"] == "commune"]
    names.update(zip(communes["commune"], communes["nom"], strict=False))
    return {lvl: sorted(str(names.get(c) or c) for c in codes) for lvl, codes in result.meta["levels"].items()}


_LEVEL_WORDS = {fr: en for k in LEVELS_FR for fr, en in zip(LEVELS_FR[k], LEVELS_EN[k], strict=True)}
_NOUNS = {"Fragilité": "fragility", "Accessibilité": "access"}


def label_en(label) -> str | None:
    """A class label of the analysis in English (« Fragilité très élevée » → « Very high
    fragility »), or ``None`` when it is not one of the analysis' labels."""
    if not isinstance(label, str):
        return None
    noun, _, words = label.partition(" ")
    if noun not in _NOUNS:
        return None
    if words.strip() == ": une seule valeur":
        return f"{_NOUNS[noun].capitalize()}: a single value"
    level = _LEVEL_WORDS.get(words.strip())
    return f"{level.capitalize()} {_NOUNS[noun]}" if level else None


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def reason_text(zone: dict, threshold: float, lang: str) -> str:
    """Why a zone ranks where it does, in the page's language.

    The French reason is the analysis' own; the English one is written from the same figures
    (the zone's classes, accessibility, nearest venue and share of people beyond the threshold).
    """
    if lang != "en":
        return str(zone.get("reason") or "")
    if not (_finite(zone.get("population")) and float(zone["population"]) > 0):
        return "Population zero or unknown: zone not ranked"
    parts = []
    if (fragility := label_en(zone.get("fragility_label"))) and _finite(zone.get("fragility")):
        parts.append(f"{fragility.lower()} ({float(zone['fragility']):.0f})")
    if (access := label_en(zone.get("access_label"))) and _finite(zone.get("access")):
        parts.append(f"{access.lower()} ({float(zone['access']):.1f} h of help a week per 1,000 inhabitants)")
    if _finite(zone.get("nearest_m")):
        metres = float(zone["nearest_m"])
        distance = f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"
        walk = f" ({float(zone['nearest_min']):.0f} min walk)" if _finite(zone.get("nearest_min")) else ""
        parts.append(f"nearest venue {distance} away{walk}")
    else:
        parts.append("no help venue")
    if _finite(zone.get("share_beyond")) and float(zone["share_beyond"]) > 0:
        parts.append(
            f"{float(zone['share_beyond']):.0%} of the people more than {threshold:.0f} min walk away"
        )
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def slot_text(spec: str | None, lang: str) -> str:
    """A time slot in words (« samedi de 09:00 à 12:00 », "Saturday, 09:00 to 12:00")."""
    if not spec:
        return ""
    slot = parse_slot(spec)
    names = DAY_NAMES[lang if lang == "en" else "fr"]
    days = ", ".join(names[d] for d in slot.days)
    if len(slot.days) >= 3 and list(slot.days) == list(range(slot.days[0], slot.days[-1] + 1)):
        first, last = names[slot.days[0]], names[slot.days[-1]]  # a run of days: « du lundi au vendredi »
        days = f"{first} to {last}" if lang == "en" else f"du {first} au {last}"
    if lang == "en":
        return f"{days}, {slot.start:%H:%M} to {slot.end:%H:%M}"
    return f"{days} de {slot.start:%H:%M} à {slot.end:%H:%M}"


def slot_name(key: str, lang: str) -> str:
    """A preset slot's name in the page's language, with its days and hours."""
    fr, en = SLOT_NAMES.get(key, (key, key))
    return f"{en if lang == 'en' else fr} ({slot_text(PRESETS.get(key, key), lang)})"


def _zones_in(frame, lang: str, threshold: float):
    """The zones with their reason and class labels in ``lang`` (the layer holds them in French)."""
    if lang != "en":
        return frame
    frame = frame.copy()
    records = frame.drop(columns="geometry").to_dict("records")
    frame["reason"] = [reason_text(z, threshold, "en") for z in records]
    for column in ("fragility_label", "access_label"):
        if column in frame:
            frame[column] = [label_en(v) or v for v in frame[column]]
    return frame


class Analysis:
    """One analysis and what the page derives from it, each derived value computed once."""

    def __init__(self, result: GapResult):
        self.result = result
        centre = result.zones.to_crs(2154).geometry.union_all().centroid
        centre = GeoSeries([centre], crs=2154).to_crs(4326).iloc[0]
        self.centre = (float(centre.x), float(centre.y))  # lon, lat
        self._derived: dict = {}
        self._lock = threading.Lock()

    def derived(self, key, make: Callable[[], object]):
        """``make()``, computed on first use only (one thread computes, the others wait for it)."""
        with self._lock:
            if key not in self._derived:
                self._derived[key] = make()
            return self._derived[key]

    def table(self, sort: str, descending: bool) -> list[dict]:
        """The zones without geometry, sorted, as the template's rows."""
        zones = self.result.zones
        return self.derived(("table", sort, descending), lambda: zones.drop(columns="geometry").sort_values(
            SORTS[sort], ascending=not descending, na_position="last").to_dict("records"))  # fmt: skip


def _points(raw: str, what: str) -> tuple[tuple[float, float], ...]:
    points = []
    for part in (p.strip() for p in raw.replace(";", "\n").splitlines()):
        if not part:
            continue
        try:
            lon, lat = (float(v) for v in part.split(","))
        except ValueError:
            raise BadRequest(f"{what} « {part[:40]} » is not LON,LAT (e.g. 2.40,48.79)") from None
        points.append((lon, lat))
    return tuple(points[:10])


def parse_options(args) -> GapOptions:
    """The analysis options of the page's query string (bad values are a clear 400)."""
    threshold = args.get("seuil", "15")
    if not threshold.isdigit() or int(threshold) not in THRESHOLDS:
        raise BadRequest(
            f"seuil « {threshold[:10]} » must be one of {', '.join(map(str, THRESHOLDS))} minutes"
        )
    suggest = args.get("sites", "0")
    if not suggest.isdigit() or not 0 <= int(suggest) <= 10:
        raise BadRequest("sites must be a number from 0 to 10")
    close = tuple(c.strip() for c in args.get("fermer", "").replace(",", " ").split() if c.strip())[:20]
    return GapOptions(service=args.get("service") or None, subterritory=args.get("zone") or None,
                      threshold_min=float(threshold), slot=args.get("creneau") or None, suggest=int(suggest),
                      close=close, add=_points(args.get("ajouter", ""), "ajouter"))  # fmt: skip


def _run(settings, options: GapOptions) -> Analysis:
    return Analysis(analyse(settings, options))


def analysis(options: GapOptions) -> Analysis:
    """The analysis for these options and this store version.

    Raises
    ------
    render_cache.Pending
        When it is not ready within :data:`WAIT_S` (it goes on in the background).
    """
    settings = current_app.config["SETTINGS"]
    path = settings.store_path
    runs = render_cache.jobs("analysis", settings.server.analysis_workers, TYPICAL_S, keep=KEEP,
                             queue=4 * settings.server.analysis_workers)  # fmt: skip
    return runs.result((str(path), store_stamp(path), options), lambda: _run(settings, options), WAIT_S)


def _preparing(pending: render_cache.Pending, as_json: bool = False):
    """The answer while the analysis runs: 503 with ``Retry-After``; for the page, a short page in
    its language that reloads itself (a meta refresh: no JavaScript needed) with a link to retry."""
    headers = {"Retry-After": str(pending.retry_after), "Cache-Control": "no-store"}
    if as_json:
        return {"error": "the analysis is being prepared", "retry_after": pending.retry_after}, 503, headers
    fr = g.lang != "en"
    html = render_template(
        "preparing.html", retry_after=pending.retry_after,
        title="L'analyse est en préparation" if fr else "The analysis is being prepared",
        text="Elle sera prête dans quelques secondes ; cette page se recharge toute seule." if fr else
        "It will be ready in a few seconds; this page reloads by itself.",
        retry_text="Réessayer maintenant" if fr else "Try again now",
        retry_url=url_for("coverage.page") + page_url(request.args), also_url=None,
    )  # fmt: skip
    return html, 503, headers


@bp.get("/couverture")
def page():
    settings = current_app.config["SETTINGS"]
    # The page depends only on its URL and the store (the nonce aside): served again as it is.
    key = ("couverture", str(settings.store_path), store_stamp(settings.store_path), request.query_string)
    if (ready := render_cache.cached(key)) is not None:
        return ready
    options = parse_options(request.args)
    sort = request.args.get("tri", "rank")
    if sort not in SORTS:
        raise BadRequest(f"tri « {sort[:20]} » must be one of {', '.join(SORTS)}")
    descending = request.args.get("ordre", "asc") == "desc"
    try:
        found = analysis(options)
    except render_cache.Pending as pending:
        return _preparing(pending)
    result = found.result
    sites = [(int(s.rank), float(s.lon), float(s.lat)) for s in result.suggestions.itertuples()]
    # The nearest address names a suggested site better than its coordinates, when the geocoder answers.
    near = nearby_labels([(lon, lat) for _, lon, lat in sites], settings) if sites else []
    # A page missing an address the geocoder could give later is not kept.
    complete = not sites or not settings.geocoding.enabled or None not in near
    return render_cache.render(
        "coverage.html", key if complete else None, result=result, table=found.table(sort, descending), sort=sort,
        descending=descending, map=results_map(*found.centre, zoom=12), services=SERVICE_SLUGS,
        presets=PRESETS, thresholds=THRESHOLDS, slot_name=lambda key: slot_name(key, g.lang),
        slot_text=lambda spec: slot_text(spec, g.lang), basis=BASIS_EN if g.lang == "en" else {},
        levels=levels_by_name(result),
        reason=lambda zone: reason_text(zone, options.threshold_min, g.lang),
        subterritories={k: s.name for k, s in settings.territory.subterritories.items()}, options=options,
        page_url=lambda **c: page_url(request.args, **c), sites=[list(s) for s in sites], near=near,
        query=request.query_string.decode("utf-8", "replace"),
    )  # fmt: skip


def _geojson(frame, columns: list[str]) -> str:
    frame = frame[[c for c in columns if c in frame] + ["geometry"]].copy()
    frame["geometry"] = shapely.set_precision(
        frame.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True).values, PRECISION_DEG
    )
    body = json.loads(frame.to_json(na="null", drop_id=True))
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


@bp.get("/couverture/zones.geojson")
def zones():
    options = parse_options(request.args)
    try:
        found = analysis(options)
    except render_cache.Pending as pending:
        return _preparing(pending, as_json=True)
    lang, threshold = g.lang, options.threshold_min
    body = found.derived(
        ("zones.geojson", lang),
        lambda: _geojson(_zones_in(found.result.zones, lang, threshold), ZONE_COLUMNS),
    )
    return Response(body, mimetype="application/geo+json")


@bp.get("/couverture/grille.geojson")
def grid():
    """The grid cells beyond the walking threshold (the ones the map shades)."""
    options = parse_options(request.args)
    try:
        found = analysis(options)
    except render_cache.Pending as pending:
        return _preparing(pending, as_json=True)
    cells = found.result.grid
    beyond = lambda: cells[~cells["within"].astype(bool)]  # noqa: E731
    body = found.derived("grille.geojson", lambda: _geojson(beyond(), GRID_COLUMNS))
    return Response(body, mimetype="application/geo+json")
