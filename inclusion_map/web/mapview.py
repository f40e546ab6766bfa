"""The results map: a Folium (Leaflet) map whose markers are loaded from the API by the browser.

Folium writes the map's element and script; the page supplies Leaflet and the marker-cluster
plugin from ``static/vendor`` (no CDN), and ``static/js/app.js`` loads the venues of the visible
area from ``/api/venues`` and clusters them. No venue is ever written into the page itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import folium
from markupsafe import Markup

# Folium takes about 7 ms to build and render a map (its templates are compiled each time), more
# than the rest of a results page: the map is rendered once per zoom around this centre, which
# each page then replaces with its own (the only part that differs between two maps).
_PLACEHOLDER = (-12.3456789, 123.456789)  # latitude, longitude: a point nobody searches


@dataclass(frozen=True)
class MapParts:
    """What a template needs: the map element, its script, and the map's JavaScript name."""

    html: Markup
    script: Markup
    name: str


def _folium_map(lon: float, lat: float, zoom: int) -> tuple[str, str, str]:
    fmap = folium.Map(location=[lat, lon], zoom_start=zoom, tiles=None, control_scale=True, prefer_canvas=False)
    folium.TileLayer(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        name="OpenStreetMap",
        max_zoom=19,
    ).add_to(fmap)
    figure = fmap.get_root()
    figure.render()
    return figure.html.render(), figure.script.render(), fmap.get_name()


def _centre(lat: float, lon: float) -> str:
    """The centre as Folium writes it (its template's ``tojson`` of ``[lat, lon]``)."""
    return json.dumps([float(lat), float(lon)])


@lru_cache(maxsize=32)
def _rendered(zoom: int) -> tuple[str, str, str] | None:
    """The map of this zoom around the placeholder, or ``None`` if the placeholder cannot be found
    exactly once in its script (a Folium that writes it otherwise: then each map is built whole)."""
    html, script, name = _folium_map(_PLACEHOLDER[1], _PLACEHOLDER[0], zoom)
    return (html, script, name) if script.count(_centre(*_PLACEHOLDER)) == 1 else None


def results_map(lon: float, lat: float, zoom: int = 14) -> MapParts:
    """A map centred on (lon, lat) in WGS84, with OpenStreetMap tiles.

    Folium's own page header (CDN links, a viewport that forbids zooming, full-page styles) is not
    used: the page's template has its own, accessible one.
    """
    rendered = _rendered(zoom)
    if rendered is None:
        html, script, name = _folium_map(lon, lat, zoom)
    else:
        html, script, name = rendered
        script = script.replace(_centre(*_PLACEHOLDER), _centre(lat, lon))
    return MapParts(Markup(html), Markup(script), name)
