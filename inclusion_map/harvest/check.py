"""``python run.py sources --check``: try each source's live endpoint without writing anything.

For each source it says, in one line: whether the endpoint answers (with the HTTP status or the
reason), whether the format is recognised, how many rows would be kept in the territory and the
newest ``date_maj``. It reads the live channel only (the archive is never used as a fallback
here: the point is to know whether the live source works), writes no cache, no store and no
report, and does not geocode (rows without coordinates are counted by their commune).
"""

from __future__ import annotations

from dataclasses import dataclass

from .._http import make_session
from ..config import Settings
from ..errors import InclusionMapError, SourceSkipped, SourceUnavailable
from ..locate import place
from ..territory.boundaries import load_gazetteer
from . import build
from .base import Scope
from .pipeline import date_range, select_sources, to_frame


@dataclass
class CheckResult:
    """What the check found for one source."""

    name: str
    channel: str  # what was tried: the live endpoint, an archive, a mirror copy
    reachable: bool = False
    status: str = ""  # "HTTP 200", or why it could not be reached
    recognised: bool = False
    fetched: int = 0
    kept: int = 0
    rejected: int = 0
    newest: str | None = None
    kind: str = "live"
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.reachable and self.recognised

    def line(self) -> str:
        """The one line printed for this source (plain text, no markup)."""
        if not self.reachable:
            return f"{self.name}: NOT REACHABLE ({self.channel}) — {self.status}" + (f" — {self.note}" if self.note else "")
        if not self.recognised:
            return f"{self.name}: reachable ({self.status}) but format NOT RECOGNISED — {self.note}"
        newest = f"newest date_maj {self.newest}" if self.newest else "no date_maj in the territory"
        return (f"{self.name}: reachable ({self.status}), format recognised, {self.kept} of {self.fetched} rows "
                f"would be kept in the territory ({self.rejected} rejected), {newest}"
                + (f" — ARCHIVE, not live ({self.note})" if self.kind == "archive" else "")
                + (f" — {self.note}" if self.note and self.kind != "archive" else ""))  # fmt: skip


def _channel(settings: Settings, name: str) -> str:
    cfg = settings.sources[name]
    if settings.mirror:
        return f"mirror folder {settings.mirror}"
    if cfg.use == "archive":
        return f"archive of {cfg.archive.vintage} (use: archive)"
    parts = [f"data.gouv.fr dataset {d.id or 'of resource ' + str(d.resource)}" for d in cfg.datasets]
    parts += (["data.gouv.fr datasets of the standard's schema"] if cfg.discover else []) + list(cfg.urls)
    parts += [cfg.api.url] if cfg.api else []
    return ", ".join(parts)


def check_sources(settings: Settings, only: list[str] | None = None, session=None) -> list[CheckResult]:
    """Try each selected (default: every enabled) source; never writes anything."""
    settings = settings.with_overrides(http={**settings.http.model_dump(), "cache_dir": None})
    session = session or make_session(settings.http)
    gazetteer = load_gazetteer(settings, session)
    scope = Scope.of(gazetteer)
    results = []
    for name in select_sources(settings, only):
        result = CheckResult(name, _channel(settings, name))
        harvester = build(name, settings, scope)
        try:
            raw = harvester.fetch(session)
        except SourceSkipped as exc:
            result.status = str(exc).splitlines()[0]
            cfg = settings.sources[name]
            result.note = f"the archive of {cfg.archive.vintage} would be read instead" if cfg.archive else ""
            results.append(result)
            continue
        except (SourceUnavailable, InclusionMapError) as exc:
            result.status = str(exc).splitlines()[0]
            if "has no dataset" in result.status and name == "standard":
                result.note = _candidates(settings, session)
            results.append(result)
            continue
        result.reachable = True
        statuses = sorted({p.status for p in raw.payloads}) or [200]
        result.status = ", ".join(f"HTTP {s}" for s in statuses) if not settings.mirror else "mirror file"
        result.kind = raw.kind
        if raw.kind == "archive":
            result.note = f"archive of {raw.vintage}"
        try:
            parsed = harvester.parse(raw)
        except (SourceUnavailable, InclusionMapError) as exc:
            result.note = str(exc).splitlines()[0]
            results.append(result)
            continue
        placed = place(parsed.records, gazetteer, None, {})
        result.fetched, result.rejected, result.kept = parsed.fetched, len(parsed.rejections), len(placed.inside)
        result.recognised = parsed.fetched > 0 and len(parsed.rejections) < parsed.fetched
        if not result.recognised:
            result.note = ("no row" if parsed.fetched == 0 else
                           f"every row rejected, e.g. {parsed.rejections[0].field}: {parsed.rejections[0].problem}")
        if placed.inside:
            result.newest = date_range(to_frame(placed.inside))[1]
        results.append(result)
    return results


def _candidates(settings: Settings, session) -> str:
    """When the national set's dataset has moved: the datasets of the standard's schema that look
    national, for the organiser to name in the config."""
    from .. import datagouv

    try:
        found = [d for d in datagouv.datasets_of_schema(settings, session, settings.datagouv.standard_schema)
                 if "national" in str(d.get("title") or "").lower() and not d.get("archived")]  # fmt: skip
    except InclusionMapError:
        return ""
    if not found:
        return "no dataset of the standard's schema looks national on data.gouv.fr"
    named = "; ".join(f"{d.get('slug') or d.get('id')} ({d.get('title')})" for d in found[:3])
    return f"datasets of the standard's schema that look national: {named}"
