"""The duplicate finder's signals, one by one, and the look-alikes they must keep apart.

Every record here is SYNTHETIC (invented venues, in real communes of the territory).
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from inclusion_map.config import Dedupe
from inclusion_map.dedupe import deduplicate
from inclusion_map.harvest.pipeline import COLUMNS
from inclusion_map.names import address_parts, fold_values, name_parts

VITRY = ("94081", "94400", "Vitry-sur-Seine", 2.3928, 48.7876)
CHOISY = ("94022", "94600", "Choisy-le-Roi", 2.4100, 48.7640)
ARCUEIL = ("94003", "94110", "Arcueil", 2.3355, 48.8037)
CN, AC, DI, FS = "conseillers_numeriques", "aidants_connect", "data_inclusion", "france_services"
CENTRE = "commune"  # a point placed at its commune's centre


def moved(lon: float, lat: float, east_m: float = 0.0, north_m: float = 0.0) -> tuple[float, float]:
    """The point ``east_m`` metres east and ``north_m`` metres north of (lon, lat)."""
    return lon + east_m / (111_320 * math.cos(math.radians(lat))), lat + north_m / 110_574


def rec(harvester, sid, nom, adresse, where=VITRY, point=None, precision="source", **extra):
    """A SYNTHETIC record in the pipeline's columns, in commune ``where`` (its centre by default)."""
    code, postcode, commune, lon, lat = where
    lon, lat = point or (lon, lat)
    base = dict.fromkeys(COLUMNS)
    base.update(id=f"{harvester}:{sid}", harvester=harvester, source_id=sid, nom=nom, adresse=adresse,
                longitude=lon, latitude=lat, date_maj="2023-01-01", code_insee=code, code_postal=postcode,
                commune=commune, pivot="00000000000000", source=harvester,
                geocode_precision=precision)  # fmt: skip
    base.update(extra)
    return base


def run(records, decisions=None):
    return deduplicate(pd.DataFrame(records, columns=list(COLUMNS)), Dedupe(), decisions)


def groups(result) -> list[set[str]]:
    return [set(ids.split("|")) for ids in result.venues["source_ids"]]


def together(result, *ids) -> bool:
    return any(set(ids) <= g for g in groups(result))


def pair(result, a, b) -> pd.Series:
    rows = result.pairs[((result.pairs.id_a == a) & (result.pairs.id_b == b))
                        | ((result.pairs.id_a == b) & (result.pairs.id_b == a))]  # fmt: skip
    assert len(rows) == 1, f"{a} and {b} were not compared (or scored under review_score)"
    return rows.iloc[0]


def words(name: str, commune: str = "") -> str:
    return name_parts(*fold_values([name, commune])).words


# --- names and addresses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("EDS", "Espace départemental des solidarités"),
        ("CCAS", "Centre communal d'action sociale"),
        ("C.I.A.S. du Val", "Centre intercommunal d'action sociale du Val"),
        ("MSAP", "Maison de services au public"),
        ("PIMMS", "Point information médiation multi services"),
        ("MJC Relief", "Maison des jeunes et de la culture Relief"),
        ("EPN", "Espace public numérique"),
        ("CSC Balzac", "Centre socio-culturel Balzac"),
        ("MDS", "Maison départementale des solidarités"),
        ("PMI", "Protection maternelle et infantile"),
        ("CAF", "Caisse d'allocations familiales"),
    ],
)
def test_acronyms_read_as_their_long_form(short, long):
    assert words(short) == words(long)


def test_names_lose_their_commune_and_filler_words_and_compare_sorted():
    assert (
        words("EDS d'Orly", "Orly")
        == words("Espace Départemental des Solidarités")
        == ("departemental espace solidarites")
    )
    assert words("Médiathèque de Vitry", "Vitry-sur-Seine") == "mediatheque"  # « Vitry » for Vitry-sur-Seine
    assert words("Solidarités (espace des)") == words("Espace des solidarités")
    assert words("Association Culture et Jeunesse") == "culture jeunesse"  # legal form and « et »


