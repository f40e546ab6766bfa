"""The store interface on both backends: the GeoPackage default and PostGIS (a real server).

Every test runs twice through the ``store_location`` fixture (a ``.gpkg`` path, then a fresh
PostGIS database); the frames are synthetic and marked as such. The copy between backends is
checked on the real harvested store.
"""

from __future__ import annotations

import threading

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml
from conftest import harvested_and_built

from inclusion_map.errors import NotFound, StoreError
from inclusion_map.stores import open_store


def _venues() -> gpd.GeoDataFrame:
    """Synthetic venues: text with gaps, integers, floats with gaps, booleans, one missing point."""
    return gpd.GeoDataFrame(
        {"id": ["a", "b", None], "rows": [1, 2, 3], "score": [1.5, None, 2.0], "ok": [True, False, True],
         "note": ["l'accueil, « oui »\nligne 2", "", "\\ virgule, guillemet \""]},
        geometry=[shapely.Point(2.35, 48.85), shapely.Point(2.45, 48.95), None], crs=4326)  # fmt: skip


def test_round_trip_keeps_values_and_types(store_location):
    store = open_store(store_location)
    assert not store.exists() and store.version() is None
    store.write("venues", _venues(), {"title": "synthetic venues"})
    back = store.read("venues")
    assert list(back.columns) == ["id", "rows", "score", "ok", "note", "geometry"]
    assert back["rows"].dtype == np.int64 and back["score"].dtype == float and back["ok"].dtype == bool
    assert back["id"].tolist()[:2] == ["a", "b"] and pd.isna(back["id"].iloc[2])
    assert back["note"].tolist() == _venues()["note"].tolist()  # quotes, commas, newlines, empty text
    assert back.crs.to_epsg() == 4326 and back.geometry.iloc[2] is None
    assert back.geometry.iloc[0].equals(shapely.Point(2.35, 48.85))
    assert store.info("venues")["title"] == "synthetic venues" and store.info("venues")["rows"] == 3
    assert store.layers() == ["venues"] and store.has("venues") and not store.has("communes")
    assert store.fields("venues") == ["id", "rows", "score", "ok", "note"]
    assert store.bounds("venues") == pytest.approx((2.35, 48.85, 2.45, 48.95))


def test_reads_by_box_columns_and_value(store_location):
    store = open_store(store_location)
    store.write("venues", _venues())
    assert store.read("venues", bbox=(2.4, 48.9, 2.5, 49.0))["id"].tolist() == ["b"]
    assert list(store.read("venues", columns=["rows"]).columns) == ["rows", "geometry"]
    assert store.read("venues", where={"rows": 3})["score"].tolist() == [2.0]
    assert len(store.read("venues", max_features=2)) == 2
    with pytest.raises(NotFound):
        store.read("nothing")


def test_plain_tables_and_history(store_location):
    store = open_store(store_location)
    with store.transaction() as tx:
        tx.write("summary", pd.DataFrame({"code": ["94081", "91027"], "n": [3, 0]}))
        tx.append("harvest_runs", [{"run_id": "r1", "started_at": "2026-12-01T10:00:00", "status": "ok"}])
        tx.append("harvest_sources", [{"run_id": "r1", "source": "standard", "kept": 12}])
    with store.transaction() as tx:  # a newer run records one more column: older rows get none
        tx.append("harvest_runs", [{"run_id": "r2", "started_at": "2026-12-02T10:00:00", "status": "ok",
                                    "duration_s": 8.5}])  # fmt: skip
    assert isinstance(store.read("summary"), pd.DataFrame) and store.read("summary")["code"].tolist() == ["94081", "91027"]
    runs = store.read("harvest_runs")
    assert runs["run_id"].tolist() == ["r1", "r2"] and pd.isna(runs["duration_s"].iloc[0])
    history = store.history()
    assert [r["run_id"] for r in history] == ["r2", "r1"] and history[1]["sources"][0]["kept"] == 12
    assert "harvest_runs" not in store.layers() and "harvest_runs" in store.tables()


def test_a_failed_transaction_leaves_the_previous_data(store_location):
    store = open_store(store_location)
    store.write("venues", _venues())
    before = store.version()
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.write("venues", _venues().head(1))
        tx.append("harvest_runs", [{"run_id": "lost"}])
        raise RuntimeError("the harvest failed half-way")
    assert len(store.read("venues")) == 3 and not store.has("harvest_runs")
    assert store.version() == before


