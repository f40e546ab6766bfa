"""Stable public ids of venues, across harvests and merges.

A venue's id is what people share (``/lieu/<id>``), what error reports and organisers' corrections
are attached to, and what other sites link to. A merged venue used to take the id of its
strongest member at each harvest, so a new source joining a place could change its address.

The store keeps a registry (table ``venue_registry``): every id ever given, the source records it
was made of (``members``), and what became of it:

- ``active``: a venue of the current layer;
- ``merged``: its place is now part of another venue (``merged_into``): its address redirects there;
- ``gone``: no source lists it any more (its last name and position are kept, so its page can say
  so and point to the nearest venues);
- ``closed``: the territory's team marked it closed (``reason``).

At each harvest, :func:`assign` gives every merged venue the id of the registry entry whose members
it shares most (a greedy matching by shared members, strongest first), a new id only to a place
never seen before (its strongest member's id, as before), and records what became of the others.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

TABLE = "venue_registry"
COLUMNS = ("id", "status", "merged_into", "members", "name", "commune", "lon", "lat", "first_seen", "last_seen",
           "ended_at", "reason")  # fmt: skip
MAX_HOPS = 50  # merged_into chains are short; a cycle must never hang a page


@dataclass(frozen=True)
class Resolution:
    """What an id asked for is today: its current id (``None`` when gone or closed) and its entry."""

    asked: str
    current: str | None
    status: str  # active | merged | gone | closed | unknown
    entry: dict | None = None


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float if c in ("lon", "lat") else object) for c in COLUMNS})


def load(store) -> pd.DataFrame:
    """The registry of ``store`` (an empty one before the first harvest that writes it)."""
    if not (store.exists() and store.has(TABLE)):
        return empty()
    table = pd.DataFrame(store.read(TABLE))
    for column in COLUMNS:
        if column not in table.columns:
            table[column] = None
    return table[list(COLUMNS)]


def _members(value) -> set[str]:
    return {m for m in str(value or "").split("|") if m}


def assign(venues: pd.DataFrame, registry: pd.DataFrame, now: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give each merged venue its stable id and update the registry.

    Parameters
    ----------
    venues : DataFrame
        The merged venues of this harvest: ``id`` (the strongest member's id), ``source_ids``
        (``|``-joined ids of the source records merged), ``nom``, ``commune``, ``longitude``,
        ``latitude`` (WGS84 degrees).
    registry : DataFrame
        The registry of the store (:func:`load`).
    now : str
        The harvest's time (ISO 8601).

    Returns
    -------
    (venues, registry)
        A copy of ``venues`` with stable ids, and the new registry.
    """
    venues = venues.reset_index(drop=True).copy()
    previous = registry.set_index("id", drop=False) if len(registry) else empty().set_index("id", drop=False)
    owner = {m: pid for pid, row in previous[previous["status"] == "active"].iterrows() for m in _members(row["members"])}
    clusters = [_members(s) or {i} for s, i in zip(venues.get("source_ids", venues["id"]), venues["id"], strict=True)]
    strongest = [str(i) for i in venues["id"]]
    first_seen = previous["first_seen"].astype(object).where(previous["first_seen"].notna(), "").to_dict()
    # Most shared members first; on a tie, the id the merge itself names the place by, then the
    # oldest id, so that the answer never depends on the order of the rows.
    shares = sorted(((n, k, pid) for k, members in enumerate(clusters)
                     for pid, n in Counter(owner[m] for m in members if m in owner).items()),
                    key=lambda t: (-t[0], t[2] != strongest[t[1]], first_seen.get(t[2], ""), t[2], t[1]))
    chosen: dict[int, str] = {}
    taken: set[str] = set()
    for _, k, pid in shares:
        if k not in chosen and pid not in taken:
            chosen[k], taken = pid, taken | {pid}
    for k in range(len(clusters)):
        if k not in chosen:  # a place never seen: its strongest member's id, unless another venue has it
            candidate = str(venues.at[k, "id"])
            while candidate in taken:
                candidate += "~"
            chosen[k], taken = candidate, taken | {candidate}
    venues["id"] = [chosen[k] for k in range(len(clusters))]

    rows = {pid: dict(row) for pid, row in previous.iterrows()}
    for k, vid in chosen.items():
        row = rows.get(vid, {"id": vid, "first_seen": now})
        rows[vid] = {**row, "status": "active", "merged_into": None, "members": "|".join(sorted(clusters[k])),
                     "name": venues.at[k, "nom"], "commune": venues.at[k, "commune"] if "commune" in venues else None,
                     "lon": _number(venues, k, "longitude"), "lat": _number(venues, k, "latitude"),
                     "last_seen": now, "ended_at": None, "reason": None}  # fmt: skip
    venue_of = {m: chosen[k] for k, members in enumerate(clusters) for m in members}
    for pid, row in list(rows.items()):
        if row.get("status") != "active" or pid in taken:
            continue
        # Its members now belong to another venue: merged there. None left anywhere: gone.
        where = Counter(venue_of[m] for m in _members(row["members"]) if m in venue_of)
        if where:
            rows[pid] = {**row, "status": "merged", "merged_into": where.most_common(1)[0][0], "ended_at": now}
        else:
            rows[pid] = {**row, "status": "gone", "ended_at": now, "reason": "no source lists it any more"}
    table = pd.DataFrame(list(rows.values()), columns=list(COLUMNS)) if rows else empty()
    return venues, table.sort_values("id", ignore_index=True)


def close(registry: pd.DataFrame, closed: list[dict], now: str) -> pd.DataFrame:
    """Mark venues closed by the territory's team (``closed``: dicts with ``id`` and ``reason``)."""
    table = registry.copy()
    for item in closed:
        hit = table["id"] == item["id"]
        table.loc[hit, ["status", "merged_into", "ended_at", "reason"]] = \
            ["closed", None, item.get("at") or now, item.get("reason") or "closed"]  # fmt: skip
    return table


def resolve(entries: dict[str, dict], asked: str) -> Resolution:
    """Follow ``merged_into`` from ``asked`` to what it is today (``entries``: the registry by id)."""
    current, seen = asked, set()
    for _ in range(MAX_HOPS):
        entry = entries.get(current)
        if entry is None:
            return Resolution(asked, None, "unknown" if current == asked else "gone", None)
        status = entry.get("status") or "active"
        if status == "merged" and entry.get("merged_into") and current not in seen:
            seen.add(current)
            current = entry["merged_into"]
            continue
        return Resolution(asked, current if status == "active" else None, status, entry)
    return Resolution(asked, None, "unknown", None)


def by_id(registry: pd.DataFrame) -> dict[str, dict]:
    """The registry as a dict keyed by id (what :func:`resolve` reads)."""
    frame = registry.astype(object).where(registry.notna(), None)
    return {row["id"]: row for row in frame.to_dict("records")}


def _number(frame: pd.DataFrame, k: int, column: str) -> float | None:
    if column not in frame.columns:
        return None
    value = frame.at[k, column]
    return None if value is None or pd.isna(value) else float(value)
