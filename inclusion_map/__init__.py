"""inclusion_map: map who helps people with digital tools in a French territory, and where help
is missing.

Public entry points: :func:`load_settings` (configuration), :func:`run_harvest` (harvest every
source into the store), :func:`open_store` (read the layers of the GeoPackage or PostGIS store at
``settings.store_location``) and :class:`GeoPackageStore`.
"""

from __future__ import annotations

__version__ = "0.1.0"


def __getattr__(name: str):
    # Lazy imports keep `import inclusion_map` light (no geopandas until needed).
    if name == "load_settings":
        from .config import load_settings

        return load_settings
    if name == "run_harvest":
        from .harvest.pipeline import run_harvest

        return run_harvest
    if name == "open_store":
        from .stores import open_store

        return open_store
    if name == "GeoPackageStore":
        from .store import GeoPackageStore

        return GeoPackageStore
    raise AttributeError(name)


__all__ = ["__version__", "load_settings", "run_harvest", "open_store", "GeoPackageStore"]
