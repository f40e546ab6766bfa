"""Where the store lives: a GeoPackage file (the default) or a PostgreSQL/PostGIS database.

The rest of the product passes a *location* around: a :class:`~pathlib.Path` to the GeoPackage, or
a ``postgresql://`` URL. This module only tells them apart and names the side databases (organiser
accounts and sessions, reports, corrections, actors), so it imports nothing heavy and everything
may import it.

- GeoPackage: each side database is an SQLite file beside the store (``organisers.sqlite``…).
- PostGIS: each side database is a schema of the same database (``side_organisers``…), so that
  several web workers on several machines share accounts, sessions, rate limits and corrections.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

#: the URL schemes of a PostGIS store (``postgres://`` is libpq's short form)
SCHEMES = ("postgresql://", "postgres://")

StoreLocation = Path | str


def is_postgis(where: object) -> bool:
    """Whether ``where`` names a PostgreSQL database rather than a GeoPackage file."""
    return isinstance(where, str) and where.startswith(SCHEMES)


@dataclass(frozen=True)
class SideDatabase:
    """A side database kept in the PostGIS database, as the schema ``side_<name>``.

    Parameters
    ----------
    url : str
        The store's ``postgresql://`` URL.
    name : str
        ``organisers``, ``reports``, ``corrections`` or ``actors``.
    """

    url: str
    name: str

    @property
    def schema(self) -> str:
        return f"side_{self.name}"

    def __str__(self) -> str:  # shown in messages: never the password
        return f"{redact(self.url)} (schema {self.schema})"


def side_db(where: StoreLocation, name: str) -> Path | SideDatabase:
    """The side database ``name`` of the store at ``where``.

    Returns
    -------
    Path or SideDatabase
        ``<folder of the GeoPackage>/<name>.sqlite``, or the schema ``side_<name>`` of the PostGIS
        database.
    """
    if is_postgis(where):
        return SideDatabase(str(where), name)
    return Path(where).with_name(f"{name}.sqlite")


def redact(url: str) -> str:
    """The URL without its password, for messages, pages and logs."""
    if not is_postgis(url):
        return str(url)
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def env_store_url() -> str | None:
    """``INCLUSION_MAP_STORE_URL`` when set (it wins over ``store.url`` in ``config.yaml``)."""
    return os.environ.get("INCLUSION_MAP_STORE_URL") or None


def as_location(where: StoreLocation | os.PathLike[str]) -> StoreLocation:
    """``where`` back as a location after it went through ``str()`` (e.g. as a cache key)."""
    return str(where) if is_postgis(where) else Path(where)
