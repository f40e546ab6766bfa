"""Exports, open API and OGC API Features on a store harvested, built and analysed from the real
files (offline mirror mode): round trips through pyogrio, the national schema, a real OGC client
(OWSLib) paging through every layer, and schemathesis against the OpenAPI document."""

from __future__ import annotations

import csv
import io
import json
import threading
import zipfile

import pandas as pd
import pyogrio
import pytest
import schemathesis
import waitress
from hypothesis import HealthCheck
from hypothesis import settings as hsettings

from inclusion_map.gaps.output import run_gaps
from inclusion_map.stores import open_store
from inclusion_map.territory.build import run_build
from inclusion_map.web import create_app
from tests.conftest import harvested_and_built, mirror_settings

LAYERS = ("venues", "communes", "gaps", "gap_grid")
FORMATS = ("geojson", "gpkg", "fgb", "shp.zip", "csv")


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    folder = tmp_path_factory.mktemp("data-access")
    settings = harvested_and_built(folder, testdata)
    run_gaps(settings)
    return settings


@pytest.fixture(scope="module")
def app(built):
    app = create_app(built)
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="module")
def live(app):
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


def _read(content: bytes, fmt: str, tmp_path):
    path = tmp_path / f"layer.{fmt}"
    path.write_bytes(content)
    if fmt == "shp.zip":
        with zipfile.ZipFile(path) as archive:
            shp = next(n for n in archive.namelist() if n.endswith(".shp"))
            names = dict(csv.reader(io.StringIO(archive.read("fields.csv").decode("utf-8"))))
        frame = pyogrio.read_dataframe(f"/vsizip/{path}/{shp}")
        return frame.rename(columns={short: full for full, short in names.items()})
    if fmt == "csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    return pyogrio.read_dataframe(path)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_round_trips_in_every_format(app, built, layer, fmt, tmp_path):
    original = open_store(built.store_location).read(layer)
    response = app.test_client().get(f"/exports/{layer}.{fmt}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "describedby" in response.headers["Link"]
    back = _read(response.data, fmt, tmp_path)
    assert len(back) == len(original)
    if fmt != "csv":
        assert back.crs.to_epsg() == 4326
        assert back.geometry.notna().sum() == original.geometry.notna().sum()
    text_columns = [c for c in original.columns if original[c].dtype == object and c != "geometry"]
    key = {"venues": "nom", "communes": "nom", "gaps": "nom", "gap_grid": "zone_code"}[layer]
    if fmt == "csv" and layer == "venues":  # the national standard's columns only
        text_columns = [c for c in text_columns if c in back.columns]
    for col in text_columns:
        want = original[col].fillna("").astype(str)
        got = back[col].fillna("").astype(str) if col in back else None
        assert got is not None, f"{col} missing from {fmt}"
        short = want.str.len() <= 254  # Shapefile cuts longer texts
        assert (got[short.to_numpy()].to_numpy() == want[short].to_numpy()).all(), f"{layer}.{fmt}: {col} changed"
    if layer != "gap_grid":
        assert any(ch in "".join(back[key].astype(str)) for ch in "éèÿç")  # accents intact


def test_metadata_sidecar_and_filters(app):
    client = app.test_client()
    meta = client.get("/exports/venues.gpkg.meta.json?commune=94081").get_json()
    assert meta["licence"].startswith("Licence Ouverte 2.0") and meta["filters"] == {"commune": "94081"}
    assert meta["permalink"].endswith("/exports/venues.gpkg?commune=94081") and meta["rows"] > 0
    assert {s["title"] for s in meta["sources"]} >= {"Liste des France services"}
    one = json.loads(client.get("/exports/venues.geojson?commune=94081").data)
    assert len(one["features"]) == meta["rows"]
    assert all(f["properties"]["code_insee"] == "94081" for f in one["features"])
    box = client.get("/exports/communes.geojson?bbox=2.35,48.76,2.42,48.80").get_json()
    assert 0 < len(box["features"]) < 24
    for bad in ("/exports/venues.xls", "/exports/communes.csv?service=demarches", "/exports/venues.csv?bbox=1,2",
                "/exports/venues.csv?colour=red"):  # fmt: skip
        assert client.get(bad).status_code == 400, bad
    assert client.get("/exports/nope.csv").status_code == 404


def test_venues_csv_download_is_valid_against_the_national_schema(app, testdata, tmp_path):
    from frictionless import Resource, Schema, system

    out = tmp_path / "venues.csv"
    out.write_bytes(app.test_client().get("/exports/venues.csv").data)
    with system.use_context(trusted=True):
        report = Resource(str(out), schema=Schema(str(testdata / "schema/standard-mediation-num_schema.json"))).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_api_layers_and_gaps(app):
    client = app.test_client()
    listed = {entry["name"]: entry for entry in client.get("/api/layers").get_json()["layers"]}
    assert listed["communes"]["built"] and listed["communes"]["rows"] == 24 and not listed["iris"]["built"]
    page = client.get("/api/layers/communes?limit=10").get_json()
    assert page["total"] == 24 and len(page["features"]) == 10 and page["metadata"]["level"] == "commune"
    rest = client.get(page["next"]).get_json()
    assert {f["id"] for f in rest["features"]}.isdisjoint(f["id"] for f in page["features"])
    gaps = client.get("/api/gaps?limit=24").get_json()
    assert [f["properties"]["rank"] for f in gaps["features"]] == list(range(1, 25))
    assert client.get("/api/layers/iris").status_code == 404
    assert client.get("/api/layers/communes?limit=5000").status_code == 400
    assert client.get("/api/docs").status_code == 200


def test_owslib_pages_through_every_layer(live, built):
    from owslib.ogcapi.features import Features

    service = Features(f"{live}/ogc/")
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in service.conformance()["conformsTo"]
    collections = {c["id"] for c in service.collections()["collections"]}
    assert collections == set(LAYERS)
    store = open_store(built.store_location)
    for name in LAYERS:
        seen, offset = [], 0
        while True:
            page = service.collection_items(name, limit=500, offset=offset)
            seen += [f["id"] for f in page["features"]]
            if not any(link["rel"] == "next" for link in page["links"]):
                break
            offset += page["numberReturned"]
        assert len(seen) == len(set(seen)) == len(store.read(name)) == page["numberMatched"], name
        one = service.collection_item(name, str(seen[0]))
        assert str(one["id"]) == str(seen[0])


def test_openapi_answers_conform_to_the_document(app):
    """schemathesis generates requests from the OpenAPI document (valid values, then invalid ones) and
    checks each answer against it: no server error, a documented status code and media type, a
    body valid against the documented schema, and invalid values rejected with a 4xx."""
    from hypothesis import given
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import (
        content_type_conformance,
        negative_data_rejection,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )
    from schemathesis.core.failures import Failure, FailureGroup
    from schemathesis.generation import GenerationMode

    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance, negative_data_rejection]  # fmt: skip
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures, calls = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                # The in-process (WSGI) transport does not undo a Content-Encoding as an HTTP client
                # does: ask for the plain body (compression has its own tests, test_wcag_fixes.py).
                response = case.call(headers={"Accept-Encoding": "identity"})
                calls.append(response.status_code)
                try:
                    case.validate_response(response, checks=checks)
                except (Failure, FailureGroup) as exc:
                    failures.append(f"{case.method} {case.formatted_path} {case.query}: "
                                    f"{response.status_code} {response.headers.get('content-type')}: "
                                    f"{str(exc)[:300]}")

            try:
                check()
            except Unsatisfiable:  # no parameter to make invalid (e.g. /ogc/conformance)
                assert mode is GenerationMode.NEGATIVE, operation.label
    assert len(calls) > 200 and not failures, "\n".join(failures[:8])


