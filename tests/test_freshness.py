"""Honest freshness: a store harvested from the real archived files (offline mirror) says so
everywhere a venue or a source is shown, dates its data by the records (never by the harvest),
and never lists a source that gave nothing as a contributor.

Offline, the mirror holds archives only: France services (December 2022), conseillers numériques
(December 2022), data·inclusion (February 2023), Aidants Connect (January 2023) and the national
cartography's regional samples (2023, no venue in the territory); Francil'in has no file there.
"""

from __future__ import annotations

import io
import json
import re
from html import unescape
from pathlib import Path

import pytest

from inclusion_map.freshness import month_text, period_text
from inclusion_map.gaps.output import run_gaps
from inclusion_map.harvest.pipeline import run_harvest
from inclusion_map.stores import open_store
from inclusion_map.territory.build import run_build
from inclusion_map.web import create_app
from tests.conftest import mirror_settings


@pytest.fixture(scope="module")
def archived(tmp_path_factory, testdata):
    folder = tmp_path_factory.mktemp("freshness")
    settings = mirror_settings(folder, testdata)
    report = run_harvest(settings)
    run_build(settings)
    run_gaps(settings)
    app = create_app(settings)
    app.config["TESTING"] = True
    return settings, report, app.test_client()


def text(response) -> str:
    """The page's visible text, tags removed and spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def venues(settings):
    return open_store(settings.store_location).read("venues")


def test_harvest_report_dates_sources_by_their_records(archived):
    settings, report, _ = archived
    by_name = {s.name: s for s in report.sources}
    fs = by_name["france_services"]
    assert (fs.kind, fs.vintage, fs.date_from, fs.date_to) == ("archive", "2022-12", "2022-12-01", "2022-12-01")
    assert by_name["aidants_connect"].date_to == "2021-03-15"  # the export's constant date, not 2023
    meta = open_store(settings.store_location).info("venues")
    contributors = {s["name"] for s in meta["sources"]}
    assert contributors == {"france_services", "conseillers_numeriques", "data_inclusion", "aidants_connect"}
    failed = {s["name"]: s for s in meta["failed_sources"]}
    assert set(failed) == {"francilin", "standard"}  # no file / no venue in the territory
    assert failed["francilin"]["status"] == "failed"
    assert meta["archive_only"] is True
    frame = venues(settings)
    dates = frame["date_maj"].dropna().str[:10]
    assert (meta["data_from"], meta["data_to"]) == (dates.min(), dates.max())
    md = Path(report.files["markdown"]).read_text(encoding="utf-8")
    sources_part = md.split("Sources read this run")[1].split("Sources that gave nothing")[0]
    assert "Francil'in" not in sources_part and "francilin: failed" in md


def test_footer_says_how_old_the_data_is(archived):
    settings, _, client = archived
    meta = open_store(settings.store_location).info("venues")
    page = text(client.get("/"))
    first, last = month_text(meta["data_from"]), month_text(meta["data_to"])
    assert f"Les informations sur les lieux ont été mises à jour entre {first} et {last}." in page
    assert "Attention : ce sont des copies anciennes, pas les informations du jour." in page
    assert "Liste des France services (copie ancienne de décembre 2022)" in page
    footer = page.split("Les informations sur les lieux ont été")[1]
    assert "Francil'in" not in footer  # gave nothing: not named as a source
    english = text(client.get("/?lang=en"))
    assert "Warning: these are old copies, not today's information." in english
    assert "(old copy from December 2022)" in english


def test_results_and_venue_page_label_archive_data(archived):
    settings, _, client = archived
    frame = venues(settings)
    fs = frame[frame["sources"] == "france_services"].iloc[0]
    results = text(client.get("/", query_string={"q": fs["commune"]}))
    assert "Informations anciennes (décembre 2022)" in results
    page = text(client.get(f"/lieu/{fs['id']}"))
    assert "Ces informations sont anciennes : elles datent de décembre 2022." in page
    assert re.search(r"\(copie ancienne, informations de décembre 2022\) — mis à jour le 1er décembre 2022", page), page
    english = text(client.get(f"/lieu/{fs['id']}?lang=en"))
    assert "This information is old: it dates from December 2022." in english
    # A merged venue known from several archives shows each with its vintage.
    merged = frame[frame["sources"].str.contains(r"\|", regex=True)].iloc[0]
    provenance = json.loads(merged["provenance"])
    page = text(client.get(f"/lieu/{merged['id']}"))
    for entry in provenance:
        assert f"copie ancienne, informations de {month_text(entry['source_vintage'])}" in page


def test_quality_page_shows_kind_and_dates_of_each_source(archived):
    _, _, client = archived
    page = text(client.get("/qualite"))
    assert "Archive de décembre 2022 · 9 lieux · fiches décembre 2022" in page  # France services
    assert "Archive de janvier 2023 · 19 lieux · fiches mars 2021" in page  # Aidants Connect's constant date


def test_report_dates_by_records_and_lists_failed_sources_apart(archived):
    settings, _, client = archived
    meta = open_store(settings.store_location).info("venues")
    page = text(client.get("/rapport"))
    period = period_text(meta["data_from"], meta["data_to"], "fr")
    assert f"Fiches des lieux mises à jour {period} par leurs sources" in page
    assert "Lieux recensés" not in page
    assert "Toutes les données des lieux viennent d'archives" in page
    sources = page.split("Sources Donnée Producteur")[1].split("Sources sans donnée")[0]
    assert "archive de décembre 2022 · fiches décembre 2022" in sources  # France services' row
    assert "Francil'in" not in sources and "Cartographie nationale" not in sources
    failed = page.split("Sources sans donnée à la dernière moisson")[1]
    assert "Francil'in — lieux de médiation numérique de la Métropole du Grand Paris — échec" in failed
    assert "Cartographie nationale des lieux de médiation numérique — aucun lieu dans le territoire" in failed
    english = text(client.get("/rapport?lang=en"))
    assert "All venue data come from archives" in english and "archive of December 2022" in english


@pytest.mark.parametrize("layer", ["venues", "gaps", "gap_grid"])
@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "fgb", "shp.zip"])
def test_every_export_metadata_says_archive_and_dates(archived, layer, fmt):
    settings, _, client = archived
    response = client.get(f"/exports/{layer}.{fmt}.meta.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    meta = response.get_json()
    data = meta["venue_data"]
    stored = open_store(settings.store_location).info("venues")
    assert (data["records_updated_from"], data["records_updated_to"]) == (stored["data_from"], stored["data_to"])
    assert data["archive_only"] is True
    assert {a["name"]: a["vintage"] for a in data["archives"]} == {
        "france_services": "2022-12", "conseillers_numeriques": "2022-12", "data_inclusion": "2023-02",
        "aidants_connect": "2023-01"}  # fmt: skip
    assert {f["name"] for f in data["failed_sources"]} == {"francilin", "standard"}
    assert "Warning: these are old copies, not today's information." in data["note"]
    if layer == "venues":
        assert {s["name"] for s in meta["sources"]} == {"france_services", "conseillers_numeriques",
                                                       "data_inclusion", "aidants_connect"}  # fmt: skip


def test_cli_export_sidecar_carries_the_same(archived, tmp_path):
    from inclusion_map.export.bundle import export_layer

    settings, _, _ = archived
    info = export_layer(settings, "venues", "csv", io.BytesIO())
    assert info["venue_data"]["archive_only"] is True
    assert all(s["kind"] == "archive" for s in info["sources"])