def test_network_label_is_noted_not_compared():
    parts = name_parts(*fold_values(["France services Athis-Mons", "Athis-Mons"]))
    assert (parts.words, parts.full, parts.label) == (
        "",
        "athis mons",
        True,
    )  # only the label and the commune
    assert name_parts(*fold_values(["Relais Services Publics/France Services", "Athis-Mons"])).label
    assert name_parts(*fold_values(["EFS Livron", "Livron-sur-Drôme"])).label  # espace France services
    # « Conseiller numérique France Services » is a programme, not a France services centre.
    assert not name_parts(*fold_values(["Conseiller numérique France Services Fictif", ""])).label


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("12 av. Fictive", "12 AVENUE FICTIVE"),
        ("3 bd Fictif", "3 boulevard Fictif"),
        ("5 r. de la Fiction", "5 rue de la Fiction"),
        ("1 pl. du Marché Fictif", "1 place du marché fictif"),
        ("16, rue Fictive", "16 avenue Fictive"),  # the street type differs
        ("6 place du Général de Fictif", "6 pl. Charles de Fictif"),  # a title, a first name
        ("2 cour de la Ferme Résidence de la Fiction", "2 cour de la Ferme"),  # a complement
        ("Bâtiment B, 7 allée Fictive", "7 all. Fictive 94400 Vitry-sur-Seine"),
    ],
)
def test_one_street_written_differently(one, other):
    a, b = (address_parts(fold_values([text])[0]) for text in (one, other))
    assert a.number == b.number and a.number is not None
    assert set(a.street.split()) <= set(b.street.split()) or set(b.street.split()) <= set(a.street.split())


def test_house_numbers_are_not_post_boxes_or_ranges():
    assert address_parts("bp 92 rue fictive").number is None
    assert address_parts("14 16 rue fictive").number == "14"
    assert address_parts("9 bis rue fictive").number == "9"
    assert address_parts("residence les lilas 12 rue fictive").number == "12"


# --- the signals --------------------------------------------------------------------------------


def test_same_number_and_street_meet_without_a_precise_point():
    """One record only at its commune's centre, far from the other: the commune + number + street
    key makes them meet, and names written differently agree."""
    far = moved(*VITRY[3:], north_m=900)
    result = run([
        rec(CN, "cn-eds", "Espace Départemental des Solidarités", "16 avenue Fictive",
            point=far),
        rec(AC, "ac-eds", "EDS de Vitry", "16, rue Fictive", precision=CENTRE),
    ])  # fmt: skip
    assert together(result, "conseillers_numeriques:cn-eds", "aidants_connect:ac-eds")
    assert (
        "same number and street"
        in pair(result, "conseillers_numeriques:cn-eds", "aidants_connect:ac-eds")["signals"]
    )
    venue = result.venues.iloc[0]
    assert (venue["longitude"], venue["latitude"], venue["geocode_precision"]) == (*far, "source")


def test_geocoded_point_far_along_the_same_street():
    result = run([
        rec(CN, "cn-1", "Maison des Fictions", "12 rue Pierre Fictif"),
        rec(AC, "ac-1", "Maison des fictions", "12 r. Fictif",
            point=moved(*VITRY[3:], east_m=400), precision="adresse"),
    ])  # fmt: skip
    assert len(result.venues) == 1


def test_france_services_listed_under_its_building():
    """Identical points and one address: the centre, named by another source after the building
    that hosts it (a département house, a town hall annex), is one place."""
    result = run([
        rec(FS, "fs-1", "France services Vitry-sur-Seine", "89 Avenue Victor Fictif"),
        rec(CN, "cn-1", "Maison du Département Fictif", "89 av. Fictif"),
        rec(FS, "fs-2", "France services Vitry-Dumas", "50 avenue du Président Fictif",
            point=moved(*VITRY[3:], east_m=500)),
        rec(CN, "cn-2", "Mairie annexe Alexandre Dumas", "50 avenue du président Fictif",
            point=moved(*VITRY[3:], east_m=500)),
    ])  # fmt: skip
    assert together(result, "france_services:fs-1", "conseillers_numeriques:cn-1")
    assert together(result, "france_services:fs-2", "conseillers_numeriques:cn-2")
    assert "hosted" in pair(result, "france_services:fs-1", "conseillers_numeriques:cn-1")["signals"]
    assert set(result.venues["id"]) == {"france_services:fs-1", "france_services:fs-2"}


