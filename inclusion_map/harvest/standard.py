"""Any dataset published in the national standard "lieux de médiation numérique", as CSV or
JSON, in v1.0.x or in the older 0.x shape (old names and vocabularies are mapped by
:func:`inclusion_map.schema.normalise`).

Live: the data.gouv.fr datasets named in the config (default: the Cartographie nationale's
deduplicated national set, published nightly by ANCT since April 2026), and with ``discover: true``
every dataset on data.gouv.fr that declares the standard's schema and covers the territory (the
hubs' datasets come in without code). Each dataset is kept as its own upstream in the provenance
(``upstream``); ids of all but the first configured dataset are prefixed with a short key so two
datasets can never collide.
"""

from __future__ import annotations

from collections.abc import Iterator

import requests

from .. import datagouv
from ..errors import SourceUnavailable
from .base import Harvester, Raw, Rejection, decode_text, json_records, load_csv, origin_of

REQUIRED_COLUMNS = ("id", "nom")


class StandardHarvester(Harvester):
    name = "standard"
    kind = "standard lieux de médiation numérique: data.gouv.fr datasets, JSON or CSV (v1.0.x or 0.x)"

    def live_files(self, session: requests.Session, messages: list[str]) -> list[tuple[str, dict]]:
        files = super().live_files(session, messages) if (self.config.datasets or self.config.urls) else []
        if self.config.discover:
            known = {origin.get("dataset_id") for _, origin in files}
            zones = lambda document: self.scope.covers((document.get("spatial") or {}).get("zones") or [])  # noqa: E731
            found, notes = datagouv.discover(self.settings, session, zones)
            new = [r for r in found if r.dataset_id not in known]
            messages += notes
            messages.append(f"discovery: {len(new)} more dataset(s) of the standard cover the territory"
                            + (f" ({', '.join(r.label for r in new)})" if new else ""))  # fmt: skip
            files += [(r.url, origin_of(r, r.dataset_id[:8] or r.dataset_slug[:12])) for r in new]
        if not files:
            raise SourceUnavailable(f"{self.name}: no dataset of the standard covers the territory")
        return files

    def map_rows(self, raw: Raw) -> Iterator[dict | Rejection]:
        origins = raw.origins if len(raw.origins) == len(raw.payloads) else [{}] * len(raw.payloads)
        for payload, origin in zip(raw.payloads, origins, strict=True):
            key, upstream = origin.get("key"), origin.get("dataset")
            if decode_text(payload).lstrip()[:1] in "[{":
                rows = json_records(payload, "data", "items", "lieux", "features")
                rows = [r.get("properties", r) if r.get("type") == "Feature" else r for r in rows]
                if rows and not any(k in rows[0] for k in REQUIRED_COLUMNS):
                    raise SourceUnavailable(f"{payload.origin}: records have no 'id' or 'nom' field")
            else:
                rows = load_csv(payload, REQUIRED_COLUMNS)
            for row in rows:
                sid = row.get("id")
                yield {**row, "source_id": f"{key}--{sid}" if key and sid else sid, "upstream": upstream}


HARVESTER = StandardHarvester
