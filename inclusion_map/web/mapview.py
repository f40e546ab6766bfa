"""The results map: a Folium (Leaflet) map whose markers are loaded from the API by the browser.

Folium writes the map's element and script; the page supplies Leaflet and the marker-cluster
plugin from ``static/vendor`` (no CDN), and ``static/js/app.js`` loads the venues of the visible
area from ``/api/venues`` and clusters them. No venue is ever written into the page itself.

Leaflet's controls speak English and measure in feet unless told otherwise: the map is written
without them and gets them back in the page's language (zoom buttons, attribution prefix, the
pop-ups' close button), with a metric scale only, and a keyboard fix: Leaflet's buttons are
``<a role="button">``, which browsers activate with Enter but not with Space (Space scrolls the
page), so Space is made to press them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import folium
from flask import g, has_request_context
from markupsafe import Markup, escape

from . import i18n

# Folium takes about 7 ms to build and render a map (its templates are compiled each time), more
# than the rest of a results page: the map is rendered once per zoom around this centre, which
# each page then replaces with its own (the only part that differs between two maps).
_PLACEHOLDER = (-12.3456789, 123.456789)  # latitude, longitude: a point nobody searches
#: texts the page scripts read from ``window.inclusionMapTexts`` (clusters, layer switch…)
SCRIPT_TEXTS = ("map_zoom_in", "map_zoom_out", "map_close_popup", "map_layers", "map_cluster_one",
                "map_cluster_many")  # fmt: skip

# Added after Folium's script, with the map's variable as ``map``. Every text is JSON-encoded.
_CONTROLS = """
(function (map, texts) {
  window.inclusionMapTexts = texts;
  L.control.zoom({ zoomInTitle: texts.map_zoom_in, zoomOutTitle: texts.map_zoom_out }).addTo(map);
  L.control.scale({ imperial: false, metric: true }).addTo(map);
  map.attributionControl.setPrefix(%(prefix)s);
  map.on("popupopen", function (e) {
    var close = e.popup.getElement() && e.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) { close.setAttribute("aria-label", texts.map_close_popup); close.title = texts.map_close_popup; }
  });
  // Space presses Leaflet's <a role="button"> and marker buttons as it presses a real <button>.
  map.getContainer().addEventListener("keydown", function (e) {
    var target = e.target;
    if ((e.key === " " || e.key === "Spacebar") && target !== map.getContainer() &&
        target.getAttribute("role") === "button" && target.tagName !== "BUTTON") {
      e.preventDefault();
      target.click();
    }
  });
})(%(name)s, %(texts)s);
"""


@dataclass(frozen=True)
class MapParts:
    """What a template needs: the map element, its script, and the map's JavaScript name."""

    html: Markup
    script: Markup
    name: str


def _language(lang: str | None) -> str:
    if lang in i18n.LANGS:
        return lang
    return getattr(g, "lang", "fr") if has_request_context() else "fr"


def _controls(name: str, lang: str) -> str:
    """The script that adds Leaflet's controls in ``lang`` to the map called ``name``."""
    texts = {key: i18n.text(key, lang) for key in SCRIPT_TEXTS}
    prefix = f'<a href="https://leafletjs.com" hreflang="en" title="{escape(i18n.text("map_leaflet_title", lang))}">Leaflet</a>'
    # json.dumps escapes "<", ">" and "&" nowhere: the texts are ours, but "</script>" must never
    # appear inside the inline script, so "<" is written as its escape.
    dump = lambda value: json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")  # noqa: E731
    return _CONTROLS % {"name": name, "texts": dump(texts), "prefix": dump(prefix)}


def _folium_map(lon: float, lat: float, zoom: int, lang: str) -> tuple[str, str, str]:
    fmap = folium.Map(location=[lat, lon], zoom_start=zoom, tiles=None, control_scale=False, zoom_control=False,
                      prefer_canvas=False)  # fmt: skip
    folium.TileLayer(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        attr=f'&copy; <a href="https://www.openstreetmap.org/copyright">{i18n.text("map_osm_attribution", lang)}</a>',
        name="OpenStreetMap",
        max_zoom=19,
    ).add_to(fmap)
    figure = fmap.get_root()
    figure.render()
    name = fmap.get_name()
    return figure.html.render(), figure.script.render() + _controls(name, lang), name


def _centre(lat: float, lon: float) -> str:
    """The centre as Folium writes it (its template's ``tojson`` of ``[lat, lon]``)."""
    return json.dumps([float(lat), float(lon)])


@lru_cache(maxsize=32)
def _rendered(zoom: int, lang: str) -> tuple[str, str, str] | None:
    """The map of this zoom around the placeholder, or ``None`` if the placeholder cannot be found
    exactly once in its script (a Folium that writes it otherwise: then each map is built whole)."""
    html, script, name = _folium_map(_PLACEHOLDER[1], _PLACEHOLDER[0], zoom, lang)
    return (html, script, name) if script.count(_centre(*_PLACEHOLDER)) == 1 else None


def results_map(lon: float, lat: float, zoom: int = 14, lang: str | None = None) -> MapParts:
    """A map centred on (lon, lat) in WGS84, with OpenStreetMap tiles.

    Folium's own page header (CDN links, a viewport that forbids zooming, full-page styles) is not
    used: the page's template has its own, accessible one.

    Parameters
    ----------
    lon, lat : float
        The centre, WGS84.
    zoom : int
        Leaflet's zoom level.
    lang : {"fr", "en"}, optional
        The language of the map's controls; by default the request's (``g.lang``), else French.
    """
    lang = _language(lang)
    rendered = _rendered(zoom, lang)
    if rendered is None:
        html, script, name = _folium_map(lon, lat, zoom, lang)
    else:
        html, script, name = rendered
        script = script.replace(_centre(*_PLACEHOLDER), _centre(lat, lon))
    return MapParts(Markup(html), Markup(script), name)
