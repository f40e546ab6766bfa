"""Versioned migrations of the PostGIS store's own tables: plain numbered SQL and a version table.

Each step runs once, in order, in the transaction that records it in ``im_store.schema_version``;
a transaction-level advisory lock makes workers that start together wait for the first one. A new
step is appended to :data:`MIGRATIONS` with the next number; a step is never edited once released.
"""

from __future__ import annotations

from .postgres import lock_key

SCHEMA = "im_store"
MIGRATION_LOCK = lock_key("migrate", "store")

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "catalogue, metadata and generation", f"""
        CREATE EXTENSION IF NOT EXISTS postgis;
        CREATE TABLE {SCHEMA}.catalog (
            layer text PRIMARY KEY,
            table_name text NOT NULL,
            columns jsonb NOT NULL,  -- [[name, type], …] in the layer's order
            spatial boolean NOT NULL,
            generation bigint NOT NULL
        );
        CREATE TABLE {SCHEMA}.layer_meta (layer text PRIMARY KEY, meta jsonb NOT NULL);
        CREATE TABLE {SCHEMA}.state (
            one boolean PRIMARY KEY DEFAULT true CHECK (one),
            generation bigint NOT NULL DEFAULT 0,
            changed_at timestamptz
        );
        INSERT INTO {SCHEMA}.state DEFAULT VALUES;
        -- tables replaced by a write: dropped by the next one (a reader may still be on them)
        CREATE TABLE {SCHEMA}.retired (table_name text PRIMARY KEY, generation bigint NOT NULL);
    """),
]


def current_version(con) -> int:
    """The last migration applied (0 for a database never used as a store)."""
    exists = con.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.schema_version",)).fetchone()[0]
    if exists is None:
        return 0
    return int(con.execute(f"SELECT coalesce(max(version), 0) FROM {SCHEMA}.schema_version").fetchone()[0])


def migrate(con) -> int:
    """Bring the store's tables to the latest version; the version reached.

    Works on an autocommit connection (one transaction of its own) or inside the caller's
    transaction (committed by the caller).
    """
    latest = MIGRATIONS[-1][0]
    if current_version(con) >= latest:  # the usual case: one cheap query, no lock
        return latest
    with con.transaction():
        con.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_version "
                    "(version int PRIMARY KEY, title text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")  # fmt: skip
        done = current_version(con)
        for version, title, sql in MIGRATIONS:
            if version > done:
                con.execute(sql)
                con.execute(f"INSERT INTO {SCHEMA}.schema_version (version, title) VALUES (%s, %s)", (version, title))
    return latest
