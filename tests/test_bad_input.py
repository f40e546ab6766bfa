"""Bad input at harvest time, against the local HTTP server and the real files.

Every test starts from a good harvest of two real sources (France services, conseillers
numériques) into the store, then harvests again with one source broken: unreachable, slow, failing,
garbled, or with bad rows. Whatever happens, the run finishes; a source that fails keeps its last
good data (its ``source_<name>`` layer and its venues) and the report says so; bad rows are listed
with their source, row, field and problem; the other source is harvested normally.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from conftest import config_dict
from geopandas.testing import assert_geodataframe_equal
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from inclusion_map.config import load_settings
from inclusion_map.harvest.pipeline import HarvestReport, SourceReport, run_harvest
from inclusion_map.store import GeoPackageStore

FS, CNFS = "france_services", "conseillers_numeriques"
FILES = {
    FS: "venues/france-services_liste-fs-20221201.csv",
    CNFS: "venues/cnfs_lieux_conseillers_numeriques_2022-12.json",
}
ROWS = {FS: 2683, CNFS: 4930}  # real row counts (SOURCES.md)
# data.gouv.fr's file server sends the list's date, which dates every France services row; without it
# the rows get the download date, so serving it keeps them identical between the two harvests.
LISTED = "Thu, 01 Dec 2022 00:00:00 GMT"
ATHIS_MONS = "534"  # a real France services centre of the territory: id_fs 534, data row 500
ATHIS_MONS_ROW = 500
GENTILLY = "62b045e48255a806e299e387"  # a real CnFS place of the territory, with valid hours
HTML_ERROR = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Erreur 502</h1><p>Le serveur est momentan\xc3\xa9ment indisponible.</p></body></html>"
)


# --- helpers -------------------------------------------------------------------------------------
def other(name: str) -> str:
    return CNFS if name == FS else FS


def by_name(report: HarvestReport) -> dict[str, SourceReport]:
    return {s.name: s for s in report.sources}


def member_ids(venues: gpd.GeoDataFrame) -> set[str]:
    """Every source record id merged into the venues layer."""
    return {i for ids in venues["source_ids"] for i in ids.split("|")}


def serve(server: HTTPServer, path: str, body: bytes, content_type: str = "application/octet-stream",
          status: int = 200, headers: dict | None = None) -> str:  # fmt: skip
    """Answer ``path`` with ``body`` on the local server; return its URL."""
    server.expect_request(path).respond_with_data(body, status=status, content_type=content_type,
                                                  headers=headers)  # fmt: skip
    return server.url_for(path)


def serve_fs(server: HTTPServer, path: str, body: bytes) -> str:
    """Serve a France services list as data.gouv.fr does: as CSV, with its ``Last-Modified`` date."""
    return serve(server, path, body, "text/csv", headers={"Last-Modified": LISTED})


def fs_table(testdata: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Columns and rows of the real France services list."""
    reader = csv.DictReader(io.StringIO((testdata / FILES[FS]).read_text("utf-8"), newline=""))
    return list(reader.fieldnames or []), list(reader)


