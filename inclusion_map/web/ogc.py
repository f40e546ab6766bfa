"""OGC API – Features (Part 1: Core) over the catalogue layers, so that QGIS and scripts add every
layer as a source: landing page, conformance, collections, items (``bbox``, ``limit``,
``offset``, ``next`` links) and single features. JSON/GeoJSON only; WGS84 (CRS84)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from .layer_access import (
    available,
    catalogue,
    features,
    find,
    find_large,
    is_large,
    layer_extent,
    layer_page,
    read_layer,
)

bp = Blueprint("ogc", __name__, url_prefix="/ogc")
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"


def _store_path():
    return current_app.config["SETTINGS"].store_location


def _link(endpoint: str, rel: str, media: str = "application/json", title: str | None = None, **values) -> dict:
    link = {"href": url_for(endpoint, _external=True, **values), "rel": rel, "type": media}
    if title:
        link["title"] = title
    return link



@bp.get("/")
def landing():
    return jsonify({
        "title": "inclusion_map — OGC API Features",
        "description": "Digital-help venues, territory, fragility and coverage-gap layers (Licence Ouverte 2.0).",
        "links": [_link("ogc.landing", "self"), _link("api.openapi", "service-desc", "application/vnd.oai.openapi+json;version=3.0"),
                  _link("docs.api_docs", "service-doc", "text/html"), _link("ogc.conformance", "conformance"),
                  _link("ogc.collections", "data")],
    })  # fmt: skip


@bp.get("/conformance")
def conformance():
    return jsonify({"conformsTo": CONFORMANCE})


def _collection(name: str, spec, meta: dict, frame=None) -> dict:
    out = {
        "id": name, "title": spec.title, "description": spec.description, "itemType": "feature",
        "crs": [CRS84], "storageCrs": CRS84,
        "links": [_link("ogc.collection", "self", collection_id=name),
                  _link("ogc.items", "items", GEOJSON, collection_id=name)],
    }  # fmt: skip
    bounds = frame if isinstance(frame, tuple) else (frame.total_bounds if frame is not None and len(frame) else None)
    if bounds is not None:
        minx, miny, maxx, maxy = (float(v) for v in bounds)
        out["extent"] = {"spatial": {"bbox": [[minx, miny, maxx, maxy]], "crs": CRS84}}
    out["license"] = spec.licence
    return out


@bp.get("/collections")
def collections():
    path = _store_path()
    items = []
    for name, spec in available(path).items():
        items.append(_collection(name, spec, *_layer_summary(path, name)))
    return jsonify({"collections": items, "links": [_link("ogc.collections", "self")]})


def _layer_summary(path, name: str):
    """The layer's metadata and its features, or, for a large layer, its bounds from the file."""
    if name in catalogue() and is_large(path, name):
        from ..stores import open_store

        return open_store(path).meta().get(name, {}), layer_extent(path, name)
    frame, meta = read_layer(path, name)
    return meta, frame


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    meta, frame = _layer_summary(_store_path(), collection_id)
    return jsonify(_collection(collection_id, catalogue()[collection_id], meta, frame))


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    page = layer_page(_store_path(), collection_id, request.args, extra=("f",))
    offset, limit = page.offset, page.limit
    args = {k: v for k, v in request.args.items() if k not in ("offset",)}
    links = [_link("ogc.items", "self", GEOJSON, collection_id=collection_id, offset=offset, **args),
             _link("ogc.collection", "collection", collection_id=collection_id)]
    if page.has_next:
        links.append(_link("ogc.items", "next", GEOJSON, collection_id=collection_id, offset=offset + limit, **args))
    if offset > 0:
        links.append(_link("ogc.items", "prev", GEOJSON, collection_id=collection_id,
                           offset=max(0, offset - limit), **args))  # fmt: skip
    body = {"type": "FeatureCollection", "features": page.features, "numberMatched": page.matched,
            "numberReturned": len(page.features), "links": links}  # fmt: skip
    response = jsonify(body)
    response.mimetype = GEOJSON
    return response


@bp.get("/collections/<collection_id>/items/<path:feature_id>")  # venue ids may hold a "/"
def item(collection_id: str, feature_id: str):
    path = _store_path()
    if collection_id in catalogue() and is_large(path, collection_id):
        hit = find_large(path, collection_id, feature_id)
    else:
        hit = find(read_layer(path, collection_id)[0], collection_id, feature_id)
    feature = features(hit, collection_id)[0]
    feature["links"] = [_link("ogc.item", "self", GEOJSON, collection_id=collection_id, feature_id=feature_id),
                        _link("ogc.collection", "collection", collection_id=collection_id)]  # fmt: skip
    response = jsonify(feature)
    response.mimetype = GEOJSON
    return response
