"""The upkeep's SLA pass: mark clocks breached, warn once at 75%, escalate by policy, notify.

Each step is one indexed ``UPDATE … RETURNING`` on ``ticket_slas`` whose ``WHERE`` excludes
the rows already handled (a breached clock is no longer ``running``; a warned one has
``*_warned_at``), so the pass is idempotent and a warning or breach fires exactly once, even
when two workers run it at the same time (the row update decides). Each one becomes an audit
event (``sla_at_risk`` / ``sla_breached`` with the clock in ``field``) and a notification to
the assignee (or the team while unassigned; ``notify``) in the same transaction. A breach
under a policy that escalates (``raise_priority``, ``reassign_to_lead`` or both) does so once
per ticket (``escalated_at``), through the ORM, so the audit trail and the clocks follow.
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
    AssignmentSource,
    Priority,
    SlaClock,
    SlaEscalation,
    SlaEvent,
    SlaState,
    Source,
    Via,
    values,
)
from ..models import SlaPolicy, Team, Ticket, TicketEvent, TicketSla, User, utcnow
from .notify import notify

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
    # Who had the ticket hears of its warning or breach; then the escalation (if any) tells
    # whoever has it afterwards.
    report["notified"] = notify([(e["ticket_id"], e["action"], e["field"], "") for e in events], at)
    warned = len(events)
    report["escalated"] = escalate(breached_ids, at, events)
    report["notified"] += notify([_escalation_item(e) for e in events[warned:]], at)
    if events and current_app.config.get("AUDIT_ENABLED", True):
        db.session.execute(insert(TicketEvent), events)
    db.session.commit()
    return report


RAISES = (SlaEscalation.RAISE_PRIORITY.value, SlaEscalation.RAISE_AND_REASSIGN.value)
REASSIGNS = (SlaEscalation.REASSIGN_TO_LEAD.value, SlaEscalation.RAISE_AND_REASSIGN.value)


def escalate(ticket_ids: set[int], at: datetime, events: list[dict]) -> int:
    """Escalate just-breached tickets whose policy says so, once per ticket: one priority
    level up (``raise_priority``) and/or to the team's lead (``reassign_to_lead``). Returns
    how many tickets changed."""
    if not ticket_ids:
        return 0
    rows = db.session.execute(
        select(TicketSla, SlaPolicy.escalation)
        .join(SlaPolicy, SlaPolicy.id == TicketSla.policy_id)
        .where(
            TicketSla.ticket_id.in_(ticket_ids),
            TicketSla.escalated_at.is_(None),
            SlaPolicy.escalation != SlaEscalation.NONE,
        )
    ).all()
    done = 0
    with acting_as(SLA_ACTOR):
        for sla, rule in rows:
            sla.escalated_at = at
            ticket: Ticket = db.session.get(Ticket, sla.ticket_id)
            changed = rule in RAISES and _raise(ticket, at, events)
            changed = (rule in REASSIGNS and _to_lead(ticket, at, events)) or changed
            done += int(changed)
        db.session.flush()
    return done


def _escalation_item(event: dict) -> tuple[int, str, str, str]:
    if event["field"] == "priority":
        what = f"priority raised to {event['new_value']}"
    else:
        what = "assigned to the team lead"
    return (event["ticket_id"], event["action"], event["field"], what)


def _escalated(ticket: Ticket, field: str, value: str, at: datetime, events: list[dict]) -> None:
    ticket.updated_at = at
    events.append(_event(ticket.id, SlaEvent.ESCALATED, field, None, at))
    events[-1]["new_value"] = value


def _raise(ticket: Ticket, at: datetime, events: list[dict]) -> bool:
    rank = PRIORITIES.index(ticket.priority) if ticket.priority in PRIORITIES else -1
    if rank + 1 >= len(PRIORITIES):
        return False  # already critical
    ticket.priority = PRIORITIES[rank + 1]
    # Like a person's choice, it sticks: triage does not lower it again.
    ticket.priority_source = Source.MANUAL.value
    _escalated(ticket, "priority", ticket.priority, at, events)
    return True


def _to_lead(ticket: Ticket, at: datetime, events: list[dict]) -> bool:
    """Give the ticket to its team's lead (an active one; not when they have it already)."""
    if ticket.team_id is None:
        return False
    lead_id = db.session.scalar(
        select(Team.lead_id)
        .join(User, User.id == Team.lead_id)
        .where(Team.id == ticket.team_id, User.active.is_(True))
    )
    if lead_id is None or ticket.assignee_id == lead_id:
        return False
    ticket.assignee_id = lead_id
    # Routing never takes it away again (as with a person's assignment).
    ticket.assignee_source = AssignmentSource.MANUAL.value
    _escalated(ticket, "assignee", str(lead_id), at, events)
    return True
