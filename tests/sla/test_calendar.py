"""Business-time arithmetic against cases computed by hand (comments show the working)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ticketing.sla.calendar import BusinessCalendar, CalendarError, format_hours, parse_hours

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600


def at(tz, *args) -> datetime:
    return datetime(*args, tzinfo=tz)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def office(tz: str, country: str | None = None, subdivision: str | None = None, **kw):
    """Monday to Friday, 09:00-17:00 local."""
    hours = parse_hours({d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")})
    return BusinessCalendar(tz, hours, country=country, subdivision=subdivision, **kw)


def test_a_target_runs_over_the_weekend():
    cal = office("Europe/Berlin")
    # Friday 27 Nov 2026 16:00 CET: 1 h left on Friday, 3 h on Monday -> Monday 12:00 CET.
    assert cal.add(at(BERLIN, 2026, 11, 27, 16), 4 * HOUR) == at(BERLIN, 2026, 11, 30, 12)
    assert cal.add(at(BERLIN, 2026, 11, 27, 16), 4 * HOUR) == utc(2026, 11, 30, 11)


def test_a_ticket_opened_outside_hours_starts_at_the_next_opening():
    cal = office("Europe/Berlin")
    # Saturday 10:00 -> the clock starts Monday 09:00; 2 h -> Monday 11:00.
    assert cal.add(at(BERLIN, 2026, 11, 28, 10), 2 * HOUR) == at(BERLIN, 2026, 11, 30, 11)
    # Monday 07:00 (before opening) + 1 h -> 10:00; Monday 20:00 + 1 h -> Tuesday 10:00.
    assert cal.add(at(BERLIN, 2026, 11, 30, 7), HOUR) == at(BERLIN, 2026, 11, 30, 10)
    assert cal.add(at(BERLIN, 2026, 11, 30, 20), HOUR) == at(BERLIN, 2026, 12, 1, 10)
    # No business time passes over a weekend.
    assert cal.between(at(BERLIN, 2026, 11, 28, 10), at(BERLIN, 2026, 11, 30, 9)) == 0


def test_a_target_ending_at_closing_time_is_due_at_closing_time():
    cal = office("Europe/Berlin")
    assert cal.add(at(BERLIN, 2026, 11, 30, 9), 8 * HOUR) == at(BERLIN, 2026, 11, 30, 17)
    assert cal.add(at(BERLIN, 2026, 11, 30, 9), 8 * HOUR + 1) == at(BERLIN, 2026, 12, 1, 9, 0, 1)


def test_public_holidays_of_the_region_are_days_off():
    cal = office("Europe/Berlin", "DE", "BE")
    # Christmas: Fri 25 Dec 2026 is a holiday, then the weekend. Thu 24 Dec 16:00 + 8 h:
    # 1 h on Thursday, 7 h on Monday 28 Dec -> 16:00 CET.
    assert cal.add(at(BERLIN, 2026, 12, 24, 16), 8 * HOUR) == at(BERLIN, 2026, 12, 28, 16)
    # International Women's Day (8 March) is a holiday in Berlin only: Mon 8 Mar 2027.
    assert cal.add(at(BERLIN, 2027, 3, 5, 16), 2 * HOUR) == at(BERLIN, 2027, 3, 9, 10)
    bavaria = office("Europe/Berlin", "DE", "BY")
    assert bavaria.add(at(BERLIN, 2027, 3, 5, 16), 2 * HOUR) == at(BERLIN, 2027, 3, 8, 10)


def test_us_thanksgiving_and_custom_days_off():
    cal = office("America/New_York", "US", custom_holidays=frozenset({date(2026, 11, 27)}))
    # Wed 25 Nov 16:00 EST + 4 h: 1 h Wed; Thu 26 Thanksgiving; Fri 27 a custom day off;
    # weekend; Mon 30 Nov 12:00 EST = 17:00 UTC.
    assert cal.add(at(NEW_YORK, 2026, 11, 25, 16), 4 * HOUR) == utc(2026, 11, 30, 17)


def test_spring_forward_in_berlin_moves_the_opening_an_hour_earlier_in_utc():
    cal = office("Europe/Berlin")
    # DST starts Sun 29 Mar 2026. Fri 27 Mar 16:00 CET (15:00 UTC) + 2 h: 1 h on Friday,
    # then Monday 09:00 CEST = 07:00 UTC, +1 h -> 08:00 UTC.
    assert cal.add(at(BERLIN, 2026, 3, 27, 16), 2 * HOUR) == utc(2026, 3, 30, 8)
    assert cal.between(utc(2026, 3, 27, 15), utc(2026, 3, 30, 8)) == 2 * HOUR


def test_a_round_the_clock_day_is_23_or_25_hours_long_on_dst_days():
    every_hour = parse_hours({d: ["00:00-24:00"] for d in ("fri", "sat", "sun", "mon")})
    berlin = BusinessCalendar("Europe/Berlin", every_hour)
    # Sunday 29 Mar 2026 (spring forward) holds 23 real hours of work.
    assert berlin.between(at(BERLIN, 2026, 3, 29), at(BERLIN, 2026, 3, 30)) == 23 * HOUR
    # Sat 00:00 + 47 h = Mon 00:00 local (24 h Saturday + 23 h Sunday).
    assert berlin.add(at(BERLIN, 2026, 3, 28), 47 * HOUR) == at(BERLIN, 2026, 3, 30)
    new_york = BusinessCalendar("America/New_York", every_hour)
    # Sunday 1 Nov 2026 (fall back) holds 25 hours.
    assert new_york.between(at(NEW_YORK, 2026, 11, 1), at(NEW_YORK, 2026, 11, 2)) == 25 * HOUR


def test_fall_back_in_new_york():
    cal = office("America/New_York")
    # DST ends Sun 1 Nov 2026. Fri 30 Oct 16:00 EDT (20:00 UTC) + 2 h: 1 h Friday, then
    # Mon 2 Nov 09:00 EST = 14:00 UTC, + 1 h = 15:00 UTC.
    assert cal.add(at(NEW_YORK, 2026, 10, 30, 16), 2 * HOUR) == utc(2026, 11, 2, 15)


def test_a_pause_over_the_weekend_counts_only_working_hours():
    cal = office("Europe/Berlin")
    # Paused Fri 27 Nov 15:30 CET, resumed Mon 30 Nov 10:15: 1.5 h + 1.25 h = 2.75 h.
    paused = cal.between(at(BERLIN, 2026, 11, 27, 15, 30), at(BERLIN, 2026, 11, 30, 10, 15))
    assert paused == 2.75 * HOUR
    assert cal.between(at(BERLIN, 2026, 11, 30, 10, 15), at(BERLIN, 2026, 11, 27, 15, 30)) == (
        -2.75 * HOUR
    )


def test_split_shifts_and_shifts_across_midnight():
    cal = BusinessCalendar(
        "Europe/Berlin",
        parse_hours({"mon": ["09:00-12:00", "13:00-17:00", "22:00-24:00"], "tue": ["00:00-02:00"]}),
    )
    # Mon 11:00 + 2 h: 1 h to noon, lunch, 13:00-14:00.
    assert cal.add(at(BERLIN, 2026, 11, 30, 11), 2 * HOUR) == at(BERLIN, 2026, 11, 30, 14)
    # Mon 23:00 + 2 h: 1 h to midnight, then Tue 00:00-01:00.
    assert cal.add(at(BERLIN, 2026, 11, 30, 23), 2 * HOUR) == at(BERLIN, 2026, 12, 1, 1)


def test_a_24_7_calendar_counts_wall_time():
    cal = BusinessCalendar("Europe/Berlin", always_open=True)
    assert cal.add(at(BERLIN, 2026, 3, 28, 12), 24 * HOUR) == at(BERLIN, 2026, 3, 29, 13)
    assert cal.between(utc(2026, 1, 1), utc(2026, 1, 2)) == 24 * HOUR


def test_unusable_calendars_are_refused():
    with pytest.raises(CalendarError):
        BusinessCalendar("Mars/Olympus", parse_hours({"mon": ["09:00-17:00"]}))
    with pytest.raises(CalendarError):
        BusinessCalendar("UTC", parse_hours({}))
    with pytest.raises(CalendarError):
        BusinessCalendar("UTC", parse_hours({"mon": ["09:00-17:00"]}), country="XX")
    with pytest.raises(CalendarError):
        parse_hours({"mon": ["17:00-09:00"]}) and BusinessCalendar(
            "UTC", parse_hours({"mon": ["17:00-09:00"]})
        )
    with pytest.raises(CalendarError):
        parse_hours({"someday": ["09:00-17:00"]})
    with pytest.raises(CalendarError):
        parse_hours({"mon": ["9-5"]})


def test_hours_round_trip():
    data = {"mon": ["09:00-12:00", "13:00-17:30"], "sat": ["10:00-14:00"]}
    assert format_hours(parse_hours(data)) == data
