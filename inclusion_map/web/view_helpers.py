"""What the templates show for a venue: open status, distance and walk, lists, links, freshness."""

from __future__ import annotations

import json
from datetime import date, datetime
from urllib.parse import quote

from ..phones import display_phone
from .hours_text import status

MAIN_LABELS = {"France Services": "France Services", "Conseillers numériques": "Conseiller numérique",
               "Aidants Connect": "Aidants Connect"}  # fmt: skip


def split(value) -> list[str]:
    """A ``|``-joined field as a list (empty for missing values)."""
    if not isinstance(value, str) or not value.strip():
        return []
    return [v.strip() for v in value.split("|") if v.strip()]


def distance_text(metres, lang: str) -> str | None:
    if metres is None:
        return None
    if metres < 1000:
        return f"{round(metres / 10) * 10:.0f} m"
    km = f"{metres / 1000:.1f}"
    return (km.replace(".", ",") if lang == "fr" else km) + " km"


def decorate(record: dict, now: datetime, lang: str) -> dict:
    """A copy of the record with what the pages show (never HTML: the templates escape it all)."""
    item = dict(record)
    item["status"] = status(record.get("horaires"), now, lang)
    item["distance_text"] = distance_text(record.get("distance_m"), lang)
    walk = record.get("walk_min")
    item["walk_text"] = (f"{max(1, round(walk))} min à pied" if lang == "fr" else f"{max(1, round(walk))} min walk") \
        if walk is not None else None  # fmt: skip
    item["services_list"] = split(record.get("services"))
    item["labels_list"] = [MAIN_LABELS[d] for d in split(record.get("dispositif_programmes_nationaux"))
                           if d in MAIN_LABELS]  # fmt: skip
    lat, lon = record.get("latitude"), record.get("longitude")
    destination = f"{lat},{lon}" if lat is not None and lon is not None else \
        quote(f"{record.get('adresse') or ''} {record.get('code_postal') or ''} {record.get('commune') or ''}")  # fmt: skip
    item["directions_url"] = f"https://www.openstreetmap.org/directions?to={destination}"
    item["phones"] = [(p, display_phone(p)) for p in split(record.get("telephone"))]
    item["emails"] = split(record.get("courriels"))
    item["websites"] = [w for w in split(record.get("site_web")) if w.startswith(("http://", "https://"))]
    rdv = record.get("prise_rdv")
    item["appointment"] = rdv if isinstance(rdv, str) and rdv.startswith(("http://", "https://")) else None
    fiche = record.get("fiche_acces_libre")
    item["acceslibre"] = fiche if isinstance(fiche, str) and fiche.startswith("https://") else None
    return item


def freshness(record: dict, stale_months: int, today: date, titles: dict[str, str] | None = None) -> dict:
    """The record's update date, whether it is older than ``stale_months``, and its sources."""
    updated = None
    raw = record.get("date_maj")
    if isinstance(raw, str) and raw[:10]:
        try:
            updated = date.fromisoformat(raw[:10])
        except ValueError:
            updated = None
    stale = updated is None or (today - updated).days > stale_months * 30.4
    sources = split(record.get("sources")) or split(record.get("source"))
    titles = titles or {}
    provenance = [{**p, "title": titles.get(p.get("harvester"), p.get("source") or p.get("harvester"))}
                  for p in _provenance(record.get("provenance"))]  # fmt: skip
    return {"updated": updated, "stale": stale, "months": stale_months,
            "sources": [titles.get(s, s) for s in sources], "provenance": provenance}  # fmt: skip


def _provenance(raw) -> list[dict]:
    if not isinstance(raw, str) or not raw.startswith("["):
        return []
    try:
        entries = json.loads(raw)
    except ValueError:
        return []
    return [e for e in entries if isinstance(e, dict)]
