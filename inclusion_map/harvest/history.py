"""What a harvest writes beside its layers: each layer's metadata (where its rows came from, live or
archive, how old) and the history tables (runs, sources, rejected rows, changed ids)."""

from __future__ import annotations

from ..config import Settings
from .runs import HarvestReport, SourceReport, date_range, layer_name


def source_meta(settings: Settings, src: SourceReport, report: HarvestReport) -> dict:
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


def venues_meta(settings: Settings, report: HarvestReport, frames: dict, meta: dict) -> dict:
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


def append_history(tx, report: HarvestReport, venue_changes: dict[str, list[str]]) -> None:
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
