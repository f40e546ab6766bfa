"""The harvester seam: ``fetch(session)`` does I/O only, ``parse(raw)`` is pure, and
``harvest(session)`` is fetch then parse (never overridden).

A subclass maps its source rows onto the standard's field names in :meth:`Harvester.map_rows`;
the base class normalises each mapped row with :func:`inclusion_map.schema.normalise`, rejects
duplicate ids within the source, and returns records, rejections and notes together.

Each source has a live channel and may have an archive (a dated copy). ``fetch`` reads, in this
order of preference: the mirror folder's copy when offline (a live copy, else the archive's), the
archive when the config names it (``use: archive``), else the live channel: data.gouv.fr datasets
resolved to their newest file, file URLs, or an API (subclasses override :meth:`fetch_live`).
``harvest`` falls back to the archive, saying so, when the live channel fails or returns no row
and the store holds no live data of the source (``allow_fallback``, set by the pipeline): live
data of last week beats an archive of 2022.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

import requests

from .. import datagouv
from .._http import Payload, decode_text, fetch_resource, read_mirror
from .._http import load_json_payload as load_json
from ..config import Settings, SourceConfig
from ..errors import SourceSkipped, SourceUnavailable, SourceUnchanged
from ..schema import Issue, normalise


@dataclass(frozen=True)
class Rejection:
    """One row not kept, with where it was and why (``row`` counts from 1 in the source)."""

    source: str
    row: int
    source_id: str | None
    field: str
    problem: str
    value: str = ""


@dataclass
class Parsed:
    """What ``parse`` returns for one source."""

    records: list[dict] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    notes: list[Rejection] = field(default_factory=list)  # values fixed or dropped, rows kept
    fetched: int = 0
    messages: list[str] = field(default_factory=list)
    kind: str = "live"  # live | archive
    vintage: str | None = None  # an archive's vintage, as the config names it
    origins: list[dict] = field(default_factory=list)


@dataclass
class Raw:
    """What ``fetch`` returns: the payloads and anything worth telling the user.

    ``kind`` says whether they come from the live channel or from an archive; ``origins`` lists
    where each file came from (URL, data.gouv.fr dataset and page, publication date).
    """

    payloads: list[Payload]
    messages: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    kind: str = "live"
    vintage: str | None = None
    origins: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Scope:
    """Where the territory lies, for sources that filter on their side and for discovery.

    ``communes`` is ``None`` for the whole country.
    """

    communes: frozenset[str] | None = None
    departements: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()

    @classmethod
    def of(cls, gazetteer) -> Scope:
        """The scope of a loaded :class:`~inclusion_map.territory.boundaries.Gazetteer`."""
        codes = gazetteer.territory.codes
        table = gazetteer.communes
        if codes is not None:
            table = table.loc[table.index.intersection(list(codes))]
        deps = tuple(sorted(str(d) for d in table["departement"].dropna().unique()))
        regions = tuple(sorted(str(r) for r in table["region"].dropna().unique()))
        return cls(codes, deps if codes is not None else (), regions if codes is not None else ())

    def covers(self, zones: list[str]) -> bool | None:
        """Whether data.gouv.fr zone ids (``country:fr``, ``fr:departement:94``…) meet the territory.

        ``None`` when no zone is declared (nothing can be said before reading the rows).
        """
        zones = [str(z).split("@", 1)[0].lower() for z in zones or [] if z]
        if not zones:
            return None
        if self.communes is None:
            return True
        wanted = {"country:fr", *(f"fr:departement:{d.lower()}" for d in self.departements),
                  *(f"fr:region:{r}" for r in self.regions), *(f"fr:commune:{c.lower()}" for c in self.communes)}
        return any(z in wanted for z in zones)


class Harvester:
    """Base class of every source. Subclasses set ``name`` and implement ``map_rows``."""

    name: ClassVar[str]
    #: a short plain description of the source's format, for `run.py sources`
    kind: ClassVar[str] = ""

    def __init__(self, config: SourceConfig, settings: Settings, scope: Scope | None = None):
        self.config = config
        self.settings = settings
        self.options = config.options
        self.scope = scope or Scope()
        #: send the cache's validators (set when the store holds this source's live layer)
        self.conditional = False
        #: read the archive when the live channel fails (not when the store holds live data)
        self.allow_fallback = True

    # --- I/O -----------------------------------------------------------------------------
    def fetch(self, session: requests.Session) -> Raw:
        """The source's files: a mirror copy offline, the archive when named, else the live channel."""
        if self.settings.mirror:
            return self.fetch_mirror()
        if self.config.use == "archive":
            raw = self.fetch_archive(session)
            raw.messages.insert(0, f"read the archive of {self.config.archive.vintage} (use: archive in the config)")
            return raw
        if not self.config.has_live:
            raise SourceSkipped(f"{self.name}: no live channel is configured, only an archive")
        return self.fetch_live(session)

    def fetch_live(self, session: requests.Session) -> Raw:
        """Default live channel: download every file :meth:`live_files` names.

        API sources override this method.
        """
        raw = Raw([])
        for url, origin in self.live_files(session, raw.messages):
            raw.payloads.append(self._download(session, url))
            raw.origins.append(origin)
        if not raw.payloads:
            raise SourceSkipped(f"{self.name}: no live file is configured")
        if any(p.unchanged for p in raw.payloads) and not all(p.unchanged for p in raw.payloads):
            # Some files changed, others did not: the unchanged ones are needed in full.
            raw.payloads = [self._download(session, p.origin, conditional=False) if p.unchanged else p
                            for p in raw.payloads]  # fmt: skip
        return raw

    def live_files(self, session: requests.Session, messages: list[str]) -> list[tuple[str, dict]]:
        """``(url, origin)`` of each live file: the configured data.gouv.fr datasets (resolved to
        their newest file), then the configured file URLs."""
        files = []
        for ref in self.config.datasets:
            resolved = datagouv.resolve(self.settings, session, ref)
            if resolved.archived:
                messages.append(f"the publisher archived the dataset '{resolved.label}'")
            files.append((resolved.url, origin_of(resolved, ref.key)))
        files += [(url, {"url": url}) for url in self.config.urls]
        return files

    def fetch_mirror(self) -> Raw:
        """Offline: the mirror copies of the live files when present, else the archive's copy."""
        folder = self.settings.mirror_dir()
        present = [m for m in self.config.mirror if folder is not None and (folder / m).is_file()]
        if present:
            return Raw([read_mirror(self.settings, m) for m in present], ["read the mirror copy of the live files"],
                       origins=[{"url": str(folder / m)} for m in present])  # fmt: skip
        archive = self.config.archive
        if archive and archive.mirror:
            raw = Raw([read_mirror(self.settings, m) for m in archive.mirror], kind="archive", vintage=archive.vintage,
                      origins=[{"url": str(folder / m), "title": archive.title} for m in archive.mirror])  # fmt: skip
            raw.messages.append(f"offline: read the archive of {archive.vintage} (no copy of the live source)")
            return raw
        names = ", ".join(self.config.mirror) or "none configured"
        raise SourceUnavailable(f"{self.name}: no mirror file of this source in {folder} (live copies: {names})",
                                hint="put a copy of the source's file there, or harvest from the live source "
                                "(without --mirror)")  # fmt: skip

    def fetch_archive(self, session: requests.Session) -> Raw:
        """The archive named in the config (its URL, or its mirror copy offline)."""
        archive = self.config.archive
        if archive is None:
            raise SourceUnavailable(f"{self.name}: no archive is configured")
        if self.settings.mirror and archive.mirror:
            payloads = [read_mirror(self.settings, m) for m in archive.mirror]
        elif archive.urls:
            payloads = [fetch_resource(self.settings, session, url, None, f"{self.name} (archive)",
                                       keep_body=False, conditional=False) for url in archive.urls]  # fmt: skip
        else:
            raise SourceUnavailable(f"{self.name}: the archive has no URL; read it from a mirror folder (--mirror)")
        return Raw(payloads, kind="archive", vintage=archive.vintage,
                   origins=[{"url": p.origin, "title": archive.title} for p in payloads])  # fmt: skip

    def _download(self, session: requests.Session, url: str, conditional: bool | None = None) -> Payload:
        return fetch_resource(self.settings, session, url, None, self.name, keep_body=False,
                              conditional=self.conditional if conditional is None else conditional)  # fmt: skip

    def api_token(self) -> str | None:
        """The bearer token of the source's API, from the environment variable the config names."""
        return os.environ.get(self.config.api.token_env) if self.config.api else None

    def harvest(self, session: requests.Session) -> Parsed:
        """Fetch then parse, falling back to the archive when the live channel is unusable.

        Raises
        ------
        SourceUnavailable, SourceSkipped
            For the whole source, when neither the live channel nor an allowed archive gives rows.
        SourceUnchanged
            When the publisher's files have not changed since the last harvest (HTTP 304).
        """
        try:
            raw = self.fetch(session)
            if raw.payloads and all(p.unchanged for p in raw.payloads):
                raise SourceUnchanged(f"{self.name}: unchanged since the last harvest (HTTP 304)")
            parsed = self.parse(raw)
            if parsed.fetched == 0 and raw.kind == "live" and not self.settings.mirror:
                raise SourceUnavailable(f"{self.name}: the source returned no rows (live channel)")
            return parsed
        except (SourceUnavailable, SourceSkipped) as exc:
            if not (self.allow_fallback and self.config.archive and self.config.use == "live"
                    and not self.settings.mirror):  # fmt: skip
                raise
            reason = str(exc).split("\n", 1)[0]
        raw = self.fetch_archive(session)
        raw.messages.insert(0, f"live source unusable ({reason}); read the archive of {raw.vintage} instead")
        return self.parse(raw)

    # --- pure ----------------------------------------------------------------------------
    def map_rows(self, raw: Raw) -> Iterator[dict | Rejection]:
        """Yield one dict per source row, in the standard's field names (with ``source_id``).

        A dict may carry ``_issues`` (a list of :class:`~inclusion_map.schema.Issue` found while
        mapping) and ``_published`` (a date to use when the row has no ``date_maj``).
        """
        raise NotImplementedError

    def parse(self, raw: Raw) -> Parsed:
        """Map, normalise and check every row; never raises for a bad row."""
        out = Parsed(messages=list(raw.messages), kind=raw.kind, vintage=raw.vintage, origins=list(raw.origins))
        published = max((p.published.date() for p in raw.payloads if p.published), default=None)
        seen: dict[str, int] = {}
        for number, item in enumerate(self.map_rows(raw), start=1):
            out.fetched += 1
            if isinstance(item, Rejection):
                out.rejections.append(item)
                continue
            early = item.pop("_issues", [])
            record, issues = normalise(item, published=_as_date(item.pop("_published", published)))
            issues = early + issues
            sid = record.get("source_id") if record else None
            for issue in issues:
                target = out.rejections if issue.action == "rejected" else out.notes
                target.append(self._reject(number, sid, issue))
            if record is None or any(i.action == "rejected" for i in issues):
                continue
            missing = [f for f in ("nom", "adresse") if not record.get(f)]
            if missing:  # cannot be filled later: reject now, whatever the row's place
                out.rejections.append(self._reject(number, sid, Issue(missing[0], "required value missing")))
                continue
            if not sid:
                out.rejections.append(self._reject(number, None, Issue("id", "row has no identifier")))
                continue
            if sid in seen:
                problem = f"duplicate id within the source (first seen at row {seen[sid]})"
                out.rejections.append(self._reject(number, sid, Issue("id", problem, sid)))
                continue
            seen[sid] = number
            record["harvester"] = self.name
            record["id"] = f"{self.name}:{sid}"
            record["_row"] = number
            out.records.append(record)
        return out

    # --- helpers for subclasses ----------------------------------------------------------
    def _reject(self, row: int, sid: str | None, issue: Issue) -> Rejection:
        return Rejection(self.name, row, sid, issue.field, issue.problem, issue.value)

    def reject(self, row: int, sid: Any, field: str, problem: str, value: Any = "") -> Rejection:
        return Rejection(self.name, row, str(sid) if sid is not None else None, field, problem, str(value))


