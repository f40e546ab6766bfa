"""data.gouv.fr: resolve a dataset to its newest file, and list the datasets of a schema.

Sources published on data.gouv.fr are named by dataset in ``config.yaml`` (its id or slug, or a
stable resource id), never by a file URL: a re-upload gives the file a new URL (it carries an
upload timestamp), while the dataset stays. At each harvest the dataset's API document
(``{api}/1/datasets/<id>/``) is read and the newest resource of a wanted format is taken.

The listing ``{api}/1/datasets/?schema=<name>`` (paged with ``next_page``) gives every dataset
whose resources declare a schema: the discovery mode of the ``standard`` source uses it to find
the hubs' datasets without any code.

API shape (udata, the software of data.gouv.fr): a dataset has ``id``, ``slug``, ``title``,
``page``, ``archived``, ``spatial.zones`` (ids such as ``country:fr``, ``fr:departement:94``) and
``resources``, each with ``id``, ``title``, ``url``, ``format``, ``type``, ``last_modified`` and
``schema.name``; ``{api}/2/datasets/resources/<rid>/`` gives ``{"resource": …, "dataset_id": …}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import requests

from ._http import get_json
from .config import DatasetRef, Settings
from .errors import SourceUnavailable

MAX_PAGES = 200  # a hard stop against a listing that never ends


@dataclass(frozen=True)
class Resolved:
    """The file a dataset resolves to today."""

    url: str
    format: str
    title: str
    last_modified: datetime | None
    dataset_id: str
    dataset_slug: str
    dataset_title: str
    page: str
    archived: bool = False

    @property
    def label(self) -> str:
        return self.dataset_title or self.dataset_slug or self.dataset_id


def api_base(settings: Settings) -> str:
    return settings.datagouv.api.rstrip("/")


def dataset_document(settings: Settings, session: requests.Session, ref: DatasetRef) -> dict:
    """The API document of the dataset ``ref`` names (found through its resource if needed).

    Raises
    ------
    SourceUnavailable
        When the API cannot be reached, or does not know the dataset or resource.
    """
    base = api_base(settings)
    dataset_id = ref.id
    if not dataset_id:
        found = get_json(session, f"{base}/2/datasets/resources/{ref.resource}/")
        dataset_id = found.get("dataset_id") if isinstance(found, dict) else None
        if not dataset_id:
            raise SourceUnavailable(f"data.gouv.fr does not know the resource {ref.resource}",
                                    hint="name the dataset by its id or slug under 'datasets:'")  # fmt: skip
    try:
        document = get_json(session, f"{base}/1/datasets/{dataset_id}/")
    except SourceUnavailable as exc:
        if "HTTP 404" in str(exc) or "HTTP 410" in str(exc):
            raise SourceUnavailable(f"data.gouv.fr has no dataset '{dataset_id}' ({exc})",
                                    hint="the dataset may have moved: `python run.py sources --check` "
                                    "lists the datasets of the standard's schema") from None  # fmt: skip
        raise
    if not isinstance(document, dict) or not isinstance(document.get("resources"), list):
        raise SourceUnavailable(f"{base}/1/datasets/{dataset_id}/ is not a data.gouv.fr dataset document")
    return document


def _format(resource: dict) -> str:
    given = str(resource.get("format") or "").lower().strip(". ")
    if given:
        return given
    path = str(resource.get("url") or "").split("?", 1)[0].lower()
    return path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""


def _when(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def pick_resource(document: dict, formats: tuple[str, ...], title_contains: str | None = None,
                  schema: str | None = None) -> dict | None:  # fmt: skip
    """The newest resource of the first wanted format that has one (or ``None``).

    Documentation and API links are skipped; ``title_contains`` keeps resources whose title or
    URL contains it (case-insensitive); ``schema`` keeps resources declaring it, when any does.
    """
    candidates = [r for r in document.get("resources") or [] if isinstance(r, dict) and r.get("url")
                  and (r.get("type") or "main") in ("main", "update")]  # fmt: skip
    if title_contains:
        needle = title_contains.lower()
        candidates = [r for r in candidates if needle in f"{r.get('title') or ''} {r['url']}".lower()]
    if schema:
        declared = [r for r in candidates if (r.get("schema") or {}).get("name") == schema]
        candidates = declared or candidates
    for wanted in formats:
        same = [r for r in candidates if _format(r) == wanted]
        if same:
            epoch = datetime.min.replace(tzinfo=UTC)
            return max(same, key=lambda r: _when(r.get("last_modified")) or epoch)
    return None


def resolve_document(document: dict, formats: tuple[str, ...], title_contains: str | None = None,
                     schema: str | None = None) -> Resolved:  # fmt: skip
    """The newest wanted file of a dataset document.

    Raises
    ------
    SourceUnavailable
        When no resource of a wanted format is published.
    """
    resource = pick_resource(document, formats, title_contains, schema)
    if resource is None:
        published = sorted({_format(r) or "?" for r in document.get("resources") or [] if isinstance(r, dict)})
        raise SourceUnavailable(
            f"the dataset '{document.get('title') or document.get('id')}' has no {'/'.join(formats)} file "
            f"(it publishes: {', '.join(published) or 'nothing'})",
            hint="change 'formats' (or 'title_contains') of this dataset in the config",
        )
    return Resolved(
        url=resource["url"], format=_format(resource), title=str(resource.get("title") or ""),
        last_modified=_when(resource.get("last_modified")), dataset_id=str(document.get("id") or ""),
        dataset_slug=str(document.get("slug") or ""), dataset_title=str(document.get("title") or ""),
        page=str(document.get("page") or ""), archived=bool(document.get("archived")),
    )  # fmt: skip


def resolve(settings: Settings, session: requests.Session, ref: DatasetRef, schema: str | None = None) -> Resolved:
    """Resolve one configured dataset to its newest file of a wanted format."""
    return resolve_document(dataset_document(settings, session, ref), ref.formats, ref.title_contains, schema)


def datasets_of_schema(settings: Settings, session: requests.Session, schema: str) -> Iterator[dict]:
    """Every dataset whose resources declare ``schema``, page after page."""
    url: str | None = f"{api_base(settings)}/1/datasets/"
    params: dict | None = {"schema": schema, "page_size": settings.datagouv.page_size}
    for _ in range(MAX_PAGES):
        if not url:
            return
        page = get_json(session, url, params=params)
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise SourceUnavailable(f"{url} is not a data.gouv.fr page of datasets")
        yield from (d for d in page["data"] if isinstance(d, dict))
        url, params = page.get("next_page"), None  # next_page carries every parameter


def discover(settings: Settings, session: requests.Session, covers: Callable[[dict], bool | None],
             formats: tuple[str, ...] = ("json", "csv")) -> tuple[list[Resolved], list[str]]:  # fmt: skip
    """Datasets of the standard's schema that cover the territory, each resolved to its newest file.

    Parameters
    ----------
    covers : callable
        ``covers(dataset_document)``: ``True`` (covers the territory), ``False`` (declares zones
        elsewhere) or ``None`` (declares no zone: kept, its rows are placed like any other).

    Returns
    -------
    (resolved, notes)
        The files to harvest, and one line per dataset left out and why.
    """
    schema = settings.datagouv.standard_schema
    kept, notes = [], []
    for document in datasets_of_schema(settings, session, schema):
        title = document.get("title") or document.get("id")
        if document.get("archived") or document.get("deleted"):
            notes.append(f"left out '{title}': archived by its publisher")
            continue
        if covers(document) is False:
            continue  # elsewhere in France: not worth a download
        try:
            kept.append(resolve_document(document, formats, schema=schema))
        except SourceUnavailable as exc:
            notes.append(f"left out '{title}': {exc}")
    return kept, notes
