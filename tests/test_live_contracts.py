"""Contract tests: every live source against a local HTTP server answering in today's documented
shape (SYNTHETIC records, see ``live_shapes.py``), from the data.gouv.fr resolution to the store.

The old shapes are covered by the real archived files of ``../shared/data/venues`` (the default
``make_settings`` reads them as archives; see also ``test_freshness.py``).
"""

from __future__ import annotations

import json
import os
import re
import stat

import live_shapes as ls
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from conftest import config_dict
from werkzeug import Response

from inclusion_map.cli import main
from inclusion_map.config import load_settings
from inclusion_map.harvest.pipeline import run_harvest
from inclusion_map.stores import open_store


def live_settings(server, tmp_path, sources: dict, **changes):
    """The test configuration with only ``sources`` (live channels on the local server)."""
    server.no_handler_status_code = 404  # an unknown dataset answers 404, as data.gouv.fr does
    config = config_dict(server, tmp_path, **changes)
    titles = {"standard": "Cartographie nationale", "francilin": "Francil'in", "france_services": "France services",
              "conseillers_numeriques": "La Coop", "data_inclusion": "data·inclusion",
              "aidants_connect": "Aidants Connect"}  # fmt: skip
    config["sources"] = {n: {"title": titles[n], "publisher": titles[n], **s} for n, s in sources.items()}
    config["datagouv"] = {"api": server.url_for("/api")}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_settings(path)


def national(server, records=None, etag: str | None = None) -> None:
    """The national set: a dataset whose newest JSON is served under /files/."""
    doc = ls.dataset_doc(server, "5f0000000000000000000001", ls.NATIONAL,
                         "Lieux de médiation numérique sur le territoire National fournis par La Cartographie Nationale",
                         [("20261101-la-cartographie-nationale-lieux-de-mediation-numeriques-national.json", "json",
                           "2026-11-01T23:00:00+00:00"),
                          ("20261201-la-cartographie-nationale-lieux-de-mediation-numeriques-national.json", "json",
                           "2026-12-01T23:00:00+00:00"),
                          ("20261201-la-cartographie-nationale-lieux-de-mediation-numeriques-national.csv", "csv",
                           "2026-12-01T23:00:00+00:00")])  # fmt: skip
    ls.serve_dataset(server, doc)
    body = json.dumps(records if records is not None else [ls.standard_record(i) for i in range(4)])
    name = "/files/20261201-la-cartographie-nationale-lieux-de-mediation-numeriques-national.json"
    if etag:
        def handle(request):
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
            return Response(body, content_type="application/json", headers={"ETag": etag})

        server.expect_request(name).respond_with_handler(handle)
    else:
        server.expect_request(name).respond_with_data(body, content_type="application/json")


def by_name(report):
    return {s.name: s for s in report.sources}


# --- data.gouv.fr datasets -----------------------------------------------------------------------
def test_national_set_resolved_through_datagouv(data_server, tmp_path):
    national(data_server)
    settings = live_settings(data_server, tmp_path, {"standard": {"datasets": [{"id": ls.NATIONAL}]}})
    report = run_harvest(settings)
    src = by_name(report)["standard"]
    assert (src.status, src.kind, src.kept) == ("ok", "live", 4)
    # The newest JSON resource was taken, not the older one nor the CSV.
    assert src.origins[0]["url"].endswith("20261201-la-cartographie-nationale-lieux-de-mediation-numeriques-national.json")
    assert src.origins[0]["page"] == f"https://www.data.gouv.fr/fr/datasets/{ls.NATIONAL}/"
    assert (src.date_from, src.date_to) == ("2026-11-10", "2026-11-13")
    venues = open_store(settings.store_location).read("venues")
    row = venues.set_index("source_id").loc["lieu-1"]
    assert row["services"] == "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien"
    assert row["dispositif_programmes_nationaux"] == "Conseillers numériques"
    provenance = json.loads(row["provenance"])[0]
    assert provenance["source_kind"] == "live" and provenance["upstream"].startswith("Lieux de médiation numérique")


