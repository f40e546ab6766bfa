"""Harvest guards: faults that used to lose data or stall a run, each against the local HTTP server
or a mirror copy, each with a previous good harvest in the store, checking venue ids before and after.

- missing or failing commune contours must not drop venues;
- a readable but wrong file must not wipe a source (shrink guard, ``--accept-shrink``);
- a source that cannot be parsed at all (deeply nested JSON) fails alone;
- two harvests of one store never overlap;
- downloads are bounded (``Retry-After``, total time, bytes, decompressed size);
- stale temporary store files are removed, report folders pruned.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_bad_input import (  # noqa: F401  (baseline is a fixture)
    CNFS,
    FILES,
    FS,
    baseline,
    by_name,
    cnfs_variant,
    fs_table,
    harvest_settings,
    member_ids,
    serve,
    to_csv,
)
from werkzeug import Request, Response

from inclusion_map.cli import main
from inclusion_map.errors import StoreError
from inclusion_map.harvest.pipeline import run_harvest
from inclusion_map.locations import side_db
from inclusion_map.stores import open_store
from tests.conftest import mirror_settings


def rerun(base, urls: dict | None = None, http: dict | None = None, accept: tuple[str, ...] = (), **guards):
    """Harvest the baseline's two sources again with some URLs, HTTP settings or guards changed."""
    settings = harvest_settings(base.server, base.tmp_path, {**base.urls, **(urls or {})}, **(http or {}))
    if guards:
        settings = settings.with_overrides(harvest={**settings.harvest.model_dump(), **guards})
    return run_harvest(settings, accept_shrink=accept) if accept else run_harvest(settings)


def venue_ids(base) -> set[str]:
    return set(base.store.read("venues")["id"])


# --- 1. commune contours -------------------------------------------------------------------------
def mirror_without(testdata: Path, folder: Path, missing: str) -> Path:
    """A mirror folder of links to the real files, without ``missing``."""
    for path in testdata.rglob("*"):
        if path.is_file() and path.relative_to(testdata).as_posix() != missing:
            target = folder / path.relative_to(testdata)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    return folder


CONTOURS = "geo/communes-ile-de-france.geojson"


def test_missing_contours_use_the_stored_ones_and_say_so(tmp_path, testdata):
    settings = mirror_settings(tmp_path, testdata)
    first = run_harvest(settings)
    from inclusion_map.territory.build import run_build

    run_build(settings)
    before = set(open_store(settings.store_location).read("venues")["id"])
    broken = mirror_without(testdata, tmp_path / "mirror", CONTOURS)
    report = run_harvest(settings.with_overrides(mirror=str(broken)))
    after = set(open_store(settings.store_location).read("venues")["id"])
    assert first.venues == report.venues == len(before) and after == before
    assert any("used the commune contours already in the store" in w for w in report.warnings), report.warnings
    md = Path(report.files["markdown"]).read_text(encoding="utf-8")
    assert "commune contours" in md


def test_without_any_contours_venues_keep_the_sources_insee_codes(tmp_path, testdata):
    reference = mirror_settings(tmp_path / "a", testdata)
    run_harvest(reference)
    before = open_store(reference.store_location).read("source_conseillers_numeriques")
    placed_by_source = set(before["id"])  # points given by the source (no INSEE code in this file)
    broken = mirror_without(testdata, tmp_path / "mirror", CONTOURS)
    settings = mirror_settings(tmp_path / "b", testdata).with_overrides(mirror=str(broken))
    report = run_harvest(settings)  # a first harvest: nothing in the store to fall back on
    store = open_store(settings.store_location)
    after = store.read("source_conseillers_numeriques")
    assert set(after["id"]) == placed_by_source  # placed by postcode and commune name, not dropped
    # By postcode, not by point: only a venue whose point lies over a border changes commune.
    same = after.set_index("id")["code_insee"] == before.set_index("id")["code_insee"].reindex(after["id"])
    assert (~same).sum() <= 2
    fs = store.read("source_france_services")
    assert len(fs) == 9 and fs["code_insee"].notna().all()  # the source's own INSEE codes
    assert any("no commune contours at all" in w for w in report.warnings), report.warnings
    # Rows with neither a point nor contours to take a centre from are rejected with a reason.
    by = by_name(report)
    assert any(r.problem == "no coordinates and the address could not be located"
               for r in by["aidants_connect"].rejections)  # fmt: skip


