"""Each ticket's two SLA clocks, driven by the ``ticket_saving`` / ``reply_saving`` events.

* A new ticket starts both clocks at its creation, with the targets of the policy its
  priority and category match (``services.match_policy``).
* **First response** stops at the team's first public reply (``Reply.from_team``: not a note,
  not the customer's words; the reply the outbox mails) — met if in time, else breached.
* **Resolution** pauses while the ticket is ``pending`` (and ``on_hold`` if the policy says
  so): the business time spent paused is added to the target. It stops when the ticket is
  resolved or closed; a reopened ticket resumes it (the time it spent resolved counts as
  paused). A customer's reply to a ``pending`` ticket reopens it (``open``: the tickets
  service's ``customer_answered``, the one place of that rule), which resumes it.
* A priority or category change (triage or a person) recomputes both targets from the
  ticket's start, keeping the paused time. A clock that has stopped or breached stays so.

Due and at-risk instants are stored, so the upkeep and the list's filters compare them with
"now" in SQL. Everything runs inside the transaction of the save (the receivers only change
the session's objects), so a clock commits or rolls back with the change that moved it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..core import withcommit
from ..core.extensions import db
from ..core.hooks import listen_once
from ..core.vocab import (
    CLOSED_STATUSES,
    SLA_AT_RISK_SHARE,
    SlaState,
    TicketStatus,
)
from ..models import Reply, SlaPolicy, Ticket, TicketSla, utcnow
from .calendar import BusinessCalendar
from .services import business_calendar, match_policy

RUNNING, PAUSED, MET, BREACHED = (
    SlaState.RUNNING.value,
    SlaState.PAUSED.value,
    SlaState.MET.value,
    SlaState.BREACHED.value,
)
#: Ticket fields whose change moves the clocks.
WATCHED = frozenset({"status", "priority", "category"})


def now() -> datetime:
    """The clocks' "now" (a seam: tests move time by replacing it)."""
    return utcnow()


def pauses(status: str, policy: SlaPolicy) -> bool:
    """Whether the resolution clock stands still in ``status`` under ``policy``."""
    return status == TicketStatus.PENDING or (
        status == TicketStatus.ON_HOLD and policy.pause_on_hold
    )


def schedule(sla: TicketSla, policy: SlaPolicy) -> None:
    """(Re)compute due and at-risk instants of the clocks still running (or paused) from the
    ticket's start under ``policy``'s targets, keeping the paused time."""
    calendar = business_calendar(policy.calendar)
    sla.policy_id = policy.id
    first, resolution = policy.first_response_minutes * 60, policy.resolution_minutes * 60
    start, paused = sla.started_at, sla.paused_seconds or 0
    if sla.first_response_state == RUNNING:
        sla.first_response_due_at = calendar.add(start, first)
        sla.first_response_risk_at = calendar.add(start, first * SLA_AT_RISK_SHARE)
    if sla.resolution_state == RUNNING:
        sla.resolution_due_at = calendar.add(start, resolution + paused)
        sla.resolution_risk_at = calendar.add(start, resolution * SLA_AT_RISK_SHARE + paused)
    elif sla.resolution_state == PAUSED:
        used = calendar.between(start, sla.paused_at) - paused
        sla.resolution_left_seconds = int(resolution - used)


#: ``session.info``: the clocks started for this flush's new tickets (written after it).
_STARTED = "ticketing.sla.started"
#: ``session.info``: clocks written by this transaction's flushes, waiting for its COMMIT.
_WRITTEN = "ticketing.sla.written"


def start(ticket: Ticket, at: datetime) -> TicketSla | None:
    """Start a new ticket's clocks (none when no policy matches). The clock is not added to
    the session: ``write_started`` writes it once the flush has given the ticket its id."""
    policy = match_policy(ticket.priority, ticket.category)
    if policy is None:
        return None
    ticket.created_at = ticket.created_at or at
    sla = TicketSla(
        started_at=ticket.created_at,
        first_response_state=RUNNING,
        resolution_state=RUNNING,
        paused_seconds=0,
    )
    schedule(sla, policy)
    follow_status(sla, ticket.status, policy, at)
    db.session.info.setdefault(_STARTED, []).append((ticket, sla))
    return sla


