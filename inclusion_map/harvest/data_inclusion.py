"""data·inclusion: the national reference of social-inclusion services.

With a token (environment variable named in ``api.token_env``) the v1 API is read: ``/services``
filtered on the ``numerique--*`` thématiques, and ``/structures`` for the structures that offer
them, both paged with ``page``/``size``. Without a token, the historical export of digital
mediation structures (a JSON list in the 0.x standard) is read instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import requests

from .. import vocab
from .base import Harvester, Raw, Rejection, get_api_json, json_records

THEMATIQUES = {
    "numerique--acceder-a-des-services-en-ligne": "Aide aux démarches administratives",
    "numerique--acceder-a-une-connexion-internet": "Accès internet et matériel informatique",
    "numerique--acquerir-un-equipement": "Acquisition de matériel informatique à prix solidaire",
    "numerique--maitriser-les-fondamentaux-du-numerique": "Maîtrise des outils numériques du quotidien",
}
PUBLICS = {"jeunes": "Jeunes", "etudiants": "Étudiants", "familles": "Familles et/ou enfants",
           "femmes": "Femmes", "seniors": "Seniors"}  # fmt: skip
FRAIS = {"gratuit": "Gratuit", "payant": "Payant"}
MOBILISATION = {"se-presenter": "Se présenter", "telephoner": "Téléphoner",
                "envoyer-un-courriel": "Contacter par mail",
                "utiliser-lien-mobilisation": "Prendre un RDV en ligne"}  # fmt: skip


def services_of(thematiques: list[str]) -> list[str]:
    """Standard services of data·inclusion thématiques (v1 values, and v0 ``numerique--…`` slugs)."""
    out = []
    for value in thematiques or []:
        if value in THEMATIQUES:
            out.append(THEMATIQUES[value])
        elif value.startswith("numerique--"):
            out.extend(vocab.OLD_SERVICES.get(vocab.fold(value.removeprefix("numerique--")), ()))
    return out


class DataInclusionHarvester(Harvester):
    name = "data_inclusion"
    kind = "data·inclusion API v1 (token) or the historical mediation export"

    def fetch(self, session: requests.Session) -> Raw:
        token = self.api_token()
        if self.config.api and token and not self.settings.mirror:
            base = self.config.api.url.rstrip("/")
            extra = self.options.get("api_params") or {}
            services = self._pages(
                session, f"{base}/services", token, {"thematiques": list(THEMATIQUES), **extra}
            )
            services = [
                s for s in services if any(t.startswith("numerique") for t in s.get("thematiques") or [])
            ]
            wanted = {(s.get("source"), s.get("structure_id")) for s in services}
            structures = [s for s in self._pages(session, f"{base}/structures", token, extra)
                          if (s.get("source"), s.get("id")) in wanted]  # fmt: skip
            return Raw([], [f"read from the data·inclusion API {base}"],
                       {"structures": structures, "services": services})  # fmt: skip
        raw = super().fetch(session)
        if self.config.api and not token:
            raw.messages.append(
                f"data·inclusion API not used: no token in ${self.config.api.token_env}; "
                "read the historical export"
            )
        return raw

    def _pages(self, session, url: str, token: str, params: dict) -> list[dict]:
        size, items = self.config.api.page_size, []
        for page in range(1, 100_000):
            body = get_api_json(session, url, token, {**params, "page": page, "size": size})
            batch = body.get("items", []) if isinstance(body, dict) else []
            items.extend(b for b in batch if isinstance(b, dict))
            pages = body.get("pages") if isinstance(body, dict) else None
            if not batch or (pages is not None and page >= pages) or (pages is None and len(batch) < size):
                break
        return items

    def map_rows(self, raw: Raw) -> Iterator[dict | Rejection]:
        if "structures" in raw.extra:
            yield from self._map_api(raw.extra["structures"], raw.extra["services"])
            return
        for payload in raw.payloads:
            for row in json_records(payload, "items", "data"):
                # The export merges several upstream sources whose ids collide: qualify them.
                yield {**row, "source_id": f"{row.get('source') or 'inconnu'}--{row.get('id')}"}

    def _map_api(self, structures: list[dict], services: list[dict]) -> Iterator[dict]:
        by_structure: dict[tuple, list[dict]] = {}
        for service in services:
            by_structure.setdefault((service.get("source"), service.get("structure_id")), []).append(service)
        for s in structures:
            offer = by_structure.get((s.get("source"), s.get("id")), [])
            remote = any("a-distance" in (o.get("modes_accueil") or []) for o in offer)
            yield {
                **{
                    k: s.get(k)
                    for k in (
                        "nom",
                        "commune",
                        "code_postal",
                        "code_insee",
                        "adresse",
                        "complement_adresse",
                        "latitude",
                        "longitude",
                        "telephone",
                        "site_web",
                        "date_maj",
                    )
                },  # fmt: skip
                "source_id": f"{s.get('source')}--{s.get('id')}",
                "pivot": s.get("siret"),
                "courriels": s.get("courriel"),
                "horaires": s.get("horaires_accueil"),
                "presentation_resume": (s.get("description") or "")[:280] or None,
                "presentation_detail": s.get("description"),
                "fiche_acces_libre": s.get("accessibilite_lieu"),
                "source": s.get("source"),
                "services": [x for o in offer for x in services_of(o.get("thematiques"))],
                "publics_specifiquement_adresses": _pick(offer, "publics", PUBLICS),
                "frais_a_charge": _pick(offer, "frais", FRAIS),
                "modalites_acces": _pick(offer, "modes_mobilisation", MOBILISATION),
                "modalites_accompagnement": ["À distance"] if remote else [],
            }


def _pick(offer: list[dict], key: str, table: dict[str, str]) -> list[str]:
    """Standard values of a coded list field across a structure's services."""
    return [table[v] for o in offer for v in o.get(key) or [] if v in table]


HARVESTER = DataInclusionHarvester