def test_both_names_carrying_the_label_agree_on_it():
    result = run([
        rec(FS, "fs-1", "France services de Vitry - Relais Social Point Justice", "2 cour Fictive"),
        rec(AC, "ac-1", "RELAIS SOCIAL, POINT JUSTICE, FRANCE SERVICES DE VITRY",
            "2 COUR FICTIVE RESIDENCE DE LA FICTION", precision=CENTRE, point=moved(*VITRY[3:], north_m=300)),
    ])  # fmt: skip
    assert len(result.venues) == 1
    assert "both France services" in result.pairs.iloc[0]["signals"]


def test_a_far_point_does_not_recode_the_commune():
    """Same name, number, street and postcode, points 1.4 km apart across a commune border: one
    place, kept in the commune its postcode names, the stray point flagged."""
    stray = moved(*ARCUEIL[3:], east_m=800, north_m=1150)
    records = [
        rec(CN, "cn-mine", "Tiers-lieu Fictif", "74 AV DE LA FICTION", where=ARCUEIL),
        rec(DI, "di-mine", "TIERS-LIEU FICTIF", "74 avenue de la Fiction",
            where=("94037", "94110", "Gentilly", *stray)),
        rec(AC, "ac-other", "Boutique fictive", "1 rue Autre", where=ARCUEIL,
            point=moved(*ARCUEIL[3:], east_m=-600)),
    ]  # fmt: skip
    result = run(records)
    assert together(result, "conseillers_numeriques:cn-mine", "data_inclusion:di-mine")
    venue = result.venues[result.venues["source_ids"].str.contains("cn-mine")].iloc[0]
    assert (venue["code_insee"], venue["commune"]) == ("94003", "Arcueil")
    assert (venue["longitude"], venue["latitude"]) == ARCUEIL[3:]
    assert "1.4 km" in venue["point_conflict"] and "data_inclusion:di-mine" in venue["point_conflict"]
    found = pair(result, "conseillers_numeriques:cn-mine", "data_inclusion:di-mine")
    assert found["decision"] == "merged" and found["point_conflict"].startswith("points 1.4 km apart")
    stray_entry = next(p for p in json.loads(venue["provenance"]) if p["source_id"] == "di-mine")
    assert "94037" in stray_entry["point_conflict"]
    # A point in another département than its postcode's is the stray one, with no other record to ask.
    records[1].update(code_insee="75056", commune="Paris")
    alone = run(records[:2]).venues.iloc[0]
    assert alone["code_insee"] == "94003" and "di-mine" in alone["point_conflict"]


def test_points_of_one_address_a_few_hundred_metres_apart_merge_without_flag():
    result = run([
        rec(CN, "cn-1", "Tiers-lieu Fictif", "74 AV DE LA FICTION"),
        rec(DI, "di-1", "Tiers-lieu fictif", "74 avenue de la Fiction",
            point=moved(*VITRY[3:], north_m=400)),
    ])  # fmt: skip
    assert len(result.venues) == 1 and result.venues.iloc[0]["point_conflict"] is None


def test_a_point_conflict_needs_a_house_number_and_a_fixed_place():
    far = moved(*VITRY[3:], north_m=1500)
    without_number = run([
        rec(CN, "cn-1", "Bus numérique", "Place du marché"),
        rec(DI, "di-1", "Bus numérique", "Place du marché", point=far),
    ])  # fmt: skip
    itinerant = run([
        rec(CN, "cn-1", "Bus numérique", "1 place du marché", itinerance="Itinérant"),
        rec(DI, "di-1", "Bus numérique", "1 place du marché", point=far, itinerance="Itinérant"),
    ])  # fmt: skip
    assert len(without_number.venues) == 2 and len(itinerant.venues) == 2


# --- look-alikes --------------------------------------------------------------------------------


def test_one_kind_of_office_in_two_communes_stays_apart():
    result = run([
        rec(CN, "cn-1", "Espace Départemental des Solidarités", "1 place de la Mairie"),
        rec(AC, "ac-1", "EDS de Choisy-le-Roi", "1 pl. de la Mairie", where=CHOISY,
            precision=CENTRE),
        rec(AC, "ac-2", "EDS de Vitry", "3 rue Autre", precision=CENTRE),
    ])  # fmt: skip
    assert not together(result, "conseillers_numeriques:cn-1", "aidants_connect:ac-1")
    assert not together(result, "aidants_connect:ac-1", "aidants_connect:ac-2")


