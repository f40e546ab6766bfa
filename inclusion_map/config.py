"""Load ``config.yaml`` into frozen, validated settings.

Nothing is read at import time: call :func:`load_settings`. The file is chosen by, in order, the
``path`` argument (``--config``), the ``INCLUSION_MAP_CONFIG`` environment variable, then
``config.yaml`` in the current folder. Every mistake is reported with its place in the file and a
plain reason, e.g. ``sources.francilin.url: not a valid http(s) URL (got 'htp://x')``.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import ConfigError
from .locations import StoreLocation, env_store_url

CONFIG_ENV = "INCLUSION_MAP_CONFIG"
MIRROR_ENV = "INCLUSION_MAP_MIRROR"


def _check_url(value: str) -> str:
    from urllib.parse import urlparse

    parts = urlparse(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not a valid http(s) URL (got {value!r})")
    return value


def _check_insee(value: str) -> str:
    import re

    if not re.fullmatch(r"(?:[013-9]\d|2[AB1-9])\d{3}", value):
        raise ValueError(f"not an INSEE commune code (got {value!r}); codes have 5 characters")
    return value


Url = Annotated[str, AfterValidator(_check_url)]
InseeCode = Annotated[str, AfterValidator(_check_insee)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SubTerritory(_Frozen):
    name: str
    communes: tuple[InseeCode, ...] = Field(min_length=1)


class Territory(_Frozen):
    """Which communes the product covers.

    ``kind`` is one of ``ept`` (Établissement public territorial of the Métropole du Grand
    Paris, by SIREN), ``epci`` (by SIREN), ``departement`` (by code), ``region`` (by INSEE code,
    e.g. ``"11"`` for Île-de-France), ``communes`` (an explicit list of INSEE codes) or
    ``france`` (the whole country).
    """

    kind: Literal["ept", "epci", "departement", "region", "communes", "france"]
    code: str | None = None
    name: str | None = None
    communes: tuple[InseeCode, ...] = ()
    subterritories: dict[str, SubTerritory] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _code_matches_kind(self) -> Territory:
        import re

        if self.kind in ("ept", "epci"):
            if not self.code or not re.fullmatch(r"\d{9}", self.code):
                raise ValueError(f"territory.code: a {self.kind} needs its 9-digit SIREN code")
        elif self.kind == "departement":
            if not self.code or not re.fullmatch(r"(?:0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])", self.code):
                raise ValueError("territory.code: a departement needs its code, e.g. '94' or '2A'")
        elif self.kind == "region":
            if not self.code or not re.fullmatch(r"\d{2}", self.code):
                raise ValueError("territory.code: a region needs its 2-digit INSEE code, e.g. '11'")
        elif self.kind == "communes" and not self.communes:
            raise ValueError("territory.communes: give at least one INSEE commune code")
        return self


class Resource(_Frozen):
    """One downloadable file: its live URL and its file name inside a mirror folder."""

    url: Url
    mirror: str | None = None
    title: str | None = None
    publisher: str | None = None
    licence: str = "Licence Ouverte 2.0"
    vintage: str | None = None


class ReferenceData(_Frozen):
    """Reference files used to resolve the territory and locate venues."""

    ept_list: Resource
    commune_list: Resource
    commune_contours: Resource
    epci_list: Resource | None = None
    iris_contours: Resource | None = None


class Indicator(_Frozen):
    """One column of an indicator table used by the computed fragility index.

    The table is a CSV (``,`` or ``;``) with one row per zone: ``code_column`` holds the INSEE
    commune code (``level: commune``) or the 9-digit IRIS code (``level: iris``).
    """

    label: str
    url: Url
    mirror: str | None = None
    level: Literal["commune", "iris"] = "commune"
    code_column: str
    value_column: str
    weight: float = Field(default=1.0, gt=0)
    direction: Literal["higher_is_more_fragile", "lower_is_more_fragile"] = "higher_is_more_fragile"
    unit: str = ""
    source: str = ""
    licence: str = "Licence Ouverte 2.0"
    vintage: str = ""
    #: the IFN family the indicator belongs to (a key of ``fragility.families``), or none
    family: str | None = None


class Family(_Frozen):
    """One family of the computed index, after La MedNum's four IFN axes.

    A key that is also a stem of the published axes (``acces_interfaces``, ``acces_information``,
    ``competences_administratives``, ``competences_numeriques``) is compared with that axis.
    """

    label: str
    weight: float = Field(default=1.0, gt=0)


class PublishedIndex(_Frozen):
    """The published IRIS-level IFN file (La MedNum) and which base-100 reference to show."""

    url: Url
    mirror: str | None = None
    header_url: Url | None = None
    reference: Literal["region", "departement", "epci"] = "region"
    title: str = "Indice de fragilité numérique (La MedNum)"
    source: str = "La MedNum, from INSEE, CAF and ARCEP data"
    licence: str = "Licence Ouverte 2.0"
    vintage: str = "2020"


class IrisPopulation(_Frozen):
    """An optional table of IRIS populations (e.g. INSEE base-ic-evol-struct-pop).

    Each IRIS zone states in ``population_basis`` which table (and ``universe``) its figure comes from.
    """

    url: Url
    mirror: str | None = None
    code_column: str = "IRIS"
    value_column: str = "P20_POP"
    vintage: str = ""
    #: what the table counts: every inhabitant (``total``, e.g. INSEE ``P20_POP``), or only people aged
    #: 18 and over (``adults_18plus``, e.g. ``P17_POP18P``), which are then used as weights within each
    #: commune and scaled to its legal population
    universe: Literal["total", "adults_18plus"] = "total"


class Fragility(_Frozen):
    """How the fragility layers are built (see the README, "Digital fragility")."""

    published: PublishedIndex | None = None
    iris_population: IrisPopulation | None = None
    indicators: dict[str, Indicator] = Field(default_factory=dict)
    #: families of indicators (weighted mean of the indicators, then of the families); none: one flat mean
    families: dict[str, Family] = Field(default_factory=dict)
    method: Literal["base100", "decile_points", "scale_1_10"] = "base100"
    reference: Literal["territory", "table"] = "territory"
    main: Literal["published", "computed"] = "published"
    classes: Literal["quantiles", "natural_breaks"] = "quantiles"
    k: int = Field(default=5, ge=2, le=9)

    @model_validator(mode="after")
    def _known_families(self) -> Fragility:
        for name, ind in self.indicators.items():
            if self.families and ind.family is None:
                raise ValueError(f"fragility.indicators.{name}.family: with families, give each indicator one of "
                                 f"{', '.join(self.families)}")  # fmt: skip
            if ind.family is not None and ind.family not in self.families:
                known = ", ".join(self.families) or "none is configured under fragility.families"
                raise ValueError(f"fragility.indicators.{name}.family: unknown family '{ind.family}' ({known})")
        return self


class ApiAccess(_Frozen):
    """An authenticated API: its URL and the environment variable that holds the token."""

    url: Url
    token_env: str
    page_size: int = Field(default=1000, ge=1, le=10_000)


class DatasetRef(_Frozen):
    """A dataset published on data.gouv.fr, resolved at each harvest to its newest resource.

    Name it by ``id`` (the dataset's id or slug) or, when only a stable resource link is known
    (``/datasets/r/<resource id>``), by ``resource``: its dataset is then found through the API.
    """

    id: str | None = None
    resource: str | None = None
    formats: tuple[str, ...] = ("json", "csv")
    title_contains: str | None = None
    #: a short prefix for the ids of this dataset's rows, when several datasets feed one source
    key: str | None = None

    @model_validator(mode="after")
    def _named(self) -> DatasetRef:
        if not self.id and not self.resource:
            raise ValueError("a dataset needs its 'id' (id or slug) or a 'resource' id")
        return self

    @field_validator("formats", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        values = [value] if isinstance(value, str) else value
        return [str(v).lower().lstrip(".") for v in values]


class Archive(_Frozen):
    """A dated copy of a source (a file kept by another project, an old export).

    Used only when named (``use: archive``), offline from a mirror folder, or as a fallback when
    the live source fails and the store holds no live data of it. Every page, report and export
    then labels the data as an archive of ``vintage``.
    """

    urls: tuple[Url, ...] = ()
    mirror: tuple[str, ...] = ()
    vintage: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    title: str | None = None

    @model_validator(mode="after")
    def _somewhere(self) -> Archive:
        if not self.urls and not self.mirror:
            raise ValueError("an archive needs 'urls' or 'mirror' file names")
        return self

    @field_validator("urls", "mirror", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


#: Endpoints that have answered 404 or been retired: refusing them says what replaced them.
RETIRED_URLS = {
    "cartographie.societenumerique.gouv.fr/api/v0": "the national set is published on data.gouv.fr "
    "since April 2026: name its dataset under 'datasets:'",
    "api-adresse.data.gouv.fr": "use the Géoplateforme geocoder https://data.geopf.fr/geocodage",
}


def _not_retired(value: str) -> str:
    for fragment, instead in RETIRED_URLS.items():
        if fragment in value:
            raise ValueError(f"{value} is retired; {instead}")
    return value


LiveUrl = Annotated[str, AfterValidator(_check_url), AfterValidator(_not_retired)]


class SourceConfig(_Frozen):
    """One venue source: its live channel, an optional archive, and how it is described.

    The live channel is one of (or a mix of) ``datasets`` (data.gouv.fr datasets resolved at each
    harvest), ``discover`` (every data.gouv.fr dataset declaring the national standard's schema
    that covers the territory), ``urls`` (files or an open paged API) and ``api`` (an API that
    needs a token). ``mirror`` names copies of the live files in a mirror folder.
    """

    enabled: bool = True
    title: str
    publisher: str
    licence: str = "Licence Ouverte 2.0"
    use: Literal["live", "archive"] = "live"
    datasets: tuple[DatasetRef, ...] = ()
    discover: bool = False
    urls: tuple[LiveUrl, ...] = ()
    mirror: tuple[str, ...] = ()
    api: ApiAccess | None = None
    archive: Archive | None = None
    #: where the publisher documents the live interface (shown by `sources` and the README)
    docs: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _somewhere_to_read(self) -> SourceConfig:
        live = self.datasets or self.discover or self.urls or self.api
        if self.use == "archive" and not self.archive:
            raise ValueError("'use: archive' needs an 'archive' (url or mirror file, and its vintage)")
        if not live and not self.archive:
            raise ValueError("give a live channel ('datasets', 'urls' or 'api') or an 'archive'")
        return self

    @field_validator("urls", "mirror", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("datasets", mode="before")
    @classmethod
    def _datasets(cls, value: Any) -> Any:
        values = [value] if isinstance(value, str | dict) else value
        return [{"id": v} if isinstance(v, str) else v for v in values or []]

    @property
    def has_live(self) -> bool:
        return bool(self.datasets or self.discover or self.urls or self.api)


class DataGouv(_Frozen):
    """The data.gouv.fr API, used to resolve datasets to their newest files."""

    api: Url = "https://www.data.gouv.fr/api"
    standard_schema: str = "LaMednum/standard-mediation-num"
    page_size: int = Field(default=100, ge=1, le=1000)


RETIRED_GEOCODER = "api-adresse.data.gouv.fr"


class Geocoding(_Frozen):
    """The Géoplateforme geocoder (IGN), which replaced api-adresse.data.gouv.fr in 2026.

    ``url`` is the service's base: ``/search`` (one address), ``/reverse`` (a point → an address)
    and ``/search/csv`` (batches) are found under it. The service allows 50 requests a second per
    address and 50 MB per CSV file; ``requests_per_s`` stays under that, and a 429 answer's
    ``Retry-After`` is honoured up to ``retry_after_max_s`` seconds.
    """

    enabled: bool = True
    url: Url = "https://data.geopf.fr/geocodage"
    min_score: float = Field(default=0.5, ge=0, le=1)
    batch_size: int = Field(default=2000, ge=1, le=50_000)
    requests_per_s: float = Field(default=40.0, gt=0, le=50)
    retry_after_max_s: float = Field(default=30.0, ge=0, le=600)
    cache: str = "layers/build/cache/geocoding-cache.jsonl"

    @field_validator("url")
    @classmethod
    def _current_service(cls, value: str) -> str:
        if RETIRED_GEOCODER in value:
            raise ValueError(f"{RETIRED_GEOCODER} is retired (end of service 31 January 2026); "
                             "use the Géoplateforme geocoder https://data.geopf.fr/geocodage")  # fmt: skip
        # Older settings named the CSV endpoint itself: keep the service's base.
        base = value.rstrip("/")
        for suffix in ("/search/csv", "/search"):
            base = base.removesuffix(suffix)
        return base


class Dedupe(_Frozen):
    """Thresholds of the duplicate finder (scores are 0–100, distances in metres)."""

    distance_m: float = Field(default=150.0, gt=0, le=5000)
    merge_score: float = Field(default=80.0, ge=0, le=100)
    review_score: float = Field(default=60.0, ge=0, le=100)
    decisions_file: str = "layers/dedupe_decisions.csv"
    review_file: str = "layers/build/dedupe_review.csv"

    @model_validator(mode="after")
    def _ordered(self) -> Dedupe:
        if self.review_score > self.merge_score:
            raise ValueError("dedupe.review_score must not exceed dedupe.merge_score")
        return self


class Coverage(_Frozen):
    """Settings of the coverage-gap analysis (README, "Coverage gaps"). Distances in metres."""

    grid_size_m: float = Field(default=250.0, ge=50, le=20000)
    grid_shape: Literal["hexagon", "square"] = "hexagon"
    # Above this many cells the grid layer holds cell centres (points), not polygons.
    grid_polygon_max_cells: int = Field(default=1_000_000, ge=0)
    # Memory the analysis may use, GB; None: what the system has available when it starts.
    max_memory_gb: float | None = Field(default=None, gt=0)
    walk_speed_kmh: float = Field(default=4.0, gt=0, le=10)
    detour_factor: float = Field(default=1.3, ge=1, le=3)
    threshold_min: float = Field(default=15.0, gt=0, le=120)
    bands_min: tuple[float, ...] = (5.0, 10.0, 15.0)
    band_weights: tuple[float, ...] = (1.0, 0.68, 0.22)
    default_weekly_hours: float = Field(default=14.0, gt=0, le=168)
    include_commune_level_venues: bool = True
    reference_week: str | None = None
    fragility_weight: float = Field(default=0.5, ge=0, le=1)

    @model_validator(mode="after")
    def _bands(self) -> Coverage:
        if len(self.bands_min) != len(self.band_weights) or not self.bands_min:
            raise ValueError("coverage.bands_min and coverage.band_weights need the same number of values")
        if list(self.bands_min) != sorted(self.bands_min):
            raise ValueError("coverage.bands_min must be increasing")
        if self.reference_week is not None:
            from datetime import date

            try:
                if date.fromisoformat(self.reference_week).weekday() != 0:
                    raise ValueError
            except ValueError:
                raise ValueError("coverage.reference_week must be a Monday, as YYYY-MM-DD") from None
        return self


class Http(_Frozen):
    timeout_s: float = Field(default=30.0, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    backoff_s: float = Field(default=0.5, ge=0)
    user_agent: str = "inclusion_map/0.1 (+https://github.com/inclusion-map)"
    cache_dir: str | None = "layers/build/cache/http"  # None: no HTTP cache at all


class Thresholds(_Frozen):
    stale_months: int = Field(default=12, ge=1)


class Store(_Frozen):
    path: str = "layers/build/inclusion_map.gpkg"
    #: a ``postgresql://`` URL selects the PostGIS store (``INCLUSION_MAP_STORE_URL`` wins over it);
    #: ``path``'s folder still holds the local files (logs, report files, page caches)
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _postgresql_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("store.url must start with postgresql:// (leave it out for the GeoPackage)")
        return value or None
    reports_dir: str = "layers/build/reports"
    #: harvest, build and gap reports kept in ``reports_dir`` (the oldest runs' files are removed)
    keep_runs: int = Field(default=50, ge=1, le=100_000)


class HarvestGuards(_Frozen):
    """Limits and guards of a harvest (README, "Limits and guards").

    Sizes in megabytes, times in seconds, shares between 0 and 1.
    """

    #: a source whose kept rows fall by more than this share against its last good harvest is
    #: ``suspect``: its previous layer stays until ``harvest --accept-shrink SOURCE``
    shrink_max_share: float = Field(default=0.5, gt=0, le=1)
    #: rejected rows listed per source in the report files (the counts stay exact)
    max_rejections_listed: int = Field(default=1000, ge=0, le=1_000_000)
    #: total time one source may take (downloads, pages, retries); then it fails, keeping its data
    source_time_limit_s: float = Field(default=900.0, gt=0)
    #: bytes one download may bring, and what a compressed answer may unpack to
    max_download_mb: float = Field(default=300.0, gt=0)
    max_decompressed_mb: float = Field(default=600.0, gt=0)
    #: a server's ``Retry-After`` is honoured up to this many seconds
    retry_after_max_s: float = Field(default=60.0, ge=0)
    #: a second harvest on the same store waits this long for the first, then refuses
    lock_wait_s: float = Field(default=0.0, ge=0)


class Server(_Frozen):
    """The web server behind a public address (README, "Running in production")."""

    #: the site's public address (``https://aide-numerique.example.org``): absolute links use it
    #: instead of the request's Host header
    public_base_url: Url | None = None
    #: the header a trusted reverse proxy sets with the client's address (e.g. X-Forwarded-For);
    #: ``None``: the connection's address is the client's
    trusted_proxy_header: str | None = None
    #: the proxies allowed to set that header (their addresses)
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    #: an organiser's session ends after this much inactivity, and at most this long after login
    session_idle_minutes: int = Field(default=120, ge=1)
    session_max_hours: int = Field(default=12, ge=1)
    #: report PDFs rendered at the same time (others wait for the cached file)
    pdf_renders: int = Field(default=1, ge=1, le=8)
    #: gap analyses run at the same time for /couverture with new options
    analysis_workers: int = Field(default=2, ge=1, le=8)


def _unfilled_is_none(value: Any) -> Any:
    """An empty value, or one marked « à compléter » / "to fill in", is not filled in: ``None``.

    The pages then say « à compléter par l'éditeur » instead of showing a made-up value.
    """
    if value is None:
        return None
    if isinstance(value, str):
        from .vocab import fold

        folded = fold(value)
        if not folded or folded.startswith(("a completer", "to fill in", "todo", "tbd")):
            return None
    return value


def _check_phone(value: str | None) -> str | None:
    """A French phone number, kept in the international form (``+33…``), as ``tel:`` links need."""
    from .phones import normalise_phone

    if value is None:
        return None
    e164 = normalise_phone(value)
    if e164 is None:
        raise ValueError(f"not a French phone number (got {value!r}), e.g. 01 23 45 67 89")
    return e164


def _check_email(value: str | None) -> str | None:
    import re

    if value is None:
        return None
    value = value.strip()
    if not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[A-Za-z]{2,}", value):
        raise ValueError(f"not an e-mail address (got {value!r})")
    return value


def _one_text(value: Any) -> Any:
    """A plain string is the French text; ``{fr: …, en: …}`` gives both languages."""
    return {"fr": value} if isinstance(value, str) else value


#: A value the deployer fills in; ``None`` (shown « à compléter par l'éditeur ») until then.
Filled = Annotated[str | None, BeforeValidator(_unfilled_is_none)]
Phone = Annotated[str | None, BeforeValidator(_unfilled_is_none), AfterValidator(_check_phone)]
Email = Annotated[str | None, BeforeValidator(_unfilled_is_none), AfterValidator(_check_email)]


class Text(_Frozen):
    """A public text in French and, when given, English (else the French is shown, marked French)."""

    fr: str = Field(min_length=1)
    en: str | None = None

    def get(self, lang: str) -> str:
        return (self.en or self.fr) if lang == "en" else self.fr

    def lang_of(self, lang: str) -> str:
        """The language the text is actually in on a page in ``lang``."""
        return "en" if lang == "en" and self.en else "fr"


OneText = Annotated[Text | None, BeforeValidator(lambda v: _one_text(_unfilled_is_none(v)))]


class Party(_Frozen):
    """A body named in the legal notice: its name, postal address and phone number."""

    name: Filled = None
    address: Filled = None
    phone: Phone = None


class Publisher(Party):
    """Who publishes the site (LCEN, article 6 III) and the director of publication."""

    director: Filled = None


class Contact(_Frozen):
    """How to reach the team that runs the site (accessibility statement, personal data)."""

    email: Email = None
    phone: Phone = None
    address: Filled = None


class HelpLine(_Frozen):
    """The phone number shown on every page for people who cannot use the site, with its hours."""

    phone: Phone = None
    hours: OneText = None


class PersonalData(_Frozen):
    """The personal data page: who to ask, and how long error reports are kept."""

    #: how to reach the data protection officer (« délégué à la protection des données »)
    dpo: Filled = None
    #: error reports (with the reporter's message and contact) are deleted after this many days
    report_retention_days: int = Field(default=365, ge=1, le=3650)
    #: what the host's web server keeps of the visits (its access log), in its own words
    host_logs: OneText = None


class AccessibilityStatement(_Frozen):
    """The facts of the accessibility statement (RGAA 4.1).

    ``compliance`` is « non » until an audit of the RGAA's criteria says otherwise: the automated
    checks the project runs are not an audit. A claim of « partiellement » or « totalement »
    needs the audit's date, and its rate when one is given must match (RGAA: « totalement » is
    100 % of the criteria met, « partiellement » at least 50 %).
    """

    compliance: Literal["non", "partiellement", "totalement"] = "non"
    audit_date: date | None = None
    audit_by: Filled = None
    rate: float | None = Field(default=None, ge=0, le=100)
    #: the day this statement was written or last updated
    statement_date: date | None = None
    #: limits known to the deployer, shown after the product's own
    known_limits: tuple[Text, ...] = ()

    @field_validator("known_limits", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        return [_one_text(v) for v in value or ()]

    @model_validator(mode="after")
    def _consistent(self) -> AccessibilityStatement:
        if self.compliance != "non" and self.audit_date is None:
            raise ValueError(f"accessibility.compliance « {self.compliance} » needs the audit_date of the RGAA audit "
                             "that measured it (without an audit, the RGAA state is « non »)")  # fmt: skip
        if self.rate is not None:
            expected = {"totalement": (100, 100), "partiellement": (50, 99.99), "non": (0, 49.99)}[
                self.compliance
            ]
            if not expected[0] <= self.rate <= expected[1]:
                raise ValueError(f"accessibility.rate {self.rate:g} % does not match compliance « {self.compliance} » "
                                 "(totalement: 100 %, partiellement: 50 % or more, non: under 50 %)")  # fmt: skip
        return self


class Site(_Frozen):
    """What a public service owes its visitors: legal notice, accessibility statement, personal
    data page and a help line on every page (README, "Pages a public service owes").

    Every value left empty (or marked « à compléter ») is said « à compléter par l'éditeur » on
    the pages; nothing is made up, least of all a phone number.
    """

    publisher: Publisher = Publisher()
    host: Party = Party()
    contact: Contact = Contact()
    help_line: HelpLine = HelpLine()
    personal_data: PersonalData = PersonalData()
    accessibility: AccessibilityStatement = AccessibilityStatement()


def _relative_luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour (0 black … 1 white)."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


#: a marker or a legend swatch is a graphical object: WCAG 1.4.11 asks 3:1 against the white map page
MIN_CONTRAST_ON_WHITE = 3.0


def _check_colour(value: str) -> str:
    import re

    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise ValueError(f"not a colour written #rrggbb (got {value!r})")
    ratio = 1.05 / (_relative_luminance(value) + 0.05)
    if ratio < MIN_CONTRAST_ON_WHITE:
        raise ValueError(f"colour {value} has a contrast of {ratio:.1f}:1 on white; markers need at least "
                         f"{MIN_CONTRAST_ON_WHITE:g}:1 (choose a darker colour)")  # fmt: skip
    return value.lower()


Colour = Annotated[str, AfterValidator(_check_colour)]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,40}$")]


class Label(_Frozen):
    """A short label in French and English (a service of an actor kind, a network)."""

    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ActorField(_Frozen):
    """An extra field of one kind of actor (e.g. the French level of a language workshop).

    ``choices`` empty: free text. ``multiple``: several values, written ``A1|A2`` in a CSV.
    """

    name: Slug
    label_fr: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    choices: tuple[str, ...] = ()
    multiple: bool = False


class ActorKindConfig(_Frozen):
    """One kind of actor of the territory (README, "Other actors of the territory").

    ``public: false`` keeps the kind to organisers: it is never written to the published layer.
    """

    title_fr: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    colour: Colour
    #: a short symbol name the pages map to their own icon (``balance``, ``speech``, ``handshake``)
    icon: str = Field(pattern=r"^[a-z][a-z0-9-]{0,30}$")
    public: bool = True
    services: dict[Slug, Label] = Field(default_factory=dict)
    fields: tuple[ActorField, ...] = ()

    @model_validator(mode="after")
    def _unique_fields(self) -> ActorKindConfig:
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"a field name is given twice: {', '.join(names)}")
        return self


LEVELS = ("A1", "A2", "B1", "B2", "alphabétisation")

DEFAULT_ACTOR_KINDS: dict[str, dict] = {
    "acces_droit": {
        "title_fr": "Accès au droit", "title_en": "Access to rights", "colour": "#6d28d9", "icon": "balance",
        "public": True,
        "services": {
            "information_juridique": {"fr": "Information juridique", "en": "Legal information"},
            "consultation_avocat": {"fr": "Consultation d'avocat", "en": "Lawyer consultation"},
            "aide_victimes": {"fr": "Aide aux victimes", "en": "Victim support"},
            "mediation": {"fr": "Médiation et conciliation", "en": "Mediation and conciliation"},
            "droits_sociaux": {"fr": "Accès aux droits sociaux", "en": "Access to social rights"},
            "ecrivain_public": {"fr": "Écrivain public", "en": "Public letter writer"},
        },
    },
    "langue": {
        "title_fr": "Apprendre le français", "title_en": "Learn French", "colour": "#be185d", "icon": "speech",
        "public": True,
        "services": {
            "atelier_sociolinguistique": {"fr": "Atelier sociolinguistique (ASL)",
                                          "en": "Socio-linguistic workshop (ASL)"},
            "cours_fle": {"fr": "Cours de français langue étrangère", "en": "French as a foreign language"},
            "alphabetisation": {"fr": "Alphabétisation", "en": "Literacy"},
            "conversation": {"fr": "Atelier de conversation", "en": "Conversation group"},
            "preparation_examens": {"fr": "Préparation aux examens (DELF, TCF)",
                                    "en": "Exam preparation (DELF, TCF)"},
        },
        "fields": [
            {"name": "niveau", "label_fr": "Niveau", "label_en": "Level", "choices": list(LEVELS),
             "multiple": True},
            {"name": "public_vise", "label_fr": "Public visé", "label_en": "Intended audience"},
        ],
    },
    "partenaire": {
        "title_fr": "Partenaires du réseau", "title_en": "Network partners", "colour": "#0f766e",
        "icon": "handshake", "public": False,
        "services": {
            "prestations_sociales": {"fr": "Prestations sociales", "en": "Social benefits"},
            "emploi_insertion": {"fr": "Emploi et insertion", "en": "Employment and integration"},
            "jeunesse": {"fr": "Jeunes de 16 à 25 ans", "en": "Young people aged 16 to 25"},
            "demarches_administratives": {"fr": "Démarches administratives", "en": "Administrative procedures"},
            "orientation": {"fr": "Orientation vers le bon service", "en": "Referral to the right service"},
        },
    },
}  # fmt: skip

DEFAULT_NETWORKS: dict[str, dict] = {
    "france_services": {"fr": "France services", "en": "France services"},
    "conseillers_numeriques": {"fr": "Conseillers numériques", "en": "Digital advisers"},
    "aidants_connect": {"fr": "Aidants Connect", "en": "Aidants Connect"},
    "reseau_linguistique": {"fr": "Réseau des acteurs linguistiques", "en": "Language learning network"},
    "cispd": {"fr": "CISPD (prévention de la délinquance)", "en": "CISPD (crime prevention council)"},
    "hub_francilin": {"fr": "Hub Francil'in", "en": "Francil'in hub"},
}


class Actors(_Frozen):
    """The other actors of the territory that organisers type in or import (README, "Other actors
    of the territory"). Giving ``kinds`` replaces the three default kinds as a whole."""

    licence: str = "Données du territoire"
    kinds: dict[Slug, ActorKindConfig] = Field(
        default_factory=lambda: {k: ActorKindConfig.model_validate(v) for k, v in DEFAULT_ACTOR_KINDS.items()}
    )
    #: known networks (a value outside them is kept as written)
    networks: dict[Slug, Label] = Field(
        default_factory=lambda: {k: Label.model_validate(v) for k, v in DEFAULT_NETWORKS.items()}
    )

    @field_validator("kinds")
    @classmethod
    def _some_kind(cls, value: dict) -> dict:
        if not value:
            raise ValueError("give at least one kind of actor (or leave 'kinds' out for the defaults)")
        return value


class Schedule(_Frozen):
    """When ``python run.py schedule`` refreshes the layers (README, "Scheduled refreshes")."""

    at: list[str] = Field(default_factory=lambda: ["03:30"])
    days: list[Literal["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]] = Field(
        default_factory=lambda: ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"], min_length=1)
    timezone: str = "Europe/Paris"

    @field_validator("at")
    @classmethod
    def _times(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("give at least one time, e.g. [\"03:30\"]")
        for item in value:
            if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(item)):
                raise ValueError(f"'{item}' is not a time of day HH:MM (e.g. 03:30)")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except (ValueError, KeyError, OSError):
            raise ValueError(f"unknown time zone '{value}' (e.g. Europe/Paris)") from None
        return value


class Settings(_Frozen):
    """The whole validated configuration. Relative paths are resolved against ``root``."""

    root: Path
    territory: Territory
    store: Store = Store()
    mirror: str | None = None
    http: Http = Http()
    reference: ReferenceData
    geocoding: Geocoding = Geocoding()
    datagouv: DataGouv = DataGouv()
    dedupe: Dedupe = Dedupe()
    thresholds: Thresholds = Thresholds()
    harvest: HarvestGuards = HarvestGuards()
    server: Server = Server()
    fragility: Fragility = Fragility()
    coverage: Coverage = Coverage()
    site: Site = Site()
    actors: Actors = Actors()
    schedule: Schedule = Schedule()
    sources: dict[str, SourceConfig]

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, value: dict[str, SourceConfig]) -> dict[str, SourceConfig]:
        from .harvest import registry

        unknown = sorted(set(value) - set(registry()))
        if unknown:
            known = ", ".join(sorted(registry()))
            raise ValueError(f"unknown source(s) {', '.join(unknown)}; known sources: {known}")
        return value

    def path(self, relative: str | os.PathLike[str]) -> Path:
        """Resolve a path of the config against the project root."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else self.root / p

    @property
    def store_path(self) -> Path:
        """The GeoPackage file; with a PostGIS store, the anchor of the local files (logs, caches)."""
        return self.path(self.store.path)

    @property
    def store_location(self) -> StoreLocation:
        """Where the store is: the PostGIS URL when one is set, else the GeoPackage's path."""
        return env_store_url() or self.store.url or self.store_path

    def mirror_dir(self) -> Path | None:
        return self.path(self.mirror) if self.mirror else None

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some top-level values replaced (e.g. ``mirror`` from ``--mirror``)."""
        return self.model_validate({**self.model_dump(), **changes})


def _format_errors(error: ValidationError, source: str) -> str:
    lines = [f"{source} is not valid:"]
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        msg = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            msg = "this setting is required"
        elif item["type"] == "extra_forbidden":
            msg = "unknown setting (check its spelling)"
        lines.append(f"  {where}: {msg}")
    return "\n".join(lines)


def default_config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or "config.yaml")


def load_settings(path: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Read, validate and freeze the configuration.

    Parameters
    ----------
    path : path-like, optional
        The YAML file; default ``$INCLUSION_MAP_CONFIG`` then ``./config.yaml``.
    **overrides
        Top-level values that win over the file (``mirror=...`` from the command line).
        ``$INCLUSION_MAP_MIRROR`` also sets ``mirror`` when neither gives one.

    Raises
    ------
    ConfigError
        With one line per problem, naming the setting and what is wrong.
    """
    file = Path(path) if path is not None else default_config_path()
    if not file.is_file():
        raise ConfigError(
            f"configuration file not found: {file}",
            hint="pass --config FILE, set INCLUSION_MAP_CONFIG, or run from the project folder",
        )
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file} is not readable YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{file} must hold a mapping of settings at its top level")
    data.setdefault("root", str(file.resolve().parent))
    if os.environ.get(MIRROR_ENV) and not data.get("mirror"):
        data["mirror"] = os.environ[MIRROR_ENV]
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc, str(file))) from None
