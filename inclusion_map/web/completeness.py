"""How complete each venue's record is, for ``/qualite``: what a visitor needs to find and reach help.

Five things are checked per venue: opening hours, a phone or an e-mail, the services offered, a
precise position (``geocode_precision`` other than ``commune``: a point at the commune's centre
sends people to the town hall square) and a date of update (``date_maj``). A record is complete
when it has all five. The venues to complete are listed (sortable by any column through links,
no JavaScript needed) and the figures summed up per commune.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..schema import parse_date

#: key → (French, English) column heading
CRITERIA: dict[str, tuple[str, str]] = {
    "horaires": ("Horaires", "Hours"),
    "contact": ("Téléphone ou e-mail", "Phone or e-mail"),
    "services": ("Services", "Services"),
    "position": ("Position précise", "Precise position"),
    "date": ("Date de mise à jour", "Update date"),
}
#: the sort keys of the list (``?tri=``): the criteria, the score, the name and the commune
SORTS = ("nom", "commune", *CRITERIA, "score")
LIST_MAX = 300


def _known(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def check(record: dict) -> dict:
    """The five checks of one venue, its score (0–5) and whether it is complete."""
    precision = record.get("geocode_precision")
    updated = parse_date(record.get("date_maj"))
    row = {
        "id": record.get("id"), "nom": record.get("nom") or "", "commune": record.get("commune") or "",
        "code_insee": record.get("code_insee") or "",
        "horaires": _known(record.get("horaires")),
        "contact": _known(record.get("telephone")) or _known(record.get("courriels")),
        "services": _known(record.get("services")),
        "position": _known(precision) and precision != "commune",
        "precision": precision if _known(precision) else None,
        "date": updated is not None and updated.year >= 1990,  # older dates are placeholders
    }  # fmt: skip
    row["score"] = sum(row[k] for k in CRITERIA)
    row["complete"] = row["score"] == len(CRITERIA)
    return row


def table(records: Iterable[dict]) -> list[dict]:
    """The checks of every venue (in the order given)."""
    return [check(r) for r in records]


def to_complete(rows: list[dict], sort: str = "score", descending: bool = False,
                commune: str | None = None) -> list[dict]:  # fmt: skip
    """The incomplete venues (of one commune when ``commune`` is an INSEE code), sorted by
    ``sort`` (then by name); ``False`` sorts before ``True``, so the gaps come first."""
    if sort not in SORTS:
        raise ValueError(sort)
    chosen = [r for r in rows if not r["complete"] and (not commune or r["code_insee"] == commune)]
    chosen.sort(key=lambda r: r["nom"].casefold())
    chosen.sort(key=lambda r: r[sort].casefold() if isinstance(r[sort], str) else r[sort], reverse=descending)
    return chosen


def by_commune(rows: list[dict]) -> list[dict]:
    """Per commune: venues, complete ones, their share, and how many lack each item; by name."""
    out: dict[str, dict] = {}
    for r in rows:
        entry = out.setdefault(r["code_insee"] or r["commune"], {
            "code_insee": r["code_insee"], "commune": r["commune"] or "?", "venues": 0, "complete": 0,
            **{f"no_{k}": 0 for k in CRITERIA}})  # fmt: skip
        entry["venues"] += 1
        entry["complete"] += r["complete"]
        for key in CRITERIA:
            entry[f"no_{key}"] += not r[key]
    for entry in out.values():
        entry["share"] = entry["complete"] / entry["venues"] if entry["venues"] else 0.0
    return sorted(out.values(), key=lambda e: e["commune"].casefold())


def totals(rows: list[dict]) -> dict:
    """The territory's figures: venues, complete ones and their share."""
    complete = sum(r["complete"] for r in rows)
    return {"venues": len(rows), "complete": complete, "share": complete / len(rows) if rows else 0.0}
