"""The one HTTP layer: a shared ``requests.Session`` with timeouts, retries with backoff, a user
agent, a small conditional-GET cache on disk, and the local mirror folder for offline machines.

Every network or mirror failure becomes :class:`~inclusion_map.errors.SourceUnavailable` with a
plain message, so callers never see a raw ``requests`` exception.
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


def make_session(http: Http) -> requests.Session:
    """A session that retries transient failures (connection errors, 429 and 5xx) with backoff."""
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
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = http.user_agent
    session.request = _with_timeout(session.request, http.timeout_s)  # type: ignore[method-assign]
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
    label: str | None = None,
    **kwargs,
) -> Payload:
    """GET ``url`` with a progress bar; revalidate against the disk cache when one is given.

    Raises
    ------
    SourceUnavailable
        On connection failure, timeout, retries exhausted or an HTTP status >= 400.
    """
    cached = _cache_paths(cache_dir, url) if cache_dir else None
    headers = dict(kwargs.pop("headers", {}) or {})
    if cached and cached[0].is_file() and cached[1].is_file():
        meta = json.loads(cached[1].read_text())
        if meta.get("etag"):
            headers["If-None-Match"] = meta["etag"]
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = meta["last_modified"]
    try:
        with session.get(url, headers=headers, stream=True, **kwargs) as response:
            if response.status_code == 304 and cached:
                meta = json.loads(cached[1].read_text())
                return Payload(cached[0].read_bytes(), url, _parse_http_date(meta.get("last_modified")))
            response.raise_for_status()
            total = int(response.headers.get("Content-Length") or 0) or None
            chunks = []
            with download_bar(label or url, total) as advance:
                for chunk in response.iter_content(chunk_size=1 << 16):
                    chunks.append(chunk)
                    advance(len(chunk))
            content = b"".join(chunks)
            last_modified = response.headers.get("Last-Modified")
            if total is not None and len(content) < total:
                raise SourceUnavailable(f"{url}: download cut short ({len(content)} of {total} bytes)")
    except requests.exceptions.RequestException as exc:
        raise SourceUnavailable(describe_failure(url, exc)) from None
    if cached:
        cached[0].parent.mkdir(parents=True, exist_ok=True)
        cached[0].write_bytes(content)
        cached[1].write_text(
            json.dumps({"url": url, "etag": response.headers.get("ETag"), "last_modified": last_modified})
        )
    # Without Last-Modified, the download date is the best "as of" date of a live list.
    return Payload(content, url, _parse_http_date(last_modified) or datetime.now(UTC))


def fetch_resource(
    settings: Settings, session: requests.Session, url: str, mirror: str | None, label: str
) -> Payload:
    """The one entry point for files: the mirror file when a mirror is set, else the live URL."""
    if settings.mirror:
        if not mirror:
            raise SourceUnavailable(
                f"{label}: no mirror file is configured for this source",
                hint="add its file name under 'mirror:' in the config, or harvest without --mirror",
            )
        return read_mirror(settings, mirror)
    return get(session, url, cache_dir=settings.path(settings.http.cache_dir), label=label)


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