def test_two_libraries_of_one_town_stay_apart():
    result = run([
        rec(CN, "cn-1", "Médiathèque Elsa Fictive", "2 rue Fictive", precision=CENTRE),
        rec(AC, "ac-1", "Médiathèque Nelson Fictif", "30 avenue Imaginaire", precision=CENTRE),
        rec(DI, "di-1", "Médiathèque de Vitry", "5 rue Fictive", point=moved(*VITRY[3:], north_m=60)),
        rec(AC, "ac-2", "Médiathèque de Vitry", "40 rue Fictive", precision=CENTRE),
    ])  # fmt: skip
    assert len(result.venues) == 4


def test_two_services_on_one_street_stay_apart():
    result = run([
        rec(AC, "ac-1", "Centre Communal d'Action Sociale", "7 rue Fictive", precision=CENTRE),
        rec(CN, "cn-1", "Médiathèque de Vitry", "rue Fictive", precision=CENTRE),
        rec(DI, "di-1", "MJC Relief", "1 avenue Fictive", precision=CENTRE),
        rec(CN, "cn-2", "Mairie de Vitry", "12 avenue Fictive", precision=CENTRE),
        # Two services of one building at one point: names that share nothing stay apart.
        rec(CN, "cn-3", "Centre social Imaginaire", "20 rue Autre",
            point=moved(*VITRY[3:], east_m=700)),
        rec(DI, "di-2", "Médiathèque Fictive", "20 rue Autre", point=moved(*VITRY[3:], east_m=700)),
    ])  # fmt: skip
    assert len(result.venues) == 6


def test_one_list_merges_only_exact_copies():
    result = run([
        rec(AC, "1", "Mairie de Vitry", "12 AV DE LA FICTION", precision=CENTRE),
        rec(AC, "2", "Mairie de Vitry", "12 avenue de la Fiction", precision=CENTRE),
        rec(AC, "3", "Service Jeunesse Mairie de Vitry", "12 avenue de la Fiction",
            precision=CENTRE),
    ])  # fmt: skip
    assert sorted(map(len, groups(result))) == [1, 2]
    assert together(result, "aidants_connect:1", "aidants_connect:2")


def test_copies_of_one_list_join_a_third_record_together():
    """Copies within one list are joined first: a third record then joins them all, instead of one
    copy taking it and shutting the other out."""
    result = run([
        rec(CN, "a", "MAISON FRANCE SERVICES DE VITRY", "32 rue Fictive"),
        rec(CN, "b", "MAISON FRANCE SERVICES DE VITRY", "32 rue Fictive"),
        rec(FS, "1", "France services Vitry", "32 Rue Fictive"),
    ])  # fmt: skip
    assert len(result.venues) == 1


def test_manual_decisions_override_the_new_signals(tmp_path):
    from inclusion_map.dedupe import load_decisions

    records = [
        rec(FS, "fs-1", "France services Vitry-sur-Seine", "89 Avenue Victor Fictif"),
        rec(CN, "cn-1", "Maison du Département Fictif", "89 av. Fictif"),
        rec(AC, "ac-1", "EDS de Choisy-le-Roi", "1 pl. de la Mairie", where=CHOISY,
            precision=CENTRE),
    ]  # fmt: skip
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("id_a,id_b,decision\nfrance_services:fs-1,conseillers_numeriques:cn-1,different\n"
                         "aidants_connect:ac-1,france_services:fs-1,same\n", encoding="utf-8")  # fmt: skip
    result = run(records, load_decisions(decisions))
    assert not together(result, "france_services:fs-1", "conseillers_numeriques:cn-1")
    assert together(result, "france_services:fs-1", "aidants_connect:ac-1")
    assert (
        pair(result, "france_services:fs-1", "conseillers_numeriques:cn-1")["decision"]
        == "different (manual)"
    )


def test_no_record_at_all():
    result = run([])
    assert result.venues.empty and result.pairs.empty and result.merged_records == 0