def test_a_reupload_moves_the_file_not_the_harvest(data_server, tmp_path, testdata):
    """The dataset points at a new file name after a re-upload: the harvest follows it."""
    national(data_server)
    settings = live_settings(data_server, tmp_path, {"standard": {"datasets": [{"id": ls.NATIONAL}]}})
    run_harvest(settings)
    data_server.clear()
    moved = ls.dataset_doc(data_server, "5f0000000000000000000001", ls.NATIONAL, "Lieux (national)",
                           [("20261202-national.json", "json", "2026-12-02T23:00:00+00:00")])  # fmt: skip
    ls.serve_dataset(data_server, moved)
    data_server.expect_request("/files/20261202-national.json").respond_with_json([ls.standard_record(i) for i in range(5)])
    _serve_reference(data_server, testdata)
    src = by_name(run_harvest(settings))["standard"]
    assert (src.status, src.kept, src.added) == ("ok", 5, 1)


def _serve_reference(server, testdata):
    """``data_server.clear()`` dropped every handler: serve the real reference files again."""

    def handle(request):
        file = (testdata / request.path.removeprefix("/data/")).resolve()
        return Response(file.read_bytes()) if file.is_file() else Response("not found", status=404)

    server.expect_request(re.compile(r"^/data/.*")).respond_with_handler(handle)


def test_unknown_dataset_fails_and_keeps_the_last_good_data(data_server, tmp_path):
    national(data_server)
    settings = live_settings(data_server, tmp_path, {"standard": {"datasets": [{"id": ls.NATIONAL}]}})
    run_harvest(settings)
    gone = live_settings(data_server, tmp_path, {"standard": {"datasets": [{"id": "jeu-de-donnees-disparu"}]}})
    src = by_name(run_harvest(gone))["standard"]
    assert src.status == "failed" and "no dataset 'jeu-de-donnees-disparu'" in src.message
    assert src.previous_rows == 4
    assert len(open_store(settings.store_location).read("venues")) == 4


def test_discovery_harvests_the_datasets_of_the_schema_that_cover_the_territory(data_server, tmp_path):
    national(data_server)
    hub = ls.dataset_doc(data_server, "6a0000000000000000000002", "lieux-hub-val-de-marne", "Hub du Val-de-Marne",
                         [("hub94.csv", "csv", "2026-10-01T00:00:00+00:00")], zones=["fr:departement:94"])
    far = ls.dataset_doc(data_server, "6b0000000000000000000003", "lieux-marseille", "Hub de Marseille",
                         [("hub13.json", "json", "2026-10-01T00:00:00+00:00")], zones=["fr:departement:13"])
    old = ls.dataset_doc(data_server, "6c0000000000000000000004", "lieux-archives", "Ancien hub",
                         [("old.json", "json", "2021-01-01T00:00:00+00:00")], archived="2024-01-01T00:00:00+00:00")
    national_doc = ls.dataset_doc(data_server, "5f0000000000000000000001", ls.NATIONAL, "National set",
                                  [("20261201-la-cartographie-nationale-lieux-de-mediation-numeriques-national.json",
                                    "json", "2026-12-01T23:00:00+00:00")])  # fmt: skip
    seen = ls.serve_listing(data_server, [national_doc, hub, far, old])
    # The hub's CSV: the same ids as the national set's (they must not collide), one more venue.
    rows = [ls.standard_record(i, source="Hub 94") for i in (0, 7)]
    out = pd.DataFrame(rows).to_csv(index=False)
    data_server.expect_request("/files/hub94.csv").respond_with_data(out, content_type="text/csv")
    settings = live_settings(data_server, tmp_path, {"standard": {"datasets": [{"id": ls.NATIONAL}], "discover": True}})
    src = by_name(run_harvest(settings))["standard"]
    assert src.status == "ok", src.message
    assert [s.get("schema") for s in seen] == [ls.SCHEMA, ls.SCHEMA]  # two pages followed
    assert [o.get("dataset") for o in src.origins] == [
        "Lieux de médiation numérique sur le territoire National fournis par La Cartographie Nationale",
        "Hub du Val-de-Marne"]  # fmt: skip
    assert any("left out 'Ancien hub': archived" in m for m in src.messages)
    layer = open_store(settings.store_location).read("source_standard")
    hub_rows = layer[layer["upstream"] == "Hub du Val-de-Marne"]
    assert sorted(hub_rows["source_id"]) == ["6a000000--lieu-0", "6a000000--lieu-7"]
    # The Marseille dataset declares zones elsewhere: never downloaded.
    assert not any(r.path == "/files/hub13.json" for r, _ in data_server.log)


