"""The JSON API used by the map and the search box (GeoJSON for venues).

``/api/venues``: ``lon``, ``lat``, ``radius`` (metres) or ``bbox`` (minlon,minlat,maxlon,maxlat),
filters ``service``, ``modalite``, ``public``, ``frais``, ``label`` (repeatable), ``open_now=1``
or ``open_at`` (ISO local time), ``limit`` (1–100) and ``offset``. Every bad value is a 400 with a
message and a hint, never a 500.
"""

from __future__ import annotations

import contextlib

from flask import Blueprint, current_app, g, jsonify, redirect, request, url_for

from .. import corrections
from ..errors import BadRequest, NotFound
from ..stores import open_store
from . import moved, now_local
from .places import AddressSearchUnavailable, address_search, gazette
from .venue_index import get_index
from .view_helpers import decorate

bp = Blueprint("api", __name__, url_prefix="/api")
MAP_FIELDS = ("id", "nom", "adresse", "code_postal", "commune", "services", "dispositif_programmes_nationaux",
              "horaires", "distance_m", "walk_min")  # fmt: skip


def _store_path():
    return current_app.config["SETTINGS"].store_location


def _feature(item: dict, lang: str) -> dict:
    props = {k: item.get(k) for k in MAP_FIELDS if k in item}
    props["status"] = item["status"].text
    props["state"] = item["status"].state
    props["labels"] = item["labels_list"]
    props["url"] = url_for("public.venue", venue_id=item["id"], lang=lang if lang != "fr" else None)
    # What the territory team corrected: [{field, value, by, at}] (the record holds it as JSON text)
    props["corrections"] = corrections.entries(item)
    geometry = {"type": "Point", "coordinates": [item["longitude"], item["latitude"]]} \
        if item.get("longitude") is not None else None  # fmt: skip
    return {"type": "Feature", "id": item["id"], "geometry": geometry, "properties": props}



