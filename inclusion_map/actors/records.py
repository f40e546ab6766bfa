"""One actor: its columns, the checks of a typed or imported row, its stable id and its changes.

A record is a plain ``dict`` with every column of :data:`ACTOR_COLUMNS`: ``None`` when empty,
``services``, ``langues`` and ``reseaux`` joined with ``|``, ``extra`` a JSON object (text) of the
kind's extra fields, coordinates as WGS84 (EPSG:4326) degrees. The ``contact_*`` columns are for
organisers only and never published.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from typing import Any

from ..config import Settings
from ..geo.crs import fix_coordinates
from ..hours import validate_opening_hours
from ..phones import normalise_phone
from ..schema import clean_text, split_values
from ..urls import is_web_address
from ..vocab import fold
from .kinds import ActorKind, kinds

ACTOR_COLUMNS = ["id", "kind", "nom", "adresse", "code_postal", "commune", "code_insee", "latitude", "longitude",
                 "geocode_precision", "telephone", "courriel", "site_web", "horaires", "services", "langues",
                 "reseaux", "description", "contact_nom", "contact_courriel", "contact_telephone", "extra",
                 "source", "updated_by", "updated_at"]  # fmt: skip
#: organisers only: never written to the published layer nor to any public answer
PRIVATE_COLUMNS = ("contact_nom", "contact_courriel", "contact_telephone")
#: columns holding several values joined with ``|``
LIST_COLUMNS = ("services", "langues", "reseaux")
#: columns an organiser or a file sets; the others are set by the store (id, who, when) or the import
EDITABLE_COLUMNS = tuple(c for c in ACTOR_COLUMNS if c not in ("id", "updated_by", "updated_at", "source"))
ID_PREFIX = "acteur:"
EXTRA_PREFIX = "extra_"
HOURS_EXAMPLE = "Mo-Fr 09:00-12:00"
MAX_TEXT = {"nom": 200, "description": 2000, "adresse": 300, "commune": 100, "contact_nom": 200}

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_POSTCODE = re.compile(r"\d{5}")
_INSEE = re.compile(r"(?:[013-9]\d|2[AB1-9])\d{3}")


@dataclass(frozen=True)
class Problem:
    """What is wrong with one value of a row, said in French and English.

    Attributes
    ----------
    field : str
        The column (``nom``, ``horaires``, ``extra_niveau``…), or ``""`` for the whole row.
    fr, en : str
        The message, specific enough to fix the row (« nom manquant »).
    """

    field: str
    fr: str
    en: str

    def message(self, lang: str = "fr") -> str:
        """The message in ``lang`` (``fr`` or ``en``)."""
        return self.en if lang == "en" else self.fr

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Problem:
        return cls(str(data.get("field", "")), str(data.get("fr", "")), str(data.get("en", "")))


def empty_record() -> dict:
    """A record with every column and no value."""
    return dict.fromkeys(ACTOR_COLUMNS)


def _text(value: Any, limit: int | None = None) -> str | None:
    text = clean_text(value)
    return text[:limit] if text and limit else text


def _kind_of(value: Any, all_kinds: dict[str, ActorKind]) -> ActorKind | None:
    wanted = fold(value)
    for kind in all_kinds.values():
        if wanted in (fold(kind.slug), fold(kind.config.title_fr), fold(kind.config.title_en)):
            return kind
    return None


def _email(value: Any, column: str, problems: list[Problem]) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if _EMAIL.fullmatch(text):
        return text
    problems.append(Problem(column, f"courriel « {text} » invalide (ex. accueil@mairie.fr)",
                            f"e-mail address “{text}” is not valid (e.g. accueil@mairie.fr)"))  # fmt: skip
    return None


def _phone(value: Any, column: str, problems: list[Problem]) -> str | None:
    text = _text(value)
    if text is None:
        return None
    e164 = normalise_phone(text)
    if e164 is None:
        problems.append(Problem(column, f"téléphone « {text} » invalide (ex. 01 23 45 67 89)",
                                f"phone number “{text}” is not a valid French number (e.g. 01 23 45 67 89)"))  # fmt: skip
    return e164


def _website(value: Any, problems: list[Problem]) -> str | None:
    text = _text(value)
    if text is None:
        return None
    url = text if re.match(r"https?://", text, re.I) else "https://" + text.removeprefix("//")
    if is_web_address(url):
        return url
    problems.append(Problem("site_web", f"adresse web « {text} » invalide (ex. https://www.exemple.fr)",
                            f"web address “{text}” is not valid (e.g. https://www.exemple.fr)"))  # fmt: skip
    return None


def _hours(value: Any, problems: list[Problem]) -> str | None:
    text = _text(value)
    if text is None:
        return None
    osm = validate_opening_hours(text)
    if osm is None:
        problems.append(Problem("horaires",
                                f"horaires « {text} » illisibles (format OpenStreetMap, ex. {HOURS_EXAMPLE})",
                                f"opening hours “{text}” cannot be read (OpenStreetMap format, e.g. {HOURS_EXAMPLE})"))  # fmt: skip
    return osm


def _coordinates(raw: dict, problems: list[Problem]) -> tuple[float | None, float | None]:
    lat_value, lon_value = raw.get("latitude"), raw.get("longitude")
    blank = [v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""
             for v in (lat_value, lon_value)]  # fmt: skip
    if all(blank):
        return None, None
    if any(blank):
        problems.append(Problem("latitude", "latitude et longitude vont ensemble : donner les deux ou aucune",
                                "latitude and longitude go together: give both or neither"))  # fmt: skip
        return None, None
    lat, lon, issue = fix_coordinates(lat_value, lon_value)
    if lat is None:
        problems.append(Problem("latitude", f"coordonnées « {lat_value}, {lon_value} » hors de France ou illisibles "
                                "(degrés WGS84, ex. 48.79, 2.39)",
                                f"coordinates “{lat_value}, {lon_value}” are outside France or unreadable "
                                "(WGS84 degrees, e.g. 48.79, 2.39)"))  # fmt: skip
    return lat, lon


def _services(raw: dict, kind: ActorKind, problems: list[Problem]) -> str | None:
    slugs = []
    for value in split_values(raw.get("services")):
        slug = kind.service(value)
        if slug is None:
            known = ", ".join(kind.config.services) or "aucun"
            problems.append(Problem("services",
                                    f"service « {value} » inconnu pour « {kind.title('fr')} » : {known}",
                                    f"service “{value}” is unknown for “{kind.title('en')}”: {known}"))  # fmt: skip
        elif slug not in slugs:
            slugs.append(slug)
    return "|".join(slugs) or None


def _networks(raw: dict, settings: Settings) -> str | None:
    out = []
    for value in split_values(raw.get("reseaux")):
        slug = next((s for s, label in settings.actors.networks.items()
                     if fold(value) in (fold(s), fold(label.fr), fold(label.en))), value)  # fmt: skip
        if slug not in out:
            out.append(slug)  # a network the configuration does not know is kept as written
    return "|".join(out) or None


def _extra_input(raw: dict, problems: list[Problem]) -> dict[str, Any]:
    """The extra values of a row: its ``extra`` object (dict or JSON text), then its ``extra_<name>``
    columns, which win."""
    given = raw.get("extra")
    values: dict[str, Any] = {}
    if isinstance(given, dict):
        values.update(given)
    elif isinstance(given, str) and given.strip():
        try:
            parsed = json.loads(given)
            if not isinstance(parsed, dict):
                raise ValueError
            values.update(parsed)
        except ValueError:
            problems.append(Problem("extra", "champ « extra » illisible : un objet JSON est attendu",
                                    "column “extra” cannot be read: a JSON object is expected"))  # fmt: skip
    for column, value in raw.items():
        if isinstance(column, str) and column.startswith(EXTRA_PREFIX) and column != "extra":
            values[column.removeprefix(EXTRA_PREFIX)] = value
    return {k: v for k, v in values.items() if split_values(v)}


def _extra(raw: dict, kind: ActorKind, problems: list[Problem]) -> str | None:
    out: dict[str, Any] = {}
    for name, value in _extra_input(raw, problems).items():
        spec = kind.field(name)
        column = f"{EXTRA_PREFIX}{name}"
        if spec is None:
            known = ", ".join(f.name for f in kind.fields) or "aucun"
            problems.append(Problem(column, f"le champ « {name} » ne s'applique pas au type « {kind.title('fr')} » "
                                    f"(champs : {known})",
                                    f"field “{name}” does not apply to kind “{kind.title('en')}” (fields: {known})"))  # fmt: skip
            continue
        items = split_values(value) if spec.multiple or spec.choices else [_text(value, 500)]
        if spec.choices:
            chosen = []
            for item in items:
                match = next((c for c in spec.choices if fold(c) == fold(item)), None)
                if match is None:
                    problems.append(Problem(column, f"{spec.label_fr.lower()} « {item} » inconnu : "
                                            f"{', '.join(spec.choices)}",
                                            f"{spec.label_en.lower()} “{item}” is unknown: {', '.join(spec.choices)}"))  # fmt: skip
                elif match not in chosen:
                    chosen.append(match)
            items = sorted(chosen, key=spec.choices.index)
        if not spec.multiple and len(items) > 1:
            problems.append(Problem(column, f"{spec.label_fr.lower()} : une seule valeur attendue",
                                    f"{spec.label_en.lower()}: one value expected"))  # fmt: skip
            continue
        if items:
            out[name] = items if spec.multiple else items[0]
    return json.dumps(out, ensure_ascii=False, sort_keys=True) if out else None


def extra_values(record: dict) -> dict[str, Any]:
    """The ``extra`` column of a record as a dict (``{}`` when empty or unreadable)."""
    value = record.get("extra")
    if isinstance(value, dict):
        return dict(value)
    try:
        parsed = json.loads(value) if isinstance(value, str) and value else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def validate(raw: dict, settings: Settings) -> tuple[dict | None, list[Problem]]:
    """Check and tidy one actor typed in a form or read from a file.

    Parameters
    ----------
    raw : dict
        Values by column name (:data:`ACTOR_COLUMNS`; the kind's extra fields as ``extra_<name>``
        columns or an ``extra`` object). Strings, numbers, lists or ``None``.
    settings : Settings
        Its ``actors`` block gives the kinds, their services and fields, and the networks.

    Returns
    -------
    record : dict or None
        Every column of :data:`ACTOR_COLUMNS`, tidied (phones ``+33…``, hours as OSM
        ``opening_hours``, services as the kind's slugs); ``None`` when a problem was found. The
        point is not placed here (see :func:`inclusion_map.actors.placing.place`); ``updated_by``
        and ``updated_at`` are left for the store.
    problems : list of Problem
        Every problem of the row, in French and English.
    """
    problems: list[Problem] = []
    all_kinds = kinds(settings)
    known = ", ".join(all_kinds)
    rec = empty_record()
    kind_text = _text(raw.get("kind"))
    kind = _kind_of(kind_text, all_kinds) if kind_text else None
    if kind_text is None:
        problems.append(Problem("kind", f"type manquant : {known}", f"kind missing: {known}"))
    elif kind is None:
        problems.append(Problem("kind", f"type « {kind_text} » inconnu : {known}",
                                f"unknown kind “{kind_text}”: {known}"))  # fmt: skip
    rec["id"] = _text(raw.get("id"))
    rec["kind"] = kind.slug if kind else None
    for column, limit in MAX_TEXT.items():
        rec[column] = _text(raw.get(column), limit)
    if rec["nom"] is None:
        problems.append(Problem("nom", "nom manquant", "name missing"))
    postcode = _text(raw.get("code_postal"))
    if postcode is not None and re.fullmatch(r"\d{4}", postcode):
        postcode = "0" + postcode  # a spreadsheet read 01000 as a number
    if postcode is not None and not _POSTCODE.fullmatch(postcode):
        problems.append(Problem("code_postal", f"code postal « {postcode} » invalide (5 chiffres)",
                                f"postcode “{postcode}” is not valid (5 digits)"))  # fmt: skip
    rec["code_postal"] = postcode
    insee = _text(raw.get("code_insee"))
    if insee is not None and not _INSEE.fullmatch(insee.upper()):
        problems.append(Problem("code_insee", f"code INSEE « {insee} » invalide (5 caractères, ex. 94081)",
                                f"INSEE code “{insee}” is not valid (5 characters, e.g. 94081)"))  # fmt: skip
    rec["code_insee"] = insee.upper() if insee else None
    rec["latitude"], rec["longitude"] = _coordinates(raw, problems)
    rec["telephone"] = _phone(raw.get("telephone"), "telephone", problems)
    rec["courriel"] = _email(raw.get("courriel"), "courriel", problems)
    rec["site_web"] = _website(raw.get("site_web"), problems)
    rec["horaires"] = _hours(raw.get("horaires"), problems)
    rec["langues"] = "|".join(dict.fromkeys(split_values(raw.get("langues")))) or None
    rec["reseaux"] = _networks(raw, settings)
    rec["contact_courriel"] = _email(raw.get("contact_courriel"), "contact_courriel", problems)
    rec["contact_telephone"] = _phone(raw.get("contact_telephone"), "contact_telephone", problems)
    if kind is not None:
        rec["services"] = _services(raw, kind, problems)
        rec["extra"] = _extra(raw, kind, problems)
    rec["source"] = _text(raw.get("source"), 200)
    return (None if problems else rec), problems


def slug(text: str, limit: int = 60) -> str:
    """Lower-case ASCII words joined by ``-`` (``Maison de justice, Ivry`` → ``maison-de-justice-ivry``)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:limit].strip("-")