def _as_date(value: Any) -> date | None:
    return value if isinstance(value, date) else None


def json_records(payload: Payload, *keys: str) -> list[dict]:
    """The list of records in a JSON payload: a bare list, or the list under one of ``keys``."""
    data = load_json(payload)
    if isinstance(data, dict):
        for key in keys:
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list):
        raise SourceUnavailable(f"{payload.origin}: expected a list of records in the JSON")
    return [r for r in data if isinstance(r, dict)]


def load_csv(payload: Payload, required: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Read a CSV (separator ``;``, ``,`` or tab, detected; UTF-8 or Windows-1252).

    Raises
    ------
    SourceUnavailable
        If the file is empty, HTML, or lacks one of the ``required`` columns.
    """
    text = decode_text(payload)
    if text.lstrip()[:1] == "<":
        raise SourceUnavailable(f"{payload.origin}: the server sent an HTML page instead of CSV")
    header = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=header.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = [c.strip() for c in (reader.fieldnames or [])]
    missing = [c for c in required if c not in columns]
    if missing:
        raise SourceUnavailable(
            f"{payload.origin}: missing column(s) {', '.join(missing)}",
            hint="the publisher may have renamed them; update the harvester's column names",
        )
    return [{(k or "").strip(): v for k, v in row.items()} for row in reader]


def get_api_json(session: requests.Session, url: str, token: str | None, params: dict | None = None) -> Any:
    """GET one page of a JSON API (with a bearer token when given); explain failures plainly."""
    from .._http import get_json

    return get_json(session, url, params, {"Authorization": f"Bearer {token}"} if token else None)


def origin_of(resolved: datagouv.Resolved, key: str | None) -> dict:
    """Where a data.gouv.fr file came from, for the provenance and the report."""
    return {"url": resolved.url, "dataset": resolved.label, "dataset_id": resolved.dataset_id,
            "page": resolved.page, "resource": resolved.title, "key": key,
            "published": resolved.last_modified.isoformat() if resolved.last_modified else None}  # fmt: skip
