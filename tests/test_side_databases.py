"""The side databases (organiser accounts and sessions, error reports, corrections, actors) behave
the same in SQLite files beside a GeoPackage and in schemas of a PostGIS database: every test of a
store runs on both backends. Rate limits stay exact under parallel requests on PostgreSQL too, and
a PostGIS store's harvest lock is held across connections."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from inclusion_map import embedded_db
from inclusion_map.actors.preview import Preview, PreviewRow
from inclusion_map.actors.store import ActorStore, actors_path
from inclusion_map.corrections_store import CorrectionStore, corrections_path, load_corrections
from inclusion_map.errors import NotFound, StoreError
from inclusion_map.harvest.guards import harvest_lock, harvest_running
from inclusion_map.locations import SideDatabase
from inclusion_map.web.auth import OrganiserStore
from inclusion_map.web.reports_store import SCHEMA as REPORTS_SCHEMA
from inclusion_map.web.reports_store import ReportStore

PASSWORD = "correct horse battery"  # a test account's password, in a temporary database


@pytest.fixture(params=["sqlite", "postgis"])
def side(request, tmp_path):
    """``side(name)``: a side database, an SQLite file in ``tmp_path`` then a schema of a fresh
    PostGIS database."""
    if request.param == "sqlite":
        return lambda name: tmp_path / f"{name}.sqlite"
    url = request.getfixturevalue("postgis_url")
    return lambda name: SideDatabase(url, name)


# --- the connection layer ------------------------------------------------------------------------
def test_rows_read_like_sqlite_rows(side):
    target = side("rows")
    assert not embedded_db.exists(target)
    with embedded_db.immediate(target, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                                       "label TEXT, at REAL NOT NULL);") as con:  # fmt: skip
        first = con.execute(
            "INSERT INTO t (label, at) VALUES (?, ?) RETURNING id", ("50 % ?", 1.5)
        ).fetchone()[0]
        con.execute("INSERT INTO t (label, at) VALUES ('a ?', ?)", (1_700_000_000.25,))
    assert embedded_db.exists(target) and first == 1
    with embedded_db.transaction(target, "") as con:
        rows = con.execute("SELECT * FROM t WHERE label LIKE ? ORDER BY id", ("%?%",)).fetchall()
        assert con.execute("UPDATE t SET label = ? WHERE id > ?", ("b", 5)).rowcount == 0
    assert [dict(r) for r in rows] == [{"id": 1, "label": "50 % ?", "at": 1.5},
                                       {"id": 2, "label": "a ?", "at": 1_700_000_000.25}]  # fmt: skip
    assert rows[0][1] == rows[0]["label"] == "50 % ?" and rows[1].keys() == ["id", "label", "at"]
    assert isinstance(rows[1]["at"], float)  # REAL keeps a double's precision on both


def test_a_failed_write_is_rolled_back(side):
    target = side("rollback")
    schema = "CREATE TABLE IF NOT EXISTS t (name TEXT PRIMARY KEY);"
    with pytest.raises(RuntimeError), embedded_db.immediate(target, schema) as con:
        con.execute("INSERT INTO t VALUES (?)", ("x",))
        raise RuntimeError("stop")
    with embedded_db.transaction(target, schema) as con:
        assert con.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0


def test_text_sorts_byte_by_byte_as_in_sqlite(side):
    target = side("collation")
    schema = "CREATE TABLE IF NOT EXISTS t (v TEXT NOT NULL);"
    values = ["b", "B", "a", "É", "e", "2024-01-02T00:00:00+00:00", "2024-01-01T23:59:59+00:00", "_x", "-x"]
    with embedded_db.immediate(target, schema) as con:
        for v in values:
            con.execute("INSERT INTO t VALUES (?)", (v,))
    with embedded_db.transaction(target, schema) as con:
        ordered = [r[0] for r in con.execute("SELECT v FROM t ORDER BY v")]
        later = con.execute("SELECT COUNT(*) FROM t WHERE v >= ?", ("2024-01-02",)).fetchone()[0]
    assert ordered == sorted(values, key=lambda v: v.encode()) and later == 7


# --- organisers ----------------------------------------------------------------------------------
def test_organiser_accounts_sessions_and_log(side):
    store = OrganiserStore(side("organisers"))
    assert (
        store.accounts() == [] and not store.check("claire", PASSWORD) and not store.remove_account("claire")
    )
    store.add_account("claire", PASSWORD)
    store.add_account("bruno", PASSWORD)
    assert store.accounts() == ["bruno", "claire"] and store.check("claire", PASSWORD)
    now = time.time()
    token = store.open_session("claire", now, 600, 3600)
    assert store.session_owner(token, now + 10, 600, 3600) == "claire"
    assert store.session_owner(token, now + 700, 600, 3600) is None  # idle too long: deleted
    assert store.session_owner(token, now + 10, 600, 3600) is None
    token = store.open_session("claire", now, 600, 3600)
    store.add_account("claire", PASSWORD + "!")  # a new password (the row is replaced) ends it
    assert store.session_owner(token, now + 1, 600, 3600) is None and store.check("claire", PASSWORD + "!")
    token = store.open_session("claire", now, 600, 3600)
    store.end_session(token)
    assert store.session_owner(token, now + 1, 600, 3600) is None
    assert store.open_session("nobody", now, 600, 3600) is None
    assert store.remove_account("bruno") and store.accounts() == ["claire"]
    store.log("claire", "login", "t", "d")
    assert store.recent("login", "claire", timedelta(minutes=1)) == 1
    assert store.actions()[0] | {"at": None, "id": None} == {"at": None, "id": None, "who": "claire",
                                                            "action": "login", "target": "t", "detail": "d"}  # fmt: skip


def test_login_attempts_are_limited_and_released(side):
    store = OrganiserStore(side("organisers"))
    attempts = [store.reserve_login_attempt("client", "claire", limit=3) for _ in range(4)]
    assert None not in attempts[:3] and attempts[3] is None and len(set(attempts[:3])) == 3
    store.release_login_attempt(attempts[0])
    assert store.reserve_login_attempt("client", "claire", limit=3) is not None


# --- reports -------------------------------------------------------------------------------------
def _report_at(target, days_ago: float, message: str) -> None:
    """Insert a report written ``days_ago`` days ago (straight into the database, as time would)."""
    at = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(timespec="seconds")
    with embedded_db.transaction(target, REPORTS_SCHEMA) as con:
        con.execute("INSERT INTO reports (venue_id, venue_name, kind, message, contact, lang, client, created_at) "
                    "VALUES ('v', 'Lieu', 'autre', ?, 'me@example.org', 'fr', 'h', ?)", (message, at))  # fmt: skip


def test_reports_add_list_status_and_retention(side):
    target = side("reports")
    assert ReportStore(target).list() == [] and ReportStore(target).purge() == 0
    assert not embedded_db.exists(target)  # reading creates nothing
    _report_at(target, 400, "ancien")
    _report_at(target, 100, "moyen")
    store = ReportStore(target, retention_days=365)
    number = store.add("v1", "Lieu", "horaires", "Fermé le lundi", "", "fr", "k")
    assert [r["message"] for r in store.list()] == ["Fermé le lundi", "moyen"]  # deleted on opening
    assert store.get(number)["status"] == "nouveau" and store.get(number + 100) is None
    assert store.set_status(number, "corrigé") and not store.set_status(number + 100, "corrigé")
    assert store.get(number)["status"] == "corrigé" and store.recent_count("k", timedelta(hours=1)) == 1
    assert ReportStore(target, retention_days=90).purge() == 1
    _report_at(target, 95, "trop vieux")  # the recorded retention applies without settings
    assert [r["message"] for r in ReportStore(target).list()] == ["Fermé le lundi"]


def test_reports_rate_limit(side):
    store = ReportStore(side("reports"))
    numbers = [store.add_within_limit("v", "Lieu", "autre", f"m{i}", "", "fr", "c", limit=2,
                                      within=timedelta(hours=1)) for i in range(3)]  # fmt: skip
    assert numbers[0] is not None and numbers[1] == numbers[0] + 1 and numbers[2] is None


def test_parallel_rate_limited_writes_stay_exact_on_postgresql(postgis_url):
    """Requests sent at the same instant from many threads (each its own connection) are counted one
    after the other: never more than the limit is stored."""
    reports = ReportStore(SideDatabase(postgis_url, "reports"))
    organisers = OrganiserStore(SideDatabase(postgis_url, "organisers"))
    barrier = threading.Barrier(12)

    def report(i):
        barrier.wait()
        return reports.add_within_limit("v", "Lieu", "autre", f"m{i}", "", "fr", "c", limit=5,
                                        within=timedelta(hours=1))  # fmt: skip

    def guess(i):
        barrier.wait()
        return organisers.reserve_login_attempt("client", "claire", limit=4)

    for work, accepted in ((report, 5), (guess, 4), (report, 0)):  # the third round finds the limit reached
        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(work, range(12)))
        assert len([r for r in results if r is not None]) == accepted
    assert len(reports.list()) == 5 and organisers.recent("login-failed", "client", timedelta(minutes=1)) == 4


def test_schema_creation_is_safe_when_processes_start_together(postgis_url):
    """Several first openings at once (as workers starting together) create each schema once."""
    embedded_db._READY.clear()  # as if each thread were a new process
    barrier = threading.Barrier(8)

    def start(_):
        barrier.wait()
        return OrganiserStore(SideDatabase(postgis_url, "organisers")).recent("x", "y", timedelta(1))

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(start, range(8))) == [0] * 8


# --- corrections ---------------------------------------------------------------------------------
def test_corrections_closures_and_additions(side, tmp_path):
    location = tmp_path / "store.gpkg" if isinstance(side("x"), type(tmp_path)) else side("x").url
    target = corrections_path(location)
    assert target == side("corrections")
    store = CorrectionStore(target)
    assert not load_corrections(location) and store.history() == []
    first = store.add_correction("v1", "telephone", "01 02", "03 04", "claire", report_id=7)
    second = store.add_correction("v1", "telephone", "05 06", "03 04", "bruno")
    assert second == first + 1
    assert [(c["id"], c["status"], c["ended_by"]) for c in store.history("v1")] == [
        (second, "active", None), (first, "superseded", "bruno")]  # fmt: skip
    assert store.history()[1]["report_id"] == 7
    kept = store.keep(second, "07 08", "claire")
    assert [c["id"] for c in store.active_for("v1")] == [kept] and store.keep(second, "x", "claire") is None
    assert store.withdraw(kept, "claire")["value"] == "05 06" and store.withdraw(kept, "claire") is None
    closure = store.add_closure("v2", "Fermé", "claire")
    assert store.reopen(closure, "bruno")["reason"] == "Fermé" and store.reopen(closure, "bruno") is None
    ids = [store.add_addition({"nom": "Atelier", "commune": "Ivry"}, "claire") for _ in range(3)]
    assert ids == ["equipe:atelier-ivry", "equipe:atelier-ivry-2", "equipe:atelier-ivry-3"]
    assert store.addition(ids[1])["id"] == ids[1]
    loaded = load_corrections(location)
    assert not loaded.fields and not loaded.closures and [a.id for a in loaded.additions] == ids


# --- actors --------------------------------------------------------------------------------------
def test_actors_changes_history_and_imports(side, tmp_path):
    location = tmp_path / "store.gpkg" if isinstance(side("x"), type(tmp_path)) else side("x").url
    target = actors_path(location)
    assert target == side("actors")
    changes = []
    store = ActorStore(target, on_change=lambda: changes.append(1))
    assert store.all() == [] and store.last_change() is None
    record = {"kind": "langue", "nom": "Atelier de français", "commune": "Ivry-sur-Seine", "latitude": 48.81}
    first = store.add(record, "claire")
    second = store.add(record, "claire")
    assert second == first + "-2" and len(store.all()) == 2
    assert store.update(first, {"nom": "Atelier de conversation"}, "bruno") == {
        "nom": ("Atelier de français", "Atelier de conversation")}  # fmt: skip
    assert store.update(first, {"nom": "Atelier de conversation"}, "bruno") == {}
    assert store.remove(second, "claire", "doublon") and not store.remove(second, "claire", "doublon")
    with pytest.raises(NotFound):
        store.update(second, {"nom": "x"}, "claire")
    assert [a["id"] for a in store.all()] == [first] and len(store.all(include_removed=True)) == 2
    assert [h["action"] for h in store.history()] == ["remove", "update", "add", "add"]
    assert store.history(first)[0]["after"]["nom"] == "Atelier de conversation"
    assert store.get(first)["latitude"] == 48.81 and store.last_change() == store.history()[0]["at"]
    preview = Preview([PreviewRow(2, "add", {"kind": "langue", "nom": "Cours", "commune": "Vitry"})], "a.csv")
    token = store.stage(preview, "claire")
    assert store.staged(token, "bruno") is None
    staged = store.staged(token, "claire")
    assert store.apply(staged, "claire")["added"] == 1 and store.staged(token, "claire") is None
    assert len(changes) == 5  # two additions, an update, a removal, an import


# --- the harvest lock of a PostGIS store ---------------------------------------------------------
def test_postgis_harvest_lock_is_held_across_connections(postgis_url):
    assert harvest_running(postgis_url) is None
    with harvest_lock(postgis_url):
        holder = harvest_running(postgis_url)
        assert holder and holder.startswith("process ")
        with (
            pytest.raises(StoreError, match="another harvest is running on this store"),
            harvest_lock(postgis_url),
        ):
            pass
        assert harvest_running(postgis_url) == holder  # the refused attempt left it held
    assert harvest_running(postgis_url) is None
    lock = harvest_lock(postgis_url)
    lock.__enter__()
    threading.Timer(0.5, lock.__exit__, (None, None, None)).start()
    started = time.monotonic()
    with harvest_lock(postgis_url, wait_s=30):  # waits for the first one to end
        assert time.monotonic() - started >= 0.4
    assert harvest_running(postgis_url) is None


def test_gpkg_harvest_lock_takes_a_path(tmp_path):
    store = tmp_path / "store.gpkg"
    with harvest_lock(store):
        assert harvest_running(store).startswith("process ")
        with pytest.raises(StoreError), harvest_lock(store):
            pass
    assert harvest_running(store) is None
