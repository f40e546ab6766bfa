"""The Francil'in hub (Île-de-France): mediation venues of the Métropole du Grand Paris.

Published on data.gouv.fr (dataset ``lieux-de-mediation-numerique-metropole-du-grand-paris``);
the file's URL carries its upload timestamp, so the dataset is resolved at each harvest.

Two shapes are read:

- **since June 2026**: a JSON array of flat records ``id, nom, commune, code_postal, adresse,
  latitude, longitude, telephone, courriels, site_web, date_maj, services`` (the standard's
  service labels, as text) and ``horaires`` (OSM ``opening_hours``) — the shape ANCT's mednum-cli
  reads since its commit e544988 (2026-06-25);
- **before**: a GeoJSON whose properties are ``francilin_id``, ``lieu_nom``, ``commune``,
  ``code_postal``, ``adresse``, ``telephone``, ``e_mail``, ``site_web``, ``mise_a_jour``, ``label``
  (list), ``aide`` (codes 1–4), ``services`` (numeric codes, see the hub's code table) and
  ``horaires``; coordinates in the point geometry (WGS84).
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import vocab
from ..errors import SourceUnavailable
from .base import Harvester, Raw, Rejection, json_records, load_json

# The hub's service codes are grouped by hundreds into 8 themes; each theme maps to one of the
# standard's 9 services, with a few codes moved where their label says otherwise.
THEMES = {
    1: "Insertion professionnelle via le numérique",  # la recherche d'un emploi
    2: "Aide aux démarches administratives",  # les déclarations en ligne (e-admin)
    3: "Maîtrise des outils numériques du quotidien",  # premiers pas internet / informatique
    4: "Maîtrise des outils numériques du quotidien",  # outils bureautiques
    5: "Compréhension du monde numérique",  # approfondissement du numérique
    6: "Parentalité et éducation avec le numérique",  # parentalité numérique
    7: "Loisirs et créations numériques",  # outils créatifs
    8: "Insertion professionnelle via le numérique",  # usages professionnels
}
CODE_OVERRIDES = {
    324: "Utilisation sécurisée du numérique",  # effacer ses traces, protéger ses données
    501: "Utilisation sécurisée du numérique",  # identité numérique
    502: "Utilisation sécurisée du numérique",
    503: "Utilisation sécurisée du numérique",
    504: "Utilisation sécurisée du numérique",  # sécuriser ses usages numériques
    706: "Aide aux démarches administratives",  # les paiements en ligne
    608: "Maîtrise des outils numériques du quotidien",  # maîtriser sa consommation d'énergie
}
# ``aide`` codes → the standard's modalités d'accompagnement (decision documented in the README;
# change it under sources.francilin.options.aide_codes if the hub documents them otherwise).
DEFAULT_AIDE_CODES = {
    1: "En autonomie",
    2: "Accompagnement individuel",
    3: "Dans un atelier collectif",
    4: "À distance",
}


def service_for_code(code) -> str | None:
    """The standard service of one Francil'in service code, or ``None`` if unknown."""
    try:
        number = int(str(code).strip())
    except ValueError:
        return None
    return CODE_OVERRIDES.get(number) or THEMES.get(number // 100)


def _as_list(value) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    return [v for v in str(value).replace(";", ",").split(",") if v.strip()]


def services_in_text(text) -> list[str]:
    """The standard's service labels found in a text (any separator), in the standard's order.

    A text naming none of them is returned as it is, so normalisation maps old labels or reports
    unknown ones.
    """
    if isinstance(text, list):
        text = "|".join(str(t) for t in text)
    folded = vocab.fold(text or "")
    found = [label for label in vocab.SERVICES if vocab.fold(label) in folded]
    return found or ([str(text)] if str(text or "").strip() else [])


class FrancilinHarvester(Harvester):
    name = "francilin"
    kind = "Francil'in hub: JSON flat records (2026) or GeoJSON with numeric service codes (older)"

    def map_rows(self, raw: Raw) -> Iterator[dict | Rejection]:
        for payload in raw.payloads:
            data = load_json(payload)
            if isinstance(data, dict) and data.get("type") == "FeatureCollection":
                yield from self._map_geojson(json_records(payload, "features"))
            else:
                rows = json_records(payload, "data", "items", "lieux")
                if rows and not any(k in rows[0] for k in ("id", "nom")):
                    raise SourceUnavailable(f"{payload.origin}: records have neither 'id' nor 'nom' "
                                            "(neither the 2026 flat shape nor the older GeoJSON)")  # fmt: skip
                yield from self._map_flat(rows)

    def _map_flat(self, rows: list[dict]) -> Iterator[dict]:
        for row in rows:
            yield {
                **{k: row.get(k) for k in ("nom", "commune", "code_postal", "adresse", "latitude", "longitude",
                                           "telephone", "courriels", "site_web", "date_maj", "horaires")},
                "source_id": row.get("id"),
                "services": services_in_text(row.get("services")),
                "source": "Francil'in",
            }  # fmt: skip

    def _map_geojson(self, features: list[dict]) -> Iterator[dict]:
        aide_codes = {int(k): v for k, v in (self.options.get("aide_codes") or DEFAULT_AIDE_CODES).items()}
        for feature in features:
            props = feature.get("properties") or {}
            coords = ((feature.get("geometry") or {}).get("coordinates")) or [None, None]
            if not isinstance(coords, list) or len(coords) < 2:
                coords = [None, None]
            codes = _as_list(props.get("services"))
            # An unknown code stays as text so normalisation drops it and reports it.
            services = [service_for_code(c) or f"code Francil'in {c}" for c in codes]
            modalities = []
            for code in _as_list(props.get("aide")):
                if str(code).strip().isdigit() and int(code) in aide_codes:
                    modalities.append(aide_codes[int(code)])
            yield {
                "source_id": props.get("francilin_id"),
                "nom": props.get("lieu_nom"),
                "commune": props.get("commune"),
                "code_postal": props.get("code_postal"),
                "adresse": props.get("adresse"),
                "telephone": props.get("telephone"),
                "courriels": props.get("e_mail"),
                "site_web": props.get("site_web"),
                "date_maj": props.get("mise_a_jour"),
                "labels_nationaux": _as_list(props.get("label")),
                "modalites_accompagnement": modalities,
                "services": services,
                "horaires": props.get("horaires"),
                "longitude": coords[0],
                "latitude": coords[1],
                "source": "Francil'in",
            }


HARVESTER = FrancilinHarvester
