"""SLA calendars and policies: rules, matching and the admin's CRUD. Services flush; the
caller commits."""

from __future__ import annotations

import weakref
from datetime import date
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..core import memo
from ..core.errors import Conflict, InvalidInput, NotFound
from ..core.extensions import db
from ..models import SlaCalendar, SlaPolicy, TicketSla
from . import defaults
from .calendar import BusinessCalendar, CalendarError, parse_hours

_POLICY_CACHE = "ticketing.sla.policies"
NO_SUCH_CALENDAR = "No such calendar."


def business_calendar(row: SlaCalendar | Snapshot) -> BusinessCalendar:
    """The arithmetic view of a calendar row; built once per cached snapshot (both are
    read-only: a changed calendar is a new snapshot), anew for an ORM row."""
    if isinstance(row, Snapshot):
        found = _calendars.get(row)
        if found is None:
            found = _calendars[row] = _business_calendar(row)
        return found
    return _business_calendar(row)


def _business_calendar(row: Any) -> BusinessCalendar:
    return BusinessCalendar(
        timezone=row.timezone,
        hours=parse_hours(row.hours or {}),
        always_open=row.always_open,
        country=row.holiday_country,
        subdivision=row.holiday_subdivision,
        custom_holidays=frozenset(date.fromisoformat(d) for d in row.custom_holidays or []),
    )


#: Each cached calendar snapshot's arithmetic view (parsing the hours and checking the zone and
#: holiday region cost ~0.1 ms, twice per create); dropped with the snapshot.
_calendars: weakref.WeakKeyDictionary[Snapshot, BusinessCalendar] = weakref.WeakKeyDictionary()

#: The active policies are kept per process this long at most (a change through the app is
#: seen by every process at once; one made with raw SQL within this bound).
POLICY_MEMO = "sla_policies"
POLICY_MEMO_SECONDS = 60.0


class Snapshot:
    """A read-only copy of a row's columns (and of what it refers to), kept by a process
    between requests: never an ORM object, so no session ever holds it."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a cached {type(self).__name__} is read-only")

    def __repr__(self) -> str:
        return f"Snapshot(id={self.__dict__.get('id')})"


def _columns(row: Any) -> dict[str, Any]:
    return {attr.key: getattr(row, attr.key) for attr in inspect(type(row)).column_attrs}


def _load_policies() -> tuple[Snapshot, ...]:
    with db.session.no_autoflush:
        rows = db.session.scalars(
            select(SlaPolicy)
            .where(SlaPolicy.active.is_(True))
            .options(joinedload(SlaPolicy.calendar))
        ).all()
    calendars: dict[int, Snapshot] = {}
    for row in rows:
        if row.calendar_id not in calendars:
            calendars[row.calendar_id] = Snapshot(**_columns(row.calendar))
    return tuple(Snapshot(**_columns(row), calendar=calendars[row.calendar_id]) for row in rows)


def active_policies() -> tuple[Snapshot, ...]:
    """The active policies with their calendars, as read-only snapshots: from this process's
    copy (``core.memo``: one Redis GET; forgotten by every process when any commits a policy
    or calendar change), read at most once per transaction (a bulk import of thousands of
    tickets asks once). A transaction that changed policies itself reads the database."""
    session = db.session()
    cached = session.info.get(_POLICY_CACHE)
    if cached is None:
        if memo.changed(session, POLICY_MEMO):
            cached = _load_policies()
        else:
            cached = memo.memo(POLICY_MEMO).get(_load_policies)
        session.info[_POLICY_CACHE] = cached
    return cached


def forget_policies(session: Any, *args: Any) -> None:
    """Session hook (commit/rollback): the next transaction reads the policies again."""
    session.info.pop(_POLICY_CACHE, None)


def mark_policy_changes(session: Any, _context: Any, _instances: Any) -> None:
    """Session hook (before flush): a policy or calendar written marks the session, so it
    reads them from the database and its commit makes every process forget its copy."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (SlaPolicy, SlaCalendar)):
            memo.mark(session, POLICY_MEMO)
            session.info.pop(_POLICY_CACHE, None)
            return


def mark_policy_statements(state: Any) -> None:
    """Session hook (ORM statements): a bulk UPDATE or DELETE of policies or calendars."""
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is not None and mapper.class_ in (SlaPolicy, SlaCalendar):
        memo.mark(state.session, POLICY_MEMO)
        state.session.info.pop(_POLICY_CACHE, None)


def policies_committed(session: Any) -> None:
    """Session hook (after commit)."""
    memo.after_commit(session, POLICY_MEMO)


def match_policy(priority: str | None, category: str | None) -> Snapshot | None:
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
