"""The results map: a Folium (Leaflet) map whose markers are loaded from the API by the browser.

Folium writes the map's element and script; the page supplies Leaflet and the marker-cluster
plugin from ``static/vendor`` (no CDN), and ``static/js/app.js`` loads the venues of the visible
area from ``/api/venues`` and clusters them. No venue is ever written into the page itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
from markupsafe import Markup


@dataclass(frozen=True)
class MapParts:
    """What a template needs: the map element, its script, and the map's JavaScript name."""

    html: Markup
    script: Markup
    name: str


def results_map(lon: float, lat: float, zoom: int = 14) -> MapParts:
    """A map centred on (lon, lat) in WGS84, with OpenStreetMap tiles.

    Folium's own page header (CDN links, a viewport that forbids zooming, full-page styles) is not
    used: the page's template has its own, accessible one.
    """
    fmap = folium.Map(location=[lat, lon], zoom_start=zoom, tiles=None, control_scale=True, prefer_canvas=False)
    folium.TileLayer(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        name="OpenStreetMap",
        max_zoom=19,
    ).add_to(fmap)
    figure = fmap.get_root()
    figure.render()
    return MapParts(Markup(figure.html.render()), Markup(figure.script.render()), fmap.get_name())
