"""Batch address geocoding with the BAN (Base adresse nationale) CSV endpoint, cached on disk.

Addresses are sent in batches to ``/search/csv/`` (columns ``adresse`` and ``commune``, with
``code_postal`` as the postcode filter). Every answer, good or bad, is kept in a JSON-lines cache
keyed by the normalised address, so a re-run asks nothing twice; the score threshold is applied
when reading, so changing it needs no new request.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import requests

from ._http import describe_failure
from .config import Settings
from .errors import GeocoderUnavailable
from .progress import track
from .vocab import fold


@dataclass(frozen=True)
class Address:
    adresse: str
    code_postal: str | None
    commune: str | None

    @property
    def key(self) -> str:
        return "|".join((fold(self.adresse), self.code_postal or "", fold(self.commune or "")))


@dataclass(frozen=True)
class Match:
    """One BAN answer: WGS84 point, score (0–1), commune code, label and result type."""

    lon: float
    lat: float
    score: float
    citycode: str | None
    label: str
    type: str


class BanGeocoder:
    """Geocode :class:`Address` objects with the BAN, using and feeding the disk cache."""

    def __init__(self, settings: Settings, session: requests.Session):
        self.url = settings.geocoding.url
        self.min_score = settings.geocoding.min_score
        self.batch_size = settings.geocoding.batch_size
        self.session = session
        self.cache_path = settings.path(settings.geocoding.cache)
        self._cache: dict[str, Match | None] = self._read_cache()

    def _read_cache(self) -> dict[str, Match | None]:
        cache: dict[str, Match | None] = {}
        if self.cache_path.is_file():
            for line in self.cache_path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    cache[entry["key"]] = Match(**entry["match"]) if entry.get("match") else None
                except (ValueError, KeyError, TypeError):
                    continue  # a damaged line costs one new request, nothing more
        return cache

    def _remember(self, items: list[tuple[str, Match | None]]) -> None:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        with self.cache_path.open("a", encoding="utf-8") as out:
            for key, match in items:
                self._cache[key] = match
                out.write(json.dumps({"key": key, "match": match.__dict__ if match else None}) + "\n")

    def geocode(self, addresses: list[Address]) -> dict[str, Match | None]:
        """Return ``{address.key: Match or None}``; ``None`` when no answer reaches ``min_score``.

        Raises
        ------
        GeocoderUnavailable
            When the BAN cannot be reached or answers something that is not its CSV.
        """
        todo = list({a.key: a for a in addresses if a.key not in self._cache}.values())
        batches = [todo[i : i + self.batch_size] for i in range(0, len(todo), self.batch_size)]
        for batch in track(batches, "Geocoding addresses (BAN)"):
            self._remember(self._ask(batch))
        out = {}
        for a in addresses:
            match = self._cache.get(a.key)
            out[a.key] = match if match and match.score >= self.min_score else None
        return out

    def _ask(self, batch: list[Address]) -> list[tuple[str, Match | None]]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["key", "adresse", "code_postal", "commune"])
        for a in batch:
            writer.writerow([a.key, a.adresse, a.code_postal or "", a.commune or ""])
        files = {"data": ("addresses.csv", buffer.getvalue().encode("utf-8"), "text/csv")}
        form = [("columns", "adresse"), ("columns", "commune"), ("postcode", "code_postal")]
        try:
            response = self.session.post(self.url, files=files, data=form)
            response.raise_for_status()
        except requests.exceptions.RequestException as exc:
            raise GeocoderUnavailable(describe_failure(self.url, exc)) from None
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig", errors="replace"))))
        if rows and "latitude" not in rows[0]:
            raise GeocoderUnavailable(f"{self.url} did not answer in the BAN CSV format")
        answers = {}
        for row in rows:
            try:
                answers[row["key"]] = Match(
                    lon=float(row["longitude"]),
                    lat=float(row["latitude"]),
                    score=float(row.get("result_score") or 0),
                    citycode=row.get("result_citycode") or None,
                    label=row.get("result_label") or "",
                    type=row.get("result_type") or "",
                )
            except (KeyError, ValueError):
                answers[row.get("key", "")] = None  # the BAN found nothing for this line
        return [(a.key, answers.get(a.key)) for a in batch]


def clear_cache(settings: Settings) -> Path:
    """Delete the geocoding cache file; returns its path."""
    path = settings.path(settings.geocoding.cache)
    path.unlink(missing_ok=True)
    return path