# --- Francil'in ----------------------------------------------------------------------------------
def test_francilin_flat_records_of_2026(data_server, tmp_path):
    doc = ls.dataset_doc(data_server, "6400000000000000000000f1", ls.FRANCILIN, "Lieux de médiation numérique - MGP",
                         [("lieux-mediations-numerique-npt.json", "json", "2026-06-23T16:42:19+00:00")])  # fmt: skip
    ls.serve_dataset(data_server, doc)
    data_server.expect_request("/files/lieux-mediations-numerique-npt.json").respond_with_json(ls.francilin_records())
    settings = live_settings(data_server, tmp_path, {"francilin": {"datasets": [{"id": ls.FRANCILIN,
                                                                                 "formats": ["json"]}]}})  # fmt: skip
    src = by_name(run_harvest(settings))["francilin"]
    assert (src.status, src.kept, src.rejected) == ("ok", 3, 0)
    layer = open_store(settings.store_location).read("source_francilin").set_index("source_id")
    assert layer.loc["francilin-0", "services"] == "Aide aux démarches administratives|Loisirs et créations numériques"
    assert layer.loc["francilin-0", "horaires"] == "Tu-Sa 10:00-18:00"
    assert layer.loc["francilin-1", "telephone"] == "+33145000001"


def test_francilin_older_geojson_still_read(data_server, tmp_path):
    """The older shape (numeric service codes): the SYNTHETIC fixture of tests/fixtures."""
    settings = live_settings(data_server, tmp_path, {"francilin": {
        "urls": [data_server.url_for("/fixtures/francilin_synthetic.geojson")]}})
    src = by_name(run_harvest(settings))["francilin"]
    assert src.status == "ok" and src.kept >= 3


# --- France services -----------------------------------------------------------------------------
def test_france_services_current_columns(data_server, tmp_path):
    doc = ls.dataset_doc(data_server, "6000000000000000000000f5", "liste-des-france-services", "France services",
                         [("liste-fs-20261115.csv", "csv", "2026-11-15T08:00:00+00:00")])  # fmt: skip
    ls.serve_json(data_server, f"/api/2/datasets/resources/{ls.FS_RESOURCE}/",
                  {"resource": doc["resources"][0], "dataset_id": doc["id"]})
    ls.serve_dataset(data_server, doc)
    data_server.expect_request("/files/liste-fs-20261115.csv").respond_with_data(
        ls.france_services_csv(), content_type="text/csv", headers={"Last-Modified": "Sun, 15 Nov 2026 08:00:00 GMT"})
    settings = live_settings(data_server, tmp_path, {"france_services": {
        "datasets": [{"resource": ls.FS_RESOURCE, "formats": ["csv"]}]}})
    src = by_name(run_harvest(settings))["france_services"]
    assert (src.status, src.kept) == ("ok", 3), src.message
    layer = open_store(settings.store_location).read("source_france_services").set_index("source_id")
    assert layer.loc["900", "itinerance"] == "Fixe" and layer.loc["901", "itinerance"] == "Itinérant"
    assert layer.loc["901", "modalites_acces"] == "Téléphoner|Contacter par mail"
    assert layer.loc["900", "modalites_acces"] == "Se présenter"
    assert layer.loc["900", "horaires"] == "Mo 09:00-12:00,13:30-17:00; Tu 09:00-12:00; Th 13:30-17:00"
    assert layer.loc["900", "date_maj"] == "2026-11-15"  # the list's publication date
    assert layer.loc["900", "dispositif_programmes_nationaux"] == "France Services"


