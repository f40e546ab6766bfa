"""The harvester seam: ``fetch(session)`` does I/O only, ``parse(raw)`` is pure, and
``harvest(session)`` is fetch then parse (never overridden).

A subclass maps its source rows onto the standard's field names in :meth:`Harvester.map_rows`;
the base class normalises each mapped row with :func:`inclusion_map.schema.normalise`, rejects
duplicate ids within the source, and returns records, rejections and notes together.
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

from .._http import Payload, decode_text, fetch_resource
from .._http import load_json_payload as load_json
from ..config import Settings, SourceConfig
from ..errors import SourceSkipped, SourceUnavailable
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


@dataclass
class Raw:
    """What ``fetch`` returns: the payloads and anything worth telling the user."""

    payloads: list[Payload]
    messages: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


class Harvester:
    """Base class of every source. Subclasses set ``name`` and implement ``map_rows``."""

    name: ClassVar[str]
    #: a short plain description of the source's format, for `run.py sources`
    kind: ClassVar[str] = ""

    def __init__(self, config: SourceConfig, settings: Settings):
        self.config = config
        self.settings = settings
        self.options = config.options

    # --- I/O -----------------------------------------------------------------------------
    def fetch(self, session: requests.Session) -> Raw:
        """Download the source's files (or read them from the mirror folder)."""
        if not self.config.urls and not self.config.mirror:
            if self.config.api:
                raise SourceSkipped(
                    f"{self.name}: needs an API token and none is set",
                    hint=f"put the token in the environment variable ${self.config.api.token_env}",
                )
            raise SourceSkipped(f"{self.name}: no file URL is configured")
        names: list[str | None] = list(self.config.mirror) or [None]
        if self.settings.mirror:
            pairs = [(self.config.urls[0] if self.config.urls else "", m) for m in names]
        else:
            pairs = [(u, None) for u in self.config.urls]
        return Raw([fetch_resource(self.settings, session, u, m, self.name) for u, m in pairs])

    def api_token(self) -> str | None:
        """The bearer token of the source's API, from the environment variable the config names."""
        return os.environ.get(self.config.api.token_env) if self.config.api else None

    # --- pure ----------------------------------------------------------------------------
    def map_rows(self, raw: Raw) -> Iterator[dict | Rejection]:
        """Yield one dict per source row, in the standard's field names (with ``source_id``).

        A dict may carry ``_issues`` (a list of :class:`~inclusion_map.schema.Issue` found while
        mapping) and ``_published`` (a date to use when the row has no ``date_maj``).
        """
        raise NotImplementedError

    def parse(self, raw: Raw) -> Parsed:
        """Map, normalise and check every row; never raises for a bad row."""
        out = Parsed(messages=list(raw.messages))
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

    def harvest(self, session: requests.Session) -> Parsed:
        """Fetch then parse. Raises SourceUnavailable or SourceSkipped for the whole source."""
        return self.parse(self.fetch(session))

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


def get_api_json(session: requests.Session, url: str, token: str, params: dict | None = None) -> Any:
    """GET one page of an authenticated JSON API (bearer token); explain failures plainly."""
    from .._http import describe_failure

    try:
        response = session.get(url, params=params, headers={"Authorization": f"Bearer {token}",
                                                             "Accept": "application/json"})  # fmt: skip
    except requests.exceptions.RequestException as exc:
        raise SourceUnavailable(describe_failure(url, exc)) from None
    if response.status_code in (401, 403):
        raise SourceUnavailable(
            f"{url} refused the API token (HTTP {response.status_code})",
            hint="check the token in the environment variable named under 'api.token_env'",
        )
    if response.status_code >= 400:
        raise SourceUnavailable(f"{url} answered HTTP {response.status_code}")
    return load_json(Payload(response.content, response.url))
