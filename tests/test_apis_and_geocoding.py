"""Token APIs (La Coop de la médiation numérique, data·inclusion v1) against a local server with
SYNTHETIC pages in their formats, and the BAN geocoder's disk cache."""

from __future__ import annotations

import json

import yaml
from werkzeug import Response

from inclusion_map._http import make_session
from inclusion_map.config import load_settings
from inclusion_map.harvest import build
from inclusion_map.harvest.pipeline import run_harvest

# SYNTHETIC: invented venues in the standard's fields, as the Coop API serves them.
COOP_ITEMS = [
    {"id": f"coop-{i}", "type": "lieux-activite", "attributes": {
        "nom": f"Lieu fictif {i}", "adresse": f"{i} rue Fictive", "code_postal": "94400", "commune": "Vitry-sur-Seine",
        "latitude": 48.7876 + i / 1000, "longitude": 2.3928, "pivot": "00000000000000", "date_maj": "2026-09-01",
        "services": "Aide aux démarches administratives", "horaires": "Mo-Fr 09:00-17:00",
        "mediateurs": [{"id": "m1"}, {"id": "m2"}]}}
    for i in range(5)
]  # fmt: skip


def _with_api(make_settings, tmp_path, name, api_url, extra=None):
    make_settings(sources=[name])
    path = tmp_path / "config.yaml"
    data = yaml.safe_load(path.read_text())
    data["sources"][name]["api"] = {
        "url": api_url,
        "token_env": "TEST_TOKEN",
        "page_size": 2,
        **(extra or {}),
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return load_settings(path)


def test_coop_api_cursor_pagination_with_token(make_settings, data_server, tmp_path, monkeypatch):
    seen = []

    def handler(request):
        assert request.headers["Authorization"] == "Bearer secret"
        after, size = request.args.get("page[after]"), int(request.args["page[size]"])
        seen.append(after)
        start = 0 if after is None else next(i for i, x in enumerate(COOP_ITEMS) if x["id"] == after) + 1
        page = COOP_ITEMS[start : start + size]
        more = start + size < len(COOP_ITEMS)
        body = {"data": page, "links": {"next": "x" if more else None}, "meta": {"hasNextPage": more}}
        return Response(json.dumps(body), content_type="application/json")

    data_server.expect_request("/coop/lieux-activite").respond_with_handler(handler)
    settings = _with_api(
        make_settings, tmp_path, "conseillers_numeriques", data_server.url_for("/coop/lieux-activite")
    )
    monkeypatch.setenv("TEST_TOKEN", "secret")
    parsed = build("conseillers_numeriques", settings).harvest(make_session(settings.http))
    assert seen == [None, "coop-1", "coop-3"]
    assert [r["source_id"] for r in parsed.records] == [f"coop-{i}" for i in range(5)]
    assert parsed.records[0]["nb_aidants"] == 2
    assert "Conseillers numériques" in parsed.records[0]["dispositif_programmes_nationaux"]


def test_without_token_the_export_is_used_and_said(make_settings):
    settings = make_settings(sources=["conseillers_numeriques"])
    path = settings.root / "config.yaml"
    data = yaml.safe_load(path.read_text())
    data["sources"]["conseillers_numeriques"]["api"] = {
        "url": "https://example.org/api",
        "token_env": "NO_SUCH_TOKEN",
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    report = run_harvest(load_settings(path))
    source = report.sources[0]
    assert source.status == "ok" and source.fetched == 4930
    assert any("no token in $NO_SUCH_TOKEN" in m for m in source.messages)


def test_api_only_source_without_token_is_skipped(make_settings):
    settings = make_settings(sources=["conseillers_numeriques", "france_services"])
    path = settings.root / "config.yaml"
    data = yaml.safe_load(path.read_text())
    data["sources"]["conseillers_numeriques"].update(urls=[], mirror=[])
    data["sources"]["conseillers_numeriques"]["api"] = {
        "url": "https://example.org/api",
        "token_env": "NO_SUCH_TOKEN",
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    report = run_harvest(load_settings(path))
    by_name = {s.name: s for s in report.sources}
    assert by_name["conseillers_numeriques"].status == "skipped"
    assert "NO_SUCH_TOKEN" in by_name["conseillers_numeriques"].message
    assert by_name["france_services"].status == "ok"


def test_data_inclusion_api_keeps_structures_with_digital_services(
    make_settings, data_server, tmp_path, monkeypatch
):
    # SYNTHETIC structures and services in the data·inclusion v1 shapes.
    structures = [
        {
            "source": "dora",
            "id": "s1",
            "nom": "Structure fictive numérique",
            "adresse": "1 rue Fictive",
            "code_postal": "94200",
            "commune": "Ivry-sur-Seine",
            "latitude": 48.813,
            "longitude": 2.387,
            "date_maj": "2026-02-01",
            "siret": "12345678901234",
            "horaires_accueil": "Mo-Fr 09:00-12:00",
        },
        {
            "source": "dora",
            "id": "s2",
            "nom": "Structure fictive emploi",
            "adresse": "2 rue Fictive",
            "code_postal": "94200",
            "commune": "Ivry-sur-Seine",
            "latitude": 48.814,
            "longitude": 2.388,
            "date_maj": "2026-02-01",
        },
    ]
    services = [
        {"source": "dora", "id": "v1", "structure_id": "s1", "nom": "Aide en ligne", "description": "x",
         "date_maj": "2026-02-01", "thematiques": ["numerique--acceder-a-des-services-en-ligne"],
         "modes_accueil": ["en-presentiel", "a-distance"], "frais": ["gratuit"], "publics": ["seniors"]},
        {"source": "dora", "id": "v2", "structure_id": "s2", "nom": "CV", "description": "x",
         "date_maj": "2026-02-01", "thematiques": ["emploi--preparer-sa-candidature"]},
    ]  # fmt: skip

    def pages(items):
        def handler(request):
            page, size = int(request.args["page"]), int(request.args["size"])
            chunk = items[(page - 1) * size : page * size]
            return Response(json.dumps({"items": chunk, "total": len(items), "page": page, "size": size,
                                        "pages": (len(items) + size - 1) // size}), content_type="application/json")  # fmt: skip

        return handler

    data_server.expect_request("/di/services").respond_with_handler(pages(services))
    data_server.expect_request("/di/structures").respond_with_handler(pages(structures))
    settings = _with_api(make_settings, tmp_path, "data_inclusion", data_server.url_for("/di"))
    monkeypatch.setenv("TEST_TOKEN", "t")
    parsed = build("data_inclusion", settings).harvest(make_session(settings.http))
    assert [r["source_id"] for r in parsed.records] == ["dora--s1"]
    rec = parsed.records[0]
    assert rec["services"] == "Aide aux démarches administratives"
    assert rec["modalites_accompagnement"] == "À distance" and rec["frais_a_charge"] == "Gratuit"
    assert rec["publics_specifiquement_adresses"] == "Seniors" and rec["pivot"] == "12345678901234"


def test_geocoding_is_cached_and_threshold_applied(make_settings, data_server):
    settings = make_settings(sources=["aidants_connect"])
    run_harvest(settings)
    first_calls = len(data_server.ban.calls)
    asked = sum(c["rows"] for c in data_server.ban.calls)
    assert first_calls >= 1 and asked > 0
    assert data_server.ban.calls[0]["columns"] == ["adresse", "commune"]
    assert data_server.ban.calls[0]["postcode"] == "code_postal"
    report = run_harvest(settings)  # a re-run asks nothing twice
    assert len(data_server.ban.calls) == first_calls
    assert report.sources[0].kept > 0


def test_geocoder_unreachable_falls_back(make_settings, tmp_path):
    """BAN down: other sources' points for the same address, then the commune centre."""
    from inclusion_map.store import GeoPackageStore

    settings = make_settings(sources=["france_services", "aidants_connect"])
    path = settings.root / "config.yaml"
    data = yaml.safe_load(path.read_text())
    data["geocoding"]["url"] = "http://127.0.0.1:9/search/csv/"  # discard port: refused
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    settings = load_settings(path)
    report = run_harvest(settings)
    assert any("geocoder unreachable" in m for s in report.sources for m in s.messages)
    ac = GeoPackageStore(settings.store_path).read("source_aidants_connect")
    assert set(ac["geocode_precision"]) <= {"adresse d'une autre source", "commune"}
    assert (ac["geocode_precision"] == "commune").any()
