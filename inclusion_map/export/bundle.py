"""A catalogue layer, filtered, in one format, with its metadata sidecar.

The sidecar (JSON) says what the file holds: the layer's title and description, the sources with
their licence, the licence of the file (Licence Ouverte 2.0), when the layer was harvested or
built, the method, the product version, the filters applied and the number of rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from .. import __version__
from ..catalogue import load_catalogue
from ..config import Settings
from ..errors import BadRequest, NotFound
from ..freshness import footer_text, summary
from ..geo.bbox import parse_bbox
from ..stores import open_store
from . import exporter_for

# Column holding the INSEE commune code, per layer.
COMMUNE_COLUMNS = {"venues": "code_insee", "communes": "code", "iris": "insee_com", "gaps": "commune",
                   "gap_grid": "zone_code"}  # fmt: skip


def layer_frame(settings: Settings, layer: str, commune: str | None = None, service: str | None = None,
                bbox=None) -> tuple[pd.DataFrame, dict]:  # fmt: skip
    """Read a catalogue layer from the store with the filters applied; returns (frame, stored meta)."""
    catalogue = load_catalogue()
    if layer not in catalogue:
        raise NotFound(f"unknown layer '{layer}'", hint=f"layers: {', '.join(catalogue)}")
    store = open_store(settings.store_location)
    if not (store.exists() and store.has(layer)):
        raise NotFound(f"the layer '{layer}' has not been built yet", hint=f"run `{catalogue[layer].built_by}`")
    frame = store.read(layer, bbox=parse_bbox(bbox))
    if commune:
        column = COMMUNE_COLUMNS[layer]
        frame = frame[frame[column].astype(str) == commune]
    if service:
        if layer != "venues":
            raise BadRequest("the service filter applies to the venues layer only")
        from ..gaps.demand import resolve_service

        wanted = resolve_service(service)
        frame = frame[frame["services"].fillna("").str.split("|").map(lambda s: wanted in s)]
    return frame.reset_index(drop=True), store.meta().get(layer, {})


def sidecar(settings: Settings, layer: str, fmt: str, meta: dict, rows: int, filters: dict,
            permalink: str | None = None) -> dict:  # fmt: skip
    """The metadata that goes with an exported file."""
    spec = load_catalogue()[layer]
    sources = meta.get("sources")
    if not sources:
        sources = [{"name": name, "title": cfg.title, "publisher": cfg.publisher, "licence": cfg.licence}
                   for name, cfg in settings.sources.items() if name in spec.sources or layer == "venues"]  # fmt: skip
    licence = str(meta.get("licence") or spec.licence)
    if licence == "Licence Ouverte 2.0":
        licence = "Licence Ouverte 2.0 (Etalab)"
    info = {
        "layer": layer, "title": spec.title, "title_en": spec.title_en, "description": spec.description,
        "format": fmt, "rows": rows, "filters": {k: v for k, v in filters.items() if v},
        # The layer's own licence (the territory's actors carry the one it chose), else the catalogue's.
        "licence": licence, "licence_url": LO_URL if licence.startswith("Licence Ouverte") else None,
        "sources": sources, "crs": "EPSG:4326",
        "harvested_or_built_at": meta.get("written_at") or meta.get("built_at"),
        "level": meta.get("level", spec.level), "method": meta.get("method") or meta.get("fragility"),
        "built_by": spec.built_by, "product": f"inclusion_map {__version__}",
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"), "permalink": permalink,
    }  # fmt: skip
    if layer in VENUE_BASED:
        info["venue_data"] = venue_data(settings, meta if layer == "venues" else None)
    return info


VENUE_BASED = ("venues", "gaps", "gap_grid")
LO_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


def venue_data(settings: Settings, venues_meta: dict | None = None) -> dict:
    """How old the venues behind a file are: their records' dates, which sources are archives
    (with their vintage), which gave nothing. Dated by the records, never by the export or harvest."""
    if venues_meta is None:
        store = open_store(settings.store_location)
        venues_meta = store.meta().get("venues", {}) if store.exists() else {}
    info = summary(venues_meta)
    return {
        "records_updated_from": info["from"], "records_updated_to": info["to"],
        "archive_only": info["archive_only"],
        "archives": [{"name": s.get("name"), "title": s.get("title"), "vintage": s.get("vintage")}
                     for s in info["archives"]],
        "failed_sources": [{"name": s.get("name"), "title": s.get("title"), "status": s.get("status")}
                           for s in info["failed"]],
        "harvested_at": info["harvested_at"],
        "note": footer_text(info, "en"),
    }  # fmt: skip


def export_layer(settings: Settings, layer: str, fmt: str, fileobj, commune=None, service=None, bbox=None,
                 permalink: str | None = None) -> dict:  # fmt: skip
    """Write ``layer`` in ``fmt`` to ``fileobj``; returns the sidecar metadata."""
    exporter = exporter_for(fmt, layer)
    frame, meta = layer_frame(settings, layer, commune, service, bbox)
    filters = {"commune": commune, "service": service, "bbox": bbox}
    info = sidecar(settings, layer, exporter.extension, meta, len(frame), filters, permalink)
    if layer == "venues":
        info["corrections"] = team_corrections(frame)
    exporter.write(frame, fileobj, {**info, "layer": layer})
    return info


def team_corrections(frame: pd.DataFrame) -> dict:
    """What the territory team corrected or added in the exported venues.

    Every format but the standard's CSV carries the ``corrections`` column and the team's
    provenance entry; the CSV keeps the standard's 32 columns (so that it stays valid against the
    national schema), and this list in its sidecar says the same.
    """
    from ..corrections import ADDED_PREFIX, entries

    rows = frame.to_dict("records") if "corrections" in frame.columns else []
    fields = [{"id": row.get("id"), **entry} for row in rows for entry in entries(row)]
    added = [str(i) for i in frame["id"]] if "id" in frame.columns else []
    return {
        "note": "Fields corrected by the territory team override the sources' values until the team "
                "withdraws them; venues whose id starts with 'equipe:' were added by the team.",
        "venues_corrected": len({f["id"] for f in fields}),
        "venues_added": sum(i.startswith(ADDED_PREFIX) for i in added),
        "fields": fields,
    }  # fmt: skip
