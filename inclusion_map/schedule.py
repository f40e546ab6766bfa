"""Scheduled refreshes: harvest, build and gaps at the times of ``schedule:`` in ``config.yaml``.

``python run.py schedule`` waits for each time of ``schedule.at`` on the days of ``schedule.days``
(in ``schedule.timezone``) and runs :func:`inclusion_map.refresh.refresh`; ``--now`` runs once at
once, for a systemd timer or a cron line instead. Runs never overlap: the harvest takes the
store's harvest lock, so a second scheduler (or a harvest started by hand) finds it held and the
run is recorded as skipped.

Each run's outcome is written to ``schedule.json`` beside the store (owner-only): when it started
and finished, ``ok`` / ``failed`` / ``skipped``, the error's one-line message, the venues kept and
the next planned run. ``/qualite`` shows it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .config import Settings
from .embedded_db import exists, transaction
from .errors import InclusionMapError, StoreError
from .locations import is_postgis, side_db

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


def next_run(now: datetime, at: list[str], days: list[str], timezone: str) -> datetime:
    """The first planned time strictly after ``now`` (an aware datetime), in ``timezone``.

    Parameters
    ----------
    now : datetime
        Aware.
    at : list of str
        Times of day, ``HH:MM``.
    days : list of str
        Days of the week it runs (``Mo`` … ``Su``).
    timezone : str
        An IANA zone, e.g. ``Europe/Paris`` (a time of day means that zone's wall clock, summer
        time included).
    """
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    times = sorted((int(t[:2]), int(t[3:5])) for t in at)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if DAYS[day.weekday()] not in days:
            continue
        for hour, minute in times:
            planned = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
            if planned > local:
                return planned
    raise ValueError("schedule.days and schedule.at give no time in the coming week")


def status_path(settings: Settings) -> Path:
    return settings.store_path.parent / "schedule.json"


#: with PostGIS the status is a row of the side database ``schedule``: every machine's /qualite sees it
STATUS_SCHEMA = "CREATE TABLE IF NOT EXISTS status (id INTEGER PRIMARY KEY, doc TEXT NOT NULL);"


def read_status(settings: Settings) -> dict | None:
    """The last scheduled run's outcome and the next planned one (``None`` before the first run)."""
    try:
        if is_postgis(settings.store_location):
            target = side_db(settings.store_location, "schedule")
            if not exists(target):
                return None
            with transaction(target, STATUS_SCHEMA) as con:
                row = con.execute("SELECT doc FROM status WHERE id = 1").fetchone()
            return json.loads(row[0]) if row else None
        return json.loads(status_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError, InclusionMapError):
        return None


def _write_status(settings: Settings, status: dict) -> None:
    if is_postgis(settings.store_location):
        with transaction(side_db(settings.store_location, "schedule"), STATUS_SCHEMA) as con:
            con.execute("INSERT INTO status (id, doc) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                        (json.dumps(status, ensure_ascii=False),))  # fmt: skip
        return
    path = status_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(status, out, ensure_ascii=False, indent=1)
    os.replace(tmp, path)  # readers see the old status or the new one, never half of one


def _now(settings: Settings) -> datetime:
    return datetime.now(ZoneInfo(settings.schedule.timezone))


def run_once(settings: Settings, refresh: Callable | None = None) -> dict:
    """Run the refresh now and record its outcome; never raises for a failed run.

    Returns
    -------
    dict
        The status written: ``outcome`` ``ok``, ``failed`` or ``skipped`` (another harvest held the
        store), ``started_at``, ``finished_at``, ``venues`` and ``error`` (one line) when it failed.
    """
    from .harvest.guards import harvest_running
    from .refresh import refresh as default_refresh

    cfg = settings.schedule
    started = _now(settings)
    status = {"started_at": started.isoformat(timespec="seconds"), "outcome": "running",
              "next_run": next_run(started, cfg.at, cfg.days, cfg.timezone).isoformat(timespec="seconds")}  # fmt: skip
    _write_status(settings, status)
    try:
        if harvest_running(settings.store_location):
            raise StoreError("another harvest is running on this store")
        done = (refresh or default_refresh)(settings)
        status.update(outcome="ok", venues=int(getattr(done.harvest, "venues", 0) or 0))
    except (InclusionMapError, OSError, ValueError) as error:
        line = str(error).splitlines()[0] if str(error) else type(error).__name__
        # The harvest lock says another run holds the store: this one is skipped, not failed.
        skipped = isinstance(error, StoreError) and "another harvest is running" in line
        status.update(outcome="skipped" if skipped else "failed", error=line)
    status["finished_at"] = _now(settings).isoformat(timespec="seconds")
    _write_status(settings, status)
    return status


def run_forever(settings: Settings, on_wait: Callable[[datetime], None] | None = None,
                sleep: Callable[[float], None] = time.sleep, runs: int | None = None,
                refresh: Callable | None = None) -> None:  # fmt: skip
    """Wait for each planned time and run the refresh then (``runs`` times, or for ever).

    The wait is cut into steps of at most a minute, so that a changed clock (summer time, a
    suspended machine) is noticed within a minute.
    """
    cfg = settings.schedule
    done = 0
    while runs is None or done < runs:
        planned = next_run(_now(settings), cfg.at, cfg.days, cfg.timezone)
        if on_wait:
            on_wait(planned)
        while (left := (planned - _now(settings)).total_seconds()) > 0:
            sleep(min(left, 60.0))
        run_once(settings, refresh)
        done += 1
