"""Opening hours for the analysis: weekly hours of a venue, and whether it opens during a time slot.

Hours are the standard's OSM ``opening_hours`` strings, evaluated by opening-hours-py over a
reference week (``coverage.reference_week``, a Monday; default: the current week), so rules such as
``Mo-Fr 09:00-12:00`` and ``PH off`` give real intervals. A slot is written in the same syntax,
limited to days and one time range (``Sa 09:00-12:00``, ``Mo-Fr 18:00-21:00``), or one of the
French names of :data:`PRESETS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import opening_hours

from ..errors import BadRequest
from ..hours import parse_hours

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
PRESETS = {
    "samedi-matin": "Sa 09:00-12:00",
    "samedi": "Sa 09:00-18:00",
    "soir": "Mo-Fr 18:00-21:00",
    "midi": "Mo-Fr 12:00-14:00",
    "dimanche": "Su 09:00-18:00",
    "mercredi-apres-midi": "We 14:00-18:00",
}
_SLOT = re.compile(r"^\s*(?P<days>[A-Za-z]{2}(?:\s*[-,]\s*[A-Za-z]{2})*)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*"
                   r"(?P<end>\d{1,2}:\d{2})\s*$")  # fmt: skip


@dataclass(frozen=True)
class Slot:
    """Days of the week (0 = Monday) and a time range within each day."""

    days: tuple[int, ...]
    start: time
    end: time
    text: str

    def describe_fr(self) -> str:
        days = ", ".join(DAY_NAMES_FR[d] for d in self.days)
        return f"{days} de {self.start:%H:%M} à {self.end:%H:%M}"


def _day(token: str, text: str) -> int:
    token = token.strip().capitalize()
    if token not in DAYS:
        raise BadRequest(f"slot '{text}': '{token}' is not a day; use Mo Tu We Th Fr Sa Su")
    return DAYS.index(token)


def parse_slot(text: str) -> Slot:
    """Parse a slot such as ``"Sa 09:00-12:00"``, ``"Mo-Fr 18:00-21:00"`` or ``"samedi-matin"``.

    Raises
    ------
    BadRequest
        With the expected syntax, when the slot does not parse.
    """
    raw = (text or "").strip()
    spec = PRESETS.get(raw.lower(), raw)
    match = _SLOT.match(spec)
    if not match:
        presets = ", ".join(PRESETS)
        raise BadRequest(f"slot '{text}' does not parse",
                         hint=f"write days and one time range, e.g. 'Sa 09:00-12:00' or 'Mo-Fr 18:00-21:00', "
                              f"or one of: {presets}")  # fmt: skip
    days: list[int] = []
    for part in re.split(r"\s*,\s*", match["days"]):
        if "-" in part:
            first, last = (_day(p, text) for p in part.split("-"))
            span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
            days.extend(span)
        else:
            days.append(_day(part, text))
    try:
        start = time.fromisoformat(match["start"].zfill(5))
        end = time.fromisoformat(match["end"].zfill(5)) if match["end"] != "24:00" else time(23, 59, 59)
    except ValueError:
        raise BadRequest(f"slot '{text}': times must be between 00:00 and 24:00") from None
    if end <= start:
        raise BadRequest(f"slot '{text}': the end time must come after the start time")
    return Slot(tuple(dict.fromkeys(days)), start, end, spec)


def reference_monday(setting: str | None) -> date:
    """The Monday of the reference week: the setting, else the current week's Monday."""
    if setting:
        return date.fromisoformat(setting)
    today = date.today()
    return today - timedelta(days=today.weekday())


@lru_cache(maxsize=20_000)
def _intervals(expr: str, monday: date) -> tuple[tuple[datetime, datetime], ...] | None:
    """Open intervals of ``expr`` during the week of ``monday``; ``None`` if it does not parse."""
    oh = parse_hours(expr)
    if oh is None:
        return None
    try:
        start = datetime.combine(monday, time())
        return tuple((a, b) for a, b, state, _ in oh.intervals(start, start + timedelta(days=7))
                     if state == opening_hours.State.OPEN)  # fmt: skip
    except Exception:  # the parser raises its own error types for a bad expression
        return None


def weekly_hours(expr, monday: date) -> float | None:
    """Hours open during the reference week, or ``None`` when the hours are unknown or invalid."""
    if not isinstance(expr, str) or not expr.strip():
        return None
    spans = _intervals(expr.strip(), monday)
    if spans is None:
        return None
    return sum((b - a).total_seconds() for a, b in spans) / 3600.0


def open_during(expr, slot: Slot, monday: date) -> bool | None:
    """True if the venue is open at some moment of the slot; ``None`` when its hours are unknown."""
    if not isinstance(expr, str) or not expr.strip():
        return None
    spans = _intervals(expr.strip(), monday)
    if spans is None:
        return None
    for day in slot.days:
        d = monday + timedelta(days=day)
        lo, hi = datetime.combine(d, slot.start), datetime.combine(d, slot.end)
        if any(a < hi and b > lo for a, b in spans):
            return True
    return False
