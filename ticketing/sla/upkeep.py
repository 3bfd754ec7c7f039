"""The upkeep's SLA pass: mark clocks breached, warn once at 75%, escalate by policy.

Each step is one indexed ``UPDATE … RETURNING`` on ``ticket_slas`` whose ``WHERE`` excludes
the rows already handled (a breached clock is no longer ``running``; a warned one has
``*_warned_at``), so the pass is idempotent and a warning or breach fires exactly once, even
when two workers run it at the same time (the row update decides). Each one becomes an audit
event (``sla_at_risk`` / ``sla_breached`` with the clock in ``field``) in the same
transaction. A breach under a policy with ``escalation = raise_priority`` raises the ticket's
priority one level, once (through the ORM, so the audit trail and the clocks follow).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import insert, select, update

from ..core.context import Actor, acting_as
from ..core.extensions import db
from ..core.vocab import (
    ActorType,
    Priority,
    SlaClock,
    SlaEscalation,
    SlaEvent,
    SlaState,
    Source,
    Via,
    values,
)
from ..models import SlaPolicy, Ticket, TicketEvent, TicketSla, utcnow

SLA_ACTOR = Actor(type=ActorType.SYSTEM, via=Via.JOB, label="sla")
RUNNING, BREACHED = SlaState.RUNNING.value, SlaState.BREACHED.value
PRIORITIES = values(Priority)


def _columns(clock: str):
    return (
        getattr(TicketSla, f"{clock}_state"),
        getattr(TicketSla, f"{clock}_due_at"),
        getattr(TicketSla, f"{clock}_risk_at"),
        getattr(TicketSla, f"{clock}_warned_at"),
    )


def _mark(where: list, values_: dict, returning: list) -> list:
    stmt = update(TicketSla).where(*where).values(values_).returning(*returning)
    return db.session.execute(stmt, execution_options={"synchronize_session": False}).all()


def _event(ticket_id: int, action: str, clock: str, due: datetime | None, at: datetime) -> dict:
    return {
        "ticket_id": ticket_id,
        "action": action,
        "field": clock,
        "old_value": None,
        "new_value": due.isoformat() if due else None,
        "actor_type": SLA_ACTOR.type,
        "actor_id": None,
        "actor_label": SLA_ACTOR.label,
        "via": SLA_ACTOR.via,
        "request_id": None,
        "created_at": at,
    }


def run_pass(at: datetime | None = None) -> dict[str, Any]:
    """One pass over every running clock; commits. Returns what it did."""
    at = at or utcnow()
    events: list[dict] = []
    report: dict[str, Any] = {}
    breached_ids: set[int] = set()
    for clock in values(SlaClock):
        state, due, risk, warned = _columns(clock)
        breached = _mark(
            [state == RUNNING, due <= at],
            {state: BREACHED},
            [TicketSla.ticket_id, due],
        )
        at_risk = _mark(
            [state == RUNNING, risk <= at, warned.is_(None)],
            {warned: at},
            [TicketSla.ticket_id, due],
        )
        events += [_event(t, SlaEvent.BREACHED, clock, d, at) for t, d in breached]
        events += [_event(t, SlaEvent.AT_RISK, clock, d, at) for t, d in at_risk]
        breached_ids.update(t for t, _ in breached)
        report[clock] = {"breaches": len(breached), "warnings": len(at_risk)}
    report["escalated"] = escalate(breached_ids, at, events)
    if events and current_app.config.get("AUDIT_ENABLED", True):
        db.session.execute(insert(TicketEvent), events)
    db.session.commit()
    return report


def escalate(ticket_ids: set[int], at: datetime, events: list[dict]) -> int:
    """Raise the priority of just-breached tickets whose policy says so (once per ticket)."""
    if not ticket_ids:
        return 0
    rows = db.session.execute(
        select(TicketSla)
        .join(SlaPolicy, SlaPolicy.id == TicketSla.policy_id)
        .where(
            TicketSla.ticket_id.in_(ticket_ids),
            TicketSla.escalated_at.is_(None),
            SlaPolicy.escalation == SlaEscalation.RAISE_PRIORITY,
        )
    ).scalars()
    done = 0
    with acting_as(SLA_ACTOR):
        for sla in rows:
            sla.escalated_at = at
            ticket: Ticket = db.session.get(Ticket, sla.ticket_id)
            rank = PRIORITIES.index(ticket.priority) if ticket.priority in PRIORITIES else -1
            if rank + 1 >= len(PRIORITIES):
                continue  # already critical
            ticket.priority = PRIORITIES[rank + 1]
            # Like a person's choice, it sticks: triage does not lower it again.
            ticket.priority_source = Source.MANUAL.value
            ticket.updated_at = at
            events.append(_event(ticket.id, SlaEvent.ESCALATED, "priority", None, at))
            events[-1]["new_value"] = ticket.priority
            done += 1
        db.session.flush()
    return done
