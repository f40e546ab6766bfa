"""Address geocoding with the Géoplateforme geocoder (IGN), cached on disk.

``geocoding.url`` is the service's base, the only place it is named. Three endpoints under it:

- ``POST {base}/search/csv``: batches of addresses for the harvest (columns ``adresse`` and
  ``commune``, ``code_postal`` as the postcode filter). Every final answer is kept in a JSON-lines
  cache keyed by the normalised address, so a re-run asks nothing twice; the score threshold is
  applied when reading, so changing it needs no new request.
- ``GET {base}/search``: one address typed on the public site.
- ``GET {base}/reverse``: a point → the nearest address, to name the suggested new sites.

The service allows 50 requests a second per IP address and answers 429 beyond. Every call of the
process waits its turn in one :class:`~inclusion_map.throttle.RateLimiter`
(``geocoding.requests_per_s``); a 429 is waited out as its ``Retry-After`` says, at most
``geocoding.retry_after_max_s`` seconds, and retried a few times.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import requests

from ._http import describe_failure, make_session
from .config import Http, Settings
from .errors import GeocoderUnavailable
from .files import owner_only
from .progress import track
from .throttle import RateLimiter, retry_after_s
from .vocab import fold

#: the only result columns the batch asks for (the service sends about twenty by default)
RESULT_COLUMNS = ("latitude", "longitude", "result_label", "result_score", "result_type", "result_citycode",
                  "result_status")  # fmt: skip
NO_MATCH = ("not-found", "skipped")  # final answers, cached; "error" lines are asked again next time
RETRIES_429 = 3
INTERACTIVE_TIMEOUT_S = 2.0
LIMITER = RateLimiter()  # one per process: batches, searches and reverse calls share the service's quota
_REVERSED: OrderedDict[tuple[str, float, float], str | None] = OrderedDict()
_REVERSED_MAX = 4096
_REVERSED_LOCK = threading.Lock()


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
    """One geocoder answer: WGS84 point, score (0–1), commune code, label and result type."""

    lon: float
    lat: float
    score: float
    citycode: str | None
    label: str
    type: str


def batch_session(http: Http) -> requests.Session:
    """The harvest's session (timeouts, user agent, retries of connection errors and 5xx) without
    retries of 429: urllib3 would wait the whole ``Retry-After``, however long; :class:`Geocoder`
    waits it out itself, capped."""
    session = make_session(http)
    for adapter in {id(a): a for a in session.adapters.values()}.values():
        retry = adapter.max_retries
        adapter.max_retries = retry.new(
            status_forcelist=tuple(s for s in retry.status_forcelist or () if s != 429),
            respect_retry_after_header=False,  # nor any other long wait a header could ask for
        )
    return session


@functools.lru_cache(maxsize=4)
def _interactive_session(user_agent: str) -> requests.Session:
    session = requests.Session()  # no retries: someone is waiting for the answer
    session.headers["User-Agent"] = user_agent
    return session


class Geocoder:
    """The Géoplateforme geocoder: batches with a disk cache, one address, one point.

    Parameters
    ----------
    settings : Settings
    session : requests.Session, optional
        Default: :func:`batch_session`, or a session without retries when ``interactive``.
    interactive : bool
        Someone is waiting (a web page, a command's output): a short timeout, no retry, a 429 or a
        busy rate limiter is a failure rather than a wait.
    timeout_s : float, optional
        Default: ``http.timeout_s``, or 2 s when ``interactive``.
    """

    def __init__(self, settings: Settings, session: requests.Session | None = None, *,
                 interactive: bool = False, timeout_s: float | None = None):  # fmt: skip
        geo = settings.geocoding
        self.base = geo.url.rstrip("/")
        self.min_score, self.batch_size = geo.min_score, geo.batch_size
        self.requests_per_s, self.retry_after_max_s = geo.requests_per_s, geo.retry_after_max_s
        self.interactive = interactive
        self.timeout_s = timeout_s or (INTERACTIVE_TIMEOUT_S if interactive else settings.http.timeout_s)
        self.retries_429 = 0 if interactive else RETRIES_429
        if session is None and interactive:
            session = _interactive_session(settings.http.user_agent)
        self.session = session or batch_session(settings.http)
        self.cache_path = settings.path(geo.cache)
        self._cache: dict[str, Match | None] | None = None  # read on first batch: searches do not need it
        self.unreachable = False  # set by a failed call; reverse() then stops asking

    # -- the HTTP side: rate limit, 429, plain failures ---------------------------------------------

    def _call(self, method: str, endpoint: str, **kwargs) -> requests.Response:
        url = f"{self.base}/{endpoint}"
        try:
            return self._send(method, url, **kwargs)
        except GeocoderUnavailable:
            self.unreachable = True
            raise

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        for _ in range(self.retries_429 + 1):
            if not LIMITER.wait(self.requests_per_s, max_wait_s=self.timeout_s if self.interactive else None):
                raise GeocoderUnavailable(f"{url}: too many geocoding requests at the moment")
            try:
                response = self.session.request(method, url, timeout=self.timeout_s, **kwargs)
            except requests.exceptions.RequestException as exc:
                raise GeocoderUnavailable(describe_failure(url, exc)) from None
            if response.status_code != 429:
                break
            # The whole process holds back, not only this call: the quota is per IP address.
            LIMITER.hold(retry_after_s(response.headers.get("Retry-After"), self.retry_after_max_s))
        else:
            raise GeocoderUnavailable(
                f"{url} still answered 429 Too Many Requests after {self.retries_429 + 1} tries",
                hint="lower geocoding.requests_per_s, or try again later",
            )
        if response.status_code >= 400:
            reason = f"{response.status_code} {response.reason or ''}".strip()
            raise GeocoderUnavailable(f"{url} answered HTTP {reason}")
        if "html" in response.headers.get("Content-Type", "") or response.content.lstrip()[:1] == b"<":
            raise GeocoderUnavailable(f"{url} sent an HTML page, not the geocoder's answer (an error page?)")
        return response

    # -- batches, with the disk cache ----------------------------------------------------------------

    def geocode(self, addresses: list[Address]) -> dict[str, Match | None]:
        """Return ``{address.key: Match or None}``; ``None`` when no answer reaches ``min_score``.

        Raises
        ------
        GeocoderUnavailable
            When the service cannot be reached, keeps refusing (429), or answers something that is
            not its CSV. Batches answered before the failure stay in the cache.
        """
        cache = self._disk_cache()
        todo = list({a.key: a for a in addresses if a.key not in cache}.values())
        batches = [todo[i : i + self.batch_size] for i in range(0, len(todo), self.batch_size)]
        for batch in track(batches, "Geocoding addresses"):
            self._remember(self._ask(batch))
        out = {}
        for a in addresses:
            match = cache.get(a.key)
            out[a.key] = match if match and match.score >= self.min_score else None
        return out

    def _ask(self, batch: list[Address]) -> list[tuple[str, Match | None]]:
        """The final answers of one batch: a match, or ``None`` for "not found" and "skipped" lines."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["key", "adresse", "code_postal", "commune"])
        for a in batch:
            writer.writerow([a.key, a.adresse, a.code_postal or "", a.commune or ""])
        files = {"data": ("addresses.csv", buffer.getvalue().encode("utf-8"), "text/csv")}
        form = [("columns", "adresse"), ("columns", "commune"), ("postcode", "code_postal"),
                *(("result_columns", c) for c in RESULT_COLUMNS)]  # fmt: skip
        response = self._call("POST", "search/csv", files=files, data=form)
        reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig", errors="replace")))
        if not {"key", "latitude", "longitude"} <= set(reader.fieldnames or ()):
            raise GeocoderUnavailable(f"{self.base}/search/csv did not answer in the geocoder's CSV format")
        answers = {}
        for row in reader:
            final, match = _row_answer(row)
            if final:
                answers[row["key"]] = match
        wanted = {a.key for a in batch}
        return [(key, match) for key, match in answers.items() if key in wanted]

    def _disk_cache(self) -> dict[str, Match | None]:
        if self._cache is None:
            self._cache = {}
            if self.cache_path.is_file():
                for line in self.cache_path.read_text(encoding="utf-8").splitlines():
                    try:
                        entry = json.loads(line)
                        self._cache[entry["key"]] = Match(**entry["match"]) if entry.get("match") else None
                    except (ValueError, KeyError, TypeError):
                        continue  # a damaged line costs one new request, nothing more
        return self._cache

    def _remember(self, items: list[tuple[str, Match | None]]) -> None:
        cache = self._disk_cache()
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.cache_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)  # owner only
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            for key, match in items:
                cache[key] = match
                out.write(json.dumps({"key": key, "match": match.__dict__ if match else None}) + "\n")
        owner_only(self.cache_path)

    # -- one address, one point ------------------------------------------------------------------------

    def search(self, query: str, limit: int = 1, autocomplete: bool = False) -> list[Match]:
        """Addresses matching a text, best first (no score threshold: the caller shows them).

        Raises
        ------
        GeocoderUnavailable
            When the service cannot be reached or does not answer its GeoJSON.
        """
        params = {"q": query[:200], "index": "address", "limit": max(1, min(limit, 50)),
                  "autocomplete": "1" if autocomplete else "0"}  # fmt: skip
        return [m for f in self._features("search", params) if (m := _feature_match(f))]

    def reverse(self, lon: float, lat: float, *, cached_only: bool = False) -> str | None:
        """The label of the address nearest to a point, or ``None`` when there is none or the
        service cannot be reached (after a failure, this geocoder stops asking).

        Answers are kept in memory for the process; ``cached_only`` answers from there alone.
        """
        key = (self.base, round(float(lon), 6), round(float(lat), 6))
        with _REVERSED_LOCK:
            if key in _REVERSED:
                return _REVERSED[key]
        if cached_only or self.unreachable:
            return None
        params = {"lon": key[1], "lat": key[2], "index": "address", "limit": 1}
        try:
            matches = [m for f in self._features("reverse", params) if (m := _feature_match(f))]
        except GeocoderUnavailable:
            return None
        label = next((m.label for m in matches if m.label), None)
        with _REVERSED_LOCK:
            _REVERSED[key] = label
            while len(_REVERSED) > _REVERSED_MAX:
                _REVERSED.popitem(last=False)
        return label

    def _features(self, endpoint: str, params: dict) -> list:
        response = self._call("GET", endpoint, params=params)
        try:
            features = response.json().get("features")
        except (ValueError, AttributeError):
            features = None
        if not isinstance(features, list):
            self.unreachable = True
            raise GeocoderUnavailable(f"{self.base}/{endpoint} did not answer in the geocoder's GeoJSON")
        return features


