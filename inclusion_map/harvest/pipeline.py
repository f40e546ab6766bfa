"""One harvest run: every selected source → normalise → place → merge duplicates → store.

A source that fails (unreachable, garbled, every row rejected, too slow or too big) or looks wrong
(``suspect``: far fewer rows than its last good harvest) keeps the data of its last good harvest,
which still takes part in the merge; the report says so. Rejected rows are listed with their
source, row number, field and problem; nothing is written if the run itself fails. One harvest
runs at a time per store (:mod:`.guards`); the report and history rows are in :mod:`.runs` and
:mod:`.history`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd

from .. import corrections as corr
from .. import schema, venue_ids
from .._http import make_session
from ..config import Settings
from ..corrections_store import load_corrections
from ..dedupe import deduplicate, load_decisions
from ..errors import ConfigError, InclusionMapError, SourceSkipped, SourceUnavailable, SourceUnchanged
from ..geocode import Geocoder
from ..http_limits import bounded
from ..locate import PRECISE, address_key, place
from ..progress import console
from ..stores import AnyStore, open_store
from ..territory.boundaries import load_gazetteer
from . import build, registry
from .base import Parsed, Rejection, Scope
from .guards import harvest_lock, shrink_problem
from .history import append_history, source_meta, venues_meta
from .runs import (  # noqa: F401  (re-exported: the pipeline's public names)
    COLUMNS,
    HarvestReport,
    SourceReport,
    date_range,
    diff,
    layer_name,
    to_frame,
    unexpected,
)


def select_sources(settings: Settings, only: list[str] | None) -> list[str]:
    known = registry()
    if only:
        unknown = [s for s in only if s not in settings.sources]
        if unknown:
            raise ConfigError(f"unknown source(s): {', '.join(unknown)}",
                              hint=f"choose among: {', '.join(settings.sources)}")  # fmt: skip
        return list(only)
    return [n for n, c in settings.sources.items() if c.enabled and n in known]


def run_harvest(settings: Settings, only: list[str] | None = None, session=None,
                accept_shrink: tuple[str, ...] | list[str] = ()) -> HarvestReport:  # fmt: skip
    """Harvest the selected (default: every enabled) source and rebuild the venues layer.

    One harvest at a time per store (:func:`~inclusion_map.harvest.guards.harvest_lock`). A source
    named in ``accept_shrink`` may lose more rows than ``harvest.shrink_max_share`` allows.
    """
    names = select_sources(settings, only)
    select_sources(settings, list(accept_shrink) or None)  # the same check of the names
    with harvest_lock(settings.store_location, settings.harvest.lock_wait_s):
        return _run(settings, names, session, set(accept_shrink))


def _run(settings: Settings, names: list[str], session, accept_shrink: set[str]) -> HarvestReport:
    started = datetime.now(UTC)
    session = session or make_session(settings.http, settings.harvest.retry_after_max_s)
    store = open_store(settings.store_location)
    gaz = load_gazetteer(settings, session, store)
    scope = Scope.of(gaz)
    report = HarvestReport(uuid.uuid4().hex[:12], started.isoformat(timespec="seconds"),
                           gaz.territory.name, settings.mirror, [], warnings=list(gaz.notes))  # fmt: skip
    guards = settings.harvest
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
            with bounded(session, guards.source_time_limit_s, guards.max_download_mb, guards.max_decompressed_mb):
                parsed[name] = harvester.harvest(session)
        except SourceUnchanged as exc:
            src.unchanged, src.message = True, str(exc)
            continue
        except (SourceUnavailable, SourceSkipped) as exc:
            src.status = "skipped" if isinstance(exc, SourceSkipped) else "failed"
            src.message = str(exc)
            continue
        except Exception as exc:  # one source's surprise never stops the others
            src.status, src.message = "failed", unexpected(exc)
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
        try:
            placed = place(p.records, gaz, geocoder, known)
        except Exception as exc:
            src.status, src.message = "failed", unexpected(exc)
            continue
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
        previous = stored.get(layer_name(src.name), {}) if store.has(layer_name(src.name)) else {}
        same_kind = previous and previous.get("source_kind", "live") == p.kind
        problem = shrink_problem(src.name, len(kept), previous.get("rows") if same_kind else None,
                                 guards.shrink_max_share)  # fmt: skip
        cap = guards.max_rejections_listed  # counts stay exact; the lists kept in reports are capped
        src.rejections, src.notes = src.rejections[:cap], src.notes[:cap]
        if problem and src.name not in accept_shrink:
            src.status, src.message = "suspect", problem
            continue
        if problem:
            src.messages.append(f"accepted a fall from {previous.get('rows')} to {len(kept)} rows (--accept-shrink)")
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


def _known_addresses(store: AnyStore, parsed: dict[str, Parsed]) -> dict[str, tuple[float, float]]:
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
    merged, registry = venue_ids.assign(result.venues, venue_ids.load(store), report.started_at)
    report.id_changes = {"new": int((registry["first_seen"] == report.started_at).sum()),
                         **{k: int(((registry["status"] == k) & (registry["ended_at"] == report.started_at)).sum())
                            for k in ("merged", "gone")}}  # fmt: skip
    harvested = to_frame(merged.sort_values("id").to_dict("records"))
    # The organisers' corrections, closures and additions, laid over every harvest (they live apart,
    # in corrections.sqlite): a correction made on a venue that merged since follows it.
    entries = venue_ids.by_id(registry)
    applied = corr.apply_corrections(harvested, load_corrections(settings.store_location),
                                     lambda i: venue_ids.resolve(entries, i).current)  # fmt: skip
    closed = [{"id": r["id"], "reason": r.get("closed_reason"), "at": r.get("closed_at")}
              for r in applied.closed.to_dict("records")] if len(applied.closed) else []  # fmt: skip
    registry = venue_ids.close(registry, closed, report.started_at)
    venues = applied.venues
    report.corrections = {"conflicts": len(applied.conflicts), "closed": len(closed),
                          "unmatched": len(applied.unmatched)}  # fmt: skip
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
                    tx.write(layer_name(src.name), frames[src.name], source_meta(settings, src, report))
            meta = venues_meta(settings, report, frames, {**stored, **tx.meta})
            tx.write(corr.HARVESTED_LAYER, harvested, meta)  # the base the web re-applies corrections on
            tx.write("venues", venues, meta)
            tx.write(corr.CONFLICTS_TABLE, corr.conflicts_frame(applied.conflicts),
                     {"title": "Corrections whose field the source changed since", "kind": "table",
                      "written_at": report.started_at})  # fmt: skip
            tx.write(venue_ids.TABLE, registry, {"title": "Stable venue ids and what became of them",
                                                 "kind": "registry", "written_at": report.started_at})
            append_history(tx, report, venue_changes)
    except InclusionMapError:
        raise
    except Exception as exc:  # a failed write leaves the previous store in place
        raise InclusionMapError(f"could not write the store {store.path}: {exc}") from None
    report.files = write_report_files(settings, report, result.pairs)
    return report
