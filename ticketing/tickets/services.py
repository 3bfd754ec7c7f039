"""Ticket rules and queries. Services flush; the caller (route, job, CLI) commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app
from sqlalchemy import Select, case, func, select, text
from sqlalchemy.orm import selectinload

from ..core.errors import NotFound
from ..core.extensions import db
from ..core.pagination import Page
from ..core.vocab import (
    CLOSED_STATUSES,
    PRIORITY_RANK,
    REOPENED_BY_CUSTOMER,
    UNCLASSIFIED,
    Source,
    TicketStatus,
)
from ..models import Reply, Tag, Ticket, User, ticket_tags, utcnow
from .search import apply_search

NULLABLE_SORT_KEYS = frozenset({"priority", "urgency_score"})


def get_ticket(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id}")
    return ticket


def get_or_create_tags(names: Iterable[str]) -> list[Tag]:
    """Tags by normalised name, creating the missing ones (names arrive normalised)."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    existing = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(wanted)))}
    tags = []
    for name in wanted:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
        tags.append(tag)
    return tags


def _set_status(ticket: Ticket, status: str) -> None:
    was_closed = ticket.status in CLOSED_STATUSES
    ticket.status = status
    if status in CLOSED_STATUSES and not was_closed:
        ticket.resolved_at = utcnow()
    elif status not in CLOSED_STATUSES:
        ticket.resolved_at = None


def create_ticket(data: dict[str, Any], created_by_id: int | None = None) -> Ticket:
    """A new ticket from validated fields; a category/priority given by a person is ``manual``."""
    ticket = build_ticket(data, created_by_id)
    db.session.flush()
    return ticket


def build_ticket(data: dict[str, Any], created_by_id: int | None = None) -> Ticket:
    """``create_ticket`` without the flush: the ticket is added to the session, so a bulk caller
    (the CSV import) can flush many at once. The same rules apply."""
    data = dict(data)
    tags = data.pop("tags", [])
    status = data.pop("status", TicketStatus.OPEN)
    ticket = Ticket(created_by_id=created_by_id, **data)
    ticket.status = TicketStatus.OPEN
    _set_status(ticket, status)
    if ticket.category:
        ticket.category_source = Source.MANUAL
    if ticket.priority:
        ticket.priority_source = Source.MANUAL
    ticket.tags = get_or_create_tags(tags)
    db.session.add(ticket)
    return ticket


def update_ticket(ticket: Ticket, data: dict[str, Any]) -> set[str]:
    """Apply a partial update; returns the names of the fields that really changed."""
    changed: set[str] = set()
    for key, value in data.items():
        if key == "tags":
            if value != ticket.tag_names:
                ticket.tags = get_or_create_tags(value)
                changed.add("tags")
            continue
        if getattr(ticket, key) == value and key not in ("category", "priority"):
            continue
        if key == "status":
            _set_status(ticket, value)
        elif key in ("category", "priority"):
            # A person's choice (even the same value triage gave) becomes manual and sticks.
            source_attr = f"{key}_source"
            new_source = Source.MANUAL if value is not None else None
            if getattr(ticket, key) == value and getattr(ticket, source_attr) == new_source:
                continue
            setattr(ticket, key, value)
            setattr(ticket, source_attr, new_source)
        else:
            setattr(ticket, key, value)
        changed.add(key)
    if changed:
        ticket.updated_at = utcnow()
        db.session.flush()
    return changed


def delete_ticket(ticket: Ticket) -> None:
    db.session.delete(ticket)
    db.session.flush()


def filter_tickets(stmt: Select, filters: dict[str, Any]) -> Select:
    """Apply the list filters (several values of one filter combine with OR)."""
    if statuses := filters.get("status"):
        stmt = stmt.where(Ticket.status.in_(statuses))
    if categories := filters.get("category"):
        named = [c for c in categories if c != UNCLASSIFIED]
        conditions = []
        if named:
            conditions.append(Ticket.category.in_(named))
        if UNCLASSIFIED in categories:
            conditions.append(Ticket.category.is_(None))
        stmt = stmt.where(conditions[0] if len(conditions) == 1 else db.or_(*conditions))
    if priorities := filters.get("priority"):
        stmt = stmt.where(Ticket.priority.in_(priorities))
    if sentiments := filters.get("sentiment"):
        stmt = stmt.where(Ticket.sentiment.in_(sentiments))
    if tags := filters.get("tag"):
        tagged = (
            select(ticket_tags.c.ticket_id)
            .join(Tag, Tag.id == ticket_tags.c.tag_id)
            .where(Tag.name.in_(tags))
        )
        stmt = stmt.where(Ticket.id.in_(tagged))
    if "has_note" in filters:
        has_note = (Ticket.note.is_not(None)) & (Ticket.note != "")
        stmt = stmt.where(has_note if filters["has_note"] else ~has_note)
    if requester := filters.get("requester"):
        stmt = stmt.where(Ticket.requester_email == requester)
    if languages := filters.get("language"):
        stmt = stmt.where(Ticket.language.in_(languages))
    if created_from := filters.get("created_from"):
        stmt = stmt.where(Ticket.created_at >= created_from)
    if created_to := filters.get("created_to"):
        stmt = stmt.where(Ticket.created_at < created_to)
    if q := filters.get("q"):
        stmt = apply_search(stmt, q, db.session.get_bind().dialect.name)
    return stmt