# --- La Coop de la médiation numérique -----------------------------------------------------------
def coop_settings(server, tmp_path, archive=True):
    source = {"api": {"url": server.url_for("/coop/api/v1/lieux-activite"), "token_env": "COOP_TEST_TOKEN"}}
    if archive:
        source["archive"] = {"urls": [server.url_for("/data/venues/cnfs_lieux_conseillers_numeriques_2022-12.json")],
                             "vintage": "2022-12"}  # fmt: skip
    return live_settings(server, tmp_path, {"conseillers_numeriques": source})


def test_coop_array_programmes_and_advisers_as_published(data_server, tmp_path, monkeypatch):
    monkeypatch.setenv("COOP_TEST_TOKEN", "client:secret")
    auth = []

    def handle(request):
        auth.append(request.headers.get("Authorization"))
        return Response(json.dumps(ls.coop_places()), content_type="application/json")

    data_server.expect_request("/coop/api/v1/lieux-activite").respond_with_handler(handle)
    settings = coop_settings(data_server, tmp_path)
    src = by_name(run_harvest(settings))["conseillers_numeriques"]
    assert (src.status, src.kind, src.kept) == ("ok", "live", 3)
    assert auth == ["Bearer client:secret"]  # one request: the API is not paged
    layer = open_store(settings.store_location).read("source_conseillers_numeriques").sort_values("source_id")
    assert layer["nb_aidants"].tolist() == [1, 2, 3]
    # Only the place that has one is labelled « Conseillers numériques ».
    assert layer["dispositif_programmes_nationaux"].fillna("").tolist() == ["Conseillers numériques", "", ""]
    # No mediator's personal e-mail or phone lands in the store, the cache or the reports.
    for folder in (tmp_path,):
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert ls.PERSONAL_EMAIL.encode() not in data, path
                assert ls.PERSONAL_PHONE.encode() not in data, path


@pytest.mark.parametrize("answer", ["error", "empty"])
def test_coop_failure_falls_back_to_the_archive_and_says_so(data_server, tmp_path, monkeypatch, answer):
    monkeypatch.setenv("COOP_TEST_TOKEN", "client:secret")
    if answer == "error":
        data_server.expect_request("/coop/api/v1/lieux-activite").respond_with_data("oops", status=500)
    else:
        data_server.expect_request("/coop/api/v1/lieux-activite").respond_with_json([])
    src = by_name(run_harvest(coop_settings(data_server, tmp_path)))["conseillers_numeriques"]
    assert (src.status, src.kind, src.vintage) == ("ok", "archive", "2022-12")
    assert src.kept == 25
    assert "read the archive of 2022-12 instead" in src.messages[0]


def test_live_data_in_the_store_beats_the_archive(data_server, tmp_path, monkeypatch):
    monkeypatch.setenv("COOP_TEST_TOKEN", "client:secret")
    calls = []

    def handle(request):
        calls.append(1)
        if len(calls) == 1:
            return Response(json.dumps(ls.coop_places()), content_type="application/json")
        return Response("down", status=503)

    data_server.expect_request("/coop/api/v1/lieux-activite").respond_with_handler(handle)
    settings = coop_settings(data_server, tmp_path)
    run_harvest(settings)
    src = by_name(run_harvest(settings))["conseillers_numeriques"]
    assert src.status == "failed" and src.previous_rows == 3
    layer = open_store(settings.store_location).read("source_conseillers_numeriques")
    assert set(layer["source_kind"]) == {"live"} and len(layer) == 3


