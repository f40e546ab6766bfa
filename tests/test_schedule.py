"""Scheduled refreshes: the next planned time (days, several times a day, summer time), one run's
outcome written beside the store and shown on ``/qualite`` (a real offline refresh, a failure, a
run skipped while another harvest holds the store), and the waiting loop on a simulated clock."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from inclusion_map import schedule
from inclusion_map.errors import SourceUnavailable
from inclusion_map.harvest.guards import harvest_lock
from inclusion_map.web import create_app
from tests.conftest import mirror_settings

PARIS = ZoneInfo("Europe/Paris")
EVERY_DAY = list(schedule.DAYS)


def test_next_run_follows_days_times_and_summer_time():
    saturday = datetime(2026, 3, 28, 4, 0, tzinfo=PARIS)  # summer time starts on Sunday 29 March 2026
    sunday = schedule.next_run(saturday, ["03:30"], EVERY_DAY, "Europe/Paris")
    assert sunday == datetime(2026, 3, 29, 3, 30, tzinfo=PARIS) and sunday.utcoffset() == timedelta(hours=2)
    assert schedule.next_run(saturday, ["03:30", "13:00"], EVERY_DAY, "Europe/Paris").hour == 13
    assert schedule.next_run(saturday, ["03:30"], ["Mo"], "Europe/Paris").date().isoformat() == "2026-03-30"
    # A time given in UTC is read on Paris' wall clock.
    utc = datetime(2026, 7, 1, 1, 0, tzinfo=ZoneInfo("UTC"))  # 03:00 in Paris
    assert schedule.next_run(utc, ["03:30"], EVERY_DAY, "Europe/Paris") == datetime(2026, 7, 1, 3, 30, tzinfo=PARIS)


def test_bad_schedules_are_refused_by_the_configuration(tmp_path, testdata):
    settings = mirror_settings(tmp_path, testdata)
    for bad, said in (({"at": ["25:00"]}, "not a time of day"), ({"timezone": "Mars/Olympus"}, "unknown time zone"),
                      ({"days": ["Lu"]}, "days")):  # fmt: skip
        with pytest.raises(Exception, match=said):
            settings.with_overrides(schedule=bad)


def test_a_real_refresh_is_recorded_and_shown_on_the_quality_page(tmp_path, testdata):
    settings = mirror_settings(tmp_path, testdata)
    status = schedule.run_once(settings)  # harvest, build and gaps offline from the real files
    assert status["outcome"] == "ok" and status["venues"] > 30
    assert schedule.read_status(settings) == status
    assert stat.S_IMODE(schedule.status_path(settings).stat().st_mode) == 0o600
    page = create_app(settings).test_client().get("/qualite").get_data(as_text=True)
    assert "Actualisation planifiée" in page and "réussie" in page and "Prochaine :" in page


def test_a_failed_or_skipped_run_says_why(tmp_path, testdata):
    settings = mirror_settings(tmp_path, testdata)

    def broken(_settings):
        raise SourceUnavailable("standard: the server answered 502")

    failed = schedule.run_once(settings, refresh=broken)
    assert failed["outcome"] == "failed" and failed["error"] == "standard: the server answered 502"
    page = create_app(settings).test_client().get("/qualite").get_data(as_text=True)
    assert "échouée" in page and "the server answered 502" in page
    ran = []
    with harvest_lock(settings.store_location):
        skipped = schedule.run_once(settings, refresh=lambda s: ran.append(s))
    assert skipped["outcome"] == "skipped" and not ran and "another harvest is running" in skipped["error"]


def test_the_loop_waits_for_each_planned_time(tmp_path, testdata, monkeypatch):
    settings = mirror_settings(tmp_path, testdata).with_overrides(schedule={"at": ["03:30", "15:00"]})
    clock = [datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)]
    monkeypatch.setattr(schedule, "_now", lambda _settings: clock[0])
    slept, runs, planned = [], [], []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += timedelta(seconds=seconds)

    def refresh(_settings):
        runs.append(clock[0])
        return SimpleNamespace(harvest=SimpleNamespace(venues=7))

    schedule.run_forever(settings, on_wait=planned.append, sleep=sleep, runs=2, refresh=refresh)
    assert runs == [datetime(2026, 12, 2, 15, 0, tzinfo=PARIS), datetime(2026, 12, 3, 3, 30, tzinfo=PARIS)]
    assert planned == runs and max(slept) <= 60  # never asleep for more than a minute at once
    assert schedule.read_status(settings)["next_run"] == "2026-12-03T15:00:00+01:00"


def test_with_postgis_two_machines_share_the_lock_and_the_outcome(tmp_path, testdata, postgis_url):
    """Two machines (two local folders) on one PostGIS store: a harvest held by one makes the other's
    scheduled run skip, and both /qualite pages show the same last outcome."""
    first = mirror_settings(tmp_path / "one", testdata).with_overrides(store={"path": str(tmp_path / "one" / "s.gpkg"),
                                                                               "url": postgis_url})  # fmt: skip
    second = mirror_settings(tmp_path / "two", testdata).with_overrides(store={"path": str(tmp_path / "two" / "s.gpkg"),
                                                                                "url": postgis_url})  # fmt: skip
    ran = []
    with harvest_lock(first.store_location):
        skipped = schedule.run_once(second, refresh=lambda s: ran.append(s))
    assert skipped["outcome"] == "skipped" and not ran and "another harvest is running" in skipped["error"]
    assert schedule.read_status(first) == skipped and not (tmp_path / "two" / "schedule.json").exists()
    page = create_app(first).test_client().get("/qualite").get_data(as_text=True)
    assert "Actualisation planifiée" in page and "sautée : une autre moisson tournait" in page
