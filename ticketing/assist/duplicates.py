"""The duplicate flag: a new ticket near-identical to an open one from the same requester.

Decided in the transaction that saves the ticket (``ticket_saving``), so the flag commits with
it — whatever entry point made the ticket (the API, ``/submit``, the CSV import, e-mail). The
ticket is flagged, never merged: an agent decides (``POST /api/tickets/<id>/merge``).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import Select, bindparam, literal_column, select

from ..core import events
from ..core.extensions import db
from ..core.vocab import UNRESOLVED_STATUSES
from ..models import Ticket
from .models import TicketDuplicate
from .similar import rank
from .terms import terms_of

#: Open tickets of the same requester compared, most recent first.
LOOKBACK = 20


#: Built once (a Select costs more to build than to run here): the requester is a parameter.
#: The statuses are the vocabulary's constants, written into the SQL: an ``IN`` of values is
#: an expanding parameter, rendered again at every execution.
_LATEST_OPEN = (
    select(Ticket.id, Ticket.subject, Ticket.body)
    .where(Ticket.requester_email == bindparam("requester_email"))
    .where(Ticket.status.in_([literal_column(f"'{status}'") for status in UNRESOLVED_STATUSES]))
    .order_by(Ticket.id.desc())
    .limit(LOOKBACK)
)


def latest_open_of(requester_email: str) -> Select:
    """The requester's latest open tickets (id, subject, body): a walk of the
    ``(requester_email, id)`` index, newest first, that stops at ``LOOKBACK``."""
    return _LATEST_OPEN.params(requester_email=requester_email)


def find_duplicate_of(ticket: Ticket) -> tuple[int, float] | None:
    """The id of the requester's open ticket most like ``ticket``, if it is near-identical,
    and the score. Reads only the ids and texts it compares (not whole tickets: a requester
    with many open tickets made this read a fifth of a create)."""
    threshold = current_app.config.get("DUPLICATE_THRESHOLD", 0.8)
    # On the session's connection: plain rows, no ORM entity to prepare (the ORM's execute
    # cost more than the statement), and no autoflush (it runs inside one).
    rows = db.session.connection().execute(
        _LATEST_OPEN, {"requester_email": ticket.requester_email}
    )
    earlier = [row for row in rows if row.id != ticket.id]
    if not earlier:  # most creates: the requester has no other open ticket
        return None
    best = rank(terms_of(ticket.subject, ticket.body), earlier, 1, min_score=threshold - 1e-9)
    return (best[0].ticket.id, best[0].score) if best else None


def on_ticket_saving(_sender: Any, change: events.Change) -> None:
    """A new ticket with a requester: flag it when it repeats one of their open tickets."""
    ticket = change.obj
    if not change.created or not ticket.requester_email or not events.option("duplicates", True):
        return
    found = find_duplicate_of(ticket)
    if found is not None:
        original_id, score = found
        db.session.add(TicketDuplicate(ticket=ticket, duplicate_of_id=original_id, score=score))


def flags_for(ticket_ids: list[int]) -> list[TicketDuplicate]:
    if not ticket_ids:
        return []
    return list(
        db.session.scalars(
            select(TicketDuplicate)
            .where(TicketDuplicate.ticket_id.in_(ticket_ids))
            .order_by(TicketDuplicate.ticket_id)
        )
    )


def dismiss(ticket_id: int) -> bool:
    """Clear a ticket's flag (an agent says it is not a duplicate); True when there was one."""
    flag = db.session.get(TicketDuplicate, ticket_id)
    if flag is None:
        return False
    db.session.delete(flag)
    db.session.flush()
    return True