def test_one_writer_at_a_time(store_location):
    store = open_store(store_location)
    with store.transaction() as tx:
        tx.write("venues", _venues())
        with pytest.raises(StoreError, match="another process is writing"), open_store(store_location).transaction():
            pass


def test_readers_see_the_old_layers_until_the_commit(store_location):
    store = open_store(store_location)
    store.write("venues", _venues())
    store.write("communes", gpd.GeoDataFrame({"code": ["94081"]}, geometry=[shapely.box(2.3, 48.8, 2.5, 49)], crs=4326))
    first = store.version()
    inside, done = threading.Event(), threading.Event()

    def write():
        with store.transaction() as tx:
            tx.write("venues", _venues().head(1))
            tx.write("communes", gpd.GeoDataFrame({"code": ["a", "b"]}, geometry=[None, None], crs=4326))
            inside.set()
            done.wait(10)

    writer = threading.Thread(target=write)
    writer.start()
    assert inside.wait(10)
    reader = open_store(store_location)
    assert (len(reader.read("venues")), len(reader.read("communes"))) == (3, 1)  # both old, together
    assert reader.version() == first
    done.set()
    writer.join()
    assert (len(reader.read("venues")), len(reader.read("communes"))) == (1, 2)  # both new, together
    assert reader.version() != first


def test_every_write_changes_the_version(store_location):
    store = open_store(store_location)
    versions = set()
    for size in (3, 2, 1):
        store.write("venues", _venues().head(size))
        versions.add(store.version())
        assert len(store.read("venues")) == size  # an earlier write's tables are gone or unused
    assert len(versions) == 3


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    return harvested_and_built(tmp_path_factory.mktemp("backends"), testdata, backend="gpkg")


def test_copy_into_postgis_and_back_keeps_every_table(built, postgis_url, tmp_path):
    from inclusion_map.store_copy import copy_store

    source = open_store(built.store_location)
    copied = copy_store(built.store_location, postgis_url)
    assert {c.name for c in copied} == set(source.tables()) and all(c.ok for c in copied)
    assert {"venues", "communes", "harvest_runs", "harvest_sources"} <= {c.name for c in copied}
    target = open_store(postgis_url)
    assert target.meta()["venues"] == source.meta()["venues"]  # written_at and counts: the source's
    for name in ("venues", "communes", "harvest_rejections"):
        a, b = source.read(name), target.read(name)
        pd.testing.assert_frame_equal(pd.DataFrame(a).drop(columns="geometry", errors="ignore"),
                                      pd.DataFrame(b).drop(columns="geometry", errors="ignore"))  # fmt: skip
        if "geometry" in a:
            assert a.geometry.geom_equals_exact(b.geometry, 1e-9).all()
    back = tmp_path / "back.gpkg"
    assert all(c.ok for c in copy_store(postgis_url, back))
    assert open_store(back).tables() == source.tables()
    assert len(open_store(back).read("venues")) == len(source.read("venues"))


def test_copy_refuses_an_empty_source(postgis_url, tmp_path):
    from inclusion_map.store_copy import copy_store

    with pytest.raises(StoreError, match="nothing to copy"):
        copy_store(tmp_path / "empty.gpkg", postgis_url)
    with pytest.raises(StoreError, match="nothing to copy"):
        copy_store(postgis_url, tmp_path / "x.gpkg")


def test_nearby_and_box_searches_answer_the_same_from_postgis(built, postgis_url):
    """With PostGIS, the venue index picks its candidates with the database's GiST index: every
    answer must be the one the in-memory k-d tree gives."""
    from inclusion_map.store_copy import copy_store
    from inclusion_map.web.venue_index import get_index

    copy_store(built.store_location, postgis_url)
    memory, database = get_index(built.store_location), get_index(postgis_url)
    assert database.search is not None and memory.search is None
    asked = [dict(lon=2.3869, lat=48.7905, radius_m=r) for r in (300, 1500, 5000, 50_000)]
    asked += [dict(lon=2.45, lat=48.70, radius_m=2000, services="Aide aux démarches administratives"),
              dict(bbox="2.30,48.70,2.50,48.80"), dict(bbox="2.30,48.70,2.50,48.80", lon=2.4, lat=48.75),
              dict(lon=2.4, lat=48.75)]  # fmt: skip
    for query in asked:
        a, b = memory.query(limit=100, **query), database.query(limit=100, **query)
        assert a.total == b.total and [i["id"] for i in a.items] == [i["id"] for i in b.items], query
        assert [i.get("distance_m") for i in a.items] == [i.get("distance_m") for i in b.items]
    assert memory.query(lon=2.3869, lat=48.7905, radius_m=5000).total > 0


