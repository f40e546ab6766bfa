"""A small error tree. Each error carries a plain message for the user and an HTTP status.

The CLI prints ``str(error)`` (never a traceback) and the web layer turns ``status`` into the
response code, so every error a user can cause says what went wrong and what to do next.
"""

from __future__ import annotations


class InclusionMapError(Exception):
    """Base of every error the product raises on purpose."""

    status = 500

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  → {self.hint}" if self.hint else self.message


class ConfigError(InclusionMapError):
    """The configuration file is missing, unreadable or invalid."""

    status = 500


class SourceUnavailable(InclusionMapError):
    """A source could not be fetched or its payload is unusable as a whole.

    The harvest keeps the last good data of that source and goes on with the others.
    """

    status = 502


class SourceSkipped(InclusionMapError):
    """A source was not harvested on purpose (disabled, or a required token is missing)."""

    status = 503


class SourceUnchanged(InclusionMapError):
    """The publisher's file has not changed since the last harvest (HTTP 304).

    The source's layer already in the store is kept as it is: it is that file, already placed and
    checked.
    """

    status = 304


class GeocoderUnavailable(InclusionMapError):
    """The address geocoder could not be reached or answered garbage."""

    status = 502


class StoreError(InclusionMapError):
    """The embedded store cannot be read or written."""

    status = 500


class StoreUnavailable(StoreError):
    """The PostGIS store's server does not answer (down, unreachable, refusing): try again later.

    ``message`` and ``hint`` are shown by pages and the API, so they name no address; ``detail``
    (the URL without its password, the driver's first line) is for the command line and the log.
    """

    status = 503

    def __init__(self, message: str, *, hint: str | None = None, detail: str = ""):
        super().__init__(message, hint=hint)
        self.detail = detail

    def __str__(self) -> str:
        said = f"{self.message} ({self.detail})" if self.detail else self.message
        return f"{said}\n  → {self.hint}" if self.hint else said


class NotFound(InclusionMapError):
    """A layer, record or file asked for does not exist."""

    status = 404


class BadRequest(InclusionMapError):
    """A user query or argument is invalid."""

    status = 400


class LayerMissing(NotFound):
    """A layer a page needs has not been built yet; ``command`` builds it."""

    def __init__(self, layer: str, command: str):
        super().__init__(f"the layer '{layer}' is missing from the store", hint=f"run `{command}` first")
        self.layer = layer
        self.command = command
