"""Shared fixtures: the real open data of ``../shared/data`` served unchanged by a local HTTP
server, a Géoplateforme-like geocoder on the same server, and settings pointing every source at them.

Real files are read in place from ``$INCLUSION_MAP_TESTDATA`` (default ``../shared/data`` from the
repository root); nothing is copied into the repository.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
from pathlib import Path

import pytest
import yaml
from werkzeug import Request, Response

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"

VENUE_FILES = {
    "standard": [
        "venues/standard-v0_sample_hub-du-sud_paca_2023-05-17.json",
        "venues/standard-v0_sample_charente_2023-07-11.json",
    ],  # fmt: skip
    "france_services": ["venues/france-services_liste-fs-20221201.csv"],
    "conseillers_numeriques": ["venues/cnfs_lieux_conseillers_numeriques_2022-12.json"],
    "data_inclusion": ["venues/data-inclusion_lieux_mediation_2023-02.json"],
    "aidants_connect": ["venues/aidants-connect_structures_2023-01.json"],
}
ARCHIVE_VINTAGES = {"standard": "2023-07", "france_services": "2022-12", "conseillers_numeriques": "2022-12",
                    "data_inclusion": "2023-02", "aidants_connect": "2023-01"}  # fmt: skip
TITLES = {
    "standard": "Cartographie nationale",
    "francilin": "Francil'in",
    "france_services": "France services",
    "conseillers_numeriques": "Conseillers numériques",
    "data_inclusion": "data·inclusion",
    "aidants_connect": "Aidants Connect",
}


@pytest.fixture(scope="session")
def testdata() -> Path:
    folder = Path(os.environ.get("INCLUSION_MAP_TESTDATA") or ROOT.parent / "shared" / "data").resolve()
    if not (folder / "SOURCES.md").is_file():
        pytest.fail(f"real test data not found in {folder}; set INCLUSION_MAP_TESTDATA")
    return folder


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("INCLUSION_MAP_QUIET", "1")
    for var in (
        "INCLUSION_MAP_CONFIG",
        "INCLUSION_MAP_MIRROR",
        "COOP_NUMERIQUE_TOKEN",
        "DATA_INCLUSION_TOKEN",
    ):
        monkeypatch.delenv(var, raising=False)


@functools.lru_cache(maxsize=2)
def _communes(testdata: Path) -> tuple[dict[str, tuple[float, float, str, str]], object]:
    """The real communes of Île-de-France for the geocoder stand-in: postcode → (lon, lat, INSEE
    code, name) of a point inside the commune, and the contours indexed by code (``nom``, ``postcode``)."""
    import json

    import geopandas as gpd

    communes = json.loads((testdata / "geo/decoupage-administratif_communes_idf.json").read_text())
    shapes = gpd.read_file(testdata / "geo/communes-ile-de-france.geojson").set_index("code")
    points, names, postcodes = {}, {}, {}
    for c in communes:
        if c.get("type", "commune-actuelle") == "commune-actuelle" and c["code"] in shapes.index:
            p = shapes.geometry[c["code"]].representative_point()
            names[c["code"]], postcodes[c["code"]] = c["nom"], (c.get("codesPostaux") or [""])[0]
            for pc in c.get("codesPostaux") or []:
                points.setdefault(pc, (p.x, p.y, c["code"], c["nom"]))
    shapes = shapes.assign(nom=shapes.index.map(names), postcode=shapes.index.map(postcodes))
    return points, shapes[shapes["nom"].notna()]


class GeocoderStandIn:
    """A SYNTHETIC stand-in for the Géoplateforme geocoder, served under ``/geocodage/`` in the
    formats of its contract (``shared/data/contracts/geoplateforme/``): ``POST search/csv``,
    ``GET search`` and ``GET reverse``.

    It cannot know real addresses offline: an address is placed at a point inside the commune of its
    postcode (from the real commune contours) shifted by a few metres per house number, with a score
    of 0.92 ("housenumber"); an unknown postcode is ``not-found``, an address containing
    "INTROUVABLE" scores 0.2, and a line whose text is under 3 characters is ``skipped``, as the
    service does. ``search`` reads the postcode in the text (none: no answer). ``reverse`` answers
    "1 Rue Fictive <postcode> <commune>" inside a commune of Île-de-France, nothing elsewhere.
    Requests are recorded in ``calls`` (batches), ``searches`` and ``reverses``.
    """

    PREFIX = "/geocodage"
    #: the columns the service adds by default (a subset of its list; ``result_columns`` picks among them)
    RESULT_COLUMNS = ("latitude", "longitude", "result_label", "result_score", "result_type", "result_id",
                      "result_postcode", "result_citycode", "result_status")  # fmt: skip

    def __init__(self, testdata: Path):
        self.points, self.shapes = _communes(testdata)
        self.calls: list[dict] = []
        self.searches: list[dict] = []
        self.reverses: list[dict] = []

    def register(self, server) -> None:
        for path, method, handler in (("search/csv", "POST", self.search_csv), ("search", "GET", self.search),
                                      ("reverse", "GET", self.reverse)):  # fmt: skip
            server.expect_request(f"{self.PREFIX}/{path}", method=method).respond_with_handler(handler)

    def _place(self, text: str, postcode: str) -> dict | None:
        hit = self.points.get(postcode)
        if not hit:
            return None
        number = int(m.group(1)) if (m := re.match(r"\s*(\d+)", text)) else 0
        return {"lon": hit[0], "lat": hit[1] + number * 1e-5, "citycode": hit[2], "city": hit[3],
                "score": 0.2 if "INTROUVABLE" in text.upper() else 0.92,
                "type": "housenumber" if number else "street", "number": number}  # fmt: skip

    def search_csv(self, request: Request) -> Response:
        upload = request.files["data"].read().decode("utf-8")
        columns, postcode = request.form.getlist("columns"), request.form.get("postcode")
        wanted = request.form.getlist("result_columns") or list(self.RESULT_COLUMNS)
        self.calls.append({"rows": upload.count("\n") - 1, "columns": columns, "postcode": postcode,
                           "result_columns": request.form.getlist("result_columns")})  # fmt: skip
        reader = csv.DictReader(io.StringIO(upload))
        if any(c not in (reader.fieldnames or ()) for c in columns):
            return Response(json.dumps({"code": 400, "message": "At least one given column name is unknown"}),
                            status=400, content_type="application/json")  # fmt: skip
        out = io.StringIO()
        fields = [*(reader.fieldnames or ()), *(c for c in self.RESULT_COLUMNS if c in wanted)]
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in reader:
            text = " ".join(row.get(c, "").strip() for c in columns).strip()
            hit = self._place(text, row.get(postcode or "", "")) if len(text) >= 3 else None
            result = {"result_status": "skipped" if len(text) < 3 else "not-found"}
            if hit:
                result = {"latitude": hit["lat"], "longitude": hit["lon"], "result_score": hit["score"],
                          "result_label": f"{row['adresse']} {row['code_postal']} {hit['city']}",
                          "result_type": hit["type"], "result_id": f"{hit['citycode']}_fictif",
                          "result_postcode": row["code_postal"], "result_citycode": hit["citycode"],
                          "result_status": "ok"}  # fmt: skip
            writer.writerow({**row, **{k: v for k, v in result.items() if k in wanted}})
        return Response(out.getvalue(), content_type="text/csv; charset=utf-8")

    def search(self, request: Request) -> Response:
        q = request.args.get("q", "")
        self.searches.append(dict(request.args))
        m = re.search(r"\b(\d{5})\b", q)
        hit = self._place(q, m.group(1)) if m else None
        features = []
        if hit:
            label = f"{q[: m.start()].strip()} {m.group(1)} {hit['city']}"
            features.append(self._feature(hit["lon"], hit["lat"], label, hit["citycode"], m.group(1),
                                          hit["city"], score=hit["score"], type=hit["type"]))  # fmt: skip
        limit = int(request.args.get("limit") or 10)
        return self._collection(features[:limit], query=q, limit=limit)

    def reverse(self, request: Request) -> Response:
        import shapely

        self.reverses.append(dict(request.args))
        try:
            lon, lat = float(request.args["lon"]), float(request.args["lat"])
        except (KeyError, ValueError):
            return Response(json.dumps({"code": 400, "message": "Parse query failed"}), status=400,
                            content_type="application/json")  # fmt: skip
        inside = self.shapes[self.shapes.geometry.contains(shapely.Point(lon, lat))]
        features = []
        if len(inside):
            code, c = inside.index[0], inside.iloc[0]
            label = f"1 Rue Fictive {c['postcode']} {c['nom']}"
            features.append(self._feature(lon, lat, label, code, c["postcode"], c["nom"], score=0.99,
                                          type="housenumber", distance=12.3))  # fmt: skip
        return self._collection(features)

    @staticmethod
    def _feature(lon, lat, label, citycode, postcode, city, **extra) -> dict:
        return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"label": label, "citycode": citycode, "postcode": postcode, "city": city,
                               "_type": "address", **extra}}  # fmt: skip

    @staticmethod
    def _collection(features: list, **extra) -> Response:
        body = {"type": "FeatureCollection", "features": features, **extra}
        return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def geocoder_server(httpserver, testdata):
    """The local HTTP server with the SYNTHETIC Géoplateforme stand-in under ``/geocodage/``;
    ``httpserver.geocoder`` is the stand-in (its recorded requests)."""
    stand_in = GeocoderStandIn(testdata)
    stand_in.register(httpserver)
    httpserver.geocoder = stand_in
    return httpserver


@pytest.fixture
def data_server(httpserver, testdata, geocoder_server):
    """The local HTTP server: ``/data/<path>`` serves the real file ``<testdata>/<path>`` unchanged,
    ``/fixtures/<name>`` the synthetic fixtures of ``tests/fixtures``, ``/geocodage/`` the
    synthetic Géoplateforme geocoder stand-in (``httpserver.geocoder``)."""

    def serve(base: Path, prefix: str):
        def handle(request: Request) -> Response:
            file = (base / request.path.removeprefix(prefix)).resolve()
            if base.resolve() not in file.parents or not file.is_file():
                return Response("not found", status=404)
            return Response(file.read_bytes(), content_type="application/octet-stream")

        return handle

    httpserver.expect_request(re.compile(r"^/data/.*")).respond_with_handler(serve(testdata, "/data/"))
    httpserver.expect_request(re.compile(r"^/fixtures/.*")).respond_with_handler(
        serve(FIXTURES, "/fixtures/")
    )
    return httpserver


def config_dict(server, tmp_path: Path, **changes) -> dict:
    """A full configuration whose every URL points at the local server."""
    url = lambda path: server.url_for(f"/data/{path}")  # noqa: E731
    sources = {}
    for name, title in TITLES.items():
        files = VENUE_FILES.get(name)
        if files:  # the real files are archives: read as such (their live shapes: test_live_contracts.py)
            sources[name] = {"title": title, "publisher": title, "use": "archive",
                             "archive": {"urls": [url(f) for f in files], "mirror": files,
                                         "vintage": ARCHIVE_VINTAGES[name]}}  # fmt: skip
        else:
            sources[name] = {"title": title, "publisher": title,
                             "urls": [server.url_for("/fixtures/francilin_synthetic.geojson")],
                             "mirror": ["francilin_synthetic.geojson"]}  # fmt: skip
    config = {
        "territory": {
            "kind": "ept", "code": "200058014", "name": "Grand-Orly Seine Bièvre",
            "subterritories": {"cispd-sud": {"name": "Six communes du sud",
                                             "communes": ["91027", "91326", "91432", "91479", "91589", "91687"]}},
        },
        "store": {"path": str(tmp_path / "store.gpkg"), "reports_dir": str(tmp_path / "reports")},
        "http": {"timeout_s": 5, "retries": 2, "backoff_s": 0.01, "cache_dir": str(tmp_path / "http-cache")},
        "reference": {
            "ept_list": {"url": url("geo/decoupage-administratif_ept.json"),
                         "mirror": "geo/decoupage-administratif_ept.json"},
            "commune_list": {"url": url("geo/decoupage-administratif_communes_idf.json"),
                             "mirror": "geo/decoupage-administratif_communes_idf.json"},
            "commune_contours": {"url": url("geo/communes-ile-de-france.geojson"),
                                 "mirror": "geo/communes-ile-de-france.geojson"},
        },
        "geocoding": {"url": server.url_for(GeocoderStandIn.PREFIX),
                      "cache": str(tmp_path / "geocoding-cache.jsonl")},
        "dedupe": {"decisions_file": str(tmp_path / "decisions.csv"), "review_file": str(tmp_path / "review.csv")},
        "sources": sources,
    }  # fmt: skip
    for key, value in changes.items():
        config[key] = value
    return config


@pytest.fixture
def postgis_url():
    """A fresh PostGIS database for one test (skipped without a server, failed under CI)."""
    import postgis

    return postgis.new_database()


@pytest.fixture(params=["gpkg", "postgis"])
def store_location(request, tmp_path):
    """Both backends in turn: a GeoPackage path in ``tmp_path``, then a fresh PostGIS database URL."""
    if request.param == "gpkg":
        return tmp_path / "store.gpkg"
    import postgis

    return postgis.new_database()


@pytest.fixture
def make_settings(data_server, tmp_path):
    """Build validated settings (through a real YAML file) pointing at the local server."""
    from inclusion_map.config import load_settings

    def make(sources: list[str] | None = None, **changes):
        config = config_dict(data_server, tmp_path, **changes)
        if sources is not None:
            config["sources"] = {k: v for k, v in config["sources"].items() if k in sources}
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return load_settings(path)

    return make


def mirror_settings(folder: Path, testdata: Path, store_name: str = "store.gpkg"):
    """The project's config.yaml in offline mirror mode (the real files read in place), with the
    store, reports, caches and dedupe files in ``folder``, geocoding off and a fixed reference week."""
    from inclusion_map.config import load_settings

    settings = load_settings(ROOT / "config.yaml", mirror=str(testdata))
    return settings.with_overrides(
        store={"path": str(folder / store_name), "reports_dir": str(folder / "reports")},
        geocoding={"enabled": False},
        http={"cache_dir": str(folder / "http")},
        dedupe={"decisions_file": str(folder / "decisions.csv"), "review_file": str(folder / "review.csv")},
        coverage={"reference_week": "2026-11-30"},
    )


def at_once(client, urls: list[str]) -> list:
    """GET every URL from its own thread, all released at the same moment; the answers in order."""
    import threading

    start, answers = threading.Barrier(len(urls)), [None] * len(urls)

    def ask(i, url):
        start.wait()
        answers[i] = client.get(url)

    threads = [threading.Thread(target=ask, args=(i, url)) for i, url in enumerate(urls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


_BUILT: list = []  # the session's harvested and built folder (and PostGIS copy), copied for each module


def harvested_and_built(folder: Path, testdata: Path, backend: str | None = None):
    """Settings of a store harvested and built offline from the real files (mirror mode) in ``folder``.

    The harvest and the build run once per test session, in a folder of their own beside
    ``folder``; each caller gets a copy of that folder (store, reports, caches), so that modules
    that change their store never see each other's changes.

    ``backend`` (default ``$INCLUSION_MAP_TEST_BACKEND``, else ``gpkg``): with ``postgis``, the
    store is a fresh PostGIS database made from a copy of the built GeoPackage (one copy per
    session, then ``CREATE DATABASE … TEMPLATE`` per caller); local files stay in ``folder``.
    """
    import shutil
    import tempfile

    import postgis

    from inclusion_map.harvest.pipeline import run_harvest
    from inclusion_map.territory.build import run_build

    if not _BUILT or not _BUILT[0].is_dir():
        template = Path(tempfile.mkdtemp(prefix="built-ept-", dir=folder.parent))
        settings = mirror_settings(template, testdata)
        run_harvest(settings)
        run_build(settings)
        _BUILT[:] = [template, None]
    shutil.copytree(_BUILT[0], folder, dirs_exist_ok=True)
    settings = mirror_settings(folder, testdata)
    if (backend or postgis.backend()) != "postgis":
        return settings
    if _BUILT[1] is None:
        from inclusion_map.store_copy import copy_store

        url = postgis.new_database()
        copy_store(_BUILT[0] / "store.gpkg", url)
        _BUILT[1] = postgis.database_name(url)
    url = postgis.new_database(template=_BUILT[1])
    return settings.with_overrides(store={**settings.store.model_dump(), "url": url})
