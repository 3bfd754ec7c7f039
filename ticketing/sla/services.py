"""SLA calendars and policies: rules, matching and the admin's CRUD. Services flush; the
caller commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..core.errors import Conflict, InvalidInput, NotFound
from ..core.extensions import db
from ..models import SlaCalendar, SlaPolicy, TicketSla
from . import defaults
from .calendar import BusinessCalendar, CalendarError, parse_hours

_POLICY_CACHE = "ticketing.sla.policies"
NO_SUCH_CALENDAR = "No such calendar."


def business_calendar(row: SlaCalendar) -> BusinessCalendar:
    """The arithmetic view of a calendar row."""
    return BusinessCalendar(
        timezone=row.timezone,
        hours=parse_hours(row.hours or {}),
        always_open=row.always_open,
        country=row.holiday_country,
        subdivision=row.holiday_subdivision,
        custom_holidays=frozenset(date.fromisoformat(d) for d in row.custom_holidays or []),
    )


def active_policies() -> list[SlaPolicy]:
    """Active policies with their calendars, read once per transaction (a bulk import of
    thousands of tickets asks once)."""
    cached = db.session.info.get(_POLICY_CACHE)
    if cached is None:
        with db.session.no_autoflush:
            cached = list(
                db.session.scalars(
                    select(SlaPolicy)
                    .where(SlaPolicy.active.is_(True))
                    .options(joinedload(SlaPolicy.calendar))
                )
            )
        db.session.info[_POLICY_CACHE] = cached
    return cached


def forget_policies(session: Any, *args: Any) -> None:
    """Session hook (commit/rollback): the next transaction reads the policies again."""
    session.info.pop(_POLICY_CACHE, None)


def match_policy(priority: str | None, category: str | None) -> SlaPolicy | None:
    """The most specific active policy for a priority and category: an exact priority beats
    "any priority", then an exact category beats "any category"; ties go to the oldest."""
    candidates = [
        p
        for p in active_policies()
        if p.priority in (None, priority) and p.category in (None, category)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda p: (p.priority is not None, p.category is not None, -p.id))


# -- calendars -------------------------------------------------------------------------------


def list_calendars() -> list[SlaCalendar]:
    return list(db.session.scalars(select(SlaCalendar).order_by(SlaCalendar.id)))


def get_calendar(calendar_id: int) -> SlaCalendar:
    row = db.session.get(SlaCalendar, calendar_id)
    if row is None:
        raise NotFound(f"Calendar {calendar_id}")
    return row


def _check_calendar(row: SlaCalendar) -> None:
    try:
        business_calendar(row)
    except CalendarError as err:
        raise InvalidInput(str(err), fields={err.field: [str(err)]}) from err


def _flush_unique(what: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as err:
        raise Conflict(f"A {what} with that name exists already.") from err


def create_calendar(data: dict[str, Any]) -> SlaCalendar:
    row = SlaCalendar(**data)
    _check_calendar(row)
    db.session.add(row)
    _flush_unique("calendar")
    return row


def update_calendar(row: SlaCalendar, data: dict[str, Any]) -> SlaCalendar:
    """Change a calendar. Clocks already running keep their due times until their ticket's
    priority or status changes next (recomputing every open ticket is left to a person)."""
    for key, value in data.items():
        setattr(row, key, value)
    _check_calendar(row)
    _flush_unique("calendar")
    return row


def delete_calendar(row: SlaCalendar) -> None:
    used = db.session.scalar(
        select(func.count()).select_from(SlaPolicy).where(SlaPolicy.calendar_id == row.id)
    )
    if used:
        raise Conflict("Policies use this calendar: give them another one first.")
    db.session.delete(row)
    db.session.flush()


# -- policies --------------------------------------------------------------------------------


def list_policies() -> list[SlaPolicy]:
    return list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.id)))


def get_policy(policy_id: int) -> SlaPolicy:
    row = db.session.get(SlaPolicy, policy_id)
    if row is None:
        raise NotFound(f"Policy {policy_id}")
    return row


def _check_policy(row: SlaPolicy) -> None:
    if db.session.get(SlaCalendar, row.calendar_id) is None:
        raise InvalidInput(NO_SUCH_CALENDAR, fields={"calendar_id": [NO_SUCH_CALENDAR]})
    clash = db.session.scalar(
        select(SlaPolicy.id).where(
            SlaPolicy.id != (row.id or 0),
            SlaPolicy.active.is_(True),
            _same(SlaPolicy.priority, row.priority),
            _same(SlaPolicy.category, row.category),
        )
    )
    if row.active and clash is not None:
        raise Conflict(f"Policy {clash} already covers this priority and category.")


def _same(column, value):
    return column.is_(None) if value is None else column == value


def create_policy(data: dict[str, Any]) -> SlaPolicy:
    """A new policy; it applies to tickets created (or re-prioritised) from now on."""
    row = SlaPolicy(**data)
    with db.session.no_autoflush:
        _check_policy(row)
    db.session.add(row)
    _flush_unique("policy")
    return row


def update_policy(row: SlaPolicy, data: dict[str, Any]) -> SlaPolicy:
    with db.session.no_autoflush:
        for key, value in data.items():
            setattr(row, key, value)
        _check_policy(row)
    _flush_unique("policy")
    return row


def delete_policy(row: SlaPolicy) -> None:
    """Delete a policy; tickets it timed keep their clocks (``policy_id`` becomes null)."""
    db.session.delete(row)
    db.session.flush()


def ensure_defaults() -> bool:
    """Create the default calendar and policies if there are no policies at all (what the
    migration seeds; for databases emptied since). Returns whether anything was created."""
    if db.session.scalar(select(func.count()).select_from(SlaPolicy)):
        return False
    calendar = db.session.scalar(
        select(SlaCalendar).where(SlaCalendar.name == defaults.CALENDAR["name"])
    ) or SlaCalendar(**defaults.CALENDAR)
    db.session.add(calendar)
    db.session.flush()
    for name, priority, first_response, resolution in defaults.POLICIES:
        db.session.add(
            SlaPolicy(
                name=name,
                priority=priority,
                calendar_id=calendar.id,
                first_response_minutes=first_response,
                resolution_minutes=resolution,
            )
        )
    db.session.flush()
    return True


def clock_of(ticket_id: int) -> TicketSla:
    row = db.session.get(TicketSla, ticket_id)
    if row is None:
        raise NotFound(f"SLA clocks of ticket {ticket_id}")
    return row