def test_contours_url_failing_keeps_every_venue(baseline):  # noqa: F811
    before = venue_ids(baseline)
    baseline.server.expect_request("/broken/contours.geojson").respond_with_data("oops", status=500)
    settings = harvest_settings(baseline.server, baseline.tmp_path, baseline.urls, retries=0)
    reference = settings.reference.model_dump()
    reference["commune_contours"]["url"] = baseline.server.url_for("/broken/contours.geojson")
    report = run_harvest(settings.with_overrides(reference=reference))
    assert venue_ids(baseline) == before
    assert all(s.status == "ok" for s in report.sources)
    assert report.warnings


# --- 2. shrink guard -----------------------------------------------------------------------------
def test_a_file_shrunk_to_unrelated_rows_is_suspect_and_kept_out(baseline, testdata):  # noqa: F811
    before = venue_ids(baseline)
    records = json.loads((testdata / FILES[CNFS]).read_bytes())
    far = [r for r in records if not str(r.get("code_postal", "")).startswith(("91", "94"))][:100]
    url = serve(baseline.server, "/shrunk/cnfs.json", json.dumps(far).encode(), "application/json")
    report = rerun(baseline, {CNFS: url})
    src = by_name(report)[CNFS]
    assert src.status == "suspect", src.message
    assert "0 rows kept in the territory against 25 at the last good harvest" in src.message
    assert f"python run.py harvest --accept-shrink {CNFS}" in src.message
    assert len(baseline.store.read(f"source_{CNFS}")) == 25 and venue_ids(baseline) == before
    md = Path(report.files["markdown"]).read_text(encoding="utf-8")
    assert "suspect" in md and "--accept-shrink" in md
    # Accepted: the new (empty) layer replaces the old one.
    accepted = by_name(rerun(baseline, {CNFS: url}, accept=(CNFS,)))[CNFS]
    assert accepted.status == "ok" and len(baseline.store.read(f"source_{CNFS}")) == 0


def test_renamed_postcode_and_coordinate_columns_are_suspect(baseline, testdata):  # noqa: F811
    before = venue_ids(baseline)

    def rename(records):
        for r in records:
            r["cp"], r["lat"], r["lon"] = r.pop("code_postal", None), r.pop("latitude", None), r.pop("longitude", None)

    url = serve(baseline.server, "/renamed/cnfs.json", cnfs_variant(testdata, rename), "application/json")
    src = by_name(rerun(baseline, {CNFS: url}))[CNFS]
    # Either the rows are still placed (by their commune's name, then the geocoder) or the source is
    # suspect: never a silent loss of the territory's venues.
    assert src.status == "suspect" or src.kept >= 20, (src.status, src.kept, src.message)
    if src.status == "suspect":
        assert venue_ids(baseline) == before


def test_garbage_rows_are_suspect_and_the_report_stays_small(baseline, testdata):  # noqa: F811
    before = venue_ids(baseline)
    columns, _ = fs_table(testdata)
    # 20,000 rows of nonsense: 9,000 unusable, the others well-formed but far from the territory.
    rows = [{**{c: f"x{i}" for c in columns}, "lib_fs": "", "adresse": ""} for i in range(9_000)]
    rows += [{**{c: "" for c in columns}, "id_fs": f"g{i}", "lib_fs": f"Lieu {i}", "adresse": "1 rue X",
              "code_postal": "69001", "lib_com": "Lyon", "latitude": "45.76", "longitude": "4.83"}
             for i in range(11_000)]  # fmt: skip
    url = serve(baseline.server, "/garbage/liste-fs.csv", to_csv(columns, rows), "text/csv")
    report = rerun(baseline, {FS: url}, max_rejections_listed=50)
    src = by_name(report)[FS]
    assert src.status == "suspect" and src.rejected == 9_000, src.message  # the count stays exact
    assert len(src.rejections) == 50
    lines = Path(report.files["rejections"]).read_text(encoding="utf-8").count(f"\n{FS},")
    assert lines <= 50 + len(src.notes)
    assert venue_ids(baseline) == before


