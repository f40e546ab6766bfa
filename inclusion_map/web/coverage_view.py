"""``/couverture``: the gap map and the priority table for hub organisers.

The page runs :func:`inclusion_map.gaps.analysis.analyse` for the options in its URL (service, time
slot, threshold, sub-territory, suggested sites, a scenario) — nothing is written — and shows
the priority table (:data:`PAGE_ROWS` rows a page), the suggestions (named by their nearest
address when the geocoder answers) and the scenario. The map loads its layers by URL, never
inlined, by area and zoom for a large analysis (:mod:`inclusion_map.web.coverage_map`).

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

import math
import threading
from collections.abc import Callable
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, render_template, request, url_for
from pyproj import Transformer

from ..errors import BadRequest, NotFound
from ..gaps.analysis import GapOptions, GapResult, analyse
from ..gaps.demand import SERVICE_SLUGS
from ..gaps.raster import CellRaster
from ..gaps.slots import PRESETS, parse_slot
from ..stores import store_version
from ..territory.classify import LEVELS_EN, LEVELS_FR
from . import render_cache
from .filters import page_url
from .mapview import results_map
from .places import nearby_labels
from .public import territory_name
from .zone_features import ZoneFeatures, tolerance_at

bp = Blueprint("coverage", __name__)
THRESHOLDS = (10, 15, 20, 30)
SORTS = {"rank": "rank", "zone": "nom", "population": "population", "fragilite": "fragility",
         "distance": "dist_mean_m", "accessibilite": "access"}  # fmt: skip
#: above this many zones the map gets them by area and zoom (drawn by tiles below VECTOR_MIN_ZOOM)
WHOLE_MAX_ZONES = 2000
VECTOR_MIN_ZOOM = 10
VENUES_MIN_ZOOM = 9  # …and the venues by area from this zoom (a territory's venues come whole)
PAGE_ROWS = 200  # rows of the priority table per page (a national analysis ranks 35,000 zones)
NAMES_LISTED = 40  # names listed in a sentence (communes by level, zones without an open venue)
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
        # The middle of the zones' bounds, taken in Lambert-93 (a union of 35,000 communes to find
        # a centroid would take longer than the analysis' ranking).
        minx, miny, maxx, maxy = result.zones.to_crs(2154).total_bounds if len(result.zones) else (0, 0, 0, 0)
        lon, lat = Transformer.from_crs(2154, 4326, always_xy=True).transform((minx + maxx) / 2, (miny + maxy) / 2)
        self.centre = (float(lon), float(lat))
        self.bounds = [round(float(v), 5) for v in result.zones.total_bounds] if len(result.zones) else None
        self._derived: dict = {}
        self._lock = threading.Lock()

    def derived(self, key, make: Callable[[], object]):
        """``make()``, computed on first use only (one thread computes, the others wait for it)."""
        with self._lock:
            if key not in self._derived:
                self._derived[key] = make()
            return self._derived[key]

    def raster(self) -> CellRaster:
        """The analysis' grid on its lattice, for the map's tiles (made once)."""

        def make() -> CellRaster:
            result = self.result
            if result.cell_xy is None:
                raise NotFound("this analysis has no grid to draw")
            zones, grid = result.zones, result.meta["grid"]
            # Zones without a fragility index (none built) have no class: nothing drawn for them.
            classes = zones.set_index("code")["fragility_class"] if "fragility_class" in zones else {}
            return CellRaster(result.cell_xy[:, 0], result.cell_xy[:, 1], grid["size_m"], grid["shape"],
                              ~result.grid["within"].astype(bool).to_numpy(),
                              result.grid["zone_code"].map(classes).fillna(0).to_numpy())  # fmt: skip

        return self.derived("raster", make)

    def zone_features(self, lang: str, threshold: float) -> ZoneFeatures:
        """The zones' GeoJSON features in ``lang`` (made once, written as the map asks for them)."""
        return self.derived(("zone-features", lang),
                            lambda: ZoneFeatures(_zones_in(self.result.zones, lang, threshold), ZONE_COLUMNS))  # fmt: skip

    def table(self, sort: str, descending: bool, page: int = 1) -> list[dict]:
        """One page of the zones without geometry, sorted, as the template's rows (with each zone's
        bounds, for the map's « voir » button)."""

        def make():
            zones = self.result.zones
            order = zones.drop(columns="geometry").sort_values(SORTS[sort], ascending=not descending, na_position="last")
            bounds = zones.geometry.bounds.round(5)
            order["bounds"] = [",".join(map(str, b)) for b in bounds.loc[order.index].itertuples(index=False)]
            return order

        ordered = self.derived(("table", sort, descending), make)
        return ordered.iloc[(page - 1) * PAGE_ROWS:page * PAGE_ROWS].to_dict("records")


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
    kind = args.get("type") or None
    if kind is not None:
        public = [k for k, cfg in current_app.config["SETTINGS"].actors.kinds.items() if cfg.public]
        if kind not in public:
            raise BadRequest(f"type « {kind[:30]} » must be empty (digital-help venues) or one of: {', '.join(public)}")
    return GapOptions(service=args.get("service") or None, kind=kind, subterritory=args.get("zone") or None,
                      threshold_min=float(threshold), slot=args.get("creneau") or None, suggest=int(suggest),
                      close=close, add=_points(args.get("ajouter", ""), "ajouter"))  # fmt: skip


def is_large(found: Analysis) -> bool:
    """Whether the analysis' zones are served by area (too many to send whole)."""
    return len(found.result.zones) > WHOLE_MAX_ZONES


