"""Plain-language opening hours, checked by hand against a calendar.

Reference week: Monday 6 January 2025 to Sunday 12 January 2025. Public holidays used:
Wednesday 25 December 2024 (Christmas) and Thursday 1 May 2025.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time

import pytest

from inclusion_map.web.hours_text import (
    DayHours,
    HoursStatus,
    coming_week,
    date_time_text,
    is_open_at,
    opens_during,
    status,
    week,
)

HOURS = "Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00"
MONDAY = date(2025, 1, 6)
HOLIDAYS = "Mo-Fr 09:00-17:00; PH off"
MONTH, MONTH_EN = "janvier", "January"  # of the reference week


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of the reference week, ``day`` 0 = Monday 6 January 2025."""
    return datetime(2025, 1, 6 + day, hour, minute)


# --- status -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "state", "text"),
    [
        (at(0, 7), "closed", "Fermé · ouvre à 9h"),  # early morning
        (at(0, 9), "open", "Ouvert · ferme à 12h"),  # opening minute counts as open
        (at(0, 10, 30), "open", "Ouvert · ferme à 12h"),  # weekday morning
        (at(0, 12), "closed", "Fermé · ouvre à 14h"),  # closing minute counts as closed
        (at(0, 12, 30), "closed", "Fermé · ouvre à 14h"),  # lunch break
        (at(2, 15), "open", "Ouvert · ferme à 17h30"),  # afternoon
        (at(0, 18), "closed", "Fermé · ouvre demain mardi à 9h"),  # evening after closing
        (at(4, 18), "closed", "Fermé · ouvre demain samedi à 9h"),  # Friday evening: Saturday morning
        (at(5, 10), "open", "Ouvert · ferme à 12h"),  # Saturday
        (at(5, 13), "closed", "Fermé · ouvre lundi à 9h"),  # Saturday afternoon: skips Sunday
        (at(6, 10), "closed", "Fermé · ouvre demain lundi à 9h"),  # Sunday closed: Monday is tomorrow
    ],
)
def test_status_french(now, state, text):
    result = status(HOURS, now)
    assert (result.state, result.text) == (state, text)


def test_status_gives_the_next_change():
    assert status(HOURS, at(0, 10)) == HoursStatus("open", "Ouvert · ferme à 12h", closes_at=at(0, 12))
    assert status(HOURS, at(0, 12, 30)).opens_at == at(0, 14)
    assert status(HOURS, at(0, 12, 30)).closes_at is None
    assert status(HOURS, at(5, 13)).opens_at == datetime(2025, 1, 13, 9)


@pytest.mark.parametrize(
    ("expr", "now", "text"),
    [
        ("Mo 09:30-12:15", at(0, 8), "Fermé · ouvre à 9h30"),
        ("Mo 09:30-12:15", at(0, 10), "Ouvert · ferme à 12h15"),
        # a weekday name would be ambiguous a week ahead: the date is given instead
        ("Mo 09:00-12:00", at(0, 13), "Fermé · ouvre le 13 janvier à 9h"),
        ("We 09:00-12:00", datetime(2024, 12, 25, 13), "Fermé · ouvre le 1er janvier à 9h"),
        ("Mo-Fr 09:00-17:00; Aug off", datetime(2025, 8, 25, 18), "Fermé · ouvre le 1er septembre à 9h"),
        ("Mo-Fr 09:00-17:00; Aug off", datetime(2025, 8, 1, 18), "Fermé pour le moment"),
        ("off", at(0, 10), "Fermé pour le moment"),
    ],
)
def test_status_further_ahead(expr, now, text):
    assert status(expr, now).text == text


def test_status_24_7():
    assert status("24/7", at(3, 3)) == HoursStatus("open", "Ouvert 24 h/24")
    assert status("24/7", at(3, 3), lang="en").text == "Open 24/7"


def test_status_across_midnight():
    assert status("Mo-Su 20:00-24:00", at(0, 21)).text == "Ouvert · ferme à minuit"
    assert status("Mo-Su 20:00-24:00", at(0, 21)).closes_at == at(1, 0)
    assert status("Mo-Su 20:00-24:00", at(0, 21), lang="en").text == "Open · closes at midnight"
    assert status("Fr 22:00-02:00", at(4, 23)).text == "Ouvert · ferme demain samedi à 2h"
    assert status("Fr 22:00-02:00", at(5, 1)).text == "Ouvert · ferme à 2h"
    assert status("Fr 22:00-02:00", at(5, 3)).text == "Fermé · ouvre vendredi à 22h"


def test_status_public_holiday():
    # Tuesday 24 December 2024 evening: Christmas Wednesday is skipped.
    result = status(HOLIDAYS, datetime(2024, 12, 24, 18))
    assert (result.text, result.opens_at) == ("Fermé · ouvre jeudi à 9h", datetime(2024, 12, 26, 9))
    assert status(HOLIDAYS, datetime(2024, 12, 25, 10)).state == "closed"
    assert status(HOLIDAYS, datetime(2025, 5, 1, 10)).text == "Fermé · ouvre demain vendredi à 9h"
    assert status(HOLIDAYS, datetime(2025, 5, 2, 10)).text == "Ouvert · ferme à 17h"


