"""Opening hours in plain language for the public pages: "Ouvert · ferme à 17h30", a week table.

Hours are OSM ``opening_hours`` strings evaluated by opening-hours-py with the French public holidays,
so ``PH off`` closes on 1 May. Datetimes are naive Europe/Paris wall time given by the caller: the
module never reads the clock, so a page and its tests give the same answer for the same ``now``.
Missing, empty or unparsable hours are "unknown", never "closed": we must not send people away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import opening_hours

from ..hours import parse_hours

OPEN, UNKNOWN = opening_hours.State.OPEN, opening_hours.State.UNKNOWN
LOOKAHEAD = timedelta(days=14)  # past two weeks, a date to come back is no help: "closed for now"

WORDS = {
    "fr": {
        "unknown": "Horaires inconnus", "always": "Ouvert 24 h/24", "shut": "Fermé pour le moment",
        "open": "Ouvert · ferme {}", "closed": "Fermé · ouvre {}", "day_closed": "Fermé", "midnight": "minuit",
        "today": "à {t}", "tomorrow": "demain {d} à {t}", "weekday": "{d} à {t}", "date": "le {d} à {t}",
        "absolute": "le {d} à {t}", "pair": "{first} et {last}", "range": "du {first} au {last}",
        "days": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
        "months": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                   "octobre", "novembre", "décembre"),
    },
    "en": {
        "unknown": "Hours unknown", "always": "Open 24/7", "shut": "Closed for now",
        "open": "Open · closes {}", "closed": "Closed · opens {}", "day_closed": "Closed", "midnight": "midnight",
        "today": "at {t}", "tomorrow": "tomorrow ({d}) at {t}", "weekday": "{d} at {t}", "date": "on {d} at {t}",
        "absolute": "on {d} at {t}", "pair": "{first} and {last}", "range": "{first} to {last}",
        "days": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        "months": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                   "October", "November", "December"),
    },
}  # fmt: skip


@dataclass(frozen=True)
class HoursStatus:
    """Whether a venue is open now, in a short sentence, with the next change when there is one."""

    state: str  # "open", "closed" or "unknown"
    text: str
    closes_at: datetime | None = None
    opens_at: datetime | None = None


@dataclass(frozen=True)
class DayHours:
    """One line of the week table: the day's name and its hours, e.g. ``9h – 12h, 14h – 17h30``."""

    day: str
    text: str


_hours = parse_hours  # one parser and one cache for the whole product


def _words(lang: str) -> dict:
    if lang not in WORDS:
        raise ValueError(f"language {lang!r} is not supported; use one of {', '.join(WORDS)}")
    return WORDS[lang]


