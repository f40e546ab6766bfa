"""What a harvest run reports, and the small frame helpers the pipeline and the checks share."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from .. import schema
from .base import Rejection

COLUMNS = (*schema.FIELDS, *schema.EXTRA_FIELDS)
log = logging.getLogger(__name__)


@dataclass
class SourceReport:
    name: str
    title: str
    status: str = "ok"  # ok | failed | skipped | suspect
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


def unexpected(exc: Exception) -> str:
    """The report's line for an error nobody planned for (its details go to the log)."""
    log.exception("unexpected error while harvesting a source")
    return (f"unexpected error while reading the source ({type(exc).__name__}: {str(exc)[:200]}); the other "
            "sources were harvested")  # fmt: skip


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
    warnings: list[str] = field(default_factory=list)  # about the run as a whole (e.g. commune contours)
    id_changes: dict[str, int] = field(default_factory=dict)  # venue ids new, merged into others, gone
    corrections: dict[str, int] = field(default_factory=dict)  # conflicts, closures, unmatched corrections


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


def date_range(frame: pd.DataFrame) -> tuple[str | None, str | None]:
    """Oldest and newest ``date_maj`` of a layer (ISO dates; placeholders before 1990 ignored)."""
    if frame is None or "date_maj" not in frame.columns or frame.empty:
        return None, None
    dates = frame["date_maj"].dropna().astype(str).str[:10]
    dates = dates[dates.str.fullmatch(r"(?:199\d|20\d\d)-\d\d-\d\d")]
    return (dates.min(), dates.max()) if len(dates) else (None, None)