def test_status_merges_spans_that_differ_only_by_comment():
    expr = 'Mo-Fr 09:00-12:00 "sur rendez-vous", 12:00-14:00'
    assert status(expr, at(0, 10)).text == "Ouvert · ferme à 14h"


@pytest.mark.parametrize("expr", [None, "", "   ", "n'importe quoi", "Mo-Fr 25:00-26:00", 42, float("nan")])
def test_status_unknown(expr):
    assert status(expr, at(0, 10)) == HoursStatus("unknown", "Horaires inconnus")
    assert status(expr, at(0, 10), lang="en").text == "Hours unknown"


def test_status_unknown_state_in_the_expression():
    assert status("Mo-Fr 09:00-12:00; Sa unknown", at(5, 10)).state == "unknown"
    assert status("Mo-Fr 09:00-12:00; Sa unknown", at(0, 10)).state == "open"


@pytest.mark.parametrize(
    ("now", "text"),
    [
        (at(0, 15), "Open · closes at 5:30 pm"),
        (at(0, 10), "Open · closes at 12 pm"),
        (at(0, 12, 30), "Closed · opens at 2 pm"),
        (at(0, 18), "Closed · opens tomorrow (Tuesday) at 9 am"),
        (at(5, 13), "Closed · opens Monday at 9 am"),
        (at(6, 10), "Closed · opens tomorrow (Monday) at 9 am"),
    ],
)
def test_status_english(now, text):
    assert status(HOURS, now, lang="en").text == text


def test_status_for_paper_writes_dates_never_tomorrow():
    """A printed list is read on other days: the next change is written as a date."""
    monday = at(0, 18)
    assert status(HOURS, monday, absolute=True).text == f"Fermé · ouvre le mardi {monday.day + 1} {MONTH} à 9h"
    assert status(HOURS, at(0, 10), absolute=True).text == f"Ouvert · ferme le lundi {monday.day} {MONTH} à 12h"
    english = status(HOURS, monday, lang="en", absolute=True).text
    assert english == f"Closed · opens on Tuesday {monday.day + 1} {MONTH_EN} at 9 am"
    for now in (at(0, 7), at(0, 12, 30), at(5, 13), at(6, 10)):
        text = status(HOURS, now, absolute=True).text
        assert "demain" not in text and " à " in text and " le " in text


def test_status_english_further_ahead():
    assert status("Mo 09:00-12:00", at(0, 13), lang="en").text == "Closed · opens on 13 January at 9 am"
    assert status("off", at(0, 13), lang="en").text == "Closed for now"


def test_status_is_frozen_and_rejects_unknown_languages():
    with pytest.raises(dataclasses.FrozenInstanceError):
        status(HOURS, at(0, 10)).text = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="de"):
        status(HOURS, at(0, 10), lang="de")


# --- week ---------------------------------------------------------------------------------------------


def test_week_french():
    assert week(HOURS, MONDAY) == [
        DayHours("Lundi", "9h – 12h, 14h – 17h30"),
        DayHours("Mardi", "9h – 12h, 14h – 17h30"),
        DayHours("Mercredi", "9h – 12h, 14h – 17h30"),
        DayHours("Jeudi", "9h – 12h, 14h – 17h30"),
        DayHours("Vendredi", "9h – 12h, 14h – 17h30"),
        DayHours("Samedi", "9h – 12h"),
        DayHours("Dimanche", "Fermé"),
    ]


def test_week_english():
    days = week(HOURS, MONDAY, lang="en")
    names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert [d.day for d in days] == names
    assert days[0].text == "9 am – 12 pm, 2 pm – 5:30 pm"
    assert days[5].text == "9 am – 12 pm"
    assert days[6].text == "Closed"


def test_week_cuts_spans_at_midnight():
    # Sunday 22:00-02:00 of the week before reaches into this Monday.
    texts = [d.text for d in week("Fr 22:00-02:00; Su 22:00-02:00", MONDAY)]
    assert texts == ["0h – 2h", "Fermé", "Fermé", "Fermé", "22h – minuit", "0h – 2h", "22h – minuit"]
    english = [d.text for d in week("Fr 22:00-02:00", MONDAY, lang="en")]
    assert english[4:6] == ["10 pm – midnight", "12 am – 2 am"]


def test_week_24_7_and_minutes():
    assert {d.text for d in week("24/7", MONDAY)} == {"Ouvert 24 h/24"}
    assert week("Mo 09:30-12:15", MONDAY)[0].text == "9h30 – 12h15"


def test_week_public_holiday():
    # Week of Monday 23 December 2024: Christmas falls on the Wednesday.
    texts = [d.text for d in week(HOLIDAYS, date(2024, 12, 23))]
    assert texts == ["9h – 17h", "9h – 17h", "Fermé", "9h – 17h", "9h – 17h", "Fermé", "Fermé"]