def _open_spans(oh, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Open intervals between ``start`` and ``end``, merged where they touch (a comment splits them)."""
    spans: list[tuple[datetime, datetime]] = []
    for a, b, state, _ in oh.intervals(start, end):
        if state != OPEN:
            continue
        if spans and spans[-1][1] == a:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return spans


def clock(t: time, lang: str) -> str:
    """``9h``, ``17h30`` in French; ``9 am``, ``5:30 pm`` in English."""
    if lang == "fr":
        return f"{t.hour}h{t.minute:02d}" if t.minute else f"{t.hour}h"
    hour, suffix = t.hour % 12 or 12, "am" if t.hour < 12 else "pm"
    return f"{hour}:{t.minute:02d} {suffix}" if t.minute else f"{hour} {suffix}"


def _end(moment: datetime, lang: str) -> tuple[date, str]:
    """Day and clock of the end of a span: one ending at 00:00 ends at midnight of the day before."""
    if moment.time() == time():
        return moment.date() - timedelta(days=1), WORDS[lang]["midnight"]
    return moment.date(), clock(moment.time(), lang)


def _date_words(day: date, lang: str, weekday: bool = False) -> str:
    """« 5 janvier », « jeudi 3 décembre » (``weekday``), "3 December", "Thursday 3 December"."""
    words = WORDS[lang]
    number = "1er" if lang == "fr" and day.day == 1 else str(day.day)
    text = f"{number} {words['months'][day.month - 1]}"
    return f"{words['days'][day.weekday()]} {text}" if weekday else text


def _when(moment: datetime, now: datetime, lang: str, end: bool = False, absolute: bool = False) -> str:
    """``moment`` said from ``now``: "à 14h", "demain jeudi à 9h", "lundi à 9h", "le 5 janvier à 9h".

    ``absolute`` always writes the date ("le jeudi 3 décembre à 9h"): for paper, read on another
    day than the one it was printed, where « demain » would be wrong.
    """
    words = WORDS[lang]
    day, at = _end(moment, lang) if end else (moment.date(), clock(moment.time(), lang))
    if absolute:
        return words["absolute"].format(d=_date_words(day, lang, weekday=True), t=at)
    ahead = (day - now.date()).days
    if ahead <= 0:
        return words["today"].format(t=at)
    if ahead == 1:
        return words["tomorrow"].format(d=words["days"][day.weekday()], t=at)
    if ahead < 7:  # a weekday name is unambiguous only within the coming week
        return words["weekday"].format(d=words["days"][day.weekday()], t=at)
    return words["date"].format(d=_date_words(day, lang), t=at)


def status(expr, now: datetime, lang: str = "fr", absolute: bool = False) -> HoursStatus:
    """Open or closed at ``now``, with when that changes, in a short sentence.

    Parameters
    ----------
    expr : str or None
        OSM ``opening_hours`` string.
    now : datetime
        Naive Europe/Paris wall time.
    lang : {"fr", "en"}
    absolute : bool
        Write the day of the next change as a date (for paper), never « demain » or « à 14h ».

    Returns
    -------
    HoursStatus
        ``state`` "unknown" (text "Horaires inconnus") when ``expr`` is missing, empty or invalid.
    """
    words = _words(lang)
    oh = _hours(expr)
    if oh is None or oh.is_unknown(now):
        return HoursStatus("unknown", words["unknown"])
    spans = _open_spans(oh, now, now + LOOKAHEAD)
    if spans and spans[0][0] == now:  # the intervals start at ``now``, so an open one means open now
        closes = spans[0][1]
        if closes >= now + LOOKAHEAD:
            return HoursStatus("open", words["always"])
        return HoursStatus("open", words["open"].format(_when(closes, now, lang, end=True, absolute=absolute)), closes_at=closes)
    if not spans:
        return HoursStatus("closed", words["shut"])
    opens = spans[0][0]
    return HoursStatus("closed", words["closed"].format(_when(opens, now, lang, absolute=absolute)), opens_at=opens)


def _monday_start(monday: date) -> datetime:
    if monday.weekday() != 0:
        raise ValueError(f"{monday} is not a Monday")
    return datetime.combine(monday, time())


@lru_cache(maxsize=20_000)
def _week(expr: str, start: datetime, lang: str) -> tuple[DayHours, ...]:
    words, oh = WORDS[lang], parse_hours(expr)
    if oh is None:
        return ()
    spans = _open_spans(oh, start, start + timedelta(days=7))
    rows = []
    for i, name in enumerate(words["days"]):
        lo = start + timedelta(days=i)
        hi = lo + timedelta(days=1)
        parts = [(max(a, lo), min(b, hi)) for a, b in spans if a < hi and b > lo]  # cut at midnight
        if parts == [(lo, hi)]:
            text = words["always"]
        elif parts:
            text = ", ".join(f"{clock(a.time(), lang)} – {_end(b, lang)[1]}" for a, b in parts)
        elif any(state == UNKNOWN for _, _, state, _ in oh.intervals(lo, hi)):
            text = words["unknown"]  # "Sa unknown" is not "closed"
        else:
            text = words["day_closed"]
        rows.append(DayHours(name.capitalize(), text))
    return tuple(rows)


def week(expr, monday: date, lang: str = "fr") -> list[DayHours]:
    """The hours of each day of the week of ``monday``, Monday first, for a table on the venue's page.

    Spans crossing midnight are cut there: ``Fr 22:00-02:00`` gives Friday "22h – minuit" and
    Saturday "0h – 2h". Public holidays of that week follow ``PH`` rules.

    Returns
    -------
    list of DayHours
        Seven entries, or ``[]`` when the hours are unknown.
    """
    start, _ = _monday_start(monday), _words(lang)  # wrong arguments raise even for unknown hours
    if not isinstance(expr, str) or not expr.strip():
        return []
    return list(_week(expr.strip(), start, lang))


def is_open_at(expr, when: datetime) -> bool | None:
    """True if open at ``when`` (naive local time); ``None`` when the hours are unknown."""
    oh = _hours(expr)
    if oh is None or oh.is_unknown(when):
        return None
    return oh.is_open(when)


def opens_during(expr, day: int, start: time, end: time, monday: date) -> bool | None:
    """True if open at some moment between ``start`` and ``end`` on weekday ``day`` (0 = Monday).

    An ``end`` not after ``start`` runs past midnight (``18:00``–``00:00``, ``22:00``–``02:00``).
    Returns ``None`` when the hours are unknown, over the whole slot or where it is not open.
    """
    if not 0 <= day <= 6:
        raise ValueError(f"day must be 0 (Monday) to 6 (Sunday), not {day}")
    the_day = (_monday_start(monday) + timedelta(days=day)).date()
    oh = _hours(expr)
    if oh is None:
        return None
    lo, hi = datetime.combine(the_day, start), datetime.combine(the_day, end)
    if hi <= lo:
        hi += timedelta(days=1)
    states = {state for _, _, state, _ in oh.intervals(lo, hi)}
    if OPEN in states:
        return True
    return None if UNKNOWN in states else False


def coming_days(today: date) -> list[date]:
    """The next date of each weekday, Monday first, today included: the 7 days from ``today``."""
    return [today + timedelta(days=(d - today.weekday()) % 7) for d in range(7)]


def coming_week(expr, today: date, lang: str = "fr") -> list[tuple[str, str]]:
    """The hours of the 7 days from ``today`` (Monday first, each day's next date, so a public
    holiday of next week counts), consecutive days of the same hours on one line: « Du lundi au
    vendredi : 9h – 12h », « Samedi et dimanche : Fermé ». For paper, read on the days after it is
    printed.

    Returns
    -------
    list of (str, str)
        ``(days, hours)`` lines, or ``[]`` when the hours are unknown.
    """
    words = _words(lang)
    monday = today - timedelta(days=today.weekday())
    this_week, next_week = week(expr, monday, lang), week(expr, monday + timedelta(days=7), lang)
    if not this_week:
        return []
    texts = [(this_week if d >= today.weekday() else next_week)[d].text for d in range(7)]
    lines, first = [], 0
    days = words["days"]
    for i in range(1, 8):
        if i == 7 or texts[i] != texts[first]:
            last = i - 1
            if last == first:
                label = days[first]
            else:
                label = words["pair" if last == first + 1 else "range"].format(first=days[first], last=days[last])
            lines.append((label[0].upper() + label[1:], texts[first]))
            first = i
    return lines


def date_words(day: date, lang: str = "fr", year: bool = False) -> str:
    """« mardi 1er décembre » (« 1er » for the first), "Tuesday 8 December"; with the year if asked."""
    _words(lang)
    text = _date_words(day, lang, weekday=True)
    return f"{text} {day.year}" if year else text


def date_time_text(moment: datetime, lang: str = "fr") -> str:
    """« mercredi 2 décembre 2026 à 10h05 », "Wednesday 2 December 2026 at 10:05 am"."""
    _words(lang)  # an unsupported language raises
    link = "à" if lang == "fr" else "at"
    return f"{_date_words(moment.date(), lang, weekday=True)} {moment.year} {link} {clock(moment.time(), lang)}"
