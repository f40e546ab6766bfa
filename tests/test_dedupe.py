"""Duplicate finding and merging: hand-made cases, manual decisions, and known real duplicates."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from inclusion_map.config import Dedupe, load_settings
from inclusion_map.dedupe import deduplicate, load_decisions
from inclusion_map.harvest.pipeline import COLUMNS
from inclusion_map.stores import open_store

ROOT = os.path.dirname(os.path.dirname(__file__))


def rec(harvester, sid, nom, adresse, lon, lat, date_maj="2023-01-01", **extra):
    """A SYNTHETIC minimal record (invented venue) in the pipeline's columns."""
    base = dict.fromkeys(COLUMNS)
    base.update(id=f"{harvester}:{sid}", harvester=harvester, source_id=sid, nom=nom, adresse=adresse,
                longitude=lon, latitude=lat, date_maj=date_maj, code_insee="94081", pivot="00000000000000",
                code_postal="94400", commune="Vitry-sur-Seine", source=harvester)  # fmt: skip
    base.update(extra)
    return base


def run(records, **config):
    return deduplicate(pd.DataFrame(records, columns=list(COLUMNS)), Dedupe(**config))


def test_same_place_in_two_sources_is_merged_with_provenance():
    result = run([
        rec("france_services", "1", "France services Vitry", "12 av. Fictive", 2.3928, 48.7876, "2022-12-01",
            horaires="Mo-Fr 09:00-12:00", services="Aide aux démarches administratives", telephone="+33145000001"),
        rec("conseillers_numeriques", "abcdef0123456789", "COMMUNE DE VITRY", "12 AVENUE FICTIVE", 2.39281, 48.78762,
            "2023-05-01", services="Maîtrise des outils numériques du quotidien", nb_aidants=3),
    ])  # fmt: skip
    assert len(result.venues) == 1 and result.merged_records == 1
    venue = result.venues.iloc[0]
    assert venue["id"] == "france_services:1"  # the most official list gives the stable id
    assert venue["sources"] == "conseillers_numeriques|france_services"
    assert venue["date_maj"] == "2023-05-01"  # the newest wins…
    assert venue["horaires"] == "Mo-Fr 09:00-12:00"  # …and older records fill its gaps
    assert set(venue["services"].split("|")) == {"Aide aux démarches administratives",
                                                 "Maîtrise des outils numériques du quotidien"}  # fmt: skip
    assert venue["nb_aidants"] == 3
    assert {m["harvester"] for m in json.loads(venue["provenance"])} == {
        "france_services",
        "conseillers_numeriques",
    }


def test_different_places_close_together_are_not_merged():
    result = run([
        rec("france_services", "1", "Mairie de Vitry", "2 avenue Fictive", 2.3928, 48.7876),
        rec("conseillers_numeriques", "abcdef0123456789", "Médiathèque Nelson Mandela", "26 avenue Fictive",
            2.3931, 48.7878),
    ])  # fmt: skip
    assert len(result.venues) == 2


def test_far_apart_points_never_merge_even_with_the_same_name():
    result = run([
        rec("france_services", "1", "Bus numérique", "Place du marché", 2.39, 48.78),
        rec("conseillers_numeriques", "abcdef0123456789", "Bus numérique", "Place du marché", 2.42, 48.80),
    ])  # fmt: skip
    assert len(result.venues) == 2
    assert (result.pairs["decision"] == "to review").all()


def test_same_list_only_merges_exact_copies():
    result = run([
        rec("aidants_connect", "1", "Mairie de Morangis", "Place Fictive", 2.33, 48.70, geocode_precision="commune"),
        rec("aidants_connect", "2", "Mairie de Morangis", "Place Fictive", 2.33, 48.70, geocode_precision="commune"),
        rec("aidants_connect", "3", "MJC Relief", "Place Fictive", 2.33, 48.70, geocode_precision="commune"),
    ])  # fmt: skip
    assert len(result.venues) == 2


def test_aggregator_ids_are_recognised():
    result = run([
        rec("conseillers_numeriques", "62ab52828255a806e299ceaa", "Association X", "1 rue A", 2.39, 48.78),
        rec("data_inclusion", "conseiller-numerique--62ab52828255a806e299ceaa", "ASSOCIATION X (ACJ)",
            "1 RUE A", 2.3901, 48.7801),
    ])  # fmt: skip
    assert len(result.venues) == 1
    assert result.pairs.iloc[0]["score"] == 100


