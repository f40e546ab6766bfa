"""The national standard "lieux de médiation numérique" (v1.0.2) and the normalisers that turn
any source's row into a valid record of it.

A record is a plain ``dict``: the standard's 32 fields (multi-valued ones joined with ``|`` as in
the standard's CSV, coordinates as floats in WGS84) plus provenance columns (:data:`EXTRA_FIELDS`).
:func:`normalise` is pure: it never does I/O. Whatever it fixes, drops or rejects is returned as
:class:`Issue` objects so the harvest report can say what happened to each row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from . import vocab
from .geo.crs import fix_coordinates
from .hours import validate_opening_hours
from .phones import normalise_phone

FIELDS = (
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse",
    "latitude", "longitude", "typologie", "telephone", "courriels", "site_web", "horaires",
    "presentation_resume", "presentation_detail", "source", "itinerance", "structure_parente",
    "date_maj", "services", "publics_specifiquement_adresses", "prise_en_charge_specifique",
    "frais_a_charge", "dispositif_programmes_nationaux", "formations_labels",
    "autres_formations_labels", "modalites_acces", "modalites_accompagnement",
    "fiche_acces_libre", "prise_rdv",
)  # fmt: skip
REQUIRED = ("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj")
EXTRA_FIELDS = (
    "harvester", "source_id", "sources", "source_ids", "provenance", "harvested_at",
    "geocode_precision", "geocode_score", "nb_aidants", "upstream", "source_kind", "source_vintage", "point_conflict",
)  # fmt: skip
PIVOT_PLACEHOLDER = "00000000000000"
RESUME_MAX = 280

_EMPTY = {"", "nan", "none", "null", "n/a", "na", "-", "--", "non renseigné", "inconnu"}
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_POSTCODE = re.compile(r"\d{5}")
_INSEE = re.compile(r"(?:[013-9]\d|2[AB1-9])\d{3}")
_PIVOT = re.compile(r"[a-zA-Z0-9]{9,14}")


@dataclass(frozen=True)
class Issue:
    """Something normalisation did to a row.

    ``action`` is ``rejected`` (the row is not kept), ``dropped`` (the value was removed, the row
    kept) or ``fixed`` (the value was corrected).
    """

    field: str
    problem: str
    value: str = ""
    action: str = "dropped"


def clean_text(value: Any) -> str | None:
    """Strip, collapse whitespace, and turn empty-looking values into ``None``."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, list | tuple):
        value = "|".join(str(v) for v in value if v is not None)
    text = " ".join(str(value).replace("\x00", " ").split())
    return None if text.lower() in _EMPTY else text


def split_values(value: Any) -> list[str]:
    """Split a multi-valued field on ``|``, ``;`` or a list, dropping empty parts."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else re.split(r"[|;]", str(value))
    return [t for t in (clean_text(i) for i in items) if t]


def _map_vocab(field: str, values: list[str], issues: list[Issue], old: dict | None = None) -> list[str]:
    allowed = vocab.FOLDED_VOCABULARIES[field]
    out: list[str] = []
    for value in values:
        key = vocab.fold(value)
        head = vocab.fold(value.split(" : ")[0])
        if key in allowed:
            out.append(allowed[key])
        elif old and (key in old or head in old):
            out.extend(old.get(key) or old[head])
        else:
            issues.append(Issue(field, "value not in the standard's vocabulary", value))
    order = vocab.VOCABULARIES[field]
    return sorted(set(out), key=order.index)


def _urls(value: Any, field: str, issues: list[Issue]) -> list[str]:
    # A real host is required (``inclusion_map.urls``): no ``https://javascript:alert(1)``, no
    # ``https://`` alone, no credentials; the pages link to what is kept here.
    from .urls import is_web_address

    out = []
    for part in re.split(r"[|;\s]+|,\s*(?=https?://|www\.)", clean_text(value) or ""):
        part = part.strip().rstrip(".,")
        if not part:
            continue
        if not re.match(r"https?://", part, re.I):
            part = "https://" + part.removeprefix("//")
        if is_web_address(part):
            out.append(part)
        else:
            issues.append(Issue(field, "not a web address", part))
    return list(dict.fromkeys(out))


def parse_date(value: Any) -> date | None:
    """Parse ISO dates/datetimes, ``dd/mm/yyyy`` and epoch milliseconds; ``None`` if unknown."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and value == value:
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, tz=UTC).date()
    text = str(value).strip()
    for pattern, order in ((r"(\d{4})-(\d{2})-(\d{2})", (0, 1, 2)), (r"(\d{2})/(\d{2})/(\d{4})", (2, 1, 0))):
        m = re.match(pattern, text)
        if m:
            y, mo, d = (int(m.group(i + 1)) for i in order)
            try:
                return date(y, mo, d)
            except ValueError:
                return None
    return None


