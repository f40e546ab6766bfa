"""Where the visitor is: a commune name or a postcode (answered offline from the ``communes``
layer) or an address (the geocoder's search, when it can be reached); and the nearest address of a
point (the geocoder's reverse search), to name the suggested new sites.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely

from ..config import Settings
from ..errors import GeocoderUnavailable
from ..geocode import Geocoder
from ..store import GeoPackageStore
from ..vocab import fold
from .store_cache import per_store


@dataclass(frozen=True)
class Place:
    """A point to search around (WGS84 degrees) and how to name it."""

    label: str
    lon: float
    lat: float
    kind: str  # commune | postcode | address | position
    code_insee: str | None = None


class AddressSearchUnavailable(Exception):
    """The geocoder could not be reached or did not answer usefully."""


@dataclass
class Gazette:
    """The territory's communes: folded names, postcodes and a point inside each."""

    table: pd.DataFrame  # index code; nom, key, codes_postaux, lon, lat
    area: object | None  # union of the contours, for "is this address in the territory"

    @classmethod
    def load(cls, store: GeoPackageStore) -> Gazette:
        if not (store.exists() and store.has("communes")):
            return cls(pd.DataFrame(columns=["nom", "key", "codes_postaux", "lon", "lat"]), None)
        frame = store.read("communes", columns=["code", "nom", "codes_postaux"])
        frame = frame[frame.geometry.notna()]
        points = frame.geometry.representative_point()
        table = pd.DataFrame({"nom": frame["nom"].to_numpy(), "key": frame["nom"].map(fold).to_numpy(),
                              "codes_postaux": frame.get("codes_postaux", pd.Series(None, index=frame.index))
                              .fillna("").to_numpy(), "lon": points.x.to_numpy(), "lat": points.y.to_numpy()},
                             index=frame["code"].to_numpy())  # fmt: skip
        return cls(table, shapely.union_all(frame.geometry.values))

    def search(self, query: str) -> list[Place]:
        """Communes matching a name (exact, then prefix, then contained) or a postcode."""
        q = (query or "").strip()
        if re.fullmatch(r"\d{2,5}", q):  # a postcode, or its beginning while typing
            codes = self.table["codes_postaux"].str.split("|")
            hits = self.table[codes.map(lambda pcs: any(pc.startswith(q) for pc in pcs))]
            return [Place(f"{r.nom} ({next(pc for pc in r.codes_postaux.split('|') if pc.startswith(q))})", r.lon,
                          r.lat, "postcode", code) for code, r in hits.sort_values("nom").iterrows()]  # fmt: skip
        key = fold(q)
        if not key:
            return []
        for test in (lambda k: k == key, lambda k: k.startswith(key), lambda k: key in k):
            hits = self.table[self.table["key"].map(test)]
            if len(hits):
                return [Place(r.nom, r.lon, r.lat, "commune", code) for code, r in hits.sort_values("nom").iterrows()]
        return []

    def contains(self, lon: float, lat: float) -> bool:
        return self.area is not None and bool(shapely.contains_xy(self.area, lon, lat))


def gazette(store_path: Path) -> Gazette:
    """The communes of the store, reloaded when the store file changes."""
    return per_store("gazette", store_path, lambda path: Gazette.load(GeoPackageStore(path)))


_DOWN_UNTIL = [0.0]  # after a failure, pages stop asking the geocoder for a minute
PAUSE_S = 60.0


def _paused() -> bool:
    return time.monotonic() < _DOWN_UNTIL[0]


def _pause() -> None:
    _DOWN_UNTIL[0] = time.monotonic() + PAUSE_S


def address_search(query: str, settings: Settings, limit: int = 1, autocomplete: bool = False,
                   timeout_s: float = 2.0) -> list[Place]:  # fmt: skip
    """Addresses from the geocoder's search (``{geocoding.url}/search``), best first.

    Raises
    ------
    AddressSearchUnavailable
        When the geocoder cannot be reached (or failed less than a minute ago).
    """
    if _paused():
        raise AddressSearchUnavailable("the address search failed a moment ago")
    try:
        matches = Geocoder(settings, interactive=True, timeout_s=timeout_s).search(query, limit, autocomplete)
    except GeocoderUnavailable as exc:
        _pause()
        raise AddressSearchUnavailable(str(exc)) from None
    return [Place(m.label or query, m.lon, m.lat, "address", m.citycode) for m in matches]


def nearby_labels(points: list[tuple[float, float]], settings: Settings, timeout_s: float = 1.0,
                  budget_s: float = 3.0) -> list[str | None]:  # fmt: skip
    """The label of the address nearest to each ``(lon, lat)`` (reverse geocoding), ``None`` where
    unknown. Never holds a page long: a short timeout per point, ``budget_s`` for them all, the
    first failure stops the asking, and answers already known are reused.
    """
    if not settings.geocoding.enabled:
        return [None] * len(points)
    geocoder = Geocoder(settings, interactive=True, timeout_s=timeout_s)
    skip = _paused()
    deadline = time.monotonic() + budget_s
    labels = [geocoder.reverse(lon, lat, cached_only=skip or time.monotonic() > deadline)
              for lon, lat in points]  # fmt: skip
    if geocoder.unreachable:
        _pause()
    return labels