def write_started(session: Session, _flush_context: Any) -> None:
    """Session hook (``after_flush``): the new tickets' clocks as plain rows that go with the
    transaction's COMMIT (``core.withcommit``), not as ORM inserts through the flush (a
    tenth of a create). Each clock then joins the session as the row it wrote (persistent,
    every column loaded, no read-back): ``ticket.sla`` is that clock, and a change to it in
    the same transaction is an UPDATE, which the kept row precedes."""
    started = session.info.pop(_STARTED, None)
    if not started:
        return
    columns = inspect(TicketSla).column_attrs
    rows, written = [], []
    for ticket, sla in started:
        if ticket.id is None or inspect(ticket).deleted:  # pragma: no cover - never flushed
            continue
        sla.ticket_id = ticket.id
        sla.updated_at = utcnow()
        state = sla.__dict__
        for attr in columns:
            if attr.key not in state:
                setattr(sla, attr.key, None)
        rows.append({attr.columns[0].name: getattr(sla, attr.key) for attr in columns})
        make_transient_to_detached(sla)
        session.add(sla)
        set_committed_value(ticket, "sla", sla)
        set_committed_value(sla, "ticket", ticket)
        written.append(sla)
    withcommit.insert_rows(session.connection(), TicketSla.__table__, rows)
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_WRITTEN, []).extend((transaction, sla) for sla in written)


def _within(transaction: Any, ended: Any) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def forget_started(session: Session, previous_transaction: Any) -> None:
    """Session hook (``after_soft_rollback``): the clocks written in the rolled-back
    transaction (or a savepoint inside it) leave the session with their tickets; clocks of
    an outer transaction stay (their rows are its)."""
    session.info.pop(_STARTED, None)
    written = session.info.get(_WRITTEN)
    if not written:
        return
    kept = []
    for transaction, sla in written:
        if _within(transaction, previous_transaction):
            if sla in session:
                session.expunge(sla)
        else:
            kept.append((transaction, sla))
    session.info[_WRITTEN] = kept


def committed(session: Session) -> None:
    """Session hook (``after_commit``): the clocks are stored, nothing to forget."""
    session.info.pop(_WRITTEN, None)


def register(session_class: Any) -> None:
    listen_once(
        session_class,
        ("after_flush", write_started),
        ("after_soft_rollback", forget_started),
        ("after_commit", committed),
    )


def _pause(sla: TicketSla, policy: SlaPolicy, at: datetime) -> None:
    if sla.resolution_state != RUNNING:
        return
    sla.resolution_state, sla.paused_at = PAUSED, at
    sla.resolution_due_at = sla.resolution_risk_at = None
    schedule(sla, policy)


def _resume(sla: TicketSla, policy: SlaPolicy, calendar: BusinessCalendar, at: datetime) -> None:
    if sla.resolution_state == PAUSED:
        since = sla.paused_at
    elif sla.resolution_state == MET and sla.resolution_at is not None:
        since = sla.resolution_at  # reopened: the time it spent resolved does not count
    else:
        return
    sla.paused_seconds = (sla.paused_seconds or 0) + max(int(calendar.between(since, at)), 0)
    sla.resolution_state, sla.paused_at, sla.resolution_at = RUNNING, None, None
    sla.resolution_left_seconds = None
    schedule(sla, policy)


def _stop(sla: TicketSla, at: datetime) -> None:
    """The ticket is resolved: both clocks stop (a ticket resolved without a reply has had
    its answer)."""
    if sla.first_response_state == RUNNING:
        sla.first_response_state = MET if at <= sla.first_response_due_at else BREACHED
    if sla.first_response_at is None:
        sla.first_response_at = at
    if sla.resolution_state == RUNNING:
        sla.resolution_state = MET if at <= sla.resolution_due_at else BREACHED
    if sla.resolution_at is None:
        sla.resolution_at = at


