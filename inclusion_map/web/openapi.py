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


def _json(schema: dict, media: str = "application/json") -> dict:
    return {media: {"schema": schema}}


def _ok(schema: dict, media: str = "application/json") -> dict:
    """The answers of an operation: 200 with this body, 400 and 404 with an error body."""
    return {"200": {"description": "OK", "content": _json(schema, media)}, "400": ERROR, "404": NOT_FOUND}


# The bodies as they are answered (checked by schemathesis in tests/test_data_access.py): every
# property the clients rely on is described, other properties may be added.
ERROR_BODY = {"type": "object", "required": ["error", "status"], "properties": {
    "error": {"type": "string"}, "hint": {"type": "string", "nullable": True}, "status": {"type": "integer"}}}
ERROR = {"description": "Bad request: the message says which value and what is accepted",
         "content": _json(ERROR_BODY)}
NOT_FOUND = {"description": "Not found", "content": _json(ERROR_BODY)}
TEXT = {"type": "string"}
GONE_BODY = {"type": "object", "required": ["error", "status", "venue_status", "nearest"], "properties": {
    "error": TEXT, "status": {"type": "integer"}, "venue_status": {"type": "string", "enum": ["gone", "closed"]},
    "name": {"type": "string", "nullable": True}, "commune": {"type": "string", "nullable": True},
    "ended_at": {"type": "string", "nullable": True}, "reason": {"type": "string", "nullable": True},
    "nearest": {"type": "array", "items": {"type": "object", "properties": {
        "id": TEXT, "nom": {"type": "string", "nullable": True}, "distance_m": {"type": "number"}, "url": TEXT}}}}}
MOVED = {"301": {"description": "The venue merged into another: Location is its address"},
         "410": {"description": "The venue is gone (no source lists it) or closed: its last name and the nearest "
                                "venues", "content": _json(GONE_BODY)}}  # fmt: skip
LINK = {"type": "object", "required": ["href", "rel"],
        "properties": {"href": TEXT, "rel": TEXT, "type": TEXT, "title": TEXT}}
LINKS = {"type": "array", "items": LINK}
GEOMETRY = {"type": "object", "nullable": True, "required": ["type"], "properties": {"type": TEXT}}
FEATURE = {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
    "type": {"type": "string", "enum": ["Feature"]}, "id": {"description": "The id (text or number)"},
    "geometry": GEOMETRY, "properties": {"type": "object", "nullable": True}}}
FEATURES = {"type": "array", "items": FEATURE}
COUNT = {"type": "integer", "minimum": 0}


def _collection_body(**extra) -> dict:
    return {"type": "object", "required": ["type", "features", *extra], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]}, "features": FEATURES, **extra}}


VENUES = _collection_body(total=COUNT, limit=COUNT, offset=COUNT)
VENUES["properties"]["next"] = {"type": "string", "description": "The next page (absent on the last)"}
VENUE = {**FEATURE, "required": [*FEATURE["required"], "id", "record"],
         "properties": {**FEATURE["properties"], "record": {"type": "object"}}}  # fmt: skip
PLACE = {"type": "object", "required": ["label", "lon", "lat", "kind"], "properties": {
    "label": TEXT, "lon": {"type": "number"}, "lat": {"type": "number"},
    "kind": {"type": "string", "enum": ["commune", "postcode", "address", "position"]},
    "code_insee": {"type": "string", "nullable": True}}}
PLACES = {"type": "array", "items": PLACE}
LAYERS = {"type": "object", "required": ["layers"], "properties": {"layers": {"type": "array", "items": {
    "type": "object", "required": ["name", "built"], "properties": {
        "name": {"type": "string"}, "built": {"type": "boolean"},
        "rows": {"type": "integer", "nullable": True}, "links": {"type": "object"}}}}}}
LAYER_PAGE = _collection_body(total=COUNT, limit=COUNT, offset=COUNT, metadata={"type": "object"})
LAYER_PAGE["properties"]["next"] = {"type": "string"}
LANDING = {"type": "object", "required": ["title", "links"], "properties": {"title": {"type": "string"},
                                                                          "links": LINKS}}
CONFORMANCE = {"type": "object", "required": ["conformsTo"], "properties": {
    "conformsTo": {"type": "array", "items": {"type": "string"}}}}
COLLECTION = {"type": "object", "required": ["id", "links"], "properties": {
    "id": {"type": "string"}, "title": {"type": "string"}, "links": LINKS, "extent": {"type": "object"}}}
