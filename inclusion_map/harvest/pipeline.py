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
from ..errors import ConfigError, InclusionMapError, SourceSkipped, SourceUnavailable, SourceUnchanged
from ..geo.boundaries import load_gazetteer
from ..geocode import Geocoder
from ..locate import PRECISE, address_key, place
from ..progress import console
from ..store import GeoPackageStore
from . import build, registry
from .base import Parsed, Rejection, Scope

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
    kind: str = "live"  # live | archive: where this run's rows came from
    vintage: str | None = None  # an archive's vintage, as the config names it
    date_from: str | None = None  # oldest and newest date_maj of the rows kept
    date_to: str | None = None
    unchanged: bool = False  # the publisher answered 304: the stored layer was kept as it is
    origins: list[dict] = field(default_factory=list)
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
    scope = Scope.of(gaz)
    report = HarvestReport(uuid.uuid4().hex[:12], started.isoformat(timespec="seconds"),
                           gaz.territory.name, settings.mirror, [])  # fmt: skip
    stored = store.meta() if store.exists() else {}
    parsed: dict[str, Parsed] = {}
    for name in names:
        src = SourceReport(name, settings.sources[name].title)
        report.sources.append(src)
        console.print(f"[bold]{name}[/]: harvesting…")
        harvester = build(name, settings, scope)
        previous = stored.get(layer_name(name), {}) if store.has(layer_name(name)) else {}
        live_in_store = previous.get("source_kind", "live") == "live" and bool(previous)
        # Validators are sent only when the stored layer is that live file, already placed;
        # an archive never replaces live data already in the store.
        harvester.conditional = live_in_store
        harvester.allow_fallback = not live_in_store
        try:
            parsed[name] = harvester.harvest(session)
        except SourceUnchanged as exc:
            src.unchanged, src.message = True, str(exc)
            continue
        except (SourceUnavailable, SourceSkipped) as exc:
            src.status = "skipped" if isinstance(exc, SourceSkipped) else "failed"
            src.message = str(exc)
            continue
        p = parsed[name]
        src.fetched, src.messages = p.fetched, p.messages
        src.kind, src.vintage, src.origins = p.kind, p.vintage, p.origins
        if src.fetched == 0:
            src.status, src.message = "failed", "the source returned no rows"
            del parsed[name]

    known = _known_addresses(store, parsed)
    geocoder = Geocoder(settings) if settings.geocoding.enabled else None
    frames: dict[str, gpd.GeoDataFrame] = {}
    for src in report.sources:
        if src.name not in parsed:
            continue
        p = parsed[src.name]
        stamp = started.isoformat(timespec="seconds")
        for rec in p.records:
            rec["harvested_at"] = stamp
            rec["source_kind"] = p.kind
            rec["source_vintage"] = p.vintage
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
        src.date_from, src.date_to = date_range(frames[src.name])

    for src in report.sources:
        if src.unchanged and store.has(layer_name(src.name)):
            frames[src.name] = store.read(layer_name(src.name))
            prior = stored.get(layer_name(src.name), {})
            src.kind, src.vintage = prior.get("source_kind", "live"), prior.get("vintage")
            src.origins = prior.get("origins") or []
            src.fetched = src.kept = len(frames[src.name])
            src.date_from, src.date_to = date_range(frames[src.name])
        elif src.status != "ok" or src.name not in frames:
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
    return _merge_and_store(settings, store, report, frames, stored)


def date_range(frame: pd.DataFrame) -> tuple[str | None, str | None]:
    """Oldest and newest ``date_maj`` of a layer (ISO dates; placeholders before 1990 ignored)."""
    if frame is None or "date_maj" not in frame.columns or frame.empty:
        return None, None
    dates = frame["date_maj"].dropna().astype(str).str[:10]
    dates = dates[dates.str.fullmatch(r"(?:199\d|20\d\d)-\d\d-\d\d")]
    return (dates.min(), dates.max()) if len(dates) else (None, None)


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


def _merge_and_store(settings, store, report: HarvestReport, frames: dict, stored: dict) -> HarvestReport:
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
                    tx.write(layer_name(src.name), frames[src.name], _source_meta(settings, src, report))
            tx.write("venues", venues, _venues_meta(settings, report, frames, {**stored, **tx.meta}))
            _append_history(tx, report, venue_changes)
    except InclusionMapError:
        raise
    except Exception as exc:  # a failed write leaves the previous store in place
        raise InclusionMapError(f"could not write the store {store.path}: {exc}") from None
    report.files = write_report_files(settings, report, result.pairs)
    return report


def _source_meta(settings: Settings, src: SourceReport, report: HarvestReport) -> dict:
    """What the store says of a source's layer: where it came from, live or archive, how old."""
    cfg = settings.sources[src.name]
    return {"title": f"Lieux — {cfg.title}", "kind": "source", "source": src.name, "publisher": cfg.publisher,
            "licence": cfg.licence, "docs": cfg.docs, "source_kind": src.kind, "vintage": src.vintage,
            "date_from": src.date_from, "date_to": src.date_to, "origins": src.origins,
            "harvested_at": report.started_at, "territory": report.territory}  # fmt: skip


def contributors(settings: Settings, report: HarvestReport, frames: dict, meta: dict) -> list[dict]:
    """The sources whose rows are in the merged layer, each with its kind and its records' dates.

    A source that failed this run but keeps its last good layer is a contributor (with the date of
    that harvest); a source with no row at all is not.
    """
    this_run = {s.name: s for s in report.sources}
    out = []
    for name, frame in frames.items():
        if name not in settings.sources or frame is None or not len(frame):
            continue
        cfg, layer = settings.sources[name], meta.get(layer_name(name), {})
        src = this_run.get(name)
        fresh = src is not None and src.status == "ok"
        date_from, date_to = (src.date_from, src.date_to) if fresh else date_range(frame)
        out.append({"name": name, "title": cfg.title, "publisher": cfg.publisher, "licence": cfg.licence,
                    "kind": src.kind if fresh else layer.get("source_kind", "live"),
                    "vintage": src.vintage if fresh else layer.get("vintage"),
                    "date_from": date_from, "date_to": date_to, "rows": int(len(frame)),
                    "harvested_at": report.started_at if fresh else layer.get("harvested_at"),
                    "status": src.status if src else "not harvested this time"})  # fmt: skip
    return out


def _venues_meta(settings: Settings, report: HarvestReport, frames: dict, meta: dict) -> dict:
    used = contributors(settings, report, frames, meta)
    named = {c["name"] for c in used}
    failed = [{"name": s.name, "title": s.title, "status": s.status, "message": s.message}
              for s in report.sources if s.name not in named]  # fmt: skip
    dates = [d for c in used for d in (c["date_from"], c["date_to"]) if d]
    return {
        "title": "Lieux de médiation numérique",
        "description": "Every known digital-mediation venue of the territory, in the national standard "
        "v1.0.2, duplicates across sources merged.",
        "kind": "venues",
        "standard": "https://schema.data.gouv.fr/LaMednum/standard-mediation-num/",
        "licence": "Licence Ouverte 2.0 (etalab-2.0)",
        "sources": used,
        "failed_sources": failed,
        "data_from": min(dates) if dates else None,
        "data_to": max(dates) if dates else None,
        "archive_only": bool(used) and all(c["kind"] == "archive" for c in used),
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
        "kind": s.kind if s.status == "ok" else "", "date_from": s.date_from or "", "date_to": s.date_to or "",
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
