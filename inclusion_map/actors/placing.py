"""Where an actor is: the coordinates given, else its address geocoded, else its commune's centre.

The precision is kept in ``geocode_precision``, read as everywhere in the product
(:mod:`inclusion_map.locate`): ``équipe`` for coordinates the team gave (a precise point),
``adresse`` for a geocoded address, ``commune`` for the centre of the commune (approximate, and
said so in the preview).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..config import Settings
from ..errors import GeocoderUnavailable
from ..geo.crs import in_france
from ..geocode import Address, Geocoder
from ..locations import StoreLocation
from ..vocab import fold
from .records import Problem

GIVEN = "équipe"
GEOCODED = "adresse"
COMMUNE = "commune"
UNPLACEABLE = Problem("adresse",
                      "adresse impossible à placer : donner latitude et longitude, ou une adresse et une "
                      "commune du territoire",
                      "address cannot be placed: give latitude and longitude, or an address and a commune of "
                      "the territory")  # fmt: skip


@dataclass(frozen=True)
class Commune:
    """A commune of the store's ``communes`` layer: INSEE code, name, postcodes and a point inside
    it (WGS84 degrees)."""

    code: str
    nom: str
    postcodes: tuple[str, ...]
    lon: float
    lat: float


_LOCK = threading.Lock()
_CACHE: dict[str, tuple[tuple, list[Commune]]] = {}


def territory_communes(store_path: StoreLocation) -> list[Commune]:
    """The communes of the store's ``communes`` layer (written by ``python run.py build``), each
    with a point inside its contour; ``[]`` when the store has no such layer. Read again only when
    the store changes."""
    from ..stores import open_store

    store = open_store(store_path)
    if not (store.exists() and store.has("communes")):
        return []
    version = store.version()
    with _LOCK:
        cached = _CACHE.get(str(store_path))
        if cached is None or cached[0] != version:
            layer = store.read("communes", columns=["code", "nom", "codes_postaux"])
            communes = []
            for row in layer.itertuples():
                if row.geometry is None or row.geometry.is_empty:
                    continue
                point = row.geometry.representative_point()
                codes = str(getattr(row, "codes_postaux", "") or "")
                postcodes = tuple(p for p in codes.replace(",", "|").split("|") if p.strip())
                communes.append(Commune(str(row.code), str(row.nom), postcodes, point.x, point.y))
            cached = (version, communes)
            _CACHE[str(store_path)] = cached
    return cached[1]


def find_commune(record: dict, settings: Settings) -> Commune | None:
    """The territory's commune of a record: by its INSEE code, else its commune's name (the
    postcode choosing between homonyms), else its postcode when it serves one commune only."""
    communes = territory_communes(settings.store_location)
    if not communes:
        return None
    if code := record.get("code_insee"):
        hit = next((c for c in communes if c.code == code), None)
        if hit:
            return hit
    postcode = record.get("code_postal")
    if name := fold(record.get("commune")):
        named = [c for c in communes if fold(c.nom) == name]
        if postcode and len(named) > 1:
            named = [c for c in named if postcode in c.postcodes]
        if len(named) == 1:
            return named[0]
    if postcode:
        served = [c for c in communes if postcode in c.postcodes]
        if len(served) == 1:
            return served[0]
    return None


def place(
    record: dict, settings: Settings, geocoder: Geocoder | None = None
) -> tuple[float, float, str] | Problem:
    """Place one checked actor.

    In order: the coordinates given (already checked inside France by
    :func:`~inclusion_map.actors.records.validate`, precision ``équipe``); else its address with the
    Géoplateforme geocoder when ``geocoding.enabled`` (an answer at or above
    ``geocoding.min_score``, inside France, precision ``adresse``); else the centre of its commune
    when the store's ``communes`` layer knows it (precision ``commune``).

    Parameters
    ----------
    record : dict
        A record of :func:`~inclusion_map.actors.records.validate`.
    settings : Settings
    geocoder : Geocoder, optional
        Default: one made from ``settings`` when ``geocoding.enabled`` (the harvest's, with
        retries); none otherwise. A page where someone waits passes
        ``Geocoder(settings, interactive=True)``. A geocoder that cannot be reached is not an
        error: the commune's centre is used.

    Returns
    -------
    (latitude, longitude, precision) or Problem
        WGS84 (EPSG:4326) degrees and the precision, or :data:`UNPLACEABLE`
        (« adresse impossible à placer »).
    """
    lat, lon = record.get("latitude"), record.get("longitude")
    if lat is not None and lon is not None and in_france(float(lon), float(lat)):
        return float(lat), float(lon), GIVEN
    if record.get("adresse") and (record.get("commune") or record.get("code_postal")):
        if geocoder is None and settings.geocoding.enabled:
            geocoder = Geocoder(settings)
        if geocoder is not None and not geocoder.unreachable:
            address = address_of(record)
            try:
                match = geocoder.geocode([address]).get(address.key)
            except GeocoderUnavailable:
                match = None  # the commune's centre below
            if match is not None and in_france(match.lon, match.lat):
                return round(match.lat, 7), round(match.lon, 7), GEOCODED
    commune = find_commune(record, settings)
    if commune is not None:
        return round(commune.lat, 7), round(commune.lon, 7), COMMUNE
    return UNPLACEABLE


def address_of(record: dict) -> Address:
    """The geocoder's address of a record (its key is the geocoding cache's)."""
    return Address(record.get("adresse") or "", record.get("code_postal"), record.get("commune"))
