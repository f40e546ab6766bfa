"""Corrections and additions by the territory's organisers, applied over the harvested venues.

What organisers correct lives apart from harvested data, in ``corrections.sqlite`` beside the
store (:mod:`inclusion_map.corrections_store`), which no harvest touches. After every merge, and at
once when an organiser saves something, :func:`apply_corrections` lays it over the merged layer:

- each active **field correction** sets its field (re-validated here by the same normalisers as
  the harvest: :func:`normalise_value`); a position sets ``latitude``/``longitude``, the point and
  ``geocode_precision = "équipe"``;
- each **closure** removes its venue (the removed rows are returned, to be recorded as closed);
- each **addition** (a venue no source knows, id ``equipe:<slug>``) is appended;
- every corrected venue gets a provenance entry of the team (``harvester`` ``corrections``,
  ``source_kind`` ``correction``) and a ``corrections`` column, a JSON list of ``{field, value,
  by, at}``, so that the API and every export carry them (``by`` is « Équipe du territoire »:
  open data name the team, not an organiser's account, which ``corrections.sqlite`` and the
  action log keep for organisers);
- a **conflict** is a corrected field whose harvested value differs from the one recorded when
  the correction was made (the source changed it since) and from the correction itself: the
  correction still applies, and the conflict is returned for ``/qualite``.

``geocode_precision = "équipe"``: the rest of the product tells approximate points by the value
``commune`` alone (result cards, directions, the gap analysis, the merge); any other value is a
precise point. ``équipe`` is one, and says who placed it (:data:`inclusion_map.locate.PRECISE`).

No Flask here: the harvest pipeline calls :func:`apply_corrections` too.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import shapely

from . import schema, vocab
from .geo.crs import STORED, fix_coordinates
from .hours import validate_opening_hours
from .phones import normalise_phone

TEAM = "Équipe du territoire"
HARVESTER = "corrections"
KIND = "correction"  # provenance ``source_kind`` of a corrected venue
ADDED_KIND = "addition"  # provenance ``source_kind`` of a venue added by the team
PRECISION = "équipe"
POSITION = "position"  # the pseudo-field of a corrected point: ``"lat,lon"``
COLUMN = "corrections"
ADDED_PREFIX = "equipe:"
HARVESTED_LAYER = "venues_harvested"  # the merged layer before corrections
CONFLICTS_TABLE = "correction_conflicts"
MAX_LENGTH = 5000
_PARIS = ZoneInfo("Europe/Paris")

#: Every field an organiser may correct, with how its value is checked.
FIELD_KINDS: dict[str, str] = {
    "nom": "required", "pivot": "pivot", "structure_parente": "text", "typologie": "typologie",
    "adresse": "required", "complement_adresse": "text", "code_postal": "postcode", "commune": "required",
    "code_insee": "insee", POSITION: "position",
    "telephone": "phone", "courriels": "emails", "site_web": "urls", "prise_rdv": "url",
    "fiche_acces_libre": "url", "horaires": "hours",
    "services": "vocab", "modalites_accompagnement": "vocab", "modalites_acces": "vocab",
    "publics_specifiquement_adresses": "vocab", "prise_en_charge_specifique": "vocab",
    "frais_a_charge": "vocab",
    "dispositif_programmes_nationaux": "vocab", "formations_labels": "vocab", "itinerance": "vocab",
    "autres_formations_labels": "text", "presentation_resume": "resume", "presentation_detail": "text",
}  # fmt: skip

#: How pages name each field (French, English).
LABELS: dict[str, tuple[str, str]] = {
    "nom": ("Nom", "Name"), "pivot": ("SIRET", "SIRET"),
    "structure_parente": ("Structure parente", "Parent body"),
    "typologie": ("Typologie (codes)", "Type (codes)"), "adresse": ("Adresse", "Address"),
    "complement_adresse": ("Complément d'adresse", "Address details"),
    "code_postal": ("Code postal", "Postcode"), "commune": ("Commune", "Town"),
    "code_insee": ("Code INSEE", "INSEE code"), POSITION: ("Position", "Position"),
    "telephone": ("Téléphone", "Phone"), "courriels": ("E-mail", "E-mail"),
    "site_web": ("Site web", "Website"),
    "prise_rdv": ("Lien de prise de rendez-vous", "Appointment link"),
    "fiche_acces_libre": ("Fiche Acceslibre", "Acceslibre page"), "horaires": ("Horaires", "Opening hours"),
    "services": ("Services", "Services"),
    "modalites_accompagnement": ("Modalités d'accompagnement", "Kinds of help"),
    "modalites_acces": ("Modalités d'accès", "How to get help"),
    "publics_specifiquement_adresses": ("Publics", "Publics"),
    "prise_en_charge_specifique": ("Prise en charge spécifique", "Specific support"),
    "frais_a_charge": ("Tarif", "Fees"),
    "dispositif_programmes_nationaux": ("Dispositifs nationaux", "National schemes"),
    "formations_labels": ("Formations et labels", "Trainings and labels"),
    "itinerance": ("Itinérance", "Mobility"),
    "autres_formations_labels": ("Autres labels", "Other labels"),
    "presentation_resume": ("Présentation courte", "Short description"),
    "presentation_detail": ("Présentation détaillée", "Full description"),
}  # fmt: skip

_MESSAGES = {
    "required": ("Ce champ est obligatoire.", "This field is required."),
    "too_long": (f"Texte trop long : {MAX_LENGTH} caractères au plus.",
                 f"Text too long: {MAX_LENGTH} characters at most."),
    "resume": (f"Présentation courte trop longue : {schema.RESUME_MAX} caractères au plus.",
               f"Short description too long: {schema.RESUME_MAX} characters at most."),
    "postcode": ("Un code postal a 5 chiffres, par exemple 94400.", "A postcode has 5 digits, e.g. 94400."),
    "insee": ("Un code INSEE de commune a 5 caractères, par exemple 94081.",
              "An INSEE commune code has 5 characters, e.g. 94081."),
    "pivot": ("Un SIRET a 14 chiffres (ou un SIREN 9).", "A SIRET has 14 digits (or a SIREN 9)."),
    "typologie": ("Des codes en majuscules séparés par |, par exemple TIERS_LIEUX|CCAS.",
                  "Upper-case codes separated by |, e.g. TIERS_LIEUX|CCAS."),
    "phone": ("Numéro de téléphone non valable : un seul numéro, par exemple 01 45 67 89 10.",
              "Not a valid phone number: one number, e.g. 01 45 67 89 10."),
    "emails": ("Adresse e-mail non valable : « {value} ».", "Not a valid e-mail address: “{value}”."),
    "urls": ("Adresse web non valable : « {value} ».", "Not a valid web address: “{value}”."),
    "url": ("Adresse web non valable : « {value} » (une seule adresse).",
            "Not a valid web address: “{value}” (one address)."),
    "hours": ("Horaires non valables au format OSM opening_hours (par exemple "
              "Mo-Fr 09:00-12:00,14:00-17:00).",
              "Not valid OSM opening_hours (e.g. Mo-Fr 09:00-12:00,14:00-17:00)."),
    "vocab": ("Valeur inconnue du standard : « {value} ».", "Not a value of the standard: “{value}”."),
    "position": ("Position non valable : latitude et longitude en degrés décimaux (WGS84), en France.",
                 "Not a valid position: latitude and longitude in decimal degrees (WGS84), in France."),
}  # fmt: skip


class InvalidValue(ValueError):
    """A value an organiser typed that the standard does not accept.

    Attributes
    ----------
    field : str
        The field (see :data:`FIELD_KINDS`).
    kind : str
        What is wrong (a key of the messages).
    value : str
        The part of the value at fault, when it helps to name it.
    """

    def __init__(self, field: str, kind: str, value: str = ""):
        super().__init__(f"{field}: {_MESSAGES[kind][1].format(value=value)}")
        self.field, self.kind, self.value = field, kind, value

    def message(self, lang: str = "fr") -> str:
        """The problem in plain words, in ``lang`` (``fr`` or ``en``)."""
        return _MESSAGES[self.kind][lang == "en"].format(value=self.value[:200])


@dataclass(frozen=True)
class Correction:
    """One field of one venue as the team set it.

    ``value`` is the field's new value as text (``None``: emptied; a position is ``"lat,lon"``);
    ``harvested`` the harvested value it replaced when it was made (to tell when the source
    changes it since); ``at`` an ISO 8601 time (UTC).
    """

    id: int
    venue_id: str
    field: str
    value: str | None
    harvested: str | None
    who: str
    at: str
    note: str = ""
    status: str = "active"  # active | superseded | withdrawn
    report_id: int | None = None


@dataclass(frozen=True)
class Closure:
    """A venue the team marked closed, with why."""

    id: int
    venue_id: str
    who: str
    at: str
    reason: str
    status: str = "active"  # active | withdrawn


@dataclass(frozen=True)
class Addition:
    """A venue no source knows (a permanence in a town hall…): a full record of the standard."""

    id: str
    record: dict
    who: str
    at: str
    note: str = ""
    status: str = "active"  # active | withdrawn


@dataclass
class Corrections:
    """Everything the team decided, as :mod:`inclusion_map.corrections_store` holds it."""

    fields: list[Correction] = field(default_factory=list)
    closures: list[Closure] = field(default_factory=list)
    additions: list[Addition] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.closures or self.additions)


@dataclass(frozen=True)
class Conflict:
    """A corrected field whose source changed its value since the correction was made."""

    venue_id: str
    field: str
    corrected: str | None  # what the team set (and what is shown)
    recorded: str | None  # the harvested value when the correction was made
    harvested: str | None  # the harvested value now
    correction_id: int
    at: str


class Applied(NamedTuple):
    """What :func:`apply_corrections` returns.

    ``venues``: the layer with corrections, closures and additions applied; ``conflicts``; ``closed``:
    the rows removed by a closure (with ``closed_at``, ``closed_by``, ``closed_reason``);
    ``unmatched``: ``(what, number, venue id)`` of corrections and closures whose venue is not in
    the layer (gone from every source), or whose value no longer passes the checks.
    """

    venues: gpd.GeoDataFrame
    conflicts: list[Conflict]
    closed: gpd.GeoDataFrame
    unmatched: list[tuple[str, str, str]]


# --- values --------------------------------------------------------------------------------------

def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or \
        (isinstance(value, str) and not value.strip())  # fmt: skip


def position_text(lat: float, lon: float) -> str:
    """A point as corrections hold it: ``"lat,lon"`` in WGS84 degrees, 7 decimals (about 1 cm)."""
    return f"{float(lat):.7f},{float(lon):.7f}"


def parse_position(value: str) -> tuple[float, float]:
    """``"lat,lon"`` → ``(lat, lon)``; raises :class:`InvalidValue` unless it is a point in France."""
    parts = [p for p in re.split(r"[\s,;]+", (value or "").strip()) if p]
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise InvalidValue(POSITION, "position") from None
    lat, lon, problem = fix_coordinates(lat, lon)
    if lat is None or lon is None or (problem and problem[2] != "fixed"):
        raise InvalidValue(POSITION, "position")
    return lat, lon


def normalise_value(name: str, value: Any) -> str | None:
    """Check and tidy one value typed by an organiser, as the harvest does (:mod:`inclusion_map.schema`).

    Parameters
    ----------
    name : str
        A field of :data:`FIELD_KINDS` (``position`` for ``"lat,lon"``).
    value : str or None
        As typed; multi-valued fields with ``|`` (or ``;``) between values.

    Returns
    -------
    str or None
        The value as the standard writes it (multi-valued fields joined with ``|`` in the
        standard's order), ``None`` for an empty optional field.

    Raises
    ------
    InvalidValue
        When the value is not acceptable; its :meth:`InvalidValue.message` says why.
    """
    kind = FIELD_KINDS.get(name)
    if kind is None:
        raise KeyError(f"'{name}' is not a field organisers may correct")
    text = None if _missing(value) else str(value).replace("\r\n", "\n").strip()
    if kind == "pivot" and (text is None or set(re.sub(r"[\s.-]", "", text)) == {"0"}):
        return schema.PIVOT_PLACEHOLDER  # the standard's « unknown SIRET »: the field is required
    if text is None:
        if kind == "required":
            raise InvalidValue(name, "required")
        return None
    if len(text) > MAX_LENGTH:
        raise InvalidValue(name, "too_long")
    if kind in ("required", "text"):
        return schema.clean_text(text) if name != "presentation_detail" else text
    if kind == "resume":
        if len(schema.clean_text(text) or "") > schema.RESUME_MAX:
            raise InvalidValue(name, "resume")
        return schema.clean_text(text)
    if kind == "position":
        return position_text(*parse_position(text))
    if kind == "phone":
        parts = schema.split_values(text)
        phone = normalise_phone(parts[0]) if len(parts) == 1 else None
        if phone is None:
            raise InvalidValue(name, "phone")
        return phone
    if kind == "emails":
        parts = [p for p in re.split(r"[|;,\s]+", text) if p]
        for part in parts:
            if not re.fullmatch(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", part):
                raise InvalidValue(name, "emails", part)
        return "|".join(dict.fromkeys(p.lower() for p in parts))
    if kind == "vocab":
        allowed = vocab.FOLDED_VOCABULARIES[name]
        found = []
        for part in schema.split_values(text):
            if vocab.fold(part) not in allowed:
                raise InvalidValue(name, "vocab", part)
            found.append(allowed[vocab.fold(part)])
        order = vocab.VOCABULARIES[name]
        return "|".join(sorted(set(found), key=order.index)) or None
    if kind == "typologie":
        codes = [t.upper() for t in schema.split_values(text)]
        if not all(re.fullmatch(r"[A-Z0-9_]+", c) for c in codes):
            raise InvalidValue(name, "typologie")
        return "|".join(dict.fromkeys(codes)) or None
    if kind == "hours":
        fixed = validate_opening_hours(text)
        if fixed is None:
            raise InvalidValue(name, "hours")
        return fixed
    # The rest goes through the harvest's own normaliser: one rule for both.
    record, issues = schema.normalise({"source_id": "correction", name: text})
    if issues:
        raise InvalidValue(name, kind, issues[0].value or text)
    result = record.get(name)
    if kind == "pivot" and result == schema.PIVOT_PLACEHOLDER:
        raise InvalidValue(name, "pivot")
    if kind == "url" and len(schema.split_values(text.replace(" ", "|"))) > 1:
        raise InvalidValue(name, "url", text)
    if result is None:
        raise InvalidValue(name, kind if kind in ("postcode", "insee", "pivot") else "urls", text)
    return result


def field_text(record: Mapping[str, Any], name: str) -> str | None:
    """The value of a field of a venue as corrections compare it (``None`` when empty).

    ``position`` reads ``latitude`` and ``longitude``.
    """
    if name == POSITION:
        lat, lon = record.get("latitude"), record.get("longitude")
        return None if _missing(lat) or _missing(lon) else position_text(lat, lon)
    value = record.get(name)
    return None if _missing(value) else str(value)


def label(name: str, lang: str = "fr") -> str:
    """How pages name a field."""
    return LABELS.get(name, (name, name))[lang == "en"]


def entries(record: Mapping[str, Any]) -> list[dict]:
    """The ``corrections`` column of a venue as a list of ``{field, value, by, at}``."""
    raw = record.get(COLUMN)
    if not isinstance(raw, str) or not raw.startswith("["):
        return []
    try:
        found = json.loads(raw)
    except ValueError:
        return []
    return [e for e in found if isinstance(e, dict)]


def now() -> str:
    """The time a correction is made: ISO 8601, UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def local_date(at: str) -> str:
    """The French calendar date (``YYYY-MM-DD``) of an ISO time, as pages and ``date_maj`` give it."""
    try:
        moment = datetime.fromisoformat(str(at))
    except ValueError:
        return str(at)[:10]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_PARIS).date().isoformat()