@bp.get("/venues")
def venues():
    args = request.args
    open_at = None
    unknown = set(args) - {"lon", "lat", "radius", "bbox", "service", "modalite", "public", "frais", "label",
                           "insee", "open_now", "open_at", "limit", "offset", "lang"}  # fmt: skip
    if unknown:
        raise BadRequest(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    # As the OpenAPI document says: a value given is a real one (« service= » is a mistake, not
    # « any service »), open_now is 1, lang is fr or en.
    if empty := sorted({k for k, v in args.items(multi=True) if not v.strip()}):
        raise BadRequest(f"parameter(s) without a value: {', '.join(empty)}",
                         hint="leave out the ones not used")  # fmt: skip
    if args.get("open_now", "1") != "1":
        raise BadRequest(f"open_now takes the value 1 (got '{args['open_now'][:20]}')",
                         hint="leave it out to include venues closed now")  # fmt: skip
    if args.get("lang", "fr") not in ("fr", "en"):
        raise BadRequest(f"lang takes fr or en (got '{args['lang'][:20]}')")
    if "open_now" in args and "open_at" in args:
        raise BadRequest("give open_now or open_at, not both")
    if args.get("open_now") == "1":
        open_at = now_local()
    elif args.get("open_at"):
        open_at = args["open_at"]
    result = get_index(_store_path()).query(
        lon=args.get("lon"), lat=args.get("lat"), radius_m=args.get("radius"), bbox=args.get("bbox"),
        services=args.getlist("service"), modalites=args.getlist("modalite"), publics=args.getlist("public"),
        frais=args.getlist("frais"), labels=args.getlist("label"), codes_insee=args.getlist("insee"),
        open_at=open_at, limit=args.get("limit", 20), offset=args.get("offset", 0))  # fmt: skip
    now = now_local()
    features = [_feature(decorate(item, now, g.lang), g.lang) for item in result.items]
    body = {"type": "FeatureCollection", "features": features, "total": result.total,
            "limit": result.limit, "offset": result.offset}  # fmt: skip
    if result.offset + result.limit < result.total:
        nxt = args.to_dict(flat=False)
        nxt["offset"] = [str(result.offset + result.limit)]
        body["next"] = url_for("api.venues", **nxt)
    return _geojson(body)


def _geojson(body: dict):
    """GeoJSON is served as ``application/geo+json`` (RFC 7946), as the OpenAPI document says."""
    response = jsonify(body)
    response.mimetype = "application/geo+json"
    return response


@bp.get("/venues/<path:venue_id>")  # some publishers' ids hold a "/"
def venue(venue_id: str):
    record = get_index(_store_path()).get(venue_id)
    if record is None:
        found = moved.resolve(_store_path(), venue_id)
        if found.current:  # merged into another venue since: its record is there
            return redirect(url_for("api.venue", venue_id=found.current, **request.args), 301)
        if found.status in ("gone", "closed"):
            entry = found.entry or {}
            near = [{"id": v["id"], "nom": v.get("nom"), "distance_m": round(v.get("distance_m") or 0),
                     "url": url_for("api.venue", venue_id=v["id"], _external=True)}
                    for v in moved.nearest(_store_path(), entry)]  # fmt: skip
            return jsonify(error=f"the venue '{venue_id[:80]}' is {found.status}", status=410, venue_status=found.status,
                           name=entry.get("name"), commune=entry.get("commune"), ended_at=entry.get("ended_at"),
                           reason=entry.get("reason"), nearest=near), 410  # fmt: skip
        raise NotFound(f"no venue with id '{venue_id[:80]}'")
    return _geojson(_feature(decorate(record, now_local(), g.lang), g.lang) | {"record": record})


@bp.get("/places")
def places():
    """Communes matching a name or a postcode (offline), for the search box's suggestions."""
    q = (request.args.get("q") or "").strip()
    if len(q) > 200:
        raise BadRequest("q is too long (200 characters at most)")
    gaz = gazette(_store_path())
    found = gaz.search(q)[:10] if len(q) >= 2 else []
    settings = current_app.config["SETTINGS"]
    if len(found) < 5 and len(q) >= 3 and not q.isdigit() and settings.geocoding.enabled:
        with contextlib.suppress(AddressSearchUnavailable):  # and addresses, when the geocoder answers
            found += [p for p in address_search(q, settings, limit=5, autocomplete=True)
                      if gaz.contains(p.lon, p.lat)]  # fmt: skip
    return jsonify([{"label": p.label, "lon": p.lon, "lat": p.lat, "kind": p.kind, "code_insee": p.code_insee}
                    for p in found])  # fmt: skip


@bp.get("/openapi.json")
def openapi():
    from .openapi import document

    response = jsonify(document())
    response.mimetype = "application/vnd.oai.openapi+json"
    return response


@bp.get("/layers")
def layers():
    """The catalogue: each layer with its metadata, whether it is built, and its links."""
    from .layer_access import available, catalogue

    path = _store_path()
    built = available(path)
    store = open_store(path)
    meta = store.meta() if store.exists() else {}
    out = []
    for name, spec in catalogue().items():
        entry = spec.model_dump()
        entry["built"] = name in built
        entry["rows"] = meta.get(name, {}).get("rows")
        entry["written_at"] = meta.get(name, {}).get("written_at")
        if name in built:
            entry["links"] = {"geojson": url_for("api.layer", name=name), "ogc": url_for("ogc.items", collection_id=name),
                              "downloads": url_for("downloads.index")}  # fmt: skip
        out.append(entry)
    return jsonify({"layers": out})


def _paged_layer(name: str, default_limit: int = 100, order: str | None = None):
    from .layer_access import layer_page

    page = layer_page(_store_path(), name, request.args, extra=("lang",), default_limit=default_limit, order=order)
    body = {"type": "FeatureCollection", "features": page.features, "total": page.matched, "limit": page.limit,
            "offset": page.offset, "metadata": page.meta}  # fmt: skip
    if page.has_next:
        query = {**request.args.to_dict(), "offset": page.offset + page.limit}
        body["next"] = url_for(request.endpoint, **(request.view_args or {}), **query)
    response = jsonify(body)
    response.mimetype = "application/geo+json"
    return response


@bp.get("/layers/<name>")
def layer(name: str):
    return _paged_layer(name)


@bp.get("/gaps")
def gaps():
    """The last gap analysis' zones, by priority rank (run `python run.py gaps` to refresh)."""
    return _paged_layer("gaps", default_limit=50, order="rank")
