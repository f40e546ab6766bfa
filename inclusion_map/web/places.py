"""Where the visitor is: a commune name or a postcode (answered offline from the ``communes``
layer) or an address (the geocoder's search, when it can be reached); and the nearest address of a
point (the geocoder's reverse search), to name the suggested new sites.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from rapidfuzz import fuzz, process

from ..config import Settings
from ..errors import GeocoderUnavailable
from ..geocode import Geocoder
from ..stores import AnyStore, open_store
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


@dataclass(frozen=True)
class Outside:
    """A commune of the reference list that the territory does not cover."""

    name: str
    nearest: Place | None  # the covered commune nearest to it, when its position is known


@dataclass(frozen=True)
class Guess:
    """A commune a misspelt name may designate, with rapidfuzz's similarity (0–100)."""

    place: Place
    score: float
    inside: bool  # in the territory (else a commune of the reference list outside it)


#: A typo this close to one commune's name, and clearly closer than to any other, designates it
#: (« Atis-Mons » → Athis-Mons scores 95); below, names are only suggested (« vouliez-vous dire »).
FUZZY_SURE, FUZZY_MARGIN, FUZZY_SUGGEST, INSIDE_BONUS = 88.0, 6.0, 72.0, 3.0


def _inside_score(query: str, name: str, **kwargs) -> float:
    """Similarity of a folded query to a folded name of the territory: the whole name with words in
    any order, or (for five letters or more) the part of the name the query is closest to."""
    whole = fuzz.token_sort_ratio(query, name, **kwargs)
    return max(whole, fuzz.partial_ratio(query, name, **kwargs)) if len(query) >= 5 else whole
_COLUMNS = ["nom", "key", "codes_postaux", "lon", "lat"]
#: Pages offer the territory's communes as one drop-down list up to this many; beyond (a
#: département, a région, France: 35,000 names, 1.5 MB of HTML), a text field where a commune is
#: typed by its name or INSEE code (:meth:`Gazette.code_for`).
COMMUNE_LIST_MAX = 150
PLACE_NAMES = "ref_place_names"  # written by the build (inclusion_map.territory.build.place_names)


class AddressSearchUnavailable(Exception):
    """The geocoder could not be reached or did not answer usefully."""