def map_layers(found: Analysis, query: str, stamp) -> dict:
    """What the map's script needs to load its layers: URLs, and from which zoom they come by area.

    Tile URLs carry the store's version (``v``), so that a browser may keep them a day.
    """
    root = request.script_root
    version = f"{stamp[0]:x}" if stamp else "0"
    large = is_large(found)
    return {
        "zones": f"{url_for('coverage_map.zones')}?{query}",
        "csv": f"{url_for('coverage_map.priorities_csv')}?{query}",
        "zones_min_zoom": VECTOR_MIN_ZOOM if large else 0,
        "fragility_tiles": f"{root}/couverture/tuiles/fragilite/{{z}}/{{x}}/{{y}}.png?{query}&v={version}" if large else None,
        "grid_tiles": f"{root}/couverture/tuiles/grille/{{z}}/{{x}}/{{y}}.png?{query}&v={version}",
        "venues": url_for("api.layer", name="venues", limit=1000),
        "venues_min_zoom": VENUES_MIN_ZOOM if large else 0,
        "bounds": found.bounds,
    }  # fmt: skip


def _names(names: list[str], lang: str) -> str:
    """Names joined by commas, the first :data:`NAMES_LISTED` only and how many more."""
    shown = ", ".join(names[:NAMES_LISTED])
    if len(names) > NAMES_LISTED:
        more = len(names) - NAMES_LISTED
        shown += f" and {more:,} more" if lang == "en" else f" et {more:,} autres".replace(",", "\u202f")
    return shown


def _run(settings, options: GapOptions) -> Analysis:
    found = Analysis(analyse(settings, options))
    if is_large(found):
        # Made with the analysis rather than by the first tile or pan that needs them (seconds for
        # the whole country, which would stall that request): the raster, and the French zones as
        # drawn at the zoom from which they are sent (closer, a view holds few zones).
        found.raster()
        found.zone_features("fr", found.result.meta["threshold_min"]).warm([tolerance_at(VECTOR_MIN_ZOOM)])
    return found


def analysis(options: GapOptions) -> Analysis:
    """The analysis for these options and this store version.

    Raises
    ------
    render_cache.Pending
        When it is not ready within :data:`WAIT_S` (it goes on in the background).
    """
    settings = current_app.config["SETTINGS"]
    path = settings.store_location
    runs = render_cache.jobs("analysis", settings.server.analysis_workers, TYPICAL_S, keep=KEEP,
                             queue=4 * settings.server.analysis_workers)  # fmt: skip
    return runs.result((str(path), store_version(path), options), lambda: _run(settings, options), WAIT_S)


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
    key = ("couverture", str(settings.store_location), store_version(settings.store_location), request.query_string)
    if (ready := render_cache.cached(key)) is not None:
        return ready
    options = parse_options(request.args)
    sort = request.args.get("tri", "rank")
    if sort not in SORTS:
        raise BadRequest(f"tri « {sort[:20]} » must be one of {', '.join(SORTS)}")
    descending = request.args.get("ordre", "asc") == "desc"
    number = request.args.get("page", "1")
    if not number.isdigit() or int(number) < 1:
        raise BadRequest(f"page « {number[:10]} » must be a whole number from 1")
    try:
        found = analysis(options)
    except render_cache.Pending as pending:
        return _preparing(pending)
    result = found.result
    pages = max(1, math.ceil(len(result.zones) / PAGE_ROWS))
    if int(number) > pages:
        raise BadRequest(f"page {int(number)} does not exist: the table has {pages} page(s)")
    paging = {"page": int(number), "pages": pages, "first": (int(number) - 1) * PAGE_ROWS + 1,
              "last": min(int(number) * PAGE_ROWS, len(result.zones)), "total": len(result.zones)}  # fmt: skip
    # The map's options only: sorting and paging the table do not change the analysis.
    query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k not in ("tri", "ordre", "page")])
    levels = {k: _names(v, g.lang) for k, v in levels_by_name(result).items()}
    sites = [(int(s.rank), float(s.lon), float(s.lat)) for s in result.suggestions.itertuples()]
    # The nearest address names a suggested site better than its coordinates, when the geocoder answers.
    near = nearby_labels([(lon, lat) for _, lon, lat in sites], settings) if sites else []
    # A page missing an address the geocoder could give later is not kept.
    complete = not sites or not settings.geocoding.enabled or None not in near
    return render_cache.render(
        "coverage.html", key if complete else None, result=result, table=found.table(sort, descending, int(number)),
        sort=sort, descending=descending, paging=paging, layers=map_layers(found, query, key[2]),
        map=results_map(*found.centre, zoom=12 if not is_large(found) else 6), services=SERVICE_SLUGS,
        presets=PRESETS, thresholds=THRESHOLDS, slot_name=lambda key: slot_name(key, g.lang),
        slot_text=lambda spec: slot_text(spec, g.lang), basis=BASIS_EN if g.lang == "en" else {},
        territory=territory_name(), levels=levels, none_open=_names(result.meta.get("slot_zones_none_open") or [], g.lang),
        reason=lambda zone: reason_text(zone, options.threshold_min, g.lang),
        subterritories={k: s.name for k, s in settings.territory.subterritories.items()}, options=options,
        kinds={k: (cfg.title_fr, cfg.title_en) for k, cfg in settings.actors.kinds.items() if cfg.public},
        page_url=lambda **c: page_url(request.args, **c), sites=[list(s) for s in sites], near=near,
    )  # fmt: skip