def test_coop_without_token_reads_the_archive_and_says_why(data_server, tmp_path):
    src = by_name(run_harvest(coop_settings(data_server, tmp_path)))["conseillers_numeriques"]
    assert (src.status, src.kind) == ("ok", "archive")
    assert "$COOP_TEST_TOKEN is not set" in src.messages[0]


def test_coop_without_token_nor_archive_is_skipped(data_server, tmp_path):
    src = by_name(run_harvest(coop_settings(data_server, tmp_path, archive=False)))["conseillers_numeriques"]
    assert src.status == "skipped" and "COOP_TEST_TOKEN" in src.message


# --- data·inclusion ------------------------------------------------------------------------------
def test_data_inclusion_v1_asked_per_departement(data_server, tmp_path, monkeypatch):
    monkeypatch.setenv("DI_TEST_TOKEN", "di-token")
    seen = ls.data_inclusion_pages(data_server)
    settings = live_settings(data_server, tmp_path, {"data_inclusion": {"api": {
        "url": data_server.url_for("/di/api/v1"), "token_env": "DI_TEST_TOKEN", "page_size": 1}}})
    src = by_name(run_harvest(settings))["data_inclusion"]
    assert (src.status, src.kept) == ("ok", 2), src.message
    # Only the territory's two départements were asked, never the whole country.
    assert {d for _, d, _ in seen} == {"91", "94"}
    assert all(t == ["numerique--acceder-a-des-services-en-ligne", "numerique--acceder-a-une-connexion-internet",
                     "numerique--acquerir-un-equipement", "numerique--maitriser-les-fondamentaux-du-numerique"]
               for path, _, t in seen if path.endswith("/services"))  # fmt: skip
    layer = open_store(settings.store_location).read("source_data_inclusion").set_index("source_id")
    assert sorted(layer.index) == ["dora--s1", "soliguide--s3"]  # v1 ids keep their one prefix
    assert layer.loc["dora--s1", "services"] == "Aide aux démarches administratives"
    assert layer.loc["dora--s1", "dispositif_programmes_nationaux"] == "France Services"
    assert layer.loc["soliguide--s3", "modalites_accompagnement"] == "À distance"
    assert ls.PERSONAL_EMAIL.encode() not in settings.store_path.read_bytes()


# --- Aidants Connect -----------------------------------------------------------------------------
def test_aidants_connect_open_api_paged_then_geocoded(data_server, tmp_path):
    ls.aidants_connect_pages(data_server, count=5, size=2)
    settings = live_settings(data_server, tmp_path, {"aidants_connect": {
        "urls": [data_server.url_for("/ac/api/organisations/") + "?format=json"]}})
    src = by_name(run_harvest(settings))["aidants_connect"]
    assert (src.status, src.fetched, src.kept, src.outside) == ("ok", 5, 4, 1), src.message
    layer = open_store(settings.store_location).read("source_aidants_connect")
    assert set(layer["geocode_precision"]) == {"adresse"}  # placed by the (synthetic) geocoder
    assert layer["date_maj"].tolist()[0].startswith("2026-0")
    assert set(layer["dispositif_programmes_nationaux"]) == {"Aidants Connect"}


# --- HTTP cache, personal data, file modes ---------------------------------------------------------
def test_unchanged_file_keeps_the_layer_and_the_cache_holds_no_body(data_server, tmp_path):
    national(data_server, etag='"v1"')
    settings = live_settings(data_server, tmp_path, {"standard": {"datasets": [{"id": ls.NATIONAL}]}})
    first = by_name(run_harvest(settings))["standard"]
    second = by_name(run_harvest(settings))["standard"]
    assert first.kept == second.kept == 4
    assert second.unchanged and "unchanged since the last harvest" in second.message
    cache = settings.path(settings.http.cache_dir)
    entries = [json.loads(p.read_text()) for p in cache.glob("*.json")]
    venue_files = [e for e in entries if "/files/" in e["url"]]
    assert venue_files and all(e["etag"] == '"v1"' for e in venue_files)  # validators only…
    kept = {p.stem for p in cache.glob("*.body")}
    assert not any(p.stem in kept for p in cache.glob("*.json") if "/files/" in p.read_text())  # …never the body
    for path in [*cache.iterdir(), settings.store_path]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