def actor_id(kind: str, nom: str, commune: str | None, taken: set[str] | frozenset[str]) -> str:
    """The stable id of a new actor: ``acteur:<kind>:<slug of name and commune>``.

    Parameters
    ----------
    kind, nom, commune : str
        The actor's kind slug, name and commune (``None`` when unknown).
    taken : set of str
        Ids already used (removed actors' included: an id is never given twice).

    Returns
    -------
    str
        With ``-2``, ``-3``… appended when the plain id is taken.
    """
    words = slug(f"{nom} {commune or ''}") or "sans-nom"
    base = f"{ID_PREFIX}{kind}:{words}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return round(a, 7) == round(b, 7)
    return a == b


def changes(old: dict, new: dict) -> dict[str, tuple[Any, Any]]:
    """The columns an organiser or a file changed: ``{column: (old value, new value)}``.

    Only :data:`EDITABLE_COLUMNS` are compared (not the id, who, when, nor the source); coordinates
    are compared to 7 decimals (about 1 cm).
    """
    out = {}
    for column in EDITABLE_COLUMNS:
        before, after = old.get(column), new.get(column)
        if not _same(before, after):
            out[column] = (before, after)
    return out


def duplicate_key(record: dict) -> tuple[str, str, str]:
    """What makes two actors the same one: kind, folded name and folded commune."""
    return (str(record.get("kind") or ""), fold(record.get("nom")), fold(record.get("commune")))
