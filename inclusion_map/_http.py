"""The one HTTP layer: a shared ``requests.Session`` with timeouts, retries with backoff, a user
agent, a small conditional-GET cache on disk, and the local mirror folder for offline machines.

Every network or mirror failure becomes :class:`~inclusion_map.errors.SourceUnavailable` with a
plain message, so callers never see a raw ``requests`` exception.

The cache keeps what a conditional GET needs: the validators (``ETag``, ``Last-Modified``) of each
URL, and the body only for public reference files (commune lists, contours, indicators) that hold
no personal data. Venue files are never kept there: a ``304 Not Modified`` answer to a venue file
comes back as an empty payload marked ``unchanged``, and the harvest keeps the source's layer
already in the store (which holds only the fields the product uses). Cache files are readable
by their owner only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .config import Http, Settings
from .errors import SourceUnavailable
from .files import owner_only, private_write
from .http_limits import limits_of, read_body, request_timeout
from .progress import download_bar

RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class Payload:
    """Bytes fetched from a URL or a mirror file.

    Attributes
    ----------
    content : bytes
    origin : str
        The URL or the mirror file path it came from.
    published : datetime or None
        ``Last-Modified`` of the response (else the download time) or the mirror file's modification time (UTC): the
        best date we know for "when the publisher last changed this file".
    """

    content: bytes
    origin: str
    published: datetime | None = None
    #: the HTTP status of the answer (200 for a mirror file)
    status: int = 200
    #: the server answered 304 Not Modified for a file whose body is not cached (``content`` empty)
    unchanged: bool = False


def make_session(http: Http, retry_after_max_s: float = 60.0) -> requests.Session:
    """A session that retries transient failures (connection errors, 429 and 5xx) with backoff.

    A server's ``Retry-After`` is honoured, but never beyond ``retry_after_max_s`` seconds: a
    ``Retry-After: 600`` must not hold a harvest for ten minutes per retry.
    """
    retry = Retry(
        total=http.retries,
        connect=http.retries,
        read=http.retries,
        status=http.retries,
        backoff_factor=http.backoff_s,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,  # POSTs we send (geocoding batches) are idempotent
        raise_on_status=False,
        respect_retry_after_header=True,
        retry_after_max=retry_after_max_s,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = http.user_agent
    session.request = _with_timeout(session.request, http.timeout_s)  # type: ignore[method-assign]
    session.timeout_s = http.timeout_s  # read by the downloads, which shorten it near a deadline
    return session


def _with_timeout(request, timeout_s: float):
    def request_with_timeout(method, url, **kwargs):
        kwargs.setdefault("timeout", timeout_s)
        return request(method, url, **kwargs)

    return request_with_timeout


def describe_failure(url: str, exc: Exception) -> str:
    """A short plain-English reason for a failed request."""
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.ReadTimeout):
        return f"{url} did not answer in time"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return f"{url}: download cut short (the connection closed before the end of the file)"
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = str(exc)
        if "timed out" in text or "TimeoutError" in text:  # retries wrap a read timeout
            return f"{url} did not answer in time"
        if "Max retries exceeded" in text and "ResponseError" in text:
            return f"{url} kept failing with server errors after retries"
        return f"cannot connect to {url} (connection refused or no network)"
    if isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
        return f"{url} answered HTTP {exc.response.status_code} {exc.response.reason or ''}".strip()
    return f"{url}: {exc}"


def read_mirror(settings: Settings, name: str) -> Payload:
    """Read one file of the mirror folder (``--mirror DIR`` / ``mirror:`` in the config)."""
    folder = settings.mirror_dir()
    assert folder is not None
    file = folder / name
    if not file.is_file():
        raise SourceUnavailable(
            f"mirror file not found: {file}",
            hint="put the source file there, fix its name under 'mirror:' in the config, "
            "or harvest from the live URL (without --mirror)",
        )
    return Payload(
        file.read_bytes(),
        str(file),
        date_in_name(file.name) or datetime.fromtimestamp(file.stat().st_mtime, tz=UTC),
    )


def date_in_name(name: str) -> datetime | None:
    """The date a file name carries (``liste-fs-20221201.csv``, ``…_2023-02.json``), if any.

    Mirror copies lose the publisher's modification time, so the vintage written in the file
    name is the better "published" date.
    """
    import re

    for pattern in (r"(?<!\d)(20\d{2})-?(\d{2})-?(\d{2})(?!\d)", r"(?<!\d)(20\d{2})-(\d{2})(?!\d)"):
        m = re.search(pattern, name)
        if m:
            parts = [int(g) for g in m.groups()] + [1]
            try:
                return datetime(parts[0], parts[1], parts[2], tzinfo=UTC)
            except ValueError:
                continue
    return None


def get(
    session: requests.Session,
    url: str,
    *,
    cache_dir: Path | None = None,
    keep_body: bool = True,
    conditional: bool = True,
    label: str | None = None,
    **kwargs,
) -> Payload:
    """GET ``url`` with a progress bar; revalidate against the disk cache when one is given.

    Parameters
    ----------
    cache_dir : Path, optional
        Where validators (and bodies, with ``keep_body``) are kept; ``None``: no cache at all.
    keep_body : bool
        Keep the body for a later 304. ``False`` for files that may hold personal data: a 304 then
        returns an empty payload with ``unchanged=True``.
    conditional : bool
        Send the cached validators; ``False`` asks for the whole file (the cache is still updated).

    Raises
    ------
    SourceUnavailable
        On connection failure, timeout, retries exhausted or an HTTP status >= 400.
    """
    cached = _cache_paths(cache_dir, url) if cache_dir else None
    headers = dict(kwargs.pop("headers", {}) or {})
    meta = _read_meta(cached[1]) if cached and conditional else {}
    if meta and (not keep_body or cached[0].is_file()):
        if meta.get("etag"):
            headers["If-None-Match"] = meta["etag"]
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = meta["last_modified"]
    limits = limits_of(session)
    kwargs.setdefault("timeout", request_timeout(session, url, getattr(session, "timeout_s", None)))
    try:
        with session.get(url, headers=headers, stream=True, **kwargs) as response:
            if response.status_code == 304 and cached and meta:
                published = _parse_http_date(meta.get("last_modified"))
                if keep_body and cached[0].is_file():
                    return Payload(cached[0].read_bytes(), url, published, 304)
                return Payload(b"", url, published, 304, unchanged=True)
            response.raise_for_status()
            total = int(response.headers.get("Content-Length") or 0) or None
            with download_bar(label or url, total) as advance:
                content = read_body(response, url, limits, advance)
            last_modified = response.headers.get("Last-Modified")
            if total is not None and len(content) < total and "Content-Encoding" not in response.headers:
                raise SourceUnavailable(f"{url}: download cut short ({len(content)} of {total} bytes)")
    except requests.exceptions.RequestException as exc:
        raise SourceUnavailable(describe_failure(url, exc)) from None
    if cached:
        _write_cache(cached, url, response.headers.get("ETag"), last_modified, content if keep_body else None)
    # Without Last-Modified, the download date is the best "as of" date of a live list.
    return Payload(content, url, _parse_http_date(last_modified) or datetime.now(UTC), response.status_code)


def get_json(session: requests.Session, url: str, params: dict | None = None, headers: dict | None = None) -> Any:
    """GET a JSON document of an API (never cached); explain failures plainly.

    Raises
    ------
    SourceUnavailable
        On connection failure, an HTTP error status, or an answer that is not JSON.
    """
    timeout = request_timeout(session, url, getattr(session, "timeout_s", None))
    try:
        with session.get(url, params=params, headers={"Accept": "application/json", **(headers or {})},
                         stream=True, timeout=timeout) as response:  # fmt: skip
            if response.status_code in (401, 403):
                raise SourceUnavailable(f"{url} refused access (HTTP {response.status_code})",
                                        hint="check the API token in the environment variable named under "
                                        "'api.token_env'")  # fmt: skip
            if response.status_code >= 400:
                raise SourceUnavailable(f"{url} answered HTTP {response.status_code}")
            content = read_body(response, url, limits_of(session))
    except requests.exceptions.RequestException as exc:
        raise SourceUnavailable(describe_failure(url, exc)) from None
    return load_json_payload(Payload(content, response.url))


def fetch_resource(
    settings: Settings,
    session: requests.Session,
    url: str,
    mirror: str | None,
    label: str,
    *,
    keep_body: bool = True,
    conditional: bool = True,
) -> Payload:
    """The one entry point for files: the mirror file when a mirror is set, else the live URL.

    ``keep_body=False`` for venue files (see the module's note on personal data);
    ``conditional=False`` to ask for the whole file whatever the cache says (the validators of the
    answer are still kept for the next time).
    """
    if settings.mirror:
        if not mirror:
            raise SourceUnavailable(
                f"{label}: no mirror file is configured for this source",
                hint="add its file name under 'mirror:' in the config, or harvest without --mirror",
            )
        return read_mirror(settings, mirror)
    cache_dir = settings.path(settings.http.cache_dir) if settings.http.cache_dir else None
    return get(session, url, cache_dir=cache_dir, keep_body=keep_body, conditional=conditional, label=label)


def _read_meta(path: Path) -> dict:
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, ValueError):
        return {}  # a damaged entry costs one full download


def _write_cache(paths: tuple[Path, Path], url: str, etag, last_modified, body: bytes | None) -> None:
    """Write one cache entry, readable by its owner only; a body is kept only when given."""
    body_path, meta_path = paths
    body_path.parent.mkdir(parents=True, exist_ok=True)
    owner_only(body_path.parent)
    if body is None:
        body_path.unlink(missing_ok=True)
    else:
        private_write(body_path, body)
    private_write(meta_path, json.dumps({"url": url, "etag": etag, "last_modified": last_modified}).encode())


def _cache_paths(cache_dir: Path, url: str) -> tuple[Path, Path]:
    key = hashlib.sha1(url.encode()).hexdigest()
    return cache_dir / f"{key}.body", cache_dir / f"{key}.json"


def _parse_http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def decode_text(payload: Payload) -> str:
    """Decode bytes as UTF-8 (with or without BOM), falling back to Windows-1252."""
    content = payload.content
    if not content.strip():
        raise SourceUnavailable(f"{payload.origin}: the file is empty")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def load_json_payload(payload: Payload) -> Any:
    """Parse a JSON payload, explaining HTML error pages and truncated files plainly."""
    text = decode_text(payload).lstrip()
    if text[:1] == "<":
        raise SourceUnavailable(
            f"{payload.origin}: the server sent an HTML page instead of JSON (an error page?)"
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceUnavailable(
            f"{payload.origin}: the JSON is broken or truncated ({exc.msg} at character {exc.pos})"
        ) from None
    except RecursionError:  # a hostile or broken file: thousands of nested brackets
        raise SourceUnavailable(f"{payload.origin}: the JSON is nested too deeply to be read") from None