COLLECTIONS = {"type": "object", "required": ["collections", "links"], "properties": {
    "collections": {"type": "array", "items": COLLECTION}, "links": LINKS}}
ITEMS = _collection_body(numberMatched=COUNT, numberReturned=COUNT, links=LINKS)
ITEM = {**FEATURE, "required": [*FEATURE["required"], "id", "links"],
        "properties": {**FEATURE["properties"], "links": LINKS}}  # fmt: skip
GEOJSON = "application/geo+json"
PAGING = [_q("limit", "Items per page", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
          _q("offset", "Items to skip", {"type": "integer", "minimum": 0, "default": 0}),
          _q("bbox", "minlon,minlat,maxlon,maxlat (WGS84); required, of at most 1 square degree, for a layer of "
                     "more than a million features (the grid of a national analysis)", {"type": "string"})]  # fmt: skip


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
        _q("open_now", "1: only venues open now (French time); not with open_at",
           {"type": "string", "enum": ["1"]}),
        _q("open_at", "Only venues open at this local time (ISO 8601); not with open_now",
           {"type": "string", "format": "date-time"}),
        _q("limit", "Items per page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
        _q("offset", "Items to skip", {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0}),
        _q("lang", "Language of the status texts", {"type": "string", "enum": ["fr", "en"]}),
    ]  # fmt: skip
    return {
        "openapi": "3.0.3",
        "info": {"title": "inclusion_map open API", "version": __version__,
                 "description": "Digital-help venues of the territory, territory and fragility layers, coverage gaps. "
                                "Data under Licence Ouverte 2.0; every response is WGS84 (lon/lat). "
                                "A method not listed for a path is answered 405 with an Allow header.",
                 "license": {"name": "Licence Ouverte 2.0", "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}},  # fmt: skip
        "paths": {
            "/api/venues": {"get": {"summary": "Venues near a point or in a box, filtered and paged (GeoJSON)",
                                    "parameters": venues_params, "responses": _ok(VENUES, GEOJSON)}},
            "/api/venues/{venue_id}": {"get": {"summary": "One venue with its full record",
                                               "parameters": [_path("venue_id", "Venue id (may hold a /)")],
                                               "responses": {**_ok(VENUE, GEOJSON), **MOVED}}},
            "/api/places": {"get": {"summary": "An array of the communes (and addresses, from the geocoder) "
                                               "matching a text",
                                    "parameters": [_q("q", "Name, postcode or address",
                                                      {"type": "string", "maxLength": 200})],
                                    "responses": _ok(PLACES)}},
            "/api/layers": {"get": {"summary": "The layer catalogue with metadata and links",
                                    "responses": _ok(LAYERS)}},
            "/api/layers/{name}": {"get": {"summary": "One layer as GeoJSON, paged, with its metadata",
                                           "parameters": [_path("name", "Layer name"), *PAGING],
                                           "responses": _ok(LAYER_PAGE, GEOJSON)}},
            "/api/gaps": {"get": {"summary": "The last coverage-gap analysis: zones by priority (GeoJSON)",
                                  "parameters": PAGING[:2], "responses": _ok(LAYER_PAGE, GEOJSON)}},
            "/ogc/": {"get": {"summary": "OGC API Features landing page", "responses": _ok(LANDING)}},
            "/ogc/conformance": {"get": {"summary": "Conformance classes", "responses": _ok(CONFORMANCE)}},
            "/ogc/collections": {"get": {"summary": "Collections (one per layer)",
                                         "responses": _ok(COLLECTIONS)}},
            "/ogc/collections/{collection_id}": {"get": {"summary": "One collection",
                                                         "parameters": [_path("collection_id", "Layer name")],
                                                         "responses": _ok(COLLECTION)}},
            "/ogc/collections/{collection_id}/items": {"get": {"summary": "Features, paged with next links",
                                                               "parameters": [_path("collection_id", "Layer name"), *PAGING],
                                                               "responses": _ok(ITEMS, GEOJSON)}},
            "/ogc/collections/{collection_id}/items/{feature_id}": {"get": {
                "summary": "One feature", "parameters": [_path("collection_id", "Layer name"),
                                                         _path("feature_id", "Feature id (may hold a /)")],
                "responses": _ok(ITEM, GEOJSON)}},
        },
    }  # fmt: skip