def test_accept_shrink_from_the_command_line(baseline, testdata):  # noqa: F811
    settings = harvest_settings(baseline.server, baseline.tmp_path, baseline.urls)
    result = CliRunner().invoke(main, ["harvest", "--no-build", "--accept-shrink", "bogus",
                                       "--config", str(settings.root / "config.yaml")])  # fmt: skip
    assert result.exit_code == 1 and "unknown source(s): bogus" in result.output


# --- 3. one unparsable source fails alone ---------------------------------------------------------
def test_deeply_nested_json_fails_that_source_only(baseline):  # noqa: F811
    before = venue_ids(baseline)
    url = serve(baseline.server, "/nested/cnfs.json", b"[" * 200_000 + b"]" * 200_000, "application/json")
    report = rerun(baseline, {CNFS: url})
    src = by_name(report)[CNFS]
    assert src.status == "failed" and "nested too deeply" in src.message
    assert by_name(report)[FS].status == "ok" and venue_ids(baseline) == before


# --- 4. one harvest at a time --------------------------------------------------------------------
def test_a_second_harvest_refuses_while_one_runs(baseline):  # noqa: F811
    from inclusion_map.harvest.pipeline import harvest_lock

    settings = harvest_settings(baseline.server, baseline.tmp_path, baseline.urls)
    with harvest_lock(settings.store_location):
        with pytest.raises(StoreError, match="another harvest is running on this store"):
            run_harvest(settings)
        result = CliRunner().invoke(main, ["harvest", "--no-build", "--config", str(settings.root / "config.yaml")])
        assert result.exit_code == 1 and "another harvest is running on this store" in result.output
    assert by_name(run_harvest(settings))[FS].status == "ok"  # free again


def test_a_second_harvest_waits_when_asked(baseline):  # noqa: F811
    from inclusion_map.harvest.pipeline import harvest_lock

    settings = harvest_settings(baseline.server, baseline.tmp_path, baseline.urls)
    settings = settings.with_overrides(harvest={**settings.harvest.model_dump(), "lock_wait_s": 30})
    lock = harvest_lock(settings.store_location)
    lock.__enter__()
    threading.Timer(0.5, lock.__exit__, (None, None, None)).start()
    assert by_name(run_harvest(settings))[FS].status == "ok"


def test_overlapping_harvests_never_lose_an_update(baseline, testdata):  # noqa: F811
    """Two harvests started together: one runs, the other refuses; the merged layer matches the
    source layers of the run that wrote last."""
    dropped = cnfs_variant(testdata, lambda rs: rs.remove(next(r for r in rs if r["id"] == "62b045e48255a806e299e387")))
    url = serve(baseline.server, "/dropped/cnfs.json", dropped, "application/json")
    outcomes = []
    # Settings are written once before the threads start: two threads writing one config.yaml at
    # the same time would race on the file, not on the store.
    settings = harvest_settings(baseline.server, baseline.tmp_path, {**baseline.urls, CNFS: url})

    def run():
        try:
            outcomes.append(run_harvest(settings))
        except StoreError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(o, StoreError) for o in outcomes) >= 1
    assert set(baseline.store.read(f"source_{CNFS}")["id"]) <= member_ids(baseline.store.read("venues"))
    assert "conseillers_numeriques:62b045e48255a806e299e387" not in member_ids(baseline.store.read("venues"))


# --- 5. bounded downloads ------------------------------------------------------------------------
def test_retry_after_is_capped(baseline, monkeypatch):  # noqa: F811
    slept = []
    import urllib3.util.retry as retry_module

    monkeypatch.setattr(retry_module.time, "sleep", lambda s: slept.append(s))
    baseline.server.expect_request("/busy/cnfs.json").respond_with_data(
        "busy", status=503, headers={"Retry-After": "600"})
    report = rerun(baseline, {CNFS: baseline.server.url_for("/busy/cnfs.json")}, http={"retries": 2},
                   retry_after_max_s=0.5)  # fmt: skip
    assert by_name(report)[CNFS].status == "failed"
    assert slept and max(slept) <= 0.5