def test_week_unknown_day_is_not_closed():
    assert week("Mo-Fr 09:00-12:00; Sa unknown", MONDAY)[5] == DayHours("Samedi", "Horaires inconnus")


@pytest.mark.parametrize("expr", [None, "", "n'importe quoi"])
def test_week_unknown(expr):
    assert week(expr, MONDAY) == []


def test_week_needs_a_monday():
    with pytest.raises(ValueError, match="not a Monday"):
        week(HOURS, date(2025, 1, 7))


# --- is_open_at and opens_during ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "when", "expected"),
    [
        (HOURS, at(0, 10), True),
        (HOURS, at(0, 12, 30), False),
        (HOURS, at(6, 10), False),
        ("Fr 22:00-02:00", at(5, 1), True),
        ("24/7", at(6, 3), True),
        (HOLIDAYS, datetime(2024, 12, 25, 10), False),
        (HOLIDAYS, datetime(2024, 12, 26, 10), True),
        ("Mo-Fr 09:00-12:00; Sa unknown", at(5, 10), None),
        (None, at(0, 10), None),
        ("", at(0, 10), None),
        ("n'importe quoi", at(0, 10), None),
    ],
)
def test_is_open_at(expr, when, expected):
    assert is_open_at(expr, when) is expected


@pytest.mark.parametrize(
    ("expr", "day", "start", "end", "expected"),
    [
        (HOURS, 5, time(11), time(13), True),  # Saturday late morning
        (HOURS, 5, time(12), time(13), False),  # touching the closing time is not open
        (HOURS, 0, time(12), time(14), False),  # lunch break
        (HOURS, 0, time(12), time(14, 1), True),
        (HOURS, 6, time(9), time(18), False),  # Sunday
        (HOURS, 0, time(18), time(0), False),  # evening up to midnight
        ("Mo-Su 20:00-24:00", 0, time(18), time(0), True),
        ("Sa 00:30-03:00", 4, time(23), time(1), True),  # Friday night runs into Saturday
        ("Sa 01:00-03:00", 4, time(23), time(1), False),
        ("Mo-Fr 09:00-12:00; Sa unknown", 5, time(9), time(12), None),
        (None, 0, time(9), time(12), None),
        ("n'importe quoi", 0, time(9), time(12), None),
    ],
)
def test_opens_during(expr, day, start, end, expected):
    assert opens_during(expr, day, start, end, MONDAY) is expected


def test_opens_during_public_holiday():
    christmas_week = date(2024, 12, 23)
    assert opens_during(HOLIDAYS, 2, time(10), time(12), christmas_week) is False
    assert opens_during(HOLIDAYS, 3, time(10), time(12), christmas_week) is True


def test_opens_during_rejects_bad_arguments():
    with pytest.raises(ValueError, match="day"):
        opens_during(HOURS, 7, time(9), time(12), MONDAY)
    with pytest.raises(ValueError, match="not a Monday"):
        opens_during(HOURS, 0, time(9), time(12), date(2025, 1, 8))


def test_parsed_expressions_are_cached():
    from inclusion_map import hours

    hours._parse.cache_clear()
    for hour in (8, 10, 13):
        status(HOURS, at(0, hour))
        is_open_at(f" {HOURS} ", at(0, hour))  # stripped first, so the same cache entry
    info = hours._parse.cache_info()
    assert (info.misses, info.hits) == (1, 5)


def test_coming_week_groups_days_with_the_same_hours():
    lines = coming_week(HOURS, MONDAY)
    assert lines == [("Du lundi au vendredi", "9h – 12h, 14h – 17h30"), ("Samedi", "9h – 12h"), ("Dimanche", "Fermé")]
    assert coming_week(HOURS, MONDAY, "en")[0] == ("Monday to Friday", "9 am – 12 pm, 2 pm – 5:30 pm")
    assert coming_week("Mo 09:00-12:00; We 09:00-12:00", MONDAY)[:3] == [
        ("Lundi", "9h – 12h"), ("Mardi", "Fermé"), ("Mercredi", "9h – 12h")]
    assert coming_week("Sa,Su 10:00-12:00", MONDAY)[-1] == ("Samedi et dimanche", "10h – 12h")
    assert coming_week(None, MONDAY) == [] and coming_week("n'importe quoi", MONDAY) == []


def test_coming_week_takes_each_days_next_date():
    # From Friday 27 December 2024: Monday is 30 December (open), Wednesday 1 January is a holiday.
    lines = coming_week(HOLIDAYS, date(2024, 12, 27))
    assert ("Mercredi", "Fermé") in lines and lines[0] == ("Lundi et mardi", "9h – 17h")


def test_date_time_text_for_a_printed_page():
    assert date_time_text(datetime(2026, 12, 2, 10, 5)) == "mercredi 2 décembre 2026 à 10h05"
    assert date_time_text(datetime(2026, 12, 1, 9, 0), "en") == "Tuesday 1 December 2026 at 9 am"
