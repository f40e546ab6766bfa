"""Coordinate reference systems: EPSG:4326 (WGS84, lon/lat) is stored and served; EPSG:2154
(Lambert-93, metres) is used to measure in metropolitan France. Also the checks that catch
swapped or projected coordinates in source rows."""

from __future__ import annotations

from functools import lru_cache

STORED = "EPSG:4326"
METRIC = "EPSG:2154"

# Boxes (lon_min, lat_min, lon_max, lat_max) of France and its overseas territories, in WGS84.
FRANCE_BOXES = (
    (-5.3, 41.3, 9.7, 51.2),  # metropolitan France and Corsica
    (-61.9, 15.8, -60.9, 16.6),  # Guadeloupe
    (-61.3, 14.3, -60.7, 15.0),  # Martinique
    (-54.7, 2.0, -51.5, 6.0),  # Guyane
    (55.1, -21.5, 55.9, -20.8),  # La Réunion
    (44.9, -13.1, 45.4, -12.5),  # Mayotte
    (-56.6, 46.7, -56.0, 47.2),  # Saint-Pierre-et-Miquelon
    (-63.2, 17.8, -62.7, 18.2),  # Saint-Martin, Saint-Barthélemy
    (163.5, -22.8, 168.2, -19.5),  # Nouvelle-Calédonie
    (-154.8, -27.7, -134.4, -7.8),  # Polynésie française
    (-178.3, -14.4, -176.1, -13.1),  # Wallis-et-Futuna
)

METROPOLITAN_BOX = FRANCE_BOXES[0]


def in_france(lon: float, lat: float) -> bool:
    """True if the WGS84 point falls in one of the boxes of France."""
    return any(x0 <= lon <= x1 and y0 <= lat <= y1 for x0, y0, x1, y1 in FRANCE_BOXES)


@lru_cache(maxsize=1)
def _l93_to_wgs84():
    from pyproj import Transformer

    return Transformer.from_crs(METRIC, STORED, always_xy=True)


def _looks_lambert93(x: float, y: float) -> bool:
    return -400_000 <= x <= 1_400_000 and 6_000_000 <= y <= 7_200_000


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(str(value).replace(",", ".").strip())
    except ValueError:
        return None
    return number if number == number else None


def fix_coordinates(lat_value, lon_value) -> tuple[float | None, float | None, tuple | None]:
    """Read a source's latitude/longitude and return WGS84 ``(lat, lon, problem)``.

    Swapped values and Lambert-93 metres (either order) are corrected and reported as
    ``fixed``; values outside France or unreadable are removed and reported as ``dropped`` so the
    venue can be geocoded from its address instead. ``problem`` is ``(text, value, action)``.
    """
    lat, lon = _number(lat_value), _number(lon_value)
    raw = f"{lat_value}, {lon_value}"
    if lat is None or lon is None:
        if lat_value not in (None, "") or lon_value not in (None, ""):
            return None, None, ("coordinates unreadable; removed", raw, "dropped")
        return None, None, None
    if in_france(lon, lat):
        return round(lat, 7), round(lon, 7), None
    if in_france(lat, lon):
        return round(lon, 7), round(lat, 7), ("latitude and longitude were swapped; fixed", raw, "fixed")
    for x, y in ((lon, lat), (lat, lon)):
        if _looks_lambert93(x, y):
            lon2, lat2 = _l93_to_wgs84().transform(x, y)
            if in_france(lon2, lat2):
                return (round(lat2, 7), round(lon2, 7),
                        ("Lambert-93 coordinates; converted to WGS84", raw, "fixed"))  # fmt: skip
    return None, None, ("coordinates outside France; removed", raw, "dropped")