def normalise(raw: dict[str, Any], *, published: date | None = None) -> tuple[dict | None, list[Issue]]:
    """Turn one source row (standard field names, old 0.x names accepted) into a v1 record.

    Parameters
    ----------
    raw : dict
        Must hold ``source_id``; may hold any field of the standard or its 0.x names
        (``courriel``, ``publics_accueillis``, ``conditions_acces``, ``labels_nationaux``,
        ``labels_autres``, ``accessibilite``, ``presentation_resumee``), coordinates in WGS84 or
        Lambert-93 (EPSG:2154), and provenance extras.
    published : date, optional
        The source file's publication date, used when a row has no ``date_maj``.

    Returns
    -------
    (record or None, issues)
        ``None`` when a required value is missing or invalid; the issues say why.
    """
    issues: list[Issue] = []
    rec: dict[str, Any] = {f: None for f in FIELDS}
    rec.update({f: raw.get(f) for f in EXTRA_FIELDS if raw.get(f) is not None})
    for field in ("nom", "commune", "adresse", "complement_adresse", "source", "structure_parente",
                  "presentation_detail", "autres_formations_labels"):  # fmt: skip
        rec[field] = clean_text(raw.get(field))
    rec["source_id"] = clean_text(raw.get("source_id"))
    rec["autres_formations_labels"] = rec["autres_formations_labels"] or clean_text(raw.get("labels_autres"))

    resume = clean_text(raw.get("presentation_resume") or raw.get("presentation_resumee"))
    if resume and len(resume) > RESUME_MAX:
        issues.append(
            Issue("presentation_resume", f"longer than {RESUME_MAX} characters; shortened", action="fixed")
        )
        rec["presentation_detail"] = rec["presentation_detail"] or resume
        resume = resume[: RESUME_MAX - 1].rsplit(" ", 1)[0] + "…"
    rec["presentation_resume"] = resume

    pivot = re.sub(r"[\s.\-]", "", clean_text(raw.get("pivot")) or "")
    rec["pivot"] = pivot if _PIVOT.fullmatch(pivot) else PIVOT_PLACEHOLDER

    given_postcode = clean_text(raw.get("code_postal"))
    postcode = re.sub(r"\D", "", given_postcode or "")
    if len(postcode) == 4:  # a number column lost its leading zero
        postcode = "0" + postcode
    rec["code_postal"] = postcode if _POSTCODE.fullmatch(postcode) else None
    if given_postcode and not rec["code_postal"]:
        issues.append(Issue("code_postal", "not a 5-digit postcode", str(raw.get("code_postal"))))
    insee = (clean_text(raw.get("code_insee")) or "").upper()
    insee = insee.zfill(5) if insee.isdigit() else insee
    rec["code_insee"] = insee if _INSEE.fullmatch(insee) else None
    if insee and not rec["code_insee"]:
        issues.append(Issue("code_insee", "not an INSEE commune code", insee))

    rec["latitude"], rec["longitude"], problem = fix_coordinates(raw.get("latitude"), raw.get("longitude"))
    if problem:
        issues.append(Issue("latitude/longitude", problem[0], problem[1], problem[2]))

    types = [t.upper() for t in split_values(raw.get("typologie"))]
    rec["typologie"] = "|".join(t for t in dict.fromkeys(types) if re.fullmatch(r"[A-Z0-9_]+", t)) or None

    phones = split_values(raw.get("telephone"))
    for phone in phones:
        rec["telephone"] = normalise_phone(phone)
        if rec["telephone"]:
            break
    if phones and not rec["telephone"]:
        issues.append(Issue("telephone", "not a valid phone number", phones[0]))
    emails = _EMAIL.findall(" ".join(split_values(raw.get("courriels") or raw.get("courriel"))))
    rec["courriels"] = "|".join(dict.fromkeys(e.lower() for e in emails)) or None
    rec["site_web"] = "|".join(_urls(raw.get("site_web"), "site_web", issues)) or None
    for field, alias in (("fiche_acces_libre", "accessibilite"), ("prise_rdv", None)):
        urls = _urls(raw.get(field) or (raw.get(alias) if alias else None), field, issues)
        rec[field] = urls[0] if urls else None

    hours = clean_text(raw.get("horaires"))
    if hours:
        fixed = validate_opening_hours(hours)
        if fixed is None:
            issues.append(Issue("horaires", "not a valid OSM opening_hours string", hours))
        rec["horaires"] = fixed

    _normalise_vocabularies(raw, rec, issues)

    when = parse_date(raw.get("date_maj"))
    if when is None and published is not None:
        issues.append(Issue("date_maj", "missing or unreadable; set to the file's date (publication, else download)",
                            str(raw.get("date_maj") or ""), "fixed"))  # fmt: skip
        when = published
    rec["date_maj"] = when.isoformat() if when else None
    return rec, issues


