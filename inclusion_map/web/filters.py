"""The search's state in the URL: every filter is a query parameter, so any view is a link.

Parameters: ``q`` (place), ``lon``/``lat`` (a position), ``service``, ``modalite``, ``public``,
``label`` (repeatable, values of the national standard), ``gratuit=1``, ``ouvert=maintenant`` or
``ouvert=jour`` with ``jour`` (0 = Monday … 6) and ``heure`` (HH:MM), ``rayon`` (km), ``page``,
and ``lang``/``embed``/``print`` for the presentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from ..errors import BadRequest
from ..vocab import DISPOSITIFS, MODALITES_ACCOMPAGNEMENT, PUBLICS, SERVICES

RADII_KM = (1, 2, 5, 10, 20)
DEFAULT_RADIUS_KM = 5
PAGE_SIZE = 20
LABELS_SHOWN = ("France Services", "Conseillers numériques", "Aidants Connect")
PRESENTATION = ("lang", "embed", "print")


@dataclass
class Search:
    """The parsed query string of a search page."""

    q: str = ""
    lon: float | None = None
    lat: float | None = None
    services: list[str] = field(default_factory=list)
    modalites: list[str] = field(default_factory=list)
    publics: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    free: bool = False
    open_mode: str = ""  # "" | maintenant | jour
    day: int | None = None
    hour: str = ""
    radius_km: int = DEFAULT_RADIUS_KM
    page: int = 1

    def open_at(self, now: datetime) -> datetime | None:
        """The moment venues must be open at (naive French time), or ``None``."""
        if self.open_mode == "maintenant":
            return now
        if self.open_mode == "jour" and self.day is not None:
            at = time.fromisoformat(self.hour) if self.hour else time(10, 0)
            ahead = (self.day - now.weekday()) % 7
            moment = datetime.combine(now.date() + timedelta(days=ahead), at)
            return moment if moment >= now else moment + timedelta(days=7)
        return None

    def query_kwargs(self) -> dict:
        """Keyword arguments of :meth:`VenueIndex.query` (filters only)."""
        return {"services": self.services, "modalites": self.modalites, "publics": self.publics,
                "labels": self.labels, "frais": ["Gratuit", "Gratuit sous condition"] if self.free else []}  # fmt: skip

    def filters_count(self) -> int:
        return len(self.services) + len(self.modalites) + len(self.publics) + len(self.labels) + self.free + bool(
            self.open_mode)  # fmt: skip


def _known(values: list[str], vocabulary: tuple[str, ...], name: str) -> list[str]:
    unknown = [v for v in values if v not in vocabulary]
    if unknown:
        raise BadRequest(f"unknown {name} « {unknown[0][:80]} »", hint="accepted: " + "; ".join(vocabulary))
    return values


def _coordinate(raw: str | None, name: str, low: float, high: float) -> float | None:
    if raw in (None, ""):
        return None
    try:
        number = float(raw)
    except ValueError:
        raise BadRequest(f"{name} « {raw[:40]} » is not a number") from None
    if not low <= number <= high:
        raise BadRequest(f"{name} {number} is out of range ({low} to {high} degrees)")
    return number


def parse_search(args) -> Search:
    """Read and check the query string (a bad value is a clear 400, never a crash)."""
    s = Search(q=(args.get("q") or "").strip()[:200])
    s.lon = _coordinate(args.get("lon"), "longitude", -180, 180)
    s.lat = _coordinate(args.get("lat"), "latitude", -90, 90)
    if (s.lon is None) != (s.lat is None):
        raise BadRequest("give both lon and lat, or neither")
    s.services = _known(args.getlist("service"), SERVICES, "service")
    s.modalites = _known(args.getlist("modalite"), MODALITES_ACCOMPAGNEMENT, "modalité")
    s.publics = _known(args.getlist("public"), PUBLICS, "public")
    s.labels = _known(args.getlist("label"), DISPOSITIFS, "label")
    s.free = args.get("gratuit") == "1"
    s.open_mode = args.get("ouvert", "")
    if s.open_mode not in ("", "maintenant", "jour"):
        raise BadRequest(f"ouvert « {s.open_mode[:40]} »: use maintenant or jour")
    if args.get("jour", "") != "":
        if not re.fullmatch(r"[0-6]", args["jour"]):
            raise BadRequest("jour must be 0 (Monday) to 6 (Sunday)")
        s.day = int(args["jour"])
    s.hour = args.get("heure", "")
    if s.hour and not re.fullmatch(r"(?:[01]\d|2[0-3]):[0-5]\d", s.hour):
        raise BadRequest(f"heure « {s.hour[:20]} » must be HH:MM, e.g. 14:30")
    radius = args.get("rayon", str(DEFAULT_RADIUS_KM))
    if not radius.isdigit() or int(radius) not in RADII_KM:
        raise BadRequest(f"rayon « {radius[:20]} » must be one of {', '.join(map(str, RADII_KM))} (km)")
    s.radius_km = int(radius)
    page = args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= 500:
        raise BadRequest(f"page « {page[:20]} » must be a number from 1 to 500")
    s.page = int(page)
    return s


def active_filters(search: Search, lang: str) -> list[str]:
    """The filters in force, in short words, for the one-line summary above the results."""
    from . import i18n
    from .hours_text import WORDS

    days = WORDS[lang]["days"]
    chosen = [i18n.value(v, lang) for v in (*search.services, *search.modalites, *search.publics)]
    chosen += list(search.labels)
    if search.free:
        chosen.append(i18n.text("fi_filter_free", lang))
    if search.open_mode == "maintenant":
        chosen.append(i18n.text("fi_filter_open_now", lang))
    elif search.open_mode == "jour" and search.day is not None:
        day = days[search.day] + (f" {search.hour}" if search.hour else "")
        chosen.append(i18n.text("fi_filter_open_on", lang, day=day))
    if chosen or search.radius_km != DEFAULT_RADIUS_KM:
        chosen.append(i18n.text("fi_filter_radius", lang, km=search.radius_km))
    return chosen


def page_url(args, **changes) -> str:
    """The current URL's query string with some parameters changed (``None`` removes one)."""
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        pairs += [(key, v) for v in value] if isinstance(value, list | tuple) else [(key, value)]
    return "?" + urlencode(pairs) if pairs else "?"


def keep_presentation(args) -> dict:
    """The presentation parameters to carry into links (language, embed and print modes)."""
    return {k: args[k] for k in PRESENTATION if args.get(k)}
