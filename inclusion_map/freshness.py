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


#: The public footer's words (plain language; the page's language).
FOOTER = {
    "fr": {
        "none": "Le site n'a pas encore d'informations sur les lieux.",
        "between": "Les informations sur les lieux ont été mises à jour entre {a} et {b}.",
        "in": "Les informations sur les lieux ont été mises à jour en {a}.",
        "undated": "Les informations sur les lieux n'ont pas de date.",
        "archive_only": "Attention : ce sont des copies anciennes, pas les informations du jour.",
        "sources": "Elles viennent de :",
        "licence": "Tout le monde peut les réutiliser (Licence Ouverte 2.0).",
        "old_copy": "copie ancienne de {month}",
    },
    "en": {
        "none": "The site has no information on places yet.",
        "between": "The information on the places was updated between {a} and {b}.",
        "in": "The information on the places was updated in {a}.",
        "undated": "The information on the places has no date.",
        "archive_only": "Warning: these are old copies, not today's information.",
        "sources": "It comes from:",
        "licence": "Anyone may reuse it (Licence Ouverte 2.0).",
        "old_copy": "old copy from {month}",
    },
}


def source_text(source: dict, lang: str = "fr") -> str:
    """One contributing source: its title, and « (copie ancienne de décembre 2022) » when it is one."""
    title, note = source_parts(source, lang)
    return f"{title} ({note})" if note else title


def source_parts(source: dict, lang: str = "fr") -> tuple[str, str | None]:
    """A source's title (as its publisher wrote it, in French) and, for an archive, a note in ``lang``."""
    title = source.get("title") or source.get("name") or "?"
    if source.get("kind") == "archive":
        vintage = month_text(source.get("vintage"), lang) or "?"
        return title, FOOTER["en" if lang == "en" else "fr"]["old_copy"].format(month=vintage)
    return title, None


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


def footer_parts(info: dict, lang: str = "fr") -> dict:
    """The public footer's sentences on how recent the venues' data is and where it comes from.

    Returns
    -------
    dict
        ``head`` (the dates, and the warning when all are archives), ``sources_intro``,
        ``sources`` (``(title, note)`` pairs: titles stay as their publishers wrote them, in
        French; ``note`` is in ``lang`` or None) and ``licence``; only ``head`` when there is no
        data.
    """
    words = FOOTER["en" if lang == "en" else "fr"]
    if not info["contributors"]:
        return {"head": words["none"], "sources_intro": "", "sources": [], "licence": ""}
    a, b = month_text(info["from"], lang), month_text(info["to"], lang)
    if a and b and a != b:
        head = words["between"].format(a=a, b=b)
    elif a or b:
        head = words["in"].format(a=a or b)
    else:
        head = words["undated"]
    if info["archive_only"]:
        head = f"{head} {words['archive_only']}"
    return {"head": head, "sources_intro": words["sources"],
            "sources": [source_parts(s, lang) for s in info["contributors"]], "licence": words["licence"]}  # fmt: skip


def footer_text(info: dict, lang: str = "fr") -> str:
    """:func:`footer_parts` as one paragraph of text (the exports' note)."""
    parts = footer_parts(info, lang)
    if not parts["sources"]:
        return parts["head"]
    sources = ", ".join(f"{title} ({note})" if note else title for title, note in parts["sources"])
    return f"{parts['head']} {parts['sources_intro']} {sources}. {parts['licence']}"


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
