"""Structures enabled for Aidants Connect (making online procedures on someone's behalf).

Live: the open API ``GET https://aidantsconnect.beta.gouv.fr/api/organisations/?format=json``
(betagouv/Aidants_Connect, ``aidants_connect_web/api``, 2026): no token, paged by Django REST
framework (``{count, next, previous, results}``, 100 a page, ``next`` followed to the end), each
organisation ``{id (uuid), url, pivot (SIRET), nom, commune, code_postal, code_insee, adresse,
address_complement, service, date_de_creation, date_de_modification}``. Only active
organisations are published.

Archive: the January 2023 export (``Data pass ID``, ``Name``, ``SIRET``, ``Adresse``, ``Code
postal``…), read offline, when named, or when the API fails and the store holds no live data.

Neither has coordinates: the harvest pipeline geocodes the addresses (see
:mod:`inclusion_map.geocode`) and keeps the precision of each point on the record.
"""

from __future__ import annotations

from collections.abc import Iterator

import requests

from ..errors import SourceUnavailable
from .base import Harvester, Raw, Rejection, decode_text, get_api_json, json_records, load_csv

REQUIRED_COLUMNS = ("Data pass ID", "Name", "Adresse", "Code postal")


MAX_PAGES = 10_000  # a hard stop against a `next` link that never ends
COMMON = {"services": "Aide aux démarches administratives", "modalites_accompagnement": "Accompagnement individuel",
          "dispositif_programmes_nationaux": "Aidants Connect", "source": "Aidants Connect"}  # fmt: skip


class AidantsConnectHarvester(Harvester):
    name = "aidants_connect"
    kind = "Aidants Connect open API (paged JSON), else the 2023 export; addresses geocoded"

    def fetch_live(self, session: requests.Session) -> Raw:
        if not self.config.urls:
            return super().fetch_live(session)
        url: str | None = self.config.urls[0]
        rows: list[dict] = []
        for _ in range(MAX_PAGES):
            if not url:
                break
            page = get_api_json(session, url, None)
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise SourceUnavailable(f"{url} did not answer a page of organisations ({{count, next, results}})")
            rows += [r for r in page["results"] if isinstance(r, dict)]
            url = page.get("next")
        return Raw([], [f"read {len(rows)} organisations from the Aidants Connect API"], {"api_rows": rows},
                   origins=[{"url": self.config.urls[0], "title": "Aidants Connect — API /api/organisations/"}])

    def map_rows(self, raw: Raw) -> Iterator[dict | Rejection]:
        if "api_rows" in raw.extra:
            for row in raw.extra["api_rows"]:
                yield {
                    **COMMON,
                    "source_id": row.get("id"),
                    "nom": row.get("nom"),
                    "pivot": "".join(str(row.get("pivot") or "").split()),
                    "adresse": row.get("adresse"),
                    "complement_adresse": row.get("address_complement"),
                    "code_postal": row.get("code_postal"),
                    "code_insee": row.get("code_insee"),
                    "commune": row.get("commune"),
                    "date_maj": row.get("date_de_modification") or row.get("date_de_creation"),
                }
            return
        for payload in raw.payloads:
            if decode_text(payload).lstrip()[:1] in ("[", "{"):
                rows = json_records(payload, "data", "items")
                if rows and not all(c in rows[0] for c in REQUIRED_COLUMNS[:2]):
                    raise SourceUnavailable(f"{payload.origin}: records lack 'Data pass ID' or 'Name'")
            else:
                rows = load_csv(payload, REQUIRED_COLUMNS)
            for row in rows:
                yield {
                    **COMMON,
                    "source_id": _identifier(row),
                    "nom": row.get("Name"),
                    "pivot": "".join(str(row.get("SIRET") or "").split()),
                    "adresse": row.get("Adresse"),
                    "code_postal": row.get("Code postal"),
                    "commune": row.get("commune") or row.get("Commune"),
                    "date_maj": row.get("date_maj"),
                    "nb_aidants": _int(row.get("Nombre d'agents formés")),
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
