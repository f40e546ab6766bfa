"""Places where conseillers numériques work.

Two channels: the current La Coop de la médiation numérique API (records in the standard,
bearer token from an environment variable, cursor pagination ``page[size]``/``page[after]``),
used when its token is set; otherwise the historical open export (a JSON list in the 0.x
standard with ``nb_aidants``, the number of advisers).
"""

from __future__ import annotations

from collections.abc import Iterator

import requests

from .base import Harvester, Raw, Rejection, get_api_json, json_records


class ConseillersNumeriquesHarvester(Harvester):
    name = "conseillers_numeriques"
    kind = "Coop de la médiation numérique API (token) or the historical CnFS export"

    def fetch(self, session: requests.Session) -> Raw:
        token = self.api_token()
        if self.config.api and token and not self.settings.mirror:
            return Raw(
                [], [f"read from the Coop API {self.config.api.url}"], {"api_rows": self._api(session, token)}
            )
        raw = super().fetch(session)
        if self.config.api and not token:
            raw.messages.append(
                f"Coop API not used: no token in ${self.config.api.token_env}; read the historical export"
            )
        return raw

    def _api(self, session: requests.Session, token: str) -> list[dict]:
        api = self.config.api
        rows, after, url = [], None, api.url
        for _ in range(100_000):  # a hard stop against a server that never ends its cursor
            params = {"page[size]": api.page_size}
            if after:
                params["page[after]"] = after
            page = get_api_json(session, url, token, params)
            items = page.get("data", []) if isinstance(page, dict) else []
            rows.extend({"id": i.get("id"), **(i.get("attributes") or i)} for i in items)
            meta = page.get("meta") or {} if isinstance(page, dict) else {}
            links = page.get("links") or {} if isinstance(page, dict) else {}
            has_next = links.get("next") or meta.get("hasNextPage") or meta.get("has_next_page")
            if not items or not has_next:
                break
            after = meta.get("endCursor") or meta.get("end_cursor") or items[-1].get("id")
        return rows

    def map_rows(self, raw: Raw) -> Iterator[dict | Rejection]:
        if "api_rows" in raw.extra:
            rows = raw.extra["api_rows"]
        else:
            rows = [r for p in raw.payloads for r in json_records(p, "data", "items")]
        for row in rows:
            advisers = row.get("nb_aidants") or row.get("nombre_mediateurs")
            if advisers is None and isinstance(row.get("mediateurs"), list):
                advisers = len(row["mediateurs"])
            yield {
                **row,
                "source_id": row.get("id"),
                "nb_aidants": _int(advisers),
                "dispositif_programmes_nationaux": _with(
                    row.get("dispositif_programmes_nationaux"), "Conseillers numériques"
                ),  # fmt: skip
            }


def _with(value, item: str) -> str:
    values = [v for v in str(value or "").split("|") if v]
    return "|".join(dict.fromkeys([*values, item]))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


HARVESTER = ConseillersNumeriquesHarvester
