"""Reading the audit trail. Writing it is recorder.py's job alone."""

from __future__ import annotations

from sqlalchemy import func, select

from ..core.context import current_actor
from ..core.errors import NotFound
from ..core.extensions import MAX_ID, db
from ..core.pagination import Page
from ..core.vocab import ActorType, Role
from ..models import Ticket, TicketEvent


def _may_read_deleted() -> bool:
    """A deleted ticket's trail is for admins (and for system callers: the CLI, jobs, and an
    app without accounts); a signed-in agent gets the same 404 as for any missing ticket."""
    actor = current_actor()
    return actor.type != ActorType.USER or actor.role == Role.ADMIN


def list_events(ticket_id: int, page: int, per_page: int) -> Page:
    """One page of a ticket's events, oldest first.

    404 when the ticket does not exist and never did (no events); a deleted ticket keeps its
    events, which admins can still read.
    """
    if not 1 <= ticket_id <= MAX_ID:
        raise NotFound(f"Ticket {ticket_id}")  # beyond the column's range: never existed
    base = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    if db.session.get(Ticket, ticket_id) is None:
        if not total or not _may_read_deleted():
            raise NotFound(f"Ticket {ticket_id}")
    offset = (page - 1) * per_page
    rows = []
    if offset < total:  # past the end: no query (and no OFFSET too large for the database)
        rows = db.session.scalars(
            base.order_by(TicketEvent.id).limit(per_page).offset(offset)
        ).all()
    return Page(list(rows), page, per_page, total, True)
