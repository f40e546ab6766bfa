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


#: A week without French public holidays (8–14 June 2026): the typical week the organisers' week
#: editor shows. Hours that depend on the season or holidays cannot all be shown in one week.
TYPICAL_MONDAY = (2026, 6, 8)
MAX_RANGES_PER_DAY = 2


def osm_to_week(expr) -> dict[str, list[tuple[str, str]]] | None:
    """The open ranges of each day of a typical week, for the organisers' week editor.

    Evaluated by opening-hours-py (any valid OSM expression is read the way the rest of the product
    reads it), then written back with :func:`week_to_osm`: when that does not give the same
    expression again (public holidays, seasons, more than two ranges a day, a range over midnight),
    the week cannot show the hours and ``None`` is returned; the raw OSM text stays editable.

    Returns
    -------
    dict or None
        ``{"Mo": [("09:00", "12:00"), ("13:30", "17:00")], "Tu": [], …}`` (every day present,
        ``[]`` when closed), or ``None`` when unknown or not representable (also: comments such as
        « sur rendez-vous », and ranges up to midnight, which a time field cannot hold).
    """
    from datetime import datetime, timedelta

    parsed = parse_hours(expr)
    if parsed is None:
        return None
    monday = datetime(*TYPICAL_MONDAY)
    week: dict[str, list[tuple[str, str]]] = {day: [] for day in OSM_DAYS}
    try:
        for index, day in enumerate(OSM_DAYS):
            start = monday + timedelta(days=index)
            for begin, end, state, comment in parsed.intervals(start, start + timedelta(days=1)):
                if str(state).rsplit(".", 1)[-1].upper() != "OPEN":
                    continue
                if comment:  # « sur rendez-vous »: the week's time fields cannot carry it
                    return None
                text_end = "24:00" if end >= start + timedelta(days=1) else end.strftime("%H:%M")
                ranges = week[day]
                if ranges and ranges[-1][1] == begin.strftime("%H:%M"):  # a comment split one range
                    ranges[-1] = (ranges[-1][0], text_end)
                else:
                    ranges.append((begin.strftime("%H:%M"), text_end))
    except Exception:  # an expression the evaluator cannot run: not shown in the week
        return None
    # A time field holds 00:00–23:59: a range up to midnight (or 24/7) stays in the OSM text.
    if any(len(r) > MAX_RANGES_PER_DAY or any(b == "24:00" for _, b in r) for r in week.values()):
        return None
    again = parse_hours(week_to_osm(week))
    fits = again is not None and _same_year(parsed, again, datetime(TYPICAL_MONDAY[0], 1, 1))
    return week if fits else None


def _same_year(a, b, start) -> bool:
    """Whether two parsed expressions open at the same moments over a year from ``start`` (public
    holidays and seasons included): then the week says all that the expression says."""
    from datetime import timedelta

    def spans(parsed):
        return [(x, y) for x, y, state, _ in parsed.intervals(start, start + timedelta(days=366))
                if str(state).rsplit(".", 1)[-1].upper() == "OPEN"]

    def merged(items):  # ranges split by a comment are one range
        out: list[tuple] = []
        for x, y in items:
            if out and out[-1][1] == x:
                out[-1] = (out[-1][0], y)
            else:
                out.append((x, y))
        return out

    return merged(spans(a)) == merged(spans(b))


def week_to_osm(week: Mapping[str, list[tuple[str, str]]]) -> str | None:
    """One OSM ``opening_hours`` string from the open ranges of each day (``HH:MM`` pairs).

    Days with the same ranges in a row are grouped (``Mo-Fr 09:00-12:00,13:30-17:00``); a week
    without any range gives ``None`` (hours unknown). The ranges must be checked by the caller
    (start before end, in order): what the parser refuses gives ``None`` too.
    """
    cells = {day: " / ".join(f"{a} - {b}" for a, b in week.get(day) or []) for day in OSM_DAYS}
    text, unreadable = weekly_table_to_osm(cells)
    return None if unreadable else text
