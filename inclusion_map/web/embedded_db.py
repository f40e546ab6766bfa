"""The embedded SQLite files beside the store: see :mod:`inclusion_map.embedded_db` (kept there, out
of the web package, since the harvest reads the organisers' corrections file too)."""

from ..embedded_db import connect, immediate

__all__ = ["connect", "immediate"]
