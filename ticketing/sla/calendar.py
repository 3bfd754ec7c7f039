"""Business time: when a team works, and arithmetic in those hours.

A ``BusinessCalendar`` is a time zone, working hours per weekday (local wall-clock intervals),
and days off (public holidays of a country/region from the maintained ``holidays`` package,
plus custom dates), or 24/7. Every instant in and out is an aware UTC ``datetime``; local
days are built with ``zoneinfo``, so a working day that spans a DST change is as long as the
wall clock says it is in real (UTC) time, and a 24/7 calendar counts real elapsed time.

Pure: no database, no Flask. ``add`` and ``between`` are the two operations the clocks use.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

import holidays as holiday_data

#: A calendar whose week holds no working time would never reach a due date: refuse it, and
#: stop walking after this many days in any case (a year of holidays and weekends is far less).
MAX_DAYS = 3 * 366
DAY_MINUTES = 24 * 60


class CalendarError(ValueError):
    """A calendar that cannot be used (unknown zone or country, no working time); ``field``
    names the calendar field at fault."""

    def __init__(self, message: str, field: str = "hours") -> None:
        super().__init__(message)
        self.field = field


#: Messages of the rules a calendar can break that a schema cannot state on one field.
NO_WORKING_TIME = "A calendar that is not 24/7 needs some working hours."
BAD_SPANS = "Working hours must be ordered, non-overlapping spans within a day."
UNKNOWN_REGION = "The holiday data does not know this country or region."
REGION_NEEDS_COUNTRY = "A region needs its country."


def time_zones() -> list[str]:
    """Every IANA time zone name this machine knows."""
    return sorted(available_timezones())


def holiday_countries() -> list[str]:
    """ISO 3166 codes of the countries the holiday data covers."""
    return sorted(holiday_data.list_supported_countries())


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    try:
        found = holiday_data.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError as err:  # unknown country or region
        raise CalendarError(UNKNOWN_REGION, "holiday_subdivision") from err
    return frozenset(found)


def check_region(country: str | None, subdivision: str | None) -> None:
    """Raise ``CalendarError`` for a country/region the holiday data does not know."""
    if country:
        _public_holidays(country, subdivision, 2026)
    elif subdivision:
        raise CalendarError(REGION_NEEDS_COUNTRY, "holiday_subdivision")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError) as err:
        raise CalendarError(f"Unknown time zone {name!r}.", "timezone") from err


@dataclass(frozen=True)
class BusinessCalendar:
    """When work happens. ``hours[weekday]`` (Monday = 0) lists ``(start, end)`` minutes after
    local midnight, ``0 <= start < end <= 1440``; ``always_open`` ignores hours and holidays."""

    timezone: str = "UTC"
    hours: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7
    always_open: bool = False
    country: str | None = None
    subdivision: str | None = None
    custom_holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        zone(self.timezone)
        if self.always_open:
            return
        if len(self.hours) != 7:
            raise CalendarError("Working hours need an entry for each of the 7 weekdays.")
        for day in self.hours:
            last_end = 0
            for start, end in sorted(day):
                if not 0 <= start < end <= DAY_MINUTES or start < last_end:
                    raise CalendarError(BAD_SPANS)
                last_end = end
        if not any(self.hours):
            raise CalendarError(NO_WORKING_TIME)
        check_region(self.country, self.subdivision)

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    def is_day_off(self, day: date) -> bool:
        if day in self.custom_holidays:
            return True
        return bool(self.country) and day in _public_holidays(
            self.country, self.subdivision, day.year
        )

    def _local(self, day: date, minute: int) -> datetime:
        """Local wall-clock ``minute`` of ``day`` (1440 = next midnight), as a UTC instant."""
        return _local_instant(self.timezone, day, minute)

    def spans(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working spans ``[start, end)`` in UTC that end after ``since``, in order."""
        first = since.astimezone(self.tz).date() - timedelta(days=1)
        for offset in range(MAX_DAYS):
            day = first + timedelta(days=offset)
            if self.is_day_off(day):
                continue
            for start, end in self.hours[day.weekday()]:
                begins, ends = self._local(day, start), self._local(day, end)
                if ends > since:
                    yield max(begins, since), ends
        raise CalendarError(f"No working time within {MAX_DAYS} days of {since.isoformat()}.")

    def add(self, start: datetime, seconds: float) -> datetime:
        """The instant when ``seconds`` of business time have passed since ``start``.

        Zero seconds from outside working hours is the next opening; a target that ends
        exactly at closing time is due at closing time, not at the next opening."""
        start = _utc(start)
        if self.always_open:
            return start + timedelta(seconds=seconds)
        left = timedelta(seconds=max(seconds, 0))
        for begins, ends in self.spans(start):
            if left <= ends - begins:
                return begins + left
            left -= ends - begins
        raise AssertionError("unreachable: spans() raises when it runs out")  # pragma: no cover

    def between(self, start: datetime, end: datetime) -> float:
        """Business seconds in ``[start, end)``; negative when ``end`` is before ``start``."""
        start, end = _utc(start), _utc(end)
        if end < start:
            return -self.between(end, start)
        if self.always_open:
            return (end - start).total_seconds()
        total = timedelta()
        for begins, ends in self.spans(start):
            if begins >= end:
                break
            total += min(ends, end) - begins
        return total.total_seconds()


@lru_cache(maxsize=4096)
def _local_instant(timezone: str, day: date, minute: int) -> datetime:
    """``BusinessCalendar._local``, remembered: a new ticket's four due instants walk the same
    few days' spans (about twenty conversions per create)."""
    extra, minute = divmod(minute, DAY_MINUTES)
    moment = datetime.combine(day + timedelta(days=extra), time(minute // 60, minute % 60))
    return moment.replace(tzinfo=zone(timezone)).astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("Business time needs aware datetimes.")
    return moment.astimezone(UTC)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hours(data: dict[str, list[str]]) -> tuple[tuple[tuple[int, int], ...], ...]:
    """``{"mon": ["09:00-17:00"], …}`` (days left out are closed) as ``BusinessCalendar.hours``."""
    unknown = set(data) - set(WEEKDAYS)
    if unknown:
        raise CalendarError(f"Unknown weekday(s): {', '.join(sorted(unknown))}.")
    return tuple(tuple(sorted(_span(s) for s in data.get(day, []))) for day in WEEKDAYS)


def _span(text: str) -> tuple[int, int]:
    try:
        start, end = text.split("-")
        return _minute(start), _minute(end)
    except ValueError as err:
        raise CalendarError(f"A span is written 'HH:MM-HH:MM', not {text!r}.") from err


def _minute(text: str) -> int:
    hours, minutes = text.strip().split(":")
    if len(minutes) != 2 or not (0 <= int(hours) <= 24 and 0 <= int(minutes) < 60):
        raise ValueError(text)
    return int(hours) * 60 + int(minutes)


def format_hours(hours: tuple[tuple[tuple[int, int], ...], ...]) -> dict[str, list[str]]:
    """The inverse of ``parse_hours`` (closed days left out)."""
    return {
        day: [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in spans]
        for day, spans in zip(WEEKDAYS, hours, strict=True)
        if spans
    }


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
