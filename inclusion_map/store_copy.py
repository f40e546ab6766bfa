"""Copy a whole store between backends: a GeoPackage into PostGIS, or back.

Every layer and table (history, input copies) and the layers' metadata are written to the target in
one transaction (the target's readers see the copy at once, or nothing if it fails), then each
table's row count is read back from the target and compared with the source's. The side databases
(accounts, sessions, reports, corrections, actors: SQLite files or PostgreSQL schemas) are copied
table by table, each in one transaction, with the same check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .embedded_db import exists, immediate, is_sqlite, transaction
from .errors import StoreError
from .locations import StoreLocation, redact, side_db
from .stores import open_store


@dataclass(frozen=True)
class Copied:
    """One table of a copy: its rows in the source and in the target (equal when it went well)."""

    name: str
    source_rows: int
    target_rows: int

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows


def copy_store(source: StoreLocation, target: StoreLocation,
               progress: Callable[[str], None] | None = None) -> list[Copied]:  # fmt: skip
    """Copy every table and the metadata of ``source`` into ``target``; the per-table counts.

    Parameters
    ----------
    source, target : Path or str
        A GeoPackage path or a ``postgresql://`` URL each. Tables of the target that the source
        does not have are left as they are.
    progress : callable, optional
        Called with a line of text per table.

    Raises
    ------
    StoreError
        When the source is empty, source and target are the same, or a count differs after the copy
        (the copy is then in the target: the message says which tables differ).
    """
    say = progress or (lambda line: None)
    src, dst = open_store(source), open_store(target)
    if str(source) == str(target):
        raise StoreError("the source and the target of the copy are the same store")
    if not src.exists():
        raise StoreError(f"nothing to copy: the store {redact(str(source))} is empty",
                         hint="run `python run.py harvest` (and `build`) first")  # fmt: skip
    names, meta = src.tables(), src.meta()
    counts: dict[str, int] = {}
    with dst.transaction() as tx:
        for number, name in enumerate(names, 1):
            frame = src.read(name)
            counts[name] = len(frame)
            layer_meta = meta.get(name)
            tx.write(name, frame, layer_meta)
            if layer_meta is None:  # a table without metadata in the source gets none in the target
                tx.meta.pop(name, None)
            else:  # the source's metadata as it is (its write time and counts, not the copy's)
                tx.meta[name] = dict(layer_meta)
            say(f"[{number}/{len(names)}] {name}: {len(frame):,} rows")
        for name, entry in meta.items():  # metadata of layers the source lists but does not hold
            tx.meta.setdefault(name, entry)
    result = [Copied(name, counts[name], len(dst.read(name))) for name in names]
    if bad := [c for c in result if not c.ok]:
        listed = ", ".join(f"{c.name} ({c.source_rows} → {c.target_rows})" for c in bad)
        raise StoreError(f"the copy's counts differ: {listed}")
    return result


_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)", re.I)


def copy_side_database(source: StoreLocation, target: StoreLocation, name: str, schema: str) -> list[Copied]:
    """Copy the side database ``name`` (its tables as ``schema`` creates them) between two stores.

    The target's tables are emptied, then filled with the source's rows (ids kept; PostgreSQL's
    identity counters are moved past them), in one transaction; ``[]`` when the source has none.
    """
    src, dst = side_db(source, name), side_db(target, name)
    if not exists(src):
        return []
    tables = _TABLE.findall(schema)  # names from the product's own schemas, never from a request
    counts: dict[str, int] = {}
    with transaction(src, schema) as read, immediate(dst, schema) as write:
        for table in tables:
            rows = [dict(row) for row in read.execute(f"SELECT * FROM {table}").fetchall()]
            counts[table] = len(rows)
            write.execute(f"DELETE FROM {table}")
            for row in rows:
                columns = ", ".join(row)
                write.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(row))})",
                              tuple(row.values()))  # fmt: skip
            if not is_sqlite(write) and rows and "id" in rows[0]:
                sequence = write.execute("SELECT pg_get_serial_sequence(?, 'id')", (table,)).fetchone()[0]
                if sequence:  # the next id given by the database comes after the copied ones
                    write.execute(f"SELECT setval('{sequence}', (SELECT max(id) FROM {table}))")
    with transaction(dst, schema) as check:
        return [Copied(f"{name}.{table}", counts[table],
                       check.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) for table in tables]  # fmt: skip


def copy_side_databases(source: StoreLocation, target: StoreLocation, schemas: dict[str, str]) -> list[Copied]:
    """Copy every side database of ``schemas`` (``{name: schema}``); the per-table counts.

    Raises
    ------
    StoreError
        When a count differs after the copy.
    """
    result = [c for name, schema in schemas.items() for c in copy_side_database(source, target, name, schema)]
    if bad := [c for c in result if not c.ok]:
        listed = ", ".join(f"{c.name} ({c.source_rows} → {c.target_rows})" for c in bad)
        raise StoreError(f"the copy's counts differ: {listed}")
    return result
