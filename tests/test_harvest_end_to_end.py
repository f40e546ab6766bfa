"""End to end: every harvester against the local HTTP server serving the real files unchanged."""

from __future__ import annotations

import json

from inclusion_map.harvest.pipeline import run_harvest
from inclusion_map.stores import open_store

EPT_CODES = {
    "91027", "91326", "91432", "91479", "91589", "91687", "94001", "94003", "94016", "94021", "94022",
    "94034", "94037", "94038", "94041", "94043", "94054", "94065", "94073", "94074", "94076", "94077",
    "94078", "94081",
}  # fmt: skip


def test_full_harvest_builds_the_territory_layer(make_settings):
    settings = make_settings()
    report = run_harvest(settings)
    by_name = {s.name: s for s in report.sources}
    assert set(by_name) == {"standard", "francilin", "france_services", "conseillers_numeriques",
                            "data_inclusion", "aidants_connect"}  # fmt: skip
    assert all(s.status == "ok" for s in report.sources), [(s.name, s.message) for s in report.sources]
    # Real row counts of the files (SOURCES.md).
    assert by_name["france_services"].fetched == 2683
    assert by_name["conseillers_numeriques"].fetched == 4930
    assert by_name["data_inclusion"].fetched == 3811
    assert by_name["aidants_connect"].fetched == 3407
    assert by_name["standard"].fetched == 646 + 188
    assert by_name["standard"].kept == 0  # the two samples are in PACA and Charente
    assert by_name["francilin"].fetched == 5 and by_name["francilin"].kept == 4  # one is in Paris

    venues = open_store(settings.store_location).read("venues")
    assert len(venues) == report.venues > 30
    assert set(venues["code_insee"]) <= EPT_CODES
    assert venues.crs.to_epsg() == 4326
    assert venues["id"].is_unique
    # Every record keeps its provenance.
    for prov in venues["provenance"]:
        members = json.loads(prov)
        assert members and all(m["harvester"] and m["source_id"] and m["date_maj"] for m in members)
    # Geocoded Aidants Connect rows say how precise they are.
    ac = venues[venues["sources"].str.contains("aidants_connect")]
    assert set(ac["geocode_precision"]) <= {"adresse", "adresse d'une autre source", "commune", "source"}
    assert (ac["geocode_precision"] == "adresse").any()
