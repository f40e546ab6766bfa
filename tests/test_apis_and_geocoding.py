"""Geocoding at harvest time against the SYNTHETIC Géoplateforme stand-in of ``conftest.py``: the
disk cache, the score threshold, and the fallbacks when the geocoder cannot be reached.

The token APIs (La Coop, data·inclusion v1) have their contract tests in ``test_live_contracts.py``.
"""

from __future__ import annotations

import stat

import yaml

from inclusion_map.config import load_settings
from inclusion_map.harvest.pipeline import run_harvest


def test_geocoding_is_cached_and_threshold_applied(make_settings, data_server):
    """The harvest posts batches to {base}/search/csv of the Géoplateforme stand-in, then reads the cache."""
    from inclusion_map.geocode import RESULT_COLUMNS

    settings = make_settings(sources=["aidants_connect"])
    run_harvest(settings)
    calls = data_server.geocoder.calls
    first_calls = len(calls)
    asked = sum(c["rows"] for c in calls)
    assert first_calls >= 1 and asked > 0
    assert calls[0]["columns"] == ["adresse", "commune"]
    assert calls[0]["postcode"] == "code_postal"
    assert calls[0]["result_columns"] == list(RESULT_COLUMNS)
    report = run_harvest(settings)  # a re-run asks nothing twice
    assert len(calls) == first_calls
    assert report.sources[0].kept > 0
    cache = settings.path(settings.geocoding.cache)
    assert cache.name == "geocoding-cache.jsonl"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600  # readable by its owner only


def test_geocoder_unreachable_falls_back(make_settings, tmp_path):
    """Geocoder down: other sources' points for the same address, then the commune centre."""
    from inclusion_map.stores import open_store

    settings = make_settings(sources=["france_services", "aidants_connect"])
    path = settings.root / "config.yaml"
    data = yaml.safe_load(path.read_text())
    data["geocoding"]["url"] = "http://127.0.0.1:9/geocodage"  # discard port: refused
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    settings = load_settings(path)
    report = run_harvest(settings)
    assert any("geocoder unreachable" in m for s in report.sources for m in s.messages)
    ac = open_store(settings.store_location).read("source_aidants_connect")
    assert set(ac["geocode_precision"]) <= {"adresse d'une autre source", "commune"}
    assert (ac["geocode_precision"] == "commune").any()