def follow_status(sla: TicketSla, status: str, policy: SlaPolicy, at: datetime) -> None:
    """Move the resolution clock to where ``status`` says it is."""
    calendar = business_calendar(policy.calendar)
    if status in CLOSED_STATUSES:
        _resume(sla, policy, calendar, at)  # ends a pause, so the stop compares fresh times
        _stop(sla, at)
    elif pauses(status, policy):
        _resume(sla, policy, calendar, at)  # a reopened ticket that goes straight to waiting
        _pause(sla, policy, at)
    else:
        _resume(sla, policy, calendar, at)
        if sla.resolution_state == BREACHED:
            sla.resolution_at = None  # reopened after a breach: still breached, not resolved


def responded(sla: TicketSla, at: datetime) -> None:
    """The first public reply by an agent: stop the first-response clock (once)."""
    if sla.first_response_at is not None:
        return
    sla.first_response_at = at
    if sla.first_response_state == RUNNING:
        due = sla.first_response_due_at
        sla.first_response_state = MET if due is None or at <= due else BREACHED


def _policy_for(ticket: Ticket, sla: TicketSla, rematch: bool) -> SlaPolicy | None:
    if rematch:
        policy = match_policy(ticket.priority, ticket.category)
        if policy is not None:
            return policy
    return sla.policy or match_policy(ticket.priority, ticket.category)


def on_ticket_saving(sender: Any, change: Any) -> None:
    ticket: Ticket = change.obj
    at = now()
    with db.session.no_autoflush:
        if change.created:
            start(ticket, at)
            return
        if not WATCHED & change.fields:
            return
        sla = ticket.sla
        if sla is None:
            return  # a ticket older than the SLA feature: it has no clocks
        rematch = bool({"priority", "category"} & change.fields)
        policy = _policy_for(ticket, sla, rematch)
        if policy is None:
            return
        if rematch:
            schedule(sla, policy)
        follow_status(sla, ticket.status, policy, at)


def on_reply_saving(sender: Any, change: Any) -> None:
    """The team's first public answer stops the first-response clock: a reply in the page or
    the API, which is also the first outbound mail to the customer (the outbox mails exactly
    the replies ``Reply.from_team`` names). A customer's reply moves the status (the tickets
    service's ``customer_answered``), and the clock follows that status change."""
    reply: Reply = change.obj
    if not change.created or not reply.from_team:
        return
    with db.session.no_autoflush:
        ticket = reply.ticket or db.session.get(Ticket, reply.ticket_id)
        if ticket is not None and ticket.sla is not None:
            responded(ticket.sla, reply.created_at or now())


def clock_view(sla: TicketSla, at: datetime | None = None) -> dict[str, Any]:
    """Both clocks as the API shows them, with business time left (negative = overdue)."""
    at = at or now()
    calendar = business_calendar(sla.policy.calendar) if sla.policy else None
    first = _view(
        sla.first_response_state,
        sla.first_response_due_at,
        sla.first_response_risk_at,
        sla.first_response_at,
        calendar,
        at,
    )
    resolution = _view(
        sla.resolution_state,
        sla.resolution_due_at,
        sla.resolution_risk_at,
        sla.resolution_at,
        calendar,
        at,
    )
    if sla.resolution_state == PAUSED:
        resolution["seconds_left"] = sla.resolution_left_seconds
    return {
        "ticket_id": sla.ticket_id,
        "policy_id": sla.policy_id,
        "policy_name": sla.policy.name if sla.policy else None,
        "started_at": sla.started_at,
        "paused_seconds": sla.paused_seconds,
        "first_response": first,
        "resolution": resolution,
    }


def _view(state, due, risk, stopped, calendar, at) -> dict[str, Any]:
    live = stopped is None and due is not None and state in (RUNNING, BREACHED)
    return {
        "state": state,
        "due_at": due,
        "at": stopped,
        "at_risk": state == RUNNING and risk is not None and risk <= at,
        "overdue": live and due <= at,
        "seconds_left": int(calendar.between(at, due)) if live and calendar else None,
    }
