"""Opening hours: validation of OSM ``opening_hours`` strings (with the opening-hours-py parser)
and conversion of "one column per weekday" tables (France Services) into one OSM string."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import opening_hours

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_TIME = re.compile(r"(\d{1,2})\s*[:hH]\s*(\d{2})")


@lru_cache(maxsize=20_000)
def _parse(expr: str) -> opening_hours.OpeningHours | None:
    try:
        return opening_hours.OpeningHours(expr, country="FR")  # the country gives PH its holidays
    except Exception:  # ParserError mostly, but bad input must never break a page or an analysis
        return None


def parse_hours(expr) -> opening_hours.OpeningHours | None:
    """The parsed OSM expression (French public holidays known), or ``None`` when the hours are
    unknown: missing, empty, not a string or rejected by the parser. Cached: the same strings
    repeat across thousands of venues."""
    if not isinstance(expr, str) or not expr.strip():
        return None
    return _parse(expr.strip())


def validate_opening_hours(text: str) -> str | None:
    """Return the OSM ``opening_hours`` string tidied, or ``None`` if the parser rejects it."""
    candidate = " ".join(text.split()).strip(" ;")
    for attempt in (candidate, candidate.replace(" ,", ",").replace(", ", ",")):
        try:
            if opening_hours.validate(attempt):
                return attempt
        except Exception:  # the parser raises on some inputs instead of returning False
            return None
    return None


def day_ranges(text: str | None) -> list[str] | None:
    """Parse one day's hours written like ``09:00 - 12:00 / 13:30 - 17:00`` into OSM ranges.

    Returns ``[]`` for an empty cell (closed), ``None`` when the text cannot be read.
    """
    if text is None or not text.strip() or text.strip() in {"-", "Fermé", "fermé"}:
        return []
    times = [(int(h), int(m)) for h, m in _TIME.findall(text)]
    if not times or len(times) % 2 or any(h > 24 or m > 59 for h, m in times):
        return None
    ranges = []
    for (h1, m1), (h2, m2) in zip(times[::2], times[1::2], strict=True):
        if (h2, m2) <= (h1, m1):
            return None
        ranges.append(f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}")
    return ranges


def weekly_table_to_osm(days: Mapping[str, str | None]) -> tuple[str | None, list[str]]:
    """Build one OSM string from per-day cells keyed by OSM day (``Mo`` … ``Su``).

    Consecutive days with the same hours are grouped (``Mo-Fr 09:00-12:00,13:30-17:00``).

    Returns
    -------
    (osm string or None, unreadable day codes)
    """
    parsed: dict[str, list[str]] = {}
    unreadable = []
    for day in OSM_DAYS:
        ranges = day_ranges(days.get(day))
        if ranges is None:
            unreadable.append(day)
        elif ranges:
            parsed[day] = ranges
    rules: list[tuple[list[str], str]] = []
    for day in OSM_DAYS:
        if day not in parsed:
            continue
        spec = ",".join(parsed[day])
        last = rules[-1] if rules else None
        if last and last[1] == spec and OSM_DAYS.index(last[0][-1]) == OSM_DAYS.index(day) - 1:
            last[0].append(day)
        else:
            rules.append(([day], spec))
    parts = [(d[0] if len(d) == 1 else f"{d[0]}-{d[-1]}") + " " + spec for d, spec in rules]
    result = "; ".join(parts) or None
    return (validate_opening_hours(result) if result else None), unreadable
