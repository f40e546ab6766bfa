"""Open the store at a location: the GeoPackage default or the PostGIS database.

Every module that reads or writes layers calls :func:`open_store` with
``settings.store_location`` (a path or a ``postgresql://`` URL) and uses the returned object
through the same methods, whichever the backend.
"""

from __future__ import annotations

from .locations import StoreLocation, as_location, is_postgis
from .postgis_store import PostGISStore
from .store import GeoPackageStore

AnyStore = GeoPackageStore | PostGISStore


def open_store(where: StoreLocation) -> AnyStore:
    """The store at ``where``: a :class:`PostGISStore` for a ``postgresql://`` URL, else a
    :class:`GeoPackageStore` for the file path."""
    if isinstance(where, GeoPackageStore | PostGISStore):
        return where
    if is_postgis(where):
        return PostGISStore(str(where))
    return GeoPackageStore(where)


def store_version(where: StoreLocation | str) -> tuple | None:
    """A value that changes with every write to the store (``None`` when it holds nothing yet).

    Caches of the web workers are keyed on it: a GeoPackage's file identity, PostGIS's
    generation number (read at most twice a second per worker), so that every worker sees a harvest.
    """
    return open_store(as_location(where)).version()