@pytest.fixture
def dripping_url():
    """A server that sends one byte every 0.2 s, forever (until the test ends)."""
    from pytest_httpserver import HTTPServer

    stop = threading.Event()

    def drip(request: Request) -> Response:
        def body():
            yield b"["
            while not stop.wait(0.2):
                yield b" "

        return Response(body(), content_type="application/json")

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/drip/cnfs.json").respond_with_handler(drip)
    server.start()
    yield server.url_for("/drip/cnfs.json")
    stop.set()
    server.stop()


def test_a_slow_drip_is_cut_at_the_source_time_limit(baseline, dripping_url):  # noqa: F811
    started = time.monotonic()
    report = rerun(baseline, {CNFS: dripping_url}, source_time_limit_s=1.5)
    src = by_name(report)[CNFS]
    assert src.status == "failed" and "took longer than 1.5 s" in src.message, src.message
    assert src.previous_rows == 25
    # Not a timing assertion on the product: a guard that the test itself did not hang.
    assert time.monotonic() - started < 120


def test_download_larger_than_the_limit_fails(baseline):  # noqa: F811
    url = serve(baseline.server, "/big/cnfs.json", b"[" + b" " * 3_000_000 + b"]", "application/json")
    src = by_name(rerun(baseline, {CNFS: url}, max_download_mb=1))[CNFS]
    assert src.status == "failed" and "more than 1 MB" in src.message


def test_gzip_bomb_stops_at_the_decompressed_limit(baseline):  # noqa: F811
    bomb = gzip.compress(b"[" + b" " * 60_000_000 + b"]", compresslevel=9)
    url = serve(baseline.server, "/bomb/cnfs.json", bomb, "application/json", headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    src = by_name(rerun(baseline, {CNFS: url}, max_decompressed_mb=5))[CNFS]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert src.status == "failed" and "unpacks to more than 5 MB" in src.message, src.message
    assert peak < 40_000_000  # never the 60 MB the bomb unpacks to


# --- 6. leftovers ------------------------------------------------------------------------------------
def test_stale_temporary_store_files_are_removed(baseline):  # noqa: F811
    stale = baseline.store.path.parent / f".tmp-{baseline.store.path.stem}-killed-run.gpkg"
    stale.write_bytes(b"half a store")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    rerun(baseline)
    assert not stale.exists()


def test_report_folders_are_pruned(baseline):  # noqa: F811
    for _ in range(3):
        report = rerun(baseline)
        time.sleep(1.1)  # report files are named by the second
    settings = harvest_settings(baseline.server, baseline.tmp_path, baseline.urls)
    settings = settings.with_overrides(store={**settings.store.model_dump(), "keep_runs": 2})
    run_harvest(settings)
    folder = Path(report.files["markdown"]).parent
    runs = {p.name.split("-", 1)[1][:17] for p in folder.glob("harvest-*.md")}
    assert len(runs) == 2


def test_the_quality_page_button_refuses_while_a_harvest_runs(baseline):  # noqa: F811
    import re

    from inclusion_map.harvest.pipeline import harvest_lock
    from inclusion_map.web import create_app
    from inclusion_map.web.auth import OrganiserStore

    settings = harvest_settings(baseline.server, baseline.tmp_path, baseline.urls)
    OrganiserStore(side_db(settings.store_location, "organisers")).add_account("claire", "correct horse battery")
    client = create_app(settings).test_client()
    token = lambda path: re.search(r'name="csrf" value="([^"]+)"',  # noqa: E731
                                   client.get(path).get_data(as_text=True)).group(1)
    client.post("/connexion", data={"csrf": token("/connexion"), "name": "claire",
                                    "password": "correct horse battery", "next": "/qualite"})  # fmt: skip
    with harvest_lock(settings.store_location):  # a harvest started from the command line
        response = client.post("/qualite/moisson", data={"csrf": token("/qualite")})
    assert response.status_code == 400
    assert "a harvest is already running on this store (process" in response.get_data(as_text=True)
