"""How old the data is, said the same way on every page, in the report and in the exports.

Data are dated by their records (``date_maj``), never by the harvest: a harvest run today of a
2022 export holds 2022 data. A source read from an archive carries the archive's vintage, and is
named as an archive wherever it is shown. The harvest writes, in the venues layer's metadata,
the sources that gave rows (``sources``: kind, vintage, oldest and newest ``date_maj``) and those
that gave nothing (``failed_sources``); the functions here turn that into sentences.
"""

from __future__ import annotations

import json

MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip


def month_text(value, lang: str = "fr") -> str | None:
    """``2022-12`` or ``2022-12-01`` as « décembre 2022 » ("December 2022"); a year alone stays."""
    text = str(value or "").strip()
    if len(text) >= 7 and text[:4].isdigit() and text[5:7].isdigit() and 1 <= int(text[5:7]) <= 12:
        return f"{MONTHS['en' if lang == 'en' else 'fr'][int(text[5:7]) - 1]} {text[:4]}"
    return text[:4] if text[:4].isdigit() else None


def period_text(first, last, lang: str = "fr") -> str | None:
    """« de mars 2021 à décembre 2022 », « décembre 2022 » when both fall in one month."""
    a, b = month_text(first, lang), month_text(last, lang)
    if not a or not b:
        return a or b
    if a == b:
        return a
    return f"from {a} to {b}" if lang == "en" else f"de {a} à {b}"


def source_text(source: dict, lang: str = "fr") -> str:
    """One contributing source: its title, and « archive de décembre 2022 » when it is one."""
    title = source.get("title") or source.get("name") or "?"
    if source.get("kind") == "archive":
        vintage = month_text(source.get("vintage"), lang) or "?"
        return f"{title} (archive of {vintage})" if lang == "en" else f"{title} (archive de {vintage})"
    return title


def summary(venues_meta: dict | None) -> dict:
    """What the pages need to date the venues: period of the records, archives, failed sources."""
    meta = venues_meta or {}
    contributors = [s for s in meta.get("sources") or [] if isinstance(s, dict) and s.get("rows", 1)]
    return {
        "from": meta.get("data_from"), "to": meta.get("data_to"),
        "contributors": contributors,
        "archives": [s for s in contributors if s.get("kind") == "archive"],
        "live": [s for s in contributors if s.get("kind") != "archive"],
        "failed": [s for s in meta.get("failed_sources") or [] if isinstance(s, dict)],
        "archive_only": bool(contributors) and all(s.get("kind") == "archive" for s in contributors),
        "harvested_at": meta.get("harvested_at"),
    }  # fmt: skip


def footer_text(info: dict, lang: str = "fr") -> str:
    """The public footer's sentence on how recent the venues' data is, and where it comes from."""
    if not info["contributors"]:
        return "No venue data yet." if lang == "en" else "Aucune donnée de lieux pour le moment."
    period = period_text(info["from"], info["to"], lang)
    sources = ", ".join(source_text(s, lang) for s in info["contributors"])
    if lang == "en":
        head = f"Venue records last updated {period} by their sources." if period else "Venue records without dates."
        tail = " These are archives, not current data." if info["archive_only"] else ""
        return f"{head}{tail} Open data under Licence Ouverte 2.0: {sources}."
    head = f"Fiches des lieux mises à jour {period} par leurs sources." if period else "Fiches des lieux sans date."
    tail = " Ce sont des archives, pas des données actuelles." if info["archive_only"] else ""
    return f"{head}{tail} Données ouvertes sous Licence Ouverte 2.0 : {sources}."


def provenance(record: dict) -> list[dict]:
    """The provenance entries of a merged venue (harvester, kind, vintage, date_maj…)."""
    raw = record.get("provenance")
    if not isinstance(raw, str) or not raw.startswith("["):
        return []
    try:
        entries = json.loads(raw)
    except ValueError:
        return []
    return [e for e in entries if isinstance(e, dict)]


def venue_archive(record: dict) -> str | None:
    """The newest archive vintage of a venue known only from archives (``None`` otherwise).

    The territory team's corrections do not count: a venue whose phone the team corrected still
    has the rest of its record from archives.
    """
    entries = provenance(record) or [{"source_kind": record.get("source_kind"),
                                      "source_vintage": record.get("source_vintage")}]  # fmt: skip
    entries = [e for e in entries if e.get("source_kind") != "correction"]
    if not entries or any(e.get("source_kind") != "archive" for e in entries):
        return None
    return max((str(e.get("source_vintage") or "") for e in entries), default="") or "?"