# --- applying ------------------------------------------------------------------------------------

def _identity(venue_id: str) -> str | None:
    return venue_id


def _provenance(value) -> list:
    if not isinstance(value, str) or not value.startswith("["):
        return []
    try:
        found = json.loads(value)
    except ValueError:
        return []
    return [e for e in found if isinstance(e, dict)]


def team_entry(numbers: list, at: str, kind: str = KIND) -> dict:
    """The team's provenance entry; ``source_id`` names the corrections applied, so that the
    entry changes whenever they do (pages keep a venue's display parts per provenance)."""
    return {"harvester": HARVESTER, "source_id": "|".join(str(n) for n in numbers), "source": TEAM,
            "upstream": None, "source_kind": kind, "source_vintage": None, "date_maj": local_date(at),
            "harvested_at": at}  # fmt: skip


def strip_corrections(venues: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A layer without what :func:`apply_corrections` added: the team's provenance entries, the
    ``corrections`` column and the added venues (their fields' corrected values cannot be undone:
    keep the layer from before, :data:`HARVESTED_LAYER`, when there is one)."""
    frame = venues.copy()
    if "id" in frame.columns:
        frame = frame[~frame["id"].astype(str).str.startswith(ADDED_PREFIX)]
    if "provenance" in frame.columns:
        frame["provenance"] = [
            json.dumps([e for e in _provenance(p) if e.get("harvester") != HARVESTER], ensure_ascii=False)
            if isinstance(p, str) and p.startswith("[") else p for p in frame["provenance"]
        ]  # fmt: skip
    return frame.drop(columns=[COLUMN], errors="ignore").reset_index(drop=True)


def _addition_rows(additions: list[Addition], columns: list[str], known: set[str]) -> list[dict]:
    rows = []
    for addition in additions:
        if addition.status != "active" or addition.id in known:
            continue
        row = {c: None for c in columns}
        row.update({k: v for k, v in addition.record.items() if k in (*schema.FIELDS, "geocode_precision")})
        entry = team_entry([addition.id], addition.at, ADDED_KIND)
        row.update(id=addition.id, source=TEAM, harvester=HARVESTER, source_id=addition.id, sources=HARVESTER,
                   source_ids=addition.id, source_kind=ADDED_KIND,
                   date_maj=row.get("date_maj") or local_date(addition.at),
                   provenance=json.dumps([entry], ensure_ascii=False))  # fmt: skip
        row["geocode_precision"] = row.get("geocode_precision") or PRECISION
        rows.append(row)
        known.add(addition.id)
    return rows


def apply_corrections(venues: gpd.GeoDataFrame, corrections: Corrections,
                      resolve: Callable[[str], str | None] | None = None) -> Applied:  # fmt: skip
    """Lay the team's corrections, closures and additions over a merged venues layer.

    Pure: nothing is read or written, ``venues`` is not modified.

    Parameters
    ----------
    venues : GeoDataFrame
        The merged venues (EPSG:4326, the standard's columns plus provenance), with their stable
        ids; without the team's additions (an added venue already there is left as it is).
    corrections : Corrections
        What the store holds (:func:`inclusion_map.corrections_store.load_corrections`); only
        ``active`` entries are applied.
    resolve : callable, optional
        ``old_id → current_id or None`` from the stable-id registry: a correction made on a venue
        that merged into another since follows it. An id present in ``venues`` is used as it is.
        Default: identity.

    Returns
    -------
    Applied
        ``(venues, conflicts, closed, unmatched)``.
    """
    resolve = resolve or _identity
    frame = gpd.GeoDataFrame(venues.copy(), geometry=venues.geometry.name, crs=venues.crs or STORED)
    frame = frame.reset_index(drop=True)
    for column in (COLUMN, "provenance", "geocode_precision"):
        if column not in frame.columns:
            frame[column] = None
        frame[column] = frame[column].astype(object)
    if "geocode_score" not in frame.columns:
        frame["geocode_score"] = float("nan")
    known = set(frame["id"].astype(str))
    columns = [c for c in frame.columns if c != frame.geometry.name]
    added = _addition_rows(corrections.additions, columns, known)
    if added:
        extra = pd.DataFrame(added).astype(object)
        extra[frame.geometry.name] = gpd.points_from_xy([r.get("longitude") for r in added],
                                                        [r.get("latitude") for r in added], crs=frame.crs)
        numbers = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        frame = gpd.GeoDataFrame(pd.concat([frame, extra], ignore_index=True), geometry=frame.geometry.name,
                                 crs=frame.crs)  # fmt: skip
        for column in numbers:  # the added rows' values came as objects: numbers stay numbers
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    position: dict[str, int] = {}
    for i, venue_id in enumerate(frame["id"].astype(str)):
        position.setdefault(venue_id, i)

    def target(venue_id: str) -> str | None:
        if venue_id in position:
            return venue_id
        current = resolve(venue_id)
        return current if current in position else None

    unmatched: list[tuple[str, str, str]] = []
    latest: dict[tuple[str, str], Correction] = {}
    for c in sorted((c for c in corrections.fields if c.status == "active"), key=lambda c: (c.at, c.id)):
        where = target(c.venue_id)
        if where is None or c.field not in FIELD_KINDS:
            unmatched.append(("correction", str(c.id), c.venue_id))
        else:
            latest[(where, c.field)] = c  # the newest correction of a field wins

    conflicts: list[Conflict] = []
    applied: dict[str, list[Correction]] = {}
    geometry = frame.geometry.name
    for (venue_id, name), c in latest.items():
        i = position[venue_id]
        try:
            value = normalise_value(name, c.value)
        except InvalidValue:  # the rules tightened since it was saved: reported, not applied
            unmatched.append(("correction", str(c.id), c.venue_id))
            continue
        before = field_text(frame.iloc[i], name)
        if before != c.harvested and before != value:
            conflicts.append(Conflict(venue_id, name, value, c.harvested, before, c.id, c.at))
        if name == POSITION:
            lat, lon = parse_position(value)
            frame.at[i, "latitude"], frame.at[i, "longitude"] = lat, lon
            frame.at[i, geometry] = shapely.Point(lon, lat)
            frame.at[i, "geocode_precision"], frame.at[i, "geocode_score"] = PRECISION, float("nan")
        else:
            if name not in frame.columns:
                frame[name] = None
            frame[name] = frame[name].astype(object)
            frame.at[i, name] = value
        applied.setdefault(venue_id, []).append(c)

    for venue_id, done in applied.items():
        i = position[venue_id]
        done.sort(key=lambda c: (c.at, c.id))
        shown = [{"field": c.field, "value": normalise_value(c.field, c.value), "by": TEAM, "at": c.at}
                 for c in done]  # fmt: skip
        frame.at[i, COLUMN] = json.dumps(shown, ensure_ascii=False)
        history = [e for e in _provenance(frame.at[i, "provenance"]) if e.get("harvester") != HARVESTER]
        history.append(team_entry([c.id for c in done], done[-1].at))
        frame.at[i, "provenance"] = json.dumps(history, ensure_ascii=False)

    closing: dict[str, Closure] = {}
    active_closures = [c for c in corrections.closures if c.status == "active"]
    for closure in sorted(active_closures, key=lambda c: (c.at, c.id)):
        where = target(closure.venue_id)
        if where is None:
            unmatched.append(("closure", str(closure.id), closure.venue_id))
        else:
            closing[where] = closure
    gone = frame["id"].astype(str).isin(closing)
    closed = frame[gone].copy()
    closed["closed_at"] = [closing[str(v)].at for v in closed["id"]]
    closed["closed_by"] = [closing[str(v)].who for v in closed["id"]]
    closed["closed_reason"] = [closing[str(v)].reason for v in closed["id"]]
    return Applied(frame[~gone].reset_index(drop=True), conflicts, closed.reset_index(drop=True), unmatched)


def conflicts_frame(conflicts: list[Conflict]) -> pd.DataFrame:
    """The conflicts as the store's table :data:`CONFLICTS_TABLE` holds them (one row each)."""
    columns = ["venue_id", "field", "corrected", "recorded", "harvested", "correction_id", "at"]
    return pd.DataFrame([[c.venue_id, c.field, c.corrected, c.recorded, c.harvested, c.correction_id, c.at]
                         for c in conflicts], columns=columns).astype(object)  # fmt: skip
