"""Job functions for the audit tests (RQ imports a job's function by its dotted name)."""

from __future__ import annotations

from ticketing.core.context import Actor, acting_as
from ticketing.core.extensions import db
from ticketing.tickets import services


def close_ticket(ticket_id: int) -> None:
    """A generic job: it acts as whatever AppJob sets (system via job)."""
    services.update_ticket(services.get_ticket(ticket_id), {"status": "closed"})
    db.session.commit()


def triage_like(ticket_id: int) -> None:
    """What the triage job does: its changes are made as ``triage``."""
    with acting_as(Actor(type="triage", via="job", label="Claude")):
        ticket = services.get_ticket(ticket_id)
        ticket.category, ticket.category_source = "billing", "claude"
        ticket.sentiment, ticket.urgency_score = "angry", 87
        ticket.triage_status = "done"
        db.session.commit()