# --- sources --check -------------------------------------------------------------------------------
def test_sources_check_says_in_one_line_what_each_source_answers(data_server, tmp_path, monkeypatch):
    national(data_server)
    ls.aidants_connect_pages(data_server)
    settings = live_settings(data_server, tmp_path, {
        "standard": {"datasets": [{"id": ls.NATIONAL}]},
        "francilin": {"datasets": [{"id": "jeu-disparu"}]},
        "aidants_connect": {"urls": [data_server.url_for("/ac/api/organisations/") + "?format=json"]},
        "conseillers_numeriques": {"api": {"url": data_server.url_for("/coop/x"), "token_env": "COOP_NONE"},
                                   "archive": {"mirror": "venues/cnfs_lieux_conseillers_numeriques_2022-12.json",
                                               "vintage": "2022-12"}},
    })  # fmt: skip
    result = CliRunner().invoke(main, ["sources", "--check", "--config", str(settings.root / "config.yaml")],
                                env={"COLUMNS": "400"})  # fmt: skip
    lines = [" ".join(line.split()) for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1, result.output  # one source is down
    assert any(line.startswith("✓ standard: reachable (HTTP 200), format recognised, 4 of 4 rows would be kept")
               and line.endswith("newest date_maj 2026-11-13") for line in lines), lines  # fmt: skip
    assert any(line.startswith("✗ francilin: NOT REACHABLE") and "no dataset 'jeu-disparu'" in line for line in lines)
    assert any(line.startswith("✓ aidants_connect: reachable (HTTP 200), format recognised, 4 of 5 rows") for line in lines)
    assert any(line.startswith("✗ conseillers_numeriques: NOT REACHABLE") and "archive of 2022-12 would be read"
               in line for line in lines)  # fmt: skip
    # Nothing written: no store, no cache, no report.
    assert not settings.store_path.exists()
    assert not settings.path(settings.http.cache_dir).exists()
    assert not settings.path(settings.store.reports_dir).exists()


def test_sources_check_names_the_national_set_when_its_dataset_moved(data_server, tmp_path):
    moved = ls.dataset_doc(data_server, "5f0000000000000000000009", "lieux-mediation-numerique-national-v2",
                           "Lieux de médiation numérique sur le territoire national (Cartographie nationale)",
                           [("national.json", "json", "2026-12-01T00:00:00+00:00")])  # fmt: skip
    ls.serve_listing(data_server, [moved])
    settings = live_settings(data_server, tmp_path, {"standard": {"datasets": [{"id": ls.NATIONAL}]}})
    result = CliRunner().invoke(main, ["sources", "--check", "--config", str(settings.root / "config.yaml")],
                                env={"COLUMNS": "400"})  # fmt: skip
    line = " ".join(result.output.split())
    assert result.exit_code == 1
    assert f"no dataset '{ls.NATIONAL}'" in line
    assert "look national: lieux-mediation-numerique-national-v2 (Lieux de médiation numérique" in line


@pytest.mark.network
@pytest.mark.skipif(os.environ.get("INCLUSION_MAP_NETWORK") != "1", reason="needs the internet")
def test_live_endpoints_answer_today():
    """On a networked machine: the project's own config against the real endpoints."""
    from inclusion_map.harvest.check import check_sources

    settings = load_settings("config.yaml")
    results = {r.name: r for r in check_sources(settings, ["standard", "francilin", "france_services",
                                                           "aidants_connect"])}  # fmt: skip
    assert all(r.ok for r in results.values()), [r.line() for r in results.values()]
