"""What the templates show for a venue: open status, distance and walk, lists, links, freshness."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, datetime
from urllib.parse import quote

from ..freshness import MONTHS, month_text, provenance, venue_archive
from ..phones import display_phone
from ..urls import is_web_address
from . import i18n
from .hours_text import status

MAIN_LABELS = {"France Services": ("France Services", "France Services"),
               "Conseillers numériques": ("Conseiller numérique", "Digital adviser"),
               "Aidants Connect": ("Aidants Connect", "Aidants Connect")}  # fmt: skip
#: The national programmes' names are words people may not know: each is explained in a short
#: visible sentence wherever it is offered as a choice or given to a venue.
EXPLAINED = {"France Services": "sp_explain_fs", "Conseillers numériques": "sp_explain_cn",
             "Aidants Connect": "sp_explain_ac"}  # fmt: skip


def explain_label(label: str, lang: str) -> str | None:
    """The sentence that says what a national programme (``France Services``…) is, or None."""
    key = EXPLAINED.get(label)
    return i18n.text(key, lang) if key else None


MONTHS_FR, MONTHS_EN = MONTHS["fr"], MONTHS["en"]


def date_text(value, lang: str) -> str:
    """``2022-07-26`` as « 26 juillet 2022 » (or "26 July 2022"); other values unchanged."""
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    months = MONTHS_EN if lang == "en" else MONTHS_FR
    first = "1er" if day.day == 1 and lang == "fr" else str(day.day)
    return f"{first} {months[day.month - 1]} {day.year}"


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
    item.update(_fixed_parts(record, lang))
    item["status"] = status(record.get("horaires"), now, lang)
    item["distance_text"] = distance_text(record.get("distance_m"), lang)
    walk = record.get("walk_min")
    item["walk_text"] = i18n.text("walk", lang, min=max(1, round(walk))) if walk is not None else None
    return item


_FIXED: OrderedDict[tuple, dict] = OrderedDict()
_FIXED_MAX = 8192
_FIXED_LOCK = threading.Lock()  # the server's threads share the table


def _fixed_parts(record: dict, lang: str) -> dict:
    """The parts of a venue's display that do not change with the time or the visitor's place.

    Kept per venue, language and harvest (parsing phones and checking links costs more than the
    rest of a result card), in a bounded least-recently-used table.
    """
    # A record without id or harvest time (one built by hand) is never kept: it has no identity.
    key = (record.get("id"), lang, record.get("harvested_at"), record.get("provenance"))
    with _FIXED_LOCK:
        if key[0] is not None and key[2] is not None and (cached := _FIXED.get(key)) is not None:
            _FIXED.move_to_end(key)
            return cached
    item: dict = {}
    # A venue placed only at its commune's centre: its distance means little, say so.
    item["approximate"] = record.get("geocode_precision") == "commune"
    item["services_list"] = split(record.get("services"))
    programmes = split(record.get("dispositif_programmes_nationaux"))
    item["labels_list"] = [MAIN_LABELS[d][lang == "en"] for d in programmes if d in MAIN_LABELS]
    item["labels_explained"] = [explain_label(d, lang) for d in programmes if d in EXPLAINED]
    lat, lon = record.get("latitude"), record.get("longitude")
    # A point at the commune's centre would lead people to the wrong place: the address text instead.
    precise = lat is not None and lon is not None and not item["approximate"]
    destination = f"{lat},{lon}" if precise else \
        quote(f"{record.get('adresse') or ''} {record.get('code_postal') or ''} {record.get('commune') or ''}")  # fmt: skip
    item["directions_url"] = f"https://www.openstreetmap.org/directions?to={destination}"
    item["phones"] = [(p, display_phone(p)) for p in split(record.get("telephone"))]
    item["emails"] = split(record.get("courriels"))
    # Links only to web addresses with a real host: a scheme check alone lets through
    # ``https://javascript:alert(1)`` (stores written before the harvest checked hosts hold some).
    item["websites"] = [w for w in split(record.get("site_web")) if is_web_address(w)]
    rdv = record.get("prise_rdv")
    item["appointment"] = rdv if is_web_address(rdv) else None
    fiche = record.get("fiche_acces_libre")
    item["acceslibre"] = fiche if is_web_address(fiche, schemes=("https",)) else None
    # Known only from archives: every view of the venue says so, with the archive's month.
    vintage = venue_archive(record)
    item["archive_text"] = month_text(vintage, lang) or vintage if vintage else None
    if key[0] is not None and key[2] is not None:
        with _FIXED_LOCK:
            _FIXED[key] = item
            if len(_FIXED) > _FIXED_MAX:
                _FIXED.popitem(last=False)
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
    entries = [{**p, "title": titles.get(p.get("harvester"), p.get("source") or p.get("harvester")),
                "archive": p.get("source_kind") == "archive"} for p in provenance(record)]  # fmt: skip
    return {"updated": updated, "stale": stale, "months": stale_months,
            "sources": [titles.get(s, s) for s in sources], "provenance": entries,
            "archive": venue_archive(record)}  # fmt: skip
