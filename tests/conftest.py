"""Shared fixtures: the real open data of ``../shared/data`` served unchanged by a local HTTP
server, a BAN-like geocoder on the same server, and settings pointing every source at them.

Real files are read in place from ``$INCLUSION_MAP_TESTDATA`` (default ``../shared/data`` from the
repository root); nothing is copied into the repository.
"""

from __future__ import annotations

import csv
import io
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


def _commune_points(testdata: Path) -> dict[str, tuple[float, float, str]]:
    """Postcode → (lon, lat, INSEE code) of a point inside the commune, from the real contours."""
    import json

    import geopandas as gpd

    communes = json.loads((testdata / "geo/decoupage-administratif_communes_idf.json").read_text())
    shapes = gpd.read_file(testdata / "geo/communes-ile-de-france.geojson").set_index("code")
    points = {}
    for c in communes:
        if c.get("type", "commune-actuelle") == "commune-actuelle" and c["code"] in shapes.index:
            p = shapes.geometry[c["code"]].representative_point()
            for pc in c.get("codesPostaux") or []:
                points.setdefault(pc, (p.x, p.y, c["code"]))
    return points


def ban_handler(testdata: Path):
    """A SYNTHETIC stand-in for the BAN ``/search/csv/`` endpoint, answering in its CSV format.

    It cannot know real addresses offline: each address is placed at a point inside the commune of
    its postcode (from the real commune contours) shifted by a few metres per house number, with a
    score of 0.92 ("housenumber"); addresses of unknown postcodes get an empty answer, and addresses
    containing "INTROUVABLE" a score of 0.2. The real response format is documented in
    ``shared/data/geocoding/``.
    """
    points = _commune_points(testdata)
    calls = []

    def handle(request: Request) -> Response:
        upload = request.files["data"].read().decode("utf-8")
        columns = request.form.getlist("columns")
        calls.append(
            {"rows": upload.count("\n") - 1, "columns": columns, "postcode": request.form.get("postcode")}
        )
        rows = list(csv.DictReader(io.StringIO(upload)))
        out = io.StringIO()
        fields = [*rows[0].keys(), "latitude", "longitude", "result_label", "result_score", "result_type",
                  "result_citycode", "result_status"] if rows else ["latitude"]  # fmt: skip
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            hit = points.get(row.get("code_postal", ""))
            if not hit:
                writer.writerow({**row, "result_status": "not-found"})
                continue
            number = int(m.group(1)) if (m := re.match(r"\s*(\d+)", row.get("adresse", ""))) else 0
            score = 0.2 if "INTROUVABLE" in row.get("adresse", "").upper() else 0.92
            writer.writerow({**row, "latitude": hit[1] + number * 1e-5, "longitude": hit[0],
                             "result_label": f"{row['adresse']} {row['code_postal']}", "result_score": score,
                             "result_type": "housenumber", "result_citycode": hit[2], "result_status": "ok"})  # fmt: skip
        return Response(out.getvalue(), content_type="text/csv; charset=utf-8")

    handle.calls = calls
    return handle


@pytest.fixture
def data_server(httpserver, testdata):
    """The local HTTP server: ``/data/<path>`` serves the real file ``<testdata>/<path>`` unchanged,
    ``/fixtures/<name>`` the synthetic fixtures of ``tests/fixtures``, ``/ban/search/csv/`` the
    synthetic BAN stand-in."""

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
    ban = ban_handler(testdata)
    httpserver.expect_request("/ban/search/csv/", method="POST").respond_with_handler(ban)
    httpserver.ban = ban
    return httpserver


def config_dict(server, tmp_path: Path, **changes) -> dict:
    """A full configuration whose every URL points at the local server."""
    url = lambda path: server.url_for(f"/data/{path}")  # noqa: E731
    sources = {}
    for name, title in TITLES.items():
        files = VENUE_FILES.get(name)
        urls = [url(f) for f in files] if files else [server.url_for("/fixtures/francilin_synthetic.geojson")]
        sources[name] = {"title": title, "publisher": title, "urls": urls,
                         "mirror": files or ["francilin_synthetic.geojson"]}  # fmt: skip
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
        "geocoding": {"url": server.url_for("/ban/search/csv/"), "cache": str(tmp_path / "ban.jsonl")},
        "dedupe": {"decisions_file": str(tmp_path / "decisions.csv"), "review_file": str(tmp_path / "review.csv")},
        "sources": sources,
    }  # fmt: skip
    for key, value in changes.items():
        config[key] = value
    return config


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
