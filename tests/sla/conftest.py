"""SLA fixtures: the default policies (the suite empties PostgreSQL between tests, so they are
re-created the way ``ensure_defaults`` does), a Berlin office calendar, and a clock the test
moves (``ticketing.sla.clocks.now`` is the clocks' one seam for time)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ticketing.core.extensions import db

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


@pytest.fixture
def sla_defaults(app):
    """The seeded calendar and policies, with the calendar moved to Berlin office hours."""
    from ticketing.models import SlaCalendar
    from ticketing.sla import services

    with app.app_context():
        services.ensure_defaults()
        calendar = db.session.scalars(db.select(SlaCalendar)).first()
        calendar.timezone, calendar.hours = "Europe/Berlin", OFFICE
        db.session.commit()
        calendar_id = calendar.id
        db.session.remove()
    return calendar_id


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def set(self, moment: datetime) -> None:
        self.now = moment

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@pytest.fixture
def clock(monkeypatch, sla_defaults):
    from ticketing.sla import clocks

    moved = Clock(berlin(2026, 11, 30, 9))
    monkeypatch.setattr(clocks, "now", moved)
    return moved
