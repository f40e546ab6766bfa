"""Any dataset published in the national standard "lieux de médiation numérique", as CSV or
JSON, in v1.0.x or in the older 0.x shape (old names and vocabularies are mapped by
:func:`inclusion_map.schema.normalise`). Default: the Cartographie nationale's consolidated set."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Harvester, Raw, Rejection, decode_text, json_records, load_csv

REQUIRED_COLUMNS = ("id", "nom")


class StandardHarvester(Harvester):
    name = "standard"
    kind = "standard lieux de médiation numérique (CSV or JSON, v0.x or v1.0.x)"

    def map_rows(self, raw: Raw) -> Iterator[dict | Rejection]:
        for payload in raw.payloads:
            if decode_text(payload).lstrip()[:1] in "[{":
                rows = json_records(payload, "data", "items", "lieux", "features")
                rows = [r.get("properties", r) if r.get("type") == "Feature" else r for r in rows]
                if rows and not any(k in rows[0] for k in REQUIRED_COLUMNS):
                    from ..errors import SourceUnavailable

                    raise SourceUnavailable(f"{payload.origin}: records have no 'id' or 'nom' field")
            else:
                rows = load_csv(payload, REQUIRED_COLUMNS)
            for row in rows:
                yield {**row, "source_id": row.get("id")}


HARVESTER = StandardHarvester