def test_the_side_databases_are_copied_with_the_store(tmp_path, postgis_url):
    """Accounts, reports and corrections move with the store, ids kept, and new rows follow them."""
    from inclusion_map.cli import side_schemas
    from inclusion_map.corrections_store import CorrectionStore, corrections_path
    from inclusion_map.locations import side_db
    from inclusion_map.store_copy import copy_side_databases
    from inclusion_map.web.auth import OrganiserStore
    from inclusion_map.web.reports_store import ReportStore

    gpkg = tmp_path / "store.gpkg"
    OrganiserStore(side_db(gpkg, "organisers")).add_account("claire", "un mot de passe assez long")
    first = ReportStore(side_db(gpkg, "reports"), 30).add("v1", "Lieu (synthétique)", "horaires", "Fermé le lundi",
                                                          "", "fr", "127.0.0.1")  # fmt: skip
    CorrectionStore(corrections_path(gpkg)).add_correction("v1", "telephone", "01 45 00 00 00", None, "claire")
    copied = copy_side_databases(gpkg, postgis_url, side_schemas())
    assert {c.name for c in copied} >= {"organisers.accounts", "reports.reports", "corrections.corrections"}
    assert all(c.ok for c in copied) and sum(c.target_rows for c in copied) >= 3
    assert OrganiserStore(side_db(postgis_url, "organisers")).accounts() == ["claire"]
    reports = ReportStore(side_db(postgis_url, "reports"), 30)
    assert reports.list()[0]["id"] == first
    assert reports.add("v2", "Autre lieu", "horaires", "Ouvert", "", "fr", "127.0.0.1") > first  # after the copied
    assert CorrectionStore(corrections_path(postgis_url)).load().fields


def test_store_commands_copy_and_describe_without_the_password(built, postgis_url, monkeypatch):
    from click.testing import CliRunner

    from inclusion_map.cli import main

    config = built.store_path.parent / "config.yaml"
    data = built.model_dump(mode="json")
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(main, ["store", "copy", "--to", postgis_url, "--config", str(config)])
    assert done.exit_code == 0, done.output
    assert "every count matches" in done.output and "venues:" in done.output
    secret = postgis_url.replace("postgres@", "postgres:s3cret@")
    monkeypatch.setenv("INCLUSION_MAP_STORE_URL", secret)
    info = runner.invoke(main, ["store", "info", "--config", str(config)])
    assert info.exit_code == 0 and "PostGIS store" in info.output and "s3cret" not in info.output
    assert "***" in info.output
    again = runner.invoke(main, ["store", "copy", "--to", secret, "--config", str(config)])
    assert again.exit_code == 1 and "same store" in again.output and "s3cret" not in again.output


def test_a_database_that_does_not_answer_gives_503_never_the_password(tmp_path, testdata):
    """The PostGIS server is down: the site still starts, says so in its language with 503, and
    /readyz fails its store check; the URL's password is never shown."""
    from conftest import mirror_settings

    from inclusion_map.web import create_app

    down = f"postgresql://im:s3cret@/im?host={tmp_path}&port=1"  # no server listens there
    settings = mirror_settings(tmp_path, testdata).with_overrides(
        store={"path": str(tmp_path / "store.gpkg"), "url": down})
    client = create_app(settings).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["store"]["ok"] is False
    page = client.get("/")
    assert page.status_code == 503 and "s3cret" not in page.get_data(as_text=True)
    html = page.get_data(as_text=True)  # plain words, and no address of the server for the public
    assert "momentanément inaccessibles" in html and "PGSQL" not in html and str(tmp_path) not in html
    api = client.get("/api/venues?lon=2.39&lat=48.79&radius=2000")
    assert api.status_code == 503 and "cannot connect" in api.get_json()["error"]
    assert "s3cret" not in api.get_data(as_text=True)


def test_a_history_table_written_again_stays_after_later_writes(store_location):
    """Copying a store twice into the same target rewrites its history tables under their own name:
    they must not be dropped as replaced tables by the next write."""
    store = open_store(store_location)
    runs = pd.DataFrame({"run_id": ["r1"], "started_at": ["2026-12-01T10:00:00"]})
    for _ in range(2):
        with store.transaction() as tx:
            tx.write("harvest_runs", runs)
    store.write("venues", _venues())
    store.write("venues", _venues().head(1))
    assert store.read("harvest_runs")["run_id"].tolist() == ["r1"]