def _order_by(sort: str) -> list:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "priority":
        column = case(dict(PRIORITY_RANK), value=Ticket.priority, else_=None)
    else:
        column = getattr(Ticket, key)
    ordered = column.desc() if descending else column.asc()
    if key in NULLABLE_SORT_KEYS:
        # Tickets without a value sort last either way. Only here: NULLS LAST on a NOT NULL
        # timestamp would stop PostgreSQL from walking the (created_at, id) index backwards.
        ordered = ordered.nulls_last()
    return [ordered, Ticket.id.desc() if descending else Ticket.id.asc()]


def planner_estimate(stmt: Select, above: int) -> int | None:
    """PostgreSQL's own row estimate for ``stmt`` (one EXPLAIN, no rows read).

    Only asked when the table's statistics say it holds more than ``above`` rows: estimates
    on a small or never-analysed table are guesses, and counting such a table is cheap.
    """
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    table_rows = db.session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = 'tickets'::regclass")
    ).scalar()
    if not table_rows or table_rows <= above:
        return None
    compiled = (
        stmt.with_only_columns(Ticket.id)
        .order_by(None)
        .compile(dialect=bind.dialect, compile_kwargs={"render_postcompile": True})
    )
    connection = db.session.connection()
    plan = connection.exec_driver_sql(
        "EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params
    ).scalar()
    return int(plan[0]["Plan"]["Plan Rows"])


def count_capped(stmt: Select, cap: int) -> tuple[int, bool]:
    """Count the rows ``stmt`` selects, but never more than ``cap`` of them.

    Counting a broad filter over a million rows costs hundreds of milliseconds, so when
    PostgreSQL's planner expects more than ``cap`` rows its estimate is returned instead
    (``exact`` is then False). Otherwise the count stops at ``cap`` + 1 rows.
    """
    estimate = planner_estimate(stmt, cap)
    if estimate is not None and estimate > cap:
        return estimate, False
    limited = stmt.with_only_columns(Ticket.id).order_by(None).limit(cap + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(limited)) or 0
    if total > cap:
        return cap, False
    return total, True


def list_tickets(params: dict[str, Any]) -> Page:
    """One page of tickets matching the filters, sorted, with (capped) total."""
    page, per_page = params["page"], params["per_page"]
    stmt = filter_tickets(select(Ticket), params)
    cap = current_app.config["SEARCH_COUNT_CAP"]
    total, exact = count_capped(stmt, cap)
    rows = db.session.scalars(
        stmt.order_by(*_order_by(params.get("sort", "-created_at")))
        .options(selectinload(Ticket.tags), selectinload(Ticket.replies).load_only(Reply.id))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(rows), page, per_page, total, exact)


def add_reply(
    ticket: Ticket,
    data: dict[str, Any],
    author: User | None = None,
    on_behalf_of: dict[str, Any] | None = None,
) -> Reply:
    """Add a reply written by ``author`` (the signed-in user: its name and e-mail are the
    reply's author, never the caller's say), optionally posted for someone else."""
    reply = Reply(ticket=ticket, **data)
    if author is not None:
        reply.user_id, reply.author_name, reply.author_email = author.id, author.name, author.email
    if on_behalf_of:
        reply.on_behalf_of_name = on_behalf_of["name"]
        reply.on_behalf_of_email = on_behalf_of.get("email")
    db.session.add(reply)
    ticket.updated_at = utcnow()
    db.session.flush()
    return reply


def add_customer_reply(
    ticket: Ticket, body: str, email: str | None, name: str | None = None
) -> Reply:
    """A reply written by the customer (a mail in, the status page). The status rule lives
    here, once: a ticket waiting on the customer (``pending``) or ``resolved`` goes back to
    ``open``; any other status stays as it is."""
    reply = Reply(
        ticket=ticket,
        body=body,
        author_email=email,
        author_name=name or None,
        from_customer=True,
        internal=False,
    )
    db.session.add(reply)
    if ticket.status in REOPENED_BY_CUSTOMER:
        _set_status(ticket, TicketStatus.OPEN)
    ticket.updated_at = utcnow()
    db.session.flush()
    return reply


def list_replies(ticket: Ticket, include_internal: bool = True) -> list[Reply]:
    return [r for r in ticket.replies if include_internal or not r.internal]