def test_manual_decisions_override_scores(tmp_path):
    records = [
        rec("france_services", "1", "France services Vitry", "12 av. Fictive", 2.3928, 48.7876),
        rec("conseillers_numeriques", "abcdef0123456789", "COMMUNE DE VITRY", "12 AVENUE FICTIVE", 2.3928, 48.7876),
        rec("aidants_connect", "9", "Maison des solidarités", "30 rue Autre", 2.3929, 48.7877),
    ]  # fmt: skip
    assert len(run(records).venues) == 2
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("id_a,id_b,decision\nfrance_services:1,conseillers_numeriques:abcdef0123456789,different\n"
                         "aidants_connect:9,france_services:1,same\n", encoding="utf-8")  # fmt: skip
    result = deduplicate(pd.DataFrame(records, columns=list(COLUMNS)), Dedupe(), load_decisions(decisions))
    groups = sorted(result.venues["source_ids"])
    assert groups == ["conseillers_numeriques:abcdef0123456789", "france_services:1|aidants_connect:9"] or groups == [
        "aidants_connect:9|france_services:1", "conseillers_numeriques:abcdef0123456789"]  # fmt: skip
    assert set(result.pairs["decision"]) >= {"different (manual)", "same (manual)"}


def test_known_duplicates_are_merged_in_the_territory(make_settings):
    """Real rows of the EPT: CnFS ↔ data·inclusion (same id), and a France services centre with the
    synthetic Francil'in record placed at its address."""
    from inclusion_map.harvest.pipeline import run_harvest

    settings = make_settings()
    run_harvest(settings)
    venues = open_store(settings.store_location).read("venues")
    groups = [set(ids.split("|")) for ids in venues["source_ids"]]

    def together(*ids):
        return any(set(ids) <= g for g in groups)

    assert together("conseillers_numeriques:62ab52828255a806e299ceaa",
                    "data_inclusion:conseiller-numerique--62ab52828255a806e299ceaa")  # fmt: skip
    assert together("conseillers_numeriques:62bd98be3e465606de19aee7",
                    "data_inclusion:conseiller-numerique--62bd98be3e465606de19aee7")  # fmt: skip
    assert together("france_services:534", "francilin:FI-0004")
    review = pd.read_csv(settings.path(settings.dedupe.review_file))
    assert {"id_a", "id_b", "name_score", "address_score", "distance_m", "score", "decision"} <= set(
        review.columns
    )


@pytest.fixture(scope="module")
def national(testdata):
    """Every real national venue file, read through its harvester from the data folder."""
    from inclusion_map._http import make_session
    from inclusion_map.harvest import build

    settings = load_settings(os.path.join(ROOT, "config.yaml"), mirror=str(testdata))
    session = make_session(settings.http)
    frames = [pd.DataFrame(build(n, settings).harvest(session).records)
              for n in ("france_services", "conseillers_numeriques", "data_inclusion")]  # fmt: skip
    return deduplicate(pd.concat(frames, ignore_index=True).reindex(columns=list(COLUMNS)), settings.dedupe)


@pytest.mark.parametrize(
    "ids",
    [
        ("france_services:1979", "conseillers_numeriques:62ab1b468255a806e299c8e5"),  # Bourg-la-Reine
        ("france_services:908", "conseillers_numeriques:62ab23138255a806e299c995"),  # Durtal
        ("france_services:881", "conseillers_numeriques:627a5012ad1bdb06edc48c30"),  # Plessé
    ],
)
def test_known_national_duplicates_are_merged(national, ids):
    groups = [set(s.split("|")) for s in national.venues["source_ids"]]
    assert any(set(ids) <= g for g in groups)


def test_national_merge_is_not_overeager(national):
    """No venue gathers many France services centres: distinct centres stay distinct."""
    fs_per_venue = national.venues["source_ids"].str.count("france_services:")
    assert fs_per_venue.max() <= 2
    assert national.merged_records > 2000  # the CnFS rows re-published by data·inclusion at least
