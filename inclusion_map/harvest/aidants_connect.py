"""Structures enabled for Aidants Connect (the raw export: addresses without coordinates).

Rows have no coordinates and often no commune: the harvest pipeline geocodes them with the BAN
(see :mod:`inclusion_map.geocode`) and keeps the precision of each point on the record.
"""

from __future__ import annotations

from collections.abc import Iterator

from .base import Harvester, Raw, Rejection, decode_text, json_records, load_csv

REQUIRED_COLUMNS = ("Data pass ID", "Name", "Adresse", "Code postal")


class AidantsConnectHarvester(Harvester):
    name = "aidants_connect"
    kind = "Aidants Connect structures (addresses, geocoded with the BAN)"

    def map_rows(self, raw: Raw) -> Iterator[dict | Rejection]:
        for payload in raw.payloads:
            if decode_text(payload).lstrip()[:1] in ("[", "{"):
                rows = json_records(payload, "data", "items")
                if rows and not all(c in rows[0] for c in REQUIRED_COLUMNS[:2]):
                    from ..errors import SourceUnavailable

                    raise SourceUnavailable(f"{payload.origin}: records lack 'Data pass ID' or 'Name'")
            else:
                rows = load_csv(payload, REQUIRED_COLUMNS)
            for row in rows:
                yield {
                    "source_id": _identifier(row),
                    "nom": row.get("Name"),
                    "pivot": "".join(str(row.get("SIRET") or "").split()),
                    "adresse": row.get("Adresse"),
                    "code_postal": row.get("Code postal"),
                    "commune": row.get("commune") or row.get("Commune"),
                    "date_maj": row.get("date_maj"),
                    "nb_aidants": _int(row.get("Nombre d'agents formés")),
                    "services": "Aide aux démarches administratives",
                    "modalites_accompagnement": "Accompagnement individuel",
                    "dispositif_programmes_nationaux": "Aidants Connect",
                    "source": "Aidants Connect",
                }


def _identifier(row: dict) -> str:
    """The Data pass ID; rows without one get a stable id made from SIRET, name and address."""
    given = "".join(str(row.get("Data pass ID") or "").split())  # ids hold (narrow) no-break spaces
    if given:
        return given
    import hashlib

    basis = "|".join(str(row.get(k) or "") for k in ("SIRET", "Name", "Adresse", "Code postal"))
    return "sans-id-" + hashlib.sha1(basis.encode()).hexdigest()[:12]


def _int(value) -> int | None:
    try:
        return int("".join(str(value).split()))
    except (TypeError, ValueError):
        return None


HARVESTER = AidantsConnectHarvester
