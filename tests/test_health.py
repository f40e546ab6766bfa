"""``/healthz`` and ``/readyz``: alive whatever the store; ready only with a readable store holding
venues, with the last good harvest's age and each source's status (offline mirror, real files)."""

from __future__ import annotations

import pytest

from inclusion_map.web import create_app
from tests.conftest import harvested_and_built, mirror_settings


def test_alive_and_not_ready_without_a_store(tmp_path, testdata):
    client = create_app(mirror_settings(tmp_path, testdata)).test_client()
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.get_json()["status"] == "alive"
    assert alive.headers["Cache-Control"] == "no-store"
    ready = client.get("/readyz")
    body = ready.get_json()
    assert ready.status_code == 503 and body["status"] == "not ready" and body["ready"] is False
    assert body["checks"]["store"]["ok"] is False and "run `python run.py harvest`" in body["checks"]["store"]["error"]
    assert body["checks"]["venues"] == {"ok": False, "rows": 0}


def test_a_broken_store_file_is_not_ready_not_a_crash(tmp_path, testdata):
    settings = mirror_settings(tmp_path, testdata)
    settings.store_path.write_bytes(b"not a geopackage" * 100)
    body = create_app(settings).test_client().get("/readyz")
    assert body.status_code == 503 and body.get_json()["checks"]["store"]["ok"] is False
    assert str(tmp_path) not in body.get_data(as_text=True)  # no server path in the answer


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    return harvested_and_built(tmp_path_factory.mktemp("health"), testdata)


def test_ready_with_the_data_age_and_each_sources_status(built):
    client = create_app(built).test_client()
    answer = client.get("/readyz")
    body = answer.get_json()
    assert answer.status_code == 200 and body["status"] == "ready"
    assert body["checks"]["venues"]["ok"] and body["checks"]["venues"]["rows"] > 30
    assert body["checks"]["territory"] == {"ok": True, "rows": 24}
    assert 0 <= body["last_good_harvest"]["age_hours"] < 1
    sources = body["sources"]
    # Offline, Francil'in has no mirror file: its failure shows, the others are read from archives.
    assert sources["francilin"]["status"] == "failed"
    assert sources["conseillers_numeriques"] == {"status": "ok", "kind": "archive", "kept": 25,
                                                  "data_to": sources["conseillers_numeriques"]["data_to"]}  # fmt: skip
    assert "message" not in str(sources) and "/work" not in answer.get_data(as_text=True)
    assert client.get("/readyz").get_json()["checks"]["store"]["read_ms"] == body["checks"]["store"]["read_ms"]  # kept
