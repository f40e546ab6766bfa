"""Places where mediators and conseillers numériques work: La Coop de la médiation numérique.

Live: the Coop's API ``GET /api/v1/lieux-activite`` (OpenAPI "La coop - API" 1.0.0, 2026): one
plain JSON array of places in the national standard, no pagination, with a bearer token (the
client id and secret joined by ``:``) from the environment variable named in ``api.token_env``.
Each place lists ``dispositif_programmes_nationaux`` as published (« Conseillers numériques » only
where one of its mediators is a conseiller numérique) and, beyond the standard, ``aidants``: the
mediators working there (name, e-mail, phone). Only their number is kept (``nb_aidants``): no
mediator's name or contact is ever stored.

Archive: the historical open export of the conseillers numériques' places (December 2022, the 0.x
standard with ``nb_aidants``), read offline, when named, or when the API fails or returns nothing
and the store holds no live data of this source.
"""

from __future__ import annotations

from collections.abc import Iterator

import requests

from ..errors import SourceSkipped, SourceUnavailable
from .base import Harvester, Raw, Rejection, get_api_json, json_records

#: keys of the Coop's records that hold personal data of mediators: counted, never kept
PERSONAL = ("aidants", "mediateurs")


class ConseillersNumeriquesHarvester(Harvester):
    name = "conseillers_numeriques"
    kind = "La Coop de la médiation numérique API (token), else the 2022 export of CnFS places"

    def fetch_live(self, session: requests.Session) -> Raw:
        api = self.config.api
        if api is None:
            return super().fetch_live(session)
        token = self.api_token()
        if not token:
            raise SourceSkipped(f"{self.name}: the Coop API needs a token and ${api.token_env} is not set",
                                hint=f"put 'client-id:client-secret' in the environment variable ${api.token_env}")
        body = get_api_json(session, api.url, token)
        if not isinstance(body, list):
            raise SourceUnavailable(f"{api.url} did not answer a JSON array of places (the Coop API v1 shape)")
        rows = [_without_people(r) for r in body if isinstance(r, dict)]
        return Raw([], [f"read {len(rows)} places from the Coop API"], {"api_rows": rows},
                   origins=[{"url": api.url, "title": "La Coop de la médiation numérique — API v1 /lieux-activite"}])

    def map_rows(self, raw: Raw) -> Iterator[dict | Rejection]:
        if "api_rows" in raw.extra:
            for row in raw.extra["api_rows"]:
                yield {**row, "source_id": row.get("id"), "source": row.get("source") or "Coop numérique"}
            return
        # The 2022 export: every place there had at least one conseiller numérique.
        for payload in raw.payloads:
            for row in json_records(payload, "data", "items"):
                row = _without_people(row)
                yield {**row, "source_id": row.get("id"),
                       "dispositif_programmes_nationaux": _with(row.get("dispositif_programmes_nationaux"),
                                                                "Conseillers numériques")}  # fmt: skip


def _without_people(row: dict) -> dict:
    """The record with its mediators replaced by their number (``nb_aidants``)."""
    out = {k: v for k, v in row.items() if k not in PERSONAL}
    count = row.get("nb_aidants") if row.get("nb_aidants") is not None else row.get("nombre_mediateurs")
    if count is None:
        people = [row.get(k) for k in PERSONAL if isinstance(row.get(k), list)]
        count = len(people[0]) if people else None
    out["nb_aidants"] = _int(count)
    return out


def _with(value, item: str) -> str:
    values = value if isinstance(value, list) else [v for v in str(value or "").split("|") if v]
    return "|".join(dict.fromkeys([*values, item]))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


HARVESTER = ConseillersNumeriquesHarvester
