"""Who may change what: /qualite reads publicly, every write needs an organiser login (and CSRF),
and decisions are logged, stored and applied at the next harvest. Real data, offline mirror."""

from __future__ import annotations

import csv
import re
import shutil

import pytest

from inclusion_map.harvest.pipeline import run_harvest
from inclusion_map.locations import side_db
from inclusion_map.web import create_app
from inclusion_map.web.auth import OrganiserStore
from inclusion_map.web.quality import pending_pairs
from inclusion_map.web.reports_store import ReportStore
from tests.conftest import harvested_and_built, mirror_settings

PASSWORD = "correct horse battery"  # a test account's password, created in a temporary folder


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    folder = tmp_path_factory.mktemp("quality")
    settings = harvested_and_built(folder, testdata)
    return folder, settings


@pytest.fixture
def settings(built, tmp_path, testdata):
    folder, original = built
    shutil.copy(original.store_path, tmp_path / "store.gpkg")
    shutil.copy(folder / "review.csv", tmp_path / "review.csv")
    return mirror_settings(tmp_path, testdata)


@pytest.fixture
def client(settings):
    OrganiserStore(side_db(settings.store_location, "organisers")).add_account("claire", PASSWORD)
    ReportStore(side_db(settings.store_location, "reports")).add("v1", "Lieu", "horaires", "Fermé le lundi",
                                                                       "claire@example.org", "fr", "k")  # fmt: skip
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


def token(client, path="/qualite") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def login(client, password=PASSWORD):
    return client.post("/connexion", data={"csrf": token(client, "/connexion"), "name": "claire",
                                           "password": password, "next": "/qualite"})  # fmt: skip


def test_quality_page_reads_publicly(client, settings):
    html = client.get("/qualite").get_data(as_text=True)
    for text in ("Sources", "france_services", "Lignes rejetées", "Fiches à compléter", "Doublons possibles",
                 "Signalements du public", "nouveau : 1"):  # fmt: skip
        assert text in html, text
    # Reporters' messages and contacts are for organisers only (tests/test_security.py).
    assert "Fermé le lundi" not in html and "claire@example.org" not in html
    assert len(pending_pairs(settings)) > 0


def test_every_write_is_refused_without_login(client, settings):
    pair = pending_pairs(settings)[0]
    csrf = token(client)
    writes = {"/qualite/doublons": {"id_a": pair["id_a"], "id_b": pair["id_b"], "decision": "same"},
              "/qualite/signalements/1": {"status": "corrigé"}, "/qualite/moisson": {}}  # fmt: skip
    for path, data in writes.items():
        response = client.post(path, data={"csrf": csrf, **data})
        assert response.status_code == 401 and "réservée aux organisateurs" in response.get_data(as_text=True), path
    assert not settings.path(settings.dedupe.decisions_file).exists()
    assert ReportStore(side_db(settings.store_location, "reports")).list()[0]["status"] == "nouveau"


def test_login_wrong_password_and_rate_limit(client):
    assert login(client, "not the password").status_code == 401
    for _ in range(4):
        login(client, "still wrong")
    assert login(client).status_code == 429  # even the right password waits after 5 failures


def test_login_session_cookie_and_csrf(client):
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/qualite"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.post("/qualite/signalements/1", data={"csrf": "forged", "status": "corrigé"}).status_code == 400


def test_decisions_are_stored_logged_and_applied_at_the_next_harvest(client, settings):
    login(client)
    pair = pending_pairs(settings)[0]
    response = client.post("/qualite/doublons", data={"csrf": token(client), "id_a": pair["id_a"],
                                                      "id_b": pair["id_b"], "decision": "different"})  # fmt: skip
    assert response.status_code == 302
    with settings.path(settings.dedupe.decisions_file).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows == [{"id_a": pair["id_a"], "id_b": pair["id_b"], "decision": "different", "decided_by": "claire"}]
    assert pair not in pending_pairs(settings)
    html = client.get("/qualite").get_data(as_text=True)
    assert "claire : duplicate-different" in html and "claire@example.org" in html
    run_harvest(settings)  # the next harvest reads the decision
    with settings.path(settings.dedupe.review_file).open(encoding="utf-8") as f:
        decided = [r for r in csv.DictReader(f) if {r["id_a"], r["id_b"]} == {pair["id_a"], pair["id_b"]}]
    assert decided and decided[0]["decision"] == "different (manual)"


def test_report_status_change_is_logged(client, settings):
    login(client)
    assert client.post("/qualite/signalements/1", data={"csrf": token(client), "status": "corrigé"}).status_code == 302
    assert ReportStore(side_db(settings.store_location, "reports")).list()[0]["status"] == "corrigé"
    assert client.post("/qualite/signalements/1", data={"csrf": token(client), "status": "oublié"}).status_code == 400
    assert client.post("/qualite/signalements/99", data={"csrf": token(client), "status": "corrigé"}).status_code == 400
    actions = OrganiserStore(side_db(settings.store_location, "organisers")).actions()
    assert any(a["who"] == "claire" and a["action"] == "report-status" and a["detail"] == "corrigé" for a in actions)


def test_logout(client):
    login(client)
    assert client.post("/deconnexion", data={"csrf": token(client)}).status_code == 302
    assert client.post("/qualite/moisson", data={"csrf": token(client)}).status_code == 401
