"""Reading the audit trail. Writing it is recorder.py's job alone."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select

from ..core.context import current_actor
from ..core.csvsafe import neutralise
from ..core.errors import NotFound
from ..core.extensions import MAX_ID, db
from ..core.pagination import Page, paginate
from ..core.vocab import ActorType, Role
from ..models import AccessEvent, Ticket, TicketEvent


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


# --------------------------------------------------------------------------- the access log

#: The columns of the access log's CSV, in order.
ACCESS_CSV_COLUMNS = (
    "id",
    "created_at",
    "action",
    "actor_id",
    "actor_label",
    "via",
    "subject_id",
    "subject_label",
    "address",
    "user_agent",
    "request_id",
    "details",
)


def _access_filtered(filters: dict[str, Any]) -> Select:
    """The access log narrowed by ``filters`` (each optional; different filters combine with
    AND): ``action`` (a list), ``user_id`` (by or about that user), ``email`` (the actor's or
    the subject's e-mail, e.g. a failed sign-in to an unknown account), ``address``,
    ``created_from`` (inclusive) and ``created_to`` (exclusive)."""
    stmt = select(AccessEvent)
    if actions := filters.get("action"):
        stmt = stmt.where(AccessEvent.action.in_(actions))
    if (user_id := filters.get("user_id")) is not None:
        stmt = stmt.where(or_(AccessEvent.actor_id == user_id, AccessEvent.subject_id == user_id))
    if email := filters.get("email"):
        email = email.strip().lower()
        stmt = stmt.where(or_(AccessEvent.actor_label == email, AccessEvent.subject_label == email))
    if address := filters.get("address"):
        stmt = stmt.where(AccessEvent.address == address.strip())
    if created_from := filters.get("created_from"):
        stmt = stmt.where(AccessEvent.created_at >= created_from)
    if created_to := filters.get("created_to"):
        stmt = stmt.where(AccessEvent.created_at < created_to)
    return stmt


def list_access_events(filters: dict[str, Any], page: int, per_page: int) -> Page:
    """One page of the access log, newest first."""
    return paginate(_access_filtered(filters).order_by(AccessEvent.id.desc()), page, per_page)


def _csv_row(event: AccessEvent) -> list[str]:
    values = {
        **{name: getattr(event, name) for name in ACCESS_CSV_COLUMNS},
        "created_at": event.created_at.isoformat(),
        "details": json.dumps(event.details or {}, sort_keys=True),
    }
    return [neutralise("" if values[c] is None else str(values[c])) for c in ACCESS_CSV_COLUMNS]


@dataclass
class AccessCsv:
    """An export of the access log: how many rows it holds, and its lines (streamed)."""

    rows: int
    lines: Iterator[str]


def access_log_csv(filters: dict[str, Any]) -> AccessCsv:
    """The filtered log as CSV (oldest first), fixed to the rows that exist now: the count
    given and the rows streamed are the same set however many entries arrive meanwhile."""
    last = db.session.scalar(select(func.max(AccessEvent.id))) or 0
    stmt = _access_filtered(filters).where(AccessEvent.id <= last)
    rows = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(ACCESS_CSV_COLUMNS)
        events = db.session.scalars(
            stmt.order_by(AccessEvent.id).execution_options(yield_per=CSV_BATCH)
        )
        for n, event in enumerate(events, start=1):
            writer.writerow(_csv_row(event))
            if n % CSV_BATCH == 0:
                yield _drain(buffer)
        yield _drain(buffer)

    return AccessCsv(rows, lines())


def _drain(buffer: io.StringIO) -> str:
    chunk = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return chunk


CSV_BATCH = 1_000
