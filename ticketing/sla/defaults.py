"""What a fresh install starts with (the migration ``d5f7a9c1e3b5`` seeds the same rows; a test
checks the two agree): one business-hours calendar and a policy per priority plus a catch-all
default, so every new ticket gets clocks before anyone configures anything."""

from __future__ import annotations

from ..core.vocab import Priority

CALENDAR = {
    "name": "Business hours",
    "timezone": "UTC",
    "hours": {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    "always_open": False,
    "holiday_country": None,
    "holiday_subdivision": None,
    "custom_holidays": [],
}

#: name, priority (None = any), first-response and resolution targets in business minutes.
POLICIES = (
    ("Default", None, 8 * 60, 5 * 8 * 60),
    ("Critical", Priority.CRITICAL.value, 60, 8 * 60),
    ("High", Priority.HIGH.value, 4 * 60, 2 * 8 * 60),
    ("Medium", Priority.MEDIUM.value, 8 * 60, 5 * 8 * 60),
    ("Low", Priority.LOW.value, 2 * 8 * 60, 10 * 8 * 60),
)
