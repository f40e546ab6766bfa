"""A real PostgreSQL server with PostGIS for the tests: one fresh database per caller.

``INCLUSION_MAP_TEST_POSTGRES`` holds a URL of a server where the tests may create and drop
databases (``.ci/run`` starts one from Debian's packages and sets it). Every database made here is
named ``im_test_…`` and dropped at the end of the session. Without the variable the PostGIS half of
the tests is skipped on a developer's machine, and fails under CI (``CI`` set): CI must run both.

``INCLUSION_MAP_TEST_BACKEND=postgis`` runs the stores made by ``harvested_and_built`` in PostGIS,
so that the whole suite can be run on either backend.
"""

from __future__ import annotations

import atexit
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

TEMPLATE = f"im_test_template_{os.getpid()}"  # one per session: sessions may run side by side
_MADE: list[str] = []


def server_url() -> str | None:
    return os.environ.get("INCLUSION_MAP_TEST_POSTGRES") or None


def backend() -> str:
    """``postgis`` when the suite's built stores live in PostGIS, else ``gpkg``."""
    return os.environ.get("INCLUSION_MAP_TEST_BACKEND", "gpkg")


def require_server() -> str:
    """The admin URL, or skip (fail under CI) when no server was given."""
    url = server_url()
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail("INCLUSION_MAP_TEST_POSTGRES is not set: CI runs the PostGIS tests (see .ci/run)")
    pytest.skip("no PostgreSQL server: set INCLUSION_MAP_TEST_POSTGRES to run the PostGIS tests")


def database_url(name: str) -> str:
    """The server URL with its database replaced by ``name``."""
    parts = urlsplit(require_server())
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin():
    import psycopg

    return psycopg.connect(require_server(), autocommit=True)


def _ensure_template(con) -> None:
    if con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE,)).fetchone():
        return
    con.execute(f"CREATE DATABASE {TEMPLATE}")
    _MADE.append(TEMPLATE)
    import psycopg

    with psycopg.connect(database_url(TEMPLATE), autocommit=True) as db:
        db.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def new_database(template: str | None = None) -> str:
    """A new empty database with PostGIS (or a copy of ``template``); its URL."""
    import time

    import psycopg

    from inclusion_map.postgres import release

    name = f"im_test_{uuid.uuid4().hex[:12]}"
    with _admin() as con:
        _ensure_template(con)
        for attempt in range(50):  # a template must have no open connection: ours are closed first
            if template:
                release(database_url(template))
            try:
                con.execute(f"CREATE DATABASE {name} TEMPLATE {template or TEMPLATE}")
                break
            except psycopg.errors.ObjectInUse:  # a request or a render of another test is finishing
                if attempt == 49:
                    raise
                time.sleep(0.1)
    _MADE.append(name)
    return database_url(name)


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@atexit.register
def _drop_all() -> None:
    if not _MADE or not server_url():
        return
    import psycopg

    try:
        with psycopg.connect(server_url(), autocommit=True) as con:
            for name in reversed(_MADE):
                con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except psycopg.Error:
        pass  # the server is already stopped: its data folder goes with it