def to_csv(columns: list[str], rows: list[dict], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def fs_variant(testdata: Path, edit: Callable[[list[dict]], None]) -> bytes:
    """The real France services list with its rows edited in memory by ``edit(rows)``."""
    columns, rows = fs_table(testdata)
    edit(rows)
    return to_csv(columns, rows)


def fs_row(rows: list[dict], id_fs: str) -> dict:
    return next(r for r in rows if r["id_fs"] == id_fs)


def cnfs_variant(testdata: Path, edit: Callable[[list[dict]], None]) -> bytes:
    """The real CnFS export with its records edited in memory by ``edit(records)``."""
    records = json.loads((testdata / FILES[CNFS]).read_bytes())
    edit(records)
    return json.dumps(records, ensure_ascii=False).encode("utf-8")


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/venues.json"


@dataclass
class Baseline:
    """A good harvest of both sources in the store, and how to harvest again with changes."""

    server: HTTPServer
    tmp_path: Path
    urls: dict[str, str]
    report: HarvestReport
    store: GeoPackageStore
    layers: dict[str, gpd.GeoDataFrame]
    venues: gpd.GeoDataFrame

    def rerun(self, urls: dict[str, str] | None = None, **http) -> HarvestReport:
        """Harvest both sources again into the same store, with some URLs or HTTP settings changed."""
        return run_harvest(
            harvest_settings(self.server, self.tmp_path, {**self.urls, **(urls or {})}, **http)
        )


def harvest_settings(server: HTTPServer, tmp_path: Path, urls: dict[str, str], **http):
    """Settings for the two sources at ``urls`` (store, caches and reports under ``tmp_path``)."""
    config = config_dict(server, tmp_path)
    # Served here as live files (no archive to fall back on), to see what a broken live file does.
    config["sources"] = {name: {**config["sources"][name], "urls": [url], "use": "live", "archive": None}
                         for name, url in urls.items()}  # fmt: skip
    config["http"].update(http)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_settings(path)


@pytest.fixture
def baseline(data_server, tmp_path, testdata) -> Baseline:
    """Harvest the two real files once, so the store holds a previous good layer of each source."""
    urls = {
        FS: serve_fs(data_server, "/good/liste-fs.csv", (testdata / FILES[FS]).read_bytes()),
        CNFS: data_server.url_for(f"/data/{FILES[CNFS]}"),
    }
    report = run_harvest(harvest_settings(data_server, tmp_path, urls))
    assert [(s.name, s.status) for s in report.sources] == [(FS, "ok"), (CNFS, "ok")]
    store = GeoPackageStore(tmp_path / "store.gpkg")
    layers = {name: store.read(f"source_{name}") for name in (FS, CNFS)}
    assert len(layers[FS]) == by_name(report)[FS].kept > 0
    assert len(layers[CNFS]) == by_name(report)[CNFS].kept > 0
    return Baseline(data_server, tmp_path, urls, report, store, layers, store.read("venues"))


def assert_harvested_as_before(base: Baseline, report: HarvestReport, name: str) -> None:
    """Source ``name`` was harvested normally: all rows read, same records as the baseline."""
    src = by_name(report)[name]
    assert (src.status, src.message) == ("ok", "")
    assert src.fetched == ROWS[name]
    assert src.kept == len(base.layers[name])
    assert (src.added, src.removed, src.changed) == (0, 0, 0)
    assert set(base.store.read(f"source_{name}")["id"]) == set(base.layers[name]["id"])


def assert_previous_kept(base: Baseline, report: HarvestReport, name: str, reason: str) -> None:
    """Source ``name`` failed for ``reason``; its last good data stayed; the other source ran."""
    src = by_name(report)[name]
    assert src.status == "failed"
    assert reason in src.message, src.message
    assert src.previous_rows == len(base.layers[name])
    assert_geodataframe_equal(base.store.read(f"source_{name}"), base.layers[name])
    assert set(base.layers[name]["id"]) <= member_ids(base.store.read("venues"))
    assert_harvested_as_before(base, report, other(name))


# --- the whole source fails ---------------------------------------------------------------------
def test_connection_refused_keeps_previous_data(baseline):
    """Nothing listens at the source's address: failed, previous data kept."""
    url = closed_port_url()
    report = baseline.rerun({CNFS: url})
    assert_previous_kept(baseline, report, CNFS, f"cannot connect to {url}")


@pytest.fixture
def slow_url():
    """A URL on a second local server whose handler waits (up to 10 s) before answering.

    It has its own server so the shared, single-threaded one keeps serving the other requests.
    """
    release = threading.Event()

    def answer_late(request: Request) -> Response:
        release.wait(10)
        return Response("id_fs\n1\n", content_type="text/csv")

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/slow/liste-fs.csv").respond_with_handler(answer_late)
    server.start()
    yield server.url_for("/slow/liste-fs.csv")
    release.set()
    server.stop()


def test_timeout_keeps_previous_data(baseline, slow_url):
    """The source does not answer within ``http.timeout_s`` (nor on retry): failed, previous kept."""
    report = baseline.rerun({FS: slow_url}, timeout_s=0.5, retries=1)
    assert_previous_kept(baseline, report, FS, slow_url)


def test_timeout_is_reported_as_a_timeout(baseline, slow_url):
    """The report of a source that timed out says it did not answer in time."""
    report = baseline.rerun({FS: slow_url}, timeout_s=0.5, retries=0)
    assert by_name(report)[FS].message == f"{slow_url} did not answer in time"


def test_download_cut_short_keeps_previous_data(baseline, testdata):
    """The connection closes before the announced ``Content-Length``: failed, previous data kept."""
    content = (testdata / FILES[CNFS]).read_bytes()

    def cut(request: Request) -> Response:
        response = Response(content[: len(content) // 2], content_type="application/json")
        response.headers["Content-Length"] = str(len(content))
        return response

    baseline.server.expect_request("/cut/cnfs.json").respond_with_handler(cut)
    url = baseline.server.url_for("/cut/cnfs.json")
    report = baseline.rerun({CNFS: url})
    assert_previous_kept(baseline, report, CNFS, url)
    message = by_name(report)[CNFS].message
    assert "cut short" in message or "IncompleteRead" in message, message


def test_server_error_then_success_is_retried(baseline, testdata):
    """HTTP 500 on the first request, the file on the retry: the source is harvested normally."""
    calls = []

    def flaky(request: Request) -> Response:
        calls.append(request.path)
        if len(calls) == 1:
            return Response("Internal Server Error", status=500)
        return Response((testdata / FILES[CNFS]).read_bytes(), content_type="application/json")

    baseline.server.expect_request("/flaky/cnfs.json").respond_with_handler(flaky)
    report = baseline.rerun({CNFS: baseline.server.url_for("/flaky/cnfs.json")})
    assert len(calls) == 2
    assert_harvested_as_before(baseline, report, CNFS)
    assert_harvested_as_before(baseline, report, FS)


@pytest.mark.parametrize("status", [404, 500])
def test_http_error_keeps_previous_data(baseline, status):
    """HTTP 404 (file gone), or HTTP 500 on every retry: failed, previous data kept."""
    url = serve(baseline.server, "/gone/liste-fs.csv", b"<html>Erreur</html>", "text/html", status)
    report = baseline.rerun({FS: url})
    assert_previous_kept(baseline, report, FS, f"{url} answered HTTP {status}")


# --- the file is garbled --------------------------------------------------------------------------
def truncated_json(testdata: Path) -> bytes:
    content = (testdata / FILES[CNFS]).read_bytes()
    return content[: len(content) // 2]


def fs_header_only(testdata: Path) -> bytes:
    return to_csv(fs_table(testdata)[0], [])


def fs_without_name_column(testdata: Path) -> bytes:
    columns, rows = fs_table(testdata)
    columns.remove("lib_fs")
    return to_csv(columns, [{k: v for k, v in r.items() if k != "lib_fs"} for r in rows])


def fs_with_renamed_name_column(testdata: Path) -> bytes:
    columns, rows = fs_table(testdata)
    columns[columns.index("lib_fs")] = "libelle_fs"
    return to_csv(columns, [{("libelle_fs" if k == "lib_fs" else k): v for k, v in r.items()} for r in rows])


GARBLED = [
    pytest.param(CNFS, truncated_json, "the JSON is broken or truncated", id="truncated-json"),
    pytest.param(CNFS, lambda _: HTML_ERROR, "HTML page instead of JSON", id="html-page-as-json"),
    pytest.param(FS, lambda _: HTML_ERROR, "HTML page instead of CSV", id="html-page-as-csv"),
    pytest.param(CNFS, lambda _: b"", "the file is empty", id="empty-json-file"),
    pytest.param(FS, lambda _: b"", "the file is empty", id="empty-csv-file"),
    pytest.param(CNFS, lambda _: b"[]", "the source returned no rows", id="empty-json-list"),
    pytest.param(FS, fs_header_only, "the source returned no rows", id="csv-header-only"),
    pytest.param(FS, fs_without_name_column, "missing column(s) lib_fs", id="csv-missing-column"),
    pytest.param(FS, fs_with_renamed_name_column, "missing column(s) lib_fs", id="csv-renamed-column"),
]


@pytest.mark.parametrize(("name", "make_body", "reason"), GARBLED)
def test_garbled_file_keeps_previous_data(baseline, testdata, name, make_body, reason):
    """A file that cannot be used as a whole (served as JSON for CnFS, as CSV for France services):
    failed with a plain reason, previous data kept, the other source harvested."""
    content_type = "application/json" if name == CNFS else "text/csv"
    url = serve(baseline.server, f"/broken/{name}", make_body(testdata), content_type)
    report = baseline.rerun({name: url})
    assert_previous_kept(baseline, report, name, reason)


def test_renamed_required_field_in_json_keeps_previous_data(baseline, testdata):
    """Every CnFS record has ``name`` instead of ``nom``: failed, previous data kept."""

    def rename(records: list[dict]) -> None:
        for r in records:
            r["name"] = r.pop("nom")

    url = serve(baseline.server, "/renamed/cnfs.json", cnfs_variant(testdata, rename), "application/json")
    report = baseline.rerun({CNFS: url})
    assert {(r.field, r.problem) for r in by_name(report)[CNFS].rejections} == {
        ("nom", "required value missing")
    }
    assert_previous_kept(baseline, report, CNFS, "rejected")


# --- encodings and separators ---------------------------------------------------------------------
@pytest.mark.parametrize("delimiter", [",", ";"], ids=["comma", "semicolon-decimal-comma"])
def test_windows_1252_csv_is_read_with_its_accents(baseline, testdata, delimiter):
    """The France services list re-encoded in Windows-1252 (and, as Excel exports it, with ``;``
    separators and decimal commas): harvested normally, accents intact."""
    columns, rows = fs_table(testdata)
    if delimiter == ";":
        for r in rows:
            r["latitude"], r["longitude"] = r["latitude"].replace(".", ","), r["longitude"].replace(".", ",")
    body = to_csv(columns, rows, delimiter, encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    report = baseline.rerun({FS: serve_fs(baseline.server, "/cp1252/liste-fs.csv", body)})
    assert_harvested_as_before(baseline, report, FS)
    assert_harvested_as_before(baseline, report, CNFS)
    layer = baseline.store.read(f"source_{FS}").set_index("source_id")
    assert layer.loc[ATHIS_MONS, "adresse"] == "3 Rue Pierre Bérégovoy"
    assert layer.loc["1978", "nom"] == "France services Viry Châtillon"
    assert not layer[["nom", "adresse"]].stack().str.contains("\ufffd|Ã").any()


# --- bad rows -----------------------------------------------------------------------------------
def test_duplicate_ids_are_listed_and_the_first_row_kept(baseline, testdata):
    """A second row with an id already seen is rejected (field ``id``), the first one is kept."""

    def duplicate(rows: list[dict]) -> None:
        rows.append({**fs_row(rows, ATHIS_MONS), "lib_fs": "France services Athis Mons (copie)"})

    report = baseline.rerun(
        {FS: serve_fs(baseline.server, "/dup/liste-fs.csv", fs_variant(testdata, duplicate))}
    )
    src = by_name(report)[FS]
    assert src.status == "ok"
    (dup,) = [r for r in src.rejections if r.field == "id"]
    assert (dup.source, dup.row, dup.source_id) == (FS, ROWS[FS] + 1, ATHIS_MONS)
    assert "duplicate" in dup.problem and f"row {ATHIS_MONS_ROW}" in dup.problem
    layer = baseline.store.read(f"source_{FS}").set_index("source_id")
    assert layer.loc[ATHIS_MONS, "nom"] == "France services Athis Mons"
    assert layer.index.is_unique
    history = baseline.store.read("harvest_rejections")
    assert ((history["run_id"] == report.run_id) & (history["field"] == "id")).sum() == 1
    assert_harvested_as_before(baseline, report, CNFS)


def test_swapped_coordinates_are_fixed_and_noted(baseline, testdata):
    """Latitude and longitude swapped in one row: the row is kept at the right place, with a note."""

    def swap(rows: list[dict]) -> None:
        row = fs_row(rows, ATHIS_MONS)
        row["latitude"], row["longitude"] = row["longitude"], row["latitude"]

    report = baseline.rerun({FS: serve_fs(baseline.server, "/swap/liste-fs.csv", fs_variant(testdata, swap))})
    src = by_name(report)[FS]
    assert src.status == "ok" and src.kept == len(baseline.layers[FS])
    (note,) = [n for n in src.notes if n.source_id == ATHIS_MONS]
    assert (note.source, note.row, note.field) == (FS, ATHIS_MONS_ROW, "latitude/longitude")
    assert "swapped" in note.problem
    layer = baseline.store.read(f"source_{FS}").set_index("source_id")
    point = layer.geometry[ATHIS_MONS]
    assert (round(point.x, 7), round(point.y, 7)) == (2.3635048, 48.7037593)
    assert layer.loc[ATHIS_MONS, "geocode_precision"] == "source"
    assert src.changed == 0  # the same record as in the baseline
    assert_harvested_as_before(baseline, report, CNFS)


@pytest.mark.parametrize(
    ("lat", "lon"), [("0", "0"), ("40.7128", "-74.0060")], ids=["null-island", "new-york"]
)
def test_coordinates_outside_france_are_dropped_and_the_address_geocoded(baseline, testdata, lat, lon):
    """Coordinates outside France in one row: removed (with a note), the address geocoded instead."""

    def move(rows: list[dict]) -> None:
        fs_row(rows, ATHIS_MONS).update(latitude=lat, longitude=lon)

    url = serve_fs(baseline.server, "/away/liste-fs.csv", fs_variant(testdata, move))
    report = baseline.rerun({FS: url})
    src = by_name(report)[FS]
    assert src.status == "ok" and src.kept == len(baseline.layers[FS])
    (note,) = [n for n in src.notes if n.source_id == ATHIS_MONS]
    assert (note.source, note.row, note.field) == (FS, ATHIS_MONS_ROW, "latitude/longitude")
    assert "outside France" in note.problem and note.value == f"{lat}, {lon}"
    assert any(call["rows"] for call in baseline.server.geocoder.calls)
    venue = baseline.store.read(f"source_{FS}").set_index("source_id").loc[ATHIS_MONS]
    assert (venue["geocode_precision"], venue["code_insee"]) == ("adresse", "91027")
    assert 48.6 < venue.geometry.y < 48.8 and 2.3 < venue.geometry.x < 2.5
    assert_harvested_as_before(baseline, report, CNFS)


def test_unreadable_weekday_hours_are_noted_and_the_row_kept(baseline, testdata):
    """Every weekday cell of one France services row unreadable: row kept, no hours, one note a day."""

    def scramble(rows: list[dict]) -> None:
        row = fs_row(rows, ATHIS_MONS)
        for day in ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi"):
            row[day] = "sur rendez-vous"

    url = serve_fs(baseline.server, "/hours/liste-fs.csv", fs_variant(testdata, scramble))
    report = baseline.rerun({FS: url})
    src = by_name(report)[FS]
    assert src.status == "ok" and src.kept == len(baseline.layers[FS])
    notes = [n for n in src.notes if n.source_id == ATHIS_MONS]
    assert {(n.source, n.row, n.field) for n in notes} == {(FS, ATHIS_MONS_ROW, "horaires")}
    assert sorted(n.value for n in notes) == sorted(
        f"{d}: sur rendez-vous" for d in ("Mo", "Tu", "We", "Th", "Fr", "Sa")
    )
    layer = baseline.store.read(f"source_{FS}").set_index("source_id")
    assert baseline.layers[FS].set_index("source_id").loc[ATHIS_MONS, "horaires"]
    assert pd.isna(layer.loc[ATHIS_MONS, "horaires"])
    assert_harvested_as_before(baseline, report, CNFS)


def test_invalid_opening_hours_are_dropped_and_the_row_kept(baseline, testdata):
    """A CnFS record whose ``horaires`` is not an OSM opening_hours string: row kept without hours,
    with a note on ``horaires``."""

    def garble(records: list[dict]) -> None:
        next(r for r in records if r["id"] == GENTILLY)["horaires"] = "du lundi au vendredi de 9h à 17h"

    url = serve(baseline.server, "/hours/cnfs.json", cnfs_variant(testdata, garble), "application/json")
    report = baseline.rerun({CNFS: url})
    src = by_name(report)[CNFS]
    assert src.status == "ok" and src.kept == len(baseline.layers[CNFS])
    (note,) = [n for n in src.notes if n.source_id == GENTILLY and n.field == "horaires"]
    assert note.source == CNFS and note.row == 1626
    assert "opening_hours" in note.problem and note.value == "du lundi au vendredi de 9h à 17h"
    before = baseline.layers[CNFS].set_index("source_id").loc[GENTILLY, "horaires"]
    after = baseline.store.read(f"source_{CNFS}").set_index("source_id").loc[GENTILLY, "horaires"]
    assert before == "Mo-Fr 08:30-12:30,13:30-17:30" and pd.isna(after)
    assert src.changed == 1
    assert_harvested_as_before(baseline, report, FS)


# --- history ------------------------------------------------------------------------------------
def test_history_records_the_failed_source(baseline):
    """The harvest history keeps the failed run: status 'failed', the reason, the rows kept."""
    url = serve(baseline.server, "/gone/cnfs.json", b"Not Found", "text/plain", 404)
    report = baseline.rerun({CNFS: url})
    runs = {run["run_id"]: run for run in baseline.store.history()}
    assert set(runs) == {baseline.report.run_id, report.run_id}
    rows = {s["source"]: s for s in runs[report.run_id]["sources"]}
    assert rows[CNFS]["status"] == "failed"
    assert "HTTP 404" in rows[CNFS]["message"]
    assert rows[CNFS]["previous_rows"] == len(baseline.layers[CNFS])
    assert (rows[FS]["status"], rows[FS]["fetched"]) == ("ok", ROWS[FS])
    assert {s["status"] for s in runs[baseline.report.run_id]["sources"]} == {"ok"}
    assert runs[report.run_id]["venues"] == len(baseline.venues)