def _row_answer(row: dict) -> tuple[bool, Match | None]:
    """``(final, match)`` for one line of a CSV answer; ``final`` says whether to cache it."""
    status = row.get("result_status") or ("ok" if row.get("latitude") else "not-found")
    if status in NO_MATCH:
        return True, None
    if status != "ok":
        return False, None  # "error": the service failed on this line; ask again next time
    try:
        return True, Match(lon=float(row["longitude"]), lat=float(row["latitude"]),
                           score=float(row.get("result_score") or 0),
                           citycode=row.get("result_citycode") or None,
                           label=row.get("result_label") or "",
                           type=row.get("result_type") or "")  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return False, None


def _feature_match(feature) -> Match | None:
    try:
        props = feature.get("properties") or {}
        lon, lat = feature["geometry"]["coordinates"][:2]
        return Match(lon=float(lon), lat=float(lat), score=float(props.get("score") or 0),
                     citycode=props.get("citycode") or None, label=props.get("label") or "",
                     type=props.get("type") or "")  # fmt: skip
    except (AttributeError, KeyError, TypeError, ValueError):
        return None  # one odd feature does not spoil the others


def clear_cache(settings: Settings) -> Path:
    """Delete the geocoding cache file; returns its path."""
    path = settings.path(settings.geocoding.cache)
    path.unlink(missing_ok=True)
    return path
