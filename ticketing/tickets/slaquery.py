"""The list's view of SLA clocks (``ticket_slas``, kept by the ``sla`` feature): the ``sla``
filter, the due-date sorts and the brief clock summary in each ticket's JSON.

Here, not in ``sla``, because the list is the tickets package's and features never import
each other; it reads only the table and the vocabulary. Breached / at risk / ok are decided by
comparing the stored due and at-risk instants with "now", so the filter is correct between
upkeep passes too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, not_, or_, select

from ..core.vocab import SlaClock, SlaFilter, SlaState, values
from ..models import Ticket, TicketSla

#: The due instant of whichever clock is due first and still counts ("due soonest").
NEXT_DUE = "next_due_at"
#: Sort keys served by a clock's due column (tickets without clocks sort last).
DUE_SORT_KEYS = (*(f"{clock}_due_at" for clock in values(SlaClock)), NEXT_DUE)
#: A clock that still counts: running, or breached and not yet answered / resolved.
LIVE_STATES = (SlaState.RUNNING.value, SlaState.BREACHED.value)
#: When each clock stopped (the answer, the resolution).
STOPPED_AT = {
    SlaClock.FIRST_RESPONSE.value: "first_response_at",
    SlaClock.RESOLUTION.value: "resolution_at",
}


def _clock(clock: str) -> tuple:
    return (
        getattr(TicketSla, f"{clock}_state"),
        getattr(TicketSla, f"{clock}_due_at"),
        getattr(TicketSla, f"{clock}_risk_at"),
    )


def conditions(at: datetime) -> dict[str, ColumnElement]:
    """``SlaFilter`` value -> condition on ``ticket_slas`` at instant ``at``."""
    breached, at_risk = [], []
    for clock in values(SlaClock):
        state, due, risk = _clock(clock)
        running = state == SlaState.RUNNING.value
        breached += [state == SlaState.BREACHED.value, and_(running, due <= at)]
        at_risk.append(and_(running, risk <= at))
    is_breached = or_(*breached)
    is_at_risk = and_(not_(is_breached), or_(*at_risk))
    return {
        SlaFilter.BREACHED.value: is_breached,
        SlaFilter.AT_RISK.value: is_at_risk,
        SlaFilter.OK.value: and_(not_(is_breached), not_(or_(*at_risk))),
    }


def filter_condition(wanted: list[str], at: datetime) -> ColumnElement:
    """Tickets whose clocks are in any of the ``wanted`` SLA states (no clocks: none)."""
    chosen = [cond for name, cond in conditions(at).items() if name in wanted]
    if not chosen:
        return false()
    return Ticket.id.in_(select(TicketSla.ticket_id).where(or_(*chosen)))


def _live_due(clock: str):
    state = getattr(TicketSla, f"{clock}_state")
    stopped = getattr(TicketSla, STOPPED_AT[clock])
    due = getattr(TicketSla, f"{clock}_due_at")
    return case((and_(state.in_(LIVE_STATES), stopped.is_(None)), due), else_=None)


def _earliest(a, b):
    """The earlier of two nullable instants (portable: SQLite's min() is null with a null)."""
    return case((a.is_(None), b), (b.is_(None), a), (a <= b, a), else_=b)


def sort_column(key: str):
    """The due instant of ``key``'s clock, per ticket (null without clocks); ``next_due_at``:
    the earliest due instant of the clocks that still count (null: none does)."""
    if key == NEXT_DUE:
        first, resolution = (_live_due(clock) for clock in values(SlaClock))
        column = _earliest(first, resolution)
    else:
        column = getattr(TicketSla, key)
    return select(column).where(TicketSla.ticket_id == Ticket.id).scalar_subquery()


def next_due(sla: TicketSla) -> tuple[str | None, datetime | None]:
    """The clock due first among those that still count, and its due instant (Python twin of
    the ``next_due_at`` sort column)."""
    found: tuple[str | None, datetime | None] = (None, None)
    for clock in values(SlaClock):
        state = getattr(sla, f"{clock}_state")
        stopped = getattr(sla, STOPPED_AT[clock])
        due = getattr(sla, f"{clock}_due_at")
        if state in LIVE_STATES and stopped is None and due is not None:
            if found[1] is None or due < found[1]:
                found = (clock, due)
    return found


def summary(sla: TicketSla | None, at: datetime) -> dict[str, Any] | None:
    """The clocks in brief for a ticket's JSON: the flag and each clock's state and due time."""
    if sla is None:
        return None
    clocks: dict[str, Any] = {}
    breached = at_risk = False
    for clock in values(SlaClock):
        state = getattr(sla, f"{clock}_state")
        due = getattr(sla, f"{clock}_due_at")
        risk = getattr(sla, f"{clock}_risk_at")
        running = state == SlaState.RUNNING.value
        overdue = running and due is not None and due <= at
        breached = breached or state == SlaState.BREACHED.value or overdue
        at_risk = at_risk or (running and risk is not None and risk <= at)
        clocks[f"{clock}_state"] = state
        clocks[f"{clock}_due_at"] = due
    if breached:
        flag = SlaFilter.BREACHED.value
    else:
        flag = SlaFilter.AT_RISK.value if at_risk else SlaFilter.OK.value
    clocks["next_due_clock"], clocks[NEXT_DUE] = next_due(sla)
    return {"flag": flag, **clocks}
