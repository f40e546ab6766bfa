"""Place venue records: fill the INSEE code from the point, geocode the rows without
coordinates, fill the commune and postcode, and tell which rows are inside the territory.

Precision of each point is kept in ``geocode_precision``:

- ``source``: coordinates given by the source (checked and fixed by the normaliser);
- ``adresse``: geocoded by the Géoplateforme geocoder with a score at or above ``geocoding.min_score``;
- ``adresse d'une autre source``: the same address is placed by another source's record;
- ``commune``: only the commune is known, the point is inside it (left out of distance analyses);
- ``équipe``: placed by the territory's team (a correction, or a venue they added:
  :mod:`inclusion_map.corrections`), a precise point.

Everywhere else a point is approximate when its precision is ``commune``, precise otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import GeocoderUnavailable
from .geocode import Address, Geocoder
from .territory.boundaries import Gazetteer
from .vocab import fold

PRECISE = ("source", "adresse", "adresse d'une autre source", "équipe")


@dataclass
class Placement:
    """What :func:`place` did to one source's records."""

    inside: list[dict] = field(default_factory=list)
    outside: int = 0
    messages: list[str] = field(default_factory=list)
    notes: list[tuple[dict, str, str, str]] = field(default_factory=list)  # (record, field, problem, value)


def address_key(rec: dict) -> str | None:
    """A folded ``adresse|code_postal`` key used to share coordinates across sources."""
    if not rec.get("adresse") or not rec.get("code_postal"):
        return None
    return f"{fold(rec['adresse'])}|{rec['code_postal']}"


def _probable_commune(rec: dict, gaz: Gazetteer) -> str | None:
    code = gaz.current(rec.get("code_insee"))
    if code:
        return code
    candidates = gaz.by_postcode(rec.get("code_postal"))
    if len(candidates) == 1:
        return candidates[0]
    name = fold(rec.get("commune") or "")
    for c in candidates:
        if fold(gaz.name(c) or "") == name:
            return c
    if not candidates and name:  # a CEDEX or a mistyped postcode: the commune's name in its département
        return gaz.by_name(name, str(rec.get("code_postal") or "")[:2] or None)
    return None


def place(
    records: list[dict],
    gaz: Gazetteer,
    geocoder: Geocoder | None,
    known_addresses: dict[str, tuple[float, float]],
) -> Placement:
    """Locate ``records`` (modified in place) and keep those inside the territory.

    Parameters
    ----------
    records : list of dict
        Normalised records of one source; coordinates in WGS84 or ``None``.
    gaz : Gazetteer
        Communes, contours and the territory.
    geocoder : Geocoder or None
        ``None`` when geocoding is disabled.
    known_addresses : dict
        ``address_key → (lon, lat)`` from other sources' precise points, the fallback when the
        geocoder cannot be reached.
    """
    out = Placement()
    lon = np.array([r["longitude"] if r.get("longitude") is not None else np.nan for r in records], float)
    lat = np.array([r["latitude"] if r.get("latitude") is not None else np.nan for r in records], float)
    codes = gaz.locate(lon, lat)
    missing = []
    contours = gaz.has_contours
    for rec, code in zip(records, codes, strict=True):
        if rec.get("latitude") is not None:
            rec.setdefault("geocode_precision", "source")
            given = gaz.current(rec.get("code_insee"))
            if code and given and given != code:
                # Contours are simplified: a point a few metres over a border keeps the source's code.
                if gaz.near(given, rec["longitude"], rec["latitude"]):
                    code = given
                else:
                    out.notes.append(
                        (rec, "code_insee", "did not match the point; set from the point", given)
                    )
            # Without any contour the point tells nothing: the source's code, else its postcode and
            # commune name, place the venue (dropping it would lose a real venue).
            rec["code_insee"] = code or given or (None if contours else _probable_commune(rec, gaz))
        else:
            guess = _probable_commune(rec, gaz)
            if guess and not gaz.territory.contains(guess):
                out.outside += 1
                continue
            rec["code_insee"] = guess
            missing.append(rec)

    matches = {}
    if missing and geocoder is not None and gaz.territory:
        try:
            matches = geocoder.geocode([_address(r) for r in missing])
        except GeocoderUnavailable as exc:
            out.messages.append(
                f"geocoder unreachable ({exc}); used other sources' points, then commune centres"
            )
    for rec in missing:
        match = matches.get(_address(rec).key)
        if match:
            rec.update(latitude=round(match.lat, 7), longitude=round(match.lon, 7), geocode_score=match.score)
            rec["geocode_precision"] = "adresse"
            rec["code_insee"] = gaz.current(match.citycode) or rec.get("code_insee")
        elif address_key(rec) in known_addresses:
            rec["longitude"], rec["latitude"] = known_addresses[address_key(rec)]
            rec["geocode_precision"] = "adresse d'une autre source"
        elif (centre := gaz.centre(rec.get("code_insee"))) is not None:
            rec["longitude"], rec["latitude"] = round(centre[0], 7), round(centre[1], 7)
            rec["geocode_precision"] = "commune"
            out.notes.append(
                (rec, "latitude/longitude", "address not located; placed at the commune centre", "")
            )

    waiting = {id(r) for r in missing}
    for rec in records:
        if rec.get("latitude") is None and id(rec) not in waiting:
            continue  # already counted as outside the territory
        code = rec.get("code_insee")
        if code is not None and not gaz.territory.contains(code):
            out.outside += 1
            continue
        if code is None and gaz.territory.codes is not None:
            out.outside += 1  # cannot be placed in any commune of the territory
            continue
        if code and gaz.name(code):
            rec["commune"] = gaz.name(code)  # the official spelling, whatever the source wrote
        if code and not rec.get("code_postal"):
            postcodes = gaz.postcodes_of(code)
            if len(postcodes) == 1:
                rec["code_postal"] = postcodes[0]
        out.inside.append(rec)
    return out


def _address(rec: dict) -> Address:
    return Address(rec.get("adresse") or "", rec.get("code_postal"), rec.get("commune"))
