"""The OpenAPI 3 document of the open API and of the OGC API Features endpoints."""

from __future__ import annotations

from .. import __version__
from ..vocab import DISPOSITIFS, FRAIS, MODALITES_ACCOMPAGNEMENT, PUBLICS, SERVICES


def _q(name, description, schema, required=False, array=False):
    if array:
        schema = {"type": "array", "items": schema}
    return {"name": name, "in": "query", "description": description, "required": required, "schema": schema,
            **({"style": "form", "explode": True} if array else {})}  # fmt: skip


def _path(name, description):
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


JSON = {"application/json": {"schema": {"type": "object"}}}
GEOJSON = {"application/geo+json": {"schema": {"type": "object"}}}
ERROR = {"description": "Bad request: the message says which value and what is accepted",
         "content": {"application/json": {"schema": {"type": "object", "properties": {
             "error": {"type": "string"}, "hint": {"type": "string", "nullable": True}, "status": {"type": "integer"}}}}}}  # fmt: skip
NOT_FOUND = {"description": "Not found", "content": JSON}
PAGING = [_q("limit", "Items per page", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
          _q("offset", "Items to skip", {"type": "integer", "minimum": 0, "default": 0}),
          _q("bbox", "minlon,minlat,maxlon,maxlat (WGS84)", {"type": "string"})]  # fmt: skip


def document() -> dict:
    """The OpenAPI 3.0 document (paths relative to the site's root)."""
    venues_params = [
        _q("lon", "Longitude of the point (WGS84 degrees)", {"type": "number", "minimum": -180, "maximum": 180}),
        _q("lat", "Latitude of the point (WGS84 degrees)", {"type": "number", "minimum": -90, "maximum": 90}),
        _q("radius", "Radius around the point, metres", {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 50000}),
        _q("bbox", "minlon,minlat,maxlon,maxlat (WGS84, at most 2 degrees each way)", {"type": "string"}),
        _q("service", "Standard service (repeatable)", {"type": "string", "enum": list(SERVICES)}, array=True),
        _q("modalite", "Modality (repeatable)", {"type": "string", "enum": list(MODALITES_ACCOMPAGNEMENT)}, array=True),
        _q("public", "Public (repeatable)", {"type": "string", "enum": list(PUBLICS)}, array=True),
        _q("frais", "Fees (repeatable)", {"type": "string", "enum": list(FRAIS)}, array=True),
        _q("label", "National programme (repeatable)", {"type": "string", "enum": list(DISPOSITIFS)}, array=True),
        _q("insee", "INSEE commune code (repeatable)", {"type": "string", "pattern": "^[0-9][0-9AB][0-9]{3}$"}, array=True),
        _q("open_now", "1: only venues open now (French time)", {"type": "string", "enum": ["1"]}),
        _q("open_at", "Only venues open at this local time (ISO 8601)", {"type": "string", "format": "date-time"}),
        _q("limit", "Items per page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
        _q("offset", "Items to skip", {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0}),
        _q("lang", "Language of the status texts", {"type": "string", "enum": ["fr", "en"]}),
    ]  # fmt: skip
    ok = {"200": {"description": "OK", "content": JSON}, "400": ERROR, "404": NOT_FOUND}
    geo_ok = {"200": {"description": "OK", "content": GEOJSON}, "400": ERROR, "404": NOT_FOUND}
    return {
        "openapi": "3.0.3",
        "info": {"title": "inclusion_map open API", "version": __version__,
                 "description": "Digital-help venues of the territory, territory and fragility layers, coverage gaps. "
                                "Data under Licence Ouverte 2.0; every response is WGS84 (lon/lat).",
                 "license": {"name": "Licence Ouverte 2.0", "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}},  # fmt: skip
        "paths": {
            "/api/venues": {"get": {"summary": "Venues near a point or in a box, filtered and paged (GeoJSON)",
                                    "parameters": venues_params, "responses": geo_ok}},
            "/api/venues/{venue_id}": {"get": {"summary": "One venue with its full record",
                                               "parameters": [_path("venue_id", "Venue id")], "responses": geo_ok}},
            "/api/places": {"get": {"summary": "Communes (and addresses, from the geocoder) matching a text",
                                    "parameters": [_q("q", "Name, postcode or address", {"type": "string", "maxLength": 200})],
                                    "responses": ok}},
            "/api/layers": {"get": {"summary": "The layer catalogue with metadata and links", "responses": ok}},
            "/api/layers/{name}": {"get": {"summary": "One layer as GeoJSON, paged, with its metadata",
                                           "parameters": [_path("name", "Layer name"), *PAGING], "responses": geo_ok}},
            "/api/gaps": {"get": {"summary": "The last coverage-gap analysis: zones by priority (GeoJSON)",
                                  "parameters": PAGING[:2], "responses": geo_ok}},
            "/ogc/": {"get": {"summary": "OGC API Features landing page", "responses": ok}},
            "/ogc/conformance": {"get": {"summary": "Conformance classes", "responses": ok}},
            "/ogc/collections": {"get": {"summary": "Collections (one per layer)", "responses": ok}},
            "/ogc/collections/{collection_id}": {"get": {"summary": "One collection",
                                                         "parameters": [_path("collection_id", "Layer name")],
                                                         "responses": ok}},
            "/ogc/collections/{collection_id}/items": {"get": {"summary": "Features, paged with next links",
                                                               "parameters": [_path("collection_id", "Layer name"), *PAGING],
                                                               "responses": geo_ok}},
            "/ogc/collections/{collection_id}/items/{feature_id}": {"get": {
                "summary": "One feature", "parameters": [_path("collection_id", "Layer name"),
                                                         _path("feature_id", "Feature id")], "responses": geo_ok}},
        },
    }  # fmt: skip