@dataclass
class Gazette:
    """The territory's communes (folded names, postcodes and a point inside each) and the names of
    the reference list's communes outside it."""

    table: pd.DataFrame  # index code; nom, key, codes_postaux, lon, lat (WGS84 degrees)
    area: object | None  # union of the contours, for "is this address in the territory"
    outside: pd.DataFrame | None = None  # same columns; lon/lat empty where no contour was loaded
    territory: str = ""  # the territory's name, as the build resolved it

    @classmethod
    def load(cls, store: AnyStore) -> Gazette:
        if not (store.exists() and store.has("communes")):
            return cls(pd.DataFrame(columns=_COLUMNS), None)
        frame = store.read("communes", columns=["code", "nom", "codes_postaux"])
        frame = frame[frame.geometry.notna()]
        points = frame.geometry.representative_point()
        table = pd.DataFrame({"nom": frame["nom"].to_numpy(), "key": frame["nom"].map(fold).to_numpy(),
                              "codes_postaux": frame.get("codes_postaux", pd.Series(None, index=frame.index))
                              .fillna("").to_numpy(), "lon": points.x.to_numpy(), "lat": points.y.to_numpy()},
                             index=frame["code"].to_numpy())  # fmt: skip
        name = str((store.meta().get("communes") or {}).get("territory") or "")
        return cls(table, shapely.union_all(frame.geometry.values), _outside_names(store, table.index), name)

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

    def code_for(self, text: str) -> str | None:
        """The INSEE code of the commune of the territory that ``text`` designates: its code, its
        exact name (accents, case and hyphens ignored) or the only commune a search finds; else
        ``None``. What a visitor types in a commune field when the list is too long to offer."""
        text = (text or "").strip()
        if text in self.table.index:
            return text
        found = self.search(text) if not text.isdigit() else []
        exact = [p for p in found if p.kind == "commune" and self.table.at[p.code_insee, "key"] == fold(text)]
        if len(exact) == 1 or len(found) == 1:
            return (exact or found)[0].code_insee
        return None

    def guesses(self, query: str, limit: int = 5) -> list[Guess]:
        """Communes whose name is close to a misspelt ``query`` (accents, hyphens, case and word
        order ignored), inside the territory or out, best first, at least :data:`FUZZY_SUGGEST`."""
        key = fold(query)
        if len(key) < 3 or any(ch.isdigit() for ch in key):  # addresses and postcodes are not names
            return []
        found: list[Guess] = []
        for frame, inside in ((self.table, True), (self.outside, False)):
            if frame is None or not len(frame):
                continue
            # The territory's names are also matched by their beginning (« Chevily » is Chevilly-Larue)
            # and weigh a little more: people look for the communes the site covers.
            scorer = _inside_score if inside else fuzz.token_sort_ratio
            hits = process.extract(key, self._keys(inside), scorer=scorer, score_cutoff=FUZZY_SUGGEST,
                                   limit=limit)  # fmt: skip
            for _, score, i in hits:
                code, row = frame.index[i], frame.iloc[i]
                place = Place(row["nom"], row["lon"], row["lat"], "commune", code)
                found.append(Guess(place, min(100.0, score + INSIDE_BONUS) if inside else score, inside))
        found.sort(key=lambda g: (-g.score, not g.inside, g.place.label))
        return found[:limit]

    def _keys(self, inside: bool) -> list[str]:
        """The folded names to match against, listed once per loaded gazette (35,000 outside)."""
        cache = self.__dict__.setdefault("_key_lists", {})
        if inside not in cache:
            frame = self.table if inside else self.outside
            cache[inside] = frame["key"].tolist()
        return cache[inside]

    def sure_guess(self, query: str, found: list[Guess] | None = None) -> Guess | None:
        """The one commune a misspelt name clearly designates (see :data:`FUZZY_SURE`), or ``None``;
        ``found``: :meth:`guesses` of ``query`` when already computed."""
        found = self.guesses(query) if found is None else found
        if not found or found[0].score < FUZZY_SURE:
            return None
        # A very close name needs a smaller lead (« Vitri sur Seine »: Vitry 96, Ivry 91).
        margin = FUZZY_MARGIN - 2 if found[0].score >= FUZZY_SURE + 5 else FUZZY_MARGIN
        if len(found) > 1 and found[1].place.label != found[0].place.label \
                and found[0].score - found[1].score < margin:  # fmt: skip
            return None
        return found[0]

    def outside_match(self, query: str) -> Outside | None:
        """The commune outside the territory that ``query`` names exactly (or by a postcode)."""
        if self.outside is None or not len(self.outside):
            return None
        q = (query or "").strip()
        if re.fullmatch(r"\d{5}", q):
            hits = self.outside[self.outside["codes_postaux"].str.split("|").map(lambda pcs: q in pcs)]
        else:
            hits = self.outside[self.outside["key"] == fold(q)] if fold(q) else self.outside.iloc[0:0]
        if not len(hits):
            return None
        row = hits.iloc[0]
        return self.outside_place(row["nom"], row["lon"], row["lat"])

    def outside_place(self, name: str, lon, lat) -> Outside:
        """A place outside the territory, with the covered commune nearest to it when placed."""
        known = lon is not None and lat is not None and not (pd.isna(lon) or pd.isna(lat))
        return Outside(name, self.nearest(float(lon), float(lat)) if known else None)

    def nearest(self, lon: float, lat: float) -> Place | None:
        """The territory's commune whose inner point is nearest to ``(lon, lat)`` (WGS84 degrees;
        distances on a local plane, which is all a choice between neighbours needs)."""
        if not len(self.table):
            return None
        dx = (self.table["lon"].to_numpy(float) - lon) * np.cos(np.radians(lat))
        dy = self.table["lat"].to_numpy(float) - lat
        i = int(np.argmin(dx * dx + dy * dy))
        row = self.table.iloc[i]
        return Place(row["nom"], row["lon"], row["lat"], "commune", self.table.index[i])

    def contains(self, lon: float, lat: float) -> bool:
        return self.area is not None and bool(shapely.contains_xy(self.area, lon, lat))


def _outside_names(store: AnyStore, inside) -> pd.DataFrame | None:
    """The reference list's communes outside the territory, from the build's ``ref_place_names``."""
    if not store.has(PLACE_NAMES):
        return None
    names = store.read(PLACE_NAMES)
    names = names[~names["code"].astype(str).isin(set(inside))]
    return pd.DataFrame({"nom": names["nom"].to_numpy(), "key": names["nom"].map(fold).to_numpy(),
                         "codes_postaux": names["codes_postaux"].fillna("").to_numpy(),
                         "lon": pd.to_numeric(names["lon"], errors="coerce").to_numpy(),
                         "lat": pd.to_numeric(names["lat"], errors="coerce").to_numpy()},
                        index=names["code"].astype(str).to_numpy())  # fmt: skip


def gazette(store_path: Path) -> Gazette:
    """The communes of the store, reloaded when the store file changes."""
    return per_store("gazette", store_path, lambda path: Gazette.load(open_store(path)))


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