def test_answers_match_the_document(app):
    """The cases schemathesis found, kept as plain examples: media types, the places array, values
    the document does not allow."""
    client = app.test_client()
    assert client.get("/api/venues?limit=1").mimetype == "application/geo+json"
    assert isinstance(client.get("/api/places?q=Orly").get_json(), list)
    document = client.get("/api/openapi.json").get_json()
    places = document["paths"]["/api/places"]["get"]["responses"]["200"]["content"]["application/json"]
    assert places["schema"]["type"] == "array"
    assert "application/geo+json" in document["paths"]["/api/venues"]["get"]["responses"]["200"]["content"]
    for bad in ("/api/venues?service=", "/api/venues?open_now=0", "/api/venues?lang=de", "/api/venues?insee=",
                "/api/venues?open_now=1&open_at=2026-12-01T10:00", "/api/gaps?limit=", "/api/layers/communes?offset="):
        response = client.get(bad)
        assert response.status_code == 400 and response.get_json()["status"] == 400, bad


def test_methods_not_in_the_document_get_405_with_allow(app):
    """An undocumented method on a documented path is a 405 naming the allowed methods (RFC 9110)."""
    client = app.test_client()
    document = client.get("/api/openapi.json").get_json()
    concrete = {"{venue_id}": "x", "{name}": "communes", "{collection_id}": "communes", "{feature_id}": "x"}
    for path in document["paths"]:
        for key, value in concrete.items():
            path = path.replace(key, value)
        for method in ("post", "put", "delete", "patch"):
            response = client.open(path, method=method.upper())
            assert response.status_code == 405, (method, path)
            allowed = {m.strip() for m in response.headers.get("Allow", "").split(",")}
            assert "GET" in allowed, (method, path, response.headers.get("Allow"))
            assert response.is_json and response.get_json()["status"] == 405


def test_iris_layer_exports_in_every_format(tmp_path, testdata):
    """The IRIS layer (built here from SYNTHETIC contours cut from the real Athis-Mons boundary)."""
    from tests.test_territory_layers import synthetic_iris

    settings = mirror_settings(tmp_path, testdata)
    file = tmp_path / "iris.geojson"
    file.write_text(json.dumps(synthetic_iris(testdata)), encoding="utf-8")
    reference = settings.reference.model_dump()
    reference["iris_contours"] = {"url": "https://example.invalid/iris.geojson", "mirror": str(file)}
    settings = settings.with_overrides(reference=reference)
    run_build(settings)
    client = create_app(settings).test_client()
    original = open_store(settings.store_location).read("iris")
    for fmt in FORMATS:
        back = _read(client.get(f"/exports/iris.{fmt}").data, fmt, tmp_path)
        assert len(back) == len(original) == 6, fmt
        assert sorted(back["code_iris"].astype(str)) == sorted(original["code_iris"]), fmt
        assert set(back["nom_com"]) == {"Athis-Mons"}, fmt
    meta = client.get("/exports/iris.gpkg.meta.json").get_json()
    assert meta["level"] == "iris" and meta["rows"] == 6
