"""Importing actors from a CSV or GeoJSON file: reading it, a preview of what each row would do,
and the CSV template.

Nothing is written here: :meth:`~inclusion_map.actors.store.ActorStore.apply` writes a preview,
in one transaction, once the organiser has confirmed it.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from dataclasses import dataclass, field

from ..config import Settings
from ..errors import BadRequest, GeocoderUnavailable
from ..geocode import Geocoder
from ..vocab import fold
from .placing import COMMUNE, address_of, find_commune, place
from .preview import Preview, PreviewRow
from .records import ACTOR_COLUMNS, EXTRA_PREFIX, Problem, changes, duplicate_key, validate
from .store import ActorStore

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
#: the columns of the template, in its order (then each kind's extra fields as ``extra_<name>``)
IMPORT_COLUMNS = [c for c in ACTOR_COLUMNS if c not in ("geocode_precision", "extra", "source", "updated_by",
                                                          "updated_at")]  # fmt: skip


class UploadError(BadRequest, ValueError):
    """The uploaded file cannot be read as a whole (format, size, encoding): nothing is imported."""


@dataclass
class Row:
    """One row of an upload: its place in the file and its values by column name.

    Attributes
    ----------
    line : int
        The CSV line (the header is line 1) or the GeoJSON feature number (from 1).
    values : dict
        Column → value as read (text in a CSV; a GeoJSON point gives ``latitude`` and
        ``longitude`` when its properties do not).
    problems : list of Problem
        What reading found wrong with the row itself (a feature that is not a point).
    """

    line: int
    values: dict
    problems: list[Problem] = field(default_factory=list)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # what spreadsheets on Windows save


def _known_columns(names) -> set[str]:
    return {n for n in names if n in ACTOR_COLUMNS or n.startswith(EXTRA_PREFIX)}


def _read_csv(text: str) -> list[Row]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lstrip("\ufeff").lower() for h in next(reader)]
    except StopIteration:
        raise UploadError("the file is empty", hint="python run.py actors template > modele.csv") from None
    except csv.Error as exc:
        raise UploadError(f"the CSV file cannot be read: {exc}") from None
    if not {"kind", "nom"} <= _known_columns(header):
        raise UploadError("the file is neither a CSV with the template's columns (kind, nom, …) nor a GeoJSON "
                          "FeatureCollection", hint="python run.py actors template > modele.csv")  # fmt: skip
    rows = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise UploadError(
                    f"the file has more than {MAX_ROWS:,} rows", hint="split it into smaller files"
                )
            rows.append(Row(reader.line_num, {h: c for h, c in zip(header, cells, strict=False) if h}))
    except csv.Error as exc:
        raise UploadError(f"the CSV file cannot be read at line {reader.line_num}: {exc}") from None
    return rows


def _read_geojson(text: str) -> list[Row]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UploadError(f"the file is not valid JSON: {exc}") from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise UploadError("the JSON file is not a GeoJSON FeatureCollection")
    if len(data["features"]) > MAX_ROWS:
        raise UploadError(f"the file has more than {MAX_ROWS:,} features", hint="split it into smaller files")
    rows = []
    for number, feature in enumerate(data["features"], start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        values = {str(k).lower(): v for k, v in (props or {}).items()} if isinstance(props, dict) else {}
        row = Row(number, values)
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") == "Point":
            coords = geometry.get("coordinates") or []
            if (
                len(coords) >= 2
                and values.get("latitude") in (None, "")
                and values.get("longitude") in (None, "")
            ):
                values["longitude"], values["latitude"] = coords[0], coords[1]
        elif geometry is not None:
            kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
            row.problems.append(Problem("geometry", f"géométrie « {kind} » : un point est attendu",
                                        f"geometry “{kind}”: a point is expected"))  # fmt: skip
        rows.append(row)
    return rows


def read_upload(filename: str, data: bytes) -> list[Row]:
    """Read an uploaded CSV or GeoJSON file of actors.

    Parameters
    ----------
    filename : str
        The file's name; ``.geojson`` or ``.json`` (or a content starting with ``{``) is read as
        GeoJSON, anything else as CSV.
    data : bytes
        The file. CSV: ``;`` or ``,`` (found from the header), UTF-8 with or without BOM, else
        Windows-1252; the header names the columns of :func:`template_csv`. GeoJSON: a
        FeatureCollection of points (WGS84) whose properties use the same names.

    Returns
    -------
    list of Row
        The non-empty rows, each with its line (CSV) or feature (GeoJSON) number.

    Raises
    ------
    UploadError
        (a :class:`~inclusion_map.errors.BadRequest` and a ``ValueError``) when the file is over
        5 MB or 5,000 rows, or neither format; nothing of it is then imported.
    """
    if len(data) > MAX_BYTES:
        raise UploadError(f"the file is {len(data) / 1e6:.1f} MB; at most {MAX_BYTES // (1024 * 1024)} MB",
                          hint="split it into smaller files")  # fmt: skip
    text = _decode(data)
    if not text.strip():
        raise UploadError("the file is empty", hint="python run.py actors template > modele.csv")
    if filename.lower().endswith((".geojson", ".json")) or text.lstrip().startswith(("{", "[")):
        return _read_geojson(text)
    return _read_csv(text)


def _prefetch(records: list[dict], geocoder: Geocoder | None) -> None:
    """Ask the geocoder for every address to place in one batch: :func:`place` then reads them from
    its cache instead of asking one by one."""
    todo = [address_of(r) for r in records if r.get("latitude") is None and r.get("adresse")]
    if geocoder is not None and todo:
        with contextlib.suppress(GeocoderUnavailable):  # place() then falls back to the commune's centre
            geocoder.geocode(todo)


def _keep_point(record: dict, existing: dict) -> bool:
    same_place = all(
        fold(record.get(c)) == fold(existing.get(c)) for c in ("adresse", "code_postal", "commune")
    )
    return record.get("latitude") is None and same_place and existing.get("latitude") is not None


def preview(rows: list[Row], settings: Settings, store: ActorStore, geocoder: Geocoder | None = None,
            filename: str = "") -> Preview:  # fmt: skip
    """What importing ``rows`` would do, row by row; nothing is written.

    Rules: a row whose ``id`` is an existing actor changes it (every editable column is replaced
    by the row's, an empty cell clears it; without coordinates and with the same address the point
    is kept); a row without ``id`` adds an actor. Rejected, with the reasons in French and
    English: an unknown kind, a missing name, bad phone / e-mail / web address / hours / services /
    extra fields, an address that cannot be placed, an unknown ``id``, a duplicate of an existing
    actor (same kind, folded name and commune) « doublon de … (id) », or of an earlier row of the
    file.

    A form typed on a page is a one-row preview: ``preview([Row(1, values)], settings, store)``.

    Parameters
    ----------
    rows : list of Row
        From :func:`read_upload`.
    settings : Settings
    store : ActorStore
        The actors the rows are compared with.
    geocoder : Geocoder, optional
        Default: one made from ``settings`` when ``geocoding.enabled``.
    filename : str
        Recorded as the ``source`` of each actor (« import <filename> »).

    Returns
    -------
    Preview
    """
    if geocoder is None and settings.geocoding.enabled:
        geocoder = Geocoder(settings)
    existing = {a["id"]: a for a in store.all()}
    by_key = {duplicate_key(a): a for a in existing.values()}
    checked = [(row, *validate(row.values, settings)) for row in rows]
    _prefetch([r for _, r, _ in checked if r is not None], geocoder)
    seen_keys: dict[tuple, int] = {}
    seen_ids: dict[str, int] = {}
    out = []
    for row, record, problems in checked:
        problems = [*row.problems, *problems]
        item = PreviewRow(row.line, "reject", record, problems)
        out.append(item)
        if record is None or problems:
            item.action = "reject"
            continue
        record["source"] = f"import {filename}".strip() if filename else "import"
        current = existing.get(record["id"]) if record["id"] else None
        if record["id"] and current is None:
            problems.append(Problem("id", f"id « {record['id']} » inconnu : laisser la colonne id vide pour "
                                    "ajouter un acteur", f"unknown id “{record['id']}”: leave the id column "
                                    "empty to add an actor"))  # fmt: skip
            continue
        key = duplicate_key(record)
        if current is None and key in by_key:
            twin = by_key[key]
            problems.append(Problem("nom", f"doublon de « {twin['nom']} » ({twin['id']})",
                                    f"duplicate of “{twin['nom']}” ({twin['id']})"))  # fmt: skip
            continue
        if current is not None and key in by_key and by_key[key]["id"] != current["id"]:
            twin = by_key[key]
            problems.append(Problem("nom", f"doublon de « {twin['nom']} » ({twin['id']})",
                                    f"duplicate of “{twin['nom']}” ({twin['id']})"))  # fmt: skip
            continue
        if key in seen_keys:
            problems.append(Problem("nom", f"doublon de la ligne {seen_keys[key]} du fichier",
                                    f"duplicate of line {seen_keys[key]} of the file"))  # fmt: skip
            continue
        if current is not None and current["id"] in seen_ids:
            problems.append(Problem("id", f"l'acteur {current['id']} est déjà modifié à la ligne "
                                    f"{seen_ids[current['id']]}", f"actor {current['id']} is already changed "
                                    f"at line {seen_ids[current['id']]}"))  # fmt: skip
            continue
        if current is not None and _keep_point(record, current):
            record.update(latitude=current["latitude"], longitude=current["longitude"],
                          geocode_precision=current.get("geocode_precision"))  # fmt: skip
        else:
            placed = place(record, settings, geocoder)
            if isinstance(placed, Problem):
                problems.append(placed)
                continue
            record["latitude"], record["longitude"], record["geocode_precision"] = placed
            if placed[2] == COMMUNE:
                item.notes.append(Problem("adresse", "placé au centre de la commune (adresse non localisée)",
                                          "placed at the centre of the commune (address not located)"))  # fmt: skip
        if record.get("code_insee") is None and (commune := find_commune(record, settings)) is not None:
            record["code_insee"] = commune.code
        seen_keys[key] = row.line
        if current is None:
            item.action = "add"
            continue
        seen_ids[current["id"]] = row.line
        item.existing_id = current["id"]
        item.changes = changes(current, record)
        item.action = "change" if item.changes else "unchanged"
    return Preview(out, filename)


def template_csv(settings: Settings) -> bytes:
    """The import template: UTF-8 with a BOM (spreadsheets then read the accents), ``;``, the
    header of every importable column (each kind's extra fields as ``extra_<name>``), no data row.
    """
    extras = []
    for kind in settings.actors.kinds.values():
        extras += [f"{EXTRA_PREFIX}{f.name}" for f in kind.fields if f"{EXTRA_PREFIX}{f.name}" not in extras]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow([*IMPORT_COLUMNS, *extras])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
