"""The in-memory venue index of the web layer (:mod:`inclusion_map.web.venue_index`).

Most tests use a SYNTHETIC frame: eight made-up venues hand-placed around Vitry-sur-Seine
(2.392, 48.787) at known geodesic distances and bearings (computed with pyproj's ``Geod``), plus
one in Versailles and one without coordinates, with hand-chosen services, publics, labels and
opening hours, so every expected order, count and distance can be checked by hand. The last test
runs on the real national venue files of ``shared/data/venues`` read through the harvesters in
mirror mode, and compares a nearby query with a brute-force numpy distance computation.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod, Proj, Transformer
from shapely.geometry import Point

from inclusion_map.errors import BadRequest
from inclusion_map.store import GeoPackageStore
from inclusion_map.vocab import fold
from inclusion_map.web import venue_index
from inclusion_map.web.venue_index import VenueIndex, get_index

ROOT = Path(__file__).resolve().parents[1]
VITRY = (2.392, 48.787)
GEOD = Geod(ellps="WGS84")
AIDE, ACCES = "Aide aux démarches administratives", "Accès internet et matériel informatique"
OUTILS = "Maîtrise des outils numériques du quotidien"


def _at(bearing: float, metres: float) -> Point:
    lon, lat, _ = GEOD.fwd(*VITRY, bearing, metres)
    return Point(lon, lat)


# id, name, (bearing°, metres) from VITRY or a Point, services, modalites, publics, frais, labels,
# hours, INSEE code
VENUES = [
    ("v1", "Médiathèque Nelson Mandela", (0, 300), f"{AIDE}|{ACCES}", "Accompagnement individuel",
     "Seniors", "Gratuit", "Conseillers numériques", "Mo-Fr 09:00-12:00,14:00-18:00", "94081"),
    ("v1b", "Annexe Nelson", (0, 300), AIDE, "En autonomie", None, "Gratuit", None,
     "Mo-Fr 09:00-12:00,14:00-18:00", "94081"),
    ("v2", "Espace numérique Anatole", (90, 800), OUTILS, "Dans un atelier collectif|En autonomie",
     "Jeunes|Étudiants", "Payant", "France Services|Aidants Connect", "Sa 10:00-13:00", "94081"),
    ("v3", "atelier Zéro", (180, 1500), AIDE, None, None, "Gratuit sous condition", None,
     "n'importe quoi !!", "94041"),
    ("v4", "Bureau Alpha", (270, 2500), AIDE, "À distance", "Femmes", "Gratuit", "Aidants Connect", None,
     "94041"),
    ("v5", "Centre social Éclair", (45, 6000), ACCES, "En autonomie", "Seniors", "Gratuit", None, "24/7",
     "94080"),
    ("v6", "Versailles Numérique", Point(2.130, 48.804), AIDE, "Accompagnement individuel", None, "Payant",
     "France Services", "Mo-Su 08:00-20:00; PH off", "78646"),
    ("v7", "Sans adresse", None, AIDE, None, None, "Gratuit", None, "24/7", "94081"),
]  # fmt: skip
NEARBY = {"v1": 300, "v1b": 300, "v2": 800, "v3": 1500, "v4": 2500, "v5": 6000}
TUESDAY = datetime(2024, 3, 12, 10, 30)  # a Tuesday with no public holiday
SATURDAY = datetime(2024, 3, 16, 11, 0)
MAY_DAY = datetime(2024, 5, 1, 10, 30)  # Wednesday 1 May: a French public holiday


def synthetic_frame() -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for vid, nom, where, services, modalites, publics, frais, labels, hours, insee in VENUES:
        rows.append({"id": vid, "nom": nom, "commune": "Vitry-sur-Seine", "code_insee": insee,
                     "services": services, "modalites_accompagnement": modalites,
                     "publics_specifiquement_adresses": publics, "frais_a_charge": frais,
                     "dispositif_programmes_nationaux": labels, "horaires": hours,
                     "harvester": "internal", "date_maj": "2024-01-15", "nb_aidants": 2})  # fmt: skip
        geoms.append(_at(*where) if isinstance(where, tuple) else where)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


@pytest.fixture(scope="module")
def index() -> VenueIndex:
    return VenueIndex.from_frame(synthetic_frame())


def ids(result) -> list[str]:
    return [item["id"] for item in result.items]


def test_nearby_sorted_by_distance_then_name_with_walk_time(index):
    result = index.query(lon=VITRY[0], lat=VITRY[1], radius_m=3000)
    assert result.total == 5
    assert ids(result) == ["v1b", "v1", "v2", "v3", "v4"]  # same spot: "Annexe" before "Médiathèque"
    for item in result.items:
        assert item["distance_m"] == pytest.approx(NEARBY[item["id"]], abs=0.5)  # geodesic distances
        assert item["walk_min"] == pytest.approx(item["distance_m"] * 1.3 / (4000 / 60), abs=0.06)
    assert result.items[2]["walk_min"] == pytest.approx(15.6)  # 800 m × 1.3 at 66.7 m/min
    assert "harvester" not in result.items[0] and result.items[0]["nb_aidants"] == 2
    assert result.items[0]["longitude"] == pytest.approx(_at(0, 300).x)


def test_radius_is_inclusive_in_metres_and_without_radius_every_located_venue(index):
    assert ids(index.query(lon=VITRY[0], lat=VITRY[1], radius_m=1000)) == ["v1b", "v1", "v2"]
    assert index.query(lon=VITRY[0], lat=VITRY[1], radius_m=801).total == 3
    assert index.query(lon=VITRY[0], lat=VITRY[1], radius_m=799).total == 2
    everything = index.query(lon=VITRY[0], lat=VITRY[1], limit=100)
    assert ids(everything) == ["v1b", "v1", "v2", "v3", "v4", "v5", "v6"]  # v7 has no point
    assert everything.items[-1]["distance_m"] == pytest.approx(GEOD.inv(*VITRY, 2.130, 48.804)[2], rel=1e-3)


def test_bbox_without_point_sorted_by_name(index):
    box = "2.35,48.75,2.45,48.82"
    result = index.query(bbox=box)
    assert ids(result) == ["v1b", "v3", "v4", "v2", "v1"]  # v5 is 6 km north-east: outside
    assert "distance_m" not in result.items[0]
    assert ids(index.query(bbox=[2.35, 48.75, 2.45, 48.82])) == ids(result)
    assert ids(index.query(bbox=box, lon=VITRY[0], lat=VITRY[1])) == ["v1b", "v1", "v2", "v3", "v4"]


def test_no_criteria_lists_every_venue_by_name_accents_and_case_ignored(index):
    result = index.query(limit=100)
    assert [i["nom"] for i in result.items] == [
        "Annexe Nelson", "atelier Zéro", "Bureau Alpha", "Centre social Éclair",
        "Espace numérique Anatole", "Médiathèque Nelson Mandela", "Sans adresse", "Versailles Numérique",
    ]  # fmt: skip
    assert result.items[6]["latitude"] is None


def test_get_one_venue_by_id(index):
    assert index.get("v2")["nom"] == "Espace numérique Anatole" and index.get("nope") is None
    index.get("v2")["nom"] = "changed"  # a copy: the index is not altered
    assert index.get("v2")["nom"] == "Espace numérique Anatole" and len(index) == 8


def test_paging_keeps_the_total_and_covers_every_match_once(index):
    full = ids(index.query(lon=VITRY[0], lat=VITRY[1], limit=100))
    pages = [index.query(lon=VITRY[0], lat=VITRY[1], limit=2, offset=o) for o in (0, 2, 4, 6)]
    assert [p.total for p in pages] == [7, 7, 7, 7]
    assert sum((ids(p) for p in pages), []) == full
    assert ids(pages[-1]) == ["v6"] and (pages[1].limit, pages[1].offset) == (2, 2)
    assert index.query(limit=100, offset=10_000).items == []


def test_filters_or_within_a_field_and_across_fields(index):
    q = lambda **kw: ids(index.query(lon=VITRY[0], lat=VITRY[1], limit=100, **kw))  # noqa: E731
    assert q(services=ACCES) == ["v1", "v5"]
    assert q(services=[ACCES, OUTILS]) == ["v1", "v2", "v5"]
    assert q(services="aide aux DEMARCHES administratives") == ["v1b", "v1", "v3", "v4", "v6"]
    assert q(services=AIDE, frais="gratuit") == ["v1b", "v1", "v4"]
    assert q(publics="etudiants") == ["v2"]
    assert q(publics=["Seniors", "Femmes"]) == ["v1", "v4", "v5"]
    assert q(modalites="a distance") == ["v4"]
    assert q(modalites="En autonomie", services=AIDE) == ["v1b"]
    assert q(labels="aidants connect") == ["v2", "v4"]
    assert q(labels=["France Services"], frais="Payant") == ["v2", "v6"]
    assert q(codes_insee=["94041", "78646"]) == ["v3", "v4", "v6"]
    assert q(services=ACCES, labels="France Services") == []
    assert index.query(services=AIDE, codes_insee="94081").total == 3  # with v7, which has no point
    assert q(services=["", None]) == q()  # empty values are ignored


def test_open_at_uses_the_osm_hours_and_french_holidays(index):
    def q(when, **kw):
        return ids(index.query(lon=VITRY[0], lat=VITRY[1], open_at=when, limit=100, **kw))

    assert q(TUESDAY) == ["v1b", "v1", "v5", "v6"]  # v2 Saturdays only; v3 invalid and v4 no hours: closed
    assert q(SATURDAY) == ["v2", "v5", "v6"]
    assert q(MAY_DAY) == ["v1b", "v1", "v5"]  # v6 says "PH off"
    assert q(TUESDAY.replace(hour=12, minute=30)) == ["v5", "v6"]  # lunch break
    assert q("2024-03-12T10:30") == q(TUESDAY)
    aware = TUESDAY.replace(tzinfo=timezone(timedelta(hours=1)))  # 10:30 at UTC+1 is 10:30 in Paris in March
    assert q(aware) == q(TUESDAY)
    assert index.query(open_at=TUESDAY).total == 5  # v7 (24/7, no point) counts without a point


def test_open_at_evaluates_hours_only_for_the_other_filters_matches(index, monkeypatch):
    seen = []
    real = venue_index._is_open
    monkeypatch.setattr(venue_index, "_is_open", lambda expr, when: seen.append(expr) or real(expr, when))
    result = index.query(lon=VITRY[0], lat=VITRY[1], radius_m=1000, services=AIDE, open_at=TUESDAY)
    assert ids(result) == ["v1b", "v1"]
    assert seen == ["Mo-Fr 09:00-12:00,14:00-18:00"]  # once per distinct expression of the 2 candidates


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lon": 2.39}, "give both lon and lat"),
        ({"lat": 48.7}, "give both lon and lat"),
        ({"lon": 200, "lat": 48.7}, "lon 200 is outside -180..180 degrees"),
        ({"lon": 2.3, "lat": -91}, "lat -91 is outside -90..90 degrees"),
        ({"lon": "abc", "lat": 48.7}, "lon 'abc' is not a number"),
        ({"lon": "nan", "lat": 48.7}, "lon 'nan' is not a finite number"),
        ({"lon": 2.3, "lat": 48.7, "radius_m": 0}, "radius 0 m is out of range"),
        ({"lon": 2.3, "lat": 48.7, "radius_m": 50_001}, "radius 50001 m is out of range"),
        ({"lon": 2.3, "lat": 48.7, "radius_m": -5}, "radius -5 m is out of range"),
        ({"radius_m": 1000}, "radius needs a point"),
        ({"bbox": "2.3,48.7,2.4"}, "bbox '2.3,48.7,2.4' is malformed: it needs 4 numbers, not 3"),
        ({"bbox": "a,b,c,d"}, "bbox 'a' is not a number"),
        ({"bbox": 5}, "is malformed"),
        ({"bbox": "2.5,48.7,2.4,48.8"}, "a minimum is greater than its maximum"),
        ({"bbox": "2.3,48.9,2.4,48.8"}, "a minimum is greater than its maximum"),
        ({"bbox": "1,48,3.5,48.5"}, "is 2.5 degrees wide"),
        ({"bbox": "2,47,2.5,49.5"}, "is 2.5 degrees wide"),
        ({"bbox": "179,48,181,49"}, "is outside -180..180, -90..90 degrees"),
        ({"limit": 0}, "limit 0 is out of range"),
        ({"limit": 101}, "limit 101 is out of range"),
        ({"limit": "ten"}, "limit 'ten' is not a number"),
        ({"limit": 2.5}, "limit 2.5 is out of range"),
        ({"offset": -1}, "offset -1 is out of range"),
        ({"offset": 10_001}, "offset 10001 is out of range"),
        ({"services": "Cours de cuisine"}, "unknown services value 'Cours de cuisine'"),
        ({"modalites": ["En autonomie", "Par pigeon"]}, "unknown modalites value 'Par pigeon'"),
        ({"publics": "Retraités"}, "unknown publics value 'Retraités'"),
        ({"frais": "Offert"}, "unknown frais value 'Offert'"),
        ({"labels": "PIX"}, "unknown labels value 'PIX'"),
        ({"codes_insee": "9408"}, "codes_insee '9408' is not an INSEE commune code"),
        ({"open_at": "mardi matin"}, "open_at 'mardi matin' is not a date and time"),
        ({"open_at": 12}, "open_at '12' is not a date and time"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(index, kwargs, message):
    with pytest.raises(BadRequest) as caught:
        index.query(**kwargs)
    assert message in caught.value.message
    assert caught.value.status == 400 and caught.value.hint


def test_unknown_filter_value_lists_the_accepted_ones(index):
    with pytest.raises(BadRequest) as caught:
        index.query(frais="Offert")
    accepted = "accepted values (accents and case ignored): Gratuit; Gratuit sous condition; Payant"
    assert caught.value.hint == accepted
    with pytest.raises(BadRequest) as caught:
        index.query(labels="PIX")
    assert "Certification PIX" in caught.value.hint and "France Services" in caught.value.hint


def test_get_index_is_cached_until_the_store_file_changes(tmp_path):
    path = tmp_path / "store.gpkg"
    assert get_index(path).query().total == 0  # no store yet
    store = GeoPackageStore(path)
    store.write("communes", gpd.GeoDataFrame({"code": ["94081"]}, geometry=[Point(2.39, 48.78)], crs=4326))
    assert get_index(path).query().total == 0  # a store without a venues layer
    frame = synthetic_frame()
    store.write("venues", frame[frame.geometry.notna()])
    first = get_index(path)
    assert first.query(lon=VITRY[0], lat=VITRY[1], radius_m=3000).total == 5
    assert get_index(str(path)) is first  # same file, same mtime: not rebuilt
    time.sleep(0.01)
    store.write("venues", frame[frame["id"].isin(["v1", "v2"])])
    second = get_index(path)
    assert second is not first and second.query().total == 2
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert get_index(path) is not second


def test_empty_frame_answers_every_query_with_nothing():
    empty = VenueIndex.from_frame(gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([], crs=4326)))
    assert empty.query().total == 0
    assert empty.query(lon=2.39, lat=48.78, radius_m=500, services=AIDE, open_at=TUESDAY).items == []


def load_real_venues(data: Path) -> gpd.GeoDataFrame:
    """The real national venue files read through the harvesters in mirror mode (no network), as
    ``benchmarks/dedupe_benchmark.py`` does, keeping the rows that have coordinates."""
    from inclusion_map._http import make_session
    from inclusion_map.config import load_settings
    from inclusion_map.harvest import build

    settings = load_settings(ROOT / "config.yaml", mirror=str(data))
    session = make_session(settings.http)
    names = ("conseillers_numeriques", "data_inclusion", "france_services", "aidants_connect", "standard")
    records = pd.concat([pd.DataFrame(build(n, settings).harvest(session).records) for n in names],
                        ignore_index=True)  # fmt: skip
    records = records.dropna(subset=["latitude", "longitude"]).reset_index(drop=True)
    return gpd.GeoDataFrame(records, geometry=gpd.points_from_xy(records["longitude"], records["latitude"]),
                            crs="EPSG:4326")  # fmt: skip


def test_real_national_set_nearby_matches_brute_force(testdata):
    venues = load_real_venues(testdata)
    assert len(venues) > 10_000
    index = VenueIndex.from_frame(venues)
    lon, lat, radius = 2.392, 48.787, 5000
    result = index.query(lon=lon, lat=lat, radius_m=radius, limit=100)
    distances = [item["distance_m"] for item in result.items]
    assert result.total >= 20 and distances == sorted(distances) and max(distances) <= radius
    # brute force over every venue: Lambert-93 distances divided by the scale factor at the point
    # (0.99989 here); venues at the same spot are ordered by folded name, then id, as the index does
    to_l93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    x, y = to_l93.transform(venues["longitude"].to_numpy(float), venues["latitude"].to_numpy(float))
    qx, qy = to_l93.transform(lon, lat)
    brute = np.hypot(x - qx, y - qy) / Proj("EPSG:2154").get_factors(lon, lat).meridional_scale
    assert result.total == int((brute <= radius).sum())
    names = venues["nom"].map(fold).to_numpy()
    first = np.lexsort((venues["id"].astype(str).to_numpy(), names, brute))[:20]
    assert [item["id"] for item in result.items[:20]] == venues["id"].to_numpy()[first].tolist()
    geodesic = GEOD.inv(np.full(20, lon), np.full(20, lat), venues["longitude"].to_numpy(float)[first],
                        venues["latitude"].to_numpy(float)[first])[2]  # fmt: skip
    np.testing.assert_allclose(distances[:20], geodesic, atol=1.0)