def _normalise_vocabularies(raw: dict, rec: dict, issues: list[Issue]) -> None:
    rec["services"] = _map_vocab("services", split_values(raw.get("services")), issues, vocab.OLD_SERVICES)
    buckets: dict[str, list[str]] = {"publics_specifiquement_adresses": [], "prise_en_charge_specifique": []}
    for field in buckets:
        buckets[field] = _map_vocab(field, split_values(raw.get(field)), issues)
    for value in split_values(raw.get("publics_accueillis")):
        key = vocab.fold(value)
        if key in vocab.OLD_PUBLICS:
            if vocab.OLD_PUBLICS[key]:
                target, mapped = vocab.OLD_PUBLICS[key]
                buckets[target].append(mapped)
        else:
            issues.append(Issue("publics_accueillis", "value not in the standard's vocabulary", value))
    for field, values in buckets.items():
        order = vocab.VOCABULARIES[field]
        rec[field] = sorted(set(values), key=order.index)

    frais = split_values(raw.get("frais_a_charge")) + split_values(
        raw.get("conditions_acces") or raw.get("conditions_access")
    )
    rec["frais_a_charge"] = _map_vocab("frais_a_charge", frais, issues, vocab.OLD_FRAIS)

    labels = {"dispositif_programmes_nationaux": [], "formations_labels": []}
    others = split_values(rec["autres_formations_labels"])
    for field in labels:
        labels[field] = _map_vocab(field, split_values(raw.get(field)), issues)
    for value in split_values(raw.get("labels_nationaux")):
        target = vocab.OLD_LABELS.get(vocab.fold(value))
        if target:
            labels[target[0]].append(target[1])
        else:
            others.append(value)
    for field, values in labels.items():
        rec[field] = sorted(set(values), key=vocab.VOCABULARIES[field].index)
    rec["autres_formations_labels"] = "|".join(dict.fromkeys(others)) or None

    rec["modalites_acces"] = _map_vocab("modalites_acces", split_values(raw.get("modalites_acces")), issues)
    rec["modalites_accompagnement"] = _map_vocab(
        "modalites_accompagnement", split_values(raw.get("modalites_accompagnement")), issues,
        vocab.OLD_MODALITES,
    )  # fmt: skip
    rec["itinerance"] = _map_vocab("itinerance", split_values(raw.get("itinerance")), issues)
    for field in vocab.VOCABULARIES:
        rec[field] = "|".join(rec[field]) or None


def validate(rec: dict) -> list[Issue]:
    """Check a located record against the standard's required fields and patterns.

    Run after location (which may fill ``commune``, ``code_postal`` and ``code_insee``).
    Returns ``rejected`` issues; an empty list means the record is valid.
    """
    problems = []
    for field in REQUIRED:
        if not rec.get(field):
            problems.append(Issue(field, "required value missing", action="rejected"))
    if rec.get("code_postal") and not _POSTCODE.fullmatch(rec["code_postal"]):
        problems.append(Issue("code_postal", "not a 5-digit postcode", rec["code_postal"], "rejected"))
    if rec.get("latitude") is None or rec.get("longitude") is None:
        problems.append(Issue("latitude/longitude", "no coordinates and the address could not be located",
                              action="rejected"))  # fmt: skip
    return problems
