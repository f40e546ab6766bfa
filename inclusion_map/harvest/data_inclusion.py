"""data·inclusion: the national reference of social-inclusion services (GIP de l'inclusion).

Live: the v1 API (``https://api.data.inclusion.gouv.fr/api/v1``, bearer token from the environment
variable named in ``api.token_env``): ``/services`` filtered on the four ``numerique--*``
thématiques and ``/structures``, both paged (``page``, ``size``; answers ``{items, total, page,
size, pages}``) and asked one département of the territory at a time (``code_departement``)
instead of downloading all of France. v1 ids already carry their upstream source
(``dora--…``). ``reseaux_porteurs`` gives the national programmes (Aidants Connect, conseillers
numériques, France Services…).

Archive: the historical export of digital mediation structures (February 2023, a JSON list in
the 0.x standard), read offline, when named, or when the API fails and the store holds no live
data of this source.
"""

from __future__ import annotations

from collections.abc import Iterator

import requests

from .. import vocab
from ..errors import SourceSkipped, SourceUnavailable
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


NETWORKS = {"aidants-connect": "Aidants Connect", "conseillers-numeriques": "Conseillers numériques",
            "france-service": "France Services", "grandes-ecoles-du-numerique": "Grande école du numérique",
            "croix-rouge": "La Croix Rouge"}  # fmt: skip


class DataInclusionHarvester(Harvester):
    name = "data_inclusion"
    kind = "data·inclusion API v1 (token), per département; else the 2023 mediation export"

    def fetch_live(self, session: requests.Session) -> Raw:
        api = self.config.api
        if api is None:
            return super().fetch_live(session)
        token = self.api_token()
        if not token:
            raise SourceSkipped(f"{self.name}: the data·inclusion API needs a token and ${api.token_env} is not set",
                                hint=f"ask data·inclusion for an API token and put it in ${api.token_env}")
        base = api.url.rstrip("/")
        extra = self.options.get("api_params") or {}
        # One département at a time: the territory's, or the whole country in one go.
        areas = [{"code_departement": d} for d in self.scope.departements] or [{}]
        services, structures = [], []
        for area in areas:
            services += self._pages(session, f"{base}/services", token,
                                    {"thematiques": list(THEMATIQUES), **area, **extra})  # fmt: skip
            structures += self._pages(session, f"{base}/structures", token, {**area, **extra})
        services = [s for s in services if any(str(t).startswith("numerique") for t in s.get("thematiques") or [])]
        wanted = {_qualified(s.get("source"), s.get("structure_id")) for s in services}
        structures = [s for s in structures if _qualified(s.get("source"), s.get("id")) in wanted]
        where = ", ".join(a["code_departement"] for a in areas if a) or "France"
        return Raw([], [f"read from the data·inclusion API {base} ({where})"],
                   {"structures": structures, "services": services},
                   origins=[{"url": base, "title": f"data·inclusion API v1 ({where})"}])  # fmt: skip

    def _pages(self, session, url: str, token: str, params: dict) -> list[dict]:
        size, items = self.config.api.page_size, []
        for page in range(1, 100_000):
            body = get_api_json(session, url, token, {**params, "page": page, "size": size})
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise SourceUnavailable(f"{url} did not answer a page of the data·inclusion API v1")
            batch = body["items"]
            items.extend(b for b in batch if isinstance(b, dict))
            pages = body.get("pages")
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
                yield {**row, "source_id": _qualified(row.get("source"), row.get("id"))}

    def _map_api(self, structures: list[dict], services: list[dict]) -> Iterator[dict]:
        by_structure: dict[str, list[dict]] = {}
        for service in services:
            by_structure.setdefault(_qualified(service.get("source"), service.get("structure_id")), []).append(service)
        for s in structures:
            sid = _qualified(s.get("source"), s.get("id"))
            offer = by_structure.get(sid, [])
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
                "source_id": sid,
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
                "dispositif_programmes_nationaux": [NETWORKS[r] for r in s.get("reseaux_porteurs") or []
                                                    if r in NETWORKS],
            }  # fmt: skip


def _qualified(source, ident) -> str:
    """``<source>--<id>``: v1 ids already carry their source, the 2023 export's did not."""
    ident, source = str(ident or ""), str(source or "inconnu")
    return ident if ident.startswith(f"{source}--") else f"{source}--{ident}"


def _pick(offer: list[dict], key: str, table: dict[str, str]) -> list[str]:
    """Standard values of a coded list field across a structure's services."""
    return [table[v] for o in offer for v in o.get(key) or [] if v in table]


HARVESTER = DataInclusionHarvester
