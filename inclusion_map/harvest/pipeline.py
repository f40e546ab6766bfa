"""One harvest run: every selected source → normalise → place → merge duplicates → store.

A source that fails (unreachable, garbled, every row rejected) keeps the data of its last good
harvest, which still takes part in the merge; the report says so. Rejected rows are listed with
their source, row number, field and problem; nothing is written if the run itself fails.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd

from .. import schema
from .._http import make_session
from ..config import Settings
from ..dedupe import deduplicate, load_decisions
from ..errors import ConfigError, InclusionMapError, SourceSkipped, SourceUnavailable
from ..geo.boundaries import load_gazetteer
from ..geocode import BanGeocoder
from ..locate import PRECISE, address_key, place
from ..progress import console
from ..store import GeoPackageStore
from . import build, registry
from .base import Parsed, Rejection

COLUMNS = (*schema.FIELDS, *schema.EXTRA_FIELDS)


@dataclass
class SourceReport:
    name: str
    title: str
    status: str = "ok"  # ok | failed | skipped
    message: str = ""
    fetched: int = 0
    kept: int = 0
    rejected: int = 0
    outside: int = 0
    added: int = 0
    removed: int = 0
    changed: int = 0
    previous_rows: int | None = None  # rows of the last good harvest kept in the store
    messages: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    notes: list[Rejection] = field(default_factory=list)
    changes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class HarvestReport:
    run_id: str
    started_at: str
    territory: str
    mirror: str | None
    sources: list[SourceReport]
    finished_at: str = ""
    venues: int = 0
    merged_records: int = 0
    review_pairs: int = 0
    venue_changes: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


def layer_name(source: str) -> str:
    return f"source_{source}"


def _fingerprint(frame: pd.DataFrame) -> pd.Series:
    cols = [c for c in schema.FIELDS if c != "id" and c in frame.columns]
    rows = zip(*(frame[c].tolist() for c in cols), strict=True)
    digests = [
        hashlib.sha1("\x1f".join("" if pd.isna(v) else str(v) for v in row).encode()).hexdigest()
        for row in rows
    ]
    return pd.Series(digests, index=frame["id"].to_numpy())


def diff(old: pd.DataFrame | None, new: pd.DataFrame) -> dict[str, list[str]]:
    """Ids added, removed and changed (any standard field) between two versions of a layer."""
    if old is None or old.empty:
        return {"added": sorted(new["id"]), "removed": [], "changed": []}
    before, after = _fingerprint(old), _fingerprint(new)
    common = before.index.intersection(after.index)
    return {
        "added": sorted(after.index.difference(before.index)),
        "removed": sorted(before.index.difference(after.index)),
        "changed": sorted(i for i in common if before[i] != after[i]),
    }


def to_frame(records: list[dict]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(records, columns=list(COLUMNS))
    geometry = gpd.points_from_xy(frame["longitude"], frame["latitude"], crs="EPSG:4326")
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def select_sources(settings: Settings, only: list[str] | None) -> list[str]:
    known = registry()
    if only:
        unknown = [s for s in only if s not in settings.sources]
        if unknown:
            raise ConfigError(f"unknown source(s): {', '.join(unknown)}",
                              hint=f"choose among: {', '.join(settings.sources)}")  # fmt: skip
        return list(only)
    return [n for n, c in settings.sources.items() if c.enabled and n in known]


def run_harvest(settings: Settings, only: list[str] | None = None, session=None) -> HarvestReport:
    """Harvest the selected (default: every enabled) source and rebuild the venues layer."""
    started = datetime.now(UTC)
    names = select_sources(settings, only)
    session = session or make_session(settings.http)
    store = GeoPackageStore(settings.store_path)
    gaz = load_gazetteer(settings, session)
    report = HarvestReport(uuid.uuid4().hex[:12], started.isoformat(timespec="seconds"),
                           gaz.territory.name, settings.mirror, [])  # fmt: skip
    parsed: dict[str, Parsed] = {}
    for name in names:
        src = SourceReport(name, settings.sources[name].title)
        report.sources.append(src)
        console.print(f"[bold]{name}[/]: harvesting…")
        try:
            parsed[name] = build(name, settings).harvest(session)
        except (SourceUnavailable, SourceSkipped) as exc:
            src.status = "skipped" if isinstance(exc, SourceSkipped) else "failed"
            src.message = str(exc)
            continue
        src.fetched, src.messages = parsed[name].fetched, parsed[name].messages
        if src.fetched == 0:
            src.status, src.message = "failed", "the source returned no rows"
            del parsed[name]

    known = _known_addresses(store, parsed)
    geocoder = BanGeocoder(settings, session) if settings.geocoding.enabled else None
    frames: dict[str, gpd.GeoDataFrame] = {}
    for src in report.sources:
        if src.name not in parsed:
            continue
        p = parsed[src.name]
        stamp = started.isoformat(timespec="seconds")
        for rec in p.records:
            rec["harvested_at"] = stamp
        placed = place(p.records, gaz, geocoder, known)
        if any("geocoder unreachable" in m for m in placed.messages):
            geocoder = None  # do not wait on it again for the next sources
        kept = []
        for rec in placed.inside:
            problems = schema.validate(rec)
            if problems:
                p.rejections.extend(Rejection(src.name, rec["_row"], rec["source_id"], i.field, i.problem, i.value)
                                    for i in problems)  # fmt: skip
            else:
                kept.append(rec)
        p.notes.extend(
            Rejection(src.name, r["_row"], r["source_id"], f, prob, v) for r, f, prob, v in placed.notes
        )
        src.messages += placed.messages
        src.rejections, src.notes = p.rejections, p.notes
        src.rejected, src.outside, src.kept = (
            len({(r.row, r.source_id) for r in p.rejections}),
            placed.outside,
            len(kept),
        )
        # No valid row while most rows, or every row of the territory, were rejected: the file is
        # broken rather than empty here, so the last good data stays.
        if not kept and src.rejected and (src.rejected * 2 >= src.fetched or placed.inside):
            src.status, src.message = "failed", "no valid row: most rows were rejected (see the report)"
            continue
        frames[src.name] = to_frame(kept)

    for src in report.sources:
        if src.status != "ok" or src.name not in frames:
            previous = store.read(layer_name(src.name)) if store.has(layer_name(src.name)) else None
            src.previous_rows = None if previous is None else len(previous)
            if previous is not None:
                frames[src.name] = previous
        else:
            old = store.read(layer_name(src.name)) if store.has(layer_name(src.name)) else None
            src.changes = diff(old, frames[src.name])
            src.added, src.removed, src.changed = (
                len(src.changes[k]) for k in ("added", "removed", "changed")
            )
    # Sources not harvested this time (``--source``) still take part in the merge.
    for name in settings.sources:
        if name not in frames and name not in names and store.has(layer_name(name)):
            frames[name] = store.read(layer_name(name))
    return _merge_and_store(settings, store, report, frames)


def _known_addresses(store: GeoPackageStore, parsed: dict[str, Parsed]) -> dict[str, tuple[float, float]]:
    known: dict[str, tuple[float, float]] = {}
    for layer in store.layers():
        if layer.startswith("source_"):
            table = store.read(layer, columns=["adresse", "code_postal", "geocode_precision"])
            for rec, point in zip(table.to_dict("records"), table.geometry, strict=True):
                if (rec.get("geocode_precision") or "source") in PRECISE and (key := address_key(rec)):
                    known.setdefault(key, (point.x, point.y))
    for p in parsed.values():
        for rec in p.records:
            if rec.get("latitude") is not None and (key := address_key(rec)):
                known[key] = (rec["longitude"], rec["latitude"])
    return known


def _merge_and_store(settings, store, report: HarvestReport, frames: dict) -> HarvestReport:
    from .report import write_report_files

    all_records = pd.concat([f.drop(columns="geometry") for f in frames.values() if len(f)], ignore_index=True) \
        if any(len(f) for f in frames.values()) else pd.DataFrame(columns=list(COLUMNS))  # fmt: skip
    for col in COLUMNS:
        if col not in all_records.columns:
            all_records[col] = None
    decisions = load_decisions(settings.path(settings.dedupe.decisions_file))
    result = deduplicate(all_records[list(COLUMNS)], settings.dedupe, decisions)
    venues = to_frame(result.venues.to_dict("records"))
    old = store.read("venues") if store.has("venues") else None
    venue_changes = diff(old, venues)
    report.venues, report.merged_records, report.review_pairs = (
        len(venues),
        result.merged_records,
        int((result.pairs["decision"] == "to review").sum()),
    )
    report.venue_changes = {k: len(v) for k, v in venue_changes.items()}
    report.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        with store.transaction() as tx:
            for src in report.sources:
                if src.status == "ok" and src.name in frames:
                    tx.write(layer_name(src.name), frames[src.name], _source_meta(settings, src.name, report))
            tx.write("venues", venues, _venues_meta(settings, report))
            _append_history(tx, report, venue_changes)
    except InclusionMapError:
        raise
    except Exception as exc:  # a failed write leaves the previous store in place
        raise InclusionMapError(f"could not write the store {store.path}: {exc}") from None
    report.files = write_report_files(settings, report, result.pairs)
    return report


def _source_meta(settings: Settings, name: str, report: HarvestReport) -> dict:
    cfg = settings.sources[name]
    return {"title": f"Lieux — {cfg.title}", "kind": "source", "source": name, "publisher": cfg.publisher,
            "licence": cfg.licence, "urls": list(cfg.urls), "harvested_at": report.started_at,
            "territory": report.territory}  # fmt: skip


def _venues_meta(settings: Settings, report: HarvestReport) -> dict:
    used = [s.name for s in report.sources] + [
        n for n in settings.sources if n not in {s.name for s in report.sources}
    ]
    return {
        "title": "Lieux de médiation numérique",
        "description": "Every known digital-mediation venue of the territory, in the national standard "
        "v1.0.2, duplicates across sources merged.",
        "kind": "venues",
        "standard": "https://schema.data.gouv.fr/LaMednum/standard-mediation-num/",
        "licence": "Licence Ouverte 2.0 (etalab-2.0)",
        "sources": [
            {
                "name": n,
                "title": settings.sources[n].title,
                "publisher": settings.sources[n].publisher,
                "licence": settings.sources[n].licence,
            }
            for n in used
            if n in settings.sources
        ],  # fmt: skip
        "harvested_at": report.started_at,
        "territory": report.territory,
    }


def _append_history(tx, report: HarvestReport, venue_changes: dict[str, list[str]]) -> None:
    tx.append("harvest_runs", [{
        "run_id": report.run_id, "started_at": report.started_at, "finished_at": report.finished_at,
        "territory": report.territory, "mirror": report.mirror or "", "venues": report.venues,
        "merged_records": report.merged_records, "review_pairs": report.review_pairs,
    }])  # fmt: skip
    tx.append("harvest_sources", [{
        "run_id": report.run_id, "source": s.name, "status": s.status, "message": s.message,
        "fetched": s.fetched, "kept": s.kept, "rejected": s.rejected, "outside": s.outside,
        "added": s.added, "removed": s.removed, "changed": s.changed,
        "previous_rows": -1 if s.previous_rows is None else s.previous_rows,
    } for s in report.sources])  # fmt: skip
    tx.append("harvest_rejections", [{
        "run_id": report.run_id, "source": r.source, "row": r.row, "source_id": r.source_id or "",
        "field": r.field, "problem": r.problem, "value": (r.value or "")[:500],
    } for s in report.sources for r in s.rejections])  # fmt: skip
    changes = [{"run_id": report.run_id, "layer": layer_name(s.name), "change": kind, "id": i}
               for s in report.sources for kind, ids in s.changes.items() for i in ids]  # fmt: skip
    changes += [{"run_id": report.run_id, "layer": "venues", "change": kind, "id": i}
                for kind, ids in venue_changes.items() for i in ids]  # fmt: skip
    tx.append("harvest_changes", changes)
